//! The shared conformance suite from `bedrock-testkit`, fed with the data files: one fixture set
//! per model the data files use, so every input runs against the model it was written for, with
//! the example responses and streams of that model's API.

use std::collections::{BTreeMap, BTreeSet};

use bedrock_adapter_cohere::CohereAdapter;
use bedrock_adapter_cohere::models::APIS;
use bedrock_testkit::{ApiFixtures, run_conformance};

use crate::{invalid_inputs, responses, route, streams, valid_inputs};

fn entry<'a>(
    by_model: &'a mut BTreeMap<String, ApiFixtures>,
    model_id: &str,
) -> &'a mut ApiFixtures {
    by_model
        .entry(model_id.to_owned())
        .or_insert_with(|| ApiFixtures::new(route(model_id).api(), model_id))
}

#[test]
fn the_adapter_passes_the_conformance_suite_for_every_api() {
    let mut by_model: BTreeMap<String, ApiFixtures> = BTreeMap::new();
    for case in valid_inputs() {
        entry(&mut by_model, &case.model_id)
            .valid_inputs
            .push(case.input);
    }
    for case in invalid_inputs() {
        assert!(
            by_model.contains_key(&case.model_id),
            "{}: give the model a case in valid_inputs.json too",
            case.model_id
        );
        entry(&mut by_model, &case.model_id)
            .invalid_inputs
            .push((case.input, case.field));
    }
    let fixtures: Vec<ApiFixtures> = by_model
        .into_values()
        .map(|mut fixtures| {
            fixtures.example_responses = responses(&fixtures.api);
            fixtures.streams = streams(&fixtures.api);
            fixtures
        })
        .collect();
    let covered: BTreeSet<&str> = fixtures.iter().map(|f| f.api.as_str()).collect();
    assert_eq!(covered, APIS.iter().copied().collect());
    run_conformance(&CohereAdapter, &fixtures);
}
