//! Request bodies built from `tests/data/valid_inputs.json`, snapshotted through one helper.

use std::collections::BTreeSet;

use bedrock_core::InvokeOptions;

use crate::{CATALOG, ValidCase, id, registry, route, valid_inputs};

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

fn case(name: &str) -> ValidCase {
    valid_inputs()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no `{name}` case"))
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
fn the_valid_inputs_cover_every_catalog_model() {
    let used: BTreeSet<String> = valid_inputs()
        .iter()
        .map(|case| route(&case.model_id).base_model_id)
        .collect();
    for model in CATALOG {
        assert!(used.contains(*model), "no valid input for {model}");
    }
}

#[test]
fn floats_go_on_the_wire_as_written() {
    let body = check_body(&case("text_with_system"));
    assert!(body.contains("\"temperature\":0.7"), "{body}");
    assert!(body.contains("\"top_p\":0.9"), "{body}");
}

#[test]
fn the_system_prompt_is_the_first_message() {
    let body = check_body(&case("text_with_system"));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["messages"][0]["role"], "system");
    assert_eq!(json["messages"][1]["role"], "user");
    assert_eq!(
        json["messages"][1]["content"],
        "Explain photosynthesis to a ten-year-old."
    );
}
