//! Bulk uploads of every kind through the resource handles of the `synerise` client, against
//! `synerise-mock`: what went on the wire (request count, headers, bodies within the 1000-item
//! limit, one identifier kind or event type per request, added `time`/`eventSalt`), what the mock
//! stored, and the per-item report (accepted, rejected by the server, failed with its request, not
//! sent).
//!
//! - Profiles: 2,500 typed items in 3 requests; updates; `null`s left out; a 207 per-item
//!   rejection and an item too large for any request.
//! - Events: 2,400 typed events identified two ways, split per identifier kind; idempotent resend.
//! - Transactions: `recordedAt` and `eventSalt` added; one invalid item fails its whole request.
//! - Catalog items: into a catalog created through the API; two updates of one `itemKey` applied
//!   in input order.
//! - AI events: grouped by event type, `{"eventType", "items"}` bodies.

mod e2e_support;

use e2e_support::{assert_client_headers, body, requests_to, workspace_client};
use futures::stream;
use serde_json::{Map, Value, json};
use synerise::batch::{BatchItemErrorKind, BatchOptions, ItemFate, NotSent};
use synerise::types::{
    AiEventBatchEventType, AiEventRecommendationViewCompat, BatchEvent, CatalogCreateRequest,
    CatalogItem, ProfileBatchItem, ProfileIdentifier,
};
use synerise::{Client, Error};
use synerise_mock::{ProfileRef, RecordedRequest, SyneriseMock};

/// The JSON bodies the mock received at `path`, in arrival order.
fn bodies(mock: &SyneriseMock, path: &str) -> Vec<(RecordedRequest, Value)> {
    requests_to(mock, "POST", path)
        .into_iter()
        .map(|r| {
            let body = body(&r);
            (r, body)
        })
        .collect()
}

fn array_len(body: &Value) -> usize {
    body.as_array().expect("a JSON array").len()
}

fn assert_batch_request(request: &RecordedRequest, api_version: bool) {
    assert_client_headers(request);
    assert!(
        request
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "))
    );
    assert_eq!(
        request.header("api-version"),
        api_version.then_some("4.4"),
        "{} {}",
        request.method,
        request.path
    );
    assert!(
        !String::from_utf8_lossy(&request.body).contains("null"),
        "no nulls on the wire"
    );
}

