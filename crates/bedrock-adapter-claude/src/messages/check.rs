//! Local checks of a typed Messages request, so that what Claude refuses for its shape alone is
//! refused before anything is sent: each failure is an `Error::InvalidInput` naming the body
//! field, the value and what is allowed.
//!
//! `options` prefixes the fields a chat or text request takes from `extra` (`tools`,
//! `tool_choice`, `thinking`, `anthropic_beta`), so errors name `extra.thinking.budget_tokens`
//! there and `thinking.budget_tokens` for a request built field by field.

use std::collections::HashSet;

use base64::Engine as _;
use bedrock_core::{Error, ImageFormat, Result};
use serde_json::Value;

use super::{
    CacheControl, DocumentBlock, DocumentSource, ImageBlock, MAX_CACHE_BREAKPOINTS,
    MAX_IMAGE_BYTES, MAX_IMAGES, MIN_THINKING_BUDGET, MIN_TOP_P_WITH_THINKING, MessageRole,
    MessagesRequest, RequestContent, SystemBlock, SystemPrompt, ThinkingConfig, ToolChoice,
    ToolDefinition, ToolResultBody, ToolResultContent,
};
use crate::models::{accepts_images, max_output_tokens};
use crate::validation;

/// Every check, in body order.
pub(super) fn request(req: &MessagesRequest, base_model_id: &str, options: &str) -> Result<()> {
    let mut counts = Counts::default();
    system(req.system.as_ref(), &mut counts)?;
    validation::token_limit(
        "max_tokens",
        req.max_tokens,
        max_output_tokens(base_model_id),
        base_model_id,
    )?;
    validation::unit_interval("temperature", req.temperature)?;
    validation::unit_interval("top_p", req.top_p)?;
    validation::top_k(req.top_k)?;
    validation::stop_sequences(&req.stop_sequences)?;
    for (i, beta) in req.anthropic_beta.iter().enumerate() {
        if beta.trim().is_empty() {
            return Err(Error::invalid(
                format!("{options}anthropic_beta[{i}]"),
                format!("{beta:?}"),
                "a non-empty beta name",
            ));
        }
    }
    messages(req, base_model_id, &mut counts)?;
    if let Some(tools) = &req.tools {
        for (i, tool) in tools.iter().enumerate() {
            self::tool(&format!("{options}tools[{i}]"), tool, &mut counts)?;
            if tools.iter().take(i).any(|t| t.name == tool.name) {
                return Err(Error::invalid(
                    format!("{options}tools[{i}].name"),
                    &tool.name,
                    "a name no other tool has",
                ));
            }
        }
    }
    if let Some(ToolChoice::Tool { name, .. }) = &req.tool_choice {
        let offered: Vec<&str> = req
            .tools
            .iter()
            .flatten()
            .map(|t| t.name.as_str())
            .collect();
        if !offered.contains(&name.as_str()) {
            return Err(Error::invalid(
                format!("{options}tool_choice.name"),
                name,
                format!("the name of an offered tool: [{}]", offered.join(", ")),
            ));
        }
    }
    thinking(req, options)
}

/// What the checks count across the whole request.
#[derive(Default)]
struct Counts {
    images: usize,
    cache_breakpoints: usize,
}

