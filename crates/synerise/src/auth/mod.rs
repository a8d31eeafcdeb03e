//! Authentication: credentials, every Synerise login flow, and the token lifecycle.
//!
//! Pick a flow with [`Credentials`] and hand it to [`crate::ClientBuilder::credentials`]; the
//! client then attaches the right `Authorization` header to every operation that needs one and
//! keeps the token fresh. A Tracker key ([`crate::ClientBuilder::tracker_key`]) is added as the
//! `token` query parameter of operations that authenticate with it.
//!
//! # Token lifecycle
//!
//! * **Expiry comes from the token.** Synerise tokens live one hour or one week depending on the
//!   Workspace settings, so nothing is hard-coded: the `exp` claim of the JWT is read (for a token
//!   the client just obtained, its lifetime `exp - iat` is counted from the moment it arrived, so
//!   clock skew does not matter). A token without a readable `exp` is used until it is rejected.
//! * **Renewed ahead of expiry.** When less than the renewal margin is left — `min(margin, 10 % of
//!   the lifetime)`, margin 60 s by default ([`crate::ClientBuilder::refresh_margin`]) — the next
//!   call renews it: Profile tokens with `POST /sauth/v3/auth/refresh/client` while they are still
//!   valid, every other flow (and an expired Profile token) by logging in again. If renewing fails
//!   while the old token is still valid, the old token keeps being used and renewal is tried again
//!   a little later.
//! * **Single flight.** However many tasks need a token at once, exactly one login or refresh is in
//!   flight; the others wait for its result (and share its failure instead of each trying again).
//!   Each installed token gets a generation number, and a refresh whose source token was rejected
//!   meanwhile is discarded in favour of a fresh login.
//! * **401.** A request rejected with `401` is sent once more after re-authentication — if the
//!   rejected token is still the current one it is dropped and a new one obtained, otherwise the
//!   newer token is used. A second consecutive `401` is returned as [`crate::Error::Auth`]. Basic
//!   and static-token credentials cannot re-authenticate: their `401` is an [`crate::Error::Auth`]
//!   saying so, and a static token past its `exp` fails before anything is sent.
//!
//! # Flows
//!
//! Workspace API key (JWT or Basic), Synerise User (with MFA by callback, or in two steps), Profile
//! (identity providers, conditional, anonymous), static token: see [`Credentials`].
//!
//! Two-step User login, for callers that cannot supply an MFA callback:
//!
//! ```no_run
//! # async fn run(read_code: impl Fn() -> String) -> synerise::Result<()> {
//! use synerise::auth::{MfaCode, UserCredentials, UserLoginStep};
//! use synerise::{Client, Credentials};
//!
//! let client = Client::builder().build()?;
//! let user = UserCredentials::new("me@example.com", "password")
//!     .workspace("0b2f6c4e-7a51-4c44-9d7e-2d7a3c1f9a10".parse().unwrap());
//! let session = match client.login_user(user).await? {
//!     UserLoginStep::Done(session) => session,
//!     UserLoginStep::MfaRequired(pending) => client.verify_mfa(pending, MfaCode::totp(read_code())).await?,
//! };
//! let client = client.with_credentials(Credentials::user_session(session))?;
//! # Ok(()) }
//! ```
//!
//! Listing and selecting Workspaces with a User login:
//!
//! ```no_run
//! # async fn run() -> synerise::Result<()> {
//! use synerise::auth::UserCredentials;
//! use synerise::{Client, Credentials};
//!
//! let user = Client::builder().credentials(Credentials::user(UserCredentials::new("me@example.com", "pw"))).build()?;
//! let workspaces = user.workspaces().await?;
//! let guid = workspaces[0].business_profile_guid.as_deref().unwrap().parse().unwrap();
//! let in_workspace = user.select_workspace(guid).await?;
//! # Ok(()) }
//! ```
//!
//! Profile logins, refresh and logout:
//!
//! ```no_run
//! # async fn run(workspace_client: synerise::Client) -> synerise::Result<()> {
//! use synerise::auth::{IdentityProvider, ProfileCredentials};
//! use synerise::{Client, Credentials};
//!
//! let anonymous = ProfileCredentials::anonymous("profile-api-key", "07243772-008a-42e1-ba37-c3807cebde8f");
//! let profile = ProfileCredentials::new("profile-api-key", IdentityProvider::Facebook)
//!     .identity_provider_token("facebook-token")
//!     .email("jane@example.com");
//! let client = Client::builder().credentials(Credentials::profile(profile)).build()?;
//! // Refreshing happens by itself; to end the session locally:
//! client.logout();
//! // To end a Profile's sessions server-side (as a Workspace or User):
//! workspace_client.logout_profile("434428563", true).await?;
//! # Ok(()) }
//! ```

