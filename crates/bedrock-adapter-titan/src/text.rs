//! Titan Text: the `titan-text` request body, its response, its stream chunks, and the mapping
//! from the family-neutral text and chat inputs.

use bedrock_core::{
    ChatRequest, ContentPart, Error, InvocationMetrics, Result, Role, StopReason, StreamEvent,
    TextOutput, TextRequest, Usage, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::float::{check_range, wire_float};
use crate::models::{TEXT_API, text_model_limits};

/// The only stop sequences Titan Text accepts, as Bedrock's validator states them
/// (`^(\|+|User:)$`, at most one item).
pub const STOP_SEQUENCE_PATTERN: &str = r"^(\|+|User:)$";

/// The stop sequence added to chat transcripts that set none, so the model stops before it
/// writes the next user turn itself.
pub const CHAT_STOP_SEQUENCE: &str = "User:";

/// The body of an InvokeModel call to a Titan Text model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "TitanTextRequest")]
pub struct TitanTextRequest {
    /// The prompt. For a conversation use `User: <prompt>\nBot:`.
    #[schemars(length(min = 1))]
    pub input_text: String,
    /// Sampling and length settings; the model's defaults where absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_generation_config: Option<TextGenerationConfig>,
}

/// `textGenerationConfig` of a Titan Text request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TextGenerationConfig {
    /// Randomness, 0.0..=1.0 (model default 0.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f64>,
    /// Nucleus sampling, 0.0..=1.0 (model default 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f64>,
    /// Most tokens to generate (default 512): at most 8192 for Express, 4096 for Lite and 3072
    /// for Premier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 8192))]
    pub max_token_count: Option<u32>,
    /// At most one stop sequence: `User:` or a run of `|`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 1), inner(regex(pattern = STOP_SEQUENCE_PATTERN)))]
    pub stop_sequences: Vec<String>,
}

impl TextGenerationConfig {
    fn is_empty(&self) -> bool {
        self == &TextGenerationConfig::default()
    }
}

fn is_titan_stop_sequence(s: &str) -> bool {
    s == "User:" || (!s.is_empty() && s.chars().all(|c| c == '|'))
}

impl TitanTextRequest {
    /// Checks every field against what `base_model_id` accepts, naming the first bad field by its
    /// path in the body (`textGenerationConfig.temperature`).
    pub fn validate(&self, base_model_id: &str) -> Result<()> {
        if self.input_text.is_empty() {
            return Err(Error::invalid("inputText", "\"\"", "a non-empty prompt"));
        }
        let Some(config) = &self.text_generation_config else {
            return Ok(());
        };
        if let Some(t) = config.temperature {
            check_range("textGenerationConfig.temperature", t, 0.0, 1.0)?;
        }
        if let Some(p) = config.top_p {
            check_range("textGenerationConfig.topP", p, 0.0, 1.0)?;
        }
        let limits = text_model_limits(base_model_id);
        if let Some(n) = config.max_token_count
            && n > limits.max_token_count
        {
            return Err(Error::invalid(
                "textGenerationConfig.maxTokenCount",
                n,
                format!("0..={} for {}", limits.max_token_count, limits.name),
            ));
        }
        if config.stop_sequences.len() > 1 {
            return Err(Error::invalid(
                "textGenerationConfig.stopSequences",
                format!("{} sequences", config.stop_sequences.len()),
                "at most 1 sequence (Titan Text accepts one stop sequence)",
            ));
        }
        for (i, s) in config.stop_sequences.iter().enumerate() {
            if !is_titan_stop_sequence(s) {
                return Err(Error::invalid(
                    format!("textGenerationConfig.stopSequences[{i}]"),
                    format!("{s:?}"),
                    "\"User:\" or a run of \"|\" (the only stop sequences Titan Text accepts)",
                ));
            }
        }
        Ok(())
    }

    /// The request for a single prompt; a system prompt goes first, separated by a blank line.
    pub fn from_text(request: &TextRequest) -> Result<Self> {
        check_extra_keys(&request.extra, &[], TEXT_API)?;
        let input_text = match request.system.as_deref() {
            Some(system) if !system.is_empty() => format!("{system}\n\n{}", request.prompt),
            _ => request.prompt.clone(),
        };
        let config = config_from_params(&request.params, false)?;
        Ok(TitanTextRequest {
            input_text,
            text_generation_config: config,
        })
    }

    /// The request for a conversation, as the transcript Titan Text is trained on: the system
    /// prompt, then one `User: ...` or `Bot: ...` line per turn, ending with `Bot:` for the model
    /// to continue. The conversation must end with a user turn; images are refused. When no stop
    /// sequence is set, `User:` is added so the model does not write the next user turn itself.
    pub fn from_chat(request: &ChatRequest) -> Result<Self> {
        check_extra_keys(&request.extra, &[], TEXT_API)?;
        let Some(last) = request.messages.last() else {
            return Err(Error::invalid("messages", "[]", "at least one message"));
        };
        if last.role != Role::User {
            return Err(Error::invalid(
                format!("messages[{}].role", request.messages.len() - 1),
                "assistant",
                "user: the conversation must end with a user turn for the model to answer",
            ));
        }
        let mut transcript = String::new();
        if let Some(system) = request.system.as_deref().filter(|s| !s.is_empty()) {
            transcript.push_str(system);
            transcript.push_str("\n\n");
        }
        for (i, message) in request.messages.iter().enumerate() {
            let mut texts = Vec::with_capacity(message.content.len());
            for (j, part) in message.content.iter().enumerate() {
                match part {
                    ContentPart::Text { text } => texts.push(text.as_str()),
                    ContentPart::Image { format, .. } => {
                        return Err(Error::invalid(
                            format!("messages[{i}].content[{j}]"),
                            format!("{} image", format.media_type()),
                            "text only: Titan Text does not read images",
                        ));
                    }
                }
            }
            let text = texts.join("\n");
            if text.trim().is_empty() {
                return Err(Error::invalid(
                    format!("messages[{i}].content"),
                    "no text",
                    "at least one non-empty text part",
                ));
            }
            let speaker = match message.role {
                Role::User => "User",
                Role::Assistant => "Bot",
            };
            transcript.push_str(&format!("{speaker}: {text}\n"));
        }
        transcript.push_str("Bot:");
        let config = config_from_params(&request.params, true)?;
        Ok(TitanTextRequest {
            input_text: transcript,
            text_generation_config: config,
        })
    }
}

