//! What Bedrock refuses in a Converse request before the model runs: the conversation's shape,
//! features the model lacks (each with Bedrock's message), tool results without their tool
//! uses, cache points, reasoning settings and reasoning signatures.

use bedrock_core::converse::{
    ContentBlock, ConversationRole, ConverseRequest, ReasoningBlock, SystemContentBlock,
    ToolChoice, ToolEntry, ToolResultContent,
};
use serde_json::Value;

use super::features::{Caching, Features, Reasoning};
use super::signature;
use crate::rejection::Rejection;

/// A conversation that does not start with the user. Bedrock's wording.
pub const NOT_USER_FIRST: &str = "A conversation must start with a user message. Try again with a \
     conversation that starts with a user message.";
/// Two messages in a row from the same role. Bedrock's wording.
pub const NOT_ALTERNATING: &str = "A conversation must alternate between user and assistant \
     roles. Make sure the conversation alternates between user and assistant roles and try again.";
/// A system prompt for a model without system prompts. Bedrock's wording.
pub const NO_SYSTEM: &str = "This model doesn't support system messages. Try again without a \
     system message or use a model that supports system messages.";
/// An image for a model without vision. Bedrock's wording.
pub const NO_IMAGES: &str = "This model doesn't support the image content block that you \
     provided. Update the content block and try again.";
/// A document for a model without document chat. Bedrock's wording.
pub const NO_DOCUMENTS: &str = "This model doesn't support the document content block that you \
     provided. Update the content block and try again.";
/// Tools for a model without tool use. Bedrock's wording.
pub const NO_TOOLS: &str = "This model doesn't support tool use.";
/// Tools on ConverseStream for a model that uses tools with Converse only. Bedrock's wording.
pub const NO_STREAMING_TOOLS: &str = "This model doesn't support tool use in streaming mode";
/// Tool-use or tool-result blocks without a tool configuration. Bedrock's wording.
pub const TOOL_CONFIG_REQUIRED: &str =
    "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
/// A cache point for a model without prompt caching: Bedrock answers 403
/// `AccessDeniedException` with this message.
pub const NO_CACHING: &str = "You invoked an unsupported model or your request did not allow \
     prompt caching. See the documentation for more information.";
/// A cache point among the tools of a model that caches system prompts and messages only.
/// The simulator's wording.
pub const NO_TOOL_CACHING: &str = "This model doesn't support cache points in toolConfig.tools. \
     Remove the cachePoint and try again.";
/// More than one user turn for a model without chat support. The simulator's wording.
pub const NO_CHAT: &str = "This model doesn't support multi-turn conversations. Try again with a \
     single user message.";
/// The most cache points in one request (Anthropic's limit).
pub const MAX_CACHE_POINTS: usize = 4;

/// `toolConfig.toolChoice.{field}` for a model that takes only `auto`. Bedrock's wording.
pub fn no_tool_choice(field: &str) -> String {
    format!(
        "This model doesn't support the toolConfig.toolChoice.{field} field. Remove \
         toolConfig.toolChoice.{field} and try again."
    )
}

/// A reasoning block whose signature does not match its text. Anthropic's wording, with the
/// block's position.
pub fn invalid_signature(message: usize, block: usize) -> String {
    format!("messages.{message}.content.{block}: Invalid `signature` in `thinking` block")
}

fn extraneous(key: &str) -> Rejection {
    Rejection::malformed(&format!("#: extraneous key [{key}] is not permitted"))
}

