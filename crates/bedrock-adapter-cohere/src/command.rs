//! The `cohere-command` API of Command and Command Light (v14): the request body, built from a
//! neutral text request and validated, the response, and its stream chunks.

use bedrock_core::{
    Error, InvocationMetrics, ModelOutput, Result, StopReason, StreamEvent, TextOutput,
    TextRequest, check_extra_keys,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::extra;
use crate::models::{
    COMMAND_API, COMMAND_MAX_GENERATIONS, COMMAND_MAX_STOP_SEQUENCES, COMMAND_MAX_TEMPERATURE,
    COMMAND_MAX_TOKENS, GenerationLimits, MAX_K, command_limits,
};

/// The keys of a neutral input's `extra` map this API takes, copied into the body fields of the
/// same name. `num_generations` is not one: the neutral output holds one generation, and the
/// others would be dropped.
pub const EXTRA_FIELDS: &[&str] = &["return_likelihoods", "truncate", "stream"];

/// The body of an InvokeModel call to Command or Command Light.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "CohereCommandRequest")]
pub struct CohereCommandRequest {
    /// The text the model continues; at least one non-whitespace character.
    #[schemars(regex(pattern = r"\S"))]
    pub prompt: String,
    /// Randomness of sampling, 0 to 5 (default 0.9); lower is more deterministic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = COMMAND_MAX_TEMPERATURE))]
    pub temperature: Option<f32>,
    /// Nucleus sampling: the probability mass of the tokens considered, 0 to 1 (default 0.75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub p: Option<f32>,
    /// Top-k sampling: how many of the most likely tokens are considered, 0 to 500 (default 0,
    /// off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_K))]
    pub k: Option<u32>,
    /// The most tokens to generate, 1 to 4096 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = COMMAND_MAX_TOKENS))]
    pub max_tokens: Option<u32>,
    /// Up to four sequences that stop generation; the sequence is part of the returned text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = COMMAND_MAX_STOP_SEQUENCES), inner(length(min = 1)))]
    pub stop_sequences: Vec<String>,
    /// Whether and which token likelihoods the response carries (default `NONE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_likelihoods: Option<ReturnLikelihoods>,
    /// Bedrock documents it as required to support streaming. The body is built before it is
    /// known whether the call streams, so the neutral conversion sends it only when
    /// `extra.stream` sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// How many generations to return, 1 to 5 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = COMMAND_MAX_GENERATIONS))]
    pub num_generations: Option<u32>,
    /// What to do with a prompt longer than the model's input limit (default `END`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<Truncate>,
}

/// `return_likelihoods`: which token likelihoods the response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReturnLikelihoods {
    /// Only those of the generated tokens.
    Generation,
    /// Those of every token, prompt included.
    All,
    /// None (the default).
    None,
}

/// `truncate`: how an input longer than the model's limit is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Truncate {
    /// Refuse the input with an error.
    None,
    /// Drop tokens from the start.
    Start,
    /// Drop tokens from the end.
    End,
}

impl CohereCommandRequest {
    /// The validated body for a neutral text request to `base_model_id`. `system` has no field
    /// in this body and is refused, not dropped; `top_p` goes to `p`, `top_k` to `k`.
    pub fn from_text(request: &TextRequest, base_model_id: &str) -> Result<Self> {
        check_extra_keys(&request.extra, EXTRA_FIELDS, COMMAND_API)?;
        if let Some(system) = &request.system {
            return Err(Error::invalid(
                "system",
                system,
                "unset: Command has no system prompt; write it into the prompt",
            ));
        }
        let params = &request.params;
        let body = CohereCommandRequest {
            prompt: request.prompt.clone(),
            temperature: params.temperature,
            p: params.top_p,
            k: params.top_k,
            max_tokens: params.max_tokens,
            stop_sequences: params.stop_sequences.clone(),
            return_likelihoods: extra::option(
                &request.extra,
                "return_likelihoods",
                "one of: GENERATION, ALL, NONE",
            )?,
            stream: extra::option(&request.extra, "stream", "true or false")?,
            num_generations: None,
            truncate: extra::option(&request.extra, "truncate", "one of: NONE, START, END")?,
        };
        body.validate(&command_limits(base_model_id))
            .map_err(|e| extra::rename(e, &request.extra))?;
        Ok(body)
    }

    /// Checks every field against `limits`; the error names the body field, the value and what
    /// is allowed.
    pub fn validate(&self, limits: &GenerationLimits) -> Result<()> {
        if self.prompt.trim().is_empty() {
            let prompt = format!("{:?}", self.prompt);
            return Err(Error::invalid(
                "prompt",
                prompt,
                "at least one non-whitespace character",
            ));
        }
        // `contains` is false for NaN too.
        if let Some(t) = self
            .temperature
            .filter(|t| !(0.0..=COMMAND_MAX_TEMPERATURE).contains(t))
        {
            return Err(Error::invalid("temperature", t, "0.0..=5.0"));
        }
        if let Some(p) = self.p.filter(|p| !(0.0..=1.0).contains(p)) {
            return Err(Error::invalid("p", p, "0.0..=1.0"));
        }
        if let Some(k) = self.k.filter(|k| *k > MAX_K) {
            return Err(Error::invalid("k", k, format!("0..={MAX_K}")));
        }
        if let Some(n) = self
            .max_tokens
            .filter(|n| !(1..=limits.max_tokens).contains(n))
        {
            let allowed = format!("1..={} for {}", limits.max_tokens, limits.name);
            return Err(Error::invalid("max_tokens", n, allowed));
        }
        if self.stop_sequences.len() > COMMAND_MAX_STOP_SEQUENCES {
            return Err(Error::invalid(
                "stop_sequences",
                format!("{} sequences", self.stop_sequences.len()),
                format!("at most {COMMAND_MAX_STOP_SEQUENCES} sequences"),
            ));
        }
        if let Some(i) = self.stop_sequences.iter().position(String::is_empty) {
            return Err(Error::invalid(
                format!("stop_sequences[{i}]"),
                "\"\"",
                "a non-empty string",
            ));
        }
        if let Some(n) = self
            .num_generations
            .filter(|n| !(1..=COMMAND_MAX_GENERATIONS).contains(n))
        {
            let allowed = format!("1..={COMMAND_MAX_GENERATIONS}");
            return Err(Error::invalid("num_generations", n, allowed));
        }
        Ok(())
    }
}

