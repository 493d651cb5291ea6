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

pub mod chat;
pub mod models;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, decode_json, request_schema,
};

use chat::{ChatCompletionsRequest, ChatCompletionsResponse};
pub use models::CHAT_API;

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "chat-completions";

/// Builds and parses the OpenAI chat-completions bodies of gpt-oss, Qwen3, DeepSeek-V3.1,
/// Writer Palmyra, Magistral and Mistral Large 3 on Bedrock; stateless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChatCompletionsAdapter;

/// Registers a [`ChatCompletionsAdapter`] under the name `chat-completions`, replacing any
/// adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(ChatCompletionsAdapter));
}

// The registry resolved the id and checked its capabilities: these only dispatch on the API.
impl ModelAdapter for ChatCompletionsAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        (api == CHAT_API).then(request_schema::<ChatCompletionsRequest>)
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        let base = route.base_model_id.as_str();
        match (route.api(), input) {
            (CHAT_API, ModelInput::Text(request)) => {
                RequestBody::json(&ChatCompletionsRequest::from_text(request, base)?)
            }
            (CHAT_API, ModelInput::Chat(request)) => {
                RequestBody::json(&ChatCompletionsRequest::from_chat(request, base)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    // One API: every route is CHAT_API.
    fn parse_output(&self, _route: &Route, body: &[u8]) -> Result<ModelOutput> {
        decode_json::<ChatCompletionsResponse>("chat-completions response", body)?.into_output()
    }

    fn parse_stream_chunk(&self, _route: &Route, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        decode_json("chat-completions stream chunk", chunk)
            .map(ChatCompletionsResponse::into_events)
    }
}
