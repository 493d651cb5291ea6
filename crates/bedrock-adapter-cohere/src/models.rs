//! Which Cohere model ids the adapter serves, through which API, and each model's limits.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

/// Command and Command Light (v14): `prompt` in, `generations` out, streamed.
pub const COMMAND_API: &str = "cohere-command";
/// Command R and Command R+: `message`, `chat_history` and `preamble` in, `text` out, streamed
/// as `event_type` events.
pub const CHAT_API: &str = "cohere-chat";
/// Embed English and Embed Multilingual (v3): `texts` and `input_type` in, `embeddings` out.
pub const EMBED_API: &str = "cohere-embed";
/// Embed v4: `texts` or data-URI `images` in, with a chosen `output_dimension`; `embeddings` out.
pub const EMBED_V4_API: &str = "cohere-embed-v4";
/// Rerank 3.5: `query` and `documents` in, `results` (index and relevance score) out.
pub const RERANK_API: &str = "cohere-rerank";

/// Every API of the adapter.
pub const APIS: &[&str] = &[COMMAND_API, CHAT_API, EMBED_API, EMBED_V4_API, RERANK_API];

const COMMAND_CAPS: Capabilities = Capabilities {
    text: true,
    streaming: true,
    ..Capabilities::NONE
};
const CHAT_CAPS: Capabilities = Capabilities {
    text: true,
    chat: true,
    streaming: true,
    ..Capabilities::NONE
};
const EMBED_CAPS: Capabilities = Capabilities {
    embedding: true,
    ..Capabilities::NONE
};
const RERANK_CAPS: Capabilities = Capabilities {
    rerank: true,
    ..Capabilities::NONE
};

const fn pattern(prefix: &'static str, api: &'static str, caps: Capabilities) -> ModelPattern {
    ModelPattern {
        matches: ModelMatch::Prefix(prefix),
        api,
        capabilities: caps,
    }
}

/// The ids the adapter serves: one prefix per catalog model, so provisioned-throughput variants
/// (`cohere.command-text-v14:7:4k`) resolve too, and a Cohere model with another body format is
/// a miss rather than a wrong body.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern("cohere.command-text-v14", COMMAND_API, COMMAND_CAPS),
    pattern("cohere.command-light-text-v14", COMMAND_API, COMMAND_CAPS),
    pattern("cohere.command-r-v1", CHAT_API, CHAT_CAPS),
    pattern("cohere.command-r-plus-v1", CHAT_API, CHAT_CAPS),
    pattern("cohere.embed-english-v3", EMBED_API, EMBED_CAPS),
    pattern("cohere.embed-multilingual-v3", EMBED_API, EMBED_CAPS),
    pattern("cohere.embed-v4", EMBED_V4_API, EMBED_CAPS),
    pattern("cohere.rerank-v3-5", RERANK_API, RERANK_CAPS),
];

/// The largest `max_tokens` of any Command (v14) model; the published schema's bound.
pub const COMMAND_MAX_TOKENS: u32 = 4_096;
/// The most `stop_sequences` Command (v14) takes.
pub const COMMAND_MAX_STOP_SEQUENCES: usize = 4;
/// The largest `num_generations` Command (v14) takes.
pub const COMMAND_MAX_GENERATIONS: u32 = 5;
/// The largest Command (v14) `temperature`.
pub const COMMAND_MAX_TEMPERATURE: f32 = 5.0;

/// The largest `max_tokens` of any Command R model; the published schema's bound.
pub const CHAT_MAX_TOKENS: u32 = 4_000;
/// The most `stop_sequences` Command R takes.
pub const CHAT_MAX_STOP_SEQUENCES: usize = 5;

/// The most entries of `texts` in one Embed call.
pub const EMBED_MAX_TEXTS: usize = 96;
/// The most characters of one entry of `texts`.
pub const EMBED_MAX_TEXT_CHARS: usize = 2_048;

/// The vector lengths Embed v4 offers (`output_dimension`).
pub const EMBED_V4_DIMENSIONS: &[u32] = &[256, 512, 1024, 1536];
/// The largest Embed v4 `max_tokens`.
pub const EMBED_V4_MAX_TOKENS: u32 = 128_000;

/// The most documents of one Rerank call.
pub const RERANK_MAX_DOCUMENTS: u32 = 1_000;
/// The largest `max_tokens_per_doc` of Rerank.
pub const RERANK_MAX_TOKENS_PER_DOC: u32 = 4_096;
/// The `api_version` Bedrock's Rerank takes.
pub const RERANK_API_VERSION: u32 = 2;

/// Top-k's bound, the same for Command and Command R.
pub const MAX_K: u32 = 500;

/// The limits of one Command (v14) or Command R model that validation checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerationLimits {
    /// The model's display name, for error messages.
    pub name: &'static str,
    /// The largest `max_tokens` it accepts.
    pub max_tokens: u32,
}

/// The limits of the Command (v14) model behind a bare id. AWS documents the same bounds for
/// Command and Command Light; they are kept per model so that a change to one stays local.
pub fn command_limits(base_model_id: &str) -> GenerationLimits {
    let name = if base_model_id.starts_with("cohere.command-light-text-v14") {
        "Command Light"
    } else {
        "Command"
    };
    GenerationLimits {
        name,
        max_tokens: COMMAND_MAX_TOKENS,
    }
}

/// The limits of the Command R model behind a bare id (Command R's and Command R+'s bounds are
/// documented together and are the same).
pub fn chat_limits(base_model_id: &str) -> GenerationLimits {
    let name = if base_model_id.starts_with("cohere.command-r-plus") {
        "Command R+"
    } else {
        "Command R"
    };
    GenerationLimits {
        name,
        max_tokens: CHAT_MAX_TOKENS,
    }
}

/// The display name of the Embed model behind a bare id, for error messages.
pub fn embed_model_name(base_model_id: &str) -> &'static str {
    if base_model_id.starts_with("cohere.embed-multilingual") {
        "Embed Multilingual v3"
    } else {
        "Embed English v3"
    }
}
