//! The semantic change report `cargo xtask fetch` prints: operations added, removed, and changed
//! (parameters, request body or response schemas, compared with every reference resolved).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::spec::METHODS;

/// Resolves local `$ref`s (cycle-safe, depth-capped) so that a schema change behind a reference
/// shows up on the operations that use it.
fn resolved(doc: &Value, node: &Value, depth: usize) -> Value {
    if depth > 12 {
        return node.clone();
    }
    match node {
        Value::Object(map) => {
            if let Some(target) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| doc.pointer(p))
            {
                return resolved(doc, target, depth + 1);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolved(doc, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolved(doc, v, depth)).collect())
        }
        other => other.clone(),
    }
}

fn operations(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let mut op = op.clone();
                if let (Some(shared), Some(obj)) = (item.get("parameters"), op.as_object_mut()) {
                    obj.insert("x-path-parameters".into(), shared.clone());
                }
                out.insert(format!("{} {path}", method.to_uppercase()), op);
            }
        }
    }
    out
}

/// Human-readable change report between two vendor documents.
pub fn report(old: &Value, new: &Value) -> String {
    let before = operations(old);
    let after = operations(new);
    let mut lines = Vec::new();
    for key in after.keys().filter(|k| !before.contains_key(*k)) {
        lines.push(format!("+ added    {key}"));
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        lines.push(format!("- removed  {key}"));
    }
    for (key, new_op) in &after {
        let Some(old_op) = before.get(key) else {
            continue;
        };
        let mut parts = Vec::new();
        for (label, fields) in [
            ("parameters", &["parameters", "x-path-parameters"][..]),
            ("request body", &["requestBody"][..]),
            ("responses", &["responses"][..]),
        ] {
            let a: Vec<Value> = fields
                .iter()
                .map(|f| resolved(old, old_op.get(*f).unwrap_or(&Value::Null), 0))
                .collect();
            let b: Vec<Value> = fields
                .iter()
                .map(|f| resolved(new, new_op.get(*f).unwrap_or(&Value::Null), 0))
                .collect();
            if a != b {
                parts.push(label);
            }
        }
        for field in ["operationId", "summary", "deprecated", "security", "tags"] {
            if old_op.get(field) != new_op.get(field) {
                parts.push(field);
            }
        }
        if !parts.is_empty() {
            lines.push(format!("~ changed  {key}: {}", parts.join(", ")));
        }
    }
    if lines.is_empty() {
        "no operation changed".to_string()
    } else {
        format!(
            "{} operations added, {} removed, {} changed\n{}",
            lines.iter().filter(|l| l.starts_with('+')).count(),
            lines.iter().filter(|l| l.starts_with('-')).count(),
            lines.iter().filter(|l| l.starts_with('~')).count(),
            lines.join("\n")
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn reports_added_removed_and_changed_behind_refs() {
        let old = json!({"paths": {
            "/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
            "/b": {"delete": {"operationId": "b", "responses": {"204": {"description": "gone"}}}}
        }, "components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "string"}}}}}});
        let mut new = old.clone();
        new["components"]["schemas"]["A"]["properties"]["y"] = json!({"type": "integer"});
        new["paths"].as_object_mut().unwrap().remove("/b");
        new["paths"]["/c"] =
            json!({"post": {"operationId": "c", "responses": {"202": {"description": "ok"}}}});
        let text = super::report(&old, &new);
        assert_eq!(
            text,
            "1 operations added, 1 removed, 1 changed\n+ added    POST /c\n- removed  DELETE /b\n~ changed  GET /a: responses"
        );
        assert_eq!(super::report(&old, &old), "no operation changed");
    }
}
