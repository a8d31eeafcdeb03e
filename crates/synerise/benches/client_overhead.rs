//! Overhead of the ergonomic client over raw `reqwest`: requests per second of
//! `client.call(client.api().get_client_data().client_id(id).send())` ÷ requests per second of a
//! plain `reqwest::Client` sending the same `GET /v4/clients/{id}` (same headers, body parsed into
//! the same `types::Profile`) to the same local server at the same concurrency. Goal: ≥ 0.95.
//!
//! The ergonomic client runs as users have it: default builder (retry layer with its budget,
//! per-attempt timeouts, the generated client's hooks), authenticated either with Basic or with a
//! Workspace API key login (token cached and checked for renewal on every call), and a global
//! `tracing` subscriber (`fmt` to a sink, filter `info`, so the DEBUG request spans are filtered).
//! The baseline is a `reqwest::Client` set up the way the client sets up its own (10 s connect
//! timeout, 30 s request timeout, the same `User-Agent`), so that both send the very same requests
//! and both arm reqwest's per-request timer; the bearer header is set by hand. A
//! `reqwest::Client::new()` row (no timeouts, no `User-Agent`) is printed for reference, and so is
//! the generated client with no transport plugged in: the share of the overhead that is
//! progenitor's generated code (URL and header building, the response wrapper) rather than ours.
//!
//! Two servers, each on a runtime of its own so that they do not share worker threads with the
//! clients:
//! * a minimal hyper server answering every request with a fixed profile body (the figure that
//!   counts: almost all the CPU per request is the client's, so its overhead shows most);
//! * `synerise-mock` (journal off) for reference: a server that does some work per request.
//!
//! Each round runs every variant once, [`REQUESTS`] requests at [`CONCURRENCY`] in flight (one
//! Tokio task per slot), in an order rotated per round. The ratio that counts is the median over
//! rounds of the per-round ratio (a variant's rate ÷ the baseline's rate in the same round): on a
//! shared 2-core machine other builds come and go, neighbouring runs share the load, while the
//! fastest rounds of two variants may fall in different lulls. The ratio of the fastest rounds is
//! printed beside it ("fastest … ratio"; "paired" is the one that counts). An extra row records the
//! spans at DEBUG (fmt to a sink) for information: what turning request logging on costs.
//!
//! `cargo bench -p synerise --bench client_overhead [-- ROUNDS]` (about 10 s). Not a test.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use synerise::types::Profile;
use synerise::{Client, Credentials};
use synerise_mock::{JournalMode, MockConfig, SyneriseMock};
use tokio::task::JoinSet;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, reload};

#[path = "support/server.rs"]
mod server;

const CONCURRENCY: u64 = 32;
const REQUESTS: u64 = 3_000;
const DEFAULT_ROUNDS: usize = 15;
const GOAL: f64 = 0.95;

/// Runs `one(i)` for `i` in `0..REQUESTS`, `CONCURRENCY` at a time (one task per slot);
/// returns requests per second.
async fn drive<F, Fut>(one: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let one = Arc::new(one);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (one, next) = (one.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= REQUESTS {
                    break;
                }
                one(i).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("request task");
    }
    REQUESTS as f64 / started.elapsed().as_secs_f64()
}

/// What one variant does for request `i`.
#[derive(Clone)]
enum Variant {
    Raw {
        http: reqwest::Client,
        base: Arc<str>,
        auth: HeaderValue,
        client_id: i64,
    },
    Synerise {
        client: Client,
        client_id: i64,
    },
    /// The generated client with no transport plugged in (its hooks only set the operation's
    /// headers): what progenitor's code costs by itself.
    Generated {
        api: synerise::api::Client,
        client_id: i64,
    },
}

