//! Converse-shaped conversations sent to Claude over InvokeModel: the bodies they become
//! (`tests/data/converse_requests.json`, snapshotted), the invalid ones
//! (`tests/data/invalid_converse_requests.json`, each failing on its field), and the
//! conversions both ways losing no block.

use bedrock_adapter_claude::messages::{
    CacheControl, Message, MessageRole, MessagesRequest, RequestContent, ResponseContent,
    TextBlock, ThinkingBlock,
};
use bedrock_adapter_claude::{MessagesResponse, messages};
use bedrock_core::Error;
use bedrock_core::converse::{
    ContentBlock, ConverseRequest, ConverseStopReason, ReasoningBlock, ToolResultStatus,
};
use serde_json::{Value, json};

use crate::fixtures::{
    self, DATA, base_model_id, converse_case, converse_cases, invalid_converse_cases,
};

fn body_of(case: &fixtures::ConverseCase) -> Value {
    let request = MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let body = request
        .to_body(&base_model_id(&case.model_id))
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(body.content_type, "application/json");
    serde_json::from_slice(&body.body).expect("JSON body")
}

#[test]
fn every_converse_request_builds_its_snapshot_body() {
    let cases = converse_cases();
    assert!(cases.len() >= 5, "{} Converse requests", cases.len());
    for case in &cases {
        let json = body_of(case);
        insta::with_settings!({ sort_maps => true, description => format!("{} {}", case.model_id, case.name) }, {
            insta::assert_json_snapshot!(format!("body_converse_{}", case.name), json);
        });
    }
}

/// The bodies pass the published Messages schema, as every body the adapter builds must.
#[test]
fn converse_bodies_match_the_messages_schema() {
    let schema =
        bedrock_adapter_claude::ClaudeAdapter::schema(bedrock_adapter_claude::ClaudeApi::Messages);
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    for case in converse_cases() {
        let json = body_of(&case);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{}", case.name);
    }
}

#[test]
fn every_invalid_converse_request_names_its_field() {
    let cases = invalid_converse_cases();
    assert!(
        cases.len() >= 25,
        "only {} invalid Converse requests",
        cases.len()
    );
    for case in cases {
        match MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request) {
            Err(Error::InvalidInput(bad)) => {
                assert_eq!(bad.field, case.field, "{}: {bad}", case.name);
                assert!(!bad.value.is_empty(), "{}: no value in {bad}", case.name);
                assert!(
                    !bad.allowed.is_empty(),
                    "{}: nothing allowed in {bad}",
                    case.name
                );
            }
            other => panic!(
                "{}: expected InvalidInput on `{}`, got {other:?}",
                case.name, case.field
            ),
        }
    }
}

#[test]
fn the_thinking_budget_error_states_the_range() {
    let case = invalid_converse_cases()
        .into_iter()
        .find(|c| c.name == "thinking budget not below max_tokens")
        .unwrap();
    let Err(Error::InvalidInput(bad)) =
        MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request)
    else {
        panic!("accepted")
    };
    assert_eq!(bad.value, "2048");
    assert!(bad.allowed.starts_with("1024..2048"), "{}", bad.allowed);
}

/// Claude's body turned into Converse and back is the same body: nothing is lost either way.
#[test]
fn claude_to_converse_and_back_is_the_same_body() {
    for case in converse_cases() {
        let base = base_model_id(&case.model_id);
        let claude = MessagesRequest::from_converse(&base, &case.request).unwrap();
        let converse = ConverseRequest::try_from(claude.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let again = MessagesRequest::from_converse(&base, &converse)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(again, claude, "{}", case.name);
    }
}

#[test]
fn thinking_signatures_and_redacted_thinking_go_through_byte_for_byte() {
    let case = converse_case("thinking_round_trip");
    let values: Value = fixtures_values();
    let claude =
        MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request).unwrap();
    let assistant = &claude.messages[1];
    match &assistant.content[..] {
        [
            RequestContent::Thinking(thinking),
            RequestContent::RedactedThinking(redacted),
            RequestContent::ToolUse(_),
        ] => {
            assert_eq!(thinking.signature, values["sig"].as_str().unwrap());
            assert_eq!(redacted.data, values["redacted"].as_str().unwrap());
        }
        other => panic!("{other:?}"),
    }
    // And back to Converse: the same signature, the same redacted bytes.
    let back = bedrock_core::converse::Message::try_from(assistant.clone()).unwrap();
    assert_eq!(back, case.request.messages[1]);
}

