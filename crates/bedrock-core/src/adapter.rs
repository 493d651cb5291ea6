//! The `ModelAdapter` seam: one model family's request builder and response parser.

use std::fmt::Debug;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::Result;
use crate::model_id::ModelId;
use crate::model_io::{ModelInput, ModelOutput, StreamEvent};

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
        }
    }

    /// Whether an input of this shape is supported.
    pub fn supports(self, input: &ModelInput) -> bool {
        match input {
            ModelInput::Text(_) => self.text,
            ModelInput::Chat(_) => self.chat,
            ModelInput::Embedding(_) => self.embedding,
            ModelInput::Image(_) => self.image,
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
    /// A JSON body serialised from `value`.
    pub fn json(value: &serde_json::Value) -> Self {
        RequestBody {
            body: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
            content_type: "application/json",
            accept: "application/json",
        }
    }
}

/// One model family's request builder and response parser.
///
/// Adapters are pure: no I/O, no state that changes between calls. `build_body` validates the
/// input and fails with [`crate::Error::InvalidInput`] naming the field, so nothing invalid is
/// ever sent. The trait is object-safe; registries hold `Arc<dyn ModelAdapter>`.
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

    /// Builds and validates the request body of `input` for `model_id`.
    fn build_body(&self, model_id: &ModelId, input: &ModelInput) -> Result<RequestBody>;

    /// Parses a whole (non-streamed) response body.
    fn parse_output(&self, model_id: &ModelId, body: &[u8]) -> Result<ModelOutput>;

    /// Parses one chunk of a response stream (the model's JSON inside a `chunk` event).
    fn parse_stream_chunk(&self, model_id: &ModelId, chunk: &[u8]) -> Result<Vec<StreamEvent>>;

    /// The pattern that serves `model_id`, if any.
    fn pattern_for(&self, model_id: &ModelId) -> Option<&ModelPattern> {
        let base = model_id.base_model_id()?;
        ModelPattern::best(self.models(), base).map(|(p, _)| p)
    }
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
    fn build_body(&self, model_id: &ModelId, input: &ModelInput) -> Result<RequestBody> {
        (**self).build_body(model_id, input)
    }
    fn parse_output(&self, model_id: &ModelId, body: &[u8]) -> Result<ModelOutput> {
        (**self).parse_output(model_id, body)
    }
    fn parse_stream_chunk(&self, model_id: &ModelId, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        (**self).parse_stream_chunk(model_id, chunk)
    }
}
