//! The `mistral-text` API: the text-completion body (a prompt in Mistral's `[INST]` format),
//! built from neutral text and chat inputs and validated, and its response and stream chunks.

use bedrock_core::{
    ChatRequest, Error, InferenceParams, InvocationMetrics, ModelOutput, Result, StopReason,
    StreamEvent, TextAccumulator, TextRequest, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::conversation::{check_turns, system, text_only};
use crate::models::{MAX_STOP_SEQUENCES, MAX_TOKENS, MAX_TOP_K, TEXT_API, model_limits};

/// Opens every prompt; a text prompt that already starts with it (or with [`INST`]) is sent as
/// written.
pub const BEGIN_OF_SENTENCE: &str = "<s>";
/// Opens a user turn.
pub const INST: &str = "[INST]";
/// Closes a user turn; the model's answer follows.
pub const INST_END: &str = "[/INST]";
/// Closes an assistant turn of the history.
pub const END_OF_SENTENCE: &str = "</s>";

/// The body of an InvokeModel call to a Mistral AI text-completion model. The ranges stated are
/// the widest of any model; each model's own limits are checked too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MistralTextRequest {
    /// The prompt in Mistral's instruction format:
    /// `<s>[INST] {question} [/INST] {answer}</s>[INST] {question} [/INST]`.
    #[schemars(regex(pattern = r"\S"))]
    pub prompt: String,
    /// The most tokens to generate: `1..=8192`, `1..=4096` for Mixtral 8x7B (default 512, 8192
    /// for Mistral Large).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Sequences that stop generation: at most 10, none empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop: Vec<String>,
    /// Sampling temperature, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, `0.0..=1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Top-k sampling: how many of the likeliest tokens are considered, `1..=200` (disabled by
    /// default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_TOP_K))]
    pub top_k: Option<u32>,
}

impl MistralTextRequest {
    /// The validated body of a single prompt: `<s>[INST] {system}\n\n{prompt} [/INST]`, or the
    /// prompt as written when it already starts with `<s>` or `[INST]`. Any key of `extra` is
    /// refused, not dropped.
    pub fn from_text(input: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, &[], TEXT_API)?;
        let system = system(input.system.as_deref())?;
        let prompt = if input.prompt.starts_with(BEGIN_OF_SENTENCE)
            || input.prompt.starts_with(INST)
        {
            if let Some(system) = system {
                return Err(Error::invalid(
                    "system",
                    format!("{system:?}"),
                    "unset: the prompt already carries Mistral's [INST] format; put the system prompt in it",
                ));
            }
            input.prompt.clone()
        } else {
            if input.prompt.trim().is_empty() {
                let prompt = format!("{:?}", input.prompt);
                return Err(Error::invalid("prompt", prompt, "a non-blank string"));
            }
            instruction_prompt(system, std::slice::from_ref(&input.prompt))
        };
        Self::from_params(prompt, &input.params, base_model_id)
    }

    /// The validated body of a conversation in Mistral's instruction format: user and
    /// assistant turns alternate, starting and ending with the user; the system prompt opens the
    /// first user turn. These models read text only.
    pub fn from_chat(input: &ChatRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&input.extra, &[], TEXT_API)?;
        let system = system(input.system.as_deref())?;
        check_turns(&input.messages)?;
        let name = model_limits(base_model_id).name;
        let texts = input
            .messages
            .iter()
            .enumerate()
            .map(|(i, message)| text_only(i, message, name))
            .collect::<Result<Vec<_>>>()?;
        Self::from_params(
            instruction_prompt(system, &texts),
            &input.params,
            base_model_id,
        )
    }

    fn from_params(prompt: String, params: &InferenceParams, base_model_id: &str) -> Result<Self> {
        let request = MistralTextRequest {
            prompt,
            max_tokens: params.max_tokens,
            stop: params.stop_sequences.clone(),
            temperature: params.temperature,
            top_p: params.top_p,
            top_k: params.top_k,
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
        check_stop(&self.stop)?;
        check_sampling(self.temperature, self.top_p)?;
        if let Some(k) = self.top_k.filter(|k| !(1..=MAX_TOP_K).contains(k)) {
            return Err(Error::invalid("top_k", k, format!("1..={MAX_TOP_K}")));
        }
        Ok(())
    }
}

