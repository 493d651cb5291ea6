//! Anthropic Claude: legacy text completions (`prompt`, `max_tokens_to_sample`) and the
//! Messages API (`anthropic_version`, `max_tokens`, `messages`), with their stream chunks.

use std::borrow::Cow;
use std::fmt;

use bedrock_core::InvocationMetrics;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::{Call, Completed, PromptKey, json_bytes, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::{KeyPiece, push_base62};
use crate::schema::{self, Violations, child, item};
use crate::text::{self, Finish};

const HUMAN: &str = "\n\nHuman:";
const ASSISTANT: &str = "\n\nAssistant:";
const VERSION: &str = "bedrock-2023-05-31";

/// Claude v2 / Instant: the body decides between text completions and Messages.
pub(super) fn legacy_or_messages(call: &Call<'_>) -> Result<Completed, Rejection> {
    if schema::field(call.body, "prompt").is_some()
        && schema::field(call.body, "messages").is_none()
    {
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
        if let Some(p) = schema::get(map, "prompt") {
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
        .and_then(|h| prompt.get(..h))
        .is_some_and(|before| !before.contains(ASSISTANT));
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
    content: &'a [TextBlock<'a>],
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
    if schema::field(call.body, "prompt").is_some()
        && schema::field(call.body, "messages").is_none()
    {
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
    let mut input_tokens: u32 = 0;
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
        input_tokens = input_tokens.saturating_add(system_tokens(map, &mut v));
        if let Some(messages) = schema::array(map, "#", "messages", 1, usize::MAX, &mut v) {
            for (i, m) in messages.iter().enumerate() {
                input_tokens =
                    input_tokens.saturating_add(message_tokens(m, &item("#/messages", i), &mut v));
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
    Ok(answer(
        call,
        short,
        &prompt_key,
        max_tokens as u32,
        &stops,
        input_tokens,
    ))
}

/// The Messages answer (body and, when streaming, chunks) to a valid request; reads nothing
/// of `call`'s body. `short` is the model's [`Call::short_name`].
fn answer(
    call: &Call<'_>,
    short: &str,
    prompt_key: &PromptKey,
    max_tokens: u32,
    stops: &[String],
    input_tokens: u32,
) -> Completed {
    let generated = call.generate(prompt_key, max_tokens, stops);
    let output_tokens = generated.output_tokens;
    let (stop_reason, stop_sequence) = match &generated.finish {
        Finish::EndTurn => ("end_turn", None),
        Finish::MaxTokens => ("max_tokens", None),
        Finish::StopSequence(s) => ("stop_sequence", Some(s.as_str())),
    };
    let mut id = String::with_capacity(33);
    id.push_str("msg_bdrk_01");
    push_base62(&mut id, prompt_key.derived("message id"), 22);
    let block = [TextBlock {
        kind: "text",
        text: &generated.text,
    }];
    let content: &[TextBlock<'_>] = if generated.text.is_empty() {
        &[]
    } else {
        &block
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
                    content: &[],
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
    Completed {
        body,
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    }
}

/// A field that may be absent but, when present, must hold a `T`. Unlike `Option<T>`, JSON
/// `null` is not taken for absent: it is not a `T`, so it fails.
#[derive(Default)]
enum Present<T> {
    #[default]
    Absent,
    Given(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Present::Given)
    }
}

/// A JSON string, borrowed from the request body unless it holds escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A Messages request in the shape nearly every call takes: text-only turns, optionally a
/// string system prompt, sampling settings and stop sequences, and no other field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainMessages<'a> {
    #[serde(borrow)]
    anthropic_version: Text<'a>,
    max_tokens: i64,
    #[serde(borrow)]
    messages: Vec<PlainTurn<'a>>,
    #[serde(default, borrow)]
    system: Present<Text<'a>>,
    #[serde(default)]
    temperature: Present<f64>,
    #[serde(default)]
    top_p: Present<f64>,
    #[serde(default)]
    top_k: Present<i64>,
    #[serde(default, borrow)]
    stop_sequences: Present<Vec<Text<'a>>>,
}

/// One text-only turn of [`PlainMessages`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainTurn<'a> {
    #[serde(borrow)]
    role: Text<'a>,
    #[serde(borrow)]
    content: Text<'a>,
}

/// The Messages answer read straight from the request body, without a JSON tree, for a request
/// in the plain shape ([`PlainMessages`]) that passes every check [`messages`] makes. `None`
/// for anything else (another shape, a value out of range, JSON that does not parse):
/// [`messages`] then decides, so every error keeps its one source. For the requests it takes,
/// the answer is byte for byte the one [`messages`] gives.
pub(super) fn plain_messages(call: &Call<'_>, body: &[u8]) -> Option<Completed> {
    let request: PlainMessages<'_> = serde_json::from_slice(body).ok()?;
    let short = call.short_name();
    let in_unit = |n: &Present<f64>| match n {
        Present::Absent => true,
        Present::Given(n) => (0.0..=1.0).contains(n),
    };
    let valid = request.anthropic_version.0 == VERSION
        && (1..=max_output_tokens(short)).contains(&request.max_tokens)
        && !request.messages.is_empty()
        && request
            .messages
            .iter()
            .all(|t| matches!(&*t.role.0, "user" | "assistant"))
        && in_unit(&request.temperature)
        && in_unit(&request.top_p)
        && match request.top_k {
            Present::Absent => true,
            Present::Given(k) => (0..=500).contains(&k),
        };
    if !valid {
        return None;
    }
    let system = match &request.system {
        Present::Absent => None,
        Present::Given(text) => Some(&*text.0),
    };
    let input_tokens = request
        .messages
        .iter()
        .map(|t| text::count_tokens(&t.content.0))
        .fold(system.map_or(0, text::count_tokens), u32::saturating_add);
    // The prompt key hashes the same canonical JSON as the general path: the system prompt
    // (or null), then the turns with their keys in order (`content` before `role`).
    let mut pieces = Vec::with_capacity(request.messages.len().saturating_mul(5).saturating_add(4));
    pieces.push(KeyPiece::Text("messages\u{0}"));
    pieces.push(system.map_or(KeyPiece::Text("null"), KeyPiece::Str));
    pieces.push(KeyPiece::Text("\u{0}["));
    for (i, turn) in request.messages.iter().enumerate() {
        pieces.push(KeyPiece::Text(if i == 0 {
            "{\"content\":"
        } else {
            ",{\"content\":"
        }));
        pieces.push(KeyPiece::Str(&turn.content.0));
        pieces.push(KeyPiece::Text(",\"role\":"));
        pieces.push(KeyPiece::Str(&turn.role.0));
        pieces.push(KeyPiece::Text("}"));
    }
    pieces.push(KeyPiece::Text("]"));
    let prompt_key = call.key(&pieces);
    let stops: Vec<String> = match request.stop_sequences {
        Present::Absent => Vec::new(),
        Present::Given(stops) => stops.into_iter().map(|s| s.0.into_owned()).collect(),
    };
    Some(answer(
        call,
        short,
        &prompt_key,
        request.max_tokens as u32,
        &stops,
        input_tokens,
    ))
}

fn system_tokens(map: &Map<String, Value>, v: &mut Violations) -> u32 {
    match schema::get(map, "system") {
        None => 0,
        Some(Value::String(s)) => text::count_tokens(s),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .enumerate()
            .map(|(i, b)| block_tokens(b, &item("#/system", i), v))
            .fold(0, u32::saturating_add),
        Some(other) => {
            v.add(
                "#/system",
                format!("expected type: String, found: {}", schema::type_name(other)),
            );
            0
        }
    }
}

fn message_tokens(message: &Value, path: &dyn fmt::Display, v: &mut Violations) -> u32 {
    let Some(map) = schema::object(message, path, &["role", "content"], &["role", "content"], v)
    else {
        return 0;
    };
    schema::enumeration(map, path, "role", &["user", "assistant"], v);
    match schema::get(map, "content") {
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
                .map(|(i, b)| block_tokens(b, &item(&child(path, "content"), i), v))
                .fold(0, u32::saturating_add)
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
fn block_tokens(block: &Value, path: &dyn fmt::Display, v: &mut Violations) -> u32 {
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
    let kind = schema::get(map, "type").and_then(Value::as_str);
    match kind {
        None => {
            v.add(path, "required key [type] not found");
            0
        }
        Some("text") => {
            if schema::get(map, "text").is_none() {
                v.add(path, "required key [text] not found");
            }
            schema::get(map, "text")
                .and_then(|t| schema::string_value(t, &child(path, "text"), 0, usize::MAX, v))
                .map_or(0, text::count_tokens)
        }
        Some("image") => {
            let source_path = child(path, "source");
            match schema::get(map, "source") {
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
            let content = match schema::get(map, "content") {
                Some(Value::String(s)) => text::count_tokens(s),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .enumerate()
                    .map(|(i, b)| block_tokens(b, &item(&child(path, "content"), i), v))
                    .fold(0, u32::saturating_add),
                _ => 0,
            };
            content.saturating_add(1)
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

    /// Request bodies in and out of the plain shape, valid and not.
    const BODIES: &[&str] = &[
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"Say hello in five words."}]}"#,
        r#"{"messages":[{"content":"Hi","role":"user"}],"max_tokens":3,"anthropic_version":"bedrock-2023-05-31"}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":200,"system":"Be brief.","temperature":0.5,"top_p":1,"top_k":0,"stop_sequences":["river","."],"messages":[{"role":"user","content":"Tell me \"more\"\n\tplease \u0001 é ☃ 😀 \\ /"},{"role":"assistant","content":"Sure"},{"role":"user","content":"Go on"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":4096,"messages":[{"role":"user","content":""}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":4097,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":0,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16.0,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":-1,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"system","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"x","extra":1}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"system":null,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"system":[{"type":"text","text":"Be brief."}],"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"temperature":null,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"temperature":1.5,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"top_k":5.0,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"top_k":501,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"stop_sequences":[1],"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"stop_sequences":null,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tools":[],"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-30","max_tokens":16,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"max_tokens":16,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"max_tokens":17,"messages":[{"role":"user","content":"x"}]}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","prompt":"\n\nHuman: hi\n\nAssistant:","max_tokens_to_sample":16}"#,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"x"}]} trailing"#,
        r#"[1,2]"#,
        r#"not json"#,
    ];

    #[test]
    fn the_plain_path_answers_exactly_as_the_general_one_or_declines() {
        let mut answered = 0;
        for model_id in [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "anthropic.claude-v2:1",
        ] {
            let model = bedrock_core::catalog::find_model(model_id).unwrap();
            for streaming in [false, true] {
                for raw in BODIES {
                    let plain_call = Call {
                        model,
                        seed: 42,
                        body: &Value::Null,
                        streaming,
                    };
                    let plain = super::super::invoke_plain(
                        super::super::Family::of(model_id).unwrap(),
                        &plain_call,
                        raw.as_bytes(),
                    );
                    let general = serde_json::from_slice::<Value>(raw.as_bytes())
                        .map_err(|_| ())
                        .and_then(|body| {
                            let call = Call {
                                body: &body,
                                ..plain_call
                            };
                            let family = super::super::Family::of(model_id).unwrap();
                            super::super::invoke(family, &call).map_err(|_| ())
                        });
                    match (plain, general) {
                        (Some(p), Ok(g)) => {
                            assert_eq!(p, g, "{model_id} {raw}");
                            answered += 1;
                        }
                        (Some(_), Err(())) => panic!("{model_id}: the plain path took {raw}"),
                        (None, _) => {}
                    }
                }
            }
        }
        // The first four bodies are plain and valid for every model (4096 is each one's limit or
        // below it), the fifth (4097) only for Claude 3.5 Sonnet; both streaming and not.
        assert_eq!(answered, 2 * (4 * 3 + 1));
    }

    #[test]
    fn output_limits() {
        assert_eq!(max_output_tokens("claude-3-haiku-20240307"), 4096);
        assert_eq!(max_output_tokens("claude-3-5-sonnet-20241022"), 8192);
        assert_eq!(max_output_tokens("claude-opus-4-1-20250805"), 32_000);
        assert_eq!(max_output_tokens("claude-sonnet-4-5-20250929"), 64_000);
    }
}
