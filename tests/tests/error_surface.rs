//! What a caller of the generated client sees when Synerise answers with an error or with data the
//! spec does not describe yet, against a wiremock server on loopback:
//! - an error answer of any kind (a JSON Synerise error, an empty body, an HTML page from a proxy)
//!   keeps its HTTP status and its body is readable;
//! - a Profile carrying an unknown field and an unknown value of an opened enum (`sex`, see the
//!   `enums` section of `openapi/normalise-report.md`) still decodes, the unknown value kept as text.

use serde_json::json;
use synerise_api::types::{Profile, ProfileSex, ProfileSexKnown};
use synerise_api::{Client, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::new(&server.uri(), synerise_api::hooks::Inner::default())
}

/// Mounts `template` for `GET /v4/clients/{id}` (operation `get_client_data`, answering a Profile).
async fn answer(server: &MockServer, id: i64, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!("/v4/clients/{id}")))
        .respond_with(template)
        .expect(1)
        .mount(server)
        .await;
}

async fn get_profile(server: &MockServer, id: i64) -> Result<Profile, Error<()>> {
    client(server)
        .get_client_data()
        .client_id(id)
        .send()
        .await
        .map(|r| r.into_inner())
}

/// The status, `Content-Type` and body of an error answer.
async fn error_answer(err: Error<()>) -> (u16, Option<String>, String) {
    let status = err
        .status()
        .unwrap_or_else(|| panic!("the status is lost: {err:?}"))
        .as_u16();
    match err {
        Error::UnexpectedResponse(response) => {
            assert_eq!(response.status().as_u16(), status);
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            (
                status,
                content_type,
                response.text().await.expect("the body is readable"),
            )
        }
        other => panic!("expected the raw answer, got {other:?}"),
    }
}

#[tokio::test]
async fn a_json_synerise_error_keeps_status_and_body() {
    let server = MockServer::start().await;
    let body = json!({
        "timestamp": "2026-11-30T10:00:00.000+00:00",
        "status": 400,
        "error": "Bad Request",
        "message": "clientId must be a number",
        "path": "/v4/clients/400",
        "traceId": "5a1c0ffee"
    });
    answer(
        &server,
        400,
        ResponseTemplate::new(400).set_body_json(&body),
    )
    .await;

    let err = get_profile(&server, 400)
        .await
        .expect_err("400 is an error");
    let (status, content_type, text) = error_answer(err).await;
    assert_eq!(status, 400);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let decoded: serde_json::Value =
        serde_json::from_str(&text).expect("the error body is the JSON sent");
    assert_eq!(decoded, body);
}

#[tokio::test]
async fn an_empty_error_keeps_status() {
    let server = MockServer::start().await;
    answer(&server, 401, ResponseTemplate::new(401)).await;

    let err = get_profile(&server, 401)
        .await
        .expect_err("401 is an error");
    let (status, _, text) = error_answer(err).await;
    assert_eq!(status, 401);
    assert_eq!(text, "");
}

#[tokio::test]
async fn an_html_error_page_keeps_status_and_body() {
    let server = MockServer::start().await;
    let page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
    answer(
        &server,
        502,
        ResponseTemplate::new(502).set_body_raw(page, "text/html"),
    )
    .await;

    let err = get_profile(&server, 502)
        .await
        .expect_err("502 is an error");
    assert!(err.is_retryable(), "a 502 is worth retrying");
    let (status, content_type, text) = error_answer(err).await;
    assert_eq!(status, 502);
    assert_eq!(content_type.as_deref(), Some("text/html"));
    assert_eq!(text, page);
}

#[tokio::test]
async fn unknown_fields_and_enum_values_decode() {
    let server = MockServer::start().await;
    answer(
        &server,
        7,
        ResponseTemplate::new(200).set_body_json(json!({
            "clientId": 7,
            "email": "jane@example.com",
            "sex": "NON_BINARY",
            "fieldAddedLater": {"nested": [1, 2, 3]}
        })),
    )
    .await;
    answer(
        &server,
        8,
        ResponseTemplate::new(200).set_body_json(json!({"clientId": 8, "sex": "FEMALE"})),
    )
    .await;

    let profile = get_profile(&server, 7)
        .await
        .expect("an unknown field and enum value decode");
    assert_eq!(profile.client_id, Some(7));
    assert_eq!(profile.email.as_deref(), Some("jane@example.com"));
    assert_eq!(
        profile.sex,
        Some(ProfileSex::Other("NON_BINARY".to_string())),
        "the unknown value is kept as text"
    );

    let known = get_profile(&server, 8)
        .await
        .expect("a known enum value decodes");
    assert_eq!(known.sex, Some(ProfileSex::Known(ProfileSexKnown::Female)));
}
