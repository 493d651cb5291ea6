//! The request JSON Schemas: snapshotted, leaving optional fields out rather than `null`, and
//! refusing the same bad bodies as the typed validation.

use bedrock_adapter_nova::canvas::NovaCanvasRequest;
use bedrock_adapter_nova::messages::NovaMessagesRequest;
use bedrock_adapter_nova::models::{APIS, messages_model_limits};
use bedrock_adapter_nova::{CANVAS_API, MESSAGES_API, NovaAdapter};
use bedrock_core::ModelAdapter;
use serde_json::{Value, json};

use crate::PNG_4X4;

fn schema(api: &str) -> Value {
    NovaAdapter
        .request_schema(api)
        .unwrap_or_else(|| panic!("no schema for {api}"))
        .to_value()
}

fn validator(api: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&schema(api)).expect("the schema compiles")
}

#[test]
fn every_api_schema_matches_its_snapshot() {
    for api in APIS {
        insta::assert_json_snapshot!(format!("schema_{api}"), schema(api));
    }
    assert!(NovaAdapter.request_schema("nova-reel").is_none());
}

#[test]
fn optional_fields_are_left_out_not_null() {
    let schema = schema(MESSAGES_API);
    assert_eq!(schema["required"], json!(["schemaVersion", "messages"]));
    let config = &schema["$defs"]["InferenceConfig"]["properties"];
    for field in ["maxTokens", "temperature", "topP", "topK"] {
        let kind = &config[field]["type"];
        assert!(kind.is_string(), "{field}: {kind}");
    }
    let text = schema.to_string();
    assert!(!text.contains("\"null\""), "{text}");
    let text = self::schema(CANVAS_API).to_string();
    assert!(!text.contains("\"null\""), "{text}");
}

fn text_body(config: Value) -> Value {
    json!({
        "schemaVersion": "messages-v1",
        "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
        "inferenceConfig": config,
    })
}

/// Raw `nova-messages` bodies both the schema and [`NovaMessagesRequest::validate`] refuse,
/// with the field the error names.
#[test]
fn messages_schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = validator(MESSAGES_API);
    let limits = messages_model_limits("amazon.nova-premier-v1:0");
    for (body, field) in [
        (
            text_body(json!({"maxTokens": 0})),
            "inferenceConfig.maxTokens",
        ),
        (
            text_body(json!({"maxTokens": 32001})),
            "inferenceConfig.maxTokens",
        ),
        (
            text_body(json!({"temperature": 1.5})),
            "inferenceConfig.temperature",
        ),
        (text_body(json!({"topP": -0.1})), "inferenceConfig.topP"),
        (text_body(json!({"topK": 129})), "inferenceConfig.topK"),
        (
            text_body(json!({"stopSequences": ["a", "b", "c", "d", "e"]})),
            "inferenceConfig.stopSequences",
        ),
        (
            text_body(json!({"stopSequences": [""]})),
            "inferenceConfig.stopSequences[0]",
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": []}),
            "messages",
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": []}]}),
            "messages[0].content",
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [
                {"image": {"format": "png", "source": {"bytes": ""}}}]}]}),
            "messages[0].content[0].image.source.bytes",
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [
                {"video": {"format": "mp4", "source": {"s3Location": {"uri": "https://example.com/a.mp4"}}}}]}]}),
            "messages[0].content[0].video.source.s3Location.uri",
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
                "toolConfig": {"tools": []}}),
            "toolConfig.tools",
        ),
        (
            json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
                "toolConfig": {"tools": [{"toolSpec": {"name": "a b", "inputSchema": {"json": {}}}}]}}),
            "toolConfig.tools[0].toolSpec.name",
        ),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: NovaMessagesRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request.validate(&limits).expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

