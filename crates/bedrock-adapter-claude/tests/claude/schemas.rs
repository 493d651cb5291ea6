//! The request JSON Schemas: snapshotted, carrying the documented ranges and enums, and telling
//! the two APIs' bodies apart.

use bedrock_adapter_claude::{MESSAGES_API, TEXT_COMPLETIONS_API, models::APIS};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

use crate::fixtures::{ADAPTER, build, valid_input};

#[test]
fn request_schemas_match_their_snapshots() {
    for api in APIS {
        let schema = ADAPTER.request_schema(api).expect("schema");
        insta::with_settings!({ sort_maps => true }, {
            insta::assert_json_snapshot!(format!("schema_{api}"), schema.as_value());
        });
    }
}

fn validate(api: &str, body: &Value) -> Vec<String> {
    let schema = ADAPTER.request_schema(api).unwrap();
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn a_legacy_model_asked_for_messages_gets_a_messages_body() {
    let case = valid_input("messages_for_legacy_model");
    let body = build(&case.model_id, &case.input).unwrap();
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

/// The adapter leaves an unset optional field out of the body and never sends `null`, so the
/// schemas refuse `null` for it.
#[test]
fn optional_fields_do_not_allow_null() {
    let good_messages = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    });
    for key in [
        "system",
        "temperature",
        "top_p",
        "top_k",
        "tools",
        "tool_choice",
        "thinking",
    ] {
        let mut body = good_messages.clone();
        body[key] = Value::Null;
        assert!(
            !validate(MESSAGES_API, &body).is_empty(),
            "{key} = null passed the Messages schema"
        );
    }
    let good_legacy = json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 5});
    for key in ["temperature", "top_p", "top_k"] {
        let mut body = good_legacy.clone();
        body[key] = Value::Null;
        assert!(
            !validate(TEXT_COMPLETIONS_API, &body).is_empty(),
            "{key} = null passed the Text Completions schema"
        );
    }
}
