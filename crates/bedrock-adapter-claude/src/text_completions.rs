//! Anthropic's legacy Text Completions API: the `\n\nHuman: ...\n\nAssistant:` prompt body, its
//! `completion` responses and its stream chunks.

use bedrock_core::types::InvocationMetrics;
use bedrock_core::{
    ChatRequest, ContentPart, Error, InferenceParams, Result, Role, StopReason, StreamEvent,
    TextOutput, TextRequest, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::{
    API_SELECTOR, DEFAULT_MAX_TOKENS, MAX_STOP_SEQUENCES, MAX_TOP_K, max_output_tokens,
};
use crate::validation;

/// The marker that opens a user turn.
pub const HUMAN_TURN: &str = "\n\nHuman:";

/// The marker that opens a model turn; every prompt ends with it.
pub const ASSISTANT_TURN: &str = "\n\nAssistant:";

/// Bedrock's rule for a Text Completions prompt, quoted in the errors that break it.
pub const PROMPT_RULE: &str = "a prompt that starts with \"\\n\\nHuman:\" (after an optional system prompt) \
     and ends with \"\\n\\nAssistant:\"";

/// The most `max_tokens_to_sample` Bedrock's Text Completions parameter table allows.
pub const MAX_TOKENS_TO_SAMPLE: u32 = 4_096;

/// The request body of the Text Completions API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextCompletionsRequest {
    /// The conversation as one string: an optional system prompt, `\n\nHuman:` and
    /// `\n\nAssistant:` turns, ending with `\n\nAssistant:`.
    #[schemars(regex(pattern = r"\n\nHuman:[\s\S]*\n\nAssistant:$"))]
    pub prompt: String,
    /// Most tokens to generate.
    #[schemars(range(min = 1, max = MAX_TOKENS_TO_SAMPLE))]
    pub max_tokens_to_sample: u32,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_p: Option<f32>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_TOP_K))]
    pub top_k: Option<u32>,
    /// Sequences that stop generation, besides the built-in `\n\nHuman:`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_STOP_SEQUENCES), inner(regex(pattern = r"\S")))]
    pub stop_sequences: Vec<String>,
}

/// A whole Text Completions response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextCompletionsResponse {
    /// The generated text.
    pub completion: String,
    /// `stop_sequence` or `max_tokens`.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that ended generation, if one did.
    #[serde(default)]
    pub stop: Option<String>,
}

/// One stream chunk of the Text Completions API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextCompletionsChunk {
    /// More text (empty in the last chunk).
    pub completion: String,
    /// Set in the last chunk.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that ended generation, if one did.
    #[serde(default)]
    pub stop: Option<String>,
    /// Bedrock's token counts, in the last chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

/// Builds the body for a text request: a plain prompt is wrapped in one Human turn (after the
/// system prompt); a prompt that already has turns is checked against [`PROMPT_RULE`].
pub(crate) fn build_text(base_model_id: &str, req: &TextRequest) -> Result<TextCompletionsRequest> {
    check_extra_keys(&req.extra, &[API_SELECTOR], "Text Completions")?;
    legacy_system(req.system.as_deref())?;
    if req.prompt.trim().is_empty() {
        return Err(Error::invalid(
            "prompt",
            format!("{:?}", req.prompt),
            "a non-empty prompt",
        ));
    }
    let system = req.system.as_deref().unwrap_or("");
    let prompt = if has_turns(&req.prompt) {
        let prompt = format!("{system}{}", req.prompt);
        check_prompt(&prompt)?;
        prompt
    } else {
        format!("{system}{HUMAN_TURN} {}{ASSISTANT_TURN}", req.prompt)
    };
    body(base_model_id, prompt, &req.params)
}

/// Builds the body for a chat request: the messages become alternating turns.
pub(crate) fn build_chat(base_model_id: &str, req: &ChatRequest) -> Result<TextCompletionsRequest> {
    check_extra_keys(&req.extra, &[API_SELECTOR], "Text Completions")?;
    legacy_system(req.system.as_deref())?;
    validation::roles(&req.messages, true)?;
    let mut prompt = req.system.clone().unwrap_or_default();
    for (i, m) in req.messages.iter().enumerate() {
        prompt.push_str(match m.role {
            Role::User => HUMAN_TURN,
            Role::Assistant => ASSISTANT_TURN,
        });
        let mut texts = Vec::with_capacity(m.content.len());
        for (j, part) in m.content.iter().enumerate() {
            let field = format!("messages[{i}].content[{j}]");
            match part {
                ContentPart::Text { text } => {
                    if text.trim().is_empty() {
                        return Err(Error::invalid(
                            format!("{field}.text"),
                            format!("{text:?}"),
                            "non-empty text",
                        ));
                    }
                    if has_turns(text) {
                        return Err(Error::invalid(
                            format!("{field}.text"),
                            format!("{text:?}"),
                            "text without \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turn markers: each message is one turn",
                        ));
                    }
                    texts.push(text.as_str());
                }
                ContentPart::Image { format, .. } => {
                    return Err(Error::invalid(
                        field,
                        format!("a {} image", format.media_type()),
                        format!(
                            "text parts only: the Text Completions API of `{base_model_id}` takes no images; \
                             send images to a Claude 3 or later model"
                        ),
                    ));
                }
            }
        }
        prompt.push(' ');
        prompt.push_str(&texts.join("\n"));
    }
    prompt.push_str(ASSISTANT_TURN);
    body(base_model_id, prompt, &req.params)
}

