//! Batch uploads: chunking within the Synerise limits, bulk upload with bounded concurrency,
//! per-item reports.
//!
//! Synerise batch endpoints take at most 1000 items and 1 MB per request, reject a `null` they
//! would read as "delete this attribute", want one identifier kind per events request and one
//! event type per AI-events request. This module handles all of that:
//!
//! * [`Chunker`] turns any iterator or stream of `Serialize` items into request bodies within
//!   both limits ([`ChunkLimits`]), serialising every item once, without `null` fields
//!   ([`write_json_without_nulls`]), grouped per endpoint ([`BatchKind`], [`Partition`]).
//! * The resource handles upload streams: [`Profiles::bulk_upsert`](crate::Profiles::bulk_upsert),
//!   [`Events::bulk_send`](crate::Events::bulk_send),
//!   [`Transactions::bulk_send`](crate::Transactions::bulk_send),
//!   [`Catalogs::bulk_add_items`](crate::Catalogs::bulk_add_items),
//!   [`AiEvents::bulk_send`](crate::AiEvents::bulk_send), configured by [`BatchOptions`]
//!   (concurrency, limits, fail-fast, [`Progress`] callback). Memory stays proportional to
//!   concurrency × body size, not to the input.
//! * Updates of the same identifier are applied in input order, even with concurrency.
//! * Events and transactions get a time and a deterministic `eventSalt` before the first attempt
//!   (unless they have them), so retries overwrite instead of duplicating.
//! * A [`BatchReport`] tells every item's fate ([`ItemFate`]): accepted (in which request),
//!   rejected by the server (with its error), or not sent (with why, e.g. a
//!   [`BatchItemError`] for an item too large for any request).
//!
//! ```no_run
//! # async fn run(client: synerise::Client) -> synerise::Result<()> {
//! use synerise::batch::BatchOptions;
//!
//! let profiles = (0..2500).map(|i| serde_json::json!({ "customId": format!("c-{i}"), "city": "Kraków" }));
//! let options = BatchOptions::default().on_progress(|p| eprintln!("{}/{} accepted", p.items_accepted, p.items_read));
//! let report = client.profiles().bulk_upsert(futures::stream::iter(profiles), options).await?;
//! assert_eq!(report.requests().len(), 3);
//! for (index, fate) in report.failures() {
//!     eprintln!("item {index}: {fate:?}");
//! }
//! # Ok(()) }
//! ```

mod ai;
mod chunker;
mod errors;
mod json;
mod kind;
mod report;
mod runs;
mod salt;
mod upload;

pub use ai::AiEventItem;
pub use chunker::{Chunk, Chunker, Chunks};
pub use errors::{BatchItemError, BatchItemErrorKind};
pub use json::{to_json_without_nulls, write_json_without_nulls};
pub use kind::{
    BatchKind, ChunkLimits, DEFAULT_MAX_BYTES, DEFAULT_MAX_ITEMS, IdentifierKind, IdentifierKinds,
    Partition,
};
pub use report::{BatchReport, ItemFate, NotSent, Progress, RequestReport, ServerItemError};
pub use runs::IndexRuns;
pub use upload::{BatchOptions, DEFAULT_CONCURRENCY};
