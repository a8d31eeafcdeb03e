//! Events, AI events, transactions, the legacy event listing and server time.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::batch_array;
use crate::dispatch::Ctx;
use crate::store::{Ids, RecordedEvent, Store, UpsertError};
use crate::util::{empty_response, fmt_time, fmt_time_secs, json_response, lock, parse_time};

/// Single-event endpoints and the action the backend sets for them.
const EVENT_PATHS: [(&str, &str); 22] = [
    ("application-started", "client.applicationStarted"),
    ("registered", "client.register"),
    ("logged-in", "client.login"),
    ("logged-out", "client.logout"),
    ("added-to-cart", "product.addToCart"),
    ("removed-from-cart", "product.removeFromCart"),
    ("added-to-favorites", "product.addToFavorite"),
    ("product-view", "product.view"),
    ("assigned-to-company", "client.assignToCompany"),
    ("appeared-in-location", "client.location"),
    ("push/received", "push.receiveInBackground"),
    ("push/viewed", "push.view"),
    ("push/clicked", "push.click"),
    ("push/cancelled", "push.cancel"),
    ("cancelled-transaction", "transaction.cancel"),
    ("hit-timer", "client.hitTimer"),
    ("searched", "client.search"),
    ("recommendation-seen", "recommendation.view"),
    ("recommendation-click", "recommendation.click"),
    ("visited-screen", "screen.view"),
    ("recommendation-view", "recommendation.view"),
    ("item-search-click", "item.search.click"),
];

const AI_EVENT_TYPES: [&str; 4] = [
    "item.search.click",
    "product.search.click",
    "recommendation.click",
    "recommendation.view",
];

/// The action of a predefined single-event endpoint (`/v4/events/...`).
pub(crate) fn action_for_event_path(path: &str) -> Option<&'static str> {
    let suffix = path.strip_prefix("/v4/events/")?;
    EVENT_PATHS
        .iter()
        .find(|(p, _)| *p == suffix)
        .map(|(_, a)| *a)
}

/// The action for a batch event `type` (`custom` uses the event's own `action`).
fn action_for_type(t: &str, own_action: Option<&str>) -> Option<String> {
    if t == "custom" {
        return own_action.map(str::to_owned);
    }
    let norm = |s: &str| s.replace(['/', '.'], "-").to_ascii_lowercase();
    let wanted = norm(t);
    EVENT_PATHS
        .iter()
        .find(|(p, a)| norm(p) == wanted || *a == t)
        .map(|(_, a)| (*a).to_owned())
        .or_else(|| own_action.map(str::to_owned))
}

/// A validated event, ready to store.
struct Prepared {
    ids: Ids,
    action: String,
    time: DateTime<Utc>,
    salt: Option<String>,
    label: Option<String>,
    params: Value,
    body: Value,
}

fn field_error(prefix: &str, field: &str, message: &str, rejected: Value) -> Value {
    json!({
        "path": format!("{prefix}{field}"),
        "field": format!("{prefix}{field}"),
        "message": message,
        "rejectedValue": rejected,
    })
}

/// Occurrence time: the sent time unless it is missing or in the future.
fn occurrence(sent: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    match sent {
        Some(t) if t <= now => t,
        _ => now,
    }
}

fn client_ids(obj: &Map<String, Value>) -> Option<Ids> {
    let client = obj.get("client")?.as_object()?;
    let mut ids = Ids::from_object(client);
    ids.phone = None;
    (!ids.is_empty()).then_some(ids)
}

