//! The request path every call takes: authentication, retries and tracing, plugged into the
//! generated client through [`synerise_api::hooks::Transport`].
//!
//! Errors raised inside hooks cannot travel through the generated code as values of our type, so
//! each call made through [`crate::Client::call`] runs in a small task-local scope where the hooks
//! leave the typed error (and the last response status) for [`crate::Error::from_api`] to pick up.
//! The scope also carries the call's overall deadline.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use synerise_api::hooks::{BoxFuture, Transport};
use synerise_api::operations::{Auth, OperationMeta};
use tokio::time::Instant;
use tracing::Instrument;

use crate::Error;
use crate::auth::Authenticator;
use crate::retry::{self, AttemptFailure, RetryBudget};

/// How much of a request body TRACE logs show.
const TRACE_BODY_LIMIT: usize = 1024;

#[derive(Default)]
struct CallContext {
    hook_error: Mutex<Option<Error>>,
    last_status: Mutex<Option<StatusCode>>,
    auth_note: Mutex<Option<String>>,
    timeout: Mutex<Option<Duration>>,
    deadline: Option<Instant>,
}

tokio::task_local! {
    static CALL: CallContext;
}

/// Runs `fut` in a call scope (see the module docs).
#[allow(dead_code)] // for callers that need a call scope without the client deadline
pub(crate) fn scope<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    scope_with_deadline(None, fut)
}

/// Runs `fut` in a call scope whose retries and waits end by `deadline` from now.
///
/// A plain function rather than an `async fn`, so that the (large) request future is not held
/// twice in the state of every call.
pub(crate) fn scope_with_deadline<F: Future>(
    deadline: Option<Duration>,
    fut: F,
) -> impl Future<Output = F::Output> {
    let deadline = deadline.map(|d| Instant::now() + d);
    CALL.scope(
        CallContext {
            deadline,
            ..CallContext::default()
        },
        fut,
    )
}

/// Leaves a typed error for [`take_hook_error`] (no-op outside a call scope).
pub(crate) fn set_hook_error(err: Error) {
    let _ = CALL.try_with(|c| *c.hook_error.lock().expect("not poisoned") = Some(err));
}

/// The typed error a hook left in this call scope, if any.
pub(crate) fn take_hook_error() -> Option<Error> {
    CALL.try_with(|c| c.hook_error.lock().expect("not poisoned").take())
        .ok()
        .flatten()
}

/// Records the status of the response the hooks returned.
pub(crate) fn set_last_status(status: StatusCode) {
    let _ = CALL.try_with(|c| *c.last_status.lock().expect("not poisoned") = Some(status));
}

/// The status of the last response in this call scope.
pub(crate) fn last_status() -> Option<StatusCode> {
    CALL.try_with(|c| *c.last_status.lock().expect("not poisoned"))
        .ok()
        .flatten()
}

/// Explains why a `401` returned by the hooks was not (or no longer) retried.
fn set_auth_note(note: impl Into<String>) {
    let _ = CALL.try_with(|c| *c.auth_note.lock().expect("not poisoned") = Some(note.into()));
}

/// The explanation of the last `401` in this call scope.
pub(crate) fn take_auth_note() -> Option<String> {
    CALL.try_with(|c| c.auth_note.lock().expect("not poisoned").take())
        .ok()
        .flatten()
}

fn set_attempt_timeout(limit: Duration) {
    let _ = CALL.try_with(|c| *c.timeout.lock().expect("not poisoned") = Some(limit));
}

/// The time limit of the last attempt in this call scope.
pub(crate) fn attempt_timeout() -> Option<Duration> {
    CALL.try_with(|c| *c.timeout.lock().expect("not poisoned"))
        .ok()
        .flatten()
}

fn call_deadline() -> Option<Instant> {
    CALL.try_with(|c| c.deadline).ok().flatten()
}

