//! Loop guards, caps, errors mid-stream, in-order parallel fetching, and cancellation on drop.

mod pagination_support;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use pagination_support::*;
use serde_json::{Value, json};
use synerise::Error;
use wiremock::{MockServer, ResponseTemplate};

fn catalogs_page(data: &[Value], offset: u64, limit: u64) -> Value {
    json!({ "data": slice(data, offset, limit), "metaData": { "totalCount": data.len() } })
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_a_loop_error() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/activities-api/events", |req| {
        // Every page hands out the same `after` cursor.
        let page = if query(req).contains_key("pageToken") {
            1
        } else {
            0
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "data": [{ "unique": page * 10 }, { "unique": page * 10 + 1 }],
            "meta": { "cursors": { "after": "same" } }
        }))
    })
    .await;
    let client = client(&server.uri());
    let results: Vec<_> = client
        .activities()
        .list_events()
        .limit(2)
        .items()
        .collect()
        .await;
    assert_eq!(
        results.len(),
        3,
        "two items of the first page, then the error: {results:?}"
    );
    let err = results[2].as_ref().expect_err("loop");
    assert!(
        matches!(err, Error::PaginationLoop(msg) if msg.contains("same")),
        "{err:?}"
    );
    assert_eq!(journal(&server, "/activities-api/events").await.len(), 2);
}

#[tokio::test]
async fn the_same_page_twice_ends_the_stream_with_a_loop_error() {
    let server = MockServer::start().await;
    // A server that ignores pageIndex: every page is the same full page.
    serve(&server, "GET", "/v4/clients", |_req| {
        ResponseTemplate::new(200).set_body_json(json!([{ "clientId": 1 }, { "clientId": 2 }]))
    })
    .await;
    let client = client(&server.uri());
    let results: Vec<_> = client
        .profiles()
        .list()
        .page_size(2)
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(
        matches!(&results[2], Err(Error::PaginationLoop(msg)) if msg.contains("repeats")),
        "{:?}",
        results[2]
    );
    assert_eq!(
        journal(&server, "/v4/clients").await.len(),
        2,
        "no request after the loop is seen"
    );
}

#[tokio::test]
async fn an_error_mid_stream_carries_the_page_position_and_ends_the_stream() {
    let server = MockServer::start().await;
    let data: Vec<Value> = (0..20).map(|i| json!({ "id": i })).collect();
    serve(&server, "GET", "/catalogs/bags", move |req| {
        let q = query(req);
        let offset = num(&q, "offset", 0);
        if offset == 10 {
            return ResponseTemplate::new(400).set_body_json(
                json!({ "status": 400, "error": "Bad Request", "message": "broken page" }),
            );
        }
        ResponseTemplate::new(200).set_body_json(catalogs_page(
            &data,
            offset,
            num(&q, "limit", 100),
        ))
    })
    .await;
    let client = client(&server.uri());
    let results: Vec<_> = client.catalogs().list().limit(5).items().collect().await;
    assert_eq!(results.len(), 11, "ten items, then the error, then the end");
    assert!(results[..10].iter().all(Result::is_ok));
    match &results[10] {
        Err(Error::Page { page, source }) => {
            assert_eq!(*page, 2);
            assert_eq!(source.status().map(|s| s.as_u16()), Some(400));
            assert!(
                results[10]
                    .as_ref()
                    .unwrap_err()
                    .to_string()
                    .contains("page 2")
            );
        }
        other => panic!("expected Error::Page, got {other:?}"),
    }
    assert_eq!(journal(&server, "/catalogs/bags").await.len(), 3);
}

#[tokio::test]
async fn caps_stop_the_requests() {
    let server = MockServer::start().await;
    let data: Vec<Value> = (0..100).map(|i| json!({ "id": i })).collect();
    serve(&server, "GET", "/catalogs/bags", move |req| {
        let q = query(req);
        ResponseTemplate::new(200).set_body_json(catalogs_page(
            &data,
            num(&q, "offset", 0),
            num(&q, "limit", 100),
        ))
    })
    .await;
    let client = client(&server.uri());

    let items: Vec<_> = client
        .catalogs()
        .list()
        .limit(10)
        .max_items(25)
        .items()
        .try_collect()
        .await
        .expect("items");
    assert_eq!(items.len(), 25);
    assert_eq!(
        journal(&server, "/catalogs/bags").await.len(),
        3,
        "pages 0..=2 hold the first 25 items"
    );

    server.reset().await;
    let data: Vec<Value> = (0..100).map(|i| json!({ "id": i })).collect();
    serve(&server, "GET", "/catalogs/bags", move |req| {
        let q = query(req);
        ResponseTemplate::new(200).set_body_json(catalogs_page(
            &data,
            num(&q, "offset", 0),
            num(&q, "limit", 100),
        ))
    })
    .await;
    let pages: Vec<_> = client
        .catalogs()
        .list()
        .limit(10)
        .max_pages(4)
        .parallel(8)
        .pages()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 4);
    assert_eq!(
        journal(&server, "/catalogs/bags").await.len(),
        4,
        "the parallel plan respects max_pages"
    );

    let none: Vec<_> = client
        .catalogs()
        .list()
        .max_items(0)
        .items()
        .try_collect()
        .await
        .expect("nothing");
    assert!(none.is_empty());
    assert_eq!(
        journal(&server, "/catalogs/bags").await.len(),
        4,
        "max_items(0) sends nothing"
    );
}

