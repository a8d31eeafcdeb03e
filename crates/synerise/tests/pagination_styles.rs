//! Each of the six paging styles against a loopback server holding N items (N = 0, 1, page size,
//! page size + 1, 10 × page size + 3): exactly the N items in order, the caller's parameters on
//! every request, and no request beyond what the style needs.

mod pagination_support;

use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, TimeZone, Utc};
use futures::{StreamExt, TryStreamExt};
use pagination_support::*;
use serde_json::{Value, json};
use synerise::types::{GetBagsOrderBy, ListClientsSortBy};
use wiremock::{MockServer, ResponseTemplate};

const S: u32 = 5;

/// How the stream is driven.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Defaults (prefetch 1).
    Default,
    /// Fetch only on demand.
    NoPrefetch,
    /// `.parallel(4)` (numbered styles; with `.expected_items(n)` where pages carry no total).
    Parallel,
}

const MODES: [Mode; 3] = [Mode::Default, Mode::NoPrefetch, Mode::Parallel];

fn assert_all(
    journal: &[std::collections::HashMap<String, String>],
    expected: &[(&str, &str)],
    context: &str,
) {
    for (i, q) in journal.iter().enumerate() {
        for (name, value) in expected {
            assert_eq!(
                q.get(*name).map(String::as_str),
                Some(*value),
                "{context}: request {i} lacks {name}={value}: {q:?}"
            );
        }
    }
}

/// The values of a numeric parameter across the journal, sorted (parallel requests may arrive in
/// any order).
fn sorted(journal: &[std::collections::HashMap<String, String>], name: &str) -> Vec<u64> {
    let mut v: Vec<u64> = journal.iter().map(|q| num(q, name, u64::MAX)).collect();
    v.sort_unstable();
    v
}

// ----- pageIndex / pageSize, bare array, no total ------------------------------------------------

#[tokio::test]
async fn page_index_style_profiles() {
    for n in sizes(u64::from(S)) {
        for mode in MODES {
            let context = format!("profiles n={n} {mode:?}");
            let server = MockServer::start().await;
            let data: Vec<Value> = (0..n)
                .map(|i| json!({ "clientId": i, "email": format!("p{i}@example.com") }))
                .collect();
            serve(&server, "GET", "/v4/clients", move |req| {
                let q = query(req);
                let (index, size) = (num(&q, "pageIndex", 1), num(&q, "pageSize", 10));
                ResponseTemplate::new(200).set_body_json(slice(&data, (index - 1) * size, size))
            })
            .await;
            let client = client(&server.uri());
            let mut list = client
                .profiles()
                .list()
                .page_size(S)
                .sort_by(ListClientsSortBy::Email)
                .sort_order("DESC")
                .filters_email("p@example.com")
                .filters_anonymous(false);
            list = match mode {
                Mode::Default => list,
                Mode::NoPrefetch => list.prefetch(0),
                Mode::Parallel => list.parallel(4).expected_items(n),
            };
            let items: Vec<_> = list.items().try_collect().await.expect(&context);
            let ids: Vec<i64> = items
                .iter()
                .map(|p| p.client_id.expect("clientId"))
                .collect();
            assert_eq!(ids, (0..n as i64).collect::<Vec<_>>(), "{context}");

            let journal = journal(&server, "/v4/clients").await;
            let expected = pages_short_rule(n, u64::from(S));
            assert_eq!(journal.len(), expected, "{context}: requests");
            assert_eq!(
                sorted(&journal, "pageIndex"),
                (1..=expected as u64).collect::<Vec<_>>(),
                "{context}"
            );
            assert_all(
                &journal,
                &[
                    ("pageSize", "5"),
                    ("sortBy", "email"),
                    ("sortOrder", "DESC"),
                    ("filters[email]", "p@example.com"),
                    ("filters[anonymous]", "false"),
                ],
                &context,
            );
        }
    }
}

