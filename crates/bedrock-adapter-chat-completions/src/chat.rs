//! The `chat-completions` API: OpenAI's chat-completion body (`messages` in, `choices` out),
//! built from neutral text and chat inputs and validated, and its response and stream chunks.

use bedrock_core::{
    ChatRequest, ContentPart, Error, ExtraFields, InferenceParams, InvocationMetrics, ModelOutput,
    Result, Role, StopReason, StreamEvent, TextAccumulator, TextRequest, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::{
    CHAT_API, MAX_STOP_SEQUENCES, MAX_TEMPERATURE, MAX_TOKENS, TokenLimitField, model_limits,
};

/// The `extra` keys the body takes, copied into its fields of the same name.
pub const EXTRA_FIELDS: &[&str] = &[
    "reasoning_effort",
    "tools",
    "tool_choice",
    "response_format",
];

/// Opens gpt-oss's reasoning, which Bedrock's InvokeModel puts before the answer in `content`.
pub const REASONING_OPEN: &str = "<reasoning>";
/// Closes it; the answer follows.
pub const REASONING_CLOSE: &str = "</reasoning>";

/// The body of an InvokeModel call to a chat-completions model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatCompletionsRequest {
    /// The conversation, oldest first: an optional `system` message, then user and assistant
    /// turns.
    #[schemars(length(min = 1))]
    pub messages: Vec<ChatCompletionsMessage>,
    /// The most tokens to generate, `1..=32768` (gpt-oss takes `max_completion_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// The most tokens to generate, reasoning included, `1..=32768` (gpt-oss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_TOKENS))]
    pub max_completion_tokens: Option<u32>,
    /// Sampling temperature, `0.0..=2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = MAX_TEMPERATURE))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Sequences that stop generation: at most 4, none empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop: Vec<String>,
    /// How hard a reasoning model thinks before answering (gpt-oss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Functions the model may call, in OpenAI's `{"type": "function", "function": {...}}`
    /// shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `none`, `auto`, `required`, or an object naming one function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// The output's format, such as `{"type": "json_object"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Map<String, Value>>,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatCompletionsMessage {
    /// Who speaks.
    pub role: ChatCompletionsRole,
    /// What is said.
    #[schemars(regex(pattern = r"\S"))]
    pub content: String,
}

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChatCompletionsRole {
    /// Instructions for the whole conversation.
    System,
    /// The user.
    User,
    /// The model.
    Assistant,
}

/// How much a reasoning model reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// Least reasoning, fastest answers.
    Low,
    /// The default.
    Medium,
    /// Most reasoning.
    High,
}

fn non_blank(field: String, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(
            field,
            format!("{text:?}"),
            "a non-blank string",
        ));
    }
    Ok(())
}

impl ChatCompletionsRequest {
    /// The validated body of a single prompt: the system prompt as a `system` message, then the
    /// prompt as a `user` message.
    pub fn from_text(input: &TextRequest, base_model_id: &str) -> Result<Self> {
        non_blank("prompt".to_owned(), &input.prompt)?;
        let messages = vec![message(ChatCompletionsRole::User, input.prompt.clone())];
        Self::build(
            input.system.as_deref(),
            messages,
            &input.params,
            &input.extra,
            base_model_id,
        )
    }

    /// The validated body of a conversation. Text parts of a turn are joined by newlines; images
    /// are refused (these models read text only through this body). Earlier assistant turns
    /// keep only their answer, so gpt-oss's old reasoning is not fed back.
    pub fn from_chat(input: &ChatRequest, base_model_id: &str) -> Result<Self> {
        if input.messages.is_empty() {
            return Err(Error::invalid("messages", "[]", "at least one message"));
        }
        let mut messages = Vec::with_capacity(input.messages.len());
        for (i, turn) in input.messages.iter().enumerate() {
            let mut texts = Vec::with_capacity(turn.content.len());
            for (j, part) in turn.content.iter().enumerate() {
                match part {
                    ContentPart::Text { text } => {
                        non_blank(format!("messages[{i}].content[{j}].text"), text)?;
                        texts.push(text.as_str());
                    }
                    ContentPart::Image { format, .. } => {
                        return Err(Error::invalid(
                            format!("messages[{i}].content[{j}]"),
                            format!("a {} image", format.media_type()),
                            "text only: this body reads no images",
                        ));
                    }
                }
            }
            if texts.is_empty() {
                let field = format!("messages[{i}].content");
                return Err(Error::invalid(field, "no text", "at least one text part"));
            }
            let text = texts.join("\n");
            messages.push(match turn.role {
                Role::User => message(ChatCompletionsRole::User, text),
                Role::Assistant => {
                    let answer = split_reasoning(&text).answer.to_owned();
                    non_blank(format!("messages[{i}].content"), &answer)?;
                    message(ChatCompletionsRole::Assistant, answer)
                }
            });
        }
        Self::build(
            input.system.as_deref(),
            messages,
            &input.params,
            &input.extra,
            base_model_id,
        )
    }