/// Validates one event object. `action` is the action fixed by the endpoint, if any.
fn prepare(
    obj: &Map<String, Value>,
    action: Option<String>,
    prefix: &str,
    now: DateTime<Utc>,
    errors: &mut Vec<Value>,
) -> Option<Prepared> {
    let before = errors.len();
    let label = obj.get("label");
    match label {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 64 => {}
        Some(Value::String(s)) if !s.is_empty() => errors.push(field_error(
            prefix,
            "label",
            "length must be between 1 and 64",
            json!(s),
        )),
        other => errors.push(field_error(
            prefix,
            "label",
            "cannot be empty",
            other.cloned().unwrap_or(Value::Null),
        )),
    }
    let ids = client_ids(obj);
    if ids.is_none() {
        errors.push(field_error(
            prefix,
            "client",
            "must contain at least one identifier: id, customId, email or uuid",
            obj.get("client").cloned().unwrap_or(Value::Null),
        ));
    }
    let action = action.or_else(|| {
        obj.get("action")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    if action.is_none() {
        errors.push(field_error(
            prefix,
            "action",
            "cannot be empty",
            obj.get("action").cloned().unwrap_or(Value::Null),
        ));
    }
    let sent_time = match obj.get("time") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match parse_time(s) {
            Some(t) => Some(t),
            None => {
                errors.push(field_error(
                    prefix,
                    "time",
                    "must be an ISO 8601 date-time",
                    json!(s),
                ));
                None
            }
        },
        Some(other) => {
            errors.push(field_error(
                prefix,
                "time",
                "must be an ISO 8601 date-time",
                other.clone(),
            ));
            None
        }
    };
    let params = match obj.get("params") {
        None | Some(Value::Null) => json!({}),
        Some(Value::Object(p)) => Value::Object(p.clone()),
        Some(other) => {
            errors.push(field_error(
                prefix,
                "params",
                "must be an object",
                other.clone(),
            ));
            json!({})
        }
    };
    if errors.len() != before {
        return None;
    }
    Some(Prepared {
        ids: ids?,
        action: action?,
        time: occurrence(sent_time, now),
        salt: obj
            .get("eventSalt")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        label: label.and_then(Value::as_str).map(str::to_owned),
        params,
        body: Value::Object(obj.clone()),
    })
}

/// Resolves profiles and stores the events (all or nothing for the unknown-clientId case).
fn store_events(store: &mut Store, events: Vec<Prepared>, now: DateTime<Utc>) -> Result<(), i64> {
    // Check ids first so that nothing is stored when a clientId is unknown.
    for ev in &events {
        if let Some(id) = ev.ids.id
            && ev.ids.custom_id.is_none()
            && ev.ids.email.is_none()
            && ev.ids.uuid.is_none()
            && !store.profiles.exists(id)
        {
            return Err(id);
        }
    }
    for ev in events {
        let client_id = match store.resolve_or_create(&ev.ids, now) {
            Ok(id) => id,
            Err(UpsertError::UnknownId(id)) => return Err(id),
            Err(UpsertError::NoIdentifier) => return Err(0),
        };
        store.events.insert(RecordedEvent {
            client_id,
            action: ev.action,
            time: ev.time,
            event_salt: ev.salt,
            label: ev.label,
            params: ev.params,
            body: ev.body,
            seq: 0,
        });
    }
    Ok(())
}

fn unknown_client(ctx: &Ctx<'_>, id: i64) -> Response {
    ctx.error(
        StatusCode::BAD_REQUEST,
        &format!("Profile with clientId {id} does not exist"),
    )
}

/// Single-event endpoints (`/v4/events/<type>` and `/v4/events/custom`).
pub(super) fn single(ctx: &Ctx<'_>) -> Response {
    let obj = match ctx.json() {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "The request body must be a JSON object",
            );
        }
        Err(r) => return r,
    };
    let action = action_for_event_path(ctx.matched.op.path).map(str::to_owned);
    let mut errors = Vec::new();
    let Some(prepared) = prepare(&obj, action, "", ctx.now, &mut errors) else {
        return ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            errors,
        );
    };
    let mut store = lock(&ctx.shared.store);
    match store_events(&mut store, vec![prepared], ctx.now) {
        Ok(()) => empty_response(StatusCode::ACCEPTED),
        Err(id) => unknown_client(ctx, id),
    }
}

/// `POST /v4/events/batch`: ≤ 1000 events, ≤ 1 MB, one identifier kind per batch.
pub(super) fn batch(ctx: &Ctx<'_>) -> Response {
    let items = match batch_array(ctx) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let mut prepared = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("[{i}].");
        let Some(obj) = item.as_object() else {
            errors.push(field_error(&prefix, "", "must be an object", item.clone()));
            continue;
        };
        let own_action = obj.get("action").and_then(Value::as_str);
        let action = match obj.get("type").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => match action_for_type(t, own_action) {
                Some(a) => Some(a),
                None => {
                    errors.push(field_error(
                        &prefix,
                        "type",
                        "unknown event type; custom events need type \"custom\" and an action",
                        json!(t),
                    ));
                    continue;
                }
            },
            _ => {
                errors.push(field_error(
                    &prefix,
                    "type",
                    "cannot be empty",
                    obj.get("type").cloned().unwrap_or(Value::Null),
                ));
                continue;
            }
        };
        if let Some(p) = prepare(obj, action, &prefix, ctx.now, &mut errors) {
            prepared.push(p);
        }
    }
    if !errors.is_empty() {
        return ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            errors,
        );
    }
    let mut kinds: Vec<&'static str> = prepared.iter().filter_map(|p| p.ids.kind()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    if kinds.len() > 1 {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            &format!(
                "All events in a batch must use the same type of profile identifier; found {}",
                kinds.join(", ")
            ),
        );
    }
    let mut store = lock(&ctx.shared.store);
    match store_events(&mut store, prepared, ctx.now) {
        Ok(()) => empty_response(StatusCode::ACCEPTED),
        Err(id) => unknown_client(ctx, id),
    }
}

