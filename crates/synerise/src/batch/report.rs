//! What happened to every item of an upload: [`BatchReport`], and [`Progress`] while it runs.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use super::errors::BatchItemError;
use super::kind::{BatchKind, ChunkLimits, Partition};
use super::runs::IndexRuns;
use crate::Error;

/// Counters of an upload in progress, passed to the progress callback after every request is
/// sent or completes (see [`BatchOptions::on_progress`](super::BatchOptions::on_progress)).
///
/// Every item read ends up in exactly one of `items_accepted`, `items_rejected`,
/// `items_not_sent`; items read but in none of them are still being chunked or in flight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Items taken from the input.
    pub items_read: u64,
    /// Items in requests that were sent (completed or in flight).
    pub items_sent: u64,
    /// Items the server accepted.
    pub items_accepted: u64,
    /// Items the server rejected, one by one or with their whole request, and items of requests
    /// that failed without an answer.
    pub items_rejected: u64,
    /// Items the client did not send: invalid (e.g. too large) or dropped by fail-fast.
    pub items_not_sent: u64,
    /// Requests sent so far.
    pub requests_sent: u64,
    /// Requests completed (successfully or not).
    pub requests_completed: u64,
    /// Requests that failed as a whole.
    pub requests_failed: u64,
    /// Body bytes sent.
    pub bytes_sent: u64,
    /// Requests in flight now.
    pub in_flight: usize,
}

impl Progress {
    /// Items that failed: rejected by the server or not sent.
    pub fn items_failed(&self) -> u64 {
        self.items_rejected + self.items_not_sent
    }

    /// Items whose fate is known.
    pub fn items_done(&self) -> u64 {
        self.items_accepted + self.items_failed()
    }
}

/// An error the server reported for one item of a request that it otherwise accepted (HTTP 207).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerItemError {
    /// Input position of the item (`None` when the server named no item this client sent).
    pub index: Option<u64>,
    /// The request ([`RequestReport::seq`]).
    pub request: u64,
    /// The field path the server named, e.g. `list[3].uuid`.
    pub field: Option<String>,
    /// Why.
    pub message: Option<String>,
    /// Per-item HTTP status.
    pub status: Option<u16>,
    /// The rejected value.
    pub rejected_value: Option<serde_json::Value>,
}

impl fmt::Display for ServerItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "item {i} rejected by the server")?,
            None => write!(f, "request {} had an item error", self.request)?,
        }
        if let Some(field) = &self.field {
            write!(f, " at `{field}`")?;
        }
        if let Some(msg) = &self.message {
            write!(f, ": {msg}")?;
        }
        Ok(())
    }
}

/// One request of an upload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestReport {
    /// Position of the request's body among the bodies of the upload ([`Chunk::seq`](super::Chunk::seq)).
    pub seq: u64,
    /// The group of its items.
    pub partition: Partition,
    /// Input positions of its items.
    pub items: IndexRuns,
    /// Body size in bytes.
    pub bytes: usize,
    /// Response status (`None` when no response arrived).
    pub status: Option<StatusCode>,
    /// Set when the request failed as a whole (error status, timeout, connection failure, after
    /// the client's retries); every item of the request then failed with it.
    pub error: Option<Arc<Error>>,
    /// How many of its items the server rejected one by one (HTTP 207).
    pub rejected_items: u64,
    /// Time from sending to the answer, retries included.
    pub elapsed: Duration,
}

impl RequestReport {
    /// Whether the request failed as a whole.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// Why an item was not sent.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum NotSent<'a> {
    /// The client rejected it (too large, not serialisable).
    Invalid(&'a BatchItemError),
    /// Fail-fast stopped the upload before it was sent.
    Aborted,
}

/// What happened to one input item.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ItemFate<'a> {
    /// Accepted by the server in this request ([`RequestReport::seq`]).
    Accepted {
        /// The request.
        request: u64,
    },
    /// Rejected by the server individually (HTTP 207) in a request that was otherwise accepted.
    Rejected {
        /// The request.
        request: u64,
        /// The server's error for the item.
        error: &'a ServerItemError,
    },
    /// Its request failed as a whole (error status, or no answer after the client's retries).
    Failed {
        /// The request.
        request: u64,
        /// The request's error.
        error: &'a Error,
    },
    /// Never sent.
    NotSent(NotSent<'a>),
}

impl ItemFate<'_> {
    /// Whether the server accepted the item.
    pub fn is_accepted(&self) -> bool {
        matches!(self, ItemFate::Accepted { .. })
    }
}

/// The outcome of an upload: for every input item, whether it was accepted (and in which
/// request), rejected by the server (with the server's error), or not sent (with why).
///
/// Kept compact for millions of items: each request stores its items as runs of consecutive
/// input positions; only failures are stored one by one. Ask about any item with
/// [`BatchReport::fate`], or walk the failures with [`BatchReport::failures`].
#[derive(Debug, Clone)]
pub struct BatchReport {
    pub(crate) kind: BatchKind,
    pub(crate) limits: ChunkLimits,
    pub(crate) requests: Vec<RequestReport>,
    pub(crate) server_rejections: Vec<ServerItemError>,
    pub(crate) client_rejections: Vec<BatchItemError>,
    pub(crate) aborted: Vec<Range<u64>>,
    pub(crate) progress: Progress,
    pub(crate) input_exhausted: bool,
    pub(crate) elapsed: Duration,
}

impl BatchReport {
    pub(crate) fn new(kind: BatchKind, limits: ChunkLimits) -> Self {
        BatchReport {
            kind,
            limits,
            requests: Vec::new(),
            server_rejections: Vec::new(),
            client_rejections: Vec::new(),
            aborted: Vec::new(),
            progress: Progress::default(),
            input_exhausted: false,
            elapsed: Duration::ZERO,
        }
    }

