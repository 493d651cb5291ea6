//! The simulated model's answer to a Converse request: reasoning first (when the model reasons
//! and the request asks for it), then text that uses the tool results just received, or tool
//! uses when the rules call for them, or generated text that honours `maxTokens` and
//! `stopSequences`.
//!
//! **When the model calls tools.** Tools are offered and the last message is a user turn
//! without tool results, and: tool choice is `any` (the first tool is called), or names a tool
//! (that tool), or is `auto` (or unset) and the last user turn's text contains tool names (each
//! named tool, in the order of the tool list; names match case-insensitively). Inputs come from
//! each tool's input schema ([`super::schema_gen`]).

use bedrock_core::catalog::CatalogModel;
use bedrock_core::converse::{
    ContentBlock, ConversationRole, ConverseRequest, ConverseStopReason, Message, ReasoningBlock,
    ReasoningText, ToolChoice, ToolResultContent, ToolResultStatus, ToolSpecification,
    ToolUseBlock,
};
use serde_json::Value;

use super::check;
use super::features::{Features, Reasoning};
use super::prompt::json_tokens;
use super::{schema_gen, signature};
use crate::rng::{KeyPiece, StableHasher, base62};
use crate::text::{self, Finish};

/// `maxTokens` when the request sets none.
pub(crate) const DEFAULT_MAX_TOKENS: u32 = 4096;
/// Reasoning words for the models that always reason, when nothing bounds them.
const DEFAULT_REASONING_BUDGET: u32 = 64;

/// The assistant's content, why it stopped and its output tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub content: Vec<ContentBlock>,
    pub stop_reason: ConverseStopReason,
    /// The stop sequence that ended the text, for `additionalModelResponseFieldPaths`.
    pub stop_sequence: Option<String>,
    pub output_tokens: u32,
}

/// The hash every number of the answer derives from: the seed, the model and the whole
/// conversation (messages, system prompt, tools and model-specific fields), leaving out the
/// inference parameters so a smaller `maxTokens` gives a prefix of the same text.
fn prompt_key(seed: u64, model_id: &str, request: &ConverseRequest) -> StableHasher {
    let messages = to_json(&request.messages);
    let system = to_json(&request.system);
    let tools = to_json(&request.tool_config);
    let fields = request
        .additional_model_request_fields
        .clone()
        .unwrap_or(Value::Null);
    let mut hasher = StableHasher::new();
    hasher.part(&seed.to_le_bytes());
    hasher.part(model_id.as_bytes());
    hasher.key_part(&[
        KeyPiece::Text("converse\u{0}"),
        KeyPiece::Json(&messages),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(&system),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(&tools),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(&fields),
    ]);
    hasher
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    // The request's types serialise infallibly (no maps with non-string keys).
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn derived(key: &StableHasher, purpose: &str) -> u64 {
    let mut h = *key;
    h.part(purpose.as_bytes());
    h.finish()
}

/// How many reasoning words to produce, when the model reasons on this call.
fn reasoning_budget(request: &ConverseRequest, features: &Features) -> Option<u32> {
    match features.reasoning {
        Reasoning::None => None,
        Reasoning::ClaudeThinking => check::thinking_budget(request),
        Reasoning::NovaReasoningConfig => {
            check::nova_reasoning(request).then_some(DEFAULT_REASONING_BUDGET)
        }
        Reasoning::Always => Some(DEFAULT_REASONING_BUDGET),
    }
}

/// The answer to `request` (already checked) from `model`.
pub(crate) fn answer(
    seed: u64,
    model: &CatalogModel,
    features: &Features,
    request: &ConverseRequest,
) -> Answer {
    let key = prompt_key(seed, model.model_id, request);
    let config = request.inference_config.as_ref();
    let max_tokens = config
        .and_then(|c| c.max_tokens)
        .unwrap_or(DEFAULT_MAX_TOKENS);
    let stops: &[String] = config.map_or(&[], |c| c.stop_sequences.as_slice());
    let mut content = Vec::new();
    let mut left = max_tokens;
    let mut output_tokens = 0u32;
    if let Some(budget) = reasoning_budget(request, features) {
        let thought = text::generate(derived(&key, "reasoning"), budget.min(left), &[]);
        if !thought.text.is_empty() {
            content.push(ContentBlock::ReasoningContent(
                ReasoningBlock::ReasoningText(ReasoningText {
                    signature: Some(signature::sign(seed, &thought.text)),
                    text: thought.text,
                }),
            ));
        }
        left = left.saturating_sub(thought.output_tokens);
        output_tokens = output_tokens.saturating_add(thought.output_tokens);
    }
    let last = request.messages.last();
    let results = last
        .filter(|m| m.role == ConversationRole::User)
        .map(|m| tool_result_summary(request, m))
        .unwrap_or_default();
    let calls = if results.is_empty() {
        tools_to_call(request)
    } else {
        Vec::new()
    };
    if !calls.is_empty() {
        let forced = matches!(
            request
                .tool_config
                .as_ref()
                .and_then(|t| t.tool_choice.as_ref()),
            Some(ToolChoice::Any {} | ToolChoice::Tool { .. })
        );
        if !forced {
            let names: Vec<&str> = calls.iter().map(|t| t.name.as_str()).collect();
            let preface = format!("I will use {} to answer.", names.join(" and "));
            output_tokens = output_tokens.saturating_add(text::count_tokens(&preface));
            content.push(ContentBlock::Text(preface));
        }
        for (i, spec) in calls.iter().enumerate() {
            let id_seed = derived(&key, &format!("tool use {i} {}", spec.name));
            let input = schema_gen::instance(spec.input_schema.json(), id_seed);
            output_tokens = output_tokens.saturating_add(json_tokens(&input).saturating_add(1));
            content.push(ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: format!("tooluse_{}", base62(id_seed, 22)),
                name: spec.name.clone(),
                input,
            }));
        }
        return Answer {
            content,
            stop_reason: ConverseStopReason::ToolUse,
            stop_sequence: None,
            output_tokens,
        };
    }
    let generated = text::generate(derived(&key, "text"), u32::MAX, &[]);
    let full = if results.is_empty() {
        generated.text
    } else {
        format!("{results} {}", generated.text)
    };
    let (text, tokens, finish) = limit(&full, left, stops);
    output_tokens = output_tokens.saturating_add(tokens);
    if !text.is_empty() {
        content.push(ContentBlock::Text(text));
    }
    let (stop_reason, stop_sequence) = match finish {
        Finish::EndTurn => (ConverseStopReason::EndTurn, None),
        Finish::MaxTokens => (ConverseStopReason::MaxTokens, None),
        Finish::StopSequence(s) => (ConverseStopReason::StopSequence, Some(s)),
    };
    Answer {
        content,
        stop_reason,
        stop_sequence,
        output_tokens,
    }
}

