//! The `cohere-chat` API of Command R and Command R+: the request body, built from a neutral
//! chat or text request and validated, the response, and its stream events.

use std::collections::BTreeMap;

use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, ExtraFields, InferenceParams, InvocationMetrics,
    ModelOutput, Result, Role, StreamEvent, TextOutput, TextRequest, Usage, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::command::{stop_reason, usage};
use crate::extra;
use crate::models::{
    CHAT_API, CHAT_MAX_STOP_SEQUENCES, CHAT_MAX_TOKENS, GenerationLimits, MAX_K, chat_limits,
};

/// The keys of a neutral input's `extra` map this API takes, copied into the body fields of the
/// same name.
pub const EXTRA_FIELDS: &[&str] = &[
    "documents",
    "search_queries_only",
    "prompt_truncation",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "return_prompt",
    "tools",
    "tool_results",
    "raw_prompting",
];

/// The body of an InvokeModel call to Command R or Command R+.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "CohereChatRequest")]
pub struct CohereChatRequest {
    /// The user turn the model answers; it may be empty only when `tool_results` carries the
    /// turn instead.
    pub message: String,
    /// The earlier turns, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chat_history: Vec<ChatTurn>,
    /// Texts the model may cite and ground its answer in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Document>,
    /// Return only the search queries the model would run, not an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_queries_only: Option<bool>,
    /// Replaces the model's default preamble (its system prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preamble: Option<String>,
    /// The most tokens to generate, 1 to 4000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = CHAT_MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Randomness of sampling, 0 to 1 (default 0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, 0.01 to 0.99 (default
    /// 0.75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.01, max = 0.99))]
    pub p: Option<f32>,
    /// Top-k sampling: how many of the most likely tokens are considered, 0 to 500 (default 0,
    /// off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_K))]
    pub k: Option<u32>,
    /// How the prompt is cut to fit the context: `OFF` (refuse; the default) or
    /// `AUTO_PRESERVE_ORDER` (drop documents and history turns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_truncation: Option<PromptTruncation>,
    /// Penalises tokens by how often they already appear, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub frequency_penalty: Option<f32>,
    /// Penalises tokens that already appear, however often, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub presence_penalty: Option<f32>,
    /// Makes sampling repeatable, on a best-effort basis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Return the full prompt the model saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_prompt: Option<bool>,
    /// Tools the model may ask to call; the calls come back in the response's `tool_calls`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<CohereTool>,
    /// The results of tool calls the model asked for in its previous turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_results: Vec<ToolResult>,
    /// Up to five sequences that stop generation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = CHAT_MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop_sequences: Vec<String>,
    /// Send `message` to the model unformatted, without the chat template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_prompting: Option<bool>,
}

/// A document the model may cite: string fields such as `title` and `snippet`, at least one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
#[schemars(extend("minProperties" = 1))]
pub struct Document(pub BTreeMap<String, String>);

/// One earlier turn of `chat_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatTurn {
    /// Who spoke.
    pub role: ChatRole,
    /// What was said; at least one non-whitespace character.
    #[schemars(regex(pattern = r"\S"))]
    pub message: String,
}

/// The speaker of a `chat_history` turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChatRole {
    /// The user.
    User,
    /// The model.
    Chatbot,
}

/// `prompt_truncation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PromptTruncation {
    /// A prompt over the limit is an error.
    Off,
    /// Documents and history turns are dropped, in order, until the prompt fits.
    AutoPreserveOrder,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CohereTool {
    /// The tool's name, as the model calls it.
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub name: String,
    /// What the tool does, for the model.
    #[schemars(regex(pattern = r"\S"))]
    pub description: String,
    /// Its parameters, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameter_definitions: BTreeMap<String, ParameterDefinition>,
}

/// One parameter of a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterDefinition {
    /// What the parameter means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its type, as a Python type name (`str`, `int`, `float`, `bool`, `List[str]`, ...).
    #[serde(rename = "type")]
    #[schemars(regex(pattern = r"\S"))]
    pub kind: String,
    /// Whether the model must always give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// A tool call: in a request's `tool_results`, the call answered; in a response, a call the
