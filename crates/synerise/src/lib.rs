//! Async Rust client for the [Synerise](https://synerise.com) API.
//!
//! Push Profiles, events, transactions and catalogs into a Workspace and read them back, with
//! authentication, retries, pagination and batch upload handled for you. Every one of the 176
//! Data Management operations is reachable through [`Client::api`] (the generated
//! [`synerise_api`] client, re-exported as [`api`]), and goes through the same authentication,
//! retry and tracing path as the typed helpers of this crate.
//!
//! * [`Client`] / [`ClientBuilder`]: region, credentials, timeouts, retries.
//! * [`auth`]: every login flow and the token lifecycle (renewal ahead of expiry, single flight,
//!   one re-authentication after a `401`).
//! * [`pagination`]: a stream of items (or of whole pages) for every paged operation, with
//!   prefetching and an opt-in parallel mode.
//! * [`batch`]: request bodies within the batch limits (1000 items, 1 MB, no `null`s), and
//!   streaming bulk uploads with bounded concurrency, per-identifier ordering, idempotent
//!   `eventSalt`s and a per-item report.
//! * [`retry`]: which failures are retried for which operations, backoff, `Retry-After`, and the
//!   client-wide retry budget.
//! * [`Error`]: one error type for every call.
//!
//! # Quick start
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use synerise::{Client, Credentials, Region};
//!
//! #[tokio::main]
//! async fn main() -> synerise::Result<()> {
//!     let client = Client::builder()
//!         .region(Region::AzureEu)
//!         .credentials(Credentials::workspace_api_key(std::env::var("SYNERISE_API_KEY").unwrap()))
//!         .build()?;
//!
//!     // Any operation of the API, with authentication and retries applied:
//!     let server_time = client.call(client.api().get_server_time().send()).await?;
//!     println!("{server_time:?}");
//!
//!     // Every Profile of the Workspace, page after page:
//!     let profiles: Vec<_> = client.profiles().list().items().try_collect().await?;
//!     println!("{} profiles", profiles.len());
//!     Ok(())
//! }
//! ```
//!
//! # A guided tour
//!
//! ## Authentication
//!
//! Pick a flow with [`Credentials`] and give it to [`ClientBuilder::credentials`]. The client logs
//! in on the first call that needs a token, attaches the right `Authorization` header to every
//! operation, renews the token before it expires (one login or refresh at a time, however many
//! tasks are waiting) and re-authenticates once after a `401`.
//!
//! | flow | credentials |
//! |---|---|
//! | Workspace API key → Workspace JWT | [`Credentials::workspace_api_key`] |
//! | Workspace API key with HTTP Basic, no login | [`Credentials::workspace_basic`] |
//! | Synerise User (username, password, MFA by callback, Workspace selection) | [`Credentials::user`] with [`auth::UserCredentials`] |
//! | Synerise User in two steps (MFA code asked separately) | [`Client::login_user`], [`Client::verify_mfa`], then [`Credentials::user_session`] |
//! | Profile: identity providers (Synerise, Facebook, OAuth, Google, Apple…), conditional, anonymous; refreshed with the Profile refresh endpoint | [`Credentials::profile`] with [`auth::ProfileCredentials`] |
//! | A token obtained elsewhere (not renewable) | [`Credentials::token`] |
//! | Tracker key (`token` query parameter) | [`ClientBuilder::tracker_key`] |
//!
//! ```no_run
//! # fn run() -> synerise::Result<()> {
//! use synerise::auth::{IdentityProvider, MfaCode, ProfileCredentials, UserCredentials};
//! use synerise::{Client, Credentials};
//!
//! let workspace = Credentials::workspace_api_key("workspace-api-key");
//! let basic = Credentials::workspace_basic("workspace-guid", "workspace-api-key");
//! let user = Credentials::user(
//!     UserCredentials::new("me@example.com", "password")
//!         .workspace("0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10".parse().unwrap())
//!         .mfa(|_challenge| async { Ok(MfaCode::totp("123456")) }),
//! );
//! let profile = Credentials::profile(ProfileCredentials::email_password("profile-api-key", "jane@example.com", "pw"));
//! let social = Credentials::profile(
//!     ProfileCredentials::new("profile-api-key", IdentityProvider::Facebook).identity_provider_token("facebook-token"),
//! );
//! let anonymous = Credentials::profile(ProfileCredentials::anonymous("profile-api-key", "07243772-008a-42e1-ba37-c3807cebde8f"));
//!
//! let client = Client::builder().credentials(workspace).build()?;
//! // Another identity on the same connection pool and retry budget:
//! let as_user = client.with_credentials(user)?;
//! # let _ = (basic, profile, social, anonymous, as_user);
//! # Ok(()) }
//! ```
//!
//! The [`auth`] module describes the token lifecycle and shows the two-step User login, Workspace
//! selection and Profile logout.
//!
//! ## Pagination
//!
//! Each paged operation has an entry point on a resource handle ([`Client::profiles`],
//! [`Client::catalogs`], [`Client::tags`], [`Client::activities`], …) that hides which of the six
//! Synerise paging styles it uses. Exporting every Profile is one line:
//!
//! ```no_run
//! # async fn run(client: synerise::Client) -> synerise::Result<()> {
//! use futures::TryStreamExt;
//!
//! let profiles: Vec<synerise::types::Profile> = client.profiles().list().items().try_collect().await?;
//! # Ok(()) }
//! ```
//!
//! The builders take the operation's query parameters, `.page_size(n)`, `.prefetch(n)`,
//! `.parallel(k)`, `.max_items(n)`, and give `.items()` or `.pages()` (with totals and cursors).
//! A failed page ends the stream with [`Error::Page`]; a server that repeats itself ends it with
//! [`Error::PaginationLoop`]. See [`pagination`].
//!
//! ## Batch upload
//!
//! The bulk uploaders take any stream of `Serialize` items, cut it into requests within the
//! Synerise limits (1000 items and 1 MB per request), send them with bounded concurrency and
//! return a [`batch::BatchReport`] with every item's fate:
//!
//! ```no_run
//! # async fn run(client: synerise::Client) -> synerise::Result<()> {
//! use synerise::batch::BatchOptions;
//!
//! let profiles = (0..25_000).map(|i| serde_json::json!({ "customId": format!("c-{i}"), "city": "Kraków" }));
//! let report = client
//!     .profiles()
//!     .bulk_upsert(futures::stream::iter(profiles), BatchOptions::default().concurrency(4))
//!     .await?;
//! println!("{report}"); // items read, accepted, rejected, not sent; requests; bytes; time
//! for (index, fate) in report.failures() {
//!     eprintln!("item {index}: {fate:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! [`Events::bulk_send`], [`Transactions::bulk_send`], [`Catalogs::bulk_add_items`] and
//! [`AiEvents::bulk_send`] work the same way; events and transactions get a deterministic
//! `eventSalt` so that a retried request overwrites instead of duplicating. See [`batch`].
//!
//! ## Errors
//!
//! Every call returns [`Result<T>`](Result), whose [`Error`] tells what went wrong without
//! holding a secret: the status and parsed Synerise error body ([`ApiErrorBody`]) of an error
//! answer, a refused login, a rate limit with its `Retry-After`, a timeout, a connection failure.
//! It is `#[non_exhaustive]`, so a match ends with a catch-all:
//!
//! ```no_run
//! # async fn run(client: synerise::Client) -> synerise::Result<()> {
//! use synerise::Error;
//! use synerise::api::types::Profile;
//!
//! let profile: Option<Profile> = match client.call(client.api().get_client_data().client_id(42).send()).await {
//!     Ok(profile) => Some(profile),
//!     Err(Error::Api { status, .. }) if status == 404 => None,
//!     Err(Error::Api { status, body }) => {
//!         eprintln!("Synerise said {status}: {}", body.summary());
//!         None
//!     }
//!     Err(Error::Auth { message, .. }) => panic!("check the API key: {message}"),
//!     Err(Error::RateLimited { retry_after, .. }) => {
//!         eprintln!("still rate limited after the retries; the server asks to wait {retry_after:?}");
//!         None
//!     }
//!     Err(e) if e.is_retryable() => {
//!         eprintln!("temporary failure, try again later: {e}");
//!         None
//!     }
//!     Err(e) => return Err(e),
//! };
//! # let _ = profile;
//! # Ok(()) }
//! ```
//!
//! [`Error::status`], [`Error::api_body`] and [`Error::is_retryable`] answer the usual questions
//! without a match.
//!
//! ## Retries
//!
//! [`RetryConfig::default`] retries a failed attempt up to **3 times** with exponential backoff
//! (**0.5 s** base, **20 s** cap, full jitter), honours `Retry-After` up to **60 s**, and draws on a
//! **retry budget** shared by the whole client, so that during an outage it stops multiplying its
//! load instead of sending every request four times. Connection failures, `429` and
//! `502`/`503`/`504` are retried for every operation; a `500`, a timeout or a connection broken
//! after sending only for operations that are safe to repeat (reads, upserts, and event uploads
//! whose every event has an `eventSalt` and a time). Nothing outlives
//! [`ClientBuilder::deadline`].
//!
//! The defaults follow what AWS and Stainless SDKs do (the [`retry`] module gives the reasoning);
//! change them per client:
//!
//! ```
//! use std::time::Duration;
//! use synerise::{Client, RetryConfig};
//!
//! let client = Client::builder()
//!     .retry(RetryConfig::default().max_retries(5).max_delay(Duration::from_secs(30)))
//!     .deadline(Duration::from_secs(120))
//!     .build()?;
//! # Ok::<(), synerise::Error>(())
//! ```
//!
//! ## Testing your code with the mock
//!
//! [`synerise-mock`](https://docs.rs/synerise-mock) is an in-memory Synerise server: add it as a
//! dev-dependency, point the client at it with [`ClientBuilder::base_url`], run your code, then
//! assert on the mock's store and request journal. This example runs as a doctest:
//!
//! ```
//! use futures::TryStreamExt;
//! use synerise::batch::BatchOptions;
//! use synerise::{Client, Credentials};
//! use synerise_mock::{MockConfig, SyneriseMock};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> synerise::Result<()> {
//!     let mock = SyneriseMock::start().await;
//!     let client = Client::builder()
//!         .base_url(mock.base_url())
//!         .credentials(Credentials::workspace_api_key(MockConfig::DEFAULT_API_KEY))
//!         .build()?;
//!
//!     // The code under test:
//!     let profiles = (0..3).map(|i| serde_json::json!({ "customId": format!("c-{i}") }));
//!     let report = client.profiles().bulk_upsert(futures::stream::iter(profiles), BatchOptions::default()).await?;
//!
//!     assert!(report.is_success());
//!     assert_eq!(mock.profile_count(), 3);
//!     assert!(mock.profile_by_custom_id("c-1").is_some());
//!     assert!(mock.journal().iter().any(|r| r.path == "/v4/clients/batch"));
//!     let listed: Vec<_> = client.profiles().list().items().try_collect().await?;
//!     assert_eq!(listed.len(), 3);
//!     Ok(())
//! }
//! ```
//!
//! The mock also injects faults (errors, `429` with `Retry-After`, dropped connections, latency),
//! expires and revokes tokens without sleeping, and seeds data; see its documentation.
//!
//! ## Tracing
//!
//! One `synerise.request` span (DEBUG) per attempt with `operation`, `method`, `path` (the
//! template, never the filled URL), `attempt`, `status` and `duration_ms`; each retry is an INFO
//! event with `attempt`, `delay_ms` and `cause`. Secrets are never logged; request bodies only at
//! TRACE and never for logins.
//!
//! # Features
//!
//! * `rustls` (default): reqwest's `rustls` feature — rustls with the aws-lc-rs crypto provider
//!   and the platform's certificate verifier.
//! * `native-tls`: reqwest's `native-tls` feature — the platform's TLS (OpenSSL on Linux,
//!   Security.framework on macOS, SChannel on Windows) instead; use it with
//!   `default-features = false`.
//!
//! Nothing else chooses a TLS stack: with `default-features = false, features = ["native-tls"]`
//! no rustls is built, and the default build has no OpenSSL. Without either feature, only
//! `http://` base URLs work (enough for tests against the mock).
//!
//! # Minimum supported Rust version
//!
//! Rust 1.88 (edition 2024, `let` chains; also what `progenitor-client` 0.15 needs).
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

/// The README's example, compiled with the doctests so that it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
