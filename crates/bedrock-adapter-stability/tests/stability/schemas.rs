//! The request JSON Schemas: snapshotted, carrying the ranges and enums, never allowing `null`
//! for a field the body leaves out, and refusing bodies the adapter would never build.

use bedrock_adapter_stability::models::APIS;
use bedrock_adapter_stability::{SD3_API, SDXL_API};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

use crate::fixtures::ADAPTER;

fn validator(api: &str) -> jsonschema::Validator {
    let schema = ADAPTER
        .request_schema(api)
        .unwrap_or_else(|| panic!("no schema for {api}"));
    jsonschema::validator_for(schema.as_value()).unwrap_or_else(|e| panic!("{api}: {e}"))
}

/// Every `type` in the schema, however deep.
fn types(schema: &Value, out: &mut Vec<Value>) {
    match schema {
        Value::Object(map) => {
            if let Some(t) = map.get("type") {
                out.push(t.clone());
            }
            map.values().for_each(|v| types(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| types(v, out)),
        _ => {}
    }
}

#[test]
fn schemas_match_their_snapshots() {
    assert!(ADAPTER.request_schema("stability-nope").is_none());
    for api in [SDXL_API, SD3_API] {
        let schema = ADAPTER.request_schema(api).unwrap();
        insta::assert_json_snapshot!(format!("schema-{api}").as_str(), schema.as_value());
    }
}

#[test]
fn no_schema_allows_null() {
    for api in APIS {
        let schema = ADAPTER.request_schema(api).unwrap().to_value();
        let mut found = Vec::new();
        types(&schema, &mut found);
        assert!(!found.is_empty(), "{api}");
        let null = json!("null");
        let allows_null = |t: &Value| *t == null || t.as_array().is_some_and(|a| a.contains(&null));
        assert!(!found.iter().any(allows_null), "{api}: {found:?}");
    }
}

#[test]
fn the_sdxl_schema_carries_ranges_and_enums() {
    let sdxl = validator(SDXL_API);
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
}

#[test]
fn the_sd3_schema_carries_ranges_and_enums() {
    let sd3 = validator(SD3_API);
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
        json!({"prompt": "a", "seed": null}),
    ] {
        assert!(!sd3.is_valid(&bad), "the SD3 schema accepts {bad}");
    }
}
