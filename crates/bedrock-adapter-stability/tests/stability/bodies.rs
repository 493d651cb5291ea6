//! Request bodies: the table in `tests/data/valid_inputs.json` through one helper, snapshotted,
//! each body valid against the API's JSON Schema.

use bedrock_core::{ImageRequest, ModelAdapter, ModelInput};
use serde_json::{Value, json};

use crate::fixtures::{ADAPTER, InputCase, id, prepare, route, valid_inputs};

/// Builds the body of `case` as a typed call does, checks its headers and its schema, and returns
/// what the snapshot records: the model, the API and the body.
fn check(case: &InputCase) -> Value {
    let name = &case.name;
    let call = prepare(&case.model_id, &case.input)
        .unwrap_or_else(|e| panic!("{name}: build_body failed: {e}"));
    let api = call.resolved.route.api();
    let built = call.body;
    assert_eq!(
        (built.content_type, built.accept),
        ("application/json", "application/json"),
        "{name}"
    );
    let body: Value = serde_json::from_slice(&built.body).unwrap();

    let schema = ADAPTER.request_schema(api).unwrap();
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: body does not match the {api} schema: {errors:?}\n{body}"
    );

    json!({ "model_id": case.model_id, "api": api, "body": body })
}

#[test]
fn request_table_builds_the_snapshotted_bodies() {
    let cases = valid_inputs();
    assert!(cases.len() >= 10, "the table has {} cases", cases.len());
    for case in &cases {
        let view = check(case);
        insta::with_settings!({ description => case.about.as_str(), omit_expression => true }, {
            insta::assert_json_snapshot!(format!("body-{}", case.name).as_str(), view);
        });
    }
}

#[test]
fn the_adapter_builds_the_same_bytes_as_a_prepared_call() {
    for case in valid_inputs() {
        let prepared = prepare(&case.model_id, &case.input).unwrap().body;
        let direct = ADAPTER
            .build_body(&route(&case.model_id), &case.input)
            .unwrap();
        assert_eq!(prepared, direct, "{}", case.name);
    }
}

#[test]
fn a_prompt_of_exactly_2000_characters_is_accepted_by_sdxl() {
    let id = id("stability.stable-diffusion-xl-v1");
    let long = "é".repeat(2000);
    let input = ModelInput::Image(ImageRequest::new(long.clone()));
    let body: Value = serde_json::from_slice(&prepare(&id, &input).unwrap().body.body).unwrap();
    assert_eq!(body["text_prompts"][0]["text"], long.as_str());
}

#[test]
fn a_prompt_of_exactly_10000_characters_is_accepted_by_sd3() {
    let id = id("stability.stable-image-ultra-v1:0");
    let input = ModelInput::Image(ImageRequest::new("z".repeat(10_000)));
    assert!(prepare(&id, &input).is_ok());
}
