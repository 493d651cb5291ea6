//! Example responses (`tests/data/responses`) and recorded streams (`tests/data/streams`) parsed
//! into the neutral output and events, snapshotted; finish reasons; malformed responses.

use bedrock_adapter_ai21::Ai21Adapter;
use bedrock_core::{
    ErrorKind, ModelAdapter, ModelOutput, StopReason, StreamEvent, TextAccumulator,
};
use serde_json::json;

use crate::{MODEL, responses, route, streams};

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    let route = route(MODEL);
    let responses = responses();
    assert!(responses.len() >= 3, "only {} responses", responses.len());
    for (name, body) in responses {
        let output = Ai21Adapter
            .parse_output(&route, &body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_json_snapshot!(format!("output_{name}"), output);
    }
}

#[test]
fn recorded_streams_parse_to_their_snapshotted_events_and_fold_into_the_whole_output() {
    let route = route(MODEL);
    let recorded = streams();
    assert!(recorded.len() >= 2, "only {} streams", recorded.len());
    for stream in recorded {
        let events: Vec<StreamEvent> = stream
            .chunks
            .iter()
            .flat_map(|chunk| {
                Ai21Adapter
                    .parse_stream_chunk(&route, chunk)
                    .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
            })
            .collect();
        insta::assert_json_snapshot!(format!("stream_{}", stream.name), events);
        let mut folded = TextAccumulator::new();
        events.iter().for_each(|event| folded.push(event));
        let whole = Ai21Adapter
            .parse_output(&route, &stream.whole_body)
            .unwrap_or_else(|e| panic!("{}: {e}", stream.name));
        assert_eq!(ModelOutput::Text(folded.finish()), whole, "{}", stream.name);
    }
}

#[test]
fn only_the_first_answer_of_a_stream_is_read() {
    let route = route(MODEL);
    let chunk = json!({"choices": [
        {"index": 1, "delta": {"content": "Three"}, "finish_reason": null},
        {"index": 0, "delta": {"content": "Seven"}, "finish_reason": "stop"}
    ]});
    let events = Ai21Adapter
        .parse_stream_chunk(&route, chunk.to_string().as_bytes())
        .unwrap();
    assert_eq!(
        events,
        [
            StreamEvent::TextDelta {
                text: "Seven".into()
            },
            StreamEvent::Stop {
                reason: StopReason::EndTurn
            },
        ]
    );
}

#[test]
fn usage_comes_from_the_chunk_when_bedrock_metrics_are_missing() {
    let chunk = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}],
                       "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}});
    let events = Ai21Adapter
        .parse_stream_chunk(&route(MODEL), chunk.to_string().as_bytes())
        .unwrap();
    assert_eq!(
        events,
        [
            StreamEvent::Stop {
                reason: StopReason::MaxTokens
            },
            StreamEvent::Usage {
                input_tokens: Some(5),
                output_tokens: Some(7)
            },
        ]
    );
}

#[test]
fn finish_reasons_map_to_neutral_stop_reasons() {
    for (reason, expected) in [
        ("stop", StopReason::EndTurn),
        ("length", StopReason::MaxTokens),
        ("tool_calls", StopReason::Other("tool_calls".into())),
    ] {
        let body = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null},
                                       "finish_reason": reason}]});
        let ModelOutput::Text(output) = Ai21Adapter
            .parse_output(&route(MODEL), body.to_string().as_bytes())
            .unwrap()
        else {
            panic!("not text")
        };
        assert_eq!(output.stop_reason, Some(expected), "{reason}");
        assert_eq!(output.text, "", "{reason}");
        assert_eq!(output.usage, None, "{reason}");
    }
}

#[test]
fn malformed_responses_are_decode_errors() {
    let route = route(MODEL);
    for body in [
        &br#"{"choices":[]}"#[..],
        br#"{"choices":[{"index":0,"finish_reason":"stop"}]}"#,
        br#"{"outputs":[{"text":"Hi"}]}"#,
        br#"{"choices":[{"message":{"content":"Hi"}}],"usage":{"prompt_tokens":"3"}}"#,
        b"",
    ] {
        let err = Ai21Adapter.parse_output(&route, body).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    for chunk in [
        &br#"{"id":"x"}"#[..],
        br#"{"choices":[{"delta":{"content":3}}]}"#,
    ] {
        let err = Ai21Adapter.parse_stream_chunk(&route, chunk).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{}",
            String::from_utf8_lossy(chunk)
        );
    }
}
