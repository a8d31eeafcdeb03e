//! [`Client`] and its [`ClientBuilder`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientInfo, ResponseValue};
use secrecy::SecretString;
use synerise_api::hooks::{Inner, Transport};
use synerise_api::operations::{self, OperationMeta};
use uuid::Uuid;

use crate::auth::{
    self, Authenticator, Credentials, MfaCode, PendingMfa, UserCredentials, UserLoginStep,
    UserSession,
};
use crate::retry::RetryConfig;
use crate::transport::{self, Executor, SyneriseTransport};
use crate::{Error, Region, Result};

/// Default time to establish a TCP/TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one attempt of one request, headers and body.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings shared by everything a [`Client`] does.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) region: Region,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: RetryConfig,
    pub(crate) refresh_margin: Duration,
}

/// The Synerise client: cheap to clone, safe to share between tasks.
///
/// Build one with [`Client::builder`]. Every call — the typed helpers of this crate and any
/// operation of the generated low-level client reached through [`Client::api`] — goes through the
/// same authentication, retry and tracing path.
///
/// ```no_run
/// # async fn run() -> synerise::Result<()> {
/// use synerise::{Client, Credentials, Region};
///
/// let client = Client::builder()
///     .region(Region::AzureEu)
///     .credentials(Credentials::workspace_api_key("api-key"))
///     .build()?;
/// let current = client.call(client.api().get_server_time().send()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    api: synerise_api::Client,
    config: Arc<Config>,
    transport: Arc<SyneriseTransport>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.config.region.base_url())
            .field(
                "credentials",
                &self.inner.transport.auth.as_ref().map(|a| a.flow()),
            )
            .field(
                "tracker_key",
                &self
                    .inner
                    .transport
                    .tracker_key
                    .as_ref()
                    .map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated low-level client, with this client's authentication, retries and tracing
    /// applied to every operation. Run its calls through [`Client::call`] to get [`Error`]s.
    pub fn api(&self) -> &synerise_api::Client {
        &self.inner.api
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.config.region.base_url()
    }

    /// Awaits a generated operation and converts its outcome: the response value, or an [`Error`]
    /// that keeps the status, the parsed Synerise error body, and typed authentication failures.
    /// The whole call, retries and waits included, ends by the [`ClientBuilder::deadline`],
    /// counted from the moment `call` is invoked.
    ///
    /// ```no_run
    /// # async fn run(client: synerise::Client) -> synerise::Result<()> {
    /// let time = client.call(client.api().get_server_time().send()).await?;
    /// # Ok(()) }
    /// ```
    pub fn call<T, E: fmt::Debug>(
        &self,
        request: impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    ) -> impl Future<Output = Result<T>> {
        use futures::future::{Either, FutureExt};
        // Combinators rather than an `async fn`: the request future (the largest part of a call)
        // is then held once, where an `async fn` holds it as argument and again as awaited future.
        let deadline = self.inner.config.deadline;
        let call = request.then(|outcome| match outcome {
            Ok(value) => Either::Left(std::future::ready(Ok(value.into_inner()))),
            // Boxed: errors are rare, and the conversion's future would grow every call.
            Err(err) => Either::Right(Box::pin(Error::from_api(err)).map(Err)),
        });
        transport::scope_with_deadline(deadline, with_deadline(deadline, call))
    }

    /// Sends a pre-serialised JSON body to an operation through the same path as every other call
    /// (operation headers, authentication, retries), for the batch uploader which assembles bodies
    /// from bytes serialised once. `path` is the operation's path with parameters filled in.
    /// Returns the response of a success status, or the [`Error`] of an error status.
    pub async fn send_json(
        &self,
        operation_id: &str,
        path: &str,
        body: Bytes,
    ) -> Result<reqwest::Response> {
        let op = operations::find(operation_id)
            .ok_or_else(|| Error::Config(format!("unknown operation `{operation_id}`")))?;
        let deadline = self.inner.config.deadline;
        transport::scope_with_deadline(
            deadline,
            with_deadline(deadline, async move {
                let url = format!("{}{}", self.base_url(), path);
                let method = reqwest::Method::from_bytes(op.method.as_bytes())
                    .map_err(|e| Error::Config(e.to_string()))?;
                let mut request = self
                    .inner
                    .api
                    .client()
                    .request(method, url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header(reqwest::header::ACCEPT, "application/json")
                    .body(body)
                    .build()
                    .map_err(|e| Error::Config(e.without_url().to_string()))?;
                synerise_api::hooks::apply_operation_headers(&mut request, op);
                if let Err(msg) = self.inner.transport.prepare(&mut request, op).await {
                    return Err(transport::take_hook_error().unwrap_or(Error::Config(msg)));
                }
                let response = match self
                    .inner
                    .transport
                    .send(self.inner.api.client(), request, op)
                    .await
                {
                    Ok(response) => response,
                    Err(e) => {
                        return Err(
                            transport::take_hook_error().unwrap_or_else(|| Error::from_reqwest(e))
                        );
                    }
                };
                if response.status().is_success() {
                    Ok(response)
                } else {
                    if let Some(err) = transport::take_hook_error() {
                        return Err(err);
                    }
                    let status = response.status();
                    let headers = response.headers().clone();
                    let bytes = response.bytes().await.map_err(Error::from_reqwest)?;
                    Err(Error::from_response_parts(status, &headers, &bytes))
                }
            }),
        )
        .await
    }

    /// The operation table entry for `operation_id`.
    pub fn operation(&self, operation_id: &str) -> Option<&'static OperationMeta> {
        operations::find(operation_id)
    }

    /// A client with the same settings, connection pool and retry budget, but other credentials
    /// (e.g. a User session from the two-step login, or another Profile).
    ///
    /// Fails with [`Error::Config`] when a token or GUID cannot be sent in a header.
    pub fn with_credentials(&self, credentials: Credentials) -> Result<Client> {
        let exec = self.inner.transport.exec.clone();
        let auth = Authenticator::new(credentials, exec.clone(), self.inner.config.refresh_margin)?;
        Ok(Client::assemble(
            self.inner.config.clone(),
            exec,
            Some(Arc::new(auth)),
            self.inner.transport.tracker_key.clone(),
        ))
    }

    /// The current token of a JWT flow (renewed first when due), e.g. to save it and resume with
    /// [`Credentials::with_token`]. `None` for Basic authentication; [`Error::Auth`] without
    /// credentials.
    pub async fn access_token(&self) -> Result<Option<SecretString>> {
        let auth = self.authenticator()?;
        transport::scope_with_deadline(
            self.inner.config.deadline,
            with_deadline(self.inner.config.deadline, auth.token()),
        )
        .await
    }

    /// Logs out locally: forgets the current token, so the next call that needs one logs in
    /// again. Synerise has no endpoint for a token to revoke itself (tokens expire); to end a
    /// Profile's sessions on the server, call [`Client::logout_profile`] as a Workspace or User.
    pub fn logout(&self) {
        if let Some(auth) = &self.inner.transport.auth {
            auth.forget();
        }
    }

    /// Logs a Profile out on the server (`POST /sauth/management/client/{clientID}/logout`), as a
    /// Workspace or User; `clear_session` also clears the Profile's session data.
    ///
    /// ```no_run
    /// # async fn run(client: synerise::Client) -> synerise::Result<()> {
    /// client.logout_profile("434428563", false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn logout_profile(
        &self,
        client_id: impl Into<String>,
        clear_session: bool,
    ) -> Result<()> {
        use synerise_api::types::{
            AuthProfileLogoutRequest, AuthProfileLogoutRequestAction as Action,
        };
        let action = if clear_session {
            Action::LogoutWithSessionClearing
        } else {
            Action::Logout
        };
        let body = AuthProfileLogoutRequest {
            action: Some(action),
        };
        self.call(
            self.api()
                .logout_client_using_post()
                .client_id(client_id.into())
                .body(body)
                .send(),
        )
        .await
    }

    /// The Workspaces the logged-in User can use (`GET /uauth/business-profile/`).
    pub async fn workspaces(&self) -> Result<Vec<synerise_api::types::Workspace>> {
        self.call(self.api().get_business_profiles_using_get().send())
            .await
    }

    /// As a logged-in User, selects a Workspace
    /// (`POST /uauth/auth/login/user/profile/{businessProfileUUID}`) and returns a client working
    /// in it; it logs in again into the same Workspace when its token expires.
    pub async fn select_workspace(&self, workspace: Uuid) -> Result<Client> {
        use crate::auth::Credentials as C;
        let auth = self.authenticator()?;
        let deadline = self.inner.config.deadline;
        let token = transport::scope_with_deadline(
            deadline,
            with_deadline(deadline, async {
                let token = auth.token().await?.ok_or_else(|| Error::Auth {
                    message: "selecting a Workspace needs a User login".into(),
                    status: None,
                    body: None,
                })?;
                auth::select_workspace(auth.exec(), &token, workspace).await
            }),
        )
        .await?;
        let credentials = match auth.kind() {
            auth::CredentialsKind::User(user) => {
                C::user(user.clone().workspace(workspace)).with_token(token)
            }
            _ => C::token(token),
        };
        self.with_credentials(credentials)
    }

    /// First step of a two-step User login, for callers that cannot supply an MFA callback:
    /// logs in, and selects the Workspace named in the credentials unless Synerise asks for a
    /// multi-factor code first. See [`crate::auth`] for the whole flow.
    pub async fn login_user(&self, credentials: UserCredentials) -> Result<UserLoginStep> {
        let deadline = self.inner.config.deadline;
        transport::scope_with_deadline(
            deadline,
            with_deadline(
                deadline,
                auth::login_user(&self.inner.transport.exec, credentials),
            ),
        )
        .await
    }

    /// Second step of a two-step User login: sends the multi-factor code, then selects the
    /// Workspace named in the credentials.
    pub async fn verify_mfa(&self, pending: PendingMfa, code: MfaCode) -> Result<UserSession> {
        let deadline = self.inner.config.deadline;
        transport::scope_with_deadline(
            deadline,
            with_deadline(
                deadline,
                auth::verify_mfa(&self.inner.transport.exec, pending, code),
            ),
        )
        .await
    }

    #[cfg(test)]
    pub(crate) fn transport(&self) -> &Arc<SyneriseTransport> {
        &self.inner.transport
    }

    fn authenticator(&self) -> Result<&Arc<Authenticator>> {
        self.inner
            .transport
            .auth
            .as_ref()
            .ok_or_else(|| Error::Auth {
                message: "the client has no credentials (ClientBuilder::credentials)".into(),
                status: None,
                body: None,
            })
    }

    fn assemble(
        config: Arc<Config>,
        exec: Arc<Executor>,
        auth: Option<Arc<Authenticator>>,
        tracker_key: Option<SecretString>,
    ) -> Client {
        let transport = Arc::new(SyneriseTransport {
            exec: exec.clone(),
            auth,
            tracker_key,
        });
        let api = synerise_api::Client::new_with_client(
            config.region.base_url(),
            exec.http.clone(),
            Inner::with_transport(transport.clone() as Arc<dyn Transport>),
        );
        Client {
            inner: Arc::new(ClientInner {
                api,
                config,
                transport,
            }),
        }
    }
}

