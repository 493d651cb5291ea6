//! Invalid inputs from `tests/data/invalid_inputs.json`: each is refused before anything is
//! sent, with an error naming the body field, the value and what is allowed.

use bedrock_adapter_nova::{ADAPTER_NAME, CANVAS_API, MESSAGES_API, NovaAdapter};
use bedrock_core::{
    ChatMessage, ChatRequest, EmbeddingRequest, Error, ErrorKind, ImageRequest, InvokeOptions,
    ModelAdapter, ModelInput, TextRequest,
};

use crate::{CANVAS, LITE, MICRO, api_of, id, invalid_inputs, registry, route};

fn prepare_error(model_id: &str, input: &ModelInput) -> Error {
    match registry().prepare(&id(model_id), input, InvokeOptions::default()) {
        Ok(call) => panic!(
            "{model_id}: built {}",
            String::from_utf8_lossy(&call.body.body)
        ),
        Err(err) => err,
    }
}

#[test]
fn every_invalid_input_names_its_field() {
    let cases = invalid_inputs();
    for api in [MESSAGES_API, CANVAS_API] {
        let n = cases.iter().filter(|c| api_of(&c.model_id) == api).count();
        assert!(n >= 20, "{api}: only {n} invalid inputs");
    }
    for case in &cases {
        let label = format!("{} / {}", case.model_id, case.field);
        let err = prepare_error(&case.model_id, &case.input);
        let Error::InvalidInput(invalid) = &err else {
            panic!("{label}: not InvalidInput: {err}")
        };
        assert_eq!(invalid.field, case.field, "{label}: {err}");
        assert_eq!(err.kind(), ErrorKind::Validation, "{label}");
        assert!(!err.is_retryable(), "{label}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("`{}`", case.field)) && message.contains("allowed:"),
            "{label}: {message}"
        );
    }
}

/// JSON has no NaN, so these cases cannot live in the data file.
#[test]
fn nan_is_outside_every_range() {
    let input = ModelInput::Text(TextRequest::new("Hi").temperature(f32::NAN));
    assert_eq!(
        prepare_error(MICRO, &input).field(),
        Some("inferenceConfig.temperature")
    );
    let mut input = TextRequest::new("Hi");
    input.params.top_p = Some(f32::NAN);
    assert_eq!(
        prepare_error(MICRO, &ModelInput::Text(input)).field(),
        Some("inferenceConfig.topP")
    );
    let input = ModelInput::Image(ImageRequest {
        cfg_scale: Some(f32::NAN),
        ..ImageRequest::new("A lighthouse")
    });
    assert_eq!(
        prepare_error(CANVAS, &input).field(),
        Some("imageGenerationConfig.cfgScale")
    );
}

/// The registry refuses inputs the capabilities lack before the adapter sees them; the adapter,
/// called directly, refuses them too, naming itself, the API and the model.
#[test]
fn inputs_of_other_shapes_are_unsupported() {
    let chat = ModelInput::Chat(ChatRequest {
        messages: vec![ChatMessage::user("Hi")],
        ..ChatRequest::default()
    });
    let text = ModelInput::Text(TextRequest::new("Hi"));
    let embedding = ModelInput::Embedding(EmbeddingRequest::new("Hi"));
    let image = ModelInput::Image(ImageRequest::new("A lighthouse"));
    for (model, api, inputs) in [
        (LITE, MESSAGES_API, vec![embedding.clone(), image]),
        (CANVAS, CANVAS_API, vec![text, chat, embedding]),
    ] {
        let route = route(model);
        for input in inputs {
            let err = NovaAdapter.build_body(&route, &input).unwrap_err();
            let Error::Unsupported {
                operation,
                adapter,
                api: err_api,
                model_id,
            } = &err
            else {
                panic!("{}: {err}", input.operation())
            };
            assert_eq!(operation, input.operation());
            assert_eq!(
                (adapter.as_str(), err_api.as_str(), model_id.as_str()),
                (ADAPTER_NAME, api, model)
            );
            let err = prepare_error(model, &input);
            assert!(matches!(err, Error::Unsupported { .. }), "{err}");
        }
    }
}

/// Refusals say what is allowed in words a caller can act on.
#[test]
fn refusals_say_what_is_allowed() {
    let err = prepare_error(
        MICRO,
        &ModelInput::Text(TextRequest::new("Hi").max_tokens(10_001)),
    );
    assert!(err.to_string().contains("1..=10000 (Nova Micro)"), "{err}");
    let err = prepare_error(
        "us.amazon.nova-premier-v1:0",
        &ModelInput::Text(TextRequest::new("Hi").max_tokens(40_000)),
    );
    assert!(
        err.to_string().contains("1..=32000 (Nova Premier)"),
        "{err}"
    );
    let mut image = ImageRequest::new("A lighthouse");
    image
        .extra
        .insert("taskType".to_owned(), serde_json::json!("VIRTUAL_TRY_ON"));
    let err = prepare_error(CANVAS, &ModelInput::Image(image));
    assert!(
        err.to_string().contains(
            "TEXT_IMAGE, COLOR_GUIDED_GENERATION, IMAGE_VARIATION, INPAINTING, OUTPAINTING, BACKGROUND_REMOVAL"
        ),
        "{err}"
    );
}
