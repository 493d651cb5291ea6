//! Anthropic's Messages API on Bedrock: the `messages` request body with every content block
//! Claude takes (text, image, document, tool use and result, thinking, redacted thinking,
//! `cache_control`), its `content` responses with every block kept, and its stream events.
//!
//! The blocks live in [`blocks`] (re-exported here); `check` (private) holds the request's local
//! checks; [`converse`] converts to and from bedrock-core's Converse types; [`stream`] folds
//! stream events back into a whole response.

pub mod blocks;
mod check;
pub mod converse;
pub mod stream;

use base64::Engine as _;
use bedrock_core::converse as cv;
use bedrock_core::types::InvocationMetrics;
use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, ErrorKind, ExtraFields, ImageFormat,
    InferenceParams, RequestBody, Result, Role, ServiceDetails, StopReason, StreamEvent,
    TextOutput, TextRequest, Usage, check_extra_keys, decode_json,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use blocks::*;

use crate::models::{
    API_SELECTOR, DEFAULT_MAX_TOKENS, FALLBACK_MAX_OUTPUT_TOKENS, MAX_STOP_SEQUENCES, MAX_TOP_K,
    accepts_images,
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

/// Most `cache_control` breakpoints in one request (tools, system and messages together).
pub const MAX_CACHE_BREAKPOINTS: usize = 4;

/// Lowest `top_p` Anthropic accepts while extended thinking is enabled.
pub const MIN_TOP_P_WITH_THINKING: f32 = 0.95;

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
///
/// Build one from a [`ChatRequest`] or [`TextRequest`] through the adapter, from a Converse
/// request with [`MessagesRequest::from_converse`], or field by field; [`MessagesRequest::validate`]
/// checks it the way the adapter does before anything is sent.
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
    /// System prompt: a string, or text blocks that may carry `cache_control`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemPrompt>,
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
    /// The tools the model may call (from `extra.tools` on a chat or text request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<ToolDefinition>>,
    /// How the model may use the tools (from `extra.tool_choice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Extended thinking (from `extra.thinking`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
}

impl MessagesRequest {
    /// A request for `messages` with at most `max_tokens` generated, everything else unset.
    pub fn new(max_tokens: u32, messages: Vec<Message>) -> Self {
        MessagesRequest {
            anthropic_version: AnthropicVersion::Bedrock20230531,
            anthropic_beta: Vec::new(),
            max_tokens,
            system: None,
            messages,
            temperature: None,
            top_p: None,
            top_k: None,
            stop_sequences: Vec::new(),
            tools: None,
            tool_choice: None,
            thinking: None,
        }
    }

    /// Checks the request for `base_model_id` as the adapter does before it sends one: ranges,
    /// roles, where each block may appear, images, tool results answering the previous turn's
    /// tool uses, thinking signatures, tools and tool choice, the thinking budget and what
    /// thinking forbids, and at most [`MAX_CACHE_BREAKPOINTS`] `cache_control`s. Each failure
    /// is an `Error::InvalidInput` naming the body field.
    pub fn validate(&self, base_model_id: &str) -> Result<()> {
        check::request(self, base_model_id, "")
    }

    /// The validated request as an InvokeModel body for `base_model_id`.
    pub fn to_body(&self, base_model_id: &str) -> Result<RequestBody> {
        self.validate(base_model_id)?;
        RequestBody::json(self)
    }
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

impl Message {
    /// A user turn of one text block.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: MessageRole::User,
            content: vec![RequestContent::text(text)],
        }
    }

    /// The assistant turn a response gives, to send back in the next request: every block
    /// unchanged, thinking signatures included. Fails on a block of a type this crate does not
    /// know.
    pub fn from_response(response: &MessagesResponse) -> Result<Self> {
        let content = response
            .content
            .iter()
            .cloned()
            .map(RequestContent::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Message {
            role: MessageRole::Assistant,
            content,
        })
    }
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

impl MessageRole {
    /// How the wire spells the role.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
        }
    }
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

