//! The shared conformance suite from `bedrock-testkit`, fed with the data files: one fixture set
//! per model the data files use, so every input runs against the model it was written for, with
//! its API's documented responses (and, for `nova-messages`, the recorded streams).

use std::collections::BTreeMap;

use bedrock_adapter_nova::{ADAPTER_NAME, CANVAS_API, MESSAGES_API, NovaAdapter};
use bedrock_core::{ImageRequest, ModelInput, TextRequest};
use bedrock_testkit::{ApiFixtures, assert_resolves, run_conformance};

use crate::{api_of, invalid_inputs, registry, responses, streams, valid_inputs};

/// An input every model of `api` accepts, for models the data files only use for invalid inputs.
fn baseline_input(api: &str) -> ModelInput {
    match api {
        CANVAS_API => ModelInput::Image(ImageRequest::new("A quartz crystal")),
        _ => ModelInput::Text(TextRequest::new("Name a mineral.")),
    }
}

fn fixture_for<'a>(
    by_model: &'a mut BTreeMap<String, ApiFixtures>,
    model_id: &str,
) -> &'a mut ApiFixtures {
    by_model
        .entry(model_id.to_owned())
        .or_insert_with(|| ApiFixtures::new(api_of(model_id), model_id))
}

fn fixtures() -> Vec<ApiFixtures> {
    let mut by_model: BTreeMap<String, ApiFixtures> = BTreeMap::new();
    for case in valid_inputs() {
        fixture_for(&mut by_model, &case.model_id)
            .valid_inputs
            .push(case.input);
    }
    for case in invalid_inputs() {
        fixture_for(&mut by_model, &case.model_id)
            .invalid_inputs
            .push((case.input, case.field));
    }
    let (messages, canvas) = (responses(MESSAGES_API), responses(CANVAS_API));
    for fixtures in by_model.values_mut() {
        if fixtures.valid_inputs.is_empty() {
            fixtures.valid_inputs.push(baseline_input(&fixtures.api));
        }
        if fixtures.api == MESSAGES_API {
            fixtures.example_responses = messages.clone();
            fixtures.streams = streams();
        } else {
            fixtures.example_responses = canvas.clone();
        }
    }
    by_model.into_values().collect()
}

#[test]
fn the_adapter_passes_the_conformance_suite() {
    let fixtures = fixtures();
    for api in [MESSAGES_API, CANVAS_API] {
        let invalid: usize = fixtures
            .iter()
            .filter(|f| f.api == api)
            .map(|f| f.invalid_inputs.len())
            .sum();
        assert!(invalid >= 20, "{api}: {invalid} invalid inputs");
    }
    run_conformance(&NovaAdapter, &fixtures);
}

#[test]
fn the_registry_resolves_each_fixture_model_through_testkit() {
    let registry = registry();
    for f in fixtures() {
        assert_resolves(&registry, f.model_id.as_str(), ADAPTER_NAME, &f.api);
    }
}
