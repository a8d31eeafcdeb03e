//! Start, shutdown and drop.

use reqwest::{Method, StatusCode};
use synerise_mock::{MockConfig, SyneriseMock};
use tokio::net::TcpStream;

use crate::common::{Env, send};

#[tokio::test]
async fn binds_an_ephemeral_loopback_port() {
    let a = SyneriseMock::start().await;
    let b = SyneriseMock::start().await;
    assert!(a.base_url().starts_with("http://127.0.0.1:"));
    assert!(a.addr().ip().is_loopback());
    assert_ne!(a.addr(), b.addr());
    assert!(!a.base_url().ends_with('/'));
}

#[tokio::test]
async fn shutdown_closes_the_listener_and_open_connections() {
    let env = Env::new().await;
    let (status, _) = send(env.ws(Method::GET, "/v4/clients")).await;
    assert_eq!(status, StatusCode::OK);
    let addr = env.mock.addr();
    let Env { mock, http } = env;
    mock.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
    // The pooled keep-alive connection is gone too.
    assert!(
        http.get(format!("http://{addr}/v4/clients"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_mock_stops_the_server() {
    let mock = SyneriseMock::start().await;
    let addr = mock.addr();
    assert!(TcpStream::connect(addr).await.is_ok());
    drop(mock);
    // The aborted server task is dropped the next time the runtime gets control.
    let mut refused = false;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused, "the listener outlived the mock");
}

#[tokio::test]
async fn a_fixed_port_can_be_requested() {
    // Find a free port, release it, then ask the mock for it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mock = SyneriseMock::start_with(MockConfig::default().port(port)).await;
    assert_eq!(mock.addr().port(), port);
}
