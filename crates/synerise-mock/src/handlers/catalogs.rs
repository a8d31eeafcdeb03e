//! Catalogs (`/catalogs/...`): bags and items, offset/limit paging.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::batch_array;
use crate::dispatch::Ctx;
use crate::store::Bag;
use crate::util::{json_response, lock};

/// Default `limit` of catalog listings.
const DEFAULT_LIMIT: i64 = 25;

fn meta(total: usize) -> Value {
    json!({ "totalCount": total, "requestTime": "0.001 [s]" })
}

fn envelope(data: Value, total: usize) -> Response {
    json_response(
        StatusCode::OK,
        &json!({ "data": data, "metaData": meta(total) }),
    )
}

fn offset_limit(ctx: &Ctx<'_>) -> Result<(usize, usize), Response> {
    let offset = ctx.query_int("offset", 0)?;
    let limit = ctx.query_int("limit", DEFAULT_LIMIT)?;
    if offset < 0 {
        return Err(ctx.error(
            StatusCode::BAD_REQUEST,
            "offset must be greater than or equal to 0",
        ));
    }
    if limit < 1 {
        return Err(ctx.error(
            StatusCode::BAD_REQUEST,
            "limit must be greater than or equal to 1",
        ));
    }
    Ok((offset as usize, limit as usize))
}

fn catalog_id(ctx: &Ctx<'_>) -> Result<i64, Response> {
    ctx.param("catalogId")
        .parse::<i64>()
        .map_err(|_| ctx.error(StatusCode::BAD_REQUEST, "catalogId must be a number"))
}

fn catalog_not_found(ctx: &Ctx<'_>) -> Response {
    ctx.error(StatusCode::NOT_FOUND, "Catalog not found")
}

fn item_not_found(ctx: &Ctx<'_>) -> Response {
    ctx.error(StatusCode::NOT_FOUND, "Item not found")
}

fn bp(ctx: &Ctx<'_>) -> i64 {
    ctx.shared.config.business_profile_id
}

/// `GET /catalogs/bags?offset&limit&searchBy&orderBy`
pub(super) fn list_bags(ctx: &Ctx<'_>) -> Response {
    let (offset, limit) = match offset_limit(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let search = ctx.query("searchBy").map(str::to_lowercase);
    let order_by = ctx.query("orderBy").unwrap_or("id");
    if !["id", "author", "lastModified", "creationDate"].contains(&order_by) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "orderBy must be id, author, lastModified or creationDate",
        );
    }
    let store = lock(&ctx.shared.store);
    let mut bags: Vec<&Bag> = store
        .catalogs
        .bags
        .values()
        .filter(|b| {
            search.as_ref().is_none_or(|s| {
                b.name.to_lowercase().contains(s) || b.author.to_lowercase().contains(s)
            })
        })
        .collect();
    match order_by {
        "author" => bags.sort_by(|a, b| a.author.cmp(&b.author).then(a.id.cmp(&b.id))),
        "lastModified" => bags.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.id.cmp(&b.id))),
        "creationDate" => bags.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id))),
        _ => {}
    }
    let total = bags.len();
    let page: Vec<Value> = bags
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|b| b.json(bp(ctx)))
        .collect();
    envelope(Value::Array(page), total)
}

/// `POST /catalogs/bags` `{name}`
pub(super) fn create_bag(ctx: &Ctx<'_>) -> Response {
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return ctx.error(StatusCode::BAD_REQUEST, "name is required");
    };
    let mut store = lock(&ctx.shared.store);
    let id = store.catalogs.create(name, "synerise-mock", ctx.now);
    let json = store.catalogs.bags[&id].json(bp(ctx));
    envelope(json, 1)
}

