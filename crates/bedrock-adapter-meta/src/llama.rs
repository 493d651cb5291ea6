//! The `meta-llama` API: the Llama request body (a prompt in the model's chat template, with
//! base64 images for the models that read them), built from neutral text and chat inputs and
//! validated, and its response and stream chunks.

use base64::Engine as _;
use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, ImageFormat, InferenceParams, InvocationMetrics,
    ModelOutput, Result, Role, StopReason, StreamEvent, TextAccumulator, TextRequest,
    check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::{
    LLAMA_API, MAX_GEN_LEN, MAX_IMAGES, ModelLimits, PromptTemplate, model_limits,
};

/// Opens every Llama prompt; a text prompt that already starts with it is sent as written.
pub const BEGIN_OF_TEXT: &str = "<|begin_of_text|>";
/// Where an image goes in a user turn; the images themselves travel in `images`, in the order
/// of these tokens.
pub const IMAGE_TOKEN: &str = "<|image|>";

impl PromptTemplate {
    /// The special tokens around a role's name, and the one closing a turn.
    fn tokens(self) -> (&'static str, &'static str, &'static str) {
        match self {
            PromptTemplate::Llama3 => ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"),
            PromptTemplate::Llama4 => ("<|header_start|>", "<|header_end|>", "<|eot|>"),
        }
    }

    /// `turns` (role, text) in this template, ending with the opened assistant turn the model
    /// completes.
    pub fn render(self, turns: &[(&str, &str)]) -> String {
        let (header_start, header_end, end_of_turn) = self.tokens();
        let mut prompt = String::from(BEGIN_OF_TEXT);
        let header = |prompt: &mut String, role: &str| {
            prompt.push_str(header_start);
            prompt.push_str(role);
            prompt.push_str(header_end);
            prompt.push_str("\n\n");
        };
        for (role, text) in turns {
            header(&mut prompt, role);
            prompt.push_str(text);
            prompt.push_str(end_of_turn);
        }
        header(&mut prompt, "assistant");
        prompt
    }
}

/// The body of an InvokeModel call to a Llama 3 or Llama 4 model. The ranges stated are the
/// widest of any model; each model's own limits are checked too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LlamaRequest {
    /// The prompt in the model's chat template, ending with the opened assistant turn:
    /// `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{question}<|eot_id|>
    /// <|start_header_id|>assistant<|end_header_id|>\n\n` for Llama 3.x, with `<|header_start|>`,
    /// `<|header_end|>` and `<|eot|>` for Llama 4.
    #[schemars(regex(pattern = r"\S"))]
    pub prompt: String,
    /// Sampling temperature, `0.0..=1.0` (model default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, `0.0..=1.0` (model
    /// default 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// The most tokens to generate, `1..=2048` (model default 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_GEN_LEN))]
    pub max_gen_len: Option<u32>,
    /// Base64-encoded images, one per `<|image|>` token of the prompt: Llama 3.2 11B and 90B
    /// Vision read one, Llama 4 up to five; text-only models none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_IMAGES), inner(length(min = 1)))]
    pub images: Vec<String>,
}

