//! The paging styles synerise-mock serves, against its real paging (profiles `pageIndex`, catalog
//! items `offset`/`limit`, tags `page`/`size`, activities `pageToken`, legacy events time window).

mod pagination_support;

use futures::TryStreamExt;
use pagination_support::{pages_short_rule, pages_with_total, sizes};
use synerise::{Client, Credentials};
use synerise_mock::{RecordedRequest, SyneriseMock};

const S: u32 = 4;

fn workspace_client(mock: &SyneriseMock) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::workspace_basic(
            mock.workspace_guid(),
            mock.api_key().to_string(),
        ))
        .build()
        .expect("client")
}

fn requests(mock: &SyneriseMock, path: &str) -> Vec<RecordedRequest> {
    mock.journal()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

#[tokio::test]
async fn profiles_page_index() {
    for n in sizes(u64::from(S)) {
        for parallel in [1, 3] {
            let mock = SyneriseMock::start().await;
            mock.seed_profiles(n as usize);
            let expected: Vec<i64> = mock
                .profiles()
                .iter()
                .map(|p| p["clientId"].as_i64().expect("id"))
                .collect();
            let client = workspace_client(&mock);
            let items: Vec<_> = client
                .profiles()
                .list()
                .page_size(S)
                .filters_anonymous(false)
                .parallel(parallel)
                .expected_items(n)
                .items()
                .try_collect()
                .await
                .expect("profiles");
            let ids: Vec<i64> = items
                .iter()
                .map(|p| p.client_id.expect("clientId"))
                .collect();
            assert_eq!(ids, expected, "n={n} parallel={parallel}");
            let journal = requests(&mock, "/v4/clients");
            assert_eq!(
                journal.len(),
                pages_short_rule(n, u64::from(S)),
                "n={n} parallel={parallel}"
            );
            assert!(
                journal
                    .iter()
                    .all(|r| r.query_param("pageSize") == Some("4")
                        && r.query_param("filters[anonymous]") == Some("false"))
            );
            assert!(journal.iter().all(|r| r.status == Some(200)));
        }
    }
}

#[tokio::test]
async fn catalog_items_offset_limit() {
    for n in sizes(u64::from(S)) {
        for parallel in [1, 3] {
            let mock = SyneriseMock::start().await;
            mock.seed_catalog_items(7, n as usize);
            let client = workspace_client(&mock);
            let pages: Vec<_> = client
                .catalogs()
                .list_items(7)
                .limit(S)
                .parallel(parallel)
                .pages()
                .try_collect()
                .await
                .expect("items");
            let keys: Vec<String> = pages
                .iter()
                .flat_map(|p| p.items.iter())
                .map(|i| i.item_key.clone().expect("itemKey"))
                .collect();
            assert_eq!(
                keys,
                (1..=n).map(|k| format!("item-{k}")).collect::<Vec<_>>(),
                "n={n} parallel={parallel}"
            );
            assert!(
                pages.iter().all(|p| p.total == Some(n)),
                "n={n}: totalCount on every page"
            );
            let journal = requests(&mock, "/catalogs/bags/7/items");
            assert_eq!(
                journal.len(),
                pages_with_total(n, u64::from(S)),
                "n={n} parallel={parallel}"
            );
            assert!(
                journal
                    .iter()
                    .all(|r| r.query_param("limit") == Some("4") && r.status == Some(200))
            );
        }
    }
}

#[tokio::test]
async fn tags_page_size() {
    for n in sizes(u64::from(S)) {
        let mock = SyneriseMock::start().await;
        mock.seed_tags(n as usize);
        let client = workspace_client(&mock);
        let items: Vec<_> = client
            .tags()
            .list()
            .size(S)
            .items()
            .try_collect()
            .await
            .expect("tags");
        let values: Vec<String> = items
            .iter()
            .map(|t| t.value.clone().expect("value"))
            .collect();
        assert_eq!(
            values,
            (1..=n).map(|k| format!("tag-{k}")).collect::<Vec<_>>(),
            "n={n}"
        );
        let journal = requests(&mock, "/tags-collector/tags");
        assert_eq!(journal.len(), pages_with_total(n, u64::from(S)), "n={n}");
        let pages: Vec<Option<&str>> = journal.iter().map(|r| r.query_param("page")).collect();
        let expected: Vec<String> = (0..journal.len()).map(|k| k.to_string()).collect();
        assert_eq!(
            pages,
            expected
                .iter()
                .map(|s| Some(s.as_str()))
                .collect::<Vec<_>>(),
            "n={n}"
        );
    }
}

#[tokio::test]
async fn activities_cursor() {
    for n in sizes(u64::from(S)) {
        let mock = SyneriseMock::start().await;
        let profile = mock.seed_profiles(1)[0];
        mock.seed_activities(n as usize);
        let token = mock.issue_profile_token(profile).expect("profile token");
        let client = Client::builder()
            .base_url(mock.base_url())
            .credentials(Credentials::token(token))
            .build()
            .expect("client");
        let items: Vec<_> = client
            .activities()
            .list_events()
            .limit(S)
            .sort_by("time:desc")
            .items()
            .try_collect()
            .await
            .expect("activities");
        let uniques: Vec<i64> = items.iter().map(|a| a.unique.expect("unique")).collect();
        assert_eq!(
            uniques,
            (1..=n as i64).collect::<Vec<_>>(),
            "n={n}: newest first"
        );
        let journal = requests(&mock, "/activities-api/events");
        assert_eq!(journal.len(), pages_with_total(n, u64::from(S)), "n={n}");
        assert!(journal[0].query_param("pageToken").is_none());
        assert!(
            journal
                .iter()
                .skip(1)
                .all(|r| r.query_param("pageToken").is_some())
        );
        assert!(
            journal
                .iter()
                .all(|r| r.query_param("sortBy") == Some("time:desc")
                    && r.query_param("limit") == Some("4"))
        );
    }
}

#[tokio::test]
async fn legacy_events_time_window() {
    for n in sizes(u64::from(S)) {
        let mock = SyneriseMock::start().await;
        let profile = mock.seed_profiles(1)[0];
        mock.seed_events(profile, n as usize);
        let client = workspace_client(&mock);
        let items: Vec<_> = client
            .events()
            .list_by_client(profile)
            .limit(S)
            .action("mock.seeded")
            .items()
            .try_collect()
            .await
            .expect("events");
        let labels: Vec<String> = items
            .iter()
            .map(|e| e.label.clone().expect("label"))
            .collect();
        assert_eq!(
            labels,
            (0..n)
                .rev()
                .map(|i| format!("Seeded event {i}"))
                .collect::<Vec<_>>(),
            "n={n}: newest first"
        );
        let journal = requests(&mock, &format!("/v4/events/by-client/{profile}"));
        // The mock keeps sub-millisecond times but prints milliseconds, so the event at the window
        // edge falls just outside the next window: pages do not overlap, and a full last page needs
        // one more request.
        assert_eq!(journal.len(), pages_short_rule(n, u64::from(S)), "n={n}");
        assert!(
            journal
                .iter()
                .all(|r| r.query_param("action") == Some("mock.seeded") && r.status == Some(200))
        );
    }
}
