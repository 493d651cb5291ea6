//! The `mistral-chat` API: the chat-completion body (`messages`, with images for Pixtral, and
//! tools), built from neutral text and chat inputs and validated, and its response and stream
//! chunks.

use base64::Engine as _;
use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, ExtraFields, ImageFormat, InferenceParams,
    InvocationMetrics, ModelOutput, Result, Role, StreamEvent, TextAccumulator, TextRequest,
    check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::conversation::{check_parts, check_turns, system};
use crate::models::{
    CHAT_API, MAX_IMAGE_BYTES, MAX_STOP_SEQUENCES, MAX_TOKENS, ModelLimits, model_limits,
};
use crate::text::{check_sampling, check_stop, stop_reason};

/// The `extra` keys the chat body takes, copied into its fields of the same name.
pub const EXTRA_FIELDS: &[&str] = &["tools", "tool_choice"];

/// What a function name may hold (Mistral's rule).
pub const FUNCTION_NAME_PATTERN: &str = "^[a-zA-Z0-9_-]{1,64}$";

/// The body of an InvokeModel call to a Mistral AI chat-completion model. The ranges stated are
/// the widest of any model; each model's own limits are checked too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralChatRequest {
    /// The conversation, oldest first: an optional `system` message, then user and assistant
    /// turns (and `tool` results after an assistant's tool calls).
    #[schemars(length(min = 1))]
    pub messages: Vec<MistralMessage>,
    /// Functions the model may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<MistralTool>,
    /// Whether the model may (`auto`), must (`any`) or must not (`none`) call a tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// The most tokens to generate, `1..=8192` (default 8192).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Nucleus sampling: the probability mass of the tokens considered, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Sampling temperature, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Sequences that stop generation: at most 10, none empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop: Vec<String>,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralMessage {
    /// Who speaks.
    pub role: MistralRole,
    /// What is said: a string, or text and image chunks (images for Pixtral, in user
    /// messages).
    pub content: MessageContent,
    /// The tools an assistant message called.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<MistralToolCall>,
    /// The call a `tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MistralRole {
    /// Sets the model's behaviour for the conversation.
    System,
    /// The user.
    User,
    /// The model.
    Assistant,
    /// A tool's result.
    Tool,
}

/// A message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Text and image chunks, in order.
    Chunks(Vec<ContentChunk>),
}

/// One chunk of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContentChunk {
    /// Text.
    Text {
        /// The text.
        #[schemars(length(min = 1))]
        text: String,
    },
    /// An image, inline.
    ImageUrl {
        /// Where the image is.
        image_url: ImageUrl,
    },
}

/// An inline image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageUrl {
    /// A data URL: `data:image/png;base64,...`.
    #[schemars(length(min = 1))]
    pub url: String,
}

/// A call an assistant message made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralToolCall {
    /// The call's id, which the `tool` message answering it repeats.
    pub id: String,
    /// The function called.
    pub function: MistralFunctionCall,
}

/// The function of a [`MistralToolCall`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralFunctionCall {
    /// The function's name.
    pub name: String,
    /// Its arguments, JSON-encoded.
    pub arguments: String,
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralTool {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: ToolKind,
    /// The function.
    pub function: MistralFunction,
}

/// The kind of a [`MistralTool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ToolKind {
    /// A function.
    Function,
}

/// A function's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralFunction {
    /// Its name: letters, digits, `_` and `-`, at most 64.
    #[schemars(regex(pattern = FUNCTION_NAME_PATTERN))]
    pub name: String,
    /// What it does, for the model to decide when to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of its arguments.
    pub parameters: Map<String, Value>,
}

/// Whether the model may call tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// The model must call a tool.
    Any,
    /// The model must not call a tool.
    None,
}

