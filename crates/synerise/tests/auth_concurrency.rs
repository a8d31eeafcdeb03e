//! Token lifecycle under concurrency: single-flight logins, one re-authentication after a 401,
//! no loops.

mod auth_support;

use std::time::Duration;

use auth_support::*;
use serde_json::json;
use synerise::retry::RetryConfig;
use synerise::{Client, Credentials, Error};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CURRENT: &str = "/uauth/business-profile/current";
const LOGIN: &str = "/uauth/v2/auth/login/profile";

async fn current(client: &Client) -> synerise::Result<synerise::types::CurrentWorkspace> {
    client
        .call(client.api().get_current_business_profile_using_get().send())
        .await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn accept(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .and(header("authorization", bearer(token).as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "selected": true })))
        .mount(server)
        .await;
}

async fn reject(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .and(header("authorization", bearer(token).as_str()))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({ "status": 401, "error": "Unauthorized", "message": "Token revoked." }),
        ))
        .with_priority(1)
        .mount(server)
        .await;
}

/// The login answers `tokens` in order, one per request (the last one repeats).
async fn login_answers(server: &MockServer, tokens: &[&str], delay: Duration) {
    for (i, token) in tokens.iter().enumerate() {
        let mock = Mock::given(method("POST"))
            .and(path(LOGIN))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "token": token }))
                    .set_delay(delay),
            )
            .with_priority(u8::try_from(i + 1).unwrap());
        let mock = if i + 1 < tokens.len() {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(server).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_calls_with_an_expired_token_cause_one_login() {
    let server = MockServer::start().await;
    let fresh = jwt("fresh");
    // A slow login, so that every call arrives while it is in flight.
    login_answers(&server, &[&fresh], Duration::from_millis(300)).await;
    accept(&server, &fresh).await;
    let expired = jwt_aged("expired", 3700, -100);
    let client = client(
        &server,
        Credentials::workspace_api_key("ws-key").with_token(expired),
    );

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { current(&client).await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("every call succeeds with the new token");
    }
    assert_eq!(
        requests_to(&server, "POST", LOGIN).await.len(),
        1,
        "exactly one login"
    );
    let calls = requests_to(&server, "GET", CURRENT).await;
    assert_eq!(calls.len(), 200);
    assert!(
        calls
            .iter()
            .all(|r| header_value(r, "authorization") == Some(bearer(&fresh)))
    );
    settle(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_calls_needing_a_profile_refresh_cause_one_refresh() {
    let server = MockServer::start().await;
    let old = jwt_aged("old", 3570, 30);
    let new = jwt("new");
    Mock::given(method("POST"))
        .and(path("/sauth/v3/auth/refresh/client"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "token": new }))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    accept(&server, &new).await;
    let profile = synerise::auth::ProfileCredentials::email_password("pk", "a@b.c", "pw");
    let client = client(&server, Credentials::profile(profile).with_token(old));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            tokio::spawn({
                let client = client.clone();
                async move { current(&client).await }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        requests_to(&server, "POST", "/sauth/v3/auth/refresh/client")
            .await
            .len(),
        1
    );
    assert!(
        requests_to(&server, "POST", "/sauth/v3/auth/login/client")
            .await
            .is_empty()
    );
    settle(server).await;
}

#[tokio::test]
async fn a_revoked_token_triggers_one_reauthentication_and_the_call_succeeds() {
    let server = MockServer::start().await;
    let first = jwt("first");
    let second = jwt("second");
    login_answers(&server, &[&first, &second], Duration::ZERO).await;
    accept(&server, &first).await;
    accept(&server, &second).await;
    let client = client(&server, Credentials::workspace_api_key("ws-key"));
    current(&client).await.unwrap();

    // The server revokes the first token mid-run.
    reject(&server, &first).await;
    current(&client)
        .await
        .expect("re-authenticated and retried");
    current(&client).await.unwrap();

    assert_eq!(requests_to(&server, "POST", LOGIN).await.len(), 2);
    let seen: Vec<_> = requests_to(&server, "GET", CURRENT)
        .await
        .iter()
        .map(|r| header_value(r, "authorization").unwrap())
        .collect();
    assert_eq!(
        seen,
        vec![
            bearer(&first),
            bearer(&first),
            bearer(&second),
            bearer(&second)
        ]
    );
}

#[tokio::test]
async fn a_second_consecutive_401_is_an_auth_error_and_does_not_loop() {
    let server = MockServer::start().await;
    login_answers(&server, &[&jwt("a"), &jwt("b"), &jwt("c")], Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({ "status": 401, "error": "Unauthorized", "message": "No access" }),
        ))
        .mount(&server)
        .await;
    let client = client(&server, Credentials::workspace_api_key("ws-key"));
    match current(&client).await {
        Err(Error::Auth {
            status,
            message,
            body,
        }) => {
            assert_eq!(status.map(|s| s.as_u16()), Some(401));
            assert!(message.contains("rejected again"), "{message}");
            assert_eq!(body.unwrap().message.as_deref(), Some("No access"));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(
        requests_to(&server, "GET", CURRENT).await.len(),
        2,
        "one retry after re-authentication, no more"
    );
    assert_eq!(
        requests_to(&server, "POST", LOGIN).await.len(),
        2,
        "the first login and one re-authentication"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_for_the_same_token_cause_one_reauthentication() {
    let server = MockServer::start().await;
    let first = jwt("first");
    let second = jwt("second");
    login_answers(&server, &[&first, &second], Duration::from_millis(100)).await;
    accept(&server, &second).await;
    let client = client(&server, Credentials::workspace_api_key("ws-key"));
    client.access_token().await.unwrap();
    // Revoked before anyone uses it; the rejections are slow so that they overlap.
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .and(header("authorization", bearer(&first).as_str()))
        .respond_with(ResponseTemplate::new(401).set_delay(Duration::from_millis(100)))
        .with_priority(1)
        .mount(&server)
        .await;

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            tokio::spawn({
                let client = client.clone();
                async move { current(&client).await }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        requests_to(&server, "POST", LOGIN).await.len(),
        2,
        "the first login and exactly one re-authentication"
    );
    let calls = requests_to(&server, "GET", CURRENT).await;
    let with_second = calls
        .iter()
        .filter(|r| header_value(r, "authorization") == Some(bearer(&second)))
        .count();
    assert_eq!(with_second, 200, "every call ends with the new token");
    settle(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_login_is_shared_with_the_waiting_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOGIN))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({ "message": "API key disabled" }))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .credentials(Credentials::workspace_api_key("k"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            tokio::spawn({
                let client = client.clone();
                async move { current(&client).await }
            })
        })
        .collect();
    for task in tasks {
        match task.await.unwrap() {
            Err(Error::Auth { status, .. }) => assert_eq!(status.map(|s| s.as_u16()), Some(403)),
            other => panic!("expected an auth error, got {other:?}"),
        }
    }
    assert_eq!(
        requests_to(&server, "POST", LOGIN).await.len(),
        1,
        "waiters share the failure instead of retrying one by one"
    );
    // A later call tries again.
    let _ = current(&client).await;
    assert_eq!(requests_to(&server, "POST", LOGIN).await.len(), 2);
    settle(server).await;
}

/// Signals when the server receives a request, then answers 401 after a while.
struct SignalThen401(std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>);

impl wiremock::Respond for SignalThen401 {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        if let Some(tx) = self.0.lock().unwrap().take() {
            let _ = tx.send(());
        }
        ResponseTemplate::new(401).set_delay(Duration::from_millis(1500))
    }
}

#[tokio::test]
async fn a_request_rejected_with_an_older_token_is_retried_with_the_newer_one() {
    let server = MockServer::start().await;
    let first = jwt("first");
    let second = jwt("second");
    login_answers(&server, &[&first, &second], Duration::ZERO).await;
    accept(&server, &second).await;
    let (arrived_tx, arrived) = tokio::sync::oneshot::channel();
    Mock::given(method("GET"))
        .and(path(CURRENT))
        .and(header("authorization", bearer(&first).as_str()))
        .respond_with(SignalThen401(std::sync::Mutex::new(Some(arrived_tx))))
        .with_priority(1)
        .mount(&server)
        .await;
    let client = client(&server, Credentials::workspace_api_key("ws-key"));
    client.access_token().await.unwrap();

    // While a call sent with the first token waits for its 401, the token is replaced.
    let (result, ()) = tokio::join!(current(&client), async {
        arrived.await.unwrap();
        client.logout();
        client.access_token().await.unwrap();
    });
    result.expect("retried with the newer token");
    assert_eq!(
        requests_to(&server, "POST", LOGIN).await.len(),
        2,
        "the 401 of the older token did not cause a third login"
    );
    let seen: Vec<_> = requests_to(&server, "GET", CURRENT)
        .await
        .iter()
        .map(|r| header_value(r, "authorization").unwrap())
        .collect();
    assert_eq!(seen, vec![bearer(&first), bearer(&second)]);
}

/// Drops the wiremock server with a fresh tokio coop budget. Its `Drop` runs a nested `block_on`
/// over a tokio lock; after awaiting hundreds of join handles the task's budget is spent, the lock
/// answers `Pending`, and the nested executor would spin forever.
async fn settle(server: MockServer) {
    tokio::task::yield_now().await;
    drop(server);
}
