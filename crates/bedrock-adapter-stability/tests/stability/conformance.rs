//! The shared conformance suite, fed from the same data files as the other tests: one fixture
//! set per model that the input tables use, with the documented responses of its API.

use std::collections::BTreeMap;

use bedrock_adapter_stability::{SD3_API, SDXL_API};
use bedrock_core::ModelId;
use bedrock_testkit::{ApiFixtures, assert_resolves, run_conformance};

use crate::fixtures::{ADAPTER, invalid_inputs, registry, response_files, route, valid_inputs};

/// The fixture set of `model`, created with its API's documented responses on first use.
fn fixture_for<'a>(
    by_model: &'a mut BTreeMap<String, ApiFixtures>,
    model: &ModelId,
) -> &'a mut ApiFixtures {
    by_model.entry(model.to_string()).or_insert_with(|| {
        let api = route(model).api();
        let dir = if api == SDXL_API { "sdxl" } else { "sd3" };
        let mut f = ApiFixtures::new(api, model.as_str());
        f.example_responses = response_files(dir);
        f
    })
}

fn fixtures() -> Vec<ApiFixtures> {
    let mut by_model = BTreeMap::new();
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
    by_model.into_values().collect()
}

#[test]
fn the_adapter_passes_the_conformance_suite() {
    let fixtures = fixtures();
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
    run_conformance(&ADAPTER, &fixtures);
}

#[test]
fn the_registry_resolves_each_fixture_model_through_testkit() {
    let registry = registry();
    for f in fixtures() {
        assert_resolves(&registry, f.model_id.as_str(), "stability", &f.api);
    }
}
