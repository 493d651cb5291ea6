#![doc = include_str!("../README.md")]

pub mod messages;
mod models;
pub mod text_completions;
mod validation;

use std::sync::Arc;

use bedrock_core::{
    Error, ModelAdapter, ModelId, ModelInput, ModelMatch, ModelOutput, ModelPattern, Registry,
    RequestBody, Result, StreamEvent,
};
use serde_json::Value;

pub use models::{
    ADAPTER_NAME, ClaudeApi, FALLBACK_MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS, MESSAGES_API,
    TEXT_COMPLETIONS_API, TEXT_COMPLETIONS_MODELS, max_output_tokens,
};
pub use validation::{API_SELECTOR, MAX_STOP_SEQUENCES, MAX_TOP_K};

/// `max_tokens` / `max_tokens_to_sample` sent when the request leaves `params.max_tokens` unset
/// (both APIs require the field).
pub const DEFAULT_MAX_TOKENS: u32 = 1_024;

/// Registers [`ClaudeAdapter`] in `registry` under the name `claude`.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(ClaudeAdapter::new()));
}

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
                schemars::schema_for!(text_completions::TextCompletionsRequest)
            }
            ClaudeApi::Messages => schemars::schema_for!(messages::MessagesRequest),
        }
    }

    fn no_adapter(&self, model_id: &ModelId) -> Error {
        let ids: Vec<String> = models::PATTERNS
            .iter()
            .map(|p| match p.matches {
                ModelMatch::Exact(id) => id.to_owned(),
                ModelMatch::Prefix(prefix) => format!("{prefix}*"),
            })
            .collect();
        Error::NoAdapter {
            model_id: model_id.to_string(),
            registered: vec![format!("{ADAPTER_NAME} ({})", ids.join(", "))],
        }
    }
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Result<RequestBody> {
    let body =
        serde_json::to_vec(value).map_err(|e| Error::decode_json("Claude request body", e))?;
    Ok(RequestBody {
        body: body.into(),
        content_type: "application/json",
        accept: "application/json",
    })
}

fn parse_json(what: &str, bytes: &[u8]) -> Result<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Error::decode(format!(
            "{what}: expected a JSON object, got {other}"
        ))),
        Err(e) => Err(Error::decode_json(what, e)),
    }
}

impl ModelAdapter for ClaudeAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        ClaudeApi::from_name(api).map(ClaudeAdapter::schema)
    }

    fn build_body(&self, model_id: &ModelId, input: &ModelInput) -> Result<RequestBody> {
        let (Some(pattern), Some(base)) = (self.pattern_for(model_id), model_id.base_model_id())
        else {
            return Err(self.no_adapter(model_id));
        };
        let extra = match input {
            ModelInput::Text(t) => &t.extra,
            ModelInput::Chat(c) => &c.extra,
            other => {
                return Err(Error::Unsupported {
                    operation: other.operation().to_owned(),
                    adapter: ADAPTER_NAME.to_owned(),
                    api: pattern.api.to_owned(),
                    model_id: model_id.to_string(),
                });
            }
        };
        match (models::select_api(pattern.api, base, extra)?, input) {
            (ClaudeApi::TextCompletions, ModelInput::Text(t)) => {
                json_bytes(&text_completions::build_text(base, t)?)
            }
            (ClaudeApi::TextCompletions, ModelInput::Chat(c)) => {
                json_bytes(&text_completions::build_chat(base, c)?)
            }
            (ClaudeApi::Messages, ModelInput::Text(t)) => {
                json_bytes(&messages::build_text(base, t)?)
            }
            (ClaudeApi::Messages, ModelInput::Chat(c)) => {
                json_bytes(&messages::build_chat(base, c)?)
            }
            (_, other) => Err(Error::Unsupported {
                operation: other.operation().to_owned(),
                adapter: ADAPTER_NAME.to_owned(),
                api: pattern.api.to_owned(),
                model_id: model_id.to_string(),
            }),
        }
    }

    /// Reads either API's response by its shape (`content` or `completion`), so a legacy model
    /// asked through the Messages API parses too.
    fn parse_output(&self, _model_id: &ModelId, body: &[u8]) -> Result<ModelOutput> {
        let map = parse_json("Claude response", body)?;
        let output = if map.contains_key("content") {
            messages::parse_response(Value::Object(map))?
        } else if map.contains_key("completion") {
            text_completions::parse_response(Value::Object(map))?
        } else {
            return Err(Error::decode(
                "Claude response: neither `content` (Messages API) nor `completion` (Text Completions API) is present",
            ));
        };
        Ok(ModelOutput::Text(output))
    }

    /// Reads either API's chunks by their shape (`type` or `completion`).
    fn parse_stream_chunk(&self, _model_id: &ModelId, chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        let map = parse_json("Claude stream chunk", chunk)?;
        if map.contains_key("type") {
            messages::parse_event(Value::Object(map))
        } else if map.contains_key("completion") {
            text_completions::parse_chunk(Value::Object(map))
        } else {
            Err(Error::decode(
                "Claude stream chunk: neither `type` (Messages API event) nor `completion` (Text Completions chunk) is present",
            ))
        }
    }
}
