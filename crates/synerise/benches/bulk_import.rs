//! Wall time of a bulk import through `client.profiles().bulk_upsert(..)`, relative to the ideal
//! of a server that takes 20 ms per request: `requests × 20 ms ÷ concurrency`. Goal: ratio ≤ 1.25.
//!
//! 100,000 profiles go to the in-process mock (count-only store, journal off) with a 20 ms latency
//! fault on `POST /v4/clients/batch`, at `BatchOptions::concurrency(8)`, authenticated with a
//! Workspace API key login. The profiles are generated before the clock starts (they are the
//! caller's input); everything after — chunking, serialisation, login, sending, per-item report —
//! is timed. The mock runs on a runtime of its own so that its request handling (it parses every
//! body) does not take turns with the uploader on the same worker threads.
//!
//! The figure that counts uses compact profiles (~180 bytes: identifiers, names, a city, two
//! attributes, a tag), best of 5 rounds; realistic ones (`support/profiles.rs`, ~780 bytes) are
//! printed for reference. Every round is followed by the same import without the latency: the CPU
//! floor of client and mock together on this machine (the ratio cannot get below it). Two more
//! series go to a minimal server that reads each body and answers 202 after 20 ms (or at once)
//! without parsing it: the client alone.
//!
//! `cargo bench -p synerise --bench bulk_import [-- N]` (about 15 s). Not a test: it asserts
//! nothing.

use std::time::{Duration, Instant};

use synerise::batch::BatchOptions;
use synerise::types::ProfileBatchItem;
use synerise::{Client, Credentials};
use synerise_mock::{FaultSpec, JournalMode, MockConfig, Route, StoreMode, SyneriseMock};

#[path = "support/server.rs"]
mod server;
#[path = "support/profiles.rs"]
mod support;

const LATENCY: Duration = Duration::from_millis(20);
const CONCURRENCY: usize = 8;
const ROUNDS: usize = 5;
const REALISTIC_ROUNDS: usize = 3;
const GOAL: f64 = 1.25;

struct Run {
    elapsed: Duration,
    requests: usize,
}

