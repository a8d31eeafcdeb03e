//! Shared helpers of the auth, retry and secrets tests: JWT-shaped tokens, clients pointed at a
//! wiremock server with deterministic (zero) backoff, request inspection.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use synerise::retry::RetryConfig;
use synerise::{Client, ClientBuilder, Credentials};
use wiremock::{MockServer, Request};

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A JWT-shaped token issued `age` seconds ago that expires `expires_in` seconds from now.
/// `tag` makes it unique and recognisable.
pub fn jwt_aged(tag: &str, age: i64, expires_in: i64) -> String {
    let now = now_secs();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS512","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(
        serde_json::json!({ "sub": tag, "iat": now - age, "exp": now + expires_in }).to_string(),
    );
    format!("{header}.{payload}.sig-{tag}")
}

/// A fresh one-hour token.
pub fn jwt(tag: &str) -> String {
    jwt_aged(tag, 0, 3600)
}

/// A builder pointed at `server`, with zero backoff so retries need no waiting.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .retry(RetryConfig::default().jitter(|| 0.0))
}

pub fn client(server: &MockServer, credentials: Credentials) -> Client {
    builder(server).credentials(credentials).build().unwrap()
}

/// The requests `server` received for `path` (exact), in order.
pub async fn requests_to(server: &MockServer, method: &str, path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == path && r.method.as_str() == method)
        .collect()
}

pub fn header_value(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

pub fn json_body(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

thread_local! {
    /// Where the process-wide test subscriber writes on this thread (nothing when `None`).
    static SINK: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// The process-wide subscriber's writer: appends to the current thread's capture, if any.
struct ThreadSink;

impl Write for ThreadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        SINK.with(|sink| {
            if let Some(captured) = &*sink.borrow() {
                captured.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops the current thread's capture when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        SINK.with(|sink| sink.borrow_mut().take());
    }
}

/// Captures everything at TRACE (spans included) emitted on the current thread until the guard
/// drops.
///
/// One global subscriber serves the whole test binary and routes output by thread. A scoped
/// (`set_default`) subscriber is not reliable here: while it is the only one alive, `tracing`
/// caches the interest of callsites first hit on *other* threads (tests without a subscriber) as
/// "never", and those events then vanish from the capture too.
pub fn capture_tracing() -> (Captured, CaptureGuard) {
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(|| ThreadSink)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the test binaries");
    });
    // Callsites registered before the global subscriber existed cached "never"; recompute.
    tracing::callsite::rebuild_interest_cache();
    let captured = Captured::default();
    SINK.with(|sink| *sink.borrow_mut() = Some(captured.clone()));
    (captured, CaptureGuard(()))
}
