//! The request JSON Schema: snapshotted, leaving optional fields out rather than `null`, and
//! refusing the same bad bodies as the typed validation.

use bedrock_adapter_chat_completions::chat::ChatCompletionsRequest;
use bedrock_adapter_chat_completions::models::APIS;
use bedrock_adapter_chat_completions::{CHAT_API, ChatCompletionsAdapter};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

/// A one-message conversation, for bodies that differ elsewhere.
fn hi() -> Value {
    json!([{"role": "user", "content": "Hi"}])
}

fn schema(api: &str) -> Value {
    ChatCompletionsAdapter
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
    let schema = schema(CHAT_API);
    assert_eq!(schema["required"], json!(["messages"]));
    for field in [
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
    ] {
        let kind = &schema["properties"][field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
}

/// Raw bodies both the schema and [`ChatCompletionsRequest::validate`] refuse, with the field the
/// error names.
#[test]
fn schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = jsonschema::validator_for(&schema(CHAT_API)).expect("the schema compiles");
    for (body, field) in [
        (json!({"messages": []}), "messages"),
        (
            json!({"messages": [{"role": "user", "content": " \n"}]}),
            "messages[0].content",
        ),
        (json!({"messages": hi(), "max_tokens": 0}), "max_tokens"),
        (json!({"messages": hi(), "max_tokens": 32769}), "max_tokens"),
        (
            json!({"messages": hi(), "max_completion_tokens": 32769}),
            "max_completion_tokens",
        ),
        (json!({"messages": hi(), "temperature": 2.5}), "temperature"),
        (json!({"messages": hi(), "top_p": -0.1}), "top_p"),
        (
            json!({"messages": hi(), "stop": ["a", "b", "c", "d", "e"]}),
            "stop",
        ),
        (json!({"messages": hi(), "stop": ["a", ""]}), "stop[1]"),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: ChatCompletionsRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request.validate().expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    let validator = jsonschema::validator_for(&schema(CHAT_API)).expect("the schema compiles");
    for body in [
        json!({"messages": hi(), "top_k": 50}),
        json!({"messages": hi(), "safe_prompt": true}),
        json!({"messages": [{"role": "tool", "content": "Hi"}]}),
        json!({"messages": hi(), "reasoning_effort": "extreme"}),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<ChatCompletionsRequest>(body).is_err());
    }
}
