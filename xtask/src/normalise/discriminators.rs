//! Pass `discriminators`: typify ignores `discriminator` and emits an untagged enum, which picks the
//! first variant that fits (a Dog decoded as a Cat). Giving each mapped schema's tag property a
//! single-value enum makes the untagged enum choose the right variant.

use serde_json::{Value, json};

use super::{NormaliseError, PassResult, Report, schema_ref_name};

pub const NAME: &str = "discriminators";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let mut edits: Vec<(String, String, String, String)> = Vec::new();
    super::for_each_schema(spec, &mut |node, ptr, _| {
        let Some(d) = node.get("discriminator") else { return Ok(()) };
        let prop = d.get("propertyName").and_then(Value::as_str).ok_or_else(|| NormaliseError::at(ptr, "discriminator without propertyName"))?.to_string();
        if let Some(mapping) = d.get("mapping").and_then(Value::as_object) {
            for (value, target) in mapping {
                let target = target.as_str().and_then(schema_ref_name).ok_or_else(|| NormaliseError::at(ptr, format!("discriminator mapping `{value}` is not a local schema ref")))?;
                edits.push((ptr.to_string(), target.to_string(), prop.clone(), value.clone()));
            }
        }
        Ok(())
    })?;
    for (ptr, target, prop, value) in edits {
        let schema = spec
            .pointer_mut(&format!("/components/schemas/{}", crate::spec::escape(&target)))
            .ok_or_else(|| NormaliseError::at(&ptr, format!("discriminator maps to missing schema `{target}`")))?;
        let description = schema.pointer(&format!("/properties/{prop}/description")).cloned();
        let props = schema.as_object_mut().and_then(|o| Some(o.entry("properties").or_insert_with(|| json!({})))).and_then(Value::as_object_mut).ok_or_else(|| NormaliseError::at(&ptr, "mapped schema is not an object"))?;
        let mut tag = json!({"type": "string", "enum": [value]});
        if let Some(d) = description {
            tag["description"] = d;
        }
        props.insert(prop.clone(), tag);
        report.note(NAME, format!("/components/schemas/{target}/properties/{prop}"), format!("tag fixed to `{value}` so the untagged enum picks this variant"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("discriminators", super::run));
    }
}
