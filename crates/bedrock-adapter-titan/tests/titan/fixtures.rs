//! Loaders for the data files under `tests/data`, the one adapter every test uses, and the
//! registry that resolves model ids to its routes.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use bedrock_adapter_titan::{TitanAdapter, register};
use bedrock_core::{InvokeOptions, ModelId, ModelInput, Registry, RequestBody, Result, Route};
use serde::Deserialize;

pub const ADAPTER: TitanAdapter = TitanAdapter;

/// A registry holding only the Titan adapter.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let registry = Registry::new();
    register(&registry);
    registry
});

pub fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

pub fn read(relative: &str) -> Vec<u8> {
    let path = data_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json<T: for<'de> Deserialize<'de>>(relative: &str) -> T {
    serde_json::from_slice(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

pub fn id(model_id: &str) -> ModelId {
    ModelId::new(model_id).unwrap_or_else(|e| panic!("{e}"))
}

/// The route by which the registry serves a model id.
pub fn route(model_id: &str) -> Route {
    REGISTRY
        .resolve(&id(model_id))
        .unwrap_or_else(|e| panic!("{model_id} is not served: {e}"))
        .route
}

/// The API that serves a model id.
pub fn api_of(model_id: &str) -> &'static str {
    route(model_id).api()
}

/// The body the registry prepares for `input` to a model id: resolved, capability-checked and
/// built by the adapter, as a connector would send it.
pub fn build(model_id: &str, input: &ModelInput) -> Result<RequestBody> {
    REGISTRY
        .prepare(&id(model_id), input, InvokeOptions::default())
        .map(|call| call.body)
}

/// A valid input and the name its body snapshot goes under.
#[derive(Debug, Deserialize)]
pub struct InputCase {
    pub name: String,
    pub model_id: String,
    pub input: ModelInput,
}

/// An invalid input and the field its error must name.
#[derive(Debug, Deserialize)]
pub struct InvalidCase {
    pub model_id: String,
    pub field: String,
    pub input: ModelInput,
}

/// A documented example response.
#[derive(Debug, Deserialize)]
pub struct ResponseCase {
    pub name: String,
    pub model_id: String,
    pub file: String,
}

pub fn valid_inputs() -> Vec<InputCase> {
    read_json("valid_inputs.json")
}

/// `invalid_inputs.json` plus the cases whose values are too long to keep in a data file.
pub fn invalid_inputs() -> Vec<InvalidCase> {
    let mut cases: Vec<InvalidCase> = read_json("invalid_inputs.json");
    let long = |model_id: &str, field: &str, input: serde_json::Value| InvalidCase {
        model_id: model_id.to_owned(),
        field: field.to_owned(),
        input: serde_json::from_value(input).expect("a model input"),
    };
    cases.push(long(
        "amazon.titan-embed-text-v2:0",
        "inputText",
        serde_json::json!({"kind": "embedding", "text": "a".repeat(50_001)}),
    ));
    cases.push(long(
        "amazon.titan-embed-text-v1",
        "inputText",
        serde_json::json!({"kind": "embedding", "text": "é".repeat(50_001)}),
    ));
    cases.push(long(
        "amazon.titan-image-generator-v1",
        "textToImageParams.text",
        serde_json::json!({"kind": "image", "prompt": "x".repeat(513)}),
    ));
    cases.push(long(
        "amazon.titan-image-generator-v2:0",
        "textToImageParams.negativeText",
        serde_json::json!({"kind": "image", "prompt": "a cat", "negative_prompt": "y".repeat(513)}),
    ));
    let source = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFElEQVR42mP4z8DAAMH/gdR/EAAATMcJ9/NVNc8AAAAASUVORK5CYII=";
    cases.push(long(
        "amazon.titan-image-generator-v1",
        "inPaintingParams.maskPrompt",
        serde_json::json!({"kind": "image", "prompt": "",
            "extra": {"taskType": "INPAINTING", "image": source, "maskPrompt": "m".repeat(513)}}),
    ));
    cases.push(long(
        "amazon.titan-image-generator-v2:0",
        "outPaintingParams.negativeText",
        serde_json::json!({"kind": "image", "prompt": "a beach", "negative_prompt": "n".repeat(513),
            "extra": {"taskType": "OUTPAINTING", "image": source, "maskPrompt": "the kayak"}}),
    ));
    cases.push(long(
        "amazon.titan-image-generator-v1",
        "imageVariationParams.text",
        serde_json::json!({"kind": "image", "prompt": "é".repeat(513),
            "extra": {"taskType": "IMAGE_VARIATION", "images": [source]}}),
    ));
    cases.push(long(
        "amazon.titan-image-generator-v2:0",
        "colorGuidedGenerationParams.text",
        serde_json::json!({"kind": "image", "prompt": "c".repeat(513),
            "extra": {"taskType": "COLOR_GUIDED_GENERATION", "colors": ["#102030"]}}),
    ));
    cases
}

pub fn responses() -> Vec<(ResponseCase, Vec<u8>)> {
    let cases: Vec<ResponseCase> = read_json("responses.json");
    cases
        .into_iter()
        .map(|case| {
            let body = read(&format!("responses/{}", case.file));
            (case, body)
        })
        .collect()
}

/// A recorded stream: its chunks (one JSON per line) and the equivalent whole response.
pub fn stream(name: &str) -> (Vec<Vec<u8>>, Vec<u8>) {
    let lines = read(&format!("streams/{name}.jsonl"));
    let chunks = lines
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    (chunks, read(&format!("streams/{name}.whole.json")))
}

pub const STREAMS: &[&str] = &["text_finish", "text_length"];

/// The base64 PNG in the documented image responses: 3x2 pixels, RGB.
pub fn example_png() -> Vec<u8> {
    use base64::Engine as _;
    let body: serde_json::Value = serde_json::from_slice(&read("responses/image.json")).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(body["images"][0].as_str().unwrap())
        .unwrap()
}
