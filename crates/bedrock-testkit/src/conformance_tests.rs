//! Tests of the suite itself: a small adapter that passes, then the same adapter broken in one
//! way per test, which the suite must catch with a message naming the failure.

use std::panic::{AssertUnwindSafe, catch_unwind};

use bedrock_core::{
    Capabilities, Error, ModelAdapter, ModelId, ModelInput, ModelMatch, ModelOutput, ModelPattern,
    Registry, RequestBody, Result, Route, StopReason, StreamEvent, TextOutput, TextRequest, Usage,
};
use serde_json::{Value, json};

use crate::{ApiFixtures, StreamFixture, run_conformance};

/// The one thing a test breaks in the otherwise correct adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    None,
    BodyViolatesSchema,
    NoSchema,
    SchemaForUnknownApi,
    AcceptsBadPrompt,
    NamesWrongField,
    PanicsOnUnsupported,
    AcceptsChat,
    StreamDropsLastDelta,
    StreamWrongStop,
    RejectsExample,
    AcceptsTruncatedBody,
    DuplicatePattern,
    NonDeterministic,
    EmptyCapabilities,
}

#[derive(Debug)]
struct Echo {
    flaw: Flaw,
    patterns: Vec<ModelPattern>,
    calls: std::sync::atomic::AtomicUsize,
}

const API: &str = "echo-text";
const CAPS: Capabilities = Capabilities {
    text: true,
    streaming: true,
    ..Capabilities::NONE
};

