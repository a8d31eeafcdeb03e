//! The operation table written to `crates/synerise-api/src/generated_operations.rs`: per operation,
//! what the client hooks and the retry policy need to know (Api-Version, authentication, real
//! content type, whether a retry can duplicate effects, whether the path is only inferred).

use serde_json::Value;

use crate::Result;
use crate::spec::METHODS;

/// How safe it is to send an operation again when the first attempt may have reached the server.
fn idempotency(method: &str, path: &str) -> &'static str {
    if matches!(method, "get" | "head" | "options" | "put" | "delete") {
        return "Safe";
    }
    // Logins, refreshes and logouts change nothing a second attempt could duplicate.
    if path.starts_with("/uauth/") || path.starts_with("/sauth/") {
        return "Safe";
    }
    // Upserts keyed by a Profile identifier or a catalog item key overwrite the same record.
    const UPSERTS: &[&str] = &[
        "/v4/clients/batch",
        "/v4/clients/{clientId}",
        "/v4/clients/by-email/{clientEmail}",
        "/v4/clients/by-customid/{customId}",
        "/catalogs/bags/{catalogId}/items",
        "/catalogs/bags/{catalogId}/items/batch",
        "/catalogs/bags/{catalogId}/items/{itemId}",
    ];
    if UPSERTS.contains(&path) {
        return "Safe";
    }
    // Calculations and searches sent as POST read only.
    if path.contains("/calculate")
        || path.ends_with("/filter")
        || path.ends_with("/details")
        || path.starts_with("/activities-api/events/by/")
    {
        return "Safe";
    }
    // Events and transactions overwrite instead of duplicating when they carry an eventSalt
    // and an explicit time (Synerise's overwrite rule).
    if path.starts_with("/v4/events/") || path.starts_with("/v4/transactions") {
        return "WithEventSalt";
    }
    "Unsafe"
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".into(),
    }
}

struct Row {
    id: String,
    text: String,
}

fn row(path: &str, method: &str, op: &Value, manual: bool) -> Row {
    let id = op["operationId"].as_str().unwrap_or_default().to_string();
    let vendor = op
        .get("x-vendor-operation-id")
        .and_then(Value::as_str)
        .unwrap_or(&id)
        .to_string();
    let auth = match op.get("x-synerise-auth").and_then(Value::as_str) {
        Some("tracker-key") => "Auth::TrackerKey",
        Some("none") => "Auth::None",
        _ => "Auth::Jwt",
    };
    let content_type = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        .and_then(|c| {
            c.values()
                .find_map(|m| m.get("x-synerise-content-type").and_then(Value::as_str))
        });
    let inferred = match (
        op.pointer("/x-inferred-path/confidence")
            .and_then(Value::as_str),
        op.pointer("/x-inferred-path/reason")
            .and_then(Value::as_str),
    ) {
        (Some(c), reason) => format!(
            "Some(InferredPath {{ confidence: {}, reason: {} }})",
            lit(c),
            lit(reason.unwrap_or(""))
        ),
        _ => "None".into(),
    };
    let text = format!(
        "    OperationMeta {{\n        id: {},\n        vendor_id: {},\n        method: {},\n        path: {},\n        tag: {},\n        summary: {},\n        api_version: {},\n        auth: {auth},\n        content_type: {},\n        idempotency: Idempotency::{},\n        inferred_path: {inferred},\n        deprecated: {},\n        hand_written: {manual},\n    }},\n",
        lit(&id),
        lit(&vendor),
        lit(&method.to_uppercase()),
        lit(path),
        lit(op
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or("Other")),
        lit(op.get("summary").and_then(Value::as_str).unwrap_or("")),
        opt(op.get("x-synerise-api-version").and_then(Value::as_str)),
        opt(content_type),
        idempotency(method, path),
        op.get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    );
    Row { id, text }
}

/// Renders the table (sorted by operation id, for binary search).
pub fn render(normalised: &Value) -> Result<String> {
    let mut rows = Vec::new();
    for (path, item) in normalised["paths"].as_object().ok_or("no paths")? {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                rows.push(row(path, method, op, false));
            }
        }
    }
    for manual in normalised
        .get("x-synerise-manual-operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = manual["path"].as_str().unwrap_or_default();
        let method = manual["method"].as_str().unwrap_or_default();
        // Moved out by the request_bodies pass, after ids, auth and Api-Version were settled.
        let op = &manual["operation"];
        rows.push(row(path, method, op, true));
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in rows.windows(2) {
        if pair[0].id == pair[1].id {
            return Err(format!("operation id `{}` appears twice", pair[0].id).into());
        }
    }
    let mut out = String::from(
        "use crate::operations::{Auth, Idempotency, InferredPath, OperationMeta};\n\n/// Every operation of the spec, sorted by operation id.\npub(crate) static OPERATIONS: &[OperationMeta] = &[\n",
    );
    for r in rows {
        out.push_str(&r.text);
    }
    out.push_str("];\n");
    Ok(out)
}