/// The values the data files share (a PDF, a PNG, a signature, redacted thinking data).
fn fixtures_values() -> Value {
    let responses = bedrock_testkit::fixtures::load_bytes(format!(
        "{DATA}/responses/messages_redacted_thinking.json"
    ));
    let response: Value = serde_json::from_slice(&responses).unwrap();
    json!({
        "sig": response["content"][0]["signature"],
        "redacted": response["content"][1]["data"],
    })
}

#[test]
fn cache_points_become_cache_control_on_the_block_before_them() {
    let case = converse_case("cache_points");
    let claude =
        MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request).unwrap();
    let tools = claude.tools.as_ref().unwrap();
    assert_eq!(tools[0].cache_control, Some(CacheControl::EPHEMERAL));
    let Some(messages::SystemPrompt::Blocks(system)) = &claude.system else {
        panic!("{:?}", claude.system)
    };
    let messages::SystemBlock::Text(first) = &system[0];
    assert_eq!(first.cache_control, Some(CacheControl::EPHEMERAL));
    let content = &claude.messages[0].content;
    assert_eq!(
        content.len(),
        2,
        "the cache point is not a block of its own"
    );
    assert_eq!(content[0].cache_control(), Some(CacheControl::EPHEMERAL));
    assert_eq!(content[1].cache_control(), None);
    // Converse again: a cache point right after the block that carried cache_control.
    let back = bedrock_core::converse::Message::try_from(claude.messages[0].clone()).unwrap();
    assert_eq!(back, case.request.messages[0]);
}

#[test]
fn tool_results_keep_their_status_and_json_becomes_its_text() {
    let case = converse_case("tool_use_exchange");
    let claude =
        MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request).unwrap();
    let json = serde_json::to_value(&claude.messages[2].content[0]).unwrap();
    assert_eq!(json["type"], "tool_result");
    assert_eq!(json["tool_use_id"], "toolu_01A09q90qw90lq917835lq9");
    assert_eq!(
        json["content"][0]["text"],
        r#"{"temperature_c":15,"sky":"fog"}"#
    );
    assert!(json.get("is_error").is_none());

    let case = converse_case("tool_use_error_result");
    let claude =
        MessagesRequest::from_converse(&base_model_id(&case.model_id), &case.request).unwrap();
    let RequestContent::ToolResult(result) = &claude.messages[2].content[0] else {
        panic!()
    };
    assert_eq!(result.is_error, Some(true));
    let back = bedrock_core::converse::Message::try_from(claude.messages[2].clone()).unwrap();
    let ContentBlock::ToolResult(r) = &back.content[0] else {
        panic!()
    };
    assert_eq!(r.status, Some(ToolResultStatus::Error));
}

