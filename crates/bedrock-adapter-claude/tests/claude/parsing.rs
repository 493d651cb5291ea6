//! Parsing failures, unsupported operations, API selection and the request schemas' limits.

use bedrock_adapter_claude::{ClaudeAdapter, MESSAGES_API, TEXT_COMPLETIONS_API};
use bedrock_core::{
    EmbeddingRequest, Error, ErrorKind, ModelAdapter, ModelId, ModelInput, StreamEvent, TextRequest,
};
use serde_json::{Value, json};

use crate::data;

fn model(id: &str) -> ModelId {
    ModelId::new(id).unwrap()
}

fn decode_message(result: bedrock_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(e @ Error::Decode { .. }) => e.to_string(),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn decode_errors_name_what_is_missing() {
    let a = ClaudeAdapter::new();
    let m = model("anthropic.claude-3-haiku-20240307-v1:0");
    let msg = decode_message(a.parse_output(&m, br#"{"content":[{"type":"text"}]}"#));
    assert!(
        msg.contains("Claude Messages response") && msg.contains("`text`"),
        "{msg}"
    );
    let msg = decode_message(a.parse_output(&m, br#"{"completion":5}"#));
    assert!(msg.contains("Claude Text Completions response"), "{msg}");
    let msg = decode_message(a.parse_output(&m, br#"{"id":"msg_1","type":"message"}"#));
    assert!(msg.contains("neither `content`"), "{msg}");
    let msg = decode_message(a.parse_output(&m, b"[1, 2]"));
    assert!(msg.contains("expected a JSON object"), "{msg}");
    let msg =
        decode_message(a.parse_stream_chunk(&m, br#"{"type":"content_block_delta","index":0}"#));
    assert!(msg.contains("`delta`"), "{msg}");
    let msg = decode_message(a.parse_stream_chunk(&m, br#"{"stop_reason":"max_tokens"}"#));
    assert!(msg.contains("neither `type`"), "{msg}");
}

#[test]
fn a_mid_stream_error_event_is_a_model_error() {
    let chunk = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let err = ClaudeAdapter::new()
        .parse_stream_chunk(&model("anthropic.claude-3-haiku-20240307-v1:0"), chunk)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelError);
    assert_eq!(err.service_message(), Some("Overloaded"));
    assert_eq!(
        err.service_details().and_then(|d| d.error_type.as_deref()),
        Some("overloaded_error")
    );
}

#[test]
fn unknown_stream_events_and_non_text_deltas_produce_nothing() {
    let a = ClaudeAdapter::new();
    let m = model("anthropic.claude-sonnet-4-20250514-v1:0");
    for chunk in [
        json!({"type": "ping"}),
        json!({"type": "some_future_event", "payload": 1}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "x"}}),
        json!({"type": "message_stop"}),
    ] {
        let events = a
            .parse_stream_chunk(&m, chunk.to_string().as_bytes())
            .unwrap();
        assert!(events.is_empty(), "{chunk}: {events:?}");
    }
    let start = json!({"type": "message_start", "message": {"usage": {"input_tokens": 9, "output_tokens": 1}}});
    assert_eq!(
        a.parse_stream_chunk(&m, start.to_string().as_bytes())
            .unwrap(),
        vec![StreamEvent::Usage {
            input_tokens: Some(9),
            output_tokens: None
        }]
    );
}

#[test]
fn operations_claude_lacks_are_unsupported() {
    let err = ClaudeAdapter::new()
        .build_body(
            &model("us.anthropic.claude-3-haiku-20240307-v1:0"),
            &ModelInput::Embedding(EmbeddingRequest::new("x")),
        )
        .unwrap_err();
    match err {
        Error::Unsupported {
            operation,
            adapter,
            api,
            model_id,
        } => {
            assert_eq!(operation, "embedding");
            assert_eq!(adapter, "claude");
            assert_eq!(api, MESSAGES_API);
            assert_eq!(model_id, "us.anthropic.claude-3-haiku-20240307-v1:0");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_families_get_no_adapter() {
    let input = ModelInput::Text(TextRequest::new("hi"));
    for id in [
        "amazon.titan-text-express-v1",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
    ] {
        let err = ClaudeAdapter::new()
            .build_body(&model(id), &input)
            .unwrap_err();
        assert!(
            matches!(&err, Error::NoAdapter { model_id, .. } if model_id == id),
            "{err:?}"
        );
        assert!(err.to_string().contains("anthropic.claude*"), "{err}");
    }
}

fn validate(api: &str, body: &Value) -> Vec<String> {
    let schema = ClaudeAdapter::new().request_schema(api).unwrap();
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn a_legacy_model_asked_for_messages_gets_a_messages_body() {
    let case = data::input("messages_for_legacy_model");
    let body = ClaudeAdapter::new()
        .build_body(&case.model(), &case.input)
        .unwrap();
    let json: Value = serde_json::from_slice(&body.body).unwrap();
    assert_eq!(validate(MESSAGES_API, &json), Vec::<String>::new());
    assert!(!validate(TEXT_COMPLETIONS_API, &json).is_empty());
    assert_eq!(json["anthropic_version"], "bedrock-2023-05-31");
    assert!(json.get("prompt").is_none());
}

#[test]
fn the_schemas_carry_the_documented_ranges_and_enums() {
    let good_messages = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    });
    assert_eq!(validate(MESSAGES_API, &good_messages), Vec::<String>::new());
    for (path, bad) in [
        ("/anthropic_version", json!("2023-06-01")),
        ("/max_tokens", json!(0)),
        ("/max_tokens", json!(64_001)),
        ("/temperature", json!(1.5)),
        ("/top_p", json!(-0.5)),
        ("/top_k", json!(501)),
        ("/messages", json!([])),
        (
            "/messages/0/role",
            json!([{"role": "system", "content": [{"type": "text", "text": "x"}]}]),
        ),
        (
            "/messages/0/content/0",
            json!([{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/bmp", "data": "AA=="}}]}]),
        ),
        ("", json!({"top_n": 3})),
    ] {
        let mut body = good_messages.clone();
        let key = path.trim_start_matches('/').split('/').next().unwrap();
        match (key, &bad) {
            ("", Value::Object(extra)) => body.as_object_mut().unwrap().extend(extra.clone()),
            ("messages", _) if path != "/messages" => body["messages"] = bad.clone(),
            _ => body[key] = bad.clone(),
        }
        let errors = validate(MESSAGES_API, &body);
        assert!(!errors.is_empty(), "{path} = {bad} passed the schema");
    }

    let good_legacy = json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 5});
    assert_eq!(
        validate(TEXT_COMPLETIONS_API, &good_legacy),
        Vec::<String>::new()
    );
    for (key, bad) in [
        ("prompt", json!("hi")),
        ("max_tokens_to_sample", json!(4097)),
        ("top_k", json!(501)),
        ("stop_sequences", json!([" "])),
        ("anthropic_version", json!("bedrock-2023-05-31")),
    ] {
        let mut body = good_legacy.clone();
        body[key] = bad.clone();
        assert!(
            !validate(TEXT_COMPLETIONS_API, &body).is_empty(),
            "{key} = {bad} passed the schema"
        );
    }
}
