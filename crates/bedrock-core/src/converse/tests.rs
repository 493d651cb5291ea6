//! Wire shapes, local checks and stream accumulation of the Converse types.

use serde_json::json;

use super::*;
use crate::error::Error;

fn field_of(err: Error) -> String {
    match err {
        Error::InvalidInput(f) => f.field,
        other => panic!("expected InvalidInput, got {other}"),
    }
}

#[test]
fn a_request_serialises_to_bedrocks_wire_shape() {
    let request = ConverseRequest {
        messages: vec![
            Message {
                role: ConversationRole::User,
                content: vec![
                    ContentBlock::Text("What is in this picture?".into()),
                    ContentBlock::Image(ImageBlock {
                        format: ConverseImageFormat::Png,
                        source: MediaSource::Bytes(vec![1, 2, 3]),
                    }),
                    ContentBlock::CachePoint(CachePointBlock::default()),
                ],
            },
            Message {
                role: ConversationRole::Assistant,
                content: vec![
                    ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(ReasoningText {
                        text: "think".into(),
                        signature: Some("sig".into()),
                    })),
                    ContentBlock::ToolUse(ToolUseBlock {
                        tool_use_id: "t1".into(),
                        name: "lookup".into(),
                        input: json!({"q": "x"}),
                    }),
                ],
            },
            Message {
                role: ConversationRole::User,
                content: vec![ContentBlock::ToolResult(ToolResultBlock {
                    tool_use_id: "t1".into(),
                    content: vec![ToolResultContent::Json(json!({"a": 1}))],
                    status: Some(ToolResultStatus::Error),
                })],
            },
        ],
        system: vec![SystemContentBlock::Text("Be brief.".into())],
        inference_config: Some(InferenceConfiguration {
            max_tokens: Some(100),
            ..Default::default()
        }),
        tool_config: Some(ToolConfiguration {
            tools: vec![ToolEntry::ToolSpec(ToolSpecification {
                name: "lookup".into(),
                description: None,
                input_schema: ToolInputSchema::Json(json!({"type": "object"})),
            })],
            tool_choice: Some(ToolChoice::Any {}),
        }),
        ..Default::default()
    };
    let wire = serde_json::to_value(&request).unwrap();
    assert_eq!(
        wire,
        json!({
            "messages": [
                {"role": "user", "content": [
                    {"text": "What is in this picture?"},
                    {"image": {"format": "png", "source": {"bytes": "AQID"}}},
                    {"cachePoint": {"type": "default"}}
                ]},
                {"role": "assistant", "content": [
                    {"reasoningContent": {"reasoningText": {"text": "think", "signature": "sig"}}},
                    {"toolUse": {"toolUseId": "t1", "name": "lookup", "input": {"q": "x"}}}
                ]},
                {"role": "user", "content": [
                    {"toolResult": {"toolUseId": "t1", "content": [{"json": {"a": 1}}], "status": "error"}}
                ]}
            ],
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 100},
            "toolConfig": {
                "tools": [{"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object"}}}}],
                "toolChoice": {"any": {}}
            }
        })
    );
    // The published schema (`cargo xtask codegen` writes docs/schemas/converse/) accepts it.
    let schema = crate::adapter::request_schema::<ConverseRequest>().to_value();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&wire)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let back: ConverseRequest = serde_json::from_value(wire).unwrap();
    assert_eq!(back, request);
    request.validate().unwrap();
}

#[test]
fn a_response_deserialises_from_bedrocks_wire_shape() {
    let body = json!({
        "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 9, "cacheReadInputTokens": 5},
        "metrics": {"latencyMs": 12}
    });
    let response: ConverseResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.text(), "Hi");
    assert_eq!(response.stop_reason, ConverseStopReason::EndTurn);
    assert_eq!(response.usage.cache_read_input_tokens, Some(5));
    let reply = ConverseReply::new(response);
    assert_eq!(reply.metadata.cache_read_input_tokens, Some(5));
    assert_eq!(reply.metadata.latency.as_millis(), 12);
}

