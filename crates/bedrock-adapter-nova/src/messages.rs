//! The `nova-messages` API of Nova Micro, Lite, Pro and Premier: the `messages-v1` request body
//! (system prompt, messages with text, image, video and cache-point blocks, inference settings,
//! tools), built from neutral text and chat inputs and validated; the response and the stream
//! events, turned into neutral output.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, ExtraFields, ImageFormat, InferenceParams,
    InvocationMetrics, Result, Role, StopReason, StreamEvent, TextOutput, TextRequest, Usage,
    check_extra_keys,
};
use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::{
    MAX_STOP_SEQUENCES, MAX_TOP_K, MESSAGES_API, MessagesModelLimits, PREMIER_MAX_TOKENS,
};

/// The `extra` fields the body takes, under their body names.
pub const EXTRA_FIELDS: &[&str] = &["toolConfig"];

/// The longest `toolSpec.name`.
pub const MAX_TOOL_NAME_CHARS: usize = 64;

/// The body of an InvokeModel call to a Nova understanding model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "NovaMessagesRequest")]
pub struct NovaMessagesRequest {
    /// The request schema: always `messages-v1`.
    pub schema_version: SchemaVersion,
    /// The system prompt, as text blocks (and cache points after the part to cache).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemBlock>,
    /// The conversation, oldest first: it starts with a user turn and alternates roles.
    #[schemars(length(min = 1))]
    pub messages: Vec<Message>,
    /// Length and sampling settings; the model's defaults where absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_config: Option<InferenceConfig>,
    /// Tools the model may call, passed through from `extra.toolConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfig>,
}

/// `schemaVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SchemaVersion {
    /// `messages-v1`, the one schema of Nova understanding models.
    #[serde(rename = "messages-v1")]
    MessagesV1,
}

/// One block of the system prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SystemBlock {
    /// Instructions, as text.
    Text(#[schemars(regex(pattern = r"\S"))] String),
    /// Caches the prompt up to this point.
    CachePoint(CachePoint),
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Who speaks.
    pub role: MessageRole,
    /// What is said, in order.
    #[schemars(length(min = 1))]
    pub content: Vec<ContentBlock>,
}

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    /// The user.
    User,
    /// The model; a last assistant turn prefills the answer.
    Assistant,
}

impl MessageRole {
    fn name(self) -> &'static str {
        match self {
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
        }
    }
}

/// One block of a message: the object has exactly one of these keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContentBlock {
    /// Text, not blank.
    Text(#[schemars(regex(pattern = r"\S"))] String),
    /// An image (Lite, Pro and Premier; user turns only).
    Image(ImageBlock),
    /// A video (Lite, Pro and Premier; user turns only).
    Video(VideoBlock),
    /// Caches the prompt up to this point.
    CachePoint(CachePoint),
}

/// An image block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageBlock {
    /// The image's encoding.
    pub format: ImageBlockFormat,
    /// Where the image comes from.
    pub source: MediaSource,
}

/// The encodings Nova reads images in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImageBlockFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// GIF.
    Gif,
    /// WebP.
    Webp,
}

impl From<ImageFormat> for ImageBlockFormat {
    fn from(format: ImageFormat) -> Self {
        match format {
            ImageFormat::Jpeg => ImageBlockFormat::Jpeg,
            ImageFormat::Png => ImageBlockFormat::Png,
            ImageFormat::Gif => ImageBlockFormat::Gif,
            ImageFormat::Webp => ImageBlockFormat::Webp,
        }
    }
}

/// A video block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoBlock {
    /// The video's container format.
    pub format: VideoFormat,
    /// Where the video comes from.
    pub source: MediaSource,
}

/// The container formats Nova reads videos in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VideoFormat {
    /// Matroska.
    Mkv,
    /// QuickTime.
    Mov,
    /// MPEG-4.
    Mp4,
    /// WebM.
    Webm,
    /// 3GPP.
    ThreeGp,
    /// Flash video.
    Flv,
    /// MPEG.
    Mpeg,
    /// MPEG, `.mpg`.
    Mpg,
    /// Windows Media.
    Wmv,
}

/// Where an image or a video comes from: the object has exactly one of these keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MediaSource {
    /// The file's bytes, base64-encoded.
    Bytes(#[schemars(length(min = 1))] String),
    /// An object in Amazon S3.
    S3Location(S3Location),
}