/// Checks `request` for a model with `features`; `streaming` for ConverseStream.
pub(crate) fn check(
    request: &ConverseRequest,
    features: &Features,
    streaming: bool,
    seed: u64,
) -> Result<(), Rejection> {
    shape(request)?;
    if !features.chat && request.messages.len() > 1 {
        return Err(Rejection::validation(NO_CHAT));
    }
    let has_system = request
        .system
        .iter()
        .any(|b| !matches!(b, SystemContentBlock::CachePoint(_)));
    if has_system && !features.system {
        return Err(Rejection::validation(NO_SYSTEM));
    }
    let mut images = false;
    let mut documents = false;
    let mut tool_blocks = false;
    let mut cache_points = request
        .system
        .iter()
        .filter(|b| matches!(b, SystemContentBlock::CachePoint(_)))
        .count();
    for message in &request.messages {
        for block in &message.content {
            match block {
                ContentBlock::Image(_) => images = true,
                ContentBlock::Document(_) => documents = true,
                ContentBlock::ToolUse(_) => tool_blocks = true,
                ContentBlock::ToolResult(r) => {
                    tool_blocks = true;
                    for part in &r.content {
                        match part {
                            ToolResultContent::Image(_) => images = true,
                            ToolResultContent::Document(_) => documents = true,
                            ToolResultContent::Json(_) | ToolResultContent::Text(_) => {}
                        }
                    }
                }
                ContentBlock::CachePoint(_) => cache_points = cache_points.saturating_add(1),
                _ => {}
            }
        }
    }
    if images && !features.images {
        return Err(Rejection::validation(NO_IMAGES));
    }
    if documents && !features.documents {
        return Err(Rejection::validation(NO_DOCUMENTS));
    }
    let tool_cache_points = request.tool_config.as_ref().map_or(0, |t| {
        t.tools
            .iter()
            .filter(|e| matches!(e, ToolEntry::CachePoint(_)))
            .count()
    });
    match &request.tool_config {
        Some(_) if !features.tools => return Err(Rejection::validation(NO_TOOLS)),
        Some(_) if streaming && !features.streaming_tools => {
            return Err(Rejection::validation(NO_STREAMING_TOOLS));
        }
        Some(config) => match &config.tool_choice {
            Some(ToolChoice::Any {}) if !features.forced_tool_choice => {
                return Err(Rejection::validation(no_tool_choice("any")));
            }
            Some(ToolChoice::Tool { .. }) if !features.forced_tool_choice => {
                return Err(Rejection::validation(no_tool_choice("tool")));
            }
            _ => {}
        },
        None if tool_blocks => return Err(Rejection::validation(TOOL_CONFIG_REQUIRED)),
        None => {}
    }
    tool_results_follow_tool_uses(request)?;
    let all_cache_points = cache_points.saturating_add(tool_cache_points);
    if all_cache_points > 0 {
        match features.caching {
            Caching::None => return Err(Rejection::access_denied(NO_CACHING)),
            Caching::SystemAndMessages if tool_cache_points > 0 => {
                return Err(Rejection::validation(NO_TOOL_CACHING));
            }
            _ => {}
        }
        if all_cache_points > MAX_CACHE_POINTS {
            return Err(Rejection::validation(format!(
                "A maximum of {MAX_CACHE_POINTS} blocks with cache_control may be provided. \
                 Found {all_cache_points}."
            )));
        }
    }
    reasoning_settings(request, features)?;
    signatures(request, features, seed)
}

/// The conversation's shape: Bedrock's own messages for the role rules, the connector's
/// local checks (which name the field and the allowed range) for the rest.
fn shape(request: &ConverseRequest) -> Result<(), Rejection> {
    if request
        .messages
        .first()
        .is_some_and(|m| m.role != ConversationRole::User)
    {
        return Err(Rejection::validation(NOT_USER_FIRST));
    }
    if request
        .messages
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.role == b.role))
    {
        return Err(Rejection::validation(NOT_ALTERNATING));
    }
    request
        .validate()
        .map_err(|e| Rejection::validation(e.to_string()))
}

/// Each tool result answers a tool use of the assistant message just before it.
fn tool_results_follow_tool_uses(request: &ConverseRequest) -> Result<(), Rejection> {
    let mut previous: Option<&bedrock_core::converse::Message> = None;
    for (i, message) in request.messages.iter().enumerate() {
        for block in &message.content {
            let ContentBlock::ToolResult(result) = block else {
                continue;
            };
            let answered = previous
                .is_some_and(|p| p.tool_uses().any(|u| u.tool_use_id == result.tool_use_id));
            if !answered {
                return Err(Rejection::validation(format!(
                    "messages.{i}.content: unexpected `tool_use_id` found in `tool_result` \
                     blocks: {}. Each `tool_result` block must have a corresponding `tool_use` \
                     block in the previous message.",
                    result.tool_use_id
                )));
            }
        }
        previous = Some(message);
    }
    Ok(())
}

