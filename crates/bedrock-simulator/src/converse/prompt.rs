//! A Converse prompt as the simulator counts and caches it: input tokens under the simulator's
//! token rule, and the prompt-cache checkpoints (the prefix hash and token count at each cache
//! point) in Bedrock's order: tools, then system, then messages.
//!
//! **Token rule.** As for InvokeModel, a token is a whitespace-separated word. A text block
//! counts its words; a JSON value (tool inputs, JSON tool results, tool schemas) counts one per
//! key and per scalar, a string scalar its words (at least one); an image counts 1; a document
//! counts the words of its text when its format is text (txt, md, csv, html) or it is given as
//! text, else 1; a tool specification counts its name, its description's words and its schema;
//! a cache point counts 0.

use std::collections::VecDeque;
use std::sync::Mutex;

use bedrock_core::converse::{
    ContentBlock, DocumentBlock, DocumentFormat, GuardrailContent, MediaSource, Message,
    ReasoningBlock, SystemContentBlock, ToolEntry, ToolResultContent,
};
use serde::Serialize;
use serde_json::Value;

use crate::rng::{KeyPiece, StableHasher};
use crate::text::count_tokens;

/// Tokens of a JSON value under the module's rule.
pub(crate) fn json_tokens(value: &Value) -> u32 {
    match value {
        Value::String(s) => count_tokens(s).max(1),
        Value::Array(items) => items.iter().map(json_tokens).fold(0, u32::saturating_add),
        Value::Object(map) => map
            .values()
            .map(|v| json_tokens(v).saturating_add(1))
            .fold(0, u32::saturating_add),
        _ => 1,
    }
}

fn document_tokens(doc: &DocumentBlock) -> u32 {
    match &doc.source {
        MediaSource::Text(t) => count_tokens(t),
        MediaSource::Bytes(b)
            if matches!(
                doc.format,
                DocumentFormat::Txt
                    | DocumentFormat::Md
                    | DocumentFormat::Csv
                    | DocumentFormat::Html
            ) =>
        {
            count_tokens(&String::from_utf8_lossy(b))
        }
        _ => 1,
    }
}

/// Tokens of one message content block.
pub(crate) fn block_tokens(block: &ContentBlock) -> u32 {
    match block {
        ContentBlock::Text(t) => count_tokens(t),
        ContentBlock::Image(_) => 1,
        ContentBlock::Document(d) => document_tokens(d),
        ContentBlock::ToolUse(t) => json_tokens(&t.input).saturating_add(1),
        ContentBlock::ToolResult(r) => r
            .content
            .iter()
            .map(|part| match part {
                ToolResultContent::Json(v) => json_tokens(v),
                ToolResultContent::Text(t) => count_tokens(t),
                ToolResultContent::Image(_) => 1,
                ToolResultContent::Document(d) => document_tokens(d),
            })
            .fold(0, u32::saturating_add),
        ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) => count_tokens(&r.text),
        ContentBlock::ReasoningContent(ReasoningBlock::RedactedContent(_)) => 1,
        ContentBlock::CachePoint(_) => 0,
        ContentBlock::GuardContent(GuardrailContent::Text(t)) => count_tokens(&t.text),
    }
}

fn system_tokens(block: &SystemContentBlock) -> u32 {
    match block {
        SystemContentBlock::Text(t) => count_tokens(t),
        SystemContentBlock::CachePoint(_) => 0,
        SystemContentBlock::GuardContent(GuardrailContent::Text(t)) => count_tokens(&t.text),
    }
}

fn tool_tokens(entry: &ToolEntry) -> u32 {
    match entry {
        ToolEntry::ToolSpec(spec) => count_tokens(&spec.name)
            .saturating_add(spec.description.as_deref().map_or(0, count_tokens))
            .saturating_add(json_tokens(spec.input_schema.json())),
        ToolEntry::CachePoint(_) => 0,
    }
}

/// One cache point: the hash of everything before it and how many tokens that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    pub hash: u64,
    pub tokens: u32,
}

/// A prompt's input tokens and cache points.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PromptCount {
    /// All input tokens.
    pub tokens: u32,
    /// The cache points, in prompt order.
    pub checkpoints: Vec<Checkpoint>,
}

/// Walks the prompt in Bedrock's order, counting and hashing as it goes.
struct Walker {
    hasher: StableHasher,
    count: PromptCount,
}

impl Walker {
    fn add<T: Serialize>(&mut self, part: &T, tokens: u32, cache_point: bool) {
        if cache_point {
            self.count.checkpoints.push(Checkpoint {
                hash: self.hasher.finish(),
                tokens: self.count.tokens,
            });
            return;
        }
        // The part's JSON in canonical form: the same content hashes the same however its
        // keys were ordered on the wire.
        let value = serde_json::to_value(part).unwrap_or(Value::Null);
        self.hasher.key_part(&[KeyPiece::Json(&value)]);
        self.count.tokens = self.count.tokens.saturating_add(tokens);
    }
}

