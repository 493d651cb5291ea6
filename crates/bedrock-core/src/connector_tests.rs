//! Unit tests of the `Connector`'s composition against mocked `Backend` and `PromptHistory`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use mockall::Sequence;
use mockall::predicate::always;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::adapter::{Capabilities, ModelAdapter, ModelMatch, ModelPattern, RequestBody, Route};
use crate::backend::{Backend, InvokeModelStreamResponse, MockBackend};
use crate::history::{MockPromptHistory, PromptHistory, PromptId, PromptOutcome};
use crate::model_io::{ModelInput, ModelOutput, StopReason, StreamEvent, TextOutput, TextRequest};
use crate::{
    CallMetadata, Connector, Error, ErrorKind, InvokeModelGenericRequest, InvokeModelResponse,
    InvokeOptions, ModelId, Region, Registry, Result, ServiceDetails, StreamChunk,
};

/// An adapter that echoes the prompt into a body and reads `{"text": ...}` back, counting how
/// often the registry asks for its patterns (once per resolution) and how often it builds a body.
#[derive(Debug, Default)]
struct EchoAdapter {
    resolved: AtomicUsize,
    built: AtomicUsize,
}

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
        self.resolved.fetch_add(1, Ordering::Relaxed);
        ECHO_PATTERNS
    }
    fn request_schema(&self, _api: &str) -> Option<schemars::Schema> {
        None
    }
    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        self.built.fetch_add(1, Ordering::Relaxed);
        let ModelInput::Text(t) = input else {
            return Err(route.unsupported(input.operation()));
        };
        if t.prompt.is_empty() {
            return Err(Error::invalid("prompt", "\"\"", "a non-empty string"));
        }
        RequestBody::json(&serde_json::json!({ "prompt": t.prompt }))
    }
    fn parse_output(&self, _: &Route, body: &[u8]) -> Result<ModelOutput> {
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| Error::decode_json("echo body", e))?;
        Ok(ModelOutput::Text(TextOutput {
            text: v["text"].as_str().unwrap_or_default().to_owned(),
            stop_reason: Some(StopReason::EndTurn),
            usage: None,
            content: Vec::new(),
        }))
    }
    fn parse_stream_chunk(&self, _: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
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
    r.register(Arc::new(EchoAdapter::default()));
    Arc::new(r)
}

fn connector(backend: MockBackend, history: Option<MockPromptHistory>) -> Connector {
    let mut builder = Connector::builder()
        .backend(Arc::new(backend))
        .registry(registry())
        .region(Region::UsEast1);
    if let Some(h) = history {
        builder = builder.history(Arc::new(h));
    }
    builder.build().unwrap()
}

fn metadata() -> CallMetadata {
    CallMetadata {
        request_id: Some("req-1".into()),
        latency: Duration::from_millis(42),
        input_tokens: Some(3),
        output_tokens: Some(5),
        attempts: Some(2),
        ..CallMetadata::default()
    }
}

fn ok_response(body: &'static str) -> InvokeModelResponse {
    InvokeModelResponse::new(
        Bytes::from_static(body.as_bytes()),
        "application/json",
        metadata(),
    )
}

#[test]
fn every_trait_is_object_safe() {
    fn takes(_: Option<&dyn Backend>, _: Option<&dyn ModelAdapter>, _: Option<&dyn PromptHistory>) {
    }
    takes(None, None, None);
    let _: Arc<dyn ModelAdapter> = Arc::new(EchoAdapter::default());
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
    let connector = connector(backend, Some(history));
    let resp = connector
        .invoke_model_generic(
            InvokeModelGenericRequest::json(haiku(), &br#"{"raw":1}"#[..]).save_prompt(true),
        )
        .await
        .unwrap();
    assert_eq!(resp.prompt_id, Some(id));
    assert_eq!(resp.metadata, metadata());
    assert_eq!(resp.history_error, None);
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
        Err(Error::from_service(
            ErrorKind::Throttling,
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
    let connector = connector(backend, Some(history));
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
    let connector = connector(backend, None);
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
            usage: None,
            content: Vec::new(),
        })
    );
}