impl Variant {
    async fn run(&self) -> f64 {
        match self.clone() {
            Variant::Raw {
                http,
                base,
                auth,
                client_id,
            } => {
                drive(move |_| {
                    let (http, base, auth) = (http.clone(), base.clone(), auth.clone());
                    async move {
                        let url = format!("{base}/v4/clients/{client_id}");
                        let response = http
                            .get(url)
                            .header(ACCEPT, HeaderValue::from_static("application/json"))
                            .header("api-version", HeaderValue::from_static("4.4"))
                            .header(AUTHORIZATION, auth)
                            .send()
                            .await
                            .expect("raw request")
                            .error_for_status()
                            .expect("raw status");
                        let profile: Profile = response.json().await.expect("raw body");
                        std::hint::black_box(profile);
                    }
                })
                .await
            }
            Variant::Generated { api, client_id } => {
                drive(move |_| {
                    let api = api.clone();
                    async move {
                        let profile = api
                            .get_client_data()
                            .client_id(client_id)
                            .send()
                            .await
                            .expect("generated client request")
                            .into_inner();
                        std::hint::black_box(profile);
                    }
                })
                .await
            }
            Variant::Synerise { client, client_id } => {
                drive(move |_| {
                    let client = client.clone();
                    async move {
                        let profile = client
                            .call(client.api().get_client_data().client_id(client_id).send())
                            .await
                            .expect("client request");
                        std::hint::black_box(profile);
                    }
                })
                .await
            }
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

type Filter = reload::Handle<EnvFilter, tracing_subscriber::Registry>;

/// Runs `variants` (the first is the baseline) for `rounds` rounds, prints the table, returns the
/// ratios of the variants after the baseline, in order: the median over rounds of each round's
/// rate ÷ the baseline's rate in the same round (neighbours in time share the machine's load).
fn compare(
    runtime: &tokio::runtime::Runtime,
    filter: &Filter,
    variants: &[(&str, &str, Variant)],
    rounds: usize,
) -> Vec<f64> {
    let set_filter = |directives: &str| {
        filter
            .reload(EnvFilter::new(directives))
            .expect("reload the filter");
    };
    // Warm-up: connections, login, allocator.
    for (_, directives, v) in variants {
        set_filter(directives);
        runtime.block_on(v.run());
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let k = (k + round) % variants.len();
            let (_, directives, v) = &variants[k];
            set_filter(directives);
            rates[k].push(runtime.block_on(v.run()));
        }
    }
    set_filter("info");
    let best: Vec<f64> = rates
        .iter()
        .map(|r| r.iter().copied().fold(0.0, f64::max))
        .collect();
    println!(
        "  {:<58} {:>9} {:>6}   {:>9} {:>6}",
        "", "fastest", "ratio", "median", "paired"
    );
    let mut ratios = Vec::new();
    for (k, (label, _, _)) in variants.iter().enumerate() {
        let paired = median(rates[k].iter().zip(&rates[0]).map(|(r, b)| r / b).collect());
        println!(
            "  {label:<58} {:>7.0}/s {:>6.3}   {:>7.0}/s {:>6.3}",
            best[k],
            best[k] / best[0],
            median(rates[k].clone()),
            paired
        );
        if k > 0 {
            ratios.push(paired);
        }
    }
    ratios
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_ROUNDS);

    // What users have: a subscriber with an `info` filter (here writing to a sink). The filter can
    // be swapped at run time for the DEBUG row.
    let (filter, filter_handle) = reload::Layer::new(EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
        .init();

    // Servers, on their own runtime.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("server")
        .enable_all()
        .build()
        .expect("server runtime");
    let (minimal_url, mock) = server_rt.block_on(async {
        let url = server::start(Duration::ZERO).await;
        let mock = SyneriseMock::start_with(MockConfig::default().journal(JournalMode::Off)).await;
        (url, mock)
    });
    let mock_client_id = mock.seed_profiles(1)[0];

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let build = |base: &str, credentials: Credentials| {
        Client::builder()
            .base_url(base)
            .credentials(credentials)
            .build()
            .expect("client")
    };
    let bearer = |token: &str| {
        let mut v = HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
        v.set_sensitive(true);
        v
    };
    let started = Instant::now();
    println!(
        "client_overhead: GET /v4/clients/{{id}}, {REQUESTS} requests per round at concurrency {CONCURRENCY}, {rounds} rounds; tracing: fmt to a sink, filter `info`"
    );

    println!("minimal hyper server (fixed body):");
    // The baseline: reqwest set up as the client sets it up (same timeouts, same User-Agent, so
    // the same requests on the wire); and, for reference, `reqwest::Client::new()` (no timeouts:
    // no timer per request, no User-Agent header).
    let builder = || {
        reqwest::Client::builder()
            .connect_timeout(synerise::DEFAULT_CONNECT_TIMEOUT)
            .timeout(synerise::DEFAULT_REQUEST_TIMEOUT)
            .user_agent(concat!("synerise-rust/", env!("CARGO_PKG_VERSION")))
    };
    let configured = || builder().build().expect("reqwest client");
    let raw = Variant::Raw {
        http: configured(),
        base: minimal_url.as_str().into(),
        auth: bearer(&server::jwt()),
        client_id: 42,
    };
    // For reference: also with reqwest's own retry policy off, as the client builds its reqwest
    // (its retries are the client's own): what remains is the client's code.
    let same_config = Variant::Raw {
        http: builder()
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .expect("reqwest client"),
        base: minimal_url.as_str().into(),
        auth: bearer(&server::jwt()),
        client_id: 42,
    };
    let bare = Variant::Raw {
        http: reqwest::Client::new(),
        base: minimal_url.as_str().into(),
        auth: bearer(&server::jwt()),
        client_id: 42,
    };
    let generated = Variant::Generated {
        api: synerise::api::Client::new_with_client(
            &minimal_url,
            configured(),
            synerise::api::hooks::Inner::default(),
        ),
        client_id: 42,
    };
    let basic = Variant::Synerise {
        client: build(
            &minimal_url,
            Credentials::workspace_basic("workspace-guid", "api-key"),
        ),
        client_id: 42,
    };
    let no_retries = Variant::Synerise {
        client: Client::builder()
            .base_url(&minimal_url)
            .credentials(Credentials::workspace_basic("workspace-guid", "api-key"))
            .retry(synerise::RetryConfig::disabled())
            .build()
            .expect("client"),
        client_id: 42,
    };
    let api_key = Variant::Synerise {
        client: build(&minimal_url, Credentials::workspace_api_key("api-key")),
        client_id: 42,
    };
    let minimal = compare(
        &runtime,
        &filter_handle,
        &[
            (
                "raw reqwest, same timeouts and User-Agent (baseline)",
                "info",
                raw,
            ),
            ("synerise Client, Basic", "info", basic),
            ("synerise Client, API key login", "info", api_key.clone()),
            (
                "synerise Client, API key login, synerise=debug (info only)",
                "info,synerise=debug",
                api_key,
            ),
            (
                "raw reqwest::Client::new(), no timeouts (reference)",
                "info",
                bare,
            ),
            (
                "generated client alone, no auth/retries (reference)",
                "info",
                generated,
            ),
            (
                "raw reqwest, also without reqwest's retries (reference)",
                "info",
                same_config,
            ),
            (
                "synerise Client, Basic, retries disabled (reference)",
                "info",
                no_retries,
            ),
        ],
        rounds,
    );

    println!("synerise-mock, journal off (for reference):");
    let token = mock.issue_workspace_token();
    let mock_url = mock.base_url();
    let reference = compare(
        &runtime,
        &filter_handle,
        &[
            (
                "raw reqwest, same timeouts and User-Agent (baseline)",
                "info",
                Variant::Raw {
                    http: configured(),
                    base: mock_url.as_str().into(),
                    auth: bearer(&token),
                    client_id: mock_client_id,
                },
            ),
            (
                "synerise Client, API key login",
                "info",
                Variant::Synerise {
                    client: build(&mock_url, Credentials::workspace_api_key(mock.api_key())),
                    client_id: mock_client_id,
                },
            ),
        ],
        rounds.div_ceil(2),
    );

    // The figure that counts: the worse of Basic and API key login against the minimal server.
    let ratio = minimal[0].min(minimal[1]);
    println!(
        "  Basic {:.3}, API key login {:.3} (minimal server); {:.3} against reqwest::Client::new(), {:.3} against reqwest without its retries; API key login {:.3} against the mock; took {:.1} s",
        minimal[0],
        minimal[1],
        ratio / minimal[3],
        ratio / minimal[5],
        reference[0],
        started.elapsed().as_secs_f64()
    );
    println!(
        "client_overhead: ratio {ratio:.3} (goal ≥ {GOAL}) {}",
        if ratio >= GOAL { "PASS" } else { "MISS" }
    );
    drop(runtime);
    drop(mock);
    drop(server_rt);
}
