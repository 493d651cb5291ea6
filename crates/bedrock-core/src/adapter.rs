//! The `ModelAdapter` seam: one model family's request builder and response parser, the
//! `Route` the registry hands it, and the helpers every adapter needs.

use std::fmt::Debug;
use std::sync::Arc;

use bytes::Bytes;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model_id::ModelId;
use crate::model_io::{ExtraFields, ModelInput, ModelOutput, StreamEvent};

/// What an API of an adapter can do. Conformance tests switch on these.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Capabilities {
    /// Single-prompt text generation ([`ModelInput::Text`]).
    pub text: bool,
    /// Multi-turn chat ([`ModelInput::Chat`]).
    pub chat: bool,
    /// Images inside chat messages.
    pub vision: bool,
    /// InvokeModelWithResponseStream with [`ModelAdapter::parse_stream_chunk`].
    pub streaming: bool,
    /// Embeddings ([`ModelInput::Embedding`]).
    pub embedding: bool,
    /// Image generation ([`ModelInput::Image`]).
    pub image: bool,
    /// Document reranking ([`ModelInput::Rerank`]).
    pub rerank: bool,
}

impl Capabilities {
    /// No capabilities; set fields with struct update syntax.
    pub const NONE: Capabilities = Capabilities {
        text: false,
        chat: false,
        vision: false,
        streaming: false,
        embedding: false,
        image: false,
        rerank: false,
    };

    /// The union of two sets.
    pub fn union(self, other: Capabilities) -> Capabilities {
        Capabilities {
            text: self.text || other.text,
            chat: self.chat || other.chat,
            vision: self.vision || other.vision,
            streaming: self.streaming || other.streaming,
            embedding: self.embedding || other.embedding,
            image: self.image || other.image,
            rerank: self.rerank || other.rerank,
        }
    }

    /// Whether an input of this shape is supported.
    pub fn supports(self, input: &ModelInput) -> bool {
        match input {
            ModelInput::Text(_) => self.text,
            ModelInput::Chat(_) => self.chat,
            ModelInput::Embedding(_) => self.embedding,
            ModelInput::Image(_) => self.image,
            ModelInput::Rerank(_) => self.rerank,
        }
    }
}

/// How a pattern matches a bare model id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelMatch {
    /// The whole id.
    Exact(&'static str),
    /// Ids starting with this prefix.
    Prefix(&'static str),
}

impl ModelMatch {
    /// How specific the match of `base_model_id` is: `None` for no match; exact matches beat
    /// every prefix, longer prefixes beat shorter ones.
    pub fn specificity(&self, base_model_id: &str) -> Option<usize> {
        match *self {
            ModelMatch::Exact(id) => (id == base_model_id).then_some(usize::MAX),
            ModelMatch::Prefix(p) => base_model_id.starts_with(p).then_some(p.len()),
        }
    }
}

/// `anthropic.claude-v2` for an exact id, `anthropic.claude*` for a prefix: how error messages
/// and listings describe a pattern.
impl std::fmt::Display for ModelMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            ModelMatch::Exact(id) => f.write_str(id),
            ModelMatch::Prefix(prefix) => write!(f, "{prefix}*"),
        }
    }
}

/// One entry of what an adapter serves: which ids, through which of its APIs, with what
/// capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelPattern {
    /// Which ids.
    pub matches: ModelMatch,
    /// The adapter's API for them (`claude-messages`, `titan-embeddings`, ...).
    pub api: &'static str,
    /// What that API can do.
    pub capabilities: Capabilities,
}

impl ModelPattern {
    /// The most specific pattern in `patterns` for `base_model_id`, with its specificity.
    pub fn best<'a>(
        patterns: &'a [ModelPattern],
        base_model_id: &str,
    ) -> Option<(&'a ModelPattern, usize)> {
        patterns
            .iter()
            .filter_map(|p| p.matches.specificity(base_model_id).map(|s| (p, s)))
            .max_by_key(|(_, s)| *s)
    }
}

