//! Pass `unsupported`: the last gate. Anything the earlier passes did not turn into a construct
//! progenitor handles is a hard error naming the JSON pointer: unknown schema keywords, references
//! that do not resolve, media types progenitor cannot encode or decode, operations without a 2xx
//! response.

use serde_json::Value;

use super::{NormaliseError, PassResult, Report, for_each_schema, operations_mut, schema_ref_name};

pub const NAME: &str = "unsupported";

const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "format",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "nullable",
    "description",
    "example",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "title",
    "readOnly",
    "writeOnly",
    "deprecated",
    "discriminator",
    "multipleOf",
    "minProperties",
    "maxProperties",
    "externalDocs",
    "xml",
];

/// Request media types progenitor 0.15 can send (after the `request_bodies` pass).
const REQUEST_MEDIA_TYPES: &[&str] = &[
    "application/json",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
];

pub fn run(spec: &mut Value, _report: &mut Report) -> PassResult {
    let names: Vec<String> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for_each_schema(spec, &mut |node, ptr, _| {
        for key in node.keys() {
            if !key.starts_with("x-") && !SCHEMA_KEYWORDS.contains(&key.as_str()) {
                return Err(NormaliseError::at(
                    ptr,
                    format!("unknown schema keyword `{key}`"),
                ));
            }
        }
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            match schema_ref_name(r) {
                Some(name) if names.iter().any(|n| n == name) => {}
                _ => {
                    return Err(NormaliseError::at(
                        ptr,
                        format!("reference `{r}` does not resolve to a component schema"),
                    ));
                }
            }
        }
        Ok(())
    })?;
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let responses = op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| NormaliseError::at(&ptr, "no responses"))?;
        if !responses.keys().any(|c| c.starts_with('2')) {
            return Err(NormaliseError::at(&ptr, "no 2xx response"));
        }
        for (code, resp) in responses {
            for (media, m) in resp
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if media == "application/json" && m.get("encoding").is_some() {
                    return Err(NormaliseError::at(
                        format!("{ptr}/responses/{code}"),
                        "JSON media type with `encoding` is not supported",
                    ));
                }
                if media == "application/json" && m.get("schema").is_none() {
                    return Err(NormaliseError::at(
                        format!("{ptr}/responses/{code}"),
                        "JSON response without a schema",
                    ));
                }
            }
        }
        if let Some(content) = op
            .op
            .get("requestBody")
            .map(|b| b.get("content").and_then(Value::as_object))
        {
            let media: Vec<&String> = content.into_iter().flat_map(|c| c.keys()).collect();
            match media.as_slice() {
                [one]
                    if REQUEST_MEDIA_TYPES
                        .contains(&one.split(';').next().unwrap_or_default().trim()) => {}
                _ => {
                    let list = media
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(NormaliseError::at(
                        format!("{ptr}/requestBody"),
                        format!(
                            "request body must have exactly one of the media types progenitor encodes, not [{list}]"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("unsupported", super::run));
    }
    #[test]
    fn fixture_passing() {
        insta::assert_snapshot!(super::super::fixture::run("unsupported_ok", super::run));
    }
}
