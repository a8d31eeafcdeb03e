//! Paging boundaries of every paged route: 0, 1, page size and page size + 1 items.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{Env, send};

const SIZE: usize = 5;
const COUNTS: [usize; 4] = [0, 1, SIZE, SIZE + 1];

fn len(v: &Value) -> usize {
    v.as_array().map_or(usize::MAX, Vec::len)
}

#[tokio::test]
async fn profiles_page_index_starts_at_one() {
    for n in COUNTS {
        let env = Env::new().await;
        let ids = env.mock.seed_profiles(n);
        let mut seen = Vec::new();
        for page in 1..=3 {
            let (status, body) = send(env.ws(
                Method::GET,
                &format!("/v4/clients?pageIndex={page}&pageSize={SIZE}"),
            ))
            .await;
            assert_eq!(status, StatusCode::OK);
            let expected = n.saturating_sub((page - 1) * SIZE).min(SIZE);
            assert_eq!(len(&body), expected, "n={n} page={page}");
            seen.extend(
                body.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["clientId"].as_i64().unwrap()),
            );
        }
        assert_eq!(seen, ids, "n={n}: every profile exactly once, in id order");
        let (status, _) = send(env.ws(Method::GET, "/v4/clients?pageIndex=0&pageSize=5")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = send(env.ws(Method::GET, "/v4/clients?pageIndex=1&pageSize=0")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn profile_list_sorts_and_filters() {
    let env = Env::new().await;
    send(env.ws(Method::POST, "/v4/clients/batch").json(&json!([
        { "customId": "1", "firstName": "Cecil" },
        { "customId": "2", "firstName": "Abe" },
        { "customId": "3", "firstName": "Bob", "email": "bob@example.com" },
    ])))
    .await;
    let (_, body) = send(env.ws(
        Method::GET,
        "/v4/clients?sortBy=firstName&sortOrder=DESC&pageSize=10",
    ))
    .await;
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["firstName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Cecil", "Bob", "Abe"]);
    let (_, body) = send(env.ws(
        Method::GET,
        "/v4/clients?filters%5Bemail%5D=bob%40example.com",
    ))
    .await;
    assert_eq!(len(&body), 1);
    assert_eq!(body[0]["customId"], "3");
}

#[tokio::test]
async fn catalog_bags_use_offset_and_limit() {
    for n in COUNTS {
        let env = Env::new().await;
        for i in 0..n {
            env.mock.seed_catalog(&format!("bag {i}"));
        }
        for (offset, expected) in [(0, n.min(SIZE)), (SIZE, n.saturating_sub(SIZE))] {
            let (status, body) = send(env.ws(
                Method::GET,
                &format!("/catalogs/bags?offset={offset}&limit={SIZE}"),
            ))
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(len(&body["data"]), expected, "n={n} offset={offset}");
            assert_eq!(body["metaData"]["totalCount"], n);
        }
    }
}

#[tokio::test]
async fn catalog_items_use_offset_and_limit() {
    for n in COUNTS {
        let env = Env::new().await;
        env.mock.seed_catalog_items(1, n);
        assert_eq!(env.mock.catalog_item_count(1), n);
        let mut keys = HashSet::new();
        for (offset, expected) in [
            (0, n.min(SIZE)),
            (SIZE, n.saturating_sub(SIZE)),
            (2 * SIZE, 0),
        ] {
            let (status, body) = send(env.ws(
                Method::GET,
                &format!("/catalogs/bags/1/items?offset={offset}&limit={SIZE}"),
            ))
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(len(&body["data"]), expected, "n={n} offset={offset}");
            assert_eq!(body["metaData"]["totalCount"], n);
            for item in body["data"].as_array().unwrap() {
                assert!(item["value"].is_string(), "value is a JSON string: {item}");
                assert_eq!(item["bag"]["id"], 1);
                keys.insert(item["itemKey"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(keys.len(), n);

        // The all-catalogs listing pages the same way.
        env.mock.seed_catalog_items(2, 1);
        for (offset, expected) in [(0, (n + 1).min(SIZE)), (SIZE, (n + 1).saturating_sub(SIZE))] {
            let (_, body) = send(env.ws(
                Method::GET,
                &format!("/catalogs/items?offset={offset}&limit={SIZE}"),
            ))
            .await;
            assert_eq!(len(&body["data"]), expected, "n={n} offset={offset}");
            assert_eq!(body["metaData"]["totalCount"], n + 1);
        }
    }
}

#[tokio::test]
async fn catalog_item_endpoints_round_trip() {
    let env = Env::new().await;
    let (status, body) = send(
        env.ws(Method::POST, "/catalogs/bags")
            .json(&json!({ "name": "Shoes" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bag = body["data"]["id"].as_i64().unwrap();
    let (status, body) = send(
        env.ws(Method::POST, &format!("/catalogs/bags/{bag}/items"))
            .json(&json!({ "itemKey": "sku-1", "value": { "color": "red" } })),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!(true)));
    let (status, _) = send(
        env.ws(Method::POST, &format!("/catalogs/bags/{bag}/items/batch"))
            .json(&json!([
                { "itemKey": "sku-1", "value": { "color": "blue" } },
                { "itemKey": "sku-2", "value": {} },
            ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env.mock.catalog_item_count(bag), 2, "same itemKey replaces");

    let (status, body) = send(env.ws(
        Method::GET,
        &format!("/catalogs/bags/{bag}/items/itemKey/sku-1"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["value"], r#"{"color":"blue"}"#);
    let item_id = body["data"]["id"].as_i64().unwrap();
    let (status, body) = send(env.ws(
        Method::GET,
        &format!("/catalogs/bags/{bag}/items/{item_id}"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["itemKey"], "sku-1");
    let (_, body) = send(env.ws(
        Method::GET,
        &format!("/catalogs/bags/{bag}/items?itemKey=sku-2"),
    ))
    .await;
    assert_eq!(len(&body["data"]), 1);
    let (status, _) = send(env.ws(
        Method::GET,
        &format!("/catalogs/bags/{bag}/items/itemKey/nope"),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(env.ws(Method::GET, "/catalogs/bags/999/items")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = send(env.ws(Method::GET, &format!("/catalogs/bags/{bag}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["name"], "Shoes");
    let (status, body) = send(env.ws(Method::DELETE, &format!("/catalogs/bags/{bag}"))).await;
    assert_eq!((status, &body["data"]), (StatusCode::OK, &json!(true)));
    assert_eq!(env.mock.catalog_count(), 0);
}

#[tokio::test]
async fn tags_page_starts_at_zero() {
    for n in COUNTS {
        let env = Env::new().await;
        env.mock.seed_tags(n);
        for (page, expected) in [(0, n.min(SIZE)), (1, n.saturating_sub(SIZE)), (2, 0)] {
            let (status, body) = send(env.ws(
                Method::GET,
                &format!("/tags-collector/tags?page={page}&size={SIZE}"),
            ))
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(len(&body["data"]), expected, "n={n} page={page}");
            assert_eq!(body["pagination"]["total"], n);
            assert_eq!(body["pagination"]["page"], page);
            assert_eq!(body["pagination"]["limit"], SIZE);
            assert_eq!(body["pagination"]["pages"], n.div_ceil(SIZE));
        }
        // Defaults: page 0, size 10.
        let (_, body) = send(env.ws(Method::GET, "/tags-collector/tags")).await;
        assert_eq!(body["pagination"]["limit"], 10);
        assert_eq!(len(&body["data"]), n.min(10));
    }
}

/// A registered (non-anonymous) profile token: activities are for `Profile` consumers only.
async fn profile_token(env: &Env) -> String {
    let (status, body) = send(
        env.raw(Method::POST, "/sauth/v3/auth/login/client")
            .json(&json!({
                "apiKey": env.mock.profile_api_key(),
                "identityProvider": "OAUTH",
                "identityProviderToken": "t",
                "uuid": Uuid::from_u128(1).to_string(),
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn activities_use_cursors() {
    for n in COUNTS {
        let env = Env::new().await;
        env.mock.seed_activities(n);
        let token = profile_token(&env).await;
        let mut url = format!("/activities-api/events?limit={SIZE}");
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let (status, body) = send(env.bearer(Method::GET, &url, &token)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            pages += 1;
            let data = body["data"].as_array().unwrap();
            assert_eq!(body["meta"]["count"], data.len());
            assert_eq!(body["meta"]["limit"], SIZE);
            assert_eq!(body["meta"]["links"][0]["rel"], "first");
            seen.extend(data.iter().map(|a| a["time"].as_i64().unwrap()));
            match body["meta"]["cursors"]["after"].as_str() {
                Some(after) => {
                    let next = body["meta"]["links"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|l| l["rel"] == "next")
                        .unwrap();
                    assert!(
                        next["url"]
                            .as_str()
                            .unwrap()
                            .starts_with(&env.mock.base_url())
                    );
                    url = format!("/activities-api/events?limit={SIZE}&pageToken={after}");
                }
                None => break,
            }
            assert!(pages < 10);
        }
        assert_eq!(pages, if n > SIZE { 2 } else { 1 }, "n={n}");
        assert_eq!(seen.len(), n);
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "time:desc by default");

        if n > SIZE {
            // The second page's `before` cursor leads back to the first page.
            let (_, first) = send(env.bearer(
                Method::GET,
                &format!("/activities-api/events?limit={SIZE}"),
                &token,
            ))
            .await;
            let after = first["meta"]["cursors"]["after"].as_str().unwrap();
            assert!(first["meta"]["cursors"]["before"].is_null());
            let (_, second) = send(env.bearer(
                Method::GET,
                &format!("/activities-api/events?limit={SIZE}&pageToken={after}"),
                &token,
            ))
            .await;
            let before = second["meta"]["cursors"]["before"].as_str().unwrap();
            let (_, back) = send(env.bearer(
                Method::GET,
                &format!("/activities-api/events?limit={SIZE}&pageToken={before}"),
                &token,
            ))
            .await;
            assert_eq!(back["data"], first["data"]);
        }
    }
}

#[tokio::test]
async fn activities_validate_parameters() {
    let env = Env::new().await;
    env.mock.seed_activities(3);
    let token = profile_token(&env).await;
    for q in ["limit=0", "limit=1001", "pageToken=%%%", "sortBy=name"] {
        let (status, _) =
            send(env.bearer(Method::GET, &format!("/activities-api/events?{q}"), &token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
    }
    let (_, body) = send(env.bearer(
        Method::GET,
        "/activities-api/events?sortBy=time:asc",
        &token,
    ))
    .await;
    let times: Vec<i64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["time"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn legacy_event_listing_honours_limit_and_time_range() {
    for n in COUNTS {
        let env = Env::new().await;
        let id = env.mock.seed_profiles(1)[0];
        env.mock.seed_events(id, n);
        let (status, body) = send(env.ws(
            Method::GET,
            &format!("/v4/events/by-client/{id}?limit={SIZE}"),
        ))
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(len(&body), n.min(SIZE), "n={n}");
        if n > 0 {
            assert_eq!(body[0]["action"], "mock.seeded");
            assert_eq!(body[0]["client"]["id"], id);
            assert!(body[0]["params"]["eventCreateTime"].is_number());
        }
    }
    let env = Env::new().await;
    let id = env.mock.seed_profiles(1)[0];
    env.mock.seed_events(id, 3);
    let events = env.mock.events_for_profile(id);
    let from = events[1].time.to_rfc3339();
    let (_, body) = send(
        env.ws(Method::GET, &format!("/v4/events/by-client/{id}"))
            .query(&[("time[from]", from.as_str())]),
    )
    .await;
    assert_eq!(len(&body), 2);
    for q in ["limit=0", "limit=501"] {
        let (status, _) =
            send(env.ws(Method::GET, &format!("/v4/events/by-client/{id}?{q}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
    }
    let (status, _) = send(env.ws(Method::GET, "/v4/events/by-client/123456789")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