// ----- offset / limit ----------------------------------------------------------------------------

#[tokio::test]
async fn offset_style_catalogs_with_total() {
    for n in sizes(u64::from(S)) {
        for mode in MODES {
            let context = format!("catalogs n={n} {mode:?}");
            let server = MockServer::start().await;
            let data: Vec<Value> = (0..n)
                .map(|i| json!({ "id": i, "name": format!("catalog-{i}") }))
                .collect();
            serve(&server, "GET", "/catalogs/bags", move |req| {
                let q = query(req);
                let page = slice(&data, num(&q, "offset", 0), num(&q, "limit", 100));
                ResponseTemplate::new(200).set_body_json(json!({ "data": page, "metaData": { "totalCount": data.len(), "requestTime": "0.01 [s]" } }))
            })
            .await;
            let client = client(&server.uri());
            let mut list = client
                .catalogs()
                .list()
                .limit(S)
                .search_by("catalog")
                .order_by(GetBagsOrderBy::Id);
            list = match mode {
                Mode::Default => list,
                Mode::NoPrefetch => list.prefetch(0),
                Mode::Parallel => list.parallel(4),
            };
            let items: Vec<_> = list.items().try_collect().await.expect(&context);
            let ids: Vec<i64> = items.iter().map(|c| c.id.expect("id")).collect();
            assert_eq!(ids, (0..n as i64).collect::<Vec<_>>(), "{context}");

            let journal = journal(&server, "/catalogs/bags").await;
            let expected = pages_with_total(n, u64::from(S));
            assert_eq!(journal.len(), expected, "{context}: requests");
            assert_eq!(
                sorted(&journal, "offset"),
                (0..expected as u64)
                    .map(|k| k * u64::from(S))
                    .collect::<Vec<_>>(),
                "{context}"
            );
            assert_all(
                &journal,
                &[("limit", "5"), ("searchBy", "catalog"), ("orderBy", "id")],
                &context,
            );
        }
    }
}

#[tokio::test]
async fn offset_style_export_without_total() {
    for n in sizes(u64::from(S)) {
        for mode in MODES {
            let context = format!("export n={n} {mode:?}");
            let server = MockServer::start().await;
            let data: Vec<Value> = (0..n)
                .map(|i| json!({ "id": i, "email": format!("e{i}@example.com") }))
                .collect();
            serve(
                &server,
                "GET",
                "/client-exporter/v2/export/clients/task/77",
                move |req| {
                    let q = query(req);
                    ResponseTemplate::new(200).set_body_json(slice(
                        &data,
                        num(&q, "offset", 0),
                        num(&q, "limit", 100),
                    ))
                },
            )
            .await;
            let client = client(&server.uri());
            let mut rows = client.profiles().export_results(77).limit(S);
            rows = match mode {
                Mode::Default => rows,
                Mode::NoPrefetch => rows.prefetch(0),
                Mode::Parallel => rows.parallel(4).expected_items(n),
            };
            let items: Vec<_> = rows.items().try_collect().await.expect(&context);
            let ids: Vec<i64> = items.iter().map(|r| r.id.expect("id")).collect();
            assert_eq!(ids, (0..n as i64).collect::<Vec<_>>(), "{context}");

            let journal = journal(&server, "/client-exporter/v2/export/clients/task/77").await;
            let expected = pages_short_rule(n, u64::from(S));
            assert_eq!(journal.len(), expected, "{context}: requests");
            assert_eq!(
                sorted(&journal, "offset"),
                (0..expected as u64)
                    .map(|k| k * u64::from(S))
                    .collect::<Vec<_>>(),
                "{context}"
            );
            assert_all(&journal, &[("limit", "5")], &context);
        }
    }
}

// ----- page / size from 0 ------------------------------------------------------------------------

