//! Documented responses (`tests/data/responses`) and recorded streams (`tests/data/streams`)
//! parsed into the neutral outputs and snapshotted; malformed responses, error events and the
//! stream events that carry nothing.

use bedrock_core::{Error, ErrorKind, ModelAdapter, StreamEvent, TextAccumulator};
use serde_json::json;

use crate::fixtures::{self, ADAPTER, route};

#[test]
fn every_documented_response_parses_to_its_snapshot() {
    let route = route("anthropic.claude-3-haiku-20240307-v1:0");
    for prefix in ["messages_", "text_completions_"] {
        for (name, body) in fixtures::responses(prefix) {
            let output = ADAPTER
                .parse_output(&route, &body)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            insta::assert_json_snapshot!(format!("response_{name}"), output);
        }
    }
}

#[test]
fn every_recorded_stream_gives_its_snapshot_events() {
    let route = route("anthropic.claude-v2");
    for prefix in ["messages_", "text_completions_"] {
        for stream in fixtures::streams(prefix) {
            let mut acc = TextAccumulator::new();
            let mut events = Vec::new();
            for chunk in &stream.chunks {
                for event in ADAPTER.parse_stream_chunk(&route, chunk).unwrap() {
                    acc.push(&event);
                    events.push(event);
                }
            }
            insta::assert_json_snapshot!(format!("stream_{}", stream.name), (events, acc.finish()));
        }
    }
}

fn decode_message(result: bedrock_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(e @ Error::Decode { .. }) => e.to_string(),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn decode_errors_name_what_is_missing() {
    let a = ADAPTER;
    let m = route("anthropic.claude-3-haiku-20240307-v1:0");
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
    let err = ADAPTER
        .parse_stream_chunk(&route("anthropic.claude-3-haiku-20240307-v1:0"), chunk)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelError);
    assert_eq!(err.service_message(), Some("Overloaded"));
    assert_eq!(
        err.service_details().and_then(|d| d.error_type.as_deref()),
        Some("overloaded_error")
    );
}

#[test]
fn unknown_stream_events_produce_nothing_and_block_deltas_come_in_converses_shape() {
    use bedrock_core::converse::{ContentBlockDelta, ReasoningContentDelta, ToolUseBlockDelta};
    let a = ADAPTER;
    let m = route("anthropic.claude-sonnet-4-20250514-v1:0");
    let parse = |chunk: serde_json::Value| {
        a.parse_stream_chunk(&m, chunk.to_string().as_bytes())
            .unwrap()
    };
    for chunk in [
        json!({"type": "ping"}),
        json!({"type": "some_future_event", "payload": 1}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "citations_delta", "citation": {}}}),
        json!({"type": "message_stop"}),
    ] {
        let events = parse(chunk.clone());
        assert!(events.is_empty(), "{chunk}: {events:?}");
    }
    let delta = |index, delta| vec![StreamEvent::BlockDelta { index, delta }];
    assert_eq!(
        parse(
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}})
        ),
        delta(
            0,
            ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Text("hmm".into()))
        )
    );
    assert_eq!(
        parse(
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "x"}})
        ),
        delta(
            0,
            ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Signature("x".into()))
        )
    );
    assert_eq!(
        parse(
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"a\""}})
        ),
        delta(
            2,
            ContentBlockDelta::ToolUse(ToolUseBlockDelta {
                input: "{\"a\"".into()
            })
        )
    );
    let start = json!({"type": "message_start", "message": {"usage": {"input_tokens": 9, "output_tokens": 1}}});
    assert_eq!(
        parse(start),
        vec![StreamEvent::Usage {
            input_tokens: Some(9),
            output_tokens: None
        }]
    );
}
