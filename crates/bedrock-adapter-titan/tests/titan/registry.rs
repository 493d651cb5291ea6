//! Registry resolution: every Titan model in the catalog lands on the `titan` adapter and the
//! API its modalities call for, through bare ids, profile ids and ARNs.

use std::sync::Arc;

use bedrock_adapter_titan::{
    EMBEDDINGS_API, IMAGE_API, MULTIMODAL_EMBEDDINGS_API, TEXT_API, TitanAdapter, register,
};
use bedrock_core::catalog::{self, Modality};
use bedrock_core::{Error, ModelAdapter, ModelId, Registry};

fn expected_api(model: &catalog::CatalogModel) -> &'static str {
    let outputs = model.output_modalities;
    if outputs.contains(&Modality::Text) {
        TEXT_API
    } else if outputs.contains(&Modality::Image) {
        IMAGE_API
    } else if model.input_modalities.contains(&Modality::Image) {
        MULTIMODAL_EMBEDDINGS_API
    } else {
        EMBEDDINGS_API
    }
}

#[test]
fn every_catalog_titan_model_resolves_to_its_api() {
    let registry = Registry::new();
    register(&registry);
    let titan: Vec<_> = catalog::foundation_models()
        .iter()
        .filter(|m| m.model_id.starts_with("amazon.titan"))
        .collect();
    assert!(
        titan.len() >= 9,
        "{} Titan models in the catalog",
        titan.len()
    );
    for model in titan {
        let api = expected_api(model);
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
            let resolved = registry
                .resolve(&ModelId::new(&raw).unwrap())
                .unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(resolved.adapter.name(), "titan", "{raw}");
            assert_eq!(resolved.route.api(), api, "{raw}");
            assert_eq!(resolved.route.base_model_id, model.model_id, "{raw}");
            assert_eq!(resolved.route.model_id.as_str(), raw, "{raw}");
            let caps = resolved.route.capabilities();
            assert_eq!(caps.streaming, model.response_streaming, "{raw}: streaming");
            assert_eq!(
                caps.embedding,
                model.output_modalities.contains(&Modality::Embedding),
                "{raw}"
            );
            assert_eq!(
                caps.image,
                model.output_modalities.contains(&Modality::Image),
                "{raw}"
            );
        }
    }
}

#[test]
fn multimodal_embeddings_never_land_on_text_embeddings() {
    let registry = Registry::new();
    register(&registry);
    let api = |raw: &str| {
        registry
            .resolve(&ModelId::new(raw).unwrap())
            .map(|resolved| resolved.route.api())
    };
    for raw in [
        "amazon.titan-embed-image-v1",
        "amazon.titan-embed-image-v1:0",
    ] {
        assert_eq!(api(raw).unwrap(), MULTIMODAL_EMBEDDINGS_API, "{raw}");
    }
    for raw in [
        "amazon.titan-embed-text-v1",
        "amazon.titan-embed-text-v1:2:8k",
        "amazon.titan-embed-g1-text-02",
    ] {
        assert_eq!(api(raw).unwrap(), EMBEDDINGS_API, "{raw}");
    }
    for raw in [
        "amazon.titan-text-express-v1:0:8k",
        "amazon.titan-tg1-large",
        "amazon.titan-image-generator-v2:0",
    ] {
        assert!(api(raw).is_ok(), "{raw}");
    }
    for raw in [
        "amazon.nova-pro-v1:0",
        "amazon.titan-embed-g1-text-02:1",
        "anthropic.claude-v2",
    ] {
        assert!(matches!(api(raw), Err(Error::NoAdapter { .. })), "{raw}");
    }
}

#[test]
fn registering_twice_replaces_the_adapter() {
    let registry = Registry::new();
    register(&registry);
    let previous = registry.register(Arc::new(TitanAdapter::new()));
    assert_eq!(
        previous.map(|a| a.name().to_owned()).as_deref(),
        Some("titan")
    );
    assert_eq!(registry.adapters().len(), 1);
    let caps = registry.get("titan").unwrap().capabilities();
    assert!(
        caps.text && caps.chat && caps.streaming && caps.embedding && caps.image && !caps.vision
    );
}
