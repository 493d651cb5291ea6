//! Which Amazon Nova model ids the adapter serves, through which API, and each model's limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// Nova Micro, Lite, Pro, Premier and Nova 2 Lite: the `messages-v1` schema (`system`, `messages`,
/// `inferenceConfig`, `toolConfig`), answered with `output.message`, streamed as message events.
pub const MESSAGES_API: &str = "nova-messages";
/// Nova Canvas: `taskType` with its parameters object and `imageGenerationConfig`, answered
/// with base64 images.
pub const CANVAS_API: &str = "nova-canvas";

/// Every API of the adapter.
pub const APIS: &[&str] = &[MESSAGES_API, CANVAS_API];

/// Micro reads text only.
const TEXT_ONLY_CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};
/// Lite, Pro, Premier and Nova 2 Lite read images too.
const VISION_CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    vision: true,
    streaming: true,
    ..Capabilities::NONE
};
/// Canvas does not stream (the catalog says `response_streaming = false`).
const IMAGE_CAPS: Capabilities = Capabilities {
    image: true,
    ..Capabilities::NONE
};

const fn pattern(
    matches: ModelMatch,
    api: &'static str,
    capabilities: Capabilities,
) -> ModelPattern {
    ModelPattern {
        matches,
        api,
        capabilities,
    }
}

/// The ids the adapter serves, one prefix per model so that provisioned-throughput variants
/// (`amazon.nova-pro-v1:0:300k`) resolve too. There is no catch-all `amazon.nova-` pattern:
/// Nova Reel and Sonic speak other formats and must stay a miss rather than get a wrong body.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern(
        ModelMatch::Prefix("amazon.nova-micro"),
        MESSAGES_API,
        TEXT_ONLY_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.nova-lite"),
        MESSAGES_API,
        VISION_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.nova-pro"),
        MESSAGES_API,
        VISION_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.nova-premier"),
        MESSAGES_API,
        VISION_CAPS,
    ),
    // Nova 2 Lite takes the same `messages` body as the first Nova models.
    pattern(
        ModelMatch::Prefix("amazon.nova-2-lite"),
        MESSAGES_API,
        VISION_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.nova-canvas"),
        CANVAS_API,
        IMAGE_CAPS,
    ),
];

/// The limits of one Nova understanding model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessagesModelLimits {
    /// The model's display name.
    pub name: &'static str,
    /// The largest `inferenceConfig.maxTokens` it accepts.
    pub max_tokens: u32,
    /// Whether it reads images (Micro does not).
    pub vision: bool,
}

/// The largest `maxTokens` of Micro, Lite, Pro and Nova 2 Lite.
pub const MAX_TOKENS: u32 = 10_000;
/// The largest `maxTokens` of Premier.
pub const PREMIER_MAX_TOKENS: u32 = 32_000;
/// The largest `inferenceConfig.topK`.
pub const MAX_TOP_K: u32 = 128;
/// The most `inferenceConfig.stopSequences`.
pub const MAX_STOP_SEQUENCES: usize = 4;

/// The limits of the Nova understanding model behind a bare model id. An id the patterns send
/// here but this does not know gets Lite's limits, which are neither the largest nor
/// text-only; Bedrock still checks.
pub fn messages_model_limits(base_model_id: &str) -> MessagesModelLimits {
    if base_model_id.starts_with("amazon.nova-micro") {
        MessagesModelLimits {
            name: "Nova Micro",
            max_tokens: MAX_TOKENS,
            vision: false,
        }
    } else if base_model_id.starts_with("amazon.nova-premier") {
        MessagesModelLimits {
            name: "Nova Premier",
            max_tokens: PREMIER_MAX_TOKENS,
            vision: true,
        }
    } else if base_model_id.starts_with("amazon.nova-2-lite") {
        MessagesModelLimits {
            name: "Nova 2 Lite",
            max_tokens: MAX_TOKENS,
            vision: true,
        }
    } else if base_model_id.starts_with("amazon.nova-pro") {
        MessagesModelLimits {
            name: "Nova Pro",
            max_tokens: MAX_TOKENS,
            vision: true,
        }
    } else {
        MessagesModelLimits {
            name: "Nova Lite",
            max_tokens: MAX_TOKENS,
            vision: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-model limits and the patterns' capabilities must agree about images, or the
    /// registry would promise vision that the body builder then refuses (or the reverse).
    #[test]
    fn vision_limits_agree_with_the_patterns() {
        for p in MODEL_PATTERNS.iter().filter(|p| p.api == MESSAGES_API) {
            let ModelMatch::Prefix(prefix) = p.matches else {
                panic!("{:?} is not a prefix", p.matches)
            };
            let id = format!("{prefix}-v1:0");
            assert_eq!(
                messages_model_limits(&id).vision,
                p.capabilities.vision,
                "{id}"
            );
        }
    }
}
