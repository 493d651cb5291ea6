//! Registry resolution: every catalog Jamba model resolves to the adapter through bare ids,
//! inference-profile ids and ARNs; other AI21 ids are a miss that names it; registering it
//! again replaces it.

use std::sync::Arc;

use bedrock_adapter_ai21::{ADAPTER_NAME, Ai21Adapter, CHAT_API};
use bedrock_core::{Error, ModelAdapter};
use bedrock_testkit::assert_resolves;

use crate::{CATALOG, id, registry, route};

#[test]
fn bare_ids_profiles_and_arns_resolve_to_the_adapter() {
    let registry = registry();
    for model in CATALOG {
        for model_id in [
            (*model).to_owned(),
            format!("us.{model}"),
            format!("eu.{model}"),
            format!("global.{model}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{model}"),
            format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{model}"),
            format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{model}"),
        ] {
            assert_resolves(&registry, &model_id, ADAPTER_NAME, CHAT_API);
            assert_eq!(route(&model_id).base_model_id, *model, "{model_id}");
        }
    }
}

#[test]
fn other_ai21_ids_are_a_miss_naming_the_adapter() {
    for model_id in [
        "ai21.j2-ultra-v1",
        "ai21.j2-mid-v1",
        "xai21.jamba-1-5-large-v1:0",
    ] {
        let err = registry().resolve(&id(model_id)).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{model_id}: {err}");
        let message = err.to_string();
        assert!(
            message.contains("ai21 (") && message.contains("ai21.jamba-1-5-large-v1*"),
            "{model_id}: {message}"
        );
    }
}

#[test]
fn registering_again_replaces_the_adapter() {
    let registry = registry();
    let adapter: Arc<dyn ModelAdapter> = Arc::new(Ai21Adapter);
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
