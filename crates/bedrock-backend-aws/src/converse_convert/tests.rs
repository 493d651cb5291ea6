//! The conversions round-trip every block kind and name the field of what they cannot carry.

use std::collections::BTreeMap;

use aws_sdk_bedrockruntime::operation::converse::ConverseOutput as SdkOutput;
use bedrock_core::ErrorKind;
use bedrock_core::converse::*;
use serde_json::json;

use super::*;

fn image(source: MediaSource) -> ImageBlock {
    ImageBlock {
        format: ConverseImageFormat::Png,
        source,
    }
}

fn s3(uri: &str) -> MediaSource {
    MediaSource::S3Location(S3Location {
        uri: uri.to_owned(),
        bucket_owner: Some("111122223333".to_owned()),
    })
}

/// A request with every block kind, every source and every configuration member.
fn everything() -> ConverseRequest {
    let user = Message {
        role: ConversationRole::User,
        content: vec![
            ContentBlock::Text("Look at these.".to_owned()),
            ContentBlock::Image(image(MediaSource::Bytes(vec![
                0x89, b'P', b'N', b'G', 0, 255,
            ]))),
            ContentBlock::Image(ImageBlock {
                format: ConverseImageFormat::Webp,
                source: s3("s3://bucket/picture.webp"),
            }),
            ContentBlock::Document(DocumentBlock {
                format: DocumentFormat::Pdf,
                name: "Report (final)".to_owned(),
                source: MediaSource::Bytes(b"%PDF-1.4 ...".to_vec()),
            }),
            ContentBlock::Document(DocumentBlock {
                format: DocumentFormat::Docx,
                name: "Plan".to_owned(),
                source: s3("s3://bucket/plan.docx"),
            }),
            ContentBlock::Document(DocumentBlock {
                format: DocumentFormat::Md,
                name: "Notes".to_owned(),
                source: MediaSource::Text("# Notes\n- one".to_owned()),
            }),
            ContentBlock::GuardContent(GuardrailContent::Text(GuardrailText {
                text: "Is this allowed?".to_owned(),
                qualifiers: vec!["guard_content".to_owned(), "query".to_owned()],
            })),
            ContentBlock::CachePoint(CachePointBlock::default()),
        ],
    };
    let assistant = Message {
        role: ConversationRole::Assistant,
        content: vec![
            ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(ReasoningText {
                text: "The user wants the weather.".to_owned(),
                signature: Some("c2lnbmF0dXJl".to_owned()),
            })),
            ContentBlock::ReasoningContent(ReasoningBlock::RedactedContent(vec![1, 2, 3, 250])),
            ContentBlock::Text("Let me check.".to_owned()),
            ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: "tooluse_1".to_owned(),
                name: "weather".to_owned(),
                input: json!({"city": "Paris", "days": 3, "offset": -2, "ratio": 0.5,
                              "flags": [true, false, null], "nested": {"a": {"b": []}}}),
            }),
            ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: "tooluse_2".to_owned(),
                name: "clock".to_owned(),
                input: json!({}),
            }),
        ],
    };
    let results = Message {
        role: ConversationRole::User,
        content: vec![
            ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: "tooluse_1".to_owned(),
                content: vec![
                    ToolResultContent::Json(json!({"temperature": 21.5, "sky": "clear"})),
                    ToolResultContent::Text("Sunny.".to_owned()),
                    ToolResultContent::Image(image(s3("s3://bucket/map.png"))),
                    ToolResultContent::Document(DocumentBlock {
                        format: DocumentFormat::Csv,
                        name: "Forecast".to_owned(),
                        source: MediaSource::Text("day,temp\n1,21".to_owned()),
                    }),
                ],
                status: Some(ToolResultStatus::Success),
            }),
            ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: "tooluse_2".to_owned(),
                content: vec![ToolResultContent::Text("clock is broken".to_owned())],
                status: Some(ToolResultStatus::Error),
            }),
            ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: "tooluse_3".to_owned(),
                content: vec![],
                status: None,
            }),
        ],
    };
    ConverseRequest {
        messages: vec![user, assistant, results],
        system: vec![
            SystemContentBlock::Text("You are terse.".to_owned()),
            SystemContentBlock::GuardContent(GuardrailContent::Text(GuardrailText {
                text: "Ground truth.".to_owned(),
                qualifiers: vec!["grounding_source".to_owned()],
            })),
            SystemContentBlock::CachePoint(CachePointBlock::default()),
        ],
        inference_config: Some(InferenceConfiguration {
            max_tokens: Some(512),
            temperature: Some(0.25),
            top_p: Some(0.75),
            stop_sequences: vec!["END".to_owned(), "\n\nHuman:".to_owned()],
        }),
        tool_config: Some(ToolConfiguration {
            tools: vec![
                ToolEntry::ToolSpec(ToolSpecification {
                    name: "weather".to_owned(),
                    description: Some("Weather by city.".to_owned()),
                    input_schema: ToolInputSchema::Json(json!({
                        "type": "object",
                        "properties": {"city": {"type": "string"}, "days": {"type": "integer",
                            "minimum": 1, "maximum": 7}},
                        "required": ["city"]
                    })),
                }),
                ToolEntry::CachePoint(CachePointBlock::default()),
                ToolEntry::ToolSpec(ToolSpecification {
                    name: "clock".to_owned(),
                    description: None,
                    input_schema: ToolInputSchema::Json(json!({"type": "object"})),
                }),
            ],
            tool_choice: Some(ToolChoice::Tool {
                name: "weather".to_owned(),
            }),
        }),
        guardrail_config: Some(ConverseGuardrailConfig {
            guardrail_identifier: "gr-123".to_owned(),
            guardrail_version: "DRAFT".to_owned(),
            trace: Some("enabled_full".to_owned()),
        }),
        additional_model_request_fields: Some(json!({"top_k": 40, "thinking":
            {"type": "enabled", "budget_tokens": 1024}})),
        additional_model_response_field_paths: vec!["/stop_sequence".to_owned()],
        request_metadata: BTreeMap::from([
            ("team".to_owned(), "search".to_owned()),
            ("run".to_owned(), "7".to_owned()),
        ]),
        performance_config: Some(PerformanceConfiguration {
            latency: Latency::Optimized,
        }),
        service_tier: Some(ServiceTier {
            kind: ServiceTierType::Flex,
        }),
    }
}

