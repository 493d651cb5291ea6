//! Integration tests of the Cohere adapter, driven by the data files under `tests/data`: body
//! snapshots, invalid inputs, parsed responses and streams, the conformance suite, registry
//! resolution and the request schemas of its five APIs.

mod bodies;
mod conformance;
mod invalid;
mod outputs;
mod registry;
mod schemas;

use std::path::PathBuf;

use bedrock_adapter_cohere::{
    CHAT_API, COMMAND_API, EMBED_API, EMBED_V4_API, RERANK_API, register,
};
use bedrock_core::{ModelId, ModelInput, Registry, Route};
use bedrock_testkit::StreamFixture;
use bedrock_testkit::fixtures::{load_dir, load_json, load_stream};
use serde::Deserialize;

/// Every catalog model of the family, with the API that serves it.
pub const CATALOG: &[(&str, &str)] = &[
    ("cohere.command-text-v14", COMMAND_API),
    ("cohere.command-light-text-v14", COMMAND_API),
    ("cohere.command-r-v1:0", CHAT_API),
    ("cohere.command-r-plus-v1:0", CHAT_API),
    ("cohere.embed-english-v3", EMBED_API),
    ("cohere.embed-multilingual-v3", EMBED_API),
    ("cohere.embed-v4:0", EMBED_V4_API),
    ("cohere.rerank-v3-5:0", RERANK_API),
];

/// The model whose route parses each API's example responses and streams.
pub fn model_for(api: &str) -> &'static str {
    match api {
        COMMAND_API => "cohere.command-text-v14",
        CHAT_API => "cohere.command-r-plus-v1:0",
        EMBED_API => "cohere.embed-english-v3",
        EMBED_V4_API => "cohere.embed-v4:0",
        RERANK_API => "cohere.rerank-v3-5:0",
        other => panic!("no model for API {other}"),
    }
}

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
    /// The field the error names (`max_tokens`, `stop_sequences[1]`, `extra.seed`).
    pub field: String,
    /// The neutral input.
    pub input: ModelInput,
}

/// `tests/data/valid_inputs.json`.
pub fn valid_inputs() -> Vec<ValidCase> {
    load_json(data_path("valid_inputs.json"))
}

/// `tests/data/invalid_inputs.json`, and the cases whose values are too long for a data file.
pub fn invalid_inputs() -> Vec<InvalidCase> {
    let mut cases: Vec<InvalidCase> = load_json(data_path("invalid_inputs.json"));
    let long = |model_id: &str, field: &str, input: serde_json::Value| InvalidCase {
        model_id: model_id.to_owned(),
        field: field.to_owned(),
        input: serde_json::from_value(input).expect("a model input"),
    };
    cases.push(long(
        "cohere.embed-english-v3",
        "texts[0]",
        serde_json::json!({"kind": "embedding", "text": "a".repeat(2049)}),
    ));
    cases.push(long(
        "cohere.embed-multilingual-v3",
        "texts[0]",
        serde_json::json!({"kind": "embedding", "text": "é".repeat(2049)}),
    ));
    cases.push(long(
        "cohere.rerank-v3-5:0",
        "documents",
        serde_json::json!({"kind": "rerank", "query": "Hi", "documents": vec!["a"; 1001]}),
    ));
    let image = "data:image/png;base64,iVBORw0KGgo=";
    cases.push(long(
        "cohere.embed-v4:0",
        "extra.images",
        serde_json::json!({"kind": "embedding", "text": "", "extra": {"images": vec![image; 97]}}),
    ));
    cases
}

/// `tests/data/responses/<api>/*.json`, by file stem.
pub fn responses(api: &str) -> Vec<(String, Vec<u8>)> {
    load_dir(data_path(&format!("responses/{api}")), "json")
}

/// Every `tests/data/streams/<api>/NAME.jsonl` (one chunk per line) with `NAME.whole.json`, the
/// whole body InvokeModel returns for the same generation; none for an API without the
/// directory.
pub fn streams(api: &str) -> Vec<StreamFixture> {
    let dir = data_path(&format!("streams/{api}"));
    if !dir.is_dir() {
        return Vec::new();
    }
    load_dir(&dir, "jsonl")
        .into_iter()
        .map(|(name, _)| {
            load_stream(
                &name,
                dir.join(format!("{name}.jsonl")),
                dir.join(format!("{name}.whole.json")),
            )
        })
        .collect()
}
