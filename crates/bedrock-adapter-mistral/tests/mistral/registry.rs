//! Registry resolution: the adapter's ids resolve to it, and to the right API, through bare ids,
//! inference-profile ids and ARNs; every Mistral model of the catalog is served with the
//! capabilities the catalog gives it; other ids are a miss that names the adapter; registering
//! it again replaces it.

use std::sync::Arc;

use bedrock_adapter_mistral::models::model_limits;
use bedrock_adapter_mistral::{ADAPTER_NAME, CHAT_API, MistralAdapter, TEXT_API};
use bedrock_core::catalog::foundation_models;
use bedrock_core::{Error, Modality, ModelAdapter};
use bedrock_testkit::assert_resolves;

use crate::{CHAT_MODEL, MODEL, VISION_MODEL, id, registry, route};

#[test]
fn bare_ids_profiles_and_arns_resolve_to_the_adapter() {
    let registry = registry();
    for (model, api) in [(MODEL, TEXT_API), (CHAT_MODEL, CHAT_API)] {
        for model_id in [
            model.to_owned(),
            format!("us.{model}"),
            format!("global.{model}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{model}"),
            format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{model}"),
        ] {
            assert_resolves(&registry, &model_id, ADAPTER_NAME, api);
            assert_eq!(route(&model_id).base_model_id, model, "{model_id}");
        }
    }
    let vision = route(VISION_MODEL);
    assert_eq!(vision.base_model_id, "mistral.pixtral-large-2502-v1:0");
    assert_eq!(vision.api(), CHAT_API);
    assert!(vision.capabilities().vision);
    assert!(!route(CHAT_MODEL).capabilities().vision);
}

/// Every Mistral model of the catalog resolves, through its bare id and each of its profiles,
/// with the catalog's streaming and image input; Large 24.07 and Pixtral take chat completions,
/// the others text completions.
#[test]
fn every_catalog_model_of_the_family_is_served_as_the_catalog_says() {
    let registry = registry();
    let family: Vec<_> = foundation_models()
        .iter()
        // Magistral and Mistral Large 3 take the chat-completions body: the chat-completions
        // adapter serves them.
        .filter(|m| {
            m.model_id.starts_with("mistral.")
                && !m.model_id.starts_with("mistral.magistral-")
                && !m.model_id.starts_with("mistral.mistral-large-3")
        })
        .collect();
    assert!(family.len() >= 6, "only {} Mistral models", family.len());
    for model in family {
        let id = model.model_id;
        let api = if id.contains("large-2407") || id.contains("pixtral") {
            CHAT_API
        } else {
            TEXT_API
        };
        assert_resolves(&registry, id, ADAPTER_NAME, api);
        let caps = route(id).capabilities();
        assert!(caps.text && caps.chat, "{id}: {caps:?}");
        assert_eq!(caps.streaming, model.response_streaming, "{id}");
        let reads_images = model.input_modalities.contains(&Modality::Image);
        assert_eq!(caps.vision, reads_images, "{id}");
        assert_eq!(model_limits(id).max_images > 0, reads_images, "{id}");
        assert_ne!(
            model_limits(id).name,
            "Mistral",
            "{id} has no limits of its own"
        );
        for geo in model.profiles {
            let profile = format!("{}.{id}", geo.as_str());
            assert_resolves(&registry, &profile, ADAPTER_NAME, api);
        }
    }
}

#[test]
fn other_ids_are_a_miss_naming_the_adapter() {
    for other in [
        "mistral.mistral-large-2411-v1:0",
        "xmistral.mistral-7b-instruct-v0:2",
        "meta.llama3-8b-instruct-v1:0",
    ] {
        let err = registry().resolve(&id(other)).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{other}: {err}");
        assert!(
            err.to_string()
                .contains("mistral (mistral.mistral-7b-instruct*, "),
            "{other}: {err}"
        );
    }
}

#[test]
fn registering_again_replaces_the_adapter() {
    let registry = registry();
    let adapter: Arc<dyn ModelAdapter> = Arc::new(MistralAdapter);
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
    assert!(capabilities.vision && !capabilities.embedding && !capabilities.image);
}
