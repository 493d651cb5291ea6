//! The invalid-input table (`tests/data/invalid_inputs.json`): each row must fail with
//! `Error::InvalidInput` on the listed field, showing the value and what is allowed; plus the
//! limits too large for a data file and the operations Claude lacks.

use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, EmbeddingRequest, Error, ImageFormat, InferenceParams,
    ModelAdapter, ModelInput, Role, TextRequest,
};

use crate::fixtures::{self, ADAPTER, build, route};

#[test]
fn every_row_of_the_invalid_input_table_names_its_field() {
    let cases = fixtures::invalid_cases();
    assert!(cases.len() >= 25, "only {} invalid inputs", cases.len());
    for case in cases {
        match build(&case.model_id, &case.input) {
            Err(Error::InvalidInput(bad)) => {
                assert_eq!(bad.field, case.field, "{}: {bad}", case.name);
                assert!(!bad.value.is_empty(), "{}: no value in {bad}", case.name);
                assert!(
                    !bad.allowed.is_empty(),
                    "{}: nothing allowed in {bad}",
                    case.name
                );
            }
            other => panic!(
                "{}: expected InvalidInput on `{}`, got {other:?}",
                case.name, case.field
            ),
        }
    }
}

#[test]
fn broken_legacy_prompts_quote_bedrocks_rule() {
    let input = ModelInput::Text(TextRequest::new("\n\nHuman: hi\n\nAssistant: Sure"));
    let err = build("anthropic.claude-v2", &input)
        .unwrap_err()
        .to_string();
    assert!(err.contains("starts with \"\\n\\nHuman:\""), "{err}");
    assert!(err.contains("ends with \"\\n\\nAssistant:\""), "{err}");
    assert!(err.contains("does not end with"), "{err}");
}

#[test]
fn range_errors_state_the_model_ceiling() {
    let input = ModelInput::Text(TextRequest::new("Hi").max_tokens(5000));
    let err = build("anthropic.claude-3-haiku-20240307-v1:0", &input).unwrap_err();
    let Error::InvalidInput(bad) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (bad.field.as_str(), bad.value.as_str()),
        ("max_tokens", "5000")
    );
    assert!(bad.allowed.starts_with("1..=4096"), "{}", bad.allowed);
}

fn png(len: usize) -> Vec<u8> {
    let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
    data.resize(len, 0);
    data
}

fn chat_with_images(images: Vec<Vec<u8>>) -> ModelInput {
    let content = images
        .into_iter()
        .map(|data| ContentPart::Image {
            format: ImageFormat::Png,
            data,
        })
        .collect();
    ModelInput::Chat(ChatRequest {
        messages: vec![ChatMessage {
            role: Role::User,
            content,
        }],
        params: InferenceParams {
            max_tokens: Some(100),
            ..InferenceParams::default()
        },
        ..ChatRequest::default()
    })
}

#[test]
fn at_most_twenty_images_of_at_most_3_75_mb() {
    let model = "anthropic.claude-3-5-sonnet-20241022-v2:0";
    assert!(build(model, &chat_with_images(vec![png(64); 20])).is_ok());
    let err = build(model, &chat_with_images(vec![png(64); 21])).unwrap_err();
    assert_eq!(err.field(), Some("messages[0].content[20]"), "{err}");

    assert!(build(model, &chat_with_images(vec![png(3_932_160)])).is_ok());
    let err = build(model, &chat_with_images(vec![png(3_932_161)])).unwrap_err();
    assert_eq!(err.field(), Some("messages[0].content[0].data"), "{err}");
    assert!(err.to_string().contains("3932161 bytes"), "{err}");
}

#[test]
fn too_many_stop_sequences_are_rejected() {
    let model = "anthropic.claude-3-haiku-20240307-v1:0";
    let mut req = TextRequest::new("Hi");
    req.params.stop_sequences = (0..8192).map(|i| format!("s{i}")).collect();
    let err = build(model, &ModelInput::Text(req.clone())).unwrap_err();
    assert_eq!(err.field(), Some("stop_sequences"), "{err}");
    req.params.stop_sequences.pop();
    assert!(build(model, &ModelInput::Text(req)).is_ok());
}

#[test]
fn operations_claude_lacks_are_unsupported() {
    let model = "us.anthropic.claude-3-haiku-20240307-v1:0";
    let input = ModelInput::Embedding(EmbeddingRequest::new("x"));
    // The registry refuses it on the route's capabilities; the adapter, called directly, has no
    // body for it either.
    let from_registry = build(model, &input).unwrap_err();
    let from_adapter = ADAPTER.build_body(&route(model), &input).unwrap_err();
    for err in [from_registry, from_adapter] {
        match err {
            Error::Unsupported {
                operation,
                adapter,
                api,
                model_id,
            } => {
                assert_eq!(operation, "embedding");
                assert_eq!(adapter, "claude");
                assert_eq!(api, bedrock_adapter_claude::MESSAGES_API);
                assert_eq!(model_id, model);
            }
            other => panic!("{other:?}"),
        }
    }
}