    /// Sorts what arrived out of order, once the upload is over.
    pub(crate) fn seal(&mut self) {
        self.requests.sort_by_key(|r| r.seq);
        self.server_rejections
            .sort_by_key(|e| (e.index.is_none(), e.index, e.request));
        self.client_rejections.sort_by_key(|e| e.index);
        self.aborted.sort_by_key(|r| r.start);
    }

    /// The endpoint kind.
    pub fn kind(&self) -> BatchKind {
        self.kind
    }

    /// The limits bodies were built with.
    pub fn limits(&self) -> ChunkLimits {
        self.limits
    }

    /// The final counters.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Items taken from the input.
    pub fn items_read(&self) -> u64 {
        self.progress.items_read
    }

    /// Items the server accepted.
    pub fn accepted(&self) -> u64 {
        self.progress.items_accepted
    }

    /// Items the server rejected or whose request failed.
    pub fn rejected(&self) -> u64 {
        self.progress.items_rejected
    }

    /// Items not sent.
    pub fn not_sent(&self) -> u64 {
        self.progress.items_not_sent
    }

    /// Whether the whole input was read (false when fail-fast stopped the upload).
    pub fn input_exhausted(&self) -> bool {
        self.input_exhausted
    }

    /// Wall-clock time of the upload.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether every item read was accepted and the whole input was read.
    pub fn is_success(&self) -> bool {
        self.input_exhausted && self.progress.items_accepted == self.progress.items_read
    }

    /// Every request, in body order.
    pub fn requests(&self) -> &[RequestReport] {
        &self.requests
    }

    /// Requests that failed as a whole.
    pub fn failed_requests(&self) -> impl Iterator<Item = &RequestReport> {
        self.requests.iter().filter(|r| r.failed())
    }

    /// Items the server rejected one by one, by input position.
    pub fn server_rejections(&self) -> &[ServerItemError] {
        &self.server_rejections
    }

    /// Items the client rejected before sending (too large, not serialisable), by input position.
    pub fn client_rejections(&self) -> &[BatchItemError] {
        &self.client_rejections
    }

    /// Input positions fail-fast dropped before sending them.
    pub fn aborted(&self) -> &[Range<u64>] {
        &self.aborted
    }

    /// What happened to the item at input position `index` (`None` if it was never read).
    /// Costs a binary search per request.
    pub fn fate(&self, index: u64) -> Option<ItemFate<'_>> {
        if index >= self.progress.items_read {
            return None;
        }
        if let Ok(i) = self
            .client_rejections
            .binary_search_by_key(&index, |e| e.index)
        {
            return Some(ItemFate::NotSent(NotSent::Invalid(
                &self.client_rejections[i],
            )));
        }
        if self.aborted.iter().any(|r| r.contains(&index)) {
            return Some(ItemFate::NotSent(NotSent::Aborted));
        }
        let request = self.requests.iter().find(|r| r.items.contains(index))?;
        if let Some(error) = &request.error {
            return Some(ItemFate::Failed {
                request: request.seq,
                error,
            });
        }
        if request.rejected_items > 0 {
            let start = self
                .server_rejections
                .partition_point(|e| e.index.is_some_and(|i| i < index));
            if let Some(error) = self
                .server_rejections
                .get(start)
                .filter(|e| e.index == Some(index))
            {
                return Some(ItemFate::Rejected {
                    request: request.seq,
                    error,
                });
            }
        }
        Some(ItemFate::Accepted {
            request: request.seq,
        })
    }

    /// Every item that was not accepted, with its fate: client rejections, then server
    /// rejections, then items of failed requests, then items dropped by fail-fast.
    pub fn failures(&self) -> impl Iterator<Item = (u64, ItemFate<'_>)> {
        let invalid = self
            .client_rejections
            .iter()
            .map(|e| (e.index, ItemFate::NotSent(NotSent::Invalid(e))));
        let rejected = self
            .server_rejections
            .iter()
            .filter_map(|e| {
                e.index.map(|i| {
                    (
                        i,
                        ItemFate::Rejected {
                            request: e.request,
                            error: e,
                        },
                    )
                })
            })
            .scan(None, |last, (i, fate)| {
                // Several errors for one item: report the item once.
                let repeat = *last == Some(i);
                *last = Some(i);
                Some((!repeat).then_some((i, fate)))
            })
            .flatten();
        let failed = self
            .requests
            .iter()
            .filter_map(|r| r.error.as_deref().map(|e| (r, e)))
            .flat_map(|(r, error)| {
                r.items.iter().map(move |i| {
                    (
                        i,
                        ItemFate::Failed {
                            request: r.seq,
                            error,
                        },
                    )
                })
            });
        let aborted = self
            .aborted
            .iter()
            .flat_map(|r| r.clone())
            .map(|i| (i, ItemFate::NotSent(NotSent::Aborted)));
        invalid.chain(rejected).chain(failed).chain(aborted)
    }
}

impl fmt::Display for BatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.progress;
        write!(
            f,
            "{} items read{}: {} accepted, {} rejected by the server, {} not sent; {} requests ({} failed), {} bytes, {:.1} s",
            p.items_read,
            if self.input_exhausted {
                ""
            } else {
                " (stopped early)"
            },
            p.items_accepted,
            p.items_rejected,
            p.items_not_sent,
            p.requests_completed,
            p.requests_failed,
            p.bytes_sent,
            self.elapsed.as_secs_f64()
        )
    }
}
