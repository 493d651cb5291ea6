//! Amazon Nova Micro / Lite / Pro / Premier: the `messages-v1` schema (`messages`, `system`,
//! `inferenceConfig`) → `output.message`, `stopReason`, `usage`, and its stream events.

use std::fmt;

use bedrock_core::InvocationMetrics;
use serde::Serialize;
use serde_json::Value;

use super::{Call, Completed, json_bytes, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations, child, item};
use crate::text::{self, Finish};

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Message<'a> {
    content: Vec<Text<'a>>,
    role: &'static str,
}

#[derive(Serialize)]
struct Output<'a> {
    message: Message<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    input_tokens: u32,
    output_tokens: u32,
    total_tokens: u32,
    cache_read_input_token_count: u32,
    cache_write_input_token_count: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    output: Output<'a>,
    stop_reason: &'a str,
    usage: Usage,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum Event<'a> {
    MessageStart {
        role: &'static str,
    },
    #[serde(rename_all = "camelCase")]
    ContentBlockDelta {
        delta: Text<'a>,
        content_block_index: u32,
    },
    #[serde(rename_all = "camelCase")]
    ContentBlockStop {
        content_block_index: u32,
    },
    #[serde(rename_all = "camelCase")]
    MessageStop {
        stop_reason: &'a str,
    },
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StreamUsage {
    input_tokens: u32,
    output_tokens: u32,
}

#[derive(Serialize)]
struct Metadata {
    usage: StreamUsage,
    metrics: Empty,
    trace: Empty,
}

#[derive(Serialize)]
struct MetadataChunk {
    metadata: Metadata,
    #[serde(rename = "amazon-bedrock-invocationMetrics")]
    metrics: InvocationMetrics,
}

/// Nova text models.
pub(super) fn text(call: &Call<'_>) -> Result<Completed, Rejection> {
    let allowed = [
        "schemaVersion",
        "system",
        "messages",
        "inferenceConfig",
        "toolConfig",
    ];
    let limit = if call.model.model_id.contains("premier") {
        32_000
    } else {
        10_000
    };
    let mut v = Violations::new();
    let mut max_tokens = 5000;
    let mut stops = Vec::new();
    let mut input_tokens: u32 = 0;
    if let Some(map) = schema::object(call.body, "#", &allowed, &["messages"], &mut v) {
        schema::enumeration(map, "#", "schemaVersion", &["messages-v1"], &mut v);
        if let Some(system) = schema::array(map, "#", "system", 0, usize::MAX, &mut v) {
            for (i, s) in system.iter().enumerate() {
                input_tokens =
                    input_tokens.saturating_add(part_tokens(s, &item("#/system", i), &mut v));
            }
        }
        if let Some(messages) = schema::array(map, "#", "messages", 1, usize::MAX, &mut v) {
            for (i, m) in messages.iter().enumerate() {
                let path = item("#/messages", i);
                if let Some(mm) =
                    schema::object(m, &path, &["role", "content"], &["role", "content"], &mut v)
                {
                    schema::enumeration(mm, &path, "role", &["user", "assistant"], &mut v);
                    if let Some(parts) = schema::array(mm, &path, "content", 1, usize::MAX, &mut v)
                    {
                        for (j, p) in parts.iter().enumerate() {
                            input_tokens = input_tokens.saturating_add(part_tokens(
                                p,
                                &item(&child(&path, "content"), j),
                                &mut v,
                            ));
                        }
                    }
                }
            }
        }
        if let Some(config) = schema::get(map, "inferenceConfig") {
            let path = "#/inferenceConfig";
            let allowed = [
                "maxTokens",
                "max_new_tokens",
                "temperature",
                "topP",
                "topK",
                "stopSequences",
            ];
            if let Some(c) = schema::object(config, path, &allowed, &[], &mut v) {
                max_tokens = schema::integer(c, path, "maxTokens", 1, limit, &mut v)
                    .or_else(|| schema::integer(c, path, "max_new_tokens", 1, limit, &mut v))
                    .unwrap_or(max_tokens);
                schema::number(c, path, "temperature", 0.0, 1.0, &mut v);
                schema::number(c, path, "topP", 0.0, 1.0, &mut v);
                schema::integer(c, path, "topK", 0, 128, &mut v);
                stops =
                    schema::string_array(c, path, "stopSequences", 4, &mut v).unwrap_or_default();
            }
        }
    }
    v.finish()?;
    let key = call.key(&[
        KeyPiece::Text("nova\u{0}"),
        KeyPiece::Json(call.field("system")),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(call.field("messages")),
    ]);
    let generated = call.generate(&key, max_tokens as u32, &stops);
    let output_tokens = generated.output_tokens;
    let stop_reason = match generated.finish {
        Finish::EndTurn => "end_turn",
        Finish::MaxTokens => "max_tokens",
        Finish::StopSequence(_) => "stop_sequence",
    };
    let body = json_bytes(&Body {
        output: Output {
            message: Message {
                content: vec![Text {
                    text: &generated.text,
                }],
                role: "assistant",
            },
        },
        stop_reason,
        usage: Usage {
            input_tokens,
            output_tokens,
            total_tokens: input_tokens.saturating_add(output_tokens),
            cache_read_input_token_count: 0,
            cache_write_input_token_count: 0,
        },
    });
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let chunks = call.chunks(|| {
        let mut chunks = vec![json_bytes(&Event::MessageStart { role: "assistant" })];
        for d in text::deltas(&generated.text, 1) {
            chunks.push(json_bytes(&Event::ContentBlockDelta {
                delta: Text { text: d },
                content_block_index: 0,
            }));
        }
        chunks.push(json_bytes(&Event::ContentBlockStop {
            content_block_index: 0,
        }));
        chunks.push(json_bytes(&Event::MessageStop { stop_reason }));
        chunks.push(json_bytes(&MetadataChunk {
            metadata: Metadata {
                usage: StreamUsage {
                    input_tokens,
                    output_tokens,
                },
                metrics: Empty {},
                trace: Empty {},
            },
            metrics,
        }));
        chunks
    });
    Ok(Completed {
        body,
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}

/// Tokens of one content part: the words of `text`, one for an image, video, document or tool
/// part.
fn part_tokens(part: &Value, path: &dyn fmt::Display, v: &mut Violations) -> u32 {
    let kinds = [
        "text",
        "image",
        "video",
        "document",
        "toolUse",
        "toolResult",
        "cachePoint",
    ];
    let Some(map) = schema::object(part, path, &kinds, &[], v) else {
        return 0;
    };
    if map.is_empty() {
        v.add(
            path,
            "expected one of [text, image, video, document, toolUse, toolResult]",
        );
    }
    match schema::get(map, "text") {
        Some(t) => schema::string_value(t, &child(path, "text"), 0, usize::MAX, v)
            .map_or(0, text::count_tokens),
        None => 1,
    }
}
