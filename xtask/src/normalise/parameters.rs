//! Pass `parameters`: make every parameter one progenitor accepts with the same wire form.
//! - cookie parameters are dropped (progenitor rejects them); `Content-Type`/`Accept` header
//!   parameters are dropped (the client sets them);
//! - `style: deepObject` object parameters become one `name[prop]` query parameter per property, and
//!   form-style object parameters one parameter per property (builder mode panics on them);
//! - arrays with `explode: false` become a comma-separated string (progenitor would repeat the key);
//! - every `{var}` in the path must be declared, undeclared path parameters are hard errors and
//!   declared ones missing from the template are dropped;
//! - two parameters whose Rust names collide (`filters[email]` vs `filters.email`), or a parameter
//!   named `body` next to a request body, are hard errors.
//!
//! Bracketed wire names (`filters[email]`, `time[from]`) are kept; progenitor names them
//! `filters_email`, `time_from`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{NormaliseError, PassResult, Report, operations_mut, snake_case};

pub const NAME: &str = "parameters";

fn path_vars(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(v, _)| v.to_string())
        .collect()
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let components = spec.get("components").cloned().unwrap_or(Value::Null);
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let has_body = op.op.contains_key("requestBody");
        let params = op.op.entry("parameters").or_insert_with(|| json!([]));
        let Some(list) = params.as_array_mut() else {
            return Err(NormaliseError::at(
                format!("{ptr}/parameters"),
                "parameters is not an array",
            ));
        };
        let mut out: Vec<Value> = Vec::new();
        for (i, p) in std::mem::take(list).into_iter().enumerate() {
            let pptr = format!("{ptr}/parameters/{i}");
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| NormaliseError::at(&pptr, "parameter without a name"))?
                .to_string();
            let location = p
                .get("in")
                .and_then(Value::as_str)
                .ok_or_else(|| NormaliseError::at(&pptr, "parameter without `in`"))?
                .to_string();
            if p.get("content").is_some() {
                return Err(NormaliseError::at(
                    &pptr,
                    "parameters given with `content` are not supported",
                ));
            }
            let style = p.get("style").and_then(Value::as_str).map(str::to_string);
            let mut schema = p
                .get("schema")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            if let Some(name) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(super::schema_ref_name)
            {
                schema = components
                    .get("schemas")
                    .and_then(|s| s.get(name))
                    .cloned()
                    .ok_or_else(|| {
                        NormaliseError::at(&pptr, format!("schema `{name}` does not resolve"))
                    })?;
            }
            let ty = schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string")
                .to_string();
            match location.as_str() {
                "cookie" => {
                    report.note(
                        NAME,
                        &pptr,
                        format!("dropped cookie parameter `{name}` (unsupported)"),
                    );
                    continue;
                }
                "header"
                    if ["content-type", "accept"].contains(&name.to_ascii_lowercase().as_str()) =>
                {
                    report.note(
                        NAME,
                        &pptr,
                        format!("dropped header parameter `{name}` (set by the client)"),
                    );
                    continue;
                }
                "path" => {
                    if style.as_deref().is_some_and(|s| s != "simple") {
                        return Err(NormaliseError::at(
                            &pptr,
                            format!(
                                "path parameter style `{}` is not supported",
                                style.unwrap_or_default()
                            ),
                        ));
                    }
                    if !path_vars(&op.path).contains(&name) {
                        report.note(
                            NAME,
                            &pptr,
                            format!("dropped path parameter `{name}`: not in the path template"),
                        );
                        continue;
                    }
                }
                "query" => {
                    // Query parameters default to `style: form, explode: true` (and deepObject is
                    // only defined exploded).
                    let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(true);
                    match (style.as_deref(), ty.as_str()) {
                        (None | Some("form"), "object") if !explode => {
                            return Err(NormaliseError::at(
                                &pptr,
                                format!(
                                    "object query parameter `{name}` with explode: false is not supported"
                                ),
                            ));
                        }
                        (Some("deepObject"), "object") | (None | Some("form"), "object") => {
                            let deep = style.as_deref() == Some("deepObject");
                            let required: Vec<&str> = schema
                                .get("required")
                                .and_then(Value::as_array)
                                .map(|r| r.iter().filter_map(Value::as_str).collect())
                                .unwrap_or_default();
                            let props = schema
                                .get("properties")
                                .and_then(Value::as_object)
                                .ok_or_else(|| {
                                    NormaliseError::at(
                                        &pptr,
                                        "object query parameter without properties",
                                    )
                                })?;
                            for (prop, prop_schema) in props {
                                let wire = if deep {
                                    format!("{name}[{prop}]")
                                } else {
                                    prop.clone()
                                };
                                out.push(json!({
                                    "name": wire,
                                    "in": "query",
                                    "required": p.get("required").and_then(Value::as_bool).unwrap_or(false) && required.contains(&prop.as_str()),
                                    "description": prop_schema.get("description").cloned().unwrap_or_else(|| Value::from(format!("`{prop}` of `{name}`"))),
                                    "schema": prop_schema,
                                }));
                            }
                            report.note(
                                NAME,
                                &pptr,
                                format!(
                                    "expanded object query parameter `{name}` into {} parameters",
                                    props.len()
                                ),
                            );
                            continue;
                        }
                        (Some("deepObject" | "pipeDelimited" | "spaceDelimited"), _) => {
                            return Err(NormaliseError::at(
                                &pptr,
                                format!(
                                    "query parameter style `{}` on a {ty} is not supported",
                                    style.unwrap_or_default()
                                ),
                            ));
                        }
                        (_, "array") if !explode => {
                            let mut p = p.clone();
                            let desc = p
                                .get("description")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string();
                            p["schema"] = json!({"type": "string"});
                            p["description"] = Value::from(
                                format!("{desc}\n\nComma-separated list (sent as one value).")
                                    .trim_start()
                                    .to_string(),
                            );
                            if let Some(obj) = p.as_object_mut() {
                                obj.remove("explode");
                                obj.remove("style");
                            }
                            report.note(NAME, &pptr, format!("array query parameter `{name}` with explode: false written as a comma-separated string"));
                            out.push(p);
                            continue;
                        }
                        _ => {}
                    }
                }
                "header" => {}
                other => {
                    return Err(NormaliseError::at(
                        &pptr,
                        format!("unknown parameter location `{other}`"),
                    ));
                }
            }
            out.push(p);
        }
        let declared: Vec<String> = out
            .iter()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        for var in path_vars(&op.path) {
            if !declared.contains(&var) {
                return Err(NormaliseError::at(
                    &ptr,
                    format!("path variable `{{{var}}}` is not declared as a parameter"),
                ));
            }
        }
        let mut rust_names: BTreeMap<String, String> = BTreeMap::new();
        if has_body {
            rust_names.insert("body".into(), "the request body".into());
        }
        for p in &out {
            let wire = p["name"].as_str().unwrap_or_default();
            let rust = snake_case(wire);
            if let Some(other) = rust_names.insert(rust.clone(), format!("`{wire}`")) {
                return Err(NormaliseError::at(
                    &ptr,
                    format!("parameter `{wire}` and {other} both become `{rust}` in Rust"),
                ));
            }
        }
        *params = Value::Array(out);
        if params.as_array().is_some_and(Vec::is_empty) {
            op.op.remove("parameters");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("parameters", super::run));
    }

    fn run_on(
        params: serde_json::Value,
        path: &str,
    ) -> Result<serde_json::Value, super::NormaliseError> {
        let mut spec =
            serde_json::json!({"paths": {path: {"get": {"parameters": params, "responses": {}}}}});
        super::run(&mut spec, &mut super::Report::default()).map(|()| spec)
    }

    #[test]
    fn hard_errors_name_the_parameter() {
        let object = serde_json::json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let err = run_on(
            serde_json::json!([{"name": "f", "in": "query", "explode": false, "schema": object}]),
            "/x",
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/paths/~1x/get/parameters/0");
        assert!(err.message.contains("explode: false"), "{err}");
        let err = run_on(serde_json::json!([]), "/x/{id}").unwrap_err();
        assert!(err.message.contains("`{id}` is not declared"), "{err}");
        let err = run_on(
            serde_json::json!([{"name": "filters[email]", "in": "query"}, {"name": "filters.email", "in": "query"}]),
            "/x",
        )
        .unwrap_err();
        assert!(err.message.contains("both become `filters_email`"), "{err}");
        let err = run_on(serde_json::json!([{"name": "ids", "in": "query", "style": "pipeDelimited", "schema": {"type": "array"}}]), "/x").unwrap_err();
        assert!(err.message.contains("pipeDelimited"), "{err}");
    }
}
