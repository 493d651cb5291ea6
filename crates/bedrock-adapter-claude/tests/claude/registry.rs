//! Resolution of every Anthropic model in the catalog, bare and through profiles and ARNs, and
//! the miss for ids Claude does not serve.

use bedrock_adapter_claude::{
    MESSAGES_API, TEXT_COMPLETIONS_API, TEXT_COMPLETIONS_MODELS, register,
};
use bedrock_core::{Error, ModelInput, Registry, TextRequest, catalog};
use bedrock_testkit::assert_resolves;

use crate::fixtures::build;

#[test]
fn every_catalog_claude_resolves_to_its_api_in_every_form() {
    let registry = Registry::new();
    register(&registry);
    let claudes: Vec<_> = catalog::foundation_models()
        .iter()
        .filter(|m| m.provider == "Anthropic")
        .collect();
    assert!(
        claudes.len() >= 10,
        "{} Anthropic models in the catalog",
        claudes.len()
    );
    for m in &claudes {
        let id = m.model_id;
        let api = if TEXT_COMPLETIONS_MODELS.contains(&id) {
            TEXT_COMPLETIONS_API
        } else {
            MESSAGES_API
        };
        for form in [
            id.to_owned(),
            format!("us.{id}"),
            format!("eu.{id}"),
            format!("global.{id}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{id}"),
            format!("arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.{id}"),
        ] {
            assert_resolves(&registry, &form, "claude", api);
        }
    }
    for legacy in TEXT_COMPLETIONS_MODELS {
        assert!(
            claudes.iter().any(|m| m.model_id == legacy),
            "{legacy} missing from the catalog"
        );
    }
}

#[test]
fn future_claude_ids_go_to_the_messages_api() {
    let registry = Registry::new();
    register(&registry);
    assert_resolves(
        &registry,
        "anthropic.claude-sonnet-5-20270101-v1:0",
        "claude",
        MESSAGES_API,
    );
    assert_resolves(
        &registry,
        "us.anthropic.claude-v2:2",
        "claude",
        MESSAGES_API,
    );
}

#[test]
fn other_families_get_no_adapter() {
    let input = ModelInput::Text(TextRequest::new("hi"));
    for id in [
        "amazon.titan-text-express-v1",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
    ] {
        let err = build(id, &input).unwrap_err();
        assert!(
            matches!(&err, Error::NoAdapter { model_id, .. } if model_id == id),
            "{err:?}"
        );
        assert!(err.to_string().contains("anthropic.claude*"), "{err}");
    }
}
