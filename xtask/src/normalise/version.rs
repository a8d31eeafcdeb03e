//! Pass `version`: progenitor takes OpenAPI 3.0.x only. 3.1 and Swagger 2.0 are hard errors.

use serde_json::Value;

use super::{NormaliseError, PassResult, Report};

pub const NAME: &str = "version";

pub fn run(spec: &mut Value, report: &mut Report) -> PassResult {
    crate::spec::check_openapi_3_0(spec)
        .map_err(|e| NormaliseError::at("/openapi", e.to_string()))?;
    let v = spec["openapi"].as_str().unwrap_or_default().to_string();
    if v != "3.0.3" {
        spec["openapi"] = Value::from("3.0.3");
        report.note(NAME, "/openapi", format!("version {v} written as 3.0.3"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        insta::assert_snapshot!(super::super::fixture::run("version", super::run));
    }
    #[test]
    fn rejects_3_1_and_swagger() {
        let mut r = super::Report::default();
        let mut v31 = serde_json::json!({"openapi": "3.1.0", "paths": {}});
        assert!(
            super::run(&mut v31, &mut r)
                .unwrap_err()
                .message
                .contains("3.1.0")
        );
        let mut v2 = serde_json::json!({"swagger": "2.0", "paths": {}});
        assert!(
            super::run(&mut v2, &mut r)
                .unwrap_err()
                .message
                .contains("Swagger")
        );
    }
}
