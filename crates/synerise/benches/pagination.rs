//! Pagination throughput against a loopback server that takes 20 ms per page.
//!
//! Prints items/s of a plain page-by-page loop over the generated client, of the stream with its
//! defaults (prefetch 1), and of the stream in parallel mode (total known from the first page),
//! with their ratios to the loop. A second scenario adds consumer work per page, which is where
//! prefetching alone pays off.
//!
//! Run: `cargo bench -p synerise --bench pagination` (about 15 s).

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use serde_json::{Value, json};
use synerise::{Client, Credentials};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ITEMS: u64 = 2_000;
const PAGE: u32 = 100;
const LATENCY: Duration = Duration::from_millis(20);
const RUNS: usize = 3;

async fn server() -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let data: Vec<Value> = (0..ITEMS)
        .map(|i| json!({ "id": i, "name": format!("catalog-{i}"), "author": "bench" }))
        .collect();
    Mock::given(method("GET"))
        .and(path("/catalogs/bags"))
        .respond_with(move |req: &Request| {
            let q: std::collections::HashMap<String, String> = req
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let offset = q
                .get("offset")
                .map_or(0, |v| v.parse::<usize>().unwrap())
                .min(data.len());
            let limit = q.get("limit").map_or(100, |v| v.parse::<usize>().unwrap());
            let page = &data[offset..(offset + limit).min(data.len())];
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": page, "metaData": { "totalCount": data.len() } }))
                .set_delay(LATENCY)
        })
        .mount(&server)
        .await;
    server
}

/// Simulated consumer work per page.
async fn work(per_page: Duration, seen: u64) {
    if !per_page.is_zero() && seen.is_multiple_of(u64::from(PAGE)) {
        tokio::time::sleep(per_page).await;
    }
}

/// What a caller writes without the stream: one page after the other.
async fn sequential_loop(client: &Client, per_page: Duration) -> u64 {
    let mut offset = 0u64;
    let mut seen = 0u64;
    loop {
        let page = client
            .call(client.api().get_bags().offset(offset).limit(PAGE).send())
            .await
            .expect("page");
        let total = page
            .meta_data
            .as_ref()
            .and_then(|m| m.total_count)
            .unwrap_or(0) as u64;
        let items = page.data.unwrap_or_default();
        for _item in &items {
            seen += 1;
            work(per_page, seen).await;
        }
        offset += items.len() as u64;
        if items.is_empty() || offset >= total {
            return seen;
        }
    }
}

async fn stream(client: &Client, parallel: usize, per_page: Duration) -> u64 {
    let mut items = client
        .catalogs()
        .list()
        .limit(PAGE)
        .parallel(parallel)
        .items();
    let mut seen = 0u64;
    while let Some(_item) = items.try_next().await.expect("item") {
        seen += 1;
        work(per_page, seen).await;
    }
    seen
}

/// Median items/s over [`RUNS`] runs (after one warm-up run).
async fn measure<F, Fut>(mut run: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    assert_eq!(run().await, ITEMS, "warm-up");
    let mut rates: Vec<f64> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let n = run().await;
        assert_eq!(n, ITEMS);
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates[RUNS / 2]
}

/// Returns the ratio of `.parallel(4)` to the loop.
async fn scenario(client: &Client, per_page: Duration) -> f64 {
    println!(
        "\n{ITEMS} items, pages of {PAGE}, {} ms per page, consumer work {} ms per page",
        LATENCY.as_millis(),
        per_page.as_millis()
    );
    let base = measure(|| sequential_loop(client, per_page)).await;
    println!(
        "  {:<34} {:>9.0} items/s",
        "sequential page-by-page loop", base
    );
    let mut parallel_4 = 0.0;
    for (label, parallel) in [
        ("stream, defaults (prefetch 1)", 1),
        ("stream, .parallel(4)", 4),
        ("stream, .parallel(8)", 8),
    ] {
        let rate = measure(|| stream(client, parallel, per_page)).await;
        println!(
            "  {label:<34} {rate:>9.0} items/s   ratio {:.2}",
            rate / base
        );
        if parallel == 4 {
            parallel_4 = rate / base;
        }
    }
    parallel_4
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server = server().await;
        let client = Client::builder()
            .base_url(server.uri())
            .credentials(Credentials::workspace_basic("guid", "key"))
            .build()
            .expect("client");
        let started = Instant::now();
        let ratio = scenario(&client, Duration::ZERO).await;
        scenario(&client, Duration::from_millis(15)).await;
        println!(
            "\ngoal: ratio >= 1.8 for the parallel mode; took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        // The figure that counts: `.parallel(4)` without consumer work (median runs).
        println!(
            "pagination: ratio {ratio:.2} (goal ≥ 1.8) {}",
            if ratio >= 1.8 { "PASS" } else { "MISS" }
        );
    });
}