/// `DELETE /catalogs/bags` with a body of catalog ids.
pub(super) fn delete_bags(ctx: &Ctx<'_>) -> Response {
    let ids = match ctx.json() {
        Ok(Value::Array(ids)) => ids,
        Ok(_) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "The request body must be an array of catalog ids",
            );
        }
        Err(r) => return r,
    };
    let mut store = lock(&ctx.shared.store);
    let results: Vec<Value> = ids
        .iter()
        .map(|id| {
            let id = id.as_i64().unwrap_or(-1);
            let result = store.catalogs.bags.remove(&id).is_some();
            json!({ "id": id, "result": result })
        })
        .collect();
    let n = results.len();
    envelope(Value::Array(results), n)
}

/// `GET /catalogs/bags/{catalogId}`
pub(super) fn get_bag(ctx: &Ctx<'_>) -> Response {
    let id = match catalog_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let store = lock(&ctx.shared.store);
    match store.catalogs.bags.get(&id) {
        Some(b) => envelope(b.json(bp(ctx)), 1),
        None => catalog_not_found(ctx),
    }
}

/// `DELETE /catalogs/bags/{catalogId}`
pub(super) fn delete_bag(ctx: &Ctx<'_>) -> Response {
    let id = match catalog_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match lock(&ctx.shared.store).catalogs.bags.remove(&id) {
        Some(_) => envelope(json!(true), 0),
        None => catalog_not_found(ctx),
    }
}

/// `GET /catalogs/bags/{catalogId}/items?itemKey&offset&limit`
pub(super) fn list_items(ctx: &Ctx<'_>) -> Response {
    let id = match catalog_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let (offset, limit) = match offset_limit(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = lock(&ctx.shared.store);
    let Some(bag) = store.catalogs.bags.get(&id) else {
        return catalog_not_found(ctx);
    };
    match ctx.query("itemKey").filter(|k| !k.is_empty()) {
        Some(key) => {
            let found: Vec<Value> = bag
                .item_by_key(key)
                .map(|i| bag.item_json(i, bp(ctx)))
                .into_iter()
                .collect();
            let total = found.len();
            let page: Vec<Value> = found.into_iter().skip(offset).take(limit).collect();
            envelope(Value::Array(page), total)
        }
        None => {
            let page: Vec<Value> = bag
                .items()
                .skip(offset)
                .take(limit)
                .map(|i| bag.item_json(i, bp(ctx)))
                .collect();
            envelope(Value::Array(page), bag.item_count())
        }
    }
}

/// `GET /catalogs/items?offset&limit` (all catalogs)
pub(super) fn list_all_items(ctx: &Ctx<'_>) -> Response {
    let (offset, limit) = match offset_limit(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = lock(&ctx.shared.store);
    let total: usize = store.catalogs.bags.values().map(Bag::item_count).sum();
    let page: Vec<Value> = store
        .catalogs
        .bags
        .values()
        .flat_map(|b| b.items().map(move |i| (b, i)))
        .skip(offset)
        .take(limit)
        .map(|(b, i)| b.item_json(i, bp(ctx)))
        .collect();
    envelope(Value::Array(page), total)
}

fn item_input(v: &Value) -> Result<(String, Value), &'static str> {
    let key = match v.get("itemKey") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("itemKey is required"),
    };
    match v.get("value") {
        Some(Value::Object(o)) => Ok((key, Value::Object(o.clone()))),
        _ => Err("value is required and must be an object"),
    }
}

/// `POST /catalogs/bags/{catalogId}/items` `{itemKey, value}`: adds or replaces by itemKey.
pub(super) fn add_item(ctx: &Ctx<'_>) -> Response {
    let id = match catalog_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (key, value) = match item_input(&body) {
        Ok(v) => v,
        Err(msg) => return ctx.error(StatusCode::BAD_REQUEST, msg),
    };
    match lock(&ctx.shared.store)
        .catalogs
        .upsert_item(id, &key, value, ctx.now)
    {
        Some(_) => json_response(StatusCode::OK, &json!(true)),
        None => catalog_not_found(ctx),
    }
}

