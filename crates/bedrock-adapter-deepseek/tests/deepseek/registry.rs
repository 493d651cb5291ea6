//! Registry resolution: the adapter's ids resolve to it through bare ids, inference-profile ids
//! and ARNs; every DeepSeek model of the catalog is served with the capabilities the catalog
//! gives it; other ids are a miss that names the adapter; registering it again replaces it.

use std::sync::Arc;

use bedrock_adapter_deepseek::{ADAPTER_NAME, DeepSeekAdapter, TEXT_API};
use bedrock_core::catalog::foundation_models;
use bedrock_core::{Error, Modality, ModelAdapter};
use bedrock_testkit::assert_resolves;

use crate::{MODEL, id, registry, route};

#[test]
fn bare_ids_profiles_and_arns_resolve_to_the_adapter() {
    let registry = registry();
    for model_id in [
        MODEL.to_owned(),
        format!("us.{MODEL}"),
        format!("eu.{MODEL}"),
        format!("arn:aws:bedrock:us-east-1::foundation-model/{MODEL}"),
        format!("arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.{MODEL}"),
        format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{MODEL}"),
    ] {
        assert_resolves(&registry, &model_id, ADAPTER_NAME, TEXT_API);
        assert_eq!(route(&model_id).base_model_id, MODEL, "{model_id}");
    }
}

#[test]
fn every_catalog_model_of_the_family_is_served_as_the_catalog_says() {
    let registry = registry();
    let family: Vec<_> = foundation_models()
        .iter()
        // DeepSeek-V3.1 (`deepseek.v3*`) takes the chat-completions body: the chat-completions
        // adapter serves it.
        .filter(|m| m.model_id.starts_with("deepseek.r1"))
        .collect();
    assert!(!family.is_empty(), "no DeepSeek model in the catalog");
    for model in family {
        let id = model.model_id;
        assert_resolves(&registry, id, ADAPTER_NAME, TEXT_API);
        let caps = route(id).capabilities();
        assert!(caps.text && caps.chat, "{id}: {caps:?}");
        assert_eq!(caps.streaming, model.response_streaming, "{id}");
        assert_eq!(
            caps.vision,
            model.input_modalities.contains(&Modality::Image),
            "{id}"
        );
        for geo in model.profiles {
            let profile = format!("{}.{id}", geo.as_str());
            assert_resolves(&registry, &profile, ADAPTER_NAME, TEXT_API);
        }
    }
}

#[test]
fn other_ids_are_a_miss_naming_the_adapter() {
    for other in [
        "deepseek.v3-v1:0",
        "xdeepseek.r1-v1:0",
        "meta.llama3-8b-instruct-v1:0",
    ] {
        let err = registry().resolve(&id(other)).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{other}: {err}");
        assert!(
            err.to_string().contains("deepseek (deepseek.r1*)"),
            "{other}: {err}"
        );
    }
}

#[test]
fn registering_again_replaces_the_adapter() {
    let registry = registry();
    let adapter: Arc<dyn ModelAdapter> = Arc::new(DeepSeekAdapter);
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