/// An unsent copy of `request` for a retry; `None` when the body is a stream.
///
/// [`reqwest::Request::try_clone`] also allocates (and then drops) an extension map for the
/// timeout of every copy; a request without a body, the common case, is copied here without it.
/// A copy carries what the generated client sets: method, URL, headers, version and timeout.
fn copy_request(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// Sends requests with retries, per-attempt timeouts, the deadline, and one tracing span per
/// attempt. Knows nothing about authentication.
pub(crate) struct Executor {
    pub(crate) http: reqwest::Client,
    pub(crate) config: Arc<crate::client::Config>,
    pub(crate) budget: Option<Arc<RetryBudget>>,
}

impl Executor {
    pub(crate) fn base_url(&self) -> &str {
        self.config.region.base_url()
    }

    /// Sends `request` for `op`, retrying as [`crate::retry`] describes. `attempt` counts attempts
    /// across calls (re-authentication continues the count).
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
        op: &'static OperationMeta,
        attempt: &mut u32,
    ) -> reqwest::Result<reqwest::Response> {
        let sent = self
            .execute_keeping_copy(request, op, *attempt, false)
            .await;
        *attempt = sent.attempt;
        sent.result
    }

    /// [`Executor::execute`] (`attempt`: the attempts made so far), also handing back an unsent
    /// copy of the request when one is at hand (the copy kept for a retry that did not happen), or
    /// always when `keep_copy` (and the body can be copied): so that the caller can send it again
    /// after re-authenticating without copying every request a second time.
    ///
    /// This future is part of every request, boxed once per request by the transport: it is kept
    /// small (under the allocator's 1 KiB fast-path limit) by being a function returning an `async
    /// move` block (an `async fn` keeps its arguments twice) and by keeping the response out of
    /// scope while a retry waits.
    #[allow(clippy::manual_async_fn)] // deliberately not an `async fn` (see above)
    pub(crate) fn execute_keeping_copy(
        &self,
        mut current: reqwest::Request,
        op: &'static OperationMeta,
        mut attempt: u32,
        keep_copy: bool,
    ) -> impl Future<Output = Sent> + Send + '_ {
        async move {
            let policy = &self.config.retry;
            let deadline =
                call_deadline().or_else(|| self.config.deadline.map(|d| Instant::now() + d));
            let body = current.body().and_then(reqwest::Body::as_bytes);
            let replay_safe = retry::replay_safe(op, body);
            if op.tag != "Authorization"
                && op.auth != Auth::None
                && tracing::enabled!(tracing::Level::TRACE)
                && let Some(body) = body
            {
                tracing::trace!(operation = op.id, body = %crate::error::truncate_bytes(body, TRACE_BODY_LIMIT), "request body");
            }
            let mut retries = 0u32;
            let mut held_cost: Option<u32> = None;
            loop {
                // The response and the copy live in this block only: while a retry waits below,
                // the request to send next is back in `current`.
                let delay = {
                    let spare = if keep_copy || retries < policy.get_max_retries() {
                        copy_request(&current)
                    } else {
                        None
                    };
                    attempt += 1;
                    let per_attempt = current
                        .timeout()
                        .copied()
                        .unwrap_or(self.config.request_timeout);
                    let limit = match deadline {
                        Some(d) => per_attempt.min(
                            d.saturating_duration_since(Instant::now())
                                .max(Duration::from_millis(1)),
                        ),
                        None => per_attempt,
                    };
                    // Without a limit of its own the request gets the HTTP client's,
                    // `request_timeout`: set one (an allocation in the request's extensions)
                    // only when it must differ.
                    if limit != per_attempt {
                        *current.timeout_mut() = Some(limit);
                    }
                    set_attempt_timeout(limit);

                    let span = tracing::debug_span!(
                        "synerise.request",
                        operation = op.id,
                        method = op.method,
                        path = op.path,
                        attempt,
                        status = tracing::field::Empty,
                        duration_ms = tracing::field::Empty,
                    );
                    // Timed only for the span and its events (two clock reads saved per request
                    // when DEBUG is off for this crate).
                    let timed = !span.is_disabled() || tracing::enabled!(tracing::Level::DEBUG);
                    let started = timed.then(Instant::now);
                    let result = self.http.execute(current).instrument(span.clone()).await;
                    let duration_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
                    span.record("duration_ms", duration_ms);
                    let failure = match &result {
                        Ok(response) => {
                            let status = response.status();
                            span.record("status", status.as_u16());
                            set_last_status(status);
                            span.in_scope(|| {
                                tracing::debug!(status = status.as_u16(), duration_ms, "response")
                            });
                            (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
                                .then_some(AttemptFailure::Status(status))
                        }
                        Err(e) => {
                            let failure = AttemptFailure::from_reqwest(e);
                            span.in_scope(|| {
                                tracing::debug!(error = %failure.cause(), duration_ms, "request failed")
                            });
                            Some(failure)
                        }
                    };
                    let done = |result, spare| Sent {
                        result,
                        spare,
                        attempt,
                    };

                    let Some(failure) = failure.filter(|f| retry::is_retryable(f, replay_safe))
                    else {
                        if let Some(budget) = &self.budget {
                            match held_cost {
                                Some(cost) => budget.release(cost),
                                None if failure.is_none() => budget.release(1),
                                None => {}
                            }
                        }
                        return done(result, spare);
                    };
                    if retries >= policy.get_max_retries() {
                        return done(result, spare);
                    }
                    let Some(spare) = spare else {
                        tracing::debug!(
                            operation = op.id,
                            "the request body is a stream and cannot be sent again; not retrying"
                        );
                        return done(result, None);
                    };
                    let retry_after = match &result {
                        Ok(response) => retry::parse_retry_after_capped(
                            response.headers(),
                            std::time::SystemTime::now(),
                            policy.get_max_retry_after(),
                        ),
                        Err(_) => None,
                    };
                    let delay = policy.delay(retries + 1, retry_after);
                    if let Some(deadline) = deadline
                        && Instant::now() + delay >= deadline
                    {
                        tracing::debug!(
                            operation = op.id,
                            delay_ms = delay.as_millis() as u64,
                            "not retrying: the wait would pass the deadline"
                        );
                        return done(result, Some(spare));
                    }
                    if let Some(budget) = &self.budget {
                        let cost = policy.cost(&failure);
                        if !budget.try_acquire(cost) {
                            tracing::warn!(operation = op.id, cause = %failure.cause(), "not retrying: the client's retry budget is exhausted");
                            return done(result, Some(spare));
                        }
                        held_cost = Some(cost);
                    }
                    retries += 1;
                    tracing::info!(
                        operation = op.id,
                        attempt = attempt + 1,
                        retry = retries,
                        delay_ms = delay.as_millis() as u64,
                        cause = %failure.cause(),
                        "retrying Synerise request"
                    );
                    current = spare;
                    delay
                };
                // Boxed: only retries wait, and a timer inline would grow every request's future.
                Box::pin(tokio::time::sleep(delay)).await;
            }
        }
    }
}