#[test]
fn a_request_with_every_block_kind_round_trips_through_the_sdk_input() {
    let request = everything();
    let input = converse_input("anthropic.claude-3-7-sonnet-20250219-v1:0", request.clone())
        .expect("every member converts");
    assert_eq!(
        input.model_id(),
        Some("anthropic.claude-3-7-sonnet-20250219-v1:0")
    );
    // A few members as the SDK holds them.
    let assistant = &input.messages()[1];
    assert_eq!(assistant.role, sdk::ConversationRole::Assistant);
    match &assistant.content[3] {
        sdk::ContentBlock::ToolUse(t) => {
            let object = t.input.as_object().expect("an object");
            assert_eq!(object["city"], Document::String("Paris".to_owned()));
            assert_eq!(object["offset"], Document::Number(Number::NegInt(-2)));
            assert_eq!(object["ratio"], Document::Number(Number::Float(0.5)));
            assert_eq!(object["days"], Document::Number(Number::PosInt(3)));
        }
        other => panic!("expected a tool use, got {other:?}"),
    }
    assert_eq!(
        input.inference_config().and_then(|c| c.max_tokens),
        Some(512)
    );
    assert!(matches!(
        input.tool_config().and_then(|c| c.tool_choice.as_ref()),
        Some(sdk::ToolChoice::Tool(t)) if t.name == "weather"
    ));
    assert_eq!(input.system().len(), 3);

    let back = converse_request(input).expect("every member converts back");
    assert_eq!(back, request);
    // And the JSON Bedrock would receive is the same too.
    assert_eq!(
        serde_json::to_value(&back).expect("json"),
        serde_json::to_value(&request).expect("json")
    );
}

