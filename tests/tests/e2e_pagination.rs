//! Every paging style `synerise-mock` serves, read through the `synerise` pagination streams, with
//! each page request checked in the mock's journal (path, query, headers) and the items checked
//! against the mock's store:
//!
//! - Profiles: `pageIndex` (from 1) / `pageSize`, bare arrays without a total — the stream stops at
//!   a short or empty page; sorting and filters are kept on every page; parallel fetching; caps.
//! - Catalogs, catalog items, all catalog items: `offset` / `limit` with `metaData.totalCount` —
//!   no request beyond the total.
//! - Tags-collector tags: `page` (from 0) / `size` with `pagination.total`.
//! - Activities: cursor `pageToken` from `meta.cursors.after` — none sent once the cursor is null.
//! - Legacy events: a time window moved down page by page (`time[to]`), without yielding the event
//!   at the window edge twice.
//! - A page that fails ends the stream with `Error::Page` and its position.

mod e2e_support;

use std::collections::HashSet;

use e2e_support::{assert_client_headers, client_with, requests_to, workspace_client};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use synerise::batch::BatchOptions;
use synerise::types::{ListClientsSortBy, ListClientsSortOrder, ListOwnEventsSortBy};
use synerise::{Credentials, Error, PageRequest};
use synerise_mock::{Fault, ProfileRef, Route, SyneriseMock};

fn ids_of(profiles: &[Value]) -> Vec<i64> {
    profiles
        .iter()
        .map(|p| p["clientId"].as_i64().unwrap())
        .collect()
}

fn query_values(requests: &[synerise_mock::RecordedRequest], name: &str) -> Vec<Option<String>> {
    requests
        .iter()
        .map(|r| r.query_param(name).map(str::to_string))
        .collect()
}

fn some(values: impl IntoIterator<Item = impl ToString>) -> Vec<Option<String>> {
    values.into_iter().map(|v| Some(v.to_string())).collect()
}

#[tokio::test]
async fn profiles_page_index_and_page_size() {
    // 1050 profiles: ten full pages and a short one. 1000: ten full pages, then the empty page
    // that proves the end (the listing has no total).
    for (n, requests) in [(1050, 11), (1000, 11)] {
        let mock = SyneriseMock::start().await;
        mock.seed_profiles(n);
        let client = workspace_client(&mock);

        let pages: Vec<_> = client
            .profiles()
            .list()
            .page_size(100)
            .pages()
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<i64> = pages
            .iter()
            .flat_map(|p| &p.items)
            .map(|p| p.client_id.unwrap())
            .collect();
        assert_eq!(
            ids,
            ids_of(&mock.profiles()),
            "n={n}: every profile once, in order"
        );
        assert_eq!(pages.len(), requests, "n={n}");
        for (k, page) in pages.iter().enumerate() {
            assert_eq!(page.index, k as u64);
            assert_eq!(
                page.request,
                PageRequest::PageIndex {
                    page_index: k as u32 + 1,
                    page_size: 100
                }
            );
            assert_eq!(page.total, None, "the listing carries no total");
        }

        let sent = requests_to(&mock, "GET", "/v4/clients");
        assert_eq!(sent.len(), requests, "n={n}");
        assert_eq!(query_values(&sent, "pageIndex"), some(1..=requests));
        assert!(
            sent.iter()
                .all(|r| r.query_param("pageSize") == Some("100"))
        );
        for r in &sent {
            assert_eq!(r.header("api-version"), Some("4.4"), "listClients needs it");
            assert!(r.header("authorization").unwrap().starts_with("Bearer "));
            assert!(r.body.is_empty());
            assert_client_headers(r);
            assert_eq!(r.status, Some(200));
        }
    }
}

