//! Registry resolution: the adapter's ids resolve to it through bare ids, inference-profile ids
//! and ARNs; other ids are a miss that names it; registering it again replaces it.

use std::sync::Arc;

use bedrock_adapter_chat_completions::{ADAPTER_NAME, CHAT_API, ChatCompletionsAdapter};
use bedrock_core::{Error, ModelAdapter};
use bedrock_testkit::assert_resolves;

use crate::{MODEL, MODELS, id, registry, route};

#[test]
fn bare_ids_profiles_and_arns_resolve_to_the_adapter() {
    let registry = registry();
    for &model in MODELS {
        for model_id in [
            model.to_owned(),
            format!("us.{model}"),
            format!("global.{model}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{model}"),
            format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{model}"),
        ] {
            assert_resolves(&registry, &model_id, ADAPTER_NAME, CHAT_API);
            assert_eq!(route(&model_id).base_model_id, model, "{model_id}");
        }
    }
}

#[test]
fn other_ids_are_a_miss_naming_the_adapter() {
    let err = registry().resolve(&id(&format!("x{MODEL}"))).unwrap_err();
    assert!(matches!(err, Error::NoAdapter { .. }), "{err}");
    let listed = "chat-completions (openai.gpt-oss-*, qwen.qwen3-*, deepseek.v3*, \
                  writer.palmyra-x*, mistral.magistral-*, mistral.mistral-large-3*)";
    assert!(err.to_string().contains(listed), "{err}");
}

#[test]
fn registering_again_replaces_the_adapter() {
    let registry = registry();
    let adapter: Arc<dyn ModelAdapter> = Arc::new(ChatCompletionsAdapter);
    let previous = registry.register(adapter);
    assert_eq!(
        previous.map(|a| a.name().to_owned()).as_deref(),
        Some(ADAPTER_NAME)
    );
    assert_eq!(registry.adapters().len(), 1);
    let capabilities = registry
        .get(ADAPTER_NAME)
        .expect("registered")
        .capabilities();
    assert!(capabilities.text && capabilities.chat && capabilities.streaming);
    assert!(!capabilities.vision && !capabilities.embedding && !capabilities.image);
}
