//! The `cohere-embed-v4` API of Embed v4: texts or data-URI images in, vectors of a chosen
//! dimension and encodings out. The response has Embed v3's shape ([`CohereEmbedResponse`]).
//!
//! [`CohereEmbedResponse`]: crate::embed::CohereEmbedResponse

use bedrock_core::{EmbeddingRequest, Error, Result, check_extra_keys};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::embed::{DEFAULT_INPUT_TYPE, EmbeddingType, InputType};
use crate::extra;
use crate::models::{EMBED_MAX_TEXTS, EMBED_V4_API, EMBED_V4_DIMENSIONS, EMBED_V4_MAX_TOKENS};

/// The keys of a neutral input's `extra` map this API takes, copied into the body fields of the
/// same name.
pub const EXTRA_FIELDS: &[&str] = &[
    "input_type",
    "truncate",
    "embedding_types",
    "max_tokens",
    "images",
];

/// The image types a data URI may carry.
pub const IMAGE_MEDIA_TYPES: &[&str] = &["image/png", "image/jpeg", "image/webp", "image/gif"];

/// The body of an InvokeModel call to Embed v4. It embeds either `texts` or `images`, never
/// both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "CohereEmbedV4Request",
    extend("oneOf" = [{"required": ["texts"]}, {"required": ["images"]}])
)]
pub struct CohereEmbedV4Request {
    /// What the embeddings are for.
    pub input_type: InputType,
    /// The texts to embed, at most 96, each with a non-whitespace character; the neutral request
    /// sends one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = EMBED_MAX_TEXTS), inner(regex(pattern = r"\S")))]
    pub texts: Vec<String>,
    /// Images to embed, at most 96, each a `data:image/...;base64,` URI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = EMBED_MAX_TEXTS),
        inner(regex(pattern = r"^data:image/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+=*$"))
    )]
    pub images: Vec<String>,
    /// The encodings to return, each at most once (default: floats only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(min = 1, max = 5), extend("uniqueItems" = true))]
    pub embedding_types: Vec<EmbeddingType>,
    /// The vectors' length: 256, 512, 1024 or 1536 (default 1536).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [256, 512, 1024, 1536]))]
    pub output_dimension: Option<u32>,
    /// The most tokens read per input, `1..=128000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = EMBED_V4_MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// What to do with an input longer than `max_tokens` (default `NONE`: an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<TruncateV4>,
}

/// Embed v4's `truncate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum TruncateV4 {
    /// Refuse a long input.
    None,
    /// Drop its start.
    Left,
    /// Drop its end.
    Right,
}

impl CohereEmbedV4Request {
    /// The validated body for a neutral embedding request: its text is the one entry of
    /// `texts`, or, with a blank text, `extra.images` are embedded instead. `dimensions` is
    /// `output_dimension`; `normalize` has no field and is refused.
    pub fn from_neutral(request: &EmbeddingRequest) -> Result<Self> {
        check_extra_keys(&request.extra, EXTRA_FIELDS, EMBED_V4_API)?;
        if let Some(n) = request.normalize {
            let allowed = format!("unset: the {EMBED_V4_API} body has no such option");
            return Err(Error::invalid("normalize", n, allowed));
        }
        let extra = &request.extra;
        let images: Vec<String> = extra::list(extra, "images", "a list of data URIs")?;
        let texts = match (request.text.trim().is_empty(), images.is_empty()) {
            (_, true) => vec![request.text.clone()],
            (true, false) => Vec::new(),
            (false, false) => {
                let allowed = "unset while `text` is set: Embed v4 embeds texts or images in one \
                               call, not both (leave `text` empty to embed images)";
                return Err(Error::invalid(
                    "extra.images",
                    format!("{} images", images.len()),
                    allowed,
                ));
            }
        };
        let body = CohereEmbedV4Request {
            input_type: extra::option(
                extra,
                "input_type",
                "one of: search_document, search_query, classification, clustering",
            )?
            .unwrap_or(DEFAULT_INPUT_TYPE),
            texts,
            images,
            embedding_types: extra::list(
                extra,
                "embedding_types",
                "a list of: float, int8, uint8, binary, ubinary",
            )?,
            output_dimension: request.dimensions,
            max_tokens: extra::option(extra, "max_tokens", "a whole number in 1..=128000")?,
            truncate: extra::option(extra, "truncate", "one of: NONE, LEFT, RIGHT")?,
        };
        body.validate().map_err(|e| {
            // `output_dimension` comes from the neutral `dimensions`: name what the caller set.
            match e {
                Error::InvalidInput(mut invalid) if invalid.field == "output_dimension" => {
                    invalid.field = "dimensions".to_owned();
                    Error::InvalidInput(invalid)
                }
                other => extra::rename(other, extra),
            }
        })?;
        Ok(body)
    }

