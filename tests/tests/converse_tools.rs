//! The typed-tool loop's guard: a tool input that fails the tool's schema never reaches the
//! tool. A small scripted backend answers a tool use whose input breaks the schema (no model
//! that follows its schema would), and the test checks that the tool never ran and that the
//! model was sent a tool result with status `error` naming the problem.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bedrock_core::converse::tools::{Tool, ToolLoopOptions, Toolbox};
use bedrock_core::converse::{
    ContentBlock, ConversationRole, ConverseCall, ConverseMetrics, ConverseOutput, ConverseReply,
    ConverseRequest, ConverseResponse, ConverseStopReason, Message, TokenUsage, ToolResultContent,
    ToolResultStatus, ToolUseBlock,
};
use bedrock_core::{
    Backend, BoxError, Connector, Error, InvokeModelRequest, InvokeModelResponse,
    InvokeModelStreamResponse, ListFoundationModelsRequest, ListFoundationModelsResponse, ModelId,
    ModelSummary, Region, Result,
};
use serde_json::json;

/// Answers Converse from a script, one response per call, and keeps every call it was sent.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<Vec<ConverseResponse>>,
    calls: Mutex<Vec<ConverseCall>>,
}

#[async_trait]
impl Backend for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    async fn list_foundation_models(
        &self,
        _region: Region,
        _request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        Err(Error::not_implemented(
            self.name(),
            "list_foundation_models",
        ))
    }

    async fn get_foundation_model(
        &self,
        _region: Region,
        _model_id: &ModelId,
    ) -> Result<ModelSummary> {
        Err(Error::not_implemented(self.name(), "get_foundation_model"))
    }

    async fn invoke_model(&self, _request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        Err(Error::not_implemented(self.name(), "invoke_model"))
    }

    async fn invoke_model_stream(
        &self,
        _request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        Err(Error::not_implemented(self.name(), "invoke_model_stream"))
    }

    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        self.calls.lock().expect("calls").push(call);
        let mut answers = self.answers.lock().expect("answers");
        assert!(!answers.is_empty(), "the script ran out");
        Ok(ConverseReply::new(answers.remove(0)))
    }
}

fn answer(content: Vec<ContentBlock>, stop_reason: ConverseStopReason) -> ConverseResponse {
    ConverseResponse {
        output: ConverseOutput::Message(Message {
            role: ConversationRole::Assistant,
            content,
        }),
        stop_reason,
        usage: TokenUsage {
            input_tokens: 10,
            output_tokens: 5,
            total_tokens: 15,
            cache_read_input_tokens: None,
            cache_write_input_tokens: None,
        },
        metrics: ConverseMetrics { latency_ms: 7 },
        additional_model_response_fields: None,
        trace: None,
        performance_config: None,
        service_tier: None,
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct WeatherInput {
    /// The city.
    city: String,
    /// Days ahead, 1 to 7.
    #[schemars(range(min = 1, max = 7))]
    days: u8,
}

/// Counts its calls; must never be called in this test.
struct Weather {
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Tool for Weather {
    type Input = WeatherInput;
    type Output = serde_json::Value;

    fn name(&self) -> &str {
        "weather"
    }

    fn description(&self) -> &str {
        "The forecast for a city."
    }

    async fn call(&self, input: WeatherInput) -> std::result::Result<serde_json::Value, BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(json!({"city": input.city, "days": input.days, "sky": "clear"}))
    }
}

#[tokio::test]
async fn a_tool_input_that_fails_its_schema_never_reaches_the_tool() {
    let backend = Arc::new(Scripted::default());
    backend.answers.lock().expect("answers").extend([
        answer(
            vec![
                ContentBlock::Text("Checking.".to_owned()),
                // `city` is a number and `days` is out of range: both break the schema.
                ContentBlock::ToolUse(ToolUseBlock {
                    tool_use_id: "tooluse_bad".to_owned(),
                    name: "weather".to_owned(),
                    input: json!({"city": 5, "days": 30}),
                }),
            ],
            ConverseStopReason::ToolUse,
        ),
        answer(
            vec![ContentBlock::Text("The tool failed.".to_owned())],
            ConverseStopReason::EndTurn,
        ),
    ]);
    let connector = Connector::builder()
        .backend(backend.clone())
        .build()
        .expect("a connector");
    let calls = Arc::new(AtomicUsize::new(0));
    let toolbox = Toolbox::new()
        .with(Weather {
            calls: calls.clone(),
        })
        .expect("a toolbox");
    let model = ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").expect("id");
    let call = connector.converse_call(&model, ConverseRequest::new("weather in Paris?"));

    let conversation = connector
        .converse_with_tools(call, &toolbox, ToolLoopOptions::default())
        .await
        .expect("the conversation finishes");

    assert_eq!(calls.load(Ordering::SeqCst), 0, "the tool never ran");
    assert_eq!(conversation.rounds, 2);
    assert_eq!(conversation.text(), "The tool failed.");
    assert_eq!(conversation.tool_calls.len(), 1);
    let record = &conversation.tool_calls[0];
    let refused = record.outcome.as_ref().expect_err("refused");
    assert!(
        refused.contains("does not match the tool's schema")
            && refused.contains("/city")
            && refused.contains("/days"),
        "{refused}"
    );

    // The second call carried the refusal to the model as an error tool result.
    let sent = backend.calls.lock().expect("calls");
    assert_eq!(sent.len(), 2);
    let last = sent[1].request.messages.last().expect("a message");
    assert_eq!(last.role, ConversationRole::User);
    match last.content.as_slice() {
        [ContentBlock::ToolResult(result)] => {
            assert_eq!(result.tool_use_id, "tooluse_bad");
            assert_eq!(result.status, Some(ToolResultStatus::Error));
            assert!(
                matches!(result.content.as_slice(),
                    [ToolResultContent::Text(t)] if t == refused),
                "{result:?}"
            );
        }
        other => panic!("expected one tool result, got {other:?}"),
    }
    assert_eq!(
        conversation.usage.total_tokens, 30,
        "usage is summed over both rounds"
    );
    assert_eq!(conversation.messages.len(), 4);
}