    fn build(
        system: Option<&str>,
        turns: Vec<ChatCompletionsMessage>,
        params: &InferenceParams,
        extra: &ExtraFields,
        base_model_id: &str,
    ) -> Result<Self> {
        check_extra_keys(extra, EXTRA_FIELDS, CHAT_API)?;
        if let Some(top_k) = params.top_k {
            let allowed = "unset: the chat-completions body has no top_k; use top_p";
            return Err(Error::invalid("top_k", top_k, allowed));
        }
        let mut messages = Vec::with_capacity(turns.len().saturating_add(1));
        if let Some(system) = system {
            non_blank("system".to_owned(), system)?;
            messages.push(message(ChatCompletionsRole::System, system.to_owned()));
        }
        messages.extend(turns);
        let limits = model_limits(base_model_id);
        let (max_tokens, max_completion_tokens) = match limits.token_field {
            TokenLimitField::MaxTokens => (params.max_tokens, None),
            TokenLimitField::MaxCompletionTokens => (None, params.max_tokens),
        };
        let mut request = ChatCompletionsRequest {
            messages,
            max_tokens,
            max_completion_tokens,
            temperature: params.temperature,
            top_p: params.top_p,
            stop: params.stop_sequences.clone(),
            reasoning_effort: None,
            tools: None,
            tool_choice: None,
            response_format: None,
        };
        request.copy_extra(extra)?;
        request.validate_for(base_model_id).map(|()| request)
    }

    fn copy_extra(&mut self, extra: &ExtraFields) -> Result<()> {
        let bad = |key: &str, value: &Value, allowed: &str| {
            Error::invalid(format!("extra.{key}"), value, allowed)
        };
        for (key, value) in extra {
            match key.as_str() {
                "reasoning_effort" => {
                    let effort = serde_json::from_value(value.clone())
                        .map_err(|_| bad(key, value, "one of: low, medium, high"))?;
                    self.reasoning_effort = Some(effort);
                }
                "tools" => match value {
                    Value::Array(tools) if tools.iter().all(Value::is_object) => {
                        self.tools = Some(tools.clone());
                    }
                    _ => return Err(bad(key, value, "an array of tool objects")),
                },
                "tool_choice" => match value {
                    Value::String(s) if ["none", "auto", "required"].contains(&s.as_str()) => {
                        self.tool_choice = Some(value.clone());
                    }
                    Value::Object(_) => self.tool_choice = Some(value.clone()),
                    _ => {
                        let allowed =
                            "one of: none, auto, required, or an object naming a function";
                        return Err(bad(key, value, allowed));
                    }
                },
                // `check_extra_keys` let only the four keys through.
                _ => match value {
                    Value::Object(format) => self.response_format = Some(format.clone()),
                    _ => {
                        return Err(bad(
                            key,
                            value,
                            "an object such as {\"type\":\"json_object\"}",
                        ));
                    }
                },
            }
        }
        Ok(())
    }

    /// Checks every field against the family's bounds; the error names the body field, the
    /// value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        self.validate_for("")
    }

    /// Checks every field against what `base_model_id` accepts.
    pub fn validate_for(&self, base_model_id: &str) -> Result<()> {
        if self.messages.is_empty() {
            return Err(Error::invalid("messages", "[]", "at least one message"));
        }
        for (i, m) in self.messages.iter().enumerate() {
            non_blank(format!("messages[{i}].content"), &m.content)?;
        }
        let limits = model_limits(base_model_id);
        for (field, value) in [
            ("max_tokens", self.max_tokens),
            ("max_completion_tokens", self.max_completion_tokens),
        ] {
            if let Some(n) = value.filter(|n| !(1..=limits.max_tokens).contains(n)) {
                let allowed = format!("1..={} for {}", limits.max_tokens, limits.name);
                return Err(Error::invalid(field, n, allowed));
            }
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
        if self.stop.len() > MAX_STOP_SEQUENCES {
            let value = format!("{} sequences", self.stop.len());
            let allowed = format!("at most {MAX_STOP_SEQUENCES} sequences");
            return Err(Error::invalid("stop", value, allowed));
        }
        if let Some(i) = self.stop.iter().position(String::is_empty) {
            return Err(Error::invalid(
                format!("stop[{i}]"),
                "\"\"",
                "a non-empty string",
            ));
        }
        Ok(())
    }
}

fn message(role: ChatCompletionsRole, content: String) -> ChatCompletionsMessage {
    ChatCompletionsMessage { role, content }
}

/// A text cut at gpt-oss's reasoning markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reasoned<'a> {
    /// The reasoning between [`REASONING_OPEN`] and [`REASONING_CLOSE`], trimmed; `None` when the
    /// text has no reasoning.
    pub reasoning: Option<&'a str>,
    /// What follows the reasoning, trimmed at the start; the whole text when there is none.
    pub answer: &'a str,
}

