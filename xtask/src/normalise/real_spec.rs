//! Tests against the vendored spec itself: normalising it is deterministic, progenitor generates
//! code from the result, and `cargo xtask codegen --check` notices when the spec changes.

use std::path::Path;

use crate::codegen::{self, Mode};
use crate::spec;

fn vendored_spec() -> serde_json::Value {
    let path = crate::workspace_root().join("openapi/data-management.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    spec::parse(&text).expect("the vendored spec parses")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn normalising_the_vendored_spec_is_deterministic_and_generates() {
    let vendor = vendored_spec();
    let (first, first_report) = super::normalise(&vendor).expect("the vendored spec normalises");
    let (second, second_report) = super::normalise(&vendor).expect("the vendored spec normalises");
    // Byte-identical both as written (sorted keys) and in document order.
    assert_eq!(spec::to_sorted_json(&first), spec::to_sorted_json(&second));
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&second).unwrap()
    );
    assert_eq!(first_report.to_markdown(), second_report.to_markdown());

    let code = codegen::generate(&first).expect("progenitor generates the client");
    assert!(
        code.contains("pub struct Client"),
        "no Client in the generated code"
    );
    assert!(
        code.contains("pub fn get_server_time(&self)"),
        "no get_server_time in the generated code"
    );
    assert!(
        code == codegen::generate(&second).expect("progenitor generates the client"),
        "two generations differ"
    );
}

#[test]
fn codegen_check_detects_a_spec_change() {
    let workspace = crate::workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_dir(&workspace.join("openapi"), &root.join("openapi"));
    copy_dir(
        &workspace.join("crates/synerise-api/src"),
        &root.join("crates/synerise-api/src"),
    );
    // Start from files that match the spec, whatever state the workspace is in.
    codegen::run(root, Mode::Write).expect("codegen writes into the copy");

    // Rename one property of one schema (`EventServerTime.serverTime`, the answer of getServerTime).
    let yaml = root.join("openapi/data-management.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    assert_eq!(
        text.matches("\n        serverTime:\n").count(),
        1,
        "the property to edit is no longer unique"
    );
    std::fs::write(
        &yaml,
        text.replace("\n        serverTime:\n", "\n        serverTimeUtc:\n"),
    )
    .unwrap();

    let err = codegen::run(root, Mode::Check)
        .expect_err("--check must fail after the spec changed")
        .to_string();
    assert!(err.contains("openapi/synerise.json"), "{err}");
    assert!(
        err.contains("crates/synerise-api/src/generated.rs"),
        "{err}"
    );

    // The diff `--check` prints names the changed field.
    let (normalised, _) = codegen::load_normalised(root).unwrap();
    let committed = std::fs::read_to_string(root.join("openapi/synerise.json")).unwrap();
    let diff = codegen::unified_diff(
        "openapi/synerise.json",
        &committed,
        &spec::to_sorted_json(&normalised),
    );
    assert!(diff.contains("-          \"serverTime\": {"), "{diff}");
    assert!(diff.contains("+          \"serverTimeUtc\": {"), "{diff}");
}
