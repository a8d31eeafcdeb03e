//! Bulk uploads against the in-process Synerise mock (a loopback HTTP server): request counts,
//! limits, partitions, client-side rejections, server rejections, ordering under concurrency,
//! idempotent resends, fail-fast and progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream;
use serde_json::{Value, json};
use synerise::batch::{BatchItemErrorKind, BatchOptions, ItemFate, NotSent, Progress};
use synerise::types::{AiEventBatchEventType, ProfileBatchItem};
use synerise::{Client, Credentials};
use synerise_mock::{Fault, RecordedRequest, Route, SyneriseMock};

fn client(mock: &SyneriseMock) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::token(mock.issue_workspace_token()))
        .build()
        .unwrap()
}

/// Bodies of the requests the mock received at `path`, parsed.
fn bodies(mock: &SyneriseMock, path: &str) -> Vec<(RecordedRequest, Value)> {
    mock.journal()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| (r.clone(), r.json().expect("JSON body")))
        .collect()
}

fn profile(i: usize) -> ProfileBatchItem {
    ProfileBatchItem {
        custom_id: Some(format!("c-{i}")),
        city: Some("Kraków".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn profiles_2500_go_in_3_requests() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let report = client
        .profiles()
        .bulk_upsert(
            stream::iter((0..2500).map(profile)),
            BatchOptions::default(),
        )
        .await
        .unwrap();

    assert!(report.is_success(), "{report}");
    assert_eq!(report.requests().len(), 3);
    assert_eq!(report.accepted(), 2500);
    let sent = bodies(&mock, "/v4/clients/batch");
    let mut sizes: Vec<usize> = sent
        .iter()
        .map(|(_, b)| b.as_array().unwrap().len())
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![500, 1000, 1000]);
    assert!(
        sent.iter()
            .all(|(r, _)| r.status == Some(202) && r.header("api-version") == Some("4.4"))
    );
    assert_eq!(mock.profile_count(), 2500);
    let runs: Vec<_> = report
        .requests()
        .iter()
        .map(|r| r.items.runs().collect::<Vec<_>>())
        .collect();
    assert_eq!(
        runs,
        vec![vec![0..1000], vec![1000..2000], vec![2000..2500]]
    );
    assert!(matches!(
        report.fate(1999),
        Some(ItemFate::Accepted { request: 1 })
    ));
    assert!(report.fate(2500).is_none());
}

#[tokio::test]
async fn byte_limit_binds_before_count_limit() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    // ~3 KB per profile: 1000 of them would be ~3 MB, so bodies close at ~330 items.
    let items = (0..1200).map(|i| json!({ "customId": format!("c-{i}"), "attributes": { "blob": "b".repeat(3000), "i": i } }));
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(items), BatchOptions::default())
        .await
        .unwrap();

    assert!(report.is_success(), "{report}");
    let sent = bodies(&mock, "/v4/clients/batch");
    assert_eq!(sent.len(), report.requests().len());
    assert!(sent.len() >= 4);
    for (request, body) in &sent {
        let n = body.as_array().unwrap().len();
        assert!(
            request.body.len() <= 1_000_000,
            "{} bytes",
            request.body.len()
        );
        assert!(n < 1000);
        // Full: one more ~3 KB item would not have fitted, unless it is the last body.
        assert!(
            request.body.len() > 1_000_000 - 3100 || n < 330,
            "{} bytes with {n} items",
            request.body.len()
        );
    }
    assert_eq!(mock.profile_count(), 1200);
}

