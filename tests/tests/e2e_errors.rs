//! The rules Synerise enforces, broken on purpose against `synerise-mock`, and the typed
//! [`synerise::Error`] each one becomes (status, Synerise's error body, a one-line `Display`):
//!
//! - no credentials (refused by the client before sending) and no token on the wire, an invalid,
//!   expired or revoked token, a wrong API key → `Error::Auth`;
//! - the `Api-Version: 4.4` header rule (the client always sends it where needed, so the request
//!   without it is sent raw) → 400;
//! - a batch over 1000 items or over 1 MB, and an events batch mixing identifier kinds, sent raw
//!   through `Client::send_json` (the batch uploader never builds such bodies) → `Error::Api` 400
//!   with Synerise's message, and nothing stored;
//! - an operation the mock does not implement → `Error::Api` 501 naming the operation;
//! - a consumer that may not call an operation → 403; a rate limit → `Error::RateLimited`.

mod e2e_support;

use bytes::Bytes;
use e2e_support::{client_with, current_token, requests_to, w, wire, workspace_client};
use futures::TryStreamExt;
use serde_json::{Value, json};
use synerise::retry::RetryConfig;
use synerise::{Client, Credentials, Error};
use synerise_mock::{Fault, Route, SyneriseMock};

/// The status and Synerise error message of an `Error::Api`; panics on any other error.
fn api_error(err: &Error) -> (u16, String) {
    match err {
        Error::Api { status, body } => (
            status.as_u16(),
            body.message.clone().expect("a Synerise error body"),
        ),
        Error::Page { source, .. } => api_error(source),
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// The status and Synerise error message of an `Error::Auth`; panics on any other error.
fn auth_error(err: &Error) -> (Option<u16>, Option<String>) {
    match err {
        Error::Auth { status, body, .. } => (
            status.map(|s| s.as_u16()),
            body.as_ref().and_then(|b| b.message.clone()),
        ),
        Error::Page { source, .. } => auth_error(source),
        other => panic!("expected Error::Auth, got {other:?}"),
    }
}

/// `GET /catalogs/bags` through the generated client, with the client's auth and retries.
async fn get_bags(client: &Client) -> synerise::Result<()> {
    client
        .call(client.api().get_bags().send())
        .await
        .map(|_| ())
}

/// A raw request with what the client does not let you get wrong, turned into the client's
/// error type the same way the client does it.
async fn raw(request: reqwest::RequestBuilder) -> Result<reqwest::StatusCode, Error> {
    let response = request.send().await.expect("the mock answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap();
    if status.is_success() {
        Ok(status)
    } else {
        Err(Error::from_response_parts(status, &headers, &body))
    }
}

/// `n` small profiles as one JSON array, serialised once.
fn profiles_body(n: usize, padding: usize) -> Bytes {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({ "customId": format!("c-{i}"), "attributes": { "pad": "p".repeat(padding) } }))
        .collect();
    Bytes::from(serde_json::to_vec(&items).unwrap())
}

#[tokio::test]
async fn a_client_without_credentials_refuses_before_sending() {
    let mock = SyneriseMock::start().await;
    let client = Client::builder().base_url(mock.base_url()).build().unwrap();
    let err = get_bags(&client).await.unwrap_err();
    assert_eq!(auth_error(&err), (None, None));
    assert!(err.to_string().contains("needs a token"), "{err}");
    assert_eq!(mock.journal_len(), 0, "nothing was sent");
}

#[tokio::test]
async fn missing_invalid_expired_and_revoked_tokens_are_auth_errors() {
    let mock = SyneriseMock::start().await;

    // No Authorization header at all (sent raw: the client never does this).
    let err = raw(reqwest::Client::new().get(format!("{}/catalogs/bags", mock.base_url())))
        .await
        .unwrap_err();
    assert_eq!(
        auth_error(&err),
        (
            Some(401),
            Some("Full authentication is required to access this resource".into())
        )
    );
    let body = err.api_body().unwrap();
    assert_eq!(body.error.as_deref(), Some("Unauthorized"));
    assert_eq!(body.path.as_deref(), Some("/catalogs/bags"));
    assert_eq!(mock.journal()[0].header("authorization"), None);

    // A token the mock never issued.
    mock.clear_journal();
    let err = get_bags(&client_with(&mock, Credentials::token("not-a-token")))
        .await
        .unwrap_err();
    assert_eq!(auth_error(&err), (Some(401), Some("Invalid token.".into())));
    assert_eq!(
        mock.journal()[0].header("authorization"),
        Some("Bearer not-a-token")
    );
    assert_eq!(wire(&mock), [w("GET", "/catalogs/bags", 401)]);

    // Revoked, then expired by the mock's clock.
    let revoked = mock.issue_workspace_token();
    mock.revoke_token(&revoked);
    let err = get_bags(&client_with(&mock, Credentials::token(revoked)))
        .await
        .unwrap_err();
    assert_eq!(auth_error(&err), (Some(401), Some("Token revoked.".into())));
    let expiring = client_with(&mock, Credentials::token(mock.issue_workspace_token()));
    get_bags(&expiring).await.unwrap();
    mock.advance_clock(std::time::Duration::from_secs(3601));
    let err = get_bags(&expiring).await.unwrap_err();
    assert_eq!(auth_error(&err), (Some(401), Some("Token expired.".into())));
    assert!(
        err.to_string().starts_with("authentication failed"),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_api_key_fails_the_login_without_printing_the_key() {
    let mock = SyneriseMock::start().await;
    let client = client_with(&mock, Credentials::workspace_api_key("wrong-api-key-123"));
    let err = get_bags(&client).await.unwrap_err();
    assert_eq!(
        auth_error(&err),
        (Some(401), Some("Invalid API key".into()))
    );
    assert!(!format!("{err} {err:?}").contains("wrong-api-key-123"));
    assert_eq!(
        wire(&mock),
        [w("POST", "/uauth/v2/auth/login/profile", 401)],
        "the call itself is not sent"
    );
}

#[tokio::test]
async fn the_api_version_header_rule() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);

    // The client sends `Api-Version: 4.4` exactly where the operation needs it.
    get_bags(&client).await.unwrap();
    client
        .send_json(
            "batch_add_or_update_clients",
            "/v4/clients/batch",
            profiles_body(1, 0),
        )
        .await
        .unwrap();
    let journal = mock.journal();
    assert_eq!(journal[1].path, "/catalogs/bags");
    assert_eq!(journal[1].header("api-version"), None);
    assert_eq!(journal[2].path, "/v4/clients/batch");
    assert_eq!(journal[2].header("api-version"), Some("4.4"));
    assert_eq!(journal[2].status, Some(202));

    // Without it, or with another version, Synerise refuses the request.
    let token = current_token(&client).await;
    let url = format!("{}/v4/clients/batch", mock.base_url());
    for version in [None, Some("4.3")] {
        let mut request = reqwest::Client::new()
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(profiles_body(1, 0).to_vec());
        if let Some(v) = version {
            request = request.header("api-version", v);
        }
        let err = raw(request).await.unwrap_err();
        assert_eq!(
            api_error(&err),
            (400, "Version header content is invalid".to_string()),
            "Api-Version {version:?}"
        );
        assert!(
            err.to_string().contains(
                "400 Bad Request at /v4/clients/batch: Version header content is invalid"
            ),
            "{err}"
        );
    }
    assert_eq!(
        mock.profile_count(),
        1,
        "only the valid request stored anything"
    );
}

#[tokio::test]
async fn a_batch_over_1000_items_is_refused() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);

    let err = client
        .send_json(
            "batch_add_or_update_clients",
            "/v4/clients/batch",
            profiles_body(1001, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&err),
        (
            400,
            "The request body cannot contain more than 1000 items; it has 1001".to_string()
        )
    );
    assert!(err.to_string().contains("more than 1000 items"), "{err}");
    assert!(!err.is_retryable());
    let sent = requests_to(&mock, "POST", "/v4/clients/batch");
    assert_eq!(sent.len(), 1, "a 400 is not retried");
    assert_eq!(sent[0].json().unwrap().as_array().unwrap().len(), 1001);
    assert_eq!(sent[0].header("api-version"), Some("4.4"));
    assert_eq!(mock.profile_count(), 0);

    // 1000 is allowed.
    client
        .send_json(
            "batch_add_or_update_clients",
            "/v4/clients/batch",
            profiles_body(1000, 0),
        )
        .await
        .unwrap();
    assert_eq!(mock.profile_count(), 1000);
}

