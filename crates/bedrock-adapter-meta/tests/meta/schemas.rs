//! The request JSON Schema: snapshotted, leaving optional fields out rather than `null`, and
//! refusing the same bad bodies as the typed validation.

use bedrock_adapter_meta::llama::LlamaRequest;
use bedrock_adapter_meta::models::APIS;
use bedrock_adapter_meta::{LLAMA_API, MetaAdapter};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

const LLAMA_4: &str = "meta.llama4-scout-17b-instruct-v1:0";

fn schema(api: &str) -> Value {
    MetaAdapter
        .request_schema(api)
        .unwrap_or_else(|| panic!("no schema for {api}"))
        .to_value()
}

#[test]
fn every_api_schema_matches_its_snapshot() {
    for api in APIS {
        insta::assert_json_snapshot!(format!("schema_{api}"), schema(api));
    }
}

#[test]
fn optional_fields_are_left_out_not_null() {
    let schema = schema(LLAMA_API);
    assert_eq!(schema["required"], json!(["prompt"]));
    for field in ["max_gen_len", "temperature", "top_p", "images"] {
        let kind = &schema["properties"][field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
}

/// Raw bodies both the schema and [`LlamaRequest::validate`] refuse (for Llama 4, which takes
/// the most images), with the field the error names.
#[test]
fn schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = jsonschema::validator_for(&schema(LLAMA_API)).expect("the schema compiles");
    let six = vec!["iVBORw0KGgo="; 6];
    for (body, field) in [
        (json!({"prompt": " \n"}), "prompt"),
        (json!({"prompt": "Hi", "max_gen_len": 0}), "max_gen_len"),
        (json!({"prompt": "Hi", "max_gen_len": 2049}), "max_gen_len"),
        (json!({"prompt": "Hi", "temperature": 1.5}), "temperature"),
        (json!({"prompt": "Hi", "top_p": -0.1}), "top_p"),
        (json!({"prompt": "Hi", "images": six}), "images"),
        (
            json!({"prompt": "Hi", "images": ["iVBORw0KGgo=", ""]}),
            "images[1]",
        ),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: LlamaRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request.validate(LLAMA_4).expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

/// The schema states the widest limits; validation also applies each model's own.
#[test]
fn validation_applies_each_models_image_limit() {
    let body = json!({"prompt": "<|image|>What is this?", "images": ["iVBORw0KGgo="]});
    let request: LlamaRequest = serde_json::from_value(body).unwrap();
    assert!(request.validate(LLAMA_4).is_ok());
    assert!(request.validate("meta.llama3-2-11b-instruct-v1:0").is_ok());
    let err = request
        .validate("meta.llama3-3-70b-instruct-v1:0")
        .unwrap_err();
    assert_eq!(err.field(), Some("images"));
    let two =
        json!({"prompt": "<|image|><|image|>Compare.", "images": ["iVBORw0KGgo=", "iVBORw0KGgo="]});
    let request: LlamaRequest = serde_json::from_value(two).unwrap();
    let err = request
        .validate("meta.llama3-2-90b-instruct-v1:0")
        .unwrap_err();
    assert_eq!(err.field(), Some("images"));
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    let validator = jsonschema::validator_for(&schema(LLAMA_API)).expect("the schema compiles");
    for body in [
        json!({"prompt": "Hi", "top_k": 50}),
        json!({"prompt": "Hi", "max_tokens": 50}),
        json!({"prompt": "Hi", "stop": ["\n"]}),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<LlamaRequest>(body).is_err());
    }
}