#[tokio::test]
async fn profiles_sorting_filters_parallel_fetching_and_caps() {
    let mock = SyneriseMock::start().await;
    mock.seed_profiles(230);
    let client = workspace_client(&mock);

    // Sorted by e-mail, descending, filtered by first name: the query is kept on every page.
    let mut expected: Vec<Value> = mock
        .profiles()
        .into_iter()
        .filter(|p| p["firstName"] == "Anna")
        .collect();
    expected.sort_by(|a, b| b["email"].as_str().cmp(&a["email"].as_str()));
    assert!(expected.len() > 10, "the seed has enough Annas");
    let annas: Vec<_> = client
        .profiles()
        .list()
        .page_size(10)
        .sort_by(ListClientsSortBy::Email)
        .sort_order(ListClientsSortOrder::Desc)
        .filters_first_name("Anna")
        .items()
        .try_collect()
        .await
        .unwrap();
    let emails: Vec<_> = annas.iter().map(|p| p.email.clone().unwrap()).collect();
    let expected_emails: Vec<_> = expected
        .iter()
        .map(|p| p["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(emails, expected_emails);
    let sent = requests_to(&mock, "GET", "/v4/clients");
    assert_eq!(
        sent.len(),
        expected.len().div_ceil(10) + usize::from(expected.len().is_multiple_of(10))
    );
    for r in &sent {
        assert_eq!(r.query_param("sortBy"), Some("email"));
        assert_eq!(r.query_param("sortOrder"), Some("DESC"));
        assert_eq!(r.query_param("filters[firstName]"), Some("Anna"));
        assert_eq!(r.query_param("pageSize"), Some("10"));
    }

    // Parallel: with the count known up front every page is requested at once, items still in
    // order, and no page beyond the count.
    mock.clear_journal();
    let ids: Vec<i64> = client
        .profiles()
        .list()
        .page_size(50)
        .parallel(4)
        .expected_items(230)
        .items()
        .map_ok(|p| p.client_id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ids_of(&mock.profiles()));
    let sent = requests_to(&mock, "GET", "/v4/clients");
    let mut indexes: Vec<u32> = sent
        .iter()
        .map(|r| r.query_param("pageIndex").unwrap().parse().unwrap())
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, [1, 2, 3, 4, 5], "230 items = 5 pages of 50");

    // Caps: no page beyond the one that reaches max_items.
    mock.clear_journal();
    let first: Vec<_> = client
        .profiles()
        .list()
        .page_size(100)
        .max_items(150)
        .prefetch(0)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 150);
    assert_eq!(requests_to(&mock, "GET", "/v4/clients").len(), 2);
}

#[tokio::test]
async fn catalogs_and_catalog_items_offset_and_limit() {
    let mock = SyneriseMock::start().await;
    let shoes = mock.seed_catalog("Shoes");
    let hats = mock.seed_catalog("Hats");
    mock.seed_catalog("Gloves");
    mock.seed_catalog_items(shoes, 230);
    mock.seed_catalog_items(hats, 30);
    let client = workspace_client(&mock);

    // Items of one catalog: 230 with a limit of 100 is exactly three requests (the total is known).
    let pages: Vec<_> = client
        .catalogs()
        .list_items(shoes)
        .limit(100)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let keys: Vec<String> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| i.item_key.clone().unwrap())
        .collect();
    let expected: Vec<String> = mock
        .catalog_items(shoes)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(keys.len(), 230);
    assert!(pages.iter().all(|p| p.total == Some(230)));
    let first = &pages[0].items[0];
    let value: Value = serde_json::from_str(first.value.as_deref().unwrap()).unwrap();
    assert_eq!(
        value,
        mock.catalog_items(shoes)[0].1,
        "value is a JSON string"
    );
    let sent = requests_to(&mock, "GET", &format!("/catalogs/bags/{shoes}/items"));
    assert_eq!(query_values(&sent, "offset"), some([0, 100, 200]));
    assert!(sent.iter().all(|r| r.query_param("limit") == Some("100")));
    assert!(sent.iter().all(|r| r.header("api-version").is_none()));

    // Items of every catalog: 260.
    let all: Vec<_> = client
        .catalogs()
        .list_all_items()
        .limit(100)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 260);
    let sent = requests_to(&mock, "GET", "/catalogs/items");
    assert_eq!(query_values(&sent, "offset"), some([0, 100, 200]));

    // The catalogs themselves, two per page, searched by name.
    let names: Vec<String> = client
        .catalogs()
        .list()
        .limit(2)
        .items()
        .map_ok(|c| c.name.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["Shoes", "Hats", "Gloves"]);
    let sent = requests_to(&mock, "GET", "/catalogs/bags");
    assert_eq!(query_values(&sent, "offset"), some([0, 2]));
    mock.clear_journal();
    let found: Vec<_> = client
        .catalogs()
        .list()
        .search_by("hat")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        requests_to(&mock, "GET", "/catalogs/bags")[0].query_param("searchBy"),
        Some("hat")
    );
}

