//! Invalid inputs from `tests/data/invalid_inputs.json` (and a few generated long ones): each is
//! refused before anything is sent, with an error naming the field, the value and what is
//! allowed.

use bedrock_core::{
    EmbeddingRequest, Error, ErrorKind, ImageRequest, ModelAdapter, ModelInput, TextRequest,
};

use crate::fixtures::{ADAPTER, build, invalid_inputs, route};

#[test]
fn every_invalid_input_names_its_field() {
    let cases = invalid_inputs();
    assert!(cases.len() >= 25, "only {} invalid inputs", cases.len());
    for case in &cases {
        let label = format!("{} / {}", case.model_id, case.field);
        let err = build(&case.model_id, &case.input)
            .map(|b| String::from_utf8_lossy(&b.body).into_owned())
            .expect_err(&label);
        let Error::InvalidInput(invalid) = &err else {
            panic!("{label}: not InvalidInput: {err}")
        };
        assert_eq!(invalid.field, case.field, "{label}: {err}");
        assert_eq!(err.kind(), ErrorKind::Validation, "{label}");
        assert!(!err.is_retryable(), "{label}");
        assert!(
            !invalid.value.is_empty() && !invalid.allowed.is_empty(),
            "{label}: {err}"
        );
        let message = err.to_string();
        assert!(
            message.contains(&format!("`{}`", case.field)),
            "{label}: {message}"
        );
        assert!(message.contains("allowed:"), "{label}: {message}");
    }
}

#[test]
fn range_errors_state_the_range_and_the_model() {
    let err = build(
        "amazon.titan-text-premier-v1:0",
        &ModelInput::Text(TextRequest::new("Hi").max_tokens(5000)),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("5000") && message.contains("0..=3072"),
        "{message}"
    );
    assert!(message.contains("Premier"), "{message}");

    let err = build(
        "amazon.titan-text-express-v1",
        &ModelInput::Text(TextRequest::new("Hi").temperature(1.5)),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("1.5") && err.to_string().contains("0.0..=1.0"),
        "{err}"
    );

    let mut request = EmbeddingRequest::new("rock");
    request.dimensions = Some(512);
    let err = build(
        "amazon.titan-embed-text-v1",
        &ModelInput::Embedding(request),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("not supported by amazon.titan-embed-text-v1"),
        "{err}"
    );

    let mut request = ImageRequest::new("a cat");
    request.width = Some(1024);
    request.height = Some(768);
    let err = build(
        "amazon.titan-image-generator-v1",
        &ModelInput::Image(request),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("with width 1024, one of: 1024"),
        "{err}"
    );
}

#[test]
fn inputs_of_the_wrong_kind_are_unsupported() {
    let text = ModelInput::Text(TextRequest::new("Hi"));
    let embedding = ModelInput::Embedding(EmbeddingRequest::new("Hi"));
    let image = ModelInput::Image(ImageRequest::new("Hi"));
    for (model, input, api) in [
        ("amazon.titan-text-express-v1", &embedding, "titan-text"),
        ("amazon.titan-text-express-v1", &image, "titan-text"),
        ("amazon.titan-embed-text-v2:0", &text, "titan-embeddings"),
        (
            "amazon.titan-embed-image-v1",
            &image,
            "titan-multimodal-embeddings",
        ),
        ("amazon.titan-image-generator-v1", &text, "titan-image"),
        (
            "amazon.titan-image-generator-v2:0",
            &embedding,
            "titan-image",
        ),
    ] {
        // The registry refuses it on the route's capabilities; the adapter, called directly,
        // has no body for it either.
        let from_registry = build(model, input).unwrap_err();
        let from_adapter = ADAPTER.build_body(&route(model), input).unwrap_err();
        for err in [&from_registry, &from_adapter] {
            let Error::Unsupported {
                operation,
                adapter,
                api: got,
                model_id,
            } = err
            else {
                panic!("{model}: {err}")
            };
            assert_eq!(
                (adapter.as_str(), got.as_str(), model_id.as_str()),
                ("titan", api, model)
            );
            assert_eq!(operation, input.operation());
        }
    }
}

#[test]
fn only_text_models_stream() {
    let err = ADAPTER
        .parse_stream_chunk(
            &route("amazon.titan-embed-text-v2:0"),
            br#"{"outputText":"x"}"#,
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported { operation, .. } if operation == "streaming"),
        "{err}"
    );
}

#[test]
fn unknown_ids_are_a_registry_miss_that_lists_the_patterns() {
    let err = build(
        "amazon.nova-lite-v1:0",
        &ModelInput::Text(TextRequest::new("Hi")),
    )
    .unwrap_err();
    assert!(matches!(err, Error::NoAdapter { .. }), "{err}");
    assert!(
        err.to_string().contains("amazon.titan-embed-g1-text-02"),
        "{err}"
    );
}

#[test]
fn v2_only_tasks_on_v1_name_the_tasks_v1_takes_and_the_model_that_has_them() {
    for task in ["COLOR_GUIDED_GENERATION", "BACKGROUND_REMOVAL"] {
        let mut request = ImageRequest::new("");
        request.extra.insert("taskType".into(), task.into());
        let err = build(
            "us.amazon.titan-image-generator-v1",
            &ModelInput::Image(request),
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("extra.taskType"), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("one of: TEXT_IMAGE, INPAINTING, OUTPAINTING, IMAGE_VARIATION"),
            "{message}"
        );
        assert!(
            message.contains(&format!("{task} needs Titan Image Generator G1 v2")),
            "{message}"
        );
    }
}

#[test]
fn source_image_errors_state_the_size_and_the_bound() {
    let source = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFElEQVR42mP4z8DAAMH/gdR/EAAATMcJ9/NVNc8AAAAASUVORK5CYII=";
    let two_by_two = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAC0lEQVR42mNgQAYAAA4AATo1BFYAAAAASUVORK5CYII=";
    let mut request = ImageRequest::new("A dog");
    for (key, value) in [
        ("taskType", "INPAINTING"),
        ("image", source),
        ("maskImage", two_by_two),
    ] {
        request.extra.insert(key.into(), value.into());
    }
    let err = build(
        "amazon.titan-image-generator-v1",
        &ModelInput::Image(request.clone()),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("inPaintingParams.maskImage"));
    assert!(
        err.to_string().contains("a 2x2 image") && err.to_string().contains("size of image (3x2)"),
        "{err}"
    );

    request.extra.remove("maskImage");
    request.extra.insert("maskPrompt".into(), "the dog".into());
    request.width = Some(1024);
    request.height = Some(1024);
    let err = build(
        "amazon.titan-image-generator-v1",
        &ModelInput::Image(request),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("imageGenerationConfig.width"));
    assert!(
        err.to_string()
            .contains("the output keeps the image's size"),
        "{err}"
    );
}
