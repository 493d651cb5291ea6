//! Anthropic Claude: legacy text completions (`prompt`, `max_tokens_to_sample`) and the
//! Messages API (`anthropic_version`, `max_tokens`, `messages`), with their stream chunks.

use bedrock_core::InvocationMetrics;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Call, Completed, json_bytes, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::{KeyPiece, base62};
use crate::schema::{self, Violations, child};
use crate::text::{self, Finish};

const HUMAN: &str = "\n\nHuman:";
const ASSISTANT: &str = "\n\nAssistant:";
const VERSION: &str = "bedrock-2023-05-31";

/// Claude v2 / Instant: the body decides between text completions and Messages.
pub(super) fn legacy_or_messages(call: &Call<'_>) -> Result<Completed, Rejection> {
    if call.body.get("prompt").is_some() && call.body.get("messages").is_none() {
        completions(call)
    } else {
        messages(call)
    }
}

#[derive(Serialize)]
struct CompletionBody<'a> {
    completion: String,
    stop_reason: Option<&'a str>,
    stop: Option<&'a str>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

fn completions(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let allowed = [
        "prompt",
        "max_tokens_to_sample",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "anthropic_version",
    ];
    let mut prompt = "";
    let mut max_tokens = 0;
    let mut stops = Vec::new();
    if let Some(map) = schema::object(
        call.body,
        "#",
        &allowed,
        &["prompt", "max_tokens_to_sample"],
        &mut v,
    ) {
        if let Some(p) = map.get("prompt") {
            prompt = schema::string_value(p, "#/prompt", 0, usize::MAX, &mut v).unwrap_or("");
        }
        max_tokens =
            schema::integer(map, "#", "max_tokens_to_sample", 0, 4096, &mut v).unwrap_or(0);
        schema::number(map, "#", "temperature", 0.0, 1.0, &mut v);
        schema::number(map, "#", "top_p", 0.0, 1.0, &mut v);
        schema::integer(map, "#", "top_k", 0, 500, &mut v);
        stops = schema::string_array(map, "#", "stop_sequences", usize::MAX, &mut v)
            .unwrap_or_default();
        schema::enumeration(map, "#", "anthropic_version", &[VERSION], &mut v);
    }
    v.finish()?;
    check_turns(prompt)?;

    let input_tokens = text::count_tokens(prompt);
    let mut all_stops = stops;
    all_stops.push(HUMAN.to_owned());
    let key = call.key(&[KeyPiece::Text("completions\u{0}"), KeyPiece::Text(prompt)]);
    let generated = call.generate(&key, max_tokens as u32, &all_stops);
    let completion = if generated.text.is_empty() {
        String::new()
    } else {
        format!(" {}", generated.text)
    };
    let (stop_reason, stop) = match &generated.finish {
        Finish::EndTurn => ("stop_sequence", Some(HUMAN)),
        Finish::MaxTokens => ("max_tokens", None),
        Finish::StopSequence(s) => ("stop_sequence", Some(s.as_str())),
    };
    let output_tokens = generated.output_tokens;
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let body = json_bytes(&CompletionBody {
        completion: completion.clone(),
        stop_reason: Some(stop_reason),
        stop,
        metrics: None,
    });
    let chunks = call.chunks(|| {
        let mut chunks: Vec<Vec<u8>> = text::deltas(&completion, 1)
            .into_iter()
            .map(|d| {
                json_bytes(&CompletionBody {
                    completion: d.to_owned(),
                    stop_reason: None,
                    stop: None,
                    metrics: None,
                })
            })
            .collect();
        chunks.push(json_bytes(&CompletionBody {
            completion: String::new(),
            stop_reason: Some(stop_reason),
            stop,
            metrics: Some(metrics),
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

/// Anthropic's rule for legacy prompts: an optional system prompt, then a `Human:` turn first
/// and an `Assistant:` turn last.
fn check_turns(prompt: &str) -> Result<(), Rejection> {
    let mut problems = Vec::new();
    let starts_ok = prompt
        .find(HUMAN)
        .is_some_and(|h| !prompt[..h].contains(ASSISTANT));
    if !starts_ok {
        problems.push("prompt must start with \"\n\nHuman:\" turn after an optional system prompt");
    }
    let ends_ok = match (prompt.rfind(ASSISTANT), prompt.rfind(HUMAN)) {
        (Some(a), Some(h)) => a > h,
        (Some(_), None) => true,
        _ => false,
    };
    if !ends_ok {
        problems.push("prompt must end with \"\n\nAssistant:\" turn");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Rejection::validation(problems.join(", ")))
    }
}

/// The largest `max_tokens` each Claude model accepts.
fn max_output_tokens(short_name: &str) -> i64 {
    match short_name {
        n if n.starts_with("claude-3-5") => 8192,
        n if n.starts_with("claude-3-7") => 64_000,
        n if n.starts_with("claude-3") => 4096,
        n if n.starts_with("claude-opus-4-2") || n.starts_with("claude-opus-4-1") => 32_000,
        n if n.starts_with("claude-sonnet-4") || n.starts_with("claude-haiku-4") => 64_000,
        n if n.starts_with("claude-opus-4") => 64_000,
        _ => 4096,
    }
}

#[derive(Serialize)]
struct TextBlock<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct Usage {
    input_tokens: u32,
    output_tokens: u32,
}

#[derive(Serialize)]
struct Message<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: Vec<TextBlock<'a>>,
    stop_reason: Option<&'a str>,
    stop_sequence: Option<&'a str>,
    usage: Usage,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StreamEvent<'a> {
    MessageStart {
        message: Message<'a>,
    },
    ContentBlockStart {
        index: u32,
        content_block: TextBlock<'a>,
    },
    ContentBlockDelta {
        index: u32,
        delta: TextBlock<'a>,
    },
    ContentBlockStop {
        index: u32,
    },
    MessageDelta {
        delta: StopDelta<'a>,
        usage: OutputUsage,
    },
    MessageStop {
        #[serde(rename = "amazon-bedrock-invocationMetrics")]
        metrics: InvocationMetrics,
    },
}

#[derive(Serialize)]
struct StopDelta<'a> {
    stop_reason: &'a str,
    stop_sequence: Option<&'a str>,
}

#[derive(Serialize)]
struct OutputUsage {
    output_tokens: u32,
}

/// The Messages API.
pub(super) fn messages(call: &Call<'_>) -> Result<Completed, Rejection> {
    let short = call.short_name();
    if call.body.get("prompt").is_some() && call.body.get("messages").is_none() {
        return Err(Rejection::validation(format!(
            "\"{short}\" is not supported on this API. Please use the Messages API instead."
        )));
    }
    let mut v = Violations::new();
    let allowed = [
        "anthropic_version",
        "anthropic_beta",
        "max_tokens",
        "messages",
        "system",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "tools",
        "tool_choice",
        "metadata",
        "thinking",
    ];
    let required = ["anthropic_version", "max_tokens", "messages"];
    let mut max_tokens = 0;
    let mut stops = Vec::new();
    let mut input_tokens = 0;
    if let Some(map) = schema::object(call.body, "#", &allowed, &required, &mut v) {
        schema::enumeration(map, "#", "anthropic_version", &[VERSION], &mut v);
        max_tokens = schema::integer(map, "#", "max_tokens", 1, i64::MAX, &mut v).unwrap_or(0);
        schema::number(map, "#", "temperature", 0.0, 1.0, &mut v);
        schema::number(map, "#", "top_p", 0.0, 1.0, &mut v);
        schema::integer(map, "#", "top_k", 0, 500, &mut v);
        stops = schema::string_array(map, "#", "stop_sequences", usize::MAX, &mut v)
            .unwrap_or_default();
        schema::array(map, "#", "anthropic_beta", 0, usize::MAX, &mut v);
        schema::array(map, "#", "tools", 0, usize::MAX, &mut v);
        input_tokens += system_tokens(map, &mut v);
        if let Some(messages) = schema::array(map, "#", "messages", 1, usize::MAX, &mut v) {
            for (i, m) in messages.iter().enumerate() {
                input_tokens += message_tokens(m, &child("#/messages", &i.to_string()), &mut v);
            }
        }
    }
    v.finish()?;
    let limit = max_output_tokens(short);
    if max_tokens > limit {
        return Err(Rejection::validation(format!(
            "max_tokens: {max_tokens} > {limit}, which is the maximum allowed number of output \
             tokens for {short}"
        )));
    }

    let prompt_key = call.key(&[
        KeyPiece::Text("messages\u{0}"),
        KeyPiece::Json(call.field("system")),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(call.field("messages")),
    ]);
    let generated = call.generate(&prompt_key, max_tokens as u32, &stops);
    let output_tokens = generated.output_tokens;
    let (stop_reason, stop_sequence) = match &generated.finish {
        Finish::EndTurn => ("end_turn", None),
        Finish::MaxTokens => ("max_tokens", None),
        Finish::StopSequence(s) => ("stop_sequence", Some(s.as_str())),
    };
    let id = format!(
        "msg_bdrk_01{}",
        base62(prompt_key.derived("message id"), 22)
    );
    let content = if generated.text.is_empty() {
        Vec::new()
    } else {
        vec![TextBlock {
            kind: "text",
            text: &generated.text,
        }]
    };
    let body = json_bytes(&Message {
        id: &id,
        kind: "message",
        role: "assistant",
        model: short,
        content,
        stop_reason: Some(stop_reason),
        stop_sequence,
        usage: Usage {
            input_tokens,
            output_tokens,
        },
    });

    let metrics = simulated_metrics(input_tokens, output_tokens);
    let chunks = call.chunks(|| {
        let mut events = vec![
            StreamEvent::MessageStart {
                message: Message {
                    id: &id,
                    kind: "message",
                    role: "assistant",
                    model: short,
                    content: Vec::new(),
                    stop_reason: None,
                    stop_sequence: None,
                    usage: Usage {
                        input_tokens,
                        output_tokens: 1,
                    },
                },
            },
            StreamEvent::ContentBlockStart {
                index: 0,
                content_block: TextBlock {
                    kind: "text",
                    text: "",
                },
            },
        ];
        events.extend(text::deltas(&generated.text, 1).into_iter().map(|d| {
            StreamEvent::ContentBlockDelta {
                index: 0,
                delta: TextBlock {
                    kind: "text_delta",
                    text: d,
                },
            }
        }));
        events.push(StreamEvent::ContentBlockStop { index: 0 });
        events.push(StreamEvent::MessageDelta {
            delta: StopDelta {
                stop_reason,
                stop_sequence,
            },
            usage: OutputUsage { output_tokens },
        });
        events.push(StreamEvent::MessageStop { metrics });
        events.iter().map(json_bytes).collect()
    });
    Ok(Completed {
        body,
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}

fn system_tokens(map: &Map<String, Value>, v: &mut Violations) -> u32 {
    match map.get("system") {
        None => 0,
        Some(Value::String(s)) => text::count_tokens(s),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .enumerate()
            .map(|(i, b)| block_tokens(b, &child("#/system", &i.to_string()), v))
            .sum(),
        Some(other) => {
            v.add(
                "#/system",
                format!("expected type: String, found: {}", schema::type_name(other)),
            );
            0
        }
    }
}

fn message_tokens(message: &Value, path: &str, v: &mut Violations) -> u32 {
    let Some(map) = schema::object(message, path, &["role", "content"], &["role", "content"], v)
    else {
        return 0;
    };
    schema::enumeration(map, path, "role", &["user", "assistant"], v);
    match map.get("content") {
        None => 0,
        Some(Value::String(s)) => text::count_tokens(s),
        Some(Value::Array(blocks)) => {
            if blocks.is_empty() {
                v.add(
                    &child(path, "content"),
                    "expected minimum item count: 1, found: 0",
                );
            }
            blocks
                .iter()
                .enumerate()
                .map(|(i, b)| block_tokens(b, &child(&child(path, "content"), &i.to_string()), v))
                .sum()
        }
        Some(other) => {
            v.add(
                &child(path, "content"),
                format!(
                    "expected type: JSONArray, found: {}",
                    schema::type_name(other)
                ),
            );
            0
        }
    }
}

/// Tokens of one content block: the words of its text, one for anything that is not text.
fn block_tokens(block: &Value, path: &str, v: &mut Violations) -> u32 {
    let Value::Object(map) = block else {
        v.add(
            path,
            format!(
                "expected type: JSONObject, found: {}",
                schema::type_name(block)
            ),
        );
        return 0;
    };
    let kind = map.get("type").and_then(Value::as_str);
    match kind {
        None => {
            v.add(path, "required key [type] not found");
            0
        }
        Some("text") => {
            if !map.contains_key("text") {
                v.add(path, "required key [text] not found");
            }
            map.get("text")
                .and_then(|t| schema::string_value(t, &child(path, "text"), 0, usize::MAX, v))
                .map_or(0, text::count_tokens)
        }
        Some("image") => {
            let source_path = child(path, "source");
            match map.get("source") {
                Some(source) => {
                    if let Some(s) = schema::object(
                        source,
                        &source_path,
                        &["type", "media_type", "data"],
                        &["type", "media_type", "data"],
                        v,
                    ) {
                        schema::enumeration(s, &source_path, "type", &["base64"], v);
                        schema::enumeration(
                            s,
                            &source_path,
                            "media_type",
                            &["image/jpeg", "image/png", "image/gif", "image/webp"],
                            v,
                        );
                        schema::string(s, &source_path, "data", 1, usize::MAX, v);
                    }
                }
                None => v.add(path, "required key [source] not found"),
            }
            1
        }
        Some("tool_result") => {
            1 + match map.get("content") {
                Some(Value::String(s)) => text::count_tokens(s),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        block_tokens(b, &child(&child(path, "content"), &i.to_string()), v)
                    })
                    .sum(),
                _ => 0,
            }
        }
        Some("document" | "tool_use" | "thinking" | "redacted_thinking") => 1,
        Some(other) => {
            v.add(
                &child(path, "type"),
                format!("{other} is not a valid enum value"),
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_turn_rules() {
        assert!(check_turns("\n\nHuman: hi\n\nAssistant:").is_ok());
        assert!(check_turns("System text\n\nHuman: hi\n\nAssistant: Sure,").is_ok());
        let e = check_turns("hi").unwrap_err().message;
        assert!(
            e.contains("must start with") && e.contains("must end with"),
            "{e}"
        );
        let e = check_turns("\n\nHuman: hi").unwrap_err().message;
        assert_eq!(e, "prompt must end with \"\n\nAssistant:\" turn");
        assert!(check_turns("\n\nAssistant: x\n\nHuman: hi\n\nAssistant:").is_err());
    }

    #[test]
    fn output_limits() {
        assert_eq!(max_output_tokens("claude-3-haiku-20240307"), 4096);
        assert_eq!(max_output_tokens("claude-3-5-sonnet-20241022"), 8192);
        assert_eq!(max_output_tokens("claude-opus-4-1-20250805"), 32_000);
        assert_eq!(max_output_tokens("claude-sonnet-4-5-20250929"), 64_000);
    }
}
