//! Profiles (`/v4/clients...`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{BATCH_MAX_BYTES, BATCH_MAX_ITEMS, batch_array};
use crate::StoreMode;
use crate::dispatch::Ctx;
use crate::store::{Ids, ProfileQuery, UpsertError};
use crate::util::{empty_response, json_response, lock};

/// Default `pageSize` of the profile list.
const DEFAULT_PAGE_SIZE: i64 = 20;
const SORT_FIELDS: [&str; 6] = [
    "firstName",
    "lastName",
    "lastActivityDate",
    "email",
    "city",
    "phone",
];
const FILTERS: [&str; 5] = ["anonymous", "firstName", "lastName", "email", "phone"];

/// Validates identifiers of a profile body; returns `(field, message, rejected)` problems.
fn validate(obj: &Map<String, Value>) -> Vec<(String, String, Value)> {
    let mut problems = Vec::new();
    if let Some(v) = obj.get("uuid")
        && !v.is_null()
        && v.as_str().is_none_or(|s| uuid::Uuid::parse_str(s).is_err())
    {
        problems.push((
            "uuid".to_owned(),
            "UUID must be well-formed value as per RFC 4122".to_owned(),
            v.clone(),
        ));
    }
    if let Some(v) = obj.get("email")
        && !v.is_null()
        && v.as_str().is_none_or(|s| !s.contains('@'))
    {
        problems.push((
            "email".to_owned(),
            "must be a well-formed email address".to_owned(),
            v.clone(),
        ));
    }
    problems
}

fn validation_error(ctx: &Ctx<'_>, problems: Vec<(String, String, Value)>) -> Response {
    let errors = problems
        .into_iter()
        .map(|(field, message, rejected)| {
            json!({ "code": 120, "field": field, "message": message, "rejectedValue": rejected })
        })
        .collect();
    ctx.error_with(
        StatusCode::BAD_REQUEST,
        "Some fields did not pass validation",
        errors,
    )
}

fn body_object(ctx: &Ctx<'_>) -> Result<Map<String, Value>, Response> {
    match ctx.json()? {
        Value::Object(obj) => Ok(obj),
        _ => Err(ctx.error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object",
        )),
    }
}

fn not_found(ctx: &Ctx<'_>) -> Response {
    ctx.error(StatusCode::NOT_FOUND, "Profile not found")
}

/// `GET /v4/clients` (pageIndex from 1; bare array; no total).
pub(super) fn list(ctx: &Ctx<'_>) -> Response {
    let page_index = match ctx.query_int("pageIndex", 1) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page_size = match ctx.query_int("pageSize", DEFAULT_PAGE_SIZE) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if page_index < 1 {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "pageIndex must be greater than or equal to 1",
        );
    }
    if page_size < 1 {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "pageSize must be greater than or equal to 1",
        );
    }
    let mut q = ProfileQuery::default();
    if let Some(sort_by) = ctx.query("sortBy") {
        if !SORT_FIELDS.contains(&sort_by) {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                &format!("Unsupported sortBy value: {sort_by}"),
            );
        }
        q.sort_by = Some(sort_by.to_owned());
    }
    match ctx
        .query("sortOrder")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("ASC") => {}
        Some("DESC") => q.descending = true,
        Some(other) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                &format!("Unsupported sortOrder value: {other}"),
            );
        }
    }
    for (k, v) in ctx.query {
        if let Some(name) = k.strip_prefix("filters[").and_then(|s| s.strip_suffix(']'))
            && FILTERS.contains(&name)
        {
            q.filters.push((name.to_owned(), v.clone()));
        }
    }
    let page = lock(&ctx.shared.store)
        .profiles
        .page(page_index as usize, page_size as usize, &q);
    json_response(StatusCode::OK, &Value::Array(page))
}

