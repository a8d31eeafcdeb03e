//! The bulk uploader: chunks a stream, sends bodies with bounded concurrency, keeps per-identifier
//! order, and reports every item's fate.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::FuturesUnordered;
use futures::{Stream, StreamExt};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::ai::AiEventItem;
use super::chunker::{Chunk, Chunker, PreHashed};
use super::kind::{BatchKind, ChunkLimits, DEFAULT_MAX_BYTES, DEFAULT_MAX_ITEMS, Partition};
use super::report::{BatchReport, Progress, RequestReport, ServerItemError};
use super::runs::IndexRuns;
use crate::resources::{AiEvents, Catalogs, Events, Profiles, Transactions};
use crate::{Client, Error, Result};

/// Default number of requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Bodies assembled ahead while every request slot is busy, so a slot that frees up sends at
/// once (several often free up together) instead of waiting for the next body to be serialised.
const BODIES_AHEAD: usize = 2;

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Settings of a bulk upload.
///
/// ```
/// use synerise::batch::BatchOptions;
///
/// let options = BatchOptions::default()
///     .concurrency(8)
///     .max_items(500)
///     .on_progress(|p| eprintln!("{} of {} items done", p.items_done(), p.items_read));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct BatchOptions {
    max_items: usize,
    max_bytes: usize,
    concurrency: usize,
    fail_fast: bool,
    preserve_order: bool,
    event_salt: bool,
    progress: Option<ProgressFn>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_items: DEFAULT_MAX_ITEMS,
            max_bytes: DEFAULT_MAX_BYTES,
            concurrency: DEFAULT_CONCURRENCY,
            fail_fast: false,
            preserve_order: true,
            event_salt: true,
            progress: None,
        }
    }
}

impl fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchOptions")
            .field("max_items", &self.max_items)
            .field("max_bytes", &self.max_bytes)
            .field("concurrency", &self.concurrency)
            .field("fail_fast", &self.fail_fast)
            .field("preserve_order", &self.preserve_order)
            .field("event_salt", &self.event_salt)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl BatchOptions {
    /// The defaults: 1000 items and 1,000,000 bytes per request, 4 requests in flight, no
    /// fail-fast, per-identifier order kept, `eventSalt` added.
    pub fn new() -> Self {
        BatchOptions::default()
    }

    /// Most items per request (default [`DEFAULT_MAX_ITEMS`]).
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.max_items = max_items;
        self
    }

    /// Most bytes per request body (default [`DEFAULT_MAX_BYTES`]).
    pub fn max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Both limits at once.
    pub fn limits(self, limits: ChunkLimits) -> Self {
        self.max_items(limits.max_items).max_bytes(limits.max_bytes)
    }

    /// Most requests in flight at once (default [`DEFAULT_CONCURRENCY`]). Memory use is about
    /// `(concurrency + 3) × max_bytes` (more for events, one open body per identifier kind),
    /// whatever the input size.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Stop at the first failure (an invalid item, a rejected item, a failed request): read no
    /// more input, send nothing more, let requests in flight finish (default: off — every
    /// item gets its chance and the report tells what failed).
    pub fn fail_fast(mut self, on: bool) -> Self {
        self.fail_fast = on;
        self
    }

    /// Keep updates of the same identifier (`email`, `customId`, `uuid`, `phone`, `clientId`,
    /// an event's `client.*`, a catalog `itemKey`) in input order even with concurrency: a
    /// body with an identifier of a body still in flight waits until that one completes
    /// (default: on). Turning it off only makes sense when no identifier appears twice.
    pub fn preserve_order(mut self, on: bool) -> Self {
        self.preserve_order = on;
        self
    }

    /// Add a time and a deterministic `eventSalt` to events and transactions without them, so a
    /// resend overwrites instead of duplicating and the client may retry such requests after an
    /// ambiguous failure (default: on).
    pub fn event_salt(mut self, on: bool) -> Self {
        self.event_salt = on;
        self
    }

    /// Calls `callback` with the counters after every request is sent and after it completes,
    /// from the task running the upload (keep it quick).
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Publishes the counters on a `watch` channel instead of a callback (replaces any
    /// callback), e.g. for a progress bar drawn by another task.
    pub fn progress_channel(self) -> (Self, tokio::sync::watch::Receiver<Progress>) {
        let (tx, rx) = tokio::sync::watch::channel(Progress::default());
        let callback = move |p: &Progress| {
            tx.send_replace(*p);
        };
        (self.on_progress(callback), rx)
    }

    fn chunk_limits(&self) -> ChunkLimits {
        ChunkLimits::new(self.max_items, self.max_bytes)
    }

    fn validate(&self) -> Result<()> {
        if self.max_items == 0 || self.concurrency == 0 {
            return Err(Error::Config(
                "batch max_items and concurrency must be at least 1".into(),
            ));
        }
        if self.max_bytes < 64 {
            return Err(Error::Config(format!(
                "batch max_bytes must be at least 64 (got {})",
                self.max_bytes
            )));
        }
        Ok(())
    }
}