impl Counts {
    fn cache(&mut self, field: &str, cache_control: Option<CacheControl>) -> Result<()> {
        if cache_control.is_some() {
            self.cache_breakpoints += 1;
            if self.cache_breakpoints > MAX_CACHE_BREAKPOINTS {
                return Err(Error::invalid(
                    format!("{field}.cache_control"),
                    format!("cache breakpoint #{}", self.cache_breakpoints),
                    format!(
                        "at most {MAX_CACHE_BREAKPOINTS} blocks with cache_control per request \
                         (tools, system and messages together)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn system(system: Option<&SystemPrompt>, counts: &mut Counts) -> Result<()> {
    match system {
        None => Ok(()),
        Some(SystemPrompt::Text(s)) => validation::system(Some(s)),
        Some(SystemPrompt::Blocks(blocks)) => {
            if blocks.is_empty() {
                return Err(Error::invalid(
                    "system",
                    "[]",
                    "at least one text block, or no system prompt",
                ));
            }
            for (i, SystemBlock::Text(b)) in blocks.iter().enumerate() {
                let field = format!("system[{i}]");
                text(&field, &b.text)?;
                counts.cache(&field, b.cache_control)?;
            }
            Ok(())
        }
    }
}

fn text(field: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(
            format!("{field}.text"),
            format!("{text:?}"),
            "text with at least one non-whitespace character",
        ));
    }
    Ok(())
}

/// Roles alternate from the user; each block sits where Claude takes it; a user turn's tool
/// results answer the previous assistant turn's tool uses, before any other block.
fn messages(req: &MessagesRequest, base_model_id: &str, counts: &mut Counts) -> Result<()> {
    if req.messages.is_empty() {
        return Err(Error::invalid("messages", "[]", "at least one message"));
    }
    let mut expected = MessageRole::User;
    let mut pending_tool_uses: Vec<&str> = Vec::new();
    for (i, m) in req.messages.iter().enumerate() {
        let field = format!("messages[{i}]");
        if m.role != expected {
            return Err(Error::invalid(
                format!("{field}.role"),
                m.role.as_str(),
                format!(
                    "{}: roles alternate user, assistant, user, ..., starting with user",
                    expected.as_str()
                ),
            ));
        }
        if m.content.is_empty() {
            return Err(Error::invalid(
                format!("{field}.content"),
                "[]",
                "at least one content block",
            ));
        }
        let mut answered: HashSet<&str> = HashSet::new();
        let mut past_tool_results = false;
        for (j, block) in m.content.iter().enumerate() {
            let field = format!("{field}.content[{j}]");
            let allowed_roles = match block {
                RequestContent::Text(_) => None,
                RequestContent::Image(_)
                | RequestContent::Document(_)
                | RequestContent::ToolResult(_) => Some(MessageRole::User),
                RequestContent::ToolUse(_)
                | RequestContent::Thinking(_)
                | RequestContent::RedactedThinking(_) => Some(MessageRole::Assistant),
            };
            if let Some(role) = allowed_roles
                && role != m.role
            {
                return Err(Error::invalid(
                    format!("{field}.type"),
                    format!("a {} block in an {} message", block.kind(), m.role.as_str()),
                    format!("{} blocks in {} messages only", block.kind(), role.as_str()),
                ));
            }
            counts.cache(&field, block.cache_control())?;
            match block {
                RequestContent::ToolResult(result) => {
                    if past_tool_results {
                        return Err(Error::invalid(
                            format!("{field}.type"),
                            "a tool_result block after another kind of block",
                            "tool_result blocks first in the user message, before any other block",
                        ));
                    }
                    if !pending_tool_uses.contains(&result.tool_use_id.as_str()) {
                        return Err(Error::invalid(
                            format!("{field}.tool_use_id"),
                            format!("{:?}", result.tool_use_id),
                            format!(
                                "the id of a tool_use in the previous assistant message: [{}]",
                                pending_tool_uses.join(", ")
                            ),
                        ));
                    }
                    answered.insert(&result.tool_use_id);
                    tool_result_content(&field, result.content.as_ref(), base_model_id, counts)?;
                }
                other => {
                    past_tool_results = true;
                    self::block(&field, other, base_model_id, counts)?;
                }
            }
        }
        if m.role == MessageRole::User {
            let unanswered: Vec<&str> = pending_tool_uses
                .iter()
                .copied()
                .filter(|id| !answered.contains(id))
                .collect();
            if !unanswered.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.content"),
                    format!("no tool_result for [{}]", unanswered.join(", ")),
                    "a tool_result block for every tool_use of the previous assistant message",
                ));
            }
        }
        pending_tool_uses = match m.role {
            MessageRole::User => Vec::new(),
            MessageRole::Assistant => m
                .content
                .iter()
                .filter_map(|b| match b {
                    RequestContent::ToolUse(t) => Some(t.id.as_str()),
                    _ => None,
                })
                .collect(),
        };
        expected = match m.role {
            MessageRole::User => MessageRole::Assistant,
            MessageRole::Assistant => MessageRole::User,
        };
    }
    if let Some(last) = req.messages.last()
        && last.role == MessageRole::Assistant
        && let Some(RequestContent::Text(b)) = last.content.last()
        && b.text.ends_with(char::is_whitespace)
    {
        return Err(Error::invalid(
            format!(
                "messages[{}].content[{}].text",
                req.messages.len() - 1,
                last.content.len() - 1
            ),
            format!("{:?}", b.text),
            "text without trailing whitespace: a final assistant message cannot end in whitespace",
        ));
    }
    Ok(())
}

/// One block other than a tool result, whose role was already checked.
fn block(
    field: &str,
    block: &RequestContent,
    base_model_id: &str,
    counts: &mut Counts,
) -> Result<()> {
    match block {
        RequestContent::Text(b) => text(field, &b.text),
        RequestContent::Image(b) => image(field, b, base_model_id, counts),
        RequestContent::Document(b) => document(field, b),
        RequestContent::ToolUse(b) => {
            if b.id.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.id"),
                    "\"\"",
                    "a non-empty tool use id",
                ));
            }
            if b.name.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.name"),
                    "\"\"",
                    "a non-empty tool name",
                ));
            }
            if !b.input.is_object() {
                return Err(Error::invalid(
                    format!("{field}.input"),
                    &b.input,
                    "a JSON object: the tool's arguments",
                ));
            }
            Ok(())
        }
        RequestContent::Thinking(b) => {
            if b.signature.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.signature"),
                    "\"\"",
                    "the signature the thinking block came with, unchanged",
                ));
            }
            Ok(())
        }
        RequestContent::RedactedThinking(b) => {
            if b.data.is_empty() {
                return Err(Error::invalid(
                    format!("{field}.data"),
                    "\"\"",
                    "the redacted thinking's data as it came, unchanged",
                ));
            }
            Ok(())
        }
        RequestContent::ToolResult(b) => {
            tool_result_content(field, b.content.as_ref(), base_model_id, counts)
        }
    }
}

