//! Example responses (`tests/data/responses/<api>`) and recorded streams
//! (`tests/data/streams/<api>`) parsed into the neutral output and events, snapshotted;
//! finish reasons; malformed responses.

use bedrock_adapter_cohere::models::APIS;
use bedrock_adapter_cohere::{
    CHAT_API, COMMAND_API, CohereAdapter, EMBED_API, EMBED_V4_API, RERANK_API,
};
use bedrock_core::{
    ErrorKind, ModelAdapter, ModelOutput, StopReason, StreamEvent, TextAccumulator,
};
use serde_json::json;

use crate::{model_for, responses, route, streams};

/// The output as a snapshot shows it: through its JSON text, so `f32` vectors read as the
/// decimals the response carried.
fn snapshot_value(output: &impl serde::Serialize) -> serde_json::Value {
    serde_json::from_str(&serde_json::to_string(output).unwrap()).unwrap()
}

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    for api in APIS {
        let route = route(model_for(api));
        let responses = responses(api);
        assert!(
            responses.len() >= 3,
            "{api}: only {} responses",
            responses.len()
        );
        for (name, body) in responses {
            let output = CohereAdapter
                .parse_output(&route, &body)
                .unwrap_or_else(|e| panic!("{api} {name}: {e}"));
            insta::assert_json_snapshot!(format!("output_{api}_{name}"), snapshot_value(&output));
        }
    }
}

#[test]
fn recorded_streams_parse_to_their_snapshotted_events_and_fold_into_the_whole_output() {
    for api in [COMMAND_API, CHAT_API] {
        let route = route(model_for(api));
        let recorded = streams(api);
        assert!(
            recorded.len() >= 2,
            "{api}: only {} streams",
            recorded.len()
        );
        for stream in recorded {
            let at = format!("{api} {}", stream.name);
            let events: Vec<StreamEvent> = stream
                .chunks
                .iter()
                .flat_map(|chunk| {
                    CohereAdapter
                        .parse_stream_chunk(&route, chunk)
                        .unwrap_or_else(|e| panic!("{at}: {e}"))
                })
                .collect();
            insta::assert_json_snapshot!(format!("stream_{api}_{}", stream.name), events);
            let mut folded = TextAccumulator::new();
            events.iter().for_each(|event| folded.push(event));
            let ModelOutput::Text(whole) = CohereAdapter
                .parse_output(&route, &stream.whole_body)
                .unwrap_or_else(|e| panic!("{at}: {e}"))
            else {
                panic!("{at}: the whole body is not text")
            };
            let streamed = folded.finish();
            assert_eq!(streamed.text, whole.text, "{at}");
            assert_eq!(streamed.stop_reason, whole.stop_reason, "{at}");
            assert!(streamed.usage.is_some(), "{at}: no usage in the stream");
            if whole.usage.is_some() {
                assert_eq!(streamed.usage, whole.usage, "{at}");
            }
        }
    }
}

