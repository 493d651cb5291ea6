//! Which model ids the chat-completions adapter serves, through which API, and the models'
//! limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// OpenAI's chat completion as Bedrock's InvokeModel takes it: `messages` in, `choices` out,
/// streamed as `chat.completion.chunk` documents carrying `delta`s.
pub const CHAT_API: &str = "chat-completions";
/// Every API of the adapter.
pub const APIS: &[&str] = &[CHAT_API];

const CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};

const fn pattern(prefix: &'static str) -> ModelPattern {
    ModelPattern {
        matches: ModelMatch::Prefix(prefix),
        api: CHAT_API,
        capabilities: CAPS,
    }
}

/// Which ids the adapter serves; in a registry the most specific pattern of all adapters wins.
/// Each family is named by its own prefix (`deepseek.v3`, not `deepseek.`), so DeepSeek-R1 and
/// the older Mistral models stay with the adapters of their own bodies.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern("openai.gpt-oss-"),
    pattern("qwen.qwen3-"),
    pattern("deepseek.v3"),
    pattern("writer.palmyra-x"),
    pattern("mistral.magistral-"),
    pattern("mistral.mistral-large-3"),
];

/// The largest output limit the adapter sends (the published schema's bound).
pub const MAX_TOKENS: u32 = 32_768;
/// The most `stop` sequences the body takes (OpenAI's limit).
pub const MAX_STOP_SEQUENCES: usize = 4;
/// The largest `temperature` (OpenAI's range is `0..=2`).
pub const MAX_TEMPERATURE: f32 = 2.0;

/// Which body field carries the output limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLimitField {
    /// `max_completion_tokens`, as Bedrock's OpenAI model reference maps it (gpt-oss).
    MaxCompletionTokens,
    /// `max_tokens`, as the other chat-completions models on Bedrock take it.
    MaxTokens,
}

/// The limits of one model the adapter serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// The model family's display name, for error messages.
    pub name: &'static str,
    /// The largest output limit.
    pub max_tokens: u32,
    /// The field the output limit goes in.
    pub token_field: TokenLimitField,
}

/// The limits of the model behind a bare id.
pub fn model_limits(base_model_id: &str) -> ModelLimits {
    let (name, token_field) = match base_model_id.split_once('.').map_or("", |(p, _)| p) {
        "openai" => ("gpt-oss", TokenLimitField::MaxCompletionTokens),
        "qwen" => ("Qwen3", TokenLimitField::MaxTokens),
        "deepseek" => ("DeepSeek-V3.1", TokenLimitField::MaxTokens),
        "writer" => ("Palmyra", TokenLimitField::MaxTokens),
        "mistral" => ("Mistral", TokenLimitField::MaxTokens),
        _ => ("chat-completions model", TokenLimitField::MaxTokens),
    };
    ModelLimits {
        name,
        max_tokens: MAX_TOKENS,
        token_field,
    }
}