/// At most [`MAX_STOP_SEQUENCES`] stop sequences, none empty.
pub(crate) fn check_stop(stop: &[String]) -> Result<()> {
    if stop.len() > MAX_STOP_SEQUENCES {
        return Err(Error::invalid(
            "stop",
            format!("{} sequences", stop.len()),
            format!("at most {MAX_STOP_SEQUENCES} sequences"),
        ));
    }
    if let Some(i) = stop.iter().position(String::is_empty) {
        return Err(Error::invalid(
            format!("stop[{i}]"),
            "\"\"",
            "a non-empty string",
        ));
    }
    Ok(())
}

/// `temperature` and `top_p` in `0.0..=1.0` (NaN never is).
pub(crate) fn check_sampling(temperature: Option<f32>, top_p: Option<f32>) -> Result<()> {
    for (field, value) in [("temperature", temperature), ("top_p", top_p)] {
        if let Some(v) = value.filter(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::invalid(field, v, "0.0..=1.0"));
        }
    }
    Ok(())
}

/// Alternating turns, user first and last, in Mistral's instruction format:
/// `<s>[INST] {system}\n\n{user} [/INST] {assistant}</s>[INST] {user} [/INST]`.
fn instruction_prompt(system: Option<&str>, turns: &[String]) -> String {
    let mut prompt = String::from(BEGIN_OF_SENTENCE);
    for (i, text) in turns.iter().enumerate() {
        if i % 2 == 0 {
            prompt.push_str(INST);
            prompt.push(' ');
            if let (0, Some(system)) = (i, system) {
                prompt.push_str(system);
                prompt.push_str("\n\n");
            }
            prompt.push_str(text);
            prompt.push(' ');
            prompt.push_str(INST_END);
        } else {
            prompt.push(' ');
            prompt.push_str(text);
            prompt.push_str(END_OF_SENTENCE);
        }
    }
    prompt
}

/// A whole response, and each stream chunk: the last chunk has the stop reason and Bedrock's
/// invocation metrics.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralTextResponse {
    /// The generation; Bedrock returns exactly one.
    pub outputs: [MistralTextOutput; 1],
    /// Bedrock's token counts and latencies, on the last stream chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// One generation of a [`MistralTextResponse`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MistralTextOutput {
    /// The generated text (of a stream chunk: the new text).
    pub text: String,
    /// `stop` or `length`; `null` until the last stream chunk.
    #[serde(default)]
    pub stop_reason: Option<String>,
}

/// The neutral stop reason for a Mistral `stop_reason` (of either API).
pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" | "model_length" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}

impl MistralTextResponse {
    /// The neutral output of a whole response: its events, folded as a stream's would be.
    pub fn into_output(self) -> ModelOutput {
        let mut text = TextAccumulator::new();
        self.into_events().iter().for_each(|e| text.push(e));
        ModelOutput::Text(text.finish())
    }

    /// The neutral events of one stream chunk.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let [output] = self.outputs;
        let mut events = Vec::with_capacity(3);
        if !output.text.is_empty() {
            events.push(StreamEvent::TextDelta { text: output.text });
        }
        if let Some(reason) = output.stop_reason.as_deref() {
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
    fn turns_follow_the_instruction_format() {
        let turns = ["Hi".to_owned(), "Hello!".to_owned(), "Bye".to_owned()];
        assert_eq!(
            instruction_prompt(Some("Be brief."), &turns),
            "<s>[INST] Be brief.\n\nHi [/INST] Hello!</s>[INST] Bye [/INST]"
        );
        assert_eq!(
            instruction_prompt(None, &turns[..1]),
            "<s>[INST] Hi [/INST]"
        );
    }
}
