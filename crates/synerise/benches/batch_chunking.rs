//! Cost of chunking 100,000 realistic profiles into request bodies, relative to plain
//! `serde_json::to_vec` of the same items. Goal: ratio ≤ 1.15.
//!
//! `cargo bench -p synerise --bench batch_chunking [-- N]` runs every variant ROUNDS times,
//! interleaved, and prints the fastest and the median round of each, with ratios to the baseline.
//! The ratio that counts uses the fastest rounds: on a shared machine the other engineers' builds
//! only ever add time, so the minimum is the least disturbed estimate. Not a test: it asserts
//! nothing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use synerise::batch::{BatchKind, ChunkLimits, Chunker};
use synerise::types::ProfileBatchItem;

#[path = "support/profiles.rs"]
mod support;

const ROUNDS: usize = 15;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Plain serialisation, the baseline: one `serde_json::to_vec` per item.
fn plain_to_vec(items: &[ProfileBatchItem]) -> usize {
    let mut total = 0;
    for item in items {
        total += black_box(serde_json::to_vec(item).unwrap()).len();
    }
    total
}

/// Plain serialisation into one reused buffer (for reference: the cheapest possible).
fn plain_to_writer(items: &[ProfileBatchItem]) -> usize {
    let mut buf = Vec::with_capacity(1 << 20);
    let mut total = 0;
    for item in items {
        buf.clear();
        serde_json::to_writer(&mut buf, item).unwrap();
        total += black_box(&buf).len();
    }
    total
}

fn chunk(items: &[ProfileBatchItem], chunker: Chunker) -> usize {
    let mut total = 0;
    for out in chunker.chunks(items.iter()) {
        total += black_box(out.unwrap()).body.len();
    }
    total
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let items: Vec<ProfileBatchItem> = support::profiles(7, n).collect();
    let json_bytes: usize = items
        .iter()
        .map(|i| serde_json::to_vec(i).unwrap().len())
        .sum();
    println!(
        "batch_chunking: {n} profiles, {:.1} MB of JSON ({} bytes/profile on average)",
        json_bytes as f64 / 1e6,
        json_bytes / n as usize
    );

    type Variant<'a> = (&'a str, Box<dyn Fn(&[ProfileBatchItem]) -> usize>);
    let variants: Vec<Variant> = vec![
        ("serde_json::to_vec (baseline)", Box::new(plain_to_vec)),
        (
            "serde_json::to_writer, reused buffer",
            Box::new(plain_to_writer),
        ),
        (
            "Chunker Profiles (nulls stripped, ordering keys)",
            Box::new(|items| {
                chunk(
                    items,
                    Chunker::for_kind(BatchKind::Profiles, ChunkLimits::default()),
                )
            }),
        ),
        (
            "Chunker Profiles, preserve_order(false)",
            Box::new(|items| {
                chunk(
                    items,
                    Chunker::for_kind(BatchKind::Profiles, ChunkLimits::default())
                        .preserve_order(false),
                )
            }),
        ),
        (
            "Chunker Plain",
            Box::new(|items| chunk(items, Chunker::new(ChunkLimits::default()))),
        ),
    ];
    // Warm up, then interleave the variants round by round so drift hits all of them alike.
    for (_, f) in &variants {
        black_box(f(&items));
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    for _ in 0..ROUNDS {
        for (k, (_, f)) in variants.iter().enumerate() {
            let started = Instant::now();
            black_box(f(&items));
            samples[k].push(started.elapsed());
        }
    }
    let mins: Vec<Duration> = samples.iter().map(|s| *s.iter().min().unwrap()).collect();
    let medians: Vec<Duration> = samples.into_iter().map(median).collect();
    let (base_min, base_median) = (mins[0].as_secs_f64(), medians[0].as_secs_f64());
    println!(
        "  {:<52} {:>9} {:>7}   {:>9} {:>7}",
        "", "fastest", "ratio", "median", "ratio"
    );
    for (((name, _), min), med) in variants.iter().zip(&mins).zip(&medians) {
        println!(
            "  {name:<52} {:>6.1} ms {:>7.3}   {:>6.1} ms {:>7.3}",
            min.as_secs_f64() * 1e3,
            min.as_secs_f64() / base_min,
            med.as_secs_f64() * 1e3,
            med.as_secs_f64() / base_median
        );
    }
    let ratio = mins[2].as_secs_f64() / base_min;
    println!(
        "RATIO chunking/serde_json = {ratio:.3} (fastest rounds; medians {:.3}) (goal <= 1.15: {})",
        medians[2].as_secs_f64() / base_median,
        if ratio <= 1.15 { "met" } else { "NOT met" }
    );
    println!(
        "batch_chunking: ratio {ratio:.3} (goal ≤ 1.15) {}",
        if ratio <= 1.15 { "PASS" } else { "MISS" }
    );
}
