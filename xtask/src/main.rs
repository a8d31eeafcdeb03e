//! Maintainer tasks for the Synerise client workspace.
//!
//! ```text
//! cargo xtask fetch [--url URL]    download the vendor spec into openapi/ and report what changed
//! cargo xtask normalise            write openapi/synerise.json and openapi/normalise-report.md
//! cargo xtask codegen [--check]    normalise + generate crates/synerise-api/src/generated*.rs and
//!                                  tests/tests/wire/generated.rs
//! ```

mod codegen;
mod diff;
mod fetch;
mod generated_fixes;
mod normalise;
mod operation_table;
mod spec;
mod wire_tests;

use std::path::PathBuf;
use std::process::ExitCode;

/// Errors bubble up to `main` as boxed errors with a readable message.
pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

const USAGE: &str = "usage: cargo xtask <fetch [--url URL] | normalise | codegen [--check]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("fetch") => {
            let url = match args.get(1).map(String::as_str) {
                Some("--url") => match args.get(2) {
                    Some(url) => url.clone(),
                    None => return usage(),
                },
                None => fetch::DEFAULT_URL.to_string(),
                Some(_) => return usage(),
            };
            fetch::run(&root, &url).map(|summary| println!("{summary}"))
        }
        Some("normalise") if args.len() == 1 => codegen::write_normalised(&root),
        Some("codegen") => match args.get(1).map(String::as_str) {
            None => codegen::run(&root, codegen::Mode::Write),
            Some("--check") => codegen::run(&root, codegen::Mode::Check),
            Some(_) => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
