//! The typed-tool loop against a scripted backend: tool dispatch, schema checks before a tool
//! runs, failing tools, round limits, usage sums, and the streamed form.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use serde_json::json;

use super::tools::*;
use super::*;
use crate::backend::{Backend, InvokeModelStreamResponse};
use crate::error::{BoxError, Error};
use crate::types::{
    InvokeModelRequest, InvokeModelResponse, ListFoundationModelsRequest,
    ListFoundationModelsResponse, ModelSummary,
};
use crate::{Connector, Region, Result};

/// Answers each Converse call with the next scripted response and keeps every request.
#[derive(Debug)]
struct Scripted {
    answers: Mutex<Vec<ConverseResponse>>,
    seen: Mutex<Vec<ConverseRequest>>,
    models: Mutex<Vec<String>>,
}

impl Scripted {
    fn new(mut answers: Vec<ConverseResponse>) -> Arc<Self> {
        answers.reverse();
        Arc::new(Scripted {
            answers: Mutex::new(answers),
            seen: Mutex::new(Vec::new()),
            models: Mutex::new(Vec::new()),
        })
    }

    fn next(&self, call: ConverseCall) -> Result<ConverseResponse> {
        self.models
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(call.model_id.to_string());
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(call.request);
        self.answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .ok_or_else(|| Error::decode("script exhausted"))
    }
}

#[async_trait::async_trait]
impl Backend for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    async fn list_foundation_models(
        &self,
        _: Region,
        _: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        Err(Error::not_implemented("scripted", "list_foundation_models"))
    }
    async fn get_foundation_model(&self, _: Region, _: &crate::ModelId) -> Result<ModelSummary> {
        Err(Error::not_implemented("scripted", "get_foundation_model"))
    }
    async fn invoke_model(&self, _: InvokeModelRequest) -> Result<InvokeModelResponse> {
        Err(Error::not_implemented("scripted", "invoke_model"))
    }
    async fn invoke_model_stream(
        &self,
        _: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        Err(Error::not_implemented("scripted", "invoke_model_stream"))
    }
    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        self.next(call).map(ConverseReply::new)
    }
    async fn converse_stream(&self, call: ConverseCall) -> Result<ConverseStreamReply> {
        let events: Vec<Result<ConverseStreamEvent>> =
            as_events(&self.next(call)?).into_iter().map(Ok).collect();
        Ok(ConverseStreamReply::new(Box::pin(futures::stream::iter(
            events,
        ))))
    }
}

/// A response as ConverseStream would send it: text in two deltas, tool input in two fragments.
fn as_events(r: &ConverseResponse) -> Vec<ConverseStreamEvent> {
    let mut events = vec![ConverseStreamEvent::MessageStart(MessageStartEvent {
        role: ConversationRole::Assistant,
    })];
    for (i, block) in r.message().content.iter().enumerate() {
        let index = i as u32;
        let delta = |delta| {
            ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                delta,
                content_block_index: index,
            })
        };
        match block {
            ContentBlock::Text(t) => {
                let (a, b) = t.split_at(t.len() / 2);
                events.push(delta(ContentBlockDelta::Text(a.into())));
                events.push(delta(ContentBlockDelta::Text(b.into())));
            }
            ContentBlock::ToolUse(t) => {
                events.push(ConverseStreamEvent::ContentBlockStart(
                    ContentBlockStartEvent {
                        start: ContentBlockStart::ToolUse(ToolUseBlockStart {
                            tool_use_id: t.tool_use_id.clone(),
                            name: t.name.clone(),
                        }),
                        content_block_index: index,
                    },
                ));
                let input = t.input.to_string();
                let (a, b) = input.split_at(input.len() / 2);
                for part in [a, b] {
                    events.push(delta(ContentBlockDelta::ToolUse(ToolUseBlockDelta {
                        input: part.into(),
                    })));
                }
            }
            other => panic!("not scripted: {other:?}"),
        }
        events.push(ConverseStreamEvent::ContentBlockStop(
            ContentBlockStopEvent {
                content_block_index: index,
            },
        ));
    }
    events.push(ConverseStreamEvent::MessageStop(MessageStopEvent {
        stop_reason: r.stop_reason,
        additional_model_response_fields: None,
    }));
    events.push(ConverseStreamEvent::Metadata(ConverseStreamMetadata {
        usage: r.usage,
        metrics: r.metrics,
        trace: None,
        performance_config: None,
        service_tier: None,
    }));
    events
}

