//! Pass `component_refs`: inline references to `components/parameters`, `requestBodies`,
//! `responses` and `headers` so that later passes can see (and rewrite) what they hold. Schema refs
//! stay refs. The inlined component sections are removed.

use serde_json::Value;

use super::{NormaliseError, PassResult, Report, operations_mut};
use crate::spec::escape;

pub const NAME: &str = "component_refs";

const SECTIONS: [&str; 4] = ["parameters", "requestBodies", "responses", "headers"];

fn resolve(components: &Value, node: &mut Value, ptr: &str, report: &mut Report) -> PassResult {
    let mut seen = 0;
    while let Some(reference) = node.get("$ref").and_then(Value::as_str).map(str::to_string) {
        let (section, name) = reference
            .strip_prefix("#/components/")
            .and_then(|r| r.split_once('/'))
            .filter(|(s, _)| SECTIONS.contains(s))
            .ok_or_else(|| {
                NormaliseError::at(ptr, format!("unsupported reference `{reference}`"))
            })?;
        let target = components
            .get(section)
            .and_then(|s| s.get(name))
            .ok_or_else(|| {
                NormaliseError::at(ptr, format!("reference `{reference}` does not resolve"))
            })?;
        *node = target.clone();
        report.note(NAME, ptr, format!("inlined `{reference}`"));
        seen += 1;
        if seen > 16 {
            return Err(NormaliseError::at(ptr, "reference cycle"));
        }
    }
    Ok(())
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let components = spec.get("components").cloned().unwrap_or(Value::Null);
    // Path-level parameters (normally already copied into the operations by `path_items`).
    for (path, item) in spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flatten()
    {
        if let Some(params) = item.get_mut("parameters").and_then(Value::as_array_mut) {
            for (i, p) in params.iter_mut().enumerate() {
                resolve(
                    &components,
                    p,
                    &format!("/paths/{}/parameters/{i}", escape(path)),
                    report,
                )?;
            }
        }
    }
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        if let Some(params) = op.op.get_mut("parameters").and_then(Value::as_array_mut) {
            for (i, p) in params.iter_mut().enumerate() {
                resolve(&components, p, &format!("{ptr}/parameters/{i}"), report)?;
            }
        }
        if let Some(body) = op.op.get_mut("requestBody") {
            resolve(&components, body, &format!("{ptr}/requestBody"), report)?;
        }
        if let Some(responses) = op.op.get_mut("responses").and_then(Value::as_object_mut) {
            for (code, resp) in responses.iter_mut() {
                let rptr = format!("{ptr}/responses/{code}");
                resolve(&components, resp, &rptr, report)?;
                if let Some(headers) = resp.get_mut("headers").and_then(Value::as_object_mut) {
                    for (h, header) in headers.iter_mut() {
                        resolve(&components, header, &format!("{rptr}/headers/{h}"), report)?;
                    }
                }
            }
        }
    }
    if let Some(comps) = spec.get_mut("components").and_then(Value::as_object_mut) {
        for section in SECTIONS {
            if comps.remove(section).is_some() {
                report.note(
                    NAME,
                    format!("/components/{section}"),
                    "removed after inlining",
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("component_refs", super::run));
    }
}
