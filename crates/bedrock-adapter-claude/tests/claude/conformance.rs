//! The shared conformance suite over both APIs, with one fixture set per model in the data files.

use std::collections::BTreeMap;

use bedrock_adapter_claude::{MESSAGES_API, TEXT_COMPLETIONS_API};
use bedrock_testkit::{ApiFixtures, run_conformance};

use crate::fixtures::{self, ADAPTER, route};

/// Every valid input and every invalid row, grouped by model id; inputs that switch API through
/// `extra.api` are left to their own tests, since the suite checks bodies against the schema of
/// the model's default API.
fn fixtures() -> Vec<ApiFixtures> {
    let mut by_model: BTreeMap<String, ApiFixtures> = BTreeMap::new();
    for case in fixtures::valid_inputs() {
        if !case.overrides_api() {
            entry(&mut by_model, &case.model_id)
                .valid_inputs
                .push(case.input);
        }
    }
    for case in fixtures::invalid_cases() {
        entry(&mut by_model, &case.model_id)
            .invalid_inputs
            .push((case.input, case.field));
    }
    // Models that only appear in the invalid table still need one valid input to build.
    for f in by_model.values_mut().filter(|f| f.valid_inputs.is_empty()) {
        f.valid_inputs.push(bedrock_core::ModelInput::Text(
            bedrock_core::TextRequest::new("Hi").max_tokens(16),
        ));
    }
    by_model.into_values().collect()
}

/// The fixtures for `model_id`, created with the responses and streams of its API.
fn entry<'a>(
    by_model: &'a mut BTreeMap<String, ApiFixtures>,
    model_id: &str,
) -> &'a mut ApiFixtures {
    by_model.entry(model_id.to_owned()).or_insert_with(|| {
        let mut f = ApiFixtures::new(route(model_id).api(), model_id);
        f.example_responses = fixtures::responses(fixtures::prefix_of(&f.api));
        f.streams = fixtures::streams(fixtures::prefix_of(&f.api));
        f
    })
}

#[test]
fn the_conformance_suite_passes_for_both_apis() {
    let fixtures = fixtures();
    let apis: std::collections::BTreeSet<&str> = fixtures.iter().map(|f| f.api.as_str()).collect();
    assert_eq!(
        apis.into_iter().collect::<Vec<_>>(),
        vec![MESSAGES_API, TEXT_COMPLETIONS_API]
    );
    assert!(
        fixtures.len() >= 10,
        "fixtures cover {} models",
        fixtures.len()
    );
    run_conformance(&ADAPTER, &fixtures);
}
