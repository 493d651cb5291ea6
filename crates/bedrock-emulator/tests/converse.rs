//! Converse, ConverseStream and CountTokens over HTTP: the unmodified aws-sdk-bedrockruntime
//! client against the emulator (plain text, system prompt, multi-turn, image and document
//! input, a two-round tool-use exchange, reasoning signatures, cache points, one refusal per
//! unsupported feature, mid-stream exceptions), the wire format against the in-process
//! simulator, and strict request parsing.

mod common;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata as _;
use aws_sdk_bedrockruntime::types::{
    AnyToolChoice, CachePointBlock, CachePointType, ContentBlock, ContentBlockDelta,
    ContentBlockStart, ConversationRole, ConverseStreamOutput, ConverseTokensRequest,
    CountTokensInput, DocumentBlock, DocumentFormat, DocumentSource, ImageBlock, ImageFormat,
    ImageSource, InferenceConfiguration, Message, ReasoningContentBlock,
    ReasoningContentBlockDelta, StopReason, SystemContentBlock, Tool, ToolChoice,
    ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolResultStatus,
    ToolSpecification,
};
use aws_smithy_types::{Blob, Document, Number};
use bedrock_core::Region;
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorHandle, Fault, FaultRule,
    Operation, Simulator, SimulatorConfig, StreamErrorKind,
};
use bedrock_simulator::{SimConverseEvent, SimConverseRequest, stream_events};
use common::{Signer, frame_header, plain, send};
use futures::StreamExt as _;
use serde_json::{Value, json};

const HAIKU3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const HAIKU35_US: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
const SONNET37: &str = "anthropic.claude-3-7-sonnet-20250219-v1:0";
const SONNET37_US: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const TITAN: &str = "amazon.titan-text-express-v1";
const NOVA_MICRO: &str = "amazon.nova-micro-v1:0";
const LLAMA31_US: &str = "us.meta.llama3-1-70b-instruct-v1:0";
const EMBED: &str = "amazon.titan-embed-text-v2:0";

async fn start(seed: u64) -> EmulatorHandle {
    Emulator::builder()
        .simulator(Simulator::new(SimulatorConfig::with_seed(seed)))
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("the emulator starts")
}

fn client(emulator: &EmulatorHandle) -> Client {
    let creds = aws_credential_types::Credentials::new(
        EXAMPLE_ACCESS_KEY_ID,
        EXAMPLE_SECRET_ACCESS_KEY,
        None,
        None,
        "example",
    );
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .endpoint_url(emulator.url())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

fn to_doc(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Document::Number(Number::PosInt(u)),
            (None, Some(i)) => Document::Number(Number::NegInt(i)),
            _ => Document::Number(Number::Float(n.as_f64().unwrap())),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_doc).collect()),
        Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), to_doc(v))).collect())
        }
    }
}

fn from_doc(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => json!(b),
        Document::Number(Number::PosInt(u)) => json!(u),
        Document::Number(Number::NegInt(i)) => json!(i),
        Document::Number(Number::Float(f)) => json!(f),
        Document::String(s) => json!(s),
        Document::Array(a) => Value::Array(a.iter().map(from_doc).collect()),
        Document::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), from_doc(v))).collect())
        }
    }
}

fn user(blocks: Vec<ContentBlock>) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .set_content(Some(blocks))
        .build()
        .unwrap()
}

fn text(t: &str) -> ContentBlock {
    ContentBlock::Text(t.to_owned())
}

fn weather_tool() -> Tool {
    Tool::ToolSpec(
        ToolSpecification::builder()
            .name("get_weather")
            .description("Current weather for a city.")
            .input_schema(ToolInputSchema::Json(to_doc(&json!({
                "type": "object",
                "properties": {
                    "city": {"type": "string", "minLength": 2},
                    "unit": {"enum": ["celsius", "fahrenheit"]},
                    "days": {"type": "integer", "minimum": 1, "maximum": 7}
                },
                "required": ["city", "unit", "days"]
            }))))
            .build()
            .unwrap(),
    )
}

