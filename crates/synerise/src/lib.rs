//! Async Rust client for the Synerise API.
//!
//! * [`Client`] / [`ClientBuilder`]: region, credentials, timeouts, retries.
//! * [`auth`]: every login flow and the token lifecycle (renewal ahead of expiry, single flight,
//!   one re-authentication after a `401`).
//! * [`batch`]: request bodies within the batch limits (1000 items, 1 MB, no `null`s), and
//!   streaming bulk uploads with bounded concurrency, per-identifier ordering, idempotent
//!   `eventSalt`s and a per-item report (`client.profiles().bulk_upsert(...)` and friends).
//! * [`retry`]: which failures are retried for which operations, backoff, `Retry-After`, and the
//!   client-wide retry budget.
//! * [`pagination`]: a stream of items (or of whole pages) for every paged operation, with
//!   prefetching and an opt-in parallel mode, e.g. `client.profiles().list().page_size(500).items()`.
//! * Tracing: one `synerise.request` span (DEBUG) per attempt with `operation`, `method`, `path`
//!   (the template, never the filled URL), `attempt`, `status` and `duration_ms`; each retry is an
//!   INFO event with `attempt`, `delay_ms` and `cause`. Secrets are never logged; request bodies
//!   only at TRACE and never for logins.
//!
//! ```no_run
//! # async fn run() -> synerise::Result<()> {
//! use synerise::{Client, Credentials};
//!
//! let client = Client::builder().credentials(Credentials::workspace_api_key("api-key")).build()?;
//! let workspace_time = client.call(client.api().get_server_time().send()).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod batch;
mod client;
mod error;
pub mod pagination;
mod region;
mod resources;
pub mod retry;
mod transport;

pub use auth::Credentials;
pub use batch::BatchItemError;
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
pub use error::{ApiErrorBody, ApiFieldError, Error, Result};
pub use pagination::{Page, PageRequest, TimeValue};
pub use region::Region;
pub use resources::{
    Activities, AiEvents, Analytics, Catalogs, Crm, Events, Profiles, Tags, Transactions,
};
pub use retry::RetryConfig;
pub use synerise_api as api;
pub use synerise_api::types;
