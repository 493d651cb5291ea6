//! The request JSON Schema: snapshotted, leaving optional fields out rather than `null`, and
//! refusing the same bad bodies as the typed validation.

use bedrock_adapter_deepseek::models::APIS;
use bedrock_adapter_deepseek::text::DeepSeekTextRequest;
use bedrock_adapter_deepseek::{DeepSeekAdapter, TEXT_API};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

use crate::MODEL;

fn schema(api: &str) -> Value {
    DeepSeekAdapter
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
    let schema = schema(TEXT_API);
    assert_eq!(schema["required"], json!(["prompt"]));
    for field in ["max_tokens", "temperature", "top_p", "stop"] {
        let kind = &schema["properties"][field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
}

/// Raw bodies both the schema and [`DeepSeekTextRequest::validate`] refuse, with the field the
/// error names.
#[test]
fn schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = jsonschema::validator_for(&schema(TEXT_API)).expect("the schema compiles");
    let eleven: Vec<String> = (0..11).map(|i| i.to_string()).collect();
    for (body, field) in [
        (json!({"prompt": " \n"}), "prompt"),
        (json!({"prompt": "Hi", "max_tokens": 0}), "max_tokens"),
        (json!({"prompt": "Hi", "max_tokens": 32769}), "max_tokens"),
        (json!({"prompt": "Hi", "temperature": 1.5}), "temperature"),
        (json!({"prompt": "Hi", "top_p": -0.1}), "top_p"),
        (json!({"prompt": "Hi", "stop": eleven}), "stop"),
        (json!({"prompt": "Hi", "stop": ["a", ""]}), "stop[1]"),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: DeepSeekTextRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request.validate(MODEL).expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    let validator = jsonschema::validator_for(&schema(TEXT_API)).expect("the schema compiles");
    for body in [
        json!({"prompt": "Hi", "top_k": 50}),
        json!({"prompt": "Hi", "max_gen_len": 50}),
        json!({"prompt": "Hi", "messages": []}),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<DeepSeekTextRequest>(body).is_err());
    }
}
