//! Invalid inputs from `tests/data/invalid_inputs.json`: each is refused before anything is
//! sent, with an error naming the body field, the value and what is allowed.

use bedrock_adapter_chat_completions::{ADAPTER_NAME, CHAT_API, ChatCompletionsAdapter};
use bedrock_core::{
    EmbeddingRequest, Error, ErrorKind, ImageRequest, InvokeOptions, ModelAdapter, ModelInput,
    TextRequest,
};

use crate::{MODEL, id, invalid_inputs, registry, route};

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
    assert!(cases.len() >= 10, "only {} invalid inputs", cases.len());
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

/// JSON has no NaN, so this case cannot live in the data file.
#[test]
fn nan_is_outside_every_range() {
    let input = ModelInput::Text(TextRequest::new("Hi").temperature(f32::NAN));
    assert_eq!(prepare_error(MODEL, &input).field(), Some("temperature"));
}

/// The registry refuses inputs its capabilities lack before the adapter sees them; the adapter,
/// called directly, refuses them too, naming itself, the API and the model.
#[test]
fn inputs_of_other_shapes_are_unsupported() {
    let route = route(MODEL);
    for input in [
        ModelInput::Embedding(EmbeddingRequest::new("Hi")),
        ModelInput::Image(ImageRequest::new("A lighthouse")),
    ] {
        let err = ChatCompletionsAdapter
            .build_body(&route, &input)
            .unwrap_err();
        let Error::Unsupported {
            operation,
            adapter,
            api,
            model_id,
        } = &err
        else {
            panic!("{}: {err}", input.operation())
        };
        assert_eq!(operation, input.operation());
        assert_eq!(
            (adapter.as_str(), api.as_str(), model_id.as_str()),
            (ADAPTER_NAME, CHAT_API, MODEL)
        );
    }
}
