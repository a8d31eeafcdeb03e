//! A hung server cannot hang the caller: per-attempt timeouts and the overall deadline.

use std::time::{Duration, Instant};

use synerise::retry::RetryConfig;
use synerise::{Client, Credentials, Error};
use tokio::net::TcpListener;

/// A server that accepts connections and never answers. Returns its URL; the listener task keeps
/// the accepted sockets open.
async fn hung_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

async fn server_time(client: &Client) -> synerise::Result<synerise::types::EventServerTime> {
    client.call(client.api().get_server_time().send()).await
}

#[tokio::test]
async fn a_hung_server_times_out_per_attempt() {
    let url = hung_server().await;
    let client = Client::builder()
        .base_url(url)
        .request_timeout(Duration::from_millis(300))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = server_time(&client).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, Error::Timeout { after: Some(d) } if d == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn retries_against_a_hung_server_end_at_the_deadline() {
    let url = hung_server().await;
    // Each attempt could wait 30 s and there are 3 retries: the deadline cuts all of that short.
    let client = Client::builder()
        .base_url(url)
        .request_timeout(Duration::from_secs(30))
        .deadline(Duration::from_millis(500))
        .retry(RetryConfig::default().jitter(|| 0.0))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = server_time(&client).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_hung_login_is_bounded_too() {
    let url = hung_server().await;
    let client = Client::builder()
        .base_url(url)
        .credentials(Credentials::workspace_api_key("k"))
        .request_timeout(Duration::from_millis(200))
        .deadline(Duration::from_millis(700))
        .retry(RetryConfig::default().jitter(|| 0.0))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .call(client.api().get_bags().send())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn send_json_respects_the_deadline() {
    let url = hung_server().await;
    let client = Client::builder()
        .base_url(url)
        .credentials(Credentials::workspace_basic("g", "k"))
        .deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .send_json(
            "batch_add_or_update_clients",
            "/v4/clients/batch",
            bytes::Bytes::from_static(b"[]"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