#[tokio::test]
async fn tags_page_and_size() {
    let mock = SyneriseMock::start().await;
    mock.seed_tags(25);
    let client = workspace_client(&mock);
    let pages: Vec<_> = client
        .tags()
        .list()
        .size(10)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let values: Vec<String> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|t| t.value.clone().unwrap())
        .collect();
    assert_eq!(
        values,
        (1..=25).map(|i| format!("tag-{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        pages.iter().map(|p| p.request.clone()).collect::<Vec<_>>(),
        (0..3)
            .map(|page| PageRequest::Page { page, size: 10 })
            .collect::<Vec<_>>()
    );
    assert!(pages.iter().all(|p| p.total == Some(25)));
    let sent = requests_to(&mock, "GET", "/tags-collector/tags");
    assert_eq!(
        query_values(&sent, "page"),
        some([0, 1, 2]),
        "pages count from 0"
    );
    assert!(sent.iter().all(|r| r.query_param("size") == Some("10")));
}

#[tokio::test]
async fn activities_cursor() {
    let mock = SyneriseMock::start().await;
    let profile = mock.seed_profiles(1)[0];
    mock.seed_activities(25);
    // Own events are read as the Profile.
    let client = client_with(
        &mock,
        Credentials::token(mock.issue_profile_token(profile).unwrap()),
    );
    let pages: Vec<_> = client
        .activities()
        .list_events()
        .limit(10)
        .sort_by(ListOwnEventsSortBy::TimeDesc)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let uniques: Vec<i64> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|a| a.unique.unwrap())
        .collect();
    assert_eq!(uniques, (1..=25).collect::<Vec<_>>(), "newest first");
    assert_eq!(pages.len(), 3);
    assert!(pages[0].next_cursor.is_some() && pages[1].next_cursor.is_some());
    assert_eq!(pages[2].next_cursor, None, "the last page's cursor is null");

    let sent = requests_to(&mock, "GET", "/activities-api/events");
    assert_eq!(sent.len(), 3, "no request after a null cursor");
    assert_eq!(
        query_values(&sent, "pageToken"),
        [
            None,
            pages[0].next_cursor.clone(),
            pages[1].next_cursor.clone()
        ],
        "each page asks for the previous page's `after` cursor"
    );
    assert!(
        sent.iter().all(|r| r.query_param("limit") == Some("10")
            && r.query_param("sortBy") == Some("time:desc"))
    );

    // A filter is kept on every page.
    mock.clear_journal();
    let visits: Vec<_> = client
        .activities()
        .list_events()
        .limit(2)
        .actions("page.visit")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(!visits.is_empty());
    assert!(visits.iter().all(|a| {
        a.action
            .as_ref()
            .and_then(|x| x.name.as_deref())
            .is_some_and(|name| name == "page.visit")
    }));
    assert!(
        requests_to(&mock, "GET", "/activities-api/events")
            .iter()
            .all(|r| r.query_param("actions") == Some("page.visit"))
    );
}

#[tokio::test]
async fn legacy_events_time_window() {
    let mock = SyneriseMock::start().await;
    let client = workspace_client(&mock);
    // 25 events one second apart, with exact millisecond times, so the event at each window's
    // lower edge is returned again by the next window.
    let time = |i: usize| format!("2024-05-01T10:00:{i:02}.000Z");
    let events = (0..25).map(|i| {
        json!({
            "type": "custom", "action": "page.visit", "label": format!("visit {i}"),
            "time": time(i), "client": { "customId": "walker" },
        })
    });
    let report = client
        .events()
        .bulk_send(futures::stream::iter(events), BatchOptions::default())
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
    let client_id = mock
        .client_id(ProfileRef::CustomId("walker".into()))
        .unwrap();
    mock.clear_journal();

    let labels: Vec<String> = client
        .events()
        .list_by_client(client_id)
        .limit(10)
        .items()
        .map_ok(|e| e.label.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        labels,
        (0..25)
            .rev()
            .map(|i| format!("visit {i}"))
            .collect::<Vec<_>>(),
        "newest first, each event once"
    );
    let sent = requests_to(&mock, "GET", &format!("/v4/events/by-client/{client_id}"));
    // 10 (24..=15), then 15..=6 (15 again, skipped), then 6..=0: a short page ends the stream.
    assert_eq!(
        query_values(&sent, "time[to]"),
        [None, Some(time(15)), Some(time(6))]
    );
    assert!(sent.iter().all(|r| r.query_param("limit") == Some("10")));
    assert!(sent.iter().all(|r| r.header("api-version") == Some("4.4")));

    // A lower bound is sent on every page.
    mock.clear_journal();
    let recent: Vec<_> = client
        .events()
        .list_by_client(client_id)
        .limit(10)
        .time_from(time(20))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(recent.len(), 5);
    let sent = requests_to(&mock, "GET", &format!("/v4/events/by-client/{client_id}"));
    assert_eq!(query_values(&sent, "time[from]"), [Some(time(20))]);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_position() {
    let mock = SyneriseMock::start().await;
    mock.seed_profiles(25);
    let client = workspace_client(&mock);
    // The second page request gets a 400 (not retried).
    mock.faults().script(
        Route::operation_id("listClients").unwrap(),
        [Fault::Pass, Fault::Error(400)],
    );
    let results: Vec<_> = client
        .profiles()
        .list()
        .page_size(10)
        .prefetch(0)
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 11, "ten items, then the error");
    assert!(results[..10].iter().all(Result::is_ok));
    match &results[10] {
        Err(Error::Page { page: 1, source }) => {
            assert!(
                matches!(**source, Error::Api { status, .. } if status == 400),
                "{source:?}"
            )
        }
        other => panic!("expected Error::Page at page 1, got {other:?}"),
    }
    let statuses: Vec<_> = requests_to(&mock, "GET", "/v4/clients")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [Some(200), Some(400)],
        "nothing after the failure"
    );
    let unique: HashSet<_> = results[..10]
        .iter()
        .map(|r| r.as_ref().unwrap().client_id)
        .collect();
    assert_eq!(unique.len(), 10);
}
