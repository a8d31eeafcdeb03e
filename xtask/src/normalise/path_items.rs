//! Pass `path_items`: progenitor rejects path-item `$ref`s and does not follow path-level
//! parameters the way later passes need. Inline local path-item refs, copy path-level parameters into
//! each operation (an operation's own parameter of the same name and location wins), and strip
//! `x-dropshot-pagination`, which would change the wire protocol if progenitor honoured it.

use serde_json::{Value, json};

use super::{NormaliseError, PassResult, Report};
use crate::spec::{METHODS, escape};

pub const NAME: &str = "path_items";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let snapshot = spec.clone();
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let ptr = format!("/paths/{}", escape(path));
        if let Some(reference) = item.get("$ref").and_then(Value::as_str).map(str::to_string) {
            let target = reference
                .strip_prefix('#')
                .and_then(|p| snapshot.pointer(p))
                .ok_or_else(|| {
                    NormaliseError::at(
                        &ptr,
                        format!("path item $ref `{reference}` does not resolve locally"),
                    )
                })?;
            *item = target.clone();
            report.note(NAME, &ptr, format!("inlined path item $ref `{reference}`"));
        }
        let Some(obj) = item.as_object_mut() else {
            return Err(NormaliseError::at(&ptr, "path item is not an object"));
        };
        let shared = obj.remove("parameters");
        for method in METHODS {
            let Some(op) = obj.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            if op.remove("x-dropshot-pagination").is_some() {
                report.note(
                    NAME,
                    format!("{ptr}/{method}"),
                    "removed x-dropshot-pagination (Synerise does not page that way)",
                );
            }
            let Some(shared) = shared.as_ref().and_then(Value::as_array) else {
                continue;
            };
            let params = op
                .entry("parameters")
                .or_insert_with(|| json!([]))
                .as_array_mut()
                .expect("parameters is an array");
            for p in shared {
                let key = param_key(&snapshot, p);
                let clash =
                    key.is_some() && params.iter().any(|own| param_key(&snapshot, own) == key);
                if !clash {
                    params.push(p.clone());
                }
            }
            report.note(
                NAME,
                format!("{ptr}/{method}"),
                "copied path-level parameters into the operation",
            );
        }
    }
    Ok(())
}

/// `(name, in)` of a parameter, following local `$ref`s (path-level and operation parameters may
/// both be refs; an operation's own parameter overrides a path-level one with the same key).
fn param_key<'a>(doc: &'a Value, mut p: &'a Value) -> Option<(&'a str, &'a str)> {
    for _ in 0..16 {
        match p.get("$ref").and_then(Value::as_str) {
            Some(reference) => p = doc.pointer(reference.strip_prefix('#')?)?,
            None => return Some((p.get("name")?.as_str()?, p.get("in")?.as_str()?)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("path_items", super::run));
    }
}
