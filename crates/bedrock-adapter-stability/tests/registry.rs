//! Every Stability AI model of the catalog resolves to this adapter and the right API, by bare
//! id, foundation-model ARN in each of its regions, and cross-region profile.

use bedrock_adapter_stability::{SD3_API, SDXL_API};
use bedrock_core::{ModelId, Registry, catalog};

fn expected_api(model_id: &str) -> &'static str {
    if model_id.starts_with("stability.stable-diffusion-xl") {
        SDXL_API
    } else {
        SD3_API
    }
}

#[test]
fn every_catalog_stability_model_resolves_to_the_right_api() {
    let registry = Registry::new();
    bedrock_adapter_stability::register(&registry);
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
                .resolve(&ModelId::new(raw.as_str()).unwrap())
                .unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(resolved.adapter.name(), "stability", "{raw}");
            assert_eq!(resolved.pattern.api, expected_api(m.model_id), "{raw}");
            assert_eq!(resolved.base_model_id, m.model_id, "{raw}");
        }
    }
}

#[test]
fn ids_of_other_providers_do_not_resolve_here() {
    let registry = Registry::new();
    bedrock_adapter_stability::register(&registry);
    for m in catalog::foundation_models()
        .iter()
        .filter(|m| m.provider != "Stability AI")
    {
        assert!(
            registry
                .resolve(&ModelId::new(m.model_id).unwrap())
                .is_err(),
            "{}",
            m.model_id
        );
    }
}
