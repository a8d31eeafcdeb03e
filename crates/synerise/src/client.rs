//! [`Client`] and its [`ClientBuilder`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientInfo, ResponseValue};
use synerise_api::hooks::{Inner, Transport};
use synerise_api::operations::{self, OperationMeta};

use crate::transport::{self, SyneriseTransport};
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
}

/// The Synerise client: cheap to clone, safe to share between tasks.
///
/// Build one with [`Client::builder`]. Every call — the typed helpers of this crate and any
/// operation of the generated low-level client reached through [`Client::api`] — goes through the
/// same authentication, retry and tracing path.
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
        f.debug_struct("Client").field("base_url", &self.inner.config.region.base_url()).finish_non_exhaustive()
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
    ///
    /// ```no_run
    /// # async fn run(client: synerise::Client) -> synerise::Result<()> {
    /// let time = client.call(client.api().get_server_time().send()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call<T, E: fmt::Debug>(&self, request: impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>) -> Result<T> {
        transport::scope(async move {
            match request.await {
                Ok(value) => Ok(value.into_inner()),
                Err(err) => Err(Error::from_api(err).await),
            }
        })
        .await
    }

    /// Sends a pre-serialised JSON body to an operation through the same path as every other call
    /// (operation headers, authentication, retries), for the batch uploader which assembles bodies
    /// from bytes serialised once. `path` is the operation's path with parameters filled in.
    /// Returns the response of a success status, or the [`Error`] of an error status.
    pub async fn send_json(&self, operation_id: &str, path: &str, body: Bytes) -> Result<reqwest::Response> {
        let op = operations::find(operation_id).ok_or_else(|| Error::Config(format!("unknown operation `{operation_id}`")))?;
        transport::scope(async move {
            let url = format!("{}{}", self.base_url(), path);
            let method = reqwest::Method::from_bytes(op.method.as_bytes()).map_err(|e| Error::Config(e.to_string()))?;
            let mut request = self
                .inner
                .api
                .client()
                .request(method, url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body)
                .build()
                .map_err(|e| Error::Config(e.to_string()))?;
            synerise_api::hooks::apply_operation_headers(&mut request, op);
            if let Err(msg) = self.inner.transport.prepare(&mut request, op).await {
                return Err(transport::take_hook_error().unwrap_or(Error::Config(msg)));
            }
            let response = self.inner.transport.send(self.inner.api.client(), request, op).await.map_err(Error::from_reqwest)?;
            if response.status().is_success() {
                Ok(response)
            } else {
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response.bytes().await.map_err(Error::from_reqwest)?;
                Err(Error::from_response_parts(status, &headers, &bytes))
            }
        })
        .await
    }

    /// The operation table entry for `operation_id`.
    pub fn operation(&self, operation_id: &str) -> Option<&'static OperationMeta> {
        operations::find(operation_id)
    }
}

/// Builds a [`Client`]: region or base URL, credentials, timeouts, user agent.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    region: Option<Region>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    user_agent: Option<String>,
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

    /// The `User-Agent` header (default `synerise-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let config = Arc::new(Config {
            region: self.region.unwrap_or_default(),
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            user_agent: self.user_agent.unwrap_or_else(|| concat!("synerise-rust/", env!("CARGO_PKG_VERSION")).to_string()),
        });
        let base = config.region.base_url();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!("base URL `{base}` must start with http:// or https://")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let transport = Arc::new(SyneriseTransport { config: config.clone() });
        let api = synerise_api::Client::new_with_client(base, http, Inner::with_transport(transport.clone() as Arc<dyn Transport>));
        Ok(Client { inner: Arc::new(ClientInner { api, config, transport }) })
    }
}