/// Where bodies go.
struct Target {
    kind: BatchKind,
    operation_id: &'static str,
    path: String,
}

impl Target {
    fn new(client: &Client, kind: BatchKind, params: &[(&str, String)]) -> Result<Target> {
        let operation_id = kind
            .operation_id()
            .ok_or_else(|| Error::Config("plain chunks have no endpoint".into()))?;
        let op = client
            .operation(operation_id)
            .ok_or_else(|| Error::Config(format!("unknown operation `{operation_id}`")))?;
        let mut path = op.path.to_string();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        Ok(Target {
            kind,
            operation_id,
            path,
        })
    }
}

/// A completed request, back from its future.
struct Done {
    seq: u64,
    partition: Partition,
    items: IndexRuns,
    keys: Vec<u64>,
    bytes: usize,
    elapsed: Duration,
    outcome: Result<Accepted, Error>,
}

/// A success response.
struct Accepted {
    status: StatusCode,
    /// Per-item errors of a 207: (position in the request, error).
    item_errors: Vec<(Option<u64>, ServerItemError)>,
}

/// The shape of a per-item error in a 207 body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemErrorBody {
    field: Option<String>,
    message: Option<String>,
    status: Option<u16>,
    rejected_value: Option<serde_json::Value>,
}

/// The item position in a field path such as `list[3].uuid` or `[3].email`.
fn position_in_field(field: &str) -> Option<u64> {
    let open = field.find('[')?;
    let rest = &field[open + 1..];
    let close = rest.find(']')?;
    rest[..close].trim().parse().ok()
}

