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
pub mod command;
pub mod embed;
pub mod embed_v4;
mod extra;
pub mod models;
pub mod rerank;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

pub use models::{CHAT_API, COMMAND_API, EMBED_API, EMBED_V4_API, RERANK_API};

use chat::{CohereChatRequest, CohereChatResponse, CohereChatStreamEvent};
use command::{CohereCommandChunk, CohereCommandRequest, CohereCommandResponse};
use embed::{CohereEmbedRequest, CohereEmbedResponse};
use embed_v4::CohereEmbedV4Request;
use rerank::{CohereRerankRequest, CohereRerankResponse};

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "cohere";

/// Builds and parses the bodies of Cohere models on Bedrock (Command, Command R, Embed v3 and
/// v4, Rerank 3.5); stateless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CohereAdapter;

/// Registers a [`CohereAdapter`] under the name `cohere`, replacing any adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(CohereAdapter));
}

// The registry resolved the id and checked its capabilities: these only dispatch on the API.
impl ModelAdapter for CohereAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        match api {
            COMMAND_API => Some(request_schema::<CohereCommandRequest>()),
            CHAT_API => Some(request_schema::<CohereChatRequest>()),
            EMBED_API => Some(request_schema::<CohereEmbedRequest>()),
            EMBED_V4_API => Some(request_schema::<CohereEmbedV4Request>()),
            RERANK_API => Some(request_schema::<CohereRerankRequest>()),
            _ => None,
        }
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        match (route.api(), input) {
            (COMMAND_API, ModelInput::Text(request)) => {
                RequestBody::json(&CohereCommandRequest::from_text(request, base)?)
            }
            (CHAT_API, ModelInput::Text(request)) => {
                RequestBody::json(&CohereChatRequest::from_text(request, base)?)
            }
            (CHAT_API, ModelInput::Chat(request)) => {
                RequestBody::json(&CohereChatRequest::from_chat(request, base)?)
            }
            (EMBED_API, ModelInput::Embedding(request)) => {
                RequestBody::json(&CohereEmbedRequest::from_neutral(request, base)?)
            }
            (EMBED_V4_API, ModelInput::Embedding(request)) => {
                RequestBody::json(&CohereEmbedV4Request::from_neutral(request)?)
            }
            (RERANK_API, ModelInput::Rerank(request)) => {
                RequestBody::json(&CohereRerankRequest::from_neutral(request)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput> {
        match route.api() {
            COMMAND_API => {
                decode_json::<CohereCommandResponse>("Cohere Command response", body)?.into_output()
            }
            CHAT_API => {
                Ok(decode_json::<CohereChatResponse>("Cohere chat response", body)?.into_output())
            }
            // Embed v4 answers in Embed v3's shape.
            EMBED_API | EMBED_V4_API => {
                decode_json::<CohereEmbedResponse>("Cohere Embed response", body)?
                    .into_output()
                    .map(ModelOutput::Embedding)
            }
            RERANK_API => Ok(ModelOutput::Rerank(
                decode_json::<CohereRerankResponse>("Cohere Rerank response", body)?.into_output(),
            )),
            _ => Err(route.unsupported("parsing a response")),
        }
    }

    fn parse_stream_chunk(&self, route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        match route.api() {
            COMMAND_API => Ok(decode_json::<CohereCommandChunk>(
                "Cohere Command stream chunk",
                chunk,
            )?
            .into_events()),
            CHAT_API => decode_json::<CohereChatStreamEvent>("Cohere chat stream event", chunk)?
                .into_events(),
            _ => Err(route.unsupported("streaming")),
        }
    }
}