/// A request body an adapter built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBody {
    /// The bytes to send.
    pub body: Bytes,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Accept`.
    pub accept: &'static str,
}

impl RequestBody {
    /// A JSON body serialised from a typed request, as `serde_json` writes it (an `f32` field
    /// holding `0.7` goes on the wire as `0.7`). A value that cannot be serialised (a map with
    /// non-string keys, a failing `Serialize` impl) is an [`Error::Decode`] naming the type.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        let body = serde_json::to_vec(value).map_err(|e| Error::Decode {
            message: format!(
                "could not encode the request body ({}): {e}",
                std::any::type_name::<T>()
            ),
            source: Some(Box::new(e)),
        })?;
        Ok(RequestBody {
            body: Bytes::from(body),
            content_type: "application/json",
            accept: "application/json",
        })
    }
}

/// What the registry resolved a model id to, handed to the adapter that serves it: the id as
/// the caller gave it, the bare model id behind it, and the pattern (API and capabilities)
/// that matched. Adapters never resolve an id themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The id as the caller gave it (bare, profile id or ARN).
    pub model_id: ModelId,
    /// The bare foundation-model id behind it.
    pub base_model_id: String,
    /// The adapter's pattern that matched.
    pub pattern: ModelPattern,
    /// The name of the adapter that serves it.
    pub adapter: String,
}

impl Route {
    /// The route of `model_id` through `pattern` of `adapter`; `None` when the id names no
    /// foundation model (an application-profile or provisioned-model ARN).
    pub fn new(model_id: &ModelId, pattern: ModelPattern, adapter: &str) -> Option<Self> {
        Some(Route {
            base_model_id: model_id.base_model_id()?.to_owned(),
            model_id: model_id.clone(),
            pattern,
            adapter: adapter.to_owned(),
        })
    }

    /// The adapter's API that serves the model (`claude-messages`, `titan-embeddings`, ...).
    pub fn api(&self) -> &'static str {
        self.pattern.api
    }

    /// What that API can do.
    pub fn capabilities(&self) -> Capabilities {
        self.pattern.capabilities
    }

    /// [`Error::Unsupported`] for `operation` on this route: what an adapter returns for an
    /// input its API has no body for.
    pub fn unsupported(&self, operation: &str) -> Error {
        Error::Unsupported {
            operation: operation.to_owned(),
            adapter: self.adapter.clone(),
            api: self.pattern.api.to_owned(),
            model_id: self.model_id.to_string(),
        }
    }
}

/// One model family's request builder and response parser.
///
/// Adapters are pure: no I/O, no state that changes between calls. The [`crate::Registry`]
/// resolves the model id once and checks the route's capabilities before any of these methods
/// runs, so an adapter only validates the input and builds the body (failing with
/// [`Error::InvalidInput`] naming the field, so nothing invalid is ever sent), and parses the
/// answer. The trait is object-safe; registries hold `Arc<dyn ModelAdapter>`.
pub trait ModelAdapter: Debug + Send + Sync + 'static {
    /// A short unique name (`claude`, `titan`).
    fn name(&self) -> &str;

    /// Which model ids this adapter serves, and through which of its APIs.
    fn models(&self) -> &[ModelPattern];

    /// Everything the adapter can do, over all its APIs.
    fn capabilities(&self) -> Capabilities {
        self.models()
            .iter()
            .fold(Capabilities::NONE, |acc, p| acc.union(p.capabilities))
    }

    /// The JSON Schema of the request body of one of the adapter's APIs.
    fn request_schema(&self, api: &str) -> Option<schemars::Schema>;

    /// Builds and validates the request body of `input` for the model on `route`.
    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody>;

    /// Parses a whole (non-streamed) response body.
    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput>;

    /// Parses one chunk of a response stream (the model's JSON inside a `chunk` event).
    fn parse_stream_chunk(&self, route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>>;
}

impl<T: ModelAdapter + ?Sized> ModelAdapter for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn models(&self) -> &[ModelPattern] {
        (**self).models()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        (**self).request_schema(api)
    }
    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        (**self).build_body(route, input)
    }
    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput> {
        (**self).parse_output(route, body)
    }
    fn parse_stream_chunk(&self, route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        (**self).parse_stream_chunk(route, chunk)
    }
}

/// Parses a response body (or stream chunk) as `T`; the error names `what` was being parsed.
pub fn decode_json<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::decode_json(what, e))
}

/// The JSON Schema (draft 2020-12) of a request type, as every adapter publishes it: an
/// optional field is left out of the body when unset, never sent as `null`, so the schema
/// does not allow `null` for it.
pub fn request_schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .with_transform(RecursiveTransform(drop_null as fn(&mut Schema)))
        .into_generator()
        .into_root_schema_for::<T>()
}

fn drop_null(schema: &mut Schema) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            schema.insert("type".to_owned(), only);
        }
    }
    let null = serde_json::json!({"type": "null"});
    if let Some(Value::Array(alternatives)) = schema.get_mut("anyOf")
        && alternatives.contains(&null)
    {
        alternatives.retain(|s| s != &null);
        if alternatives.len() == 1
            && let Some(Value::Object(only)) = schema
                .remove("anyOf")
                .and_then(|mut a| a.as_array_mut().and_then(Vec::pop))
        {
            for (key, value) in only {
                schema.insert(key, value);
            }
        }
    }
}

/// Fails on the first key of `extra` that is not in `allowed`, naming it `extra.KEY` and
/// listing what the `api` body accepts.
pub fn check_extra_keys(extra: &ExtraFields, allowed: &[&str], api: &str) -> Result<()> {
    match extra
        .iter()
        .find(|(key, _)| !allowed.contains(&key.as_str()))
    {
        None => Ok(()),
        Some((key, value)) => {
            let allowed = if allowed.is_empty() {
                format!("no extra fields; the {api} body has no other options")
            } else {
                format!("extra fields of the {api} body: {}", allowed.join(", "))
            };
            Err(Error::invalid(format!("extra.{key}"), value, allowed))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema, Serialize)]
    #[allow(dead_code)]
    struct Inner {
        a: u32,
    }

    /// A documented struct.
    #[derive(JsonSchema, Serialize)]
    #[allow(dead_code)]
    struct Outer {
        /// Optional scalar.
        count: Option<u32>,
        /// Optional object.
        inner: Option<Inner>,
        /// A float.
        temperature: f32,
    }

    #[test]
    fn optional_fields_do_not_allow_null() {
        let schema = request_schema::<Outer>().to_value();
        assert_eq!(schema["properties"]["count"]["type"], "integer");
        assert_eq!(schema["properties"]["inner"]["$ref"], "#/$defs/Inner");
        assert_eq!(
            schema["properties"]["inner"]["description"],
            "Optional object."
        );
        assert!(schema["properties"]["inner"].get("anyOf").is_none());
    }

    #[test]
    fn json_bodies_keep_the_written_f32_decimal() {
        let body = RequestBody::json(&Outer {
            count: None,
            inner: None,
            temperature: 0.7,
        })
        .unwrap();
        assert_eq!(
            &body.body[..],
            br#"{"count":null,"inner":null,"temperature":0.7}"#
        );
    }

    #[test]
    fn a_body_that_cannot_be_encoded_is_an_error_not_an_empty_body() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1u8);
        let err = RequestBody::json(&map).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Decode, "{err}");
    }

    #[test]
    fn extra_keys_are_named_with_their_prefix() {
        let mut extra = ExtraFields::new();
        extra.insert("top_k".to_owned(), serde_json::json!(5));
        assert!(check_extra_keys(&extra, &["top_k"], "x").is_ok());
        let err = check_extra_keys(&extra, &["seed"], "x").unwrap_err();
        assert_eq!(err.field(), Some("extra.top_k"));
    }
}