fn answer(content: Vec<ContentBlock>, stop: ConverseStopReason, tokens: u32) -> ConverseResponse {
    ConverseResponse {
        output: ConverseOutput::Message(Message {
            role: ConversationRole::Assistant,
            content,
        }),
        stop_reason: stop,
        usage: TokenUsage {
            input_tokens: tokens,
            output_tokens: tokens,
            total_tokens: 2 * tokens,
            cache_read_input_tokens: None,
            cache_write_input_tokens: None,
        },
        metrics: ConverseMetrics { latency_ms: 5 },
        additional_model_response_fields: None,
        trace: None,
        performance_config: None,
        service_tier: None,
    }
}

fn tool_use(id: &str, name: &str, input: serde_json::Value) -> ContentBlock {
    ContentBlock::ToolUse(ToolUseBlock {
        tool_use_id: id.into(),
        name: name.into(),
        input,
    })
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct CityInput {
    /// The city.
    city: String,
    /// Days ahead, 0..=7.
    #[schemars(range(min = 0, max = 7))]
    days: u8,
}

#[derive(Default)]
struct Weather {
    calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl Tool for Weather {
    type Input = CityInput;
    type Output = serde_json::Value;
    fn name(&self) -> &str {
        "weather"
    }
    fn description(&self) -> &str {
        "The forecast for a city."
    }
    async fn call(&self, input: CityInput) -> std::result::Result<serde_json::Value, BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(json!({"city": input.city, "days": input.days, "forecast": "sun"}))
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Nothing {}

struct Broken;

#[async_trait::async_trait]
impl Tool for Broken {
    type Input = Nothing;
    type Output = String;
    fn name(&self) -> &str {
        "broken"
    }
    fn description(&self) -> &str {
        "Always fails."
    }
    async fn call(&self, _: Nothing) -> std::result::Result<String, BoxError> {
        Err("the service behind this tool is down".into())
    }
}

fn connector(backend: Arc<Scripted>) -> Connector {
    Connector::builder().backend(backend).build().unwrap()
}

fn model() -> crate::ModelId {
    crate::ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap()
}

fn two_round_script(weather_input: serde_json::Value) -> Arc<Scripted> {
    Scripted::new(vec![
        answer(
            vec![
                ContentBlock::Text("Let me check.".into()),
                tool_use("t1", "weather", weather_input),
                tool_use("t2", "broken", json!({})),
            ],
            ConverseStopReason::ToolUse,
            10,
        ),
        answer(
            vec![ContentBlock::Text("Sunny in Oslo.".into())],
            ConverseStopReason::EndTurn,
            7,
        ),
    ])
}

#[tokio::test]
async fn two_tools_one_failing_finish_with_the_right_conversation() {
    let backend = two_round_script(json!({"city": "Oslo", "days": 2}));
    let calls = Arc::new(AtomicUsize::new(0));
    let toolbox = Toolbox::new()
        .with(Weather {
            calls: Arc::clone(&calls),
        })
        .unwrap()
        .with(Broken)
        .unwrap();
    let c = connector(Arc::clone(&backend));
    let call = c.converse_call(&model(), ConverseRequest::new("Weather in Oslo?"));
    let done = c
        .converse_with_tools(call, &toolbox, ToolLoopOptions::default())
        .await
        .unwrap();

    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(done.rounds, 2);
    assert_eq!(done.text(), "Sunny in Oslo.");
    assert_eq!(done.usage.input_tokens, 17);
    assert_eq!(done.usage.total_tokens, 34);
    assert_eq!(done.messages.len(), 4);
    assert_eq!(
        done.messages[2],
        Message {
            role: ConversationRole::User,
            content: vec![
                ContentBlock::ToolResult(ToolResultBlock {
                    tool_use_id: "t1".into(),
                    content: vec![ToolResultContent::Json(
                        json!({"city": "Oslo", "days": 2, "forecast": "sun"})
                    )],
                    status: Some(ToolResultStatus::Success),
                }),
                ContentBlock::ToolResult(ToolResultBlock {
                    tool_use_id: "t2".into(),
                    content: vec![ToolResultContent::Text(
                        "the service behind this tool is down".into()
                    )],
                    status: Some(ToolResultStatus::Error),
                }),
            ],
        }
    );
    // The second request carried the whole conversation and the tools' schemas.
    let seen = backend.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].messages, done.messages[..3].to_vec());
    let specs: Vec<_> = seen[0]
        .tool_config
        .as_ref()
        .unwrap()
        .specs()
        .cloned()
        .collect();
    assert_eq!(specs.len(), 2);
    assert_eq!(
        specs[0].input_schema.json()["required"],
        json!(["city", "days"])
    );
}

#[tokio::test]
async fn an_input_failing_its_schema_never_reaches_the_tool() {
    for bad in [
        json!({"city": "Oslo", "days": 9}),
        json!({"city": 5, "days": 1}),
        json!({"days": 1}),
    ] {
        let backend = two_round_script(bad.clone());
        let calls = Arc::new(AtomicUsize::new(0));
        let toolbox = Toolbox::new()
            .with(Weather {
                calls: Arc::clone(&calls),
            })
            .unwrap()
            .with(Broken)
            .unwrap();
        let c = connector(backend);
        let call = c.converse_call(&model(), ConverseRequest::new("Weather?"));
        let done = c
            .converse_with_tools(call, &toolbox, ToolLoopOptions::default())
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "{bad}");
        let record = &done.tool_calls[0];
        let message = record.outcome.as_ref().unwrap_err();
        assert!(
            message.contains("does not match the tool's schema"),
            "{message}"
        );
        assert!(matches!(
            record.result_block(),
            ContentBlock::ToolResult(ToolResultBlock {
                status: Some(ToolResultStatus::Error),
                ..
            })
        ));
    }
}

