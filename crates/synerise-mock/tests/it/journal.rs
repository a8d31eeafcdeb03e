//! The request journal.

use reqwest::{Method, StatusCode};
use serde_json::json;
use synerise_mock::{JournalMode, MockConfig, SyneriseMock};

use crate::common::{Env, send};

#[tokio::test]
async fn every_request_is_recorded() {
    let env = Env::new().await;
    send(
        env.ws(
            Method::GET,
            "/v4/clients?pageIndex=1&filters%5Bemail%5D=a%40b.c",
        )
        .header("X-Test", "yes"),
    )
    .await;
    send(
        env.ws(Method::POST, "/v4/clients")
            .json(&json!({ "customId": "j" })),
    )
    .await;
    send(env.raw(Method::GET, "/unknown")).await;

    let journal = env.mock.journal();
    assert_eq!(journal.len(), 3);
    let get = &journal[0];
    assert_eq!(get.method, "GET");
    assert_eq!(get.path, "/v4/clients");
    assert_eq!(
        get.raw_query.as_deref(),
        Some("pageIndex=1&filters%5Bemail%5D=a%40b.c")
    );
    assert_eq!(get.query_param("filters[email]"), Some("a@b.c"));
    assert_eq!(get.query_param("pageIndex"), Some("1"));
    assert_eq!(get.header("x-test"), Some("yes"));
    assert_eq!(get.header("API-VERSION"), Some("4.4"));
    assert_eq!(get.status, Some(200));
    assert_eq!(get.operation, Some("listClients"));

    let post = &journal[1];
    assert_eq!(post.json().unwrap(), json!({ "customId": "j" }));
    assert_eq!(post.status, Some(202));
    assert_eq!(journal[2].status, Some(404));
    assert_eq!(journal[2].operation, None);

    env.mock.clear_journal();
    assert_eq!(env.mock.journal_len(), 0);
}

#[tokio::test]
async fn the_journal_can_be_capped_or_turned_off() {
    let mock = SyneriseMock::start_with(MockConfig::default().journal(JournalMode::Last(2))).await;
    let env = Env::with(mock);
    for i in 0..5 {
        send(env.ws(Method::GET, &format!("/v4/clients?pageIndex={}", i + 1))).await;
    }
    let journal = env.mock.journal();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1].query_param("pageIndex"), Some("5"));

    env.mock.set_journal_mode(JournalMode::Off);
    assert_eq!(env.mock.journal_len(), 0);
    let (status, _) = send(env.ws(Method::GET, "/v4/clients")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env.mock.journal_len(), 0);
}
