//! Titan Text Embeddings G1 and V2: the `titan-embeddings` request body and response.

use bedrock_core::{EmbeddingOutput, EmbeddingRequest, Error, Result, check_extra_keys};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::{EMBEDDINGS_API, EmbeddingsGeneration};

/// The most characters sent as `inputText`. V2 documents 50,000 characters or 8,192 tokens;
/// G1 documents only 8,192 tokens, and tokens cannot be counted here, so the same character
/// bound applies to both and Bedrock checks the token count.
pub const MAX_INPUT_CHARS: usize = 50_000;

/// The vector lengths V2 can return.
pub const V2_DIMENSIONS: &[u32] = &[256, 512, 1024];

/// The body of an InvokeModel call to a Titan Text Embeddings model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "TitanEmbeddingsRequest")]
pub struct TitanEmbeddingsRequest {
    /// The text to embed: non-empty, at most 50,000 characters and 8,192 tokens.
    #[schemars(length(min = 1, max = 50000))]
    pub input_text: String,
    /// V2 only: the vector length, 256, 512 or 1024 (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [256, 512, 1024]))]
    pub dimensions: Option<u32>,
    /// V2 only: scale the vector to unit length (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize: Option<bool>,
    /// V2 only: which encodings to return (default `["float"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(min = 1, max = 2))]
    pub embedding_types: Vec<EmbeddingType>,
}

/// An encoding of a V2 embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingType {
    /// 32-bit floats.
    Float,
    /// One bit per dimension, sent as 0 or 1.
    Binary,
}

impl TitanEmbeddingsRequest {
    /// Checks every field against what `base_model_id` accepts; G1 models refuse the V2-only
    /// fields by name.
    pub fn validate(&self, base_model_id: &str) -> Result<()> {
        let chars = self.input_text.chars().count();
        if chars == 0 {
            return Err(Error::invalid(
                "inputText",
                "\"\"",
                format!("1..={MAX_INPUT_CHARS} characters"),
            ));
        }
        if chars > MAX_INPUT_CHARS {
            return Err(Error::invalid(
                "inputText",
                format!("{chars} characters"),
                format!("1..={MAX_INPUT_CHARS} characters (and at most 8192 tokens)"),
            ));
        }
        match EmbeddingsGeneration::of(base_model_id) {
            EmbeddingsGeneration::G1 => {
                let not_supported = || {
                    format!(
                        "not supported by {base_model_id}; only amazon.titan-embed-text-v2:0 takes it"
                    )
                };
                if let Some(d) = self.dimensions {
                    return Err(Error::invalid("dimensions", d, not_supported()));
                }
                if let Some(n) = self.normalize {
                    return Err(Error::invalid("normalize", n, not_supported()));
                }
                if !self.embedding_types.is_empty() {
                    return Err(Error::invalid(
                        "embeddingTypes",
                        format!("{:?}", self.embedding_types),
                        not_supported(),
                    ));
                }
            }
            EmbeddingsGeneration::V2 => {
                if let Some(d) = self.dimensions
                    && !V2_DIMENSIONS.contains(&d)
                {
                    return Err(Error::invalid("dimensions", d, "one of: 256, 512, 1024"));
                }
                let types = &self.embedding_types;
                let repeated = matches!(types.as_slice(), [first, second] if first == second);
                if repeated || types.len() > 2 {
                    return Err(Error::invalid(
                        "embeddingTypes",
                        format!("{types:?}"),
                        "\"float\" and/or \"binary\", each at most once",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The request for a neutral embedding request. The only extra field is `embeddingTypes`
    /// (V2).
    pub fn from_neutral(request: &EmbeddingRequest) -> Result<Self> {
        check_extra_keys(&request.extra, &["embeddingTypes"], EMBEDDINGS_API)?;
        let embedding_types = match request.extra.get("embeddingTypes") {
            None => Vec::new(),
            Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
                Error::invalid(
                    "embeddingTypes",
                    value,
                    "a list of \"float\" and/or \"binary\"",
                )
            })?,
        };
        Ok(TitanEmbeddingsRequest {
            input_text: request.text.clone(),
            dimensions: request.dimensions,
            normalize: request.normalize,
            embedding_types,
        })
    }
}

/// The body of a Titan Text Embeddings response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TitanEmbeddingsResponse {
    /// The float vector.
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
    /// Tokens read.
    #[serde(default)]
    pub input_text_token_count: Option<u32>,
    /// V2: the vector in each requested encoding.
    #[serde(default)]
    pub embeddings_by_type: Option<EmbeddingsByType>,
}

/// `embeddingsByType` of a V2 response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EmbeddingsByType {
    /// The float encoding.
    #[serde(default)]
    pub float: Option<Vec<f32>>,
    /// The binary encoding, one 0 or 1 per dimension.
    #[serde(default)]
    pub binary: Option<Vec<u8>>,
}

impl TitanEmbeddingsResponse {
    /// The neutral output: `embedding`, else `embeddingsByType.float`, else the binary encoding
    /// as 0.0/1.0 values (when only `binary` was requested).
    pub fn into_output(self) -> Result<EmbeddingOutput> {
        let by_type = self.embeddings_by_type;
        let embedding = self
            .embedding
            .or_else(|| by_type.as_ref().and_then(|b| b.float.clone()))
            .or_else(|| {
                by_type
                    .as_ref()
                    .and_then(|b| b.binary.as_ref())
                    .map(|bits| bits.iter().map(|&b| f32::from(b)).collect())
            })
            .ok_or_else(|| Error::decode("Titan Embeddings response has no `embedding`"))?;
        Ok(EmbeddingOutput {
            embedding,
            input_tokens: self.input_text_token_count,
        })
    }
}
