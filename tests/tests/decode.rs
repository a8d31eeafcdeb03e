//! Decoding of real generated response types through the real client (`synerise::Client`, its
//! transport, retries and error conversion) against wiremock on loopback:
//!
//! * fields the spec does not know are ignored;
//! * an unknown value of an opened enum is kept as text (`ProfileSex::Other`, see the `enums`
//!   section of `openapi/normalise-report.md`);
//! * `null` for an optional array the normaliser made nullable (its `leniency` section) decodes as
//!   `None`, while `null` where an array is required is a decoding error;
//! * an HTML `502` from a proxy is retried, then surfaces as `Error::Api { status: 502 }` with the
//!   page kept in `body.raw`;
//! * a `200` whose body does not decode is `Error::Decode { status: Some(200), body }`, the body
//!   kept as received and truncated to 4 KiB;
//! * arbitrary bytes as the body of a `200` never make a typed call panic (proptest).

use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use synerise::retry::RetryConfig;
use synerise::types::{ProfileSex, ProfileSexKnown};
use synerise::{Client, Credentials, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// How much of a body an error keeps (`Error::Decode::body`, `ApiErrorBody::raw`): 4 KiB.
const RAW_LIMIT: usize = 4096;

/// The real client against `server`: Basic authentication (no login round trip), the default
/// retry policy with its jitter pinned to 0, so retries do not wait.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::workspace_basic("workspace-guid", "api-key"))
        .retry(RetryConfig::default().jitter(|| 0.0))
        .build()
        .expect("a client")
}

async fn answer(server: &MockServer, method_: &str, path_: &str, template: ResponseTemplate) {
    Mock::given(method(method_))
        .and(path(path_))
        .respond_with(template)
        .mount(server)
        .await;
}

fn json_200(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// What a decoding error keeps of `bytes`: the first 4 KiB, as text, `…` when cut.
fn kept(bytes: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(RAW_LIMIT)]).into_owned();
    if bytes.len() > RAW_LIMIT {
        text.push('…');
    }
    text
}

#[tokio::test]
async fn extra_fields_and_an_unknown_enum_value_decode() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/v4/clients/7",
        json_200(json!({
            "clientId": 7,
            "email": "jane@example.com",
            "sex": "NON_BINARY",
            "fieldAddedLater": { "nested": [1, 2, 3] },
            "anotherNewField": null,
            "agreements": { "email": true, "newChannel": true }
        })),
    )
    .await;
    answer(
        &server,
        "GET",
        "/v4/clients/8",
        json_200(json!({ "clientId": 8, "sex": "FEMALE" })),
    )
    .await;
    let client = client(&server);

    let profile = client
        .call(client.api().get_client_data().client_id(7).send())
        .await
        .expect("unknown fields and an unknown enum value decode");
    assert_eq!(profile.client_id, Some(7));
    assert_eq!(profile.email.as_deref(), Some("jane@example.com"));
    assert_eq!(
        profile.sex,
        Some(ProfileSex::Other("NON_BINARY".into())),
        "the unknown value is kept as text"
    );
    assert_eq!(
        profile.agreements.and_then(|a| a.email),
        Some(true),
        "known fields of a nested object with an unknown field decode"
    );

    let known = client
        .call(client.api().get_client_data().client_id(8).send())
        .await
        .expect("a known value decodes");
    assert_eq!(known.sex, Some(ProfileSex::Known(ProfileSexKnown::Female)));
}

