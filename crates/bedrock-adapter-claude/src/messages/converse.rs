//! Conversions between Claude's Messages types and bedrock-core's Converse types, so that a
//! Converse-shaped conversation goes to Claude over InvokeModel and comes back without losing a
//! block: thinking signatures and redacted thinking are carried byte for byte, a Converse
//! `cachePoint` becomes `cache_control` on the block before it and back.
//!
//! What one side cannot say is an error naming the field, never a silent drop: an S3 source,
//! guard content, a Word or Excel document, a `1h` cache lifetime, a response block of a type
//! this crate does not know. Two things change form without losing content: a tool result's
//! JSON part becomes its JSON text, and a Claude text document comes back as a `txt` document
//! (a `md`, `csv` or `html` one goes to Claude as plain text). A text block's citations, and a
//! document's `context` and `citations` switch, have no Converse field and are not carried.

use std::time::Duration;

use base64::Engine as _;
use bedrock_core::converse as cv;
use bedrock_core::{Error, Result};
use serde_json::{Map, Value};

use super::{
    CacheControl, CacheTtl, DocumentBlock, DocumentSource, ImageBlock, ImageSource,
    ImageSourceKind, MediaType, Message, MessageRole, MessagesRequest, MessagesResponse,
    MessagesStopReason, PdfMediaType, PlainTextMediaType, RedactedThinkingBlock, RequestContent,
    ResponseContent, SystemBlock, SystemPrompt, TextBlock, ThinkingBlock, ToolChoice,
    ToolDefinition, ToolResultBlock, ToolResultBody, ToolResultContent, ToolUseBlock, beta_names,
    thinking_config, typed,
};
use crate::models::DEFAULT_MAX_TOKENS;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The `additionalModelRequestFields` keys that become Claude body fields.
pub const ADDITIONAL_REQUEST_FIELDS: [&str; 3] = ["thinking", "top_k", "anthropic_beta"];

// Converse to Claude.

impl MessagesRequest {
    /// The Messages body that says what a Converse request says, for `base_model_id`,
    /// validated as [`MessagesRequest::validate`] does: messages and system blocks with cache
    /// points folded into `cache_control`; `inferenceConfig` as `max_tokens` (default
    /// [`DEFAULT_MAX_TOKENS`]), `temperature`, `top_p`, `stop_sequences`; `toolConfig` as
    /// `tools` and `tool_choice`; `additionalModelRequestFields` `thinking`, `top_k` and
    /// `anthropic_beta`. A field the Claude body has no place for (guardrail, performance,
    /// service tier, request metadata, response field paths, other additional fields) is an
    /// error on that field.
    pub fn from_converse(base_model_id: &str, request: &cv::ConverseRequest) -> Result<Self> {
        let unsupported = [
            ("guardrailConfig", request.guardrail_config.is_some()),
            (
                "additionalModelResponseFieldPaths",
                !request.additional_model_response_field_paths.is_empty(),
            ),
            ("requestMetadata", !request.request_metadata.is_empty()),
            ("performanceConfig", request.performance_config.is_some()),
            ("serviceTier", request.service_tier.is_some()),
        ];
        if let Some((field, _)) = unsupported.iter().find(|(_, set)| *set) {
            return Err(Error::invalid(
                *field,
                "a value",
                "unset: the Claude InvokeModel body has no such field (use Converse for it)",
            ));
        }
        let messages = request
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| request_message(&format!("messages[{i}]"), m.clone()))
            .collect::<Result<Vec<_>>>()?;
        let config = request.inference_config.clone().unwrap_or_default();
        let mut body =
            MessagesRequest::new(config.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS), messages);
        body.system = system_prompt(&request.system)?;
        body.temperature = config.temperature;
        body.top_p = config.top_p;
        body.stop_sequences = config.stop_sequences;
        if let Some(tool_config) = &request.tool_config {
            let (tools, choice) = tools(tool_config)?;
            body.tools = Some(tools);
            body.tool_choice = choice;
        }
        if let Some(fields) = &request.additional_model_request_fields {
            additional_fields(&mut body, fields)?;
        }
        body.validate(base_model_id)?;
        Ok(body)
    }
}

