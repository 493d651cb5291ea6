//! The `deepseek-text` API: DeepSeek-R1's request body (a prompt in DeepSeek's chat template),
//! built from neutral text and chat inputs and validated, and its response and stream chunks.

use bedrock_core::{
    ChatMessage, ChatRequest, ContentPart, Error, InferenceParams, InvocationMetrics, ModelOutput,
    Result, Role, StopReason, StreamEvent, TextAccumulator, TextRequest, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::{MAX_STOP_SEQUENCES, MAX_TOKENS, TEXT_API, model_limits};

/// Opens every prompt in DeepSeek's template; a prompt that already starts with it is sent as
/// written.
pub const BEGIN_OF_SENTENCE: &str = "<｜begin▁of▁sentence｜>";
/// Opens a user turn.
pub const USER: &str = "<｜User｜>";
/// Opens an assistant turn.
pub const ASSISTANT: &str = "<｜Assistant｜>";
/// Closes an assistant turn of the history.
pub const END_OF_SENTENCE: &str = "<｜end▁of▁sentence｜>";
/// Opens the model's reasoning. The built prompt ends with it, as Bedrock's DeepSeek-R1 example
/// does, so the model always reasons first and its text starts inside the reasoning.
pub const THINK_OPEN: &str = "<think>";
/// Closes the model's reasoning; the answer follows it.
pub const THINK_CLOSE: &str = "</think>";

/// The body of an InvokeModel call to DeepSeek-R1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeepSeekTextRequest {
    /// The prompt in DeepSeek's template:
    /// `<｜begin▁of▁sentence｜>{system}<｜User｜>{question}<｜Assistant｜><think>\n`.
    #[schemars(regex(pattern = r"\S"))]
    pub prompt: String,
    /// Sampling temperature, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// The most tokens to generate, reasoning included, `1..=32768` (Bedrock advises 8192 or
    /// fewer for the best answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Sequences that stop generation: at most 10, none empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop: Vec<String>,
}

impl DeepSeekTextRequest {
    /// The validated body of a single prompt: the prompt and the system prompt in DeepSeek's
    /// template, or the prompt as written when it already starts with
    /// [`BEGIN_OF_SENTENCE`]. `top_k` and any key of `extra` are refused, not dropped.
    pub fn from_text(input: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, &[], TEXT_API)?;
        let system = system(input.system.as_deref())?;
        let prompt = if input.prompt.starts_with(BEGIN_OF_SENTENCE) {
            if let Some(system) = system {
                return Err(Error::invalid(
                    "system",
                    format!("{system:?}"),
                    "unset: the prompt already carries DeepSeek's template; put the system prompt in it",
                ));
            }
            input.prompt.clone()
        } else {
            if input.prompt.trim().is_empty() {
                let prompt = format!("{:?}", input.prompt);
                return Err(Error::invalid("prompt", prompt, "a non-blank string"));
            }
            template(system, &[(Role::User, input.prompt.as_str())])
        };
        Self::from_params(prompt, &input.params, base_model_id)
    }

    /// The validated body of a conversation in DeepSeek's template. It must end with a user
    /// turn; earlier assistant turns keep only their answer, as DeepSeek's own template does, so
    /// old reasoning is not fed back. Images are refused: R1 reads text only.
    pub fn from_chat(input: &ChatRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, &[], TEXT_API)?;
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
        let texts = input
            .messages
            .iter()
            .enumerate()
            .map(|(i, message)| message_text(i, message))
            .collect::<Result<Vec<_>>>()?;
        let turns: Vec<(Role, &str)> = input
            .messages
            .iter()
            .zip(&texts)
            .map(|(message, text)| (message.role, text.as_str()))
            .collect();
        Self::from_params(template(system, &turns), &input.params, base_model_id)
    }

    fn from_params(prompt: String, params: &InferenceParams, base_model_id: &str) -> Result<Self> {
        if let Some(top_k) = params.top_k {
            return Err(Error::invalid(
                "top_k",
                top_k,
                "unset: DeepSeek-R1 has no top_k; use top_p",
            ));
        }
        let request = DeepSeekTextRequest {
            prompt,
            temperature: params.temperature,
            top_p: params.top_p,
            max_tokens: params.max_tokens,
            stop: params.stop_sequences.clone(),
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
            .max_tokens
            .filter(|n| !(1..=limits.max_tokens).contains(n))
        {
            return Err(Error::invalid(
                "max_tokens",
                n,
                format!("1..={} for {}", limits.max_tokens, limits.name),
            ));
        }
        if self.stop.len() > limits.max_stop_sequences {
            return Err(Error::invalid(
                "stop",
                format!("{} sequences", self.stop.len()),
                format!("at most {} sequences", limits.max_stop_sequences),
            ));
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

/// The text of one turn: its text parts joined by newlines.
fn message_text(i: usize, message: &ChatMessage) -> Result<String> {
    let mut texts = Vec::with_capacity(message.content.len());
    for (j, part) in message.content.iter().enumerate() {
        match part {
            ContentPart::Text { text } if text.trim().is_empty() => {
                return Err(Error::invalid(
                    format!("messages[{i}].content[{j}].text"),
                    format!("{text:?}"),
                    "a non-blank string",
                ));
            }
            ContentPart::Text { text } => texts.push(text.as_str()),
            ContentPart::Image { format, .. } => {
                return Err(Error::invalid(
                    format!("messages[{i}].content[{j}]"),
                    format!("a {} image", format.media_type()),
                    "text only: DeepSeek-R1 does not read images",
                ));
            }
        }
    }
    if texts.is_empty() {
        return Err(Error::invalid(
            format!("messages[{i}].content"),
            "no text",
            "at least one text part",
        ));
    }
    Ok(texts.join("\n"))
}

/// `turns` in DeepSeek's template, ending with the assistant's turn opened on its reasoning.
fn template(system: Option<&str>, turns: &[(Role, &str)]) -> String {
    let mut prompt = String::from(BEGIN_OF_SENTENCE);
    prompt.push_str(system.unwrap_or_default());
    for (role, text) in turns {
        match role {
            Role::User => {
                prompt.push_str(USER);
                prompt.push_str(text);
            }
            Role::Assistant => {
                prompt.push_str(ASSISTANT);
                prompt.push_str(split_reasoning(text).answer);
                prompt.push_str(END_OF_SENTENCE);
            }
        }
    }
    prompt.push_str(ASSISTANT);
    prompt.push_str(THINK_OPEN);
    prompt.push('\n');
    prompt
}

/// A DeepSeek-R1 text cut at its reasoning marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reasoned<'a> {
    /// The reasoning before [`THINK_CLOSE`] (without a leading [`THINK_OPEN`]), trimmed; `None`
    /// when the text has no marker.
    pub reasoning: Option<&'a str>,
    /// What follows the reasoning, without its leading blank lines; the whole text when there
    /// is no marker.
    pub answer: &'a str,
}

/// Splits a DeepSeek-R1 text into its reasoning and its answer.
///
/// The neutral [`bedrock_core::TextOutput`] has no place for reasoning, and a stream chunk
/// cannot tell on its own whether it is still inside the reasoning, so the adapter's outputs
/// keep the whole text, reasoning and [`THINK_CLOSE`] included; this separates them. A text
/// that stopped inside an opened `<think>` is all reasoning.
pub fn split_reasoning(text: &str) -> Reasoned<'_> {
    if let Some((reasoning, answer)) = text.split_once(THINK_CLOSE) {
        let reasoning = reasoning.trim_start();
        let reasoning = reasoning.strip_prefix(THINK_OPEN).unwrap_or(reasoning);
        Reasoned {
            reasoning: Some(reasoning.trim()),
            answer: answer.trim_start_matches(['\n', '\r']),
        }
    } else if let Some(reasoning) = text.trim_start().strip_prefix(THINK_OPEN) {
        Reasoned {
            reasoning: Some(reasoning.trim()),
            answer: "",
        }
    } else {
        Reasoned {
            reasoning: None,
            answer: text,
        }
    }
}

/// A whole response, and each stream chunk: the last chunk has the stop reason and Bedrock's
/// invocation metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeepSeekTextResponse {
    /// The generation; Bedrock returns exactly one.
    pub choices: [DeepSeekChoice; 1],
    /// Bedrock's token counts and latencies, on the last stream chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// One generation of a [`DeepSeekTextResponse`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeepSeekChoice {
    /// The generated text (of a stream chunk: the new text), reasoning included.
    pub text: String,
    /// `stop` or `length`; `null` until the last stream chunk.
    #[serde(default)]
    pub stop_reason: Option<String>,
}

