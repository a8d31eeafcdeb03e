//! Quickstart: log in as a Workspace, upsert a few thousand Profiles through the batch API, send a
//! batch of events, list the Profiles back through the pagination stream, and print what was
//! verified.
//!
//! ```text
//! cargo run -p synerise --example quickstart
//! ```
//!
//! With no environment variables it starts the built-in mock (`synerise-mock`) in this process
//! and checks the mock's store as well. To run it against your Workspace instead:
//!
//! ```text
//! SYNERISE_API_KEY=...            # a Workspace API key (Settings → API keys)
//! SYNERISE_REGION=azure-eu        # optional: azure-eu (default), azure-us or gcp
//! SYNERISE_BASE_URL=https://...   # optional: any other base URL (wins over the region)
//! ```
//!
//! Against a real Workspace it creates 3,000 Profiles with customIds `quickstart-<run>-<n>` and
//! 1,000 custom events `quickstart.imported` on them. Set `RUST_LOG=synerise=debug` to see every
//! request.

use std::error::Error as StdError;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{TryStreamExt, stream};
use serde_json::json;
use synerise::batch::{BatchOptions, BatchReport};
use synerise::types::ProfileBatchItem;
use synerise::{Client, Credentials, Region};
use synerise_mock::{ProfileRef, SyneriseMock};

/// Profiles to upsert.
const PROFILES: usize = 3_000;
/// Events to send (one per Profile, for the first ones).
const EVENTS: usize = 1_000;
/// Page size of the listing.
const PAGE_SIZE: u32 = 500;
const EVENT_ACTION: &str = "quickstart.imported";

type BoxError = Box<dyn StdError + Send + Sync>;

/// Where the quickstart runs: the in-process mock, or a real Workspace.
enum Target {
    Mock(SyneriseMock),
    Real { base_url: String },
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart failed: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Reads the environment: the real API with `SYNERISE_API_KEY`, else the mock.
async fn connect() -> Result<(Target, Client), BoxError> {
    let (region, key) = match (
        env("SYNERISE_API_KEY"),
        env("SYNERISE_BASE_URL"),
        env("SYNERISE_REGION"),
    ) {
        (None, None, None) => {
            let mock = SyneriseMock::start().await;
            println!(
                "No SYNERISE_API_KEY set: started the built-in mock at {} (in this process, in memory).",
                mock.base_url()
            );
            let client = Client::builder()
                .base_url(mock.base_url())
                .credentials(Credentials::workspace_api_key(mock.api_key()))
                .build()?;
            return Ok((Target::Mock(mock), client));
        }
        (None, _, _) => {
            return Err(
                "SYNERISE_BASE_URL or SYNERISE_REGION is set but SYNERISE_API_KEY is not; set the Workspace API key too, or unset both to use the built-in mock".into(),
            );
        }
        (Some(key), Some(url), _) => (Region::Custom(url), key),
        (Some(key), None, Some(region)) => {
            let region = Region::parse(&region)
                .filter(|r| !matches!(r, Region::Custom(_)))
                .ok_or_else(|| {
                    format!("SYNERISE_REGION must be azure-eu, azure-us or gcp (got `{region}`)")
                })?;
            (region, key)
        }
        (Some(key), None, None) => (Region::AzureEu, key),
    };
    let base_url = region.base_url().to_string();
    println!("Using the Synerise API at {base_url}.");
    let client = Client::builder()
        .region(region)
        .credentials(Credentials::workspace_api_key(key))
        .deadline(Duration::from_secs(120))
        .build()?;
    Ok((Target::Real { base_url }, client))
}

/// A short, unique tag for this run, so that runs against a real Workspace do not collide.
fn run_tag() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{millis:x}")
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), BoxError> {
    if ok { Ok(()) } else { Err(what().into()) }
}

fn check_report(report: &BatchReport, what: &str) -> Result<(), BoxError> {
    if report.is_success() {
        return Ok(());
    }
    let mut message = format!("not every {what} was accepted: {report}");
    for (index, fate) in report.failures().take(5) {
        message.push_str(&format!("\n  item {index}: {fate:?}"));
    }
    Err(message.into())
}

