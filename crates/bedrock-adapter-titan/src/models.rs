//! Which Titan model ids the adapter serves, through which API, and each model's limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// Titan Text (`inputText` + `textGenerationConfig`), streamed or not.
pub const TEXT_API: &str = "titan-text";
/// Titan Text Embeddings G1 and V2 (`inputText`, V2 adds `dimensions` and `normalize`).
pub const EMBEDDINGS_API: &str = "titan-embeddings";
/// Titan Multimodal Embeddings G1 (`inputText` and/or `inputImage`, `embeddingConfig`).
pub const MULTIMODAL_EMBEDDINGS_API: &str = "titan-multimodal-embeddings";
/// Titan Image Generator G1 v1 and v2: `taskType` with that task's parameters object (text to
/// image, inpainting, outpainting, image variation; v2 adds colour-guided generation and
/// background removal) and `imageGenerationConfig`.
pub const IMAGE_API: &str = "titan-image";

/// Every API of the adapter.
pub const APIS: &[&str] = &[
    TEXT_API,
    EMBEDDINGS_API,
    MULTIMODAL_EMBEDDINGS_API,
    IMAGE_API,
];

const TEXT_CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};
const EMBEDDING_CAPS: Capabilities = Capabilities {
    embedding: true,
    ..Capabilities::NONE
};
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

/// The ids the adapter serves. Text and image models match by prefix so provisioned-throughput
/// variants (`amazon.titan-text-express-v1:0:8k`) resolve too; the embeddings patterns are
/// chosen so that `amazon.titan-embed-image-v1` (multimodal) never lands on the text
/// embeddings API.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern(
        ModelMatch::Prefix("amazon.titan-text-express"),
        TEXT_API,
        TEXT_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-text-lite"),
        TEXT_API,
        TEXT_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-text-premier"),
        TEXT_API,
        TEXT_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-tg1-large"),
        TEXT_API,
        TEXT_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-embed-text-v1"),
        EMBEDDINGS_API,
        EMBEDDING_CAPS,
    ),
    pattern(
        ModelMatch::Exact("amazon.titan-embed-g1-text-02"),
        EMBEDDINGS_API,
        EMBEDDING_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-embed-text-v2"),
        EMBEDDINGS_API,
        EMBEDDING_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-embed-image-v1"),
        MULTIMODAL_EMBEDDINGS_API,
        EMBEDDING_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-image-generator-v1"),
        IMAGE_API,
        IMAGE_CAPS,
    ),
    pattern(
        ModelMatch::Prefix("amazon.titan-image-generator-v2"),
        IMAGE_API,
        IMAGE_CAPS,
    ),
];

/// The limits of one Titan Text model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextModelLimits {
    /// The model's display name.
    pub name: &'static str,
    /// The largest `textGenerationConfig.maxTokenCount` it accepts.
    pub max_token_count: u32,
}

/// The limits of the Titan Text model behind a bare model id (Express's for unknown ids, the
/// largest, so nothing valid is refused; Bedrock still checks).
pub fn text_model_limits(base_model_id: &str) -> TextModelLimits {
    if base_model_id.starts_with("amazon.titan-text-premier") {
        TextModelLimits {
            name: "Titan Text G1 - Premier",
            max_token_count: 3072,
        }
    } else if base_model_id.starts_with("amazon.titan-text-lite") {
        TextModelLimits {
            name: "Titan Text G1 - Lite",
            max_token_count: 4096,
        }
    } else {
        TextModelLimits {
            name: "Titan Text G1 - Express",
            max_token_count: 8192,
        }
    }
}

/// Which generation of Titan Text Embeddings a model id is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingsGeneration {
    /// Titan Embeddings G1 - Text (`amazon.titan-embed-text-v1`, `amazon.titan-embed-g1-text-02`):
    /// `inputText` only.
    G1,
    /// Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`): adds `dimensions`,
    /// `normalize` and `embeddingTypes`.
    V2,
}

impl EmbeddingsGeneration {
    /// The generation of a bare model id. `amazon.titan-embed-g1-text-02` is treated as G1:
    /// its published request format is G1's, so the V2-only fields are not sent to it.
    pub fn of(base_model_id: &str) -> Self {
        if base_model_id.starts_with("amazon.titan-embed-text-v2") {
            EmbeddingsGeneration::V2
        } else {
            EmbeddingsGeneration::G1
        }
    }
}

/// Which version of Titan Image Generator G1 a model id is: the version decides which task
/// types it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageGeneratorVersion {
    /// Titan Image Generator G1 (`amazon.titan-image-generator-v1`): text to image,
    /// inpainting, outpainting and image variation.
    V1,
    /// Titan Image Generator G1 v2 (`amazon.titan-image-generator-v2:0`): adds colour-guided
    /// generation and background removal.
    V2,
}

impl ImageGeneratorVersion {
    /// The version of a bare model id (v1 for ids that are not v2, so the v2-only tasks are
    /// refused rather than sent to a model that may not take them).
    pub fn of(base_model_id: &str) -> Self {
        if base_model_id.starts_with("amazon.titan-image-generator-v2") {
            ImageGeneratorVersion::V2
        } else {
            ImageGeneratorVersion::V1
        }
    }

    /// The model's display name.
    pub fn name(self) -> &'static str {
        match self {
            ImageGeneratorVersion::V1 => "Titan Image Generator G1",
            ImageGeneratorVersion::V2 => "Titan Image Generator G1 v2",
        }
    }
}
