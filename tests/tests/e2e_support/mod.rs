//! Helpers shared by the `e2e_*` tests: clients pointed at a running `synerise-mock`, and
//! readers for what the mock's journal recorded.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use secrecy::ExposeSecret;
use serde_json::Value;
use synerise::retry::RetryConfig;
use synerise::{Client, Credentials};
use synerise_mock::{RecordedRequest, SyneriseMock};

/// A client pointed at `mock` with `credentials`; retries without jitter so that runs repeat.
pub fn client_with(mock: &SyneriseMock, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .credentials(credentials)
        .retry(RetryConfig::default().jitter(|| 0.0))
        .build()
        .expect("a client for the mock")
}

/// A client that logs in as the mock's Workspace with its API key.
pub fn workspace_client(mock: &SyneriseMock) -> Client {
    client_with(mock, Credentials::workspace_api_key(mock.api_key()))
}

/// The requests the mock received with this method and path, oldest first.
pub fn requests_to(mock: &SyneriseMock, method: &str, path: &str) -> Vec<RecordedRequest> {
    mock.journal()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

/// `(method, path, status)` of every journal entry, for asserting the sequence on the wire.
pub fn wire(mock: &SyneriseMock) -> Vec<(String, String, Option<u16>)> {
    mock.journal()
        .into_iter()
        .map(|r| (r.method, r.path, r.status))
        .collect()
}

/// Shorthand for building the expected value of [`wire`].
pub fn w(method: &str, path: &str, status: u16) -> (String, String, Option<u16>) {
    (method.to_string(), path.to_string(), Some(status))
}

/// The bearer token a recorded request carried.
pub fn bearer(request: &RecordedRequest) -> Option<&str> {
    request.header("authorization")?.strip_prefix("Bearer ")
}

/// The claims of the bearer token a recorded request carried.
pub fn bearer_claims(request: &RecordedRequest) -> Value {
    let token = bearer(request).unwrap_or_else(|| {
        panic!(
            "{} {} carried no bearer token",
            request.method, request.path
        )
    });
    synerise_mock::decode_claims(token).expect("a JWT-shaped token")
}

/// The client's current token, as text.
pub async fn current_token(client: &Client) -> String {
    client
        .access_token()
        .await
        .expect("a token")
        .expect("a JWT flow")
        .expose_secret()
        .to_string()
}

/// The JSON body of a recorded request.
pub fn body(request: &RecordedRequest) -> Value {
    request
        .json()
        .unwrap_or_else(|| panic!("{} {} has no JSON body", request.method, request.path))
}

/// Asserts the headers every call of the client carries: JSON in and out, its user agent.
pub fn assert_client_headers(request: &RecordedRequest) {
    assert_eq!(
        request.header("accept"),
        Some("application/json"),
        "{request:?}"
    );
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("synerise-rust/")),
        "{request:?}"
    );
    if !request.body.is_empty() {
        assert_eq!(
            request.header("content-type"),
            Some("application/json"),
            "{request:?}"
        );
    }
}