#[tokio::test]
async fn page_style_aggregates() {
    for n in sizes(u64::from(S)) {
        for mode in MODES {
            let context = format!("aggregates n={n} {mode:?}");
            let server = MockServer::start().await;
            let data: Vec<Value> = (0..n)
                .map(|i| json!({ "name": format!("agg-{i:03}") }))
                .collect();
            serve(&server, "GET", "/analytics-backend/analytics/definitions-manager/aggregates", move |req| {
                let q = query(req);
                let (page, size) = (num(&q, "page", 0), num(&q, "size", 20));
                let content = slice(&data, page * size, size);
                ResponseTemplate::new(200).set_body_json(json!({
                    "content": content,
                    "pagination": { "currentPageNumber": page, "pageSize": size, "sorted": true,
                                    "totalElements": data.len(), "totalPages": (data.len() as u64).div_ceil(size) }
                }))
            })
            .await;
            let client = client(&server.uri());
            let mut list = client
                .analytics()
                .list_aggregates()
                .size(S)
                .namespace_name("ns")
                .sort("name,asc");
            list = match mode {
                Mode::Default => list,
                Mode::NoPrefetch => list.prefetch(0),
                Mode::Parallel => list.parallel(4),
            };
            let items: Vec<_> = list.items().try_collect().await.expect(&context);
            let names: Vec<String> = items
                .iter()
                .map(|a| a.name.clone().expect("name"))
                .collect();
            assert_eq!(
                names,
                (0..n).map(|i| format!("agg-{i:03}")).collect::<Vec<_>>(),
                "{context}"
            );

            let journal = journal(
                &server,
                "/analytics-backend/analytics/definitions-manager/aggregates",
            )
            .await;
            let expected = pages_with_total(n, u64::from(S));
            assert_eq!(journal.len(), expected, "{context}: requests");
            assert_eq!(
                sorted(&journal, "page"),
                (0..expected as u64).collect::<Vec<_>>(),
                "{context}"
            );
            assert_all(
                &journal,
                &[("size", "5"), ("namespaceName", "ns"), ("sort", "name,asc")],
                &context,
            );
            assert!(
                journal.iter().all(|q| !q.contains_key("offset")),
                "{context}: offset is not sent"
            );
        }
    }
}

#[tokio::test]
async fn page_style_pages_carry_totals() {
    let server = MockServer::start().await;
    let data: Vec<Value> = (0..12)
        .map(|i| json!({ "value": format!("tag-{i}") }))
        .collect();
    serve(&server, "GET", "/tags-collector/tags", move |req| {
        let q = query(req);
        let (page, size) = (num(&q, "page", 0), num(&q, "size", 10));
        ResponseTemplate::new(200).set_body_json(json!({
            "data": slice(&data, page * size, size),
            "pagination": { "limit": size, "page": page, "pages": 3, "total": data.len() }
        }))
    })
    .await;
    let client = client(&server.uri());
    let pages: Vec<_> = client
        .tags()
        .list()
        .size(5)
        .pages()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.iter().map(|p| p.len()).collect::<Vec<_>>(), [5, 5, 2]);
    assert!(pages.iter().all(|p| p.total == Some(12)));
    assert_eq!(pages.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(
        pages[2].request,
        synerise::PageRequest::Page { page: 2, size: 5 }
    );
    assert_eq!(
        pages[1].envelope.pagination.as_ref().and_then(|m| m.page),
        Some(1),
        "the envelope keeps the page metadata"
    );
    assert!(
        pages[1].envelope.data.is_none(),
        "the items moved out of the envelope"
    );
}

// ----- cursor ------------------------------------------------------------------------------------

