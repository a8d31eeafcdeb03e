//! Imports a JSON-lines file of profiles into Synerise with the streaming bulk uploader, here
//! against the in-process `synerise-mock` server, printing progress and the final report.
//!
//! ```text
//! cargo run -p synerise --example bulk_import [FILE.jsonl]
//! ```
//!
//! Without a file, a sample of 25,000 generated profiles is written to a temporary directory
//! first; it includes a few bad lines to show how the report accounts for them: a line that is
//! not JSON, a profile too large for any request, and one with an invalid UUID that the server
//! rejects. Each line is one item: its index in the report is its line number minus one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::Stream;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use synerise::batch::{BatchOptions, ItemFate, NotSent, Progress};
use synerise::{Client, Credentials};
use synerise_mock::SyneriseMock;
use tokio::io::AsyncBufReadExt;

#[path = "../benches/support/profiles.rs"]
mod support;

/// One line of the input: a profile, or why the line is not one. Serialising an invalid line
/// fails, so the uploader reports it as not sent, under the line's index.
enum Line {
    Profile(Value),
    Invalid(String),
}

impl Serialize for Line {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Line::Profile(profile) => profile.serialize(serializer),
            Line::Invalid(why) => Err(serde::ser::Error::custom(why)),
        }
    }
}

/// The lines of `path`, parsed one at a time (the file is never held in memory).
async fn read_lines(path: &Path) -> std::io::Result<impl Stream<Item = Line>> {
    let file = tokio::fs::File::open(path).await?;
    let lines = tokio::io::BufReader::new(file).lines();
    Ok(futures::stream::unfold(
        (lines, 0u64),
        |(mut lines, number)| async move {
            let number = number + 1;
            let line = match lines.next_line().await {
                Ok(Some(text)) => match serde_json::from_str::<Value>(&text) {
                    Ok(value @ Value::Object(_)) => Line::Profile(value),
                    Ok(_) => Line::Invalid(format!("line {number} is not a JSON object")),
                    Err(e) => Line::Invalid(format!("line {number} is not valid JSON: {e}")),
                },
                Ok(None) => return None,
                Err(e) => Line::Invalid(format!("line {number} cannot be read: {e}")),
            };
            Some((line, (lines, number)))
        },
    ))
}

/// Writes a sample file of `n` generated profiles (plus three bad lines) to `dir`.
fn write_sample(dir: &Path, n: u64) -> std::io::Result<PathBuf> {
    let path = dir.join("profiles.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for (i, profile) in support::profiles(42, n).enumerate() {
        match i {
            100 => writeln!(out, "{{\"customId\": \"broken\", ")?,
            5_000 => writeln!(
                out,
                "{}",
                json!({ "customId": "huge", "attributes": { "notes": "x".repeat(2 * 1024 * 1024) } })
            )?,
            12_345 => writeln!(
                out,
                "{}",
                json!({ "customId": "bad-uuid", "uuid": "not-a-uuid" })
            )?,
            _ => writeln!(out, "{}", serde_json::to_string(&profile)?)?,
        }
    }
    out.flush()?;
    Ok(path)
}

fn print_progress(p: &Progress, started: Instant) {
    eprint!(
        "\r{:>8} read  {:>8} accepted  {:>4} rejected  {:>4} not sent  {:>5} requests ({} in flight)  {:>6.1} MB  {:>5.1} s ",
        p.items_read,
        p.items_accepted,
        p.items_rejected,
        p.items_not_sent,
        p.requests_completed,
        p.in_flight,
        p.bytes_sent as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sample_dir = tempfile::tempdir()?;
    let path = match std::env::args().nth(1) {
        Some(file) => PathBuf::from(file),
        None => {
            let path = write_sample(sample_dir.path(), 25_000)?;
            println!(
                "no file given: wrote a sample of 25,000 profiles to {}",
                path.display()
            );
            path
        }
    };

    let mock = SyneriseMock::start().await;
    let client = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::workspace_api_key(mock.api_key().to_string()))
        .build()?;
    println!(
        "importing {} into the mock at {}",
        path.display(),
        mock.base_url()
    );

    let started = Instant::now();
    let (options, mut progress) = BatchOptions::default().concurrency(4).progress_channel();
    let printer = tokio::spawn(async move {
        // Redraw at most every 100 ms.
        while progress.changed().await.is_ok() {
            print_progress(&progress.borrow_and_update(), started);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        print_progress(&progress.borrow(), started);
        eprintln!();
    });
    let report = client
        .profiles()
        .bulk_upsert(read_lines(&path).await?, options)
        .await?;
    printer.await?;

    println!("\n{report}");
    println!("requests:");
    for request in report.requests().iter().take(5) {
        let runs: Vec<String> = request
            .items
            .runs()
            .take(3)
            .map(|r| format!("{}..{}", r.start, r.end))
            .collect();
        println!(
            "  #{:<4} {:>5} items [{}{}] {:>8} bytes  {}  {:?}",
            request.seq,
            request.items.len(),
            runs.join(", "),
            if request.items.runs().len() > 3 {
                ", …"
            } else {
                ""
            },
            request.bytes,
            request
                .status
                .map_or("no answer".to_string(), |s| s.to_string()),
            request.elapsed
        );
    }
    if report.requests().len() > 5 {
        println!("  … {} more", report.requests().len() - 5);
    }
    println!("items not accepted (index = line number - 1):");
    for (index, fate) in report.failures().take(20) {
        match fate {
            ItemFate::NotSent(NotSent::Invalid(error)) => {
                println!("  {index}: not sent: {}", error.kind)
            }
            ItemFate::NotSent(NotSent::Aborted) => println!("  {index}: not sent (fail-fast)"),
            ItemFate::Rejected { request, error } => println!(
                "  {index}: rejected by the server in request #{request} at `{}`: {}",
                error.field.as_deref().unwrap_or("?"),
                error.message.as_deref().unwrap_or("no message")
            ),
            ItemFate::Failed { request, error } => {
                println!("  {index}: request #{request} failed: {error}")
            }
            other => println!("  {index}: {other:?}"),
        }
    }
    println!("the mock now holds {} profiles", mock.profile_count());
    Ok(())
}