#[test]
fn local_checks_name_the_field() {
    let cases: Vec<(ConverseRequest, &str)> = vec![
        (ConverseRequest::default(), "messages"),
        (
            ConverseRequest::from_messages(vec![Message::assistant("hi")]),
            "messages[0].role",
        ),
        (
            ConverseRequest::from_messages(vec![Message::user("a"), Message::user("b")]),
            "messages[1].role",
        ),
        (
            ConverseRequest::new("hi").with_max_tokens(0),
            "inferenceConfig.maxTokens",
        ),
        (
            ConverseRequest::new("hi").with_temperature(1.5),
            "inferenceConfig.temperature",
        ),
        (
            ConverseRequest::new("hi").with_tool(ToolSpecification {
                name: "bad name".into(),
                description: None,
                input_schema: ToolInputSchema::Json(json!({"type": "object"})),
            }),
            "toolConfig.tools[0].toolSpec.name",
        ),
        (
            ConverseRequest::new("hi")
                .with_tool(ToolSpecification {
                    name: "a".into(),
                    description: None,
                    input_schema: ToolInputSchema::Json(json!({"type": "object"})),
                })
                .with_tool_choice(ToolChoice::Tool { name: "b".into() }),
            "toolConfig.toolChoice.tool.name",
        ),
        (
            ConverseRequest::new("hi").with_tool_choice(ToolChoice::Any {}),
            "toolConfig.toolChoice",
        ),
        (
            ConverseRequest::from_messages(vec![Message {
                role: ConversationRole::User,
                content: vec![ContentBlock::Document(DocumentBlock {
                    format: DocumentFormat::Pdf,
                    name: "a/b".into(),
                    source: MediaSource::Bytes(vec![1]),
                })],
            }]),
            "messages[0].content[0].document.name",
        ),
        (
            ConverseRequest::from_messages(vec![Message {
                role: ConversationRole::User,
                content: vec![ContentBlock::Image(ImageBlock {
                    format: ConverseImageFormat::Png,
                    source: MediaSource::Bytes(vec![0; MAX_IMAGE_BYTES + 1]),
                })],
            }]),
            "messages[0].content[0].image.source.bytes",
        ),
    ];
    for (request, field) in cases {
        assert_eq!(field_of(request.validate().unwrap_err()), field);
    }
}

#[test]
fn stream_events_accumulate_into_the_whole_response() {
    let events: Vec<ConverseStreamEvent> = serde_json::from_value(json!([
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"delta": {"reasoningContent": {"text": "hm"}}, "contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"reasoningContent": {"signature": "s1"}}, "contentBlockIndex": 0}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"text": "Hel"}, "contentBlockIndex": 1}},
        {"contentBlockDelta": {"delta": {"text": "lo"}, "contentBlockIndex": 1}},
        {"contentBlockStop": {"contentBlockIndex": 1}},
        {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t1", "name": "f"}}, "contentBlockIndex": 2}},
        {"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"a\":"}}, "contentBlockIndex": 2}},
        {"contentBlockDelta": {"delta": {"toolUse": {"input": "1}"}}, "contentBlockIndex": 2}},
        {"contentBlockStop": {"contentBlockIndex": 2}},
        {"messageStop": {"stopReason": "tool_use"}},
        {"metadata": {"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 4}}}
    ]))
    .unwrap();
    let mut acc = ConverseAccumulator::new();
    for e in &events {
        acc.push(e).unwrap();
    }
    assert_eq!(acc.text(), "Hello");
    let response = acc.finish().unwrap();
    assert_eq!(response.stop_reason, ConverseStopReason::ToolUse);
    assert_eq!(
        response.message().content,
        vec![
            ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(ReasoningText {
                text: "hm".into(),
                signature: Some("s1".into()),
            })),
            ContentBlock::Text("Hello".into()),
            ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: "t1".into(),
                name: "f".into(),
                input: json!({"a": 1}),
            }),
        ]
    );
    assert_eq!(response.usage.total_tokens, 3);
}

#[test]
fn a_stream_without_message_stop_or_with_broken_tool_input_fails() {
    assert!(ConverseAccumulator::new().finish().is_err());
    let events: Vec<ConverseStreamEvent> = serde_json::from_value(json!([
        {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t1", "name": "f"}}, "contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"a\":"}}, "contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "tool_use"}}
    ]))
    .unwrap();
    let mut acc = ConverseAccumulator::new();
    for e in &events {
        acc.push(e).unwrap();
    }
    assert!(matches!(acc.finish(), Err(Error::Decode { .. })));
}
