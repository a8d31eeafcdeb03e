//! tags-collector tags (page/size paging) and activities (cursor paging).

use std::cmp::Ordering;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::dispatch::Ctx;
use crate::store::Activity;
use crate::util::{encode_component, json_response, lock};

/// `GET /tags-collector/tags?page=0&size=10` (page starts at 0).
pub(super) fn list_tags(ctx: &Ctx<'_>) -> Response {
    let page = match ctx.query_int("page", 0) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let size = match ctx.query_int("size", 10) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if page < 0 {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "page must be greater than or equal to 0",
        );
    }
    if size < 1 {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "size must be greater than or equal to 1",
        );
    }
    let (page, size) = (page as usize, size as usize);
    let store = lock(&ctx.shared.store);
    let total = store.tags.len();
    let data: Vec<Value> = store
        .tags
        .iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .cloned()
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "data": data,
            "pagination": {
                "limit": size,
                "page": page,
                "pages": total.div_ceil(size),
                "total": total,
            }
        }),
    )
}

/// Default `limit` of the activities listing.
const ACTIVITIES_DEFAULT_LIMIT: i64 = 100;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    After,
    Before,
}

fn encode_cursor(dir: Dir, a: &Activity) -> String {
    let d = if dir == Dir::After { "a" } else { "b" };
    URL_SAFE_NO_PAD.encode(json!({ "d": d, "t": a.time_ms, "u": a.unique }).to_string())
}

fn decode_cursor(token: &str) -> Option<(Dir, (i64, i64))> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let dir = match v.get("d")?.as_str()? {
        "a" => Dir::After,
        "b" => Dir::Before,
        _ => return None,
    };
    Some((dir, (v.get("t")?.as_i64()?, v.get("u")?.as_i64()?)))
}

/// `GET /activities-api/events?pageToken&limit&sortBy&actions&dateFrom&dateTo`:
/// cursor paging with `meta.cursors.{after,before}` (null when there is no such page).
pub(super) fn list_activities(ctx: &Ctx<'_>) -> Response {
    let limit = match ctx.query_int("limit", ACTIVITIES_DEFAULT_LIMIT) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !(1..=1000).contains(&limit) {
        return ctx.error(StatusCode::BAD_REQUEST, "limit must be between 1 and 1000");
    }
    let limit = limit as usize;
    let descending = match ctx.query("sortBy").unwrap_or("time:desc") {
        "time:desc" => true,
        "time:asc" => false,
        other => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                &format!("sortBy must be time:desc or time:asc (got {other})"),
            );
        }
    };
    let mut range = [i64::MIN, i64::MAX];
    for (slot, name) in range.iter_mut().zip(["dateFrom", "dateTo"]) {
        if let Some(v) = ctx.query(name).filter(|v| !v.is_empty()) {
            match v.parse::<f64>() {
                Ok(n) => *slot = n as i64,
                Err(_) => {
                    return ctx.error(
                        StatusCode::BAD_REQUEST,
                        &format!("{name} must be a Unix timestamp in milliseconds"),
                    );
                }
            }
        }
    }
    let actions: Option<Vec<&str>> = ctx
        .query("actions")
        .filter(|a| !a.is_empty())
        .map(|a| a.split(',').map(str::trim).collect());
    let cursor = match ctx.query("pageToken").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match decode_cursor(t) {
            Some(c) => Some(c),
            None => return ctx.error(StatusCode::BAD_REQUEST, "Invalid pageToken"),
        },
    };

    let store = lock(&ctx.shared.store);
    let mut list: Vec<&Activity> = store
        .activities
        .iter()
        .filter(|a| a.time_ms >= range[0] && a.time_ms <= range[1])
        .filter(|a| {
            actions
                .as_ref()
                .is_none_or(|acts| acts.contains(&a.action.as_str()))
        })
        .collect();
    let order = |a: (i64, i64), b: (i64, i64)| -> Ordering {
        if descending { b.cmp(&a) } else { a.cmp(&b) }
    };
    list.sort_by(|a, b| order((a.time_ms, a.unique), (b.time_ms, b.unique)));
    let (start, end) = match cursor {
        None => (0, limit.min(list.len())),
        Some((Dir::After, key)) => {
            let start =
                list.partition_point(|a| order((a.time_ms, a.unique), key) != Ordering::Greater);
            (start, (start + limit).min(list.len()))
        }
        Some((Dir::Before, key)) => {
            let end = list.partition_point(|a| order((a.time_ms, a.unique), key) == Ordering::Less);
            (end.saturating_sub(limit), end)
        }
    };
    let page = &list[start..end];
    let after = (end < list.len() && !page.is_empty())
        .then(|| encode_cursor(Dir::After, page[page.len() - 1]));
    let before = (start > 0 && !page.is_empty()).then(|| encode_cursor(Dir::Before, page[0]));

    let base_query: Vec<String> = ctx
        .query
        .iter()
        .filter(|(k, _)| k != "pageToken")
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    let url = |token: Option<&str>| {
        let mut parts = base_query.clone();
        if let Some(t) = token {
            parts.push(format!("pageToken={}", encode_component(t)));
        }
        let q = parts.join("&");
        if q.is_empty() {
            format!("{}{}", ctx.shared.base_url, ctx.path)
        } else {
            format!("{}{}?{q}", ctx.shared.base_url, ctx.path)
        }
    };
    let mut links = vec![json!({ "url": url(None), "rel": "first" })];
    if let Some(a) = &after {
        links.push(json!({ "url": url(Some(a)), "rel": "next" }));
    }
    if let Some(b) = &before {
        links.push(json!({ "url": url(Some(b)), "rel": "prev" }));
    }
    let data: Vec<Value> = page.iter().map(|a| a.body.clone()).collect();
    json_response(
        StatusCode::OK,
        &json!({
            "meta": {
                "links": links,
                "cursors": { "after": after, "before": before },
                "limit": limit,
                "count": data.len(),
            },
            "data": data,
        }),
    )
}