#[tokio::test]
async fn a_model_that_keeps_asking_for_tools_hits_the_round_limit() {
    let forever: Vec<_> = (0..3)
        .map(|i| {
            answer(
                vec![tool_use(&format!("t{i}"), "broken", json!({}))],
                ConverseStopReason::ToolUse,
                1,
            )
        })
        .collect();
    let c = connector(Scripted::new(forever));
    let toolbox = Toolbox::new().with(Broken).unwrap();
    let call = c.converse_call(&model(), ConverseRequest::new("go"));
    let err = c
        .converse_with_tools(call, &toolbox, ToolLoopOptions { max_rounds: 2 })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ToolRounds { rounds: 2 }), "{err}");
    assert_eq!(err.kind(), crate::ErrorKind::ToolRounds);
}

#[tokio::test]
async fn an_unknown_tool_is_told_to_the_model() {
    let script = Scripted::new(vec![
        answer(
            vec![tool_use("t1", "teleport", json!({}))],
            ConverseStopReason::ToolUse,
            1,
        ),
        answer(
            vec![ContentBlock::Text("ok".into())],
            ConverseStopReason::EndTurn,
            1,
        ),
    ]);
    let c = connector(script);
    let toolbox = Toolbox::new().with(Broken).unwrap();
    let call = c.converse_call(&model(), ConverseRequest::new("go"));
    let done = c
        .converse_with_tools(call, &toolbox, ToolLoopOptions::default())
        .await
        .unwrap();
    let message = done.tool_calls[0].outcome.as_ref().unwrap_err();
    assert!(message.contains("no tool named `teleport`"), "{message}");
}

