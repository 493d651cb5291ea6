//! Which Converse features each model supports, as data: AWS's "Supported models and model
//! features" table for Converse, the prompt-caching and CountTokens model lists, and the
//! reasoning models, keyed by model-id prefix.

/// How a model reasons, and what asks it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reasoning {
    /// It does not.
    None,
    /// Claude's extended thinking: `additionalModelRequestFields.thinking =
    /// {"type": "enabled", "budget_tokens": N}`.
    ClaudeThinking,
    /// Amazon Nova 2's `additionalModelRequestFields.reasoningConfig = {"type": "enabled"}`.
    NovaReasoningConfig,
    /// On every call (DeepSeek-R1, gpt-oss).
    Always,
}

/// Where a model accepts prompt-cache checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caching {
    /// Nowhere: a cache point is refused.
    None,
    /// In the system prompt and the messages only (Amazon Nova).
    SystemAndMessages,
    /// In the system prompt, the messages and the tool list (Claude).
    Everywhere,
}

/// One model's Converse features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features {
    /// Several turns of conversation ("Limited. No chat support." models take one user turn).
    pub chat: bool,
    /// System prompts.
    pub system: bool,
    /// Document blocks ("document chat").
    pub documents: bool,
    /// Image blocks ("vision").
    pub images: bool,
    /// Tool use with Converse.
    pub tools: bool,
    /// Tool use with ConverseStream.
    pub streaming_tools: bool,
    /// `toolChoice` `any` and `tool` (the rest only take `auto`).
    pub forced_tool_choice: bool,
    /// Reasoning content.
    pub reasoning: Reasoning,
    /// Prompt caching.
    pub caching: Caching,
    /// CountTokens.
    pub count_tokens: bool,
}

/// A text model with every switch off, for the table's rows to start from.
const BASE: Features = Features {
    chat: true,
    system: true,
    documents: true,
    images: false,
    tools: false,
    streaming_tools: false,
    forced_tool_choice: false,
    reasoning: Reasoning::None,
    caching: Caching::None,
    count_tokens: false,
};

/// Claude 3 and later: everything but reasoning, caching and CountTokens.
const CLAUDE_3: Features = Features {
    images: true,
    tools: true,
    streaming_tools: true,
    forced_tool_choice: true,
    ..BASE
};

/// Claude 3.7 Sonnet and Claude 4.x: everything.
const CLAUDE_REASONING: Features = Features {
    reasoning: Reasoning::ClaudeThinking,
    caching: Caching::Everywhere,
    count_tokens: true,
    ..CLAUDE_3
};

/// Nova Lite, Pro and Premier.
const NOVA: Features = Features {
    images: true,
    tools: true,
    streaming_tools: true,
    forced_tool_choice: true,
    caching: Caching::SystemAndMessages,
    ..BASE
};

/// Meta Llama with tool use (3.1, 3.3): tools with Converse only.
const LLAMA_TOOLS: Features = Features {
    tools: true,
    ..BASE
};

/// Mistral Large: system prompts, documents, tools with Converse only.
const MISTRAL_LARGE: Features = Features {
    tools: true,
    forced_tool_choice: true,
    ..BASE
};