#[tokio::test]
async fn a_batch_over_1_mb_is_refused() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let body = profiles_body(2, 600_000);
    let size = body.len();
    assert!(size > 1_048_576);

    let err = client
        .send_json("batch_add_or_update_clients", "/v4/clients/batch", body)
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&err),
        (
            400,
            format!("The request body cannot exceed 1 MB (1048576 bytes); it has {size} bytes")
        )
    );
    assert_eq!(
        requests_to(&mock, "POST", "/v4/clients/batch")[0]
            .body
            .len(),
        size
    );
    assert_eq!(mock.profile_count(), 0);
}

#[tokio::test]
async fn an_events_batch_mixing_identifier_kinds_is_refused() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let events = json!([
        { "type": "custom", "action": "page.visit", "label": "Home", "client": { "customId": "c-1" } },
        { "type": "custom", "action": "page.visit", "label": "Home", "client": { "email": "c-2@example.com" } },
    ]);
    let err = client
        .send_json(
            "batch_send_events",
            "/v4/events/batch",
            Bytes::from(events.to_string()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&err),
        (
            400,
            "All events in a batch must use the same type of profile identifier; found customId, email"
                .to_string()
        )
    );
    let sent = requests_to(&mock, "POST", "/v4/events/batch");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json().unwrap(), events);
    assert_eq!(
        (mock.event_count(), mock.profile_count()),
        (0, 0),
        "all or nothing"
    );
}