impl From<MediaType> for ImageFormat {
    fn from(m: MediaType) -> Self {
        match m {
            MediaType::Jpeg => ImageFormat::Jpeg,
            MediaType::Png => ImageFormat::Png,
            MediaType::Gif => ImageFormat::Gif,
            MediaType::Webp => ImageFormat::Webp,
        }
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessagesStopReason {
    /// The model finished its turn.
    EndTurn,
    /// `max_tokens` was reached.
    MaxTokens,
    /// A stop sequence was generated.
    StopSequence,
    /// The model asks for tools to be run.
    ToolUse,
    /// A long-running turn paused; send the response back to continue it.
    PauseTurn,
    /// The model declined to answer.
    Refusal,
    /// A reason newer than this crate, as the model spelled it.
    #[serde(untagged)]
    Other(String),
}

impl MessagesStopReason {
    /// The wire name (`end_turn`).
    pub fn as_str(&self) -> &str {
        match self {
            MessagesStopReason::EndTurn => "end_turn",
            MessagesStopReason::MaxTokens => "max_tokens",
            MessagesStopReason::StopSequence => "stop_sequence",
            MessagesStopReason::ToolUse => "tool_use",
            MessagesStopReason::PauseTurn => "pause_turn",
            MessagesStopReason::Refusal => "refusal",
            MessagesStopReason::Other(other) => other,
        }
    }
}

/// A whole Messages response, every content block kept.
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
    /// The generated blocks, in order.
    pub content: Vec<ResponseContent>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// Why the model stopped.
    #[serde(default)]
    pub stop_reason: Option<MessagesStopReason>,
    /// The stop sequence that ended generation, if one did.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token counts.
    #[serde(default)]
    pub usage: Option<MessagesUsage>,
}

impl MessagesResponse {
    /// Parses a Messages response body.
    pub fn from_json(body: &[u8]) -> Result<Self> {
        decode_json("Claude Messages response", body)
    }

    /// The text blocks, joined in order.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|block| match block {
                ResponseContent::Text(b) => Some(b.text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The tool uses the model asks for, in order.
    pub fn tool_uses(&self) -> impl Iterator<Item = &ToolUseBlock> {
        self.content.iter().filter_map(|block| match block {
            ResponseContent::ToolUse(b) => Some(b),
            _ => None,
        })
    }
}

/// Token counts of a Messages response. `input_tokens` counts neither the tokens read from the
/// prompt cache nor those written to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesUsage {
    /// Prompt tokens outside the cache.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
    /// Prompt tokens written to the cache by this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u32>,
    /// Prompt tokens read from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u32>,
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

impl MessagesStreamEvent {
    /// Parses one stream chunk's JSON.
    pub fn from_json(chunk: &[u8]) -> Result<Self> {
        decode_json("Claude Messages stream event", chunk)
    }
}

/// The `message` of a `message_start` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedMessage {
    /// The message id.
    #[serde(default)]
    pub id: Option<String>,
    /// The model that answers.
    #[serde(default)]
    pub model: Option<String>,
    /// Token counts at the start (input tokens are final).
    #[serde(default)]
    pub usage: Option<DeltaUsage>,
}

/// A token count report inside a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaUsage {
    /// Prompt tokens, when reported.
    #[serde(default)]
    pub input_tokens: Option<u32>,
    /// Generated tokens so far, when reported.
    #[serde(default)]
    pub output_tokens: Option<u32>,
    /// Prompt tokens written to the cache, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u32>,
    /// Prompt tokens read from the cache, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u32>,
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
    /// The thinking block's signature, after its text.
    SignatureDelta {
        /// The signature.
        signature: String,
    },
    /// A citation added to a text block.
    CitationsDelta {
        /// Anthropic's citation object.
        citation: Map<String, Value>,
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
    pub stop_reason: Option<MessagesStopReason>,
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
    let messages = vec![Message::user(req.prompt.clone())];
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
                content.push(RequestContent::text(text.clone()));
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
    check::image_bytes(field, format, data, *images)?;
    Ok(RequestContent::Image(ImageBlock {
        source: ImageSource {
            kind: ImageSourceKind::Base64,
            media_type: format.into(),
            data: base64::engine::general_purpose::STANDARD.encode(data),
        },
        cache_control: None,
    }))
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
        crate::models::max_output_tokens(base_model_id),
        base_model_id,
    )?;
    validation::sampling(params)?;
    check_extra_keys(extra, &EXTRA_KEYS, "Messages")?;
    let request = MessagesRequest {
        anthropic_version: AnthropicVersion::Bedrock20230531,
        anthropic_beta: extra_beta(extra)?,
        max_tokens,
        system: system.map(|s| SystemPrompt::Text(s.to_owned())),
        messages,
        temperature: params.temperature,
        top_p: params.top_p,
        top_k: params.top_k,
        stop_sequences: params.stop_sequences.clone(),
        tools: extra_tools(extra)?,
        tool_choice: extra_tool_choice(extra)?,
        thinking: extra_thinking(extra)?,
    };
    check::request(&request, base_model_id, "extra.")?;
    Ok(request)
}

