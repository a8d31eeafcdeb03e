//! The retry policy on the wire: which statuses and errors are retried for which operations,
//! Retry-After, the shared budget, streaming bodies. Backoff is zero (injected jitter), so no test
//! waits.

mod auth_support;

use std::time::Duration;

use auth_support::*;
use bytes::Bytes;
use serde_json::json;
use synerise::retry::RetryConfig;
use synerise::{Client, Credentials, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TIME: &str = "/v4/server/time";

async fn server_time(client: &Client) -> synerise::Result<synerise::types::EventServerTime> {
    client.call(client.api().get_server_time().send()).await
}

fn ok_time() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "serverTime": "2024-01-01T00:00:00Z" }))
}

/// Answers `first` `times` times, then `then`.
async fn sequence(
    server: &MockServer,
    http_method: &str,
    at: &str,
    first: ResponseTemplate,
    times: u64,
    then: ResponseTemplate,
) {
    Mock::given(method(http_method))
        .and(path(at))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(http_method))
        .and(path(at))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

fn plain(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// Basic credentials: JWT operations without a login request in the way.
fn with_basic(server: &MockServer) -> Client {
    client(server, Credentials::workspace_basic("guid", "key"))
}

async fn count(server: &MockServer, http_method: &str, at: &str) -> usize {
    requests_to(server, http_method, at).await.len()
}

#[tokio::test]
async fn gateway_and_unavailable_statuses_are_retried() {
    for status in [502u16, 503, 504] {
        let server = MockServer::start().await;
        sequence(
            &server,
            "GET",
            TIME,
            ResponseTemplate::new(status),
            2,
            ok_time(),
        )
        .await;
        server_time(&plain(&server))
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(count(&server, "GET", TIME).await, 3, "{status}");
    }
}

#[tokio::test]
async fn retries_stop_after_max_retries_and_return_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TIME))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    match server_time(&plain(&server)).await {
        Err(Error::Api { status, .. }) => assert_eq!(status.as_u16(), 503),
        other => panic!("expected a 503, got {other:?}"),
    }
    assert_eq!(
        count(&server, "GET", TIME).await,
        4,
        "1 attempt + 3 retries"
    );

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TIME))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let two = builder(&server)
        .retry(RetryConfig::default().jitter(|| 0.0).max_retries(1))
        .build()
        .unwrap();
    assert!(server_time(&two).await.is_err());
    assert_eq!(count(&server, "GET", TIME).await, 2);
}

#[tokio::test]
async fn disabled_retries_send_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TIME))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert!(server_time(&client).await.is_err());
    assert_eq!(count(&server, "GET", TIME).await, 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 403, 404, 409, 422] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(TIME))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        assert!(server_time(&plain(&server)).await.is_err());
        assert_eq!(count(&server, "GET", TIME).await, 1, "{status}");
    }
}