#[tokio::test]
async fn the_streamed_loop_yields_deltas_and_tool_events_in_order() {
    let backend = two_round_script(json!({"city": "Oslo", "days": 2}));
    let toolbox = Toolbox::new()
        .with(Weather::default())
        .unwrap()
        .with(Broken)
        .unwrap();
    let c = connector(backend);
    let call = c.converse_call(&model(), ConverseRequest::new("Weather in Oslo?"));
    let events: Vec<ToolLoopEvent> = c
        .converse_stream_with_tools(call, toolbox, ToolLoopOptions::default())
        .map(|e| e.unwrap())
        .collect()
        .await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            ToolLoopEvent::Model(_) => "model",
            ToolLoopEvent::ToolCall(_) => "call",
            ToolLoopEvent::ToolResult(_) => "result",
            ToolLoopEvent::Done(_) => "done",
        })
        .filter(|k| *k != "model")
        .collect();
    assert_eq!(kinds, ["call", "call", "result", "result", "done"]);
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            ToolLoopEvent::Model(ConverseStreamEvent::ContentBlockDelta(
                ContentBlockDeltaEvent {
                    delta: ContentBlockDelta::Text(t),
                    ..
                },
            )) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "Let me check.Sunny in Oslo.");
    let Some(ToolLoopEvent::Done(done)) = events.last() else {
        panic!("no Done event");
    };
    assert_eq!(done.rounds, 2);
    assert_eq!(done.usage.output_tokens, 17);
    assert_eq!(
        done.tool_calls[0].outcome,
        Ok(json!({"city": "Oslo", "days": 2, "forecast": "sun"}))
    );
}

#[test]
fn toolbox_refuses_bad_and_duplicate_names() {
    struct Named(&'static str);
    #[async_trait::async_trait]
    impl Tool for Named {
        type Input = Nothing;
        type Output = String;
        fn name(&self) -> &str {
            self.0
        }
        fn description(&self) -> &str {
            "x"
        }
        async fn call(&self, _: Nothing) -> std::result::Result<String, BoxError> {
            Ok(String::new())
        }
    }
    let err = Toolbox::new().with(Named("has space")).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(f) if f.field == "tool.name"),
        "{err}"
    );
    let err = Toolbox::new()
        .with(Named("a"))
        .unwrap()
        .with(Named("a"))
        .unwrap_err();
    assert!(err.to_string().contains("no other tool"), "{err}");
}

/// Records what the history layer saves and completes.
#[derive(Debug, Default)]
struct Rows {
    saved: Mutex<Vec<crate::history::NewPrompt>>,
    completed: Mutex<Vec<crate::history::PromptOutcome>>,
}