/// model asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCall {
    /// The tool.
    #[schemars(regex(pattern = r"\S"))]
    pub name: String,
    /// Its arguments, by parameter name.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// The outputs of one tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolResult {
    /// The call answered.
    pub call: ToolCall,
    /// What the tool returned, one object per output.
    pub outputs: Vec<Map<String, Value>>,
}

impl CohereChatRequest {
    /// The validated body for a neutral chat request to `base_model_id`: the last message (from
    /// the user) is `message`, the earlier ones `chat_history`, `system` the `preamble`. Images
    /// have no place in this body and are refused.
    pub fn from_chat(request: &ChatRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, EXTRA_FIELDS, CHAT_API)?;
        let Some((last, earlier)) = request.messages.split_last() else {
            return Err(Error::invalid(
                "messages",
                "[]",
                "at least one message, the last from the user",
            ));
        };
        if last.role != Role::User {
            return Err(Error::invalid(
                format!("messages[{}].role", earlier.len()),
                "assistant",
                "user: the conversation must end with the user turn the model answers",
            ));
        }
        let chat_history = earlier
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let role = match m.role {
                    Role::User => ChatRole::User,
                    Role::Assistant => ChatRole::Chatbot,
                };
                let message = text_of(i, m, false)?;
                Ok(ChatTurn { role, message })
            })
            .collect::<Result<Vec<_>>>()?;
        let answered_by_tools = request.extra.contains_key("tool_results");
        let message = text_of(earlier.len(), last, answered_by_tools)?;
        Self::build(
            message,
            chat_history,
            request.system.clone(),
            &request.params,
            &request.extra,
            base_model_id,
        )
    }

    /// The validated body for a neutral text request: the prompt is `message`, `system` the
    /// `preamble`.
    pub fn from_text(request: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, EXTRA_FIELDS, CHAT_API)?;
        Self::build(
            request.prompt.clone(),
            Vec::new(),
            request.system.clone(),
            &request.params,
            &request.extra,
            base_model_id,
        )
    }

    fn build(
        message: String,
        chat_history: Vec<ChatTurn>,
        preamble: Option<String>,
        params: &InferenceParams,
        extra: &ExtraFields,
        base_model_id: &str,
    ) -> Result<Self> {
        let body = CohereChatRequest {
            message,
            chat_history,
            documents: extra::list(
                extra,
                "documents",
                "a list of objects whose values are strings (`title`, `snippet`, ...)",
            )?,
            search_queries_only: extra::option(extra, "search_queries_only", "true or false")?,
            preamble,
            max_tokens: params.max_tokens,
            temperature: params.temperature,
            p: params.top_p,
            k: params.top_k,
            prompt_truncation: extra::option(
                extra,
                "prompt_truncation",
                "one of: OFF, AUTO_PRESERVE_ORDER",
            )?,
            frequency_penalty: extra::option(extra, "frequency_penalty", "a number, 0.0..=1.0")?,
            presence_penalty: extra::option(extra, "presence_penalty", "a number, 0.0..=1.0")?,
            seed: extra::option(extra, "seed", "a non-negative integer")?,
            return_prompt: extra::option(extra, "return_prompt", "true or false")?,
            tools: extra::list(
                extra,
                "tools",
                "a list of {name, description, parameter_definitions?: {NAME: {description?, type, required?}}}",
            )?,
            tool_results: extra::list(
                extra,
                "tool_results",
                "a list of {call: {name, parameters}, outputs: [object, ...]}",
            )?,
            stop_sequences: params.stop_sequences.clone(),
            raw_prompting: extra::option(extra, "raw_prompting", "true or false")?,
        };
        body.validate(&chat_limits(base_model_id))
            .map_err(|e| extra::rename(e, extra))?;
        Ok(body)
    }

    /// Checks every field against `limits`; the error names the body field, the value and what
    /// is allowed.
    pub fn validate(&self, limits: &GenerationLimits) -> Result<()> {
        if self.message.trim().is_empty() && self.tool_results.is_empty() {
            return Err(Error::invalid(
                "message",
                format!("{:?}", self.message),
                "at least one non-whitespace character (or `tool_results`)",
            ));
        }
        for (i, turn) in self.chat_history.iter().enumerate() {
            if turn.message.trim().is_empty() {
                return Err(Error::invalid(
                    format!("chat_history[{i}].message"),
                    format!("{:?}", turn.message),
                    "at least one non-whitespace character",
                ));
            }
        }
        if let Some(i) = self.documents.iter().position(|d| d.0.is_empty()) {
            return Err(Error::invalid(
                format!("documents[{i}]"),
                "{}",
                "an object with at least one string field (`title`, `snippet`, ...)",
            ));
        }
        if let Some(n) = self
            .max_tokens
            .filter(|n| !(1..=limits.max_tokens).contains(n))
        {
            let allowed = format!("1..={} for {}", limits.max_tokens, limits.name);
            return Err(Error::invalid("max_tokens", n, allowed));
        }
        // `contains` is false for NaN too.
        for (field, value, range) in [
            ("temperature", self.temperature, 0.0..=1.0),
            ("p", self.p, 0.01..=0.99),
            ("frequency_penalty", self.frequency_penalty, 0.0..=1.0),
            ("presence_penalty", self.presence_penalty, 0.0..=1.0),
        ] {
            if let Some(v) = value.filter(|v| !range.contains(v)) {
                let allowed = format!("{:?}..={:?}", range.start(), range.end());
                return Err(Error::invalid(field, v, allowed));
            }
        }
        if let Some(k) = self.k.filter(|k| *k > MAX_K) {
            return Err(Error::invalid("k", k, format!("0..={MAX_K}")));
        }
        for (i, tool) in self.tools.iter().enumerate() {
            tool.validate(i)?;
        }
        for (i, result) in self.tool_results.iter().enumerate() {
            if result.call.name.trim().is_empty() {
                return Err(Error::invalid(
                    format!("tool_results[{i}].call.name"),
                    format!("{:?}", result.call.name),
                    "the name of a tool the model called",
                ));
            }
        }
        if self.stop_sequences.len() > CHAT_MAX_STOP_SEQUENCES {
            return Err(Error::invalid(
                "stop_sequences",
                format!("{} sequences", self.stop_sequences.len()),
                format!("at most {CHAT_MAX_STOP_SEQUENCES} sequences"),
            ));
        }
        if let Some(i) = self.stop_sequences.iter().position(String::is_empty) {
            return Err(Error::invalid(
                format!("stop_sequences[{i}]"),
                "\"\"",
                "a non-empty string",
            ));
        }
        Ok(())
    }
}