fn parse_item_errors(seq: u64, body: &[u8]) -> Vec<(Option<u64>, ServerItemError)> {
    let parsed: Vec<ItemErrorBody> = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        Ok(serde_json::Value::Object(mut obj)) => {
            // Some services wrap the list: {"errors": [...]}.
            match obj.remove("errors") {
                Some(serde_json::Value::Array(items)) => items
                    .into_iter()
                    .filter_map(|v| serde_json::from_value(v).ok())
                    .collect(),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    parsed
        .into_iter()
        .map(|e| {
            let position = e.field.as_deref().and_then(position_in_field);
            (
                position,
                ServerItemError {
                    index: None,
                    request: seq,
                    field: e.field,
                    message: e.message,
                    status: e.status,
                    rejected_value: e.rejected_value,
                },
            )
        })
        .collect()
}

async fn send_chunk(client: &Client, target: &Target, chunk: Chunk) -> Done {
    let started = Instant::now();
    let bytes = chunk.body.len();
    let outcome = match client
        .send_json(target.operation_id, &target.path, chunk.body)
        .await
    {
        Ok(response) => {
            let status = response.status();
            if status == StatusCode::MULTI_STATUS {
                match response.bytes().await {
                    Ok(body) => Ok(Accepted {
                        status,
                        item_errors: parse_item_errors(chunk.seq, &body),
                    }),
                    Err(e) => Err(Error::from_reqwest(e)),
                }
            } else {
                Ok(Accepted {
                    status,
                    item_errors: Vec::new(),
                })
            }
        }
        Err(e) => Err(e),
    };
    Done {
        seq: chunk.seq,
        partition: chunk.partition,
        items: chunk.items,
        keys: chunk.keys,
        bytes,
        elapsed: started.elapsed(),
        outcome,
    }
}

/// The upload loop's bookkeeping.
struct State {
    report: BatchReport,
    progress: Option<ProgressFn>,
    fail_fast: bool,
    stop: bool,
    in_flight_keys: HashMap<u64, u32, PreHashed>,
}

impl State {
    fn notify(&self) {
        if let Some(callback) = &self.progress {
            callback(&self.report.progress);
        }
    }

    fn failed(&mut self) {
        if self.fail_fast {
            self.stop = true;
        }
    }

    fn abort(&mut self, chunk: &Chunk) {
        self.report.progress.items_not_sent += chunk.items.len();
        self.report.aborted.extend(chunk.items.runs());
    }

    fn complete(&mut self, done: Done) {
        for key in &done.keys {
            if let Some(count) = self.in_flight_keys.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    self.in_flight_keys.remove(key);
                }
            }
        }
        let n = done.items.len();
        let p = &mut self.report.progress;
        p.in_flight -= 1;
        p.requests_completed += 1;
        let mut request = RequestReport {
            seq: done.seq,
            partition: done.partition,
            items: done.items,
            bytes: done.bytes,
            status: None,
            error: None,
            rejected_items: 0,
            elapsed: done.elapsed,
        };
        match done.outcome {
            Ok(accepted) => {
                request.status = Some(accepted.status);
                let mut rejected: Vec<u64> = Vec::new();
                for (position, mut error) in accepted.item_errors {
                    error.index = position.and_then(|pos| request.items.get(pos));
                    if let Some(i) = error.index {
                        rejected.push(i);
                    }
                    self.report.server_rejections.push(error);
                }
                rejected.sort_unstable();
                rejected.dedup();
                request.rejected_items = rejected.len() as u64;
                p.items_accepted += n - request.rejected_items;
                p.items_rejected += request.rejected_items;
                if request.rejected_items > 0 {
                    self.failed();
                }
            }
            Err(error) => {
                tracing::warn!(request = done.seq, items = n, %error, "batch request failed");
                request.status = error.status();
                request.error = Some(Arc::new(error));
                p.items_rejected += n;
                p.requests_failed += 1;
                self.failed();
            }
        }
        self.report.requests.push(request);
        self.notify();
    }
}

