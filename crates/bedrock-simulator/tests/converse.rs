//! Converse, ConverseStream and CountTokens in the simulator: plain text, limits, system
//! prompts, multi-turn, every text model of the catalog, each feature and each refusal, tool
//! use with schema-valid inputs, reasoning signatures, prompt caching, stream events and faults.

use base64::Engine as _;
use bedrock_core::converse::*;
use bedrock_core::{Backend as _, Error, ErrorKind, Modality, ModelId, Region, catalog};
use bedrock_simulator::*;
use futures::StreamExt as _;
use serde_json::{Value, json};

const HAIKU3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const HAIKU35: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";
const HAIKU35_US: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
const SONNET37_US: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const SONNET37: &str = "anthropic.claude-3-7-sonnet-20250219-v1:0";
const TITAN: &str = "amazon.titan-text-express-v1";
const NOVA_MICRO: &str = "amazon.nova-micro-v1:0";
const NOVA_PRO: &str = "amazon.nova-pro-v1:0";
const LLAMA31: &str = "us.meta.llama3-1-70b-instruct-v1:0";
const COMMAND: &str = "cohere.command-text-v14";
const R1_US: &str = "us.deepseek.r1-v1:0";
const EMBED: &str = "amazon.titan-embed-text-v2:0";

fn sim() -> Simulator {
    Simulator::new(SimulatorConfig::with_seed(7))
}

fn call(model: &str, request: ConverseRequest) -> SimConverseRequest {
    SimConverseRequest::new(model, Region::UsEast1, request)
}

async fn converse(sim: &Simulator, model: &str, request: ConverseRequest) -> ConverseResponse {
    match sim.converse(call(model, request)).await {
        Ok(r) => r.response,
        Err(e) => panic!("{model}: {e}"),
    }
}

async fn refused(sim: &Simulator, model: &str, request: ConverseRequest) -> Error {
    match sim.converse(call(model, request)).await {
        Ok(r) => panic!("{model} answered {:?}", r.response),
        Err(e) => e,
    }
}

async fn stream(
    sim: &Simulator,
    model: &str,
    request: ConverseRequest,
) -> Vec<ConverseStreamEvent> {
    let answer = sim.converse_stream(call(model, request)).await.unwrap();
    answer
        .stream
        .map(|item| match item.unwrap() {
            SimConverseEvent::Event(e) => e,
            SimConverseEvent::Truncate => panic!("truncated"),
        })
        .collect()
        .await
}

fn accumulate(events: &[ConverseStreamEvent]) -> ConverseResponse {
    let mut acc = ConverseAccumulator::new();
    for e in events {
        acc.push(e).unwrap();
    }
    acc.finish().unwrap()
}

fn validation(err: &Error) -> String {
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    let d = err.service_details().unwrap();
    assert_eq!(d.error_type.as_deref(), Some("ValidationException"));
    assert_eq!(d.status, Some(400));
    d.message.clone()
}

fn tool(name: &str, schema: Value) -> ToolSpecification {
    ToolSpecification {
        name: name.to_owned(),
        description: Some(format!("The {name} tool.")),
        input_schema: ToolInputSchema::Json(schema),
    }
}

fn weather_tool() -> ToolSpecification {
    tool(
        "get_weather",
        json!({
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7}
            },
            "required": ["city", "unit", "days"]
        }),
    )
}

fn png() -> ImageBlock {
    ImageBlock {
        format: ConverseImageFormat::Png,
        source: MediaSource::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
                .unwrap(),
        ),
    }
}

fn document() -> DocumentBlock {
    DocumentBlock {
        format: DocumentFormat::Txt,
        name: "notes".to_owned(),
        source: MediaSource::Bytes(b"The harbor opens at nine and closes at five.".to_vec()),
    }
}

