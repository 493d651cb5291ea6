//! Request bodies built from `tests/data/valid_inputs.json`, snapshotted through one helper.

use std::collections::BTreeSet;

use bedrock_adapter_nova::canvas::TASK_TYPES;
use bedrock_adapter_nova::{CANVAS_API, MESSAGES_API};
use bedrock_core::InvokeOptions;

use crate::{ValidCase, api_of, id, registry, route, valid_inputs};

/// Prepares the call of one case as the connector does (resolve, check, build the body) and
/// checks its headers. Returns the body's JSON and text.
fn build(case: &ValidCase) -> (serde_json::Value, String) {
    let call = registry()
        .prepare(&id(&case.model_id), &case.input, InvokeOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let body = &call.body;
    assert_eq!(body.content_type, "application/json", "{}", case.name);
    assert_eq!(body.accept, "application/json", "{}", case.name);
    let json: serde_json::Value = serde_json::from_slice(&body.body).expect("a JSON body");
    let text = String::from_utf8(body.body.to_vec()).expect("a UTF-8 body");
    (json, text)
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
    for api in [MESSAGES_API, CANVAS_API] {
        let n = cases.iter().filter(|c| api_of(&c.model_id) == api).count();
        assert!(n >= 8, "{api}: only {n} valid inputs");
    }
    for case in &cases {
        let (json, _) = build(case);
        insta::assert_json_snapshot!(format!("body_{}", case.name), json);
    }
}

/// Every model (their limits differ) and every Canvas task type (their bodies differ) has a
/// body snapshot.
#[test]
fn the_cases_cover_every_model_and_task_type() {
    let cases = valid_inputs();
    let models: BTreeSet<String> = cases
        .iter()
        .map(|c| route(&c.model_id).base_model_id)
        .collect();
    for model in [
        "amazon.nova-micro-v1:0",
        "amazon.nova-lite-v1:0",
        "amazon.nova-pro-v1:0",
        "amazon.nova-premier-v1:0",
        "amazon.nova-2-lite-v1:0",
        "amazon.nova-canvas-v1:0",
    ] {
        assert!(models.contains(model), "no valid input for {model}");
    }
    let tasks: BTreeSet<String> = cases
        .iter()
        .filter(|c| api_of(&c.model_id) == CANVAS_API)
        .map(|c| {
            let (json, _) = build(c);
            json["taskType"].as_str().expect("a task type").to_owned()
        })
        .collect();
    let all: BTreeSet<String> = TASK_TYPES.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(tasks, all);
}

#[test]
fn floats_go_on_the_wire_as_written() {
    let (_, body) = build(&case("micro_text_sampled"));
    assert!(body.contains("\"temperature\":0.7"), "{body}");
    assert!(body.contains("\"topP\":0.9"), "{body}");
    let (_, body) = build(&case("canvas_text_image_full"));
    assert!(body.contains("\"cfgScale\":6.5"), "{body}");
    let (_, body) = build(&case("canvas_image_variation"));
    assert!(body.contains("\"similarityStrength\":0.6"), "{body}");
}

/// The same input gives the same bytes, and the schema version leads the body.
#[test]
fn bodies_are_deterministic_and_start_with_the_schema_version() {
    for case in valid_inputs() {
        let (_, first) = build(&case);
        let (_, second) = build(&case);
        assert_eq!(first, second, "{}", case.name);
        if api_of(&case.model_id) == MESSAGES_API {
            assert!(
                first.starts_with(r#"{"schemaVersion":"messages-v1","#),
                "{}: {first}",
                case.name
            );
        } else {
            assert!(
                first.starts_with(r#"{"taskType":""#),
                "{}: {first}",
                case.name
            );
        }
    }
}