/// Counts a prompt: the tool list (when given), the system prompt and the messages.
pub(crate) fn count(
    tools: &[ToolEntry],
    system: &[SystemContentBlock],
    messages: &[Message],
) -> PromptCount {
    let mut walker = Walker {
        hasher: StableHasher::new(),
        count: PromptCount::default(),
    };
    walker.hasher.part(b"tools");
    for tool in tools {
        walker.add(
            tool,
            tool_tokens(tool),
            matches!(tool, ToolEntry::CachePoint(_)),
        );
    }
    walker.hasher.part(b"system");
    for block in system {
        let cache = matches!(block, SystemContentBlock::CachePoint(_));
        walker.add(block, system_tokens(block), cache);
    }
    for message in messages {
        walker.hasher.part(match message.role {
            bedrock_core::converse::ConversationRole::User => b"user",
            bedrock_core::converse::ConversationRole::Assistant => b"assistant",
        });
        for block in &message.content {
            let cache = matches!(block, ContentBlock::CachePoint(_));
            walker.add(block, block_tokens(block), cache);
        }
    }
    walker.count
}

/// How many prompt prefixes each model's cache keeps (the most recently used ones).
pub const CACHE_ENTRIES_PER_MODEL: usize = 256;

/// The simulated prompt cache: per catalog model, the hashes of the prefixes written, most
/// recently used last. Bounded: at most [`CACHE_ENTRIES_PER_MODEL`] entries per catalog model.
#[derive(Debug, Default)]
pub(crate) struct ConverseState {
    caches: Mutex<Vec<(&'static str, VecDeque<u64>)>>,
}

/// What the cache did for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CacheUse {
    /// Tokens read from the cache.
    pub read: u32,
    /// Tokens written to it.
    pub written: u32,
    /// Tokens up to the last cache point (read plus written).
    pub cached_prefix: u32,
}

impl ConverseState {
    /// Forgets every cached prefix.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(&'static str, VecDeque<u64>)>> {
        // The cache is a list of hashes: a panic elsewhere cannot leave it inconsistent.
        self.caches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the longest cached prefix among `checkpoints` and writes the rest up to the last
    /// one, for `model_id`.
    pub(crate) fn account(&self, model_id: &'static str, checkpoints: &[Checkpoint]) -> CacheUse {
        let Some(last) = checkpoints.last() else {
            return CacheUse::default();
        };
        let mut caches = self.lock();
        let at = match caches.iter().position(|(m, _)| *m == model_id) {
            Some(at) => at,
            None => {
                caches.push((model_id, VecDeque::new()));
                caches.len().saturating_sub(1)
            }
        };
        let Some((_, cache)) = caches.get_mut(at) else {
            return CacheUse::default();
        };
        let hit = checkpoints.iter().rposition(|c| cache.contains(&c.hash));
        let read = hit.and_then(|i| checkpoints.get(i)).map_or(0, |c| c.tokens);
        let first_new = hit.map_or(0, |i| i.saturating_add(1));
        for checkpoint in checkpoints {
            // Refresh what was used, add what was written, most recent last.
            if let Some(pos) = cache.iter().position(|h| *h == checkpoint.hash) {
                cache.remove(pos);
            }
            cache.push_back(checkpoint.hash);
        }
        while cache.len() > CACHE_ENTRIES_PER_MODEL {
            cache.pop_front();
        }
        let written = if first_new < checkpoints.len() {
            last.tokens.saturating_sub(read)
        } else {
            0
        };
        CacheUse {
            read,
            written,
            cached_prefix: last.tokens,
        }
    }

    /// Prefixes held, over all models.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.lock().iter().map(|(_, c)| c.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_core::converse::CachePointBlock;

    #[test]
    fn json_tokens_count_keys_and_scalars() {
        let v = serde_json::json!({"city": "New York", "days": 3, "tags": ["a", "b c"]});
        // keys 3 + "New York" 2 + 3 -> 1 + "a" 1 + "b c" 2
        assert_eq!(json_tokens(&v), 3 + 2 + 1 + 1 + 2);
    }

    #[test]
    fn checkpoints_hash_prefixes_and_the_cache_reads_them_back() {
        let system = vec![
            SystemContentBlock::Text("You are a careful assistant.".into()),
            SystemContentBlock::CachePoint(CachePointBlock::default()),
        ];
        let a = count(&[], &system, &[Message::user("first question here")]);
        let b = count(&[], &system, &[Message::user("another one")]);
        assert_eq!(a.checkpoints.len(), 1);
        assert_eq!(a.checkpoints, b.checkpoints, "same prefix, same checkpoint");
        assert_eq!(a.tokens, 5 + 3);
        let state = ConverseState::default();
        let model = "anthropic.claude-3-7-sonnet-20250219-v1:0";
        let first = state.account(model, &a.checkpoints);
        assert_eq!((first.read, first.written), (0, 5));
        let second = state.account(model, &b.checkpoints);
        assert_eq!((second.read, second.written), (5, 0));
        // Another model has its own cache.
        let other = state.account("amazon.nova-pro-v1:0", &b.checkpoints);
        assert_eq!((other.read, other.written), (0, 5));
    }

    #[test]
    fn the_cache_is_bounded_per_model() {
        let state = ConverseState::default();
        for i in 0..(CACHE_ENTRIES_PER_MODEL as u64 * 3) {
            state.account("amazon.nova-pro-v1:0", &[Checkpoint { hash: i, tokens: 1 }]);
        }
        assert_eq!(state.entries(), CACHE_ENTRIES_PER_MODEL);
        state.clear();
        assert_eq!(state.entries(), 0);
    }
}