#[tokio::test]
async fn plain_text_is_deterministic_and_counted() {
    let request = ConverseRequest::new("Describe a lighthouse on a stormy night.");
    let a = converse(&sim(), HAIKU3, request.clone()).await;
    let b = converse(&sim(), HAIKU3, request.clone()).await;
    assert_eq!(a, b);
    assert_eq!(a.stop_reason, ConverseStopReason::EndTurn);
    assert!(!a.text().is_empty());
    assert_eq!(a.usage.input_tokens, 7);
    assert_eq!(
        a.usage.output_tokens as usize,
        a.text().split_whitespace().count()
    );
    assert_eq!(
        a.usage.total_tokens,
        a.usage.input_tokens + a.usage.output_tokens
    );
    assert!(a.usage.cache_read_input_tokens.is_none());
    assert!(a.metrics.latency_ms > 0);
    let other_seed = Simulator::new(SimulatorConfig::with_seed(8));
    assert_ne!(
        converse(&other_seed, HAIKU3, request).await.text(),
        a.text()
    );
}

#[tokio::test]
async fn max_tokens_and_stop_sequences() {
    let sim = sim();
    let request = ConverseRequest::new("Tell me about rivers.");
    let full = converse(&sim, HAIKU3, request.clone()).await;
    let short = converse(&sim, HAIKU3, request.clone().with_max_tokens(3)).await;
    assert_eq!(short.stop_reason, ConverseStopReason::MaxTokens);
    assert_eq!(short.usage.output_tokens, 3);
    assert!(full.text().starts_with(&short.text()));
    let full_text = full.text();
    let words: Vec<&str> = full_text.split(' ').collect();
    let stop = words[4].trim_end_matches(['.', ',']).to_owned();
    let mut stopped = request.clone();
    stopped.inference_config = Some(InferenceConfiguration {
        stop_sequences: vec![stop.clone()],
        ..Default::default()
    });
    stopped.additional_model_response_field_paths = vec!["/stop_sequence".to_owned()];
    let cut = converse(&sim, HAIKU3, stopped).await;
    assert_eq!(cut.stop_reason, ConverseStopReason::StopSequence);
    assert_eq!(cut.text(), full.text()[..full.text().find(&stop).unwrap()]);
    assert_eq!(
        cut.additional_model_response_fields,
        Some(json!({"stop_sequence": stop}))
    );
}

#[tokio::test]
async fn system_prompts_and_turns_change_the_answer() {
    let sim = sim();
    let plain = converse(&sim, HAIKU3, ConverseRequest::new("Hello there")).await;
    let system = converse(
        &sim,
        HAIKU3,
        ConverseRequest::new("Hello there").with_system("Answer like a pirate."),
    )
    .await;
    assert_ne!(plain.text(), system.text());
    assert_eq!(system.usage.input_tokens, 2 + 4);
    let turns = ConverseRequest::from_messages(vec![
        Message::user("Hello there"),
        plain.message().clone(),
        Message::user("And then?"),
    ]);
    let next = converse(&sim, HAIKU3, turns).await;
    assert_ne!(next.text(), plain.text());
    assert_eq!(next.usage.input_tokens, 2 + plain.usage.output_tokens + 2);
}

#[tokio::test]
async fn every_text_model_answers_or_refuses_like_bedrock() {
    let sim = sim();
    let region = Region::UsEast1;
    let mut answered = 0;
    for model in catalog::foundation_models() {
        let chat = model.output_modalities.contains(&Modality::Text)
            && !model.model_id.contains("rerank")
            && !model.model_id.contains("sonic");
        let result = sim
            .converse(call(model.model_id, ConverseRequest::new("hi")))
            .await;
        if !chat {
            if model.offered_in(region) {
                let err = result.unwrap_err();
                assert_eq!(validation(&err), NOT_CHAT_MODEL, "{}", model.model_id);
            }
            continue;
        }
        if model.offered_in(region) {
            let r = result.unwrap_or_else(|e| panic!("{}: {e}", model.model_id));
            assert!(!r.response.text().is_empty(), "{}", model.model_id);
            answered += 1;
        } else if let Some(profile) = model.profile_id_for(region) {
            // Served through inference profiles only: the bare id fails as InvokeModel does.
            let err = result.unwrap_err();
            assert_eq!(
                validation(&err),
                on_demand_not_supported(model.model_id),
                "{}",
                model.model_id
            );
            let r = sim
                .converse(call(&profile, ConverseRequest::new("hi")))
                .await
                .unwrap_or_else(|e| panic!("{profile}: {e}"));
            assert!(!r.response.text().is_empty());
            answered += 1;
        }
    }
    assert!(answered > 40, "{answered}");
}

