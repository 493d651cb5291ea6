//! The `cohere-embed` API of Embed English and Embed Multilingual (v3): the request body, built
//! from a neutral embedding request and validated, and the response.

use bedrock_core::{EmbeddingOutput, EmbeddingRequest, Error, Result, check_extra_keys};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::command::Truncate;
use crate::extra;
use crate::models::{EMBED_API, EMBED_MAX_TEXT_CHARS, EMBED_MAX_TEXTS, embed_model_name};

/// The keys of a neutral input's `extra` map this API takes, copied into the body fields of the
/// same name.
pub const EXTRA_FIELDS: &[&str] = &["input_type", "truncate", "embedding_types"];

/// The `input_type` sent when `extra.input_type` is unset. Bedrock requires the field and has
/// no default; embedding text to store and search later is the common case, so a query must
/// say `search_query`.
pub const DEFAULT_INPUT_TYPE: InputType = InputType::SearchDocument;

/// The body of an InvokeModel call to Embed English or Embed Multilingual v3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "CohereEmbedRequest")]
pub struct CohereEmbedRequest {
    /// The texts to embed, 1 to 96 of them, each 1 to 2048 characters with at least one
    /// non-whitespace character; the neutral request sends one.
    #[schemars(
        length(min = 1, max = EMBED_MAX_TEXTS),
        inner(length(min = 1, max = EMBED_MAX_TEXT_CHARS), regex(pattern = r"\S"))
    )]
    pub texts: Vec<String>,
    /// What the embeddings are for; Embed v3 places vectors differently for each.
    pub input_type: InputType,
    /// What to do with a text longer than the model's input limit (default `NONE`: an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<Truncate>,
    /// The encodings to return, each at most once (default: floats only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(min = 1, max = 5), extend("uniqueItems" = true))]
    pub embedding_types: Vec<EmbeddingType>,
}

/// `input_type`: what the embeddings are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    /// Documents stored in a vector database, to be searched.
    SearchDocument,
    /// Search queries against such documents.
    SearchQuery,
    /// Texts given to a text classifier.
    Classification,
    /// Texts to be clustered.
    Clustering,
}

/// An encoding of the embeddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingType {
    /// 32-bit floats.
    Float,
    /// Signed 8-bit integers, one per dimension.
    Int8,
    /// Unsigned 8-bit integers, one per dimension.
    Uint8,
    /// Signed bytes, each packing eight dimensions' signs.
    Binary,
    /// Unsigned bytes, each packing eight dimensions' signs.
    Ubinary,
}

impl CohereEmbedRequest {
    /// The validated body for a neutral embedding request: its text is the one entry of
    /// `texts`. `dimensions` and `normalize` have no field in this body and are refused.
    pub fn from_neutral(request: &EmbeddingRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, EXTRA_FIELDS, EMBED_API)?;
        let name = embed_model_name(base_model_id);
        if let Some(d) = request.dimensions {
            let allowed = format!("unset: {name} vectors always have 1024 dimensions");
            return Err(Error::invalid("dimensions", d, allowed));
        }
        if let Some(n) = request.normalize {
            let allowed = format!("unset: the {EMBED_API} body has no such option");
            return Err(Error::invalid("normalize", n, allowed));
        }
        let extra = &request.extra;
        let body = CohereEmbedRequest {
            texts: vec![request.text.clone()],
            input_type: extra::option(
                extra,
                "input_type",
                "one of: search_document, search_query, classification, clustering",
            )?
            .unwrap_or(DEFAULT_INPUT_TYPE),
            truncate: extra::option(extra, "truncate", "one of: NONE, START, END")?,
            embedding_types: extra::list(
                extra,
                "embedding_types",
                "a list of: float, int8, uint8, binary, ubinary",
            )?,
        };
        body.validate().map_err(|e| extra::rename(e, extra))?;
        Ok(body)
    }

    /// Checks every field; the error names the body field, the value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        if !(1..=EMBED_MAX_TEXTS).contains(&self.texts.len()) {
            return Err(Error::invalid(
                "texts",
                format!("{} texts", self.texts.len()),
                format!("1..={EMBED_MAX_TEXTS} texts"),
            ));
        }
        for (i, text) in self.texts.iter().enumerate() {
            let chars = text.chars().count();
            if chars > EMBED_MAX_TEXT_CHARS || text.trim().is_empty() {
                return Err(Error::invalid(
                    format!("texts[{i}]"),
                    format!("{chars} characters"),
                    format!("1..={EMBED_MAX_TEXT_CHARS} characters, at least one not whitespace"),
                ));
            }
        }
        let types = &self.embedding_types;
        let repeated = types
            .iter()
            .enumerate()
            .find(|&(i, t)| types.iter().take(i).any(|earlier| earlier == t));
        if let Some((i, t)) = repeated {
            return Err(Error::invalid(
                format!("embedding_types[{i}]"),
                format!("{t:?}").to_lowercase(),
                "each of float, int8, uint8, binary, ubinary at most once",
            ));
        }
        Ok(())
    }
}

