//! Peak memory of a streaming bulk upload: 100,000 and 1,000,000 generated profiles through
//! `profiles().bulk_upsert` to the in-process mock (count-only store, no journal).
//! Goal: peak ≤ 100 MiB, and flat when the input grows ×10.
//!
//! The mock runs in this (parent) process; every upload runs in a child process of this same
//! binary, which reports its own peak resident set (`VmHWM` from `/proc/self/status`), so the
//! mock's memory is not counted and runs do not share a high-water mark.
//!
//! Each size runs several times. The peak goal takes the largest peak of any run; the flatness
//! goal compares the median peaks of the sizes, because glibc's heap fragmentation adds 0–3 MiB
//! to a run at random (the worst-run ratio is printed beside it, and a series with bodies served
//! by mmap shows what the uploader itself keeps).
//!
//! `cargo bench -p synerise --bench batch_memory [-- N1 N2 ...]` (default 0, 100000, 1000000;
//! 0 measures the runtime and client alone). Not a test: it asserts nothing.

use std::process::Command;
use std::time::Instant;

use synerise::batch::BatchOptions;
use synerise::{Client, Credentials};
use synerise_mock::{JournalMode, MockConfig, StoreMode, SyneriseMock};

#[path = "support/profiles.rs"]
mod support;

const REPEATS: usize = 5;

/// Runs per size: `BENCH_MEMORY_REPEATS` when set, else [`REPEATS`].
fn repeats() -> usize {
    std::env::var("BENCH_MEMORY_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(REPEATS)
}

fn vm_hwm_kib() -> u64 {
    let status =
        std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux only)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM line")
}

/// Child: upload `n` profiles to `base_url`, print the peak memory.
fn child(n: u64, base_url: &str, token: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let client = Client::builder()
            .base_url(base_url)
            .credentials(Credentials::token(token.to_string()))
            .build()
            .unwrap();
        let items = futures::stream::iter(support::profiles(11, n));
        client
            .profiles()
            .bulk_upsert(items, BatchOptions::default())
            .await
            .unwrap()
    });
    assert!(report.is_success() || n == 0, "{report}");
    println!(
        "CHILD n={n} accepted={} requests={} vmhwm_kib={}",
        report.accepted(),
        report.requests().len(),
        vm_hwm_kib()
    );
}

/// Runs every size REPEATS times in child processes (the peak depends a little on how requests
/// overlap) and returns the largest peak of each size, in KiB.
fn measure(sizes: &[u64], base_url: &str, token: &str, env: Option<(&str, &str)>) -> Vec<Peak> {
    let exe = std::env::current_exe().unwrap();
    let mut peaks = Vec::new();
    for &n in sizes {
        let mut runs = Vec::new();
        for _ in 0..repeats() {
            let started = Instant::now();
            let mut command = Command::new(&exe);
            command.args(["--child", &n.to_string(), base_url, token]);
            if let Some((key, value)) = env {
                command.env(key, value);
            }
            let out = command.output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let line = stdout
                .lines()
                .find(|l| l.starts_with("CHILD"))
                .unwrap_or_else(|| {
                    panic!("child failed: {}", String::from_utf8_lossy(&out.stderr))
                });
            let kib: u64 = line.rsplit("vmhwm_kib=").next().unwrap().parse().unwrap();
            runs.push((kib, started.elapsed()));
        }
        let worst = runs.iter().map(|r| r.0).max().unwrap();
        let mut sorted: Vec<u64> = runs.iter().map(|r| r.0).collect();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        let each: Vec<String> = runs
            .iter()
            .map(|(k, t)| format!("{:.1} MiB in {:.1} s", *k as f64 / 1024.0, t.as_secs_f64()))
            .collect();
        println!(
            "  n={n:>9}  peak RSS median {:>5.1} MiB, worst {:>5.1} MiB  (runs: {})",
            median as f64 / 1024.0,
            worst as f64 / 1024.0,
            each.join(", ")
        );
        peaks.push(Peak {
            n,
            median_kib: median,
            worst_kib: worst,
        });
    }
    peaks
}

