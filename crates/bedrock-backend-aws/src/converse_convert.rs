//! Conversions between bedrock-core's wire-shaped Converse types and the SDK's, in both
//! directions: a [`ConverseRequest`] becomes the SDK's Converse, ConverseStream or CountTokens
//! input, and the SDK's output, stream events and inputs become the core's types again.
//!
//! The core's types follow Bedrock's JSON; the SDK's follow the same model, so most fields map
//! one to one. Where they differ the conversion says so with a typed error naming the field
//! (as a path in Bedrock's JSON, `output.message.content[1].toolUse.input`), never a panic:
//!
//! - the SDK knows shapes the core does not represent (audio, video, citations and search
//!   result blocks, system tools, document content blocks, image guard content, stop reasons
//!   such as `model_context_window_exceeded`, the `reserved` service tier); and every SDK union
//!   and enum has an `Unknown` variant for what is newer than the SDK. Reading one of those is
//!   an [`Error::Decode`] naming the field and the value;
//! - JSON values travel as `aws_smithy_types::Document`, whose objects are hash maps: key order
//!   is not kept, and a non-finite number cannot become JSON (a decode error);
//! - a request field the SDK cannot carry (a `maxTokens` above `i32::MAX`, an image whose
//!   source is text) is an [`Error::InvalidInput`] before anything is sent;
//! - the guardrail trace setting defaults to `disabled` in the SDK, so a request without one
//!   reads back with `"disabled"`; and of a response's trace, the prompt router's invoked model
//!   and the guardrail's model output and action reason are carried (not the per-policy
//!   assessments).

use std::collections::HashMap;
use std::fmt;

use aws_sdk_bedrockruntime::operation::converse::{ConverseInput, ConverseOutput as SdkOutput};
use aws_sdk_bedrockruntime::types as sdk;
use aws_smithy_types::error::operation::BuildError;
use aws_smithy_types::{Blob, Document, Number};
use bedrock_core::converse::{
    CachePointBlock, CachePointType, ContentBlock, ContentBlockDelta, ContentBlockDeltaEvent,
    ContentBlockStart, ContentBlockStartEvent, ContentBlockStopEvent, ConversationRole,
    ConverseGuardrailConfig, ConverseImageFormat, ConverseMetrics, ConverseOutput, ConverseRequest,
    ConverseResponse, ConverseStopReason, ConverseStreamEvent, ConverseStreamMetadata,
    CountTokensInput, CountTokensRequest, DocumentBlock, DocumentFormat, GuardrailContent,
    GuardrailText, ImageBlock, InferenceConfiguration, Latency, MediaSource, Message,
    MessageStartEvent, MessageStopEvent, PerformanceConfiguration, ReasoningBlock,
    ReasoningContentDelta, ReasoningText, S3Location, ServiceTier, ServiceTierType,
    SystemContentBlock, TokenUsage, ToolChoice, ToolConfiguration, ToolEntry, ToolInputSchema,
    ToolResultBlock, ToolResultContent, ToolResultStatus, ToolSpecification, ToolUseBlock,
    ToolUseBlockDelta, ToolUseBlockStart,
};
use bedrock_core::{Error, Result};
use serde_json::Value;

/// Why a conversion failed and where: the path is built innermost first as the failure travels
/// out, so a conversion that succeeds builds no path at all.
#[derive(Debug)]
struct Failure {
    /// Path segments, innermost first (`toolUse`, `[2]`, `content`, ...).
    path: Vec<String>,
    /// What was found.
    value: String,
    /// What is allowed.
    allowed: String,
}

type Conv<T> = std::result::Result<T, Failure>;

impl Failure {
    fn new(value: impl fmt::Display, allowed: impl Into<String>) -> Self {
        Failure {
            path: Vec::new(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    /// A member the SDK knows (or calls `Unknown`) that the core does not represent.
    fn unsupported(what: &str, allowed: &str) -> Self {
        Failure::new(what, format!("this library represents {allowed}"))
    }

    /// A required member that is absent.
    fn missing() -> Self {
        Failure::new("nothing", "a value (the field is required)")
    }

    /// The path, outermost first, in Bedrock's JSON spelling.
    fn path(&self) -> String {
        let mut out = String::new();
        for segment in self.path.iter().rev().filter(|s| !s.is_empty()) {
            if !out.is_empty() && !segment.starts_with('[') {
                out.push('.');
            }
            out.push_str(segment);
        }
        out
    }

    /// A failure reading what Bedrock (or the SDK) produced.
    fn into_decode(self, what: &str) -> Error {
        let path = self.path();
        Error::decode(format!(
            "{what} field `{path}` has {}; {}",
            self.value, self.allowed
        ))
    }

    /// A failure turning the caller's request into the SDK's.
    fn into_invalid(self) -> Error {
        Error::invalid(self.path(), self.value, self.allowed)
    }
}

/// Adds a path segment to a failure on its way out.
trait At<T> {
    fn at(self, segment: &str) -> Conv<T>;
    fn at_index(self, name: &str, index: usize) -> Conv<T>;
}

impl<T> At<T> for Conv<T> {
    fn at(self, segment: &str) -> Conv<T> {
        self.map_err(|mut f| {
            f.path.push(segment.to_owned());
            f
        })
    }

    fn at_index(self, name: &str, index: usize) -> Conv<T> {
        self.map_err(|mut f| {
            f.path.push(format!("[{index}]"));
            f.path.push(name.to_owned());
            f
        })
    }
}

/// An SDK builder's result; the conversions always set what the builders require, so a
/// failure here names the field the SDK found missing.
fn built<T>(result: std::result::Result<T, BuildError>) -> Conv<T> {
    result.map_err(|e| {
        Failure::new(
            format!("an incomplete shape ({e})"),
            "every required member",
        )
    })
}

/// Converts each item of `items`, naming the list and the item's index on failure.
fn each<A, B>(name: &str, items: Vec<A>, f: impl Fn(A) -> Conv<B>) -> Conv<Vec<B>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| f(item).at_index(name, i))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON values and documents.

/// A JSON value as a smithy `Document` (always possible: JSON numbers are finite).
pub fn document_from_json(value: Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(0.0))
        }),
        Value::String(s) => Document::String(s),
        Value::Array(items) => Document::Array(items.into_iter().map(document_from_json).collect()),
        Value::Object(map) => Document::Object(
            map.into_iter()
                .map(|(k, v)| (k, document_from_json(v)))
                .collect(),
        ),
    }
}

/// A smithy `Document` as JSON; a non-finite number is a decode error naming the member.
pub fn json_from_document(document: Document) -> Result<Value> {
    json(document).map_err(|f| f.into_decode("document"))
}

fn json(document: Document) -> Conv<Value> {
    Ok(match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(b),
        Document::String(s) => Value::String(s),
        Document::Number(Number::PosInt(u)) => Value::from(u),
        Document::Number(Number::NegInt(i)) => Value::from(i),
        Document::Number(Number::Float(x)) => serde_json::Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| Failure::new(x, "a finite number (JSON has no NaN or infinity)"))?,
        Document::Array(items) => Value::Array(each("", items, json)?),
        Document::Object(map) => {
            // Sorted, so that the same document always gives the same JSON text.
            let mut entries: Vec<(String, Document)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = serde_json::Map::with_capacity(entries.len());
            for (k, v) in entries {
                let v = json(v).at(&k)?;
                out.insert(k, v);
            }
            Value::Object(out)
        }
    })
}

