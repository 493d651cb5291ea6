//! Registry resolution: every catalog model of the family resolves to its API through bare ids,
//! inference-profile ids and ARNs; other Cohere ids are a miss that names the adapter;
//! registering it again replaces it.

use std::sync::Arc;

use bedrock_adapter_cohere::{
    ADAPTER_NAME, CHAT_API, COMMAND_API, CohereAdapter, EMBED_API, EMBED_V4_API, RERANK_API,
};
use bedrock_core::{Error, ModelAdapter};
use bedrock_testkit::assert_resolves;

use crate::{CATALOG, id, registry, route};

#[test]
fn bare_ids_profiles_and_arns_resolve_to_each_api() {
    let registry = registry();
    for (model, api) in CATALOG {
        for model_id in [
            (*model).to_owned(),
            format!("us.{model}"),
            format!("eu.{model}"),
            format!("apac.{model}"),
            format!("global.{model}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{model}"),
            format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.{model}"),
            format!("arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.{model}"),
        ] {
            assert_resolves(&registry, &model_id, ADAPTER_NAME, api);
            assert_eq!(route(&model_id).base_model_id, *model, "{model_id}");
        }
    }
}

#[test]
fn provisioned_throughput_variants_resolve_to_their_model_api() {
    let registry = registry();
    for (model_id, api) in [
        ("cohere.command-text-v14:7:4k", COMMAND_API),
        ("cohere.command-light-text-v14:7:4k", COMMAND_API),
        ("cohere.embed-english-v3:0:512", EMBED_API),
        ("cohere.embed-multilingual-v3:0:512", EMBED_API),
    ] {
        assert_resolves(&registry, model_id, ADAPTER_NAME, api);
    }
    assert_eq!(route("cohere.command-r-plus-v1:0").api(), CHAT_API);
}

#[test]
fn other_cohere_ids_are_a_miss_naming_the_adapter() {
    for model_id in [
        "cohere.command-r7b-v1:0",
        "cohere.command-a-v1:0",
        "cohere.rerank-v4:0",
        "xcohere.command-text-v14",
    ] {
        let err = registry().resolve(&id(model_id)).unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{model_id}: {err}");
        let message = err.to_string();
        assert!(
            message.contains("cohere (") && message.contains("cohere.command-r-plus-v1*"),
            "{model_id}: {message}"
        );
    }
}

#[test]
fn registering_again_replaces_the_adapter() {
    let registry = registry();
    let adapter: Arc<dyn ModelAdapter> = Arc::new(CohereAdapter);
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
    assert!(capabilities.embedding && capabilities.rerank);
    assert!(!capabilities.vision && !capabilities.image);
}

#[test]
fn each_api_has_the_capabilities_of_its_models() {
    for (model, api) in CATALOG {
        let caps = route(model).capabilities();
        match *api {
            COMMAND_API => assert!(caps.text && caps.streaming && !caps.chat && !caps.embedding),
            CHAT_API => assert!(caps.text && caps.chat && caps.streaming && !caps.vision),
            RERANK_API => assert!(caps.rerank && !caps.embedding && !caps.text && !caps.streaming),
            EMBED_API | EMBED_V4_API => {
                assert!(caps.embedding && !caps.rerank && !caps.text && !caps.streaming);
            }
            other => panic!("{model}: unknown API {other}"),
        }
    }
}
