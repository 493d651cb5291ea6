//! Converse's request, response and stream event types, shaped exactly like Bedrock's JSON wire
//! format: serialising a [`ConverseRequest`] gives the body of `POST /model/{id}/converse`, and a
//! Converse response body deserialises into a [`ConverseResponse`].
//!
//! Unions are externally tagged as on the wire (`{"text": "hi"}`, `{"toolUse": {...}}`), byte
//! fields are base64 strings, and optional fields are left out when unset.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bytes_b64;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConversationRole {
    /// The caller (and tool results).
    User,
    /// The model.
    Assistant,
}

/// One message of a conversation: a role and its content blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Message {
    /// Who wrote it.
    pub role: ConversationRole,
    /// What it holds, in order.
    pub content: Vec<ContentBlock>,
}

impl Message {
    /// A user message of one text block.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: ConversationRole::User,
            content: vec![ContentBlock::Text(text.into())],
        }
    }

    /// An assistant message of one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: ConversationRole::Assistant,
            content: vec![ContentBlock::Text(text.into())],
        }
    }

    /// The message's text blocks, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The tool uses the message asks for, in order.
    pub fn tool_uses(&self) -> impl Iterator<Item = &ToolUseBlock> {
        self.content.iter().filter_map(|b| match b {
            ContentBlock::ToolUse(t) => Some(t),
            _ => None,
        })
    }
}

/// One block of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContentBlock {
    /// Text.
    Text(String),
    /// An image.
    Image(ImageBlock),
    /// A document (pdf, csv, doc, docx, xls, xlsx, html, txt, md).
    Document(DocumentBlock),
    /// The model asks for a tool to be run.
    ToolUse(ToolUseBlock),
    /// A tool's answer, sent back in a user message.
    ToolResult(ToolResultBlock),
    /// The model's reasoning; must be sent back unchanged (signature included) on the next turn.
    ReasoningContent(ReasoningBlock),
    /// A prompt-cache checkpoint: everything before it may be cached.
    CachePoint(CachePointBlock),
    /// Content a guardrail evaluates.
    GuardContent(GuardrailContent),
}

/// An image format Converse accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConverseImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// WebP.
    Webp,
}

impl ConverseImageFormat {
    /// The wire name (`png`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConverseImageFormat::Png => "png",
            ConverseImageFormat::Jpeg => "jpeg",
            ConverseImageFormat::Gif => "gif",
            ConverseImageFormat::Webp => "webp",
        }
    }
}

/// An image block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageBlock {
    /// The image's format.
    pub format: ConverseImageFormat,
    /// Where the image is.
    pub source: MediaSource,
}

/// Where an image's or document's bytes are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MediaSource {
    /// The bytes themselves (base64 on the wire).
    Bytes(
        #[serde(with = "bytes_b64")]
        #[schemars(with = "String")]
        Vec<u8>,
    ),
    /// An S3 object.
    S3Location(S3Location),
    /// Plain text (documents only).
    Text(String),
}

/// An S3 object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3Location {
    /// `s3://bucket/key`.
    pub uri: String,
    /// The bucket owner's account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_owner: Option<String>,
}

/// A document format Converse accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DocumentFormat {
    /// PDF.
    Pdf,
    /// CSV.
    Csv,
    /// Word 97-2003.
    Doc,
    /// Word.
    Docx,
    /// Excel 97-2003.
    Xls,
    /// Excel.
    Xlsx,
    /// HTML.
    Html,
    /// Plain text.
    Txt,
    /// Markdown.
    Md,
}

impl DocumentFormat {
    /// Every format, in wire-name order.
    pub const ALL: [DocumentFormat; 9] = [
        DocumentFormat::Pdf,
        DocumentFormat::Csv,
        DocumentFormat::Doc,
        DocumentFormat::Docx,
        DocumentFormat::Xls,
        DocumentFormat::Xlsx,
        DocumentFormat::Html,
        DocumentFormat::Txt,
        DocumentFormat::Md,
    ];

    /// The wire name (`pdf`).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Pdf => "pdf",
            DocumentFormat::Csv => "csv",
            DocumentFormat::Doc => "doc",
            DocumentFormat::Docx => "docx",
            DocumentFormat::Xls => "xls",
            DocumentFormat::Xlsx => "xlsx",
            DocumentFormat::Html => "html",
            DocumentFormat::Txt => "txt",
            DocumentFormat::Md => "md",
        }
    }

    /// The format for a file extension (`PDF`, `md`), if Converse accepts it.
    pub fn from_extension(ext: &str) -> Option<DocumentFormat> {
        let ext = ext.to_ascii_lowercase();
        let ext = if ext == "htm" { "html".to_owned() } else { ext };
        let ext = if ext == "markdown" {
            "md".to_owned()
        } else {
            ext
        };
        DocumentFormat::ALL.into_iter().find(|f| f.as_str() == ext)
    }
}