#[tokio::test]
async fn an_unimplemented_operation_is_a_501_naming_it() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);

    // Through a pagination stream: the first page fails.
    let err = client
        .analytics()
        .list_expressions()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Page { page: 0, .. }), "{err:?}");
    let (status, message) = api_error(&err);
    assert_eq!(status, 501);
    assert!(
        message.starts_with(
            "synerise-mock does not implement operation listExpressions \
             (GET /analytics-backend/analytics/definitions-manager/expressions)"
        ),
        "{message}"
    );

    // Through the generated client directly.
    let err = client
        .call(client.api().list_expressions().send())
        .await
        .unwrap_err();
    assert_eq!(api_error(&err).0, 501);
    assert!(err.to_string().contains("listExpressions"), "{err}");
    assert_eq!(
        requests_to(
            &mock,
            "GET",
            "/analytics-backend/analytics/definitions-manager/expressions"
        )
        .len(),
        2,
        "a 501 is not retried"
    );
}

#[tokio::test]
async fn a_consumer_outside_the_operation_scope_gets_403() {
    let mock = SyneriseMock::start().await;
    let profile = mock.seed_profiles(1)[0];
    let client = client_with(
        &mock,
        Credentials::token(mock.issue_profile_token(profile).unwrap()),
    );
    let err = get_bags(&client).await.unwrap_err();
    assert_eq!(
        api_error(&err),
        (
            403,
            "This consumer is not allowed to call this operation".to_string()
        )
    );
}

#[tokio::test]
async fn a_rate_limit_is_typed_with_its_retry_after() {
    let mock = SyneriseMock::start().await;
    let client = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::workspace_basic(
            mock.workspace_guid(),
            mock.api_key(),
        ))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    mock.faults().script(
        Route::operation_id("getBags").unwrap(),
        [Fault::RateLimit { retry_after: 7 }],
    );
    match get_bags(&client).await {
        Err(Error::RateLimited { retry_after, body }) => {
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(7)));
            assert_eq!(body.status, Some(429));
        }
        other => panic!("expected Error::RateLimited, got {other:?}"),
    }
    assert_eq!(wire(&mock), [w("GET", "/catalogs/bags", 429)]);
    get_bags(&client).await.unwrap();
}
