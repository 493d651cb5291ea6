//! Loading the data files: inputs with their model ids, the invalid-input table, documented
//! responses and recorded streams.

use bedrock_core::{ModelId, ModelInput};
use bedrock_testkit::{StreamFixture, fixtures};
use serde::Deserialize;

pub const DATA: &str = "tests/data";

/// One input file: a model id and a serialized `ModelInput`.
#[derive(Debug, Clone, Deserialize)]
pub struct InputCase {
    pub model_id: String,
    pub input: ModelInput,
}

impl InputCase {
    pub fn model(&self) -> ModelId {
        ModelId::new(&self.model_id).expect("valid model id in a data file")
    }

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

/// The names of every input file, sorted.
pub fn input_names() -> Vec<&'static str> {
    fixtures::load_dir(format!("{DATA}/inputs"), "json")
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

pub fn input(name: &str) -> InputCase {
    fixtures::load_json(format!("{DATA}/inputs/{name}.json"))
}

pub fn invalid_cases() -> Vec<InvalidCase> {
    fixtures::load_json(format!("{DATA}/invalid_inputs.json"))
}

/// Documented responses whose file names start with `prefix` (`messages_`, `text_completions_`).
pub fn responses(prefix: &str) -> Vec<(&'static str, Vec<u8>)> {
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
                name,
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