#[tokio::test]
async fn events_with_mixed_identifier_kinds_are_split() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    mock.seed_profiles(0);
    let kinds = ["email", "customId", "uuid"];
    let events: Vec<Value> = (0..3000)
        .map(|i| {
            let kind = kinds[i % 3];
            let value = match kind {
                "email" => json!(format!("p{}@example.com", i % 50)),
                "uuid" => json!(uuid::Uuid::from_u128(i as u128 % 50 + 1).to_string()),
                _ => json!(format!("cust-{}", i % 50)),
            };
            json!({ "type": "custom", "action": "test.event", "label": "Test", "client": { kind: value }, "params": { "n": i } })
        })
        .collect();
    let report = client
        .events()
        .bulk_send(stream::iter(events), BatchOptions::default())
        .await
        .unwrap();

    assert!(report.is_success(), "{report}");
    let sent = bodies(&mock, "/v4/events/batch");
    // 1000 of each kind: one request per kind, each with a single identifier kind.
    assert_eq!(sent.len(), 3);
    for (request, body) in &sent {
        assert_eq!(request.status, Some(202));
        let events = body.as_array().unwrap();
        assert_eq!(events.len(), 1000);
        let first_kind: Vec<String> = events[0]["client"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert!(events.iter().all(|e| {
            e["client"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                == first_kind
        }));
        // Input order within the group, and a salt and time on every event.
        let ns: Vec<i64> = events
            .iter()
            .map(|e| e["params"]["n"].as_i64().unwrap())
            .collect();
        assert!(ns.windows(2).all(|w| w[0] < w[1]));
        assert!(events.iter().all(|e| {
            e["eventSalt"]
                .as_str()
                .is_some_and(|s| s.starts_with("sdk1-"))
                && e["time"].is_string()
        }));
    }
    assert_eq!(mock.event_count(), 3000);
}

#[tokio::test]
async fn one_2mb_item_among_1000_good_ones_is_rejected_alone() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let items = (0..1001).map(|i| {
        if i == 437 {
            json!({ "customId": "huge", "attributes": { "blob": "x".repeat(2 * 1024 * 1024) } })
        } else {
            json!({ "customId": format!("c-{i}"), "firstName": "A" })
        }
    });
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(items), BatchOptions::default())
        .await
        .unwrap();

    assert_eq!(report.items_read(), 1001);
    assert_eq!(report.accepted(), 1000);
    assert_eq!(report.not_sent(), 1);
    let rejected = report.client_rejections();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].index, 437);
    match &rejected[0].kind {
        BatchItemErrorKind::TooLarge {
            size,
            max_bytes,
            largest_field,
        } => {
            assert!(*size > 2 * 1024 * 1024);
            assert_eq!(*max_bytes, 1_000_000);
            assert_eq!(largest_field.as_ref().unwrap().0, "attributes");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(report.fate(437), Some(ItemFate::NotSent(NotSent::Invalid(e))) if e.index == 437)
    );
    let error = synerise::Error::Batch(rejected[0].clone());
    assert!(error.to_string().contains("batch item 437"), "{error}");
    assert_eq!(report.failures().count(), 1);
    assert_eq!(mock.profile_count(), 1000);
    let sent = bodies(&mock, "/v4/clients/batch");
    assert_eq!(
        sent.iter()
            .map(|(_, b)| b.as_array().unwrap().len())
            .sum::<usize>(),
        1000
    );
    assert!(sent.iter().all(|(r, _)| r.body.len() <= 1_000_000));
}

/// Profiles p0..p9 updated in 5 rounds, one round per request; the mock answers early
/// requests slowly. Returns the mock and the max number of requests in flight seen.
async fn rounds(preserve_order: bool) -> (SyneriseMock, usize) {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let route = Route::new("POST", "/v4/clients/batch");
    mock.faults().script(
        route,
        [200, 150, 100, 50, 0].map(|ms| Fault::Delay(Duration::from_millis(ms))),
    );
    let items = (0..5).flat_map(|round| {
        (0..10)
            .map(move |p| json!({ "customId": format!("p{p}"), "attributes": { "round": round } }))
    });
    let max_in_flight = Arc::new(Mutex::new(0usize));
    let seen = max_in_flight.clone();
    let options = BatchOptions::default()
        .max_items(10)
        .concurrency(4)
        .preserve_order(preserve_order)
        .on_progress(move |p: &Progress| {
            let mut m = seen.lock().unwrap();
            *m = (*m).max(p.in_flight);
        });
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(items), options)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.requests().len(), 5);
    let max = *max_in_flight.lock().unwrap();
    (mock, max)
}

#[tokio::test]
async fn same_profile_updates_keep_input_order_under_concurrency() {
    let (mock, max_in_flight) = rounds(true).await;
    for p in 0..10 {
        let profile = mock.profile_by_custom_id(&format!("p{p}")).unwrap();
        assert_eq!(profile["attributes"]["round"], 4, "p{p}: {profile}");
    }
    assert_eq!(
        max_in_flight, 1,
        "every round touches the same profiles, so rounds go one at a time"
    );
    let rounds_seen: Vec<i64> = bodies(&mock, "/v4/clients/batch")
        .iter()
        .map(|(_, b)| b[0]["attributes"]["round"].as_i64().unwrap())
        .collect();
    assert_eq!(
        rounds_seen,
        vec![0, 1, 2, 3, 4],
        "the mock received the rounds in order"
    );
}

