//! The request pipeline: match → faults → auth → Api-Version → handler → journal.

// Handlers return a ready `Response` as the error of their helpers (early 4xx answers);
// boxing it would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::Notify;

use crate::Shared;
use crate::auth::{AuthError, Presented, Principal, presented};
use crate::faults::Action;
use crate::handlers;
use crate::journal::RecordedRequest;
use crate::operations::Consumers;
use crate::routing::{Matched, match_request};
use crate::util::{error_body, json_response, lock, parse_query};

/// Largest body the mock reads (well above the 1 MB batch limit so the mock can answer the
/// limit itself).
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

/// Documented batch limits.
pub(crate) const BATCH_MAX_ITEMS: usize = 1000;
/// 1 MB.
pub(crate) const BATCH_MAX_BYTES: usize = 1_048_576;

/// Per-connection kill switch: set by a handler to close the TCP connection unanswered.
#[derive(Clone, Debug)]
pub(crate) struct ConnKill(pub Arc<Notify>);

/// Everything a handler needs about the request.
pub(crate) struct Ctx<'a> {
    pub shared: &'a Shared,
    pub path: &'a str,
    pub matched: &'a Matched,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
    pub principal: Option<Principal>,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub(crate) fn error(&self, status: StatusCode, message: &str) -> Response {
        json_response(
            status,
            &error_body(status, self.path, message, self.now, None),
        )
    }

    pub(crate) fn error_with(
        &self,
        status: StatusCode,
        message: &str,
        errors: Vec<Value>,
    ) -> Response {
        json_response(
            status,
            &error_body(status, self.path, message, self.now, Some(errors)),
        )
    }

    pub(crate) fn param(&self, name: &str) -> &str {
        self.matched.param(name)
    }

    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, or a Synerise-shaped 400.
    pub(crate) fn json(&self) -> Result<Value, Response> {
        if self.body.is_empty() {
            return Err(self.error(StatusCode::BAD_REQUEST, "Required request body is missing"));
        }
        serde_json::from_slice(self.body)
            .map_err(|e| self.error(StatusCode::BAD_REQUEST, &format!("JSON parse error: {e}")))
    }

    /// An integer query parameter; `Err` is a ready 400.
    pub(crate) fn query_int(&self, name: &str, default: i64) -> Result<i64, Response> {
        match self.query(name) {
            None | Some("") => Ok(default),
            Some(v) => v.trim().parse::<i64>().map_err(|_| {
                self.error(
                    StatusCode::BAD_REQUEST,
                    &format!("Failed to convert value of query parameter '{name}': {v}"),
                )
            }),
        }
    }
}

enum Outcome {
    Respond(Response),
    Drop,
}

/// The single axum handler behind every path.
pub(crate) async fn dispatch(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let kill = parts.extensions.get::<ConnKill>().cloned();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().map(str::to_owned);
    let query = parse_query(raw_query.as_deref());
    let matched = match_request(&method, &path);

    let (outcome, body) = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => {
            let outcome = process(
                &shared,
                &path,
                matched.as_ref(),
                &query,
                &parts.headers,
                &body,
            )
            .await;
            (outcome, body)
        }
        Err(_) => {
            let now = shared.clock.now();
            let status = StatusCode::PAYLOAD_TOO_LARGE;
            let msg = format!("Request body exceeds the mock's limit of {MAX_BODY} bytes");
            (
                Outcome::Respond(json_response(
                    status,
                    &error_body(status, &path, &msg, now, None),
                )),
                Bytes::new(),
            )
        }
    };

    let status = match &outcome {
        Outcome::Respond(r) => Some(r.status().as_u16()),
        Outcome::Drop => None,
    };
    {
        let mut journal = lock(&shared.journal);
        if journal.enabled() {
            let headers = parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            journal.push(RecordedRequest {
                method,
                path,
                raw_query,
                query,
                headers,
                body,
                status,
                operation: matched.as_ref().map(|m| m.op.name()),
            });
        }
    }

    match outcome {
        Outcome::Respond(r) => r,
        Outcome::Drop => {
            if let Some(kill) = kill {
                kill.0.notify_one();
            }
            // The connection task drops this future together with the connection.
            std::future::pending::<Response>().await
        }
    }
}

