#![doc = include_str!("../README.md")]

mod body;
pub mod embeddings;
pub mod image;
pub mod models;
pub mod multimodal;
mod schema;
pub mod text;

use std::sync::Arc;

use bedrock_core::{
    Error, ModelAdapter, ModelId, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody,
    Result, StreamEvent,
};

pub use models::{EMBEDDINGS_API, IMAGE_API, MULTIMODAL_EMBEDDINGS_API, TEXT_API};

use crate::embeddings::{TitanEmbeddingsRequest, TitanEmbeddingsResponse};
use crate::image::{TitanImageRequest, TitanImageResponse};
use crate::multimodal::{TitanMultimodalEmbeddingsRequest, TitanMultimodalEmbeddingsResponse};
use crate::text::{TitanTextRequest, TitanTextResponse, TitanTextStreamChunk};

/// The adapter's registry name.
pub const ADAPTER_NAME: &str = "titan";

/// The Amazon Titan family: text generation (and chat as a transcript), text embeddings G1/V2,
/// multimodal embeddings and text-to-image generation. Stateless; build it with
/// [`TitanAdapter::new`] or add it to a registry with [`register`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TitanAdapter;

impl TitanAdapter {
    /// The adapter.
    pub fn new() -> Self {
        TitanAdapter
    }

    /// The pattern serving `model_id` and the bare id behind it, or the registry-style miss.
    fn route<'a>(&self, model_id: &'a ModelId) -> Result<(&'static ModelPattern, &'a str)> {
        model_id
            .base_model_id()
            .and_then(|base| {
                ModelPattern::best(models::MODEL_PATTERNS, base).map(|(p, _)| (p, base))
            })
            .ok_or_else(|| Error::NoAdapter {
                model_id: model_id.to_string(),
                registered: vec![describe_patterns()],
            })
    }

    fn unsupported(model_id: &ModelId, api: &str, operation: &str) -> Error {
        Error::Unsupported {
            operation: operation.to_owned(),
            adapter: ADAPTER_NAME.to_owned(),
            api: api.to_owned(),
            model_id: model_id.to_string(),
        }
    }
}

fn describe_patterns() -> String {
    let ids: Vec<String> = models::MODEL_PATTERNS
        .iter()
        .map(|p| match p.matches {
            bedrock_core::ModelMatch::Exact(id) => id.to_owned(),
            bedrock_core::ModelMatch::Prefix(prefix) => format!("{prefix}*"),
        })
        .collect();
    format!("{ADAPTER_NAME} ({})", ids.join(", "))
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
            TEXT_API => Some(schema::request_schema::<TitanTextRequest>()),
            EMBEDDINGS_API => Some(schema::request_schema::<TitanEmbeddingsRequest>()),
            MULTIMODAL_EMBEDDINGS_API => {
                Some(schema::request_schema::<TitanMultimodalEmbeddingsRequest>())
            }
            IMAGE_API => Some(schema::request_schema::<TitanImageRequest>()),
            _ => None,
        }
    }

    fn build_body(&self, model_id: &ModelId, input: &ModelInput) -> Result<RequestBody> {
        let (pattern, base) = self.route(model_id)?;
        let unsupported = || Self::unsupported(model_id, pattern.api, input.operation());
        if !pattern.capabilities.supports(input) {
            return Err(unsupported());
        }
        match (pattern.api, input) {
            (TEXT_API, ModelInput::Text(request)) => {
                let body = TitanTextRequest::from_text(request)?;
                body.validate(base)?;
                body::json_body(&body)
            }
            (TEXT_API, ModelInput::Chat(request)) => {
                let body = TitanTextRequest::from_chat(request)?;
                body.validate(base)?;
                body::json_body(&body)
            }
            (EMBEDDINGS_API, ModelInput::Embedding(request)) => {
                let body = TitanEmbeddingsRequest::from_neutral(request)?;
                body.validate(base)?;
                body::json_body(&body)
            }
            (MULTIMODAL_EMBEDDINGS_API, ModelInput::Embedding(request)) => {
                let body = TitanMultimodalEmbeddingsRequest::from_neutral(request, base)?;
                body.validate()?;
                body::json_body(&body)
            }
            (IMAGE_API, ModelInput::Image(request)) => {
                let body = TitanImageRequest::from_neutral(request)?;
                body.validate()?;
                body::json_body(&body)
            }
            _ => Err(unsupported()),
        }
    }

    fn parse_output(&self, model_id: &ModelId, body: &[u8]) -> Result<ModelOutput> {
        let (pattern, _) = self.route(model_id)?;
        match pattern.api {
            TEXT_API => body::decode::<TitanTextResponse>("Titan Text response", body)?
                .into_output()
                .map(ModelOutput::Text),
            EMBEDDINGS_API => {
                body::decode::<TitanEmbeddingsResponse>("Titan Embeddings response", body)?
                    .into_output()
                    .map(ModelOutput::Embedding)
            }
            MULTIMODAL_EMBEDDINGS_API => body::decode::<TitanMultimodalEmbeddingsResponse>(
                "Titan Multimodal Embeddings response",
                body,
            )?
            .into_output()
            .map(ModelOutput::Embedding),
            IMAGE_API => body::decode::<TitanImageResponse>("Titan Image response", body)?
                .into_output()
                .map(ModelOutput::Images),
            other => Err(Self::unsupported(model_id, other, "parsing a response")),
        }
    }

    fn parse_stream_chunk(&self, model_id: &ModelId, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        let (pattern, _) = self.route(model_id)?;
        if !pattern.capabilities.streaming {
            return Err(Self::unsupported(model_id, pattern.api, "streaming"));
        }
        Ok(body::decode::<TitanTextStreamChunk>("Titan Text stream chunk", chunk)?.into_events())
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

    #[test]
    fn ids_without_a_base_model_are_a_registry_miss() {
        let id =
            ModelId::new("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc").unwrap();
        let err = TitanAdapter.parse_output(&id, b"{}").unwrap_err();
        assert!(matches!(err, Error::NoAdapter { .. }), "{err}");
        assert!(
            err.to_string().contains("amazon.titan-text-express*"),
            "{err}"
        );
    }
}
