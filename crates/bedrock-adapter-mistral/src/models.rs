//! Which Mistral AI model ids the adapter serves, through which API, and each model's limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// Text completion: a `prompt` with `[INST]` markers in, `outputs` out, streamed as chunks of
/// the same shape (Mistral 7B, Mixtral 8x7B, Mistral Small and Large 24.02).
pub const TEXT_API: &str = "mistral-text";
/// Chat completion: `messages` (and tools) in, `choices` out, streamed as chunks of the same
/// shape (Mistral Large 24.07, Pixtral Large 25.02 with images).
pub const CHAT_API: &str = "mistral-chat";
/// Every API of the adapter.
pub const APIS: &[&str] = &[TEXT_API, CHAT_API];

const TEXT_CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};
const VISION_CAPS: Capabilities = Capabilities {
    vision: true,
    ..TEXT_CAPS
};

const fn pattern(
    prefix: &'static str,
    api: &'static str,
    capabilities: Capabilities,
) -> ModelPattern {
    ModelPattern {
        matches: ModelMatch::Prefix(prefix),
        api,
        capabilities,
    }
}

/// The ids the adapter serves, each model by its own prefix: which body a Mistral model takes
/// depends on the model, so an unknown `mistral.` id is a miss rather than a guess.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern("mistral.mistral-7b-instruct", TEXT_API, TEXT_CAPS),
    pattern("mistral.mixtral-8x7b-instruct", TEXT_API, TEXT_CAPS),
    pattern("mistral.mistral-small-2402", TEXT_API, TEXT_CAPS),
    pattern("mistral.mistral-large-2402", TEXT_API, TEXT_CAPS),
    pattern("mistral.mistral-large-2407", CHAT_API, TEXT_CAPS),
    pattern("mistral.pixtral-large-2502", CHAT_API, VISION_CAPS),
];

/// The largest `max_tokens` of any Mistral model on Bedrock (the published schemas' bound).
pub const MAX_TOKENS: u32 = 8_192;
/// The most `stop` sequences a body takes.
pub const MAX_STOP_SEQUENCES: usize = 10;
/// The largest `top_k` of the text-completion body.
pub const MAX_TOP_K: u32 = 200;
/// The most images Pixtral reads in one request.
pub const MAX_IMAGES: usize = 8;
/// The largest image Pixtral reads, in bytes before base64 encoding (10 MB).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// The limits of one Mistral model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// The model's display name.
    pub name: &'static str,
    /// The largest `max_tokens` it accepts.
    pub max_tokens: u32,
    /// The most images it reads in one request; 0 for a text-only model.
    pub max_images: usize,
}

/// The limits of the Mistral model behind a bare model id: Bedrock's Mistral reference gives
/// Mixtral 8x7B `max_tokens` up to 4096 and the others 8192; Pixtral reads up to 8 images.
pub fn model_limits(base_model_id: &str) -> ModelLimits {
    let model = |name, max_tokens, max_images| ModelLimits {
        name,
        max_tokens,
        max_images,
    };
    let name = base_model_id
        .strip_prefix("mistral.")
        .unwrap_or(base_model_id);
    if name.starts_with("mixtral-8x7b") {
        model("Mixtral 8x7B Instruct", 4_096, 0)
    } else if name.starts_with("mistral-7b") {
        model("Mistral 7B Instruct", MAX_TOKENS, 0)
    } else if name.starts_with("mistral-small-2402") {
        model("Mistral Small (24.02)", MAX_TOKENS, 0)
    } else if name.starts_with("mistral-large-2402") {
        model("Mistral Large (24.02)", MAX_TOKENS, 0)
    } else if name.starts_with("mistral-large-2407") {
        model("Mistral Large (24.07)", MAX_TOKENS, 0)
    } else if name.starts_with("pixtral-large") {
        model("Pixtral Large (25.02)", MAX_TOKENS, MAX_IMAGES)
    } else {
        model("Mistral", MAX_TOKENS, 0)
    }
}
