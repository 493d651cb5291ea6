//! Example responses (`tests/data/responses/<api>`), recorded streams (`tests/data/streams`)
//! and bodies that are not answers (`tests/data/rejected/<api>`), parsed and snapshotted.

use bedrock_adapter_nova::{CANVAS_API, MESSAGES_API, NovaAdapter};
use bedrock_core::{ErrorKind, ModelAdapter, ModelOutput, StreamEvent, TextAccumulator};

use crate::{CANVAS, LITE, rejected, responses, route, streams};

/// What a parsed output shows in a snapshot: images by format and size, not bytes.
fn summary(output: &ModelOutput) -> serde_json::Value {
    match output {
        ModelOutput::Images(images) => serde_json::Value::Array(
            images
                .images
                .iter()
                .map(|i| serde_json::json!({"format": i.format, "bytes": i.data.len()}))
                .collect(),
        ),
        other => serde_json::to_value(other).expect("outputs serialise"),
    }
}

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    for (api, model) in [(MESSAGES_API, LITE), (CANVAS_API, CANVAS)] {
        let route = route(model);
        let responses = responses(api);
        assert!(
            responses.len() >= 2,
            "{api}: only {} responses",
            responses.len()
        );
        for (name, body) in responses {
            let output = NovaAdapter
                .parse_output(&route, &body)
                .unwrap_or_else(|e| panic!("{api} {name}: {e}"));
            insta::assert_json_snapshot!(format!("output_{api}_{name}"), summary(&output));
        }
    }
}

#[test]
fn recorded_streams_parse_to_their_snapshotted_events_and_fold_into_the_whole_output() {
    let route = route(LITE);
    for stream in streams() {
        let events: Vec<StreamEvent> = stream
            .chunks
            .iter()
            .flat_map(|chunk| {
                NovaAdapter
                    .parse_stream_chunk(&route, chunk)
                    .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
            })
            .collect();
        insta::assert_json_snapshot!(format!("stream_{}", stream.name), events);
        let mut folded = TextAccumulator::new();
        events.iter().for_each(|event| folded.push(event));
        let ModelOutput::Text(whole) = NovaAdapter
            .parse_output(&route, &stream.whole_body)
            .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
        else {
            panic!("{}: the whole body is not text", stream.name)
        };
        assert_eq!(folded.finish(), whole, "{}", stream.name);
        if stream.name.contains("tool_use") {
            assert!(
                whole
                    .content
                    .iter()
                    .any(|b| matches!(b, bedrock_core::converse::ContentBlock::ToolUse(_))),
                "{}: {:?}",
                stream.name,
                whole.content
            );
        }
    }
}

/// Bodies that are not an answer: Canvas's moderation error is a model error carrying its
/// message; everything else is a decode error.
#[test]
fn rejected_bodies_are_errors_of_their_kind() {
    for (api, model) in [(MESSAGES_API, LITE), (CANVAS_API, CANVAS)] {
        let route = route(model);
        for (name, body) in rejected(api) {
            let err = NovaAdapter.parse_output(&route, &body).unwrap_err();
            let expected = if name == "moderation_error" {
                ErrorKind::ModelError
            } else {
                ErrorKind::Decode
            };
            assert_eq!(err.kind(), expected, "{api} {name}: {err}");
            insta::assert_snapshot!(format!("rejected_{api}_{name}"), err.to_string());
        }
    }
}

#[test]
fn malformed_chunks_are_decode_errors() {
    let route = route(LITE);
    for chunk in [
        &br#"{}"#[..],
        br#"{"outputs":[{"text":"Hi","stop_reason":null}]}"#,
        br#"{"contentBlockDelta":{"delta":"Hi"}}"#,
        b"",
    ] {
        let err = NovaAdapter.parse_stream_chunk(&route, chunk).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{}",
            String::from_utf8_lossy(chunk)
        );
    }
    let err = NovaAdapter
        .parse_stream_chunk(&crate::route(CANVAS), br#"{"images":[]}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}
