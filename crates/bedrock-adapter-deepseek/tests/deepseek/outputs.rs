//! Example responses (`tests/data/responses`) and recorded streams (`tests/data/streams`) parsed
//! into the neutral output and events, snapshotted; the reasoning split; malformed responses.

use bedrock_adapter_deepseek::DeepSeekAdapter;
use bedrock_adapter_deepseek::text::split_reasoning;
use bedrock_core::{ErrorKind, ModelAdapter, ModelOutput, StreamEvent, TextAccumulator};

use crate::{PROFILE, responses, route, streams};

fn text_of(output: ModelOutput) -> String {
    match output {
        ModelOutput::Text(text) => text.text,
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    let route = route(PROFILE);
    let responses = responses();
    assert!(responses.len() >= 2, "only {} responses", responses.len());
    for (name, body) in responses {
        let output = DeepSeekAdapter
            .parse_output(&route, &body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_json_snapshot!(format!("output_{name}"), output);
    }
}

#[test]
fn recorded_streams_parse_to_their_snapshotted_events_and_fold_into_the_whole_output() {
    let route = route(PROFILE);
    for stream in streams() {
        let events: Vec<StreamEvent> = stream
            .chunks
            .iter()
            .flat_map(|chunk| {
                DeepSeekAdapter
                    .parse_stream_chunk(&route, chunk)
                    .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
            })
            .collect();
        insta::assert_json_snapshot!(format!("stream_{}", stream.name), events);
        let mut folded = TextAccumulator::new();
        events.iter().for_each(|event| folded.push(event));
        let ModelOutput::Text(whole) = DeepSeekAdapter
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

/// The outputs keep the reasoning in the text; `split_reasoning` separates it, streamed or not.
#[test]
fn reasoning_splits_from_the_answer() {
    let route = route(PROFILE);
    let responses = responses();
    let body = |name: &str| {
        let (_, body) = responses
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no response `{name}`"));
        text_of(DeepSeekAdapter.parse_output(&route, body).unwrap())
    };
    let stop = body("stop");
    let reasoned = split_reasoning(&stop);
    assert_eq!(
        reasoned.reasoning,
        Some(
            "Okay, the user wants the capital of France. That is Paris, which has been the \
             capital for centuries."
        )
    );
    assert_eq!(reasoned.answer, "The capital of France is **Paris**.");
    let empty = body("answer_without_reasoning");
    let reasoned = split_reasoning(&empty);
    assert_eq!(reasoned.reasoning, Some(""));
    assert_eq!(reasoned.answer, "Hello! How can I assist you today?");
    // Cut off while reasoning: no marker, so nothing to split.
    let length = body("length");
    assert_eq!(split_reasoning(&length).reasoning, None);

    let greeting = streams()
        .into_iter()
        .find(|s| s.name == "greeting")
        .expect("the greeting stream");
    let mut folded = TextAccumulator::new();
    for chunk in &greeting.chunks {
        for event in DeepSeekAdapter.parse_stream_chunk(&route, chunk).unwrap() {
            folded.push(&event);
        }
    }
    let streamed = folded.finish().text;
    let reasoned = split_reasoning(&streamed);
    assert_eq!(
        reasoned.reasoning,
        Some("The user says hello. I should greet them back.")
    );
    assert_eq!(reasoned.answer, "Hello! How can I help you today?");
}

#[test]
fn malformed_responses_are_decode_errors() {
    let route = route(PROFILE);
    for body in [
        &br#"{"choices":[]}"#[..],
        br#"{"choices":[{"stop_reason":"stop"}]}"#,
        br#"{"choices":[{"text":"a"},{"text":"b"}]}"#,
        br#"{"outputs":[{"text":"Hi","stop_reason":"stop"}]}"#,
        br#"{"generation":"Hi"}"#,
        b"",
    ] {
        let err = DeepSeekAdapter.parse_output(&route, body).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
