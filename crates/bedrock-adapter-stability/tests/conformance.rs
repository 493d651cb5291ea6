//! The shared conformance suite, fed from the same data files as the other tests: one fixture
//! set per model that the request tables use, with the documented responses of its API.

mod support;

use std::collections::BTreeMap;

use bedrock_adapter_stability::{SD3_API, SDXL_API, StabilityAdapter};
use bedrock_core::{ModelAdapter, ModelId};
use bedrock_testkit::{ApiFixtures, run_conformance};
use support::{invalid_cases, request_cases, response_files};

/// The fixture set of `model`, created with its API's documented responses on first use.
fn fixture_for<'a>(
    by_model: &'a mut BTreeMap<String, ApiFixtures>,
    adapter: &StabilityAdapter,
    model: &ModelId,
) -> &'a mut ApiFixtures {
    by_model.entry(model.to_string()).or_insert_with(|| {
        let api = adapter.pattern_for(model).expect("a served model").api;
        let dir = if api == SDXL_API { "sdxl" } else { "sd3" };
        let mut f = ApiFixtures::new(api, model.as_str());
        f.example_responses = response_files(dir)
            .into_iter()
            .map(|(name, body)| (&*Box::leak(name.into_boxed_str()), body))
            .collect();
        f
    })
}

fn fixtures(adapter: &StabilityAdapter) -> Vec<ApiFixtures> {
    let mut by_model = BTreeMap::new();
    for (_, case) in request_cases() {
        fixture_for(&mut by_model, adapter, &case.model_id)
            .valid_inputs
            .push(case.input);
    }
    for case in invalid_cases() {
        let field: &'static str = Box::leak(case.field.into_boxed_str());
        fixture_for(&mut by_model, adapter, &case.model_id)
            .invalid_inputs
            .push((case.input, field));
    }
    by_model.into_values().collect()
}

#[test]
fn the_adapter_passes_the_conformance_suite() {
    let adapter = StabilityAdapter::new();
    let fixtures = fixtures(&adapter);
    for api in [SDXL_API, SD3_API] {
        let valid: usize = fixtures
            .iter()
            .filter(|f| f.api == api)
            .map(|f| f.valid_inputs.len())
            .sum();
        let invalid: usize = fixtures
            .iter()
            .filter(|f| f.api == api)
            .map(|f| f.invalid_inputs.len())
            .sum();
        assert!(
            valid >= 5 && invalid >= 12,
            "{api}: {valid} valid, {invalid} invalid inputs"
        );
    }
    run_conformance(&adapter, &fixtures);
}