fn opt_json(document: Option<Document>) -> Conv<Option<Value>> {
    document.map(json).transpose()
}

// ---------------------------------------------------------------------------------------------
// Enums.

/// An SDK enum value the core has no variant for.
fn unknown_value(value: &str, known: &str) -> Failure {
    Failure::new(format!("`{value}`"), format!("one of: {known}"))
}

fn role_to_sdk(role: ConversationRole) -> sdk::ConversationRole {
    match role {
        ConversationRole::User => sdk::ConversationRole::User,
        ConversationRole::Assistant => sdk::ConversationRole::Assistant,
    }
}

fn role_from_sdk(role: &sdk::ConversationRole) -> Conv<ConversationRole> {
    match role {
        sdk::ConversationRole::User => Ok(ConversationRole::User),
        sdk::ConversationRole::Assistant => Ok(ConversationRole::Assistant),
        other => Err(unknown_value(other.as_str(), "user, assistant")),
    }
}

fn image_format_to_sdk(format: ConverseImageFormat) -> sdk::ImageFormat {
    match format {
        ConverseImageFormat::Png => sdk::ImageFormat::Png,
        ConverseImageFormat::Jpeg => sdk::ImageFormat::Jpeg,
        ConverseImageFormat::Gif => sdk::ImageFormat::Gif,
        ConverseImageFormat::Webp => sdk::ImageFormat::Webp,
    }
}

fn image_format_from_sdk(format: &sdk::ImageFormat) -> Conv<ConverseImageFormat> {
    Ok(match format {
        sdk::ImageFormat::Png => ConverseImageFormat::Png,
        sdk::ImageFormat::Jpeg => ConverseImageFormat::Jpeg,
        sdk::ImageFormat::Gif => ConverseImageFormat::Gif,
        sdk::ImageFormat::Webp => ConverseImageFormat::Webp,
        other => return Err(unknown_value(other.as_str(), "png, jpeg, gif, webp")),
    })
}

fn document_format_to_sdk(format: DocumentFormat) -> sdk::DocumentFormat {
    match format {
        DocumentFormat::Pdf => sdk::DocumentFormat::Pdf,
        DocumentFormat::Csv => sdk::DocumentFormat::Csv,
        DocumentFormat::Doc => sdk::DocumentFormat::Doc,
        DocumentFormat::Docx => sdk::DocumentFormat::Docx,
        DocumentFormat::Xls => sdk::DocumentFormat::Xls,
        DocumentFormat::Xlsx => sdk::DocumentFormat::Xlsx,
        DocumentFormat::Html => sdk::DocumentFormat::Html,
        DocumentFormat::Txt => sdk::DocumentFormat::Txt,
        DocumentFormat::Md => sdk::DocumentFormat::Md,
    }
}

fn document_format_from_sdk(format: &sdk::DocumentFormat) -> Conv<DocumentFormat> {
    DocumentFormat::ALL
        .into_iter()
        .find(|f| f.as_str() == format.as_str())
        .ok_or_else(|| {
            unknown_value(
                format.as_str(),
                "pdf, csv, doc, docx, xls, xlsx, html, txt, md",
            )
        })
}

fn status_to_sdk(status: ToolResultStatus) -> sdk::ToolResultStatus {
    match status {
        ToolResultStatus::Success => sdk::ToolResultStatus::Success,
        ToolResultStatus::Error => sdk::ToolResultStatus::Error,
    }
}

fn status_from_sdk(status: &sdk::ToolResultStatus) -> Conv<ToolResultStatus> {
    match status {
        sdk::ToolResultStatus::Success => Ok(ToolResultStatus::Success),
        sdk::ToolResultStatus::Error => Ok(ToolResultStatus::Error),
        other => Err(unknown_value(other.as_str(), "success, error")),
    }
}

fn stop_reason_from_sdk(reason: &sdk::StopReason) -> Conv<ConverseStopReason> {
    Ok(match reason {
        sdk::StopReason::EndTurn => ConverseStopReason::EndTurn,
        sdk::StopReason::ToolUse => ConverseStopReason::ToolUse,
        sdk::StopReason::MaxTokens => ConverseStopReason::MaxTokens,
        sdk::StopReason::StopSequence => ConverseStopReason::StopSequence,
        sdk::StopReason::GuardrailIntervened => ConverseStopReason::GuardrailIntervened,
        sdk::StopReason::ContentFiltered => ConverseStopReason::ContentFiltered,
        sdk::StopReason::ModelContextWindowExceeded => {
            ConverseStopReason::ModelContextWindowExceeded
        }
        sdk::StopReason::MalformedModelOutput => ConverseStopReason::MalformedModelOutput,
        sdk::StopReason::MalformedToolUse => ConverseStopReason::MalformedToolUse,
        other => {
            return Err(unknown_value(
                other.as_str(),
                "end_turn, tool_use, max_tokens, stop_sequence, guardrail_intervened, \
                 content_filtered, model_context_window_exceeded, malformed_model_output, \
                 malformed_tool_use",
            ));
        }
    })
}

fn stop_reason_to_sdk(reason: ConverseStopReason) -> sdk::StopReason {
    sdk::StopReason::from(reason.as_str())
}

fn cache_point_to_sdk(point: CachePointBlock) -> Conv<sdk::CachePointBlock> {
    let CachePointType::Default = point.kind;
    built(
        sdk::CachePointBlock::builder()
            .r#type(sdk::CachePointType::Default)
            .build(),
    )
}

fn cache_point_from_sdk(point: &sdk::CachePointBlock) -> Conv<CachePointBlock> {
    match point.r#type() {
        sdk::CachePointType::Default => Ok(CachePointBlock {
            kind: CachePointType::Default,
        }),
        other => Err(unknown_value(other.as_str(), "default")).at("type"),
    }
}

fn latency_to_sdk(config: PerformanceConfiguration) -> sdk::PerformanceConfiguration {
    let latency = match config.latency {
        Latency::Standard => sdk::PerformanceConfigLatency::Standard,
        Latency::Optimized => sdk::PerformanceConfigLatency::Optimized,
    };
    sdk::PerformanceConfiguration::builder()
        .latency(latency)
        .build()
}

fn latency_from_sdk(config: &sdk::PerformanceConfiguration) -> Conv<PerformanceConfiguration> {
    let latency = match config.latency() {
        sdk::PerformanceConfigLatency::Standard => Latency::Standard,
        sdk::PerformanceConfigLatency::Optimized => Latency::Optimized,
        other => return Err(unknown_value(other.as_str(), "standard, optimized")).at("latency"),
    };
    Ok(PerformanceConfiguration { latency })
}