/// Bounds `fut` by `deadline`, turning the overrun into [`Error::Timeout`].
///
/// A plain function returning a combinator rather than an `async fn`: an `async fn` would keep
/// `fut` twice in its state (as argument and as awaited future), and every call wraps the whole
/// request future in this.
fn with_deadline<T, F: Future<Output = Result<T>>>(
    deadline: Option<Duration>,
    fut: F,
) -> impl Future<Output = Result<T>> {
    use futures::future::{Either, FutureExt};
    match deadline {
        Some(limit) => Either::Left(
            tokio::time::timeout(limit, fut)
                .map(move |r| r.unwrap_or(Err(Error::Timeout { after: Some(limit) }))),
        ),
        None => Either::Right(fut),
    }
}

/// Builds a [`Client`]: region or base URL, credentials, timeouts, retries, user agent.
///
/// ```no_run
/// # fn run() -> synerise::Result<()> {
/// use std::time::Duration;
/// use synerise::retry::RetryConfig;
/// use synerise::{Client, Credentials, Region};
///
/// let client = Client::builder()
///     .region(Region::Gcp)
///     .credentials(Credentials::workspace_api_key("api-key"))
///     .request_timeout(Duration::from_secs(20))
///     .deadline(Duration::from_secs(60))
///     .retry(RetryConfig::default().max_retries(2))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    region: Option<Region>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    deadline: Option<Duration>,
    user_agent: Option<String>,
    credentials: Option<Credentials>,
    tracker_key: Option<SecretString>,
    retry: Option<RetryConfig>,
    refresh_margin: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("deadline", &self.deadline)
            .field("user_agent", &self.user_agent)
            .field("credentials", &self.credentials)
            .field(
                "tracker_key",
                &self.tracker_key.as_ref().map(|_| "[redacted]"),
            )
            .field("retry", &self.retry)
            .field("refresh_margin", &self.refresh_margin)
            .finish()
    }
}

