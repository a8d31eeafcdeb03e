//! Pass `responses`: progenitor panics on several 2xx responses with different bodies, on `200` +
//! `default`, and on error responses of mixed kinds; a typed error whose body is empty or HTML loses
//! its status. So:
//! - the 2xx responses collapse into one `2XX`: the lowest 2xx decides whether there is a body; when
//!   it has JSON, every distinct JSON schema of the 2xx responses goes into a `oneOf`, when it has
//!   another media type its content is kept (a byte stream); a single 2xx with only a non-JSON
//!   body keeps its status code;
//! - every non-2xx response (`4xx`, `5xx`, ranges, `default`) is removed, so an error answer of any
//!   kind (JSON, empty, HTML) reaches the caller with its status, headers and body intact (progenitor's
//!   `UnexpectedResponse`); the documented errors are kept in `x-synerise-errors` and in the
//!   operation description;
//! - `+json` responses become `application/json`; a JSON response without a schema gets `{}`;
//!   non-JSON responses (e.g. `text/csv`) stay as they are and arrive as a byte stream.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{NormaliseError, PassResult, Report, operations_mut};

pub const NAME: &str = "responses";

fn json_schema(resp: &Value) -> Option<Value> {
    let content = resp.get("content")?.as_object()?;
    content
        .iter()
        .find(|(mt, _)| {
            mt.split(';')
                .next()
                .is_some_and(|b| b.trim() == "application/json")
        })
        .map(|(_, m)| m.get("schema").cloned().unwrap_or(json!({})))
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let Some(responses) = op.op.get_mut("responses").and_then(Value::as_object_mut) else {
            return Err(NormaliseError::at(&ptr, "operation without responses"));
        };
        let mut success: BTreeMap<String, Value> = BTreeMap::new();
        let mut errors = Map::new();
        for (code, mut resp) in std::mem::take(responses) {
            if let Some(content) = resp.get_mut("content").and_then(Value::as_object_mut) {
                let keys: Vec<String> = content.keys().cloned().collect();
                for mt in keys {
                    let base = mt.split(';').next().unwrap_or_default().trim().to_string();
                    if base.starts_with("application/") && base.ends_with("+json") {
                        let media = content.remove(&mt).expect("key exists");
                        if content.contains_key("application/json") {
                            report.note(
                                NAME,
                                format!("{ptr}/responses/{code}"),
                                format!(
                                    "media type `{mt}` dropped: `application/json` is also offered"
                                ),
                            );
                        } else {
                            content.insert("application/json".into(), media);
                            report.note(
                                NAME,
                                format!("{ptr}/responses/{code}"),
                                format!("media type `{mt}` written as `application/json`"),
                            );
                        }
                    }
                }
                if let Some(media) = content.get_mut("application/json")
                    && media.get("schema").is_none()
                {
                    media["schema"] = json!({});
                    report.note(
                        NAME,
                        format!("{ptr}/responses/{code}"),
                        "JSON response without a schema given `{}`",
                    );
                }
            }
            if code.starts_with('2') {
                success.insert(code, resp);
            } else {
                let desc = resp
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                errors.insert(code.clone(), Value::from(desc));
            }
        }
        if !errors.is_empty() {
            let list: Vec<String> = errors
                .iter()
                .map(|(c, d)| format!("`{c}` {}", d.as_str().unwrap_or_default()))
                .collect();
            report.note(
                NAME,
                &ptr,
                format!(
                    "error responses {} removed: errors reach the caller raw with their status",
                    errors.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
            let text = format!("Documented error responses: {}.", list.join("; "));
            let description = match op.op.get("description").and_then(Value::as_str) {
                Some(d) if !d.is_empty() => format!("{d}\n\n{text}"),
                _ => text,
            };
            op.op.insert("description".into(), Value::from(description));
            op.op
                .insert("x-synerise-errors".into(), Value::Object(errors));
        }
        let Some((lowest, first)) = success.iter().next().map(|(c, r)| (c.clone(), r.clone()))
        else {
            return Err(NormaliseError::at(&ptr, "operation without a 2xx response"));
        };
        let responses = op
            .op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .expect("responses exist");
        if success.len() == 1 {
            let mut resp = first;
            if resp
                .get("content")
                .is_some_and(|c| c.as_object().is_some_and(Map::is_empty))
            {
                resp.as_object_mut().expect("object").remove("content");
            }
            if lowest == "2XX" || (json_schema(&resp).is_none() && resp.get("content").is_some()) {
                responses.insert(lowest.clone(), resp);
                continue;
            }
            report.note(
                NAME,
                format!("{ptr}/responses/{lowest}"),
                "declared as `2XX` so any success status is accepted",
            );
            responses.insert("2XX".into(), resp);
            continue;
        }
        let mut schemas: Vec<Value> = Vec::new();
        for resp in success.values() {
            if let Some(s) = json_schema(resp)
                && !schemas.contains(&s)
            {
                schemas.push(s);
            }
        }
        let codes: Vec<String> = success.keys().cloned().collect();
        let description = success
            .iter()
            .map(|(c, r)| {
                format!(
                    "{c}: {}",
                    r.get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let raw = first
            .get("content")
            .filter(|c| c.as_object().is_some_and(|c| !c.is_empty()))
            .cloned();
        let collapsed = match json_schema(&first) {
            None if raw.is_some() => {
                report.note(NAME, &ptr, format!("success responses {} collapsed into `2XX` with the body of the lowest, {lowest} (not JSON: a byte stream)", codes.join(", ")));
                json!({"description": description, "content": raw})
            }
            None => {
                if success.values().any(|r| json_schema(r).is_some()) {
                    report.note(NAME, &ptr, format!("success responses {} collapsed into a bodyless `2XX` (the lowest, {lowest}, has no body)", codes.join(", ")));
                } else {
                    report.note(
                        NAME,
                        &ptr,
                        format!(
                            "success responses {} collapsed into `2XX`",
                            codes.join(", ")
                        ),
                    );
                }
                json!({"description": description})
            }
            Some(_) => {
                let schema = if schemas.len() == 1 {
                    schemas.remove(0)
                } else {
                    json!({"oneOf": schemas})
                };
                report.note(
                    NAME,
                    &ptr,
                    format!(
                        "success responses {} collapsed into `2XX`{}",
                        codes.join(", "),
                        if schema.get("oneOf").is_some() {
                            " with a oneOf of their bodies"
                        } else {
                            ""
                        }
                    ),
                );
                json!({"description": description, "content": {"application/json": {"schema": schema}}})
            }
        };
        responses.insert("2XX".into(), collapsed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("responses", super::run));
    }
}