/// Model-id prefixes and their features; the first prefix that matches wins, so the more
/// specific ones come first. A text model the table does not list answers Converse with
/// Bedrock's "not a text or chat model" refusal.
const TABLE: &[(&str, Features)] = &[
    // Anthropic
    ("anthropic.claude-instant", BASE),
    ("anthropic.claude-v2", BASE),
    (
        "anthropic.claude-3-5-haiku",
        Features {
            images: false,
            caching: Caching::Everywhere,
            count_tokens: true,
            ..CLAUDE_3
        },
    ),
    (
        "anthropic.claude-3-5-sonnet",
        Features {
            count_tokens: true,
            ..CLAUDE_3
        },
    ),
    ("anthropic.claude-3-7-sonnet", CLAUDE_REASONING),
    ("anthropic.claude-3-", CLAUDE_3),
    ("anthropic.claude-sonnet-4", CLAUDE_REASONING),
    ("anthropic.claude-opus-4", CLAUDE_REASONING),
    ("anthropic.claude-haiku-4", CLAUDE_REASONING),
    // Amazon
    (
        "amazon.titan-text-premier",
        Features {
            system: false,
            documents: false,
            ..BASE
        },
    ),
    (
        "amazon.titan-text-",
        Features {
            system: false,
            ..BASE
        },
    ),
    (
        "amazon.nova-micro",
        Features {
            images: false,
            documents: false,
            ..NOVA
        },
    ),
    (
        "amazon.nova-2-lite",
        Features {
            reasoning: Reasoning::NovaReasoningConfig,
            ..NOVA
        },
    ),
    ("amazon.nova-lite", NOVA),
    ("amazon.nova-pro", NOVA),
    ("amazon.nova-premier", NOVA),
    // Meta
    ("meta.llama3-1-", LLAMA_TOOLS),
    ("meta.llama3-3-", LLAMA_TOOLS),
    ("meta.llama3-2-1b", BASE),
    ("meta.llama3-2-3b", BASE),
    (
        "meta.llama3-2-",
        Features {
            images: true,
            ..LLAMA_TOOLS
        },
    ),
    (
        "meta.llama4-",
        Features {
            images: true,
            ..LLAMA_TOOLS
        },
    ),
    ("meta.llama3-", BASE),
    // Mistral AI
    (
        "mistral.mistral-7b",
        Features {
            system: false,
            ..BASE
        },
    ),
    (
        "mistral.mixtral-",
        Features {
            system: false,
            ..BASE
        },
    ),
    (
        "mistral.mistral-small",
        Features {
            documents: false,
            tools: true,
            ..BASE
        },
    ),
    (
        "mistral.pixtral-large",
        Features {
            images: true,
            ..MISTRAL_LARGE
        },
    ),
    (
        "mistral.mistral-large-3",
        Features {
            images: true,
            ..MISTRAL_LARGE
        },
    ),
    (
        "mistral.magistral-small",
        Features {
            images: true,
            ..MISTRAL_LARGE
        },
    ),
    ("mistral.mistral-large", MISTRAL_LARGE),
    // Cohere
    (
        "cohere.command-r",
        Features {
            tools: true,
            streaming_tools: true,
            ..BASE
        },
    ),
    (
        "cohere.command-light",
        Features {
            chat: false,
            system: false,
            documents: false,
            ..BASE
        },
    ),
    (
        "cohere.command-text",
        Features {
            chat: false,
            system: false,
            ..BASE
        },
    ),
    // AI21 Labs
    (
        "ai21.jamba-instruct",
        Features {
            documents: false,
            ..BASE
        },
    ),
    (
        "ai21.jamba-1-5",
        Features {
            tools: true,
            ..BASE
        },
    ),
    // DeepSeek
    (
        "deepseek.r1",
        Features {
            reasoning: Reasoning::Always,
            ..BASE
        },
    ),
    (
        "deepseek.v3",
        Features {
            tools: true,
            ..BASE
        },
    ),
    // OpenAI
    (
        "openai.gpt-oss",
        Features {
            documents: false,
            tools: true,
            streaming_tools: true,
            reasoning: Reasoning::Always,
            ..BASE
        },
    ),
    // Qwen
    (
        "qwen.qwen3",
        Features {
            documents: false,
            tools: true,
            streaming_tools: true,
            ..BASE
        },
    ),
    // Writer
    (
        "writer.palmyra",
        Features {
            tools: true,
            ..BASE
        },
    ),
];

/// The Converse features of `model_id` (a bare catalog id), or `None` for a model Converse does
/// not serve (embeddings, images, video, speech, rerank).
pub(crate) fn features(model_id: &str) -> Option<Features> {
    TABLE
        .iter()
        .find(|(prefix, _)| model_id.starts_with(prefix))
        .map(|(_, f)| *f)
}

/// The table's rows, for the documentation test.
#[cfg(test)]
pub(crate) fn rows() -> &'static [(&'static str, Features)] {
    TABLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_core::Modality;

    #[test]
    fn every_text_model_of_the_catalog_has_a_row_and_no_other_does() {
        for m in bedrock_core::catalog::foundation_models() {
            let chat = m.output_modalities.contains(&Modality::Text)
                && !m.model_id.contains("rerank")
                && !m.model_id.contains("sonic");
            assert_eq!(
                features(m.model_id).is_some(),
                chat,
                "{} (outputs {:?})",
                m.model_id,
                m.output_modalities
            );
        }
    }

    #[test]
    fn every_row_matches_a_catalog_model() {
        for (prefix, _) in rows() {
            assert!(
                bedrock_core::catalog::foundation_models()
                    .iter()
                    .any(|m| m.model_id.starts_with(prefix)),
                "{prefix} matches no catalog model"
            );
        }
    }

    #[test]
    fn specific_rows_win() {
        let haiku35 = features("anthropic.claude-3-5-haiku-20241022-v1:0").unwrap();
        assert!(!haiku35.images && haiku35.tools);
        let haiku3 = features("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        assert!(haiku3.images && haiku3.caching == Caching::None);
        let premier = features("amazon.titan-text-premier-v1:0").unwrap();
        assert!(!premier.documents);
        assert!(features("amazon.titan-text-express-v1").unwrap().documents);
        assert!(features("amazon.titan-embed-text-v2:0").is_none());
        assert!(features("meta.llama3-2-11b-instruct-v1:0").unwrap().images);
        assert!(!features("meta.llama3-2-1b-instruct-v1:0").unwrap().tools);
    }
}
