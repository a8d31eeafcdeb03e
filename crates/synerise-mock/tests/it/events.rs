//! Events, eventSalt overwrites, transactions and AI events.

use chrono::{Duration as ChronoDuration, SecondsFormat};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use synerise_mock::ProfileRef;
use synerise_mock::operations::OPERATIONS;

use crate::common::{Env, assert_error_body, custom_event, send};

fn salted(action: &str, time: &str, salt: Option<&str>, n: i64) -> Value {
    let mut ev = custom_event(json!({ "customId": "p1" }), action);
    ev["time"] = json!(time);
    ev["params"] = json!({ "n": n });
    if let Some(salt) = salt {
        ev["eventSalt"] = json!(salt);
    }
    ev
}

#[tokio::test]
async fn event_salt_overwrites_instead_of_duplicating() {
    let env = Env::new().await;
    let t1 = "2024-05-01T10:00:00.000+00:00";
    let t1_z = "2024-05-01T10:00:00Z"; // the same instant, written differently
    let t2 = "2024-05-01T10:00:01.000+00:00";
    let post = |ev: Value| send(env.ws(Method::POST, "/v4/events/custom").json(&ev));

    assert_eq!(
        post(salted("a.b", t1, Some("s1"), 1)).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(salted("a.b", t1_z, Some("s1"), 2)).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        env.mock.event_count(),
        1,
        "same action, profile, time and salt: overwrite"
    );
    let events = env
        .mock
        .events_for_profile(ProfileRef::CustomId("p1".into()));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].params["n"], 2,
        "replaced entirely by the new event"
    );
    assert_eq!(events[0].event_salt.as_deref(), Some("s1"));

    post(salted("a.b", t1, Some("s2"), 3)).await; // other salt
    post(salted("a.b", t2, Some("s1"), 4)).await; // other time
    post(salted("a.c", t1, Some("s1"), 5)).await; // other action
    let mut other_profile = salted("a.b", t1, Some("s1"), 6);
    other_profile["client"] = json!({ "customId": "p2" });
    post(other_profile).await;
    assert_eq!(env.mock.event_count(), 5);

    // Without a salt, re-sending duplicates.
    post(salted("a.b", t1, None, 7)).await;
    post(salted("a.b", t1, None, 7)).await;
    assert_eq!(env.mock.event_count(), 7);

    // The rule holds across the batch endpoint too.
    let mut batched = salted("a.b", t1, Some("s1"), 8);
    batched["type"] = json!("custom");
    let (status, _) = send(
        env.ws(Method::POST, "/v4/events/batch")
            .json(&json!([batched])),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.event_count(), 7);
    let n: Vec<Value> = env
        .mock
        .events_for_profile(ProfileRef::CustomId("p1".into()))
        .iter()
        .map(|e| e.params["n"].clone())
        .collect();
    assert_eq!(
        n,
        [json!(8), json!(3), json!(4), json!(5), json!(7), json!(7)]
    );
}