#[tokio::test]
async fn each_missing_feature_gets_bedrocks_refusal() {
    let sim = sim();
    let cases: Vec<(&str, ConverseRequest, String)> = vec![
        (
            TITAN,
            ConverseRequest::new("hi").with_system("Be brief."),
            NO_SYSTEM.to_owned(),
        ),
        (
            HAIKU35_US,
            ConverseRequest::from_messages(vec![Message {
                role: ConversationRole::User,
                content: vec![ContentBlock::Text("What is this?".into()), ContentBlock::Image(png())],
            }]),
            NO_IMAGES.to_owned(),
        ),
        (
            NOVA_MICRO,
            ConverseRequest::from_messages(vec![Message {
                role: ConversationRole::User,
                content: vec![
                    ContentBlock::Text("Summarise.".into()),
                    ContentBlock::Document(document()),
                ],
            }]),
            NO_DOCUMENTS.to_owned(),
        ),
        (
            TITAN,
            ConverseRequest::new("weather?").with_tool(weather_tool()),
            NO_TOOLS.to_owned(),
        ),
        (
            LLAMA31,
            ConverseRequest::new("weather?")
                .with_tool(weather_tool())
                .with_tool_choice(ToolChoice::Any {}),
            no_tool_choice("any"),
        ),
        (
            LLAMA31,
            ConverseRequest::new("weather?")
                .with_tool(weather_tool())
                .with_tool_choice(ToolChoice::Tool {
                    name: "get_weather".into(),
                }),
            no_tool_choice("tool"),
        ),
        (
            COMMAND,
            ConverseRequest::from_messages(vec![
                Message::user("hi"),
                Message::assistant("hello"),
                Message::user("again"),
            ]),
            NO_CHAT.to_owned(),
        ),
        (
            HAIKU3,
            ConverseRequest::from_messages(vec![Message::assistant("hi")]),
            NOT_USER_FIRST.to_owned(),
        ),
        (
            HAIKU3,
            ConverseRequest::from_messages(vec![Message::user("a"), Message::user("b")]),
            NOT_ALTERNATING.to_owned(),
        ),
        (
            HAIKU3,
            ConverseRequest::from_messages(vec![
                Message::user("a"),
                Message {
                    role: ConversationRole::Assistant,
                    content: vec![ContentBlock::ToolUse(ToolUseBlock {
                        tool_use_id: "tooluse_1".into(),
                        name: "get_weather".into(),
                        input: json!({}),
                    })],
                },
            ]),
            TOOL_CONFIG_REQUIRED.to_owned(),
        ),
        (
            HAIKU3,
            ConverseRequest::new("hi").with_additional_fields(json!({"thinking": {"type": "enabled", "budget_tokens": 2048}})),
            "Malformed input request: #: extraneous key [thinking] is not permitted, please reformat your input and try again.".to_owned(),
        ),
        (
            SONNET37_US,
            ConverseRequest::new("hi").with_additional_fields(json!({"thinking": {"type": "enabled", "budget_tokens": 100}})),
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024".to_owned(),
        ),
        (
            SONNET37_US,
            ConverseRequest::new("hi")
                .with_max_tokens(1024)
                .with_additional_fields(json!({"thinking": {"type": "enabled", "budget_tokens": 2048}})),
            "`max_tokens` must be greater than `thinking.budget_tokens`.".to_owned(),
        ),
        (
            NOVA_PRO,
            {
                let mut r = ConverseRequest::new("hi").with_tool(weather_tool());
                r.tool_config
                    .as_mut()
                    .unwrap()
                    .tools
                    .push(ToolEntry::CachePoint(CachePointBlock::default()));
                r
            },
            NO_TOOL_CACHING.to_owned(),
        ),
    ];
    for (model, request, message) in cases {
        let err = refused(&sim, model, request).await;
        assert_eq!(validation(&err), message, "{model}");
    }
    // Tools on ConverseStream for a model that uses tools with Converse only.
    let err = sim
        .converse_stream(call(
            LLAMA31,
            ConverseRequest::new("weather?").with_tool(weather_tool()),
        ))
        .await
        .unwrap_err();
    assert_eq!(validation(&err), NO_STREAMING_TOOLS);
    // The same request with Converse is served.
    converse(
        &sim,
        LLAMA31,
        ConverseRequest::new("weather?").with_tool(weather_tool()),
    )
    .await;
    // Converse on a non-chat model.
    let err = refused(&sim, EMBED, ConverseRequest::new("hi")).await;
    assert_eq!(validation(&err), NOT_CHAT_MODEL);
    // A cache point for a model without prompt caching: Bedrock's 403.
    let mut cached = ConverseRequest::new("hi").with_system("Be brief.");
    cached
        .system
        .push(SystemContentBlock::CachePoint(CachePointBlock::default()));
    let err = refused(&sim, HAIKU3, cached).await;
    assert_eq!(err.kind(), ErrorKind::AccessDenied);
    assert_eq!(err.service_details().unwrap().message, NO_CACHING);
    assert_eq!(err.service_details().unwrap().status, Some(403));
    // Every refusal was logged as a Converse call.
    assert!(
        sim.request_log()
            .iter()
            .any(|l| l.operation == Operation::Converse && l.outcome.status == 400)
    );
}

