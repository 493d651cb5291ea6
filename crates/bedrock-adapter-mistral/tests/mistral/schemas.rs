//! The request JSON Schemas of both APIs: snapshotted, leaving optional fields out rather than
//! `null`, and refusing the same bad bodies as the typed validation.

use bedrock_adapter_mistral::chat::MistralChatRequest;
use bedrock_adapter_mistral::models::APIS;
use bedrock_adapter_mistral::text::MistralTextRequest;
use bedrock_adapter_mistral::{CHAT_API, MistralAdapter, TEXT_API};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

const PIXTRAL: &str = "mistral.pixtral-large-2502-v1:0";

fn schema(api: &str) -> Value {
    MistralAdapter
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
    let text = schema(TEXT_API);
    assert_eq!(text["required"], json!(["prompt"]));
    for field in ["max_tokens", "temperature", "top_p", "top_k", "stop"] {
        let kind = &text["properties"][field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
    let chat = schema(CHAT_API);
    assert_eq!(chat["required"], json!(["messages"]));
    for field in ["max_tokens", "temperature", "top_p", "stop", "tools"] {
        let kind = &chat["properties"][field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
}

/// Raw text-completion bodies both the schema and [`MistralTextRequest::validate`] refuse,
/// with the field the error names.
#[test]
fn text_schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = jsonschema::validator_for(&schema(TEXT_API)).expect("the schema compiles");
    let eleven: Vec<String> = (0..11).map(|i| i.to_string()).collect();
    for (body, field) in [
        (json!({"prompt": " \n"}), "prompt"),
        (json!({"prompt": "Hi", "max_tokens": 0}), "max_tokens"),
        (json!({"prompt": "Hi", "max_tokens": 8193}), "max_tokens"),
        (json!({"prompt": "Hi", "temperature": 1.5}), "temperature"),
        (json!({"prompt": "Hi", "top_p": -0.1}), "top_p"),
        (json!({"prompt": "Hi", "top_k": 0}), "top_k"),
        (json!({"prompt": "Hi", "top_k": 201}), "top_k"),
        (json!({"prompt": "Hi", "stop": eleven}), "stop"),
        (json!({"prompt": "Hi", "stop": ["a", ""]}), "stop[1]"),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: MistralTextRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request
            .validate("mistral.mistral-large-2402-v1:0")
            .expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

/// Raw chat-completion bodies both the schema and [`MistralChatRequest::validate`] refuse
/// (for Pixtral, which reads images), with the field the error names.
#[test]
fn chat_schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = jsonschema::validator_for(&schema(CHAT_API)).expect("the schema compiles");
    let hi = json!([{"role": "user", "content": "Hi"}]);
    let tool =
        |name: &str| json!([{"type": "function", "function": {"name": name, "parameters": {}}}]);
    for (body, field) in [
        (json!({"messages": []}), "messages"),
        (json!({"messages": hi, "max_tokens": 0}), "max_tokens"),
        (json!({"messages": hi, "max_tokens": 8193}), "max_tokens"),
        (json!({"messages": hi, "temperature": 1.5}), "temperature"),
        (json!({"messages": hi, "top_p": -0.1}), "top_p"),
        (json!({"messages": hi, "stop": [""]}), "stop[0]"),
        (
            json!({"messages": hi, "tools": tool("get weather")}),
            "tools[0].function.name",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]}),
            "messages[0].content[0].text",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": ""}}]}]}),
            "messages[0].content[0].image_url.url",
        ),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: MistralChatRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request.validate(PIXTRAL).expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

/// The schema states the widest limits; validation also applies each model's own.
#[test]
fn validation_applies_each_models_limits() {
    let body = json!({"prompt": "Hi", "max_tokens": 8192});
    let request: MistralTextRequest = serde_json::from_value(body).unwrap();
    assert!(request.validate("mistral.mistral-7b-instruct-v0:2").is_ok());
    let err = request
        .validate("mistral.mixtral-8x7b-instruct-v0:1")
        .unwrap_err();
    assert_eq!(err.field(), Some("max_tokens"));

    let image = json!({"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "text", "text": "What is this?"},
    ]}]});
    let request: MistralChatRequest = serde_json::from_value(image).unwrap();
    assert!(request.validate(PIXTRAL).is_ok());
    let err = request
        .validate("mistral.mistral-large-2407-v1:0")
        .unwrap_err();
    assert_eq!(err.field(), Some("messages[0].content[0]"));
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    let validator = jsonschema::validator_for(&schema(TEXT_API)).expect("the schema compiles");
    for body in [
        json!({"prompt": "Hi", "safe_prompt": true}),
        json!({"prompt": "Hi", "messages": []}),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<MistralTextRequest>(body).is_err());
    }
    let validator = jsonschema::validator_for(&schema(CHAT_API)).expect("the schema compiles");
    for body in [
        json!({"messages": [{"role": "user", "content": "Hi"}], "top_k": 50}),
        json!({"messages": [{"role": "user", "content": "Hi"}], "prompt": "Hi"}),
        json!({"messages": [{"role": "user", "content": "Hi", "name": "bob"}]}),
        json!({"messages": [{"role": "narrator", "content": "Hi"}]}),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<MistralChatRequest>(body).is_err());
    }
}