/// What [`Executor::execute_keeping_copy`] hands back.
pub(crate) struct Sent {
    /// The final response, or the error of the last attempt.
    pub(crate) result: reqwest::Result<reqwest::Response>,
    /// An unsent copy of the request (see [`Executor::execute_keeping_copy`]).
    pub(crate) spare: Option<reqwest::Request>,
    /// Attempts made so far, this call's included.
    pub(crate) attempt: u32,
}

/// The transport of a [`crate::Client`].
pub(crate) struct SyneriseTransport {
    pub(crate) exec: Arc<Executor>,
    pub(crate) auth: Option<Arc<Authenticator>>,
    pub(crate) tracker_key: Option<SecretString>,
}

impl SyneriseTransport {
    async fn prepare_request(
        &self,
        request: &mut reqwest::Request,
        op: &'static OperationMeta,
    ) -> Result<(), Error> {
        match op.auth {
            Auth::Jwt => {
                let Some(auth) = &self.auth else {
                    return Err(Error::Auth {
                        message: format!(
                            "operation `{}` needs a token, but the client has no credentials (ClientBuilder::credentials)",
                            op.id
                        ),
                        status: None,
                        body: None,
                    });
                };
                let header = auth.header().await?;
                request.headers_mut().insert(AUTHORIZATION, header);
            }
            Auth::TrackerKey => {
                let Some(key) = &self.tracker_key else {
                    return Err(Error::Auth {
                        message: format!(
                            "operation `{}` needs a tracker key, but the client has none (ClientBuilder::tracker_key)",
                            op.id
                        ),
                        status: None,
                        body: None,
                    });
                };
                if !request.url().query_pairs().any(|(name, _)| name == "token") {
                    request
                        .url_mut()
                        .query_pairs_mut()
                        .append_pair("token", key.expose_secret());
                }
            }
            Auth::None => {}
        }
        Ok(())
    }

    /// After a `401`: authenticates again and sends the request once more, when the credentials
    /// can be renewed and the request can be sent again.
    async fn after_rejection(
        &self,
        auth: &Authenticator,
        response: reqwest::Response,
        spare: Option<reqwest::Request>,
        op: &'static OperationMeta,
        mut attempt: u32,
    ) -> reqwest::Result<reqwest::Response> {
        if let Some(reason) = auth.reauth_blocker() {
            set_auth_note(reason);
            return Ok(response);
        }
        let Some(mut again) = spare else {
            set_auth_note(
                "the token was rejected, and the request body is a stream that cannot be sent again after re-authentication",
            );
            return Ok(response);
        };
        // The copy carries the header the request was sent with.
        let sent_with: Option<HeaderValue> = again.headers().get(AUTHORIZATION).cloned();
        match auth.header_after_rejection(sent_with.as_ref()).await {
            Ok(header) => {
                again.headers_mut().insert(AUTHORIZATION, header);
            }
            Err(err) => {
                set_hook_error(err);
                return Ok(response);
            }
        }
        drop(response);
        tracing::info!(
            operation = op.id,
            "sending the request again after re-authentication"
        );
        let second = self.exec.execute(again, op, &mut attempt).await?;
        if second.status() == StatusCode::UNAUTHORIZED {
            set_auth_note("the token was rejected again right after re-authentication");
        }
        Ok(second)
    }
}