#[test]
fn single_blocks_convert_both_ways_or_say_why_not() {
    let text = RequestContent::text("hi");
    assert_eq!(
        ContentBlock::try_from(text.clone()).unwrap(),
        ContentBlock::Text("hi".into())
    );
    assert_eq!(
        RequestContent::try_from(ContentBlock::Text("hi".into())).unwrap(),
        text
    );
    // A block with cache_control has no single-block Converse form; a message has.
    let cached = RequestContent::Text(TextBlock {
        cache_control: Some(CacheControl::EPHEMERAL),
        ..TextBlock::new("hi")
    });
    let err = ContentBlock::try_from(cached.clone()).unwrap_err();
    assert_eq!(err.field(), Some("content.cache_control"), "{err}");
    let message = Message {
        role: MessageRole::User,
        content: vec![cached],
    };
    let converse = bedrock_core::converse::Message::try_from(message.clone()).unwrap();
    assert_eq!(converse.content.len(), 2);
    assert_eq!(Message::try_from(converse).unwrap(), message);

    let err = RequestContent::try_from(ContentBlock::CachePoint(Default::default())).unwrap_err();
    assert_eq!(err.field(), Some("content.cachePoint"), "{err}");

    // Thinking: the signature survives; redacted data that is not base64 cannot become bytes.
    let thinking = ResponseContent::Thinking(ThinkingBlock {
        thinking: "hmm".into(),
        signature: "c2lnbmF0dXJl+/==".into(),
    });
    let ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) =
        ContentBlock::try_from(thinking).unwrap()
    else {
        panic!()
    };
    assert_eq!(r.signature.as_deref(), Some("c2lnbmF0dXJl+/=="));
    let bad = ResponseContent::RedactedThinking(messages::RedactedThinkingBlock {
        data: "not base64!".into(),
    });
    let err = ContentBlock::try_from(bad).unwrap_err();
    assert_eq!(err.field(), Some("content.data"), "{err}");
}

#[test]
fn responses_become_converse_responses_with_every_block() {
    for (name, body) in fixtures::responses("messages_") {
        let response = MessagesResponse::from_json(&body).unwrap();
        let blocks = response.content.len();
        let unknown = response
            .content
            .iter()
            .any(|b| matches!(b, ResponseContent::Other(_)));
        match response.into_converse(std::time::Duration::from_millis(250)) {
            Ok(converse) => {
                assert!(!unknown, "{name}");
                assert_eq!(converse.message().content.len(), blocks, "{name}");
                assert_eq!(converse.metrics.latency_ms, 250);
                insta::assert_json_snapshot!(format!("converse_response_{name}"), converse);
            }
            Err(e) => {
                assert!(unknown, "{name}: {e}");
                assert_eq!(e.field(), Some("content[1].type"), "{name}: {e}");
            }
        }
    }
}

#[test]
fn converse_stop_reasons_and_cache_usage() {
    let body = fixtures::responses("messages_cache_usage").pop().unwrap().1;
    let converse = MessagesResponse::from_json(&body)
        .unwrap()
        .into_converse(std::time::Duration::ZERO)
        .unwrap();
    assert_eq!(converse.stop_reason, ConverseStopReason::StopSequence);
    assert_eq!(converse.usage.cache_read_input_tokens, Some(1888));
    assert_eq!(converse.usage.cache_write_input_tokens, Some(0));
    assert_eq!(converse.usage.total_tokens, 21 + 9 + 1888);
    assert_eq!(
        converse.additional_model_response_fields,
        Some(json!({"stop_sequence": "STOP"}))
    );
}

#[test]
fn fields_the_claude_body_lacks_are_refused_not_dropped() {
    let base = "anthropic.claude-3-haiku-20240307-v1:0";
    let mut request = ConverseRequest {
        messages: vec![bedrock_core::converse::Message::user("hi")],
        ..ConverseRequest::default()
    };
    request.request_metadata.insert("team".into(), "a".into());
    let err = MessagesRequest::from_converse(base, &request).unwrap_err();
    assert_eq!(err.field(), Some("requestMetadata"), "{err}");

    // And Claude-only settings have no Converse form.
    let mut claude = MessagesRequest::new(100, vec![Message::user("hi")]);
    claude.tool_choice = Some(messages::ToolChoice::None);
    claude.tools = Some(vec![messages::ToolDefinition::custom(
        "get_weather",
        None,
        json!({"type": "object"}).as_object().unwrap().clone(),
    )]);
    let err = ConverseRequest::try_from(claude).unwrap_err();
    assert_eq!(err.field(), Some("tool_choice.type"), "{err}");
}