/// Raw `nova-canvas` bodies both the schema and [`NovaCanvasRequest::validate`] refuse.
#[test]
fn canvas_schema_and_validation_refuse_the_same_bad_bodies() {
    let validator = validator(CANVAS_API);
    let text_image = |config: Value| {
        json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "A fox"},
            "imageGenerationConfig": config})
    };
    for (body, field) in [
        (
            json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": ""}}),
            "textToImageParams.text",
        ),
        (
            text_image(json!({"width": 1000, "height": 1024})),
            "imageGenerationConfig.width",
        ),
        (
            text_image(json!({"width": 304, "height": 1024})),
            "imageGenerationConfig.width",
        ),
        (
            text_image(json!({"width": 1024, "height": 4112})),
            "imageGenerationConfig.height",
        ),
        (
            text_image(json!({"numberOfImages": 6})),
            "imageGenerationConfig.numberOfImages",
        ),
        (
            text_image(json!({"cfgScale": 1.0})),
            "imageGenerationConfig.cfgScale",
        ),
        (
            text_image(json!({"seed": 858993460u64})),
            "imageGenerationConfig.seed",
        ),
        (
            json!({"taskType": "COLOR_GUIDED_GENERATION",
                "colorGuidedGenerationParams": {"text": "A kite", "colors": ["red"]}}),
            "colorGuidedGenerationParams.colors[0]",
        ),
        (
            json!({"taskType": "COLOR_GUIDED_GENERATION",
                "colorGuidedGenerationParams": {"text": "A kite", "colors": []}}),
            "colorGuidedGenerationParams.colors",
        ),
        (
            json!({"taskType": "IMAGE_VARIATION", "imageVariationParams": {"images": []}}),
            "imageVariationParams.images",
        ),
        (
            json!({"taskType": "IMAGE_VARIATION",
                "imageVariationParams": {"images": [PNG_4X4], "similarityStrength": 0.1}}),
            "imageVariationParams.similarityStrength",
        ),
        (
            json!({"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": ""}}),
            "backgroundRemovalParams.image",
        ),
    ] {
        assert!(!validator.is_valid(&body), "the schema accepts {body}");
        let request: NovaCanvasRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let err = request.validate().expect_err(&body.to_string());
        assert_eq!(err.field(), Some(field), "{body}");
    }
}

#[test]
fn unknown_body_fields_are_refused_by_schema_and_type() {
    let messages = validator(MESSAGES_API);
    for body in [
        json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
            "max_tokens": 50}),
        json!({"schemaVersion": "messages-v2", "messages": [{"role": "user", "content": [{"text": "Hi"}]}]}),
        json!({"schemaVersion": "messages-v1", "messages": [{"role": "system", "content": [{"text": "Hi"}]}]}),
        json!({"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"document": {}}]}]}),
        text_body(json!({"max_new_tokens": 50})),
    ] {
        assert!(!messages.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<NovaMessagesRequest>(body).is_err());
    }
    let canvas = validator(CANVAS_API);
    for body in [
        json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "A fox"}, "steps": 30}),
        json!({"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "A fox", "weight": 1}}),
        json!({"taskType": "TEXT_IMAGE", "imageVariationParams": {"images": [PNG_4X4]}}),
        json!({"taskType": "VIRTUAL_TRY_ON", "virtualTryOnParams": {}}),
        json!({"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": PNG_4X4},
            "imageGenerationConfig": {"numberOfImages": 1}}),
    ] {
        assert!(!canvas.is_valid(&body), "the schema accepts {body}");
        assert!(serde_json::from_value::<NovaCanvasRequest>(body).is_err());
    }
}

/// Every body built from the valid inputs reads back as the typed request it came from.
#[test]
fn built_bodies_read_back_as_their_types() {
    for case in crate::valid_inputs() {
        let call = crate::registry()
            .prepare(
                &crate::id(&case.model_id),
                &case.input,
                bedrock_core::InvokeOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let parsed = match call.resolved.route.api() {
            MESSAGES_API => serde_json::from_slice::<NovaMessagesRequest>(&call.body.body)
                .map(|r| serde_json::to_vec(&r)),
            _ => serde_json::from_slice::<NovaCanvasRequest>(&call.body.body)
                .map(|r| serde_json::to_vec(&r)),
        };
        let again = parsed
            .unwrap_or_else(|e| panic!("{}: {e}", case.name))
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(again, call.body.body.to_vec(), "{}", case.name);
    }
}

/// Video and cache-point blocks have no neutral form; a body holding them, built by hand,
/// matches the schema and validates for the models that read videos, and not for Micro.
#[test]
fn typed_bodies_with_video_and_cache_points() {
    let body = json!({
        "schemaVersion": "messages-v1",
        "system": [{"text": "You summarise videos."}, {"cachePoint": {"type": "default"}}],
        "messages": [{"role": "user", "content": [
            {"video": {"format": "mp4", "source": {"s3Location": {
                "uri": "s3://my-bucket/clips/launch.mp4", "bucketOwner": "123456789012"}}}},
            {"video": {"format": "three_gp", "source": {"bytes": "AAAAGGZ0eXAzZ3A0"}}},
            {"cachePoint": {"type": "default"}},
            {"text": "What happens in these clips?"}
        ]}],
        "inferenceConfig": {"maxTokens": 300}
    });
    assert!(validator(MESSAGES_API).is_valid(&body), "{body}");
    let request: NovaMessagesRequest = serde_json::from_value(body.clone()).expect("a body");
    assert_eq!(serde_json::to_value(&request).expect("serialises"), body);
    request
        .validate(&messages_model_limits("amazon.nova-pro-v1:0"))
        .expect("Pro reads videos");
    let err = request
        .validate(&messages_model_limits("amazon.nova-micro-v1:0"))
        .expect_err("Micro reads text only");
    assert_eq!(err.field(), Some("messages[0].content[0]"));
}