impl Transport for SyneriseTransport {
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        op: &'static OperationMeta,
    ) -> BoxFuture<'a, Result<(), String>> {
        // Fast path, the usual case: the header is at hand (Basic, or a token that needs no
        // renewal), so nothing to wait for. The async path below holds the whole login future,
        // a few KB to allocate and copy for every request.
        match op.auth {
            Auth::None => return Box::pin(Prepared),
            Auth::Jwt => {
                if let Some(header) = self.auth.as_ref().and_then(|a| a.header_if_fresh()) {
                    request.headers_mut().insert(AUTHORIZATION, header);
                    return Box::pin(Prepared);
                }
            }
            Auth::TrackerKey => {}
        }
        Box::pin(async move {
            self.prepare_request(request, op).await.map_err(|e| {
                let text = e.to_string();
                set_hook_error(e);
                text
            })
        })
    }

    /// Retries, then one re-authentication after a `401` when the credentials can be renewed.
    ///
    /// The executor's future, and a `then` that is ready at once unless the token was rejected:
    /// the boxed future stays under the allocator's 1 KiB fast-path limit (above it every request
    /// paid for a slow allocation and a consolidation of the free lists).
    fn send<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static OperationMeta,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        use futures::future::{Either, FutureExt};
        let reauth = if op.auth == Auth::Jwt {
            self.auth.as_deref()
        } else {
            None
        };
        // The executor hands back an unsent copy of the request (it keeps one for retries anyway),
        // to send again after re-authentication.
        let keep_copy = reauth.is_some_and(|auth| auth.reauth_blocker().is_none());
        Box::pin(
            self.exec
                .execute_keeping_copy(request, op, 0, keep_copy)
                .then(move |sent| match (sent.result, reauth) {
                    (Ok(response), Some(auth)) if response.status() == StatusCode::UNAUTHORIZED => {
                        // Boxed: rare, and inline it would grow every request's future.
                        Either::Right(Box::pin(self.after_rejection(
                            auth,
                            response,
                            sent.spare,
                            op,
                            sent.attempt,
                        )))
                    }
                    (result, _) => Either::Left(std::future::ready(result)),
                }),
        )
    }
}

/// A finished [`Transport::prepare`]: zero-sized, so boxing it allocates nothing.
struct Prepared;

impl Future for Prepared {
    type Output = Result<(), String>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use synerise_api::operations::{Auth, Idempotency, OperationMeta};

    use crate::{Client, Error};

    static TRACKER_OP: OperationMeta = OperationMeta {
        id: "tracker_op",
        vendor_id: "trackerOp",
        method: "GET",
        path: "/search/v2/indices/{indexId}/query",
        tag: "Search",
        summary: "",
        api_version: None,
        auth: Auth::TrackerKey,
        content_type: None,
        idempotency: Idempotency::Safe,
        inferred_path: None,
        deprecated: false,
        hand_written: false,
    };

    fn request(url: &str) -> reqwest::Request {
        reqwest::Client::new().get(url).build().unwrap()
    }

    #[tokio::test]
    async fn the_tracker_key_is_the_token_query_parameter() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:9")
            .tracker_key("tk-1")
            .build()
            .unwrap();
        let mut req = request("http://127.0.0.1:9/search/v2/indices/i/query?query=shoes");
        client
            .transport()
            .prepare_request(&mut req, &TRACKER_OP)
            .await
            .unwrap();
        assert_eq!(req.url().query(), Some("query=shoes&token=tk-1"));
        assert!(req.headers().get(reqwest::header::AUTHORIZATION).is_none());

        // A token the caller put in the query is kept.
        let mut req = request("http://127.0.0.1:9/search?token=mine");
        client
            .transport()
            .prepare_request(&mut req, &TRACKER_OP)
            .await
            .unwrap();
        assert_eq!(req.url().query(), Some("token=mine"));
    }

    #[tokio::test]
    async fn a_tracker_operation_without_a_key_is_an_auth_error() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let mut req = request("http://127.0.0.1:9/search");
        let err = client
            .transport()
            .prepare_request(&mut req, &TRACKER_OP)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Auth { ref message, .. } if message.contains("tracker key")),
            "{err:?}"
        );
    }
}