fn tools(choice: Option<ToolChoice>) -> ToolConfiguration {
    ToolConfiguration::builder()
        .tools(weather_tool())
        .set_tool_choice(choice)
        .build()
        .unwrap()
}

fn png() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
        .unwrap()
}

fn message_text(m: &Message) -> String {
    m.content()
        .iter()
        .filter_map(|b| b.as_text().ok().cloned())
        .collect()
}

/// The text of a ConverseStream and its events' names.
struct Streamed {
    names: Vec<&'static str>,
    text: String,
    tool_input: String,
    tool_start: Option<(String, String)>,
    reasoning: String,
    signature: Option<String>,
    stop: Option<StopReason>,
    output_tokens: Option<i32>,
    error: Option<(String, String)>,
}

async fn stream(
    out: aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamOutput,
) -> Streamed {
    let mut s = Streamed {
        names: vec![],
        text: String::new(),
        tool_input: String::new(),
        tool_start: None,
        reasoning: String::new(),
        signature: None,
        stop: None,
        output_tokens: None,
        error: None,
    };
    let mut receiver = out.stream;
    loop {
        match receiver.recv().await {
            Ok(Some(event)) => match event {
                ConverseStreamOutput::MessageStart(_) => s.names.push("messageStart"),
                ConverseStreamOutput::ContentBlockStart(e) => {
                    s.names.push("contentBlockStart");
                    if let Some(ContentBlockStart::ToolUse(t)) = e.start() {
                        s.tool_start = Some((t.tool_use_id().to_owned(), t.name().to_owned()));
                    }
                }
                ConverseStreamOutput::ContentBlockDelta(e) => {
                    s.names.push("contentBlockDelta");
                    match e.delta() {
                        Some(ContentBlockDelta::Text(t)) => s.text.push_str(t),
                        Some(ContentBlockDelta::ToolUse(t)) => s.tool_input.push_str(t.input()),
                        Some(ContentBlockDelta::ReasoningContent(
                            ReasoningContentBlockDelta::Text(t),
                        )) => s.reasoning.push_str(t),
                        Some(ContentBlockDelta::ReasoningContent(
                            ReasoningContentBlockDelta::Signature(sig),
                        )) => s.signature = Some(sig.clone()),
                        other => panic!("unexpected delta {other:?}"),
                    }
                }
                ConverseStreamOutput::ContentBlockStop(_) => s.names.push("contentBlockStop"),
                ConverseStreamOutput::MessageStop(e) => {
                    s.names.push("messageStop");
                    s.stop = Some(e.stop_reason().clone());
                }
                ConverseStreamOutput::Metadata(e) => {
                    s.names.push("metadata");
                    s.output_tokens = e.usage().map(|u| u.output_tokens());
                }
                other => panic!("unexpected event {other:?}"),
            },
            Ok(None) => break,
            Err(e) => {
                // The event's variant is chosen from the frame's `:exception-type`.
                let service = e.into_service_error();
                let kind = if service.is_model_stream_error_exception() {
                    "modelStreamErrorException"
                } else if service.is_validation_exception() {
                    "validationException"
                } else if service.is_throttling_exception() {
                    "throttlingException"
                } else {
                    "other"
                };
                s.error = Some((
                    kind.to_owned(),
                    service.message().unwrap_or_default().to_owned(),
                ));
                break;
            }
        }
    }
    s
}

