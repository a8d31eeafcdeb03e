//! A minimal local HTTP/1.1 server for the benchmarks that compare the client with something that
//! costs (almost) nothing on the server side: the login route answers a token, `…/batch` routes
//! read the whole body, wait `batch_latency` and answer `202` with no body, and every other request
//! gets a fixed profile body (`GET /v4/clients/{id}`).
#![allow(dead_code)]

use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;

/// A JWT the client can read the expiry of (one hour from now), as a login returns it.
pub fn jwt() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(json!({ "alg": "HS512", "typ": "JWT" })),
        part(json!({ "sub": "bench", "iat": now, "exp": now + 3600, "bpi": 1 })),
        URL_SAFE_NO_PAD.encode(b"signature")
    )
}

/// A profile as `GET /v4/clients/{id}` answers it.
pub fn profile_body() -> Bytes {
    Bytes::from(
        json!({
            "clientId": 5_093_412_345i64,
            "uuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "customId": "cust-42",
            "email": "jane.doe@example.com",
            "firstName": "Jane",
            "lastName": "Doe",
            "displayName": "Jane Doe",
            "phone": "+48500600700",
            "city": "Kraków",
            "zipCode": "30-001",
            "countryCode": "PL",
            "sex": "FEMALE",
            "agreements": { "email": true, "sms": false, "push": true, "bluetooth": false, "rfid": false, "wifi": false },
            "attributes": { "loyaltyTier": "gold", "score": 87, "lastStore": "KRK-3" },
            "tags": ["vip", "newsletter"],
            "lastActivityDate": "2026-11-29T17:03:00.000Z",
        })
        .to_string(),
    )
}

/// Binds `127.0.0.1:0`, serves on the current Tokio runtime, returns the base URL.
pub async fn start(batch_latency: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(serve(listener, batch_latency));
    url
}

async fn serve(listener: TcpListener, batch_latency: Duration) {
    let login = Bytes::from(json!({ "token": jwt() }).to_string());
    let profile = profile_body();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (login, profile) = (login.clone(), profile.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let (login, profile) = (login.clone(), profile.clone());
                async move {
                    let path = req.uri().path().to_owned();
                    let (status, body) = if path.starts_with("/uauth/") {
                        (200, login)
                    } else if path.ends_with("/batch") {
                        let _ = axum::body::to_bytes(
                            axum::body::Body::new(req.into_body()),
                            usize::MAX,
                        )
                        .await;
                        tokio::time::sleep(batch_latency).await;
                        (202, Bytes::new())
                    } else {
                        (200, profile)
                    };
                    Ok::<_, Infallible>(
                        hyper::Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .body(axum::body::Body::from(body))
                            .expect("response"),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