fn tool_result_content(
    field: &str,
    content: Option<&ToolResultBody>,
    base_model_id: &str,
    counts: &mut Counts,
) -> Result<()> {
    let Some(ToolResultBody::Blocks(blocks)) = content else {
        return Ok(());
    };
    for (k, part) in blocks.iter().enumerate() {
        let field = format!("{field}.content[{k}]");
        match part {
            ToolResultContent::Text(b) => {
                text(&field, &b.text)?;
                counts.cache(&field, b.cache_control)?;
            }
            ToolResultContent::Image(b) => {
                image(&field, b, base_model_id, counts)?;
                counts.cache(&field, b.cache_control)?;
            }
            ToolResultContent::Document(b) => {
                document(&field, b)?;
                counts.cache(&field, b.cache_control)?;
            }
        }
    }
    Ok(())
}

fn image(field: &str, b: &ImageBlock, base_model_id: &str, counts: &mut Counts) -> Result<()> {
    let format = ImageFormat::from(b.source.media_type);
    if !accepts_images(base_model_id) {
        return Err(Error::invalid(
            field,
            format!("a {} image", format.media_type()),
            format!("text only: `{base_model_id}` does not read images"),
        ));
    }
    let data = decode_base64(&format!("{field}.source.data"), &b.source.data)?;
    counts.images += 1;
    image_bytes_at(
        field,
        &format!("{field}.source.data"),
        &format!("{field}.source.media_type"),
        format,
        &data,
        counts.images,
    )
}

/// An image's bytes: the `count`th image of the request, within the size limit, and of the
/// declared format when its magic number is recognisable.
pub(super) fn image_bytes(
    field: &str,
    format: ImageFormat,
    data: &[u8],
    count: usize,
) -> Result<()> {
    image_bytes_at(
        field,
        &format!("{field}.data"),
        &format!("{field}.format"),
        format,
        data,
        count,
    )
}

fn image_bytes_at(
    field: &str,
    data_field: &str,
    format_field: &str,
    format: ImageFormat,
    data: &[u8],
    count: usize,
) -> Result<()> {
    if count > MAX_IMAGES {
        return Err(Error::invalid(
            field,
            format!("image #{count}"),
            format!("at most {MAX_IMAGES} images per request"),
        ));
    }
    if data.is_empty() || data.len() > MAX_IMAGE_BYTES {
        return Err(Error::invalid(
            data_field,
            format!("{} bytes", data.len()),
            format!("1..={MAX_IMAGE_BYTES} bytes (3.75 MB)"),
        ));
    }
    if let Some(actual) = ImageFormat::sniff(data)
        && actual != format
    {
        return Err(Error::invalid(
            format_field,
            format.media_type(),
            format!(
                "{}: the bytes are a {} image",
                actual.media_type(),
                actual.media_type()
            ),
        ));
    }
    Ok(())
}

