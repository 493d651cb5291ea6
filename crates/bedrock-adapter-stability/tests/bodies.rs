//! Request bodies: the table in `tests/data/requests` through one helper, snapshotted, each body
//! valid against the API's JSON Schema.

mod support;

use bedrock_adapter_stability::StabilityAdapter;
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};
use support::{RequestCase, request_cases};

/// Builds the body of `case`, checks its headers and its schema, and returns what the snapshot
/// records: the model, the API and the body.
fn check(adapter: &StabilityAdapter, name: &str, case: &RequestCase) -> Value {
    let pattern = adapter
        .pattern_for(&case.model_id)
        .unwrap_or_else(|| panic!("{name}: model not served"));
    let built = adapter
        .build_body(&case.model_id, &case.input)
        .unwrap_or_else(|e| panic!("{name}: build_body failed: {e}"));
    assert_eq!(
        (built.content_type, built.accept),
        ("application/json", "application/json"),
        "{name}"
    );
    let body: Value = serde_json::from_slice(&built.body).unwrap();

    let schema = adapter.request_schema(pattern.api).unwrap();
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: body does not match the {} schema: {errors:?}\n{body}",
        pattern.api
    );

    json!({ "model_id": case.model_id, "api": pattern.api, "body": body })
}

#[test]
fn request_table_builds_the_snapshotted_bodies() {
    let adapter = StabilityAdapter::new();
    let cases = request_cases();
    assert!(cases.len() >= 10, "the table has {} cases", cases.len());
    for (name, case) in &cases {
        let view = check(&adapter, name, case);
        insta::with_settings!({ description => case.about.as_str(), omit_expression => true }, {
            insta::assert_json_snapshot!(format!("body-{name}").as_str(), view);
        });
    }
}

#[test]
fn a_prompt_of_exactly_2000_characters_is_accepted_by_sdxl() {
    let adapter = StabilityAdapter::new();
    let id = "stability.stable-diffusion-xl-v1".parse().unwrap();
    let long = "é".repeat(2000);
    let input = bedrock_core::ModelInput::Image(bedrock_core::ImageRequest::new(long.clone()));
    let body: Value =
        serde_json::from_slice(&adapter.build_body(&id, &input).unwrap().body).unwrap();
    assert_eq!(body["text_prompts"][0]["text"], long.as_str());
}

#[test]
fn a_prompt_of_exactly_10000_characters_is_accepted_by_sd3() {
    let adapter = StabilityAdapter::new();
    let id = "stability.stable-image-ultra-v1:0".parse().unwrap();
    let input =
        bedrock_core::ModelInput::Image(bedrock_core::ImageRequest::new("z".repeat(10_000)));
    assert!(adapter.build_body(&id, &input).is_ok());
}