#[tokio::test]
async fn cursor_style_activities() {
    for n in sizes(u64::from(S)) {
        for mode in [Mode::Default, Mode::NoPrefetch] {
            let context = format!("activities n={n} {mode:?}");
            let server = MockServer::start().await;
            let data: Vec<Value> = (0..n).map(|i| json!({ "unique": i, "time": 1_700_000_000_000u64 + i, "label": format!("a{i}") })).collect();
            serve(&server, "GET", "/activities-api/events", move |req| {
                let q = query(req);
                let start = q.get("pageToken").map_or(0, |t| t.trim_start_matches('c').parse().expect("token"));
                let limit = num(&q, "limit", 100);
                let page = slice(&data, start, limit);
                let end = start + page.len() as u64;
                let after = (end < data.len() as u64).then(|| format!("c{end}"));
                let before = (start > 0).then(|| format!("b{start}"));
                ResponseTemplate::new(200).set_body_json(json!({
                    "data": page,
                    "meta": { "count": page.len(), "limit": limit, "cursors": { "after": after, "before": before }, "links": [] }
                }))
            })
            .await;
            let client = client(&server.uri());
            let mut events = client
                .activities()
                .list_events()
                .limit(S)
                .actions("page.visit")
                .sort_by("time:asc")
                .date_from(1_600_000_000_000i64)
                .raw(false);
            if let Mode::NoPrefetch = mode {
                events = events.prefetch(0);
            }
            let items: Vec<_> = events.items().try_collect().await.expect(&context);
            let ids: Vec<i64> = items.iter().map(|a| a.unique.expect("unique")).collect();
            assert_eq!(ids, (0..n as i64).collect::<Vec<_>>(), "{context}");

            let journal = journal(&server, "/activities-api/events").await;
            let expected = pages_with_total(n, u64::from(S));
            assert_eq!(journal.len(), expected, "{context}: requests");
            for (k, q) in journal.iter().enumerate() {
                let token = (k > 0).then(|| format!("c{}", k as u32 * S));
                assert_eq!(q.get("pageToken"), token.as_ref(), "{context}: request {k}");
            }
            assert_all(
                &journal,
                &[
                    ("limit", "5"),
                    ("actions", "page.visit"),
                    ("sortBy", "time:asc"),
                    ("dateFrom", "1600000000000"),
                    ("raw", "false"),
                ],
                &context,
            );
        }
    }
}

#[tokio::test]
async fn cursor_style_profile_events_sends_the_token_in_query_and_body() {
    let server = MockServer::start().await;
    let data: Vec<Value> = (0..7)
        .map(|i| json!({ "unique": i, "time": 1_700_000_000_000u64 - i }))
        .collect();
    serve(
        &server,
        "POST",
        "/activities-api/events/by/email",
        move |req| {
            let body: Value = serde_json::from_slice(&req.body).expect("json body");
            assert_eq!(body["identifierValue"], "jane@example.com");
            let extra = &body["additionalData"];
            assert_eq!(extra["actions"], "page.visit");
            assert_eq!(extra["limit"], "3");
            let q = query(req);
            assert_eq!(
                q.get("pageToken").map(String::as_str),
                extra["pageToken"].as_str(),
                "same token in query and body"
            );
            let start = q
                .get("pageToken")
                .map_or(0, |t| t.trim_start_matches('c').parse().expect("token"));
            let page = slice(&data, start, 3);
            let end = start + page.len() as u64;
            let after = (end < data.len() as u64).then(|| format!("c{end}"));
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": page, "meta": { "cursors": { "after": after } } }))
        },
    )
    .await;
    let client = client(&server.uri());
    let pages: Vec<_> = client
        .activities()
        .list_profile_events(
            synerise::types::ListProfileEventsIdentifierType::Email,
            "jane@example.com",
        )
        .limit(3)
        .actions("page.visit")
        .pages()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.iter().map(|p| p.len()).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(
        pages
            .iter()
            .map(|p| p.next_cursor.clone())
            .collect::<Vec<_>>(),
        [Some("c3".to_string()), Some("c6".to_string()), None]
    );
    assert_eq!(server.received_requests().await.expect("journal").len(), 3);
}