/// An object in Amazon S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3Location {
    /// `s3://bucket/key`.
    #[schemars(regex(pattern = r"^s3://\S+/\S"))]
    pub uri: String,
    /// The account that owns the bucket, when it is not the caller's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{12}$"))]
    pub bucket_owner: Option<String>,
}

/// A cache point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CachePoint {
    /// The cache kind: `default`.
    #[serde(rename = "type")]
    pub kind: CachePointType,
}

/// The kinds of cache point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CachePointType {
    /// The only kind.
    Default,
}

/// `inferenceConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InferenceConfig {
    /// The most tokens to generate: up to 10,000 (Micro, Lite, Pro) or 32,000 (Premier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = PREMIER_MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0.0..=1.0 (default 0.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling, 0.0..=1.0 (default 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Top-k sampling, 0..=128.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_TOP_K))]
    pub top_k: Option<u32>,
    /// Up to four sequences that stop generation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop_sequences: Vec<String>,
}

/// `toolConfig`: the tools and how the model may use them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolConfig {
    /// The tools, with distinct names.
    #[schemars(length(min = 1))]
    pub tools: Vec<Tool>,
    /// Whether the model must call a tool (`auto` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
}

/// One tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tool {
    /// Its specification.
    pub tool_spec: ToolSpec,
}

/// A tool's specification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolSpec {
    /// Its name: 1..=64 letters, digits, `_` and `-`.
    #[schemars(length(min = 1, max = MAX_TOOL_NAME_CHARS), regex(pattern = r"^[a-zA-Z0-9_-]+$"))]
    pub name: String,
    /// What it does and when to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub description: Option<String>,
    /// Its arguments.
    pub input_schema: ToolInputSchema,
}

/// A tool's arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolInputSchema {
    /// The arguments' JSON Schema, an object schema.
    pub json: Map<String, Value>,
}

/// `toolChoice`: the object has exactly one of these keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ToolChoice {
    /// The model decides (the default).
    Auto(Empty),
    /// The model calls one of the tools.
    Any(Empty),
    /// The model calls this tool.
    Tool(ToolChoiceTool),
}

