//! Pass `discriminators`: typify ignores `discriminator` and emits an untagged enum, which picks the
//! first variant that fits (a Dog decoded as a Cat). Giving each mapped schema's tag property an
//! enum of the values mapped to it (usually one) makes the untagged enum choose the right variant.
//! Mapping values may be refs or bare schema names. The tag enums are marked
//! `x-synerise-discriminator-tag` so that the `enums` pass leaves them closed.

use serde_json::{Value, json};

use super::{NormaliseError, PassResult, Report, schema_ref_name};

pub const NAME: &str = "discriminators";

/// Marks a tag enum written by this pass.
pub const TAG_MARKER: &str = "x-synerise-discriminator-tag";

/// The component name a mapping value points at: `#/components/schemas/Name` or a bare `Name`.
fn mapped_name(target: &str) -> Option<&str> {
    schema_ref_name(target)
        .or_else(|| (!target.is_empty() && !target.contains(['/', '#'])).then_some(target))
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    // (discriminator pointer, target schema, tag property, values), in document order.
    let mut edits: Vec<(String, String, String, Vec<String>)> = Vec::new();
    super::for_each_schema(spec, &mut |node, ptr, _| {
        let Some(d) = node.get("discriminator") else {
            return Ok(());
        };
        let prop = d
            .get("propertyName")
            .and_then(Value::as_str)
            .ok_or_else(|| NormaliseError::at(ptr, "discriminator without propertyName"))?
            .to_string();
        if let Some(mapping) = d.get("mapping").and_then(Value::as_object) {
            for (value, target) in mapping {
                let target = target.as_str().and_then(mapped_name).ok_or_else(|| {
                    NormaliseError::at(
                        ptr,
                        format!("discriminator mapping `{value}` is not a local schema ref"),
                    )
                })?;
                match edits
                    .iter_mut()
                    .find(|(_, t, p, _)| t == target && *p == prop)
                {
                    Some((_, _, _, values)) if values.contains(value) => {}
                    Some((_, _, _, values)) => values.push(value.clone()),
                    None => edits.push((
                        ptr.to_string(),
                        target.to_string(),
                        prop.clone(),
                        vec![value.clone()],
                    )),
                }
            }
        }
        Ok(())
    })?;
    for (ptr, target, prop, values) in edits {
        let schema = spec
            .pointer_mut(&format!(
                "/components/schemas/{}",
                crate::spec::escape(&target)
            ))
            .ok_or_else(|| {
                NormaliseError::at(
                    &ptr,
                    format!("discriminator maps to missing schema `{target}`"),
                )
            })?;
        let description = schema
            .get("properties")
            .and_then(|p| p.get(&prop))
            .and_then(|p| p.get("description"))
            .cloned();
        let props = schema
            .as_object_mut()
            .map(|o| o.entry("properties").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| NormaliseError::at(&ptr, "mapped schema is not an object"))?;
        let mut tag = json!({"type": "string", "enum": values, TAG_MARKER: true});
        if let Some(d) = description {
            tag["description"] = d;
        }
        props.insert(prop.clone(), tag);
        let list = values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        report.note(
            NAME,
            format!(
                "/components/schemas/{}/properties/{}",
                crate::spec::escape(&target),
                crate::spec::escape(&prop)
            ),
            format!("tag fixed to {list} so the untagged enum picks this variant"),
        );
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
