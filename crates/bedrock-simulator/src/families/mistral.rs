//! Mistral AI: the text-prompt format (`prompt`, `max_tokens`, `stop` → `outputs[{text,
//! stop_reason}]`) and, for Mistral Large 2407 and Pixtral Large, the chat format (`messages` →
//! `choices[{index, message, stop_reason}]`).

use std::fmt;

use bedrock_core::InvocationMetrics;
use serde::Serialize;
use serde_json::Value;

use super::{
    Call, Completed, PromptFormat, json_bytes, pieces, read_prompt_request, simulated_metrics,
};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations, child, item};
use crate::text::{self, Finish};

#[derive(Serialize)]
struct Output<'a> {
    text: &'a str,
    stop_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct OutputsBody<'a> {
    outputs: Vec<Output<'a>>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct ChatChoice<'a> {
    index: u32,
    message: ChatMessage<'a>,
    stop_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct ChatBody<'a> {
    choices: Vec<ChatChoice<'a>>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// Which formats a Mistral model takes: (text prompt, chat).
fn formats(model_id: &str) -> (bool, bool) {
    if model_id.contains("pixtral") {
        (false, true)
    } else if model_id.contains("large-2407") {
        (true, true)
    } else {
        (true, false)
    }
}

fn max_tokens_limit(model_id: &str) -> i64 {
    if model_id.contains("mixtral") {
        4096
    } else {
        8192
    }
}

/// Any Mistral model.
pub(super) fn text(call: &Call<'_>) -> Result<Completed, Rejection> {
    let model_id = call.model.model_id;
    let (prompt_ok, chat_ok) = formats(model_id);
    let is_chat = chat_ok && (schema::field(call.body, "messages").is_some() || !prompt_ok);
    let mut v = Violations::new();
    let default_max = if model_id.contains("large") {
        8192
    } else {
        512
    };
    let mut input_tokens: u32 = 0;
    let (allowed, required): (&[&str], &[&str]) = if is_chat {
        (
            &[
                "messages",
                "max_tokens",
                "temperature",
                "top_p",
                "stop",
                "tools",
                "tool_choice",
                "response_format",
            ],
            &["messages"],
        )
    } else {
        (
            &[
                "prompt",
                "max_tokens",
                "stop",
                "temperature",
                "top_p",
                "top_k",
            ],
            &["prompt"],
        )
    };
    let request = read_prompt_request(
        call.body,
        &PromptFormat {
            allowed,
            required,
            max_key: "max_tokens",
            max_limit: max_tokens_limit(model_id),
            default_max,
            stop: true,
            limits_first: true,
        },
        &mut v,
    );
    if let Some(p) = request.prompt {
        input_tokens = input_tokens.saturating_add(text::count_tokens(p));
    }
    if let Some(map) = request.map {
        schema::integer(map, "#", "top_k", 0, 200, &mut v);
        if let Some(messages) = schema::array(map, "#", "messages", 1, usize::MAX, &mut v) {
            for (i, m) in messages.iter().enumerate() {
                input_tokens = input_tokens.saturating_add(chat_message_tokens(
                    m,
                    &item("#/messages", i),
                    &mut v,
                ));
            }
        }
    }
    v.finish()?;
    let (max_tokens, stops) = (request.max_tokens, request.stops);
    let key_source = if is_chat {
        schema::field(call.body, "messages")
    } else {
        schema::field(call.body, "prompt")
    };
    let prompt_key = call.key(&[
        KeyPiece::Text("mistral\u{0}"),
        KeyPiece::Json(key_source.unwrap_or(&Value::Null)),
    ]);
    let generated = call.generate(&prompt_key, max_tokens as u32, &stops);
    let stop_reason = if generated.finish == Finish::MaxTokens {
        "length"
    } else {
        "stop"
    };
    let output_tokens = generated.output_tokens;
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let (body, chunks) = if is_chat {
        let body = json_bytes(&ChatBody {
            choices: vec![ChatChoice {
                index: 0,
                message: ChatMessage {
                    role: "assistant",
                    content: &generated.text,
                },
                stop_reason: Some(stop_reason),
            }],
            metrics: None,
        });
        let chunks = call.chunks(|| {
            pieces(&generated.text, 1, output_tokens)
                .iter()
                .map(|p| {
                    json_bytes(&ChatBody {
                        choices: vec![ChatChoice {
                            index: 0,
                            message: ChatMessage {
                                role: "assistant",
                                content: p.text,
                            },
                            stop_reason: p.last.then_some(stop_reason),
                        }],
                        metrics: p.last.then_some(metrics),
                    })
                })
                .collect()
        });
        (body, chunks)
    } else {
        let body = json_bytes(&OutputsBody {
            outputs: vec![Output {
                text: &generated.text,
                stop_reason: Some(stop_reason),
            }],
            metrics: None,
        });
        let chunks = call.chunks(|| {
            pieces(&generated.text, 1, output_tokens)
                .iter()
                .map(|p| {
                    json_bytes(&OutputsBody {
                        outputs: vec![Output {
                            text: p.text,
                            stop_reason: p.last.then_some(stop_reason),
                        }],
                        metrics: p.last.then_some(metrics),
                    })
                })
                .collect()
        });
        (body, chunks)
    };
    Ok(Completed {
        body,
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}

/// Tokens of one chat message (`content` a string or a list of `text` / `image_url` parts).
fn chat_message_tokens(message: &Value, path: &dyn fmt::Display, v: &mut Violations) -> u32 {
    let allowed = ["role", "content", "tool_calls", "tool_call_id", "name"];
    let Some(map) = schema::object(message, path, &allowed, &["role"], v) else {
        return 0;
    };
    schema::enumeration(
        map,
        path,
        "role",
        &["system", "user", "assistant", "tool"],
        v,
    );
    match schema::get(map, "content") {
        Some(Value::String(s)) => text::count_tokens(s),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| match p.get("text").and_then(Value::as_str) {
                Some(t) => text::count_tokens(t),
                None => 1,
            })
            .fold(0, u32::saturating_add),
        Some(Value::Null) | None => 0,
        Some(other) => {
            v.add(
                &child(path, "content"),
                format!("expected type: String, found: {}", schema::type_name(other)),
            );
            0
        }
    }
}
