//! Integration tests of the Nova adapter, driven by the data files under `tests/data`: body
//! snapshots, invalid inputs, parsed responses and streams, the conformance suite, registry
//! resolution and the request schemas.

mod bodies;
mod conformance;
mod invalid;
mod outputs;
mod registry;
mod schemas;

use std::path::PathBuf;

use bedrock_adapter_nova::register;
use bedrock_core::{ModelId, ModelInput, Registry, Route};
use bedrock_testkit::StreamFixture;
use bedrock_testkit::fixtures::{load_dir, load_json, load_stream};
use serde::Deserialize;

/// Nova Micro: text only.
pub const MICRO: &str = "amazon.nova-micro-v1:0";
/// Nova Lite: text and images.
pub const LITE: &str = "amazon.nova-lite-v1:0";
/// Nova Canvas: images out.
pub const CANVAS: &str = "amazon.nova-canvas-v1:0";

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

/// The API that serves `model_id`.
pub fn api_of(model_id: &str) -> &'static str {
    route(model_id).api()
}

/// `tests/data/<relative>`.
pub fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A valid input, the model it is for, and the name its body snapshot goes under.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct InvalidCase {
    /// The model, as a caller would name it.
    pub model_id: String,
    /// The field the error names (`inferenceConfig.maxTokens`, `extra.style`).
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
        CANVAS,
        "textToImageParams.text",
        serde_json::json!({"kind": "image", "prompt": "x".repeat(1025)}),
    ));
    cases.push(long(
        CANVAS,
        "colorGuidedGenerationParams.negativeText",
        serde_json::json!({"kind": "image", "prompt": "A kite", "negative_prompt": "é".repeat(1025),
            "extra": {"taskType": "COLOR_GUIDED_GENERATION", "colors": ["#FF0000"]}}),
    ));
    cases.push(long(
        CANVAS,
        "inPaintingParams.maskPrompt",
        serde_json::json!({"kind": "image", "prompt": "", "extra": {"taskType": "INPAINTING",
            "image": PNG_4X4, "maskPrompt": "m".repeat(1025)}}),
    ));
    cases
}

/// A 4x4 PNG, base64-encoded: a valid source image.
pub const PNG_4X4: &str = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGM4UaEBRwzEcQBTUhaBGaoOzwAAAABJRU5ErkJggg==";

/// `tests/data/responses/<api>/*.json`, by file stem: documented responses of one API.
pub fn responses(api: &str) -> Vec<(String, Vec<u8>)> {
    load_dir(data_path(&format!("responses/{api}")), "json")
}

/// `tests/data/rejected/<api>/*.json`, by file stem: well-formed bodies that are not an
/// answer (a moderation error, no images) or not one of the API's.
pub fn rejected(api: &str) -> Vec<(String, Vec<u8>)> {
    load_dir(data_path(&format!("rejected/{api}")), "json")
}

/// Every `tests/data/streams/NAME.jsonl` (one chunk per line) with `NAME.whole.json`, the whole
/// body InvokeModel returns for the same generation; all are `nova-messages` streams.
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