#[tokio::test]
async fn images_and_documents_are_served_where_supported() {
    let sim = sim();
    let request = ConverseRequest::from_messages(vec![Message {
        role: ConversationRole::User,
        content: vec![
            ContentBlock::Text("Compare the picture with the notes.".into()),
            ContentBlock::Image(png()),
            ContentBlock::Document(document()),
        ],
    }]);
    let r = converse(&sim, HAIKU3, request).await;
    // 6 words, 1 for the image, 9 for the text document.
    assert_eq!(r.usage.input_tokens, 6 + 1 + 9);
}

#[tokio::test]
async fn tool_choice_rules_and_a_two_round_exchange() {
    let sim = sim();
    let calc = tool(
        "add_numbers",
        json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}),
    );
    let base = ConverseRequest::new("What is the weather in Paris?")
        .with_tool(weather_tool())
        .with_tool(calc.clone());
    // Auto, no tool named: text.
    let text = converse(&sim, HAIKU3, base.clone()).await;
    assert_eq!(text.stop_reason, ConverseStopReason::EndTurn);
    // Any: the first tool, no preface.
    let any = converse(
        &sim,
        HAIKU3,
        base.clone().with_tool_choice(ToolChoice::Any {}),
    )
    .await;
    assert_eq!(any.stop_reason, ConverseStopReason::ToolUse);
    assert_eq!(any.message().content.len(), 1);
    let used: Vec<&ToolUseBlock> = any.message().tool_uses().collect();
    assert_eq!(used[0].name, "get_weather");
    // Named: that tool.
    let named = converse(
        &sim,
        HAIKU3,
        base.clone().with_tool_choice(ToolChoice::Tool {
            name: "add_numbers".into(),
        }),
    )
    .await;
    assert_eq!(
        named.message().tool_uses().next().unwrap().name,
        "add_numbers"
    );
    // Auto with both tools named in the text: a preface and two tool uses.
    let both = ConverseRequest::new("Call get_weather for Oslo and ADD_NUMBERS for 2 and 3.")
        .with_tool(weather_tool())
        .with_tool(calc.clone());
    let first = converse(&sim, HAIKU3, both.clone()).await;
    assert_eq!(first.stop_reason, ConverseStopReason::ToolUse);
    assert!(matches!(first.message().content[0], ContentBlock::Text(_)));
    let uses: Vec<ToolUseBlock> = first.message().tool_uses().cloned().collect();
    assert_eq!(uses.len(), 2);
    assert!(uses[0].tool_use_id.starts_with("tooluse_"));
    assert_ne!(uses[0].tool_use_id, uses[1].tool_use_id);
    assert_eq!(
        first,
        converse(&sim, HAIKU3, both.clone()).await,
        "deterministic"
    );
    for u in &uses {
        let spec = if u.name == "get_weather" {
            weather_tool()
        } else {
            calc.clone()
        };
        assert!(
            jsonschema::is_valid(spec.input_schema.json(), &u.input),
            "{} does not match",
            u.input
        );
    }
    // Round two: one result succeeds, one fails.
    let mut next = both.clone();
    next.push(first.message().clone());
    next.push(Message {
        role: ConversationRole::User,
        content: vec![
            ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: uses[0].tool_use_id.clone(),
                content: vec![ToolResultContent::Json(
                    json!({"temperature": 21, "sky": "clear"}),
                )],
                status: None,
            }),
            ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: uses[1].tool_use_id.clone(),
                content: vec![ToolResultContent::Text("division by zero".into())],
                status: Some(ToolResultStatus::Error),
            }),
        ],
    });
    let second = converse(&sim, HAIKU3, next.clone()).await;
    assert_eq!(second.stop_reason, ConverseStopReason::EndTurn);
    let text = second.text();
    assert!(
        text.contains(r#"{"sky":"clear","temperature":21}"#)
            || text.contains(r#"{"temperature":21,"sky":"clear"}"#),
        "{text}"
    );
    assert!(text.contains("get_weather"), "{text}");
    assert!(
        text.contains("failed with the error: division by zero"),
        "{text}"
    );
    // A result for a tool use that was never asked for is refused.
    let mut stray = next;
    if let Some(Message { content, .. }) = stray.messages.last_mut()
        && let ContentBlock::ToolResult(r) = &mut content[0]
    {
        r.tool_use_id = "tooluse_unknown".into();
    }
    let msg = validation(&refused(&sim, HAIKU3, stray).await);
    assert!(msg.contains("unexpected `tool_use_id`"), "{msg}");
}

#[derive(schemars::JsonSchema, serde::Deserialize)]
#[allow(dead_code)]
struct Booking {
    /// Guest name.
    #[schemars(length(min = 1, max = 40))]
    guest: String,
    #[schemars(email)]
    email: String,
    #[schemars(range(min = 1, max = 9))]
    nights: u8,
    room: Room,
    extras: Vec<Extra>,
    check_in: Option<String>,
    address: Address,
    previous: Option<Box<Address>>,
}

#[derive(schemars::JsonSchema, serde::Deserialize)]
#[allow(dead_code)]
enum Room {
    Single,
    Double,
    Suite,
}

#[derive(schemars::JsonSchema, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(dead_code)]
enum Extra {
    Breakfast { people: u8 },
    Parking { plate: String },
    Late,
}

#[derive(schemars::JsonSchema, serde::Deserialize)]
#[allow(dead_code)]
struct Address {
    street: String,
    #[schemars(url)]
    website: Option<String>,
    zip: u32,
    coordinates: (f64, f64),
}

#[tokio::test]
async fn tool_inputs_validate_against_many_schemas() {
    let sim = sim();
    let mut schemas = vec![
        serde_json::to_value(schemars::schema_for!(Booking)).unwrap(),
        serde_json::to_value(schemars::schema_for!(Address)).unwrap(),
        json!({"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}, "site": {"type": "string", "format": "uri"}}, "required": ["when", "site"]}),
        json!({"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer", "minimum": 10, "maximum": 20}, "minItems": 4, "uniqueItems": true}}, "required": ["ids"]}),
        json!({"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}}, "required": ["code"], "additionalProperties": false}),
        json!({"type": "object", "properties": {"price": {"type": "number", "exclusiveMinimum": 0, "maximum": 5, "multipleOf": 0.25}}, "required": ["price"]}),
        json!({"type": "object", "properties": {"nested": {"type": "object", "properties": {"deeper": {"type": "object", "properties": {"flag": {"type": "boolean"}}, "required": ["flag"]}}, "required": ["deeper"]}}, "required": ["nested"]}),
        json!({"type": "object", "minProperties": 3, "additionalProperties": {"type": "integer"}}),
    ];
    // Each one with a couple of prompts, so several draws are checked.
    schemas.extend(schemas.clone());
    for (i, schema) in schemas.iter().enumerate() {
        let validator = jsonschema::validator_for(schema).unwrap();
        let request = ConverseRequest::new(format!("Please run tool_{i} now, attempt {i}."))
            .with_tool(tool(&format!("tool_{i}"), schema.clone()));
        let r = converse(&sim, HAIKU3, request).await;
        let input = &r.message().tool_uses().next().unwrap().input;
        let errors: Vec<String> = validator
            .iter_errors(input)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{input} against {schema}: {errors:?}");
    }
}

#[tokio::test]
async fn reasoning_signatures_must_come_back_unchanged() {
    let sim = sim();
    let thinking = json!({"thinking": {"type": "enabled", "budget_tokens": 1024}});
    let request = ConverseRequest::new("What is 17 times 23?")
        .with_max_tokens(2000)
        .with_additional_fields(thinking.clone());
    let first = converse(&sim, SONNET37_US, request.clone()).await;
    let ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(reasoning)) =
        &first.message().content[0]
    else {
        panic!("reasoning first: {:?}", first.message().content)
    };
    assert!(reasoning.signature.is_some() && !reasoning.text.is_empty());
    assert!(matches!(first.message().content[1], ContentBlock::Text(_)));
    let mut next = request.clone();
    next.push(first.message().clone());
    next.push(Message::user("And times 2?"));
    converse(&sim, SONNET37_US, next.clone()).await;
    // Tampered text: refused, naming the block.
    let mut tampered = next.clone();
    if let ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) =
        &mut tampered.messages[1].content[0]
    {
        r.text.push_str(" Also, ignore all that.");
    }
    let err = refused(&sim, SONNET37_US, tampered).await;
    assert_eq!(validation(&err), invalid_signature(1, 0));
    // A simulator with another seed does not accept this one's signatures.
    let other = Simulator::new(SimulatorConfig::with_seed(99));
    let err = refused(&other, SONNET37_US, next).await;
    assert_eq!(validation(&err), invalid_signature(1, 0));
    // DeepSeek-R1 always reasons.
    let r1 = converse(&sim, R1_US, ConverseRequest::new("Why is the sky blue?")).await;
    assert!(matches!(
        r1.message().content[0],
        ContentBlock::ReasoningContent(_)
    ));
    // The bare id of a profile-only model fails as InvokeModel does.
    let err = refused(&sim, SONNET37, ConverseRequest::new("hi")).await;
    assert_eq!(validation(&err), on_demand_not_supported(SONNET37));
}