/// A document block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentBlock {
    /// The document's format.
    pub format: DocumentFormat,
    /// A name for the document (letters, digits, spaces, hyphens, parentheses, brackets).
    pub name: String,
    /// Where the document is.
    pub source: MediaSource,
}

/// The model asks for a tool to be run with this input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseBlock {
    /// The id the tool result must quote.
    pub tool_use_id: String,
    /// The tool's name.
    pub name: String,
    /// The input, a JSON object that should match the tool's input schema.
    pub input: serde_json::Value,
}

/// A tool's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolResultBlock {
    /// The tool use this answers.
    pub tool_use_id: String,
    /// The answer.
    pub content: Vec<ToolResultContent>,
    /// Whether the tool succeeded; `None` means success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ToolResultStatus>,
}

/// One part of a tool's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ToolResultContent {
    /// A JSON value.
    Json(serde_json::Value),
    /// Text.
    Text(String),
    /// An image.
    Image(ImageBlock),
    /// A document.
    Document(DocumentBlock),
}

/// Whether a tool succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ToolResultStatus {
    /// It did.
    Success,
    /// It failed; the content says why.
    Error,
}

/// The model's reasoning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ReasoningBlock {
    /// Reasoning text with the signature that proves it unchanged.
    ReasoningText(ReasoningText),
    /// Reasoning the model's provider encrypted (base64 on the wire).
    RedactedContent(
        #[serde(with = "bytes_b64")]
        #[schemars(with = "String")]
        Vec<u8>,
    ),
}

/// Reasoning text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReasoningText {
    /// The reasoning.
    pub text: String,
    /// The signature, to be sent back unchanged on the next turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A prompt-cache checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CachePointBlock {
    /// The cache point's type; Bedrock knows only `default`.
    #[serde(rename = "type")]
    pub kind: CachePointType,
}

/// A cache point's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CachePointType {
    /// The only type.
    #[default]
    Default,
}

/// Content a guardrail evaluates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum GuardrailContent {
    /// Text with how the guardrail should treat it.
    Text(GuardrailText),
}

/// Text for a guardrail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GuardrailText {
    /// The text.
    pub text: String,
    /// `grounding_source`, `query`, `guard_content`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<String>,
}

/// A block of the system prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SystemContentBlock {
    /// Text.
    Text(String),
    /// A prompt-cache checkpoint.
    CachePoint(CachePointBlock),
    /// Content a guardrail evaluates.
    GuardContent(GuardrailContent),
}

/// Inference parameters every model understands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InferenceConfiguration {
    /// Most tokens to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Randomness, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Nucleus sampling, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Text that ends generation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

/// The tools offered to the model and how it may choose among them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfiguration {
    /// The tools (and cache points between them).
    pub tools: Vec<ToolEntry>,
    /// How the model may choose; `auto` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
}

impl ToolConfiguration {
    /// The tool specifications, without cache points.
    pub fn specs(&self) -> impl Iterator<Item = &ToolSpecification> {
        self.tools.iter().filter_map(|t| match t {
            ToolEntry::ToolSpec(s) => Some(s),
            ToolEntry::CachePoint(_) => None,
        })
    }
}

/// One entry of a tool configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ToolEntry {
    /// A tool.
    ToolSpec(ToolSpecification),
    /// A prompt-cache checkpoint after the tools before it.
    CachePoint(CachePointBlock),
}

/// A tool: its name, what it does and the JSON schema of its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpecification {
    /// The name (`[a-zA-Z0-9_-]{1,64}`).
    pub name: String,
    /// What the tool does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The input's JSON schema.
    pub input_schema: ToolInputSchema,
}

/// A tool's input schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ToolInputSchema {
    /// A JSON schema (an object schema).
    Json(serde_json::Value),
}

impl ToolInputSchema {
    /// The schema.
    pub fn json(&self) -> &serde_json::Value {
        match self {
            ToolInputSchema::Json(v) => v,
        }
    }
}

/// How the model may choose tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ToolChoice {
    /// The model decides whether to use a tool.
    Auto {},
    /// The model must use some tool.
    Any {},
    /// The model must use this tool.
    Tool {
        /// The tool's name.
        name: String,
    },
}

/// A guardrail applied to a Converse call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConverseGuardrailConfig {
    /// The guardrail's id or ARN.
    pub guardrail_identifier: String,
    /// Its version (`DRAFT` or a number).
    pub guardrail_version: String,
    /// `enabled`, `disabled` or `enabled_full`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// Latency setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceConfiguration {
    /// `standard` or `optimized`.
    pub latency: Latency,
}