fn profile(i: usize) -> ProfileBatchItem {
    ProfileBatchItem {
        custom_id: Some(format!("c-{i}")),
        email: Some(format!("c-{i}@example.com")),
        first_name: Some(["Anna", "Jan", "Ola"][i % 3].into()),
        city: Some("Kraków".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn profiles_bulk_upsert() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let report = client
        .profiles()
        .bulk_upsert(
            stream::iter((0..2500).map(profile)),
            BatchOptions::default(),
        )
        .await
        .unwrap();

    // The report: every item accepted, in three requests of consecutive items.
    assert!(report.is_success(), "{report}");
    assert_eq!((report.items_read(), report.accepted()), (2500, 2500));
    assert_eq!(report.failures().count(), 0);
    let runs: Vec<_> = report
        .requests()
        .iter()
        .map(|r| {
            r.items
                .runs()
                .map(|run| (run.start, run.end))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(runs, [[(0, 1000)], [(1000, 2000)], [(2000, 2500)]]);
    assert!(
        report
            .requests()
            .iter()
            .all(|r| r.status == Some(reqwest::StatusCode::ACCEPTED))
    );
    assert!(matches!(
        report.fate(1500),
        Some(ItemFate::Accepted { request: 1 })
    ));

    // The wire: three bodies of at most 1000 items, each item as serialised, Api-Version 4.4.
    let sent = bodies(&mock, "/v4/clients/batch");
    let mut sizes: Vec<usize> = sent.iter().map(|(_, b)| array_len(b)).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [500, 1000, 1000]);
    for (request, _) in &sent {
        assert_batch_request(request, true);
        assert_eq!(request.status, Some(202));
    }
    let first = sent
        .iter()
        .find(|(_, b)| b[0]["customId"] == "c-0")
        .expect("the body with the first item");
    assert_eq!(
        first.1[7],
        json!({ "customId": "c-7", "email": "c-7@example.com", "firstName": "Jan", "city": "Kraków" })
    );

    // The store.
    assert_eq!(mock.profile_count(), 2500);
    let stored = mock.profile_by_custom_id("c-2499").unwrap();
    assert_eq!(stored["email"], "c-2499@example.com");
    assert_eq!(stored["city"], "Kraków");

    // Updates: by customId, and by e-mail; a `null` is left out, so it deletes nothing.
    mock.clear_journal();
    let updates = [
        json!({ "customId": "c-1", "city": "Gdańsk" }),
        json!({ "email": "c-2@example.com", "lastName": "Nowak" }),
        json!({ "customId": "c-3", "city": null, "lastName": "Mazur" }),
    ];
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(updates), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(mock.profile_count(), 2500, "updated, not created");
    assert_eq!(mock.profile_by_custom_id("c-1").unwrap()["city"], "Gdańsk");
    assert_eq!(
        mock.profile_by_custom_id("c-2").unwrap()["lastName"],
        "Nowak"
    );
    let c3 = mock.profile_by_custom_id("c-3").unwrap();
    assert_eq!(
        (c3["city"].as_str(), c3["lastName"].as_str()),
        (Some("Kraków"), Some("Mazur"))
    );
    let sent = bodies(&mock, "/v4/clients/batch");
    assert_eq!(
        sent[0].1[2],
        json!({ "customId": "c-3", "lastName": "Mazur" })
    );
}

#[tokio::test]
async fn profiles_report_server_and_client_rejections() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let items = (0..30).map(|i| match i {
        // The mock answers 207 with an error for this item.
        12 => json!({ "customId": "c-12", "email": "not-an-email" }),
        // Larger than any request body may be: never sent.
        20 => json!({ "customId": "c-20", "attributes": { "notes": "x".repeat(1_100_000) } }),
        _ => json!({ "customId": format!("c-{i}") }),
    });
    let report = client
        .profiles()
        .bulk_upsert(stream::iter(items), BatchOptions::default().max_items(10))
        .await
        .unwrap();

    assert!(!report.is_success());
    assert_eq!(
        (report.accepted(), report.rejected(), report.not_sent()),
        (28, 1, 1)
    );
    match report.fate(12) {
        Some(ItemFate::Rejected { request, error }) => {
            assert_eq!(request, 1);
            assert_eq!(error.index, Some(12));
            assert_eq!(error.field.as_deref(), Some("list[2].email"));
            assert_eq!(
                error.message.as_deref(),
                Some("must be a well-formed email address")
            );
            assert_eq!(error.status, Some(400));
        }
        other => panic!("expected a server rejection, got {other:?}"),
    }
    match report.fate(20) {
        Some(ItemFate::NotSent(NotSent::Invalid(error))) => {
            assert_eq!(error.index, 20);
            assert!(matches!(
                error.kind,
                BatchItemErrorKind::TooLarge { ref largest_field, .. }
                    if largest_field.as_ref().is_some_and(|(f, _)| f == "attributes")
            ));
        }
        other => panic!("expected a client rejection, got {other:?}"),
    }
    let failures: Vec<u64> = report.failures().map(|(i, _)| i).collect();
    assert_eq!(
        failures,
        [20, 12],
        "client rejections first, then server rejections"
    );

    let sent = bodies(&mock, "/v4/clients/batch");
    let statuses: Vec<_> = sent.iter().map(|(r, _)| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == Some(207)).count(), 1);
    assert_eq!(sent.iter().map(|(_, b)| array_len(b)).sum::<usize>(), 29);
    assert!(
        sent.iter()
            .all(|(r, _)| !String::from_utf8_lossy(&r.body).contains("c-20")),
        "the oversized item never went on the wire"
    );
    assert_eq!(mock.profile_count(), 28);
    assert!(mock.profile_by_custom_id("c-12").is_none());
}

fn event(i: usize) -> BatchEvent {
    // Even events identify the Profile by customId, odd ones by e-mail.
    let client = if i.is_multiple_of(2) {
        ProfileIdentifier {
            custom_id: Some(format!("p-{}", i % 40)),
            ..Default::default()
        }
    } else {
        ProfileIdentifier {
            email: Some(format!("p-{}@example.com", i % 40)),
            ..Default::default()
        }
    };
    BatchEvent {
        action: "page.visit".into(),
        client,
        event_salt: None,
        label: format!("Visit {i}").parse().unwrap(),
        params: None,
        time: Some(format!(
            "2024-05-01T{:02}:{:02}:{:02}.000Z",
            i / 3600,
            i / 60 % 60,
            i % 60
        )),
        type_: "custom".into(),
    }
}

#[tokio::test]
async fn events_bulk_send() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let report = client
        .events()
        .bulk_send(stream::iter((0..2400).map(event)), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.accepted(), 2400);

    // One identifier kind per request: 1200 of each kind = 1000 + 200.
    let sent = bodies(&mock, "/v4/events/batch");
    let mut sizes: Vec<usize> = sent.iter().map(|(_, b)| array_len(b)).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [200, 200, 1000, 1000]);
    for (request, body) in &sent {
        assert_batch_request(request, true);
        assert_eq!(request.status, Some(202));
        let items = body.as_array().unwrap();
        let kinds: std::collections::BTreeSet<Vec<String>> = items
            .iter()
            .map(|e| e["client"].as_object().unwrap().keys().cloned().collect())
            .collect();
        assert_eq!(kinds.len(), 1, "one identifier kind per request: {kinds:?}");
        for e in items {
            assert!(e["eventSalt"].as_str().unwrap().starts_with("sdk1-"));
            assert!(
                e["time"].as_str().unwrap().starts_with("2024-05-01T"),
                "kept"
            );
            assert_eq!(e["type"], "custom");
        }
    }

    // The store: the events are on the Profiles their identifiers name.
    assert_eq!(mock.event_count(), 2400);
    let by_custom_id = mock.events_for_profile(ProfileRef::CustomId("p-0".into()));
    assert_eq!(by_custom_id.len(), 60);
    let by_email = mock.events_for_profile(ProfileRef::Email("p-1@example.com".into()));
    assert_eq!(by_email.len(), 60);
    assert!(by_email.iter().all(|e| e.action == "page.visit"));
    assert_eq!(by_email[0].label.as_deref(), Some("Visit 1"));

    // The same input again: same times, same salts, so every event is overwritten, not doubled.
    let again = client
        .events()
        .bulk_send(stream::iter((0..2400).map(event)), BatchOptions::default())
        .await
        .unwrap();
    assert!(again.is_success(), "{again}");
    assert_eq!(mock.event_count(), 2400);
}