/// An empty object, `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `toolChoice.tool`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolChoiceTool {
    /// The name of one of `tools`.
    #[schemars(length(min = 1))]
    pub name: String,
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl NovaMessagesRequest {
    /// The body for a neutral text request: the prompt becomes the one user turn, `system`
    /// the system prompt; every sampling setting has its `inferenceConfig` field, and
    /// `extra.toolConfig` becomes `toolConfig`.
    pub fn from_text(input: &TextRequest, limits: &MessagesModelLimits) -> Result<Self> {
        check_extra_keys(&input.extra, EXTRA_FIELDS, MESSAGES_API)?;
        if is_blank(&input.prompt) {
            let prompt = format!("{:?}", input.prompt);
            return Err(Error::invalid("prompt", prompt, "a non-blank prompt"));
        }
        let messages = vec![Message {
            role: MessageRole::User,
            content: vec![ContentBlock::Text(input.prompt.clone())],
        }];
        Self::assemble(
            input.system.as_deref(),
            messages,
            &input.params,
            &input.extra,
            limits,
        )
    }

    /// The body for a neutral chat request: one message per neutral message, one block per
    /// part, images base64-encoded (for the models that read them).
    pub fn from_chat(input: &ChatRequest, limits: &MessagesModelLimits) -> Result<Self> {
        check_extra_keys(&input.extra, EXTRA_FIELDS, MESSAGES_API)?;
        let messages = input
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| message(i, m, limits))
            .collect::<Result<Vec<_>>>()?;
        Self::assemble(
            input.system.as_deref(),
            messages,
            &input.params,
            &input.extra,
            limits,
        )
    }

    fn assemble(
        system: Option<&str>,
        messages: Vec<Message>,
        params: &InferenceParams,
        extra: &ExtraFields,
        limits: &MessagesModelLimits,
    ) -> Result<Self> {
        if let Some(system) = system.filter(|s| is_blank(s)) {
            let system = format!("{system:?}");
            return Err(Error::invalid(
                "system",
                system,
                "a non-blank system prompt, or none",
            ));
        }
        let config = InferenceConfig {
            max_tokens: params.max_tokens,
            temperature: params.temperature,
            top_p: params.top_p,
            top_k: params.top_k,
            stop_sequences: params.stop_sequences.clone(),
        };
        let request = NovaMessagesRequest {
            schema_version: SchemaVersion::MessagesV1,
            system: system
                .map(|s| SystemBlock::Text(s.to_owned()))
                .into_iter()
                .collect(),
            messages,
            inference_config: (config != InferenceConfig::default()).then_some(config),
            tool_config: extra_tool_config(extra)?,
        };
        request.validate(limits).map(|()| request)
    }

    /// Checks every field against what the model on the route accepts; the error names the
    /// first bad field by its path in the body.
    pub fn validate(&self, limits: &MessagesModelLimits) -> Result<()> {
        for (i, block) in self.system.iter().enumerate() {
            if let SystemBlock::Text(text) = block
                && is_blank(text)
            {
                let text = format!("{text:?}");
                return Err(Error::invalid(
                    format!("system[{i}].text"),
                    text,
                    "non-blank text",
                ));
            }
        }
        self.validate_messages(limits)?;
        if let Some(config) = &self.inference_config {
            config.validate(limits)?;
        }
        if let Some(tools) = &self.tool_config {
            tools.validate()?;
        }
        Ok(())
    }

    fn validate_messages(&self, limits: &MessagesModelLimits) -> Result<()> {
        if self.messages.is_empty() {
            return Err(Error::invalid(
                "messages",
                "[]",
                "at least one message, the first from the user",
            ));
        }
        let mut expected = MessageRole::User;
        for (i, m) in self.messages.iter().enumerate() {
            if m.role != expected {
                let allowed = if i == 0 {
                    "user: the conversation starts with a user turn".to_owned()
                } else {
                    format!("{}: user and assistant turns alternate", expected.name())
                };
                return Err(Error::invalid(
                    format!("messages[{i}].role"),
                    m.role.name(),
                    allowed,
                ));
            }
            expected = match m.role {
                MessageRole::User => MessageRole::Assistant,
                MessageRole::Assistant => MessageRole::User,
            };
            if m.content.is_empty() {
                return Err(Error::invalid(
                    format!("messages[{i}].content"),
                    "[]",
                    "at least one content block",
                ));
            }
            for (j, block) in m.content.iter().enumerate() {
                validate_block(
                    &format!("messages[{i}].content[{j}]"),
                    m.role,
                    block,
                    limits,
                )?;
            }
        }
        Ok(())
    }
}

fn validate_block(
    field: &str,
    role: MessageRole,
    block: &ContentBlock,
    limits: &MessagesModelLimits,
) -> Result<()> {
    let (kind, source) = match block {
        ContentBlock::Text(text) => {
            return if is_blank(text) {
                let text = format!("{text:?}");
                Err(Error::invalid(
                    format!("{field}.text"),
                    text,
                    "non-blank text",
                ))
            } else {
                Ok(())
            };
        }
        ContentBlock::CachePoint(_) => return Ok(()),
        ContentBlock::Image(image) => ("image", &image.source),
        ContentBlock::Video(video) => ("video", &video.source),
    };
    if !limits.vision {
        return Err(Error::invalid(
            field,
            format!("an {kind} block"),
            format!(
                "text only: {} does not read images or videos (Lite, Pro and Premier do)",
                limits.name
            ),
        ));
    }
    if role != MessageRole::User {
        return Err(Error::invalid(
            field,
            format!("an {kind} block in an assistant turn"),
            format!("{kind} blocks in user turns only"),
        ));
    }
    match source {
        MediaSource::Bytes(bytes) if bytes.is_empty() => Err(Error::invalid(
            format!("{field}.{kind}.source.bytes"),
            "\"\"",
            "the base64-encoded file, not empty",
        )),
        MediaSource::Bytes(bytes) if STANDARD.decode(bytes).is_err() => Err(Error::invalid(
            format!("{field}.{kind}.source.bytes"),
            format!("{} characters that are not base64", bytes.chars().count()),
            "the base64-encoded file",
        )),
        MediaSource::S3Location(location) => location.validate(&format!("{field}.{kind}.source")),
        MediaSource::Bytes(_) => Ok(()),
    }
}

