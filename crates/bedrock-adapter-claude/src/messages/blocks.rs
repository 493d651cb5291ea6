//! The Messages API's content blocks (text, image, document, tool use, tool result, thinking,
//! redacted thinking), `cache_control`, and the request's tool, tool-choice and thinking
//! settings, as they appear in Claude's JSON.

use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// `cache_control`: the prompt up to and including this block may be cached and read back by
/// later calls with the same prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheControl {
    /// Always `ephemeral`.
    #[serde(rename = "type")]
    pub kind: CacheControlType,
    /// How long the cache entry lives; Anthropic's default is five minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<CacheTtl>,
}

impl CacheControl {
    /// `{"type": "ephemeral"}`, with the default lifetime.
    pub const EPHEMERAL: CacheControl = CacheControl {
        kind: CacheControlType::Ephemeral,
        ttl: None,
    };
}

/// The kind of cache a `cache_control` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum CacheControlType {
    /// `ephemeral`, the only kind.
    #[default]
    #[serde(rename = "ephemeral")]
    Ephemeral,
}

/// A cache entry's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CacheTtl {
    /// `5m`, the default.
    #[serde(rename = "5m")]
    FiveMinutes,
    /// `1h`.
    #[serde(rename = "1h")]
    OneHour,
}

/// A text block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TextBlock {
    /// The text.
    #[schemars(length(min = 1))]
    pub text: String,
    /// The passages of documents the text cites (Anthropic's citation objects, kept as sent so
    /// that an assistant turn goes back unchanged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<Map<String, Value>>,
    /// Cache the prompt up to here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

impl TextBlock {
    /// A block holding `text`, without citations or cache control.
    pub fn new(text: impl Into<String>) -> Self {
        TextBlock {
            text: text.into(),
            citations: Vec::new(),
            cache_control: None,
        }
    }
}

/// An image block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ImageBlock {
    /// Where the image comes from.
    pub source: ImageSource,
    /// Cache the prompt up to here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
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

/// A document block: a PDF or plain text Claude reads, optionally citing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentBlock {
    /// The document's content.
    pub source: DocumentSource,
    /// A title, given to the model and quoted in citations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub title: Option<String>,
    /// Context about the document that the model reads but never cites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub context: Option<String>,
    /// Whether the answer may cite the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<CitationsConfig>,
    /// Cache the prompt up to here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

/// A document's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DocumentSource {
    /// A base64 PDF.
    Base64 {
        /// Always `application/pdf`.
        media_type: PdfMediaType,
        /// The PDF's bytes, base64-encoded.
        #[schemars(length(min = 1))]
        data: String,
    },
    /// Plain text.
    Text {
        /// Always `text/plain`.
        media_type: PlainTextMediaType,
        /// The text.
        #[schemars(length(min = 1))]
        data: String,
    },
}

/// `application/pdf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum PdfMediaType {
    /// `application/pdf`.
    #[default]
    #[serde(rename = "application/pdf")]
    Pdf,
}

/// `text/plain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum PlainTextMediaType {
    /// `text/plain`.
    #[default]
    #[serde(rename = "text/plain")]
    PlainText,
}

/// `citations` of a document block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CitationsConfig {
    /// Whether the answer may cite the document.
    pub enabled: bool,
}

/// The model asks for a tool to be run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolUseBlock {
    /// The call's id, which the tool result quotes.
    #[schemars(length(min = 1))]
    pub id: String,
    /// The tool.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Its arguments, a JSON object.
    pub input: Value,
    /// Cache the prompt up to here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

/// A tool's answer to a tool use, sent in the next user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolResultBlock {
    /// The id of the tool use this answers.
    #[schemars(length(min = 1))]
    pub tool_use_id: String,
    /// The answer: a string or content blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ToolResultBody>,
    /// Whether the tool failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Cache the prompt up to here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

/// A tool result's content: a string, or text, image and document blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ToolResultBody {
    /// Plain text.
    Text(String),
    /// Blocks.
    Blocks(Vec<ToolResultContent>),
}

/// A block of a tool result's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolResultContent {
    /// Text.
    Text(TextBlock),
    /// An image.
    Image(ImageBlock),
    /// A document.
    Document(DocumentBlock),
}

