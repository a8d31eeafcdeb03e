//! Pass `security`: progenitor ignores `security`; authentication is applied by the client hooks.
//! Record each operation's effective scheme in `x-synerise-auth` (`jwt`, `tracker-key`, `none`),
//! and remove `Authorization` header parameters and the TrackerKey `token` query parameter, which
//! the hooks set.

use serde_json::Value;

use super::{NormaliseError, PassResult, Report, operations_mut};

pub const NAME: &str = "security";

fn scheme_kind(spec: &Value, name: &str) -> Option<&'static str> {
    let scheme = spec.pointer(&format!("/components/securitySchemes/{name}"))?;
    match (
        scheme.get("type")?.as_str()?,
        scheme.get("in").and_then(Value::as_str),
    ) {
        ("http", _) => Some("jwt"),
        ("apiKey", Some("query")) => Some("tracker-key"),
        _ => None,
    }
}

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    let global = spec
        .get("security")
        .cloned()
        .unwrap_or(Value::Array(vec![]));
    let snapshot = spec.clone();
    for op in operations_mut(spec) {
        let ptr = op.pointer();
        let security = op
            .op
            .get("security")
            .cloned()
            .unwrap_or_else(|| global.clone());
        let mut kinds = Vec::new();
        for requirement in security.as_array().into_iter().flatten() {
            for name in requirement.as_object().into_iter().flat_map(|o| o.keys()) {
                let kind = scheme_kind(&snapshot, name).ok_or_else(|| {
                    NormaliseError::at(
                        format!("{ptr}/security"),
                        format!("unknown security scheme `{name}`"),
                    )
                })?;
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
        }
        let auth = match kinds.as_slice() {
            [] => "none",
            [one] => one,
            [..] if kinds.contains(&"jwt") => "jwt",
            _ => {
                return Err(NormaliseError::at(
                    format!("{ptr}/security"),
                    "cannot combine these security schemes",
                ));
            }
        };
        op.op.insert("x-synerise-auth".into(), Value::from(auth));
        if let Some(params) = op.op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.retain(|p| {
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
                let drop = (location == "header" && name.eq_ignore_ascii_case("authorization"))
                    || (location == "query" && name == "token" && auth == "tracker-key");
                if drop {
                    report.note(NAME, &ptr, format!("removed {location} parameter `{name}`: the client hooks authenticate ({auth})"));
                }
                !drop
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("security", super::run));
    }
}