#[tokio::test]
async fn cache_points_write_then_read() {
    let sim = sim();
    let mut request = ConverseRequest::new("First question about the manual?")
        .with_system("You answer questions about this long manual text.");
    request
        .system
        .push(SystemContentBlock::CachePoint(CachePointBlock::default()));
    let first = converse(&sim, SONNET37_US, request.clone()).await;
    assert_eq!(first.usage.cache_write_input_tokens, Some(8));
    assert_eq!(first.usage.cache_read_input_tokens, Some(0));
    assert_eq!(first.usage.input_tokens, 5);
    let mut second_request = request.clone();
    second_request.messages = vec![Message::user("A different question?")];
    let second = converse(&sim, SONNET37_US, second_request).await;
    assert_eq!(second.usage.cache_read_input_tokens, Some(8));
    assert_eq!(second.usage.cache_write_input_tokens, Some(0));
    assert_eq!(second.usage.input_tokens, 3);
    assert_eq!(
        second.usage.total_tokens,
        3 + 8 + second.usage.output_tokens
    );
    // A changed prefix is written again.
    let mut changed = request.clone();
    changed.system[0] = SystemContentBlock::Text("Another manual entirely.".into());
    let third = converse(&sim, SONNET37_US, changed).await;
    assert_eq!(third.usage.cache_read_input_tokens, Some(0));
    // Reset forgets the cache.
    sim.reset();
    let again = converse(&sim, SONNET37_US, request).await;
    assert_eq!(again.usage.cache_write_input_tokens, Some(8));
}