/// The model's reasoning with the signature that proves it unchanged; an assistant turn sent
/// back (during a tool-use exchange, required) must carry it exactly as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ThinkingBlock {
    /// The reasoning text.
    pub thinking: String,
    /// The signature. A stream's `content_block_start` has none yet; it arrives as a
    /// `signature_delta`.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub signature: String,
}

/// Reasoning the model's safety systems encrypted; sent back unchanged like a thinking block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RedactedThinkingBlock {
    /// The encrypted reasoning, base64.
    #[schemars(length(min = 1))]
    pub data: String,
}

/// A content block of a request message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestContent {
    /// Text.
    Text(TextBlock),
    /// An image (user messages).
    Image(ImageBlock),
    /// A document (user messages).
    Document(DocumentBlock),
    /// A tool call the model made (assistant messages).
    ToolUse(ToolUseBlock),
    /// A tool's answer (user messages).
    ToolResult(ToolResultBlock),
    /// The model's reasoning, sent back with its signature (assistant messages).
    Thinking(ThinkingBlock),
    /// The model's encrypted reasoning, sent back unchanged (assistant messages).
    RedactedThinking(RedactedThinkingBlock),
}

impl RequestContent {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        RequestContent::Text(TextBlock::new(text))
    }

    /// The block's wire type (`text`, `tool_use`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            RequestContent::Text(_) => "text",
            RequestContent::Image(_) => "image",
            RequestContent::Document(_) => "document",
            RequestContent::ToolUse(_) => "tool_use",
            RequestContent::ToolResult(_) => "tool_result",
            RequestContent::Thinking(_) => "thinking",
            RequestContent::RedactedThinking(_) => "redacted_thinking",
        }
    }

    /// The block's `cache_control` (thinking blocks carry none).
    pub fn cache_control(&self) -> Option<CacheControl> {
        match self {
            RequestContent::Text(b) => b.cache_control,
            RequestContent::Image(b) => b.cache_control,
            RequestContent::Document(b) => b.cache_control,
            RequestContent::ToolUse(b) => b.cache_control,
            RequestContent::ToolResult(b) => b.cache_control,
            RequestContent::Thinking(_) | RequestContent::RedactedThinking(_) => None,
        }
    }

    /// A mutable reference to the block's `cache_control`, `None` for the thinking blocks,
    /// which cannot carry one.
    pub fn cache_control_mut(&mut self) -> Option<&mut Option<CacheControl>> {
        match self {
            RequestContent::Text(b) => Some(&mut b.cache_control),
            RequestContent::Image(b) => Some(&mut b.cache_control),
            RequestContent::Document(b) => Some(&mut b.cache_control),
            RequestContent::ToolUse(b) => Some(&mut b.cache_control),
            RequestContent::ToolResult(b) => Some(&mut b.cache_control),
            RequestContent::Thinking(_) | RequestContent::RedactedThinking(_) => None,
        }
    }
}

/// A content block of a response. Blocks of a type this crate does not know (server tools,
/// ones newer than it) are kept whole as [`ResponseContent::Other`], never dropped.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseContent {
    /// Text.
    Text(TextBlock),
    /// A tool call.
    ToolUse(ToolUseBlock),
    /// Extended-thinking output, with its signature.
    Thinking(ThinkingBlock),
    /// Encrypted thinking output.
    RedactedThinking(RedactedThinkingBlock),
    /// A block of another type, as it came (its `type` key included).
    #[serde(untagged)]
    Other(Map<String, Value>),
}

impl ResponseContent {
    /// The block's wire type.
    pub fn kind(&self) -> &str {
        match self {
            ResponseContent::Text(_) => "text",
            ResponseContent::ToolUse(_) => "tool_use",
            ResponseContent::Thinking(_) => "thinking",
            ResponseContent::RedactedThinking(_) => "redacted_thinking",
            ResponseContent::Other(map) => map.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

/// Reads the block by its `type`: a known type must have its fields (the error names the one
/// missing), any other type is kept whole.
impl<'de> Deserialize<'de> for ResponseContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let kind = match map.get("type") {
            Some(Value::String(kind)) => kind.clone(),
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "content block `type` must be a string, got {other}"
                )));
            }
            None => return Err(D::Error::missing_field("type")),
        };
        if !matches!(
            kind.as_str(),
            "text" | "tool_use" | "thinking" | "redacted_thinking"
        ) {
            return Ok(ResponseContent::Other(map));
        }
        let value = Value::Object(map);
        let block = match kind.as_str() {
            "text" => serde_json::from_value(value).map(ResponseContent::Text),
            "tool_use" => serde_json::from_value(value).map(ResponseContent::ToolUse),
            "thinking" => serde_json::from_value(value).map(ResponseContent::Thinking),
            _ => serde_json::from_value(value).map(ResponseContent::RedactedThinking),
        };
        block.map_err(D::Error::custom)
    }
}