/// Runs an upload: `push` adds one input item to the chunker.
async fn upload<S, F>(
    client: &Client,
    target: Target,
    items: S,
    mut push: F,
    options: BatchOptions,
) -> Result<BatchReport>
where
    S: Stream,
    F: FnMut(&mut Chunker, &S::Item),
{
    options.validate()?;
    let started = Instant::now();
    let limits = options.chunk_limits();
    let mut chunker = Chunker::for_kind(target.kind, limits)
        .event_salt(options.event_salt)
        .preserve_order(options.preserve_order);
    let mut state = State {
        report: BatchReport::new(target.kind, limits),
        progress: options.progress.clone(),
        fail_fast: options.fail_fast,
        stop: false,
        in_flight_keys: HashMap::default(),
    };
    let mut items = pin!(items);
    let mut input_done = false;
    let mut exhausted = false;
    let mut stopped = false;
    let mut queue: VecDeque<Chunk> = VecDeque::new();
    let mut in_flight = FuturesUnordered::new();

    loop {
        // Take what the chunker completed.
        while let Some(out) = chunker.pop() {
            match out {
                Ok(chunk) => queue.push_back(chunk),
                Err(invalid) => {
                    tracing::debug!(%invalid, "batch item rejected by the client");
                    state.report.progress.items_not_sent += 1;
                    state.report.client_rejections.push(invalid);
                    state.failed();
                }
            }
        }
        if state.stop && !stopped {
            // Fail-fast: drop what is not sent yet.
            stopped = true;
            input_done = true;
            chunker.finish();
            while let Some(out) = chunker.pop() {
                if let Ok(chunk) = out {
                    queue.push_back(chunk);
                }
            }
            for chunk in queue.drain(..) {
                state.abort(&chunk);
            }
            state.notify();
        }

        // Send what may go: in body order; a body sharing an identifier with one in flight
        // waits (and so does everything behind it).
        while in_flight.len() < options.concurrency {
            let Some(front) = queue.front() else { break };
            if front
                .keys
                .iter()
                .any(|k| state.in_flight_keys.contains_key(k))
            {
                break;
            }
            let chunk = queue.pop_front().expect("front exists");
            for &key in &chunk.keys {
                *state.in_flight_keys.entry(key).or_insert(0) += 1;
            }
            let p = &mut state.report.progress;
            p.items_sent += chunk.items.len();
            p.requests_sent += 1;
            p.bytes_sent += chunk.body.len() as u64;
            p.in_flight += 1;
            state.notify();
            in_flight.push(send_chunk(client, &target, chunk));
        }

        if !input_done && queue.len() < BODIES_AHEAD {
            // Read more input, and take completions meanwhile.
            let next = if in_flight.is_empty() {
                Some(items.next().await)
            } else {
                tokio::select! {
                    biased;
                    done = in_flight.next() => {
                        state.complete(done.expect("in flight is not empty"));
                        None
                    }
                    item = items.next() => Some(item),
                }
            };
            match next {
                Some(Some(item)) => {
                    state.report.progress.items_read += 1;
                    push(&mut chunker, &item);
                }
                Some(None) => {
                    input_done = true;
                    exhausted = true;
                    chunker.finish();
                }
                None => {}
            }
        } else if let Some(done) = in_flight.next().await {
            state.complete(done);
        } else if queue.is_empty() && input_done && chunker.ready_len() == 0 {
            break;
        }
    }
    state.report.input_exhausted = exhausted;
    state.report.elapsed = started.elapsed();
    state.report.seal();
    state.notify();
    Ok(state.report)
}

/// [`upload`] of `Serialize` items to the batch endpoint of `kind` (`path`: its path parameters).
async fn upload_serialized<S>(
    client: &Client,
    kind: BatchKind,
    path: &[(&str, String)],
    items: S,
    options: BatchOptions,
) -> Result<BatchReport>
where
    S: Stream,
    S::Item: Serialize,
{
    let target = Target::new(client, kind, path)?;
    upload(
        client,
        target,
        items,
        |c, item| {
            c.push(item);
        },
        options,
    )
    .await
}

impl Profiles {
    /// Adds or updates profiles in bulk (`POST /v4/clients/batch`), streaming: bodies of at most
    /// 1000 items and 1,000,000 bytes, a few requests in flight, updates of one identifier kept
    /// in input order. Items are any `Serialize` type, e.g.
    /// [`types::ProfileBatchItem`](crate::types::ProfileBatchItem) or `serde_json::Value`;
    /// `null` fields are left out (a `null` would delete the attribute). Profiles the server
    /// rejects one by one (HTTP 207) are reported as rejected.
    ///
    /// Iterators work through `futures::stream::iter`. The returned report tells every item's
    /// fate; `Err` only means the options were invalid.
    ///
    /// ```no_run
    /// # async fn run(client: synerise::Client) -> synerise::Result<()> {
    /// use synerise::batch::BatchOptions;
    /// use synerise::types::ProfileBatchItem;
    ///
    /// let profiles = (0..10_000).map(|i| ProfileBatchItem { custom_id: Some(format!("c-{i}")), ..Default::default() });
    /// let report = client.profiles().bulk_upsert(futures::stream::iter(profiles), BatchOptions::default()).await?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub async fn bulk_upsert<S>(&self, items: S, options: BatchOptions) -> Result<BatchReport>
    where
        S: Stream,
        S::Item: Serialize,
    {
        upload_serialized(&self.client, BatchKind::Profiles, &[], items, options).await
    }
}

