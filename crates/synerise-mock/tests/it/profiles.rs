//! Profile endpoints.

use reqwest::{Method, StatusCode};
use serde_json::json;
use synerise_mock::ProfileRef;

use crate::common::{Env, assert_error_body, send};

#[tokio::test]
async fn profile_crud_round_trip() {
    let env = Env::new().await;
    let (status, _) = send(env.ws(Method::POST, "/v4/clients").json(&json!({
        "customId": "c-1", "email": "one@example.com", "firstName": "Ann",
        "attributes": { "hasDog": true, "shoe": 38 }, "agreements": { "email": true }
    })))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = env
        .mock
        .client_id(ProfileRef::CustomId("c-1".into()))
        .unwrap();

    let (status, body) = send(env.ws(Method::GET, &format!("/v4/clients/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["clientId"], id);
    assert_eq!(body["firstName"], "Ann");
    assert_eq!(body["attributes"]["hasDog"], true);
    assert_eq!(body["agreements"]["email"], true);
    assert_eq!(body["agreements"]["sms"], false);
    assert!(body["uuid"].is_string(), "the mock assigns a uuid");
    assert!(body["lastName"].is_null());

    // Update by id: null removes an attribute, other attributes stay.
    let (status, _) = send(
        env.ws(Method::POST, &format!("/v4/clients/{id}"))
            .json(&json!({ "lastName": "Smith", "attributes": { "hasDog": null } })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let p = env.mock.profile(id).unwrap();
    assert_eq!(p["lastName"], "Smith");
    assert!(p["attributes"].get("hasDog").is_none());
    assert_eq!(p["attributes"]["shoe"], 38);

    // Update by email and by customId; the identifier index follows a changed email.
    let (status, _) = send(
        env.ws(Method::POST, "/v4/clients/by-email/one%40example.com")
            .json(&json!({ "email": "two@example.com" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(env.mock.profile_by_email("one@example.com").is_none());
    assert_eq!(
        env.mock.profile_by_email("two@example.com").unwrap()["clientId"],
        id
    );
    let (status, _) = send(
        env.ws(Method::POST, "/v4/clients/by-customid/c-1")
            .json(&json!({ "city": "Krakow" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.profile(id).unwrap()["city"], "Krakow");

    // Find by each identifier type.
    let uuid = env.mock.profile(id).unwrap()["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/v4/clients/by-custom-id/c-1".to_owned(),
        "/v4/clients/by-email/two@example.com".to_owned(),
        format!("/v4/clients/by-uuid/{uuid}"),
    ] {
        let (status, body) = send(env.ws(Method::GET, &path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["clientId"], id);
    }
    let (status, body) = send(env.ws(Method::GET, "/v4/clients/by-email/none@example.com")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error_body(&body, 404, "/v4/clients/by-email/none@example.com");
    let (status, _) = send(env.ws(Method::GET, "/v4/clients/by-nothing/x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Missing profiles.
    let (status, _) = send(env.ws(Method::GET, "/v4/clients/999999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        env.ws(Method::POST, "/v4/clients/by-customid/zzz")
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Delete by id and by customId.
    let (status, _) = send(env.ws(Method::DELETE, &format!("/v4/clients/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env.mock.profile_count(), 0);
    let (status, _) = send(env.ws(Method::DELETE, &format!("/v4/clients/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    send(
        env.ws(Method::POST, "/v4/clients")
            .json(&json!({ "customId": "c-2" })),
    )
    .await;
    let (status, _) = send(env.ws(Method::DELETE, "/v4/clients/by-custom-id/c-2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env.mock.profile_count(), 0);
}

#[tokio::test]
async fn create_validates_identifiers() {
    let env = Env::new().await;
    let (status, body) = send(
        env.ws(Method::POST, "/v4/clients")
            .json(&json!({ "firstName": "X" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_body(&body, 400, "/v4/clients");
    assert!(body["errors"].is_array());
    let (status, body) = send(
        env.ws(Method::POST, "/v4/clients")
            .json(&json!({ "uuid": "4321" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "uuid");
    let (status, _) = send(env.ws(Method::POST, "/v4/clients").body("{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(env.mock.profile_count(), 0);
}

#[tokio::test]
async fn batch_upserts_by_custom_id_then_email_then_uuid_or_id() {
    let env = Env::new().await;
    let (status, _) = send(env.ws(Method::POST, "/v4/clients/batch").json(&json!([
        { "customId": "a", "firstName": "A" },
        { "email": "b@example.com", "firstName": "B" },
    ])))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.profile_count(), 2);
    let b = env
        .mock
        .client_id(ProfileRef::Email("b@example.com".into()))
        .unwrap();

    let (status, _) = send(env.ws(Method::POST, "/v4/clients/batch").json(&json!([
        { "customId": "a", "lastName": "AA" },
        { "email": "b@example.com", "lastName": "BB" },
        { "clientId": b, "city": "Gdansk" },
        { "customId": "c" },
    ])))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.profile_count(), 3);
    let a = env.mock.profile_by_custom_id("a").unwrap();
    assert_eq!(
        (a["firstName"].as_str(), a["lastName"].as_str()),
        (Some("A"), Some("AA"))
    );
    let bp = env.mock.profile(b).unwrap();
    assert_eq!(bp["lastName"], "BB");
    assert_eq!(bp["city"], "Gdansk");

    // Invalid items are reported per item (207); valid ones are applied.
    let (status, body) = send(env.ws(Method::POST, "/v4/clients/batch").json(&json!([
        { "customId": "d" },
        { "uuid": "de73b3490c4-bb8c0d8" },
        { "firstName": "nobody" },
        { "clientId": 424242 },
    ])))
    .await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{body}");
    let errors = body.as_array().unwrap();
    assert_eq!(errors.len(), 3, "{body}");
    assert_eq!(errors[0]["field"], "list[1].uuid");
    assert_eq!(errors[0]["status"], 400);
    assert_eq!(env.mock.profile_count(), 4);
}
