//! Registry resolution: every Nova model of the catalog resolves to the adapter and the API its
//! modalities call for, with the catalog's capabilities, through bare ids, inference-profile ids
//! and ARNs; other ids are a miss that names the adapter; registering it again replaces it.

use std::sync::Arc;

use bedrock_adapter_nova::{ADAPTER_NAME, CANVAS_API, MESSAGES_API, NovaAdapter};
use bedrock_core::catalog::{self, Modality};
use bedrock_core::{Error, ModelAdapter};
use bedrock_testkit::assert_resolves;

use crate::{id, registry, route};

#[test]
fn every_catalog_nova_model_resolves_with_the_catalogs_capabilities() {
    let registry = registry();
    // Nova Reel (video) and Sonic (speech) have no InvokeModel body: no adapter serves them.
    let invoke_model = |m: &catalog::CatalogModel| {
        !m.output_modalities
            .iter()
            .any(|o| matches!(o, Modality::Video | Modality::Speech))
    };
    let nova: Vec<_> = catalog::foundation_models()
        .iter()
        .filter(|m| m.model_id.starts_with("amazon.nova-") && invoke_model(m))
        .collect();
    assert!(nova.len() >= 5, "{} Nova models in the catalog", nova.len());
    for model in nova {
        let text = model.output_modalities.contains(&Modality::Text);
        let api = if text { MESSAGES_API } else { CANVAS_API };
        let mut ids = vec![
            model.model_id.to_owned(),
            format!(
                "arn:aws:bedrock:us-east-1::foundation-model/{}",
                model.model_id
            ),
        ];
        for geo in model.profiles {
            ids.push(format!("{}.{}", geo.as_str(), model.model_id));
            ids.push(format!(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/{}.{}",
                geo.as_str(),
                model.model_id
            ));
        }
        for raw in ids {
            assert_resolves(&registry, &raw, ADAPTER_NAME, api);
            let route = route(&raw);
            assert_eq!(route.base_model_id, model.model_id, "{raw}");
            assert_eq!(route.model_id.as_str(), raw, "{raw}");
            let caps = route.capabilities();
            assert_eq!(caps.streaming, model.response_streaming, "{raw}: streaming");
            assert_eq!((caps.text, caps.chat), (text, text), "{raw}: text and chat");
            assert_eq!(
                caps.vision,
                text && model.input_modalities.contains(&Modality::Image),
                "{raw}: vision"
            );
            assert_eq!(
                caps.image,
                model.output_modalities.contains(&Modality::Image),
                "{raw}: image"
            );
            assert!(!caps.embedding, "{raw}: embedding");
        }
    }
}

#[test]
fn provisioned_variants_and_global_profiles_resolve() {
    let registry = registry();
    for (raw, api) in [
        ("amazon.nova-pro-v1:0:300k", MESSAGES_API),
        ("global.amazon.nova-lite-v1:0", MESSAGES_API),
        ("apac.amazon.nova-micro-v1:0", MESSAGES_API),
        ("amazon.nova-canvas-v1:0", CANVAS_API),
    ] {
        assert_resolves(&registry, raw, ADAPTER_NAME, api);
    }
}

/// Nova Reel and Sonic speak other formats: they must stay a miss rather than get a messages
/// body.
#[test]
fn other_ids_are_a_miss_naming_the_adapter() {
    for raw in [
        "amazon.nova-reel-v1:0",
        "amazon.nova-sonic-v1:0",
        "amazon.titan-text-express-v1",
        "xamazon.nova-lite-v1:0",
    ] {
        let err = registry().resolve(&id(raw)).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{raw}: {err}");
        assert!(
            err.to_string().contains(
                "nova (amazon.nova-micro*, amazon.nova-lite*, amazon.nova-pro*, amazon.nova-premier*, amazon.nova-2-lite*, amazon.nova-canvas*)"
            ),
            "{err}"
        );
    }
}

#[test]
fn registering_again_replaces_the_adapter() {
    let registry = registry();
    let adapter: Arc<dyn ModelAdapter> = Arc::new(NovaAdapter);
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
    assert!(
        capabilities.text
            && capabilities.chat
            && capabilities.vision
            && capabilities.streaming
            && capabilities.image
            && !capabilities.embedding
    );
}
