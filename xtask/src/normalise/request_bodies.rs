//! Pass `request_bodies`: one media type progenitor accepts per request body.
//! - several media types: keep `application/json`, else the first;
//! - `application/*+json` becomes `application/json`;
//! - `text/*` other than `text/plain` (e.g. `text/csv`) becomes `text/plain` with a string schema,
//!   and the real type is kept in `x-synerise-content-type` for the client hooks to send;
//! - a JSON body without a schema gets `{}`;
//! - `multipart/form-data` operations (with no JSON alternative) are removed from `paths`
//!   (progenitor cannot express them) and kept verbatim under `x-synerise-manual-operations`; they
//!   are hand-written in `synerise-api` on the generated client so they use the same hooks.

use serde_json::{Map, Value, json};

use super::{NormaliseError, PassResult, Report};
use crate::spec::{METHODS, escape};

pub const NAME: &str = "request_bodies";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let mut manual: Vec<Value> = Vec::new();
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let ptr = format!("/paths/{}/{method}", escape(path));
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let Some(content) = op
                .get_mut("requestBody")
                .and_then(|b| b.get_mut("content"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            // A multipart body offered next to JSON is just one more media type (JSON is kept).
            if content.contains_key("multipart/form-data")
                && !content.contains_key("application/json")
            {
                let op = item.remove(method).expect("operation exists");
                report.note(NAME, &ptr, "multipart/form-data body: operation moved to x-synerise-manual-operations (hand-written in synerise-api)");
                manual.push(json!({"path": path, "method": method, "operation": op}));
                continue;
            }
            normalise_content(content, &format!("{ptr}/requestBody/content"), report)?;
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_some_and(|o| METHODS.iter().any(|m| o.contains_key(*m)))
    });
    if !manual.is_empty() {
        spec["x-synerise-manual-operations"] = Value::Array(manual);
    }
    Ok(())
}

fn normalise_content(
    content: &mut Map<String, Value>,
    ptr: &str,
    report: &mut Report,
) -> PassResult {
    if content.is_empty() {
        return Err(NormaliseError::at(ptr, "request body without a media type"));
    }
    if content.len() > 1 {
        let keep = if content.contains_key("application/json") {
            "application/json".to_string()
        } else {
            content.keys().next().cloned().unwrap_or_default()
        };
        let dropped: Vec<String> = content.keys().filter(|k| **k != keep).cloned().collect();
        content.retain(|k, _| *k == keep);
        report.note(
            NAME,
            ptr,
            format!("kept `{keep}`, dropped {}", dropped.join(", ")),
        );
    }
    let (media, mut body) = content
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("one media type");
    let base = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let (new_media, real) = if base == "application/json" {
        (media.clone(), None)
    } else if base.starts_with("application/") && base.ends_with("+json") {
        ("application/json".to_string(), None)
    } else if base == "text/plain"
        || base == "application/octet-stream"
        || base == "application/x-www-form-urlencoded"
    {
        (media.clone(), None)
    } else if base.starts_with("text/") {
        ("text/plain".to_string(), Some(media.clone()))
    } else {
        return Err(NormaliseError::at(
            format!("{ptr}/{}", escape(&media)),
            format!("request media type `{media}` is not supported"),
        ));
    };
    if new_media != media {
        report.note(
            NAME,
            ptr,
            format!("media type `{media}` written as `{new_media}`"),
        );
    }
    // progenitor takes text and octet-stream bodies only with exactly these schemas.
    let fixed = match new_media.split(';').next().unwrap_or_default().trim() {
        "text/plain" => Some(json!({"type": "string"})),
        "application/octet-stream" => Some(json!({"type": "string", "format": "binary"})),
        _ => None,
    };
    match fixed {
        Some(schema) => {
            if body.get("schema").is_some_and(|s| *s != schema) {
                report.note(
                    NAME,
                    ptr,
                    format!("`{new_media}` body schema written as {schema}"),
                );
            }
            body["schema"] = schema;
        }
        None if body.get("schema").is_none() => {
            body["schema"] = json!({});
            report.note(NAME, ptr, "JSON body without a schema given `{}`");
        }
        None => {}
    }
    if let Some(real) = real {
        body["x-synerise-content-type"] = Value::from(real.clone());
        report.note(
            NAME,
            ptr,
            format!("the client hooks send `Content-Type: {real}`"),
        );
    }
    content.clear();
    content.insert(new_media, body);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("request_bodies", super::run));
    }
}