/// `value` read as a `T`, or an error on `field` saying what was expected and what serde
/// found wrong.
pub(crate) fn typed<T: DeserializeOwned>(field: &str, value: &Value, expected: &str) -> Result<T> {
    serde_json::from_value(value.clone())
        .map_err(|e| Error::invalid(field, value, format!("{expected} ({e})")))
}

/// The `type` of a tagged object at `field`, which must be one of `allowed`.
pub(crate) fn tag_of<'a>(field: &str, value: &'a Value, allowed: &[&str]) -> Result<&'a str> {
    let kind = value.get("type").unwrap_or(&Value::Null);
    match kind.as_str() {
        Some(k) if allowed.contains(&k) => Ok(k),
        _ => Err(Error::invalid(
            format!("{field}.type"),
            kind,
            format!("one of: {}", allowed.join(", ")),
        )),
    }
}

pub(crate) fn beta_names(field: &str, v: &Value) -> Result<Vec<String>> {
    let allowed = "an array of non-empty beta names";
    let items = v
        .as_array()
        .ok_or_else(|| Error::invalid(field, v, allowed))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
            _ => Err(Error::invalid(format!("{field}[{i}]"), item, allowed)),
        })
        .collect()
}

fn extra_beta(extra: &ExtraFields) -> Result<Vec<String>> {
    match extra.get("anthropic_beta") {
        None => Ok(Vec::new()),
        Some(v) => beta_names("extra.anthropic_beta", v),
    }
}

fn extra_tools(extra: &ExtraFields) -> Result<Option<Vec<ToolDefinition>>> {
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
            let field = format!("extra.tools[{i}]");
            let tool = item
                .as_object()
                .ok_or_else(|| Error::invalid(&field, item, "a tool definition object"))?;
            match tool.get("name").and_then(Value::as_str) {
                Some(name) if !name.is_empty() => {}
                _ => {
                    return Err(Error::invalid(
                        format!("{field}.name"),
                        tool.get("name").unwrap_or(&Value::Null),
                        "a non-empty tool name",
                    ));
                }
            }
            typed(
                &field,
                item,
                "a tool: name, description, input_schema, cache_control",
            )
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn extra_tool_choice(extra: &ExtraFields) -> Result<Option<ToolChoice>> {
    let Some(v) = extra.get("tool_choice") else {
        return Ok(None);
    };
    if !v.is_object() {
        return Err(Error::invalid(
            "extra.tool_choice",
            v,
            "an object such as {\"type\": \"auto\"}",
        ));
    }
    tag_of("extra.tool_choice", v, &["auto", "any", "tool", "none"])?;
    typed(
        "extra.tool_choice",
        v,
        "{\"type\": \"auto\" | \"any\" | \"none\"} or {\"type\": \"tool\", \"name\": ...}, optionally with disable_parallel_tool_use",
    )
    .map(Some)
}

pub(crate) fn thinking_config(field: &str, v: &Value) -> Result<ThinkingConfig> {
    if !v.is_object() {
        return Err(Error::invalid(
            field,
            v,
            "an object such as {\"type\": \"enabled\", \"budget_tokens\": 2048}",
        ));
    }
    if tag_of(field, v, &["enabled", "disabled"])? == "enabled" {
        let budget = v.get("budget_tokens").unwrap_or(&Value::Null);
        if budget.as_u64().is_none_or(|b| b > u64::from(u32::MAX)) {
            return Err(Error::invalid(
                format!("{field}.budget_tokens"),
                budget,
                format!("an integer of at least {MIN_THINKING_BUDGET}, below max_tokens"),
            ));
        }
    }
    typed(
        field,
        v,
        "{\"type\": \"enabled\", \"budget_tokens\": N} or {\"type\": \"disabled\"}",
    )
}

fn extra_thinking(extra: &ExtraFields) -> Result<Option<ThinkingConfig>> {
    extra
        .get("thinking")
        .map(|v| thinking_config("extra.thinking", v))
        .transpose()
}

fn stop_reason(reason: &MessagesStopReason) -> StopReason {
    match reason {
        MessagesStopReason::EndTurn => StopReason::EndTurn,
        MessagesStopReason::MaxTokens => StopReason::MaxTokens,
        MessagesStopReason::StopSequence => StopReason::StopSequence,
        other => StopReason::Other(other.as_str().to_owned()),
    }
}

/// Parses a whole Messages response into the family-neutral [`TextOutput`]: the text blocks,
/// joined, with the stop reason and usage, and, when the answer holds tool uses or thinking,
/// every block in Converse's shape. [`MessagesResponse::from_json`] keeps the typed blocks.
pub(crate) fn parse_response(value: Value) -> Result<TextOutput> {
    let r: MessagesResponse = serde_json::from_value(value)
        .map_err(|e| Error::decode_json("Claude Messages response", e))?;
    Ok(TextOutput {
        text: r.text(),
        stop_reason: r.stop_reason.as_ref().map(stop_reason),
        usage: r.usage.map(|u| Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
        }),
        content: converse::neutral_content(r.content)?,
    })
}

