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

pub mod messages;
pub mod models;
pub mod text_completions;
mod validation;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};
use serde_json::Value;

pub use messages::converse::ADDITIONAL_REQUEST_FIELDS;
pub use messages::stream::MessagesAccumulator;
pub use messages::{MessagesRequest, MessagesResponse, MessagesStreamEvent};
pub use models::{
    API_SELECTOR, ClaudeApi, DEFAULT_MAX_TOKENS, FALLBACK_MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS,
    MAX_STOP_SEQUENCES, MAX_TOP_K, MESSAGES_API, TEXT_COMPLETIONS_API, TEXT_COMPLETIONS_MODELS,
    max_output_tokens,
};

/// The adapter's name in a [`bedrock_core::Registry`].
pub const ADAPTER_NAME: &str = "claude";

/// The adapter for Anthropic Claude models on Bedrock: Text Completions for
/// [`TEXT_COMPLETIONS_MODELS`], Messages for every other `anthropic.claude*` id.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaudeAdapter;

impl ClaudeAdapter {
    /// The adapter.
    pub fn new() -> Self {
        ClaudeAdapter
    }

    /// The JSON Schema of one API's request body.
    pub fn schema(api: ClaudeApi) -> schemars::Schema {
        match api {
            ClaudeApi::TextCompletions => {
                request_schema::<text_completions::TextCompletionsRequest>()
            }
            ClaudeApi::Messages => request_schema::<messages::MessagesRequest>(),
        }
    }
}

/// Registers [`ClaudeAdapter`] in `registry` under the name `claude`.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(ClaudeAdapter::new()));
}

impl ModelAdapter for ClaudeAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        ClaudeApi::from_name(api).map(ClaudeAdapter::schema)
    }

    /// Builds the body of the route's API, or of the Messages API when `extra.api` asks for it
    /// on a legacy model.
    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        let extra = match input {
            ModelInput::Text(t) => &t.extra,
            ModelInput::Chat(c) => &c.extra,
            _ => return Err(route.unsupported(input.operation())),
        };
        match (models::select_api(route.api(), base, extra)?, input) {
            (ClaudeApi::TextCompletions, ModelInput::Text(t)) => {
                RequestBody::json(&text_completions::build_text(base, t)?)
            }
            (ClaudeApi::TextCompletions, ModelInput::Chat(c)) => {
                RequestBody::json(&text_completions::build_chat(base, c)?)
            }
            (ClaudeApi::Messages, ModelInput::Text(t)) => {
                RequestBody::json(&messages::build_text(base, t)?)
            }
            (ClaudeApi::Messages, ModelInput::Chat(c)) => {
                RequestBody::json(&messages::build_chat(base, c)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    /// Reads either API's response by its shape (`content` or `completion`), so a legacy model
    /// asked through the Messages API parses too.
    fn parse_output(&self, _route: &Route, body: &[u8]) -> Result<ModelOutput> {
        let response: Value = decode_json("Claude response", body)?;
        let output = match ClaudeApi::of_response(&response)? {
            ClaudeApi::Messages => messages::parse_response(response)?,
            ClaudeApi::TextCompletions => text_completions::parse_response(response)?,
        };
        Ok(ModelOutput::Text(output))
    }

    /// Reads either API's chunks by their shape (`type` or `completion`).
    fn parse_stream_chunk(&self, _route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        let chunk: Value = decode_json("Claude stream chunk", chunk)?;
        match ClaudeApi::of_stream_chunk(&chunk)? {
            ClaudeApi::Messages => messages::parse_event(chunk),
            ClaudeApi::TextCompletions => text_completions::parse_chunk(chunk),
        }
    }
}
