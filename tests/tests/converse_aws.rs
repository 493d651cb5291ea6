//! Converse and ConverseStream through the connector over the AWS SDK backend pointed at the
//! emulator: plain text, system prompts, several turns, images, documents, the typed-tool loop
//! (whole and streamed), reasoning signatures sent back, prompt-cache reads on a second call,
//! CountTokens, and Bedrock's refusal of each feature a model lacks. Every answer and every
//! error is compared with the in-process simulator's for the same request: the two backends
//! give identical results.

mod support;

use std::sync::{Arc, Mutex};

use bedrock_connector::{Connector, ConnectorBuilderExt as _, ErrorKind};
use bedrock_core::converse::tools::{Tool, ToolLoopEvent, ToolLoopOptions, Toolbox};
use bedrock_core::converse::{
    CachePointBlock, ContentBlock, ConversationRole, ConverseAccumulator, ConverseImageFormat,
    ConverseReply, ConverseRequest, ConverseResponse, ConverseStopReason, ConverseStreamEvent,
    DocumentBlock, DocumentFormat, ImageBlock, MediaSource, Message, ReasoningBlock,
    SystemContentBlock, ToolChoice, ToolInputSchema, ToolResultContent, ToolResultStatus,
    ToolSpecification,
};
use bedrock_core::{BoxError, Error, ModelId};
use bedrock_emulator::EmulatorHandle;
use bedrock_simulator::{MockBackend, SimulatorConfig};
use futures::TryStreamExt as _;
use serde_json::json;
use support::{example_aws_connector, model_id as id, start_emulator, with_simulator, within};

const SEED: u64 = 20_240_307;

/// Tools, images, documents; no reasoning, no prompt caching.
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// Prompt caching and CountTokens.
const HAIKU_35: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
/// CountTokens, on demand.
const SONNET_35: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";
/// Reasoning (extended thinking), through its inference profile.
const SONNET_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
/// No system prompt, no images, no tools.
const TITAN: &str = "amazon.titan-text-express-v1";
/// No documents either.
const TITAN_PREMIER: &str = "amazon.titan-text-premier-v1:0";
/// Tools with Converse only, and only `auto` tool choice.
const LLAMA_31: &str = "us.meta.llama3-1-8b-instruct-v1:0";
/// One user turn only.
const COMMAND_LIGHT: &str = "cohere.command-light-text-v14";

/// The connector over the AWS SDK backend at an emulator, the connector over the in-process
/// simulator, both seeded alike, and the emulator.
struct Both {
    aws: Connector,
    mock: Connector,
    emulator: EmulatorHandle,
}

async fn both() -> Both {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(SEED))).await;
    let aws = example_aws_connector(emulator.url());
    let mock = Connector::builder()
        .default_adapters()
        .backend(Arc::new(MockBackend::new(SimulatorConfig::with_seed(SEED))))
        .build()
        .expect("the mock connector builds");
    Both {
        aws,
        mock,
        emulator,
    }
}

impl Both {
    /// Converse over both backends; the answers (or the errors) must agree. The AWS backend's
    /// reply is returned.
    async fn converse(
        &self,
        model: &str,
        request: ConverseRequest,
    ) -> Result<ConverseReply, Error> {
        let model = id(model);
        let aws = within(
            "converse over AWS",
            self.aws.converse(&model, request.clone()),
        )
        .await;
        let mock = within(
            "converse over the mock",
            self.mock.converse(&model, request),
        )
        .await;
        same_outcome(
            &model,
            &aws.as_ref().map(|r| &r.response),
            &mock.as_ref().map(|r| &r.response),
        );
        if let Ok(reply) = &aws {
            let m = &reply.metadata;
            assert!(m.request_id.is_some(), "{model}: a request id");
            assert_eq!(m.attempts, Some(1), "{model}");
            assert_eq!(m.input_tokens, Some(reply.response.usage.input_tokens));
            assert_eq!(m.output_tokens, Some(reply.response.usage.output_tokens));
            assert_eq!(
                m.cache_read_input_tokens,
                reply.response.usage.cache_read_input_tokens
            );
        }
        aws
    }