/// The peak resident set of one input size over its runs.
struct Peak {
    n: u64,
    median_kib: u64,
    worst_kib: u64,
}

fn verdict(label: &str, peaks: &[Peak]) {
    let max = peaks.iter().map(|p| p.worst_kib).max().unwrap_or(0) as f64 / 1024.0;
    println!(
        "PEAK [{label}] max = {max:.1} MiB (goal <= 100 MiB: {})",
        if max <= 100.0 { "met" } else { "NOT met" }
    );
    let big: Vec<&Peak> = peaks.iter().filter(|p| p.n > 0).collect();
    if let [small, .., large] = big.as_slice() {
        let ratio = large.median_kib as f64 / small.median_kib as f64;
        let growth_mib = (large.median_kib as f64 - small.median_kib as f64) / 1024.0;
        // Flat: no more than the run-to-run spread of the peak (about two bodies in flight more
        // or less, ~2 MiB), or 10 %.
        let flat = growth_mib <= 2.0f64.max(0.1 * small.median_kib as f64 / 1024.0);
        println!(
            "RATIO [{label}] median peak(n={}) / median peak(n={}) = {ratio:.3} ({growth_mib:+.1} MiB) for {}x the input (flat: {})",
            large.n,
            small.n,
            large.n / small.n.max(1),
            if flat { "yes" } else { "NO" }
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(args[1].parse().unwrap(), &args[2], &args[3]);
        return;
    }
    let sizes: Vec<u64> = {
        let given: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
        if given.is_empty() {
            vec![0, 100_000, 1_000_000]
        } else {
            given
        }
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(SyneriseMock::start_with(
        MockConfig::default()
            .store_mode(StoreMode::CountOnly)
            .journal(JournalMode::Off),
    ));
    let token = mock.issue_workspace_token();
    println!(
        "batch_memory: mock at {} (count-only store); default options (1000 items / 1,000,000 bytes, concurrency 4); {} runs per size",
        mock.base_url(),
        repeats()
    );

    // glibc serves ~1 MB request bodies from its heap once its mmap threshold has adapted, and
    // the heap fragments a little over a long run: the second series hands such buffers to mmap,
    // which shows what the uploader itself keeps.
    println!("default malloc settings:");
    let default = measure(&sizes, &mock.base_url(), &token, None);
    println!("MALLOC_MMAP_THRESHOLD_=524288 (bodies from mmap, no heap fragmentation):");
    let mmap = measure(
        &sizes,
        &mock.base_url(),
        &token,
        Some(("MALLOC_MMAP_THRESHOLD_", "524288")),
    );
    println!("  mock now holds {} profiles", mock.profile_count());
    verdict("default malloc", &default);
    verdict("mmap threshold 512 KiB", &mmap);
    // The goals, on what users get (default malloc settings): the largest peak of any run, and
    // the median peaks of the sizes given (not the 0 baseline) within 20 % of each other.
    let sized: Vec<&Peak> = default.iter().filter(|p| p.n > 0).collect();
    let mib = |kib: u64| kib as f64 / 1024.0;
    let max = sized.iter().map(|p| mib(p.worst_kib)).fold(0.0, f64::max);
    println!(
        "batch_memory: peak {max:.1} MiB (worst run; goal ≤ 100 MiB) {}",
        if max <= 100.0 { "PASS" } else { "MISS" }
    );
    if sized.len() > 1 {
        let spread = |kib: fn(&Peak) -> u64| {
            let v: Vec<f64> = sized.iter().map(|p| mib(kib(p))).collect();
            v.iter().copied().fold(0.0, f64::max) / v.iter().copied().fold(f64::INFINITY, f64::min)
        };
        let ratio = spread(|p| p.median_kib);
        println!(
            "batch_memory: ratio {ratio:.3} (median peaks; worst runs {:.3}) (goal ≤ 1.20) {}",
            spread(|p| p.worst_kib),
            if ratio <= 1.20 { "PASS" } else { "MISS" }
        );
    }
}
