//! Anthropic's Messages API on Bedrock: the `messages` request body with text and base64 image
//! blocks, its `content` responses and its stream events.

use base64::Engine as _;
use bedrock_core::types::InvocationMetrics;
use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, ErrorKind, ExtraFields, ImageFormat,
    InferenceParams, Result, Role, ServiceDetails, StopReason, StreamEvent, TextOutput,
    TextRequest, Usage, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::{
    API_SELECTOR, DEFAULT_MAX_TOKENS, FALLBACK_MAX_OUTPUT_TOKENS, MAX_STOP_SEQUENCES, MAX_TOP_K,
    accepts_images, max_output_tokens,
};
use crate::validation::{self, role_name};

/// The `anthropic_version` Bedrock requires.
pub const ANTHROPIC_VERSION: &str = "bedrock-2023-05-31";

/// Most images in one request.
pub const MAX_IMAGES: usize = 20;

/// Largest image, in bytes before base64 encoding (3.75 MB).
pub const MAX_IMAGE_BYTES: usize = 3_932_160;

/// Smallest `thinking.budget_tokens` Anthropic accepts.
pub const MIN_THINKING_BUDGET: u64 = 1_024;

/// The `extra` fields the Messages body takes.
pub const EXTRA_FIELDS: [&str; 4] = ["anthropic_beta", "tools", "tool_choice", "thinking"];

/// [`EXTRA_FIELDS`] and the API selector, which picks the API rather than filling the body.
const EXTRA_KEYS: [&str; 5] = [
    EXTRA_FIELDS[0],
    EXTRA_FIELDS[1],
    EXTRA_FIELDS[2],
    EXTRA_FIELDS[3],
    API_SELECTOR,
];

/// The request body of the Messages API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagesRequest {
    /// Always `bedrock-2023-05-31`.
    pub anthropic_version: AnthropicVersion,
    /// Beta features to enable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(length(min = 1)))]
    pub anthropic_beta: Vec<String>,
    /// Most tokens to generate; each model has its own ceiling (see the crate docs).
    #[schemars(range(min = 1, max = FALLBACK_MAX_OUTPUT_TOKENS))]
    pub max_tokens: u32,
    /// System prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub system: Option<String>,
    /// The conversation, oldest first, alternating roles and starting with the user.
    #[schemars(length(min = 1))]
    pub messages: Vec<Message>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_TOP_K))]
    pub top_k: Option<u32>,
    /// Sequences that stop generation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(regex(pattern = r"\S")))]
    pub stop_sequences: Vec<String>,
    /// Tool definitions, passed through from `extra.tools`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Map<String, Value>>>,
    /// How tools may be used, passed through from `extra.tool_choice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Map<String, Value>>,
    /// Extended thinking, passed through from `extra.thinking`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Map<String, Value>>,
}

/// The `anthropic_version` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AnthropicVersion {
    /// `bedrock-2023-05-31`.
    #[serde(rename = "bedrock-2023-05-31")]
    Bedrock20230531,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Who speaks.
    pub role: MessageRole,
    /// What is said.
    #[schemars(length(min = 1))]
    pub content: Vec<RequestContent>,
}

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    /// The user.
    User,
    /// The model.
    Assistant,
}

/// A content block of a request message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestContent {
    /// Text.
    Text {
        /// The text.
        #[schemars(length(min = 1))]
        text: String,
    },
    /// An image.
    Image {
        /// Where the image comes from.
        source: ImageSource,
    },
}

/// An inline image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageSource {
    /// Always `base64`.
    #[serde(rename = "type")]
    pub kind: ImageSourceKind,
    /// The image's MIME type.
    pub media_type: MediaType,
    /// The image bytes, base64-encoded.
    #[schemars(length(min = 1))]
    pub data: String,
}

/// How an image is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ImageSourceKind {
    /// Inline base64.
    #[serde(rename = "base64")]
    Base64,
}

