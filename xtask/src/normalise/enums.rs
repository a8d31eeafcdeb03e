//! Pass `enums`: two problems with typify's closed enums.
//! - values that collide after PascalCase (`A`/`a`, `""`/`x`) make generation panic: such enums
//!   become plain strings, the values listed in the description;
//! - a value the vendor adds later (Synerise promises additive changes within an API version) would
//!   fail to decode: every string enum reachable from a response becomes
//!   `oneOf: [<the known values>, {type: string}]` titled `<Name>Known` and `<Name>Other`: an untagged Rust enum
//!   `X { Known(XKnown), Other(String) }` whose second variant keeps any other value as text. Request-only enums and discriminator tags stay closed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{
    PassResult, Report, Side, for_each_schema, for_each_schema_root, pascal_case, schema_ref_name,
};

pub const NAME: &str = "enums";

/// Component schemas reachable from any response body.
pub fn response_components(spec: &mut Value) -> BTreeSet<String> {
    fn refs(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(name) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(schema_ref_name)
                {
                    out.insert(name.to_string());
                }
                m.iter()
                    .filter(|(k, _)| *k != "example")
                    .for_each(|(_, v)| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut roots = BTreeSet::new();
    let _ = for_each_schema_root(spec, &mut |root, _, side| {
        if side == Side::Response {
            refs(root, &mut roots);
        }
        Ok(())
    });
    let components: BTreeMap<String, Value> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = components.get(&name) {
            let mut next = BTreeSet::new();
            refs(schema, &mut next);
            stack.extend(next);
        }
    }
    seen
}

/// Whether typify would need the same variant name twice. Only string enums get variants (an
/// integer enum becomes a validated newtype); `null` in a nullable enum is not a variant.
fn collides(values: &[Value]) -> bool {
    let strings: Vec<&str> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(Value::as_str)
        .collect::<Option<_>>()
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    strings.iter().any(|text| {
        let name = pascal_case(text);
        let name = if name.is_empty() || name == "_" {
            "X".to_string()
        } else {
            name
        };
        !seen.insert(name)
    })
}

/// A type-name prefix for the schema at `ptr`: the component name and the property names below it
/// (`/components/schemas/CrmProfile/properties/sex` → `CrmProfileSex`).
fn context_name(ptr: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "components",
        "schemas",
        "properties",
        "items",
        "additionalProperties",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "paths",
        "content",
        "schema",
        "responses",
        "requestBody",
        "parameters",
    ];
    let parts: Vec<String> = ptr
        .split('/')
        .filter(|s| {
            !s.is_empty()
                && !KEYWORDS.contains(s)
                && !s.chars().all(|c| c.is_ascii_digit())
                && !s.contains("~1")
        })
        .map(|s| pascal_case(&s.replace("~0", "~")))
        .collect();
    parts.concat()
}

fn open(node: &mut Map<String, Value>, ptr: &str) {
    let context = context_name(ptr);
    let values = node.remove("enum").expect("has enum");
    let mut known = json!({"title": format!("{context}Known"), "type": "string", "enum": values, "x-synerise-known-values": true});
    if let Some(nullable) = node.remove("nullable") {
        node.insert("nullable".into(), nullable);
    }
    if let Some(default) = node.remove("default") {
        known["default"] = default;
    }
    node.remove("type");
    node.insert("oneOf".into(), json!([known, {"title": format!("{context}Other"), "type": "string", "description": "A value this version of the client does not know yet."}]));
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let response_side = response_components(spec);
    for_each_schema(spec, &mut |node, ptr, side| {
        let Some(values) = node.get("enum").and_then(Value::as_array).cloned() else {
            return Ok(());
        };
        if collides(&values) {
            let list = values
                .iter()
                .map(|v| match v.as_str() {
                    Some("") | None => format!("`{v}`"),
                    Some(s) => format!("`{s}`"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            node.remove("enum");
            let desc = node
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            node.insert(
                "description".into(),
                Value::from(
                    format!("{desc}\n\nKnown values: {list}.")
                        .trim_start()
                        .to_string(),
                ),
            );
            report.note(
                NAME,
                ptr,
                format!("enum values collide in Rust ({list}); written as a plain string"),
            );
            return Ok(());
        }
        let is_string = node.get("type").and_then(Value::as_str) == Some("string");
        let component = ptr.strip_prefix("/components/schemas/").map(|r| {
            r.split('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~")
        });
        let reaches_response =
            side == Side::Response || component.is_some_and(|c| response_side.contains(&c));
        // Discriminator tags must stay closed, or every variant of the untagged enum would match.
        let already_open = node.contains_key("x-synerise-known-values")
            || node.contains_key(super::discriminators::TAG_MARKER);
        if is_string && reaches_response && values.len() > 1 && !already_open {
            open(node, ptr);
            report.note(
                NAME,
                ptr,
                "response enum opened: unknown values decode as text instead of failing",
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("enums", super::run));
    }
}