/// Latency-optimised inference or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Latency {
    /// Standard inference.
    #[default]
    Standard,
    /// Latency-optimised inference, where the model offers it.
    Optimized,
}

/// The service tier a call asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceTier {
    /// `priority`, `default` or `flex`.
    #[serde(rename = "type")]
    pub kind: ServiceTierType,
}

/// A service tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceTierType {
    /// Faster, at a higher price.
    Priority,
    /// The default tier.
    Default,
    /// Slower, at a lower price.
    Flex,
    /// Capacity reserved in advance.
    Reserved,
}

/// A Converse request body: the conversation so far and how to continue it.
///
/// Build one with [`ConverseRequest::new`] and the `with_*` methods, or deserialise Bedrock's
/// JSON. [`ConverseRequest::validate`] checks it locally; the connector calls it before sending.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConverseRequest {
    /// The conversation, oldest first; it starts with a user message.
    pub messages: Vec<Message>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemContentBlock>,
    /// Inference parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_config: Option<InferenceConfiguration>,
    /// Tools the model may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfiguration>,
    /// A guardrail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_config: Option<ConverseGuardrailConfig>,
    /// Model-specific fields passed through unchanged (`{"thinking": {...}}`, `{"top_k": 5}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<serde_json::Value>,
    /// JSON pointers (`/stop_sequence`) of model-specific response fields to return.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_model_response_field_paths: Vec<String>,
    /// Key-value pairs recorded in invocation logs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_metadata: BTreeMap<String, String>,
    /// Latency setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<PerformanceConfiguration>,
    /// Service tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConverseStopReason {
    /// The model finished its turn.
    EndTurn,
    /// The model asks for tools to be run.
    ToolUse,
    /// `maxTokens` was reached.
    MaxTokens,
    /// A stop sequence was generated.
    StopSequence,
    /// A guardrail intervened.
    GuardrailIntervened,
    /// Content filters blocked the answer.
    ContentFiltered,
    /// The conversation no longer fits the model's context window.
    ModelContextWindowExceeded,
    /// The model's output could not be read as an answer.
    MalformedModelOutput,
    /// The model asked for a tool with input that is not valid JSON.
    MalformedToolUse,
}

impl ConverseStopReason {
    /// The wire name (`end_turn`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConverseStopReason::EndTurn => "end_turn",
            ConverseStopReason::ToolUse => "tool_use",
            ConverseStopReason::MaxTokens => "max_tokens",
            ConverseStopReason::StopSequence => "stop_sequence",
            ConverseStopReason::GuardrailIntervened => "guardrail_intervened",
            ConverseStopReason::ContentFiltered => "content_filtered",
            ConverseStopReason::ModelContextWindowExceeded => "model_context_window_exceeded",
            ConverseStopReason::MalformedModelOutput => "malformed_model_output",
            ConverseStopReason::MalformedToolUse => "malformed_tool_use",
        }
    }
}

/// Token counts of a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// Input tokens (not counting those read from or written to the cache).
    pub input_tokens: u32,
    /// Output tokens.
    pub output_tokens: u32,
    /// Input plus output (plus cache) tokens.
    pub total_tokens: u32,
    /// Input tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u32>,
    /// Input tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u32>,
}

/// The sum of two calls' usage (for a conversation of several rounds); counts saturate.
impl std::ops::Add for TokenUsage {
    type Output = TokenUsage;

    fn add(self, other: TokenUsage) -> TokenUsage {
        fn opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
            match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
            }
        }
        TokenUsage {
            input_tokens: self.input_tokens.saturating_add(other.input_tokens),
            output_tokens: self.output_tokens.saturating_add(other.output_tokens),
            total_tokens: self.total_tokens.saturating_add(other.total_tokens),
            cache_read_input_tokens: opt(
                self.cache_read_input_tokens,
                other.cache_read_input_tokens,
            ),
            cache_write_input_tokens: opt(
                self.cache_write_input_tokens,
                other.cache_write_input_tokens,
            ),
        }
    }
}

/// Timing of a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConverseMetrics {
    /// Milliseconds the model took.
    pub latency_ms: u64,
}

/// What the model produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConverseOutput {
    /// The assistant's message.
    Message(Message),
}

/// A Converse response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConverseResponse {
    /// The assistant's message.
    pub output: ConverseOutput,
    /// Why the model stopped.
    pub stop_reason: ConverseStopReason,
    /// Token counts.
    pub usage: TokenUsage,
    /// Timing.
    pub metrics: ConverseMetrics,
    /// The model-specific fields asked for with `additionalModelResponseFieldPaths`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<serde_json::Value>,
    /// Guardrail and prompt-router trace, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<serde_json::Value>,
    /// The latency setting used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<PerformanceConfiguration>,
    /// The service tier used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
}

