//! Which Claude ids the adapter serves, through which API, and the limits of each model.

use bedrock_core::catalog::{self, Modality};
use bedrock_core::{Capabilities, Error, ExtraFields, ModelMatch, ModelPattern, Result};
use serde_json::Value;

/// Anthropic's legacy Text Completions API (`prompt` / `completion`).
pub const TEXT_COMPLETIONS_API: &str = "claude-text-completions";

/// Anthropic's Messages API (`messages` / `content`).
pub const MESSAGES_API: &str = "claude-messages";

/// Every API of the adapter.
pub const APIS: &[&str] = &[TEXT_COMPLETIONS_API, MESSAGES_API];

/// The `extra` key that picks the API for models served by both (`messages` or
/// `text-completions`).
pub const API_SELECTOR: &str = "api";

/// The ids whose default API is Text Completions; the Messages API serves them too when asked
/// with `extra: {"api": "messages"}`.
pub const TEXT_COMPLETIONS_MODELS: [&str; 3] = [
    "anthropic.claude-instant-v1",
    "anthropic.claude-v2",
    "anthropic.claude-v2:1",
];

const LEGACY_CAPABILITIES: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};

const MESSAGES_CAPABILITIES: Capabilities = Capabilities {
    text: true,
    chat: true,
    vision: true,
    streaming: true,
    ..Capabilities::NONE
};

/// The ids the adapter serves. Exact ids for the legacy models beat the `anthropic.claude`
/// prefix, which sends every other Claude id, including ones released after this table, to the
/// Messages API.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    ModelPattern {
        matches: ModelMatch::Exact(TEXT_COMPLETIONS_MODELS[0]),
        api: TEXT_COMPLETIONS_API,
        capabilities: LEGACY_CAPABILITIES,
    },
    ModelPattern {
        matches: ModelMatch::Exact(TEXT_COMPLETIONS_MODELS[1]),
        api: TEXT_COMPLETIONS_API,
        capabilities: LEGACY_CAPABILITIES,
    },
    ModelPattern {
        matches: ModelMatch::Exact(TEXT_COMPLETIONS_MODELS[2]),
        api: TEXT_COMPLETIONS_API,
        capabilities: LEGACY_CAPABILITIES,
    },
    ModelPattern {
        matches: ModelMatch::Prefix("anthropic.claude"),
        api: MESSAGES_API,
        capabilities: MESSAGES_CAPABILITIES,
    },
];

/// `max_tokens` / `max_tokens_to_sample` sent when the request leaves `params.max_tokens` unset
/// (both APIs require the field).
pub const DEFAULT_MAX_TOKENS: u32 = 1_024;

/// Highest `top_k` Claude accepts on Bedrock.
pub const MAX_TOP_K: u32 = 500;

/// Most stop sequences one request may carry (Bedrock's Claude parameter table).
pub const MAX_STOP_SEQUENCES: usize = 8191;

/// The most output tokens per response, by model id prefix (the longest matching prefix wins),
/// from Anthropic's model comparison table.
pub const MAX_OUTPUT_TOKENS: &[(&str, u32)] = &[
    ("anthropic.claude-instant-v1", 4_096),
    ("anthropic.claude-v2", 4_096),
    ("anthropic.claude-3-haiku", 4_096),
    ("anthropic.claude-3-sonnet", 4_096),
    ("anthropic.claude-3-opus", 4_096),
    ("anthropic.claude-3-5-sonnet", 8_192),
    ("anthropic.claude-3-5-haiku", 8_192),
    ("anthropic.claude-3-7-sonnet", 64_000),
    ("anthropic.claude-sonnet-4", 64_000),
    ("anthropic.claude-opus-4", 32_000),
    ("anthropic.claude-opus-4-5", 64_000),
    ("anthropic.claude-haiku-4-5", 64_000),
];

/// The limit for Claude ids newer than [`MAX_OUTPUT_TOKENS`]: the largest documented one.
/// Bedrock still rejects a request above the model's real limit.
pub const FALLBACK_MAX_OUTPUT_TOKENS: u32 = 64_000;

/// The most tokens `base_model_id` generates in one response.
pub fn max_output_tokens(base_model_id: &str) -> u32 {
    MAX_OUTPUT_TOKENS
        .iter()
        .filter(|(prefix, _)| base_model_id.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(FALLBACK_MAX_OUTPUT_TOKENS, |(_, max)| *max)
}

/// Whether `base_model_id` reads images: the catalog says so for known models; the legacy
/// models never do; newer ids are assumed to.
pub(crate) fn accepts_images(base_model_id: &str) -> bool {
    if TEXT_COMPLETIONS_MODELS.contains(&base_model_id) {
        return false;
    }
    catalog::find_model(base_model_id).is_none_or(|m| m.input_modalities.contains(&Modality::Image))
}

/// One of the adapter's two APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaudeApi {
    /// [`TEXT_COMPLETIONS_API`].
    TextCompletions,
    /// [`MESSAGES_API`].
    Messages,
}

