//! Loaders for the data files under `tests/data` (valid inputs with their model ids, the
//! invalid-input table, documented responses and recorded streams), the one adapter every test
//! uses, and the registry that resolves model ids to its routes.

use std::sync::LazyLock;

use bedrock_adapter_claude::{ClaudeAdapter, register};
use bedrock_core::{InvokeOptions, ModelId, ModelInput, Registry, RequestBody, Result, Route};
use bedrock_testkit::{StreamFixture, fixtures};
use serde::Deserialize;

pub const DATA: &str = "tests/data";

pub const ADAPTER: ClaudeAdapter = ClaudeAdapter;

/// A registry holding only the Claude adapter.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let registry = Registry::new();
    register(&registry);
    registry
});

pub fn id(model_id: &str) -> ModelId {
    ModelId::new(model_id).unwrap_or_else(|e| panic!("{model_id}: {e}"))
}

/// The route by which the registry serves a model id.
pub fn route(model_id: &str) -> Route {
    REGISTRY
        .resolve(&id(model_id))
        .unwrap_or_else(|e| panic!("{model_id} is not served: {e}"))
        .route
}

/// The body the registry prepares for `input` to a model id: resolved, capability-checked and
/// built by the adapter, as a connector would send it.
pub fn build(model_id: &str, input: &ModelInput) -> Result<RequestBody> {
    REGISTRY
        .prepare(&id(model_id), input, InvokeOptions::default())
        .map(|call| call.body)
}

/// One valid input: the name its body snapshot goes under, a model id and a serialized
/// `ModelInput`.
#[derive(Debug, Clone, Deserialize)]
pub struct InputCase {
    pub name: String,
    pub model_id: String,
    pub input: ModelInput,
}

impl InputCase {
    /// Whether the input picks an API other than the model's default through `extra.api`.
    pub fn overrides_api(&self) -> bool {
        let extra = match &self.input {
            ModelInput::Text(t) => &t.extra,
            ModelInput::Chat(c) => &c.extra,
            _ => return false,
        };
        extra.contains_key("api")
    }
}

/// One row of the invalid-input table.
#[derive(Debug, Clone, Deserialize)]
pub struct InvalidCase {
    pub name: String,
    pub model_id: String,
    pub input: ModelInput,
    pub field: String,
}

/// Every valid input, sorted by name.
pub fn valid_inputs() -> Vec<InputCase> {
    fixtures::load_json(format!("{DATA}/valid_inputs.json"))
}

/// The valid input called `name`.
pub fn valid_input(name: &str) -> InputCase {
    valid_inputs()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no valid input called {name}"))
}

pub fn invalid_cases() -> Vec<InvalidCase> {
    fixtures::load_json(format!("{DATA}/invalid_inputs.json"))
}

/// Documented responses whose file names start with `prefix` (`messages_`, `text_completions_`).
pub fn responses(prefix: &str) -> Vec<(String, Vec<u8>)> {
    fixtures::load_dir(format!("{DATA}/responses"), "json")
        .into_iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .collect()
}

/// Recorded streams whose names start with `prefix`.
pub fn streams(prefix: &str) -> Vec<StreamFixture> {
    fixtures::load_dir(format!("{DATA}/streams"), "jsonl")
        .into_iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, _)| {
            fixtures::load_stream(
                &name,
                format!("{DATA}/streams/{name}.jsonl"),
                format!("{DATA}/streams/{name}.json"),
            )
        })
        .collect()
}

/// The response/stream file prefix for an API.
pub fn prefix_of(api: &str) -> &'static str {
    match api {
        bedrock_adapter_claude::MESSAGES_API => "messages_",
        bedrock_adapter_claude::TEXT_COMPLETIONS_API => "text_completions_",
        other => panic!("unknown API {other}"),
    }
}

/// One Converse-shaped request (`tests/data/converse_requests.json`) to send to Claude over
/// InvokeModel.
#[derive(Debug, Clone, Deserialize)]
pub struct ConverseCase {
    pub name: String,
    pub model_id: String,
    pub request: bedrock_core::converse::ConverseRequest,
}

/// One row of `tests/data/invalid_converse_requests.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct InvalidConverseCase {
    pub name: String,
    pub model_id: String,
    pub request: bedrock_core::converse::ConverseRequest,
    pub field: String,
}

pub fn converse_cases() -> Vec<ConverseCase> {
    fixtures::load_json(format!("{DATA}/converse_requests.json"))
}

pub fn converse_case(name: &str) -> ConverseCase {
    converse_cases()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no Converse request called {name}"))
}

pub fn invalid_converse_cases() -> Vec<InvalidConverseCase> {
    fixtures::load_json(format!("{DATA}/invalid_converse_requests.json"))
}

/// The bare model id a route serves, as the adapter is given it.
pub fn base_model_id(model_id: &str) -> String {
    route(model_id).base_model_id
}