impl MistralChatRequest {
    /// The validated body of a single prompt: a `system` message when there is a system
    /// prompt, then the prompt as a `user` message. `extra.tools` and `extra.tool_choice` fill
    /// the fields of the same name; other `extra` keys and `top_k` are refused.
    pub fn from_text(input: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, EXTRA_FIELDS, CHAT_API)?;
        let system = system(input.system.as_deref())?;
        if input.prompt.trim().is_empty() {
            let prompt = format!("{:?}", input.prompt);
            return Err(Error::invalid("prompt", prompt, "a non-blank string"));
        }
        let mut messages = Vec::with_capacity(2);
        messages.extend(system.map(system_message));
        messages.push(MistralMessage::text(
            MistralRole::User,
            input.prompt.clone(),
        ));
        Self::from_params(messages, &input.params, &input.extra, base_model_id)
    }

    /// The validated body of a conversation: a `system` message when there is a system prompt,
    /// then the turns, alternating user and assistant and ending with the user. A turn is a
    /// string (text parts joined by newlines), or text and image chunks when it holds images,
    /// which only Pixtral reads.
    pub fn from_chat(input: &ChatRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, EXTRA_FIELDS, CHAT_API)?;
        let system = system(input.system.as_deref())?;
        check_turns(&input.messages)?;
        let limits = model_limits(base_model_id);
        let mut images = 0;
        let mut messages = Vec::with_capacity(input.messages.len() + 1);
        messages.extend(system.map(system_message));
        for (i, message) in input.messages.iter().enumerate() {
            messages.push(turn(i, message, &limits, &mut images)?);
        }
        Self::from_params(messages, &input.params, &input.extra, base_model_id)
    }

    fn from_params(
        messages: Vec<MistralMessage>,
        params: &InferenceParams,
        extra: &ExtraFields,
        base_model_id: &str,
    ) -> Result<Self> {
        if let Some(top_k) = params.top_k {
            return Err(Error::invalid(
                "top_k",
                top_k,
                "unset: the Mistral chat body has no top_k; use top_p",
            ));
        }
        let tools = extra_tools(extra)?;
        let tool_choice = extra_tool_choice(extra, !tools.is_empty())?;
        let request = MistralChatRequest {
            messages,
            tools,
            tool_choice,
            max_tokens: params.max_tokens,
            top_p: params.top_p,
            temperature: params.temperature,
            stop: params.stop_sequences.clone(),
        };
        request.validate(base_model_id).map(|()| request)
    }

    /// Checks every field against what `base_model_id` accepts; the error names the body field,
    /// the value and what is allowed.
    pub fn validate(&self, base_model_id: &str) -> Result<()> {
        let limits = model_limits(base_model_id);
        if self.messages.is_empty() {
            return Err(Error::invalid("messages", "[]", "at least one message"));
        }
        let mut images = 0;
        for (i, message) in self.messages.iter().enumerate() {
            check_message(i, message, &limits, &mut images)?;
        }
        check_tools(&self.tools, "tools")?;
        if self.tool_choice.is_some() && self.tools.is_empty() {
            return Err(Error::invalid(
                "tool_choice",
                format!("{:?}", self.tool_choice),
                "unset when there are no tools",
            ));
        }
        if let Some(n) = self
            .max_tokens
            .filter(|n| !(1..=limits.max_tokens).contains(n))
        {
            return Err(Error::invalid(
                "max_tokens",
                n,
                format!("1..={} for {}", limits.max_tokens, limits.name),
            ));
        }
        check_sampling(self.temperature, self.top_p)?;
        check_stop(&self.stop)
    }
}

