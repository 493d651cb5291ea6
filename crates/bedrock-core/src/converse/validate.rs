//! Local checks of a Converse request, so that what Bedrock would refuse for its shape alone is
//! refused before anything is sent, with the field's path and what is allowed.
//!
//! Limits are Converse's published ones; what depends on the model (which features it supports)
//! is left to Bedrock (or the simulator), which answers with its own message.

use std::collections::HashSet;

use super::types::*;
use crate::error::{Error, Result};

/// Largest image, in bytes (3.75 MB).
pub const MAX_IMAGE_BYTES: usize = 3_750_000;
/// Most images in one request.
pub const MAX_IMAGES: usize = 20;
/// Largest document, in bytes (4.5 MB).
pub const MAX_DOCUMENT_BYTES: usize = 4_500_000;
/// Most documents in one request.
pub const MAX_DOCUMENTS: usize = 5;

const NAME_ALLOWED: &str = "1 to 64 characters of a-z, A-Z, 0-9, `_` and `-`";

fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Document names: letters, digits, single spaces, hyphens, parentheses and square brackets.
fn is_document_name(name: &str) -> bool {
    (1..=200).contains(&name.chars().count())
        && !name.contains("  ")
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '(' | ')' | '[' | ']'))
}

#[derive(Default)]
struct Counts {
    images: usize,
    documents: usize,
}

impl ConverseRequest {
    /// Checks the request's shape: a non-empty conversation that starts with the user and
    /// alternates, non-empty messages, parameters in range, well-formed tools, tool choice
    /// naming an offered tool, images and documents within Converse's size and count limits.
    pub fn validate(&self) -> Result<()> {
        if self.messages.is_empty() {
            return Err(Error::invalid("messages", "[]", "at least one message"));
        }
        let mut counts = Counts::default();
        let mut previous = None;
        for (i, message) in self.messages.iter().enumerate() {
            let field = format!("messages[{i}]");
            if i == 0 && message.role != ConversationRole::User {
                return Err(Error::invalid(
                    format!("{field}.role"),
                    "assistant",
                    "the conversation must start with a user message",
                ));
            }
            if previous == Some(message.role) {
                return Err(Error::invalid(
                    format!("{field}.role"),
                    role_name(message.role),
                    "roles must alternate between user and assistant",
                ));
            }
            previous = Some(message.role);
            if message.content.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.content"),
                    "[]",
                    "at least one content block",
                ));
            }
            for (j, block) in message.content.iter().enumerate() {
                check_block(
                    &format!("{field}.content[{j}]"),
                    message.role,
                    block,
                    &mut counts,
                )?;
            }
        }
        if counts.images > MAX_IMAGES {
            return Err(Error::invalid(
                "messages",
                format!("{} images", counts.images),
                format!("at most {MAX_IMAGES} images"),
            ));
        }
        if counts.documents > MAX_DOCUMENTS {
            return Err(Error::invalid(
                "messages",
                format!("{} documents", counts.documents),
                format!("at most {MAX_DOCUMENTS} documents"),
            ));
        }
        for (i, block) in self.system.iter().enumerate() {
            if let SystemContentBlock::Text(t) = block
                && t.is_empty()
            {
                return Err(Error::invalid(
                    format!("system[{i}].text"),
                    "\"\"",
                    "non-empty text",
                ));
            }
        }
        if let Some(config) = &self.inference_config {
            check_inference(config)?;
        }
        if let Some(tools) = &self.tool_config {
            check_tools(tools)?;
        }
        if let Some(fields) = &self.additional_model_request_fields
            && !fields.is_object()
        {
            return Err(Error::invalid(
                "additionalModelRequestFields",
                fields,
                "a JSON object",
            ));
        }
        for (i, path) in self
            .additional_model_response_field_paths
            .iter()
            .enumerate()
        {
            if !path.starts_with('/') {
                return Err(Error::invalid(
                    format!("additionalModelResponseFieldPaths[{i}]"),
                    path,
                    "a JSON pointer starting with `/`",
                ));
            }
        }
        Ok(())
    }
}