impl ClaudeApi {
    /// The API's name in [`ModelPattern::api`].
    pub fn name(self) -> &'static str {
        match self {
            ClaudeApi::TextCompletions => TEXT_COMPLETIONS_API,
            ClaudeApi::Messages => MESSAGES_API,
        }
    }

    /// The API for a [`ModelPattern::api`] name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            TEXT_COMPLETIONS_API => Some(ClaudeApi::TextCompletions),
            MESSAGES_API => Some(ClaudeApi::Messages),
            _ => None,
        }
    }

    /// The API whose response `body` is, told by its shape (`content` or `completion`) rather
    /// than by the route, since a legacy model asked through the Messages API answers in the
    /// Messages shape.
    pub(crate) fn of_response(body: &Value) -> Result<Self> {
        const WHAT: &str = "Claude response";
        match json_object(WHAT, body)? {
            map if map.contains_key("content") => Ok(ClaudeApi::Messages),
            map if map.contains_key("completion") => Ok(ClaudeApi::TextCompletions),
            _ => Err(Error::decode(format!(
                "{WHAT}: neither `content` (Messages API) nor `completion` (Text Completions API) is present"
            ))),
        }
    }

    /// The API whose stream chunk `chunk` is, told by its shape (`type` or `completion`), for the
    /// same reason as [`ClaudeApi::of_response`].
    pub(crate) fn of_stream_chunk(chunk: &Value) -> Result<Self> {
        const WHAT: &str = "Claude stream chunk";
        match json_object(WHAT, chunk)? {
            map if map.contains_key("type") => Ok(ClaudeApi::Messages),
            map if map.contains_key("completion") => Ok(ClaudeApi::TextCompletions),
            _ => Err(Error::decode(format!(
                "{WHAT}: neither `type` (Messages API event) nor `completion` (Text Completions chunk) is present"
            ))),
        }
    }
}

fn json_object<'a>(what: &str, value: &'a Value) -> Result<&'a serde_json::Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Error::decode(format!("{what}: expected a JSON object, got {value}")))
}

/// The API a request uses: the pattern's, unless `extra.api` asks for Messages on a legacy model.
pub(crate) fn select_api(
    pattern_api: &str,
    base_model_id: &str,
    extra: &ExtraFields,
) -> Result<ClaudeApi> {
    let default = ClaudeApi::from_name(pattern_api).unwrap_or(ClaudeApi::Messages);
    let Some(choice) = extra.get(API_SELECTOR) else {
        return Ok(default);
    };
    let field = format!("extra.{API_SELECTOR}");
    match (choice.as_str(), default) {
        (Some("messages"), _) => Ok(ClaudeApi::Messages),
        (Some("text-completions"), ClaudeApi::TextCompletions) => Ok(ClaudeApi::TextCompletions),
        (Some("text-completions"), ClaudeApi::Messages) => Err(Error::invalid(
            field,
            choice,
            format!(
                "\"messages\": `{base_model_id}` is served only by the Messages API; Text Completions \
                 serves {}",
                TEXT_COMPLETIONS_MODELS.join(", ")
            ),
        )),
        _ => Err(Error::invalid(
            field,
            choice,
            "one of: \"messages\", \"text-completions\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_limits_follow_the_longest_prefix() {
        assert_eq!(
            max_output_tokens("anthropic.claude-3-haiku-20240307-v1:0"),
            4_096
        );
        assert_eq!(
            max_output_tokens("anthropic.claude-3-5-sonnet-20241022-v2:0"),
            8_192
        );
        assert_eq!(
            max_output_tokens("anthropic.claude-3-7-sonnet-20250219-v1:0"),
            64_000
        );
        assert_eq!(
            max_output_tokens("anthropic.claude-opus-4-1-20250805-v1:0"),
            32_000
        );
        assert_eq!(
            max_output_tokens("anthropic.claude-opus-4-5-20251101-v1:0"),
            64_000
        );
        assert_eq!(max_output_tokens("anthropic.claude-v2:1"), 4_096);
        assert_eq!(
            max_output_tokens("anthropic.claude-future-9"),
            FALLBACK_MAX_OUTPUT_TOKENS
        );
    }

    #[test]
    fn every_catalog_claude_has_a_listed_limit() {
        for m in catalog::foundation_models()
            .iter()
            .filter(|m| m.provider == "Anthropic")
        {
            assert!(
                MAX_OUTPUT_TOKENS
                    .iter()
                    .any(|(p, _)| m.model_id.starts_with(p)),
                "{} has no entry in MAX_OUTPUT_TOKENS",
                m.model_id
            );
        }
    }
}