#[test]
fn unset_members_stay_unset_except_the_guardrail_trace_which_reads_back_as_the_default() {
    let request = ConverseRequest::new("hi");
    let input = converse_input("m", request.clone()).expect("converts");
    assert_eq!(input.system, None, "no empty system list is sent");
    assert_eq!(input.inference_config, None);
    assert_eq!(input.additional_model_response_field_paths, None);
    assert_eq!(input.request_metadata, None);
    assert_eq!(converse_request(input).expect("back"), request);

    let mut with_guardrail = ConverseRequest::new("hi");
    with_guardrail.guardrail_config = Some(ConverseGuardrailConfig {
        guardrail_identifier: "g".to_owned(),
        guardrail_version: "1".to_owned(),
        trace: None,
    });
    let back =
        converse_request(converse_input("m", with_guardrail).expect("converts")).expect("back");
    assert_eq!(
        back.guardrail_config.and_then(|g| g.trace).as_deref(),
        Some("disabled")
    );
}

#[test]
fn fields_the_sdk_cannot_carry_are_invalid_input_naming_the_field() {
    let mut request = ConverseRequest::new("hi").with_max_tokens(u32::MAX);
    let err = converse_input("m", request.clone()).expect_err("too many tokens for an i32");
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert_eq!(err.field(), Some("inferenceConfig.maxTokens"), "{err}");
    assert!(err.to_string().contains("1..=2147483647"), "{err}");

    request = ConverseRequest::new("hi");
    request.messages[0]
        .content
        .push(ContentBlock::Image(image(MediaSource::Text(
            "x".to_owned(),
        ))));
    let err = SdkRequest::new(request).expect_err("an image has no text source");
    assert_eq!(
        err.field(),
        Some("messages[0].content[1].image.source"),
        "{err}"
    );
}

fn output(message: sdk::Message, stop: sdk::StopReason) -> SdkOutput {
    SdkOutput::builder()
        .output(sdk::ConverseOutput::Message(message))
        .stop_reason(stop)
        .usage(
            sdk::TokenUsage::builder()
                .input_tokens(10)
                .output_tokens(4)
                .total_tokens(30)
                .cache_read_input_tokens(16)
                .build()
                .expect("usage"),
        )
        .metrics(
            sdk::ConverseMetrics::builder()
                .latency_ms(42)
                .build()
                .expect("metrics"),
        )
        .build()
        .expect("output")
}

fn assistant(content: Vec<sdk::ContentBlock>) -> sdk::Message {
    sdk::Message::builder()
        .role(sdk::ConversationRole::Assistant)
        .set_content(Some(content))
        .build()
        .expect("message")
}

#[test]
fn a_response_converts_with_usage_metrics_and_fields() {
    let mut out = output(
        assistant(vec![
            sdk::ContentBlock::Text("Hello".to_owned()),
            sdk::ContentBlock::ToolUse(
                sdk::ToolUseBlock::builder()
                    .tool_use_id("t1")
                    .name("weather")
                    .input(document_from_json(json!({"city": "Oslo"})))
                    .build()
                    .expect("tool use"),
            ),
        ]),
        sdk::StopReason::ToolUse,
    );
    out.additional_model_response_fields = Some(document_from_json(json!({"stop_sequence": null})));
    out.service_tier = Some(
        sdk::ServiceTier::builder()
            .r#type(sdk::ServiceTierType::Priority)
            .build()
            .expect("tier"),
    );
    out.trace = Some(
        sdk::ConverseTrace::builder()
            .prompt_router(
                sdk::PromptRouterTrace::builder()
                    .invoked_model_id("m-1")
                    .build(),
            )
            .build(),
    );
    let response = converse_response(out).expect("converts");
    assert_eq!(response.stop_reason, ConverseStopReason::ToolUse);
    assert_eq!(response.text(), "Hello");
    assert_eq!(
        response.message().tool_uses().next().map(|t| &t.input),
        Some(&json!({"city": "Oslo"}))
    );
    assert_eq!(
        response.usage,
        TokenUsage {
            input_tokens: 10,
            output_tokens: 4,
            total_tokens: 30,
            cache_read_input_tokens: Some(16),
            cache_write_input_tokens: None,
        }
    );
    assert_eq!(response.metrics.latency_ms, 42);
    assert_eq!(
        response.additional_model_response_fields,
        Some(json!({"stop_sequence": null}))
    );
    assert_eq!(
        response.service_tier.map(|t| t.kind),
        Some(ServiceTierType::Priority)
    );
    assert_eq!(
        response.trace,
        Some(json!({"promptRouter": {"invokedModelId": "m-1"}}))
    );
}

