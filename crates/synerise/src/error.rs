//! One error type for every call: [`Error`].

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

/// How many characters of a vendor message or raw body `Display` shows; the value keeps all of it.
const DISPLAY_LIMIT: usize = 200;
/// How many bytes of an undecodable body an error keeps.
pub(crate) const RAW_BODY_LIMIT: usize = 4096;

/// The error body Synerise returns with 4xx and 5xx responses.
///
/// Every field is optional because services differ; `raw` keeps the body as received (truncated to
/// 4 KiB) for bodies that are not this shape (empty, HTML from a proxy, another JSON shape).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// HTTP status as the service reports it.
    pub status: Option<u16>,
    /// Reason phrase, e.g. `Bad Request`.
    pub error: Option<String>,
    /// Synerise error code, when the service sends one.
    #[serde(alias = "errorCode")]
    pub error_code: Option<serde_json::Value>,
    /// Human-readable description.
    pub message: Option<String>,
    /// Service-relative path of the failed request.
    pub path: Option<String>,
    /// When the error happened.
    pub timestamp: Option<serde_json::Value>,
    /// Field-level validation errors.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub errors: Vec<ApiFieldError>,
    /// The body as received, truncated to 4 KiB.
    #[serde(skip)]
    pub raw: String,
}

/// One field-level validation error of an [`ApiErrorBody`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiFieldError {
    /// The field that failed validation.
    pub field: Option<String>,
    /// Why.
    pub message: Option<String>,
    /// Validation error code (string or number, depending on the service).
    pub code: Option<serde_json::Value>,
    /// The rejected value.
    pub rejected_value: Option<serde_json::Value>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ApiFieldError>, D::Error> {
    Ok(Option::<Vec<ApiFieldError>>::deserialize(d)?.unwrap_or_default())
}

impl ApiErrorBody {
    /// Parses a response body leniently: JSON of the Synerise shape, or anything else kept raw.
    pub fn parse(body: &[u8]) -> ApiErrorBody {
        let mut parsed: ApiErrorBody = serde_json::from_slice(body).unwrap_or_default();
        parsed.raw = truncate_bytes(body, RAW_BODY_LIMIT);
        parsed
    }

    /// The most useful one-line description: the message, else the reason, else the raw body.
    pub fn summary(&self) -> String {
        let mut text = self
            .message
            .clone()
            .or_else(|| self.error.clone())
            .unwrap_or_else(|| self.raw.trim().to_string());
        if let Some(first) = self.errors.first()
            && let (Some(field), Some(msg)) = (&first.field, &first.message)
        {
            text.push_str(&format!(" ({field}: {msg})"));
        }
        text
    }
}

