//! Fault injection.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use synerise_mock::{Fault, FaultSpec, MockConfig, Route, SyneriseMock};

use crate::common::{Env, assert_error_body, send};

async fn status_sequence(seed: u64) -> Vec<u16> {
    let env = Env::with(SyneriseMock::start_with(MockConfig::default().seed(seed)).await);
    env.mock.faults().set(
        Route::new("POST", "/v4/clients"),
        FaultSpec {
            error_rate: 0.25,
            error_status: 502,
            rate_limit_rate: 0.15,
            retry_after: 3,
            ..FaultSpec::default()
        },
    );
    let mut out = Vec::new();
    for i in 0..60 {
        let (status, _) = send(
            env.ws(Method::POST, "/v4/clients")
                .json(&json!({ "customId": format!("p{i}") })),
        )
        .await;
        out.push(status.as_u16());
    }
    // Faulted requests changed nothing.
    let accepted = out.iter().filter(|s| **s == 202).count();
    assert_eq!(env.mock.profile_count(), accepted);
    out
}

#[tokio::test]
async fn a_fixed_seed_gives_the_same_fault_sequence() {
    let a = status_sequence(42).await;
    let b = status_sequence(42).await;
    assert_eq!(a, b);
    for status in [202, 429, 502] {
        assert!(a.contains(&status), "{status} in {a:?}");
    }
    assert!(a.iter().all(|s| [202, 429, 502].contains(s)), "{a:?}");
}

#[tokio::test]
async fn rate_limited_answers_carry_retry_after() {
    let env = Env::new().await;
    env.mock
        .faults()
        .set(Route::all(), FaultSpec::rate_limited(1.0, 7));
    let resp = env.ws(Method::GET, "/v4/clients").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_error_body(&body, 429, "/v4/clients");
    assert_eq!(env.mock.faults().injected_count(), 1);
}

#[tokio::test]
async fn dropped_connections_give_transport_errors_and_change_nothing() {
    let env = Env::new().await;
    let route = Route::new("POST", "/v4/clients/batch");
    env.mock
        .faults()
        .set(route.clone(), FaultSpec::dropped(1.0));
    let err = env
        .ws(Method::POST, "/v4/clients/batch")
        .json(&json!([{ "customId": "x" }]))
        .send()
        .await
        .expect_err("the connection is closed without a response");
    assert!(err.status().is_none(), "{err:?}");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert_eq!(env.mock.profile_count(), 0);
    let journal = env.mock.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].status, None);

    // Other routes and the same route after clearing work normally.
    let (status, _) = send(env.ws(Method::GET, "/v4/clients")).await;
    assert_eq!(status, StatusCode::OK);
    env.mock.faults().clear(&route);
    let (status, _) = send(
        env.ws(Method::POST, "/v4/clients/batch")
            .json(&json!([{ "customId": "x" }])),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(env.mock.profile_count(), 1);
}

#[tokio::test]
async fn scripted_faults_apply_in_order() {
    let env = Env::new().await;
    let route = Route::operation_id("createAClientInCrm").unwrap();
    assert_eq!(route.method_and_path(), Some(("POST", "/v4/clients")));
    env.mock.faults().script(
        route,
        [
            Fault::Error(500),
            Fault::RateLimit { retry_after: 2 },
            Fault::Pass,
            Fault::Error(503),
        ],
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, _) = send(
            env.ws(Method::POST, "/v4/clients")
                .json(&json!({ "customId": "s" })),
        )
        .await;
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [500, 429, 202, 503, 202]);
    assert_eq!(env.mock.profile_count(), 1);
}

#[tokio::test]
async fn route_specific_faults_override_all_routes() {
    let env = Env::new().await;
    env.mock
        .faults()
        .set(Route::all(), FaultSpec::errors(1.0, 503));
    env.mock
        .faults()
        .set(Route::new("GET", "/v4/clients"), FaultSpec::default());
    let (status, _) = send(env.ws(Method::GET, "/v4/clients")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(env.ws(Method::GET, "/catalogs/bags")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_error_body(&body, 503, "/catalogs/bags");
    // 404s are never faulted.
    let (status, _) = send(env.ws(Method::GET, "/nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    env.mock.faults().clear_all();
    let (status, _) = send(env.ws(Method::GET, "/catalogs/bags")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let env = Env::new().await;
    let latency = Duration::from_millis(150);
    env.mock.faults().set(
        Route::new("GET", "/catalogs/bags"),
        FaultSpec::default().with_latency(latency),
    );
    let start = Instant::now();
    let (status, _) = send(env.ws(Method::GET, "/catalogs/bags")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(start.elapsed() >= latency);
}

#[tokio::test]
async fn with_latency_the_request_is_processed_before_the_answer_leaves() {
    let env = Env::new().await;
    env.mock.faults().set(
        Route::new("POST", "/v4/clients"),
        FaultSpec::default().with_latency(Duration::from_secs(600)),
    );
    let request = env
        .ws(Method::POST, "/v4/clients")
        .json(&json!({ "customId": "slow" }));
    let answer = tokio::spawn(send(request));
    // Wait (bounded) for the profile to appear: it is stored long before the answer is due.
    let stored = async {
        while env.mock.profile_count() == 0 {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), stored)
        .await
        .expect("the profile is stored while the answer waits out the latency");
    assert!(!answer.is_finished(), "the answer waits for the latency");
    answer.abort();
}

#[tokio::test]
async fn a_scripted_delay_holds_the_request_back_before_processing() {
    let env = Env::new().await;
    let route = Route::new("POST", "/v4/clients");
    env.mock
        .faults()
        .script(route, [Fault::Delay(Duration::from_secs(2))]);
    let delayed = tokio::spawn(send(
        env.ws(Method::POST, "/v4/clients")
            .json(&json!({ "customId": "p", "firstName": "first" })),
    ));
    // Sent later, applied first: wait until the delayed request has arrived (its fault consumed).
    let arrived = async {
        while env
            .mock
            .faults()
            .script_len(&Route::new("POST", "/v4/clients"))
            > 0
        {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), arrived)
        .await
        .expect("the first request reaches the mock");
    let (status, _) = send(
        env.ws(Method::POST, "/v4/clients")
            .json(&json!({ "customId": "p", "firstName": "second" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(delayed.await.unwrap().0, StatusCode::ACCEPTED);
    let profile = env.mock.profile_by_custom_id("p").unwrap();
    assert_eq!(
        profile["firstName"], "first",
        "the delayed update landed last"
    );
}

#[test]
#[should_panic(expected = "no operation matches")]
fn unknown_routes_panic() {
    let _ = Route::new("GET", "/does/not/exist");
}
