//! Request bodies built from `tests/data/valid_inputs.json`, snapshotted through one helper.

use serde_json::Value;

use crate::fixtures::{self, InputCase, build};

/// Builds the body of one valid input and compares it with its snapshot.
fn check_body(case: &InputCase) {
    let name = &case.name;
    let body = build(&case.model_id, &case.input).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(body.content_type, "application/json");
    let json: Value = serde_json::from_slice(&body.body).expect("JSON body");
    insta::with_settings!({ sort_maps => true, description => format!("{} {}", case.model_id, name) }, {
        insta::assert_json_snapshot!(format!("body_{name}"), json);
    });
}

#[test]
fn every_valid_input_builds_its_snapshot_body() {
    let cases = fixtures::valid_inputs();
    assert!(cases.len() >= 15, "{} valid inputs", cases.len());
    for case in &cases {
        check_body(case);
    }
}