/// The image types Claude reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MediaType {
    /// `image/jpeg`.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// `image/png`.
    #[serde(rename = "image/png")]
    Png,
    /// `image/gif`.
    #[serde(rename = "image/gif")]
    Gif,
    /// `image/webp`.
    #[serde(rename = "image/webp")]
    Webp,
}

impl From<ImageFormat> for MediaType {
    fn from(f: ImageFormat) -> Self {
        match f {
            ImageFormat::Jpeg => MediaType::Jpeg,
            ImageFormat::Png => MediaType::Png,
            ImageFormat::Gif => MediaType::Gif,
            ImageFormat::Webp => MediaType::Webp,
        }
    }
}

/// A whole Messages response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesResponse {
    /// The message id.
    #[serde(default)]
    pub id: Option<String>,
    /// Always `message`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Always `assistant`.
    #[serde(default)]
    pub role: Option<String>,
    /// The generated blocks.
    pub content: Vec<ResponseContent>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, ...
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that ended generation, if one did.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token counts.
    #[serde(default)]
    pub usage: Option<MessagesUsage>,
}

/// A content block of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseContent {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A tool call.
    ToolUse {
        /// The call's id.
        id: String,
        /// The tool.
        name: String,
        /// Its arguments.
        input: Value,
    },
    /// Extended-thinking output.
    Thinking {
        /// The reasoning text.
        thinking: String,
    },
    /// A block type this adapter does not read.
    #[serde(other)]
    Other,
}

/// Token counts of a Messages response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesUsage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
}

/// One event of a Messages response stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessagesStreamEvent {
    /// The message begins; carries the input token count.
    MessageStart {
        /// The message so far.
        message: StartedMessage,
    },
    /// A content block begins.
    ContentBlockStart {
        /// Its index.
        index: u32,
        /// Its first content.
        content_block: ResponseContent,
    },
    /// More content for a block.
    ContentBlockDelta {
        /// The block's index.
        index: u32,
        /// The new content.
        delta: BlockDelta,
    },
    /// A content block ends.
    ContentBlockStop {
        /// Its index.
        index: u32,
    },
    /// Message-level changes: the stop reason and the output token count.
    MessageDelta {
        /// The changes.
        delta: MessageDeltaBody,
        /// Output tokens so far.
        #[serde(default)]
        usage: Option<DeltaUsage>,
    },
    /// The message ends; Bedrock adds its invocation metrics here.
    MessageStop {
        /// Bedrock's token counts and latencies.
        #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
        invocation_metrics: Option<InvocationMetrics>,
    },
    /// Keep-alive.
    Ping,
    /// The model failed mid-stream.
    Error {
        /// What failed.
        error: StreamError,
    },
    /// An event type newer than this adapter; it carries nothing the adapter reads.
    #[serde(other)]
    Unknown,
}

/// The `message` of a `message_start` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedMessage {
    /// Token counts at the start (input tokens are final).
    #[serde(default)]
    pub usage: Option<DeltaUsage>,
}

/// A token count report inside a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaUsage {
    /// Prompt tokens, when reported.
    #[serde(default)]
    pub input_tokens: Option<u32>,
    /// Generated tokens so far, when reported.
    #[serde(default)]
    pub output_tokens: Option<u32>,
}

/// The `delta` of a `content_block_delta` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockDelta {
    /// More text.
    TextDelta {
        /// The text.
        text: String,
    },
    /// A piece of a tool call's JSON arguments.
    InputJsonDelta {
        /// The piece.
        partial_json: String,
    },
    /// More extended-thinking text.
    ThinkingDelta {
        /// The text.
        thinking: String,
    },
    /// A delta type this adapter does not read.
    #[serde(other)]
    Other,
}

/// The `delta` of a `message_delta` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDeltaBody {
    /// Why generation stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that ended generation, if one did.
    #[serde(default)]
    pub stop_sequence: Option<String>,
}

