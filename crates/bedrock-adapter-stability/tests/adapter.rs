//! The adapter as a whole: name, patterns, object safety, schemas, unsupported operations.

mod support;

use std::sync::Arc;

use bedrock_adapter_stability::{SD3_API, SDXL_API, StabilityAdapter};
use bedrock_core::{
    Capabilities, EmbeddingRequest, Error, ImageRequest, ModelAdapter, ModelId, ModelInput,
    Registry, TextRequest,
};
use serde_json::json;

fn _object_safe(_: &dyn ModelAdapter) {}

fn id(s: &str) -> ModelId {
    s.parse().unwrap()
}

#[test]
fn it_is_an_image_only_adapter_named_stability() {
    let adapter: Arc<dyn ModelAdapter> = Arc::new(StabilityAdapter::new());
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
    let registry = Registry::new();
    bedrock_adapter_stability::register(&registry);
    assert_eq!(registry.get("stability").unwrap().name(), "stability");
}

#[test]
fn other_stability_services_are_not_claimed() {
    let adapter = StabilityAdapter::new();
    for other in [
        "stability.stable-image-remove-background-v1:0",
        "stability.stable-image-inpaint-v1:0",
        "amazon.titan-image-generator-v2:0",
    ] {
        assert!(adapter.pattern_for(&id(other)).is_none(), "{other}");
        let err = adapter
            .build_body(&id(other), &ModelInput::Image(ImageRequest::new("x")))
            .unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{other}: {err:?}");
    }
}

#[test]
fn text_chat_and_embedding_inputs_are_unsupported() {
    let adapter = StabilityAdapter::new();
    for (model, api) in [
        ("stability.stable-diffusion-xl-v1", SDXL_API),
        ("stability.sd3-large-v1:0", SD3_API),
    ] {
        for input in [
            ModelInput::Text(TextRequest::new("hi")),
            ModelInput::Embedding(EmbeddingRequest::new("hi")),
        ] {
            match adapter.build_body(&id(model), &input).unwrap_err() {
                Error::Unsupported {
                    adapter,
                    api: got,
                    operation,
                    ..
                } => {
                    assert_eq!((adapter.as_str(), got.as_str()), ("stability", api));
                    assert_eq!(operation, input.operation());
                }
                other => panic!("{model}: {other:?}"),
            }
        }
        let err = adapter.parse_stream_chunk(&id(model), b"{}").unwrap_err();
        assert!(
            matches!(err, Error::Unsupported { ref operation, .. } if operation == "streaming"),
            "{err:?}"
        );
    }
}

#[test]
fn schemas_carry_ranges_and_enums() {
    let adapter = StabilityAdapter::new();
    assert!(adapter.request_schema("stability-nope").is_none());
    for api in [SDXL_API, SD3_API] {
        let schema = adapter.request_schema(api).unwrap();
        insta::assert_json_snapshot!(format!("schema-{api}").as_str(), schema.as_value());
    }
    let sdxl = adapter.request_schema(SDXL_API).unwrap();
    let sdxl = jsonschema::validator_for(sdxl.as_value()).unwrap();
    let ok = json!({"text_prompts": [{"text": "a", "weight": 1.0}], "width": 1024, "height": 1024});
    assert!(sdxl.is_valid(&ok));
    for bad in [
        json!({"text_prompts": []}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "width": 1000}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "cfg_scale": 36}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "steps": 51}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "seed": 4_294_967_296_u64}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "style_preset": "watercolor"}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "sampler": "K_EULER_A"}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "samples": 2}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "extras": {}}),
        json!({"text_prompts": [{"text": "a", "weight": 1.0}], "seed": null}),
    ] {
        assert!(!sdxl.is_valid(&bad), "the SDXL schema accepts {bad}");
    }
    let sd3 = adapter.request_schema(SD3_API).unwrap();
    let sd3 = jsonschema::validator_for(sd3.as_value()).unwrap();
    assert!(sd3.is_valid(&json!({"prompt": "a", "aspect_ratio": "21:9", "output_format": "webp"})));
    assert!(sd3.is_valid(
        &json!({"prompt": "a", "mode": "image-to-image", "image": "AAAA", "strength": 0.5})
    ));
    for bad in [
        json!({"prompt": ""}),
        json!({"prompt": "a", "aspect_ratio": "4:3"}),
        json!({"prompt": "a", "seed": 4_294_967_295_u64}),
        json!({"prompt": "a", "output_format": "gif"}),
        json!({"prompt": "a", "mode": "image-to-image", "strength": 0.5}),
        json!({"prompt": "a", "mode": "image-to-image", "image": "AAAA", "strength": 0.5, "aspect_ratio": "1:1"}),
        json!({"prompt": "a", "image": "AAAA"}),
        json!({"prompt": "a", "cfg_scale": 7}),
    ] {
        assert!(!sd3.is_valid(&bad), "the SD3 schema accepts {bad}");
    }
}
