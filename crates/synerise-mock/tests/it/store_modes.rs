//! Store modes and seeding helpers.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use synerise_mock::{MockConfig, ProfileRef, StoreMode, SyneriseMock};

use crate::common::{Env, send};

#[tokio::test]
async fn count_only_mode_keeps_counts_and_identifiers() {
    let mock =
        SyneriseMock::start_with(MockConfig::default().store_mode(StoreMode::CountOnly)).await;
    let env = Env::with(mock);
    let batch: Value = (0..1000)
        .map(|i| json!({ "customId": format!("c{i}"), "email": format!("c{i}@example.com") }))
        .collect();
    for _ in 0..2 {
        let (status, _) = send(env.ws(Method::POST, "/v4/clients/batch").json(&batch)).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    assert_eq!(env.mock.profile_count(), 1000, "upserts by identifier");
    let id = env
        .mock
        .client_id(ProfileRef::Email("c5@example.com".into()))
        .unwrap();
    assert_eq!(
        env.mock.client_id(ProfileRef::CustomId("c5".into())),
        Some(id)
    );
    assert_eq!(env.mock.profile(id), Some(json!({ "clientId": id })));

    let ev = json!({ "label": "L", "action": "a.b", "client": { "customId": "c1" },
                     "time": "2024-01-01T00:00:00Z", "eventSalt": "s" });
    for _ in 0..3 {
        send(env.ws(Method::POST, "/v4/events/custom").json(&ev)).await;
    }
    assert_eq!(
        env.mock.event_count(),
        1,
        "eventSalt overwrite still applies"
    );
    assert!(
        env.mock
            .events_for_profile(ProfileRef::CustomId("c1".into()))
            .is_empty()
    );

    let (status, _) = send(env.ws(Method::DELETE, &format!("/v4/clients/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env.mock.profile_count(), 999);
    let (_, page) = send(env.ws(Method::GET, "/v4/clients?pageIndex=1&pageSize=3")).await;
    assert_eq!(page.as_array().unwrap().len(), 3);

    let seeded = env.mock.seed_profiles(100_000);
    assert_eq!(seeded.len(), 100_000);
    assert_eq!(env.mock.profile_count(), 100_999);
    env.mock.seed_catalog_items(3, 10_000);
    assert_eq!(env.mock.catalog_item_count(3), 10_000);
}

#[tokio::test]
async fn seeding_is_deterministic_for_a_seed() {
    let a = SyneriseMock::start_with(MockConfig::default().seed(9)).await;
    let b = SyneriseMock::start_with(MockConfig::default().seed(9)).await;
    a.seed_profiles(20);
    b.seed_profiles(20);
    assert_eq!(a.profiles(), b.profiles());
    a.seed_catalog_items(1, 5);
    b.seed_catalog_items(1, 5);
    assert_eq!(a.catalog_items(1), b.catalog_items(1));
    assert_eq!(a.catalog_items(1).len(), 5);
    a.seed_tags(3);
    assert_eq!(a.tag_count(), 3);
    a.seed_activities(4);
    assert_eq!(a.activity_count(), 4);
    let env = Env::new().await;
    let token = env.mock.issue_workspace_token();
    let (status, _) = send(env.bearer(Method::GET, "/v4/clients", &token)).await;
    assert_eq!(status, StatusCode::OK);
}

/// A batch with good and bad items, identifiers as strings and numbers, nulls and attributes;
/// with `non_object`, one item is not even an object.
fn mixed_batch(non_object: bool) -> Value {
    let mut batch = json!([
        { "customId": "a", "email": "a@example.com", "attributes": { "tier": "gold" }, "tags": ["x"] },
        { "email": "not-an-email", "firstName": "Bad" },
        { "customId": 42, "phone": "+48 600 000 000", "uuid": null },
        { "uuid": "not-a-uuid" },
        { "firstName": "No identifier" },
        { "clientId": 999999999, "city": "Kraków" },
        { "email": "b@example.com", "uuid": "0d9f8b8e-3c55-4c47-a0ab-8a6c2f6f4d10" },
        { "customId": "a", "lastName": "Again" }
    ]);
    if non_object {
        batch
            .as_array_mut()
            .unwrap()
            .insert(5, json!("not an object"));
    }
    batch
}

#[tokio::test]
async fn count_only_batches_answer_exactly_as_full_ones() {
    for non_object in [false, true] {
        let mut answers = Vec::new();
        for mode in [StoreMode::Full, StoreMode::CountOnly] {
            let mock = SyneriseMock::start_with(MockConfig::default().store_mode(mode)).await;
            let env = Env::with(mock);
            let batch = mixed_batch(non_object);
            let (status, body) = send(env.ws(Method::POST, "/v4/clients/batch").json(&batch)).await;
            let found = |r: ProfileRef| env.mock.client_id(r).is_some();
            answers.push((
                status,
                body,
                env.mock.profile_count(),
                found(ProfileRef::CustomId("42".into())),
                found(ProfileRef::Email("b@example.com".into())),
            ));
        }
        assert_eq!(answers[0].0, StatusCode::MULTI_STATUS);
        assert_eq!(
            answers[0].1.as_array().unwrap().len(),
            4 + non_object as usize
        );
        assert_eq!(answers[0].2, 3, "a (twice), 42, b@example.com");
        assert!(answers[0].3 && answers[0].4);
        assert_eq!(answers[0], answers[1], "count-only answers as full does");
    }
}

#[tokio::test]
async fn count_only_batches_over_the_limits_are_rejected_as_in_full_mode() {
    let env = Env::with(
        SyneriseMock::start_with(MockConfig::default().store_mode(StoreMode::CountOnly)).await,
    );
    let too_many: Value = (0..1001)
        .map(|i| json!({ "customId": format!("c{i}") }))
        .collect();
    let (status, body) = send(env.ws(Method::POST, "/v4/clients/batch").json(&too_many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("1000 items"), "{body}");
    assert_eq!(env.mock.profile_count(), 0);
}
