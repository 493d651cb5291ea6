#![doc = include_str!("../README.md")]

pub mod backend;
mod conformance;
pub mod fixtures;

#[cfg(test)]
mod conformance_tests;

use bedrock_core::{ModelId, ModelInput};

pub use backend::{
    BackendSuite, CallsSeen, Sweep, call_metadata, errors_by_kind, get_agrees_with_listing,
    history_rows, invoke_every_family, listing_and_filters, run_backend_conformance, same_answers,
    stream_every_family,
};
pub use conformance::{
    assert_resolves, bad_inputs_rejected, bodies_match_schema, example_responses_parse,
    fixtures_cover_every_api, patterns_are_consistent, route_of, run_conformance,
    stream_equals_whole, unsupported_inputs_rejected,
};

/// One API of an adapter with its fixtures.
#[derive(Debug, Clone)]
pub struct ApiFixtures {
    /// The API's name, as the adapter's [`bedrock_core::ModelPattern::api`] spells it.
    pub api: String,
    /// A model served through that API; every check builds and parses for this id.
    pub model_id: ModelId,
    /// Inputs `build_body` must accept; each body must validate against the API's schema.
    pub valid_inputs: Vec<ModelInput>,
    /// Inputs `build_body` must reject with [`bedrock_core::Error::InvalidInput`] whose field is
    /// the paired string (`max_tokens`, `messages[1].role`).
    pub invalid_inputs: Vec<(ModelInput, String)>,
    /// Documented example responses, by name; `parse_output` must accept each.
    pub example_responses: Vec<(String, Vec<u8>)>,
    /// Recorded response streams; required when the API streams, forbidden otherwise.
    pub streams: Vec<StreamFixture>,
}

impl ApiFixtures {
    /// Fixtures for `api` with no inputs, responses or streams yet.
    ///
    /// # Panics
    /// When `model_id` is not a valid model id.
    #[track_caller]
    pub fn new(api: impl Into<String>, model_id: &str) -> Self {
        let api = api.into();
        let model_id =
            ModelId::new(model_id).unwrap_or_else(|e| panic!("fixtures for API `{api}`: {e}"));
        ApiFixtures {
            api,
            model_id,
            valid_inputs: Vec::new(),
            invalid_inputs: Vec::new(),
            example_responses: Vec::new(),
            streams: Vec::new(),
        }
    }
}

/// One recorded response stream: the model's JSON chunks in order, and the non-streamed body the
/// same generation returns.
#[derive(Debug, Clone)]
pub struct StreamFixture {
    /// A name for failure messages.
    pub name: String,
    /// The model's own JSON chunks (the decoded `bytes` of each `chunk` event).
    pub chunks: Vec<Vec<u8>>,
    /// The whole body InvokeModel returns for the same generation.
    pub whole_body: Vec<u8>,
}