// ----- time window + limit -----------------------------------------------------------------------

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serves legacy events (newest first, inclusive `time[from]`/`time[to]`, `limit`) of Profile 42.
async fn serve_events(server: &MockServer, events: Vec<Value>) {
    serve(server, "GET", "/v4/events/by-client/42", move |req| {
        let q = query(req);
        let bound = |name: &str| {
            q.get(name).map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .expect(name)
                    .with_timezone(&Utc)
            })
        };
        let (from, to) = (bound("time[from]"), bound("time[to]"));
        let limit = num(&q, "limit", 100) as usize;
        let page: Vec<Value> = events
            .iter()
            .filter(|e| {
                let t = DateTime::parse_from_rfc3339(e["time"].as_str().expect("time"))
                    .expect("time")
                    .with_timezone(&Utc);
                from.is_none_or(|f| t >= f) && to.is_none_or(|x| t <= x)
            })
            .take(limit)
            .cloned()
            .collect();
        ResponseTemplate::new(200).set_body_json(page)
    })
    .await;
}

/// Requests the window style needs for `n` events with distinct times, newest first: each page
/// after the first repeats the event at the window edge (the bound is inclusive), and the stream
/// ends at the first short page.
fn window_requests(n: u64, s: u64) -> usize {
    let mut returned = n.min(s);
    let mut yielded = returned;
    let mut requests = 1;
    while returned == s {
        returned = (n - yielded + 1).min(s);
        yielded += returned - 1;
        requests += 1;
    }
    requests
}

#[tokio::test]
async fn window_style_legacy_events() {
    let base = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
    let from = iso(base - ChronoDuration::days(1));
    for n in sizes(u64::from(S)) {
        for mode in [Mode::Default, Mode::NoPrefetch] {
            let context = format!("events n={n} {mode:?}");
            let server = MockServer::start().await;
            let events: Vec<Value> =
                (0..n).map(|i| json!({ "time": iso(base - ChronoDuration::seconds(i as i64)), "action": "page.visit", "label": format!("e{i}") })).collect();
            serve_events(&server, events).await;
            let client = client(&server.uri());
            let mut list = client
                .events()
                .list_by_client(42)
                .limit(S)
                .action("page.visit")
                .time_from(from.clone());
            if let Mode::NoPrefetch = mode {
                list = list.prefetch(0);
            }
            let items: Vec<_> = list.items().try_collect().await.expect(&context);
            let labels: Vec<String> = items
                .iter()
                .map(|e| e.label.clone().expect("label"))
                .collect();
            assert_eq!(
                labels,
                (0..n).map(|i| format!("e{i}")).collect::<Vec<_>>(),
                "{context}"
            );

            let journal = journal(&server, "/v4/events/by-client/42").await;
            assert_eq!(
                journal.len(),
                window_requests(n, u64::from(S)),
                "{context}: requests"
            );
            assert!(
                !journal[0].contains_key("time[to]"),
                "{context}: the first window is open"
            );
            for (k, q) in journal.iter().enumerate().skip(1) {
                // Each window ends at the oldest event of the previous page.
                let edge = (k as u64) * (u64::from(S) - 1);
                assert_eq!(
                    q.get("time[to]"),
                    Some(&iso(base - ChronoDuration::seconds(edge as i64))),
                    "{context}: request {k}"
                );
            }
            assert_all(
                &journal,
                &[
                    ("limit", "5"),
                    ("action", "page.visit"),
                    ("time[from]", from.as_str()),
                ],
                &context,
            );
        }
    }
}

