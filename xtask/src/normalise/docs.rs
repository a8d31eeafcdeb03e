//! Pass `docs`: generated operation docs are built from `summary` and `description`, and
//! progenitor ignores extensions. Put what a caller must know into the description: a warning when
//! the path or method is only inferred from the vendor reference (`x-inferred-path`), and the
//! replacement of a deprecated operation stays in the vendor's words.

use serde_json::Value;

use super::{PassResult, Report, operations_mut};

pub const NAME: &str = "docs";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let Some(inferred) = op.op.get("x-inferred-path") else {
            continue;
        };
        let confidence = inferred
            .get("confidence")
            .and_then(Value::as_str)
            .unwrap_or("low")
            .to_string();
        let reason = inferred
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string();
        let warning = format!(
            "**Inferred path ({confidence} confidence).** The vendor reference does not print this operation's path or method; `{} {}` is inferred{}",
            op.method.to_uppercase(),
            op.path,
            if reason.is_empty() {
                ".".to_string()
            } else {
                format!(": {reason}")
            }
        );
        let description = match op.op.get("description").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => format!("{warning}\n\n{d}"),
            _ => warning,
        };
        op.op.insert("description".into(), Value::from(description));
        report.note(
            NAME,
            ptr,
            format!("inferred-path warning ({confidence}) added to the description"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("docs", super::run));
    }
}