#[tokio::test]
async fn without_ordering_the_same_load_is_applied_out_of_order() {
    // The control for the test above: with ordering off, the slow first rounds land last.
    let (mock, max_in_flight) = rounds(false).await;
    assert!(max_in_flight > 1);
    let last_rounds: Vec<Value> = (0..10)
        .map(|p| {
            mock.profile_by_custom_id(&format!("p{p}")).unwrap()["attributes"]["round"].clone()
        })
        .collect();
    assert!(last_rounds.iter().any(|r| r != 4), "{last_rounds:?}");
}

#[tokio::test]
async fn distinct_profiles_are_sent_concurrently_and_only_conflicts_wait() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let route = Route::new("POST", "/v4/clients/batch");
    mock.faults().script(
        route,
        [
            Fault::Delay(Duration::from_millis(300)),
            Fault::Pass,
            Fault::Pass,
            Fault::Pass,
        ],
    );
    // Bodies 0..2 hold distinct profiles; body 3 updates a profile of body 0 again.
    let items = (0..30)
        .map(|i| json!({ "customId": format!("d{i}"), "attributes": { "v": 1 } }))
        .chain([json!({ "customId": "d0", "attributes": { "v": 2 } })]);
    let max_in_flight = Arc::new(Mutex::new(0usize));
    let seen = max_in_flight.clone();
    let options = BatchOptions::default()
        .max_items(10)
        .on_progress(move |p: &Progress| {
            let mut m = seen.lock().unwrap();
            *m = (*m).max(p.in_flight);
        });
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(items), options)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(*max_in_flight.lock().unwrap(), 3);
    assert_eq!(
        mock.profile_by_custom_id("d0").unwrap()["attributes"]["v"],
        2
    );
}

#[tokio::test]
async fn nulls_are_never_sent() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let first = [json!({ "customId": "n1", "firstName": "Ann", "attributes": { "keep": 1 } })];
    client
        .profiles()
        .bulk_upsert(stream::iter(first), BatchOptions::default())
        .await
        .unwrap();
    // A typed item with unset fields and a JSON item with explicit nulls.
    let second = [
        json!({ "customId": "n1", "firstName": null, "attributes": { "keep": null, "added": 2 } }),
    ];
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(second), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success());
    let typed = [ProfileBatchItem {
        custom_id: Some("n1".into()),
        ..Default::default()
    }];
    client
        .profiles()
        .bulk_upsert(stream::iter(typed), BatchOptions::default())
        .await
        .unwrap();
    let profile = mock.profile_by_custom_id("n1").unwrap();
    assert_eq!(profile["firstName"], "Ann");
    assert_eq!(profile["attributes"]["keep"], 1);
    assert_eq!(profile["attributes"]["added"], 2);
    assert!(
        bodies(&mock, "/v4/clients/batch")
            .iter()
            .all(|(r, _)| !String::from_utf8_lossy(&r.body).contains("null"))
    );
}

#[tokio::test]
async fn items_the_server_rejects_one_by_one_are_reported() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let items = (0..1500).map(|i| {
        if i == 1200 {
            json!({ "customId": "bad", "uuid": "not-a-uuid" })
        } else {
            json!({ "customId": format!("c-{i}") })
        }
    });
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(items), BatchOptions::default())
        .await
        .unwrap();
    assert!(!report.is_success());
    assert_eq!(report.accepted(), 1499);
    assert_eq!(report.rejected(), 1);
    assert_eq!(report.requests()[1].status.map(|s| s.as_u16()), Some(207));
    match report.fate(1200) {
        Some(ItemFate::Rejected { request: 1, error }) => {
            assert_eq!(error.index, Some(1200));
            assert_eq!(error.field.as_deref(), Some("list[200].uuid"));
            assert!(error.message.as_deref().unwrap().contains("UUID"));
        }
        other => panic!("{other:?}"),
    }
    assert!(report.fate(1201).unwrap().is_accepted());
    let failures: Vec<u64> = report.failures().map(|(i, _)| i).collect();
    assert_eq!(failures, vec![1200]);
}

