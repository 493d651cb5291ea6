//! The request JSON Schemas: snapshotted, carrying the ranges and enums, accepting every body the
//! adapter builds and refusing bodies the adapter's validation refuses.

use bedrock_adapter_titan::models::APIS;
use bedrock_adapter_titan::{
    EMBEDDINGS_API, IMAGE_API, MULTIMODAL_EMBEDDINGS_API, TEXT_API, embeddings, image, multimodal,
    text,
};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

use crate::fixtures::{ADAPTER, api_of, build, valid_inputs};

fn validator(api: &str) -> jsonschema::Validator {
    let schema = ADAPTER
        .request_schema(api)
        .unwrap_or_else(|| panic!("no schema for {api}"));
    jsonschema::validator_for(schema.as_value()).unwrap_or_else(|e| panic!("{api}: {e}"))
}

#[test]
fn schemas_match_their_snapshots() {
    for api in APIS {
        let schema = ADAPTER.request_schema(api).unwrap();
        insta::assert_json_snapshot!(format!("schema_{api}"), schema.as_value());
    }
}

#[test]
fn schemas_carry_the_ranges_and_enums() {
    let text = ADAPTER.request_schema(TEXT_API).unwrap().to_value();
    let config = &text["$defs"]["TextGenerationConfig"]["properties"];
    assert_eq!(config["temperature"]["maximum"], json!(1.0));
    assert_eq!(config["topP"]["minimum"], json!(0.0));
    assert_eq!(config["maxTokenCount"]["maximum"], json!(8192));
    assert_eq!(config["stopSequences"]["maxItems"], json!(1));
    let image = ADAPTER.request_schema(IMAGE_API).unwrap().to_value();
    let config = &image["$defs"]["ImageGenerationConfig"]["properties"];
    assert_eq!(config["cfgScale"]["minimum"], json!(1.1));
    assert_eq!(config["seed"]["maximum"], json!(2147483646));
    assert!(
        config["width"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!(1173))
    );
    let embed = ADAPTER.request_schema(EMBEDDINGS_API).unwrap().to_value();
    assert_eq!(
        embed["properties"]["dimensions"]["enum"],
        json!([256, 512, 1024])
    );
}

#[test]
fn every_built_body_satisfies_its_schema() {
    for case in valid_inputs() {
        let api = api_of(&case.model_id);
        let body = build(&case.model_id, &case.input).unwrap();
        let json: Value = serde_json::from_slice(&body.body).unwrap();
        let validator = validator(api);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", case.name);
    }
}

/// A 3x2 PNG, the source image of the raw image bodies.
const SOURCE: &str = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFElEQVR42mP4z8DAAMH/gdR/EAAATMcJ9/NVNc8AAAAASUVORK5CYII=";

