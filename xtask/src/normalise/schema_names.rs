//! Pass `schema_names`: component schema names that collide after PascalCase (`Catalog.Item` and
//! `catalog-item`) generate duplicate Rust types. Rename the later ones with a numeric suffix and
//! rewrite every `$ref` and every `discriminator.mapping` value (refs without a `$ref` key).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{PassResult, Report, pascal_case};

pub const NAME: &str = "schema_names";

fn rewrite(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(new) = renames.get(r.as_str()) {
                    *r = new.clone();
                }
            }
            if let Some(mapping) = map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")).and_then(Value::as_object_mut) {
                for target in mapping.values_mut() {
                    if let Value::String(r) = target {
                        if let Some(new) = renames.get(r.as_str()) {
                            *r = new.clone();
                        }
                    }
                }
            }
            for v in map.values_mut() {
                rewrite(v, renames);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, renames)),
        _ => {}
    }
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return Ok(()) };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        let rust = pascal_case(name);
        if let Some(first) = seen.get(&rust) {
            let mut n = 2;
            while seen.contains_key(&format!("{rust}{n}")) {
                n += 1;
            }
            let new = format!("{rust}{n}");
            report.note(NAME, format!("/components/schemas/{name}"), format!("renamed `{new}`: `{name}` and `{first}` are both `{rust}` in Rust"));
            seen.insert(new.clone(), name.clone());
            renames.insert(format!("#/components/schemas/{name}"), format!("#/components/schemas/{new}"));
            let schema = schemas.remove(name).expect("name exists");
            schemas.insert(new, schema);
        } else {
            seen.insert(rust, name.clone());
        }
    }
    if !renames.is_empty() {
        rewrite(spec, &renames);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("schema_names", super::run));
    }
}