#[tokio::test]
async fn window_style_skips_repeats_when_times_tie_across_pages() {
    let base = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
    // Groups of three events share a second; pages of 5 cut through the groups.
    let events: Vec<Value> = (0..23).map(|i| json!({ "time": iso(base - ChronoDuration::seconds(i / 3)), "label": format!("e{i}") })).collect();
    let server = MockServer::start().await;
    serve_events(&server, events).await;
    let client = client(&server.uri());
    let items: Vec<_> = client
        .events()
        .list_by_client(42)
        .limit(5)
        .items()
        .try_collect()
        .await
        .expect("events");
    let labels: Vec<String> = items
        .iter()
        .map(|e| e.label.clone().expect("label"))
        .collect();
    assert_eq!(labels, (0..23).map(|i| format!("e{i}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn window_style_reports_a_window_it_cannot_move() {
    let base = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
    // Seven events in the same millisecond, pages of 5: the window edge cannot move past them.
    let events: Vec<Value> = (0..7)
        .map(|i| json!({ "time": iso(base), "label": format!("e{i}") }))
        .collect();
    let server = MockServer::start().await;
    serve_events(&server, events).await;
    let client = client(&server.uri());
    let results: Vec<_> = client
        .events()
        .list_by_client(42)
        .limit(5)
        .items()
        .collect()
        .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
    let err = results
        .last()
        .expect("items")
        .as_ref()
        .expect_err("a loop error ends the stream");
    assert!(matches!(err, synerise::Error::PaginationLoop(_)), "{err:?}");
    assert_eq!(server.received_requests().await.expect("journal").len(), 2);
}

#[tokio::test]
async fn window_style_activities_oldest_first_moves_the_lower_bound() {
    // An oldest-first server: the stream moves `dateFrom` up instead of `dateTo` down.
    let data: Vec<Value> = (0..12)
        .map(|i| json!({ "unique": i, "time": 1_000 + i }))
        .collect();
    let server = MockServer::start().await;
    serve(&server, "GET", "/activities-api/activities/9", move |req| {
        let q = query(req);
        let (from, to) = (num(&q, "dateFrom", 0), num(&q, "dateTo", u64::MAX));
        let page: Vec<Value> = data
            .iter()
            .filter(|a| (from..=to).contains(&a["time"].as_u64().unwrap()))
            .take(num(&q, "limit", 100) as usize)
            .cloned()
            .collect();
        ResponseTemplate::new(200).set_body_json(page)
    })
    .await;
    let client = client(&server.uri());
    let items: Vec<_> = client
        .activities()
        .list_profile_activities(9)
        .limit(5)
        .date_from(1_000)
        .items()
        .try_collect()
        .await
        .expect("activities");
    assert_eq!(
        items.iter().map(|a| a.unique.unwrap()).collect::<Vec<_>>(),
        (0..12).collect::<Vec<_>>()
    );
    let journal = journal(&server, "/activities-api/activities/9").await;
    assert_eq!(
        journal
            .iter()
            .map(|q| num(q, "dateFrom", 0))
            .collect::<Vec<_>>(),
        [1_000, 1_004, 1_008]
    );
}

// ----- limit alone -------------------------------------------------------------------------------

#[tokio::test]
async fn limit_style_autocomplete() {
    for n in sizes(u64::from(S)) {
        let context = format!("autocomplete n={n}");
        let server = MockServer::start().await;
        let data: Vec<Value> = (0..n).map(|i| json!(format!("jo{i:02}"))).collect();
        serve(&server, "GET", "/crm/v1/autocomplete", move |req| {
            let q = query(req);
            ResponseTemplate::new(200)
                .set_body_json(json!({ "entries": slice(&data, 0, num(&q, "limit", 10)) }))
        })
        .await;
        let client = client(&server.uri());
        let items: Vec<String> = client
            .crm()
            .autocomplete("firstName", "jo")
            .limit(S)
            .items()
            .try_collect()
            .await
            .expect(&context);
        let expected: Vec<String> = (0..n.min(u64::from(S)))
            .map(|i| format!("jo{i:02}"))
            .collect();
        assert_eq!(items, expected, "{context}");
        let journal = journal(&server, "/crm/v1/autocomplete").await;
        assert_eq!(journal.len(), 1, "{context}: one request");
        assert_all(
            &journal,
            &[("field", "firstName"), ("prefix", "jo"), ("limit", "5")],
            &context,
        );
    }
}
