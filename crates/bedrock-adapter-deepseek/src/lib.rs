#![doc = include_str!("../README.md")]
// Response bodies and stream chunks from the network reach this crate's parsers: nothing they steer
// may panic. Tests may.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

pub mod models;
pub mod text;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

pub use models::TEXT_API;
use text::{DeepSeekTextRequest, DeepSeekTextResponse};

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "deepseek";

/// Builds and parses the bodies of DeepSeek models on Bedrock; stateless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeepSeekAdapter;

/// Registers a [`DeepSeekAdapter`] under the name `deepseek`, replacing any adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(DeepSeekAdapter));
}

// The registry resolved the id and checked its capabilities: these only dispatch on the API.
impl ModelAdapter for DeepSeekAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        (api == TEXT_API).then(request_schema::<DeepSeekTextRequest>)
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        match (route.api(), input) {
            (TEXT_API, ModelInput::Text(request)) => {
                RequestBody::json(&DeepSeekTextRequest::from_text(request, base)?)
            }
            (TEXT_API, ModelInput::Chat(request)) => {
                RequestBody::json(&DeepSeekTextRequest::from_chat(request, base)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    // One API: every route is TEXT_API.
    fn parse_output(&self, _route: &Route, body: &[u8]) -> Result<ModelOutput> {
        decode_json("DeepSeek response", body).map(DeepSeekTextResponse::into_output)
    }

    fn parse_stream_chunk(&self, _route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        decode_json("DeepSeek stream chunk", chunk).map(DeepSeekTextResponse::into_events)
    }
}
