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

pub mod canvas;
pub mod messages;
pub mod models;
pub mod reel;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

pub use models::{CANVAS_API, MESSAGES_API};

use crate::canvas::{NovaCanvasRequest, NovaCanvasResponse};
use crate::messages::{NovaMessagesRequest, NovaMessagesResponse, NovaStreamChunk};
use crate::models::messages_model_limits;

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "nova";

/// Builds and parses the bodies of Amazon Nova models on Bedrock: Micro, Lite, Pro and Premier
/// through [`MESSAGES_API`], Canvas through [`CANVAS_API`]; stateless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NovaAdapter;

/// Registers a [`NovaAdapter`] under the name `nova`, replacing any adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(NovaAdapter));
}

// The registry resolved the id and checked its capabilities: these only dispatch on the API.
impl ModelAdapter for NovaAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        match api {
            MESSAGES_API => Some(request_schema::<NovaMessagesRequest>()),
            CANVAS_API => Some(request_schema::<NovaCanvasRequest>()),
            _ => None,
        }
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let limits = messages_model_limits(&route.base_model_id);
        match (route.api(), input) {
            (MESSAGES_API, ModelInput::Text(request)) => {
                RequestBody::json(&NovaMessagesRequest::from_text(request, &limits)?)
            }
            (MESSAGES_API, ModelInput::Chat(request)) => {
                RequestBody::json(&NovaMessagesRequest::from_chat(request, &limits)?)
            }
            (CANVAS_API, ModelInput::Image(request)) => {
                RequestBody::json(&NovaCanvasRequest::from_neutral(request)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput> {
        match route.api() {
            MESSAGES_API => decode_json::<NovaMessagesResponse>("Nova response", body)
                .map(|r| ModelOutput::Text(r.into_output())),
            CANVAS_API => decode_json::<NovaCanvasResponse>("Nova Canvas response", body)?
                .into_output()
                .map(ModelOutput::Images),
            _ => Err(route.unsupported("parsing a response")),
        }
    }

    fn parse_stream_chunk(&self, route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        match route.api() {
            MESSAGES_API => {
                decode_json::<NovaStreamChunk>("Nova stream chunk", chunk)?.into_events()
            }
            _ => Err(route.unsupported("streaming")),
        }
    }
}
