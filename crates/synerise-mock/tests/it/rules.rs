//! Synerise rules: Api-Version, batch limits, identifier kinds, 501 and 404.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use synerise_mock::operations::{Consumers, OPERATIONS, Operation};

use crate::common::{Env, assert_error_body, send};

fn concrete(op: &Operation) -> String {
    op.path
        .split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn method(op: &Operation) -> Method {
    Method::from_bytes(op.method.as_bytes()).unwrap()
}

#[tokio::test]
async fn api_version_header_is_required_where_the_table_says_so() {
    let env = Env::new().await;
    let mut checked = 0;
    for op in OPERATIONS
        .iter()
        .filter(|op| op.consumers.contains(Consumers::WORKSPACE))
    {
        let path = concrete(op);
        let mut req = env
            .raw(method(op), &path)
            .header("Authorization", env.mock.basic_auth_header());
        if op.method != "GET" {
            req = req.json(&json!({}));
        }
        let (status, body) = send(req).await;
        let last = env.mock.journal().pop().unwrap();
        assert_eq!(last.operation, Some(op.name()), "{} {}", op.method, path);
        if op.api_version_header {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{} {path}", op.method);
            assert_eq!(body["message"], "Version header content is invalid");
            assert_error_body(&body, 400, &path);
            checked += 1;
        } else {
            assert_ne!(
                body["message"], "Version header content is invalid",
                "{path}"
            );
        }
    }
    // All 43 version-checked operations list Workspace among their consumers.
    assert_eq!(checked, 43);
}

#[tokio::test]
async fn wrong_api_version_values_are_rejected() {
    let env = Env::new().await;
    let body = json!({ "customId": "v" });
    for version in ["4.3", "", "4.4.1"] {
        let (status, resp) = send(
            env.raw(Method::POST, "/v4/clients")
                .header("Authorization", env.mock.basic_auth_header())
                .header("Api-Version", version)
                .json(&body),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(resp["message"], "Version header content is invalid");
    }
    let (status, _) = send(env.ws(Method::POST, "/v4/clients").json(&body)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // No token needed, but the version header is.
    let (status, _) = send(env.raw(Method::GET, "/v4/server/time")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, resp) = send(
        env.raw(Method::GET, "/v4/server/time")
            .header("Api-Version", "4.4"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(resp["serverTime"].is_string());
}

fn profiles(prefix: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({ "customId": format!("{prefix}-{i}") }))
            .collect(),
    )
}

fn events(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({ "type": "custom", "action": "t.e", "label": "L", "client": { "customId": format!("c-{}", i % 10) } }))
        .collect()
}

#[tokio::test]
async fn profile_batch_accepts_1000_items_and_rejects_1001() {
    let env = Env::new().await;
    let (status, _) = send(
        env.ws(Method::POST, "/v4/clients/batch")
            .json(&profiles("a", 1000)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.profile_count(), 1000);

    let (status, body) = send(
        env.ws(Method::POST, "/v4/clients/batch")
            .json(&profiles("b", 1001)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, 400, "/v4/clients/batch");
    assert!(body["message"].as_str().unwrap().contains("1000"), "{body}");
    assert_eq!(env.mock.profile_count(), 1000);
}

#[tokio::test]
async fn events_batch_accepts_1000_events_and_rejects_1001() {
    let env = Env::new().await;
    let (status, _) = send(env.ws(Method::POST, "/v4/events/batch").json(&events(1000))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.event_count(), 1000);
    let (status, body) = send(env.ws(Method::POST, "/v4/events/batch").json(&events(1001))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("1000"), "{body}");
    assert_eq!(env.mock.event_count(), 1000);
}

/// A JSON array body of exactly `target` bytes (padding goes into the first item).
fn exact_body(mut items: Vec<Value>, target: usize, pad: impl Fn(&mut Value, String)) -> Vec<u8> {
    pad(&mut items[0], String::new());
    let base = serde_json::to_vec(&items).unwrap().len();
    assert!(base <= target);
    pad(&mut items[0], "x".repeat(target - base));
    let bytes = serde_json::to_vec(&items).unwrap();
    assert_eq!(bytes.len(), target);
    bytes
}

#[tokio::test]
async fn batches_over_one_megabyte_are_rejected() {
    let env = Env::new().await;
    let event_pad = |v: &mut Value, s: String| v["params"] = json!({ "pad": s });
    let exact = exact_body(events(10), 1_048_576, event_pad);
    let (status, _) = send(
        env.ws(Method::POST, "/v4/events/batch")
            .header("Content-Type", "application/json")
            .body(exact),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.event_count(), 10);

    let over = exact_body(events(10), 1_048_577, event_pad);
    let (status, body) = send(
        env.ws(Method::POST, "/v4/events/batch")
            .header("Content-Type", "application/json")
            .body(over),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("1 MB"), "{body}");
    assert_eq!(env.mock.event_count(), 10);

    let profile_pad = |v: &mut Value, s: String| v["attributes"] = json!({ "pad": s });
    let items = profiles("big", 3).as_array().unwrap().clone();
    let over = exact_body(items, 1_048_577, profile_pad);
    let (status, body) = send(
        env.ws(Method::POST, "/v4/clients/batch")
            .header("Content-Type", "application/json")
            .body(over),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, 400, "/v4/clients/batch");
    assert!(env.mock.profile_by_custom_id("big-0").is_none());
}

#[tokio::test]
async fn events_batch_with_mixed_identifier_kinds_is_rejected() {
    let env = Env::new().await;
    let mixed = json!([
        { "type": "custom", "action": "a.b", "label": "L", "client": { "email": "a@example.com" } },
        { "type": "custom", "action": "a.b", "label": "L", "client": { "customId": "c1" } },
    ]);
    let (status, body) = send(env.ws(Method::POST, "/v4/events/batch").json(&mixed)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, 400, "/v4/events/batch");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("same type of profile identifier")
    );
    assert_eq!(env.mock.event_count(), 0);
    assert_eq!(env.mock.profile_count(), 0);

    let same = json!([
        { "type": "custom", "action": "a.b", "label": "L", "client": { "email": "a@example.com" } },
        { "type": "added-to-cart", "label": "L", "client": { "email": "b@example.com" }, "params": { "sku": "1" } },
    ]);
    let (status, _) = send(env.ws(Method::POST, "/v4/events/batch").json(&same)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.event_count(), 2);
    let actions: Vec<String> = env
        .mock
        .events_for_profile(synerise_mock::ProfileRef::Email("b@example.com".into()))
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["product.addToCart"]);
}

#[tokio::test]
async fn unimplemented_operations_answer_501_naming_the_operation() {
    let env = Env::new().await;
    let (status, body) = send(env.ws(Method::GET, "/catalogs/bags/5/csv")).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_error_body(&body, 501, "/catalogs/bags/5/csv");
    assert_eq!(body["error"], "Not Implemented");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("getItemsCSV"), "{msg}");
    assert!(msg.contains("GET /catalogs/bags/{catalogId}/csv"), "{msg}");

    // An operation without an operationId is named by its title.
    let (status, body) = send(
        env.ws(Method::POST, "/activities-api/icons")
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("Create an event-icon mapping"), "{msg}");
    assert!(msg.contains("POST /activities-api/icons"), "{msg}");
}

#[tokio::test]
async fn every_operation_is_routed_and_never_404() {
    let env = Env::new().await;
    let mut not_implemented = 0;
    for op in OPERATIONS
        .iter()
        .filter(|op| op.consumers.contains(Consumers::WORKSPACE))
    {
        let path = concrete(op);
        let mut req = env.ws(method(op), &path);
        if op.method != "GET" {
            req = req.json(&json!({}));
        }
        let (status, body) = send(req).await;
        let last = env.mock.journal().pop().unwrap();
        assert_eq!(
            last.operation,
            Some(op.name()),
            "{} {path}: {body}",
            op.method
        );
        assert_eq!(last.status, Some(status.as_u16()));
        if status == StatusCode::NOT_IMPLEMENTED {
            not_implemented += 1;
            let msg = body["message"].as_str().unwrap();
            assert!(msg.contains(&format!("{} {}", op.method, op.path)), "{msg}");
            assert!(msg.contains(op.name()), "{msg}");
        }
    }
    assert!(not_implemented > 50, "{not_implemented}");
}

#[tokio::test]
async fn unknown_routes_answer_404_synerise_shaped() {
    let env = Env::new().await;
    for (m, path) in [
        (Method::GET, "/nope"),
        (Method::PATCH, "/v4/clients"),
        (Method::GET, "/uauth/business-profile"),
    ] {
        let (status, body) = send(env.ws(m, path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_error_body(&body, 404, path);
        assert_eq!(body["error"], "Not Found");
    }
}
