//! Example responses (`tests/data/responses`) and recorded streams (`tests/data/streams`) parsed
//! into the neutral output and events, snapshotted; malformed responses.

use bedrock_adapter_chat_completions::ChatCompletionsAdapter;
use bedrock_adapter_chat_completions::chat::{ChatCompletionsResponse, split_reasoning};
use bedrock_core::{ErrorKind, ModelAdapter, ModelOutput, StreamEvent, TextAccumulator};

use crate::{MODEL, responses, route, streams};

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    let route = route(MODEL);
    let responses = responses();
    assert!(responses.len() >= 2, "only {} responses", responses.len());
    for (name, body) in responses {
        let output = ChatCompletionsAdapter
            .parse_output(&route, &body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_json_snapshot!(format!("output_{name}"), output);
    }
}

#[test]
fn recorded_streams_parse_to_their_snapshotted_events_and_fold_into_the_whole_output() {
    let route = route(MODEL);
    for stream in streams() {
        let events: Vec<StreamEvent> = stream
            .chunks
            .iter()
            .flat_map(|chunk| {
                ChatCompletionsAdapter
                    .parse_stream_chunk(&route, chunk)
                    .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
            })
            .collect();
        insta::assert_json_snapshot!(format!("stream_{}", stream.name), events);
        let mut folded = TextAccumulator::new();
        events.iter().for_each(|event| folded.push(event));
        let ModelOutput::Text(whole) = ChatCompletionsAdapter
            .parse_output(&route, &stream.whole_body)
            .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
        else {
            panic!("{}: the whole body is not text", stream.name)
        };
        let streamed = folded.finish();
        assert_eq!(streamed.text, whole.text, "{}", stream.name);
        assert_eq!(streamed.stop_reason, whole.stop_reason, "{}", stream.name);
    }
}

#[test]
fn malformed_responses_are_decode_errors() {
    let route = route(MODEL);
    for body in [
        &br#"{"choices":[]}"#[..],
        br#"{"choices":[{"index":0,"finish_reason":"stop"}]}"#,
        br#"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"#,
        br#"{"choices":[{"message":{"content":7}}]}"#,
        br#"{"generation":"Hi"}"#,
        b"",
    ] {
        let err = ChatCompletionsAdapter
            .parse_output(&route, body)
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

/// Reasoning is kept as the format has it: gpt-oss's inline in the content (and so in the
/// neutral text), `reasoning_content` on the typed response only.
#[test]
fn reasoning_is_kept_where_the_format_has_it() {
    let route = route(MODEL);
    let typed = |name: &str| -> ChatCompletionsResponse {
        let (_, body) = responses()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no response {name}"));
        serde_json::from_slice(&body).expect("a chat-completions response")
    };
    let inline = typed("gpt_oss_inline_reasoning");
    assert_eq!(inline.reasoning(), Some("91 is 7 times 13."));
    let content = inline.message().and_then(|m| m.content.as_deref());
    assert_eq!(
        split_reasoning(content.unwrap_or_default()).answer,
        "No: 91 = 7 × 13."
    );

    let apart = typed("reasoning_content");
    assert_eq!(apart.reasoning(), Some("The capital of France is Paris."));
    let (_, body) = responses()
        .into_iter()
        .find(|(n, _)| n == "reasoning_content")
        .expect("the response");
    let ModelOutput::Text(text) = ChatCompletionsAdapter.parse_output(&route, &body).unwrap()
    else {
        panic!("not text")
    };
    assert_eq!(text.text, "Paris.");
}
