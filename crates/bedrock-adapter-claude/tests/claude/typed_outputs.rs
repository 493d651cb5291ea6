//! The typed Messages response and stream: every documented response
//! (`tests/data/responses`) parses with every block kept (written back, it is the same JSON),
//! and every recorded stream (`tests/data/streams`) folds into its whole response.

use bedrock_adapter_claude::messages::{
    BlockDelta, MessagesStopReason, ResponseContent, StreamError,
};
use bedrock_adapter_claude::{MessagesAccumulator, MessagesResponse, MessagesStreamEvent};
use bedrock_core::{ErrorKind, ModelAdapter};
use serde_json::{Value, json};

use crate::fixtures::{self, ADAPTER, route};

#[test]
fn every_response_block_is_kept() {
    let responses = fixtures::responses("messages_");
    assert!(responses.len() >= 9, "{} responses", responses.len());
    for (name, body) in responses {
        let typed = MessagesResponse::from_json(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let original: Value = serde_json::from_slice(&body).unwrap();
        let written = serde_json::to_value(&typed).unwrap();
        assert_eq!(
            written, original,
            "{name}: the typed response lost something"
        );
    }
}

fn response(name: &str) -> MessagesResponse {
    let (_, body) = fixtures::responses(name).pop().unwrap();
    MessagesResponse::from_json(&body).unwrap()
}

#[test]
fn each_block_kind_parses_to_its_type() {
    let r = response("messages_redacted_thinking");
    match &r.content[..] {
        [
            ResponseContent::Thinking(t),
            ResponseContent::RedactedThinking(d),
            ResponseContent::Text(x),
        ] => {
            assert_eq!(t.thinking, "The user asked for the capital of France.");
            assert!(t.signature.starts_with("EqQBCgIYAhIM"), "{}", t.signature);
            assert!(d.data.starts_with("EmwKAhgB"), "{}", d.data);
            assert_eq!(x.text, "Paris.");
        }
        other => panic!("{other:?}"),
    }

    let r = response("messages_tool_use");
    assert_eq!(r.stop_reason, Some(MessagesStopReason::ToolUse));
    let uses: Vec<_> = r.tool_uses().collect();
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].name, "get_weather");
    assert_eq!(uses[0].input["location"], "San Francisco, CA");

    let r = response("messages_document_citations");
    let ResponseContent::Text(cited) = &r.content[1] else {
        panic!("{:?}", r.content[1])
    };
    assert_eq!(cited.citations.len(), 1);
    assert_eq!(cited.citations[0]["cited_text"], "Revenue grew 12%.");
    assert_eq!(r.text(), "According to the report, revenue grew 12%.");

    let r = response("messages_cache_usage");
    let usage = r.usage.unwrap();
    assert_eq!(usage.cache_read_input_tokens, Some(1888));
    assert_eq!(usage.cache_creation_input_tokens, Some(0));
    assert_eq!(r.stop_sequence.as_deref(), Some("STOP"));

    // Blocks of types this crate does not know are kept whole, in place.
    let r = response("messages_server_tool_use");
    let kinds: Vec<&str> = r.content.iter().map(ResponseContent::kind).collect();
    assert_eq!(
        kinds,
        ["text", "server_tool_use", "web_search_tool_result", "text"]
    );
    let ResponseContent::Other(search) = &r.content[2] else {
        panic!()
    };
    assert_eq!(search["content"][0]["url"], "https://example.com/regions");
}

#[test]
fn unknown_stop_reasons_are_kept_as_spelled() {
    let body = json!({"content": [], "stop_reason": "model_context_window_exceeded"});
    let r = MessagesResponse::from_json(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        r.stop_reason,
        Some(MessagesStopReason::Other(
            "model_context_window_exceeded".into()
        ))
    );
    assert_eq!(
        serde_json::to_value(&r).unwrap()["stop_reason"],
        "model_context_window_exceeded"
    );
}

