//! Loopback servers and helpers shared by the pagination tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use synerise::{Client, Credentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A client for a loopback server (Basic authentication: no login request).
pub fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::workspace_basic("guid", "key"))
        .build()
        .expect("client")
}

/// The query of a request as a map (last value wins).
pub fn query(req: &Request) -> HashMap<String, String> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A query parameter parsed as a number.
pub fn num(q: &HashMap<String, String>, name: &str, default: u64) -> u64 {
    q.get(name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
    })
}

/// Mounts a responder computing each page from the request.
pub async fn serve<F>(server: &MockServer, verb: &str, route: &str, respond: F)
where
    F: Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
{
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(respond)
        .mount(server)
        .await;
}

/// The requests the server received on `route`, oldest first.
pub async fn journal(server: &MockServer, route: &str) -> Vec<HashMap<String, String>> {
    server
        .received_requests()
        .await
        .expect("recording on")
        .iter()
        .filter(|r| r.url.path() == route)
        .map(query)
        .collect()
}

/// `items[start..start + len]`, clamped.
pub fn slice(items: &[Value], start: u64, len: u64) -> Vec<Value> {
    let start = (start as usize).min(items.len());
    let end = (start + len as usize).min(items.len());
    items[start..end].to_vec()
}

/// The sizes every style is tested with, for page size `s`.
pub fn sizes(s: u64) -> [u64; 5] {
    [0, 1, s, s + 1, 10 * s + 3]
}

/// Number of pages of `n` items by `s` when the end is seen from a total (at least one request).
pub fn pages_with_total(n: u64, s: u64) -> usize {
    n.div_ceil(s).max(1) as usize
}

/// Number of pages of `n` items by `s` when the end is seen from a short page: a full last page
/// needs one more (empty) request.
pub fn pages_short_rule(n: u64, s: u64) -> usize {
    (n / s + 1) as usize
}

/// A bare HTTP/1.1 server that answers `GET` requests with a JSON body computed from the path
/// and query, holding some requests until a gate opens. It counts requests received and requests
/// in flight (received, not yet answered, and whose connection the client has not closed).
pub struct GatedServer {
    pub base_url: String,
    pub received: Arc<AtomicUsize>,
    pub in_flight: Arc<AtomicUsize>,
    gate: watch::Sender<bool>,
}

/// What the gated server does with one request: answer now, or hold it until the gate opens.
pub enum Gated {
    Now(Value),
    Held(Value),
}

impl GatedServer {
    pub async fn start(
        respond: impl Fn(&str, &HashMap<String, String>) -> Gated + Send + Sync + 'static,
    ) -> GatedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let received = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let (gate, gate_rx) = watch::channel(false);
        let respond = Arc::new(respond);
        let (r, f) = (received.clone(), in_flight.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(
                    stream,
                    respond.clone(),
                    r.clone(),
                    f.clone(),
                    gate_rx.clone(),
                ));
            }
        });
        GatedServer {
            base_url,
            received,
            in_flight,
            gate,
        }
    }

    pub fn open(&self) {
        let _ = self.gate.send(true);
    }

    pub fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn connection<F>(
    mut stream: TcpStream,
    respond: Arc<F>,
    received: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    mut gate: watch::Receiver<bool>,
) where
    F: Fn(&str, &HashMap<String, String>) -> Gated + Send + Sync + 'static,
{
    let mut buf = Vec::new();
    loop {
        // Read one request head (GET requests carry no body).
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let url = reqwest::Url::parse(&format!("http://local{target}")).expect("url");
        let q: HashMap<String, String> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        received.fetch_add(1, Ordering::SeqCst);
        in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(in_flight.clone());
        let body = match respond(url.path(), &q) {
            Gated::Now(body) => body,
            Gated::Held(body) => {
                // Wait for the gate, or for the client to close the connection.
                let mut probe = [0u8; 1];
                tokio::select! {
                    _ = gate.wait_for(|open| *open) => body,
                    _ = stream.read(&mut probe) => return,
                }
            }
        };
        let bytes = serde_json::to_vec(&body).expect("json");
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            bytes.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err()
            || stream.write_all(&bytes).await.is_err()
        {
            return;
        }
        drop(guard);
    }
}

/// Polls `cond` until it holds or `within` passes.
pub async fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = tokio::time::Instant::now();
    while start.elapsed() < within {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}