/// The neutral stop reason for a DeepSeek `stop_reason`.
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}

impl DeepSeekTextResponse {
    /// The generated text, reasoning included ([`split_reasoning`] separates it).
    pub fn text(&self) -> &str {
        &self.choices[0].text
    }

    /// The neutral output of a whole response: its events, folded as a stream's would be.
    pub fn into_output(self) -> ModelOutput {
        let mut text = TextAccumulator::new();
        self.into_events().iter().for_each(|e| text.push(e));
        ModelOutput::Text(text.finish())
    }

    /// The neutral events of one stream chunk.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let [choice] = self.choices;
        let mut events = Vec::with_capacity(3);
        if !choice.text.is_empty() {
            events.push(StreamEvent::TextDelta { text: choice.text });
        }
        if let Some(reason) = choice.stop_reason.as_deref() {
            events.push(StreamEvent::Stop {
                reason: stop_reason(reason),
            });
        }
        events.extend(self.invocation_metrics.map(|m| StreamEvent::Usage {
            input_tokens: Some(m.input_token_count),
            output_tokens: Some(m.output_token_count),
        }));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_is_split_at_its_marker() {
        let r = split_reasoning("Two and two.\n</think>\n\nFour.");
        assert_eq!(r.reasoning, Some("Two and two."));
        assert_eq!(r.answer, "Four.");
        let r = split_reasoning("<think>\nHmm.\n</think>\nFour.");
        assert_eq!((r.reasoning, r.answer), (Some("Hmm."), "Four."));
        let r = split_reasoning("<think>\nStill thinking");
        assert_eq!((r.reasoning, r.answer), (Some("Still thinking"), ""));
        let r = split_reasoning("Just an answer.");
        assert_eq!((r.reasoning, r.answer), (None, "Just an answer."));
    }

    #[test]
    fn history_keeps_only_the_answers() {
        let prompt = template(
            Some("Be brief."),
            &[
                (Role::User, "2+2?"),
                (Role::Assistant, "Adding.\n</think>\n\n4."),
                (Role::User, "And 3+3?"),
            ],
        );
        assert_eq!(
            prompt,
            "<｜begin▁of▁sentence｜>Be brief.<｜User｜>2+2?<｜Assistant｜>4.<｜end▁of▁sentence｜>\
             <｜User｜>And 3+3?<｜Assistant｜><think>\n"
        );
    }
}
