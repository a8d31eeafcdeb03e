//! Pass `ref_siblings`: openapiv3 drops every sibling of a `$ref`, so `{$ref, nullable: true}`
//! silently becomes non-nullable and a `null` from the server fails to decode. Rewrite such nodes
//! as `{allOf: [{$ref}], <siblings>}`.

use serde_json::{Value, json};

use super::{PassResult, Report, for_each_schema_root};

pub const NAME: &str = "ref_siblings";

fn fix(node: &mut Value, ptr: &str, report: &mut Report) {
    match node {
        Value::Object(map) => {
            if map.contains_key("$ref") && map.len() > 1 {
                let reference = map.remove("$ref").expect("checked");
                let siblings: Vec<String> = map.keys().cloned().collect();
                map.insert("allOf".into(), json!([{"$ref": reference}]));
                report.note(
                    NAME,
                    ptr,
                    format!(
                        "$ref with siblings ({}) wrapped in allOf",
                        siblings.join(", ")
                    ),
                );
            }
            for (k, v) in map.iter_mut() {
                let here = format!("{ptr}/{}", crate::spec::escape(k));
                match (k.as_str(), v) {
                    ("example" | "default" | "enum", _) => {}
                    // A map of property names to schemas, not a schema (a property may be named `$ref`).
                    ("properties", Value::Object(props)) => {
                        for (name, prop) in props.iter_mut() {
                            fix(
                                prop,
                                &format!("{here}/{}", crate::spec::escape(name)),
                                report,
                            );
                        }
                    }
                    (_, v) => fix(v, &here, report),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                fix(v, &format!("{ptr}/{i}"), report);
            }
        }
        _ => {}
    }
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    for_each_schema_root(spec, &mut |root, ptr, _| {
        fix(root, &ptr, report);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("ref_siblings", super::run));
    }
}