/// The decode error of a response, with its message.
fn decode_error(out: SdkOutput) -> String {
    let err = converse_response(out).expect_err("does not convert");
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    err.to_string()
}

#[test]
fn what_the_core_does_not_represent_is_a_decode_error_naming_the_field() {
    let text = || sdk::ContentBlock::Text("ok".to_owned());

    // Every stop reason the SDK knows converts, the newer ones included.
    let response = converse_response(output(
        assistant(vec![text()]),
        sdk::StopReason::ModelContextWindowExceeded,
    ))
    .expect("a stop reason the core knows");
    assert_eq!(
        response.stop_reason,
        ConverseStopReason::ModelContextWindowExceeded
    );

    let message = decode_error(output(
        assistant(vec![text()]),
        sdk::StopReason::from("a_reason_from_the_future"),
    ));
    assert!(
        message.contains("field `stopReason`") && message.contains("`a_reason_from_the_future`"),
        "{message}"
    );

    let video = sdk::VideoBlock::builder()
        .format(sdk::VideoFormat::Mp4)
        .source(sdk::VideoSource::Bytes(Blob::new(vec![0])))
        .build()
        .expect("video");
    let message = decode_error(output(
        assistant(vec![sdk::ContentBlock::Video(video)]),
        sdk::StopReason::EndTurn,
    ));
    assert!(
        message.contains("`output.message.content[0]` has a `video` block"),
        "{message}"
    );

    let image = sdk::ImageBlock::builder()
        .format(sdk::ImageFormat::from("tiff"))
        .source(sdk::ImageSource::Bytes(Blob::new(vec![0])))
        .build()
        .expect("image");
    let message = decode_error(output(
        assistant(vec![text(), text(), sdk::ContentBlock::Image(image)]),
        sdk::StopReason::EndTurn,
    ));
    assert!(
        message.contains("`output.message.content[2].image.format` has `tiff`"),
        "{message}"
    );

    let nan = sdk::ToolUseBlock::builder()
        .tool_use_id("t")
        .name("n")
        .input(Document::Object(HashMap::from([(
            "x".to_owned(),
            Document::Array(vec![Document::Number(Number::Float(f64::NAN))]),
        )])))
        .build()
        .expect("tool use");
    let message = decode_error(output(
        assistant(vec![sdk::ContentBlock::ToolUse(nan)]),
        sdk::StopReason::EndTurn,
    ));
    assert!(
        message.contains("`output.message.content[0].toolUse.input.x[0]` has NaN"),
        "{message}"
    );

    let mut no_usage = output(assistant(vec![text()]), sdk::StopReason::EndTurn);
    no_usage.usage = None;
    assert!(decode_error(no_usage).contains("field `usage` has nothing"));

    let mut system_role = output(assistant(vec![text()]), sdk::StopReason::EndTurn);
    system_role.output = Some(sdk::ConverseOutput::Message(
        sdk::Message::builder()
            .role(sdk::ConversationRole::System)
            .set_content(Some(vec![]))
            .build()
            .expect("message"),
    ));
    assert!(
        decode_error(system_role).contains("`output.message.role` has `system`"),
        "the SDK's `system` role is not a Converse message role"
    );
}