fn tier_to_sdk(tier: ServiceTier) -> Conv<sdk::ServiceTier> {
    let kind = match tier.kind {
        ServiceTierType::Priority => sdk::ServiceTierType::Priority,
        ServiceTierType::Default => sdk::ServiceTierType::Default,
        ServiceTierType::Flex => sdk::ServiceTierType::Flex,
        ServiceTierType::Reserved => sdk::ServiceTierType::Reserved,
    };
    built(sdk::ServiceTier::builder().r#type(kind).build())
}

fn tier_from_sdk(tier: &sdk::ServiceTier) -> Conv<ServiceTier> {
    let kind = match tier.r#type() {
        sdk::ServiceTierType::Priority => ServiceTierType::Priority,
        sdk::ServiceTierType::Default => ServiceTierType::Default,
        sdk::ServiceTierType::Flex => ServiceTierType::Flex,
        sdk::ServiceTierType::Reserved => ServiceTierType::Reserved,
        other => {
            return Err(unknown_value(
                other.as_str(),
                "priority, default, flex, reserved",
            ))
            .at("type");
        }
    };
    Ok(ServiceTier { kind })
}

// ---------------------------------------------------------------------------------------------
// Content blocks: core to SDK.

/// What the core represents as content blocks, for messages naming what it found instead.
const BLOCKS: &str = "text, image, document, toolUse, toolResult, reasoningContent, cachePoint \
                      and guardContent blocks";

fn s3_to_sdk(location: S3Location) -> Conv<sdk::S3Location> {
    built(
        sdk::S3Location::builder()
            .uri(location.uri)
            .set_bucket_owner(location.bucket_owner)
            .build(),
    )
}

fn s3_from_sdk(location: sdk::S3Location) -> S3Location {
    S3Location {
        uri: location.uri,
        bucket_owner: location.bucket_owner,
    }
}

fn image_to_sdk(image: ImageBlock) -> Conv<sdk::ImageBlock> {
    let source = match image.source {
        MediaSource::Bytes(bytes) => sdk::ImageSource::Bytes(Blob::new(bytes)),
        MediaSource::S3Location(location) => {
            sdk::ImageSource::S3Location(s3_to_sdk(location).at("s3Location").at("source")?)
        }
        MediaSource::Text(_) => {
            return Err(Failure::new(
                "a text source",
                "bytes or s3Location (text is a document source)",
            ))
            .at("source");
        }
    };
    built(
        sdk::ImageBlock::builder()
            .format(image_format_to_sdk(image.format))
            .source(source)
            .build(),
    )
}

fn document_to_sdk(document: DocumentBlock) -> Conv<sdk::DocumentBlock> {
    let source = match document.source {
        MediaSource::Bytes(bytes) => sdk::DocumentSource::Bytes(Blob::new(bytes)),
        MediaSource::S3Location(location) => {
            sdk::DocumentSource::S3Location(s3_to_sdk(location).at("s3Location").at("source")?)
        }
        MediaSource::Text(text) => sdk::DocumentSource::Text(text),
    };
    built(
        sdk::DocumentBlock::builder()
            .format(document_format_to_sdk(document.format))
            .name(document.name)
            .source(source)
            .build(),
    )
}

fn guard_to_sdk(content: GuardrailContent) -> Conv<sdk::GuardrailConverseContentBlock> {
    let GuardrailContent::Text(GuardrailText { text, qualifiers }) = content;
    let qualifiers = (!qualifiers.is_empty()).then(|| {
        qualifiers
            .iter()
            .map(|q| sdk::GuardrailConverseContentQualifier::from(q.as_str()))
            .collect()
    });
    let block = built(
        sdk::GuardrailConverseTextBlock::builder()
            .text(text)
            .set_qualifiers(qualifiers)
            .build(),
    )
    .at("text")?;
    Ok(sdk::GuardrailConverseContentBlock::Text(block))
}

fn tool_result_content_to_sdk(content: ToolResultContent) -> Conv<sdk::ToolResultContentBlock> {
    Ok(match content {
        ToolResultContent::Json(value) => {
            sdk::ToolResultContentBlock::Json(document_from_json(value))
        }
        ToolResultContent::Text(text) => sdk::ToolResultContentBlock::Text(text),
        ToolResultContent::Image(image) => {
            sdk::ToolResultContentBlock::Image(image_to_sdk(image).at("image")?)
        }
        ToolResultContent::Document(document) => {
            sdk::ToolResultContentBlock::Document(document_to_sdk(document).at("document")?)
        }
    })
}

fn block_to_sdk(block: ContentBlock) -> Conv<sdk::ContentBlock> {
    Ok(match block {
        ContentBlock::Text(text) => sdk::ContentBlock::Text(text),
        ContentBlock::Image(image) => sdk::ContentBlock::Image(image_to_sdk(image).at("image")?),
        ContentBlock::Document(document) => {
            sdk::ContentBlock::Document(document_to_sdk(document).at("document")?)
        }
        ContentBlock::ToolUse(tool_use) => sdk::ContentBlock::ToolUse(
            built(
                sdk::ToolUseBlock::builder()
                    .tool_use_id(tool_use.tool_use_id)
                    .name(tool_use.name)
                    .input(document_from_json(tool_use.input))
                    .build(),
            )
            .at("toolUse")?,
        ),
        ContentBlock::ToolResult(result) => {
            let content =
                each("content", result.content, tool_result_content_to_sdk).at("toolResult")?;
            sdk::ContentBlock::ToolResult(
                built(
                    sdk::ToolResultBlock::builder()
                        .tool_use_id(result.tool_use_id)
                        .set_content(Some(content))
                        .set_status(result.status.map(status_to_sdk))
                        .build(),
                )
                .at("toolResult")?,
            )
        }
        ContentBlock::ReasoningContent(reasoning) => {
            sdk::ContentBlock::ReasoningContent(match reasoning {
                ReasoningBlock::ReasoningText(ReasoningText { text, signature }) => {
                    sdk::ReasoningContentBlock::ReasoningText(
                        built(
                            sdk::ReasoningTextBlock::builder()
                                .text(text)
                                .set_signature(signature)
                                .build(),
                        )
                        .at("reasoningText")
                        .at("reasoningContent")?,
                    )
                }
                ReasoningBlock::RedactedContent(bytes) => {
                    sdk::ReasoningContentBlock::RedactedContent(Blob::new(bytes))
                }
            })
        }
        ContentBlock::CachePoint(point) => {
            sdk::ContentBlock::CachePoint(cache_point_to_sdk(point).at("cachePoint")?)
        }
        ContentBlock::GuardContent(content) => {
            sdk::ContentBlock::GuardContent(guard_to_sdk(content).at("guardContent")?)
        }
    })
}

/// A core message as the SDK's.
pub fn message_to_sdk(message: Message) -> Result<sdk::Message> {
    message_sdk(message).map_err(Failure::into_invalid)
}

fn message_sdk(message: Message) -> Conv<sdk::Message> {
    let content = each("content", message.content, block_to_sdk)?;
    built(
        sdk::Message::builder()
            .role(role_to_sdk(message.role))
            .set_content(Some(content))
            .build(),
    )
}

