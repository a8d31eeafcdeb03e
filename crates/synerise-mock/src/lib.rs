//! An in-memory Synerise Data Management API server for tests, examples and benchmarks.
//!
//! [`SyneriseMock::start`] binds an ephemeral port on `127.0.0.1` and serves a Synerise-like
//! API with real behaviour for authentication, profiles, events, transactions, catalogs,
//! tags-collector tags and activities; the other operations of the reference answer 501
//! with a Synerise-shaped error naming the operation. The server stops when the
//! [`SyneriseMock`] is dropped.
//!
//! ```no_run
//! # async fn demo() {
//! use synerise_mock::SyneriseMock;
//!
//! let mock = SyneriseMock::start().await;
//! let base_url = mock.base_url(); // http://127.0.0.1:PORT
//! let auth = mock.basic_auth_header(); // "Basic ..." for the default workspace
//! // ... point the client under test at `base_url` ...
//! assert_eq!(mock.profile_count(), 0);
//! # let _ = (base_url, auth);
//! # }
//! ```
#![deny(missing_docs)]

mod auth;
mod config;
mod dispatch;
mod faults;
mod handlers;
mod journal;
pub mod operations;
mod routing;
mod store;
mod util;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use auth::decode_claims;
pub use config::{JournalMode, MockConfig, MockUser, MockWorkspace, ProfileAccount, StoreMode};
pub use faults::{Fault, FaultSpec, Faults, Route};
pub use journal::RecordedRequest;
pub use store::{ProfileRef, RecordedEvent};

use crate::auth::{Minted, Principal, TokenStore};
use crate::dispatch::ConnKill;
use crate::journal::Journal;
use crate::store::{Ids, Store};
use crate::util::{Clock, lock};

/// State shared by the server and the [`SyneriseMock`] handle.
pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    pub(crate) base_url: String,
    pub(crate) started: DateTime<Utc>,
    pub(crate) clock: Clock,
    pub(crate) store: Mutex<Store>,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) journal: Mutex<Journal>,
    pub(crate) faults: Faults,
}

impl Shared {
    fn lifetime_secs(&self) -> i64 {
        self.config.token_lifetime.as_secs() as i64
    }