impl ConverseResponse {
    /// The assistant's message.
    pub fn message(&self) -> &Message {
        match &self.output {
            ConverseOutput::Message(m) => m,
        }
    }

    /// The assistant's text blocks, joined.
    pub fn text(&self) -> String {
        self.message().text()
    }
}

/// One event of a ConverseStream response, tagged as the SDKs present them
/// (`{"contentBlockDelta": {...}}`); on the wire the tag is the event-stream message's
/// `:event-type` header and the payload is the inner object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConverseStreamEvent {
    /// The assistant's message starts.
    MessageStart(MessageStartEvent),
    /// A content block starts (tool uses announce their id and name here).
    ContentBlockStart(ContentBlockStartEvent),
    /// A piece of a content block.
    ContentBlockDelta(ContentBlockDeltaEvent),
    /// A content block ends.
    ContentBlockStop(ContentBlockStopEvent),
    /// The message ends, with the stop reason.
    MessageStop(MessageStopEvent),
    /// Usage and timing, last.
    Metadata(ConverseStreamMetadata),
}

impl ConverseStreamEvent {
    /// The event's wire name (`contentBlockDelta`).
    pub fn event_type(&self) -> &'static str {
        match self {
            ConverseStreamEvent::MessageStart(_) => "messageStart",
            ConverseStreamEvent::ContentBlockStart(_) => "contentBlockStart",
            ConverseStreamEvent::ContentBlockDelta(_) => "contentBlockDelta",
            ConverseStreamEvent::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamEvent::MessageStop(_) => "messageStop",
            ConverseStreamEvent::Metadata(_) => "metadata",
        }
    }
}

/// `messageStart`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessageStartEvent {
    /// Always `assistant`.
    pub role: ConversationRole,
}

/// `contentBlockStart`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStartEvent {
    /// What starts.
    pub start: ContentBlockStart,
    /// The block's index in the message.
    pub content_block_index: u32,
}

/// What a content block starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContentBlockStart {
    /// A tool use: its id and the tool's name; the input follows as deltas.
    ToolUse(ToolUseBlockStart),
}

/// The start of a tool use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseBlockStart {
    /// The tool use's id.
    pub tool_use_id: String,
    /// The tool's name.
    pub name: String,
}

/// `contentBlockDelta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockDeltaEvent {
    /// The piece.
    pub delta: ContentBlockDelta,
    /// The block's index in the message.
    pub content_block_index: u32,
}

/// A piece of a content block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContentBlockDelta {
    /// Text.
    Text(String),
    /// A fragment of a tool use's input JSON; the fragments concatenated parse as the input.
    ToolUse(ToolUseBlockDelta),
    /// A piece of reasoning.
    ReasoningContent(ReasoningContentDelta),
}

/// A fragment of a tool use's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolUseBlockDelta {
    /// The JSON text fragment.
    pub input: String,
}

/// A piece of reasoning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ReasoningContentDelta {
    /// Reasoning text.
    Text(String),
    /// The reasoning's signature (after its text).
    Signature(String),
    /// Redacted reasoning (base64 on the wire).
    RedactedContent(
        #[serde(with = "bytes_b64")]
        #[schemars(with = "String")]
        Vec<u8>,
    ),
}

/// `contentBlockStop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStopEvent {
    /// The block's index in the message.
    pub content_block_index: u32,
}

/// `messageStop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageStopEvent {
    /// Why the model stopped.
    pub stop_reason: ConverseStopReason,
    /// The model-specific fields asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<serde_json::Value>,
}

/// `metadata`: usage and timing, after `messageStop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConverseStreamMetadata {
    /// Token counts.
    pub usage: TokenUsage,
    /// Timing.
    pub metrics: ConverseMetrics,
    /// Guardrail trace, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<serde_json::Value>,
    /// The latency setting used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<PerformanceConfiguration>,
    /// The service tier used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
}

/// What CountTokens counts: a Converse conversation or an InvokeModel body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CountTokensInput {
    /// A Converse request's messages and system prompt.
    Converse(ConverseTokensRequest),
    /// An InvokeModel body.
    InvokeModel(InvokeModelTokensRequest),
}

/// The part of a Converse request that CountTokens counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConverseTokensRequest {
    /// The messages.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemContentBlock>,
}

/// An InvokeModel body for CountTokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvokeModelTokensRequest {
    /// The body (base64 on the wire).
    #[serde(with = "bytes_b64")]
    #[schemars(with = "String")]
    pub body: Vec<u8>,
}

/// A CountTokens request body: `{"input": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CountTokensRequest {
    /// What to count.
    pub input: CountTokensInput,
}

/// A CountTokens response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensResponse {
    /// The input tokens the request would use.
    pub input_tokens: u32,
}
