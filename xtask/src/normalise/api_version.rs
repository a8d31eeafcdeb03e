//! Pass `api_version`: progenitor sends `api-version: <info.version>` on every request, so an
//! `Api-Version` header parameter in the spec would go on the wire twice. Remove every such
//! parameter, mark the operations that require it with `x-synerise-api-version`, and set
//! `info.version` to the single value. The client hooks drop the header on operations that do not
//! declare it. Different values on different operations are a hard error.

use serde_json::Value;

use super::{NormaliseError, PassResult, Report, operations_mut};

pub const NAME: &str = "api_version";

fn header_value(p: &Value) -> Option<String> {
    let schema = p.get("schema")?;
    let from = |v: &Value| v.as_str().map(str::to_string).or_else(|| v.as_f64().map(|f| f.to_string()));
    schema
        .get("enum")
        .and_then(|e| e.as_array())
        .filter(|e| e.len() == 1)
        .and_then(|e| from(&e[0]))
        .or_else(|| schema.get("default").and_then(from))
        .or_else(|| p.get("example").and_then(from))
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let mut version: Option<String> = None;
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let Some(params) = op.op.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
        let mut found = None;
        let mut index = 0;
        while index < params.len() {
            let p = &params[index];
            let is_version = p.get("in").and_then(Value::as_str) == Some("header")
                && p.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case("api-version"));
            if is_version {
                let value = header_value(p).ok_or_else(|| NormaliseError::at(format!("{ptr}/parameters/{index}"), "Api-Version header without a single value"))?;
                params.remove(index);
                found = Some(value);
            } else {
                index += 1;
            }
        }
        if let Some(value) = found {
            match &version {
                Some(v) if *v != value => {
                    return Err(NormaliseError::at(ptr, format!("Api-Version `{value}` differs from `{v}` used elsewhere")));
                }
                _ => version = Some(value.clone()),
            }
            op.op.insert("x-synerise-api-version".into(), Value::from(value.clone()));
            report.note(NAME, &ptr, format!("removed the Api-Version header parameter; the client sends `{value}` once"));
        }
    }
    if let Some(v) = version {
        if spec.pointer("/info/version").and_then(Value::as_str) != Some(v.as_str()) {
            report.note(NAME, "/info/version", format!("set to `{v}`, the value progenitor sends as api-version"));
            spec["info"]["version"] = Value::from(v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("api_version", super::run));
    }
}