#[tokio::test]
async fn streams_accumulate_to_the_whole_answer() {
    let thinking = json!({"thinking": {"type": "enabled", "budget_tokens": 1024}});
    let requests = vec![
        (HAIKU3, ConverseRequest::new("Describe a harbor at dawn.")),
        (
            HAIKU3,
            ConverseRequest::new("Use get_weather for Rome please.").with_tool(weather_tool()),
        ),
        (
            SONNET37_US,
            ConverseRequest::new("Think first.").with_additional_fields(thinking),
        ),
    ];
    for (model, request) in requests {
        let whole = converse(&sim(), model, request.clone()).await;
        let events = stream(&sim(), model, request).await;
        assert!(matches!(events[0], ConverseStreamEvent::MessageStart(_)));
        assert!(matches!(
            events.last(),
            Some(ConverseStreamEvent::Metadata(_))
        ));
        assert_eq!(accumulate(&events), whole, "{model}");
        if whole.stop_reason == ConverseStopReason::ToolUse {
            assert!(events.iter().any(|e| matches!(
                e,
                ConverseStreamEvent::ContentBlockStart(ContentBlockStartEvent {
                    start: ContentBlockStart::ToolUse(_),
                    ..
                })
            )));
        }
        if matches!(
            whole.message().content[0],
            ContentBlock::ReasoningContent(_)
        ) {
            // Reasoning text first, its signature last.
            let reasoning: Vec<&ReasoningContentDelta> = events
                .iter()
                .filter_map(|e| match e {
                    ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                        delta: ContentBlockDelta::ReasoningContent(r),
                        ..
                    }) => Some(r),
                    _ => None,
                })
                .collect();
            assert!(matches!(reasoning[0], ReasoningContentDelta::Text(_)));
            assert!(matches!(
                reasoning.last(),
                Some(ReasoningContentDelta::Signature(_))
            ));
        }
    }
}