/// Parses one Messages stream event into family-neutral events (text, stop, usage).
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
            content_block: ResponseContent::Text(TextBlock { text, .. }),
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
        MessagesStreamEvent::ContentBlockStart {
            index,
            content_block: ResponseContent::ToolUse(block),
        } => vec![StreamEvent::BlockStart {
            index,
            start: cv::ContentBlockStart::ToolUse(cv::ToolUseBlockStart {
                tool_use_id: block.id,
                name: block.name,
            }),
        }],
        MessagesStreamEvent::ContentBlockStart {
            index,
            content_block: ResponseContent::Thinking(block),
        } => [
            cv::ReasoningContentDelta::Text(block.thinking),
            cv::ReasoningContentDelta::Signature(block.signature),
        ]
        .into_iter()
        .filter(|d| !matches!(d, cv::ReasoningContentDelta::Text(t) | cv::ReasoningContentDelta::Signature(t) if t.is_empty()))
        .map(|d| StreamEvent::BlockDelta {
            index,
            delta: cv::ContentBlockDelta::ReasoningContent(d),
        })
        .collect(),
        MessagesStreamEvent::ContentBlockStart {
            index,
            content_block: ResponseContent::RedactedThinking(block),
        } => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&block.data)
                .map_err(|_| {
                    Error::decode(format!(
                        "Claude Messages stream: redacted_thinking block {index} is not base64"
                    ))
                })?;
            vec![StreamEvent::BlockDelta {
                index,
                delta: cv::ContentBlockDelta::ReasoningContent(
                    cv::ReasoningContentDelta::RedactedContent(bytes),
                ),
            }]
        }
        MessagesStreamEvent::ContentBlockDelta { index, delta } => {
            let delta = match delta {
                BlockDelta::InputJsonDelta { partial_json } if !partial_json.is_empty() => {
                    Some(cv::ContentBlockDelta::ToolUse(cv::ToolUseBlockDelta {
                        input: partial_json,
                    }))
                }
                BlockDelta::ThinkingDelta { thinking } => Some(
                    cv::ContentBlockDelta::ReasoningContent(cv::ReasoningContentDelta::Text(
                        thinking,
                    )),
                ),
                BlockDelta::SignatureDelta { signature } => {
                    Some(cv::ContentBlockDelta::ReasoningContent(
                        cv::ReasoningContentDelta::Signature(signature),
                    ))
                }
                // Text deltas are matched above; citations have no neutral form.
                _ => None,
            };
            delta
                .map(|delta| StreamEvent::BlockDelta { index, delta })
                .into_iter()
                .collect()
        }
        MessagesStreamEvent::MessageDelta { delta, usage } => {
            let mut events = Vec::new();
            if let Some(reason) = &delta.stop_reason {
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
        MessagesStreamEvent::Error { error } => return Err(stream_error(error)),
        MessagesStreamEvent::ContentBlockStart { .. }
        | MessagesStreamEvent::ContentBlockStop { .. }
        | MessagesStreamEvent::MessageStop {
            invocation_metrics: None,
        }
        | MessagesStreamEvent::Ping
        | MessagesStreamEvent::Unknown => Vec::new(),
    };
    Ok(events)
}

/// A mid-stream `error` event as the model error it reports.
pub(crate) fn stream_error(error: StreamError) -> Error {
    Error::from_service(
        ErrorKind::ModelError,
        ServiceDetails::new(error.message).with_error_type(error.kind),
    )
}