mod credentials;
mod flows;
pub(crate) mod jwt;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use base64::Engine;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

pub use credentials::{
    Credentials, IdentityProvider, MfaChallenge, MfaCode, MfaFuture, MfaMethod, ProfileCredentials,
    UserCredentials,
};

use crate::transport::Executor;
use crate::{Error, Result};
pub(crate) use credentials::CredentialsKind;

/// Default renewal margin: a token is renewed when less than `min(60 s, 10 % of its lifetime)` is left.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A Profile token is refreshed (rather than replaced by a new login) only while at least this much
/// of it is left, so that it is still valid when the refresh request arrives.
const REFRESH_MIN_LEFT: Duration = Duration::from_secs(5);

/// After a failed renewal while the old token is still valid, wait at most this long before trying
/// again.
const RENEW_RETRY_AFTER: Duration = Duration::from_secs(10);

/// The first step of a two-step User login ([`crate::Client::login_user`]).
#[derive(Debug)]
pub enum UserLoginStep {
    /// Logged in (and the Workspace selected, when the credentials name one).
    Done(UserSession),
    /// Synerise asks for a multi-factor code: pass it to [`crate::Client::verify_mfa`].
    MfaRequired(PendingMfa),
}

/// A User login waiting for its multi-factor code.
pub struct PendingMfa {
    pub(crate) credentials: UserCredentials,
    pub(crate) token: SecretString,
    pub(crate) challenge: MfaChallenge,
}

impl PendingMfa {
    /// What Synerise asked for.
    pub fn challenge(&self) -> &MfaChallenge {
        &self.challenge
    }
}

impl fmt::Debug for PendingMfa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingMfa")
            .field("credentials", &self.credentials)
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

/// A logged-in User: the credentials and the token they produced. Turn it into credentials with
/// [`Credentials::user_session`].
pub struct UserSession {
    pub(crate) credentials: UserCredentials,
    pub(crate) token: SecretString,
}

impl UserSession {
    /// The User token (scoped to the Workspace when one was selected).
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The credentials the session came from.
    pub fn credentials(&self) -> &UserCredentials {
        &self.credentials
    }
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// A token the client holds.
pub(crate) struct CachedToken {
    pub(crate) token: SecretString,
    pub(crate) header: HeaderValue,
    pub(crate) generation: u64,
    pub(crate) schedule: jwt::Schedule,
}

impl CachedToken {
    fn fresh(&self, now: SystemTime) -> bool {
        self.schedule.renew_at.is_none_or(|at| now < at)
    }

    fn valid_for(&self, now: SystemTime, left: Duration) -> bool {
        self.schedule
            .expires_at
            .is_none_or(|at| now.checked_add(left).is_some_and(|t| t < at))
    }
}

#[derive(Default)]
struct TokenState {
    current: Option<Arc<CachedToken>>,
    generation: u64,
    /// Renewal attempts finished so far.
    finished: u64,
    /// The failure of the last renewal attempt, shared with the tasks that waited for it.
    last_failure: Option<Error>,
}

/// Holds the credentials of a client and its current token (see the module docs).
pub(crate) struct Authenticator {
    kind: CredentialsKind,
    exec: Arc<Executor>,
    margin: Duration,
    state: RwLock<TokenState>,
    renewal: tokio::sync::Mutex<()>,
    basic: Option<HeaderValue>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("flow", &self.flow())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    pub(crate) fn new(
        credentials: Credentials,
        exec: Arc<Executor>,
        margin: Duration,
    ) -> Result<Authenticator> {
        let mut state = TokenState::default();
        let basic = match &credentials.kind {
            CredentialsKind::WorkspaceBasic {
                workspace_guid,
                api_key,
            } => {
                let raw = base64::engine::general_purpose::STANDARD
                    .encode(format!("{workspace_guid}:{}", api_key.expose_secret()));
                let mut value = HeaderValue::from_str(&format!("Basic {raw}")).map_err(|_| {
                    Error::Config("the Workspace GUID cannot be sent in a header".into())
                })?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        let initial = match &credentials.kind {
            CredentialsKind::Static(token) => Some(token.clone()),
            CredentialsKind::WorkspaceBasic { .. } => None,
            _ => credentials.initial_token.clone(),
        };
        if let Some(token) = initial {
            state.generation = 1;
            state.current = Some(Arc::new(CachedToken {
                header: flows::bearer(&token).map_err(|_| {
                    Error::Config(
                        "the token contains characters that cannot be sent in a header".into(),
                    )
                })?,
                schedule: jwt::schedule(token.expose_secret(), SystemTime::now(), false, margin),
                token,
                generation: 1,
            }));
        }
        Ok(Authenticator {
            kind: credentials.kind,
            exec,
            margin,
            state: RwLock::new(state),
            renewal: tokio::sync::Mutex::new(()),
            basic,
        })
    }

    pub(crate) fn flow(&self) -> &'static str {
        self.kind.flow()
    }

    pub(crate) fn kind(&self) -> &CredentialsKind {
        &self.kind
    }

    /// Why a rejected request cannot be retried with new credentials, if it cannot.
    pub(crate) fn reauth_blocker(&self) -> Option<&'static str> {
        match self.kind {
            CredentialsKind::WorkspaceBasic { .. } => Some(
                "the Workspace API key was rejected (Basic authentication cannot be renewed; is Basic authentication enabled for this key?)",
            ),
            CredentialsKind::Static(_) => {
                Some("the static token was rejected; static tokens cannot be renewed")
            }
            _ => None,
        }
    }