fn document(field: &str, b: &DocumentBlock) -> Result<()> {
    match &b.source {
        DocumentSource::Base64 { data, .. } => {
            let bytes = decode_base64(&format!("{field}.source.data"), data)?;
            if !bytes.starts_with(b"%PDF-") {
                return Err(Error::invalid(
                    format!("{field}.source.data"),
                    format!("{} bytes not starting with %PDF-", bytes.len()),
                    "a PDF: its bytes start with %PDF-",
                ));
            }
        }
        DocumentSource::Text { data, .. } => {
            if data.trim().is_empty() {
                return Err(Error::invalid(
                    format!("{field}.source.data"),
                    format!("{data:?}"),
                    "non-empty text",
                ));
            }
        }
    }
    for (name, value) in [("title", &b.title), ("context", &b.context)] {
        if let Some(v) = value
            && v.trim().is_empty()
        {
            return Err(Error::invalid(
                format!("{field}.{name}"),
                format!("{v:?}"),
                format!("a non-empty {name}, or none"),
            ));
        }
    }
    Ok(())
}

fn decode_base64(field: &str, data: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| {
            Error::invalid(
                field,
                format!("{} characters that are not base64 ({e})", data.len()),
                "standard base64 with padding",
            )
        })
}

fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn tool(field: &str, tool: &ToolDefinition, counts: &mut Counts) -> Result<()> {
    if !is_tool_name(&tool.name) {
        return Err(Error::invalid(
            format!("{field}.name"),
            format!("{:?}", tool.name),
            "1 to 64 characters of a-z, A-Z, 0-9, `_` and `-`",
        ));
    }
    if tool.is_custom() {
        let Some(schema) = &tool.input_schema else {
            return Err(Error::invalid(
                format!("{field}.input_schema"),
                "none",
                "a JSON Schema object: a custom tool needs one",
            ));
        };
        let kind = schema.get("type").unwrap_or(&Value::Null);
        if kind != "object" {
            return Err(Error::invalid(
                format!("{field}.input_schema.type"),
                kind,
                "\"object\": a tool's input is a JSON object",
            ));
        }
        if let Some((key, value)) = tool.settings.iter().next() {
            return Err(Error::invalid(
                format!("{field}.{key}"),
                value,
                "no such field on a custom tool: name, description, input_schema, cache_control",
            ));
        }
    }
    counts.cache(field, tool.cache_control)
}

/// The thinking budget, and what extended thinking forbids: temperature other than 1, top_k,
/// top_p below 0.95, and a tool choice that forces tool use.
fn thinking(req: &MessagesRequest, options: &str) -> Result<()> {
    let Some(ThinkingConfig::Enabled { budget_tokens }) = req.thinking else {
        return Ok(());
    };
    if u64::from(budget_tokens) < MIN_THINKING_BUDGET || budget_tokens >= req.max_tokens {
        return Err(Error::invalid(
            format!("{options}thinking.budget_tokens"),
            budget_tokens,
            format!(
                "{MIN_THINKING_BUDGET}..{} (at least {MIN_THINKING_BUDGET}, below max_tokens)",
                req.max_tokens
            ),
        ));
    }
    const WHY: &str = "while extended thinking is enabled";
    if let Some(t) = req.temperature
        && t != 1.0
    {
        return Err(Error::invalid(
            "temperature",
            t,
            format!("1.0 or unset {WHY}"),
        ));
    }
    if let Some(k) = req.top_k {
        return Err(Error::invalid("top_k", k, format!("unset {WHY}")));
    }
    if let Some(p) = req.top_p
        && !(MIN_TOP_P_WITH_THINKING..=1.0).contains(&p)
    {
        return Err(Error::invalid(
            "top_p",
            p,
            format!("{MIN_TOP_P_WITH_THINKING}..=1.0 or unset {WHY}"),
        ));
    }
    if let Some(choice) = &req.tool_choice
        && choice.forces_tool_use()
    {
        let kind = match choice {
            ToolChoice::Any { .. } => "any",
            _ => "tool",
        };
        return Err(Error::invalid(
            format!("{options}tool_choice.type"),
            kind,
            format!("auto or none {WHY}: thinking cannot be combined with forced tool use"),
        ));
    }
    Ok(())
}
