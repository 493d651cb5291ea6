//! Request bodies built from `tests/data/valid_inputs.json`, snapshotted through one helper.

use bedrock_core::InvokeOptions;

use crate::{ValidCase, id, registry, valid_inputs};

/// Prepares the call of one case as the connector does (resolve, check, build the body), checks
/// its headers and snapshots its JSON under the case name. Returns the body's text.
fn check_body(case: &ValidCase) -> String {
    let call = registry()
        .prepare(&id(&case.model_id), &case.input, InvokeOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let body = &call.body;
    assert_eq!(body.content_type, "application/json", "{}", case.name);
    assert_eq!(body.accept, "application/json", "{}", case.name);
    let json: serde_json::Value = serde_json::from_slice(&body.body).expect("a JSON body");
    insta::assert_json_snapshot!(format!("body_{}", case.name), json);
    String::from_utf8(body.body.to_vec()).expect("a UTF-8 body")
}

#[test]
fn every_valid_input_builds_its_snapshotted_body() {
    let cases = valid_inputs();
    assert!(cases.len() >= 5, "only {} valid inputs", cases.len());
    for case in &cases {
        check_body(case);
    }
}

#[test]
fn floats_go_on_the_wire_as_written() {
    let case = valid_inputs()
        .into_iter()
        .find(|case| case.name == "sampled")
        .expect("the `sampled` case");
    let body = check_body(&case);
    assert!(body.contains("\"temperature\":0.7"), "{body}");
    assert!(body.contains("\"top_p\":0.9"), "{body}");
}