/// The thinking budget Claude's `thinking` field asks for, once checked; `None` when thinking
/// is not enabled.
pub(crate) fn thinking_budget(request: &ConverseRequest) -> Option<u32> {
    let thinking = request
        .additional_model_request_fields
        .as_ref()?
        .get("thinking")?;
    if thinking.get("type").and_then(Value::as_str) != Some("enabled") {
        return None;
    }
    thinking
        .get("budget_tokens")
        .and_then(Value::as_u64)
        .map(|b| u32::try_from(b).unwrap_or(u32::MAX))
}

/// Whether Nova's `reasoningConfig` enables reasoning.
pub(crate) fn nova_reasoning(request: &ConverseRequest) -> bool {
    request
        .additional_model_request_fields
        .as_ref()
        .and_then(|f| f.get("reasoningConfig"))
        .and_then(|c| c.get("type"))
        .and_then(Value::as_str)
        == Some("enabled")
}

fn reasoning_settings(request: &ConverseRequest, features: &Features) -> Result<(), Rejection> {
    let fields = request.additional_model_request_fields.as_ref();
    let thinking = fields.and_then(|f| f.get("thinking"));
    let reasoning_config = fields.and_then(|f| f.get("reasoningConfig"));
    if thinking.is_some() && features.reasoning != Reasoning::ClaudeThinking {
        return Err(extraneous("thinking"));
    }
    if reasoning_config.is_some() && features.reasoning != Reasoning::NovaReasoningConfig {
        return Err(extraneous("reasoningConfig"));
    }
    let Some(thinking) = thinking else {
        return Ok(());
    };
    let kind = thinking.get("type").and_then(Value::as_str);
    match kind {
        Some("enabled") => {}
        Some("disabled") => return Ok(()),
        _ => {
            return Err(Rejection::validation(
                "thinking: Input tag does not match any of the expected tags: 'enabled', \
                 'disabled'",
            ));
        }
    }
    let Some(budget) = thinking.get("budget_tokens").and_then(Value::as_u64) else {
        return Err(Rejection::validation(
            "thinking.enabled.budget_tokens: Field required",
        ));
    };
    if budget < 1024 {
        return Err(Rejection::validation(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
        ));
    }
    let config = request.inference_config.as_ref();
    if let Some(max) = config.and_then(|c| c.max_tokens)
        && u64::from(max) <= budget
    {
        return Err(Rejection::validation(
            "`max_tokens` must be greater than `thinking.budget_tokens`.",
        ));
    }
    if config
        .and_then(|c| c.temperature)
        .is_some_and(|t| (t - 1.0).abs() > f32::EPSILON)
    {
        return Err(Rejection::validation(
            "`temperature` may only be set to 1 when thinking is enabled.",
        ));
    }
    let forced = request
        .tool_config
        .as_ref()
        .and_then(|t| t.tool_choice.as_ref())
        .is_some_and(|c| !matches!(c, ToolChoice::Auto {}));
    if forced {
        return Err(Rejection::validation(
            "Thinking may not be enabled when tool_choice forces tool use.",
        ));
    }
    Ok(())
}

/// Every reasoning text sent back carries the signature the simulator gave it.
fn signatures(request: &ConverseRequest, features: &Features, seed: u64) -> Result<(), Rejection> {
    if features.reasoning == Reasoning::None {
        return Ok(());
    }
    for (i, message) in request.messages.iter().enumerate() {
        for (j, block) in message.content.iter().enumerate() {
            let ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) = block else {
                continue;
            };
            match &r.signature {
                None => {
                    return Err(Rejection::validation(format!(
                        "messages.{i}.content.{j}.thinking.signature: Field required"
                    )));
                }
                Some(s) if !signature::verify(seed, &r.text, s) => {
                    return Err(Rejection::validation(invalid_signature(i, j)));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}