#[tokio::test]
async fn future_times_are_replaced_by_the_receive_time() {
    let env = Env::new().await;
    let before = env.mock.now();
    let future = before + ChronoDuration::hours(1);
    let sent = future.to_rfc3339_opts(SecondsFormat::Millis, true);
    let (status, _) =
        send(
            env.ws(Method::POST, "/v4/events/custom")
                .json(&salted("a.b", &sent, Some("s"), 1)),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let events = env
        .mock
        .events_for_profile(ProfileRef::CustomId("p1".into()));
    assert_eq!(events.len(), 1);
    assert!(events[0].time >= before && events[0].time <= env.mock.now());
    assert_eq!(
        events[0].body["time"], sent,
        "the sent time string is kept in the body"
    );
}

#[tokio::test]
async fn every_single_event_endpoint_stores_an_event_with_its_action() {
    let env = Env::new().await;
    let singles: Vec<&str> = OPERATIONS
        .iter()
        .filter(|op| {
            op.method == "POST"
                && op.path.starts_with("/v4/events/")
                && !op.path.contains("ai-compat")
                && !op.path.ends_with("/batch")
        })
        .map(|op| op.path)
        .collect();
    assert_eq!(singles.len(), 23);
    for path in &singles {
        let ev = custom_event(json!({ "email": "e@example.com" }), "my.custom");
        let (status, body) = send(env.ws(Method::POST, path).json(&ev)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{path}: {body}");
    }
    let events = env
        .mock
        .events_for_profile(ProfileRef::Email("e@example.com".into()));
    assert_eq!(events.len(), singles.len());
    let action_of = |suffix: &str| {
        let i = singles.iter().position(|p| p.ends_with(suffix)).unwrap();
        events[i].action.clone()
    };
    assert_eq!(action_of("/added-to-cart"), "product.addToCart");
    assert_eq!(action_of("/push/received"), "push.receiveInBackground");
    assert_eq!(action_of("/visited-screen"), "screen.view");
    assert_eq!(action_of("/item-search-click"), "item.search.click");
    assert_eq!(action_of("/custom"), "my.custom");
    assert_eq!(env.mock.profile_count(), 1, "the event created the profile");
}

#[tokio::test]
async fn events_are_validated() {
    let env = Env::new().await;
    let (status, body) = send(
        env.ws(Method::POST, "/v4/events/added-to-cart")
            .json(&json!({ "label": "", "client": { "customId": "x" } })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, 400, "/v4/events/added-to-cart");
    assert_eq!(body["errors"][0]["path"], "label");
    let (status, _) = send(
        env.ws(Method::POST, "/v4/events/custom")
            .json(&json!({ "label": "L", "client": {} , "action": "a.b"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(
        env.ws(Method::POST, "/v4/events/custom")
            .json(&json!({ "label": "L", "client": { "id": 987654 }, "action": "a.b" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown clientId");
    let (status, _) = send(env.ws(Method::POST, "/v4/events/batch").json(&json!([
        { "type": "custom", "label": "L", "client": { "customId": "x" } }
    ])))
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "custom events need an action"
    );
    assert_eq!(env.mock.event_count(), 0);
}

fn transaction(order: &str, salt: Option<&str>, revenue: f64) -> Value {
    let mut tx = json!({
        "client": { "customId": "buyer" },
        "orderId": order,
        "recordedAt": "2024-01-01T12:00:00Z",
        "paymentInfo": { "method": "CASH" },
        "products": [],
        "revenue": { "amount": revenue, "currency": "PLN" },
        "value": { "amount": revenue, "currency": "PLN" },
        "source": "POS",
    });
    if let Some(s) = salt {
        tx["eventSalt"] = json!(s);
    }
    tx
}

#[tokio::test]
async fn transactions_overwrite_with_the_same_salt_and_time() {
    let env = Env::new().await;
    let (status, _) = send(env.ws(Method::POST, "/v4/transactions").json(&transaction(
        "o1",
        Some("s"),
        10.0,
    )))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = send(env.ws(Method::POST, "/v4/transactions/batch").json(&json!([
        transaction("o1", Some("s"), 12.0),
        transaction("o2", None, 5.0)
    ])))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.transaction_count(), 2);
    assert_eq!(env.mock.transactions()[0]["revenue"]["amount"], 12.0);

    let (status, body) = send(
        env.ws(Method::POST, "/v4/transactions")
            .json(&json!({ "orderId": "o3" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "client");
    assert_eq!(env.mock.transaction_count(), 2);
}

#[tokio::test]
async fn ai_events_are_stored_with_their_type() {
    let env = Env::new().await;
    let item = json!({ "correlationId": "c", "clientUUID": "07243772-008a-42e1-ba37-c3807cebde8f", "item": "sku", "position": 1, "searchType": "autocomplete" });
    let (status, _) = send(
        env.raw(Method::POST, "/v4/events/ai-compat/item.search.click")
            .header("Authorization", env.mock.basic_auth_header())
            .json(&item),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = send(
        env.ws(Method::POST, "/v4/events/ai-compat/batch")
            .json(&json!({ "eventType": "recommendation.view", "items": [item, item] })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = send(
        env.ws(Method::POST, "/v4/events/ai-compat/batch")
            .json(&json!({ "eventType": "page.visit", "items": [] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(env.mock.ai_event_count(), 3);
    let types: Vec<Value> = env
        .mock
        .ai_events()
        .iter()
        .map(|e| e["eventType"].clone())
        .collect();
    assert_eq!(
        types,
        [
            json!("item.search.click"),
            json!("recommendation.view"),
            json!("recommendation.view")
        ]
    );
}
