//! Pass `additional_properties`: typify drops extra keys of an object that has `properties` and
//! `additionalProperties: true`, so custom attributes next to documented fields would be lost on a
//! round trip. `additionalProperties: {}` makes typify keep them in a flattened map.

use serde_json::{Value, json};

use super::{PassResult, Report, for_each_schema};

pub const NAME: &str = "additional_properties";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    for_each_schema(spec, &mut |node, ptr, _| {
        if node.get("additionalProperties") == Some(&Value::Bool(true))
            && node
                .get("properties")
                .is_some_and(|p| p.as_object().is_some_and(|p| !p.is_empty()))
        {
            node.insert("additionalProperties".into(), json!({}));
            report.note(
                NAME,
                ptr,
                "additionalProperties: true next to properties written as {} (extra keys kept)",
            );
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run(
            "additional_properties",
            super::run
        ));
    }
}