/// `POST /catalogs/bags/{catalogId}/items/batch` `[{itemKey, value}, ...]`
pub(super) fn add_items_batch(ctx: &Ctx<'_>) -> Response {
    let id = match catalog_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let items = match batch_array(ctx) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut parsed = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item_input(item) {
            Ok(v) => parsed.push(v),
            Err(msg) => errors.push(json!({ "field": format!("[{i}]"), "message": msg })),
        }
    }
    if !errors.is_empty() {
        return ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            errors,
        );
    }
    let mut store = lock(&ctx.shared.store);
    if !store.catalogs.bags.contains_key(&id) {
        return catalog_not_found(ctx);
    }
    for (key, value) in parsed {
        store.catalogs.upsert_item(id, &key, value, ctx.now);
    }
    json_response(StatusCode::OK, &json!(true))
}

fn item_id(ctx: &Ctx<'_>) -> Result<i64, Response> {
    ctx.param("itemId")
        .parse::<i64>()
        .map_err(|_| ctx.error(StatusCode::BAD_REQUEST, "itemId must be a number"))
}

/// `GET /catalogs/bags/{catalogId}/items/{itemId}`
pub(super) fn get_item(ctx: &Ctx<'_>) -> Response {
    let (cid, iid) = match catalog_id(ctx).and_then(|c| item_id(ctx).map(|i| (c, i))) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = lock(&ctx.shared.store);
    let Some(bag) = store.catalogs.bags.get(&cid) else {
        return catalog_not_found(ctx);
    };
    match bag.item(iid) {
        Some(item) => envelope(bag.item_json(item, bp(ctx)), 1),
        None => item_not_found(ctx),
    }
}

/// `POST /catalogs/bags/{catalogId}/items/{itemId}`: replaces the item's properties.
pub(super) fn update_item(ctx: &Ctx<'_>) -> Response {
    let (cid, iid) = match catalog_id(ctx).and_then(|c| item_id(ctx).map(|i| (c, i))) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let value = match ctx.json() {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "The request body must be a JSON object",
            );
        }
        Err(r) => return r,
    };
    let mut store = lock(&ctx.shared.store);
    let Some(bag) = store.catalogs.bags.get_mut(&cid) else {
        return catalog_not_found(ctx);
    };
    if !bag.update_item(iid, value, ctx.now) {
        return item_not_found(ctx);
    }
    let item = bag.item(iid).expect("just updated").clone();
    envelope(bag.item_json(&item, bp(ctx)), 1)
}

/// `DELETE /catalogs/bags/{catalogId}/items/{itemId}`
pub(super) fn delete_item(ctx: &Ctx<'_>) -> Response {
    let (cid, iid) = match catalog_id(ctx).and_then(|c| item_id(ctx).map(|i| (c, i))) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut store = lock(&ctx.shared.store);
    let Some(bag) = store.catalogs.bags.get_mut(&cid) else {
        return catalog_not_found(ctx);
    };
    if bag.remove_item(iid) {
        envelope(json!(true), 0)
    } else {
        item_not_found(ctx)
    }
}

/// `GET /catalogs/bags/{catalogId}/items/itemKey/{itemKey}`
pub(super) fn get_item_by_key(ctx: &Ctx<'_>) -> Response {
    let cid = match catalog_id(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = lock(&ctx.shared.store);
    let Some(bag) = store.catalogs.bags.get(&cid) else {
        return catalog_not_found(ctx);
    };
    match bag.item_by_key(ctx.param("itemKey")) {
        Some(item) => envelope(bag.item_json(item, bp(ctx)), 1),
        None => item_not_found(ctx),
    }
}

/// `DELETE /catalogs/bags/{catalogId}/items/itemKey/{itemKey}`
pub(super) fn delete_item_by_key(ctx: &Ctx<'_>) -> Response {
    let cid = match catalog_id(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut store = lock(&ctx.shared.store);
    let Some(bag) = store.catalogs.bags.get_mut(&cid) else {
        return catalog_not_found(ctx);
    };
    match bag.item_by_key(ctx.param("itemKey")).map(|i| i.id) {
        Some(iid) => {
            bag.remove_item(iid);
            envelope(json!(true), 0)
        }
        None => item_not_found(ctx),
    }
}