impl LlamaRequest {
    /// The validated body of a single prompt: the prompt and the system prompt in the model's
    /// template, or the prompt as written when it already starts with [`BEGIN_OF_TEXT`].
    /// `top_k`, stop sequences and any key of `extra` are refused, not dropped.
    pub fn from_text(input: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, &[], LLAMA_API)?;
        let limits = model_limits(base_model_id);
        let system = system(input.system.as_deref())?;
        let prompt = if input.prompt.starts_with(BEGIN_OF_TEXT) {
            if let Some(system) = system {
                return Err(Error::invalid(
                    "system",
                    format!("{system:?}"),
                    "unset: the prompt already carries the Llama template; put the system prompt in it",
                ));
            }
            input.prompt.clone()
        } else {
            if input.prompt.trim().is_empty() {
                let prompt = format!("{:?}", input.prompt);
                return Err(Error::invalid("prompt", prompt, "a non-blank string"));
            }
            let mut turns = Vec::with_capacity(2);
            turns.extend(system.map(|s| ("system", s)));
            turns.push(("user", input.prompt.as_str()));
            limits.template.render(&turns)
        };
        Self::from_params(prompt, Vec::new(), &input.params, base_model_id)
    }

    /// The validated body of a conversation in the model's template. It must end with a user
    /// turn. Each image of a user turn becomes an `<|image|>` token where it stands and an entry
    /// of `images`, for the models that read images.
    pub fn from_chat(input: &ChatRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, &[], LLAMA_API)?;
        let limits = model_limits(base_model_id);
        let system = system(input.system.as_deref())?;
        let Some(last) = input.messages.last() else {
            return Err(Error::invalid("messages", "[]", "at least one message"));
        };
        if last.role != Role::User {
            return Err(Error::invalid(
                format!("messages[{}].role", input.messages.len() - 1),
                "assistant",
                "user: the conversation must end with a user turn for the model to answer",
            ));
        }
        let mut images = Vec::new();
        let texts = input
            .messages
            .iter()
            .enumerate()
            .map(|(i, message)| message_text(i, message, &limits, &mut images))
            .collect::<Result<Vec<_>>>()?;
        let mut turns = Vec::with_capacity(input.messages.len() + 1);
        turns.extend(system.map(|s| ("system", s)));
        for (message, text) in input.messages.iter().zip(&texts) {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            turns.push((role, text.as_str()));
        }
        let prompt = limits.template.render(&turns);
        Self::from_params(prompt, images, &input.params, base_model_id)
    }

    fn from_params(
        prompt: String,
        images: Vec<String>,
        params: &InferenceParams,
        base_model_id: &str,
    ) -> Result<Self> {
        if let Some(top_k) = params.top_k {
            return Err(Error::invalid(
                "top_k",
                top_k,
                "unset: the Llama body has no top_k; use top_p",
            ));
        }
        if !params.stop_sequences.is_empty() {
            return Err(Error::invalid(
                "stop_sequences",
                format!("{:?}", params.stop_sequences),
                "empty: the Llama body has no stop sequences",
            ));
        }
        let request = LlamaRequest {
            prompt,
            temperature: params.temperature,
            top_p: params.top_p,
            max_gen_len: params.max_tokens,
            images,
        };
        request.validate(base_model_id).map(|()| request)
    }

    /// Checks every field against what `base_model_id` accepts; the error names the body field,
    /// the value and what is allowed.
    pub fn validate(&self, base_model_id: &str) -> Result<()> {
        let limits = model_limits(base_model_id);
        if self.prompt.trim().is_empty() {
            let prompt = format!("{:?}", self.prompt);
            return Err(Error::invalid("prompt", prompt, "a non-blank string"));
        }
        // `contains` is false for NaN too.
        for (field, value) in [("temperature", self.temperature), ("top_p", self.top_p)] {
            if let Some(v) = value.filter(|v| !(0.0..=1.0).contains(v)) {
                return Err(Error::invalid(field, v, "0.0..=1.0"));
            }
        }
        if let Some(n) = self
            .max_gen_len
            .filter(|n| !(1..=limits.max_gen_len).contains(n))
        {
            return Err(Error::invalid(
                "max_gen_len",
                n,
                format!("1..={} for {}", limits.max_gen_len, limits.name),
            ));
        }
        if self.images.len() > limits.max_images {
            return Err(Error::invalid(
                "images",
                format!("{} images", self.images.len()),
                images_allowed(&limits),
            ));
        }
        if let Some(i) = self.images.iter().position(String::is_empty) {
            return Err(Error::invalid(
                format!("images[{i}]"),
                "\"\"",
                "a base64-encoded image",
            ));
        }
        Ok(())
    }
}

fn images_allowed(limits: &ModelLimits) -> String {
    match limits.max_images {
        0 => format!("no images: {} reads text only", limits.name),
        1 => format!("at most 1 image per request for {}", limits.name),
        n => format!("at most {n} images per request for {}", limits.name),
    }
}

fn system(system: Option<&str>) -> Result<Option<&str>> {
    match system {
        Some(s) if s.trim().is_empty() => Err(Error::invalid(
            "system",
            format!("{s:?}"),
            "a non-blank string, or unset",
        )),
        other => Ok(other),
    }
}