/// The body of an Embed v3 response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohereEmbedResponse {
    /// One vector per text: a list of float vectors (`embeddings_floats`), or one list per
    /// requested encoding (`embeddings_by_type`).
    pub embeddings: Embeddings,
    /// The response's id.
    #[serde(default)]
    pub id: Option<String>,
    /// `embeddings_floats` or `embeddings_by_type`.
    #[serde(default)]
    pub response_type: Option<String>,
    /// The texts, echoed.
    #[serde(default)]
    pub texts: Option<Vec<String>>,
}

/// `embeddings` of a response, in either of its forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Embeddings {
    /// Float vectors, without `embedding_types`.
    Floats(Vec<Vec<f32>>),
    /// The vectors in each requested encoding.
    ByType(EmbeddingsByType),
}

/// `embeddings` by encoding; only the requested ones are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsByType {
    /// Float vectors.
    #[serde(default)]
    pub float: Option<Vec<Vec<f32>>>,
    /// Signed 8-bit vectors.
    #[serde(default)]
    pub int8: Option<Vec<Vec<i8>>>,
    /// Unsigned 8-bit vectors.
    #[serde(default)]
    pub uint8: Option<Vec<Vec<u8>>>,
    /// Packed signs as signed bytes (the unsigned byte minus 128).
    #[serde(default)]
    pub binary: Option<Vec<Vec<i8>>>,
    /// Packed signs as unsigned bytes, the first dimension in the top bit.
    #[serde(default)]
    pub ubinary: Option<Vec<Vec<u8>>>,
}

impl CohereEmbedResponse {
    /// The neutral output: the first text's vector, as floats if they came, else the first of
    /// int8, uint8, ubinary and binary that did, as `f32` values (packed bits unpacked to one
    /// 0.0 or 1.0 per dimension). The body carries no token count.
    pub fn into_output(self) -> Result<EmbeddingOutput> {
        let first = |vectors: Option<Vec<Vec<f32>>>| vectors.and_then(|v| v.into_iter().next());
        let embedding = match self.embeddings {
            Embeddings::Floats(floats) => first(Some(floats)),
            Embeddings::ByType(by_type) => first(by_type.float)
                .or_else(|| first(by_type.int8.map(|v| widen(v, f32::from))))
                .or_else(|| first(by_type.uint8.map(|v| widen(v, f32::from))))
                .or_else(|| first(by_type.ubinary.map(|v| widen_bits(v, |b| b))))
                // Two's complement of (unsigned - 128): flipping the top bit restores it.
                .or_else(|| first(by_type.binary.map(|v| widen_bits(v, |b| b as u8 ^ 0x80)))),
        };
        let embedding =
            embedding.ok_or_else(|| Error::decode("Cohere Embed response has no embedding"))?;
        Ok(EmbeddingOutput {
            embedding,
            input_tokens: None,
        })
    }
}

fn widen<T: Copy>(vectors: Vec<Vec<T>>, to_f32: fn(T) -> f32) -> Vec<Vec<f32>> {
    vectors
        .into_iter()
        .map(|v| v.into_iter().map(to_f32).collect())
        .collect()
}

fn widen_bits<T: Copy>(vectors: Vec<Vec<T>>, to_byte: fn(T) -> u8) -> Vec<Vec<f32>> {
    vectors
        .into_iter()
        .map(|v| {
            v.into_iter()
                .flat_map(|b| {
                    let byte = to_byte(b);
                    (0..8).rev().map(move |bit| f32::from((byte >> bit) & 1))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_bits_unpack_most_significant_first() {
        let body = r#"{"embeddings":{"ubinary":[[161]],"binary":[[33]]},"response_type":"embeddings_by_type"}"#;
        let parsed: CohereEmbedResponse = serde_json::from_str(body).unwrap();
        let out = parsed.into_output().unwrap();
        assert_eq!(out.embedding, [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        let binary_only = r#"{"embeddings":{"binary":[[33]]}}"#;
        let parsed: CohereEmbedResponse = serde_json::from_str(binary_only).unwrap();
        // 33 + 128 = 161 = 0b1010_0001.
        assert_eq!(
            parsed.into_output().unwrap().embedding,
            [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
    }
}
