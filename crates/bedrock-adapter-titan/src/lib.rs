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

pub mod embeddings;
mod float;
pub mod image;
pub mod models;
pub mod multimodal;
mod source_image;
pub mod text;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

pub use models::{EMBEDDINGS_API, IMAGE_API, MULTIMODAL_EMBEDDINGS_API, TEXT_API};

use crate::embeddings::{TitanEmbeddingsRequest, TitanEmbeddingsResponse};
use crate::image::{TitanImageRequest, TitanImageResponse};
use crate::multimodal::{TitanMultimodalEmbeddingsRequest, TitanMultimodalEmbeddingsResponse};
use crate::text::{TitanTextRequest, TitanTextResponse, TitanTextStreamChunk};

/// The adapter's registry name.
pub const ADAPTER_NAME: &str = "titan";

/// The Amazon Titan family: text generation (and chat as a transcript), text embeddings G1/V2,
/// multimodal embeddings, and image generation and editing (every Titan Image Generator task
/// type, picked with `extra.taskType`). Stateless; build it with
/// [`TitanAdapter::new`] or add it to a registry with [`register`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TitanAdapter;

impl TitanAdapter {
    /// The adapter.
    pub fn new() -> Self {
        TitanAdapter
    }
}

/// Adds the Titan adapter to `registry` under the name `titan`, replacing any adapter of that
/// name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(TitanAdapter::new()));
}

impl ModelAdapter for TitanAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        match api {
            TEXT_API => Some(request_schema::<TitanTextRequest>()),
            EMBEDDINGS_API => Some(request_schema::<TitanEmbeddingsRequest>()),
            MULTIMODAL_EMBEDDINGS_API => Some(request_schema::<TitanMultimodalEmbeddingsRequest>()),
            IMAGE_API => Some(request_schema::<TitanImageRequest>()),
            _ => None,
        }
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        match (route.api(), input) {
            (TEXT_API, ModelInput::Text(request)) => {
                let body = TitanTextRequest::from_text(request)?;
                body.validate(base)?;
                RequestBody::json(&body)
            }
            (TEXT_API, ModelInput::Chat(request)) => {
                let body = TitanTextRequest::from_chat(request)?;
                body.validate(base)?;
                RequestBody::json(&body)
            }
            (EMBEDDINGS_API, ModelInput::Embedding(request)) => {
                let body = TitanEmbeddingsRequest::from_neutral(request)?;
                body.validate(base)?;
                RequestBody::json(&body)
            }
            (MULTIMODAL_EMBEDDINGS_API, ModelInput::Embedding(request)) => {
                let body = TitanMultimodalEmbeddingsRequest::from_neutral(request, base)?;
                body.validate()?;
                RequestBody::json(&body)
            }
            (IMAGE_API, ModelInput::Image(request)) => {
                let body = TitanImageRequest::from_neutral(request, base)?;
                body.validate(base)?;
                RequestBody::json(&body)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput> {
        match route.api() {
            TEXT_API => decode_json::<TitanTextResponse>("Titan Text response", body)?
                .into_output()
                .map(ModelOutput::Text),
            EMBEDDINGS_API => {
                decode_json::<TitanEmbeddingsResponse>("Titan Embeddings response", body)?
                    .into_output()
                    .map(ModelOutput::Embedding)
            }
            MULTIMODAL_EMBEDDINGS_API => decode_json::<TitanMultimodalEmbeddingsResponse>(
                "Titan Multimodal Embeddings response",
                body,
            )?
            .into_output()
            .map(ModelOutput::Embedding),
            IMAGE_API => decode_json::<TitanImageResponse>("Titan Image response", body)?
                .into_output()
                .map(ModelOutput::Images),
            _ => Err(route.unsupported("parsing a response")),
        }
    }

    fn parse_stream_chunk(&self, route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        match route.api() {
            TEXT_API => Ok(
                decode_json::<TitanTextStreamChunk>("Titan Text stream chunk", chunk)?
                    .into_events(),
            ),
            _ => Err(route.unsupported("streaming")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn _object_safe(_: &dyn ModelAdapter) {}

    #[test]
    fn the_adapter_is_usable_as_a_trait_object() {
        let adapter: Arc<dyn ModelAdapter> = Arc::new(TitanAdapter::new());
        _object_safe(&*adapter);
        assert_eq!(adapter.name(), "titan");
        for api in models::APIS {
            assert!(adapter.request_schema(api).is_some(), "{api}");
        }
        assert!(adapter.request_schema("claude-messages").is_none());
    }
}
