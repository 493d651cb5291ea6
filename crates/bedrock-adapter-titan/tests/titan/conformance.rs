//! The shared conformance suite from `bedrock-testkit`, run over all four Titan APIs: one
//! fixture set per model that the data files use, so every valid and invalid input runs against
//! the model it was written for.

use std::collections::BTreeMap;

use bedrock_adapter_titan::{TEXT_API, TitanAdapter, register};
use bedrock_core::{EmbeddingRequest, ImageRequest, ModelInput, Registry, TextRequest};
use bedrock_testkit::fixtures::load_stream;
use bedrock_testkit::{ApiFixtures, assert_resolves, run_conformance};

use crate::fixtures::{STREAMS, api_of, data_path, invalid_inputs, responses, valid_inputs};

/// An input every model of `api` accepts, for models the data files only use for invalid inputs.
fn baseline_input(api: &str) -> ModelInput {
    match api {
        TEXT_API => ModelInput::Text(TextRequest::new("Name a mineral.")),
        bedrock_adapter_titan::IMAGE_API => {
            ModelInput::Image(ImageRequest::new("A quartz crystal"))
        }
        _ => ModelInput::Embedding(EmbeddingRequest::new("quartz")),
    }
}

fn entry<'a>(
    by_model: &'a mut BTreeMap<String, ApiFixtures>,
    model_id: &str,
) -> &'a mut ApiFixtures {
    by_model
        .entry(model_id.to_owned())
        .or_insert_with(|| ApiFixtures::new(api_of(model_id), model_id))
}

fn all_fixtures() -> Vec<ApiFixtures> {
    let mut by_model: BTreeMap<String, ApiFixtures> = BTreeMap::new();
    for case in valid_inputs() {
        entry(&mut by_model, &case.model_id)
            .valid_inputs
            .push(case.input);
    }
    for case in invalid_inputs() {
        entry(&mut by_model, &case.model_id)
            .invalid_inputs
            .push((case.input, case.field));
    }
    let responses = responses();
    for fixtures in by_model.values_mut() {
        if fixtures.valid_inputs.is_empty() {
            fixtures.valid_inputs.push(baseline_input(&fixtures.api));
        }
        for (case, body) in &responses {
            if api_of(&case.model_id) == fixtures.api {
                fixtures
                    .example_responses
                    .push((case.name.clone(), body.clone()));
            }
        }
        if fixtures.api == TEXT_API {
            for &name in STREAMS {
                fixtures.streams.push(load_stream(
                    name,
                    data_path(&format!("streams/{name}.jsonl")),
                    data_path(&format!("streams/{name}.whole.json")),
                ));
            }
        }
    }
    by_model.into_values().collect()
}

#[test]
fn the_conformance_suite_passes_for_every_api() {
    let fixtures = all_fixtures();
    let apis: std::collections::BTreeSet<&str> = fixtures.iter().map(|f| f.api.as_str()).collect();
    assert_eq!(apis.len(), 4, "{apis:?}");
    run_conformance(&TitanAdapter::new(), &fixtures);
}

#[test]
fn the_registry_resolves_each_api_through_testkit() {
    let registry = Registry::new();
    register(&registry);
    for fixtures in all_fixtures() {
        assert_resolves(
            &registry,
            fixtures.model_id.as_str(),
            "titan",
            &fixtures.api,
        );
    }
}