impl Events {
    /// Sends events in bulk (`POST /v4/events/batch`), streaming. Events are grouped by the
    /// identifier kinds of their `client` (one kind per request, as Synerise requires) without
    /// reordering within a group, and get a `time` and a deterministic `eventSalt` when they
    /// have none, so a resend overwrites instead of duplicating. Items are any `Serialize`
    /// type, e.g. [`types::BatchEvent`](crate::types::BatchEvent). See
    /// [`Profiles::bulk_upsert`] for the rest.
    pub async fn bulk_send<S>(&self, items: S, options: BatchOptions) -> Result<BatchReport>
    where
        S: Stream,
        S::Item: Serialize,
    {
        upload_serialized(&self.client, BatchKind::Events, &[], items, options).await
    }
}

impl Transactions {
    /// Adds or updates transactions in bulk (`POST /v4/transactions/batch`), streaming; each
    /// gets a `recordedAt` and a deterministic `eventSalt` when it has none. Items are any
    /// `Serialize` type, e.g. [`types::Transaction`](crate::types::Transaction). See
    /// [`Profiles::bulk_upsert`] for the rest.
    pub async fn bulk_send<S>(&self, items: S, options: BatchOptions) -> Result<BatchReport>
    where
        S: Stream,
        S::Item: Serialize,
    {
        upload_serialized(&self.client, BatchKind::Transactions, &[], items, options).await
    }
}

impl Catalogs {
    /// Adds items to catalog `catalog_id` in bulk (`POST /catalogs/bags/{catalogId}/items/batch`),
    /// streaming; updates of one `itemKey` keep input order. Items are any `Serialize` type,
    /// e.g. [`types::CatalogItem`](crate::types::CatalogItem). See [`Profiles::bulk_upsert`]
    /// for the rest.
    pub async fn bulk_add_items<S>(
        &self,
        catalog_id: i64,
        items: S,
        options: BatchOptions,
    ) -> Result<BatchReport>
    where
        S: Stream,
        S::Item: Serialize,
    {
        let path = [("catalogId", catalog_id.to_string())];
        upload_serialized(&self.client, BatchKind::CatalogItems, &path, items, options).await
    }
}

impl AiEvents {
    /// Sends AI events in bulk (`POST /v4/events/ai-compat/batch`), streaming, one event type
    /// per request (`{"eventType": …, "items": [...]}`) without reordering within a type. Items
    /// are [`AiEventItem`]s: the generated `*Compat` event types,
    /// [`types::AiEventBatchItemsItem`](crate::types::AiEventBatchItemsItem), or
    /// `(AiEventBatchEventType, T)` pairs. AI events get no `eventSalt` (the endpoint does not
    /// document one), so the client does not retry them after ambiguous failures.
    pub async fn bulk_send<S>(&self, items: S, options: BatchOptions) -> Result<BatchReport>
    where
        S: Stream,
        S::Item: AiEventItem,
    {
        let target = Target::new(&self.client, BatchKind::AiEvents, &[])?;
        upload(
            &self.client,
            target,
            items,
            |c, item| {
                c.push_ai_event(item);
            },
            options,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_field_paths() {
        assert_eq!(position_in_field("list[3].uuid"), Some(3));
        assert_eq!(position_in_field("[12].email"), Some(12));
        assert_eq!(position_in_field("email"), None);
    }

    #[test]
    fn item_errors_of_a_207() {
        let body = br#"[{"field":"list[1].uuid","status":400,"message":"bad","rejectedValue":"x"},{"message":"?"}]"#;
        let errors = parse_item_errors(7, body);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].0, Some(1));
        assert_eq!(errors[0].1.message.as_deref(), Some("bad"));
        assert_eq!(errors[1].0, None);
    }
}