    pub(crate) fn mint(
        &self,
        principal: Principal,
        subject: &str,
        claims: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Minted {
        lock(&self.tokens).mint(principal, subject, claims, now, self.lifetime_secs())
    }

    pub(crate) fn mint_workspace(&self, now: DateTime<Utc>) -> Minted {
        let mut claims = Map::new();
        claims.insert("bpi".into(), json!(self.config.business_profile_id));
        claims.insert("bpg".into(), json!(self.config.workspace_guid));
        self.mint(
            Principal::Workspace,
            &self.config.workspace_guid.clone(),
            claims,
            now,
        )
    }

    pub(crate) fn mint_profile(
        &self,
        client_id: i64,
        anonymous: bool,
        now: DateTime<Utc>,
    ) -> Minted {
        let ids = lock(&self.store).profiles.identifiers(client_id);
        let mut claims = Map::new();
        claims.insert("clId".into(), json!(client_id));
        claims.insert("bpi".into(), json!(self.config.business_profile_id));
        if let Some(uuid) = &ids.uuid {
            claims.insert("uuid".into(), json!(uuid));
        }
        if let Some(c) = &ids.custom_id {
            claims.insert("customId".into(), json!(c));
        }
        if let Some(e) = &ids.email {
            claims.insert("eml".into(), json!(e));
        }
        let subject = ids.uuid.clone().unwrap_or_else(|| client_id.to_string());
        self.mint(
            Principal::Profile {
                client_id,
                anonymous,
            },
            &subject,
            claims,
            now,
        )
    }
}

/// A running mock server. Dropping it stops the server (listener and every connection).
pub struct SyneriseMock {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SyneriseMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyneriseMock")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl SyneriseMock {
    /// Starts a mock with [`MockConfig::default`] on an ephemeral loopback port.
    ///
    /// # Panics
    /// When the port cannot be bound, or when called outside a Tokio runtime.
    pub async fn start() -> SyneriseMock {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a mock with `config`.
    ///
    /// # Panics
    /// When the port cannot be bound, or when called outside a Tokio runtime.
    pub async fn start_with(config: MockConfig) -> SyneriseMock {
        Self::try_start_with(config)
            .await
            .expect("synerise-mock: cannot bind 127.0.0.1")
    }

    /// Starts a mock with `config`, returning bind errors.
    pub async fn try_start_with(config: MockConfig) -> io::Result<SyneriseMock> {
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let clock = Clock::default();
        let now = clock.now();
        let mut store = Store::new(config.store_mode, config.seed);
        for account in &config.profile_accounts {
            let ids = Ids {
                email: account.email.clone(),
                custom_id: account.custom_id.clone(),
                ..Ids::default()
            };
            let store = &mut store;
            let _ = store.profiles.upsert(None, &ids, None, now, &mut store.rng);
        }
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            started: now,
            clock,
            store: Mutex::new(store),
            tokens: Mutex::new(TokenStore::new(config.seed)),
            journal: Mutex::new(Journal::new(config.journal)),
            faults: Faults::new(config.seed),
            config,
        });
        let app = Router::new()
            .fallback(dispatch::dispatch)
            .with_state(shared.clone());
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, app, shutdown_rx));
        tracing::debug!(%addr, "synerise-mock listening");
        Ok(SyneriseMock {
            shared,
            addr,
            shutdown_tx,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits until the listener and all connections are closed.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// The configuration the mock runs with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// The workspace API key.
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// The workspace GUID.
    pub fn workspace_guid(&self) -> &str {
        &self.shared.config.workspace_guid
    }

    /// The profile (client) API key.
    pub fn profile_api_key(&self) -> &str {
        &self.shared.config.profile_api_key
    }

    /// `Basic base64(workspaceGuid:apiKey)`, ready for the `Authorization` header.
    pub fn basic_auth_header(&self) -> String {
        let c = &self.shared.config;
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", c.workspace_guid, c.api_key))
        )
    }

    // ----- tokens and clock ------------------------------------------------------------

    /// Issues a workspace token without an HTTP round trip.
    pub fn issue_workspace_token(&self) -> String {
        self.shared.mint_workspace(self.now()).token
    }

    /// Issues a profile token for an existing profile without an HTTP round trip.
    pub fn issue_profile_token(&self, client_id: i64) -> Option<String> {
        if !lock(&self.shared.store).profiles.exists(client_id) {
            return None;
        }
        Some(self.shared.mint_profile(client_id, false, self.now()).token)
    }

    /// Revokes every token issued so far; returns how many were still valid. Basic auth
    /// keeps working (it has no token).
    pub fn revoke_all_tokens(&self) -> usize {
        lock(&self.shared.tokens).revoke_all()
    }

    /// Revokes one token; returns whether it was known and not yet revoked.
    pub fn revoke_token(&self, token: &str) -> bool {
        lock(&self.shared.tokens).revoke(token)
    }

    /// How many tokens the mock has issued (logins, refreshes, `issue_*`).
    pub fn issued_token_count(&self) -> u64 {
        lock(&self.shared.tokens).issued()
    }

    /// The mock's current time (wall clock plus [`SyneriseMock::advance_clock`]).
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Moves the mock's clock forward: tokens expire, new `iat`/`exp` and receive times
    /// shift. Lets tests expire tokens without sleeping.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    // ----- faults and journal ----------------------------------------------------------

    /// Runtime fault injection settings.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// A copy of the request journal, oldest first.
    pub fn journal(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.journal).entries.iter().cloned().collect()
    }

    /// Number of journal entries.
    pub fn journal_len(&self) -> usize {
        lock(&self.shared.journal).entries.len()
    }

    /// Empties the journal.
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).entries.clear();
    }

    /// Changes the journal mode (e.g. [`JournalMode::Off`] for benchmarks).
    pub fn set_journal_mode(&self, mode: JournalMode) {
        lock(&self.shared.journal).set_mode(mode);
    }

    // ----- store accessors -------------------------------------------------------------

    /// Number of profiles.
    pub fn profile_count(&self) -> usize {
        lock(&self.shared.store).profiles.count()
    }

    /// Every profile as the API renders it (`GET /v4/clients/{id}` shape), by clientId.
    pub fn profiles(&self) -> Vec<Value> {
        lock(&self.shared.store).profiles.all_json()
    }

    /// One profile by clientId.
    pub fn profile(&self, client_id: i64) -> Option<Value> {
        lock(&self.shared.store).profiles.json(client_id)
    }

    /// One profile by customId.
    pub fn profile_by_custom_id(&self, custom_id: &str) -> Option<Value> {
        let store = lock(&self.shared.store);
        store
            .profiles
            .by_custom_id(custom_id)
            .and_then(|id| store.profiles.json(id))
    }

    /// One profile by e-mail.
    pub fn profile_by_email(&self, email: &str) -> Option<Value> {
        let store = lock(&self.shared.store);
        store
            .profiles
            .by_email(email)
            .and_then(|id| store.profiles.json(id))
    }

    /// One profile by UUID.
    pub fn profile_by_uuid(&self, uuid: &str) -> Option<Value> {
        let store = lock(&self.shared.store);
        store
            .profiles
            .by_uuid(uuid)
            .and_then(|id| store.profiles.json(id))
    }

    /// The clientId of a profile.
    pub fn client_id(&self, profile: impl Into<ProfileRef>) -> Option<i64> {
        lock(&self.shared.store)
            .profiles
            .resolve_ref(&profile.into())
    }

    /// Events stored for a profile, in insertion order (an overwrite keeps the position).
    /// Empty in [`StoreMode::CountOnly`].
    pub fn events_for_profile(&self, profile: impl Into<ProfileRef>) -> Vec<RecordedEvent> {
        let store = lock(&self.shared.store);
        match store.profiles.resolve_ref(&profile.into()) {
            Some(id) => store.events.for_profile(id),
            None => Vec::new(),
        }
    }

    /// Number of stored events (overwrites do not count twice).
    pub fn event_count(&self) -> usize {
        lock(&self.shared.store).events.count()
    }

    /// Number of stored transactions (overwrites do not count twice).
    pub fn transaction_count(&self) -> usize {
        lock(&self.shared.store).transactions.count()
    }

    /// Stored transactions, as received. Empty in [`StoreMode::CountOnly`].
    pub fn transactions(&self) -> Vec<Value> {
        lock(&self.shared.store).transactions.all()
    }

    /// Number of AI events (`/v4/events/ai-compat/...`).
    pub fn ai_event_count(&self) -> usize {
        lock(&self.shared.store).ai_event_count
    }

    /// Stored AI events with their `eventType`. Empty in [`StoreMode::CountOnly`].
    pub fn ai_events(&self) -> Vec<Value> {
        lock(&self.shared.store).ai_events.clone()
    }

    /// Number of catalogs.
    pub fn catalog_count(&self) -> usize {
        lock(&self.shared.store).catalogs.bags.len()
    }

    /// Number of items in a catalog (0 when it does not exist).
    pub fn catalog_item_count(&self, catalog_id: i64) -> usize {
        lock(&self.shared.store)
            .catalogs
            .bags
            .get(&catalog_id)
            .map_or(0, |b| b.item_count())
    }

    /// Items of a catalog as `(itemKey, value)`, in id order. Empty in count-only mode.
    pub fn catalog_items(&self, catalog_id: i64) -> Vec<(String, Value)> {
        lock(&self.shared.store)
            .catalogs
            .bags
            .get(&catalog_id)
            .map(|b| {
                b.items()
                    .map(|i| (i.key.clone(), i.value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Number of tags-collector tags.
    pub fn tag_count(&self) -> usize {
        lock(&self.shared.store).tags.len()
    }

    /// Number of activities.
    pub fn activity_count(&self) -> usize {
        lock(&self.shared.store).activities.len()
    }

    // ----- seeding -----------------------------------------------------------------------

    /// Creates `n` profiles (`customId` `seed-N`, `email` `seed-N@example.com`, names from
    /// the seeded RNG); returns their clientIds.
    pub fn seed_profiles(&self, n: usize) -> Vec<i64> {
        let now = self.now();
        lock(&self.shared.store).seed_profiles(n, now)
    }

    /// Adds `n` custom events (action `mock.seeded`, one second apart, ending now) to an
    /// existing profile; returns how many were added (0 if the profile does not exist).
    pub fn seed_events(&self, profile: impl Into<ProfileRef>, n: usize) -> usize {
        let now = self.now();
        let mut store = lock(&self.shared.store);
        let Some(client_id) = store.profiles.resolve_ref(&profile.into()) else {
            return 0;
        };
        for i in 0..n {
            let time = now - chrono::Duration::seconds((n - i) as i64);
            let body = json!({ "action": "mock.seeded", "label": format!("Seeded event {i}") });
            store.events.insert(RecordedEvent {
                client_id,
                action: "mock.seeded".to_owned(),
                time,
                event_salt: None,
                label: Some(format!("Seeded event {i}")),
                params: json!({ "n": i }),
                body,
                seq: 0,
            });
        }
        n
    }

    /// Creates a catalog; returns its id.
    pub fn seed_catalog(&self, name: &str) -> i64 {
        let now = self.now();
        lock(&self.shared.store)
            .catalogs
            .create(name, "synerise-mock", now)
    }

    /// Adds `n` items (`itemKey` `item-N`) to a catalog, creating the catalog with this id
    /// if needed.
    pub fn seed_catalog_items(&self, catalog_id: i64, n: usize) {
        let now = self.now();
        let mut store = lock(&self.shared.store);
        store.catalogs.ensure(
            catalog_id,
            &format!("catalog-{catalog_id}"),
            "synerise-mock",
            now,
        );
        let start = store.catalogs.bags[&catalog_id].item_count();
        for i in 0..n {
            let k = start + i + 1;
            let price = store.rng_price();
            store.catalogs.upsert_item(
                catalog_id,
                &format!("item-{k}"),
                json!({ "title": format!("Item {k}"), "price": price }),
                now,
            );
        }
    }

    /// Adds `n` tags-collector tags.
    pub fn seed_tags(&self, n: usize) {
        let now = self.now();
        lock(&self.shared.store).seed_tags(n, now);
    }

    /// Adds `n` activities (distinct times in the past), served by `GET /activities-api/events`
    /// to every profile.
    pub fn seed_activities(&self, n: usize) {
        let now = self.now();
        lock(&self.shared.store).seed_activities(n, now);
    }
}

impl Drop for SyneriseMock {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(task) = self.task.take() {
            // Aborting drops the accept loop and its JoinSet, which aborts every connection.
            task.abort();
        }
    }
}

async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, app.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "synerise-mock: accept failed");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    conns.shutdown().await;
}

async fn serve_connection(stream: TcpStream, app: Router) {
    let kill = Arc::new(Notify::new());
    let conn_kill = ConnKill(kill.clone());
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(conn_kill.clone());
        let mut app = app.clone();
        async move { tower_service::Service::call(&mut app, req).await }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        // Dropping the connection future closes the socket without a response.
        _ = kill.notified() => {}
    }
}