/// Raw bodies both the schema and the typed validation refuse, with the field validation names.
#[test]
fn schema_and_validation_refuse_the_same_bad_bodies() {
    let cases = [
        (
            TEXT_API,
            "amazon.titan-text-express-v1",
            json!({"inputText": "Hi", "textGenerationConfig": {"temperature": 1.5}}),
            "textGenerationConfig.temperature",
        ),
        (
            TEXT_API,
            "amazon.titan-text-express-v1",
            json!({"inputText": "Hi", "textGenerationConfig": {"stopSequences": ["Human:"]}}),
            "textGenerationConfig.stopSequences[0]",
        ),
        (
            TEXT_API,
            "amazon.titan-text-express-v1",
            json!({"inputText": "Hi", "textGenerationConfig": {"maxTokenCount": 9000}}),
            "textGenerationConfig.maxTokenCount",
        ),
        (
            TEXT_API,
            "amazon.titan-text-express-v1",
            json!({"inputText": ""}),
            "inputText",
        ),
        (
            EMBEDDINGS_API,
            "amazon.titan-embed-text-v2:0",
            json!({"inputText": "rock", "dimensions": 768}),
            "dimensions",
        ),
        (
            EMBEDDINGS_API,
            "amazon.titan-embed-text-v2:0",
            json!({"inputText": ""}),
            "inputText",
        ),
        (
            MULTIMODAL_EMBEDDINGS_API,
            "amazon.titan-embed-image-v1",
            json!({"inputText": "kayak", "embeddingConfig": {"outputEmbeddingLength": 512}}),
            "embeddingConfig.outputEmbeddingLength",
        ),
        (
            MULTIMODAL_EMBEDDINGS_API,
            "amazon.titan-embed-image-v1",
            json!({"embeddingConfig": {"outputEmbeddingLength": 256}}),
            "inputText",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "cat"}, "imageGenerationConfig": {"width": 1000, "height": 1000}}),
            "imageGenerationConfig.width",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "cat"}, "imageGenerationConfig": {"numberOfImages": 6}}),
            "imageGenerationConfig.numberOfImages",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "cat"}, "imageGenerationConfig": {"cfgScale": 11.0}}),
            "imageGenerationConfig.cfgScale",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "cat"}, "imageGenerationConfig": {"seed": 2147483647u64}}),
            "imageGenerationConfig.seed",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v2:0",
            json!({"taskType": "INPAINTING", "inPaintingParams": {"image": SOURCE, "maskPrompt": "dog", "maskImage": SOURCE}}),
            "inPaintingParams.maskImage",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v2:0",
            json!({"taskType": "OUTPAINTING", "outPaintingParams": {"image": SOURCE, "text": "a beach"}}),
            "outPaintingParams.maskPrompt",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "INPAINTING", "inPaintingParams": {"image": SOURCE, "maskPrompt": "dog"}, "imageGenerationConfig": {"width": 512, "height": 512}}),
            "imageGenerationConfig.width",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "IMAGE_VARIATION", "imageVariationParams": {"images": [SOURCE], "similarityStrength": 0.1}}),
            "imageVariationParams.similarityStrength",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v2:0",
            json!({"taskType": "IMAGE_VARIATION", "imageVariationParams": {"images": [SOURCE, SOURCE, SOURCE, SOURCE, SOURCE, SOURCE]}}),
            "imageVariationParams.images",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v2:0",
            json!({"taskType": "COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams": {"text": "a poster", "colors": ["#ff8080", "red"]}}),
            "colorGuidedGenerationParams.colors[1]",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v2:0",
            json!({"taskType": "COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams": {"text": "a poster", "colors": []}}),
            "colorGuidedGenerationParams.colors",
        ),
        (
            IMAGE_API,
            "amazon.titan-image-generator-v2:0",
            json!({"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": ""}}),
            "backgroundRemovalParams.image",
        ),
    ];
    for (api, model, body, field) in cases {
        assert!(!validator(api).is_valid(&body), "schema accepted {body}");
        let err = match api {
            TEXT_API => serde_json::from_value::<text::TitanTextRequest>(body.clone())
                .unwrap()
                .validate(model),
            EMBEDDINGS_API => {
                serde_json::from_value::<embeddings::TitanEmbeddingsRequest>(body.clone())
                    .unwrap()
                    .validate(model)
            }
            MULTIMODAL_EMBEDDINGS_API => {
                serde_json::from_value::<multimodal::TitanMultimodalEmbeddingsRequest>(body.clone())
                    .unwrap()
                    .validate()
            }
            _ => serde_json::from_value::<image::TitanImageRequest>(body.clone())
                .unwrap()
                .validate(model),
        }
        .expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_types() {
    let body = json!({"inputText": "Hi", "textGenerationConfig": {"topK": 5}});
    assert!(!validator(TEXT_API).is_valid(&body));
    assert!(serde_json::from_value::<text::TitanTextRequest>(body).is_err());
}

#[test]
fn image_bodies_with_fields_their_task_has_no_place_for_are_refused_by_schema_and_types() {
    for body in [
        json!({"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": SOURCE},
               "imageGenerationConfig": {"numberOfImages": 1}}),
        json!({"taskType": "TEXT_IMAGE", "inPaintingParams": {"image": SOURCE, "maskPrompt": "x"}}),
        json!({"taskType": "INPAINTING", "inPaintingParams": {"image": SOURCE, "maskPrompt": "x",
               "outPaintingMode": "PRECISE"}}),
        json!({"taskType": "IMAGE_VARIATION", "imageVariationParams": {"images": [SOURCE], "colors": ["#000000"]}}),
        json!({"taskType": "OUTPAINTING", "outPaintingParams": {"image": SOURCE, "maskPrompt": "x"}}),
        json!({"taskType": "COLOR_GUIDED", "colorGuidedGenerationParams": {"text": "x", "colors": ["#000000"]}}),
    ] {
        assert!(
            !validator(IMAGE_API).is_valid(&body),
            "schema accepted {body}"
        );
        assert!(
            serde_json::from_value::<image::TitanImageRequest>(body.clone()).is_err(),
            "types accepted {body}"
        );
    }
}

#[test]
fn v2_only_bodies_are_refused_for_v1_by_validation() {
    for body in [
        json!({"taskType": "COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams": {"text": "x", "colors": ["#000000"]}}),
        json!({"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": SOURCE}}),
    ] {
        let request = serde_json::from_value::<image::TitanImageRequest>(body.clone()).unwrap();
        assert!(validator(IMAGE_API).is_valid(&body), "{body}");
        request
            .validate("amazon.titan-image-generator-v2:0")
            .unwrap();
        let err = request
            .validate("amazon.titan-image-generator-v1")
            .unwrap_err();
        assert_eq!(err.field(), Some("taskType"), "{err}");
        assert!(
            err.to_string()
                .contains("Titan Image Generator G1 takes no other"),
            "{err}"
        );
    }
}