/// A system prompt comes before the first turn, so it may not contain turn markers itself.
fn legacy_system(system: Option<&str>) -> Result<()> {
    validation::system(system)?;
    match system {
        Some(s) if has_turns(s) => Err(Error::invalid(
            "system",
            format!("{s:?}"),
            "a system prompt without \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turn markers: it precedes the first turn",
        )),
        _ => Ok(()),
    }
}

fn body(
    base_model_id: &str,
    prompt: String,
    params: &InferenceParams,
) -> Result<TextCompletionsRequest> {
    let max = max_output_tokens(base_model_id).min(MAX_TOKENS_TO_SAMPLE);
    let max_tokens_to_sample = validation::token_limit(
        "max_tokens_to_sample",
        params.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        max,
        base_model_id,
    )?;
    validation::sampling(params)?;
    Ok(TextCompletionsRequest {
        prompt,
        max_tokens_to_sample,
        temperature: params.temperature,
        top_p: params.top_p,
        top_k: params.top_k,
        stop_sequences: params.stop_sequences.clone(),
    })
}

/// Whether the text already carries turn markers (or opens with a bare `Human:` turn).
fn has_turns(text: &str) -> bool {
    text.contains(HUMAN_TURN)
        || text.contains(ASSISTANT_TURN)
        || text.trim_start().starts_with("Human:")
}

/// Checks a formatted prompt against [`PROMPT_RULE`].
pub fn check_prompt(prompt: &str) -> Result<()> {
    let violation = |shown: String| Err(Error::invalid("prompt", shown, PROMPT_RULE));
    let Some((preamble, _)) = prompt.split_once(HUMAN_TURN) else {
        return violation(format!("{prompt:?} (no \"\\n\\nHuman:\" turn)"));
    };
    let bare_turn = preamble.trim_start().starts_with("Human:")
        || preamble.trim_start().starts_with("Assistant:");
    if preamble.contains(ASSISTANT_TURN) || bare_turn {
        let start: String = prompt.chars().take(40).collect();
        return violation(format!(
            "{start:?}... (a turn before the first \"\\n\\nHuman:\")"
        ));
    }
    if !prompt.ends_with(ASSISTANT_TURN) {
        let tail: Vec<char> = prompt.chars().rev().take(40).collect();
        let tail: String = tail.into_iter().rev().collect();
        return violation(format!(
            "...{tail:?} (does not end with \"\\n\\nAssistant:\")"
        ));
    }
    Ok(())
}

/// The neutral stop reason: the built-in `\n\nHuman:` stop means the model ended its turn.
fn stop_reason(reason: &str, stop: Option<&str>) -> StopReason {
    match reason {
        "stop_sequence" if stop == Some(HUMAN_TURN) => StopReason::EndTurn,
        "stop_sequence" => StopReason::StopSequence,
        "max_tokens" => StopReason::MaxTokens,
        other => StopReason::Other(other.to_owned()),
    }
}

/// Parses a whole Text Completions response. Bedrock reports its token counts in headers, so
/// the output has no usage.
pub(crate) fn parse_response(value: serde_json::Value) -> Result<TextOutput> {
    let r: TextCompletionsResponse = serde_json::from_value(value)
        .map_err(|e| Error::decode_json("Claude Text Completions response", e))?;
    Ok(TextOutput {
        stop_reason: r
            .stop_reason
            .as_deref()
            .map(|s| stop_reason(s, r.stop.as_deref())),
        text: r.completion,
        usage: None,
        content: Vec::new(),
    })
}

/// Parses one Text Completions stream chunk.
pub(crate) fn parse_chunk(value: serde_json::Value) -> Result<Vec<StreamEvent>> {
    let c: TextCompletionsChunk = serde_json::from_value(value)
        .map_err(|e| Error::decode_json("Claude Text Completions stream chunk", e))?;
    let mut events = Vec::new();
    if !c.completion.is_empty() {
        events.push(StreamEvent::TextDelta { text: c.completion });
    }
    if let Some(reason) = c.stop_reason.as_deref() {
        events.push(StreamEvent::Stop {
            reason: stop_reason(reason, c.stop.as_deref()),
        });
    }
    if let Some(m) = c.invocation_metrics {
        events.push(StreamEvent::Usage {
            input_tokens: Some(m.input_token_count),
            output_tokens: Some(m.output_token_count),
        });
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_rule_accepts_a_system_prompt_and_rejects_broken_turns() {
        assert!(check_prompt("\n\nHuman: hi\n\nAssistant:").is_ok());
        assert!(
            check_prompt(
                "You are terse.\n\nHuman: hi\n\nAssistant: yo\n\nHuman: more\n\nAssistant:"
            )
            .is_ok()
        );
        for bad in [
            "Human: hi\n\nAssistant:",
            "\n\nAssistant: hi\n\nHuman: x\n\nAssistant:",
            "\n\nHuman: hi\n\nAssistant: ",
            "\n\nHuman: hi",
            "just text\n\nAssistant:",
        ] {
            let err = check_prompt(bad).unwrap_err();
            assert_eq!(err.field(), Some("prompt"), "{bad:?}");
            assert!(err.to_string().contains(PROMPT_RULE), "{err}");
        }
    }

    #[test]
    fn the_built_in_human_stop_is_an_end_of_turn() {
        assert_eq!(
            stop_reason("stop_sequence", Some("\n\nHuman:")),
            StopReason::EndTurn
        );
        assert_eq!(
            stop_reason("stop_sequence", Some("END")),
            StopReason::StopSequence
        );
        assert_eq!(stop_reason("max_tokens", None), StopReason::MaxTokens);
    }
}
