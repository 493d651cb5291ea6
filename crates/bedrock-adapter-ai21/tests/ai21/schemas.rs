//! The request JSON Schema: snapshotted, leaving optional fields out rather than `null`, and
//! refusing the same bad bodies as the typed validation.

use bedrock_adapter_ai21::chat::JambaChatRequest;
use bedrock_adapter_ai21::models::{APIS, model_limits};
use bedrock_adapter_ai21::{Ai21Adapter, CHAT_API};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

fn schema(api: &str) -> Value {
    Ai21Adapter
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
    for field in ["max_tokens", "temperature", "top_p", "n"] {
        let kind = &schema["properties"][field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
}

/// Raw bodies both the schema and [`JambaChatRequest::validate`] refuse, with the field the
/// error names.
#[test]
fn schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = jsonschema::validator_for(&schema(CHAT_API)).expect("the schema compiles");
    let hi = |field: &str, value: Value| {
        let mut body = json!({"messages": [{"role": "user", "content": "Hi"}]});
        body[field] = value;
        body
    };
    for (body, field) in [
        (json!({"messages": []}), "messages"),
        (
            json!({"messages": [{"role": "user", "content": " "}]}),
            "messages[0].content",
        ),
        (hi("max_tokens", json!(4097)), "max_tokens"),
        (hi("temperature", json!(2.5)), "temperature"),
        (hi("temperature", json!(-0.1)), "temperature"),
        (hi("top_p", json!(1.5)), "top_p"),
        (hi("stop", json!(["ok", ""])), "stop[1]"),
        (hi("n", json!(0)), "n"),
        (hi("n", json!(17)), "n"),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: JambaChatRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request
            .validate(&model_limits("ai21.jamba-1-5-large-v1:0"))
            .expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

/// What the typed validation refuses beyond the schema: message order.
#[test]
fn a_system_message_may_only_come_first_and_not_alone() {
    let limits = model_limits("ai21.jamba-1-5-mini-v1:0");
    for (body, field) in [
        (
            json!({"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."}]}),
            "messages[1].role",
        ),
        (
            json!({"messages": [{"role": "system", "content": "Be brief."}]}),
            "messages",
        ),
    ] {
        let request: JambaChatRequest = serde_json::from_value(body.clone()).unwrap();
        let err = request.validate(&limits).expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    let validator = jsonschema::validator_for(&schema(CHAT_API)).expect("the schema compiles");
    for body in [
        json!({"messages": [{"role": "user", "content": "Hi"}], "top_k": 50}),
        json!({"messages": [{"role": "user", "content": "Hi"}], "stop_sequences": ["x"]}),
        json!({"messages": [{"role": "tool", "content": "Hi"}]}),
        json!({"messages": [{"role": "user", "content": "Hi", "name": "x"}]}),
        json!({"prompt": "Hi"}),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<JambaChatRequest>(body).is_err());
    }
}