#[tokio::test]
async fn null_for_a_nullable_array_is_none() {
    let server = MockServer::start().await;
    // Profile.tags and Profile.previousClients, CatalogsPage.data, TagsCollectorPage.data: all
    // "optional array/map made nullable" in the leniency section of the normaliser report.
    answer(
        &server,
        "GET",
        "/v4/clients/9",
        json_200(json!({ "clientId": 9, "tags": null, "previousClients": null })),
    )
    .await;
    answer(
        &server,
        "GET",
        "/catalogs/bags",
        json_200(json!({ "data": null, "metaData": { "totalCount": 0 } })),
    )
    .await;
    answer(
        &server,
        "GET",
        "/tags-collector/tags",
        json_200(json!({ "data": null, "pagination": null })),
    )
    .await;
    // A required array (the top-level list of Workspaces) is not lenient.
    answer(
        &server,
        "GET",
        "/uauth/business-profile/",
        ResponseTemplate::new(200).set_body_raw("null", "application/json"),
    )
    .await;
    let client = client(&server);

    let profile = client
        .call(client.api().get_client_data().client_id(9).send())
        .await
        .expect("null arrays of a Profile decode");
    assert_eq!(profile.client_id, Some(9));
    assert_eq!(profile.tags, None);
    assert_eq!(profile.previous_clients, None);

    let catalogs = client
        .call(client.api().get_bags().send())
        .await
        .expect("a null page of catalogs decodes");
    assert_eq!(catalogs.data, None);
    assert!(catalogs.meta_data.is_some());

    let tags = client
        .call(client.api().list_tags_collector_tags().send())
        .await
        .expect("a null page of tags decodes");
    assert_eq!(tags.data, None);

    let err = client
        .call(client.api().get_business_profiles_using_get().send())
        .await
        .expect_err("null is not a list of Workspaces");
    match err {
        Error::Decode {
            status: Some(status),
            ref body,
            ..
        } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(body, "null");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn an_html_502_is_retried_then_an_api_error_with_the_page() {
    let server = MockServer::start().await;
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    Mock::given(method("GET"))
        .and(path("/v4/clients/502"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        // The first attempt and the default 3 retries.
        .expect(4)
        .mount(&server)
        .await;
    let client = client(&server);

    let err = client
        .call(client.api().get_client_data().client_id(502).send())
        .await
        .expect_err("502 is an error");
    assert!(err.is_retryable());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(err.to_string().contains("502"), "{err}");
    match err {
        Error::Api { status, ref body } => {
            assert_eq!(status.as_u16(), 502);
            assert_eq!(body.raw, page, "the page is kept as received");
            assert_eq!(body.message, None, "an HTML page has no Synerise message");
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    server.verify().await;
}

#[tokio::test]
async fn a_synerise_json_error_is_parsed() {
    let server = MockServer::start().await;
    let body = json!({
        "timestamp": "2026-11-30T10:00:00.000+00:00",
        "status": 404,
        "error": "Not Found",
        "message": "Client not found",
        "path": "/v4/clients/404",
        "extraVendorField": [1, 2]
    });
    answer(
        &server,
        "GET",
        "/v4/clients/404",
        ResponseTemplate::new(404).set_body_json(&body),
    )
    .await;
    let client = client(&server);

    let err = client
        .call(client.api().get_client_data().client_id(404).send())
        .await
        .expect_err("404 is an error");
    assert!(!err.is_retryable());
    match err {
        Error::Api { status, ref body } => {
            assert_eq!(status.as_u16(), 404);
            assert_eq!(body.message.as_deref(), Some("Client not found"));
            assert_eq!(body.path.as_deref(), Some("/v4/clients/404"));
            let raw: Value = serde_json::from_str(&body.raw).expect("the raw body is kept");
            assert_eq!(raw["extraVendorField"], json!([1, 2]));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// Asserts `err` is `Error::Decode` with status 200 and `bytes` kept as [`kept`] says.
fn assert_decode_error(err: &Error, bytes: &[u8]) {
    match err {
        Error::Decode {
            status: Some(status),
            body,
            ..
        } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(*body, kept(bytes));
        }
        other => panic!("expected Error::Decode with a status, got {other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("HTTP 200"), "{err}");
}

#[tokio::test]
async fn a_200_that_does_not_decode_keeps_status_and_body() {
    let server = MockServer::start().await;
    let page = "<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>";
    let wrong_type = r#"{"clientId":"not a number","email":"x@example.com"}"#;
    let long: String = format!("{{\"clientId\": 1, \"junk\": \"{}", "x".repeat(10_000));
    answer(
        &server,
        "GET",
        "/v4/clients/1",
        ResponseTemplate::new(200).set_body_raw(page, "text/html"),
    )
    .await;
    answer(
        &server,
        "GET",
        "/v4/clients/2",
        ResponseTemplate::new(200).set_body_raw(wrong_type, "application/json"),
    )
    .await;
    answer(
        &server,
        "GET",
        "/v4/clients/3",
        ResponseTemplate::new(200).set_body_raw(long.clone(), "application/json"),
    )
    .await;
    answer(&server, "GET", "/v4/clients/4", ResponseTemplate::new(200)).await;
    let client = client(&server);
    let get = |id: i64| {
        let client = client.clone();
        async move {
            client
                .call(client.api().get_client_data().client_id(id).send())
                .await
                .expect_err("the body does not decode")
        }
    };

    assert_decode_error(&get(1).await, page.as_bytes());
    assert_decode_error(&get(2).await, wrong_type.as_bytes());
    let err = get(3).await;
    assert_decode_error(&err, long.as_bytes());
    let Error::Decode { body, .. } = &err else {
        unreachable!()
    };
    assert_eq!(body.len(), RAW_LIMIT + '…'.len_utf8(), "cut at 4 KiB");
    assert!(body.ends_with('…'));
    assert!(long.starts_with(body.trim_end_matches('…')));
    assert_decode_error(&get(4).await, b"");
}

/// Answers every request with `200` and the bytes in the slot.
struct Slot(Arc<Mutex<Vec<u8>>>);

impl Respond for Slot {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let bytes = self.0.lock().expect("not poisoned").clone();
        ResponseTemplate::new(200).set_body_raw(bytes, "application/json")
    }
}

/// JSON values with the field names the typed operations look for, so that some bodies decode,
/// some fail on a type, and some on syntax.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z_ ]{0,12}".prop_map(Value::from),
        Just(Value::from("NON_BINARY")),
        Just(Value::from("2026-01-01T00:00:00Z")),
    ];
    let key = prop_oneof![
        Just("clientId".to_string()),
        Just("sex".to_string()),
        Just("tags".to_string()),
        Just("data".to_string()),
        Just("metaData".to_string()),
        Just("pagination".to_string()),
        Just("serverTime".to_string()),
        "[a-z]{1,8}",
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), RAW_LIMIT - 8..RAW_LIMIT + 64),
        json_value().prop_map(|v| serde_json::to_vec(&v).expect("JSON")),
        // Valid JSON cut short or with a stray byte.
        (json_value(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(v, at, byte)| {
            let mut bytes = serde_json::to_vec(&v).expect("JSON");
            let at = at.index(bytes.len() + 1);
            if byte % 2 == 0 {
                bytes.truncate(at);
            } else {
                bytes.insert(at, byte);
            }
            bytes
        }),
    ]
}

/// The outcome of one typed call on a `200` with `bytes`: `Ok`, or `Error::Decode` with status
/// 200 and the body kept.
fn check<T>(what: &str, result: synerise::Result<T>, bytes: &[u8]) -> Result<(), TestCaseError> {
    match result {
        Ok(_) => Ok(()),
        Err(Error::Decode {
            status: Some(status),
            body,
            ..
        }) => {
            prop_assert_eq!(status.as_u16(), 200, "{}", what);
            prop_assert_eq!(body, kept(bytes), "{}", what);
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!(
            "{what}: expected Ok or Error::Decode, got {other:?}"
        ))),
    }
}

#[test]
fn arbitrary_200_bodies_decode_or_fail_with_the_body() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let slot = Arc::new(Mutex::new(Vec::new()));
    let (server, client) = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(Slot(slot.clone()))
            .mount(&server)
            .await;
        let client = client(&server);
        (server, client)
    });

    // Cases from PROPTEST_CASES (default 256); a panic in a case is reported as a failure.
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&bodies(), |bytes| {
        *slot.lock().expect("not poisoned") = bytes.clone();
        runtime.block_on(async {
            let api = client.api();
            check(
                "get_client_data (Profile)",
                client.call(api.get_client_data().client_id(1).send()).await,
                &bytes,
            )?;
            check(
                "get_server_time (EventServerTime)",
                client.call(api.get_server_time().send()).await,
                &bytes,
            )?;
            check(
                "get_bags (CatalogsPage)",
                client.call(api.get_bags().send()).await,
                &bytes,
            )?;
            check(
                "list_tags_collector_tags (TagsCollectorPage)",
                client.call(api.list_tags_collector_tags().send()).await,
                &bytes,
            )?;
            check(
                "get_business_profiles_using_get (Vec<Workspace>)",
                client
                    .call(api.get_business_profiles_using_get().send())
                    .await,
                &bytes,
            )
        })
    });
    drop(server);
    if let Err(e) = result {
        panic!("{e}");
    }
}
