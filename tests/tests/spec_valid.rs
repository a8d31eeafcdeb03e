//! The vendored spec `openapi/data-management.yaml` is a valid, self-contained OpenAPI 3.0
//! document with the shape the xtask normaliser expects: every `$ref` resolves, operation ids are
//! unique, every path template variable is declared, and every operation has one tag and a 2xx
//! response.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Operation, Parameter, PathItem, ReferenceOr, StatusCode};
use serde_json::Value;

/// How many operations the vendored spec describes (see `openapi/spec.lock`).
const OPERATIONS: usize = 176;

fn text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/data-management.yaml"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn raw() -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text()).expect("the spec is YAML");
    serde_json::to_value(yaml).expect("the spec is JSON-compatible")
}

fn spec() -> OpenAPI {
    serde_yaml::from_str(&text()).expect("openapiv3 reads the spec")
}

/// `(pointer, method, path, operation)` for every operation, in document order.
fn operations(spec: &OpenAPI) -> Vec<(String, &'static str, &str, &PathItem, &Operation)> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            panic!("path item {path} is a $ref")
        };
        for (method, op) in item.iter() {
            let method = [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .into_iter()
            .find(|m| *m == method)
            .expect("a known method");
            out.push((
                format!("{} {path}", method.to_uppercase()),
                method,
                path.as_str(),
                item,
                op,
            ));
        }
    }
    out
}

fn collect_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push((at.to_string(), r.clone())),
                    // Discriminator mapping values are references without a `$ref` key.
                    ("mapping", Value::Object(mapping)) if at.ends_with("/discriminator") => {
                        for (name, target) in mapping {
                            if let Value::String(t) = target {
                                out.push((format!("{here}/{name}"), t.clone()));
                            }
                        }
                    }
                    // Examples are data, not schema (unless it is a property called `example`).
                    ("example" | "examples", _) if !at.ends_with("/properties") => {}
                    _ => collect_refs(v, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_refs(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_ref_resolves() {
    let doc = raw();
    let mut refs = Vec::new();
    collect_refs(&doc, "", &mut refs);
    assert!(refs.len() > 100, "only {} references found", refs.len());
    let unresolved: Vec<String> = refs
        .iter()
        .filter(|(_, r)| {
            let target = match r.strip_prefix('#') {
                Some(pointer) => doc.pointer(pointer),
                // A bare schema name in a discriminator mapping.
                None if !r.contains('/') => doc.pointer(&format!("/components/schemas/{r}")),
                None => None,
            };
            target.is_none()
        })
        .map(|(at, r)| format!("{at}: {r}"))
        .collect();
    assert!(
        unresolved.is_empty(),
        "unresolved references:\n{}",
        unresolved.join("\n")
    );
}

#[test]
fn the_spec_has_every_operation() {
    let spec = spec();
    assert!(spec.openapi.starts_with("3.0."), "OpenAPI {}", spec.openapi);
    assert_eq!(operations(&spec).len(), OPERATIONS);
}

#[test]
fn operation_ids_are_unique() {
    let spec = spec();
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for (at, _, _, _, op) in operations(&spec) {
        match op.operation_id.as_deref() {
            None => problems.push(format!("{at}: no operationId")),
            Some(id) => {
                if let Some(first) = seen.insert(id, at.clone()) {
                    problems.push(format!("{at}: operationId `{id}` also used by {first}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn parameter<'a>(spec: &'a OpenAPI, p: &'a ReferenceOr<Parameter>) -> &'a Parameter {
    match p {
        ReferenceOr::Item(p) => p,
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/parameters/")
                .unwrap_or_else(|| panic!("parameter $ref {reference}"));
            let target = spec
                .components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
                .unwrap_or_else(|| panic!("parameter $ref {reference} does not resolve"));
            parameter(spec, target)
        }
    }
}

#[test]
fn every_path_variable_is_declared() {
    let spec = spec();
    let mut problems = Vec::new();
    for (at, _, path, item, op) in operations(&spec) {
        let declared: Vec<&str> = item
            .parameters
            .iter()
            .chain(&op.parameters)
            .map(|p| parameter(&spec, p))
            .filter_map(|p| match p {
                Parameter::Path { parameter_data, .. } => Some(parameter_data.name.as_str()),
                _ => None,
            })
            .collect();
        let variables = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}'))
            .map(|(v, _)| v);
        for var in variables {
            if !declared.contains(&var) {
                problems.push(format!(
                    "{at}: `{{{var}}}` is not declared as a path parameter"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_has_one_tag_and_a_success_response() {
    let spec = spec();
    let mut problems = Vec::new();
    for (at, _, _, _, op) in operations(&spec) {
        if op.tags.len() != 1 {
            problems.push(format!(
                "{at}: {} tags ({})",
                op.tags.len(),
                op.tags.join(", ")
            ));
        }
        let success = op.responses.responses.keys().any(|code| match code {
            StatusCode::Code(code) => (200..300).contains(code),
            StatusCode::Range(range) => *range == 2,
        });
        if !success {
            problems.push(format!("{at}: no 2xx response"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
