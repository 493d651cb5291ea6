//! The `ai21-chat` API of the Jamba models: the request body, built from a neutral chat or
//! text request and validated, the response, and its stream chunks.

use bedrock_core::{
    ChatRequest, ContentPart, Error, InferenceParams, InvocationMetrics, ModelOutput, Result, Role,
    StopReason, StreamEvent, TextOutput, TextRequest, Usage, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::{
    CHAT_API, MAX_CHOICES, MAX_STOP_CHARS, MAX_TEMPERATURE, MAX_TOKENS, ModelLimits, model_limits,
};

/// The body of an InvokeModel call to a Jamba model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "JambaChatRequest")]
pub struct JambaChatRequest {
    /// The conversation, oldest first: an optional first `system` message, then at least one
    /// `user` or `assistant` message.
    #[schemars(length(min = 1))]
    pub messages: Vec<JambaMessage>,
    /// The most tokens to generate per answer, 0 to 4096 (default 4096).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Randomness of sampling, 0 to 2 (default 1); 0 always gives the same answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = MAX_TEMPERATURE))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, 0 to 1 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Sequences that end the answer, each 1 to 65536 characters; the sequence is not part of
    /// the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(length(min = 1, max = MAX_STOP_CHARS)))]
    pub stop: Vec<String>,
    /// How many answers to generate, 1 to 16 (default 1; 1 when streaming). The neutral
    /// conversion never sets it: the neutral output holds one answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_CHOICES))]
    pub n: Option<u32>,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JambaMessage {
    /// Who speaks.
    pub role: JambaRole,
    /// What is said; at least one non-whitespace character.
    #[schemars(regex(pattern = r"\S"))]
    pub content: String,
}

/// The author of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JambaRole {
    /// Instructions on the tone and voice of the answers; only as the first message.
    System,
    /// The user; where it conflicts with the system message, the user's instruction wins.
    User,
    /// The model.
    Assistant,
}

impl JambaChatRequest {
    /// The validated body for a neutral chat request to `base_model_id`: `system` becomes the
    /// first message, then the turns, text parts joined by newlines. Images and `top_k` have no
    /// place in this body and are refused, as is every `extra` key.
    pub fn from_chat(request: &ChatRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, &[], CHAT_API)?;
        let Some(last) = request.messages.last() else {
            return Err(Error::invalid(
                "messages",
                "[]",
                "at least one message, the last from the user",
            ));
        };
        if last.role != Role::User {
            return Err(Error::invalid(
                format!("messages[{}].role", request.messages.len() - 1),
                "assistant",
                "user: the conversation must end with the user turn the model answers",
            ));
        }
        let mut messages = system_message(request.system.as_deref())?;
        for (i, message) in request.messages.iter().enumerate() {
            let mut texts = Vec::with_capacity(message.content.len());
            for (j, part) in message.content.iter().enumerate() {
                match part {
                    ContentPart::Text { text } => texts.push(text.as_str()),
                    ContentPart::Image { format, .. } => {
                        return Err(Error::invalid(
                            format!("messages[{i}].content[{j}]"),
                            format!("{} image", format.media_type()),
                            "text only: Jamba does not read images",
                        ));
                    }
                }
            }
            let content = texts.join("\n");
            if content.trim().is_empty() {
                return Err(Error::invalid(
                    format!("messages[{i}].content"),
                    format!("{content:?}"),
                    "at least one text part with a non-whitespace character",
                ));
            }
            let role = match message.role {
                Role::User => JambaRole::User,
                Role::Assistant => JambaRole::Assistant,
            };
            messages.push(JambaMessage { role, content });
        }
        Self::build(messages, &request.params, base_model_id)
    }

    /// The validated body for a neutral text request: `system` becomes a system message, the
    /// prompt a user message.
    pub fn from_text(request: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, &[], CHAT_API)?;
        if request.prompt.trim().is_empty() {
            return Err(Error::invalid(
                "prompt",
                format!("{:?}", request.prompt),
                "at least one non-whitespace character",
            ));
        }
        let mut messages = system_message(request.system.as_deref())?;
        messages.push(JambaMessage {
            role: JambaRole::User,
            content: request.prompt.clone(),
        });
        Self::build(messages, &request.params, base_model_id)
    }

    fn build(
        messages: Vec<JambaMessage>,
        params: &InferenceParams,
        base_model_id: &str,
    ) -> Result<Self> {
        if let Some(k) = params.top_k {
            return Err(Error::invalid(
                "top_k",
                k,
                "unset: Jamba has no top-k sampling; use top_p",
            ));
        }
        let body = JambaChatRequest {
            messages,
            max_tokens: params.max_tokens,
            temperature: params.temperature,
            top_p: params.top_p,
            stop: params.stop_sequences.clone(),
            n: None,
        };
        body.validate(&model_limits(base_model_id))?;
        Ok(body)
    }

    /// Checks every field against `limits`; the error names the body field, the value and what
    /// is allowed.
    pub fn validate(&self, limits: &ModelLimits) -> Result<()> {
        let mut spoken = false;
        for (i, message) in self.messages.iter().enumerate() {
            if message.role == JambaRole::System && i > 0 {
                return Err(Error::invalid(
                    format!("messages[{i}].role"),
                    "system",
                    "user or assistant: a system message may only come first",
                ));
            }
            spoken |= message.role != JambaRole::System;
            if message.content.trim().is_empty() {
                return Err(Error::invalid(
                    format!("messages[{i}].content"),
                    format!("{:?}", message.content),
                    "at least one non-whitespace character",
                ));
            }
        }
        if !spoken {
            return Err(Error::invalid(
                "messages",
                format!("{} system messages", self.messages.len()),
                "at least one user or assistant message",
            ));
        }
        if let Some(n) = self.max_tokens.filter(|n| *n > limits.max_tokens) {
            let allowed = format!("0..={} for {}", limits.max_tokens, limits.name);
            return Err(Error::invalid("max_tokens", n, allowed));
        }
        // `contains` is false for NaN too.
        if let Some(t) = self
            .temperature
            .filter(|t| !(0.0..=MAX_TEMPERATURE).contains(t))
        {
            return Err(Error::invalid("temperature", t, "0.0..=2.0"));
        }
        if let Some(p) = self.top_p.filter(|p| !(0.0..=1.0).contains(p)) {
            return Err(Error::invalid("top_p", p, "0.0..=1.0"));
        }
        for (i, stop) in self.stop.iter().enumerate() {
            let chars = stop.chars().count();
            if !(1..=MAX_STOP_CHARS).contains(&chars) {
                return Err(Error::invalid(
                    format!("stop[{i}]"),
                    format!("{chars} characters"),
                    format!("1..={MAX_STOP_CHARS} characters"),
                ));
            }
        }
        if let Some(n) = self.n.filter(|n| !(1..=MAX_CHOICES).contains(n)) {
            return Err(Error::invalid("n", n, format!("1..={MAX_CHOICES}")));
        }
        Ok(())
    }
}