async fn import(client: &Client, items: &[ProfileBatchItem]) -> Run {
    let started = Instant::now();
    let report = client
        .profiles()
        .bulk_upsert(
            futures::stream::iter(items),
            BatchOptions::default().concurrency(CONCURRENCY),
        )
        .await
        .expect("valid options");
    let elapsed = started.elapsed();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.accepted(), items.len() as u64);
    Run {
        elapsed,
        requests: report.requests().len(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Compact profiles: identifiers, names, a city, two attributes, a tag (~190 bytes of JSON).
fn compact_profiles(n: u64) -> Vec<ProfileBatchItem> {
    const CITIES: [&str; 4] = ["Kraków", "Warszawa", "Gdańsk", "Poznań"];
    (0..n)
        .map(|i| ProfileBatchItem {
            custom_id: Some(format!("cust-{i}")),
            email: Some(format!("user{i}@example.com")),
            first_name: Some("Anna".into()),
            last_name: Some(format!("Nowak-{}", i % 97)),
            city: Some(CITIES[(i % 4) as usize].into()),
            attributes: Some(synerise::types::ProfileAttributes(
                [
                    ("loyaltyTier".to_string(), serde_json::json!("gold")),
                    ("score".to_string(), serde_json::json!(i % 1000)),
                ]
                .into_iter()
                .collect(),
            )),
            tags: vec!["imported".into()],
            ..Default::default()
        })
        .collect()
}

struct Series {
    best: f64,
    median: f64,
    floor: f64,
    requests: usize,
    bytes_per_item: usize,
}

/// `rounds` imports with 20 ms per request (`slow`, after `latency(true)`), each followed by one
/// without (`fast`, after `latency(false)`): the CPU floor.
fn series(
    runtime: &tokio::runtime::Runtime,
    (slow, fast): (&Client, &Client),
    latency: &dyn Fn(bool),
    items: &[ProfileBatchItem],
    rounds: usize,
) -> Series {
    latency(true);
    runtime.block_on(import(slow, items)); // warm-up
    let (mut ratios, mut floors, mut requests) = (Vec::new(), Vec::new(), 0);
    for round in 0..rounds {
        latency(true);
        let run = runtime.block_on(import(slow, items));
        requests = run.requests;
        let ideal = LATENCY.as_secs_f64() * run.requests as f64 / CONCURRENCY as f64;
        let ratio = run.elapsed.as_secs_f64() / ideal;
        latency(false);
        let floor = runtime.block_on(import(fast, items));
        println!(
            "    round {}: {} requests, ideal {:.0} ms, took {:.0} ms (ratio {ratio:.3}); without the latency {:.0} ms",
            round + 1,
            run.requests,
            ideal * 1e3,
            run.elapsed.as_secs_f64() * 1e3,
            floor.elapsed.as_secs_f64() * 1e3,
        );
        ratios.push(ratio);
        floors.push(floor.elapsed.as_secs_f64() / ideal);
    }
    let bytes: usize = items
        .iter()
        .map(|i| serde_json::to_vec(i).expect("json").len())
        .sum();
    Series {
        best: ratios.iter().copied().fold(f64::INFINITY, f64::min),
        median: median(ratios),
        floor: floors.iter().copied().fold(f64::INFINITY, f64::min),
        requests,
        bytes_per_item: bytes / items.len(),
    }
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);

    // The mock on its own runtime (2 worker threads).
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("mock")
        .enable_all()
        .build()
        .expect("mock runtime");
    let mock = server_rt.block_on(SyneriseMock::start_with(
        MockConfig::default()
            .store_mode(StoreMode::CountOnly)
            .journal(JournalMode::Off),
    ));
    // For reference, two minimal servers that read each body and answer 202 without parsing it,
    // after 20 ms and at once: the client alone.
    let (slow_url, fast_url) = server_rt.block_on(async {
        (
            server::start(LATENCY).await,
            server::start(Duration::ZERO).await,
        )
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let client = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::workspace_api_key(mock.api_key()))
        .build()
        .expect("client");
    let build = |url: &str| {
        Client::builder()
            .base_url(url)
            .credentials(Credentials::workspace_api_key("api-key"))
            .build()
            .expect("client")
    };
    let (slow, fast) = (build(&slow_url), build(&fast_url));
    let route = Route::new("POST", "/v4/clients/batch");
    let mock_latency = |on: bool| {
        if on {
            mock.faults()
                .set(route.clone(), FaultSpec::default().with_latency(LATENCY));
        } else {
            mock.faults().clear(&route);
        }
    };

    println!(
        "bulk_import: {n} profiles through profiles().bulk_upsert, concurrency {CONCURRENCY}, default body limits; mock (count-only, journal off) with {} ms latency on POST /v4/clients/batch",
        LATENCY.as_millis()
    );
    let started = Instant::now();
    println!("  compact profiles (the figure that counts):");
    let compact_items = compact_profiles(n);
    let compact = series(
        &runtime,
        (&client, &client),
        &mock_latency,
        &compact_items,
        ROUNDS,
    );
    println!("  realistic profiles (support/profiles.rs, as batch_chunking and batch_memory):");
    let realistic_items: Vec<ProfileBatchItem> = support::profiles(13, n).collect();
    let realistic = series(
        &runtime,
        (&client, &client),
        &mock_latency,
        &realistic_items,
        REALISTIC_ROUNDS,
    );
    println!("  against a minimal server that does not parse the bodies (the client alone):");
    let minimal_compact = series(
        &runtime,
        (&slow, &fast),
        &|_| {},
        &compact_items,
        REALISTIC_ROUNDS,
    );
    let minimal_realistic = series(
        &runtime,
        (&slow, &fast),
        &|_| {},
        &realistic_items,
        REALISTIC_ROUNDS,
    );
    for (label, s) in [
        ("compact, mock", &compact),
        ("realistic, mock", &realistic),
        ("compact, minimal server", &minimal_compact),
        ("realistic, minimal server", &minimal_realistic),
    ] {
        println!(
            "  {label:<25} {:>4} B/profile, {} requests: best ratio {:.3}, median {:.3}; without the latency {:.3} of the ideal (CPU floor: client and mock on this machine)",
            s.bytes_per_item, s.requests, s.best, s.median, s.floor
        );
    }
    println!("  took {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "bulk_import: ratio {:.3} (goal ≤ {GOAL}) {}",
        compact.best,
        if compact.best <= GOAL { "PASS" } else { "MISS" }
    );
    println!(
        "bulk_import (realistic profiles, for reference): ratio {:.3} (goal ≤ {GOAL}) {}; CPU floor {:.3}",
        realistic.best,
        if realistic.best <= GOAL {
            "PASS"
        } else {
            "MISS"
        },
        realistic.floor
    );
    drop((client, slow, fast));
    drop(runtime);
    drop(mock);
}