#[test]
fn the_embed_api_does_not_stream() {
    let route = route(model_for(EMBED_API));
    let err = CohereAdapter
        .parse_stream_chunk(&route, br#"{"embeddings":[[0.1]]}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}

#[test]
fn finish_reasons_map_to_neutral_stop_reasons() {
    for (reason, expected) in [
        ("COMPLETE", StopReason::EndTurn),
        ("MAX_TOKENS", StopReason::MaxTokens),
        ("STOP_SEQUENCE", StopReason::StopSequence),
        ("ERROR_TOXIC", StopReason::ContentFiltered),
        ("ERROR_LIMIT", StopReason::Other("ERROR_LIMIT".into())),
        ("ERROR", StopReason::Other("ERROR".into())),
        ("USER_CANCEL", StopReason::Other("USER_CANCEL".into())),
    ] {
        let command = json!({"generations": [{"text": "x", "finish_reason": reason}]});
        let chat = json!({"text": "x", "finish_reason": reason});
        for (api, body) in [(COMMAND_API, command), (CHAT_API, chat)] {
            let output = CohereAdapter
                .parse_output(&route(model_for(api)), body.to_string().as_bytes())
                .unwrap();
            let ModelOutput::Text(output) = output else {
                panic!("{api}: not text")
            };
            assert_eq!(output.stop_reason, Some(expected.clone()), "{api} {reason}");
        }
        let end = json!({"event_type": "stream-end", "is_finished": true, "finish_reason": reason});
        let events = CohereAdapter
            .parse_stream_chunk(&route(model_for(CHAT_API)), end.to_string().as_bytes())
            .unwrap();
        assert_eq!(events, [StreamEvent::Stop { reason: expected }], "{reason}");
    }
}

#[test]
fn chat_events_without_text_are_read_as_nothing() {
    let route = route(model_for(CHAT_API));
    for event in [
        json!({"event_type": "stream-start", "is_finished": false, "generation_id": "g"}),
        json!({"event_type": "search-queries-generation", "is_finished": false,
               "search_queries": [{"text": "tallest penguins", "generation_id": "g"}]}),
        json!({"event_type": "search-results", "is_finished": false, "documents": []}),
        json!({"event_type": "tool-calls-chunk", "is_finished": false,
               "tool_call_delta": {"index": 0, "name": "get_weather"}}),
        json!({"event_type": "a-future-event", "is_finished": false}),
    ] {
        let events = CohereAdapter
            .parse_stream_chunk(&route, event.to_string().as_bytes())
            .unwrap();
        assert!(events.is_empty(), "{event}: {events:?}");
    }
}

#[test]
fn billed_units_are_the_chat_usage_when_the_stream_end_has_no_metrics() {
    let end = json!({"event_type": "stream-end", "is_finished": true, "finish_reason": "COMPLETE",
                     "response": {"text": "Hi", "meta": {"billed_units": {"input_tokens": 3, "output_tokens": 1}}}});
    let events = CohereAdapter
        .parse_stream_chunk(&route(model_for(CHAT_API)), end.to_string().as_bytes())
        .unwrap();
    assert_eq!(
        events,
        [
            StreamEvent::Stop {
                reason: StopReason::EndTurn
            },
            StreamEvent::Usage {
                input_tokens: Some(3),
                output_tokens: Some(1)
            },
        ]
    );
}

#[test]
fn malformed_responses_are_decode_errors() {
    for (api, body) in [
        (COMMAND_API, &br#"{"generations":[]}"#[..]),
        (
            COMMAND_API,
            br#"{"generations":[{"finish_reason":"COMPLETE"}]}"#,
        ),
        (COMMAND_API, br#"{"text":"Hi","finish_reason":"COMPLETE"}"#),
        (CHAT_API, br#"{"generations":[{"text":"Hi"}]}"#),
        (CHAT_API, br#"{"text":null}"#),
        (EMBED_API, br#"{"embeddings":[]}"#),
        (EMBED_API, br#"{"embeddings":{}}"#),
        (EMBED_API, br#"{"embeddings":[["a"]]}"#),
        (EMBED_API, br#"{"embedding":[0.1]}"#),
        (EMBED_API, b""),
        (EMBED_V4_API, br#"{"embeddings":{"float":[]}}"#),
        (EMBED_V4_API, br#"{"embeddings":{}}"#),
        (RERANK_API, br#"{"ranking":[]}"#),
        (
            RERANK_API,
            br#"{"results":[{"index":"a","relevance_score":0.5}]}"#,
        ),
        (
            RERANK_API,
            br#"{"results":[{"index":-1,"relevance_score":0.5}]}"#,
        ),
        (RERANK_API, br#"{"results":[{"index":0}]}"#),
    ] {
        let err = CohereAdapter
            .parse_output(&route(model_for(api)), body)
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{api} {}",
            String::from_utf8_lossy(body)
        );
    }
    for (api, chunk) in [
        (COMMAND_API, &br#"{"text":"Hi"}"#[..]),
        (CHAT_API, br#"{"text":"Hi","is_finished":false}"#),
        (
            CHAT_API,
            br#"{"event_type":"text-generation","is_finished":false}"#,
        ),
    ] {
        let err = CohereAdapter
            .parse_stream_chunk(&route(model_for(api)), chunk)
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{api} {}",
            String::from_utf8_lossy(chunk)
        );
    }
}

#[test]
fn rankings_keep_the_model_order_and_scores() {
    let body = br#"{"id":"r","results":[{"index":2,"relevance_score":0.9},{"index":0,"relevance_score":0.4}]}"#;
    let output = CohereAdapter
        .parse_output(&route(model_for(RERANK_API)), body)
        .unwrap();
    let ModelOutput::Rerank(ranking) = output else {
        panic!("not a ranking: {output:?}")
    };
    let pairs: Vec<(usize, f64)> = ranking
        .results
        .iter()
        .map(|r| (r.index, r.relevance_score))
        .collect();
    assert_eq!(pairs, [(2, 0.9), (0, 0.4)]);
}