#[tokio::test]
async fn transactions_bulk_send() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let transaction = |i: usize| {
        let mut t = json!({
            "client": { "customId": format!("buyer-{}", i % 5) },
            "orderId": format!("order-{i}"),
            "revenue": { "amount": 10.0 * i as f64, "currency": "PLN" },
            "value": { "amount": 8.0 * i as f64, "currency": "PLN" },
            "paymentInfo": { "method": "CASH" },
            "products": [{ "sku": format!("sku-{i}"), "quantity": 1,
                "finalUnitPrice": { "amount": 10.0 * i as f64, "currency": "PLN" } }],
            "source": "WEB_DESKTOP",
        });
        if i == 15 {
            t.as_object_mut().unwrap().remove("orderId");
        }
        t
    };
    let report = client
        .transactions()
        .bulk_send(
            stream::iter((0..30).map(transaction)),
            BatchOptions::default().max_items(10),
        )
        .await
        .unwrap();

    // Item 15 has no orderId: the mock rejects its request (items 10..20) as a whole.
    assert_eq!((report.accepted(), report.rejected()), (20, 10));
    assert_eq!(report.failed_requests().count(), 1);
    for i in [10, 15, 19] {
        match report.fate(i) {
            Some(ItemFate::Failed { request: 1, error }) => match error {
                Error::Api { status, body } => {
                    assert_eq!(*status, 400);
                    assert_eq!(
                        body.message.as_deref(),
                        Some("Some fields did not pass validation")
                    );
                    assert_eq!(body.errors[0].field.as_deref(), Some("[5].orderId"));
                }
                other => panic!("expected Error::Api, got {other:?}"),
            },
            other => panic!("item {i}: expected a failed request, got {other:?}"),
        }
    }
    assert!(matches!(
        report.fate(9),
        Some(ItemFate::Accepted { request: 0 })
    ));

    let sent = bodies(&mock, "/v4/transactions/batch");
    assert_eq!(sent.len(), 3);
    for (request, body) in &sent {
        assert_batch_request(request, true);
        for t in body.as_array().unwrap() {
            assert!(t["recordedAt"].is_string(), "added by the client");
            assert!(t["eventSalt"].as_str().unwrap().starts_with("sdk1-"));
        }
    }
    assert_eq!(mock.transaction_count(), 20);
    let stored = mock.transactions();
    assert!(stored.iter().any(|t| t["orderId"] == "order-29"));
    assert!(!stored.iter().any(|t| t["orderId"] == "order-14"));
    assert_eq!(
        mock.profile_count(),
        5,
        "buyers created by their transactions"
    );
}

