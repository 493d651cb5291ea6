//! The shared conformance suite from `bedrock-testkit`, fed with the data files: one fixture set
//! per model the data files use, so every input runs against the model it was written for.

use std::collections::BTreeMap;

use bedrock_adapter_chat_completions::{CHAT_API, ChatCompletionsAdapter};
use bedrock_testkit::{ApiFixtures, run_conformance};

use crate::{invalid_inputs, responses, streams, valid_inputs};

#[test]
fn the_adapter_passes_the_conformance_suite() {
    let mut by_model: BTreeMap<String, ApiFixtures> = BTreeMap::new();
    for case in valid_inputs() {
        by_model
            .entry(case.model_id.clone())
            .or_insert_with(|| ApiFixtures::new(CHAT_API, &case.model_id))
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
            fixtures.example_responses = responses();
            fixtures.streams = streams();
            fixtures
        })
        .collect();
    run_conformance(&ChatCompletionsAdapter, &fixtures);
}