impl CohereTool {
    fn validate(&self, i: usize) -> Result<()> {
        let mut chars = self.name.chars();
        let identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            return Err(Error::invalid(
                format!("tools[{i}].name"),
                format!("{:?}", self.name),
                "an identifier: ASCII letters, digits and `_`, not starting with a digit",
            ));
        }
        if self.description.trim().is_empty() {
            return Err(Error::invalid(
                format!("tools[{i}].description"),
                format!("{:?}", self.description),
                "at least one non-whitespace character",
            ));
        }
        for (name, definition) in &self.parameter_definitions {
            if definition.kind.trim().is_empty() {
                return Err(Error::invalid(
                    format!("tools[{i}].parameter_definitions.{name}.type"),
                    format!("{:?}", definition.kind),
                    "a type name (`str`, `int`, `float`, `bool`, ...)",
                ));
            }
        }
        Ok(())
    }
}

/// The text of message `i`, its text parts joined by newlines; images are refused, and so is
/// an empty text unless `may_be_empty`.
fn text_of(i: usize, message: &ChatMessage, may_be_empty: bool) -> Result<String> {
    let mut texts = Vec::with_capacity(message.content.len());
    for (j, part) in message.content.iter().enumerate() {
        match part {
            ContentPart::Text { text } => texts.push(text.as_str()),
            ContentPart::Image { format, .. } => {
                return Err(Error::invalid(
                    format!("messages[{i}].content[{j}]"),
                    format!("{} image", format.media_type()),
                    "text only: Command R does not read images",
                ));
            }
        }
    }
    let text = texts.join("\n");
    if text.trim().is_empty() && !may_be_empty {
        return Err(Error::invalid(
            format!("messages[{i}].content"),
            format!("{text:?}"),
            "at least one text part with a non-whitespace character",
        ));
    }
    Ok(text)
}