/// Splits a gpt-oss `content` into its reasoning and its answer. Bedrock's InvokeModel returns
/// gpt-oss's reasoning inline, `<reasoning>...</reasoning>` before the answer, and the neutral
/// [`bedrock_core::TextOutput`] keeps the content as returned; this separates them. A text cut
/// short inside the reasoning is all reasoning.
pub fn split_reasoning(text: &str) -> Reasoned<'_> {
    let Some(rest) = text.trim_start().strip_prefix(REASONING_OPEN) else {
        return Reasoned {
            reasoning: None,
            answer: text,
        };
    };
    match rest.split_once(REASONING_CLOSE) {
        Some((reasoning, answer)) => Reasoned {
            reasoning: Some(reasoning.trim()),
            answer: answer.trim_start(),
        },
        None => Reasoned {
            reasoning: Some(rest.trim()),
            answer: "",
        },
    }
}

/// A whole response (`chat.completion`) or one stream chunk (`chat.completion.chunk`): the
/// last chunk has the finish reason and Bedrock's invocation metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatCompletionsResponse {
    /// The completion's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The generations; the adapter asks for one. A usage-only stream chunk has none.
    pub choices: Vec<ChatCompletionsChoice>,
    /// Token counts, on a whole response.
    #[serde(default)]
    pub usage: Option<ChatCompletionsUsage>,
    /// Bedrock's token counts and latencies, on the last stream chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// One generation: `message` in a whole response, `delta` in a stream chunk.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatCompletionsChoice {
    /// Its index.
    #[serde(default)]
    pub index: u32,
    /// The whole message.
    #[serde(default)]
    pub message: Option<ChatCompletionsOutputMessage>,
    /// What a stream chunk adds.
    #[serde(default)]
    pub delta: Option<ChatCompletionsOutputMessage>,
    /// `stop`, `length`, `tool_calls` or `content_filter`; `null` until the last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The model's message (or a stream chunk's part of it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatCompletionsOutputMessage {
    /// `assistant`, on the whole message and the first chunk.
    #[serde(default)]
    pub role: Option<String>,
    /// The answer; for gpt-oss on InvokeModel its reasoning comes first, inline
    /// ([`split_reasoning`]).
    #[serde(default)]
    pub content: Option<String>,
    /// The reasoning, for models that return it apart from the answer (DeepSeek-V3.1, Qwen3
    /// thinking); the neutral output carries only `content`.
    #[serde(default)]
    pub reasoning_content: Option<String>,
    /// The tools the model called, as OpenAI shapes them.
    #[serde(default)]
    pub tool_calls: Option<Vec<Value>>,
}

/// Token counts of a whole response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ChatCompletionsUsage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Generated tokens.
    pub completion_tokens: u32,
}

/// The neutral stop reason for a chat-completions `finish_reason`.
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        "content_filter" => StopReason::ContentFiltered,
        other => StopReason::Other(other.to_owned()),
    }
}

impl ChatCompletionsResponse {
    /// The first generation's message (or delta).
    pub fn message(&self) -> Option<&ChatCompletionsOutputMessage> {
        let choice = self.choices.first()?;
        choice.message.as_ref().or(choice.delta.as_ref())
    }

    /// The reasoning of the first generation: `reasoning_content`, or gpt-oss's inline
    /// reasoning.
    pub fn reasoning(&self) -> Option<&str> {
        let message = self.message()?;
        message
            .reasoning_content
            .as_deref()
            .or_else(|| split_reasoning(message.content.as_deref()?).reasoning)
    }

    /// The neutral output of a whole response: its events, folded as a stream's would be. A
    /// response without a generation, or whose generation has no message, is a decode error.
    pub fn into_output(self) -> Result<ModelOutput> {
        if self
            .choices
            .first()
            .and_then(|c| c.message.as_ref())
            .is_none()
        {
            return Err(Error::decode(
                "chat-completions response: no `choices[0].message`",
            ));
        }
        let mut text = TextAccumulator::new();
        self.into_events().iter().for_each(|e| text.push(e));
        Ok(ModelOutput::Text(text.finish()))
    }

    /// The neutral events of one stream chunk (or of a whole response).
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::with_capacity(3);
        if let Some(choice) = self.choices.into_iter().next() {
            let content = choice.message.or(choice.delta).and_then(|m| m.content);
            if let Some(text) = content.filter(|t| !t.is_empty()) {
                events.push(StreamEvent::TextDelta { text });
            }
            if let Some(reason) = choice.finish_reason.as_deref() {
                events.push(StreamEvent::Stop {
                    reason: stop_reason(reason),
                });
            }
        }
        // Bedrock's metrics, when present, are the call's own count; `usage` the model's.
        if let Some(m) = self.invocation_metrics {
            events.push(StreamEvent::Usage {
                input_tokens: Some(m.input_token_count),
                output_tokens: Some(m.output_token_count),
            });
        } else if let Some(u) = self.usage {
            events.push(StreamEvent::Usage {
                input_tokens: Some(u.prompt_tokens),
                output_tokens: Some(u.completion_tokens),
            });
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_is_split_at_its_markers() {
        let r = split_reasoning("<reasoning>Two and two.</reasoning>Four.");
        assert_eq!((r.reasoning, r.answer), (Some("Two and two."), "Four."));
        let r = split_reasoning("<reasoning>Still thinking");
        assert_eq!((r.reasoning, r.answer), (Some("Still thinking"), ""));
        let r = split_reasoning("Just an answer.");
        assert_eq!((r.reasoning, r.answer), (None, "Just an answer."));
    }
}
