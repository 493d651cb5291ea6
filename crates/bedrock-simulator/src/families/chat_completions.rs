//! The OpenAI chat-completions body on InvokeModel, as OpenAI gpt-oss, Qwen3, DeepSeek-V3.1,
//! Writer Palmyra and the newest Mistral models take it: `messages` (roles `system`,
//! `developer`, `user`, `assistant`, `tool`; content a string, a `{text}` object or a list of
//! parts) → `choices[{index, message{role, content}, finish_reason}]` with `usage`; streamed as
//! `chat.completion.chunk` documents with `delta`s.

use bedrock_core::InvocationMetrics;
use serde::Serialize;
use serde_json::Value;

use super::{Call, Completed, json_bytes, pieces, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations, child, item};
use crate::text::{self, Finish};

/// The largest `max_tokens` / `max_completion_tokens` accepted.
const MAX_OUTPUT_TOKENS: i64 = 32_768;
/// The output limit when the body gives none.
const DEFAULT_MAX_TOKENS: i64 = 4096;

const ALLOWED: &[&str] = &[
    "messages",
    "model",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "stream",
    "stream_options",
    "n",
    "seed",
    "tools",
    "tool_choice",
    "response_format",
    "reasoning_effort",
    "presence_penalty",
    "frequency_penalty",
    "include_reasoning",
];

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    message: Message<'a>,
    finish_reason: &'a str,
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: u32,
    completion_tokens: u32,
    total_tokens: u32,
}

#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: Vec<Choice<'a>>,
    usage: Usage,
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    content: &'a str,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: Vec<ChunkChoice<'a>>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// The tokens of one message's content, recording shape violations.
fn content_tokens(
    content: Option<&Value>,
    path: &dyn std::fmt::Display,
    v: &mut Violations,
) -> u32 {
    match content {
        Some(Value::String(s)) => text::count_tokens(s),
        Some(Value::Object(part)) => part
            .get("text")
            .and_then(Value::as_str)
            .map_or(0, text::count_tokens),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| {
                p.get("text")
                    .and_then(Value::as_str)
                    .map_or(1, text::count_tokens)
            })
            .fold(0, u32::saturating_add),
        Some(Value::Null) | None => 0,
        Some(other) => {
            v.add(
                &child(path, "content"),
                format!(
                    "expected type: String, JSONObject or JSONArray, found: {}",
                    schema::type_name(other)
                ),
            );
            0
        }
    }
}

/// Any chat-completions model.
pub(super) fn chat(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let mut input_tokens: u32 = 0;
    let mut max_tokens = DEFAULT_MAX_TOKENS;
    let mut stops: Vec<String> = Vec::new();
    if let Some(map) = schema::object(call.body, "#", ALLOWED, &["messages"], &mut v) {
        if let Some(messages) = schema::array(map, "#", "messages", 1, usize::MAX, &mut v) {
            for (i, m) in messages.iter().enumerate() {
                let path = item("#/messages", i);
                let allowed = ["role", "content", "name", "tool_calls", "tool_call_id"];
                if let Some(message) = schema::object(m, &path, &allowed, &["role"], &mut v) {
                    schema::enumeration(
                        message,
                        &path,
                        "role",
                        &["system", "developer", "user", "assistant", "tool"],
                        &mut v,
                    );
                    input_tokens = input_tokens.saturating_add(content_tokens(
                        schema::get(message, "content"),
                        &path,
                        &mut v,
                    ));
                }
            }
        }
        for key in ["max_tokens", "max_completion_tokens"] {
            if let Some(n) = schema::integer(map, "#", key, 1, MAX_OUTPUT_TOKENS, &mut v) {
                max_tokens = n;
            }
        }
        schema::number(map, "#", "temperature", 0.0, 2.0, &mut v);
        schema::number(map, "#", "top_p", 0.0, 1.0, &mut v);
        schema::integer(map, "#", "n", 1, 1, &mut v);
        match schema::get(map, "stop") {
            Some(Value::String(s)) => stops.push(s.clone()),
            Some(_) => {
                stops = schema::string_array(map, "#", "stop", 4, &mut v).unwrap_or_default();
            }
            None => {}
        }
    }
    v.finish()?;
    let key = call.key(&[
        KeyPiece::Text("chat-completions\u{0}"),
        KeyPiece::Json(call.field("messages")),
    ]);
    // `max_tokens` is within 1..=32,768 here.
    let generated = call.generate(&key, max_tokens as u32, &stops);
    let finish = if generated.finish == Finish::MaxTokens {
        "length"
    } else {
        "stop"
    };
    let output_tokens = generated.output_tokens;
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let id = format!("chatcmpl-{:016x}", key.derived("completion id"));
    // A fixed creation time keeps bodies reproducible; it is the models' launch on Bedrock.
    let created = 1_754_352_000;
    let model = call.model.model_id;
    let body = json_bytes(&Body {
        id: &id,
        object: "chat.completion",
        created,
        model,
        choices: vec![Choice {
            index: 0,
            message: Message {
                role: "assistant",
                content: &generated.text,
            },
            finish_reason: finish,
        }],
        usage: Usage {
            prompt_tokens: input_tokens,
            completion_tokens: output_tokens,
            total_tokens: input_tokens.saturating_add(output_tokens),
        },
    });
    let chunks = call.chunks(|| {
        pieces(&generated.text, 1, output_tokens)
            .iter()
            .map(|p| {
                json_bytes(&Chunk {
                    id: &id,
                    object: "chat.completion.chunk",
                    created,
                    model,
                    choices: vec![ChunkChoice {
                        index: 0,
                        delta: Delta {
                            role: p.first.then_some("assistant"),
                            content: p.text,
                        },
                        finish_reason: p.last.then_some(finish),
                    }],
                    metrics: p.last.then_some(metrics),
                })
            })
            .collect()
    });
    Ok(Completed {
        body,
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}
