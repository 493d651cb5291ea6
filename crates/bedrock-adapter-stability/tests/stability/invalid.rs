//! Bad inputs, from the table in `tests/data/invalid_inputs.json`: each is rejected before a
//! body is built, with an error naming the expected field, the value and what is allowed; inputs
//! of a shape the APIs have no body for are unsupported.

use bedrock_adapter_stability::{SD3_API, SDXL_API};
use bedrock_core::{
    ChatMessage, ChatRequest, EmbeddingRequest, Error, ErrorKind, ModelAdapter, ModelInput,
    TextRequest,
};

use crate::fixtures::{ADAPTER, id, invalid_inputs, prepare, route};

#[test]
fn every_bad_input_names_its_field() {
    let cases = invalid_inputs();
    assert!(cases.len() >= 25, "the table has {} cases", cases.len());
    let mut messages = Vec::new();
    for case in &cases {
        let at = format!("{} ({})", case.about, case.model_id);
        let err = match prepare(&case.model_id, &case.input) {
            Ok(call) => panic!(
                "{at}: accepted, built {}",
                String::from_utf8_lossy(&call.body.body)
            ),
            Err(e) => e,
        };
        let Error::InvalidInput(bad) = &err else {
            panic!("{at}: expected InvalidInput, got {err:?}")
        };
        assert_eq!(bad.field, case.field, "{at}: {err}");
        assert!(
            !bad.value.is_empty() && !bad.allowed.is_empty(),
            "{at}: {err}"
        );
        assert_eq!(err.kind(), ErrorKind::Validation, "{at}");
        assert!(!err.is_retryable(), "{at}");
        messages.push(format!("{}: {err}", case.about));
    }
    insta::assert_yaml_snapshot!("invalid-input-messages", messages);
}

#[test]
fn both_apis_have_bad_inputs_in_the_table() {
    let cases = invalid_inputs();
    let sdxl = cases
        .iter()
        .filter(|c| c.model_id.as_str().contains("stable-diffusion-xl"))
        .count();
    assert!(
        sdxl >= 12 && cases.len() - sdxl >= 12,
        "sdxl {sdxl}, sd3 {}",
        cases.len() - sdxl
    );
}

#[test]
fn unknown_extra_fields_are_named_with_their_prefix() {
    let cases = invalid_inputs();
    let unknown: Vec<_> = cases
        .iter()
        .filter(|c| c.field.starts_with("extra."))
        .collect();
    assert!(unknown.len() >= 2, "{} cases", unknown.len());
    for case in unknown {
        let err = prepare(&case.model_id, &case.input).unwrap_err();
        let api = route(&case.model_id).api();
        assert!(
            err.to_string()
                .contains(&format!("extra fields of the {api} body: ")),
            "{}: {err}",
            case.about
        );
    }
}

#[test]
fn text_chat_and_embedding_inputs_are_unsupported() {
    for (model, api) in [
        ("stability.stable-diffusion-xl-v1", SDXL_API),
        ("stability.sd3-large-v1:0", SD3_API),
        ("us.stability.stable-image-ultra-v1:0", SD3_API),
    ] {
        let route = route(&id(model));
        for input in [
            ModelInput::Text(TextRequest::new("hi")),
            ModelInput::Embedding(EmbeddingRequest::new("hi")),
            ModelInput::Chat(ChatRequest {
                messages: vec![ChatMessage::user("hi")],
                ..ChatRequest::default()
            }),
        ] {
            // The registry refuses them before the adapter runs; the adapter refuses them too.
            for err in [
                prepare(&id(model), &input).unwrap_err(),
                ADAPTER.build_body(&route, &input).unwrap_err(),
            ] {
                match err {
                    Error::Unsupported {
                        adapter,
                        api: got,
                        operation,
                        model_id,
                    } => {
                        assert_eq!((adapter.as_str(), got.as_str()), ("stability", api));
                        assert_eq!(operation, input.operation());
                        assert_eq!(model_id, model);
                    }
                    other => panic!("{model}: {other:?}"),
                }
            }
        }
        let err = ADAPTER.parse_stream_chunk(&route, b"{}").unwrap_err();
        assert!(
            matches!(err, Error::Unsupported { ref operation, .. } if operation == "streaming"),
            "{err:?}"
        );
    }
}