#[tokio::test]
async fn internal_server_error_is_retried_only_for_safe_operations() {
    // GET: safe.
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        TIME,
        ResponseTemplate::new(500),
        1,
        ok_time(),
    )
    .await;
    server_time(&plain(&server)).await.unwrap();
    assert_eq!(count(&server, "GET", TIME).await, 2);

    // Creating a catalog: a repeat could create a second one.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/catalogs/bags"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let err = with_basic(&server)
        .send_json(
            "add_bag",
            "/catalogs/bags",
            Bytes::from_static(br#"{"name":"x"}"#),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(count(&server, "POST", "/catalogs/bags").await, 1);

    // ...but a 502/503/504 or a 429 is retried even there.
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        "/catalogs/bags",
        ResponseTemplate::new(503),
        1,
        ResponseTemplate::new(200).set_body_json(json!({})),
    )
    .await;
    with_basic(&server)
        .send_json(
            "add_bag",
            "/catalogs/bags",
            Bytes::from_static(br#"{"name":"x"}"#),
        )
        .await
        .unwrap();
    assert_eq!(count(&server, "POST", "/catalogs/bags").await, 2);
}

#[tokio::test]
async fn events_are_retried_after_500_only_with_salt_and_time() {
    let at = "/v4/events/custom";
    let salted = br#"{"action":"a","label":"l","client":{"customId":"c"},"eventSalt":"c-a-1","time":"2024-01-01T00:00:00Z"}"#;
    let unsalted = br#"{"action":"a","label":"l","client":{"customId":"c"}}"#;

    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        at,
        ResponseTemplate::new(500),
        1,
        ResponseTemplate::new(202),
    )
    .await;
    with_basic(&server)
        .send_json("custom_event", at, Bytes::from_static(salted))
        .await
        .unwrap();
    assert_eq!(count(&server, "POST", at).await, 2);

    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        at,
        ResponseTemplate::new(500),
        1,
        ResponseTemplate::new(202),
    )
    .await;
    assert!(
        with_basic(&server)
            .send_json("custom_event", at, Bytes::from_static(unsalted))
            .await
            .is_err()
    );
    assert_eq!(count(&server, "POST", at).await, 1);

    // A batch: every event must be salted and timed.
    let batch = "/v4/events/batch";
    let server = MockServer::start().await;
    sequence(
        &server,
        "POST",
        batch,
        ResponseTemplate::new(500),
        1,
        ResponseTemplate::new(202),
    )
    .await;
    let mixed =
        br#"[{"eventSalt":"a","time":"2024-01-01T00:00:00Z"},{"time":"2024-01-01T00:00:00Z"}]"#;
    assert!(
        with_basic(&server)
            .send_json("batch_send_events", batch, Bytes::from_static(mixed))
            .await
            .is_err()
    );
    assert_eq!(count(&server, "POST", batch).await, 1);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        TIME,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        2,
        ok_time(),
    )
    .await;
    server_time(&plain(&server)).await.unwrap();
    assert_eq!(count(&server, "GET", TIME).await, 3);

    // Still throttled after every retry: a RateLimited error with the server's hint.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TIME))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    match server_time(&plain(&server)).await {
        Err(Error::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::ZERO))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TIME))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    match server_time(&client).await {
        Err(Error::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(count(&server, "GET", TIME).await, 1);
}

#[tokio::test]
async fn the_retry_budget_stops_a_storm() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(TIME))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    // Room for two retries of cost 5.
    let client = builder(&server)
        .retry(RetryConfig::default().jitter(|| 0.0).budget(10, 5, 10))
        .build()
        .unwrap();
    assert!(server_time(&client).await.is_err());
    assert_eq!(
        count(&server, "GET", TIME).await,
        3,
        "two retries, then the budget is empty"
    );
    assert!(server_time(&client).await.is_err());
    assert_eq!(
        count(&server, "GET", TIME).await,
        4,
        "no retry at all with an empty budget"
    );

    // Clones share the budget.
    let clone = client.clone();
    assert!(server_time(&clone).await.is_err());
    assert_eq!(count(&server, "GET", TIME).await, 5);
}

#[tokio::test]
async fn a_successful_retry_gives_its_cost_back() {
    let server = MockServer::start().await;
    let client = builder(&server)
        .retry(RetryConfig::default().jitter(|| 0.0).budget(5, 5, 10))
        .build()
        .unwrap();
    for _ in 0..3 {
        server.reset().await;
        sequence(
            &server,
            "GET",
            TIME,
            ResponseTemplate::new(503),
            1,
            ok_time(),
        )
        .await;
        server_time(&client)
            .await
            .expect("the budget is refunded after each successful retry");
        assert_eq!(count(&server, "GET", TIME).await, 2);
    }
}