impl ClientBuilder {
    /// The regional host (default [`Region::AzureEu`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// A custom base URL, e.g. a `synerise-mock` server (same as `region(Region::Custom(url))`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.region = Some(Region::Custom(url.into()));
        self
    }

    /// How the client authenticates (see [`Credentials`]). Without credentials only operations
    /// that need no token work.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The tracker key, sent as the `token` query parameter of operations that authenticate with
    /// it (a key the caller already put in the query is kept). It is independent of
    /// [`ClientBuilder::credentials`]: a client can have both.
    ///
    /// ```no_run
    /// # fn run() -> synerise::Result<()> {
    /// let client = synerise::Client::builder().tracker_key("tracker-key").build()?;
    /// # Ok(()) }
    /// ```
    pub fn tracker_key(mut self, key: impl Into<SecretString>) -> Self {
        self.tracker_key = Some(key.into());
        self
    }

    /// Time allowed to connect (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one attempt of a request (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call: every attempt, the waits between them and any login it
    /// needs (default: none, so a call takes at most about `(retries + 1) × request_timeout` plus
    /// backoff). Past it the call fails with [`Error::Timeout`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The retry policy (default [`RetryConfig::default`]; see [`crate::retry`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How long before expiry tokens are renewed, at most 10 % of their lifetime (default
    /// [`auth::DEFAULT_REFRESH_MARGIN`], 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// The `User-Agent` header (default `synerise-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let retry = self.retry.unwrap_or_default();
        let config = Arc::new(Config {
            region: self.region.unwrap_or_default(),
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            user_agent: self.user_agent.unwrap_or_else(|| {
                concat!("synerise-rust/", env!("CARGO_PKG_VERSION")).to_string()
            }),
            deadline: self.deadline,
            refresh_margin: self.refresh_margin.unwrap_or(auth::DEFAULT_REFRESH_MARGIN),
            retry,
        });
        let base = config.region.base_url();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "base URL `{base}` must start with http:// or https://"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            // Retries are ours (crate::retry, which knows what each operation can repeat).
            // reqwest's own policy only retries HTTP/2 and HTTP/3 refusals, protocols this
            // client does not enable, yet it would copy every request in case.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let budget = config.retry.new_budget().map(Arc::new);
        let exec = Arc::new(Executor {
            http,
            config: config.clone(),
            budget,
        });
        let auth = match self.credentials {
            Some(credentials) => Some(Arc::new(Authenticator::new(
                credentials,
                exec.clone(),
                config.refresh_margin,
            )?)),
            None => None,
        };
        Ok(Client::assemble(config, exec, auth, self.tracker_key))
    }
}