#[tokio::test]
async fn a_failed_request_fails_its_items_and_others_go_on() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    mock.faults().script(
        Route::new("POST", "/v4/clients/batch"),
        [Fault::Pass, Fault::Error(400), Fault::Pass],
    );
    let report = client
        .profiles()
        .bulk_upsert(
            stream::iter((0..2500).map(profile)),
            BatchOptions::default().concurrency(1),
        )
        .await
        .unwrap();
    assert_eq!(report.accepted(), 1500);
    assert_eq!(report.rejected(), 1000);
    let failed: Vec<_> = report.failed_requests().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].items.runs().collect::<Vec<_>>(), vec![1000..2000]);
    assert_eq!(failed[0].status.map(|s| s.as_u16()), Some(400));
    assert!(
        matches!(report.fate(1500), Some(ItemFate::Failed { request: 1, error }) if error.status().map(|s| s.as_u16()) == Some(400))
    );
    assert_eq!(mock.profile_count(), 1500);
}

#[tokio::test]
async fn fail_fast_stops_at_the_first_failure() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    mock.faults()
        .script(Route::new("POST", "/v4/clients/batch"), [Fault::Error(400)]);
    let options = BatchOptions::default()
        .max_items(100)
        .concurrency(1)
        .fail_fast(true);
    let report = client
        .profiles()
        .bulk_upsert(stream::iter((0..100_000).map(profile)), options)
        .await
        .unwrap();
    assert!(!report.input_exhausted());
    assert_eq!(report.requests().len(), 1);
    assert!(
        report.items_read() < 1000,
        "stopped reading: {}",
        report.items_read()
    );
    assert_eq!(report.rejected(), 100);
    assert_eq!(
        report.accepted() + report.rejected() + report.not_sent(),
        report.items_read()
    );
    assert!(!report.aborted().is_empty());
    assert_eq!(mock.profile_count(), 0);
}

#[tokio::test]
async fn transactions_get_recorded_at_and_salt_and_resends_overwrite() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let tx = |i: usize| {
        json!({
            "client": { "customId": format!("c-{}", i % 10) },
            "orderId": format!("o-{i}"),
            "paymentInfo": { "method": "CASH" },
            "products": [{ "sku": "s", "name": "n", "quantity": 1, "finalUnitPrice": { "amount": 1.0, "currency": "PLN" } }],
            "revenue": { "amount": 1.0, "currency": "PLN" },
            "value": { "amount": 1.0, "currency": "PLN" },
            "source": "WEB_DESKTOP",
        })
    };
    let report = client
        .transactions()
        .bulk_send(stream::iter((0..1500).map(tx)), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.requests().len(), 2);
    assert_eq!(mock.transaction_count(), 1500);
    let sent = bodies(&mock, "/v4/transactions/batch");
    assert!(
        sent.iter()
            .all(|(r, _)| synerise::retry::events_carry_salt_and_time(&r.body))
    );
    // Resending the exact bodies (as a retry does) overwrites instead of duplicating.
    let http = reqwest::Client::new();
    for (request, _) in &sent {
        let status = http
            .post(format!("{}/v4/transactions/batch", mock.base_url()))
            .header("authorization", request.header("authorization").unwrap())
            .header("api-version", "4.4")
            .header("content-type", "application/json")
            .body(request.body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success());
    }
    assert_eq!(mock.transaction_count(), 1500);
}

#[tokio::test]
async fn event_resend_overwrites_thanks_to_salt_and_time() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let events: Vec<Value> = (0..50).map(|i| json!({ "type": "custom", "action": "x", "label": "X", "client": { "customId": "e1" }, "params": { "i": i } })).collect();
    let report = client
        .events()
        .bulk_send(stream::iter(events.clone()), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(mock.event_count(), 50);
    let (request, _) = bodies(&mock, "/v4/events/batch").remove(0);
    let resent = reqwest::Client::new()
        .post(format!("{}/v4/events/batch", mock.base_url()))
        .header("authorization", request.header("authorization").unwrap())
        .header("api-version", "4.4")
        .header("content-type", "application/json")
        .body(request.body.clone())
        .send()
        .await
        .unwrap();
    assert!(resent.status().is_success());
    assert_eq!(mock.event_count(), 50, "the resend overwrote the 50 events");
}