#[tokio::test]
async fn stream_faults_cut_or_fail_the_stream() {
    let sim = sim();
    sim.add_fault(
        FaultRule::new(Fault::StreamError {
            after_chunks: 2,
            kind: StreamErrorKind::ModelStreamError,
        })
        .operation(Operation::ConverseStream)
        .times(1),
    );
    let answer = sim
        .converse_stream(call(HAIKU3, ConverseRequest::new("hi")))
        .await
        .unwrap();
    let items: Vec<_> = answer.stream.collect().await;
    assert_eq!(items.len(), 3);
    let err = items[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelError);
    assert_eq!(
        err.service_details().unwrap().error_type.as_deref(),
        Some("ModelStreamErrorException")
    );
    // Whole Converse calls are not touched by stream faults, and the rule fired once.
    converse(&sim, HAIKU3, ConverseRequest::new("hi")).await;
    let events = stream(&sim, HAIKU3, ConverseRequest::new("hi")).await;
    assert!(events.len() > 3);
}

#[tokio::test]
async fn count_tokens_for_converse_and_invoke_model_inputs() {
    let sim = sim();
    let count = |model: &str, input: CountTokensInput| {
        sim.count_tokens(SimCountTokensRequest::new(
            model,
            Region::UsEast1,
            CountTokensRequest { input },
        ))
    };
    let converse_input = CountTokensInput::Converse(ConverseTokensRequest {
        messages: vec![Message::user("How many tokens is this?")],
        system: vec![SystemContentBlock::Text("Be exact.".into())],
    });
    let n = count(HAIKU35, converse_input.clone()).await.unwrap();
    assert_eq!(n.input_tokens, 5 + 2);
    // The bare id of a profile-only model is counted; its profile is not.
    assert_eq!(
        count(SONNET37, converse_input.clone())
            .await
            .unwrap()
            .input_tokens,
        7
    );
    let err = count(SONNET37_US, converse_input.clone())
        .await
        .unwrap_err();
    assert_eq!(validation(&err), NO_COUNT_TOKENS);
    let err = count(TITAN, converse_input).await.unwrap_err();
    assert_eq!(validation(&err), NO_COUNT_TOKENS);
    // An InvokeModel body counts what InvokeModel reports.
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "Count these five words."}]
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let invoked = sim
        .invoke(SimRequest::invoke(
            HAIKU35_US,
            Region::UsEast1,
            bytes.clone(),
        ))
        .await
        .unwrap();
    let counted = count(
        HAIKU35,
        CountTokensInput::InvokeModel(InvokeModelTokensRequest { body: bytes }),
    )
    .await
    .unwrap();
    assert_eq!(counted.input_tokens, invoked.input_tokens);
    let err = count(
        HAIKU35,
        CountTokensInput::InvokeModel(InvokeModelTokensRequest {
            body: b"{\"messages\": 1}".to_vec(),
        }),
    )
    .await
    .unwrap_err();
    assert!(validation(&err).starts_with("Malformed input request"));
}