impl TryFrom<ResponseContent> for RequestContent {
    type Error = bedrock_core::Error;

    /// The block as it goes back in the next request's assistant turn, unchanged (a thinking
    /// block keeps its signature byte for byte). An [`ResponseContent::Other`] block has no
    /// request form in this crate: the error names its type.
    fn try_from(block: ResponseContent) -> bedrock_core::Result<Self> {
        match block {
            ResponseContent::Text(b) => Ok(RequestContent::Text(b)),
            ResponseContent::ToolUse(b) => Ok(RequestContent::ToolUse(b)),
            ResponseContent::Thinking(b) => Ok(RequestContent::Thinking(b)),
            ResponseContent::RedactedThinking(b) => Ok(RequestContent::RedactedThinking(b)),
            other @ ResponseContent::Other(_) => Err(bedrock_core::Error::invalid(
                "content[].type",
                other.kind(),
                "text, tool_use, thinking or redacted_thinking: only these response blocks go back in a request",
            )),
        }
    }
}

/// A tool the model may call: a custom tool (`name`, `description`, `input_schema`), or one
/// Anthropic defines (`type` such as `bash_20250124`, with its own settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolDefinition {
    /// The tool's name (`^[a-zA-Z0-9_-]{1,64}$`).
    #[schemars(regex(pattern = r"^[a-zA-Z0-9_-]{1,64}$"))]
    pub name: String,
    /// `custom` (the default when absent) or an Anthropic-defined tool type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub kind: Option<String>,
    /// What the tool does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of the tool's input (an object schema); required for custom tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Map<String, Value>>,
    /// Cache the prompt (the tools) up to here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Other settings of an Anthropic-defined tool (`display_width_px`, ...); none for a custom
    /// tool.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl ToolDefinition {
    /// A custom tool.
    pub fn custom(
        name: impl Into<String>,
        description: Option<String>,
        input_schema: Map<String, Value>,
    ) -> Self {
        ToolDefinition {
            name: name.into(),
            kind: None,
            description,
            input_schema: Some(input_schema),
            cache_control: None,
            settings: Map::new(),
        }
    }

    /// Whether this is a custom tool (no `type`, or `custom`).
    pub fn is_custom(&self) -> bool {
        self.kind.as_deref().is_none_or(|k| k == "custom")
    }
}

/// How the model may use the tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    /// The model decides.
    Auto {
        /// Use at most one tool per turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    /// The model must use some tool.
    Any {
        /// Use exactly one tool.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    /// The model must use this tool.
    Tool {
        /// The tool's name.
        name: String,
        /// Use exactly one tool.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    /// The model must not use tools.
    None,
}

impl ToolChoice {
    /// Whether the choice forces a tool use (`any` or `tool`), which extended thinking forbids.
    pub fn forces_tool_use(&self) -> bool {
        matches!(self, ToolChoice::Any { .. } | ToolChoice::Tool { .. })
    }
}

/// Extended thinking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ThinkingConfig {
    /// Think before answering, within a budget.
    Enabled {
        /// Most tokens to think with: at least 1,024 and below `max_tokens`.
        #[schemars(range(min = 1024))]
        budget_tokens: u32,
    },
    /// No thinking.
    Disabled,
}

/// The system prompt: a string, or text blocks (which may carry `cache_control`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SystemPrompt {
    /// One string.
    Text(#[schemars(length(min = 1))] String),
    /// Text blocks.
    Blocks(#[schemars(length(min = 1))] Vec<SystemBlock>),
}

/// A block of the system prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SystemBlock {
    /// Text.
    Text(TextBlock),
}