fn system_to_sdk(block: SystemContentBlock) -> Conv<sdk::SystemContentBlock> {
    Ok(match block {
        SystemContentBlock::Text(text) => sdk::SystemContentBlock::Text(text),
        SystemContentBlock::CachePoint(point) => {
            sdk::SystemContentBlock::CachePoint(cache_point_to_sdk(point).at("cachePoint")?)
        }
        SystemContentBlock::GuardContent(content) => {
            sdk::SystemContentBlock::GuardContent(guard_to_sdk(content).at("guardContent")?)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Content blocks: SDK to core.

fn image_from_sdk(image: sdk::ImageBlock) -> Conv<ImageBlock> {
    let format = image_format_from_sdk(&image.format).at("format")?;
    let source = match image.source {
        Some(sdk::ImageSource::Bytes(blob)) => MediaSource::Bytes(blob.into_inner()),
        Some(sdk::ImageSource::S3Location(location)) => {
            MediaSource::S3Location(s3_from_sdk(location))
        }
        Some(_) => {
            return Err(Failure::unsupported(
                "an unknown source",
                "bytes and s3Location image sources",
            ))
            .at("source");
        }
        None => return Err(Failure::missing()).at("source"),
    };
    Ok(ImageBlock { format, source })
}

fn document_from_sdk(document: sdk::DocumentBlock) -> Conv<DocumentBlock> {
    let format = document_format_from_sdk(&document.format).at("format")?;
    let source = match document.source {
        Some(sdk::DocumentSource::Bytes(blob)) => MediaSource::Bytes(blob.into_inner()),
        Some(sdk::DocumentSource::S3Location(location)) => {
            MediaSource::S3Location(s3_from_sdk(location))
        }
        Some(sdk::DocumentSource::Text(text)) => MediaSource::Text(text),
        Some(sdk::DocumentSource::Content(_)) => {
            return Err(Failure::unsupported(
                "a `content` source",
                "bytes, s3Location and text document sources",
            ))
            .at("source");
        }
        Some(_) => {
            return Err(Failure::unsupported(
                "an unknown source",
                "bytes, s3Location and text document sources",
            ))
            .at("source");
        }
        None => return Err(Failure::missing()).at("source"),
    };
    Ok(DocumentBlock {
        format,
        name: document.name,
        source,
    })
}

fn guard_from_sdk(content: sdk::GuardrailConverseContentBlock) -> Conv<GuardrailContent> {
    match content {
        sdk::GuardrailConverseContentBlock::Text(block) => {
            Ok(GuardrailContent::Text(GuardrailText {
                text: block.text,
                qualifiers: block
                    .qualifiers
                    .unwrap_or_default()
                    .iter()
                    .map(|q| q.as_str().to_owned())
                    .collect(),
            }))
        }
        sdk::GuardrailConverseContentBlock::Image(_) => Err(Failure::unsupported(
            "an `image` block",
            "text guard content",
        )),
        _ => Err(Failure::unsupported(
            "an unknown block",
            "text guard content",
        )),
    }
}

fn tool_result_content_from_sdk(content: sdk::ToolResultContentBlock) -> Conv<ToolResultContent> {
    const ALLOWED: &str = "json, text, image and document tool results";
    Ok(match content {
        sdk::ToolResultContentBlock::Json(document) => {
            ToolResultContent::Json(json(document).at("json")?)
        }
        sdk::ToolResultContentBlock::Text(text) => ToolResultContent::Text(text),
        sdk::ToolResultContentBlock::Image(image) => {
            ToolResultContent::Image(image_from_sdk(image).at("image")?)
        }
        sdk::ToolResultContentBlock::Document(document) => {
            ToolResultContent::Document(document_from_sdk(document).at("document")?)
        }
        sdk::ToolResultContentBlock::SearchResult(_) => {
            return Err(Failure::unsupported("a `searchResult` block", ALLOWED));
        }
        sdk::ToolResultContentBlock::Video(_) => {
            return Err(Failure::unsupported("a `video` block", ALLOWED));
        }
        _ => return Err(Failure::unsupported("an unknown block", ALLOWED)),
    })
}

fn block_from_sdk(block: sdk::ContentBlock) -> Conv<ContentBlock> {
    Ok(match block {
        sdk::ContentBlock::Text(text) => ContentBlock::Text(text),
        sdk::ContentBlock::Image(image) => ContentBlock::Image(image_from_sdk(image).at("image")?),
        sdk::ContentBlock::Document(document) => {
            ContentBlock::Document(document_from_sdk(document).at("document")?)
        }
        sdk::ContentBlock::ToolUse(tool_use) => ContentBlock::ToolUse(ToolUseBlock {
            input: json(tool_use.input).at("input").at("toolUse")?,
            tool_use_id: tool_use.tool_use_id,
            name: tool_use.name,
        }),
        sdk::ContentBlock::ToolResult(result) => ContentBlock::ToolResult(ToolResultBlock {
            content: each("content", result.content, tool_result_content_from_sdk)
                .at("toolResult")?,
            status: result
                .status
                .as_ref()
                .map(status_from_sdk)
                .transpose()
                .at("status")
                .at("toolResult")?,
            tool_use_id: result.tool_use_id,
        }),
        sdk::ContentBlock::ReasoningContent(reasoning) => {
            ContentBlock::ReasoningContent(match reasoning {
                sdk::ReasoningContentBlock::ReasoningText(text) => {
                    ReasoningBlock::ReasoningText(ReasoningText {
                        text: text.text,
                        signature: text.signature,
                    })
                }
                sdk::ReasoningContentBlock::RedactedContent(blob) => {
                    ReasoningBlock::RedactedContent(blob.into_inner())
                }
                _ => {
                    return Err(Failure::unsupported(
                        "an unknown member",
                        "reasoningText and redactedContent",
                    ))
                    .at("reasoningContent");
                }
            })
        }
        sdk::ContentBlock::CachePoint(point) => {
            ContentBlock::CachePoint(cache_point_from_sdk(&point).at("cachePoint")?)
        }
        sdk::ContentBlock::GuardContent(content) => {
            ContentBlock::GuardContent(guard_from_sdk(content).at("guardContent")?)
        }
        sdk::ContentBlock::Audio(_) => {
            return Err(Failure::unsupported("an `audio` block", BLOCKS));
        }
        sdk::ContentBlock::Video(_) => return Err(Failure::unsupported("a `video` block", BLOCKS)),
        sdk::ContentBlock::CitationsContent(_) => {
            return Err(Failure::unsupported("a `citationsContent` block", BLOCKS));
        }
        sdk::ContentBlock::SearchResult(_) => {
            return Err(Failure::unsupported("a `searchResult` block", BLOCKS));
        }
        sdk::ContentBlock::ToolAddition(_) => {
            return Err(Failure::unsupported("a `toolAddition` block", BLOCKS));
        }
        sdk::ContentBlock::ToolRemoval(_) => {
            return Err(Failure::unsupported("a `toolRemoval` block", BLOCKS));
        }
        _ => return Err(Failure::unsupported("an unknown block", BLOCKS)),
    })
}

/// An SDK message as the core's; a block the core does not represent is a decode error naming
/// it and where it is.
pub fn message_from_sdk(message: sdk::Message) -> Result<Message> {
    message_core(message).map_err(|f| f.into_decode("message"))
}

fn message_core(message: sdk::Message) -> Conv<Message> {
    Ok(Message {
        role: role_from_sdk(&message.role).at("role")?,
        content: each("content", message.content, block_from_sdk)?,
    })
}

fn system_from_sdk(block: sdk::SystemContentBlock) -> Conv<SystemContentBlock> {
    Ok(match block {
        sdk::SystemContentBlock::Text(text) => SystemContentBlock::Text(text),
        sdk::SystemContentBlock::CachePoint(point) => {
            SystemContentBlock::CachePoint(cache_point_from_sdk(&point).at("cachePoint")?)
        }
        sdk::SystemContentBlock::GuardContent(content) => {
            SystemContentBlock::GuardContent(guard_from_sdk(content).at("guardContent")?)
        }
        _ => {
            return Err(Failure::unsupported(
                "an unknown block",
                "text, cachePoint and guardContent system blocks",
            ));
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Request configuration.

fn inference_to_sdk(config: InferenceConfiguration) -> Conv<sdk::InferenceConfiguration> {
    let max_tokens = config
        .max_tokens
        .map(|n| {
            i32::try_from(n)
                .map_err(|_| Failure::new(n, "1..=2147483647"))
                .at("maxTokens")
        })
        .transpose()?;
    Ok(sdk::InferenceConfiguration::builder()
        .set_max_tokens(max_tokens)
        .set_temperature(config.temperature)
        .set_top_p(config.top_p)
        .set_stop_sequences((!config.stop_sequences.is_empty()).then_some(config.stop_sequences))
        .build())
}

fn inference_from_sdk(config: sdk::InferenceConfiguration) -> Conv<InferenceConfiguration> {
    let max_tokens = config
        .max_tokens
        .map(|n| {
            u32::try_from(n)
                .map_err(|_| Failure::new(n, "0..=2147483647"))
                .at("maxTokens")
        })
        .transpose()?;
    Ok(InferenceConfiguration {
        max_tokens,
        temperature: config.temperature,
        top_p: config.top_p,
        stop_sequences: config.stop_sequences.unwrap_or_default(),
    })
}

fn tool_to_sdk(entry: ToolEntry) -> Conv<sdk::Tool> {
    Ok(match entry {
        ToolEntry::ToolSpec(spec) => {
            let ToolInputSchema::Json(schema) = spec.input_schema;
            sdk::Tool::ToolSpec(
                built(
                    sdk::ToolSpecification::builder()
                        .name(spec.name)
                        .set_description(spec.description)
                        .input_schema(sdk::ToolInputSchema::Json(document_from_json(schema)))
                        .build(),
                )
                .at("toolSpec")?,
            )
        }
        ToolEntry::CachePoint(point) => {
            sdk::Tool::CachePoint(cache_point_to_sdk(point).at("cachePoint")?)
        }
    })
}

fn tool_from_sdk(tool: sdk::Tool) -> Conv<ToolEntry> {
    const ALLOWED: &str = "toolSpec and cachePoint tools";
    Ok(match tool {
        sdk::Tool::ToolSpec(spec) => {
            let schema = match spec.input_schema {
                Some(sdk::ToolInputSchema::Json(document)) => {
                    json(document).at("json").at("inputSchema").at("toolSpec")?
                }
                Some(_) => {
                    return Err(Failure::unsupported(
                        "an unknown schema kind",
                        "json schemas",
                    ))
                    .at("inputSchema")
                    .at("toolSpec");
                }
                None => return Err(Failure::missing()).at("inputSchema").at("toolSpec"),
            };
            ToolEntry::ToolSpec(ToolSpecification {
                name: spec.name,
                description: spec.description,
                input_schema: ToolInputSchema::Json(schema),
            })
        }
        sdk::Tool::CachePoint(point) => {
            ToolEntry::CachePoint(cache_point_from_sdk(&point).at("cachePoint")?)
        }
        sdk::Tool::SystemTool(_) => return Err(Failure::unsupported("a `systemTool`", ALLOWED)),
        _ => return Err(Failure::unsupported("an unknown tool", ALLOWED)),
    })
}

fn tool_choice_to_sdk(choice: ToolChoice) -> Conv<sdk::ToolChoice> {
    Ok(match choice {
        ToolChoice::Auto {} => sdk::ToolChoice::Auto(sdk::AutoToolChoice::builder().build()),
        ToolChoice::Any {} => sdk::ToolChoice::Any(sdk::AnyToolChoice::builder().build()),
        ToolChoice::Tool { name } => sdk::ToolChoice::Tool(
            built(sdk::SpecificToolChoice::builder().name(name).build()).at("tool")?,
        ),
    })
}

fn tool_choice_from_sdk(choice: sdk::ToolChoice) -> Conv<ToolChoice> {
    Ok(match choice {
        sdk::ToolChoice::Auto(_) => ToolChoice::Auto {},
        sdk::ToolChoice::Any(_) => ToolChoice::Any {},
        sdk::ToolChoice::Tool(tool) => ToolChoice::Tool { name: tool.name },
        _ => {
            return Err(Failure::unsupported(
                "an unknown choice",
                "auto, any and tool",
            ));
        }
    })
}

fn tool_config_to_sdk(config: ToolConfiguration) -> Conv<sdk::ToolConfiguration> {
    let tools = each("tools", config.tools, tool_to_sdk)?;
    let choice = config
        .tool_choice
        .map(tool_choice_to_sdk)
        .transpose()
        .at("toolChoice")?;
    built(
        sdk::ToolConfiguration::builder()
            .set_tools(Some(tools))
            .set_tool_choice(choice)
            .build(),
    )
}

fn tool_config_from_sdk(config: sdk::ToolConfiguration) -> Conv<ToolConfiguration> {
    Ok(ToolConfiguration {
        tools: each("tools", config.tools, tool_from_sdk)?,
        tool_choice: config
            .tool_choice
            .map(tool_choice_from_sdk)
            .transpose()
            .at("toolChoice")?,
    })
}

fn guardrail_to_sdk(config: ConverseGuardrailConfig) -> sdk::GuardrailConfiguration {
    sdk::GuardrailConfiguration::builder()
        .guardrail_identifier(config.guardrail_identifier)
        .guardrail_version(config.guardrail_version)
        .set_trace(config.trace.as_deref().map(sdk::GuardrailTrace::from))
        .build()
}

fn guardrail_stream_to_sdk(config: ConverseGuardrailConfig) -> sdk::GuardrailStreamConfiguration {
    sdk::GuardrailStreamConfiguration::builder()
        .guardrail_identifier(config.guardrail_identifier)
        .guardrail_version(config.guardrail_version)
        .set_trace(config.trace.as_deref().map(sdk::GuardrailTrace::from))
        .build()
}

fn guardrail_from_sdk(config: sdk::GuardrailConfiguration) -> ConverseGuardrailConfig {
    ConverseGuardrailConfig {
        trace: Some(config.trace.as_str().to_owned()),
        guardrail_identifier: config.guardrail_identifier,
        guardrail_version: config.guardrail_version,
    }
}

/// A [`ConverseRequest`] as the SDK's input members, ready for the Converse or ConverseStream
/// fluent builder (see [`converse_input`] for the SDK's `ConverseInput`).
#[derive(Debug, Clone)]
pub(crate) struct SdkRequest {
    pub(crate) messages: Vec<sdk::Message>,
    pub(crate) system: Option<Vec<sdk::SystemContentBlock>>,
    pub(crate) inference_config: Option<sdk::InferenceConfiguration>,
    pub(crate) tool_config: Option<sdk::ToolConfiguration>,
    /// Kept in the core's shape: Converse and ConverseStream take different SDK types.
    pub(crate) guardrail_config: Option<ConverseGuardrailConfig>,
    pub(crate) additional_model_request_fields: Option<Document>,
    pub(crate) additional_model_response_field_paths: Option<Vec<String>>,
    pub(crate) request_metadata: Option<HashMap<String, String>>,
    pub(crate) performance_config: Option<sdk::PerformanceConfiguration>,
    pub(crate) service_tier: Option<sdk::ServiceTier>,
}

impl SdkRequest {
    /// The SDK's members of `request`; a field the SDK cannot carry is an
    /// [`Error::InvalidInput`] naming it.
    pub(crate) fn new(request: ConverseRequest) -> Result<Self> {
        Self::convert(request).map_err(Failure::into_invalid)
    }

    fn convert(request: ConverseRequest) -> Conv<Self> {
        let ConverseRequest {
            messages,
            system,
            inference_config,
            tool_config,
            guardrail_config,
            additional_model_request_fields,
            additional_model_response_field_paths,
            request_metadata,
            performance_config,
            service_tier,
        } = request;
        Ok(SdkRequest {
            messages: each("messages", messages, message_sdk)?,
            system: if system.is_empty() {
                None
            } else {
                Some(each("system", system, system_to_sdk)?)
            },
            inference_config: inference_config
                .map(inference_to_sdk)
                .transpose()
                .at("inferenceConfig")?,
            tool_config: tool_config
                .map(tool_config_to_sdk)
                .transpose()
                .at("toolConfig")?,
            guardrail_config,
            additional_model_request_fields: additional_model_request_fields
                .map(document_from_json),
            additional_model_response_field_paths: (!additional_model_response_field_paths
                .is_empty())
            .then_some(additional_model_response_field_paths),
            request_metadata: (!request_metadata.is_empty())
                .then(|| request_metadata.into_iter().collect()),
            performance_config: performance_config.map(latency_to_sdk),
            service_tier: service_tier
                .map(tier_to_sdk)
                .transpose()
                .at("serviceTier")?,
        })
    }
}

/// Fills a Converse or ConverseStream builder (fluent or input) with an [`SdkRequest`]'s
/// members, the guardrail converted by `$guardrail`.
macro_rules! fill_converse {
    ($builder:expr, $parts:expr, $guardrail:path) => {{
        let parts: $crate::converse_convert::SdkRequest = $parts;
        $builder
            .set_messages(Some(parts.messages))
            .set_system(parts.system)
            .set_inference_config(parts.inference_config)
            .set_tool_config(parts.tool_config)
            .set_guardrail_config(parts.guardrail_config.map($guardrail))
            .set_additional_model_request_fields(parts.additional_model_request_fields)
            .set_additional_model_response_field_paths(parts.additional_model_response_field_paths)
            .set_request_metadata(parts.request_metadata)
            .set_performance_config(parts.performance_config)
            .set_service_tier(parts.service_tier)
    }};
}
pub(crate) use fill_converse;

/// The guardrail of a Converse call, for [`fill_converse`].
pub(crate) fn guardrail(config: ConverseGuardrailConfig) -> sdk::GuardrailConfiguration {
    guardrail_to_sdk(config)
}

/// The guardrail of a ConverseStream call, for [`fill_converse`].
pub(crate) fn stream_guardrail(
    config: ConverseGuardrailConfig,
) -> sdk::GuardrailStreamConfiguration {
    guardrail_stream_to_sdk(config)
}

/// The SDK's `ConverseInput` for a call of `request` to `model_id`: what
/// `Client::converse()` sends. A field the SDK cannot carry is an [`Error::InvalidInput`]
/// naming it.
pub fn converse_input(model_id: &str, request: ConverseRequest) -> Result<ConverseInput> {
    let parts = SdkRequest::new(request)?;
    let builder = ConverseInput::builder().model_id(model_id);
    fill_converse!(builder, parts, guardrail)
        .build()
        .map_err(|e| Error::invalid("modelId", model_id, format!("a Converse input ({e})")))
}

/// The core's request of an SDK `ConverseInput`; what the core does not represent (prompt
/// variables and output config are left out; a system tool or an audio block is a decode error
/// naming it).
pub fn converse_request(input: ConverseInput) -> Result<ConverseRequest> {
    request_core(input).map_err(|f| f.into_decode("Converse input"))
}

fn request_core(input: ConverseInput) -> Conv<ConverseRequest> {
    Ok(ConverseRequest {
        messages: each("messages", input.messages.unwrap_or_default(), message_core)?,
        system: each("system", input.system.unwrap_or_default(), system_from_sdk)?,
        inference_config: input
            .inference_config
            .map(inference_from_sdk)
            .transpose()
            .at("inferenceConfig")?,
        tool_config: input
            .tool_config
            .map(tool_config_from_sdk)
            .transpose()
            .at("toolConfig")?,
        guardrail_config: input.guardrail_config.map(guardrail_from_sdk),
        additional_model_request_fields: opt_json(input.additional_model_request_fields)
            .at("additionalModelRequestFields")?,
        additional_model_response_field_paths: input
            .additional_model_response_field_paths
            .unwrap_or_default(),
        request_metadata: input
            .request_metadata
            .unwrap_or_default()
            .into_iter()
            .collect(),
        performance_config: input
            .performance_config
            .as_ref()
            .map(latency_from_sdk)
            .transpose()
            .at("performanceConfig")?,
        service_tier: input
            .service_tier
            .as_ref()
            .map(tier_from_sdk)
            .transpose()
            .at("serviceTier")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Responses and events.

fn count(n: i32) -> Conv<u32> {
    u32::try_from(n).map_err(|_| Failure::new(n, "a count of 0 or more"))
}

fn usage_from_sdk(usage: Option<sdk::TokenUsage>) -> Conv<TokenUsage> {
    let usage = usage.ok_or_else(Failure::missing)?;
    Ok(TokenUsage {
        input_tokens: count(usage.input_tokens).at("inputTokens")?,
        output_tokens: count(usage.output_tokens).at("outputTokens")?,
        total_tokens: count(usage.total_tokens).at("totalTokens")?,
        cache_read_input_tokens: usage
            .cache_read_input_tokens
            .map(count)
            .transpose()
            .at("cacheReadInputTokens")?,
        cache_write_input_tokens: usage
            .cache_write_input_tokens
            .map(count)
            .transpose()
            .at("cacheWriteInputTokens")?,
    })
}

fn latency_ms(ms: i64) -> Conv<ConverseMetrics> {
    u64::try_from(ms)
        .map(|latency_ms| ConverseMetrics { latency_ms })
        .map_err(|_| Failure::new(ms, "0 or more milliseconds"))
        .at("latencyMs")
}

/// The parts of a trace the core carries (see the module's notes).
fn trace_json(
    guardrail: Option<sdk::GuardrailTraceAssessment>,
    prompt_router: Option<sdk::PromptRouterTrace>,
) -> Option<Value> {
    let mut trace = serde_json::Map::new();
    if let Some(g) = guardrail {
        let mut out = serde_json::Map::new();
        if let Some(model_output) = g.model_output {
            out.insert("modelOutput".to_owned(), Value::from(model_output));
        }
        if let Some(reason) = g.action_reason {
            out.insert("actionReason".to_owned(), Value::from(reason));
        }
        trace.insert("guardrail".to_owned(), Value::Object(out));
    }
    if let Some(router) = prompt_router {
        let mut out = serde_json::Map::new();
        if let Some(id) = router.invoked_model_id {
            out.insert("invokedModelId".to_owned(), Value::from(id));
        }
        trace.insert("promptRouter".to_owned(), Value::Object(out));
    }
    (!trace.is_empty()).then_some(Value::Object(trace))
}

/// The core's response of the SDK's Converse output; what the core does not represent is a
/// decode error naming the field.
pub fn converse_response(output: SdkOutput) -> Result<ConverseResponse> {
    response_core(output).map_err(|f| f.into_decode("Converse response"))
}

fn response_core(output: SdkOutput) -> Conv<ConverseResponse> {
    let message = match output.output {
        Some(sdk::ConverseOutput::Message(message)) => message_core(message).at("message"),
        Some(_) => Err(Failure::unsupported("an unknown member", "message outputs")),
        None => Err(Failure::missing()),
    }
    .at("output")?;
    let trace = output
        .trace
        .and_then(|t| trace_json(t.guardrail, t.prompt_router));
    Ok(ConverseResponse {
        output: ConverseOutput::Message(message),
        stop_reason: stop_reason_from_sdk(&output.stop_reason).at("stopReason")?,
        usage: usage_from_sdk(output.usage).at("usage")?,
        metrics: latency_ms(
            output
                .metrics
                .ok_or_else(Failure::missing)
                .at("metrics")?
                .latency_ms,
        )
        .at("metrics")?,
        additional_model_response_fields: opt_json(output.additional_model_response_fields)
            .at("additionalModelResponseFields")?,
        trace,
        performance_config: output
            .performance_config
            .as_ref()
            .map(latency_from_sdk)
            .transpose()
            .at("performanceConfig")?,
        service_tier: output
            .service_tier
            .as_ref()
            .map(tier_from_sdk)
            .transpose()
            .at("serviceTier")?,
    })
}

fn index(n: i32) -> Conv<u32> {
    u32::try_from(n)
        .map_err(|_| Failure::new(n, "an index of 0 or more"))
        .at("contentBlockIndex")
}

/// One ConverseStream event of the SDK's as the core's. `Ok(None)` for an event type newer than
/// the SDK (skipped, as Bedrock means new event types to be); a member the core does not
/// represent is a decode error naming the event and the member.
pub fn stream_event(event: sdk::ConverseStreamOutput) -> Result<Option<ConverseStreamEvent>> {
    event_core(event).map_err(|f| f.into_decode("ConverseStream event"))
}

fn event_core(event: sdk::ConverseStreamOutput) -> Conv<Option<ConverseStreamEvent>> {
    Ok(Some(match event {
        sdk::ConverseStreamOutput::MessageStart(e) => {
            ConverseStreamEvent::MessageStart(MessageStartEvent {
                role: role_from_sdk(&e.role).at("role").at("messageStart")?,
            })
        }
        sdk::ConverseStreamOutput::ContentBlockStart(e) => {
            let start = match e.start {
                Some(sdk::ContentBlockStart::ToolUse(t)) => {
                    ContentBlockStart::ToolUse(ToolUseBlockStart {
                        tool_use_id: t.tool_use_id,
                        name: t.name,
                    })
                }
                Some(sdk::ContentBlockStart::Image(_)) => {
                    return Err(Failure::unsupported("an `image` start", "toolUse starts"))
                        .at("start")
                        .at("contentBlockStart");
                }
                Some(sdk::ContentBlockStart::ToolResult(_)) => {
                    return Err(Failure::unsupported(
                        "a `toolResult` start",
                        "toolUse starts",
                    ))
                    .at("start")
                    .at("contentBlockStart");
                }
                Some(_) => {
                    return Err(Failure::unsupported("an unknown start", "toolUse starts"))
                        .at("start")
                        .at("contentBlockStart");
                }
                None => return Err(Failure::missing()).at("start").at("contentBlockStart"),
            };
            ConverseStreamEvent::ContentBlockStart(ContentBlockStartEvent {
                start,
                content_block_index: index(e.content_block_index).at("contentBlockStart")?,
            })
        }
        sdk::ConverseStreamOutput::ContentBlockDelta(e) => {
            const ALLOWED: &str = "text, toolUse and reasoningContent deltas";
            let delta = match e.delta {
                Some(sdk::ContentBlockDelta::Text(text)) => ContentBlockDelta::Text(text),
                Some(sdk::ContentBlockDelta::ToolUse(t)) => {
                    ContentBlockDelta::ToolUse(ToolUseBlockDelta { input: t.input })
                }
                Some(sdk::ContentBlockDelta::ReasoningContent(r)) => {
                    ContentBlockDelta::ReasoningContent(match r {
                        sdk::ReasoningContentBlockDelta::Text(t) => ReasoningContentDelta::Text(t),
                        sdk::ReasoningContentBlockDelta::Signature(s) => {
                            ReasoningContentDelta::Signature(s)
                        }
                        sdk::ReasoningContentBlockDelta::RedactedContent(b) => {
                            ReasoningContentDelta::RedactedContent(b.into_inner())
                        }
                        _ => {
                            return Err(Failure::unsupported(
                                "an unknown member",
                                "text, signature and redactedContent",
                            ))
                            .at("reasoningContent")
                            .at("delta")
                            .at("contentBlockDelta");
                        }
                    })
                }
                Some(sdk::ContentBlockDelta::Citation(_)) => {
                    return Err(Failure::unsupported("a `citation` delta", ALLOWED))
                        .at("delta")
                        .at("contentBlockDelta");
                }
                Some(sdk::ContentBlockDelta::Image(_)) => {
                    return Err(Failure::unsupported("an `image` delta", ALLOWED))
                        .at("delta")
                        .at("contentBlockDelta");
                }
                Some(sdk::ContentBlockDelta::ToolResult(_)) => {
                    return Err(Failure::unsupported("a `toolResult` delta", ALLOWED))
                        .at("delta")
                        .at("contentBlockDelta");
                }
                Some(_) => {
                    return Err(Failure::unsupported("an unknown delta", ALLOWED))
                        .at("delta")
                        .at("contentBlockDelta");
                }
                None => return Err(Failure::missing()).at("delta").at("contentBlockDelta"),
            };
            ConverseStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
                delta,
                content_block_index: index(e.content_block_index).at("contentBlockDelta")?,
            })
        }
        sdk::ConverseStreamOutput::ContentBlockStop(e) => {
            ConverseStreamEvent::ContentBlockStop(ContentBlockStopEvent {
                content_block_index: index(e.content_block_index).at("contentBlockStop")?,
            })
        }
        sdk::ConverseStreamOutput::MessageStop(e) => {
            ConverseStreamEvent::MessageStop(MessageStopEvent {
                stop_reason: stop_reason_from_sdk(&e.stop_reason)
                    .at("stopReason")
                    .at("messageStop")?,
                additional_model_response_fields: opt_json(e.additional_model_response_fields)
                    .at("additionalModelResponseFields")
                    .at("messageStop")?,
            })
        }
        sdk::ConverseStreamOutput::Metadata(e) => {
            let metrics = e
                .metrics
                .ok_or_else(Failure::missing)
                .at("metrics")
                .at("metadata")?;
            ConverseStreamEvent::Metadata(ConverseStreamMetadata {
                usage: usage_from_sdk(e.usage).at("usage").at("metadata")?,
                metrics: latency_ms(metrics.latency_ms)
                    .at("metrics")
                    .at("metadata")?,
                trace: e
                    .trace
                    .and_then(|t| trace_json(t.guardrail, t.prompt_router)),
                performance_config: e
                    .performance_config
                    .as_ref()
                    .map(latency_from_sdk)
                    .transpose()
                    .at("performanceConfig")
                    .at("metadata")?,
                service_tier: e
                    .service_tier
                    .as_ref()
                    .map(tier_from_sdk)
                    .transpose()
                    .at("serviceTier")
                    .at("metadata")?,
            })
        }
        _ => return Ok(None),
    }))
}

/// The SDK's ConverseStream event of a core event (the inverse of [`stream_event`], for tests
/// and for code that feeds SDK consumers from the core's types).
pub fn stream_event_to_sdk(event: ConverseStreamEvent) -> Result<sdk::ConverseStreamOutput> {
    event_sdk(event).map_err(Failure::into_invalid)
}

fn event_sdk(event: ConverseStreamEvent) -> Conv<sdk::ConverseStreamOutput> {
    fn idx(n: u32) -> Conv<i32> {
        i32::try_from(n)
            .map_err(|_| Failure::new(n, "0..=2147483647"))
            .at("contentBlockIndex")
    }
    Ok(match event {
        ConverseStreamEvent::MessageStart(e) => sdk::ConverseStreamOutput::MessageStart(built(
            sdk::MessageStartEvent::builder()
                .role(role_to_sdk(e.role))
                .build(),
        )?),
        ConverseStreamEvent::ContentBlockStart(e) => {
            let ContentBlockStart::ToolUse(t) = e.start;
            let start = built(
                sdk::ToolUseBlockStart::builder()
                    .tool_use_id(t.tool_use_id)
                    .name(t.name)
                    .build(),
            )?;
            sdk::ConverseStreamOutput::ContentBlockStart(built(
                sdk::ContentBlockStartEvent::builder()
                    .start(sdk::ContentBlockStart::ToolUse(start))
                    .content_block_index(idx(e.content_block_index)?)
                    .build(),
            )?)
        }
        ConverseStreamEvent::ContentBlockDelta(e) => {
            let delta = match e.delta {
                ContentBlockDelta::Text(t) => sdk::ContentBlockDelta::Text(t),
                ContentBlockDelta::ToolUse(t) => sdk::ContentBlockDelta::ToolUse(built(
                    sdk::ToolUseBlockDelta::builder().input(t.input).build(),
                )?),
                ContentBlockDelta::ReasoningContent(r) => {
                    sdk::ContentBlockDelta::ReasoningContent(match r {
                        ReasoningContentDelta::Text(t) => sdk::ReasoningContentBlockDelta::Text(t),
                        ReasoningContentDelta::Signature(s) => {
                            sdk::ReasoningContentBlockDelta::Signature(s)
                        }
                        ReasoningContentDelta::RedactedContent(b) => {
                            sdk::ReasoningContentBlockDelta::RedactedContent(Blob::new(b))
                        }
                    })
                }
            };
            sdk::ConverseStreamOutput::ContentBlockDelta(built(
                sdk::ContentBlockDeltaEvent::builder()
                    .delta(delta)
                    .content_block_index(idx(e.content_block_index)?)
                    .build(),
            )?)
        }
        ConverseStreamEvent::ContentBlockStop(e) => {
            sdk::ConverseStreamOutput::ContentBlockStop(built(
                sdk::ContentBlockStopEvent::builder()
                    .content_block_index(idx(e.content_block_index)?)
                    .build(),
            )?)
        }
        ConverseStreamEvent::MessageStop(e) => sdk::ConverseStreamOutput::MessageStop(built(
            sdk::MessageStopEvent::builder()
                .stop_reason(stop_reason_to_sdk(e.stop_reason))
                .set_additional_model_response_fields(
                    e.additional_model_response_fields.map(document_from_json),
                )
                .build(),
        )?),
        ConverseStreamEvent::Metadata(e) => {
            let usage = usage_to_sdk(e.usage)?;
            let metrics = built(
                sdk::ConverseStreamMetrics::builder()
                    .latency_ms(i64::try_from(e.metrics.latency_ms).unwrap_or(i64::MAX))
                    .build(),
            )?;
            sdk::ConverseStreamOutput::Metadata(
                sdk::ConverseStreamMetadataEvent::builder()
                    .usage(usage)
                    .metrics(metrics)
                    .set_performance_config(e.performance_config.map(latency_to_sdk))
                    .set_service_tier(e.service_tier.map(tier_to_sdk).transpose()?)
                    .build(),
            )
        }
    })
}

fn usage_to_sdk(usage: TokenUsage) -> Conv<sdk::TokenUsage> {
    fn n(v: u32) -> i32 {
        i32::try_from(v).unwrap_or(i32::MAX)
    }
    built(
        sdk::TokenUsage::builder()
            .input_tokens(n(usage.input_tokens))
            .output_tokens(n(usage.output_tokens))
            .total_tokens(n(usage.total_tokens))
            .set_cache_read_input_tokens(usage.cache_read_input_tokens.map(n))
            .set_cache_write_input_tokens(usage.cache_write_input_tokens.map(n))
            .build(),
    )
}

/// The SDK's CountTokens input of a core request.
pub fn count_tokens_input(request: CountTokensRequest) -> Result<sdk::CountTokensInput> {
    count_input(request).map_err(Failure::into_invalid)
}

fn count_input(request: CountTokensRequest) -> Conv<sdk::CountTokensInput> {
    Ok(match request.input {
        CountTokensInput::Converse(converse) => {
            let messages = each("messages", converse.messages, message_sdk)?;
            let system = if converse.system.is_empty() {
                None
            } else {
                Some(each("system", converse.system, system_to_sdk)?)
            };
            sdk::CountTokensInput::Converse(
                sdk::ConverseTokensRequest::builder()
                    .set_messages(Some(messages))
                    .set_system(system)
                    .build(),
            )
        }
        CountTokensInput::InvokeModel(invoke) => sdk::CountTokensInput::InvokeModel(
            built(
                sdk::InvokeModelTokensRequest::builder()
                    .body(Blob::new(invoke.body))
                    .build(),
            )
            .at("invokeModel")?,
        ),
    })
    .at("input")
}

#[cfg(test)]
mod tests;