/// Every kind of stream event.
fn events() -> Vec<ConverseStreamEvent> {
    vec![
        ConverseStreamEvent::MessageStart(MessageStartEvent {
            role: ConversationRole::Assistant,
        }),
        ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
            delta: ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Text(
                "think".to_owned(),
            )),
            content_block_index: 0,
        }),
        ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
            delta: ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Signature(
                "sig".to_owned(),
            )),
            content_block_index: 0,
        }),
        ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
            delta: ContentBlockDelta::ReasoningContent(ReasoningContentDelta::RedactedContent(
                vec![9, 8],
            )),
            content_block_index: 1,
        }),
        ConverseStreamEvent::ContentBlockStop(ContentBlockStopEvent {
            content_block_index: 1,
        }),
        ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
            delta: ContentBlockDelta::Text("Hi".to_owned()),
            content_block_index: 2,
        }),
        ConverseStreamEvent::ContentBlockStart(ContentBlockStartEvent {
            start: ContentBlockStart::ToolUse(ToolUseBlockStart {
                tool_use_id: "t1".to_owned(),
                name: "weather".to_owned(),
            }),
            content_block_index: 3,
        }),
        ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
            delta: ContentBlockDelta::ToolUse(ToolUseBlockDelta {
                input: "{\"city\":".to_owned(),
            }),
            content_block_index: 3,
        }),
        ConverseStreamEvent::MessageStop(MessageStopEvent {
            stop_reason: ConverseStopReason::ToolUse,
            additional_model_response_fields: Some(json!({"x": 1})),
        }),
        ConverseStreamEvent::Metadata(ConverseStreamMetadata {
            usage: TokenUsage {
                input_tokens: 3,
                output_tokens: 5,
                total_tokens: 8,
                cache_read_input_tokens: None,
                cache_write_input_tokens: Some(2),
            },
            metrics: ConverseMetrics { latency_ms: 17 },
            trace: None,
            performance_config: Some(PerformanceConfiguration {
                latency: Latency::Standard,
            }),
            service_tier: Some(ServiceTier {
                kind: ServiceTierType::Default,
            }),
        }),
    ]
}

#[test]
fn every_stream_event_round_trips_and_unrepresented_deltas_are_named() {
    for event in events() {
        let sdk_event = stream_event_to_sdk(event.clone()).expect("to the SDK");
        assert_eq!(stream_event(sdk_event).expect("back"), Some(event));
    }

    let citation = sdk::ContentBlockDeltaEvent::builder()
        .delta(sdk::ContentBlockDelta::Citation(
            sdk::CitationsDelta::builder().build(),
        ))
        .content_block_index(4)
        .build()
        .expect("event");
    let err = stream_event(sdk::ConverseStreamOutput::ContentBlockDelta(citation))
        .expect_err("citations are not represented");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(
        err.to_string()
            .contains("field `contentBlockDelta.delta` has a `citation` delta"),
        "{err}"
    );

    let negative = sdk::ContentBlockStopEvent::builder()
        .content_block_index(-1)
        .build()
        .expect("event");
    let err = stream_event(sdk::ConverseStreamOutput::ContentBlockStop(negative))
        .expect_err("a negative index");
    assert!(
        err.to_string()
            .contains("`contentBlockStop.contentBlockIndex` has -1"),
        "{err}"
    );
}

#[test]
fn count_tokens_inputs_carry_the_conversation_or_the_body() {
    let request = everything();
    let input = count_tokens_input(CountTokensRequest {
        input: CountTokensInput::Converse(ConverseTokensRequest {
            messages: request.messages.clone(),
            system: request.system.clone(),
        }),
    })
    .expect("converts");
    match input {
        sdk::CountTokensInput::Converse(c) => {
            assert_eq!(c.messages().len(), 3);
            assert_eq!(c.system().len(), 3);
        }
        other => panic!("{other:?}"),
    }
    let input = count_tokens_input(CountTokensRequest {
        input: CountTokensInput::InvokeModel(InvokeModelTokensRequest {
            body: br#"{"prompt":"hi"}"#.to_vec(),
        }),
    })
    .expect("converts");
    match input {
        sdk::CountTokensInput::InvokeModel(i) => {
            assert_eq!(i.body.as_ref(), br#"{"prompt":"hi"}"#);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_and_documents_convert_both_ways() {
    let value =
        json!({"a": [1, -1, 1.5, "s", true, null, {"b": {}}], "u": u64::MAX, "i": i64::MIN});
    assert_eq!(
        json_from_document(document_from_json(value.clone())).expect("back"),
        value
    );
    let err = json_from_document(Document::Number(Number::Float(f64::INFINITY)))
        .expect_err("infinity is not JSON");
    assert_eq!(err.kind(), ErrorKind::Decode);
}