pub(crate) fn truncate_bytes(body: &[u8], limit: usize) -> String {
    let cut = &body[..body.len().min(limit)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > limit {
        text.push('…');
    }
    text
}

fn truncate_display(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > DISPLAY_LIMIT {
        let cut: String = one_line.chars().take(DISPLAY_LIMIT).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// Everything that can go wrong in a call to Synerise.
///
/// `Display` is one readable line (long vendor messages truncated there, kept in the value);
/// no variant ever holds a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Authentication failed: a login was refused, or a token was rejected and could not be
    /// renewed (static tokens cannot be renewed).
    Auth {
        /// What failed.
        message: String,
        /// The HTTP status, when a response said so.
        status: Option<StatusCode>,
        /// The parsed error body, when there was one.
        body: Option<Box<ApiErrorBody>>,
    },
    /// Synerise answered 429 Too Many Requests (after any retries).
    RateLimited {
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
        /// The parsed error body.
        body: Box<ApiErrorBody>,
    },
    /// The request did not complete in time.
    Timeout {
        /// The limit that was hit, when known.
        after: Option<Duration>,
    },
    /// The connection failed (DNS, connect, TLS, reset) before a response arrived.
    Transport(reqwest::Error),
    /// Synerise answered with an error status.
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The parsed error body (raw text kept when it is not JSON).
        body: Box<ApiErrorBody>,
    },
    /// A success response whose body could not be decoded.
    Decode {
        /// The HTTP status, when known.
        status: Option<StatusCode>,
        /// The body as received, truncated to 4 KiB.
        body: String,
        /// What the decoder said.
        source: serde_json::Error,
    },
    /// The client was configured wrongly, or a request could not be built.
    Config(String),
    /// A batch item was rejected before sending (too large, not serialisable).
    Batch(crate::BatchItemError),
    /// A page of a pagination stream failed.
    Page {
        /// Zero-based position of the page in the stream.
        page: u64,
        /// Why it failed.
        source: Box<Error>,
    },
    /// A pagination stream met a server that repeated itself (same cursor or same page).
    PaginationLoop(String),
}

impl Error {
    /// The HTTP status behind this error, when there was a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Auth { status, .. } => *status,
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Api { status, .. } => Some(*status),
            Error::Decode { status, .. } => *status,
            Error::Transport(e) => e.status(),
            Error::Page { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed (rate limits, timeouts, connection failures,
    /// 502/503/504). Retries inside the client already happened when this is returned.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } => true,
            Error::Transport(e) => e.is_connect() || e.is_timeout() || e.is_request(),
            Error::Api { status, .. } => matches!(status.as_u16(), 502..=504),
            Error::Page { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// The parsed Synerise error body, when the server sent one.
    pub fn api_body(&self) -> Option<&ApiErrorBody> {
        match self {
            Error::Api { body, .. } | Error::RateLimited { body, .. } => Some(body),
            Error::Auth { body, .. } => body.as_deref(),
            Error::Page { source, .. } => source.api_body(),
            _ => None,
        }
    }

    /// Builds the error for an error response (status ≥ 400) from its status, headers and body.
    pub fn from_response_parts(
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Error {
        let body = Box::new(ApiErrorBody::parse(body));
        match status {
            StatusCode::UNAUTHORIZED => Error::Auth {
                message: crate::transport::take_auth_note()
                    .unwrap_or_else(|| "the credentials were rejected".into()),
                status: Some(status),
                body: Some(body),
            },
            StatusCode::TOO_MANY_REQUESTS => Error::RateLimited {
                retry_after: crate::retry::parse_retry_after(headers, std::time::SystemTime::now()),
                body,
            },
            _ => Error::Api { status, body },
        }
    }

    /// Converts an error from the generated client, reading the body of unexpected responses.
    pub async fn from_api<E: fmt::Debug>(err: progenitor_client::Error<E>) -> Error {
        use progenitor_client::Error as P;
        if let P::UnexpectedResponse(_) | P::CommunicationError(_) = &err {
            // The hooks may have left a more precise error (e.g. a failed re-authentication).
            if let Some(hook) = crate::transport::take_hook_error() {
                return hook;
            }
        }
        match err {
            P::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(bytes) if !status.is_success() => {
                        Error::from_response_parts(status, &headers, &bytes)
                    }
                    Ok(bytes) => Error::Decode {
                        status: Some(status),
                        body: truncate_bytes(&bytes, RAW_BODY_LIMIT),
                        source: serde_json::from_str::<serde_json::Value>(
                            "unexpected success status",
                        )
                        .unwrap_err(),
                    },
                    Err(e) => Error::from_reqwest(e),
                }
            }
            P::ErrorResponse(rv) => Error::Api {
                status: rv.status(),
                body: Box::new(ApiErrorBody {
                    raw: format!("{:?}", rv.into_inner()),
                    ..Default::default()
                }),
            },
            P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
                Error::from_reqwest(e)
            }
            P::InvalidResponsePayload(bytes, source) => Error::Decode {
                status: crate::transport::last_status(),
                body: truncate_bytes(&bytes, RAW_BODY_LIMIT),
                source,
            },
            P::InvalidRequest(msg) => Error::Config(format!("invalid request: {msg}")),
            P::Custom(msg) => crate::transport::take_hook_error().unwrap_or(Error::Config(msg)),
        }
    }

    /// Converts a reqwest error, telling timeouts apart from other transport failures.
    pub fn from_reqwest(e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout {
                after: crate::transport::attempt_timeout(),
            }
        } else {
            Error::Transport(e.without_url())
        }
    }
}

impl Error {
    /// A copy of this error for the tasks that waited on the same login: the same variant where it
    /// can be copied, else [`Error::Auth`] with the same message.
    pub(crate) fn shared(&self) -> Error {
        match self {
            Error::Auth {
                message,
                status,
                body,
            } => Error::Auth {
                message: message.clone(),
                status: *status,
                body: body.clone(),
            },
            Error::RateLimited { retry_after, body } => Error::RateLimited {
                retry_after: *retry_after,
                body: body.clone(),
            },
            Error::Timeout { after } => Error::Timeout { after: *after },
            Error::Api { status, body } => Error::Api {
                status: *status,
                body: body.clone(),
            },
            Error::Config(msg) => Error::Config(msg.clone()),
            other => Error::Auth {
                message: format!("authentication failed: {other}"),
                status: other.status(),
                body: None,
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Auth {
                message,
                status,
                body,
            } => {
                write!(f, "authentication failed: {message}")?;
                if let Some(s) = status {
                    write!(f, " (HTTP {})", s.as_u16())?;
                }
                if let Some(b) = body
                    .as_deref()
                    .map(ApiErrorBody::summary)
                    .filter(|s| !s.is_empty())
                {
                    write!(f, ": {}", truncate_display(&b))?;
                }
                Ok(())
            }
            Error::RateLimited { retry_after, .. } => match retry_after {
                Some(d) => write!(
                    f,
                    "rate limited by Synerise (HTTP 429), retry after {} s",
                    d.as_secs()
                ),
                None => write!(f, "rate limited by Synerise (HTTP 429)"),
            },
            Error::Timeout { after: Some(d) } => {
                write!(f, "request timed out after {} ms", d.as_millis())
            }
            Error::Timeout { after: None } => write!(f, "request timed out"),
            Error::Transport(e) => write!(f, "connection failed: {e}"),
            Error::Api { status, body } => {
                write!(f, "Synerise API error {}", status)?;
                if let Some(path) = &body.path {
                    write!(f, " at {path}")?;
                }
                let summary = body.summary();
                if !summary.is_empty() {
                    write!(f, ": {}", truncate_display(&summary))?;
                }
                Ok(())
            }
            Error::Decode { status, source, .. } => match status {
                Some(s) => write!(
                    f,
                    "could not decode the response (HTTP {}): {source}",
                    s.as_u16()
                ),
                None => write!(f, "could not decode the response: {source}"),
            },
            Error::Config(msg) => write!(f, "configuration error: {msg}"),
            Error::Batch(e) => write!(f, "{e}"),
            Error::Page { page, source } => write!(f, "page {page} failed: {source}"),
            Error::PaginationLoop(msg) => write!(f, "pagination stopped: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Decode { source, .. } => Some(source),
            Error::Batch(e) => Some(e),
            Error::Page { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Result alias with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_errors_format() {
        let err = Error::Batch(crate::BatchItemError {
            index: 3,
            kind: crate::batch::BatchItemErrorKind::Invalid("no event type".into()),
        });
        assert!(err.to_string().contains("3"), "{err}");
        assert!(format!("{err:?}").contains("Batch"));
    }

    #[test]
    fn shared_copies_keep_the_variant() {
        let auth = Error::Auth {
            message: "refused".into(),
            status: Some(StatusCode::FORBIDDEN),
            body: None,
        };
        assert!(
            matches!(auth.shared(), Error::Auth { status: Some(s), .. } if s == StatusCode::FORBIDDEN)
        );
        assert!(matches!(
            Error::Timeout { after: None }.shared(),
            Error::Timeout { after: None }
        ));
        let page = Error::Page {
            page: 1,
            source: Box::new(Error::Config("x".into())),
        };
        assert!(matches!(page.shared(), Error::Auth { .. }));
    }

    #[test]
    fn a_401_uses_the_note_of_the_transport() {
        let err = Error::from_response_parts(
            StatusCode::UNAUTHORIZED,
            &reqwest::header::HeaderMap::new(),
            b"",
        );
        assert!(
            matches!(err, Error::Auth { ref message, .. } if message == "the credentials were rejected"),
            "{err:?}"
        );
    }
}
