//! Pass `tags`: exactly one tag per operation (several tags make ambiguous methods), tags that
//! differ only in case merged into the first spelling seen, and the top-level `tags` list rebuilt
//! from what operations use. Untagged operations get `Other`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{PassResult, Report, operations_mut};

pub const NAME: &str = "tags";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let mut canonical: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let tags: Vec<String> = op
            .op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let first = match tags.first() {
            Some(t) => t.clone(),
            None => {
                report.note(NAME, &ptr, "no tag; assigned `Other`");
                "Other".to_string()
            }
        };
        if tags.len() > 1 {
            report.note(
                NAME,
                &ptr,
                format!(
                    "kept the first of {} tags ({})",
                    tags.len(),
                    tags.join(", ")
                ),
            );
        }
        let canon = canonical
            .entry(first.to_lowercase())
            .or_insert_with(|| first.clone())
            .clone();
        if canon != first {
            report.note(
                NAME,
                &ptr,
                format!("tag `{first}` merged into `{canon}` (differs only in case)"),
            );
        }
        if !order.contains(&canon) {
            order.push(canon.clone());
        }
        op.op.insert("tags".into(), json!([canon]));
    }
    let described: BTreeMap<String, Value> = spec
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|t| Some((t.get("name")?.as_str()?.to_lowercase(), t.clone())))
                .collect()
        })
        .unwrap_or_default();
    let list: Vec<Value> = order
        .iter()
        .map(|t| {
            described
                .get(&t.to_lowercase())
                .cloned()
                .map(|mut d| {
                    d["name"] = Value::from(t.clone());
                    d
                })
                .unwrap_or_else(|| json!({"name": t}))
        })
        .collect();
    spec["tags"] = Value::Array(list);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("tags", super::run));
    }
}
