//! Invalid inputs from `tests/data/invalid_inputs.json`: each is refused before anything is
//! sent, with an error naming the body field, the value and what is allowed.

use std::collections::BTreeMap;

use bedrock_adapter_cohere::models::APIS;
use bedrock_adapter_cohere::{
    ADAPTER_NAME, CHAT_API, COMMAND_API, CohereAdapter, EMBED_API, EMBED_V4_API, RERANK_API,
};
use bedrock_core::{
    ChatMessage, ChatRequest, EmbeddingRequest, Error, ErrorKind, ImageRequest, InvokeOptions,
    ModelAdapter, ModelInput, RerankRequest, TextRequest,
};

use crate::{id, invalid_inputs, model_for, registry, route};

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
    let mut per_api: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        let label = format!("{} / {}", case.model_id, case.field);
        *per_api.entry(route(&case.model_id).api()).or_default() += 1;
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
    for api in APIS {
        let count = per_api.get(api).copied().unwrap_or(0);
        assert!(count >= 20, "only {count} invalid inputs for {api}");
    }
}

/// JSON has no NaN, so these cases cannot live in the data file.
#[test]
fn nan_is_outside_every_range() {
    for (model, field, input) in [
        (
            "cohere.command-text-v14",
            "temperature",
            TextRequest::new("Hi").temperature(f32::NAN),
        ),
        ("cohere.command-r-v1:0", "p", {
            let mut request = TextRequest::new("Hi");
            request.params.top_p = Some(f32::NAN);
            request
        }),
    ] {
        let err = prepare_error(model, &ModelInput::Text(input));
        assert_eq!(err.field(), Some(field), "{model}");
    }
}

#[test]
fn max_tokens_errors_name_the_model_limit() {
    for (model, limit) in [
        (
            "cohere.command-light-text-v14",
            "1..=4096 for Command Light",
        ),
        ("cohere.command-r-plus-v1:0", "1..=4000 for Command R+"),
    ] {
        let err = prepare_error(
            model,
            &ModelInput::Text(TextRequest::new("Hi").max_tokens(5000)),
        );
        let Error::InvalidInput(invalid) = &err else {
            panic!("{model}: {err}")
        };
        assert_eq!(invalid.allowed, limit, "{model}");
    }
}

/// The registry refuses inputs its capabilities lack before the adapter sees them; the adapter,
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
    let rerank = ModelInput::Rerank(RerankRequest::new("Hi", vec!["Hello".to_owned()]));
    for (api, inputs) in [
        (COMMAND_API, vec![&chat, &embedding, &image, &rerank]),
        (CHAT_API, vec![&embedding, &image, &rerank]),
        (EMBED_API, vec![&text, &chat, &image, &rerank]),
        (EMBED_V4_API, vec![&text, &chat, &image, &rerank]),
        (RERANK_API, vec![&text, &chat, &embedding, &image]),
    ] {
        let model = model_for(api);
        let route = route(model);
        for input in inputs {
            let err = CohereAdapter.build_body(&route, input).unwrap_err();
            let Error::Unsupported {
                operation,
                adapter,
                api: err_api,
                model_id,
            } = &err
            else {
                panic!("{api} {}: {err}", input.operation())
            };
            assert_eq!(operation, input.operation());
            assert_eq!(
                (adapter.as_str(), err_api.as_str(), model_id.as_str()),
                (ADAPTER_NAME, api, model)
            );
        }
    }
}
