//! Pass `schema_names`: component schema names that collide after PascalCase (`Catalog.Item` and
//! `catalog-item`) generate duplicate Rust types. Rename the later ones with a numeric suffix (one
//! no other schema uses) and rewrite every `$ref` and every `discriminator.mapping` value (refs
//! without a `$ref` key, or bare schema names).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{PassResult, Report, pascal_case};
use crate::spec::escape;

pub const NAME: &str = "schema_names";

fn rewrite(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(new) = renames.get(r.as_str())
            {
                *r = new.clone();
            }
            if let Some(mapping) = map
                .get_mut("discriminator")
                .and_then(|d| d.get_mut("mapping"))
                .and_then(Value::as_object_mut)
            {
                for target in mapping.values_mut() {
                    let Value::String(r) = target else { continue };
                    if let Some(new) = renames.get(r.as_str()) {
                        *r = new.clone();
                    } else if let Some(new) = renames
                        .get(&format!("{PREFIX}{r}"))
                        .filter(|_| !r.contains(['/', '#']))
                    {
                        // A bare schema name (allowed in mappings) stays a bare name.
                        *r = new.strip_prefix(PREFIX).unwrap_or(new).to_string();
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

const PREFIX: &str = "#/components/schemas/";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let names: Vec<String> = schemas.keys().cloned().collect();
    // Rust names already spoken for: the first spelling of each keeps its name, and a new name
    // must not be (or become the Rust name of) any existing schema name.
    let existing: BTreeSet<String> = names
        .iter()
        .map(|n| pascal_case(n))
        .chain(names.iter().cloned())
        .collect();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for name in &names {
        let rust = pascal_case(name);
        if let Some(first) = seen.get(&rust) {
            let mut n = 2;
            let new = loop {
                let candidate = format!("{rust}{n}");
                if !seen.contains_key(&candidate)
                    && !existing.contains(&candidate)
                    && !existing.contains(&pascal_case(&candidate))
                {
                    break candidate;
                }
                n += 1;
            };
            report.note(
                NAME,
                format!("/components/schemas/{}", escape(name)),
                format!("renamed `{new}`: `{name}` and `{first}` are both `{rust}` in Rust"),
            );
            seen.insert(new.clone(), name.clone());
            renames.insert(
                format!("{PREFIX}{}", escape(name)),
                format!("{PREFIX}{new}"),
            );
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