async fn create_catalog(client: &Client, name: &str) -> i64 {
    let created = client
        .call(
            client
                .api()
                .add_bag()
                .body(CatalogCreateRequest {
                    name: Some(name.into()),
                })
                .send(),
        )
        .await
        .unwrap();
    created.data.unwrap().id.unwrap()
}

#[tokio::test]
async fn catalog_items_bulk_add() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let catalog = create_catalog(&client, "Products").await;
    assert_eq!(mock.catalog_count(), 1);

    let item = |key: String, price: usize| {
        let mut value = Map::new();
        value.insert("title".into(), json!(format!("Product {key}")));
        value.insert("price".into(), json!(price));
        CatalogItem {
            item_key: key,
            value,
        }
    };
    // sku-0 twice: first and last. The second body carries it again, so it waits for the
    // first body to complete, and the last value wins.
    let items = (0..1500)
        .map(|i| item(format!("sku-{i}"), i))
        .chain([item("sku-0".into(), 999_999)]);
    let report = client
        .catalogs()
        .bulk_add_items(
            catalog,
            stream::iter(items),
            BatchOptions::default().concurrency(4),
        )
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.accepted(), 1501);

    let path = format!("/catalogs/bags/{catalog}/items/batch");
    let sent = bodies(&mock, &path);
    assert_eq!(
        sent.iter().map(|(_, b)| array_len(b)).collect::<Vec<_>>(),
        [1000, 501],
        "in input order"
    );
    for (request, _) in &sent {
        assert_batch_request(request, false);
        assert_eq!(request.status, Some(200));
    }
    assert_eq!(
        sent[0].1[0],
        json!({ "itemKey": "sku-0", "value": { "title": "Product sku-0", "price": 0 } })
    );

    assert_eq!(mock.catalog_item_count(catalog), 1500);
    let stored = mock.catalog_items(catalog);
    let sku0 = stored.iter().find(|(k, _)| k == "sku-0").unwrap();
    assert_eq!(sku0.1["price"], 999_999, "the later update wins");
}

#[tokio::test]
async fn ai_events_bulk_send() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    let profile = "5b4fd0b4-5e8a-4a4b-8f3d-3b0f4a6a1c21";
    let events = (0..30).map(|i| {
        let kind = if i % 3 == 0 {
            AiEventBatchEventType::RecommendationClick
        } else {
            AiEventBatchEventType::RecommendationView
        };
        let event = json!({
            "clientUUID": profile,
            "correlationId": format!("corr-{i}"),
            "items": [format!("sku-{i}")],
        });
        (kind, event)
    });
    let report = client
        .ai_events()
        .bulk_send(stream::iter(events), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.accepted(), 30);

    let sent = bodies(&mock, "/v4/events/ai-compat/batch");
    assert_eq!(sent.len(), 2, "one request per event type");
    for (request, body) in &sent {
        assert_batch_request(request, false);
        assert_eq!(request.status, Some(202));
        let items = body["items"].as_array().unwrap();
        let expected = match body["eventType"].as_str().unwrap() {
            "recommendation.click" => 10,
            "recommendation.view" => 20,
            other => panic!("unexpected eventType {other}"),
        };
        assert_eq!(items.len(), expected);
        assert!(
            items.iter().all(|e| e.get("eventSalt").is_none()),
            "no salt for AI events"
        );
    }
    assert_eq!(mock.ai_event_count(), 30);
    let stored = mock.ai_events();
    let clicks: Vec<_> = stored
        .iter()
        .filter(|e| e["eventType"] == "recommendation.click")
        .map(|e| e["correlationId"].as_str().unwrap())
        .collect();
    assert_eq!(clicks.len(), 10);
    assert_eq!(clicks[0], "corr-0");

    // Typed events know their type.
    mock.clear_journal();
    let typed = AiEventRecommendationViewCompat {
        campaign_id: Some("summer".into()),
        client_uuid: profile.parse().unwrap(),
        correlation_id: "corr-typed".into(),
        event_timestamp: None,
        items: vec!["sku-1".into(), "sku-2".into()],
        extra: Map::new(),
    };
    let report = client
        .ai_events()
        .bulk_send(stream::iter([typed]), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    let sent = bodies(&mock, "/v4/events/ai-compat/batch");
    assert_eq!(
        sent[0].1,
        json!({
            "eventType": "recommendation.view",
            "items": [{
                "campaignId": "summer", "clientUUID": profile,
                "correlationId": "corr-typed", "items": ["sku-1", "sku-2"],
            }],
        })
    );
    assert_eq!(mock.ai_event_count(), 31);
}