/// `POST /v4/clients`: creates (or, when an identifier already exists, updates) a profile.
pub(super) fn create(ctx: &Ctx<'_>) -> Response {
    let obj = match body_object(ctx) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let problems = validate(&obj);
    if !problems.is_empty() {
        return validation_error(ctx, problems);
    }
    let mut ids = Ids::from_object(&obj);
    ids.id = None;
    if ids.is_empty() {
        return validation_error(
            ctx,
            vec![(
                "email".to_owned(),
                "At least one identifier is required: email, phone, customId or uuid".to_owned(),
                Value::Null,
            )],
        );
    }
    let mut store = lock(&ctx.shared.store);
    let store = &mut *store;
    match store
        .profiles
        .upsert(None, &ids, Some(&obj), ctx.now, &mut store.rng)
    {
        Ok(_) => empty_response(StatusCode::ACCEPTED),
        Err(_) => ctx.error(StatusCode::BAD_REQUEST, "A profile identifier is required"),
    }
}

fn update(ctx: &Ctx<'_>, target: Option<i64>) -> Response {
    let Some(id) = target else {
        return not_found(ctx);
    };
    let obj = match body_object(ctx) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let problems = validate(&obj);
    if !problems.is_empty() {
        return validation_error(ctx, problems);
    }
    let mut store = lock(&ctx.shared.store);
    let store = &mut *store;
    if !store.profiles.exists(id) {
        return not_found(ctx);
    }
    let mut ids = Ids::from_object(&obj);
    ids.id = None;
    match store
        .profiles
        .upsert(Some(id), &ids, Some(&obj), ctx.now, &mut store.rng)
    {
        Ok(_) => empty_response(StatusCode::ACCEPTED),
        Err(_) => not_found(ctx),
    }
}

fn path_client_id(ctx: &Ctx<'_>, name: &str) -> Result<i64, Response> {
    ctx.param(name).parse::<i64>().map_err(|_| {
        ctx.error(
            StatusCode::BAD_REQUEST,
            &format!("Failed to convert value of path variable '{name}' to a number"),
        )
    })
}

/// `GET /v4/clients/{clientId}`
pub(super) fn get_by_id(ctx: &Ctx<'_>) -> Response {
    let id = match path_client_id(ctx, "clientId") {
        Ok(id) => id,
        Err(r) => return r,
    };
    match lock(&ctx.shared.store).profiles.json(id) {
        Some(v) => json_response(StatusCode::OK, &v),
        None => not_found(ctx),
    }
}

/// `POST /v4/clients/{clientId}`
pub(super) fn update_by_id(ctx: &Ctx<'_>) -> Response {
    match path_client_id(ctx, "clientId") {
        Ok(id) => update(ctx, Some(id)),
        Err(r) => r,
    }
}

/// `POST /v4/clients/by-email/{clientEmail}`
pub(super) fn update_by_email(ctx: &Ctx<'_>) -> Response {
    let id = lock(&ctx.shared.store)
        .profiles
        .by_email(ctx.param("clientEmail"));
    update(ctx, id)
}

/// `POST /v4/clients/by-customid/{customId}`
pub(super) fn update_by_custom_id(ctx: &Ctx<'_>) -> Response {
    let id = lock(&ctx.shared.store)
        .profiles
        .by_custom_id(ctx.param("customId"));
    update(ctx, id)
}

/// `DELETE /v4/clients/{clientId}`
pub(super) fn delete_by_id(ctx: &Ctx<'_>) -> Response {
    let id = match path_client_id(ctx, "clientId") {
        Ok(id) => id,
        Err(r) => return r,
    };
    if lock(&ctx.shared.store).delete_profile(id) {
        empty_response(StatusCode::OK)
    } else {
        not_found(ctx)
    }
}

/// `DELETE /v4/clients/by-custom-id/{customId}`
pub(super) fn delete_by_custom_id(ctx: &Ctx<'_>) -> Response {
    let mut store = lock(&ctx.shared.store);
    match store.profiles.by_custom_id(ctx.param("customId")) {
        Some(id) => {
            store.delete_profile(id);
            empty_response(StatusCode::OK)
        }
        None => not_found(ctx),
    }
}

