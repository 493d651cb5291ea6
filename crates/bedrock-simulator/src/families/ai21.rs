//! AI21 Labs Jamba: OpenAI-style chat (`messages`, `max_tokens`, `n` → `choices`, `usage`).

use bedrock_core::InvocationMetrics;
use serde::Serialize;

use super::{Call, Completed, json_bytes, pieces, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::{KeyPiece, base62};
use crate::schema::{self, Violations, item};
use crate::text::{self, Finish, Generated};

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
    tool_calls: Option<()>,
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
    choices: Vec<Choice<'a>>,
    usage: Usage,
    model: &'a str,
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
}

#[derive(Serialize)]
struct StreamChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct StreamChunk<'a> {
    id: &'a str,
    choices: Vec<StreamChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// Jamba Instruct, Jamba 1.5 Large and Mini.
pub(super) fn chat(call: &Call<'_>) -> Result<Completed, Rejection> {
    let allowed = [
        "messages",
        "max_tokens",
        "temperature",
        "top_p",
        "stop",
        "n",
        "frequency_penalty",
        "presence_penalty",
        "response_format",
        "tools",
        "documents",
    ];
    let mut v = Violations::new();
    let mut max_tokens = 4096;
    let mut stops = Vec::new();
    let mut n = 1;
    let mut input_tokens: u32 = 0;
    if let Some(map) = schema::object(call.body, "#", &allowed, &["messages"], &mut v) {
        max_tokens = schema::integer(map, "#", "max_tokens", 0, 4096, &mut v).unwrap_or(max_tokens);
        schema::number(map, "#", "temperature", 0.0, 2.0, &mut v);
        schema::number(map, "#", "top_p", 0.0, 1.0, &mut v);
        stops = schema::string_array(map, "#", "stop", usize::MAX, &mut v).unwrap_or_default();
        n = schema::integer(map, "#", "n", 1, 16, &mut v).unwrap_or(n);
        if let Some(messages) = schema::array(map, "#", "messages", 1, usize::MAX, &mut v) {
            for (i, m) in messages.iter().enumerate() {
                let path = item("#/messages", i);
                if let Some(mm) = schema::object(
                    m,
                    &path,
                    &["role", "content", "tool_calls", "tool_call_id"],
                    &["role", "content"],
                    &mut v,
                ) {
                    schema::enumeration(
                        mm,
                        &path,
                        "role",
                        &["system", "user", "assistant", "tool"],
                        &mut v,
                    );
                    if let Some(c) = schema::string(mm, &path, "content", 0, usize::MAX, &mut v) {
                        input_tokens = input_tokens.saturating_add(text::count_tokens(c));
                    }
                }
            }
        }
    }
    v.finish()?;
    let messages = call.field("messages");
    let key = call.key(&[KeyPiece::Text("jamba\u{0}"), KeyPiece::Json(messages)]);
    let outs: Vec<_> = (0..n)
        .map(|i| {
            let choice_key = if i == 0 {
                key
            } else {
                let i = i.to_string();
                call.key(&[
                    KeyPiece::Text("jamba\u{0}"),
                    KeyPiece::Json(messages),
                    KeyPiece::Text("\u{0}"),
                    KeyPiece::Text(&i),
                ])
            };
            call.generate(&choice_key, max_tokens as u32, &stops)
        })
        .collect();
    let reason = |g: &Generated| {
        if g.finish == Finish::MaxTokens {
            "length"
        } else {
            "stop"
        }
    };
    let output_tokens = outs
        .iter()
        .map(|g| g.output_tokens)
        .fold(0, u32::saturating_add);
    let id = format!("chatcmpl-{}", base62(key.derived("id"), 24));
    let model = call.short_name();
    let usage = || Usage {
        prompt_tokens: input_tokens,
        completion_tokens: output_tokens,
        total_tokens: input_tokens.saturating_add(output_tokens),
    };
    let body = json_bytes(&Body {
        id: &id,
        choices: outs
            .iter()
            .enumerate()
            .map(|(i, g)| Choice {
                index: i as u32,
                message: Message {
                    role: "assistant",
                    content: &g.text,
                    tool_calls: None,
                },
                finish_reason: reason(g),
            })
            .collect(),
        usage: usage(),
        model,
    });
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let chunks = call.chunks(|| {
        let mut chunks = Vec::new();
        for (i, g) in outs.iter().enumerate() {
            let index = i as u32;
            chunks.push(json_bytes(&StreamChunk {
                id: &id,
                choices: vec![StreamChoice {
                    index,
                    delta: Delta {
                        role: Some("assistant"),
                        content: Some(""),
                    },
                    finish_reason: None,
                }],
                usage: None,
                metrics: None,
            }));
            for p in pieces(&g.text, 1, g.output_tokens) {
                if !p.text.is_empty() {
                    chunks.push(json_bytes(&StreamChunk {
                        id: &id,
                        choices: vec![StreamChoice {
                            index,
                            delta: Delta {
                                role: None,
                                content: Some(p.text),
                            },
                            finish_reason: None,
                        }],
                        usage: None,
                        metrics: None,
                    }));
                }
            }
            let last = i.saturating_add(1) == outs.len();
            chunks.push(json_bytes(&StreamChunk {
                id: &id,
                choices: vec![StreamChoice {
                    index,
                    delta: Delta {
                        role: None,
                        content: None,
                    },
                    finish_reason: Some(reason(g)),
                }],
                usage: last.then(usage),
                metrics: last.then_some(metrics),
            }));
        }
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