#[tokio::test]
async fn the_backend_answers_converse_with_metadata() {
    let backend = MockBackend::default();
    let model = ModelId::new(HAIKU3).unwrap();
    let reply = backend
        .converse(ConverseCall::new(
            model.clone(),
            Region::UsEast1,
            ConverseRequest::new("hello"),
        ))
        .await
        .unwrap();
    assert!(reply.metadata.request_id.is_some());
    assert_eq!(reply.metadata.attempts, Some(1));
    assert_eq!(
        reply.metadata.output_tokens,
        Some(reply.response.usage.output_tokens)
    );
    let streamed = backend
        .converse_stream(ConverseCall::new(
            model.clone(),
            Region::UsEast1,
            ConverseRequest::new("hello"),
        ))
        .await
        .unwrap();
    assert!(streamed.request_id.is_some());
    let events: Vec<ConverseStreamEvent> = streamed.events.map(|e| e.unwrap()).collect().await;
    assert_eq!(accumulate(&events).text(), reply.response.text());
    let counted = backend
        .count_tokens(CountTokensCall {
            model_id: ModelId::new(HAIKU35).unwrap(),
            region: Region::UsEast1,
            request: CountTokensRequest {
                input: CountTokensInput::Converse(ConverseTokensRequest {
                    messages: vec![Message::user("one two three")],
                    system: vec![],
                }),
            },
        })
        .await
        .unwrap();
    assert_eq!(counted.input_tokens, 3);
    let log = backend.simulator().request_log();
    let ops: Vec<Operation> = log.iter().map(|l| l.operation).collect();
    assert_eq!(
        ops,
        vec![
            Operation::Converse,
            Operation::ConverseStream,
            Operation::CountTokens
        ]
    );
    assert!(log.iter().all(|l| l.body_len > 0));
}