/// The `error` of an `error` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamError {
    /// The error type (`overloaded_error`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// What happened.
    pub message: String,
}

/// Builds the body for a text request: the prompt becomes one user message.
pub(crate) fn build_text(base_model_id: &str, req: &TextRequest) -> Result<MessagesRequest> {
    if req.prompt.trim().is_empty() {
        return Err(Error::invalid(
            "prompt",
            format!("{:?}", req.prompt),
            "a non-empty prompt",
        ));
    }
    let messages = vec![Message {
        role: MessageRole::User,
        content: vec![RequestContent::Text {
            text: req.prompt.clone(),
        }],
    }];
    body(
        base_model_id,
        req.system.as_deref(),
        messages,
        &req.params,
        &req.extra,
    )
}

/// Builds the body for a chat request.
pub(crate) fn build_chat(base_model_id: &str, req: &ChatRequest) -> Result<MessagesRequest> {
    validation::roles(&req.messages, false)?;
    let mut images = 0;
    let last = req.messages.len() - 1;
    let messages = req
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| message(base_model_id, i, m, i == last, &mut images))
        .collect::<Result<Vec<_>>>()?;
    body(
        base_model_id,
        req.system.as_deref(),
        messages,
        &req.params,
        &req.extra,
    )
}

fn message(
    base_model_id: &str,
    i: usize,
    m: &ChatMessage,
    is_last: bool,
    images: &mut usize,
) -> Result<Message> {
    let mut content = Vec::with_capacity(m.content.len());
    for (j, part) in m.content.iter().enumerate() {
        let field = format!("messages[{i}].content[{j}]");
        match part {
            ContentPart::Text { text } => {
                if text.trim().is_empty() {
                    return Err(Error::invalid(
                        format!("{field}.text"),
                        format!("{text:?}"),
                        "non-empty text",
                    ));
                }
                let final_prefill =
                    is_last && m.role == Role::Assistant && j == m.content.len() - 1;
                if final_prefill && text.ends_with(char::is_whitespace) {
                    return Err(Error::invalid(
                        format!("{field}.text"),
                        format!("{text:?}"),
                        "text without trailing whitespace: a final assistant message cannot end in whitespace",
                    ));
                }
                content.push(RequestContent::Text { text: text.clone() });
            }
            ContentPart::Image { format, data } => {
                content.push(image(base_model_id, &field, m.role, *format, data, images)?);
            }
        }
    }
    let role = match m.role {
        Role::User => MessageRole::User,
        Role::Assistant => MessageRole::Assistant,
    };
    Ok(Message { role, content })
}

fn image(
    base_model_id: &str,
    field: &str,
    role: Role,
    format: ImageFormat,
    data: &[u8],
    images: &mut usize,
) -> Result<RequestContent> {
    if !accepts_images(base_model_id) {
        return Err(Error::invalid(
            field,
            format!("a {} image", format.media_type()),
            format!("text only: `{base_model_id}` does not read images"),
        ));
    }
    if role != Role::User {
        return Err(Error::invalid(
            field,
            format!(
                "a {} image in an {} message",
                format.media_type(),
                role_name(role)
            ),
            "images in user messages only",
        ));
    }
    *images += 1;
    if *images > MAX_IMAGES {
        return Err(Error::invalid(
            field,
            format!("image #{images}"),
            format!("at most {MAX_IMAGES} images per request"),
        ));
    }
    if data.is_empty() || data.len() > MAX_IMAGE_BYTES {
        return Err(Error::invalid(
            format!("{field}.data"),
            format!("{} bytes", data.len()),
            format!("1..={MAX_IMAGE_BYTES} bytes (3.75 MB)"),
        ));
    }
    if let Some(actual) = ImageFormat::sniff(data)
        && actual != format
    {
        return Err(Error::invalid(
            format!("{field}.format"),
            format.media_type(),
            format!(
                "{}: the bytes are a {} image",
                actual.media_type(),
                actual.media_type()
            ),
        ));
    }
    Ok(RequestContent::Image {
        source: ImageSource {
            kind: ImageSourceKind::Base64,
            media_type: format.into(),
            data: base64::engine::general_purpose::STANDARD.encode(data),
        },
    })
}