/// The body of a Command R response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohereChatResponse {
    /// The response's id.
    #[serde(default)]
    pub response_id: Option<String>,
    /// The answer; empty when the model only asks for tool calls.
    pub text: String,
    /// The generation's id.
    #[serde(default)]
    pub generation_id: Option<String>,
    /// `COMPLETE`, `MAX_TOKENS`, `STOP_SEQUENCE`, `ERROR`, `ERROR_TOXIC`, `ERROR_LIMIT` or
    /// `USER_CANCEL`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The tool calls the model asks for; the neutral output carries only the text.
    #[serde(default)]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The conversation so far, this answer included.
    #[serde(default)]
    pub chat_history: Option<Vec<ResponseTurn>>,
    /// Which spans of the text cite which documents.
    #[serde(default)]
    pub citations: Option<Vec<Value>>,
    /// Billing information.
    #[serde(default)]
    pub meta: Option<ChatMeta>,
}

/// A turn of a response's `chat_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseTurn {
    /// `USER`, `CHATBOT`, `SYSTEM` or `TOOL`.
    pub role: String,
    /// What was said.
    #[serde(default)]
    pub message: Option<String>,
}

/// `meta` of a Command R response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMeta {
    /// The tokens billed.
    #[serde(default)]
    pub billed_units: Option<BilledUnits>,
}

/// `meta.billed_units`; Cohere types the counts as numbers, not integers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BilledUnits {
    /// Prompt tokens.
    #[serde(default)]
    pub input_tokens: Option<f64>,
    /// Generated tokens.
    #[serde(default)]
    pub output_tokens: Option<f64>,
}

impl CohereChatResponse {
    /// The neutral output: the text, the finish reason and the billed tokens, if reported.
    pub fn into_output(self) -> ModelOutput {
        let usage = self.billed_usage();
        ModelOutput::Text(TextOutput {
            stop_reason: self.finish_reason.as_deref().map(stop_reason),
            text: self.text,
            usage,
            content: Vec::new(),
        })
    }

    fn billed_usage(&self) -> Option<Usage> {
        let billed = self.meta.as_ref()?.billed_units?;
        // Counts are whole numbers written as JSON numbers; `as` saturates anything else.
        let count = |n: Option<f64>| n.map_or(0, |n| n.round() as u32);
        Some(Usage {
            input_tokens: count(billed.input_tokens),
            output_tokens: count(billed.output_tokens),
        })
    }
}

/// One event of a Command R response stream. Only `text-generation` and `stream-end` carry
/// what the neutral output holds; `stream-start`, search, citation and tool-call events are
/// read as nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohereChatStreamEvent {
    /// `stream-start`, `text-generation`, `stream-end`, `search-queries-generation`,
    /// `search-results`, `citation-generation`, `tool-calls-generation`, `tool-calls-chunk`.
    pub event_type: String,
    /// Whether this is the last event.
    #[serde(default)]
    pub is_finished: Option<bool>,
    /// More text, in `text-generation`.
    #[serde(default)]
    pub text: Option<String>,
    /// Why generation stopped, in `stream-end`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The whole response, in `stream-end`.
    #[serde(default)]
    pub response: Option<CohereChatResponse>,
    /// Bedrock's token counts and latencies, in the last event.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

impl CohereChatStreamEvent {
    /// The neutral events; a `text-generation` event without text is a decode error.
    pub fn into_events(self) -> Result<Vec<StreamEvent>> {
        let mut events = Vec::new();
        match self.event_type.as_str() {
            "text-generation" => {
                let text = self.text.ok_or_else(|| {
                    Error::decode("Cohere chat stream: a text-generation event has no `text`")
                })?;
                if !text.is_empty() {
                    events.push(StreamEvent::TextDelta { text });
                }
            }
            "stream-end" => {
                let reason = self
                    .finish_reason
                    .clone()
                    .or_else(|| self.response.as_ref()?.finish_reason.clone());
                events.extend(reason.map(|r| StreamEvent::Stop {
                    reason: stop_reason(&r),
                }));
                if self.invocation_metrics.is_none()
                    && let Some(billed) = self.response.as_ref().and_then(|r| r.billed_usage())
                {
                    events.push(StreamEvent::Usage {
                        input_tokens: Some(billed.input_tokens),
                        output_tokens: Some(billed.output_tokens),
                    });
                }
            }
            _ => {}
        }
        events.extend(self.invocation_metrics.map(usage));
        Ok(events)
    }
}
