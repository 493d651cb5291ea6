//! Which AI21 Labs model ids the adapter serves, through which API, and each model's limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// Jamba chat: `messages` in, `choices` out, streamed as `choices[].delta` chunks.
pub const CHAT_API: &str = "ai21-chat";
/// Every API of the adapter.
pub const APIS: &[&str] = &[CHAT_API];

const CHAT_CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};

const fn pattern(prefix: &'static str) -> ModelPattern {
    ModelPattern {
        matches: ModelMatch::Prefix(prefix),
        api: CHAT_API,
        capabilities: CHAT_CAPS,
    }
}

/// The ids the adapter serves: one prefix per catalog model, so that AI21 models with another
/// body format (Jurassic-2, `ai21.j2-*`) are a miss rather than a wrong body.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern("ai21.jamba-instruct-v1"),
    pattern("ai21.jamba-1-5-large-v1"),
    pattern("ai21.jamba-1-5-mini-v1"),
];

/// The largest `max_tokens` of any Jamba model; the published schema's bound.
pub const MAX_TOKENS: u32 = 4_096;
/// The largest `temperature`.
pub const MAX_TEMPERATURE: f32 = 2.0;
/// The largest `n`.
pub const MAX_CHOICES: u32 = 16;
/// The most characters of one `stop` sequence ("up to 64K").
pub const MAX_STOP_CHARS: usize = 64 * 1024;

/// The limits of one Jamba model that validation checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// The model's display name, for error messages.
    pub name: &'static str,
    /// The largest `max_tokens` it accepts.
    pub max_tokens: u32,
}

/// The limits of the Jamba model behind a bare id. AWS documents one set of bounds for the
/// three models; they are kept per model so that a change to one stays local.
pub fn model_limits(base_model_id: &str) -> ModelLimits {
    let name = if base_model_id.starts_with("ai21.jamba-1-5-large") {
        "Jamba 1.5 Large"
    } else if base_model_id.starts_with("ai21.jamba-1-5-mini") {
        "Jamba 1.5 Mini"
    } else {
        "Jamba-Instruct"
    };
    ModelLimits {
        name,
        max_tokens: MAX_TOKENS,
    }
}
