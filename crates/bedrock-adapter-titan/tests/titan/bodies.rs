//! Request bodies built from `tests/data/valid_inputs.json`, snapshotted through one helper.

use crate::fixtures::{InputCase, build, valid_inputs};

/// Builds the body of one case, checks the headers, and snapshots the JSON under the case name.
fn check_body(case: &InputCase) -> serde_json::Value {
    let body = build(&case.model_id, &case.input).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(body.content_type, "application/json", "{}", case.name);
    assert_eq!(body.accept, "application/json", "{}", case.name);
    let json: serde_json::Value = serde_json::from_slice(&body.body).expect("JSON body");
    insta::assert_json_snapshot!(format!("body_{}", case.name), json);
    json
}

#[test]
fn every_valid_input_builds_the_snapshotted_body() {
    let cases = valid_inputs();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    for case in &cases {
        check_body(case);
    }
}

#[test]
fn floats_go_on_the_wire_as_written() {
    let case = valid_inputs()
        .into_iter()
        .find(|c| c.name == "text_all_params")
        .unwrap();
    let body = build(&case.model_id, &case.input).unwrap();
    let text = std::str::from_utf8(&body.body).unwrap();
    assert!(text.contains("\"temperature\":0.7"), "{text}");
    assert!(text.contains("\"topP\":0.9"), "{text}");
}

#[test]
fn chat_is_a_user_bot_transcript_ending_with_bot() {
    let case = valid_inputs()
        .into_iter()
        .find(|c| c.name == "chat_multi_turn_with_system")
        .unwrap();
    let json = check_body(&case);
    assert_eq!(
        json["inputText"],
        "You are a terse geology tutor.\n\nUser: What is gneiss?\nBot: A banded metamorphic rock.\n\
         User: And schist?\nKeep it short.\nBot:"
    );
    assert_eq!(
        json["textGenerationConfig"]["stopSequences"],
        serde_json::json!(["User:"])
    );
}

#[test]
fn building_is_deterministic() {
    for case in valid_inputs() {
        let first = build(&case.model_id, &case.input).unwrap();
        let second = build(&case.model_id, &case.input).unwrap();
        assert_eq!(first, second, "{}", case.name);
    }
}
