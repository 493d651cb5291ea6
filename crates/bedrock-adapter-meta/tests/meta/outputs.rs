//! Example responses (`tests/data/responses`) and recorded streams (`tests/data/streams`) parsed
//! into the neutral output and events, snapshotted; malformed responses.

use bedrock_adapter_meta::MetaAdapter;
use bedrock_core::{ErrorKind, ModelAdapter, ModelOutput, StreamEvent, TextAccumulator, Usage};

use crate::{MODEL, responses, route, streams};

#[test]
fn example_responses_parse_to_their_snapshotted_outputs() {
    let route = route(MODEL);
    let responses = responses();
    assert!(responses.len() >= 2, "only {} responses", responses.len());
    for (name, body) in responses {
        let output = MetaAdapter
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
                MetaAdapter
                    .parse_stream_chunk(&route, chunk)
                    .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
            })
            .collect();
        insta::assert_json_snapshot!(format!("stream_{}", stream.name), events);
        let mut folded = TextAccumulator::new();
        events.iter().for_each(|event| folded.push(event));
        let ModelOutput::Text(whole) = MetaAdapter
            .parse_output(&route, &stream.whole_body)
            .unwrap_or_else(|e| panic!("{}: {e}", stream.name))
        else {
            panic!("{}: the whole body is not text", stream.name)
        };
        assert_eq!(folded.finish(), whole, "{}", stream.name);
    }
}

/// Token counts come from the body's own fields; Bedrock's metrics win in the chunk that has
/// both.
#[test]
fn usage_comes_from_the_counts_or_the_metrics() {
    let route = route(MODEL);
    let body = br#"{"generation":"Hi","prompt_token_count":5,"generation_token_count":2,"stop_reason":"stop"}"#;
    let ModelOutput::Text(output) = MetaAdapter.parse_output(&route, body).unwrap() else {
        panic!("not text")
    };
    assert_eq!(
        output.usage,
        Some(Usage {
            input_tokens: 5,
            output_tokens: 2
        })
    );
    let chunk = br#"{"generation":"","prompt_token_count":null,"generation_token_count":2,"stop_reason":"stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":6,"outputTokenCount":3,"invocationLatency":1,"firstByteLatency":1}}"#;
    let events = MetaAdapter.parse_stream_chunk(&route, chunk).unwrap();
    assert!(
        events.contains(&StreamEvent::Usage {
            input_tokens: Some(6),
            output_tokens: Some(3)
        }),
        "{events:?}"
    );
}

#[test]
fn malformed_responses_are_decode_errors() {
    let route = route(MODEL);
    for body in [
        &br#"{"prompt_token_count":3,"stop_reason":"stop"}"#[..],
        br#"{"generation":7}"#,
        br#"{"generation":"Hi","generation_token_count":-1}"#,
        br#"{"outputs":[{"text":"Hi","stop_reason":"stop"}]}"#,
        br#"[]"#,
        b"",
    ] {
        let err = MetaAdapter.parse_output(&route, body).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decode,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
