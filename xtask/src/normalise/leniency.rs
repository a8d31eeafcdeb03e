//! Pass `leniency`: decode what Synerise actually sends on the response side.
//! - optional arrays and maps become `nullable` (typify would otherwise reject `null`, and an empty
//!   array could never be sent);
//! - `format: date-time` is dropped: Synerise returns timestamps with and without offsets (and
//!   chrono's strict RFC 3339 parser rejects the latter), so they are kept as text;
//! - `pattern` is dropped on response-side schemas so a value the vendor formats differently does
//!   not fail the whole response.

use serde_json::Value;

use super::{PassResult, Report, Side, for_each_schema};

pub const NAME: &str = "leniency";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let response_side = super::enums::response_components(spec);
    for_each_schema(spec, &mut |node, ptr, side| {
        let component = ptr.strip_prefix("/components/schemas/").map(|r| {
            r.split('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~")
        });
        let reaches_response =
            side == Side::Response || component.is_some_and(|c| response_side.contains(&c));
        if node.get("format").and_then(Value::as_str) == Some("date-time") {
            node.remove("format");
            let desc = node
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !desc.contains("date-time") {
                node.insert(
                    "description".into(),
                    Value::from(
                        format!("{desc} (ISO 8601 date-time, kept as text)")
                            .trim_start()
                            .to_string(),
                    ),
                );
            }
            report.note(NAME, ptr, "format date-time dropped: kept as text");
        }
        if !reaches_response {
            return Ok(());
        }
        if node.remove("pattern").is_some() {
            report.note(NAME, ptr, "pattern dropped on a response-side schema");
        }
        let required: Vec<String> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(props) = node.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, prop) in props.iter_mut() {
                if required.contains(name) {
                    continue;
                }
                let Some(p) = prop.as_object_mut() else {
                    continue;
                };
                let ty = p.get("type").and_then(Value::as_str);
                let is_map = ty == Some("object")
                    && p.get("additionalProperties").is_some()
                    && p.get("properties").is_none();
                if (ty == Some("array") || is_map) && p.get("nullable") != Some(&Value::Bool(true))
                {
                    p.insert("nullable".into(), Value::Bool(true));
                    report.note(
                        NAME,
                        format!("{ptr}/properties/{}", crate::spec::escape(name)),
                        "optional array/map made nullable (null accepted)",
                    );
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("leniency", super::run));
    }
}
