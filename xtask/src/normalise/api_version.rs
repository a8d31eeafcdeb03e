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
    let from = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_f64().map(|f| f.to_string()))
    };
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
        let Some(params) = op.op.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        let mut found = None;
        let mut kept = Vec::new();
        for (index, p) in std::mem::take(params).into_iter().enumerate() {
            let is_version = p.get("in").and_then(Value::as_str) == Some("header")
                && p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case("api-version"));
            if !is_version {
                kept.push(p);
                continue;
            }
            let at = || format!("{ptr}/parameters/{index}");
            let value = header_value(&p).ok_or_else(|| {
                NormaliseError::at(at(), "Api-Version header without a single value")
            })?;
            if found.as_ref().is_some_and(|f| *f != value) {
                return Err(NormaliseError::at(
                    at(),
                    format!("a second Api-Version header parameter with another value (`{value}`)"),
                ));
            }
            found = Some(value);
        }
        *params = kept;
        if let Some(value) = found {
            match &version {
                Some(v) if *v != value => {
                    return Err(NormaliseError::at(
                        ptr,
                        format!("Api-Version `{value}` differs from `{v}` used elsewhere"),
                    ));
                }
                _ => version = Some(value.clone()),
            }
            op.op
                .insert("x-synerise-api-version".into(), Value::from(value.clone()));
            report.note(
                NAME,
                &ptr,
                format!(
                    "removed the Api-Version header parameter; the client sends `{value}` once"
                ),
            );
        }
    }
    if let Some(v) = version
        && spec.pointer("/info/version").and_then(Value::as_str) != Some(v.as_str())
    {
        report.note(
            NAME,
            "/info/version",
            format!("set to `{v}`, the value progenitor sends as api-version"),
        );
        spec["info"]["version"] = Value::from(v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("api_version", super::run));
    }

    #[test]
    fn different_values_are_hard_errors() {
        let header = |name: &str, v: &str| serde_json::json!({"name": name, "in": "header", "schema": {"type": "string", "enum": [v]}});
        let op =
            |params: serde_json::Value| serde_json::json!({"parameters": params, "responses": {}});
        let mut spec = serde_json::json!({"info": {"version": "1"}, "paths": {
            "/a": {"get": op(serde_json::json!([header("Api-Version", "4.4")]))},
            "/b": {"get": op(serde_json::json!([header("Api-Version", "4.5")]))},
        }});
        let err = super::run(&mut spec, &mut super::Report::default()).unwrap_err();
        assert_eq!(err.pointer, "/paths/~1b/get");
        let mut spec = serde_json::json!({"info": {"version": "1"}, "paths": {
            "/a": {"get": op(serde_json::json!([header("Api-Version", "4.4"), header("api-version", "4.5")]))},
        }});
        let err = super::run(&mut spec, &mut super::Report::default()).unwrap_err();
        assert_eq!(err.pointer, "/paths/~1a/get/parameters/1");
    }
}