/// `text` cut to `max_tokens` words, or just before the first stop sequence the words so far
/// contain, whichever comes first (the word that completed a stop sequence counts).
pub(crate) fn limit(text: &str, max_tokens: u32, stops: &[String]) -> (String, u32, Finish) {
    let mut count = 0u32;
    let mut end = 0usize;
    let mut in_word = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            if count == max_tokens {
                return (
                    text.get(..end).unwrap_or("").to_owned(),
                    count,
                    Finish::MaxTokens,
                );
            }
            count = count.saturating_add(1);
            in_word = true;
        }
        let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        end = i.saturating_add(c.len_utf8());
        if next_is_space {
            let so_far = text.get(..end).unwrap_or("");
            let earliest = stops
                .iter()
                .filter(|s| !s.is_empty())
                .filter_map(|s| so_far.find(s.as_str()).map(|at| (at, s)))
                .min_by_key(|(at, s)| (*at, std::cmp::Reverse(s.len())));
            if let Some((at, stop)) = earliest {
                return (
                    so_far.get(..at).unwrap_or("").to_owned(),
                    count,
                    Finish::StopSequence(stop.clone()),
                );
            }
        }
    }
    (text.to_owned(), count, Finish::EndTurn)
}

/// The tools the model calls on this turn (see the module's rules).
fn tools_to_call(request: &ConverseRequest) -> Vec<&ToolSpecification> {
    let Some(config) = &request.tool_config else {
        return Vec::new();
    };
    match &config.tool_choice {
        Some(ToolChoice::Any {}) => config.specs().take(1).collect(),
        Some(ToolChoice::Tool { name }) => config.specs().filter(|s| &s.name == name).collect(),
        Some(ToolChoice::Auto {}) | None => {
            let Some(last) = request.messages.last() else {
                return Vec::new();
            };
            if last.role != ConversationRole::User {
                return Vec::new();
            }
            let said = last.text().to_lowercase();
            config
                .specs()
                .filter(|s| said.contains(&s.name.to_lowercase()))
                .collect()
        }
    }
}

/// The text that reports the tool results of `message`: each result's value (JSON as
/// compact JSON, text as is), and for a failed tool, its error.
fn tool_result_summary(request: &ConverseRequest, message: &Message) -> String {
    let name_of = |id: &str| {
        request
            .messages
            .iter()
            .flat_map(Message::tool_uses)
            .find(|u| u.tool_use_id == id)
            .map_or_else(|| "the tool".to_owned(), |u| format!("the {} tool", u.name))
    };
    let mut sentences = Vec::new();
    for block in &message.content {
        let ContentBlock::ToolResult(result) = block else {
            continue;
        };
        let parts: Vec<String> = result
            .content
            .iter()
            .map(|part| match part {
                ToolResultContent::Json(v) => sorted_json(v).to_string(),
                ToolResultContent::Text(t) => t.clone(),
                ToolResultContent::Image(i) => format!("a {} image", i.format.as_str()),
                ToolResultContent::Document(d) => format!("the document {}", d.name),
            })
            .collect();
        let name = name_of(&result.tool_use_id);
        let sentence = if result.status == Some(ToolResultStatus::Error) {
            format!("Calling {name} failed with the error: {}.", parts.join(" "))
        } else {
            format!("According to {name}, the result is {}.", parts.join(" "))
        };
        sentences.push(sentence);
    }
    sentences.join(" ")
}

/// `value` with every object's keys in order, so that the text quoting it does not depend on
/// the order the client wrote them in.
fn sorted_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_json(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_json).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_counts_words_and_cuts_at_stop_sequences() {
        let (t, n, f) = limit("one two three four", 2, &[]);
        assert_eq!((t.as_str(), n, f), ("one two", 2, Finish::MaxTokens));
        let (t, n, f) = limit("one two three", 10, &[]);
        assert_eq!((t.as_str(), n, f), ("one two three", 3, Finish::EndTurn));
        let (t, n, f) = limit("one two three", 10, &["two".to_owned()]);
        assert_eq!(
            (t.as_str(), n, f),
            ("one ", 2, Finish::StopSequence("two".into()))
        );
        let (t, n, _) = limit("one two", 0, &[]);
        assert_eq!((t.as_str(), n), ("", 0));
        let (t, n, f) = limit("héllo wörld", 1, &[]);
        assert_eq!((t.as_str(), n, f), ("héllo", 1, Finish::MaxTokens));
    }
}
