//! Titan Multimodal Embeddings G1: the `titan-multimodal-embeddings` request body and response.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{
    EmbeddingOutput, EmbeddingRequest, Error, ErrorKind, ImageFormat, Result, ServiceDetails,
    check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::MULTIMODAL_EMBEDDINGS_API;

/// The vector lengths the model can return.
pub const OUTPUT_EMBEDDING_LENGTHS: &[u32] = &[256, 384, 1024];

/// The largest input image, decoded (the documented 25 MB, read as MiB so nothing valid is
/// refused).
pub const MAX_IMAGE_BYTES: usize = 25 * 1024 * 1024;

/// The body of an InvokeModel call to Titan Multimodal Embeddings G1. At least one of
/// `inputText` and `inputImage` is required; with both, the model averages the two vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "TitanMultimodalEmbeddingsRequest",
    extend("anyOf" = [{"required": ["inputText"]}, {"required": ["inputImage"]}])
)]
pub struct TitanMultimodalEmbeddingsRequest {
    /// Text to embed (at most 256 tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub input_text: Option<String>,
    /// A base64-encoded PNG or JPEG to embed (at most 25 MB, 2048x2048 pixels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub input_image: Option<String>,
    /// The output vector length (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_config: Option<EmbeddingConfig>,
}

/// `embeddingConfig` of a multimodal embeddings request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmbeddingConfig {
    /// 256, 384 or 1024.
    #[schemars(extend("enum" = [256, 384, 1024]))]
    pub output_embedding_length: u32,
}

impl TitanMultimodalEmbeddingsRequest {
    /// Checks every field, naming the first bad one by its path in the body.
    pub fn validate(&self) -> Result<()> {
        if self.input_text.is_none() && self.input_image.is_none() {
            return Err(Error::invalid(
                "inputText",
                "absent",
                "inputText and/or inputImage: at least one is required",
            ));
        }
        if self.input_text.as_deref() == Some("") {
            return Err(Error::invalid(
                "inputText",
                "\"\"",
                "non-empty text, or leave it out and send inputImage",
            ));
        }
        if let Some(image) = &self.input_image {
            let bytes = STANDARD.decode(image).map_err(|e| {
                Error::invalid(
                    "inputImage",
                    format!("{} characters that are not base64 ({e})", image.len()),
                    "a base64-encoded PNG or JPEG",
                )
            })?;
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(Error::invalid(
                    "inputImage",
                    format!("{} bytes", bytes.len()),
                    format!("at most {MAX_IMAGE_BYTES} bytes (25 MB)"),
                ));
            }
            match ImageFormat::sniff(&bytes) {
                Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
                other => {
                    let found = other.map_or("unknown bytes", ImageFormat::media_type);
                    return Err(Error::invalid("inputImage", found, "a PNG or JPEG image"));
                }
            }
        }
        if let Some(config) = self.embedding_config
            && !OUTPUT_EMBEDDING_LENGTHS.contains(&config.output_embedding_length)
        {
            return Err(Error::invalid(
                "embeddingConfig.outputEmbeddingLength",
                config.output_embedding_length,
                "one of: 256, 384, 1024",
            ));
        }
        Ok(())
    }

    /// The request for a neutral embedding request: `text` (left out when empty),
    /// `dimensions` as `embeddingConfig.outputEmbeddingLength`, and the image as the extra field
    /// `inputImage` (a base64 string). `normalize` is refused: the model has no such option.
    pub fn from_neutral(request: &EmbeddingRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, &["inputImage"], MULTIMODAL_EMBEDDINGS_API)?;
        if let Some(n) = request.normalize {
            return Err(Error::invalid(
                "normalize",
                n,
                format!("not supported by {base_model_id}"),
            ));
        }
        let input_image = match request.extra.get("inputImage") {
            None => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(Error::invalid(
                    "inputImage",
                    other,
                    "a base64-encoded PNG or JPEG string",
                ));
            }
        };
        let input_text =
            (!request.text.is_empty() || input_image.is_none()).then(|| request.text.clone());
        Ok(TitanMultimodalEmbeddingsRequest {
            input_text,
            input_image,
            embedding_config: request.dimensions.map(|d| EmbeddingConfig {
                output_embedding_length: d,
            }),
        })
    }
}

/// The body of a Titan Multimodal Embeddings response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TitanMultimodalEmbeddingsResponse {
    /// The vector.
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
    /// Tokens in the text input.
    #[serde(default)]
    pub input_text_token_count: Option<u32>,
    /// An error that happened during generation.
    #[serde(default)]
    pub message: Option<String>,
}

impl TitanMultimodalEmbeddingsResponse {
    /// The neutral output; a response with a `message` and no vector is a model error.
    pub fn into_output(self) -> Result<EmbeddingOutput> {
        match (self.embedding, self.message) {
            (Some(embedding), _) => Ok(EmbeddingOutput {
                embedding,
                input_tokens: self.input_text_token_count,
            }),
            (None, Some(message)) if !message.is_empty() => Err(Error::from_service(
                ErrorKind::ModelError,
                ServiceDetails::new(message),
            )),
            (None, _) => Err(Error::decode(
                "Titan Multimodal Embeddings response has no `embedding`",
            )),
        }
    }
}
