//! Which model ids the DeepSeek adapter serves, through which API, and the models' limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// DeepSeek-R1's text completion: a `prompt` in DeepSeek's chat template, `choices` out,
/// streamed as chunks of the same shape.
pub const TEXT_API: &str = "deepseek-text";
/// Every API of the adapter.
pub const APIS: &[&str] = &[TEXT_API];

/// Which ids the adapter serves; in a registry the most specific pattern of all adapters wins.
///
/// Bedrock serves DeepSeek-R1 through cross-region inference profiles only (`us.deepseek.r1-v1:0`),
/// but the registry strips the profile's geography before matching, so the pattern names the
/// bare id. It stops at `deepseek.r1` so that a later DeepSeek model with another body is not
/// claimed by this one's format.
pub static MODEL_PATTERNS: &[ModelPattern] = &[ModelPattern {
    matches: ModelMatch::Prefix("deepseek.r1"),
    api: TEXT_API,
    capabilities: Capabilities {
        text: true,
        chat: true,
        streaming: true,
        ..Capabilities::NONE
    },
}];

/// The limits of one DeepSeek model, as Bedrock's inference-parameter reference states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// The model's display name.
    pub name: &'static str,
    /// The largest `max_tokens`.
    pub max_tokens: u32,
    /// The most `stop` sequences.
    pub max_stop_sequences: usize,
}

/// The largest `max_tokens` of any model the adapter serves (the published schema's bound).
pub const MAX_TOKENS: u32 = 32_768;
/// The most `stop` sequences any model the adapter serves takes.
pub const MAX_STOP_SEQUENCES: usize = 10;

/// DeepSeek-R1's limits: `max_tokens` `1..=32768` and at most 10 `stop` sequences.
pub const R1_LIMITS: ModelLimits = ModelLimits {
    name: "DeepSeek-R1",
    max_tokens: MAX_TOKENS,
    max_stop_sequences: MAX_STOP_SEQUENCES,
};

/// The limits of the model behind a bare model id (R1's for every id the patterns match).
pub fn model_limits(_base_model_id: &str) -> ModelLimits {
    R1_LIMITS
}
