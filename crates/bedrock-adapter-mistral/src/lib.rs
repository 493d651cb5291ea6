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

pub mod chat;
mod conversation;
pub mod models;
pub mod text;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

use chat::{MistralChatRequest, MistralChatResponse};
pub use models::{CHAT_API, TEXT_API};
use text::{MistralTextRequest, MistralTextResponse};

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "mistral";

/// Builds and parses the bodies of Mistral AI models on Bedrock; stateless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MistralAdapter;

/// Registers a [`MistralAdapter`] under the name `mistral`, replacing any adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(MistralAdapter));
}

// The registry resolved the id and checked its capabilities: these only dispatch on the API.
impl ModelAdapter for MistralAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        match api {
            TEXT_API => Some(request_schema::<MistralTextRequest>()),
            CHAT_API => Some(request_schema::<MistralChatRequest>()),
            _ => None,
        }
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        match (route.api(), input) {
            (TEXT_API, ModelInput::Text(request)) => {
                RequestBody::json(&MistralTextRequest::from_text(request, base)?)
            }
            (TEXT_API, ModelInput::Chat(request)) => {
                RequestBody::json(&MistralTextRequest::from_chat(request, base)?)
            }
            (CHAT_API, ModelInput::Text(request)) => {
                RequestBody::json(&MistralChatRequest::from_text(request, base)?)
            }
            (CHAT_API, ModelInput::Chat(request)) => {
                RequestBody::json(&MistralChatRequest::from_chat(request, base)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput> {
        match route.api() {
            TEXT_API => {
                decode_json("Mistral text response", body).map(MistralTextResponse::into_output)
            }
            CHAT_API => {
                decode_json("Mistral chat response", body).map(MistralChatResponse::into_output)
            }
            _ => Err(route.unsupported("parsing a response")),
        }
    }

    fn parse_stream_chunk(&self, route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        match route.api() {
            TEXT_API => decode_json("Mistral text stream chunk", chunk)
                .map(MistralTextResponse::into_events),
            CHAT_API => decode_json("Mistral chat stream chunk", chunk)
                .map(MistralChatResponse::into_events),
            _ => Err(route.unsupported("streaming")),
        }
    }
}
