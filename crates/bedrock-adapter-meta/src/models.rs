//! Which Meta Llama model ids the adapter serves, through which API, and each model's limits
//! and prompt template.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// Llama 3 and later on Bedrock: a `prompt` in the model's chat template, `max_gen_len`,
/// sampling values and, for the models that read them, `images`; `generation` out, streamed as
/// chunks of the same shape.
pub const LLAMA_API: &str = "meta-llama";
/// Every API of the adapter.
pub const APIS: &[&str] = &[LLAMA_API];

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

const fn pattern(prefix: &'static str, capabilities: Capabilities) -> ModelPattern {
    ModelPattern {
        matches: ModelMatch::Prefix(prefix),
        api: LLAMA_API,
        capabilities,
    }
}

/// The ids the adapter serves; in a registry the most specific pattern of all adapters wins, so
/// the vision models' longer prefixes take them from the text-only `meta.llama3-`. Llama 2
/// (`meta.llama2-`) speaks another template and is not served.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern("meta.llama3-", TEXT_CAPS),
    pattern("meta.llama3-2-11b", VISION_CAPS),
    pattern("meta.llama3-2-90b", VISION_CAPS),
    pattern("meta.llama4-", VISION_CAPS),
];

/// The largest `max_gen_len` of any Llama model on Bedrock (the published schema's bound).
pub const MAX_GEN_LEN: u32 = 2_048;
/// The most images any Llama model on Bedrock reads in one request.
pub const MAX_IMAGES: usize = 5;

/// Which chat template a model was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptTemplate {
    /// Llama 3, 3.1, 3.2 and 3.3:
    /// `<|start_header_id|>{role}<|end_header_id|>\n\n{text}<|eot_id|>`.
    Llama3,
    /// Llama 4: `<|header_start|>{role}<|header_end|>\n\n{text}<|eot|>`.
    Llama4,
}

/// The limits of one Llama model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// The model family's display name.
    pub name: &'static str,
    /// The chat template its prompts are built in.
    pub template: PromptTemplate,
    /// The largest `max_gen_len` it accepts.
    pub max_gen_len: u32,
    /// The most images it reads in one request; 0 for a text-only model.
    pub max_images: usize,
}

/// The limits of the Llama model behind a bare model id.
///
/// Bedrock's Meta reference gives every model `max_gen_len` `1..=2048`. The image counts are
/// Meta's: the Llama 3.2 Vision models take one image per prompt, Llama 4 up to five.
pub fn model_limits(base_model_id: &str) -> ModelLimits {
    let vision_3_2 = ["meta.llama3-2-11b", "meta.llama3-2-90b"];
    if base_model_id.starts_with("meta.llama4-") {
        ModelLimits {
            name: "Llama 4",
            template: PromptTemplate::Llama4,
            max_gen_len: MAX_GEN_LEN,
            max_images: MAX_IMAGES,
        }
    } else if vision_3_2.iter().any(|p| base_model_id.starts_with(p)) {
        ModelLimits {
            name: "Llama 3.2 Vision",
            template: PromptTemplate::Llama3,
            max_gen_len: MAX_GEN_LEN,
            max_images: 1,
        }
    } else {
        ModelLimits {
            name: "Llama 3",
            template: PromptTemplate::Llama3,
            max_gen_len: MAX_GEN_LEN,
            max_images: 0,
        }
    }
}