#[async_trait::async_trait]
impl crate::history::PromptHistory for Rows {
    async fn save(&self, prompt: crate::history::NewPrompt) -> Result<crate::PromptId> {
        self.saved.lock().unwrap().push(prompt);
        Ok(crate::PromptId::generate())
    }
    async fn complete(
        &self,
        _: &crate::PromptId,
        outcome: crate::history::PromptOutcome,
    ) -> Result<()> {
        self.completed.lock().unwrap().push(outcome);
        Ok(())
    }
    async fn get(&self, _: &crate::PromptId) -> Result<Option<crate::PromptRecord>> {
        Ok(None)
    }
    async fn list(&self, _: usize) -> Result<Vec<crate::PromptRecord>> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn each_turn_of_a_tool_conversation_is_a_history_row_of_its_conversation() {
    let rows = Arc::new(Rows::default());
    let c = Connector::builder()
        .backend(two_round_script(json!({"city": "Oslo", "days": 2})))
        .history(Arc::clone(&rows) as Arc<dyn crate::history::PromptHistory>)
        .build()
        .unwrap();
    let mut call = c.converse_call(&model(), ConverseRequest::new("Weather?"));
    call.save_prompt = true;
    call.conversation_id = Some("conv-1".into());
    let toolbox = Toolbox::new()
        .with(Weather::default())
        .unwrap()
        .with(Broken)
        .unwrap();
    // Streamed, so the rows are completed from the accumulated events.
    let events: Vec<_> = c
        .converse_stream_with_tools(call, toolbox, ToolLoopOptions::default())
        .collect()
        .await;
    assert!(events.iter().all(|e| e.is_ok()));
    let saved = rows.saved.lock().unwrap();
    assert_eq!(saved.len(), 2);
    assert!(
        saved
            .iter()
            .all(|p| p.conversation_id.as_deref() == Some("conv-1") && p.stream)
    );
    let second: ConverseRequest = serde_json::from_slice(&saved[1].body).unwrap();
    assert_eq!(second.messages.len(), 3);
    let completed = rows.completed.lock().unwrap();
    assert_eq!(completed.len(), 2);
    let crate::history::PromptOutcome::Completed {
        body,
        output_tokens,
        ..
    } = &completed[1]
    else {
        panic!("not completed: {:?}", completed[1]);
    };
    assert_eq!(*output_tokens, Some(7));
    let last: ConverseResponse = serde_json::from_slice(body).unwrap();
    assert_eq!(last.text(), "Sunny in Oslo.");
}

#[tokio::test]
async fn a_failed_turn_leaves_a_failed_row() {
    let rows = Arc::new(Rows::default());
    let c = Connector::builder()
        .backend(Scripted::new(Vec::new()))
        .history(Arc::clone(&rows) as Arc<dyn crate::history::PromptHistory>)
        .build()
        .unwrap();
    let mut call = c.converse_call(&model(), ConverseRequest::new("hi"));
    call.save_prompt = true;
    assert!(c.send_converse(call).await.is_err());
    assert_eq!(rows.saved.lock().unwrap().len(), 1);
    assert!(matches!(
        rows.completed.lock().unwrap()[0],
        crate::history::PromptOutcome::Failed { .. }
    ));
}

#[tokio::test]
async fn converse_runs_the_preflight_check_before_sending() {
    // Claude 3.7 Sonnet is served in us-east-1 only through the `us.` profile.
    let sonnet = crate::ModelId::new("anthropic.claude-3-7-sonnet-20250219-v1:0").unwrap();
    let answers = || {
        vec![answer(
            vec![ContentBlock::Text("ok".into())],
            ConverseStopReason::EndTurn,
            1,
        )]
    };
    let backend = Scripted::new(answers());
    let c = Connector::builder()
        .backend(Arc::clone(&backend) as Arc<dyn Backend>)
        .region(Region::UsEast1)
        .build()
        .unwrap();
    let err = c
        .converse(&sonnet, ConverseRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(f) if f.field == "model_id"),
        "{err}"
    );
    assert!(
        err.to_string().contains("us.anthropic.claude-3-7-sonnet"),
        "{err}"
    );
    assert!(
        backend.models.lock().unwrap().is_empty(),
        "nothing was sent"
    );

    let backend = Scripted::new(answers());
    let c = Connector::builder()
        .backend(Arc::clone(&backend) as Arc<dyn Backend>)
        .region(Region::UsEast1)
        .profile_routing(crate::preflight::ProfileRouting::Automatic)
        .build()
        .unwrap();
    let reply = c
        .converse(&sonnet, ConverseRequest::new("hi"))
        .await
        .unwrap();
    assert_eq!(reply.response.text(), "ok");
    assert_eq!(
        *backend.models.lock().unwrap(),
        ["us.anthropic.claude-3-7-sonnet-20250219-v1:0"]
    );
}