impl S3Location {
    fn validate(&self, field: &str) -> Result<()> {
        let valid_uri = self
            .uri
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(bucket, key)| !bucket.is_empty() && !key.is_empty());
        if !valid_uri {
            return Err(Error::invalid(
                format!("{field}.s3Location.uri"),
                format!("{:?}", self.uri),
                "s3://BUCKET/KEY",
            ));
        }
        if let Some(owner) = &self.bucket_owner
            && !(owner.len() == 12 && owner.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::invalid(
                format!("{field}.s3Location.bucketOwner"),
                format!("{owner:?}"),
                "a 12-digit AWS account id",
            ));
        }
        Ok(())
    }
}

impl InferenceConfig {
    fn validate(&self, limits: &MessagesModelLimits) -> Result<()> {
        if let Some(n) = self.max_tokens
            && !(1..=limits.max_tokens).contains(&n)
        {
            return Err(Error::invalid(
                "inferenceConfig.maxTokens",
                n,
                format!("1..={} ({})", limits.max_tokens, limits.name),
            ));
        }
        // `contains` is false for NaN too.
        for (field, value) in [
            ("inferenceConfig.temperature", self.temperature),
            ("inferenceConfig.topP", self.top_p),
        ] {
            if let Some(v) = value.filter(|v| !(0.0..=1.0).contains(v)) {
                return Err(Error::invalid(field, v, "0.0..=1.0"));
            }
        }
        if let Some(k) = self.top_k.filter(|k| *k > MAX_TOP_K) {
            return Err(Error::invalid(
                "inferenceConfig.topK",
                k,
                format!("0..={MAX_TOP_K}"),
            ));
        }
        if self.stop_sequences.len() > MAX_STOP_SEQUENCES {
            return Err(Error::invalid(
                "inferenceConfig.stopSequences",
                format!("{} sequences", self.stop_sequences.len()),
                format!("at most {MAX_STOP_SEQUENCES} sequences"),
            ));
        }
        if let Some(i) = self.stop_sequences.iter().position(String::is_empty) {
            return Err(Error::invalid(
                format!("inferenceConfig.stopSequences[{i}]"),
                "\"\"",
                "a non-empty sequence",
            ));
        }
        Ok(())
    }
}

impl ToolConfig {
    fn validate(&self) -> Result<()> {
        if self.tools.is_empty() {
            return Err(Error::invalid(
                "toolConfig.tools",
                "[]",
                "at least one tool",
            ));
        }
        for (i, tool) in self.tools.iter().enumerate() {
            let name = &tool.tool_spec.name;
            let well_formed = (1..=MAX_TOOL_NAME_CHARS).contains(&name.chars().count())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !well_formed {
                return Err(Error::invalid(
                    format!("toolConfig.tools[{i}].toolSpec.name"),
                    format!("{name:?}"),
                    format!("1..={MAX_TOOL_NAME_CHARS} letters, digits, `_` and `-`"),
                ));
            }
            if self.tools.iter().take(i).any(|t| t.tool_spec.name == *name) {
                return Err(Error::invalid(
                    format!("toolConfig.tools[{i}].toolSpec.name"),
                    format!("{name:?}"),
                    "a name no other tool has",
                ));
            }
            if let Some(description) = &tool.tool_spec.description
                && is_blank(description)
            {
                return Err(Error::invalid(
                    format!("toolConfig.tools[{i}].toolSpec.description"),
                    format!("{description:?}"),
                    "a non-blank description, or none",
                ));
            }
            let kind = tool.tool_spec.input_schema.json.get("type");
            if kind.is_some_and(|k| k != "object") {
                return Err(Error::invalid(
                    format!("toolConfig.tools[{i}].toolSpec.inputSchema.json.type"),
                    kind.unwrap_or(&Value::Null),
                    "\"object\": the arguments are a JSON object",
                ));
            }
        }
        if let Some(ToolChoice::Tool(choice)) = &self.tool_choice
            && !self.tools.iter().any(|t| t.tool_spec.name == choice.name)
        {
            let names: Vec<&str> = self
                .tools
                .iter()
                .map(|t| t.tool_spec.name.as_str())
                .collect();
            return Err(Error::invalid(
                "toolConfig.toolChoice.tool.name",
                format!("{:?}", choice.name),
                format!("the name of one of the tools: {}", names.join(", ")),
            ));
        }
        Ok(())
    }
}

