//! Unit tests of the `Connector`'s composition against mocked `Backend` and `PromptHistory`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use mockall::Sequence;
use mockall::predicate::always;

use crate::adapter::{Capabilities, ModelAdapter, ModelMatch, ModelPattern, RequestBody};
use crate::backend::{Backend, MockBackend};
use crate::history::{MockPromptHistory, PromptHistory, PromptId, PromptOutcome};
use crate::model_io::{ModelInput, ModelOutput, StopReason, StreamEvent, TextOutput, TextRequest};
use crate::{
    Connector, Error, ErrorKind, InvokeModelGenericRequest, InvokeModelResponse, InvokeOptions,
    ModelId, Region, Registry, Result, ServiceDetails, StreamChunk,
};

/// An adapter that echoes the prompt into a body and reads `{"text": ...}` back.
#[derive(Debug)]
struct EchoAdapter;

const ECHO_PATTERNS: &[ModelPattern] = &[ModelPattern {
    matches: ModelMatch::Prefix("anthropic.claude-3"),
    api: "echo",
    capabilities: Capabilities {
        text: true,
        streaming: true,
        ..Capabilities::NONE
    },
}];

impl ModelAdapter for EchoAdapter {
    fn name(&self) -> &str {
        "echo"
    }
    fn models(&self) -> &[ModelPattern] {
        ECHO_PATTERNS
    }
    fn request_schema(&self, _api: &str) -> Option<schemars::Schema> {
        None
    }
    fn build_body(&self, _: &ModelId, input: &ModelInput) -> Result<RequestBody> {
        let ModelInput::Text(t) = input else {
            unreachable!("capabilities say text only")
        };
        if t.prompt.is_empty() {
            return Err(Error::invalid("prompt", "\"\"", "a non-empty string"));
        }
        Ok(RequestBody::json(
            &serde_json::json!({ "prompt": t.prompt }),
        ))
    }
    fn parse_output(&self, _: &ModelId, body: &[u8]) -> Result<ModelOutput> {
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| Error::decode_json("echo body", e))?;
        Ok(ModelOutput::Text(TextOutput {
            text: v["text"].as_str().unwrap_or_default().to_owned(),
            stop_reason: Some(StopReason::EndTurn),
            usage: None,
        }))
    }
    fn parse_stream_chunk(&self, _: &ModelId, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        let v: serde_json::Value =
            serde_json::from_slice(chunk).map_err(|e| Error::decode_json("echo chunk", e))?;
        Ok(vec![StreamEvent::TextDelta {
            text: v["delta"].as_str().unwrap_or_default().to_owned(),
        }])
    }
}

fn haiku() -> ModelId {
    ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap()
}

fn registry() -> Arc<Registry> {
    let r = Registry::new();
    r.register(Arc::new(EchoAdapter));
    Arc::new(r)
}

fn ok_response(body: &'static str) -> InvokeModelResponse {
    InvokeModelResponse {
        body: Bytes::from_static(body.as_bytes()),
        content_type: "application/json".into(),
        input_tokens: Some(3),
        output_tokens: Some(5),
        latency: Some(Duration::from_millis(42)),
        request_id: Some("req-1".into()),
    }
}

#[test]
fn every_trait_is_object_safe() {
    fn takes(_: Option<&dyn Backend>, _: Option<&dyn ModelAdapter>, _: Option<&dyn PromptHistory>) {
    }
    takes(None, None, None);
    let _: Arc<dyn ModelAdapter> = Arc::new(EchoAdapter);
    let _: Arc<dyn Backend> = Arc::new(MockBackend::new());
    let _: Arc<dyn PromptHistory> = Arc::new(MockPromptHistory::new());
}