fn config_from_params(
    params: &bedrock_core::InferenceParams,
    chat: bool,
) -> Result<Option<TextGenerationConfig>> {
    if let Some(k) = params.top_k {
        return Err(Error::invalid(
            "top_k",
            k,
            "not supported by Titan Text (textGenerationConfig has no topK; use topP)",
        ));
    }
    let mut stop_sequences = params.stop_sequences.clone();
    if chat && stop_sequences.is_empty() {
        stop_sequences.push(CHAT_STOP_SEQUENCE.to_owned());
    }
    let config = TextGenerationConfig {
        temperature: params.temperature.map(wire_float),
        top_p: params.top_p.map(wire_float),
        max_token_count: params.max_tokens,
        stop_sequences,
    };
    Ok((!config.is_empty()).then_some(config))
}

/// The body of a Titan Text InvokeModel response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TitanTextResponse {
    /// Tokens in the prompt.
    #[serde(default)]
    pub input_text_token_count: Option<u32>,
    /// The generations; Titan returns one.
    pub results: Vec<TitanTextResult>,
}

/// One generation in a [`TitanTextResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TitanTextResult {
    /// Tokens generated.
    #[serde(default)]
    pub token_count: Option<u32>,
    /// The generated text, unchanged (Titan often starts it with a newline).
    pub output_text: String,
    /// Why generation stopped: `FINISH`, `LENGTH`, `STOP_CRITERIA_MET`, `CONTENT_FILTERED`,
    /// `RAG_QUERY_WHEN_RAG_DISABLED`, ...
    #[serde(default)]
    pub completion_reason: Option<String>,
}

/// The neutral stop reason for a Titan `completionReason`.
pub fn stop_reason(completion_reason: &str) -> StopReason {
    match completion_reason {
        // Bedrock sends FINISH; the user guide spells it FINISHED.
        "FINISH" | "FINISHED" => StopReason::EndTurn,
        "LENGTH" => StopReason::MaxTokens,
        "STOP_CRITERIA_MET" => StopReason::StopSequence,
        "CONTENT_FILTERED" => StopReason::ContentFiltered,
        other => StopReason::Other(other.to_owned()),
    }
}

impl TitanTextResponse {
    /// The neutral output: the results' text joined, the last stop reason, token counts.
    pub fn into_output(self) -> Result<TextOutput> {
        if self.results.is_empty() {
            return Err(Error::decode("Titan Text response: `results` is empty"));
        }
        let mut text = String::new();
        let mut output_tokens: Option<u32> = None;
        let mut reason = None;
        for result in self.results {
            text.push_str(&result.output_text);
            if let Some(n) = result.token_count {
                output_tokens = Some(output_tokens.unwrap_or(0).saturating_add(n));
            }
            reason = result
                .completion_reason
                .as_deref()
                .map(stop_reason)
                .or(reason);
        }
        let usage =
            (self.input_text_token_count.is_some() || output_tokens.is_some()).then(|| Usage {
                input_tokens: self.input_text_token_count.unwrap_or(0),
                output_tokens: output_tokens.unwrap_or(0),
            });
        Ok(TextOutput {
            text,
            stop_reason: reason,
            usage,
            content: Vec::new(),
        })
    }
}

/// One chunk of a Titan Text InvokeModelWithResponseStream response (the JSON inside a `chunk`
/// event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TitanTextStreamChunk {
    /// The new text.
    #[serde(default)]
    pub output_text: String,
    /// Which result the chunk belongs to.
    #[serde(default)]
    pub index: Option<u32>,
    /// Tokens generated so far.
    #[serde(default)]
    pub total_output_text_token_count: Option<u32>,
    /// Set on the last chunk.
    #[serde(default)]
    pub completion_reason: Option<String>,
    /// Tokens in the prompt.
    #[serde(default)]
    pub input_text_token_count: Option<u32>,
    /// Bedrock's metrics, on the last chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

impl TitanTextStreamChunk {
    /// The neutral events of this chunk: text, token counts (Bedrock's metrics win when
    /// present), then the stop reason.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::with_capacity(3);
        if !self.output_text.is_empty() {
            events.push(StreamEvent::TextDelta {
                text: self.output_text,
            });
        }
        let input_tokens = self
            .invocation_metrics
            .map(|m| m.input_token_count)
            .or(self.input_text_token_count);
        let output_tokens = self
            .invocation_metrics
            .map(|m| m.output_token_count)
            .or(self.total_output_text_token_count);
        if input_tokens.is_some() || output_tokens.is_some() {
            events.push(StreamEvent::Usage {
                input_tokens,
                output_tokens,
            });
        }
        if let Some(reason) = self.completion_reason.as_deref() {
            events.push(StreamEvent::Stop {
                reason: stop_reason(reason),
            });
        }
        events
    }
}