#[tokio::test]
async fn a_registry_miss_or_invalid_input_never_calls_the_backend() {
    let mut backend = MockBackend::new();
    backend.expect_invoke_model().never();
    backend.expect_invoke_model_stream().never();
    let connector = connector(backend, None);
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
    let connector = connector(backend, None);
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
            items.push(Err(Error::from_service(
                ErrorKind::ModelError,
                ServiceDetails::new("stream broke"),
            )));
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
            .return_once(move |_| Ok(InvokeModelStreamResponse::new(chunks(fail))));
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
        let connector = connector(backend, Some(history));
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
            Err(Error::from_service(
                ErrorKind::NotFound,
                ServiceDetails::new("Could not resolve the foundation model").with_status(404),
            ))
        });
    let connector = connector(backend, None);
    let id = ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    let err = connector
        .invoke_model_generic(InvokeModelGenericRequest::json(id, "{}"))
        .await
        .unwrap_err();
    let hint = err.hint().unwrap();
    assert!(hint.contains("us-east-1"), "{hint}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_typed_call_resolves_once_builds_once_and_passes_metadata_unchanged() {
    let adapter = Arc::new(EchoAdapter::default());
    let registry = Registry::new();
    registry.register(adapter.clone());
    let mut backend = MockBackend::new();
    backend
        .expect_invoke_model()
        .times(1)
        .return_once(|_| Ok(ok_response(r#"{"text":"Hi"}"#)));
    let connector = Connector::builder()
        .backend(Arc::new(backend))
        .registry(Arc::new(registry))
        .build()
        .unwrap();
    let before = adapter.resolved.load(Ordering::Relaxed);
    let invocation = connector
        .invoke(
            &haiku(),
            &ModelInput::Text(TextRequest::new("Hello")),
            InvokeOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        adapter.resolved.load(Ordering::Relaxed) - before,
        1,
        "resolutions"
    );
    assert_eq!(adapter.built.load(Ordering::Relaxed), 1, "bodies built");
    assert_eq!(invocation.metadata, metadata());
}

#[tokio::test]
async fn a_prepared_call_is_sent_as_prepared() {
    let adapter = Arc::new(EchoAdapter::default());
    let registry = Registry::new();
    registry.register(adapter.clone());
    let prepared = registry
        .prepare(
            &haiku(),
            &ModelInput::Text(TextRequest::new("Hello")),
            InvokeOptions::default(),
        )
        .unwrap();
    assert_eq!(&prepared.body.body[..], br#"{"prompt":"Hello"}"#);
    let mut backend = MockBackend::new();
    backend
        .expect_invoke_model()
        .times(1)
        .withf(|req| req.body.as_ref() == br#"{"prompt":"Hello"}"#)
        .return_once(|_| Ok(ok_response(r#"{"text":"Hi"}"#)));
    let connector = Connector::builder()
        .backend(Arc::new(backend))
        .registry(Arc::new(registry))
        .build()
        .unwrap();
    connector.send(prepared).await.unwrap();
    assert_eq!(adapter.built.load(Ordering::Relaxed), 1, "bodies built");
}

#[tokio::test]
async fn a_history_failure_after_the_answer_keeps_the_answer() {
    let mut history = MockPromptHistory::new();
    let mut backend = MockBackend::new();
    history
        .expect_save()
        .times(1)
        .returning(|_| Ok(PromptId::generate()));
    backend
        .expect_invoke_model()
        .times(1)
        .return_once(|_| Ok(ok_response(r#"{"text":"paid for"}"#)));
    history
        .expect_complete()
        .times(1)
        .return_once(|_, _| Err(Error::history("disk full", None)));
    let connector = connector(backend, Some(history));
    let invocation = connector
        .invoke(
            &haiku(),
            &ModelInput::Text(TextRequest::new("Hello")),
            InvokeOptions {
                save_prompt: true,
                ..Default::default()
            },
        )
        .await
        .expect("the answer is returned although its history row could not be completed");
    assert_eq!(invocation.output.into_text().unwrap().text, "paid for");
    assert!(invocation.prompt_id.is_some());
    let history_error = invocation
        .history_error
        .expect("the history failure is reported");
    assert!(history_error.contains("disk full"), "{history_error}");
}

#[tokio::test]
async fn a_stream_needs_a_streaming_route_and_checks_it_before_sending() {
    #[derive(Debug)]
    struct Whole;
    const WHOLE: &[ModelPattern] = &[ModelPattern {
        matches: ModelMatch::Prefix("amazon.titan-embed"),
        api: "whole",
        capabilities: Capabilities {
            text: true,
            ..Capabilities::NONE
        },
    }];
    impl ModelAdapter for Whole {
        fn name(&self) -> &str {
            "whole"
        }
        fn models(&self) -> &[ModelPattern] {
            WHOLE
        }
        fn request_schema(&self, _api: &str) -> Option<schemars::Schema> {
            None
        }
        fn build_body(&self, _: &Route, _: &ModelInput) -> Result<RequestBody> {
            RequestBody::json(&serde_json::json!({}))
        }
        fn parse_output(&self, _: &Route, _: &[u8]) -> Result<ModelOutput> {
            Err(Error::decode("unused"))
        }
        fn parse_stream_chunk(&self, _: &Route, _: &[u8]) -> Result<Vec<StreamEvent>> {
            Err(Error::decode("unused"))
        }
    }
    let registry = Registry::new();
    registry.register(Arc::new(Whole));
    let mut backend = MockBackend::new();
    backend.expect_invoke_model_stream().never();
    let connector = Connector::builder()
        .backend(Arc::new(backend))
        .registry(Arc::new(registry))
        .build()
        .unwrap();
    let id = ModelId::new("amazon.titan-embed-text-v2:0").unwrap();
    let err = connector
        .invoke_stream(
            &id,
            &ModelInput::Text(TextRequest::new("x")),
            InvokeOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported { operation, api, .. } if operation == "streaming" && api == "whole"),
        "{err}"
    );
}