#[test]
fn malformed_known_blocks_are_decode_errors_naming_the_field() {
    for (block, missing) in [
        (json!({"type": "text"}), "`text`"),
        (
            json!({"type": "tool_use", "id": "t", "input": {}}),
            "`name`",
        ),
        (json!({"type": "thinking", "signature": "s"}), "`thinking`"),
        (json!({"type": "redacted_thinking"}), "`data`"),
        (json!({"text": "no type"}), "`type`"),
    ] {
        let body = json!({"content": [block]}).to_string();
        let err = MessagesResponse::from_json(body.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.to_string().contains(missing), "{block}: {err}");
        // The family-neutral parse refuses it the same way.
        let err = ADAPTER
            .parse_output(
                &route("anthropic.claude-3-haiku-20240307-v1:0"),
                body.as_bytes(),
            )
            .unwrap_err();
        assert!(err.to_string().contains(missing), "{block}: {err}");
    }
}

fn fold(chunks: &[Vec<u8>]) -> bedrock_core::Result<MessagesResponse> {
    let mut acc = MessagesAccumulator::new();
    for chunk in chunks {
        acc.push(MessagesStreamEvent::from_json(chunk)?)?;
    }
    acc.finish()
}

#[test]
fn every_stream_folds_into_its_whole_response() {
    let streams = fixtures::streams("messages_");
    assert!(streams.len() >= 3, "{} streams", streams.len());
    for stream in streams {
        let folded = fold(&stream.chunks).unwrap_or_else(|e| panic!("{}: {e}", stream.name));
        let whole = MessagesResponse::from_json(&stream.whole_body).unwrap();
        assert_eq!(folded, whole, "{}", stream.name);
    }
}

#[test]
fn a_streamed_thinking_block_gets_its_signature() {
    let stream = fixtures::streams("messages_thinking_tool_use")
        .pop()
        .unwrap();
    let folded = fold(&stream.chunks).unwrap();
    let ResponseContent::Thinking(t) = &folded.content[0] else {
        panic!("{:?}", folded.content)
    };
    assert_eq!(t.thinking, "Paris weather: call get_weather.");
    assert!(t.signature.starts_with("EqQBCgIYAhIM"));
    assert_eq!(
        folded.usage.unwrap().cache_creation_input_tokens,
        Some(1024)
    );
}

fn event(value: Value) -> MessagesStreamEvent {
    serde_json::from_value(value).unwrap()
}

#[test]
fn broken_streams_are_errors_not_panics() {
    let start_text = json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}});
    let start_tool = json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {}}});
    let cases: Vec<(Vec<Value>, &str)> = vec![
        (
            vec![
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}}),
            ],
            "never started",
        ),
        (
            vec![
                json!({"type": "content_block_start", "index": 3, "content_block": {"type": "text", "text": ""}}),
            ],
            "expected 0",
        ),
        (
            vec![
                start_text.clone(),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{"}}),
            ],
            "input_json_delta delta for the text block",
        ),
        (
            vec![
                start_tool.clone(),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"a\": "}}),
                json!({"type": "content_block_stop", "index": 0}),
            ],
            "the input of tool use `t1`",
        ),
        (
            vec![json!({"type": "content_block_stop", "index": 4294967295u32})],
            "never started",
        ),
    ];
    for (events, expected) in cases {
        let mut acc = MessagesAccumulator::new();
        let err = events
            .into_iter()
            .try_for_each(|e| acc.push(event(e)))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
    let mut acc = MessagesAccumulator::new();
    let err = acc
        .push(MessagesStreamEvent::Error {
            error: StreamError {
                kind: "overloaded_error".into(),
                message: "Overloaded".into(),
            },
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelError);
    // Deltas newer than this crate are skipped.
    let mut acc = MessagesAccumulator::new();
    acc.push(event(start_text)).unwrap();
    acc.push(MessagesStreamEvent::ContentBlockDelta {
        index: 0,
        delta: BlockDelta::Other,
    })
    .unwrap();
    assert_eq!(acc.finish().unwrap().content.len(), 1);
}