#[tokio::test]
async fn parallel_pages_arriving_out_of_order_are_yielded_in_order() {
    let server = MockServer::start().await;
    let data: Vec<Value> = (0..53).map(|i| json!({ "id": i })).collect();
    serve(&server, "GET", "/catalogs/bags", move |req| {
        let q = query(req);
        let offset = num(&q, "offset", 0);
        // Later pages answer sooner.
        let delay = Duration::from_millis(60u64.saturating_sub(offset));
        ResponseTemplate::new(200)
            .set_body_json(catalogs_page(&data, offset, num(&q, "limit", 100)))
            .set_delay(delay)
    })
    .await;
    let client = client(&server.uri());
    let items: Vec<_> = client
        .catalogs()
        .list()
        .limit(5)
        .parallel(6)
        .items()
        .try_collect()
        .await
        .expect("items");
    assert_eq!(
        items.iter().map(|c| c.id.unwrap()).collect::<Vec<_>>(),
        (0..53).collect::<Vec<_>>()
    );
    assert_eq!(journal(&server, "/catalogs/bags").await.len(), 11);
}

#[tokio::test]
async fn a_server_capping_the_limit_does_not_lose_items_in_parallel_mode() {
    let server = MockServer::start().await;
    let data: Vec<Value> = (0..40).map(|i| json!({ "id": i })).collect();
    serve(&server, "GET", "/catalogs/bags", move |req| {
        let q = query(req);
        // Asked for 10, the server gives at most 4.
        ResponseTemplate::new(200).set_body_json(catalogs_page(
            &data,
            num(&q, "offset", 0),
            num(&q, "limit", 100).min(4),
        ))
    })
    .await;
    let client = client(&server.uri());
    let items: Vec<_> = client
        .catalogs()
        .list()
        .limit(10)
        .parallel(4)
        .items()
        .try_collect()
        .await
        .expect("items");
    assert_eq!(
        items.iter().map(|c| c.id.unwrap()).collect::<Vec<_>>(),
        (0..40).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn prefetch_fetches_the_next_page_while_the_caller_consumes() {
    let server = GatedServer::start(|_path, q| {
        let offset: u64 = q.get("offset").map_or(0, |v| v.parse().unwrap());
        let data: Vec<Value> = (0..30).map(|i| json!({ "id": i })).collect();
        Gated::Now(catalogs_page(&data, offset, 10))
    })
    .await;
    let client = client(&server.base_url);
    let mut items = client.catalogs().list().limit(10).items();
    let first = items.try_next().await.expect("ok").expect("item");
    assert_eq!(first.id, Some(0));
    // The consumer holds page 0; page 1 is requested without the consumer asking.
    assert!(
        eventually(Duration::from_secs(2), || server.received() == 2).await,
        "received {}",
        server.received()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.received(), 2, "only one page ahead");

    let mut lazy = client.catalogs().list().limit(10).prefetch(0).items();
    lazy.try_next().await.expect("ok").expect("item");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.received(), 3, "prefetch(0) waits for the consumer");
}

async fn assert_drop_cancels(parallel: usize) {
    // Page 0 answers at once; every other page waits at the gate.
    let server = GatedServer::start(|_path, q| {
        let offset: u64 = q.get("offset").map_or(0, |v| v.parse().unwrap());
        let data: Vec<Value> = (0..100).map(|i| json!({ "id": i })).collect();
        let body = catalogs_page(&data, offset, 10);
        if offset == 0 {
            Gated::Now(body)
        } else {
            Gated::Held(body)
        }
    })
    .await;
    let client = client(&server.base_url);
    let mut items = client
        .catalogs()
        .list()
        .limit(10)
        .parallel(parallel)
        .items();
    for expected in 0..10 {
        assert_eq!(
            items.try_next().await.expect("ok").expect("item").id,
            Some(expected)
        );
    }
    // Page 1 is held at the gate. The stream's requests advance while it is polled: poll it (and
    // give up on each `next()`, keeping the stream) until every request it may have in flight is
    // at the server.
    let expected_in_flight = parallel.max(1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.in_flight() < expected_in_flight && tokio::time::Instant::now() < deadline {
        let next = tokio::time::timeout(Duration::from_millis(50), items.try_next()).await;
        assert!(next.is_err(), "page 1 is held");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        server.in_flight(),
        expected_in_flight,
        "parallel={parallel}: requests held at the gate"
    );
    let received = server.received();
    drop(items);
    assert!(
        eventually(Duration::from_secs(2), || server.in_flight() == 0).await,
        "parallel={parallel}: {} requests still in flight after the drop",
        server.in_flight()
    );
    server.open();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.received(),
        received,
        "parallel={parallel}: no request after the drop"
    );
}

#[tokio::test]
async fn dropping_a_prefetching_stream_cancels_its_request() {
    assert_drop_cancels(1).await;
}

#[tokio::test]
async fn dropping_a_parallel_stream_cancels_every_request_in_flight() {
    assert_drop_cancels(4).await;
}