fn role_name(role: ConversationRole) -> &'static str {
    match role {
        ConversationRole::User => "user",
        ConversationRole::Assistant => "assistant",
    }
}

fn check_block(
    field: &str,
    role: ConversationRole,
    block: &ContentBlock,
    counts: &mut Counts,
) -> Result<()> {
    match block {
        ContentBlock::Text(t) if t.is_empty() => Err(Error::invalid(
            format!("{field}.text"),
            "\"\"",
            "non-empty text",
        )),
        ContentBlock::Image(image) => {
            counts.images += 1;
            check_image(&format!("{field}.image"), image)
        }
        ContentBlock::Document(doc) => {
            counts.documents += 1;
            check_document(&format!("{field}.document"), doc)
        }
        ContentBlock::ToolUse(t) => {
            if role != ConversationRole::Assistant {
                return Err(Error::invalid(
                    format!("{field}.toolUse"),
                    "in a user message",
                    "tool uses only in assistant messages",
                ));
            }
            check_id(&format!("{field}.toolUse.toolUseId"), &t.tool_use_id)?;
            if !is_tool_name(&t.name) {
                return Err(Error::invalid(
                    format!("{field}.toolUse.name"),
                    &t.name,
                    NAME_ALLOWED,
                ));
            }
            Ok(())
        }
        ContentBlock::ToolResult(r) => {
            if role != ConversationRole::User {
                return Err(Error::invalid(
                    format!("{field}.toolResult"),
                    "in an assistant message",
                    "tool results only in user messages",
                ));
            }
            check_id(&format!("{field}.toolResult.toolUseId"), &r.tool_use_id)?;
            for (k, part) in r.content.iter().enumerate() {
                let part_field = format!("{field}.toolResult.content[{k}]");
                match part {
                    ToolResultContent::Image(image) => {
                        counts.images += 1;
                        check_image(&format!("{part_field}.image"), image)?;
                    }
                    ToolResultContent::Document(doc) => {
                        counts.documents += 1;
                        check_document(&format!("{part_field}.document"), doc)?;
                    }
                    ToolResultContent::Json(_) | ToolResultContent::Text(_) => {}
                }
            }
            Ok(())
        }
        ContentBlock::ReasoningContent(_) if role != ConversationRole::Assistant => {
            Err(Error::invalid(
                format!("{field}.reasoningContent"),
                "in a user message",
                "reasoning only in assistant messages",
            ))
        }
        _ => Ok(()),
    }
}

fn check_id(field: &str, id: &str) -> Result<()> {
    if is_tool_name(id) {
        Ok(())
    } else {
        Err(Error::invalid(field, id, NAME_ALLOWED))
    }
}

fn check_image(field: &str, image: &ImageBlock) -> Result<()> {
    match &image.source {
        MediaSource::Bytes(b) if b.is_empty() => Err(Error::invalid(
            format!("{field}.source.bytes"),
            "0 bytes",
            format!("1..={MAX_IMAGE_BYTES} bytes"),
        )),
        MediaSource::Bytes(b) if b.len() > MAX_IMAGE_BYTES => Err(Error::invalid(
            format!("{field}.source.bytes"),
            format!("{} bytes", b.len()),
            format!("1..={MAX_IMAGE_BYTES} bytes"),
        )),
        MediaSource::Text(_) => Err(Error::invalid(
            format!("{field}.source"),
            "text",
            "bytes or s3Location",
        )),
        MediaSource::S3Location(s3) => check_s3(&format!("{field}.source.s3Location.uri"), s3),
        MediaSource::Bytes(_) => Ok(()),
    }
}