impl MistralMessage {
    fn text(role: MistralRole, text: String) -> Self {
        MistralMessage {
            role,
            content: MessageContent::Text(text),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

fn system_message(system: &str) -> MistralMessage {
    MistralMessage::text(MistralRole::System, system.to_owned())
}

/// One neutral turn as a message: a string, or chunks when it holds images.
fn turn(
    i: usize,
    message: &ChatMessage,
    limits: &ModelLimits,
    images: &mut usize,
) -> Result<MistralMessage> {
    check_parts(i, message)?;
    let role = match message.role {
        Role::User => MistralRole::User,
        Role::Assistant => MistralRole::Assistant,
    };
    let has_images = message
        .content
        .iter()
        .any(|part| matches!(part, ContentPart::Image { .. }));
    if !has_images {
        let texts: Vec<&str> = message
            .content
            .iter()
            .filter_map(|part| match part {
                ContentPart::Text { text } => Some(text.as_str()),
                ContentPart::Image { .. } => None,
            })
            .collect();
        return Ok(MistralMessage::text(role, texts.join("\n")));
    }
    let mut chunks = Vec::with_capacity(message.content.len());
    for (j, part) in message.content.iter().enumerate() {
        chunks.push(match part {
            ContentPart::Text { text } => ContentChunk::Text { text: text.clone() },
            ContentPart::Image { format, data } => {
                let field = format!("messages[{i}].content[{j}]");
                image(&field, message.role, *format, data, limits, images)?
            }
        });
    }
    Ok(MistralMessage {
        role,
        content: MessageContent::Chunks(chunks),
        tool_calls: Vec::new(),
        tool_call_id: None,
    })
}

fn images_allowed(limits: &ModelLimits) -> String {
    match limits.max_images {
        0 => format!("no images: {} reads text only", limits.name),
        n => format!("at most {n} images per request for {}", limits.name),
    }
}

/// One image of a user turn as a base64 data URL, after checking the model reads it.
fn image(
    field: &str,
    role: Role,
    format: ImageFormat,
    data: &[u8],
    limits: &ModelLimits,
    images: &mut usize,
) -> Result<ContentChunk> {
    let what = format!("a {} image", format.media_type());
    if limits.max_images == 0 {
        return Err(Error::invalid(field, what, images_allowed(limits)));
    }
    if role != Role::User {
        return Err(Error::invalid(
            field,
            format!("{what} in an assistant message"),
            "images in user messages only",
        ));
    }
    *images += 1;
    if *images > limits.max_images {
        return Err(Error::invalid(
            field,
            format!("image #{images}"),
            images_allowed(limits),
        ));
    }
    if data.is_empty() || data.len() > MAX_IMAGE_BYTES {
        return Err(Error::invalid(
            format!("{field}.data"),
            format!("{} bytes", data.len()),
            format!("1..={MAX_IMAGE_BYTES} bytes (10 MB)"),
        ));
    }
    if let Some(actual) = ImageFormat::sniff(data)
        && actual != format
    {
        return Err(Error::invalid(
            format!("{field}.format"),
            format.media_type(),
            format!("{}: the bytes are that format", actual.media_type()),
        ));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    Ok(ContentChunk::ImageUrl {
        image_url: ImageUrl {
            url: format!("data:{};base64,{encoded}", format.media_type()),
        },
    })
}

/// A raw message's content, images and tool fields.
fn check_message(
    i: usize,
    message: &MistralMessage,
    limits: &ModelLimits,
    images: &mut usize,
) -> Result<()> {
    let calls_tools = message.role == MistralRole::Assistant && !message.tool_calls.is_empty();
    match &message.content {
        MessageContent::Text(text) if text.trim().is_empty() && !calls_tools => {
            return Err(Error::invalid(
                format!("messages[{i}].content"),
                format!("{text:?}"),
                "non-blank text (blank only in an assistant message with tool_calls)",
            ));
        }
        MessageContent::Text(_) => {}
        MessageContent::Chunks(chunks) => {
            if chunks.is_empty() {
                return Err(Error::invalid(
                    format!("messages[{i}].content"),
                    "[]",
                    "at least one chunk",
                ));
            }
            for (j, chunk) in chunks.iter().enumerate() {
                let field = format!("messages[{i}].content[{j}]");
                match chunk {
                    ContentChunk::Text { text } if text.trim().is_empty() => {
                        return Err(Error::invalid(
                            format!("{field}.text"),
                            format!("{text:?}"),
                            "a non-blank string",
                        ));
                    }
                    ContentChunk::Text { .. } => {}
                    ContentChunk::ImageUrl { image_url } => {
                        *images += 1;
                        if *images > limits.max_images || message.role != MistralRole::User {
                            let allowed = if message.role == MistralRole::User {
                                images_allowed(limits)
                            } else {
                                "images in user messages only".to_owned()
                            };
                            return Err(Error::invalid(field, format!("image #{images}"), allowed));
                        }
                        if image_url.url.is_empty() {
                            return Err(Error::invalid(
                                format!("{field}.image_url.url"),
                                "\"\"",
                                "a data URL: data:image/png;base64,...",
                            ));
                        }
                    }
                }
            }
        }
    }
    if !message.tool_calls.is_empty() && message.role != MistralRole::Assistant {
        return Err(Error::invalid(
            format!("messages[{i}].tool_calls"),
            format!("{} calls", message.tool_calls.len()),
            "tool calls in assistant messages only",
        ));
    }
    if (message.role == MistralRole::Tool) != message.tool_call_id.is_some() {
        return Err(Error::invalid(
            format!("messages[{i}].tool_call_id"),
            format!("{:?}", message.tool_call_id),
            "set in tool messages, and only there",
        ));
    }
    Ok(())
}

/// Function names follow [`FUNCTION_NAME_PATTERN`]; `at` names the list (`tools`,
/// `extra.tools`).
fn check_tools(tools: &[MistralTool], at: &str) -> Result<()> {
    for (i, tool) in tools.iter().enumerate() {
        let name = &tool.function.name;
        let valid = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(Error::invalid(
                format!("{at}[{i}].function.name"),
                format!("{name:?}"),
                "1 to 64 letters, digits, `_` or `-`",
            ));
        }
    }
    Ok(())
}

fn extra_tools(extra: &ExtraFields) -> Result<Vec<MistralTool>> {
    let Some(value) = extra.get("tools") else {
        return Ok(Vec::new());
    };
    let shape = r#"{"type": "function", "function": {"name", "description", "parameters"}}"#;
    let items = value.as_array().filter(|items| !items.is_empty());
    let Some(items) = items else {
        return Err(Error::invalid(
            "extra.tools",
            value,
            format!("a non-empty array of tools: {shape}"),
        ));
    };
    let tools = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item.clone()).map_err(|e| {
                Error::invalid(format!("extra.tools[{i}]"), item, format!("{shape} ({e})"))
            })
        })
        .collect::<Result<Vec<MistralTool>>>()?;
    check_tools(&tools, "extra.tools")?;
    Ok(tools)
}