fn check_ai_event(obj: &Map<String, Value>, prefix: &str, errors: &mut Vec<Value>) {
    for field in ["clientUUID", "correlationId"] {
        if obj
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            errors.push(field_error(
                prefix,
                field,
                "cannot be empty",
                obj.get(field).cloned().unwrap_or(Value::Null),
            ));
        }
    }
}

/// `POST /v4/events/ai-compat/<type>`
pub(super) fn ai_single(ctx: &Ctx<'_>) -> Response {
    let event_type = ctx
        .matched
        .op
        .path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut obj = match ctx.json() {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "The request body must be a JSON object",
            );
        }
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    check_ai_event(&obj, "", &mut errors);
    if !errors.is_empty() {
        return ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            errors,
        );
    }
    obj.insert("eventType".into(), json!(event_type));
    lock(&ctx.shared.store).add_ai_event(Value::Object(obj));
    empty_response(StatusCode::ACCEPTED)
}

/// `POST /v4/events/ai-compat/batch`: `{eventType, items: [...]}`, one type per request.
pub(super) fn ai_batch(ctx: &Ctx<'_>) -> Response {
    let body = match ctx.json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let event_type = body.get("eventType").and_then(Value::as_str).unwrap_or("");
    if !AI_EVENT_TYPES.contains(&event_type) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "eventType must be one of item.search.click, product.search.click, recommendation.click, recommendation.view",
        );
    }
    let Some(items) = body.get("items").and_then(Value::as_array) else {
        return ctx.error(StatusCode::BAD_REQUEST, "items must be an array");
    };
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_object() {
            Some(obj) => check_ai_event(obj, &format!("items[{i}]."), &mut errors),
            None => errors.push(field_error(
                &format!("items[{i}]"),
                "",
                "must be an object",
                item.clone(),
            )),
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
    for item in items {
        let mut obj = item.as_object().cloned().unwrap_or_default();
        obj.insert("eventType".into(), json!(event_type));
        store.add_ai_event(Value::Object(obj));
    }
    empty_response(StatusCode::ACCEPTED)
}

struct PreparedTx {
    ids: Ids,
    recorded_at: DateTime<Utc>,
    salt: Option<String>,
    body: Value,
}

fn prepare_tx(
    obj: &Map<String, Value>,
    prefix: &str,
    now: DateTime<Utc>,
    errors: &mut Vec<Value>,
) -> Option<PreparedTx> {
    let before = errors.len();
    let ids = client_ids(obj);
    if ids.is_none() {
        errors.push(json!({
            "code": 14191,
            "field": format!("{prefix}client"),
            "message": "Client cannot have null value",
        }));
    }
    if obj
        .get("orderId")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        errors.push(json!({
            "code": 14192,
            "field": format!("{prefix}orderId"),
            "message": "orderId cannot be empty",
        }));
    }
    let sent = match obj.get("recordedAt") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_str().and_then(parse_time) {
            Some(t) => Some(t),
            None => {
                errors.push(json!({
                    "code": 14193,
                    "field": format!("{prefix}recordedAt"),
                    "message": "recordedAt must be an ISO 8601 date-time",
                    "rejectedValue": v,
                }));
                None
            }
        },
    };
    if errors.len() != before {
        return None;
    }
    Some(PreparedTx {
        ids: ids?,
        recorded_at: occurrence(sent, now),
        salt: obj
            .get("eventSalt")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        body: Value::Object(obj.clone()),
    })
}