    /// ConverseStream over both backends; the events (or the errors) must agree, and the
    /// events must add up to what Converse answers. The AWS backend's events are returned.
    async fn converse_stream(
        &self,
        model: &str,
        request: ConverseRequest,
    ) -> Result<Vec<ConverseStreamEvent>, Error> {
        let model = id(model);
        let aws = within(
            "stream over AWS",
            collect(&self.aws, &model, request.clone()),
        )
        .await;
        let mock = within("stream over the mock", collect(&self.mock, &model, request)).await;
        match (&aws, &mock) {
            (Ok(a), Ok(m)) => assert_eq!(a, m, "{model}: the same events"),
            (Err(a), Err(m)) => same_error(&model, a, m),
            (a, m) => panic!("{model}: AWS gave {a:?}, the mock {m:?}"),
        }
        aws
    }
}

async fn collect(
    connector: &Connector,
    model: &ModelId,
    request: ConverseRequest,
) -> Result<Vec<ConverseStreamEvent>, Error> {
    let reply = connector.converse_stream(model, request).await?;
    reply.events.try_collect().await
}

fn same_error(model: &ModelId, aws: &Error, mock: &Error) {
    assert_eq!(aws.kind(), mock.kind(), "{model}: {aws} / {mock}");
    assert_eq!(
        aws.service_message(),
        mock.service_message(),
        "{model}: the same message"
    );
}

fn same_outcome(
    model: &ModelId,
    aws: &Result<&ConverseResponse, &Error>,
    mock: &Result<&ConverseResponse, &Error>,
) {
    match (aws, mock) {
        (Ok(a), Ok(m)) => assert_eq!(a, m, "{model}: the same response"),
        (Err(a), Err(m)) => same_error(model, a, m),
        (a, m) => panic!("{model}: AWS gave {a:?}, the mock {m:?}"),
    }
}

/// The events of a stream as the whole response.
fn accumulate(events: &[ConverseStreamEvent]) -> ConverseResponse {
    let mut acc = ConverseAccumulator::new();
    for e in events {
        acc.push(e).expect("events in order");
    }
    acc.finish().expect("a whole response")
}