    /// The `Authorization` header when it is at hand without waiting: Basic, or the current token
    /// while it needs no renewal (the first check of [`Authenticator::header`]). `None` when a
    /// login or renewal is due: then [`Authenticator::header`] does it.
    pub(crate) fn header_if_fresh(&self) -> Option<HeaderValue> {
        if let Some(basic) = &self.basic {
            return Some(basic.clone());
        }
        // Read-locked, and the clock read outside the lock: every request passes here.
        let now = SystemTime::now();
        let state = self.state.read().expect("not poisoned");
        state
            .current
            .as_ref()
            .filter(|token| token.fresh(now))
            .map(|token| token.header.clone())
    }

    /// The `Authorization` header for the next request, renewing the token when due.
    pub(crate) async fn header(&self) -> Result<HeaderValue> {
        if let Some(basic) = &self.basic {
            return Ok(basic.clone());
        }
        Ok(self.current().await?.header.clone())
    }

    /// After a `401` for a request sent with `rejected`: drops that token if it is still the
    /// current one, and returns the header of a valid (newer) token.
    pub(crate) async fn header_after_rejection(
        &self,
        rejected: Option<&HeaderValue>,
    ) -> Result<HeaderValue> {
        {
            let mut state = self.state.write().expect("not poisoned");
            let is_current = match (&state.current, rejected) {
                (Some(current), Some(rejected)) => current.header == rejected,
                _ => false,
            };
            if is_current {
                let generation = state.current.as_ref().map(|t| t.generation);
                tracing::info!(
                    flow = self.flow(),
                    generation,
                    "the token was rejected (401); authenticating again"
                );
                state.current = None;
            }
        }
        self.header().await
    }

    /// Drops the current token; the next call logs in again.
    pub(crate) fn forget(&self) {
        self.state.write().expect("not poisoned").current = None;
    }

    /// The current token (renewed when due), for flows that have one.
    pub(crate) async fn token(&self) -> Result<Option<SecretString>> {
        if self.basic.is_some() {
            return Ok(None);
        }
        Ok(Some(self.current().await?.token.clone()))
    }

    /// The current token, renewed first when due; single flight.
    pub(crate) async fn current(&self) -> Result<Arc<CachedToken>> {
        let seen_finished = {
            let state = self.state.read().expect("not poisoned");
            if let Some(token) = &state.current
                && token.fresh(SystemTime::now())
            {
                return Ok(token.clone());
            }
            state.finished
        };
        if let CredentialsKind::Static(_) = self.kind {
            return self.static_token();
        }
        let _renewing = self.renewal.lock().await;
        let old = {
            let state = self.state.read().expect("not poisoned");
            let now = SystemTime::now();
            if let Some(token) = &state.current
                && token.fresh(now)
            {
                return Ok(token.clone());
            }
            if state.finished > seen_finished
                && let Some(failure) = &state.last_failure
            {
                // Another task tried while this one waited, and failed: share its outcome.
                if let Some(token) = state
                    .current
                    .as_ref()
                    .filter(|t| t.valid_for(now, Duration::ZERO))
                {
                    return Ok(token.clone());
                }
                return Err(failure.shared());
            }
            (state.current.clone(), state.generation)
        };
        let (old, base_generation) = old;
        let outcome = self.renew(old.clone()).await;
        let mut state = self.state.write().expect("not poisoned");
        state.finished += 1;
        match outcome {
            Ok(token) => {
                if state.generation != base_generation
                    && let Some(newer) = state.current.clone()
                {
                    // Defensive: renewals are serialised, but a newer token must never be
                    // overwritten by the result of an older renewal.
                    return Ok(newer);
                }
                state.generation += 1;
                let cached = Arc::new(CachedToken {
                    header: flows::bearer(&token)?,
                    schedule: jwt::schedule(
                        token.expose_secret(),
                        SystemTime::now(),
                        true,
                        self.margin,
                    ),
                    token,
                    generation: state.generation,
                });
                tracing::debug!(
                    flow = self.flow(),
                    generation = cached.generation,
                    "new token installed"
                );
                state.current = Some(cached.clone());
                state.last_failure = None;
                Ok(cached)
            }
            Err(err) => {
                let now = SystemTime::now();
                let still_current =
                    matches!((&state.current, &old), (Some(c), Some(o)) if Arc::ptr_eq(c, o));
                state.last_failure = Some(err.shared());
                match old.filter(|o| still_current && o.valid_for(now, Duration::ZERO)) {
                    Some(old) => {
                        tracing::warn!(flow = self.flow(), error = %err, "renewing the token failed; using the current one until it expires");
                        let left = old
                            .schedule
                            .expires_at
                            .and_then(|at| at.duration_since(now).ok())
                            .unwrap_or_default();
                        let retry_at = now + (left / 2).min(RENEW_RETRY_AFTER);
                        let kept = Arc::new(CachedToken {
                            token: old.token.clone(),
                            header: old.header.clone(),
                            generation: old.generation,
                            schedule: jwt::Schedule {
                                expires_at: old.schedule.expires_at,
                                renew_at: Some(retry_at),
                            },
                        });
                        state.current = Some(kept.clone());
                        Ok(kept)
                    }
                    None => Err(err),
                }
            }
        }
    }