async fn process(
    shared: &Shared,
    path: &str,
    matched: Option<&Matched>,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &Bytes,
) -> Outcome {
    let Some(matched) = matched else {
        let now = shared.clock.now();
        let status = StatusCode::NOT_FOUND;
        return Outcome::Respond(json_response(
            status,
            &error_body(
                status,
                path,
                "No operation matches this method and path",
                now,
                None,
            ),
        ));
    };

    // Faults are decided before anything can change state. A scripted delay holds the request
    // back; a latency runs from here, and a request that passes is processed meanwhile (as a
    // server's own work overlaps the network's).
    let (action, timing) = shared.faults.decide(matched.index);
    let answer_at = tokio::time::Instant::now() + timing.latency;
    if !timing.delay.is_zero() {
        tokio::time::sleep(timing.delay).await;
    }
    if timing.latency.is_zero() {
        return respond(shared, path, matched, action, headers, query, body);
    }
    let outcome = respond(shared, path, matched, action, headers, query, body);
    tokio::time::sleep_until(answer_at).await;
    outcome
}

/// Applies the decided fault, or authenticates, checks the headers and runs the handler.
fn respond(
    shared: &Shared,
    path: &str,
    matched: &Matched,
    action: Action,
    headers: &HeaderMap,
    query: &[(String, String)],
    body: &Bytes,
) -> Outcome {
    let now = shared.clock.now();
    match action {
        Action::Pass => {}
        Action::Drop => return Outcome::Drop,
        Action::RateLimit(retry_after) => {
            let status = StatusCode::TOO_MANY_REQUESTS;
            let mut resp = json_response(
                status,
                &error_body(
                    status,
                    path,
                    "Too many requests (injected by synerise-mock)",
                    now,
                    None,
                ),
            );
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&retry_after.to_string()).expect("digits"),
            );
            return Outcome::Respond(resp);
        }
        Action::Error(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Outcome::Respond(json_response(
                status,
                &error_body(status, path, "Injected fault (synerise-mock)", now, None),
            ));
        }
    }

    let mut ctx = Ctx {
        shared,
        path,
        matched,
        query,
        headers,
        body,
        principal: None,
        now,
    };

    if matched.op.token_required {
        match authenticate(shared, headers, now) {
            Ok(principal) => {
                if let Err(msg) = check_access(matched, &principal) {
                    return Outcome::Respond(ctx.error(StatusCode::FORBIDDEN, msg));
                }
                ctx.principal = Some(principal);
            }
            Err(e) => return Outcome::Respond(ctx.error(StatusCode::UNAUTHORIZED, e.message())),
        }
    }

    if matched.op.api_version_header {
        let ok = headers
            .get("api-version")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "4.4");
        if !ok {
            return Outcome::Respond(
                ctx.error(StatusCode::BAD_REQUEST, "Version header content is invalid"),
            );
        }
    }

    Outcome::Respond(handlers::handle(&ctx))
}

/// Resolves the request's credentials to a principal.
pub(crate) fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Principal, AuthError> {
    match presented(headers) {
        Presented::None => Err(AuthError::Missing),
        Presented::Malformed => Err(AuthError::Invalid),
        Presented::Basic { user, password } => {
            if user == shared.config.workspace_guid && password == shared.config.api_key {
                Ok(Principal::Workspace)
            } else {
                Err(AuthError::Invalid)
            }
        }
        Presented::Bearer(token) => lock(&shared.tokens)
            .check(&token, now)
            .map(|rec| rec.principal.clone()),
    }
}

/// Consumer scope check, driven by the operation table's consumers column.
fn check_access(matched: &Matched, principal: &Principal) -> Result<(), &'static str> {
    let op = matched.op;
    let consumers = op.consumers;
    let denied = "This consumer is not allowed to call this operation";
    match principal {
        Principal::Workspace => {
            if consumers.contains(Consumers::WORKSPACE) {
                Ok(())
            } else {
                Err(denied)
            }
        }
        Principal::User {
            mfa_pending: true, ..
        } => {
            if op.seq == 2 {
                Ok(())
            } else {
                Err("Multi-factor authentication is not confirmed")
            }
        }
        Principal::User {
            workspace: None, ..
        } => {
            if matches!(op.seq, 2..=5) {
                Ok(())
            } else {
                Err("Select a workspace before performing operations within a workspace")
            }
        }
        Principal::User { .. } => {
            if consumers.contains(Consumers::USER) {
                Ok(())
            } else {
                Err(denied)
            }
        }
        Principal::Profile { anonymous, .. } => {
            let needed = if *anonymous {
                Consumers::ANONYMOUS
            } else {
                Consumers::PROFILE
            };
            if consumers.contains(needed) {
                Ok(())
            } else {
                Err(denied)
            }
        }
    }
}
