//! Helpers shared by the integration tests.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use synerise_mock::SyneriseMock;

/// A mock plus an HTTP client.
pub struct Env {
    pub mock: SyneriseMock,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn new() -> Env {
        Env::with(SyneriseMock::start().await)
    }

    pub fn with(mock: SyneriseMock) -> Env {
        Env {
            mock,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.mock.base_url(), path)
    }

    /// A request without credentials.
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// A request as the workspace (Basic auth) with `Api-Version: 4.4`.
    pub fn ws(&self, method: Method, path: &str) -> RequestBuilder {
        self.raw(method, path)
            .header("Authorization", self.mock.basic_auth_header())
            .header("Api-Version", "4.4")
    }

    /// A request with a bearer token and `Api-Version: 4.4`.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.raw(method, path)
            .header("Authorization", format!("Bearer {token}"))
            .header("Api-Version", "4.4")
    }

    /// Workspace API-key login over HTTP.
    pub async fn workspace_token(&self) -> String {
        let (status, body) = send(
            self.raw(Method::POST, "/uauth/v2/auth/login/profile")
                .json(&json!({ "apiKey": self.mock.api_key() })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }
}

/// Sends and returns status + JSON body (`Null` when the body is empty or not JSON).
pub async fn send(req: RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request failed");
    let status = resp.status();
    let bytes = resp.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asserts the Synerise error shape.
pub fn assert_error_body(body: &Value, status: u16, path: &str) {
    assert_eq!(body["status"], status, "{body}");
    assert!(body["timestamp"].is_string(), "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(body["path"], path, "{body}");
}

/// Asserts a JWT-shaped token with a real `exp` = `iat` + `lifetime_secs` in the future of
/// the mock's clock; returns the claims.
pub fn assert_real_exp(mock: &SyneriseMock, token: &str, lifetime_secs: i64) -> Value {
    assert_eq!(token.split('.').count(), 3, "JWT-shaped: {token}");
    let claims = synerise_mock::decode_claims(token).expect("decodable claims");
    let exp = claims["exp"].as_i64().expect("exp");
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(exp - iat, lifetime_secs, "{claims}");
    assert!(exp > mock.now().timestamp(), "{claims}");
    assert!(claims["sub"].is_string(), "{claims}");
    assert!(claims["rlm"].is_string(), "{claims}");
    claims
}

/// A minimal valid custom event.
pub fn custom_event(client: Value, action: &str) -> Value {
    json!({ "label": "Test", "client": client, "action": action, "params": {} })
}
