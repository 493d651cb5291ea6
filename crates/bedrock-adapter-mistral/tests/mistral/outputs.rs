//! Example responses (`tests/data/responses/API`) and recorded streams
//! (`tests/data/streams/API`) of both APIs parsed into the neutral output and events,
//! snapshotted; tool calls; malformed responses.

use bedrock_adapter_mistral::chat::MistralChatResponse;
use bedrock_adapter_mistral::models::APIS;
use bedrock_adapter_mistral::{CHAT_API, MistralAdapter, TEXT_API};
use bedrock_core::{
    ErrorKind, ModelAdapter, ModelOutput, StopReason, StreamEvent, TextAccumulator, decode_json,
};

use crate::{CHAT_MODEL, MODEL, responses, route, streams};

fn model_of(api: &str) -> &'static str {
    if api == CHAT_API { CHAT_MODEL } else { MODEL }
}

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    for api in APIS {
        let route = route(model_of(api));
        let responses = responses(api);
        assert!(
            responses.len() >= 2,
            "{api}: only {} responses",
            responses.len()
        );
        for (name, body) in responses {
            let output = MistralAdapter
                .parse_output(&route, &body)
                .unwrap_or_else(|e| panic!("{api} {name}: {e}"));
            insta::assert_json_snapshot!(format!("output_{api}_{name}"), output);
        }
    }
}

#[test]
fn recorded_streams_parse_to_their_snapshotted_events_and_fold_into_the_whole_output() {
    for api in APIS {
        let route = route(model_of(api));
        for stream in streams(api) {
            let events: Vec<StreamEvent> = stream
                .chunks
                .iter()
                .flat_map(|chunk| {
                    MistralAdapter
                        .parse_stream_chunk(&route, chunk)
                        .unwrap_or_else(|e| panic!("{api} {}: {e}", stream.name))
                })
                .collect();
            insta::assert_json_snapshot!(format!("stream_{api}_{}", stream.name), events);
            let mut folded = TextAccumulator::new();
            events.iter().for_each(|event| folded.push(event));
            let ModelOutput::Text(whole) = MistralAdapter
                .parse_output(&route, &stream.whole_body)
                .unwrap_or_else(|e| panic!("{api} {}: {e}", stream.name))
            else {
                panic!("{api} {}: the whole body is not text", stream.name)
            };
            let streamed = folded.finish();
            assert_eq!(streamed.text, whole.text, "{api} {}", stream.name);
            assert_eq!(
                streamed.stop_reason, whole.stop_reason,
                "{api} {}",
                stream.name
            );
        }
    }
}

/// The neutral output keeps the stop reason of a tool call; the calls are read from the body.
#[test]
fn tool_calls_are_read_from_the_chat_response() {
    let (_, body) = responses(CHAT_API)
        .into_iter()
        .find(|(name, _)| *name == "tool_calls")
        .expect("the tool_calls response");
    let ModelOutput::Text(output) = MistralAdapter
        .parse_output(&route(CHAT_MODEL), &body)
        .unwrap()
    else {
        panic!("not text")
    };
    assert_eq!(output.text, "");
    assert_eq!(
        output.stop_reason,
        Some(StopReason::Other("tool_calls".into()))
    );
    let response: MistralChatResponse = decode_json("Mistral chat response", &body).unwrap();
    let [call] = response.tool_calls() else {
        panic!("{:?}", response.tool_calls())
    };
    assert_eq!(call.id.as_deref(), Some("D4PAr2ZyE"));
    assert_eq!(call.function.name, "get_weather");
    assert_eq!(call.function.arguments, r#"{"city": "Paris"}"#);
}

/// Chat chunks are read from `delta` as well as `message`, and a `usage` block becomes the
/// usage when Bedrock's metrics are absent.
#[test]
fn chat_chunks_read_delta_and_usage() {
    let route = route(CHAT_MODEL);
    let chunk = br#"{"choices":[{"index":0,"delta":{"content":"Hi"},"stop_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}"#;
    assert_eq!(
        MistralAdapter.parse_stream_chunk(&route, chunk).unwrap(),
        vec![
            StreamEvent::TextDelta { text: "Hi".into() },
            StreamEvent::Usage {
                input_tokens: Some(4),
                output_tokens: Some(1)
            },
            StreamEvent::Stop {
                reason: StopReason::EndTurn
            },
        ]
    );
}

#[test]
fn malformed_responses_are_decode_errors() {
    for (api, body) in [
        (TEXT_API, &br#"{"outputs":[]}"#[..]),
        (TEXT_API, br#"{"outputs":[{"stop_reason":"stop"}]}"#),
        (TEXT_API, br#"{"choices":[{"message":{"content":"Hi"}}]}"#),
        (TEXT_API, br#"{"generation":"Hi"}"#),
        (TEXT_API, b""),
        (CHAT_API, br#"{"choices":[]}"#),
        (CHAT_API, br#"{"choices":[{"stop_reason":"stop"}]}"#),
        (CHAT_API, br#"{"choices":[{"message":{"content":7}}]}"#),
        (
            CHAT_API,
            br#"{"outputs":[{"text":"Hi","stop_reason":"stop"}]}"#,
        ),
        (CHAT_API, b"[]"),
    ] {
        let err = MistralAdapter
            .parse_output(&route(model_of(api)), body)
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{api}: {}",
            String::from_utf8_lossy(body)
        );
    }
}