fn extra_tool_choice(extra: &ExtraFields, has_tools: bool) -> Result<Option<ToolChoice>> {
    let Some(value) = extra.get("tool_choice") else {
        return Ok(None);
    };
    let choice = serde_json::from_value(value.clone())
        .map_err(|_| Error::invalid("extra.tool_choice", value, "one of: auto, any, none"))?;
    if !has_tools {
        return Err(Error::invalid(
            "extra.tool_choice",
            value,
            "unset unless extra.tools is set",
        ));
    }
    Ok(Some(choice))
}

/// A whole response, and each stream chunk: the last chunk has the stop reason and Bedrock's
/// invocation metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralChatResponse {
    /// The generation; Bedrock returns exactly one.
    pub choices: [MistralChatChoice; 1],
    /// Token counts, where the response reports them.
    #[serde(default)]
    pub usage: Option<MistralUsage>,
    /// Bedrock's token counts and latencies, on the last stream chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// One generation of a [`MistralChatResponse`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralChatChoice {
    /// Which generation this is (always 0).
    #[serde(default)]
    pub index: u32,
    /// The message generated (of a stream chunk: the new part; read from `delta` too).
    #[serde(alias = "delta")]
    pub message: MistralResponseMessage,
    /// `stop`, `length` or `tool_calls`; `null` until the last stream chunk.
    #[serde(default)]
    pub stop_reason: Option<String>,
}

/// The message of a [`MistralChatChoice`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralResponseMessage {
    /// Always `assistant`.
    #[serde(default)]
    pub role: Option<String>,
    /// The generated text; `null` or empty when the model only calls tools.
    #[serde(default)]
    pub content: Option<String>,
    /// The tools the model calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<MistralResponseToolCall>>,
}

/// A tool call of a response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralResponseToolCall {
    /// The call's id, which the `tool` message answering it repeats.
    #[serde(default)]
    pub id: Option<String>,
    /// The function called.
    pub function: MistralResponseFunctionCall,
}

/// The function of a [`MistralResponseToolCall`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralResponseFunctionCall {
    /// The function's name.
    pub name: String,
    /// Its arguments: a JSON-encoded string, as Mistral writes them.
    pub arguments: Value,
}

/// The `usage` of a [`MistralChatResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct MistralUsage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Generated tokens.
    pub completion_tokens: u32,
}

impl MistralChatResponse {
    /// The tools the model calls. The neutral output has no place for them: it keeps the text
    /// and the stop reason (`StopReason::Other("tool_calls")`), so a caller that offers tools
    /// reads them here, from the body decoded with [`bedrock_core::decode_json`].
    pub fn tool_calls(&self) -> &[MistralResponseToolCall] {
        self.choices[0]
            .message
            .tool_calls
            .as_deref()
            .unwrap_or_default()
    }

    /// The neutral output of a whole response: its events, folded as a stream's would be.
    pub fn into_output(self) -> ModelOutput {
        let mut text = TextAccumulator::new();
        self.into_events().iter().for_each(|e| text.push(e));
        ModelOutput::Text(text.finish())
    }

    /// The neutral events of one stream chunk: text, token counts (Bedrock's metrics win when
    /// present), then the stop reason.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let [choice] = self.choices;
        let mut events = Vec::with_capacity(3);
        if let Some(text) = choice.message.content.filter(|t| !t.is_empty()) {
            events.push(StreamEvent::TextDelta { text });
        }
        let counts = self
            .invocation_metrics
            .map(|m| (m.input_token_count, m.output_token_count))
            .or(self.usage.map(|u| (u.prompt_tokens, u.completion_tokens)));
        events.extend(counts.map(|(input, output)| StreamEvent::Usage {
            input_tokens: Some(input),
            output_tokens: Some(output),
        }));
        if let Some(reason) = choice.stop_reason.as_deref() {
            events.push(StreamEvent::Stop {
                reason: stop_reason(reason),
            });
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_calls_are_read_from_the_body() {
        let body = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"","tool_calls":[{"id":"a1","function":{"name":"shout","arguments":"{\"text\":\"hi\"}"}}]},"stop_reason":"tool_calls"}]}"#;
        let response: MistralChatResponse = bedrock_core::decode_json("test", body).unwrap();
        assert_eq!(response.tool_calls().len(), 1);
        assert_eq!(response.tool_calls()[0].function.name, "shout");
        let ModelOutput::Text(output) = response.into_output() else {
            panic!("not text")
        };
        assert_eq!(output.text, "");
        assert_eq!(
            output.stop_reason,
            Some(bedrock_core::StopReason::Other("tool_calls".into()))
        );
    }
}