fn check_document(field: &str, doc: &DocumentBlock) -> Result<()> {
    if !is_document_name(&doc.name) {
        return Err(Error::invalid(
            format!("{field}.name"),
            &doc.name,
            "1 to 200 characters: letters, digits, single spaces, `-`, `(`, `)`, `[`, `]`",
        ));
    }
    match &doc.source {
        MediaSource::Bytes(b) if b.is_empty() || b.len() > MAX_DOCUMENT_BYTES => {
            Err(Error::invalid(
                format!("{field}.source.bytes"),
                format!("{} bytes", b.len()),
                format!("1..={MAX_DOCUMENT_BYTES} bytes"),
            ))
        }
        MediaSource::Text(t) if t.is_empty() => Err(Error::invalid(
            format!("{field}.source.text"),
            "\"\"",
            "non-empty text",
        )),
        MediaSource::S3Location(s3) => check_s3(&format!("{field}.source.s3Location.uri"), s3),
        _ => Ok(()),
    }
}

fn check_s3(field: &str, s3: &S3Location) -> Result<()> {
    let ok = s3
        .uri
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(bucket, key)| !bucket.is_empty() && !key.is_empty());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(field, &s3.uri, "an `s3://bucket/key` URI"))
    }
}

fn check_inference(config: &InferenceConfiguration) -> Result<()> {
    if config.max_tokens == Some(0) {
        return Err(Error::invalid("inferenceConfig.maxTokens", 0, "at least 1"));
    }
    if let Some(t) = config.temperature
        && !(0.0..=1.0).contains(&t)
    {
        return Err(Error::invalid(
            "inferenceConfig.temperature",
            t,
            "0.0..=1.0",
        ));
    }
    if let Some(p) = config.top_p
        && !(0.0..=1.0).contains(&p)
    {
        return Err(Error::invalid("inferenceConfig.topP", p, "0.0..=1.0"));
    }
    for (i, s) in config.stop_sequences.iter().enumerate() {
        if s.is_empty() {
            return Err(Error::invalid(
                format!("inferenceConfig.stopSequences[{i}]"),
                "\"\"",
                "non-empty text",
            ));
        }
    }
    Ok(())
}

fn check_tools(config: &ToolConfiguration) -> Result<()> {
    let mut names = HashSet::new();
    for (i, tool) in config.tools.iter().enumerate() {
        let ToolEntry::ToolSpec(spec) = tool else {
            continue;
        };
        let field = format!("toolConfig.tools[{i}].toolSpec");
        if !is_tool_name(&spec.name) {
            return Err(Error::invalid(
                format!("{field}.name"),
                &spec.name,
                NAME_ALLOWED,
            ));
        }
        if !names.insert(spec.name.as_str()) {
            return Err(Error::invalid(
                format!("{field}.name"),
                &spec.name,
                "a name no other tool in the request has",
            ));
        }
        if spec.description.as_deref() == Some("") {
            return Err(Error::invalid(
                format!("{field}.description"),
                "\"\"",
                "non-empty text, or no description",
            ));
        }
        let schema = spec.input_schema.json();
        let is_object_schema = schema.get("type").is_none_or(|t| t == "object");
        if !schema.is_object() || !is_object_schema {
            return Err(Error::invalid(
                format!("{field}.inputSchema.json"),
                schema,
                "a JSON schema of type `object`",
            ));
        }
    }
    match &config.tool_choice {
        Some(_) if names.is_empty() => Err(Error::invalid(
            "toolConfig.toolChoice",
            "set",
            "a tool choice only with at least one tool",
        )),
        Some(ToolChoice::Tool { name }) if !names.contains(name.as_str()) => Err(Error::invalid(
            "toolConfig.toolChoice.tool.name",
            name,
            format!("one of the offered tools: {}", sorted(&names)),
        )),
        _ if names.is_empty() => Err(Error::invalid(
            "toolConfig.tools",
            "[]",
            "at least one tool",
        )),
        _ => Ok(()),
    }
}

fn sorted(names: &HashSet<&str>) -> String {
    let mut names: Vec<&str> = names.iter().copied().collect();
    names.sort_unstable();
    names.join(", ")
}
