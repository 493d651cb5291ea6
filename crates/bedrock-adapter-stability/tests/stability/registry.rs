//! The adapter as the registry sees it: name, patterns, capabilities, object safety; every
//! Stability AI model of the catalog resolves to this adapter and the right API, by bare id,
//! foundation-model ARN in each of its regions, and cross-region profile; other ids do not.

use std::sync::Arc;

use bedrock_adapter_stability::{SD3_API, SDXL_API, StabilityAdapter};
use bedrock_core::{
    Capabilities, Error, ImageRequest, ModelAdapter, ModelInput, ModelPattern, catalog,
};

use crate::fixtures::{ADAPTER, id, prepare, registry};

fn _object_safe(_: &dyn ModelAdapter) {}

fn expected_api(model_id: &str) -> &'static str {
    if model_id.starts_with("stability.stable-diffusion-xl") {
        SDXL_API
    } else {
        SD3_API
    }
}

#[test]
fn it_is_an_image_only_adapter_named_stability() {
    let adapter: Arc<dyn ModelAdapter> = Arc::new(StabilityAdapter::new());
    _object_safe(&*adapter);
    assert_eq!(adapter.name(), "stability");
    assert_eq!(
        adapter.capabilities(),
        Capabilities {
            image: true,
            ..Capabilities::NONE
        }
    );
    for p in adapter.models() {
        assert!(!p.capabilities.streaming && p.capabilities.image, "{p:?}");
    }
}

#[test]
fn register_adds_it_under_its_name() {
    let registry = registry();
    assert_eq!(registry.get("stability").unwrap().name(), "stability");
    let previous = registry.register(Arc::new(StabilityAdapter::new()));
    assert_eq!(
        previous.map(|a| a.name().to_owned()).as_deref(),
        Some("stability")
    );
    assert_eq!(registry.adapters().len(), 1);
}

#[test]
fn other_stability_services_are_not_claimed() {
    let registry = registry();
    for other in [
        "stability.stable-image-remove-background-v1:0",
        "stability.stable-image-inpaint-v1:0",
        "amazon.titan-image-generator-v2:0",
    ] {
        assert!(
            ModelPattern::best(ADAPTER.models(), other).is_none(),
            "{other}"
        );
        let err = registry.resolve(&id(other)).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{other}: {err:?}");
        let err = prepare(&id(other), &ModelInput::Image(ImageRequest::new("x"))).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{other}: {err:?}");
    }
}

#[test]
fn every_catalog_stability_model_resolves_to_the_right_api() {
    let registry = registry();
    let models: Vec<_> = catalog::foundation_models()
        .iter()
        .filter(|m| m.provider == "Stability AI")
        .collect();
    assert!(
        models.len() >= 5,
        "the catalog lists {} Stability AI models",
        models.len()
    );
    assert!(models.iter().any(|m| expected_api(m.model_id) == SDXL_API));
    assert!(models.iter().any(|m| expected_api(m.model_id) == SD3_API));
    for m in models {
        let mut ids = vec![m.model_id.to_owned()];
        ids.extend(m.regions.iter().map(|r| m.arn(*r)));
        for geo in m.profiles {
            ids.push(format!("{}.{}", geo.as_str(), m.model_id));
            ids.push(format!(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/{}.{}",
                geo.as_str(),
                m.model_id
            ));
        }
        for raw in ids {
            let resolved = registry
                .resolve(&id(&raw))
                .unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(resolved.adapter.name(), "stability", "{raw}");
            assert_eq!(resolved.route.api(), expected_api(m.model_id), "{raw}");
            assert_eq!(resolved.route.base_model_id, m.model_id, "{raw}");
        }
    }
}

#[test]
fn ids_of_other_providers_do_not_resolve_here() {
    let registry = registry();
    for m in catalog::foundation_models()
        .iter()
        .filter(|m| m.provider != "Stability AI")
    {
        assert!(registry.resolve(&id(m.model_id)).is_err(), "{}", m.model_id);
    }
}
