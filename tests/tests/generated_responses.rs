//! The generated client's success values keep the response's status and headers, and decode or
//! reject the body as progenitor's own conversions would (`synerise_api::responses`, which the
//! codegen points every operation at). The generated client runs alone here, against wiremock.

use serde_json::json;
use synerise::api::hooks::Inner;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn api(server: &MockServer) -> synerise::api::Client {
    synerise::api::Client::new(&server.uri(), Inner::default())
}

#[tokio::test]
async fn a_json_success_keeps_status_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v4/server/time"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req-1")
                .set_body_json(json!({ "serverTime": "2024-01-01T00:00:00Z", "extra": 1 })),
        )
        .mount(&server)
        .await;
    let value = api(&server).get_server_time().send().await.unwrap();
    assert_eq!(value.status(), 200);
    assert_eq!(value.headers()["x-request-id"], "req-1");
    assert_eq!(value.headers()["content-type"], "application/json");
    let body = serde_json::to_value(value.into_inner()).unwrap();
    assert_eq!(body["serverTime"], "2024-01-01T00:00:00Z");
}

#[tokio::test]
async fn an_empty_success_keeps_status_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v4/clients"))
        .respond_with(ResponseTemplate::new(202).insert_header("x-request-id", "req-2"))
        .mount(&server)
        .await;
    let value = api(&server)
        .create_a_client_in_crm()
        .body(synerise::types::ProfileCreate {
            custom_id: Some("c-1".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(value.status(), 202);
    assert_eq!(value.headers()["x-request-id"], "req-2");
}

#[tokio::test]
async fn a_body_that_does_not_decode_is_an_invalid_payload_with_the_bytes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v4/server/time"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&server)
        .await;
    match api(&server).get_server_time().send().await {
        Err(synerise::api::Error::InvalidResponsePayload(bytes, _)) => {
            assert_eq!(&bytes[..], b"not json")
        }
        other => panic!("expected an invalid payload, got {other:?}"),
    }
}
