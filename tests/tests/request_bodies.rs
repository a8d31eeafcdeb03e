//! Request bodies leave unset optional fields out (in Synerise a `null` clears a value), including
//! the recursive fields of expression formulas, which typify boxes as `Box<Option<_>>` and the
//! codegen fixes (`xtask/src/generated_fixes.rs`). The wire snapshots show one level; this nests.

use serde_json::json;
use synerise::types::{ExpressionFormula, ExpressionFormulaValue};

fn node(function: &str) -> ExpressionFormula {
    ExpressionFormula {
        function: Some(function.into()),
        type_: Some("FUNCTION".into()),
        ..Default::default()
    }
}

#[test]
fn unset_children_of_a_formula_tree_are_left_out_at_every_level() {
    let leaf = ExpressionFormula {
        type_: Some("VALUE".into()),
        value: Some(ExpressionFormulaValue {
            title: Some("price".into()),
            type_: Some("EVENT".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut add = node("ADD");
    *add.arg1 = Some(leaf.clone());
    *add.arg2 = Some(leaf);
    let mut bracket = node("BRACKET");
    *bracket.arg = Some(add);

    let value = serde_json::to_value(&bracket).unwrap();
    let leaf_json = json!({ "type": "VALUE", "value": { "title": "price", "type": "EVENT" } });
    assert_eq!(
        value,
        json!({
            "function": "BRACKET",
            "type": "FUNCTION",
            "arg": { "function": "ADD", "type": "FUNCTION", "arg1": leaf_json, "arg2": leaf_json },
        })
    );
    assert!(!value.to_string().contains("null"), "{value}");
    // And it reads back the same.
    let back: ExpressionFormula = serde_json::from_value(value).unwrap();
    assert_eq!(back, bracket);
}
