//! The shared conformance suite from `bedrock-testkit`, fed with the data files: one fixture set
//! per model the data files use, so every input runs against the model it was written for, with
//! the example responses and streams of that model's API.

use std::collections::{BTreeMap, BTreeSet};

use bedrock_adapter_mistral::MistralAdapter;
use bedrock_adapter_mistral::models::APIS;
use bedrock_testkit::{ApiFixtures, run_conformance};

use crate::{invalid_inputs, responses, route, streams, valid_inputs};

#[test]
fn the_adapter_passes_the_conformance_suite_for_every_api() {
    let mut by_model: BTreeMap<String, ApiFixtures> = BTreeMap::new();
    for case in valid_inputs() {
        by_model
            .entry(case.model_id.clone())
            .or_insert_with(|| ApiFixtures::new(route(&case.model_id).api(), &case.model_id))
            .valid_inputs
            .push(case.input);
    }
    for case in invalid_inputs() {
        let fixtures = by_model.get_mut(&case.model_id).unwrap_or_else(|| {
            panic!(
                "{}: give the model a case in valid_inputs.json too",
                case.model_id
            )
        });
        fixtures.invalid_inputs.push((case.input, case.field));
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
    run_conformance(&MistralAdapter, &fixtures);
}

/// At least 20 bad inputs for each API.
#[test]
fn every_api_has_enough_bad_inputs() {
    for api in APIS {
        let count = invalid_inputs()
            .iter()
            .filter(|case| route(&case.model_id).api() == *api)
            .count();
        assert!(count >= 20, "{api}: only {count} invalid inputs");
    }
}