/// The body of a Command response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohereCommandResponse {
    /// One entry per generation (`num_generations`), in order.
    pub generations: Vec<CommandGeneration>,
    /// The response's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The prompt, echoed.
    #[serde(default)]
    pub prompt: Option<String>,
}

/// One generation of a Command response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandGeneration {
    /// The generated text.
    pub text: String,
    /// `COMPLETE`, `MAX_TOKENS`, `ERROR` or `ERROR_TOXIC`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The generation's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Its position when several were asked for.
    #[serde(default)]
    pub index: Option<u32>,
    /// The average likelihood of its tokens, with `return_likelihoods`.
    #[serde(default)]
    pub likelihood: Option<f64>,
}

impl CohereCommandResponse {
    /// The neutral output: the first generation. The body carries no token counts.
    pub fn into_output(self) -> Result<ModelOutput> {
        let generation = self.first()?;
        Ok(ModelOutput::Text(TextOutput {
            text: generation.text.clone(),
            stop_reason: generation.finish_reason.as_deref().map(stop_reason),
            usage: None,
            content: Vec::new(),
        }))
    }

    fn first(&self) -> Result<&CommandGeneration> {
        self.generations
            .iter()
            .find(|g| g.index.unwrap_or(0) == 0)
            .ok_or_else(|| Error::decode("Cohere Command response has no generation"))
    }
}

/// One chunk of a Command response stream: text, or, in the last (`is_finished`), the finish
/// reason, the whole response and Bedrock's invocation metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohereCommandChunk {
    /// More text.
    #[serde(default)]
    pub text: Option<String>,
    /// The generation the text belongs to, when several were asked for.
    #[serde(default)]
    pub index: Option<u32>,
    /// Whether this is the last chunk.
    pub is_finished: bool,
    /// Why generation stopped, in the last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The whole response, in the last chunk.
    #[serde(default)]
    pub response: Option<CohereCommandResponse>,
    /// Bedrock's token counts and latencies, in the last chunk.
    #[serde(default, rename = "amazon-bedrock-invocationMetrics")]
    pub invocation_metrics: Option<InvocationMetrics>,
}

impl CohereCommandChunk {
    /// The neutral events of the chunk; text of generations after the first is skipped, as the
    /// whole response's output keeps only the first.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        if let Some(text) = self.text.filter(|t| !t.is_empty())
            && self.index.unwrap_or(0) == 0
        {
            events.push(StreamEvent::TextDelta { text });
        }
        if self.is_finished {
            // The overall `finish_reason` is the last generation's; the first one's is in the
            // whole response.
            let first = self
                .response
                .as_ref()
                .and_then(|r| r.first().ok())
                .and_then(|g| g.finish_reason.clone());
            if let Some(reason) = first.or(self.finish_reason) {
                events.push(StreamEvent::Stop {
                    reason: stop_reason(&reason),
                });
            }
        }
        events.extend(self.invocation_metrics.map(usage));
        events
    }
}

/// The neutral stop reason of a Cohere `finish_reason` (Command's and Command R's).
pub(crate) fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "COMPLETE" => StopReason::EndTurn,
        "MAX_TOKENS" => StopReason::MaxTokens,
        "STOP_SEQUENCE" => StopReason::StopSequence,
        "ERROR_TOXIC" => StopReason::ContentFiltered,
        other => StopReason::Other(other.to_owned()),
    }
}

/// Bedrock's invocation metrics as a usage event.
pub(crate) fn usage(metrics: InvocationMetrics) -> StreamEvent {
    StreamEvent::Usage {
        input_tokens: Some(metrics.input_token_count),
        output_tokens: Some(metrics.output_token_count),
    }
}

#[cfg(test)]
mod tests {
    use bedrock_core::{ExtraFields, TextAccumulator};

    use super::*;

    #[test]
    fn a_whole_stream_folds_into_the_first_generation() {
        let mut text = TextAccumulator::new();
        for chunk in [
            r#"{"text":"A","index":0,"is_finished":false}"#,
            r#"{"text":"B","index":1,"is_finished":false}"#,
            r#"{"is_finished":true,"finish_reason":"MAX_TOKENS","response":{"generations":[{"text":"A","finish_reason":"COMPLETE","index":0},{"text":"B","finish_reason":"MAX_TOKENS","index":1}]}}"#,
        ] {
            let chunk: CohereCommandChunk = serde_json::from_str(chunk).unwrap();
            chunk.into_events().iter().for_each(|e| text.push(e));
        }
        let out = text.finish();
        assert_eq!(out.text, "A");
        assert_eq!(out.stop_reason, Some(StopReason::EndTurn));
    }

    #[test]
    fn extra_errors_are_named_after_the_extra_key() {
        let mut extra = ExtraFields::new();
        extra.insert("truncate".into(), serde_json::json!("MIDDLE"));
        let request = TextRequest {
            extra,
            ..TextRequest::new("Hi")
        };
        let err = CohereCommandRequest::from_text(&request, "cohere.command-text-v14").unwrap_err();
        assert_eq!(err.field(), Some("extra.truncate"));
    }
}