impl Echo {
    fn new(flaw: Flaw) -> Self {
        let caps = if flaw == Flaw::EmptyCapabilities {
            Capabilities::NONE
        } else {
            CAPS
        };
        let mut patterns = vec![ModelPattern {
            matches: ModelMatch::Prefix("echo."),
            api: API,
            capabilities: caps,
        }];
        if flaw == Flaw::DuplicatePattern {
            patterns.push(patterns[0]);
        }
        Echo {
            flaw,
            patterns,
            calls: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

fn stop_reason(s: &str) -> StopReason {
    match s {
        "end_turn" => StopReason::EndTurn,
        "max_tokens" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}

impl ModelAdapter for Echo {
    fn name(&self) -> &str {
        "echo"
    }

    fn models(&self) -> &[ModelPattern] {
        &self.patterns
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        if self.flaw == Flaw::NoSchema || (api != API && self.flaw != Flaw::SchemaForUnknownApi) {
            return None;
        }
        let value = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "prompt": { "type": "string", "minLength": 1 },
                "max_tokens": { "type": "integer", "minimum": 1, "maximum": 100 }
            },
            "required": ["prompt", "max_tokens"],
            "additionalProperties": false
        });
        schemars::Schema::try_from(value).ok()
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let req = match input {
            ModelInput::Text(t) => t,
            ModelInput::Chat(c) if self.flaw == Flaw::AcceptsChat => {
                return RequestBody::json(&json!({ "prompt": format!("{c:?}"), "max_tokens": 1 }));
            }
            other => {
                if self.flaw == Flaw::PanicsOnUnsupported {
                    panic!("cannot build {}", other.operation());
                }
                return Err(route.unsupported(other.operation()));
            }
        };
        if req.prompt.is_empty() && self.flaw != Flaw::AcceptsBadPrompt {
            let field = if self.flaw == Flaw::NamesWrongField {
                "text"
            } else {
                "prompt"
            };
            return Err(Error::invalid(field, "\"\"", "a non-empty string"));
        }
        let max = req.params.max_tokens.unwrap_or(10);
        if !(1..=100).contains(&max) {
            return Err(Error::invalid("max_tokens", max, "1..=100"));
        }
        let mut body = json!({ "prompt": req.prompt, "max_tokens": max });
        if self.flaw == Flaw::BodyViolatesSchema {
            body["max_tokens"] = json!(max.to_string());
        }
        if self.flaw == Flaw::NonDeterministic {
            let n = self
                .calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            body["prompt"] = json!(format!("{} #{n}", req.prompt));
        }
        RequestBody::json(&body)
    }

    fn parse_output(&self, _: &Route, body: &[u8]) -> Result<ModelOutput> {
        if self.flaw == Flaw::RejectsExample {
            return Err(Error::decode("no"));
        }
        if self.flaw == Flaw::AcceptsTruncatedBody
            && body.starts_with(b"{")
            && !body.ends_with(b"}")
        {
            return Ok(ModelOutput::Text(TextOutput::default()));
        }
        let v: Value =
            serde_json::from_slice(body).map_err(|e| Error::decode_json("echo response", e))?;
        let text = v["text"]
            .as_str()
            .ok_or_else(|| Error::decode("echo response: missing `text`"))?;
        Ok(ModelOutput::Text(TextOutput {
            text: text.to_owned(),
            stop_reason: v["stop"].as_str().map(stop_reason),
            usage: v["input_tokens"]
                .as_u64()
                .zip(v["output_tokens"].as_u64())
                .map(|(i, o)| Usage {
                    input_tokens: i as u32,
                    output_tokens: o as u32,
                }),
            content: Vec::new(),
        }))
    }

    fn parse_stream_chunk(&self, _: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        let v: Value =
            serde_json::from_slice(chunk).map_err(|e| Error::decode_json("echo chunk", e))?;
        let mut events = Vec::new();
        if let Some(d) = v["delta"].as_str()
            && !(self.flaw == Flaw::StreamDropsLastDelta && v["last"] == json!(true))
        {
            events.push(StreamEvent::TextDelta { text: d.to_owned() });
        }
        if let Some(s) = v["stop"].as_str() {
            let reason = if self.flaw == Flaw::StreamWrongStop {
                StopReason::MaxTokens
            } else {
                stop_reason(s)
            };
            events.push(StreamEvent::Stop { reason });
        }
        if v.get("input_tokens").is_some() || v.get("output_tokens").is_some() {
            events.push(StreamEvent::Usage {
                input_tokens: v["input_tokens"].as_u64().map(|n| n as u32),
                output_tokens: v["output_tokens"].as_u64().map(|n| n as u32),
            });
        }
        Ok(events)
    }
}

fn fixtures() -> Vec<ApiFixtures> {
    let mut f = ApiFixtures::new(API, "echo.small-v1");
    f.valid_inputs = vec![
        ModelInput::Text(TextRequest::new("hello")),
        ModelInput::Text(TextRequest::new("hello").max_tokens(100)),
    ];
    f.invalid_inputs = vec![
        (ModelInput::Text(TextRequest::new("")), "prompt".to_owned()),
        (
            ModelInput::Text(TextRequest::new("hi").max_tokens(0)),
            "max_tokens".to_owned(),
        ),
        (
            ModelInput::Text(TextRequest::new("hi").max_tokens(101)),
            "max_tokens".to_owned(),
        ),
    ];
    f.example_responses = vec![(
        "done".to_owned(),
        br#"{"text":"Hello there.","stop":"end_turn","input_tokens":3,"output_tokens":4}"#.to_vec(),
    )];
    f.streams = vec![StreamFixture {
        name: "two deltas".to_owned(),
        chunks: vec![
            br#"{"delta":"Hello","input_tokens":3}"#.to_vec(),
            br#"{"delta":" there.","last":true}"#.to_vec(),
            br#"{"stop":"end_turn","output_tokens":4}"#.to_vec(),
        ],
        whole_body:
            br#"{"text":"Hello there.","stop":"end_turn","input_tokens":3,"output_tokens":4}"#
                .to_vec(),
    }];
    vec![f]
}

/// Runs the suite on an adapter with `flaw` and returns its panic message.
fn failure(flaw: Flaw) -> String {
    let adapter = Echo::new(flaw);
    let fixtures = fixtures();
    let payload = catch_unwind(AssertUnwindSafe(|| run_conformance(&adapter, &fixtures)))
        .expect_err("the suite passed an adapter it should have failed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[track_caller]
fn assert_fails(flaw: Flaw, needles: &[&str]) {
    let msg = failure(flaw);
    for needle in needles {
        assert!(
            msg.contains(needle),
            "{flaw:?}: message lacks {needle:?}:\n{msg}"
        );
    }
}

#[test]
fn a_correct_adapter_passes() {
    run_conformance(&Echo::new(Flaw::None), &fixtures());
}

#[test]
fn a_body_that_violates_its_schema_fails() {
    assert_fails(
        Flaw::BodyViolatesSchema,
        &[
            "does not match the API's schema",
            "at `/max_tokens`",
            "valid input #0",
        ],
    );
}

#[test]
fn a_missing_schema_fails() {
    assert_fails(Flaw::NoSchema, &["request_schema(\"echo-text\") is None"]);
}

#[test]
fn a_schema_for_an_unknown_api_fails() {
    assert_fails(Flaw::SchemaForUnknownApi, &["for an API it does not have"]);
}

#[test]
fn an_accepted_bad_input_fails() {
    assert_fails(
        Flaw::AcceptsBadPrompt,
        &[
            "invalid input #0 (expected field `prompt`)",
            "build_body accepted it",
        ],
    );
}

#[test]
fn an_error_naming_the_wrong_field_fails() {
    assert_fails(Flaw::NamesWrongField, &["names another field", "`text`"]);
}

#[test]
fn a_panic_on_an_unsupported_input_fails() {
    assert_fails(
        Flaw::PanicsOnUnsupported,
        &[
            "unsupported input: chat",
            "panicked instead of returning an error",
        ],
    );
}

#[test]
fn an_accepted_unsupported_input_fails() {
    assert_fails(
        Flaw::AcceptsChat,
        &["unsupported input: chat", "build_body accepted it"],
    );
}

#[test]
fn a_stream_that_loses_text_fails() {
    assert_fails(
        Flaw::StreamDropsLastDelta,
        &["stream `two deltas`", "streamed text differs"],
    );
}

#[test]
fn a_stream_with_another_stop_reason_fails() {
    assert_fails(Flaw::StreamWrongStop, &["streamed stop reason differs"]);
}

#[test]
fn a_rejected_example_response_fails() {
    assert_fails(
        Flaw::RejectsExample,
        &["example response `done`", "parse_output rejected it"],
    );
}

#[test]
fn an_accepted_truncated_body_fails() {
    assert_fails(
        Flaw::AcceptsTruncatedBody,
        &["the first example cut in half", "parse_output accepted it"],
    );
}

#[test]
fn duplicate_patterns_fail() {
    assert_fails(
        Flaw::DuplicatePattern,
        &["another pattern matches the same ids"],
    );
}

#[test]
fn a_non_deterministic_body_fails() {
    assert_fails(Flaw::NonDeterministic, &["not deterministic"]);
}

#[test]
fn empty_capabilities_fail() {
    assert_fails(Flaw::EmptyCapabilities, &["capabilities are empty"]);
}

#[test]
fn fixtures_must_cover_every_api_and_fit_it() {
    let adapter = Echo::new(Flaw::None);
    let msg = catch_unwind(AssertUnwindSafe(|| run_conformance(&adapter, &[])))
        .expect_err("no fixtures must fail")
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(
        msg.contains("no fixtures for API(s) [\"echo-text\"]"),
        "{msg}"
    );

    let mut wrong_model = fixtures();
    wrong_model[0].model_id = ModelId::new("other.model-v1").unwrap();
    let msg = catch_unwind(AssertUnwindSafe(|| run_conformance(&adapter, &wrong_model)))
        .expect_err("a model the adapter does not serve must fail")
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(
        msg.contains("`other.model-v1`, which the adapter does not serve"),
        "{msg}"
    );

    let mut no_streams = fixtures();
    no_streams[0].streams.clear();
    let msg = catch_unwind(AssertUnwindSafe(|| run_conformance(&adapter, &no_streams)))
        .expect_err("a streaming API without streams must fail")
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(
        msg.contains("the API streams but no stream fixtures are given"),
        "{msg}"
    );
}

#[test]
fn assert_resolves_checks_adapter_and_api() {
    let registry = Registry::new();
    registry.register(std::sync::Arc::new(Echo::new(Flaw::None)));
    crate::assert_resolves(&registry, "echo.small-v1", "echo", API);
    let wrong =
        catch_unwind(|| crate::assert_resolves(&registry, "echo.small-v1", "echo", "echo-chat"));
    let msg = wrong
        .unwrap_err()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(
        msg.contains("expected adapter `echo` API `echo-chat`"),
        "{msg}"
    );
    let missing = catch_unwind(|| crate::assert_resolves(&registry, "other.model-v1", "echo", API));
    let msg = missing
        .unwrap_err()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(msg.contains("does not resolve"), "{msg}");
}
