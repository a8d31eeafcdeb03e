//! `synerise-mock`: runs the in-memory Synerise server until Ctrl-C.
//!
//! ```text
//! synerise-mock [--port PORT] [--seed SEED] [--count-only]
//! ```

use std::process::ExitCode;

use synerise_mock::{MockConfig, StoreMode, SyneriseMock};

fn usage() -> ExitCode {
    eprintln!("usage: synerise-mock [--port PORT] [--seed SEED] [--count-only]");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = MockConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|v| v.parse().ok()) {
                Some(port) => config = config.port(port),
                None => return usage(),
            },
            "--seed" => match args.next().and_then(|v| v.parse().ok()) {
                Some(seed) => config = config.seed(seed),
                None => return usage(),
            },
            "--count-only" => config = config.store_mode(StoreMode::CountOnly),
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    let mock = match SyneriseMock::try_start_with(config).await {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("synerise-mock: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("base_url={}", mock.base_url());
    println!("api_key={}", mock.api_key());
    println!("workspace_guid={}", mock.workspace_guid());
    println!("profile_api_key={}", mock.profile_api_key());
    println!("basic_auth={}", mock.basic_auth_header());
    println!(
        "user={} password={}",
        MockConfig::DEFAULT_USERNAME,
        MockConfig::DEFAULT_PASSWORD
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    mock.shutdown().await;
    ExitCode::SUCCESS
}
