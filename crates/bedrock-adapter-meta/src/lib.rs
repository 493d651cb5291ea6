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

pub mod llama;
pub mod models;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

use llama::{LlamaRequest, LlamaResponse};
pub use models::LLAMA_API;

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "meta";

/// Builds and parses the bodies of Meta Llama models on Bedrock; stateless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetaAdapter;

/// Registers a [`MetaAdapter`] under the name `meta`, replacing any adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(MetaAdapter));
}

// The registry resolved the id and checked its capabilities: these only dispatch on the API.
impl ModelAdapter for MetaAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        (api == LLAMA_API).then(request_schema::<LlamaRequest>)
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        match (route.api(), input) {
            (LLAMA_API, ModelInput::Text(request)) => {
                RequestBody::json(&LlamaRequest::from_text(request, base)?)
            }
            (LLAMA_API, ModelInput::Chat(request)) => {
                RequestBody::json(&LlamaRequest::from_chat(request, base)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    // One API: every route is LLAMA_API.
    fn parse_output(&self, _route: &Route, body: &[u8]) -> Result<ModelOutput> {
        decode_json("Llama response", body).map(LlamaResponse::into_output)
    }

    fn parse_stream_chunk(&self, _route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        decode_json("Llama stream chunk", chunk).map(LlamaResponse::into_events)
    }
}