#[tokio::test]
async fn connect_errors_are_retried_for_every_operation() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (captured, _guard) = capture_tracing();
    let client = Client::builder()
        .base_url(url)
        .credentials(Credentials::workspace_basic("guid", "key"))
        .retry(RetryConfig::default().jitter(|| 0.0))
        .build()
        .unwrap();
    let err = client
        .send_json("add_bag", "/catalogs/bags", Bytes::from_static(b"{}"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    let log = captured.text();
    assert_eq!(log.matches("retrying Synerise request").count(), 3, "{log}");
    assert!(log.contains("cause=connect error"), "{log}");
    for attempt in 2..=4 {
        assert!(log.contains(&format!("attempt={attempt}")), "{log}");
    }
}

#[tokio::test]
async fn a_timeout_after_sending_is_retried_only_when_safe() {
    let slow = || {
        ResponseTemplate::new(200)
            .set_body_json(json!({}))
            .set_delay(Duration::from_secs(5))
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/catalogs/bags"))
        .respond_with(slow())
        .mount(&server)
        .await;
    let client = builder(&server)
        .credentials(Credentials::workspace_basic("g", "k"))
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client
        .send_json("add_bag", "/catalogs/bags", Bytes::from_static(b"{}"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after: Some(d) } if d == Duration::from_millis(200)),
        "{err:?}"
    );
    assert_eq!(
        count(&server, "POST", "/catalogs/bags").await,
        1,
        "a create is not repeated after a timeout"
    );

    let server = MockServer::start().await;
    sequence(&server, "GET", TIME, slow(), 1, ok_time()).await;
    let client = builder(&server)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    server_time(&client)
        .await
        .expect("a GET is repeated after a timeout");
    assert_eq!(count(&server, "GET", TIME).await, 2);
}

#[tokio::test]
async fn a_streaming_body_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/catalogs/bags/7/items/upload"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = with_basic(&server);
    let result = client
        .call(
            client
                .api()
                .upload_items(7, "itemId", "items.csv", "itemId,title\n1,a\n"),
        )
        .await;
    assert_eq!(result.unwrap_err().status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        count(&server, "POST", "/catalogs/bags/7/items/upload").await,
        1
    );
}

#[tokio::test]
async fn every_attempt_is_a_span_with_operation_path_status_and_attempt() {
    let server = MockServer::start().await;
    sequence(
        &server,
        "GET",
        "/catalogs/bags/42",
        ResponseTemplate::new(503),
        1,
        ResponseTemplate::new(200).set_body_json(json!({})),
    )
    .await;
    let (captured, _guard) = capture_tracing();
    let client = with_basic(&server);
    let _ = client
        .call(client.api().get_bag_by_id().catalog_id(42).send())
        .await;
    let log = captured.text();
    let spans: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("synerise.request{") && l.contains("close"))
        .collect();
    assert_eq!(spans.len(), 2, "{log}");
    for (i, (line, status)) in spans.iter().zip(["503", "200"]).enumerate() {
        assert!(line.contains("operation=\"get_bag_by_id\""), "{line}");
        assert!(line.contains("method=\"GET\""), "{line}");
        assert!(
            line.contains("path=\"/catalogs/bags/{catalogId}\""),
            "the template, not the URL: {line}"
        );
        assert!(line.contains(&format!("attempt={}", i + 1)), "{line}");
        assert!(line.contains(&format!("status={status}")), "{line}");
        assert!(line.contains("duration_ms="), "{line}");
    }
    assert!(log.contains("retrying Synerise request"), "{log}");
    assert!(log.contains("cause=HTTP 503"), "{log}");
}

#[tokio::test]
async fn a_retry_sends_the_very_same_request() {
    let server = MockServer::start().await;
    let bags = "/catalogs/bags";
    for http_method in ["GET", "POST"] {
        sequence(
            &server,
            http_method,
            bags,
            ResponseTemplate::new(503),
            1,
            ResponseTemplate::new(200).set_body_json(json!({ "data": [] })),
        )
        .await;
    }
    let client = with_basic(&server);
    // Without a body (copied by the client itself) and with one (copied by reqwest).
    client
        .call(client.api().get_bags().limit(5).offset(10).send())
        .await
        .unwrap();
    client
        .send_json("add_bag", bags, Bytes::from_static(br#"{"name":"bag"}"#))
        .await
        .unwrap();
    for http_method in ["GET", "POST"] {
        let sent = requests_to(&server, http_method, bags).await;
        assert_eq!(sent.len(), 2, "{http_method}: one retry");
        let (first, retry) = (&sent[0], &sent[1]);
        assert_eq!(first.url, retry.url, "{http_method}");
        assert_eq!(first.headers, retry.headers, "{http_method}");
        assert_eq!(first.body, retry.body, "{http_method}");
        assert!(first.headers.contains_key("authorization"), "{http_method}");
    }
    let get = &requests_to(&server, "GET", bags).await[1];
    assert_eq!(get.url.query(), Some("limit=5&offset=10"));
    let post = &requests_to(&server, "POST", bags).await[1];
    assert_eq!(post.body, br#"{"name":"bag"}"#);
}
