//! Snapshots: request bodies for every input file, parsed outputs for every documented response,
//! stream events for every recorded stream, and both request schemas.

use bedrock_adapter_claude::{ClaudeAdapter, MESSAGES_API, TEXT_COMPLETIONS_API};
use bedrock_core::{ModelAdapter, ModelId, TextAccumulator};
use serde_json::Value;

use crate::data;

/// Builds the body of `tests/data/inputs/{name}.json` and compares it with its snapshot.
fn check_body(name: &str) {
    let case = data::input(name);
    let body = ClaudeAdapter::new()
        .build_body(&case.model(), &case.input)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(body.content_type, "application/json");
    let json: Value = serde_json::from_slice(&body.body).expect("JSON body");
    insta::with_settings!({ sort_maps => true, description => format!("{} {}", case.model_id, name) }, {
        insta::assert_json_snapshot!(format!("body_{name}"), json);
    });
}

#[test]
fn every_input_file_builds_its_snapshot_body() {
    let names = data::input_names();
    assert!(names.len() >= 15, "{} input files", names.len());
    for name in names {
        check_body(name);
    }
}

#[test]
fn every_documented_response_parses_to_its_snapshot() {
    let model = ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    for prefix in ["messages_", "text_completions_"] {
        for (name, body) in data::responses(prefix) {
            let output = ClaudeAdapter::new()
                .parse_output(&model, &body)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            insta::assert_json_snapshot!(format!("response_{name}"), output);
        }
    }
}

#[test]
fn every_recorded_stream_gives_its_snapshot_events() {
    let model = ModelId::new("anthropic.claude-v2").unwrap();
    for prefix in ["messages_", "text_completions_"] {
        for stream in data::streams(prefix) {
            let mut acc = TextAccumulator::new();
            let mut events = Vec::new();
            for chunk in &stream.chunks {
                for event in ClaudeAdapter::new()
                    .parse_stream_chunk(&model, chunk)
                    .unwrap()
                {
                    acc.push(&event);
                    events.push(event);
                }
            }
            insta::assert_json_snapshot!(format!("stream_{}", stream.name), (events, acc.finish()));
        }
    }
}

#[test]
fn request_schemas_match_their_snapshots() {
    for api in [MESSAGES_API, TEXT_COMPLETIONS_API] {
        let schema = ClaudeAdapter::new().request_schema(api).expect("schema");
        insta::with_settings!({ sort_maps => true }, {
            insta::assert_json_snapshot!(format!("schema_{api}"), schema.as_value());
        });
    }
}