#[tokio::test]
async fn catalog_items_upload() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let catalog = mock.seed_catalog("products");
    let items = (0..2100).map(|i| json!({ "itemKey": format!("k{}", i % 2000), "value": { "title": format!("t{i}"), "none": null } }));
    let report = client
        .catalogs()
        .bulk_add_items(catalog, stream::iter(items), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.requests().len(), 3);
    assert_eq!(mock.catalog_item_count(catalog), 2000);
    let items: HashMap<String, Value> = mock.catalog_items(catalog).into_iter().collect();
    assert_eq!(items["k5"]["title"], "t2005", "the later update of k5 won");
    assert!(
        bodies(&mock, &format!("/catalogs/bags/{catalog}/items/batch"))
            .iter()
            .all(|(r, _)| r.status == Some(200))
    );
}

#[tokio::test]
async fn ai_events_go_one_type_per_request() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let types = [
        AiEventBatchEventType::RecommendationView,
        AiEventBatchEventType::RecommendationClick,
    ];
    let events = (0..1500).map(|i| {
        let t = types[i % 2];
        let mut event = json!({ "correlationId": format!("corr-{i}"), "clientUUID": uuid::Uuid::from_u128(i as u128 + 1).to_string() });
        match t {
            AiEventBatchEventType::RecommendationView => event["items"] = json!(["a", "b"]),
            _ => event["item"] = json!("a"),
        }
        (t, event)
    });
    let report = client
        .ai_events()
        .bulk_send(stream::iter(events), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    let sent = bodies(&mock, "/v4/events/ai-compat/batch");
    assert_eq!(sent.len(), 2);
    for (_, body) in &sent {
        let t = body["eventType"].as_str().unwrap();
        assert!(t == "recommendation.view" || t == "recommendation.click");
        assert_eq!(body["items"].as_array().unwrap().len(), 750);
    }
    assert_eq!(mock.ai_event_count(), 1500);
}

#[tokio::test]
async fn progress_channel_reaches_the_final_counts() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let (options, mut rx) = BatchOptions::default().max_items(100).progress_channel();
    let upload = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .profiles()
                .bulk_upsert(stream::iter((0..1000).map(profile)), options)
                .await
                .unwrap()
        }
    });
    let mut updates = 0;
    while rx.changed().await.is_ok() {
        updates += 1;
    }
    let report = upload.await.unwrap();
    let last = *rx.borrow();
    assert!(updates >= 2);
    assert_eq!(last.items_accepted, 1000);
    assert_eq!(last.requests_completed, 10);
    assert_eq!(last.in_flight, 0);
    assert_eq!(&last, report.progress());
}

#[tokio::test]
async fn invalid_options_are_an_error() {
    let mock = SyneriseMock::start().await;
    let client = client(&mock);
    let err = client
        .profiles()
        .bulk_upsert(
            stream::iter((0..1).map(profile)),
            BatchOptions::default().concurrency(0),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, synerise::Error::Config(_)));
}

/// The retry policy repeats an event batch after an ambiguous failure only when every event
/// carries an `eventSalt` and a time; the uploader's bodies do.
async fn events_after_a_500(event_salt: bool) -> (SyneriseMock, synerise::batch::BatchReport) {
    let mock = SyneriseMock::start().await;
    let client = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::token(mock.issue_workspace_token()))
        .retry(
            synerise::RetryConfig::default()
                .jitter(|| 0.0)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    mock.faults()
        .script(Route::new("POST", "/v4/events/batch"), [Fault::Error(500)]);
    let events = (0..10).map(|i| json!({ "type": "custom", "action": "x", "label": "X", "client": { "customId": "r1" }, "params": { "i": i } }));
    let options = BatchOptions::default().event_salt(event_salt);
    let report = client
        .events()
        .bulk_send(stream::iter(events), options)
        .await
        .unwrap();
    (mock, report)
}

#[tokio::test]
async fn salted_event_batches_are_retried_after_a_500() {
    let (mock, report) = events_after_a_500(true).await;
    assert!(report.is_success(), "{report}");
    let statuses: Vec<Option<u16>> = bodies(&mock, "/v4/events/batch")
        .iter()
        .map(|(r, _)| r.status)
        .collect();
    assert_eq!(statuses, vec![Some(500), Some(202)]);
    assert_eq!(mock.event_count(), 10);
}

#[tokio::test]
async fn unsalted_event_batches_are_not_retried_after_a_500() {
    let (mock, report) = events_after_a_500(false).await;
    assert_eq!(report.rejected(), 10);
    assert_eq!(
        report
            .failed_requests()
            .next()
            .unwrap()
            .status
            .map(|s| s.as_u16()),
        Some(500)
    );
    assert_eq!(bodies(&mock, "/v4/events/batch").len(), 1);
}