/// `extra.toolConfig`, read as the body's `toolConfig`; its shape is checked here, its values
/// by [`NovaMessagesRequest::validate`].
fn extra_tool_config(extra: &ExtraFields) -> Result<Option<ToolConfig>> {
    let Some(value) = extra.get("toolConfig") else {
        return Ok(None);
    };
    serde_json::from_value(value.clone()).map(Some).map_err(|e| {
        Error::invalid(
            "extra.toolConfig",
            value,
            format!(
                "{{\"tools\": [{{\"toolSpec\": {{\"name\", \"description\", \"inputSchema\": {{\"json\"}}}}}}], \"toolChoice\"}} ({e})"
            ),
        )
    })
}

fn message(i: usize, m: &ChatMessage, limits: &MessagesModelLimits) -> Result<Message> {
    let role = match m.role {
        Role::User => MessageRole::User,
        Role::Assistant => MessageRole::Assistant,
    };
    let content = m
        .content
        .iter()
        .enumerate()
        .map(|(j, part)| match part {
            ContentPart::Text { text } => Ok(ContentBlock::Text(text.clone())),
            ContentPart::Image { format, data } => image_block(
                &format!("messages[{i}].content[{j}]"),
                *format,
                data,
                limits,
            ),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Message { role, content })
}

/// A neutral image as an image block. The bytes must be the format they claim, so that the
/// model is not told `png` for a JPEG.
fn image_block(
    field: &str,
    format: ImageFormat,
    data: &[u8],
    limits: &MessagesModelLimits,
) -> Result<ContentBlock> {
    if !limits.vision {
        return Err(Error::invalid(
            field,
            format!("a {} image", format.media_type()),
            format!(
                "text only: {} does not read images (Lite, Pro and Premier do)",
                limits.name
            ),
        ));
    }
    if data.is_empty() {
        return Err(Error::invalid(
            format!("{field}.image.source.bytes"),
            "0 bytes",
            "the image's bytes, not empty",
        ));
    }
    if let Some(actual) = ImageFormat::sniff(data)
        && actual != format
    {
        return Err(Error::invalid(
            format!("{field}.image.format"),
            format.extension(),
            format!(
                "{}: the bytes are a {} image",
                actual.extension(),
                actual.media_type()
            ),
        ));
    }
    Ok(ContentBlock::Image(ImageBlock {
        format: format.into(),
        source: MediaSource::Bytes(STANDARD.encode(data)),
    }))
}

/// A whole InvokeModel response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NovaMessagesResponse {
    output: ResponseOutput,
    stop_reason: Option<String>,
    usage: Option<ResponseUsage>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ResponseOutput {
    message: ResponseMessage,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ResponseMessage {
    content: Vec<ResponseBlock>,
}

/// A block of the answer: one of Converse's blocks (Nova answers in Converse's shape), or one
/// Converse has no shape for, kept aside.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum ResponseBlock {
    Known(bedrock_core::converse::ContentBlock),
    Other(#[allow(dead_code, reason = "read only to accept the block")] IgnoredAny),
}

/// Token counts; the cache counts are not part of the neutral usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseUsage {
    input_tokens: u32,
    output_tokens: u32,
}

/// The neutral stop reason of one of Nova's `stopReason` values.
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "end_turn" => StopReason::EndTurn,
        "max_tokens" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        "content_filtered" => StopReason::ContentFiltered,
        other => StopReason::Other(other.to_owned()),
    }
}

impl NovaMessagesResponse {
    /// The neutral output: the text blocks joined, the stop reason and the token counts, and,
    /// when the answer holds tool uses or reasoning, every block in Converse's shape (a block
    /// Converse has no shape for is left out).
    pub fn into_output(self) -> TextOutput {
        use bedrock_core::converse::ContentBlock;
        let blocks: Vec<ContentBlock> = self
            .output
            .message
            .content
            .into_iter()
            .filter_map(|block| match block {
                ResponseBlock::Known(b) => Some(b),
                ResponseBlock::Other(_) => None,
            })
            .collect();
        let text = blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        let only_text = blocks.iter().all(|b| matches!(b, ContentBlock::Text(_)));
        TextOutput {
            text,
            stop_reason: self.stop_reason.as_deref().map(stop_reason),
            usage: self.usage.map(|u| Usage {
                input_tokens: u.input_tokens,
                output_tokens: u.output_tokens,
            }),
            content: if only_text { Vec::new() } else { blocks },
        }
    }
}