fn body(
    base_model_id: &str,
    system: Option<&str>,
    messages: Vec<Message>,
    params: &InferenceParams,
    extra: &ExtraFields,
) -> Result<MessagesRequest> {
    validation::system(system)?;
    let max_tokens = validation::token_limit(
        "max_tokens",
        params.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        max_output_tokens(base_model_id),
        base_model_id,
    )?;
    validation::sampling(params)?;
    check_extra_keys(extra, &EXTRA_KEYS, "Messages")?;
    Ok(MessagesRequest {
        anthropic_version: AnthropicVersion::Bedrock20230531,
        anthropic_beta: extra_beta(extra)?,
        max_tokens,
        system: system.map(str::to_owned),
        messages,
        temperature: params.temperature,
        top_p: params.top_p,
        top_k: params.top_k,
        stop_sequences: params.stop_sequences.clone(),
        tools: extra_tools(extra)?,
        tool_choice: extra_tool_choice(extra)?,
        thinking: extra_thinking(extra, max_tokens)?,
    })
}

fn extra_beta(extra: &ExtraFields) -> Result<Vec<String>> {
    let Some(v) = extra.get("anthropic_beta") else {
        return Ok(Vec::new());
    };
    let allowed = "an array of non-empty beta names";
    let items = v
        .as_array()
        .ok_or_else(|| Error::invalid("extra.anthropic_beta", v, allowed))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
            _ => Err(Error::invalid(
                format!("extra.anthropic_beta[{i}]"),
                item,
                allowed,
            )),
        })
        .collect()
}