/// The leading system message for a neutral `system`, if set; a blank one is refused rather
/// than sent as an empty instruction.
fn system_message(system: Option<&str>) -> Result<Vec<JambaMessage>> {
    match system {
        None => Ok(Vec::new()),
        Some(text) if text.trim().is_empty() => Err(Error::invalid(
            "system",
            format!("{text:?}"),
            "at least one non-whitespace character, or unset",
        )),
        Some(text) => Ok(vec![JambaMessage {
            role: JambaRole::System,
            content: text.to_owned(),
        }]),
    }
}

/// The body of a Jamba response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JambaChatResponse {
    /// The response's id (`chatcmpl-...`).
    #[serde(default)]
    pub id: Option<String>,
    /// One answer per `n`, by `index`.
    pub choices: Vec<JambaChoice>,
    /// Token counts.
    #[serde(default)]
    pub usage: Option<JambaUsage>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
}

/// One answer of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JambaChoice {
    /// Its position among the `n` answers.
    #[serde(default)]
    pub index: u32,
    /// The answer.
    pub message: JambaResponseMessage,
    /// `stop` (the answer ended, or a stop sequence came) or `length` (`max_tokens`).
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The message of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JambaResponseMessage {
    /// Always `assistant`.
    #[serde(default)]
    pub role: Option<String>,
    /// The text; `null` when the model only calls tools.
    #[serde(default)]
    pub content: Option<String>,
}

/// `usage` of a response, and of the last stream chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JambaUsage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Generated tokens, over all answers.
    pub completion_tokens: u32,
    /// Their sum.
    #[serde(default)]
    pub total_tokens: Option<u32>,
}

impl JambaChatResponse {
    /// The neutral output: the first answer (index 0), with the token counts.
    pub fn into_output(self) -> Result<ModelOutput> {
        let choice = self
            .choices
            .into_iter()
            .min_by_key(|c| c.index)
            .ok_or_else(|| Error::decode("Jamba response has no choices"))?;
        Ok(ModelOutput::Text(TextOutput {
            text: choice.message.content.unwrap_or_default(),
            stop_reason: choice.finish_reason.as_deref().map(stop_reason),
            usage: self.usage.map(|u| Usage {
                input_tokens: u.prompt_tokens,
                output_tokens: u.completion_tokens,
            }),
            content: Vec::new(),
        }))
    }
}

/// One chunk of a Jamba response stream; the last carries the finish reason, `usage` and
/// Bedrock's invocation metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JambaStreamChunk {
    /// The response's id.
    #[serde(default)]
    pub id: Option<String>,
    /// What each answer adds.
    pub choices: Vec<JambaStreamChoice>,
    /// Token counts, in the last chunk.
    #[serde(default)]
    pub usage: Option<JambaUsage>,
    /// Bedrock's token counts and latencies, in the last chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// What one chunk adds to one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JambaStreamChoice {
    /// The answer's position.
    #[serde(default)]
    pub index: u32,
    /// The new text.
    #[serde(default)]
    pub delta: JambaDelta,
    /// Why the answer ended, in its last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// `delta` of a stream choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JambaDelta {
    /// `assistant`, in the first chunk.
    #[serde(default)]
    pub role: Option<String>,
    /// More text.
    #[serde(default)]
    pub content: Option<String>,
}

impl JambaStreamChunk {
    /// The neutral events of the chunk: those of the first answer (index 0), as the whole
    /// response's output keeps only it; usage from Bedrock's metrics, else from `usage`.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        for choice in self.choices.into_iter().filter(|c| c.index == 0) {
            if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                events.push(StreamEvent::TextDelta { text });
            }
            if let Some(reason) = choice.finish_reason {
                events.push(StreamEvent::Stop {
                    reason: stop_reason(&reason),
                });
            }
        }
        let usage = match (self.invocation_metrics, self.usage) {
            (Some(m), _) => Some((m.input_token_count, m.output_token_count)),
            (None, Some(u)) => Some((u.prompt_tokens, u.completion_tokens)),
            (None, None) => None,
        };
        events.extend(usage.map(|(input, output)| StreamEvent::Usage {
            input_tokens: Some(input),
            output_tokens: Some(output),
        }));
        events
    }
}

/// The neutral stop reason of a Jamba `finish_reason`.
fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}
