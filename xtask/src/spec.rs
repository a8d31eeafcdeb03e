//! Reading the vendor document and writing JSON deterministically.

use serde_json::Value;

use crate::Result;

/// Parses a spec given as YAML or JSON text into a JSON value (key order as written).
pub fn parse(text: &str) -> Result<Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return Ok(serde_json::from_str(text)?);
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(text)?;
    Ok(serde_json::to_value(yaml)?)
}

/// Checks that a parsed document is an OpenAPI 3.0.x description with paths.
pub fn check_openapi_3_0(doc: &Value) -> Result<()> {
    let Some(obj) = doc.as_object() else {
        return Err("the document is not a JSON/YAML object".into());
    };
    if let Some(v) = obj.get("swagger") {
        return Err(
            format!("Swagger {v} documents are not supported; OpenAPI 3.0.x is required").into(),
        );
    }
    match obj.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => return Err(format!("OpenAPI {v} is not supported; 3.0.x is required").into()),
        None => return Err("the document has no `openapi` version field".into()),
    }
    if !obj.get("paths").is_some_and(Value::is_object) {
        return Err("the document has no `paths` object".into());
    }
    Ok(())
}

/// Returns a copy of `value` with every object's keys sorted, recursively.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Pretty JSON with sorted keys and a trailing newline: the on-disk form of generated JSON.
pub fn to_sorted_json(value: &Value) -> String {
    let mut text =
        serde_json::to_string_pretty(&sorted(value)).expect("JSON values always serialise");
    text.push('\n');
    text
}

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The HTTP methods an OpenAPI path item can hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