/// A 2x2 RGB PNG.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 2, 2);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a header");
    writer
        .write_image_data(&[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
        .expect("pixels");
    writer.finish().expect("a PNG");
    out
}

fn with_block(prompt: &str, block: ContentBlock) -> ConverseRequest {
    let mut request = ConverseRequest::new(prompt);
    request.messages[0].content.push(block);
    request
}

fn image_block() -> ContentBlock {
    ContentBlock::Image(ImageBlock {
        format: ConverseImageFormat::Png,
        source: MediaSource::Bytes(png()),
    })
}

fn document_block() -> ContentBlock {
    ContentBlock::Document(DocumentBlock {
        format: DocumentFormat::Txt,
        name: "Tide table".to_owned(),
        source: MediaSource::Bytes(b"High tide 06:12, low tide 12:30.".to_vec()),
    })
}

fn conversation() -> ConverseRequest {
    ConverseRequest::from_messages(vec![
        Message::user("Name a sea bird."),
        Message::assistant("The puffin."),
        Message::user("Where does it nest?"),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_text_system_prompts_and_several_turns_answer_alike() {
    let both = both().await;
    let plain = both
        .converse(HAIKU, ConverseRequest::new("Say something about the sea."))
        .await
        .expect("plain text");
    assert_eq!(plain.response.stop_reason, ConverseStopReason::EndTurn);
    assert!(!plain.response.text().is_empty());
    assert_eq!(plain.response.message().role, ConversationRole::Assistant);

    let with_system = both
        .converse(
            HAIKU,
            ConverseRequest::new("Say something about the sea.").with_system("Answer in verse."),
        )
        .await
        .expect("a system prompt");
    assert!(
        with_system.response.usage.input_tokens > plain.response.usage.input_tokens,
        "the system prompt counts as input"
    );

    let multi = both
        .converse(TITAN, conversation())
        .await
        .expect("several turns");
    assert!(!multi.response.text().is_empty());

    let short = both
        .converse(HAIKU, ConverseRequest::new("Say a lot.").with_max_tokens(3))
        .await
        .expect("max tokens");
    assert_eq!(short.response.stop_reason, ConverseStopReason::MaxTokens);
    assert!(short.response.usage.output_tokens <= 3);

    // The streamed answers add up to the whole ones.
    for (model, request) in [
        (HAIKU, ConverseRequest::new("Say something about the sea.")),
        (TITAN, conversation()),
    ] {
        let events = both
            .converse_stream(model, request.clone())
            .await
            .expect("a stream");
        let whole = both.converse(model, request).await.expect("whole");
        assert_eq!(accumulate(&events), whole.response, "{model}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_and_documents_reach_the_model() {
    let both = both().await;
    let image = both
        .converse(HAIKU, with_block("What is in this picture?", image_block()))
        .await
        .expect("an image");
    assert!(!image.response.text().is_empty());
    let document = both
        .converse(HAIKU, with_block("When is high tide?", document_block()))
        .await
        .expect("a document");
    assert!(!document.response.text().is_empty());
    let both_inputs = both
        .converse(HAIKU, {
            let mut r = with_block("Compare.", image_block());
            r.messages[0].content.push(document_block());
            r
        })
        .await
        .expect("both");
    assert!(
        both_inputs.response.usage.input_tokens > image.response.usage.input_tokens,
        "the document counts as input"
    );
    both.converse_stream(HAIKU, with_block("Describe it.", image_block()))
        .await
        .expect("an image, streamed");
}

/// What the weather tool was called with.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
struct WeatherInput {
    /// The city.
    city: String,
}

#[derive(Clone, Default)]
struct Weather {
    inputs: Arc<Mutex<Vec<WeatherInput>>>,
}

#[async_trait::async_trait]
impl Tool for Weather {
    type Input = WeatherInput;
    type Output = String;

    fn name(&self) -> &str {
        "weather"
    }

    fn description(&self) -> &str {
        "Today's weather in a city."
    }

    async fn call(&self, input: WeatherInput) -> Result<String, BoxError> {
        let answer = format!("sunny in {}", input.city);
        self.inputs.lock().expect("inputs").push(input);
        Ok(answer)
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct StocksInput {
    /// The ticker symbol.
    symbol: String,
}

struct Stocks;

#[async_trait::async_trait]
impl Tool for Stocks {
    type Input = StocksInput;
    type Output = String;

    fn name(&self) -> &str {
        "stocks"
    }

    fn description(&self) -> &str {
        "A stock's price."
    }

    async fn call(&self, input: StocksInput) -> Result<String, BoxError> {
        Err(format!("the stock service is down, no price for {}", input.symbol).into())
    }
}

const TOOL_PROMPT: &str = "Use weather and stocks, then tell me what to do today.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_tool_loop_runs_two_tools_and_tells_the_model_which_failed() {
    let both = both().await;
    let weather = Weather::default();
    let toolbox = Toolbox::new()
        .with(weather.clone())
        .and_then(|t| t.with(Stocks))
        .expect("a toolbox");
    let model = id(HAIKU);
    let call = both
        .aws
        .converse_call(&model, ConverseRequest::new(TOOL_PROMPT));
    let done = within(
        "the tool loop over AWS",
        both.aws
            .converse_with_tools(call.clone(), &toolbox, ToolLoopOptions::default()),
    )
    .await
    .expect("the conversation finishes");

    assert_eq!(done.rounds, 2);
    assert_eq!(done.response.stop_reason, ConverseStopReason::EndTurn);
    let roles: Vec<ConversationRole> = done.messages.iter().map(|m| m.role).collect();
    use ConversationRole::{Assistant, User};
    assert_eq!(roles, [User, Assistant, User, Assistant]);

    // The model asked for both tools; the weather tool ran with the input the model generated.
    let uses: Vec<_> = done.messages[1].tool_uses().cloned().collect();
    let names: Vec<&str> = uses.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["weather", "stocks"]);
    let generated: WeatherInput =
        serde_json::from_value(uses[0].input.clone()).expect("the input fits the schema");
    assert_eq!(
        *weather.inputs.lock().expect("inputs"),
        std::slice::from_ref(&generated),
        "the tool ran once, with the model's input"
    );

    // The results went back: one success, one error with the tool's message.
    let results: Vec<_> = done.messages[2]
        .content
        .iter()
        .map(|b| match b {
            ContentBlock::ToolResult(r) => r.clone(),
            other => panic!("expected tool results, got {other:?}"),
        })
        .collect();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].tool_use_id, uses[0].tool_use_id);
    assert_eq!(results[0].status, Some(ToolResultStatus::Success));
    assert_eq!(
        results[0].content,
        [ToolResultContent::Text(format!(
            "sunny in {}",
            generated.city
        ))]
    );
    assert_eq!(results[1].tool_use_id, uses[1].tool_use_id);
    assert_eq!(results[1].status, Some(ToolResultStatus::Error));
    assert!(
        matches!(results[1].content.as_slice(),
            [ToolResultContent::Text(t)] if t.starts_with("the stock service is down, no price for ")),
        "{:?}",
        results[1].content
    );
    let text = done.text();
    assert!(
        text.contains(&format!("sunny in {}", generated.city))
            && text.contains("the stock service is down"),
        "the final answer uses both results: {text}"
    );
    assert_eq!(done.tool_calls.len(), 2);
    assert!(done.usage.output_tokens > done.response.usage.output_tokens);

    // The in-process simulator holds the same conversation.
    let mock = within(
        "the tool loop over the mock",
        both.mock
            .converse_with_tools(call, &toolbox, ToolLoopOptions::default()),
    )
    .await
    .expect("the conversation finishes");
    assert_eq!(mock, done);
    let converse_calls = both
        .emulator
        .simulator()
        .request_log()
        .iter()
        .filter(|e| e.model_id.as_deref() == Some(HAIKU))
        .count();
    assert_eq!(converse_calls, 2, "one call per round reached the emulator");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streaming_tool_loop_yields_tool_events_and_ends_as_the_whole_loop() {
    let both = both().await;
    let toolbox = Toolbox::new()
        .with(Weather::default())
        .and_then(|t| t.with(Stocks))
        .expect("a toolbox");
    let model = id(HAIKU);
    let call = both
        .aws
        .converse_call(&model, ConverseRequest::new(TOOL_PROMPT));
    let events: Vec<ToolLoopEvent> = within(
        "the streamed tool loop",
        both.aws
            .converse_stream_with_tools(call.clone(), toolbox.clone(), ToolLoopOptions::default())
            .try_collect(),
    )
    .await
    .expect("the streamed conversation finishes");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            ToolLoopEvent::Model(_) => "model",
            ToolLoopEvent::ToolCall(_) => "call",
            ToolLoopEvent::ToolResult(_) => "result",
            ToolLoopEvent::Done(_) => "done",
        })
        .collect();
    let first_call = kinds.iter().position(|k| *k == "call").expect("tool calls");
    let first_result = kinds.iter().position(|k| *k == "result").expect("results");
    assert!(first_call < first_result);
    assert_eq!(kinds.iter().filter(|k| **k == "call").count(), 2);
    assert_eq!(kinds.last(), Some(&"done"));
    assert!(
        kinds[first_result..].contains(&"model"),
        "the second round streams after the results"
    );
    let Some(ToolLoopEvent::Done(streamed)) = events.last() else {
        panic!("the last event is Done");
    };
    let whole = within(
        "the whole tool loop",
        both.aws
            .converse_with_tools(call, &toolbox, ToolLoopOptions::default()),
    )
    .await
    .expect("the whole loop");
    assert_eq!(streamed.messages, whole.messages);
    assert_eq!(streamed.usage, whole.usage);
    assert_eq!(streamed.rounds, 2);
}

fn thinking(prompt: &str) -> ConverseRequest {
    let mut request = ConverseRequest::new(prompt).with_max_tokens(2048);
    request.additional_model_request_fields =
        Some(json!({"thinking": {"type": "enabled", "budget_tokens": 1024}}));
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reasoning_signature_sent_back_unchanged_is_accepted_and_a_changed_one_refused() {
    let both = both().await;
    let first = both
        .converse(SONNET_37, thinking("Is 91 prime?"))
        .await
        .expect("reasoning");
    let message = first.response.message().clone();
    let Some(ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(reasoning))) =
        message.content.first()
    else {
        panic!("reasoning comes first: {message:?}");
    };
    assert!(reasoning.signature.is_some(), "with a signature");

    let mut next = thinking("Is 91 prime?");
    next.push(message.clone());
    next.push(Message::user("And 97?"));
    let second = both
        .converse(SONNET_37, next.clone())
        .await
        .expect("the signature is accepted");
    assert_eq!(second.response.stop_reason, ConverseStopReason::EndTurn);

    // The same over ConverseStream: the signature arrives as a delta and goes back unchanged.
    let events = both
        .converse_stream(SONNET_37, thinking("Is 91 prime?"))
        .await
        .expect("streamed reasoning");
    assert_eq!(accumulate(&events).message(), &message);

    let mut tampered = next;
    if let ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) =
        &mut tampered.messages[1].content[0]
    {
        r.text.push_str(" Changed.");
    }
    let err = both
        .converse(SONNET_37, tampered)
        .await
        .expect_err("a changed reasoning text");
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert!(
        err.service_message()
            .is_some_and(|m| m.contains("Invalid `signature`")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_point_gives_cache_read_tokens_on_the_second_call() {
    let both = both().await;
    let long_system = "You answer questions about tides and the sea. ".repeat(300);
    let request = {
        let mut r = ConverseRequest::new("When is high tide?");
        r.system = vec![
            SystemContentBlock::Text(long_system),
            SystemContentBlock::CachePoint(CachePointBlock::default()),
        ];
        r
    };
    let first = both
        .converse(HAIKU_35, request.clone())
        .await
        .expect("the first call");
    let written = first.response.usage.cache_write_input_tokens.unwrap_or(0);
    assert!(
        written > 0,
        "the first call writes the prefix: {:?}",
        first.response.usage
    );
    assert_eq!(first.response.usage.cache_read_input_tokens.unwrap_or(0), 0);

    let second = both
        .converse(HAIKU_35, request.clone())
        .await
        .expect("the second call");
    assert_eq!(
        second.response.usage.cache_read_input_tokens,
        Some(written),
        "the second call reads what the first wrote"
    );
    assert_eq!(second.metadata.cache_read_input_tokens, Some(written));
    assert_eq!(
        second.response.usage.cache_write_input_tokens.unwrap_or(0),
        0
    );

    // A third call, streamed, reads it too.
    let events = both
        .converse_stream(HAIKU_35, request)
        .await
        .expect("streamed");
    assert_eq!(
        accumulate(&events).usage.cache_read_input_tokens,
        Some(written)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_answers_as_the_mock_does() {
    let both = both().await;
    let request = ConverseRequest::new("How many tokens is this?").with_system("Be brief.");
    let model = id(SONNET_35);
    let aws = within("count over AWS", both.aws.count_tokens(&model, &request))
        .await
        .expect("counted");
    let mock = within(
        "count over the mock",
        both.mock.count_tokens(&model, &request),
    )
    .await
    .expect("counted");
    assert_eq!(aws, mock);
    assert!(aws > 0);
    let reply = both.converse(SONNET_35, request).await.expect("converse");
    assert_eq!(aws, reply.response.usage.input_tokens);

    let err = within(
        "count for a model without CountTokens",
        both.aws
            .count_tokens(&id(TITAN), &ConverseRequest::new("hi")),
    )
    .await
    .expect_err("not supported");
    let mock_err = within(
        "count over the mock",
        both.mock
            .count_tokens(&id(TITAN), &ConverseRequest::new("hi")),
    )
    .await
    .expect_err("not supported");
    same_error(&id(TITAN), &err, &mock_err);
}

fn tool_spec(name: &str) -> ToolSpecification {
    ToolSpecification {
        name: name.to_owned(),
        description: Some("A tool.".to_owned()),
        input_schema: ToolInputSchema::Json(json!({
            "type": "object",
            "properties": {"q": {"type": "string"}},
            "required": ["q"]
        })),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_feature_a_model_lacks_is_refused_with_bedrocks_error() {
    let both = both().await;
    let cases: Vec<(&str, &str, ConverseRequest, ErrorKind, &str)> = vec![
        (
            "system prompt",
            TITAN,
            ConverseRequest::new("hi").with_system("Be brief."),
            ErrorKind::Validation,
            "doesn't support system messages",
        ),
        (
            "image",
            TITAN,
            with_block("What is this?", image_block()),
            ErrorKind::Validation,
            "doesn't support the image content block",
        ),
        (
            "document",
            TITAN_PREMIER,
            with_block("Read this.", document_block()),
            ErrorKind::Validation,
            "doesn't support the document content block",
        ),
        (
            "tool use",
            TITAN,
            ConverseRequest::new("hi").with_tool(tool_spec("search")),
            ErrorKind::Validation,
            "doesn't support tool use",
        ),
        (
            "forced tool choice",
            LLAMA_31,
            ConverseRequest::new("hi")
                .with_tool(tool_spec("search"))
                .with_tool_choice(ToolChoice::Any {}),
            ErrorKind::Validation,
            "toolConfig.toolChoice.any",
        ),
        (
            "reasoning",
            HAIKU,
            thinking("Is 91 prime?"),
            ErrorKind::Validation,
            "thinking",
        ),
        (
            "several turns",
            COMMAND_LIGHT,
            conversation(),
            ErrorKind::Validation,
            "multi-turn",
        ),
        (
            "prompt caching",
            HAIKU,
            with_block("hi", ContentBlock::CachePoint(CachePointBlock::default())),
            ErrorKind::AccessDenied,
            "prompt caching",
        ),
    ];
    for (feature, model, request, kind, words) in cases {
        let err = both
            .converse(model, request.clone())
            .await
            .expect_err(feature);
        assert_eq!(err.kind(), kind, "{feature}: {err}");
        let details = err.service_details().expect("Bedrock's error");
        assert!(
            details.message.contains(words),
            "{feature}: {}",
            details.message
        );
        assert!(details.request_id.is_some(), "{feature}");
        let expected_type = match kind {
            ErrorKind::AccessDenied => "AccessDeniedException",
            _ => "ValidationException",
        };
        assert_eq!(
            details.error_type.as_deref(),
            Some(expected_type),
            "{feature}"
        );
        assert_eq!(
            details.status,
            Some(if kind == ErrorKind::Validation {
                400
            } else {
                403
            })
        );
        // ConverseStream refuses it too, before the stream opens (a model without tools in
        // streaming mode says so first).
        let streamed = both
            .converse_stream(model, request)
            .await
            .expect_err(feature);
        assert_eq!(streamed.kind(), err.kind(), "{feature}: {streamed}");
    }

    // Tools with ConverseStream for a model that uses tools with Converse only.
    let tools = ConverseRequest::new("search for tides").with_tool(tool_spec("search"));
    both.converse(LLAMA_31, tools.clone())
        .await
        .expect("tools with Converse");
    let err = both
        .converse_stream(LLAMA_31, tools)
        .await
        .expect_err("no tools in streaming mode");
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(
        err.service_message()
            .is_some_and(|m| m.contains("tool use in streaming mode")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_and_the_emulator_answer_every_chat_family_alike() {
    let both = both().await;
    let models = [
        HAIKU,
        HAIKU_35,
        TITAN,
        TITAN_PREMIER,
        LLAMA_31,
        COMMAND_LIGHT,
        "amazon.nova-lite-v1:0",
        "amazon.nova-micro-v1:0",
        "mistral.mistral-large-2407-v1:0",
        "cohere.command-r-v1:0",
        "ai21.jamba-1-5-mini-v1:0",
        "deepseek.r1-v1:0",
        "meta.llama3-8b-instruct-v1:0",
        // An inference-profile-only model by its bare id: Bedrock's own refusal, alike.
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
    ];
    let requests = [
        ConverseRequest::new("Tell me about tides.").with_max_tokens(40),
        ConverseRequest::new("Tell me about tides.")
            .with_system("Be brief.")
            .with_temperature(0.2),
        conversation(),
    ];
    // Calls the connector refuses before sending (a bare id of a profile-only model) never
    // reach the emulator; every other call does, once.
    let sent = |outcome: Option<&Error>| !matches!(outcome, Some(Error::InvalidInput(_)));
    let mut expected = 0;
    for model in models {
        for request in &requests {
            // Each call compares the two backends; whatever either answers, they agree.
            let whole = both.converse(model, request.clone()).await;
            expected += usize::from(sent(whole.as_ref().err()));
            let streamed = both.converse_stream(model, request.clone()).await;
            expected += usize::from(sent(streamed.as_ref().err()));
        }
    }
    assert!(expected > models.len() * 3, "most calls were sent");
    let log = both.emulator.simulator().request_log();
    assert_eq!(
        log.len(),
        expected,
        "each sent call reached the emulator once"
    );
    // And an unknown model is Bedrock's error on both.
    let err = both
        .converse("amazon.no-such-model-v1:0", ConverseRequest::new("hi"))
        .await
        .expect_err("unknown model");
    assert!(
        matches!(err.kind(), ErrorKind::NotFound | ErrorKind::Validation),
        "{err}"
    );
}