    /// Checks every field; the error names the body field, the value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        match (self.texts.len(), self.images.len()) {
            (0, 0) => {
                return Err(Error::invalid("texts", "none", "1..=96 texts, or images"));
            }
            (t, i) if t > 0 && i > 0 => {
                let allowed = "texts or images, not both";
                return Err(Error::invalid("images", format!("{i} images"), allowed));
            }
            (t, i) if t.max(i) > EMBED_MAX_TEXTS => {
                let field = if t > 0 { "texts" } else { "images" };
                let allowed = format!("at most {EMBED_MAX_TEXTS}");
                return Err(Error::invalid(field, t.max(i), allowed));
            }
            _ => {}
        }
        if let Some(i) = self.texts.iter().position(|t| t.trim().is_empty()) {
            let allowed = "at least one character that is not whitespace";
            return Err(Error::invalid(
                format!("texts[{i}]"),
                "a blank text",
                allowed,
            ));
        }
        for (i, image) in self.images.iter().enumerate() {
            check_data_uri(image).map_err(|allowed| {
                let shown = image.chars().take(32).collect::<String>();
                Error::invalid(format!("images[{i}]"), format!("{shown:?}"), allowed)
            })?;
        }
        let types = &self.embedding_types;
        if let Some((i, t)) = types
            .iter()
            .enumerate()
            .find(|&(i, t)| types.iter().take(i).any(|earlier| earlier == t))
        {
            return Err(Error::invalid(
                format!("embedding_types[{i}]"),
                format!("{t:?}").to_lowercase(),
                "each of float, int8, uint8, binary, ubinary at most once",
            ));
        }
        if let Some(d) = self
            .output_dimension
            .filter(|d| !EMBED_V4_DIMENSIONS.contains(d))
        {
            return Err(Error::invalid(
                "output_dimension",
                d,
                "one of: 256, 512, 1024, 1536",
            ));
        }
        if let Some(n) = self
            .max_tokens
            .filter(|n| !(1..=EMBED_V4_MAX_TOKENS).contains(n))
        {
            let allowed = format!("1..={EMBED_V4_MAX_TOKENS}");
            return Err(Error::invalid("max_tokens", n, allowed));
        }
        Ok(())
    }
}

/// Checks that `uri` is `data:<image type>;base64,<payload>` with a non-empty payload of base64
/// characters; `Err` says what is allowed.
fn check_data_uri(uri: &str) -> std::result::Result<(), String> {
    let allowed = || {
        format!(
            "a data URI `data:<type>;base64,<data>` with a type of {}",
            IMAGE_MEDIA_TYPES.join(", ")
        )
    };
    let Some((head, data)) = uri
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
    else {
        return Err(allowed());
    };
    let base64_char = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
    let payload = data.trim_end_matches('=');
    if !IMAGE_MEDIA_TYPES.contains(&head)
        || payload.is_empty()
        || !payload.chars().all(base64_char)
        || data.len() > payload.len().saturating_add(2)
    {
        return Err(allowed());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_uris_need_an_image_type_and_base64() {
        assert!(check_data_uri("data:image/png;base64,iVBORw0KGgo=").is_ok());
        assert!(check_data_uri("data:image/png;base64,").is_err());
        assert!(check_data_uri("data:text/plain;base64,aGk=").is_err());
        assert!(check_data_uri("data:image/png;base64,not base64!").is_err());
        assert!(check_data_uri("iVBORw0KGgo=").is_err());
        assert!(check_data_uri("data:image/png;base64,aGk===").is_err());
    }
}
