//! Turns ConverseStream's events back into the whole response, as Converse would have answered:
//! text deltas joined, tool-use input fragments parsed, reasoning with its signature kept.

use std::collections::BTreeMap;

use super::types::*;
use crate::error::{Error, Result};

/// A block being assembled from ConverseStream's pieces; shared with the family-neutral
/// [`crate::TextAccumulator`].
#[derive(Debug, Clone)]
pub(crate) enum Partial {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: String,
    },
    Reasoning {
        text: String,
        signature: Option<String>,
    },
    Redacted(Vec<u8>),
}

impl Partial {
    /// The block a tool use's start opens.
    pub(crate) fn started(start: &ContentBlockStart) -> Self {
        let ContentBlockStart::ToolUse(t) = start;
        Partial::ToolUse {
            id: t.tool_use_id.clone(),
            name: t.name.clone(),
            input: String::new(),
        }
    }

    /// The empty block a first delta of this kind opens (a tool-use fragment without its
    /// start opens a text block, which the fragment then does not fit).
    pub(crate) fn opened_by(delta: &ContentBlockDelta) -> Self {
        match delta {
            ContentBlockDelta::Text(_) | ContentBlockDelta::ToolUse(_) => {
                Partial::Text(String::new())
            }
            ContentBlockDelta::ReasoningContent(ReasoningContentDelta::RedactedContent(_)) => {
                Partial::Redacted(Vec::new())
            }
            ContentBlockDelta::ReasoningContent(_) => Partial::Reasoning {
                text: String::new(),
                signature: None,
            },
        }
    }

    /// Adds `delta`; `false` when it is of another kind than the block.
    pub(crate) fn apply(&mut self, delta: &ContentBlockDelta) -> bool {
        match (self, delta) {
            (Partial::Text(s), ContentBlockDelta::Text(t)) => s.push_str(t),
            (Partial::ToolUse { input, .. }, ContentBlockDelta::ToolUse(t)) => {
                input.push_str(&t.input);
            }
            (
                Partial::Reasoning { text, .. },
                ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Text(t)),
            ) => text.push_str(t),
            (
                Partial::Reasoning { signature, .. },
                ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Signature(s)),
            ) => signature.get_or_insert_with(String::new).push_str(s),
            (
                Partial::Redacted(bytes),
                ContentBlockDelta::ReasoningContent(ReasoningContentDelta::RedactedContent(b)),
            ) => bytes.extend_from_slice(b),
            _ => return false,
        }
        true
    }

    /// The finished block. A tool use's input is its fragments parsed as JSON (an empty one
    /// is `{}`); for fragments that do not parse, `unparsed(id, text, error)` says what to do.
    pub(crate) fn finish(
        self,
        unparsed: impl FnOnce(&str, String, serde_json::Error) -> Result<serde_json::Value>,
    ) -> Result<ContentBlock> {
        Ok(match self {
            Partial::Text(t) => ContentBlock::Text(t),
            Partial::ToolUse { id, name, input } => {
                let input = if input.trim().is_empty() {
                    serde_json::Value::Object(serde_json::Map::new())
                } else {
                    match serde_json::from_str(&input) {
                        Ok(value) => value,
                        Err(e) => unparsed(&id, input, e)?,
                    }
                };
                ContentBlock::ToolUse(ToolUseBlock {
                    tool_use_id: id,
                    name,
                    input,
                })
            }
            Partial::Reasoning { text, signature } => {
                ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(ReasoningText {
                    text,
                    signature,
                }))
            }
            Partial::Redacted(b) => {
                ContentBlock::ReasoningContent(ReasoningBlock::RedactedContent(b))
            }
        })
    }
}

/// Collects ConverseStream events into a [`ConverseResponse`].
///
/// Feed every event to [`ConverseAccumulator::push`], then call
/// [`ConverseAccumulator::finish`]. Blocks are ordered by their `contentBlockIndex`.
#[derive(Debug, Clone, Default)]
pub struct ConverseAccumulator {
    blocks: BTreeMap<u32, Partial>,
    stop: Option<MessageStopEvent>,
    metadata: Option<ConverseStreamMetadata>,
}

impl ConverseAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        ConverseAccumulator::default()
    }

    /// Adds one event. A delta of another kind than its block's start is a decode error.
    pub fn push(&mut self, event: &ConverseStreamEvent) -> Result<()> {
        match event {
            ConverseStreamEvent::MessageStart(_) | ConverseStreamEvent::ContentBlockStop(_) => {}
            ConverseStreamEvent::ContentBlockStart(start) => {
                self.blocks
                    .insert(start.content_block_index, Partial::started(&start.start));
            }
            ConverseStreamEvent::ContentBlockDelta(d) => {
                let index = d.content_block_index;
                let entry = self
                    .blocks
                    .entry(index)
                    .or_insert_with(|| Partial::opened_by(&d.delta));
                if !entry.apply(&d.delta) {
                    return Err(Error::decode(format!(
                        "ConverseStream: contentBlockDelta of another kind than block {index}"
                    )));
                }
            }
            ConverseStreamEvent::MessageStop(stop) => self.stop = Some(stop.clone()),
            ConverseStreamEvent::Metadata(m) => self.metadata = Some(m.clone()),
        }
        Ok(())
    }

    /// The text so far, over every text block.
    pub fn text(&self) -> String {
        self.blocks
            .values()
            .filter_map(|b| match b {
                Partial::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The whole response. Fails when the stream ended without `messageStop`, or a tool use's
    /// input fragments do not parse as JSON.
    pub fn finish(self) -> Result<ConverseResponse> {
        let stop = self
            .stop
            .ok_or_else(|| Error::decode("ConverseStream ended without a messageStop event"))?;
        let mut content = Vec::with_capacity(self.blocks.len());
        for partial in self.blocks.into_values() {
            content.push(partial.finish(|id, _, e| {
                Err(Error::decode_json(&format!("tool use `{id}` input"), e))
            })?);
        }
        let metadata = self.metadata.unwrap_or(ConverseStreamMetadata {
            usage: TokenUsage::default(),
            metrics: ConverseMetrics::default(),
            trace: None,
            performance_config: None,
            service_tier: None,
        });
        Ok(ConverseResponse {
            output: ConverseOutput::Message(Message {
                role: ConversationRole::Assistant,
                content,
            }),
            stop_reason: stop.stop_reason,
            usage: metadata.usage,
            metrics: metadata.metrics,
            additional_model_response_fields: stop.additional_model_response_fields,
            trace: metadata.trace,
            performance_config: metadata.performance_config,
            service_tier: metadata.service_tier,
        })
    }
}