fn additional_fields(body: &mut MessagesRequest, fields: &Value) -> Result<()> {
    const FIELD: &str = "additionalModelRequestFields";
    let map = fields
        .as_object()
        .ok_or_else(|| Error::invalid(FIELD, fields, "a JSON object"))?;
    for (key, value) in map {
        let field = format!("{FIELD}.{key}");
        match key.as_str() {
            "thinking" => body.thinking = Some(thinking_config(&field, value)?),
            "top_k" => body.top_k = Some(typed(&field, value, "an integer in 0..=500")?),
            "anthropic_beta" => body.anthropic_beta = beta_names(&field, value)?,
            _ => {
                return Err(Error::invalid(
                    field,
                    value,
                    format!(
                        "no such Claude field; the additional fields taken are: {}",
                        ADDITIONAL_REQUEST_FIELDS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A `cachePoint` marks the block before it.
fn attach_cache(field: &str, slot: Option<&mut Option<CacheControl>>) -> Result<()> {
    match slot {
        Some(cache_control) => {
            *cache_control = Some(CacheControl::EPHEMERAL);
            Ok(())
        }
        None => Err(Error::invalid(
            field,
            "a cachePoint with no block before it that can carry cache_control",
            "a cachePoint right after a text, image, document, tool use or tool result block (or a tool)",
        )),
    }
}

fn request_message(field: &str, message: cv::Message) -> Result<Message> {
    let mut content: Vec<RequestContent> = Vec::with_capacity(message.content.len());
    for (j, block) in message.content.into_iter().enumerate() {
        let field = format!("{field}.content[{j}]");
        match block {
            cv::ContentBlock::CachePoint(_) => attach_cache(
                &field,
                content
                    .last_mut()
                    .and_then(RequestContent::cache_control_mut),
            )?,
            other => content.push(request_block(&field, other)?),
        }
    }
    let role = match message.role {
        cv::ConversationRole::User => MessageRole::User,
        cv::ConversationRole::Assistant => MessageRole::Assistant,
    };
    Ok(Message { role, content })
}

impl TryFrom<cv::Message> for Message {
    type Error = Error;

    /// The message with each block converted and each `cachePoint` folded into the
    /// `cache_control` of the block before it.
    fn try_from(message: cv::Message) -> Result<Self> {
        request_message("message", message)
    }
}

impl TryFrom<cv::ContentBlock> for RequestContent {
    type Error = Error;

    /// One block; a `cachePoint` is not a block in Claude's body (convert the whole
    /// [`cv::Message`] to fold it into `cache_control`).
    fn try_from(block: cv::ContentBlock) -> Result<Self> {
        request_block("content", block)
    }
}

fn request_block(field: &str, block: cv::ContentBlock) -> Result<RequestContent> {
    Ok(match block {
        cv::ContentBlock::Text(text) => RequestContent::text(text),
        cv::ContentBlock::Image(image) => RequestContent::Image(image_block(field, image)?),
        cv::ContentBlock::Document(doc) => RequestContent::Document(document_block(field, doc)?),
        cv::ContentBlock::ToolUse(t) => RequestContent::ToolUse(ToolUseBlock {
            id: t.tool_use_id,
            name: t.name,
            input: t.input,
            cache_control: None,
        }),
        cv::ContentBlock::ToolResult(r) => RequestContent::ToolResult(ToolResultBlock {
            tool_use_id: r.tool_use_id,
            content: tool_result_body(&format!("{field}.toolResult.content"), r.content)?,
            is_error: r.status.map(|s| s == cv::ToolResultStatus::Error),
            cache_control: None,
        }),
        cv::ContentBlock::ReasoningContent(cv::ReasoningBlock::ReasoningText(r)) => {
            match r.signature {
                Some(signature) if !signature.is_empty() => {
                    RequestContent::Thinking(ThinkingBlock {
                        thinking: r.text,
                        signature,
                    })
                }
                _ => {
                    return Err(Error::invalid(
                        format!("{field}.reasoningContent.reasoningText.signature"),
                        "none",
                        "the signature the reasoning came with: Claude refuses thinking without it",
                    ));
                }
            }
        }
        cv::ContentBlock::ReasoningContent(cv::ReasoningBlock::RedactedContent(bytes)) => {
            RequestContent::RedactedThinking(RedactedThinkingBlock {
                data: B64.encode(bytes),
            })
        }
        cv::ContentBlock::CachePoint(_) => {
            return Err(Error::invalid(
                format!("{field}.cachePoint"),
                "a cache point on its own",
                "a block: convert the whole message, which folds a cachePoint into the cache_control of the block before it",
            ));
        }
        cv::ContentBlock::GuardContent(_) => {
            return Err(Error::invalid(
                format!("{field}.guardContent"),
                "guard content",
                "text, image, document, tool use, tool result or reasoning: Claude's InvokeModel body has no guard content (use Converse or ApplyGuardrail)",
            ));
        }
    })
}

fn media_bytes(field: &str, source: cv::MediaSource) -> Result<Vec<u8>> {
    match source {
        cv::MediaSource::Bytes(bytes) => Ok(bytes),
        cv::MediaSource::S3Location(s3) => Err(Error::invalid(
            format!("{field}.source.s3Location"),
            s3.uri,
            "bytes: Claude's InvokeModel body takes inline content only",
        )),
        cv::MediaSource::Text(_) => Err(Error::invalid(
            format!("{field}.source.text"),
            "a text source",
            "bytes: only documents take a text source",
        )),
    }
}

fn image_block(field: &str, image: cv::ImageBlock) -> Result<ImageBlock> {
    let field = format!("{field}.image");
    let media_type = match image.format {
        cv::ConverseImageFormat::Png => MediaType::Png,
        cv::ConverseImageFormat::Jpeg => MediaType::Jpeg,
        cv::ConverseImageFormat::Gif => MediaType::Gif,
        cv::ConverseImageFormat::Webp => MediaType::Webp,
    };
    Ok(ImageBlock {
        source: ImageSource {
            kind: ImageSourceKind::Base64,
            media_type,
            data: B64.encode(media_bytes(&field, image.source)?),
        },
        cache_control: None,
    })
}

fn document_block(field: &str, doc: cv::DocumentBlock) -> Result<DocumentBlock> {
    let field = format!("{field}.document");
    let source = match doc.format {
        cv::DocumentFormat::Pdf => DocumentSource::Base64 {
            media_type: PdfMediaType::Pdf,
            data: B64.encode(media_bytes(&field, doc.source)?),
        },
        cv::DocumentFormat::Txt
        | cv::DocumentFormat::Md
        | cv::DocumentFormat::Csv
        | cv::DocumentFormat::Html => {
            let data = match doc.source {
                cv::MediaSource::Text(text) => text,
                other => String::from_utf8(media_bytes(&field, other)?).map_err(|e| {
                    Error::invalid(
                        format!("{field}.source.bytes"),
                        format!("bytes that are not UTF-8 ({e})"),
                        "UTF-8 text: Claude reads this format as plain text",
                    )
                })?,
            };
            DocumentSource::Text {
                media_type: PlainTextMediaType::PlainText,
                data,
            }
        }
        other => {
            return Err(Error::invalid(
                format!("{field}.format"),
                other.as_str(),
                "pdf, txt, md, csv or html: Claude's document block reads PDF and plain text",
            ));
        }
    };
    Ok(DocumentBlock {
        source,
        title: Some(doc.name),
        context: None,
        citations: None,
        cache_control: None,
    })
}

fn tool_result_body(
    field: &str,
    content: Vec<cv::ToolResultContent>,
) -> Result<Option<ToolResultBody>> {
    if content.is_empty() {
        return Ok(None);
    }
    content
        .into_iter()
        .enumerate()
        .map(|(k, part)| {
            let field = format!("{field}[{k}]");
            Ok(match part {
                cv::ToolResultContent::Text(text) => ToolResultContent::Text(TextBlock::new(text)),
                // Claude's tool results have no JSON part; the JSON text says the same.
                cv::ToolResultContent::Json(value) => {
                    ToolResultContent::Text(TextBlock::new(value.to_string()))
                }
                cv::ToolResultContent::Image(image) => {
                    ToolResultContent::Image(image_block(&field, image)?)
                }
                cv::ToolResultContent::Document(doc) => {
                    ToolResultContent::Document(document_block(&field, doc)?)
                }
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(|blocks| Some(ToolResultBody::Blocks(blocks)))
}

fn system_prompt(system: &[cv::SystemContentBlock]) -> Result<Option<SystemPrompt>> {
    if system.is_empty() {
        return Ok(None);
    }
    let mut blocks: Vec<SystemBlock> = Vec::with_capacity(system.len());
    for (i, block) in system.iter().enumerate() {
        let field = format!("system[{i}]");
        match block {
            cv::SystemContentBlock::Text(text) => {
                blocks.push(SystemBlock::Text(TextBlock::new(text.clone())));
            }
            cv::SystemContentBlock::CachePoint(_) => attach_cache(
                &field,
                blocks
                    .last_mut()
                    .map(|SystemBlock::Text(b)| &mut b.cache_control),
            )?,
            cv::SystemContentBlock::GuardContent(_) => {
                return Err(Error::invalid(
                    format!("{field}.guardContent"),
                    "guard content",
                    "text or a cache point: Claude's InvokeModel body has no guard content",
                ));
            }
        }
    }
    Ok(Some(SystemPrompt::Blocks(blocks)))
}

fn tools(config: &cv::ToolConfiguration) -> Result<(Vec<ToolDefinition>, Option<ToolChoice>)> {
    let mut tools: Vec<ToolDefinition> = Vec::with_capacity(config.tools.len());
    for (i, entry) in config.tools.iter().enumerate() {
        let field = format!("toolConfig.tools[{i}]");
        match entry {
            cv::ToolEntry::ToolSpec(spec) => {
                let schema = spec.input_schema.json();
                let schema = schema.as_object().ok_or_else(|| {
                    Error::invalid(
                        format!("{field}.toolSpec.inputSchema.json"),
                        schema,
                        "a JSON Schema object",
                    )
                })?;
                tools.push(ToolDefinition::custom(
                    spec.name.clone(),
                    spec.description.clone(),
                    schema.clone(),
                ));
            }
            cv::ToolEntry::CachePoint(_) => {
                attach_cache(&field, tools.last_mut().map(|t| &mut t.cache_control))?;
            }
        }
    }
    let choice = config.tool_choice.as_ref().map(|c| match c {
        cv::ToolChoice::Auto {} => ToolChoice::Auto {
            disable_parallel_tool_use: None,
        },
        cv::ToolChoice::Any {} => ToolChoice::Any {
            disable_parallel_tool_use: None,
        },
        cv::ToolChoice::Tool { name } => ToolChoice::Tool {
            name: name.clone(),
            disable_parallel_tool_use: None,
        },
    });
    Ok((tools, choice))
}

// Claude to Converse.

/// A Converse `cachePoint` for a block's `cache_control`, if it has one; a `1h` lifetime has
/// no Converse form.
fn cache_point(
    field: &str,
    cache_control: Option<CacheControl>,
) -> Result<Option<cv::CachePointBlock>> {
    match cache_control {
        None => Ok(None),
        Some(CacheControl {
            ttl: Some(CacheTtl::OneHour),
            ..
        }) => Err(Error::invalid(
            format!("{field}.cache_control.ttl"),
            "1h",
            "5m or unset: a Converse cache point has the default lifetime only",
        )),
        Some(_) => Ok(Some(cv::CachePointBlock::default())),
    }
}

impl TryFrom<Message> for cv::Message {
    type Error = Error;

    /// The message with each block converted; a block's `cache_control` becomes a
    /// `cachePoint` right after it.
    fn try_from(message: Message) -> Result<Self> {
        let mut content = Vec::with_capacity(message.content.len());
        for (j, block) in message.content.into_iter().enumerate() {
            let field = format!("content[{j}]");
            let cache = cache_point(&field, block.cache_control())?;
            content.push(converse_block(&field, block)?);
            content.extend(cache.map(cv::ContentBlock::CachePoint));
        }
        let role = match message.role {
            MessageRole::User => cv::ConversationRole::User,
            MessageRole::Assistant => cv::ConversationRole::Assistant,
        };
        Ok(cv::Message { role, content })
    }
}

impl TryFrom<RequestContent> for cv::ContentBlock {
    type Error = Error;

    /// One block. A block with `cache_control` fails, since a Converse cache point is a block
    /// of its own: convert the whole [`Message`] to keep it.
    fn try_from(block: RequestContent) -> Result<Self> {
        if block.cache_control().is_some() {
            return Err(Error::invalid(
                "content.cache_control",
                "a cache_control",
                "none on a single block: convert the whole message, which turns it into a cachePoint",
            ));
        }
        converse_block("content", block)
    }
}

fn converse_block(field: &str, block: RequestContent) -> Result<cv::ContentBlock> {
    Ok(match block {
        RequestContent::Text(b) => cv::ContentBlock::Text(b.text),
        RequestContent::Image(b) => cv::ContentBlock::Image(converse_image(field, b)?),
        RequestContent::Document(b) => cv::ContentBlock::Document(converse_document(field, b)?),
        RequestContent::ToolUse(b) => cv::ContentBlock::ToolUse(converse_tool_use(b)),
        RequestContent::ToolResult(b) => {
            let content = match b.content {
                None => Vec::new(),
                Some(ToolResultBody::Text(text)) => vec![cv::ToolResultContent::Text(text)],
                Some(ToolResultBody::Blocks(blocks)) => blocks
                    .into_iter()
                    .enumerate()
                    .map(|(k, part)| {
                        let field = format!("{field}.content[{k}]");
                        Ok(match part {
                            ToolResultContent::Text(t) => cv::ToolResultContent::Text(t.text),
                            ToolResultContent::Image(i) => {
                                cv::ToolResultContent::Image(converse_image(&field, i)?)
                            }
                            ToolResultContent::Document(d) => {
                                cv::ToolResultContent::Document(converse_document(&field, d)?)
                            }
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            };
            cv::ContentBlock::ToolResult(cv::ToolResultBlock {
                tool_use_id: b.tool_use_id,
                content,
                status: b.is_error.map(|failed| {
                    if failed {
                        cv::ToolResultStatus::Error
                    } else {
                        cv::ToolResultStatus::Success
                    }
                }),
            })
        }
        RequestContent::Thinking(b) => converse_thinking(b),
        RequestContent::RedactedThinking(b) => converse_redacted(field, b)?,
    })
}

fn converse_tool_use(b: ToolUseBlock) -> cv::ToolUseBlock {
    cv::ToolUseBlock {
        tool_use_id: b.id,
        name: b.name,
        input: b.input,
    }
}

fn converse_thinking(b: ThinkingBlock) -> cv::ContentBlock {
    cv::ContentBlock::ReasoningContent(cv::ReasoningBlock::ReasoningText(cv::ReasoningText {
        text: b.thinking,
        signature: (!b.signature.is_empty()).then_some(b.signature),
    }))
}

/// Claude's redacted data is base64; Converse carries the bytes it encodes, so that encoding
/// them again gives the same text. Standard base64 decoding refuses non-canonical input, so the
/// round trip is exact whenever it succeeds.
fn converse_redacted(field: &str, b: RedactedThinkingBlock) -> Result<cv::ContentBlock> {
    let bytes = B64.decode(&b.data).map_err(|e| {
        Error::invalid(
            format!("{field}.data"),
            format!("{} characters that are not base64 ({e})", b.data.len()),
            "standard base64, as Claude sends it",
        )
    })?;
    Ok(cv::ContentBlock::ReasoningContent(
        cv::ReasoningBlock::RedactedContent(bytes),
    ))
}

fn decode(field: &str, data: &str) -> Result<Vec<u8>> {
    B64.decode(data).map_err(|e| {
        Error::invalid(
            field,
            format!("{} characters that are not base64 ({e})", data.len()),
            "standard base64 with padding",
        )
    })
}

fn converse_image(field: &str, b: ImageBlock) -> Result<cv::ImageBlock> {
    let format = match b.source.media_type {
        MediaType::Png => cv::ConverseImageFormat::Png,
        MediaType::Jpeg => cv::ConverseImageFormat::Jpeg,
        MediaType::Gif => cv::ConverseImageFormat::Gif,
        MediaType::Webp => cv::ConverseImageFormat::Webp,
    };
    Ok(cv::ImageBlock {
        format,
        source: cv::MediaSource::Bytes(decode(&format!("{field}.source.data"), &b.source.data)?),
    })
}

/// The document's title is its Converse name (`document` when it has none).
fn converse_document(field: &str, b: DocumentBlock) -> Result<cv::DocumentBlock> {
    let name = b.title.unwrap_or_else(|| "document".to_owned());
    Ok(match b.source {
        DocumentSource::Base64 { data, .. } => cv::DocumentBlock {
            format: cv::DocumentFormat::Pdf,
            name,
            source: cv::MediaSource::Bytes(decode(&format!("{field}.source.data"), &data)?),
        },
        DocumentSource::Text { data, .. } => cv::DocumentBlock {
            format: cv::DocumentFormat::Txt,
            name,
            source: cv::MediaSource::Text(data),
        },
    })
}

impl TryFrom<ResponseContent> for cv::ContentBlock {
    type Error = Error;

    /// A response block as Converse shows it; a thinking block keeps its signature unchanged.
    /// A block of a type this crate does not know fails, naming its type.
    fn try_from(block: ResponseContent) -> Result<Self> {
        converse_response_block("content", block)
    }
}

/// The blocks of a response in Converse's shape, for [`bedrock_core::TextOutput::content`]:
/// empty when every block is text (the joined text is then the whole answer), else every block
/// in order. A block type Converse has no shape for is left out; [`MessagesResponse`] keeps it.
pub(crate) fn neutral_content(blocks: Vec<ResponseContent>) -> Result<Vec<cv::ContentBlock>> {
    let known = |b: &ResponseContent| !matches!(b, ResponseContent::Other(_));
    if blocks
        .iter()
        .filter(|b| known(b))
        .all(|b| matches!(b, ResponseContent::Text(_)))
    {
        return Ok(Vec::new());
    }
    blocks
        .into_iter()
        .enumerate()
        .filter(|(_, b)| known(b))
        .map(|(j, b)| converse_response_block(&format!("content[{j}]"), b))
        .collect()
}

fn converse_response_block(field: &str, block: ResponseContent) -> Result<cv::ContentBlock> {
    Ok(match block {
        ResponseContent::Text(b) => cv::ContentBlock::Text(b.text),
        ResponseContent::ToolUse(b) => cv::ContentBlock::ToolUse(converse_tool_use(b)),
        ResponseContent::Thinking(b) => converse_thinking(b),
        ResponseContent::RedactedThinking(b) => converse_redacted(field, b)?,
        ResponseContent::Other(map) => {
            return Err(Error::invalid(
                format!("{field}.type"),
                map.get("type").unwrap_or(&Value::Null),
                "text, tool_use, thinking or redacted_thinking: Converse has no block for this one",
            ));
        }
    })
}

/// Converse's stop reason for Claude's.
fn converse_stop_reason(reason: Option<&MessagesStopReason>) -> Result<cv::ConverseStopReason> {
    Ok(match reason {
        Some(MessagesStopReason::EndTurn) => cv::ConverseStopReason::EndTurn,
        Some(MessagesStopReason::MaxTokens) => cv::ConverseStopReason::MaxTokens,
        Some(MessagesStopReason::StopSequence) => cv::ConverseStopReason::StopSequence,
        Some(MessagesStopReason::ToolUse) => cv::ConverseStopReason::ToolUse,
        Some(MessagesStopReason::Refusal) => cv::ConverseStopReason::ContentFiltered,
        Some(MessagesStopReason::Other(o)) if o == "model_context_window_exceeded" => {
            cv::ConverseStopReason::MaxTokens
        }
        Some(other) => {
            return Err(Error::decode(format!(
                "Claude Messages response: stop_reason `{}` has no Converse equivalent",
                other.as_str()
            )));
        }
        None => {
            return Err(Error::decode(
                "Claude Messages response: no stop_reason, which a Converse response needs",
            ));
        }
    })
}

impl MessagesResponse {
    /// The response as Converse gives it: the assistant message with every block, the stop
    /// reason, usage with cache read and write tokens (the total counts them), and
    /// `latency` (an InvokeModel body carries none; take it from the call's metadata). A
    /// stop sequence is reported in `additionalModelResponseFields.stop_sequence`.
    pub fn into_converse(self, latency: Duration) -> Result<cv::ConverseResponse> {
        let stop_reason = converse_stop_reason(self.stop_reason.as_ref())?;
        let content = self
            .content
            .into_iter()
            .enumerate()
            .map(|(j, b)| converse_response_block(&format!("content[{j}]"), b))
            .collect::<Result<Vec<_>>>()?;
        let usage = self.usage.unwrap_or_default();
        let cache_read = usage.cache_read_input_tokens;
        let cache_write = usage.cache_creation_input_tokens;
        let total = usage
            .input_tokens
            .saturating_add(usage.output_tokens)
            .saturating_add(cache_read.unwrap_or(0))
            .saturating_add(cache_write.unwrap_or(0));
        let additional = self.stop_sequence.map(|s| {
            let mut fields = Map::new();
            fields.insert("stop_sequence".to_owned(), Value::String(s));
            Value::Object(fields)
        });
        Ok(cv::ConverseResponse {
            output: cv::ConverseOutput::Message(cv::Message {
                role: cv::ConversationRole::Assistant,
                content,
            }),
            stop_reason,
            usage: cv::TokenUsage {
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                total_tokens: total,
                cache_read_input_tokens: cache_read,
                cache_write_input_tokens: cache_write,
            },
            metrics: cv::ConverseMetrics {
                latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            },
            additional_model_response_fields: additional,
            trace: None,
            performance_config: None,
            service_tier: None,
        })
    }
}

impl TryFrom<MessagesResponse> for cv::ConverseResponse {
    type Error = Error;

    /// [`MessagesResponse::into_converse`] with a latency of zero.
    fn try_from(response: MessagesResponse) -> Result<Self> {
        response.into_converse(Duration::ZERO)
    }
}

impl TryFrom<MessagesRequest> for cv::ConverseRequest {
    type Error = Error;

    /// The Converse request that says what a Messages body says: the inverse of
    /// [`MessagesRequest::from_converse`]. Fails on what Converse cannot say: an
    /// Anthropic-defined tool, `tool_choice` `none` or `disable_parallel_tool_use`, a tool
    /// choice without tools, a `1h` cache lifetime.
    fn try_from(req: MessagesRequest) -> Result<Self> {
        let messages = req
            .messages
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                cv::Message::try_from(m).map_err(|e| prefix_field(e, &format!("messages[{i}].")))
            })
            .collect::<Result<Vec<_>>>()?;
        let system = match req.system {
            None => Vec::new(),
            Some(SystemPrompt::Text(text)) => vec![cv::SystemContentBlock::Text(text)],
            Some(SystemPrompt::Blocks(blocks)) => {
                let mut system = Vec::with_capacity(blocks.len());
                for (i, SystemBlock::Text(b)) in blocks.into_iter().enumerate() {
                    let cache = cache_point(&format!("system[{i}]"), b.cache_control)?;
                    system.push(cv::SystemContentBlock::Text(b.text));
                    system.extend(cache.map(cv::SystemContentBlock::CachePoint));
                }
                system
            }
        };
        let tool_config = converse_tools(req.tools, req.tool_choice)?;
        let mut additional = Map::new();
        if let Some(thinking) = req.thinking {
            additional.insert("thinking".to_owned(), to_value(&thinking)?);
        }
        if let Some(k) = req.top_k {
            additional.insert("top_k".to_owned(), Value::from(k));
        }
        if !req.anthropic_beta.is_empty() {
            additional.insert("anthropic_beta".to_owned(), to_value(&req.anthropic_beta)?);
        }
        Ok(cv::ConverseRequest {
            messages,
            system,
            inference_config: Some(cv::InferenceConfiguration {
                max_tokens: Some(req.max_tokens),
                temperature: req.temperature,
                top_p: req.top_p,
                stop_sequences: req.stop_sequences,
            }),
            tool_config,
            additional_model_request_fields: (!additional.is_empty())
                .then_some(Value::Object(additional)),
            ..cv::ConverseRequest::default()
        })
    }
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::decode(format!("could not encode {e}")))
}

/// `e` with `prefix` put before the field it names.
fn prefix_field(e: Error, prefix: &str) -> Error {
    match e {
        Error::InvalidInput(mut bad) => {
            bad.field = format!("{prefix}{}", bad.field);
            Error::InvalidInput(bad)
        }
        other => other,
    }
}

fn converse_tools(
    tools: Option<Vec<ToolDefinition>>,
    choice: Option<ToolChoice>,
) -> Result<Option<cv::ToolConfiguration>> {
    let Some(tools) = tools else {
        return match choice {
            None => Ok(None),
            Some(_) => Err(Error::invalid(
                "tool_choice",
                "a tool choice without tools",
                "unset when no tools are offered: a Converse tool choice lives in its tool configuration",
            )),
        };
    };
    let mut entries = Vec::with_capacity(tools.len());
    for (i, tool) in tools.into_iter().enumerate() {
        let field = format!("tools[{i}]");
        if !tool.is_custom() || !tool.settings.is_empty() {
            return Err(Error::invalid(
                format!("{field}.type"),
                tool.kind.as_deref().unwrap_or("custom"),
                "a custom tool: Converse has no Anthropic-defined tools",
            ));
        }
        let cache = cache_point(&field, tool.cache_control)?;
        entries.push(cv::ToolEntry::ToolSpec(cv::ToolSpecification {
            name: tool.name,
            description: tool.description,
            input_schema: cv::ToolInputSchema::Json(Value::Object(
                tool.input_schema.unwrap_or_default(),
            )),
        }));
        entries.extend(cache.map(cv::ToolEntry::CachePoint));
    }
    let tool_choice = match choice {
        None => None,
        Some(
            ToolChoice::Auto {
                disable_parallel_tool_use: Some(_),
            }
            | ToolChoice::Any {
                disable_parallel_tool_use: Some(_),
            }
            | ToolChoice::Tool {
                disable_parallel_tool_use: Some(_),
                ..
            },
        ) => {
            return Err(Error::invalid(
                "tool_choice.disable_parallel_tool_use",
                "set",
                "unset: Converse has no such setting",
            ));
        }
        Some(ToolChoice::Auto { .. }) => Some(cv::ToolChoice::Auto {}),
        Some(ToolChoice::Any { .. }) => Some(cv::ToolChoice::Any {}),
        Some(ToolChoice::Tool { name, .. }) => Some(cv::ToolChoice::Tool { name }),
        Some(ToolChoice::None) => {
            return Err(Error::invalid(
                "tool_choice.type",
                "none",
                "auto, any or tool: Converse has no `none` choice (leave the tools out instead)",
            ));
        }
    };
    Ok(Some(cv::ToolConfiguration {
        tools: entries,
        tool_choice,
    }))
}
