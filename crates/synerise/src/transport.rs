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
    static CALL: Arc<CallContext>;
}

/// Runs `fut` in a call scope (see the module docs).
#[allow(dead_code)] // for callers that need a call scope without the client deadline
pub(crate) async fn scope<F: Future>(fut: F) -> F::Output {
    scope_with_deadline(None, fut).await
}

/// Runs `fut` in a call scope whose retries and waits end by `deadline` from now.
pub(crate) async fn scope_with_deadline<F: Future>(
    deadline: Option<Duration>,
    fut: F,
) -> F::Output {
    let deadline = deadline.map(|d| Instant::now() + d);
    CALL.scope(
        Arc::new(CallContext {
            deadline,
            ..CallContext::default()
        }),
        fut,
    )
    .await
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
        let policy = &self.config.retry;
        let deadline = call_deadline().or_else(|| self.config.deadline.map(|d| Instant::now() + d));
        let body = request.body().and_then(reqwest::Body::as_bytes);
        let replay_safe = retry::replay_safe(op, body);
        if op.tag != "Authorization"
            && op.auth != Auth::None
            && tracing::enabled!(tracing::Level::TRACE)
            && let Some(body) = body
        {
            tracing::trace!(operation = op.id, body = %crate::error::truncate_bytes(body, TRACE_BODY_LIMIT), "request body");
        }
        let mut next = Some(request);
        let mut retries = 0u32;
        let mut held_cost: Option<u32> = None;
        loop {
            let mut current = next.take().expect("a request to send");
            let spare = if retries < policy.get_max_retries() {
                current.try_clone()
            } else {
                None
            };
            *attempt += 1;
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
            *current.timeout_mut() = Some(limit);
            set_attempt_timeout(limit);

            let span = tracing::debug_span!(
                "synerise.request",
                operation = op.id,
                method = op.method,
                path = op.path,
                attempt = *attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            let result = self.http.execute(current).instrument(span.clone()).await;
            let duration_ms = started.elapsed().as_millis() as u64;
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
                    span.in_scope(
                        || tracing::debug!(error = %failure.cause(), duration_ms, "request failed"),
                    );
                    Some(failure)
                }
            };

            let Some(failure) = failure.filter(|f| retry::is_retryable(f, replay_safe)) else {
                if let Some(budget) = &self.budget {
                    match held_cost {
                        Some(cost) => budget.release(cost),
                        None if failure.is_none() => budget.release(1),
                        None => {}
                    }
                }
                return result;
            };
            let Some(spare) = spare else {
                if retries < policy.get_max_retries() {
                    tracing::debug!(
                        operation = op.id,
                        "the request body is a stream and cannot be sent again; not retrying"
                    );
                }
                return result;
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
                return result;
            }
            if let Some(budget) = &self.budget {
                let cost = policy.cost(&failure);
                if !budget.try_acquire(cost) {
                    tracing::warn!(operation = op.id, cause = %failure.cause(), "not retrying: the client's retry budget is exhausted");
                    return result;
                }
                held_cost = Some(cost);
            }
            retries += 1;
            tracing::info!(
                operation = op.id,
                attempt = *attempt + 1,
                retry = retries,
                delay_ms = delay.as_millis() as u64,
                cause = %failure.cause(),
                "retrying Synerise request"
            );
            drop(result);
            tokio::time::sleep(delay).await;
            next = Some(spare);
        }
    }
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

    async fn send_request(
        &self,
        request: reqwest::Request,
        op: &'static OperationMeta,
    ) -> reqwest::Result<reqwest::Response> {
        let mut attempt = 0;
        let reauth = if op.auth == Auth::Jwt {
            self.auth.as_ref()
        } else {
            None
        };
        let sent_with: Option<HeaderValue> = request.headers().get(AUTHORIZATION).cloned();
        let spare = match reauth {
            Some(auth) if auth.reauth_blocker().is_none() => request.try_clone(),
            _ => None,
        };
        let response = self.exec.execute(request, op, &mut attempt).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(auth) = reauth else {
            return Ok(response);
        };
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
        Box::pin(async move {
            self.prepare_request(request, op).await.map_err(|e| {
                let text = e.to_string();
                set_hook_error(e);
                text
            })
        })
    }

    fn send<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static OperationMeta,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(self.send_request(request, op))
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
