//! Pass `operation_ids`: progenitor needs a unique operationId on every operation, and ids that
//! collide after snake_case (`getItems` / `get_items`) generate code that does not compile.
//! Synthesise missing ids from method + path, rewrite every id in snake_case (so that
//! `OperationInfo::operation_id` equals the spec id), and suffix duplicates `_2`, `_3`, ...
//! The vendor's id is kept in `x-vendor-operation-id`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{PassResult, Report, operations_mut, snake_case};

pub const NAME: &str = "operation_ids";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let mut taken = BTreeSet::new();
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let vendor = op
            .op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string);
        let base = match &vendor {
            Some(id) if !id.trim().is_empty() => snake_case(id),
            _ => {
                let synth = snake_case(&format!(
                    "{} {}",
                    op.method,
                    op.path.replace(['{', '}'], "")
                ));
                report.note(
                    NAME,
                    &ptr,
                    format!("missing operationId; synthesised `{synth}`"),
                );
                synth
            }
        };
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        if id != base {
            report.note(
                NAME,
                &ptr,
                format!("operationId `{base}` already used; renamed `{id}`"),
            );
        }
        if let Some(v) = &vendor
            && *v != id
        {
            if id == base {
                report.note(NAME, &ptr, format!("operationId `{v}` written as `{id}`"));
            }
            op.op
                .insert("x-vendor-operation-id".into(), Value::from(v.clone()));
        }
        op.op.insert("operationId".into(), Value::from(id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("operation_ids", super::run));
    }
}