/// One chunk of an InvokeModelWithResponseStream answer: one event, and in the last chunk
/// Bedrock's invocation metrics beside it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NovaStreamChunk {
    message_start: Option<IgnoredAny>,
    content_block_start: Option<ContentBlockStart>,
    content_block_delta: Option<ContentBlockDelta>,
    content_block_stop: Option<IgnoredAny>,
    message_stop: Option<MessageStop>,
    metadata: Option<StreamMetadata>,
    #[serde(rename = "amazon-bedrock-invocationMetrics")]
    invocation_metrics: Option<InvocationMetrics>,
}

/// A block's start (a tool use's id and name), in Converse's shape; a kind Converse has no
/// shape for is kept as `None` and gives no event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentBlockStart {
    #[serde(default, deserialize_with = "lenient")]
    start: Option<bedrock_core::converse::ContentBlockStart>,
    #[serde(default)]
    content_block_index: u32,
}

/// A piece of a block: text, a tool call's input fragment, reasoning, in Converse's shape; a
/// kind Converse has no shape for is `None` and gives no event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentBlockDelta {
    #[serde(default, deserialize_with = "lenient")]
    delta: Option<bedrock_core::converse::ContentBlockDelta>,
    #[serde(default)]
    content_block_index: u32,
}

/// `T` when the object reads as one, else `None`: Nova may add kinds of block. A value that
/// is not an object is an error.
fn lenient<'de, D, T>(deserializer: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    if !value.is_object() {
        return Err(serde::de::Error::custom("expected an object"));
    }
    Ok(serde_json::from_value(value).ok())
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageStop {
    stop_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct StreamMetadata {
    usage: Option<ResponseUsage>,
}

impl NovaStreamChunk {
    /// The neutral events of the chunk. Bedrock's invocation metrics give the usage when the
    /// chunk has them, the `metadata` event's counts otherwise. A chunk with none of Nova's
    /// events is another format, and a decode error rather than silence.
    pub fn into_events(self) -> Result<Vec<StreamEvent>> {
        let known = self.message_start.is_some()
            || self.content_block_start.is_some()
            || self.content_block_delta.is_some()
            || self.content_block_stop.is_some()
            || self.message_stop.is_some()
            || self.metadata.is_some()
            || self.invocation_metrics.is_some();
        if !known {
            return Err(Error::decode(
                "Nova stream chunk: none of messageStart, contentBlockStart, contentBlockDelta, \
                 contentBlockStop, messageStop, metadata",
            ));
        }
        let mut events = Vec::new();
        if let Some(ContentBlockStart {
            start: Some(start),
            content_block_index: index,
        }) = self.content_block_start
        {
            events.push(StreamEvent::BlockStart { index, start });
        }
        match self.content_block_delta {
            Some(ContentBlockDelta {
                delta: Some(bedrock_core::converse::ContentBlockDelta::Text(text)),
                ..
            }) if !text.is_empty() => events.push(StreamEvent::TextDelta { text }),
            Some(ContentBlockDelta {
                delta: Some(delta),
                content_block_index: index,
            }) if !matches!(delta, bedrock_core::converse::ContentBlockDelta::Text(_)) => {
                events.push(StreamEvent::BlockDelta { index, delta });
            }
            _ => {}
        }
        if let Some(reason) = self.message_stop.and_then(|s| s.stop_reason) {
            events.push(StreamEvent::Stop {
                reason: stop_reason(&reason),
            });
        }
        let usage = match (self.invocation_metrics, self.metadata.and_then(|m| m.usage)) {
            (Some(m), _) => Some((m.input_token_count, m.output_token_count)),
            (None, Some(u)) => Some((u.input_tokens, u.output_tokens)),
            (None, None) => None,
        };
        events.extend(usage.map(|(input, output)| StreamEvent::Usage {
            input_tokens: Some(input),
            output_tokens: Some(output),
        }));
        Ok(events)
    }
}