#[tokio::test]
async fn save_prompt_saves_before_the_call_and_completes_after() {
    let mut seq = Sequence::new();
    let mut history = MockPromptHistory::new();
    let mut backend = MockBackend::new();
    let id = PromptId::generate();
    let saved_id = id.clone();
    history
        .expect_save()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|p| {
            p.body.as_ref() == br#"{"raw":1}"# && p.model_id.starts_with("anthropic.") && !p.stream
        })
        .return_once(move |_| Ok(saved_id));
    backend
        .expect_invoke_model()
        .times(1)
        .in_sequence(&mut seq)
        .return_once(|_| Ok(ok_response(r#"{"text":"hi"}"#)));
    let expected_id = id.clone();
    history
        .expect_complete()
        .times(1)
        .in_sequence(&mut seq)
        .withf(move |got, outcome| {
            *got == expected_id
                && matches!(outcome, PromptOutcome::Completed { body, input_tokens: Some(3), output_tokens: Some(5), latency, .. }
                    if body.as_ref() == br#"{"text":"hi"}"# && *latency == Duration::from_millis(42))
        })
        .return_once(|_, _| Ok(()));
    let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1)
        .with_history(Arc::new(history));
    let resp = connector
        .invoke_model_generic(
            InvokeModelGenericRequest::json(haiku(), &br#"{"raw":1}"#[..]).save_prompt(true),
        )
        .await
        .unwrap();
    assert_eq!(resp.prompt_id, Some(id));
    assert_eq!(resp.input_tokens, Some(3));
    assert_eq!(resp.request_id.as_deref(), Some("req-1"));
}

#[tokio::test]
async fn a_backend_error_completes_the_saved_row_with_the_error() {
    let mut history = MockPromptHistory::new();
    let mut backend = MockBackend::new();
    history
        .expect_save()
        .times(1)
        .returning(|_| Ok(PromptId::generate()));
    backend.expect_invoke_model().times(1).return_once(|_| {
        Err(Error::Throttling(
            ServiceDetails::new("Too many requests, please wait before trying again.")
                .with_status(429),
        ))
    });
    history
        .expect_complete()
        .times(1)
        .withf(|_, outcome| {
            matches!(outcome, PromptOutcome::Failed { kind: ErrorKind::Throttling, message } if message.contains("Too many requests"))
        })
        .return_once(|_, _| Ok(()));
    let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1)
        .with_history(Arc::new(history));
    let err = connector
        .invoke_model_generic(InvokeModelGenericRequest::json(haiku(), "{}").save_prompt(true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttling);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn the_adapters_body_reaches_the_backend_unchanged() {
    let mut backend = MockBackend::new();
    backend
        .expect_invoke_model()
        .times(1)
        .withf(|req| {
            req.body.as_ref() == br#"{"prompt":"Hello"}"#
                && req.region == Region::UsWest2
                && req.content_type == "application/json"
                && req.model_id.as_str() == "us.anthropic.claude-3-haiku-20240307-v1:0"
        })
        .return_once(|_| Ok(ok_response(r#"{"text":"Hi there"}"#)));
    let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1);
    let id = ModelId::new("us.anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    let out = connector
        .invoke(
            &id,
            &ModelInput::Text(TextRequest::new("Hello")),
            InvokeOptions {
                region: Some(Region::UsWest2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        out.output,
        ModelOutput::Text(TextOutput {
            text: "Hi there".into(),
            stop_reason: Some(StopReason::EndTurn),
            usage: None
        })
    );
}

#[tokio::test]
async fn a_registry_miss_or_invalid_input_never_calls_the_backend() {
    let mut backend = MockBackend::new();
    backend.expect_invoke_model().never();
    backend.expect_invoke_model_stream().never();
    let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1);
    let titan = ModelId::new("amazon.titan-text-express-v1").unwrap();
    let err = connector
        .generate_text(&titan, TextRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoAdapter { .. }), "{err}");
    assert!(
        err.to_string().contains("echo (anthropic.claude-3*)"),
        "{err}"
    );
    let err = connector
        .generate_text(&haiku(), TextRequest::new(""))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("prompt"));
    let err = connector
        .embed(&haiku(), crate::EmbeddingRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

#[tokio::test]
async fn save_prompt_without_a_history_is_rejected_before_sending() {
    let mut backend = MockBackend::new();
    backend.expect_invoke_model().never();
    let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1);
    let err = connector
        .invoke_model_generic(InvokeModelGenericRequest::json(haiku(), "{}").save_prompt(true))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("save_prompt"));
}

#[tokio::test]
async fn a_stream_completes_its_row_when_it_ends_or_fails() {
    let chunks = |fail: bool| {
        let mut items: Vec<Result<StreamChunk>> = vec![
            Ok(StreamChunk {
                bytes: Bytes::from_static(br#"{"delta":"Hel"}"#),
            }),
            Ok(StreamChunk {
                bytes: Bytes::from_static(br#"{"delta":"lo"}"#),
            }),
        ];
        if fail {
            items.push(Err(Error::ModelError(ServiceDetails::new("stream broke"))));
        }
        Box::pin(futures::stream::iter(items)) as crate::ChunkStream
    };
    for fail in [false, true] {
        let mut history = MockPromptHistory::new();
        let mut backend = MockBackend::new();
        history
            .expect_save()
            .times(1)
            .withf(|p| p.stream)
            .returning(|_| Ok(PromptId::generate()));
        backend
            .expect_invoke_model_stream()
            .times(1)
            .return_once(move |_| Ok(chunks(fail)));
        history
            .expect_complete()
            .times(1)
            .withf(move |_, outcome| match outcome {
                PromptOutcome::Completed { body, .. } => {
                    !fail && body.as_ref() == b"{\"delta\":\"Hel\"}\n{\"delta\":\"lo\"}\n"
                }
                PromptOutcome::Failed { kind, .. } => fail && *kind == ErrorKind::ModelError,
            })
            .return_once(|_, _| Ok(()));
        let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1)
            .with_history(Arc::new(history));
        let stream = connector
            .invoke_stream(
                &haiku(),
                &ModelInput::Text(TextRequest::new("hi")),
                InvokeOptions {
                    save_prompt: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(stream.prompt_id.is_some());
        let items: Vec<Result<StreamEvent>> = stream.events.collect().await;
        let texts: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Ok(StreamEvent::TextDelta { text }) => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["Hel", "lo"]);
        assert_eq!(items.last().unwrap().is_err(), fail);
    }
}

#[tokio::test]
async fn not_found_errors_get_a_hint_naming_the_region() {
    let mut backend = MockBackend::new();
    backend
        .expect_invoke_model()
        .with(always())
        .return_once(|_| {
            Err(Error::NotFound(
                ServiceDetails::new("Could not resolve the foundation model").with_status(404),
            ))
        });
    let connector = Connector::new(Arc::new(backend), registry(), Region::UsEast1);
    let id = ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    let err = connector
        .invoke_model_generic(InvokeModelGenericRequest::json(id, "{}"))
        .await
        .unwrap_err();
    let hint = err.hint().unwrap();
    assert!(hint.contains("us-east-1"), "{hint}");
    assert!(!err.is_retryable());
}
