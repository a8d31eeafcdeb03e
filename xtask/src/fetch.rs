//! `cargo xtask fetch [--url URL]`: download the vendor spec, check that it is an OpenAPI 3.0.x
//! document, write `openapi/data-management.yaml` atomically with `openapi/spec.lock`, and report
//! what changed. A failed download, an HTML page or a 3.1 / 2.0 document is an error and leaves the
//! vendored files untouched.

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::codegen::write_atomic;
use crate::{Result, diff, spec};

/// Where Synerise publishes the Data Management spec.
pub const DEFAULT_URL: &str = "https://hub.synerise.com/api-reference/data-management.yaml";

/// Downloads into `<root>/openapi/` and returns the change report.
pub fn run(root: &Path, url: &str) -> Result<String> {
    let text = download(url)?;
    install(&root.join("openapi"), url, &text)
}

fn download(url: &str) -> Result<String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("synerise-xtask/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let response = client
        .get(url)
        .send()
        .map_err(|e| format!("download of {url} failed: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("download of {url} failed: HTTP {status}").into());
    }
    Ok(response.text()?)
}

/// Validates `text` and, if it is a usable spec, writes it and the lock file into `dir`.
pub fn install(dir: &Path, url: &str, text: &str) -> Result<String> {
    let head = text
        .trim_start()
        .get(..256.min(text.trim_start().len()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype") || head.starts_with("<html") {
        return Err(format!("{url} returned an HTML page, not an OpenAPI document").into());
    }
    let new = spec::parse(text).map_err(|e| format!("{url} is not YAML or JSON: {e}"))?;
    spec::check_openapi_3_0(&new).map_err(|e| format!("{url}: {e}"))?;
    serde_json::from_value::<openapiv3::OpenAPI>(new.clone())
        .map_err(|e| format!("{url} does not parse as OpenAPI 3.0: {e}"))?;
    let target = dir.join("data-management.yaml");
    let change_report = match std::fs::read_to_string(&target) {
        Ok(old_text) => match spec::parse(&old_text) {
            Ok(old) => diff::report(&old, &new),
            Err(_) => "previous file did not parse; every operation is new".to_string(),
        },
        Err(_) => "no previous file; every operation is new".to_string(),
    };
    let sha = format!("{:x}", Sha256::digest(text.as_bytes()));
    let lock = format!(
        "# Written by `cargo xtask fetch`; records where openapi/data-management.yaml came from.\nsource = {url:?}\nsha256 = {sha:?}\nfetched = {:?}\n",
        chrono::Utc::now().format("%Y-%m-%d").to_string()
    );
    write_atomic(&target, text.as_bytes())?;
    write_atomic(&dir.join("spec.lock"), lock.as_bytes())?;
    Ok(format!(
        "fetched {url} (sha256 {sha})\n{change_report}\nnext: review the report, run `cargo xtask codegen`, run the tests, commit"
    ))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// Serves `body` with `status` to every connection on an ephemeral loopback port.
    fn serve(status: &'static str, content_type: &'static str, body: String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        format!("http://{addr}/spec.yaml")
    }

    const SPEC: &str = "openapi: 3.0.3\ninfo: {title: t, version: '4.4'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses: {'200': {description: ok}}\n";

    fn vendored_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data-management.yaml"), SPEC).unwrap();
        std::fs::write(dir.path().join("spec.lock"), "old lock\n").unwrap();
        dir
    }

    fn snapshot(dir: &std::path::Path) -> (String, String) {
        (
            std::fs::read_to_string(dir.join("data-management.yaml")).unwrap(),
            std::fs::read_to_string(dir.join("spec.lock")).unwrap(),
        )
    }

    #[test]
    fn fetches_from_loopback_and_reports_changes() {
        let dir = vendored_dir();
        let new = format!(
            "{SPEC}  /b:\n    post:\n      operationId: b\n      responses: {{'202': {{description: ok}}}}\n"
        );
        let url = serve("200 OK", "application/yaml", new.clone());
        let report = super::download(&url)
            .and_then(|t| super::install(dir.path(), &url, &t))
            .unwrap();
        assert!(report.contains("+ added    POST /b"), "{report}");
        let (spec, lock) = snapshot(dir.path());
        assert_eq!(spec, new);
        assert!(
            lock.contains(&format!("source = {url:?}")) && lock.contains("sha256 = "),
            "{lock}"
        );
    }

    #[test]
    fn failures_leave_the_vendored_files_untouched() {
        let dir = vendored_dir();
        let before = snapshot(dir.path());
        let cases = [
            serve("404 Not Found", "text/plain", "nope".into()),
            serve(
                "200 OK",
                "text/html",
                "<!DOCTYPE html><html><body>hub</body></html>".into(),
            ),
            serve("200 OK", "application/yaml", SPEC.replace("3.0.3", "3.1.0")),
            serve(
                "200 OK",
                "application/json",
                "{\"swagger\": \"2.0\", \"paths\": {}}".into(),
            ),
            serve("200 OK", "application/yaml", "just: [unbalanced".into()),
        ];
        for url in cases {
            let result = super::download(&url).and_then(|t| super::install(dir.path(), &url, &t));
            assert!(result.is_err(), "{url} should fail");
            assert_eq!(
                snapshot(dir.path()),
                before,
                "{url} changed the vendored files"
            );
        }
        // Nothing listens on a just-closed port: a transport error.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(super::download(&format!("http://127.0.0.1:{port}/spec.yaml")).is_err());
        assert_eq!(snapshot(dir.path()), before);
    }
}