    fn static_token(&self) -> Result<Arc<CachedToken>> {
        let state = self.state.read().expect("not poisoned");
        match &state.current {
            Some(token) if token.valid_for(SystemTime::now(), Duration::ZERO) => Ok(token.clone()),
            Some(token) => {
                let when = token
                    .schedule
                    .expires_at
                    .map(|at| chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339())
                    .unwrap_or_default();
                Err(Error::Auth {
                    message: format!(
                        "the static token expired at {when}; static tokens cannot be renewed"
                    ),
                    status: None,
                    body: None,
                })
            }
            None => Err(Error::Auth {
                message: "the static token was dropped; static tokens cannot be renewed".into(),
                status: None,
                body: None,
            }),
        }
    }

    /// One renewal: a Profile refresh while the token is valid, else a login.
    async fn renew(&self, old: Option<Arc<CachedToken>>) -> Result<SecretString> {
        let exec = &*self.exec;
        match &self.kind {
            CredentialsKind::WorkspaceApiKey { api_key } => {
                flows::workspace_login(exec, api_key).await
            }
            CredentialsKind::User(user) => flows::user_full_login(exec, user).await,
            CredentialsKind::Profile(profile) => {
                if let Some(old) = old.filter(|o| o.valid_for(SystemTime::now(), REFRESH_MIN_LEFT))
                {
                    match flows::profile_refresh(exec, profile, &old.token).await {
                        Ok(token) => {
                            let still_current = {
                                let state = self.state.read().expect("not poisoned");
                                state.current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &old))
                            };
                            if still_current {
                                return Ok(token);
                            }
                            tracing::info!(
                                "the token was rejected while it was being refreshed; logging in instead"
                            );
                        }
                        Err(err) => {
                            tracing::info!(error = %err, "refreshing the Profile token failed; logging in instead")
                        }
                    }
                }
                flows::profile_login(exec, profile).await
            }
            CredentialsKind::WorkspaceBasic { .. } | CredentialsKind::Static(_) => {
                unreachable!("handled before renewal")
            }
        }
    }

    pub(crate) fn exec(&self) -> &Executor {
        &self.exec
    }
}

// Two-step User login, used by `Client`.
pub(crate) async fn login_user(
    exec: &Executor,
    credentials: UserCredentials,
) -> Result<UserLoginStep> {
    match flows::user_login(exec, &credentials).await? {
        flows::UserLogin::Done(token) => {
            let token = match credentials.workspace {
                Some(ws) => flows::select_workspace(exec, &token, ws).await?,
                None => token,
            };
            Ok(UserLoginStep::Done(UserSession { credentials, token }))
        }
        flows::UserLogin::Mfa { token, challenge } => Ok(UserLoginStep::MfaRequired(PendingMfa {
            credentials,
            token,
            challenge,
        })),
    }
}

pub(crate) async fn verify_mfa(
    exec: &Executor,
    pending: PendingMfa,
    code: MfaCode,
) -> Result<UserSession> {
    let PendingMfa {
        credentials, token, ..
    } = pending;
    let token = flows::user_mfa(exec, &token, &code, credentials.device_id.as_deref()).await?;
    let token = match credentials.workspace {
        Some(ws) => flows::select_workspace(exec, &token, ws).await?,
        None => token,
    };
    Ok(UserSession { credentials, token })
}

pub(crate) async fn select_workspace(
    exec: &Executor,
    token: &SecretString,
    workspace: uuid::Uuid,
) -> Result<SecretString> {
    flows::select_workspace(exec, token, workspace).await
}