#[tokio::test]
async fn plain_text_system_prompt_and_multi_turn() {
    let emulator = start(1).await;
    let client = client(&emulator);
    let first = client
        .converse()
        .model_id(HAIKU3)
        .messages(user(vec![text("Describe a lighthouse on a stormy night.")]))
        .system(SystemContentBlock::Text("Answer in plain words.".into()))
        .inference_config(InferenceConfiguration::builder().max_tokens(40).build())
        .send()
        .await
        .unwrap();
    let message = first.output().unwrap().as_message().unwrap().clone();
    assert!(!message_text(&message).is_empty());
    assert!(matches!(
        first.stop_reason(),
        StopReason::EndTurn | StopReason::MaxTokens
    ));
    let usage = first.usage().unwrap();
    assert_eq!(usage.input_tokens(), 7 + 4);
    assert_eq!(
        usage.total_tokens(),
        usage.input_tokens() + usage.output_tokens()
    );
    assert!(first.metrics().unwrap().latency_ms() > 0);
    // The same request answers the same text.
    let again = client
        .converse()
        .model_id(HAIKU3)
        .messages(user(vec![text("Describe a lighthouse on a stormy night.")]))
        .system(SystemContentBlock::Text("Answer in plain words.".into()))
        .inference_config(InferenceConfiguration::builder().max_tokens(40).build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_text(again.output().unwrap().as_message().unwrap()),
        message_text(&message)
    );
    // A second turn.
    let second = client
        .converse()
        .model_id(HAIKU3)
        .messages(user(vec![text("Describe a lighthouse on a stormy night.")]))
        .messages(message.clone())
        .messages(user(vec![text("Now shorter.")]))
        .inference_config(InferenceConfiguration::builder().max_tokens(3).build())
        .send()
        .await
        .unwrap();
    assert_eq!(second.stop_reason(), &StopReason::MaxTokens);
    assert_eq!(second.usage().unwrap().output_tokens(), 3);
    // The same conversation streamed.
    let streamed = stream(
        client
            .converse_stream()
            .model_id(HAIKU3)
            .messages(user(vec![text("Describe a lighthouse on a stormy night.")]))
            .system(SystemContentBlock::Text("Answer in plain words.".into()))
            .inference_config(InferenceConfiguration::builder().max_tokens(40).build())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(streamed.text, message_text(&message));
    assert_eq!(streamed.names.first(), Some(&"messageStart"));
    assert_eq!(streamed.names.last(), Some(&"metadata"));
    assert_eq!(streamed.output_tokens, Some(usage.output_tokens()));
}

#[tokio::test]
async fn image_and_document_input() {
    let emulator = start(2).await;
    let client = client(&emulator);
    let image = ImageBlock::builder()
        .format(ImageFormat::Png)
        .source(ImageSource::Bytes(Blob::new(png())))
        .build()
        .unwrap();
    let doc = DocumentBlock::builder()
        .format(DocumentFormat::Txt)
        .name("harbor notes")
        .source(DocumentSource::Bytes(Blob::new(
            b"The harbor opens at nine.".to_vec(),
        )))
        .build()
        .unwrap();
    let out = client
        .converse()
        .model_id(HAIKU3)
        .messages(user(vec![
            text("Compare the picture with the notes."),
            ContentBlock::Image(image.clone()),
            ContentBlock::Document(doc.clone()),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(out.usage().unwrap().input_tokens(), 6 + 1 + 5);
    // Claude 3.5 Haiku has no vision; Nova Micro no document chat.
    let err = client
        .converse()
        .model_id(HAIKU35_US)
        .messages(user(vec![
            text("What is this?"),
            ContentBlock::Image(image),
        ]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some(bedrock_simulator::NO_IMAGES));
    let err = client
        .converse()
        .model_id(NOVA_MICRO)
        .messages(user(vec![text("Summarise."), ContentBlock::Document(doc)]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.message(), Some(bedrock_simulator::NO_DOCUMENTS));
}

#[tokio::test]
async fn a_two_round_tool_use_exchange_whole_and_streamed() {
    let emulator = start(3).await;
    let client = client(&emulator);
    let question = user(vec![text("Please call get_weather for Lisbon.")]);
    let first = client
        .converse()
        .model_id(HAIKU3)
        .messages(question.clone())
        .tool_config(tools(None))
        .send()
        .await
        .unwrap();
    assert_eq!(first.stop_reason(), &StopReason::ToolUse);
    let assistant = first.output().unwrap().as_message().unwrap().clone();
    let tool_use = assistant
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .unwrap()
        .clone();
    assert_eq!(tool_use.name(), "get_weather");
    assert!(tool_use.tool_use_id().starts_with("tooluse_"));
    let input = from_doc(tool_use.input());
    let schema = json!({
        "type": "object",
        "properties": {"city": {"type": "string", "minLength": 2}, "unit": {"enum": ["celsius", "fahrenheit"]}, "days": {"type": "integer", "minimum": 1, "maximum": 7}},
        "required": ["city", "unit", "days"]
    });
    assert!(jsonschema::is_valid(&schema, &input), "{input}");
    // The tool's answer goes back; the model uses it.
    let result = ToolResultBlock::builder()
        .tool_use_id(tool_use.tool_use_id())
        .content(ToolResultContentBlock::Json(to_doc(
            &json!({"temperature": 19}),
        )))
        .build()
        .unwrap();
    let second = client
        .converse()
        .model_id(HAIKU3)
        .messages(question.clone())
        .messages(assistant.clone())
        .messages(user(vec![ContentBlock::ToolResult(result)]))
        .tool_config(tools(None))
        .send()
        .await
        .unwrap();
    assert_eq!(second.stop_reason(), &StopReason::EndTurn);
    let answer = message_text(second.output().unwrap().as_message().unwrap());
    assert!(answer.contains(r#"{"temperature":19}"#), "{answer}");
    // A failed tool is reported.
    let failed = ToolResultBlock::builder()
        .tool_use_id(tool_use.tool_use_id())
        .content(ToolResultContentBlock::Text(
            "the weather service is down".into(),
        ))
        .status(ToolResultStatus::Error)
        .build()
        .unwrap();
    let third = client
        .converse()
        .model_id(HAIKU3)
        .messages(question.clone())
        .messages(assistant.clone())
        .messages(user(vec![ContentBlock::ToolResult(failed)]))
        .tool_config(tools(None))
        .send()
        .await
        .unwrap();
    let answer = message_text(third.output().unwrap().as_message().unwrap());
    assert!(
        answer.contains("failed with the error: the weather service is down"),
        "{answer}"
    );
    // Streamed with tool choice `any`: a contentBlockStart names the tool, the input arrives
    // in fragments that parse to the same input as the whole call.
    let whole = client
        .converse()
        .model_id(HAIKU3)
        .messages(user(vec![text("Weather?")]))
        .tool_config(tools(Some(ToolChoice::Any(
            AnyToolChoice::builder().build(),
        ))))
        .send()
        .await
        .unwrap();
    let whole_use = whole
        .output()
        .unwrap()
        .as_message()
        .unwrap()
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .unwrap()
        .clone();
    let streamed = stream(
        client
            .converse_stream()
            .model_id(HAIKU3)
            .messages(user(vec![text("Weather?")]))
            .tool_config(tools(Some(ToolChoice::Any(
                AnyToolChoice::builder().build(),
            ))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        streamed.tool_start,
        Some((whole_use.tool_use_id().to_owned(), "get_weather".to_owned()))
    );
    let streamed_input: Value = serde_json::from_str(&streamed.tool_input).unwrap();
    assert_eq!(streamed_input, from_doc(whole_use.input()));
    assert_eq!(streamed.stop, Some(StopReason::ToolUse));
    assert!(streamed.names.contains(&"contentBlockStart"));
}

#[tokio::test]
async fn reasoning_signatures_go_back_and_tampering_is_refused() {
    let emulator = start(4).await;
    let client = client(&emulator);
    let thinking = to_doc(&json!({"thinking": {"type": "enabled", "budget_tokens": 1024}}));
    let question = user(vec![text("What is 17 times 23?")]);
    let first = client
        .converse()
        .model_id(SONNET37_US)
        .messages(question.clone())
        .inference_config(InferenceConfiguration::builder().max_tokens(2000).build())
        .additional_model_request_fields(thinking.clone())
        .send()
        .await
        .unwrap();
    let assistant = first.output().unwrap().as_message().unwrap().clone();
    let Some(ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(reasoning))) =
        assistant.content().first()
    else {
        panic!("reasoning first: {assistant:?}")
    };
    assert!(reasoning.signature().is_some());
    let next = |assistant: Message| {
        client
            .converse()
            .model_id(SONNET37_US)
            .messages(question.clone())
            .messages(assistant)
            .messages(user(vec![text("And times two?")]))
            .inference_config(InferenceConfiguration::builder().max_tokens(2000).build())
            .additional_model_request_fields(thinking.clone())
            .send()
    };
    next(assistant.clone()).await.unwrap();
    let mut blocks = assistant.content().to_vec();
    blocks[0] = ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(
        aws_sdk_bedrockruntime::types::ReasoningTextBlock::builder()
            .text(format!("{} Let me also reconsider.", reasoning.text()))
            .signature(reasoning.signature().unwrap())
            .build()
            .unwrap(),
    ));
    let tampered = Message::builder()
        .role(ConversationRole::Assistant)
        .set_content(Some(blocks))
        .build()
        .unwrap();
    let err = next(tampered).await.unwrap_err().into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some(bedrock_simulator::invalid_signature(1, 0).as_str())
    );
    // Streamed: reasoning text, then its signature.
    let streamed = stream(
        client
            .converse_stream()
            .model_id(SONNET37_US)
            .messages(question.clone())
            .inference_config(InferenceConfiguration::builder().max_tokens(2000).build())
            .additional_model_request_fields(thinking.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(streamed.reasoning, reasoning.text());
    assert_eq!(streamed.signature.as_deref(), reasoning.signature());
}

#[tokio::test]
async fn cache_points_give_cache_reads_on_the_second_call() {
    let emulator = start(5).await;
    let client = client(&emulator);
    let cache_point = CachePointBlock::builder()
        .r#type(CachePointType::Default)
        .build()
        .unwrap();
    let call = |question: &str| {
        client
            .converse()
            .model_id(SONNET37_US)
            .system(SystemContentBlock::Text(
                "You answer questions about the harbor manual.".into(),
            ))
            .system(SystemContentBlock::CachePoint(cache_point.clone()))
            .messages(user(vec![text(question)]))
            .send()
    };
    let first = call("When does the harbor open?").await.unwrap();
    let usage = first.usage().unwrap();
    assert_eq!(usage.cache_write_input_tokens(), Some(7));
    assert_eq!(usage.cache_read_input_tokens(), Some(0));
    let second = call("Who runs it?").await.unwrap();
    let usage = second.usage().unwrap();
    assert_eq!(usage.cache_read_input_tokens(), Some(7));
    assert_eq!(usage.cache_write_input_tokens(), Some(0));
    assert_eq!(usage.input_tokens(), 3);
    // A model without prompt caching: Bedrock's 403.
    let err = client
        .converse()
        .model_id(HAIKU3)
        .system(SystemContentBlock::Text("Manual.".into()))
        .system(SystemContentBlock::CachePoint(cache_point))
        .messages(user(vec![text("hi")]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(err.message(), Some(bedrock_simulator::NO_CACHING));
}

#[tokio::test]
async fn one_validation_exception_per_unsupported_feature() {
    let emulator = start(6).await;
    let client = client(&emulator);
    let hi = || user(vec![text("What is the weather?")]);
    let cases = vec![
        (
            "system prompt",
            client
                .converse()
                .model_id(TITAN)
                .messages(hi())
                .system(SystemContentBlock::Text("Be brief.".into()))
                .send()
                .await,
            bedrock_simulator::NO_SYSTEM.to_owned(),
        ),
        (
            "tool use",
            client
                .converse()
                .model_id(TITAN)
                .messages(hi())
                .tool_config(tools(None))
                .send()
                .await,
            bedrock_simulator::NO_TOOLS.to_owned(),
        ),
        (
            "forced tool choice",
            client
                .converse()
                .model_id(LLAMA31_US)
                .messages(hi())
                .tool_config(tools(Some(ToolChoice::Any(
                    AnyToolChoice::builder().build(),
                ))))
                .send()
                .await,
            bedrock_simulator::no_tool_choice("any"),
        ),
        (
            "reasoning",
            client
                .converse()
                .model_id(HAIKU3)
                .messages(hi())
                .additional_model_request_fields(to_doc(
                    &json!({"thinking": {"type": "enabled", "budget_tokens": 1024}}),
                ))
                .send()
                .await,
            "Malformed input request: #: extraneous key [thinking] is not permitted, please \
             reformat your input and try again."
                .to_owned(),
        ),
        (
            "not a chat model",
            client
                .converse()
                .model_id(EMBED)
                .messages(hi())
                .send()
                .await,
            bedrock_simulator::NOT_CHAT_MODEL.to_owned(),
        ),
        (
            "profile-only model by bare id",
            client
                .converse()
                .model_id(SONNET37)
                .messages(hi())
                .send()
                .await,
            bedrock_simulator::on_demand_not_supported(SONNET37),
        ),
    ];
    for (what, result, message) in cases {
        let err = result.unwrap_err().into_service_error();
        assert_eq!(err.code(), Some("ValidationException"), "{what}");
        assert_eq!(err.message(), Some(message.as_str()), "{what}");
    }
    // Tool use while streaming, for a model that uses tools with Converse only: refused
    // before the stream opens.
    let err = client
        .converse_stream()
        .model_id(LLAMA31_US)
        .messages(hi())
        .tool_config(tools(None))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some(bedrock_simulator::NO_STREAMING_TOOLS));
}

#[tokio::test]
async fn mid_stream_exceptions_and_count_tokens() {
    let emulator = start(7).await;
    let client = client(&emulator);
    emulator.simulator().add_fault(
        FaultRule::new(Fault::StreamError {
            after_chunks: 2,
            kind: StreamErrorKind::ModelStreamError,
        })
        .operation(Operation::ConverseStream)
        .times(1),
    );
    let streamed = stream(
        client
            .converse_stream()
            .model_id(HAIKU3)
            .messages(user(vec![text("Tell me a story.")]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(streamed.names.len(), 2);
    let (code, message) = streamed.error.unwrap();
    assert_eq!(code, "modelStreamErrorException");
    assert_eq!(
        message,
        "The model encountered an error while streaming the response."
    );
    let counted = client
        .count_tokens()
        .model_id("anthropic.claude-3-5-haiku-20241022-v1:0")
        .input(CountTokensInput::Converse(
            ConverseTokensRequest::builder()
                .messages(user(vec![text("How many tokens is this?")]))
                .system(SystemContentBlock::Text("Be exact.".into()))
                .build(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(counted.input_tokens(), 7);
    let err = client
        .count_tokens()
        .model_id(TITAN)
        .input(CountTokensInput::Converse(
            ConverseTokensRequest::builder()
                .messages(user(vec![text("hi")]))
                .build(),
        ))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.message(), Some(bedrock_simulator::NO_COUNT_TOKENS));
    let ops: Vec<Operation> = emulator
        .simulator()
        .request_log()
        .iter()
        .map(|l| l.operation)
        .collect();
    assert_eq!(
        ops,
        vec![
            Operation::ConverseStream,
            Operation::CountTokens,
            Operation::CountTokens
        ]
    );
}

/// Signs and sends `body` to `POST /model/{model}/{op}`.
async fn post(emulator: &EmulatorHandle, model: &str, op: &str, body: &[u8]) -> common::Reply {
    let path = format!(
        "/model/{}/{op}",
        percent_encoding::utf8_percent_encode(model, percent_encoding::NON_ALPHANUMERIC)
    );
    let req = plain(
        "POST",
        emulator.addr(),
        &path,
        Some("application/json"),
        body.to_vec(),
    );
    send(emulator.addr(), Signer::example().sign(req, body)).await
}

#[tokio::test]
async fn the_wire_matches_the_in_process_simulator() {
    let emulator = start(11).await;
    let local = Simulator::new(SimulatorConfig::with_seed(11));
    let requests = [
        json!({"messages": [{"role": "user", "content": [{"text": "Describe a harbor."}]}], "inferenceConfig": {"maxTokens": 30}}),
        json!({"messages": [{"role": "user", "content": [{"text": "Use get_weather for Oslo."}]}],
               "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}]}}),
        json!({"messages": [{"role": "user", "content": [{"text": "Think about it."}]}],
               "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}}}),
    ];
    let models = [HAIKU3, HAIKU3, SONNET37_US];
    for (body, model) in requests.iter().zip(models) {
        let bytes = serde_json::to_vec(body).unwrap();
        let request: bedrock_core::converse::ConverseRequest =
            serde_json::from_value(body.clone()).unwrap();
        // Converse: the body is the simulator's response, byte for byte.
        let reply = post(&emulator, model, "converse", &bytes).await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let expected = local
            .converse(SimConverseRequest::new(
                model,
                Region::UsEast1,
                request.clone(),
            ))
            .await
            .unwrap();
        assert_eq!(reply.body, serde_json::to_vec(&expected.response).unwrap());
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert!(reply.header("x-amzn-requestid").is_some());
        // ConverseStream: one frame per event, the tag in `:event-type`, the inner object as
        // the payload.
        let reply = post(&emulator, model, "converse-stream", &bytes).await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("content-type"),
            Some("application/vnd.amazon.eventstream")
        );
        let local_stream = local
            .converse_stream(SimConverseRequest::new(model, Region::UsEast1, request))
            .await
            .unwrap();
        let local_events: Vec<_> = local_stream
            .stream
            .map(|e| match e.unwrap() {
                SimConverseEvent::Event(e) => e,
                SimConverseEvent::Truncate => panic!("truncated"),
            })
            .collect()
            .await;
        assert_eq!(local_events, stream_events(&expected.response));
        let frames = reply.frames();
        assert_eq!(frames.len(), local_events.len());
        for (frame, event) in frames.iter().zip(&local_events) {
            assert_eq!(frame_header(frame, ":message-type"), Some("event"));
            assert_eq!(
                frame_header(frame, ":content-type"),
                Some("application/json")
            );
            assert_eq!(frame_header(frame, ":event-type"), Some(event.event_type()));
            let tagged = serde_json::to_value(event).unwrap();
            let inner = &tagged[event.event_type()];
            let payload: Value = serde_json::from_slice(frame.payload()).unwrap();
            assert_eq!(&payload, inner);
        }
    }
}

#[tokio::test]
async fn bodies_are_read_strictly() {
    let emulator = start(12).await;
    let cases: Vec<(&[u8], &str)> = vec![
        (b"{not json", "not valid JSON"),
        (br#"{"messages": "hi"}"#, "does not match"),
        (
            br#"{"messages": [{"role": "user", "content": [{"text": "hi"}]}], "temperature": 1}"#,
            "`temperature`",
        ),
        (
            br#"{"messages": [{"role": "user", "name": "x", "content": [{"text": "hi"}]}]}"#,
            "`messages[0].name`",
        ),
        (
            br#"{"messages": [{"role": "user", "content": [{"text": "hi", "cache": true}]}]}"#,
            "does not match",
        ),
    ];
    for (body, expected) in cases {
        for op in ["converse", "converse-stream"] {
            let reply = post(&emulator, HAIKU3, op, body).await;
            assert_eq!(reply.status, 400, "{op}");
            assert_eq!(reply.error_type(), Some("ValidationException"));
            let message = reply.json()["message"].as_str().unwrap().to_owned();
            assert!(message.contains(expected), "{message}");
        }
    }
    let reply = post(
        &emulator,
        HAIKU3,
        "count-tokens",
        br#"{"input": {"converse": {"messages": []}, "extra": 1}}"#,
    )
    .await;
    assert_eq!(reply.status, 400);
    // Unsigned requests are refused as on every Bedrock route.
    let req = plain(
        "POST",
        emulator.addr(),
        "/model/x/converse",
        Some("application/json"),
        "{}",
    );
    let reply = send(emulator.addr(), req).await;
    assert_eq!(reply.status, 403);
}