async fn run() -> Result<(), BoxError> {
    let started = Instant::now();
    let (target, client) = connect().await?;
    let tag = run_tag();
    let custom_id = |i: usize| format!("quickstart-{tag}-{i}");

    // 1. Log in as the Workspace (POST /uauth/v2/auth/login/profile). The client would do it on
    //    the first call anyway; doing it first makes a wrong key the first thing reported.
    let step = Instant::now();
    client.access_token().await.map_err(|e| {
        let hint = match e {
            synerise::Error::Auth { .. } => {
                "check SYNERISE_API_KEY, and the region the Workspace is in"
            }
            _ => "check the network, SYNERISE_REGION and SYNERISE_BASE_URL",
        };
        format!("the Workspace login failed: {e} ({hint})")
    })?;
    println!(
        "Logged in as the Workspace with its API key ({:.2} s).",
        secs(step)
    );

    // 2. Upsert the Profiles through the batch API: bodies of at most 1000 items / 1 MB, a few
    //    requests in flight.
    let step = Instant::now();
    let profiles = (0..PROFILES).map(|i| ProfileBatchItem {
        custom_id: Some(custom_id(i)),
        email: Some(format!("quickstart-{tag}-{i}@example.com")),
        first_name: Some(["Anna", "Jan", "Ola", "Piotr"][i % 4].to_string()),
        city: Some("Kraków".to_string()),
        ..Default::default()
    });
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(profiles), BatchOptions::default())
        .await?;
    check_report(&report, "Profile")?;
    println!(
        "Upserted {} Profiles in {} requests ({:.2} s).",
        report.accepted(),
        report.requests().len(),
        secs(step)
    );

    // 3. Send a batch of events: a custom event for each of the first Profiles. The client adds
    //    a time and an eventSalt, so a retried request overwrites instead of duplicating.
    let step = Instant::now();
    let events = (0..EVENTS).map(|i| {
        json!({
            "type": "custom",
            "action": EVENT_ACTION,
            "label": "Imported by the quickstart",
            "client": { "customId": custom_id(i) },
            "params": { "run": tag, "n": i },
        })
    });
    let report = client
        .events()
        .bulk_send(stream::iter(events), BatchOptions::default())
        .await?;
    check_report(&report, "event")?;
    println!(
        "Sent {} events in {} batch request(s) ({:.2} s).",
        report.accepted(),
        report.requests().len(),
        secs(step)
    );

    // 4. List the Profiles back through the pagination stream (GET /v4/clients, pageIndex and
    //    pageSize), counting the ones this run created.
    let step = Instant::now();
    let prefix = format!("quickstart-{tag}-");
    let mut listing = client.profiles().list().page_size(PAGE_SIZE);
    if matches!(target, Target::Real { .. }) {
        // A real Workspace may hold millions of Profiles: look at the first pages only.
        listing = listing.max_items(10 * PROFILES as u64);
    }
    let (listed, ours) = listing
        .items()
        .try_fold((0usize, 0usize), |(listed, ours), profile| {
            let mine = profile
                .custom_id
                .as_deref()
                .is_some_and(|c| c.starts_with(&prefix));
            async move { Ok((listed + 1, ours + usize::from(mine))) }
        })
        .await?;
    println!(
        "Listed {listed} Profiles in pages of {PAGE_SIZE}; {ours} of them are this run's ({:.2} s).",
        secs(step)
    );

    match &target {
        Target::Mock(mock) => {
            // 5. Against the mock, check the store as well.
            check(ours == PROFILES, || {
                format!("the listing returned {ours} of the {PROFILES} Profiles upserted")
            })?;
            check(mock.profile_count() == PROFILES, || {
                format!(
                    "the mock holds {} Profiles, expected {PROFILES}",
                    mock.profile_count()
                )
            })?;
            check(mock.event_count() == EVENTS, || {
                format!(
                    "the mock holds {} events, expected {EVENTS}",
                    mock.event_count()
                )
            })?;
            let first = mock.events_for_profile(ProfileRef::CustomId(custom_id(0)));
            check(first.len() == 1 && first[0].action == EVENT_ACTION, || {
                format!("the first Profile's events are {first:?}")
            })?;
            let last = mock.profile_by_custom_id(&custom_id(PROFILES - 1));
            check(
                last.as_ref().is_some_and(|p| p["city"] == "Kraków"),
                || format!("the last Profile is {last:?}"),
            )?;
            println!(
                "Verified: {PROFILES} Profiles upserted and listed back, {EVENTS} events sent; \
                 the mock's store holds {} Profiles and {} events ({} request(s) in total).",
                mock.profile_count(),
                mock.event_count(),
                mock.journal_len()
            );
        }
        Target::Real { base_url } if ours == PROFILES => {
            println!(
                "Verified: {PROFILES} Profiles and {EVENTS} events accepted by {base_url}, and \
                 every Profile listed back."
            );
        }
        Target::Real { base_url } => {
            println!(
                "Verified: {PROFILES} Profiles and {EVENTS} events accepted by {base_url}; {ours} \
                 of the Profiles listed back so far (Synerise applies batches asynchronously, so \
                 the rest may take a moment to appear)."
            );
        }
    }
    println!("Done in {:.2} s.", secs(started));
    Ok(())
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}
