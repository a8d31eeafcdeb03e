//! Handlers of the operations with real behaviour; everything else answers 501.

// Handlers return a ready `Response` as the error of their helpers (early 4xx answers);
// boxing it would only add noise to a test server.
#![allow(clippy::result_large_err)]

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::dispatch::{BATCH_MAX_BYTES, BATCH_MAX_ITEMS, Ctx};

mod auth;
mod catalogs;
mod events;
mod misc;
mod profiles;

pub(crate) use events::action_for_event_path;

/// Routes a matched, authenticated request to its handler.
pub(crate) fn handle(ctx: &Ctx<'_>) -> Response {
    let op = ctx.matched.op;
    match (op.method, op.path) {
        // Authorization
        ("POST", "/uauth/auth/login/user") => auth::user_login(ctx),
        ("POST", "/uauth/auth/login/user/mfa/verification") => auth::user_mfa(ctx),
        ("POST", "/uauth/auth/login/user/profile/{businessProfileUUID}") => {
            auth::select_workspace(ctx)
        }
        ("GET", "/uauth/business-profile/") => auth::list_workspaces(ctx),
        ("GET", "/uauth/business-profile/current") => auth::current_workspace(ctx),
        ("POST", "/uauth/v2/auth/login/profile") => auth::workspace_login(ctx),
        ("POST", "/sauth/v3/auth/refresh/client") => auth::refresh_client(ctx),
        ("POST", "/sauth/v3/auth/login/client") => auth::client_login(ctx, false),
        ("POST", "/sauth/v3/auth/login/client/conditional") => auth::client_login(ctx, true),
        ("POST", "/sauth/v3/auth/login/client/anonymous") => auth::anonymous_login(ctx),
        ("POST", "/sauth/management/client/{clientID}/logout") => auth::logout_client(ctx),

        // Profiles
        ("GET", "/v4/clients") => profiles::list(ctx),
        ("POST", "/v4/clients") => profiles::create(ctx),
        ("POST", "/v4/clients/batch") => profiles::batch(ctx),
        ("GET", "/v4/clients/{clientId}") => profiles::get_by_id(ctx),
        ("POST", "/v4/clients/{clientId}") => profiles::update_by_id(ctx),
        ("DELETE", "/v4/clients/{clientId}") => profiles::delete_by_id(ctx),
        ("POST", "/v4/clients/by-email/{clientEmail}") => profiles::update_by_email(ctx),
        ("POST", "/v4/clients/by-customid/{customId}") => profiles::update_by_custom_id(ctx),
        ("DELETE", "/v4/clients/by-custom-id/{customId}") => profiles::delete_by_custom_id(ctx),
        ("GET", "/v4/clients/{identifierType}/{identifierValue}") => profiles::find(ctx),

        // Events and transactions
        ("POST", "/v4/events/batch") => events::batch(ctx),
        ("POST", "/v4/events/ai-compat/batch") => events::ai_batch(ctx),
        ("POST", "/v4/transactions") => events::transaction(ctx),
        ("POST", "/v4/transactions/batch") => events::transaction_batch(ctx),
        ("GET", "/v4/events/by-client/{clientId}") => events::by_client(ctx),
        ("GET", "/v4/server/time") => events::server_time(ctx),
        ("POST", path) if path.starts_with("/v4/events/ai-compat/") => events::ai_single(ctx),
        ("POST", path) if action_for_event_path(path).is_some() || path == "/v4/events/custom" => {
            events::single(ctx)
        }

        // Catalogs
        ("GET", "/catalogs/bags") => catalogs::list_bags(ctx),
        ("POST", "/catalogs/bags") => catalogs::create_bag(ctx),
        ("DELETE", "/catalogs/bags") => catalogs::delete_bags(ctx),
        ("GET", "/catalogs/bags/{catalogId}") => catalogs::get_bag(ctx),
        ("DELETE", "/catalogs/bags/{catalogId}") => catalogs::delete_bag(ctx),
        ("GET", "/catalogs/bags/{catalogId}/items") => catalogs::list_items(ctx),
        ("POST", "/catalogs/bags/{catalogId}/items") => catalogs::add_item(ctx),
        ("POST", "/catalogs/bags/{catalogId}/items/batch") => catalogs::add_items_batch(ctx),
        ("GET", "/catalogs/bags/{catalogId}/items/{itemId}") => catalogs::get_item(ctx),
        ("POST", "/catalogs/bags/{catalogId}/items/{itemId}") => catalogs::update_item(ctx),
        ("DELETE", "/catalogs/bags/{catalogId}/items/{itemId}") => catalogs::delete_item(ctx),
        ("GET", "/catalogs/bags/{catalogId}/items/itemKey/{itemKey}") => {
            catalogs::get_item_by_key(ctx)
        }
        ("DELETE", "/catalogs/bags/{catalogId}/items/itemKey/{itemKey}") => {
            catalogs::delete_item_by_key(ctx)
        }
        ("GET", "/catalogs/items") => catalogs::list_all_items(ctx),

        // Tags and activities
        ("GET", "/tags-collector/tags") => misc::list_tags(ctx),
        ("GET", "/activities-api/events") => misc::list_activities(ctx),

        _ => not_implemented(ctx),
    }
}

fn not_implemented(ctx: &Ctx<'_>) -> Response {
    let op = ctx.matched.op;
    let message = match op.operation_id {
        Some(id) => format!(
            "synerise-mock does not implement operation {id} ({} {}): {}",
            op.method, op.path, op.title
        ),
        None => format!(
            "synerise-mock does not implement operation \"{}\" ({} {}); it has no operationId",
            op.title, op.method, op.path
        ),
    };
    ctx.error(StatusCode::NOT_IMPLEMENTED, &message)
}

/// Parses a batch body: a JSON array, within the documented limits (1 MB, 1000 items) for
/// the operations whose reference documents them.
pub(super) fn batch_array(ctx: &Ctx<'_>) -> Result<Vec<Value>, Response> {
    let limited = ctx.matched.op.batch_limit;
    if limited && ctx.body.len() > BATCH_MAX_BYTES {
        return Err(ctx.error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The request body cannot exceed 1 MB ({BATCH_MAX_BYTES} bytes); it has {} bytes",
                ctx.body.len()
            ),
        ));
    }
    let Value::Array(items) = ctx.json()? else {
        return Err(ctx.error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON array",
        ));
    };
    if limited && items.len() > BATCH_MAX_ITEMS {
        return Err(ctx.error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The request body cannot contain more than {BATCH_MAX_ITEMS} items; it has {}",
                items.len()
            ),
        ));
    }
    Ok(items)
}