/// The text of one turn: text parts joined by newlines, each image an [`IMAGE_TOKEN`] where it
/// stands (its base64 appended to `images`).
fn message_text(
    i: usize,
    message: &ChatMessage,
    limits: &ModelLimits,
    images: &mut Vec<String>,
) -> Result<String> {
    if message.content.is_empty() {
        return Err(Error::invalid(
            format!("messages[{i}].content"),
            "[]",
            "at least one part",
        ));
    }
    let mut text = String::new();
    let mut after_text = false;
    for (j, part) in message.content.iter().enumerate() {
        let field = format!("messages[{i}].content[{j}]");
        match part {
            ContentPart::Text { text: part } => {
                if part.trim().is_empty() {
                    let value = format!("{part:?}");
                    return Err(Error::invalid(
                        format!("{field}.text"),
                        value,
                        "a non-blank string",
                    ));
                }
                if after_text {
                    text.push('\n');
                }
                text.push_str(part);
                after_text = true;
            }
            ContentPart::Image { format, data } => {
                images.push(image(
                    &field,
                    message.role,
                    *format,
                    data,
                    limits,
                    images.len(),
                )?);
                text.push_str(IMAGE_TOKEN);
                after_text = false;
            }
        }
    }
    Ok(text)
}

/// One image of a user turn, base64-encoded, after checking the model reads it.
fn image(
    field: &str,
    role: Role,
    format: ImageFormat,
    data: &[u8],
    limits: &ModelLimits,
    before: usize,
) -> Result<String> {
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
    if before >= limits.max_images {
        return Err(Error::invalid(
            field,
            format!("image #{}", before + 1),
            images_allowed(limits),
        ));
    }
    if data.is_empty() {
        return Err(Error::invalid(
            format!("{field}.data"),
            "0 bytes",
            "the image's bytes",
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
    Ok(base64::engine::general_purpose::STANDARD.encode(data))
}

/// A whole response, and each stream chunk: the first chunk has the prompt's token count, the
/// last the stop reason and Bedrock's invocation metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LlamaResponse {
    /// The generated text (of a stream chunk: the new text).
    pub generation: String,
    /// Tokens in the prompt; in a stream, on the first chunk only.
    #[serde(default)]
    pub prompt_token_count: Option<u32>,
    /// Tokens generated (in a stream: so far).
    #[serde(default)]
    pub generation_token_count: Option<u32>,
    /// `stop` or `length`; `null` until the last stream chunk.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// Bedrock's token counts and latencies, on the last stream chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// The neutral stop reason for a Llama `stop_reason`.
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}

impl LlamaResponse {
    /// The neutral output of a whole response: its events, folded as a stream's would be.
    pub fn into_output(self) -> ModelOutput {
        let mut text = TextAccumulator::new();
        self.into_events().iter().for_each(|e| text.push(e));
        ModelOutput::Text(text.finish())
    }

    /// The neutral events of one stream chunk: text, token counts (Bedrock's metrics win when
    /// present), then the stop reason.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::with_capacity(3);
        if !self.generation.is_empty() {
            events.push(StreamEvent::TextDelta {
                text: self.generation,
            });
        }
        let metrics = self.invocation_metrics;
        let input_tokens = metrics
            .map(|m| m.input_token_count)
            .or(self.prompt_token_count);
        let output_tokens = metrics
            .map(|m| m.output_token_count)
            .or(self.generation_token_count);
        if input_tokens.is_some() || output_tokens.is_some() {
            events.push(StreamEvent::Usage {
                input_tokens,
                output_tokens,
            });
        }
        if let Some(reason) = self.stop_reason.as_deref() {
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
    fn templates_open_the_assistant_turn() {
        let turns = [("system", "Be brief."), ("user", "Hi")];
        assert_eq!(
            PromptTemplate::Llama3.render(&turns),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>\
             <|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>\
             <|start_header_id|>assistant<|end_header_id|>\n\n"
        );
        assert_eq!(
            PromptTemplate::Llama4.render(&turns),
            "<|begin_of_text|><|header_start|>system<|header_end|>\n\nBe brief.<|eot|>\
             <|header_start|>user<|header_end|>\n\nHi<|eot|>\
             <|header_start|>assistant<|header_end|>\n\n"
        );
    }
}