fn store_transactions(ctx: &Ctx<'_>, txs: Vec<PreparedTx>) -> Response {
    let mut store = lock(&ctx.shared.store);
    for tx in &txs {
        if let Some(id) = tx.ids.id
            && tx.ids.custom_id.is_none()
            && tx.ids.email.is_none()
            && tx.ids.uuid.is_none()
            && !store.profiles.exists(id)
        {
            return unknown_client(ctx, id);
        }
    }
    for tx in txs {
        let client_id = match store.resolve_or_create(&tx.ids, ctx.now) {
            Ok(id) => id,
            Err(_) => return unknown_client(ctx, tx.ids.id.unwrap_or_default()),
        };
        store
            .transactions
            .insert(client_id, tx.recorded_at, tx.salt.as_deref(), tx.body);
    }
    empty_response(StatusCode::ACCEPTED)
}

/// `POST /v4/transactions`
pub(super) fn transaction(ctx: &Ctx<'_>) -> Response {
    let obj = match ctx.json() {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "The request body must be a JSON object",
            );
        }
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    match prepare_tx(&obj, "", ctx.now, &mut errors) {
        Some(tx) => store_transactions(ctx, vec![tx]),
        None => ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            errors,
        ),
    }
}

/// `POST /v4/transactions/batch`
pub(super) fn transaction_batch(ctx: &Ctx<'_>) -> Response {
    let items = match batch_array(ctx) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let mut txs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("[{i}].");
        match item.as_object() {
            Some(obj) => {
                if let Some(tx) = prepare_tx(obj, &prefix, ctx.now, &mut errors) {
                    txs.push(tx);
                }
            }
            None => {
                errors.push(json!({ "field": format!("[{i}]"), "message": "must be an object" }))
            }
        }
    }
    if !errors.is_empty() {
        return ctx.error_with(
            StatusCode::BAD_REQUEST,
            "Some fields did not pass validation",
            errors,
        );
    }
    store_transactions(ctx, txs)
}

/// Default and maximum `limit` of the legacy event listing.
const LEGACY_DEFAULT_LIMIT: i64 = 100;
const LEGACY_MAX_LIMIT: i64 = 500;

/// `GET /v4/events/by-client/{clientId}` (deprecated): newest first, `limit` 1..=500.
pub(super) fn by_client(ctx: &Ctx<'_>) -> Response {
    let Ok(client_id) = ctx.param("clientId").parse::<i64>() else {
        return ctx.error(StatusCode::BAD_REQUEST, "clientId must be a number");
    };
    let limit = match ctx.query_int("limit", LEGACY_DEFAULT_LIMIT) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !(1..=LEGACY_MAX_LIMIT).contains(&limit) {
        return ctx.error(StatusCode::BAD_REQUEST, "limit must be between 1 and 500");
    }
    let mut bounds = [None, None];
    for (slot, name) in bounds.iter_mut().zip(["time[from]", "time[to]"]) {
        if let Some(v) = ctx.query(name).filter(|v| !v.is_empty()) {
            match parse_time(v) {
                Some(t) => *slot = Some(t),
                None => {
                    return ctx.error(
                        StatusCode::BAD_REQUEST,
                        &format!("{name} must be an ISO 8601 date-time"),
                    );
                }
            }
        }
    }
    let action = ctx.query("action").filter(|a| !a.is_empty());
    let store = lock(&ctx.shared.store);
    if !store.profiles.exists(client_id) {
        return ctx.error(StatusCode::NOT_FOUND, "Profile not found");
    }
    let ids = store.profiles.identifiers(client_id);
    let mut events = store.events.for_profile(client_id);
    drop(store);
    events.retain(|e| {
        bounds[0].is_none_or(|from| e.time >= from)
            && bounds[1].is_none_or(|to| e.time <= to)
            && action.is_none_or(|a| e.action == a)
    });
    events.sort_by(|a, b| b.time.cmp(&a.time).then(b.seq.cmp(&a.seq)));
    let client = json!({
        "customId": ids.custom_id,
        "id": client_id,
        "uuid": ids.uuid,
        "email": ids.email,
    });
    let out: Vec<Value> = events
        .into_iter()
        .take(limit as usize)
        .map(|e| {
            let mut params = match e.params {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            params.insert(
                "eventCreateTime".into(),
                json!(e.time.timestamp_millis() as f64 / 1000.0),
            );
            json!({
                "time": fmt_time(e.time),
                "action": e.action,
                "label": e.label,
                "client": client,
                "params": params,
            })
        })
        .collect();
    json_response(StatusCode::OK, &Value::Array(out))
}

/// `GET /v4/server/time`
pub(super) fn server_time(ctx: &Ctx<'_>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({ "serverTime": fmt_time_secs(ctx.now) }),
    )
}
