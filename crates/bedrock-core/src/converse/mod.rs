//! Converse and ConverseStream: one message format for every chat model, with tools, reasoning,
//! documents, images and prompt caching.
//!
//! [`ConverseRequest`] and its blocks are shaped like Bedrock's JSON, so the same types serve the
//! typed API, the simulator and the emulator's wire format. [`ConverseCall`] is what a
//! [`crate::Backend`] is asked to send; [`ConverseReply`] and [`ConverseStreamReply`] are what
//! it answers. Typed tools and the conversation loop live in [`tools`].

pub(crate) mod accumulate;
pub mod tools;
mod types;
mod validate;

use std::fmt::Debug;
use std::pin::Pin;

use futures::Stream;

use crate::catalog::Region;
use crate::error::Result;
use crate::history::PromptId;
use crate::model_id::ModelId;
use crate::types::CallMetadata;

pub use accumulate::ConverseAccumulator;
pub use types::*;
pub use validate::{MAX_DOCUMENT_BYTES, MAX_DOCUMENTS, MAX_IMAGE_BYTES, MAX_IMAGES};

/// What a backend is asked to send: one Converse or ConverseStream call.
#[derive(Debug, Clone, PartialEq)]
pub struct ConverseCall {
    /// The model (a bare id, a profile id or an ARN).
    pub model_id: ModelId,
    /// The region to call.
    pub region: Region,
    /// The request body.
    pub request: ConverseRequest,
    /// Save the turn to the prompt history first (see [`crate::layers::HistoryLayer`]).
    pub save_prompt: bool,
    /// The conversation this turn belongs to, recorded with the history row.
    pub conversation_id: Option<String>,
}

impl ConverseCall {
    /// A call of `request` to `model_id` in `region`, saving nothing.
    pub fn new(model_id: ModelId, region: Region, request: ConverseRequest) -> Self {
        ConverseCall {
            model_id,
            region,
            request,
            save_prompt: false,
            conversation_id: None,
        }
    }
}

/// The answer to Converse: the response body, the call's metadata, and the saved turn.
#[derive(Debug, Clone, PartialEq)]
pub struct ConverseReply {
    /// The response.
    pub response: ConverseResponse,
    /// Request id, latency, tokens (cache tokens included), attempts.
    pub metadata: CallMetadata,
    /// The saved turn, when the call asked for one.
    pub prompt_id: Option<PromptId>,
    /// A history failure after the answer arrived: the answer is kept, the failure reported.
    pub history_error: Option<String>,
}

impl ConverseReply {
    /// A reply with metadata taken from the response (usage and latency), nothing saved.
    pub fn new(response: ConverseResponse) -> Self {
        let metadata = CallMetadata {
            latency: std::time::Duration::from_millis(response.metrics.latency_ms),
            input_tokens: Some(response.usage.input_tokens),
            output_tokens: Some(response.usage.output_tokens),
            cache_read_input_tokens: response.usage.cache_read_input_tokens,
            cache_write_input_tokens: response.usage.cache_write_input_tokens,
            ..CallMetadata::default()
        };
        ConverseReply {
            response,
            metadata,
            prompt_id: None,
            history_error: None,
        }
    }
}

/// ConverseStream's events in order; a failure mid-stream (Bedrock's exception events) is an
/// `Err` item, after which the stream ends.
pub type ConverseEventStream =
    Pin<Box<dyn Stream<Item = Result<ConverseStreamEvent>> + Send + 'static>>;

/// The answer to ConverseStream: the events, the request id, and the saved turn.
pub struct ConverseStreamReply {
    /// The events.
    pub events: ConverseEventStream,
    /// `x-amzn-RequestId`, known when the stream opens.
    pub request_id: Option<String>,
    /// The saved turn, when the call asked for one (its row is completed when the stream ends).
    pub prompt_id: Option<PromptId>,
}

impl ConverseStreamReply {
    /// A reply of these events, with nothing saved.
    pub fn new(events: ConverseEventStream) -> Self {
        ConverseStreamReply {
            events,
            request_id: None,
            prompt_id: None,
        }
    }
}

impl Debug for ConverseStreamReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConverseStreamReply")
            .field("request_id", &self.request_id)
            .field("prompt_id", &self.prompt_id)
            .finish_non_exhaustive()
    }
}

/// What a backend is asked to count.
#[derive(Debug, Clone, PartialEq)]
pub struct CountTokensCall {
    /// The model.
    pub model_id: ModelId,
    /// The region to call.
    pub region: Region,
    /// What to count.
    pub request: CountTokensRequest,
}

impl ConverseRequest {
    /// A request of one user message.
    pub fn new(prompt: impl Into<String>) -> Self {
        ConverseRequest {
            messages: vec![Message::user(prompt)],
            ..ConverseRequest::default()
        }
    }

    /// A request continuing these messages.
    pub fn from_messages(messages: Vec<Message>) -> Self {
        ConverseRequest {
            messages,
            ..ConverseRequest::default()
        }
    }

    /// Adds a system prompt text block.
    pub fn with_system(mut self, text: impl Into<String>) -> Self {
        self.system.push(SystemContentBlock::Text(text.into()));
        self
    }

    /// Sets `maxTokens`.
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.inference_config
            .get_or_insert_with(InferenceConfiguration::default)
            .max_tokens = Some(max_tokens);
        self
    }

    /// Sets `temperature`.
    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.inference_config
            .get_or_insert_with(InferenceConfiguration::default)
            .temperature = Some(temperature);
        self
    }

    /// Offers a tool.
    pub fn with_tool(mut self, spec: ToolSpecification) -> Self {
        self.tool_config
            .get_or_insert_with(ToolConfiguration::default)
            .tools
            .push(ToolEntry::ToolSpec(spec));
        self
    }

    /// Sets how the model may choose tools.
    pub fn with_tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_config
            .get_or_insert_with(ToolConfiguration::default)
            .tool_choice = Some(choice);
        self
    }

    /// Sets the model-specific request fields.
    pub fn with_additional_fields(mut self, fields: serde_json::Value) -> Self {
        self.additional_model_request_fields = Some(fields);
        self
    }

    /// Appends a message.
    pub fn push(&mut self, message: Message) {
        self.messages.push(message);
    }

    /// The request's body as JSON bytes.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| crate::Error::Decode {
            message: format!("Converse request could not be serialised: {e}"),
            source: Some(Box::new(e)),
        })
    }
}

/// Serde of byte fields as standard base64 strings, as Bedrock's JSON protocol sends blobs.
pub(crate) mod bytes_b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tools_tests;