fn extra_tools(extra: &ExtraFields) -> Result<Option<Vec<Map<String, Value>>>> {
    let Some(v) = extra.get("tools") else {
        return Ok(None);
    };
    let items = v
        .as_array()
        .ok_or_else(|| Error::invalid("extra.tools", v, "an array of tool definitions"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let tool = item.as_object().ok_or_else(|| {
                Error::invalid(
                    format!("extra.tools[{i}]"),
                    item,
                    "a tool definition object",
                )
            })?;
            match tool.get("name").and_then(Value::as_str) {
                Some(name) if !name.is_empty() => Ok(tool.clone()),
                _ => Err(Error::invalid(
                    format!("extra.tools[{i}].name"),
                    tool.get("name").unwrap_or(&Value::Null),
                    "a non-empty tool name",
                )),
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn extra_tool_choice(extra: &ExtraFields) -> Result<Option<Map<String, Value>>> {
    let Some(v) = extra.get("tool_choice") else {
        return Ok(None);
    };
    let choice = v.as_object().ok_or_else(|| {
        Error::invalid(
            "extra.tool_choice",
            v,
            "an object such as {\"type\": \"auto\"}",
        )
    })?;
    let kind = choice.get("type").unwrap_or(&Value::Null);
    match kind.as_str() {
        Some("auto" | "any" | "tool" | "none") => Ok(Some(choice.clone())),
        _ => Err(Error::invalid(
            "extra.tool_choice.type",
            kind,
            "one of: auto, any, tool, none",
        )),
    }
}

fn extra_thinking(extra: &ExtraFields, max_tokens: u32) -> Result<Option<Map<String, Value>>> {
    let Some(v) = extra.get("thinking") else {
        return Ok(None);
    };
    let thinking = v.as_object().ok_or_else(|| {
        Error::invalid(
            "extra.thinking",
            v,
            "an object such as {\"type\": \"enabled\", \"budget_tokens\": 2048}",
        )
    })?;
    let kind = thinking.get("type").unwrap_or(&Value::Null);
    match kind.as_str() {
        Some("disabled") => Ok(Some(thinking.clone())),
        Some("enabled") => {
            let budget = thinking.get("budget_tokens").unwrap_or(&Value::Null);
            match budget.as_u64() {
                Some(b) if b >= MIN_THINKING_BUDGET && b < u64::from(max_tokens) => {
                    Ok(Some(thinking.clone()))
                }
                _ => Err(Error::invalid(
                    "extra.thinking.budget_tokens",
                    budget,
                    format!(
                        "{MIN_THINKING_BUDGET}..{max_tokens} (at least {MIN_THINKING_BUDGET}, below max_tokens)"
                    ),
                )),
            }
        }
        _ => Err(Error::invalid(
            "extra.thinking.type",
            kind,
            "one of: enabled, disabled",
        )),
    }
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "end_turn" => StopReason::EndTurn,
        "max_tokens" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        other => StopReason::Other(other.to_owned()),
    }
}

/// Parses a whole Messages response: the text blocks, joined, with the stop reason and usage.
pub(crate) fn parse_response(value: Value) -> Result<TextOutput> {
    let r: MessagesResponse = serde_json::from_value(value)
        .map_err(|e| Error::decode_json("Claude Messages response", e))?;
    let text = r
        .content
        .iter()
        .filter_map(|block| match block {
            ResponseContent::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    Ok(TextOutput {
        text,
        stop_reason: r.stop_reason.as_deref().map(stop_reason),
        usage: r.usage.map(|u| Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
        }),
    })
}

/// Parses one Messages stream event.
pub(crate) fn parse_event(value: Value) -> Result<Vec<StreamEvent>> {
    let event: MessagesStreamEvent = serde_json::from_value(value)
        .map_err(|e| Error::decode_json("Claude Messages stream event", e))?;
    let events = match event {
        MessagesStreamEvent::MessageStart { message } => message
            .usage
            .and_then(|u| u.input_tokens)
            .map(|n| StreamEvent::Usage {
                input_tokens: Some(n),
                output_tokens: None,
            })
            .into_iter()
            .collect(),
        MessagesStreamEvent::ContentBlockStart {
            content_block: ResponseContent::Text { text },
            ..
        }
        | MessagesStreamEvent::ContentBlockDelta {
            delta: BlockDelta::TextDelta { text },
            ..
        } => {
            if text.is_empty() {
                Vec::new()
            } else {
                vec![StreamEvent::TextDelta { text }]
            }
        }
        MessagesStreamEvent::MessageDelta { delta, usage } => {
            let mut events = Vec::new();
            if let Some(reason) = delta.stop_reason.as_deref() {
                events.push(StreamEvent::Stop {
                    reason: stop_reason(reason),
                });
            }
            if let Some(u) = usage
                && (u.input_tokens.is_some() || u.output_tokens.is_some())
            {
                events.push(StreamEvent::Usage {
                    input_tokens: u.input_tokens,
                    output_tokens: u.output_tokens,
                });
            }
            events
        }
        MessagesStreamEvent::MessageStop {
            invocation_metrics: Some(m),
        } => vec![StreamEvent::Usage {
            input_tokens: Some(m.input_token_count),
            output_tokens: Some(m.output_token_count),
        }],
        MessagesStreamEvent::Error { error } => {
            return Err(Error::from_service(
                ErrorKind::ModelError,
                ServiceDetails::new(error.message).with_error_type(error.kind),
            ));
        }
        MessagesStreamEvent::ContentBlockStart { .. }
        | MessagesStreamEvent::ContentBlockDelta { .. }
        | MessagesStreamEvent::ContentBlockStop { .. }
        | MessagesStreamEvent::MessageStop {
            invocation_metrics: None,
        }
        | MessagesStreamEvent::Ping
        | MessagesStreamEvent::Unknown => Vec::new(),
    };
    Ok(events)
}