/// `GET /v4/clients/{identifierType}/{identifierValue}`
pub(super) fn find(ctx: &Ctx<'_>) -> Response {
    let value = ctx.param("identifierValue");
    let store = lock(&ctx.shared.store);
    let id = match ctx.param("identifierType") {
        "by-custom-id" => store.profiles.by_custom_id(value),
        "by-email" => store.profiles.by_email(value),
        "by-uuid" => store.profiles.by_uuid(value),
        "by-phone" => store.profiles.by_phone(value),
        other => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "identifierType must be one of by-custom-id, by-phone, by-uuid, by-email (got {other})"
                ),
            );
        }
    };
    match id.and_then(|id| store.profiles.json(id)) {
        Some(v) => json_response(StatusCode::OK, &v),
        None => not_found(ctx),
    }
}

/// The fields of a batch profile that a count-only store looks at; the rest is skipped unparsed.
#[derive(serde::Deserialize)]
struct IdentifierFields {
    #[serde(rename = "clientId")]
    client_id: Option<Value>,
    id: Option<Value>,
    #[serde(rename = "customId")]
    custom_id: Option<Value>,
    email: Option<Value>,
    uuid: Option<Value>,
    phone: Option<Value>,
}

/// In [`StoreMode::CountOnly`], a well-formed batch body as objects holding only the identifier
/// fields: the store keeps nothing else, and building every attribute as a `Value` is what would
/// make the mock, not the client, the bottleneck of a bulk import. `None` sends everything else
/// (another mode, a body over the limits, anything malformed) through the full path, which
/// produces the errors.
fn identifiers_only(ctx: &Ctx<'_>) -> Option<Vec<Value>> {
    if ctx.shared.config.store_mode != StoreMode::CountOnly || ctx.body.len() > BATCH_MAX_BYTES {
        return None;
    }
    let items: Vec<IdentifierFields> = serde_json::from_slice(ctx.body).ok()?;
    if items.len() > BATCH_MAX_ITEMS {
        return None;
    }
    let objects = items
        .into_iter()
        .map(|item| {
            let fields = [
                ("clientId", item.client_id),
                ("id", item.id),
                ("customId", item.custom_id),
                ("email", item.email),
                ("uuid", item.uuid),
                ("phone", item.phone),
            ];
            Value::Object(
                fields
                    .into_iter()
                    .filter_map(|(name, value)| Some((name.to_owned(), value?)))
                    .collect(),
            )
        })
        .collect();
    Some(objects)
}

/// `POST /v4/clients/batch`: upserts keyed by customId, else email, else uuid, else clientId.
/// 202 when every item was applied; 207 with per-item errors when some were rejected.
pub(super) fn batch(ctx: &Ctx<'_>) -> Response {
    let items = match identifiers_only(ctx) {
        Some(items) => items,
        None => match batch_array(ctx) {
            Ok(items) => items,
            Err(r) => return r,
        },
    };
    let mut errors = Vec::new();
    let mut store = lock(&ctx.shared.store);
    let store = &mut *store;
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            errors.push(json!({
                "rejectedValue": item, "field": format!("list[{i}]"), "status": 400,
                "message": "Each item must be a JSON object",
            }));
            continue;
        };
        let problems = validate(obj);
        if !problems.is_empty() {
            for (field, message, rejected) in problems {
                errors.push(json!({
                    "rejectedValue": rejected, "field": format!("list[{i}].{field}"),
                    "status": 400, "message": message,
                }));
            }
            continue;
        }
        let ids = Ids::from_object(obj);
        match store.profiles.upsert(None, &ids, Some(obj), ctx.now, &mut store.rng) {
            Ok(_) => {}
            Err(UpsertError::NoIdentifier) => errors.push(json!({
                "rejectedValue": Value::Null, "field": format!("list[{i}]"), "status": 400,
                "message": "At least one identifier is required: email, phone, customId, uuid or clientId",
            })),
            Err(UpsertError::UnknownId(id)) => errors.push(json!({
                "rejectedValue": id, "field": format!("list[{i}].clientId"), "status": 400,
                "message": "clientId can only be used to update an existing profile",
            })),
        }
    }
    if errors.is_empty() {
        empty_response(StatusCode::ACCEPTED)
    } else {
        json_response(StatusCode::MULTI_STATUS, &Value::Array(errors))
    }
}
