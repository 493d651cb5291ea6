//! Integration tests of the chat-completions adapter, driven by the data files under `tests/data`:
//! body snapshots, invalid inputs, parsed responses and streams, the conformance suite, registry
//! resolution and the request schema.

mod bodies;
mod conformance;
mod invalid;
mod outputs;
mod registry;
mod schemas;

use std::path::PathBuf;

use bedrock_adapter_chat_completions::register;
use bedrock_core::{ModelId, ModelInput, Registry, Route};
use bedrock_testkit::StreamFixture;
use bedrock_testkit::fixtures::{load_dir, load_json, load_stream};
use serde::Deserialize;

/// A model the adapter serves.
pub const MODEL: &str = "qwen.qwen3-32b-v1:0";

/// One model per model id prefix the adapter serves, [`MODEL`] first.
pub const MODELS: &[&str] = &[
    "qwen.qwen3-32b-v1:0",
    "qwen.qwen3-coder-480b-a35b-v1:0",
    "openai.gpt-oss-20b-1:0",
    "openai.gpt-oss-120b-1:0",
    "deepseek.v3-v1:0",
    "writer.palmyra-x4-v1:0",
    "writer.palmyra-x5-v1:0",
    "mistral.magistral-small-2509",
    "mistral.mistral-large-3-675b-instruct",
];

/// A registry holding only this adapter.
pub fn registry() -> Registry {
    let registry = Registry::new();
    register(&registry);
    registry
}

/// `model_id`, parsed.
pub fn id(model_id: &str) -> ModelId {
    ModelId::new(model_id).unwrap_or_else(|e| panic!("{model_id}: {e}"))
}

/// The route the registry resolves `model_id` to, as the adapter receives it.
pub fn route(model_id: &str) -> Route {
    let resolved = registry().resolve(&id(model_id));
    resolved.unwrap_or_else(|e| panic!("{model_id}: {e}")).route
}

/// `tests/data/<relative>`.
pub fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A valid input, the model it is for, and the name its body snapshot goes under.
#[derive(Debug, Deserialize)]
pub struct ValidCase {
    /// The snapshot's name, `body_<name>`.
    pub name: String,
    /// The model, as a caller would name it (bare id, profile id or ARN).
    pub model_id: String,
    /// The neutral input.
    pub input: ModelInput,
}

/// An invalid input, the model it is for, and the body field its error must name.
#[derive(Debug, Deserialize)]
pub struct InvalidCase {
    /// The model, as a caller would name it.
    pub model_id: String,
    /// The field the error names (`max_tokens`, `stop[1]`, `extra.seed`).
    pub field: String,
    /// The neutral input.
    pub input: ModelInput,
}

/// `tests/data/valid_inputs.json`.
pub fn valid_inputs() -> Vec<ValidCase> {
    load_json(data_path("valid_inputs.json"))
}

/// `tests/data/invalid_inputs.json`.
pub fn invalid_inputs() -> Vec<InvalidCase> {
    load_json(data_path("invalid_inputs.json"))
}

/// `tests/data/responses/*.json`, by file stem.
pub fn responses() -> Vec<(String, Vec<u8>)> {
    load_dir(data_path("responses"), "json")
}

/// Every `tests/data/streams/NAME.jsonl` (one chunk per line) with `NAME.whole.json`, the whole
/// body InvokeModel returns for the same generation.
pub fn streams() -> Vec<StreamFixture> {
    load_dir(data_path("streams"), "jsonl")
        .into_iter()
        .map(|(name, _)| {
            load_stream(
                &name,
                data_path(&format!("streams/{name}.jsonl")),
                data_path(&format!("streams/{name}.whole.json")),
            )
        })
        .collect()
}
