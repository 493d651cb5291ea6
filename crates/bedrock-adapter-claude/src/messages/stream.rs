//! Folds a Messages stream's events back into the whole [`MessagesResponse`] the same call
//! would have answered without streaming: every block, tool inputs parsed from their JSON
//! fragments, thinking signatures from their `signature_delta`, cache token counts.

use bedrock_core::{Error, Result};

use super::{
    BlockDelta, MessagesResponse, MessagesStopReason, MessagesStreamEvent, MessagesUsage,
    ResponseContent, stream_error,
};

/// Collects [`MessagesStreamEvent`]s into a [`MessagesResponse`].
#[derive(Debug, Clone, Default)]
pub struct MessagesAccumulator {
    id: Option<String>,
    model: Option<String>,
    blocks: Vec<Block>,
    stop_reason: Option<MessagesStopReason>,
    stop_sequence: Option<String>,
    usage: Option<MessagesUsage>,
}

#[derive(Debug, Clone)]
struct Block {
    content: ResponseContent,
    /// A tool use's input JSON, in fragments until the block stops.
    input_json: String,
}

const WHAT: &str = "Claude Messages stream";

impl MessagesAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        MessagesAccumulator::default()
    }

    /// Adds one event. An `error` event is returned as the model error it reports; a delta for
    /// a block that never started, or of another kind than its block, is a decode error.
    pub fn push(&mut self, event: MessagesStreamEvent) -> Result<()> {
        match event {
            MessagesStreamEvent::MessageStart { message } => {
                self.id = message.id;
                self.model = message.model;
                if let Some(u) = message.usage {
                    let usage = self.usage.get_or_insert_with(MessagesUsage::default);
                    usage.input_tokens = u.input_tokens.unwrap_or(usage.input_tokens);
                    usage.output_tokens = u.output_tokens.unwrap_or(usage.output_tokens);
                    usage.cache_creation_input_tokens = u
                        .cache_creation_input_tokens
                        .or(usage.cache_creation_input_tokens);
                    usage.cache_read_input_tokens =
                        u.cache_read_input_tokens.or(usage.cache_read_input_tokens);
                }
            }
            MessagesStreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                if usize::try_from(index).ok() != Some(self.blocks.len()) {
                    return Err(Error::decode(format!(
                        "{WHAT}: content_block_start for index {index}, expected {}",
                        self.blocks.len()
                    )));
                }
                self.blocks.push(Block {
                    content: content_block,
                    input_json: String::new(),
                });
            }
            MessagesStreamEvent::ContentBlockDelta { index, delta } => {
                let block = self.block(index)?;
                match (&mut block.content, delta) {
                    (ResponseContent::Text(b), BlockDelta::TextDelta { text }) => {
                        b.text.push_str(&text);
                    }
                    (ResponseContent::Text(b), BlockDelta::CitationsDelta { citation }) => {
                        b.citations.push(citation);
                    }
                    (ResponseContent::ToolUse(_), BlockDelta::InputJsonDelta { partial_json }) => {
                        block.input_json.push_str(&partial_json);
                    }
                    (ResponseContent::Thinking(b), BlockDelta::ThinkingDelta { thinking }) => {
                        b.thinking.push_str(&thinking);
                    }
                    (ResponseContent::Thinking(b), BlockDelta::SignatureDelta { signature }) => {
                        b.signature.push_str(&signature);
                    }
                    (_, BlockDelta::Other) | (ResponseContent::Other(_), _) => {}
                    (content, delta) => {
                        return Err(Error::decode(format!(
                            "{WHAT}: a {} delta for the {} block at index {index}",
                            delta_kind(&delta),
                            content_kind(content),
                        )));
                    }
                }
            }
            MessagesStreamEvent::ContentBlockStop { index } => {
                self.block(index)?.finish_input()?;
            }
            MessagesStreamEvent::MessageDelta { delta, usage } => {
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason;
                    self.stop_sequence = delta.stop_sequence;
                }
                if let Some(u) = usage {
                    let total = self.usage.get_or_insert_with(MessagesUsage::default);
                    total.input_tokens = u.input_tokens.unwrap_or(total.input_tokens);
                    total.output_tokens = u.output_tokens.unwrap_or(total.output_tokens);
                    total.cache_creation_input_tokens = u
                        .cache_creation_input_tokens
                        .or(total.cache_creation_input_tokens);
                    total.cache_read_input_tokens =
                        u.cache_read_input_tokens.or(total.cache_read_input_tokens);
                }
            }
            MessagesStreamEvent::Error { error } => return Err(stream_error(error)),
            MessagesStreamEvent::MessageStop { .. }
            | MessagesStreamEvent::Ping
            | MessagesStreamEvent::Unknown => {}
        }
        Ok(())
    }

    fn block(&mut self, index: u32) -> Result<&mut Block> {
        let at = usize::try_from(index).unwrap_or(usize::MAX);
        self.blocks.get_mut(at).ok_or_else(|| {
            Error::decode(format!(
                "{WHAT}: an event for content block {index}, which never started"
            ))
        })
    }

    /// The whole response. A tool use whose block never stopped gets its input parsed here.
    pub fn finish(mut self) -> Result<MessagesResponse> {
        for block in &mut self.blocks {
            block.finish_input()?;
        }
        Ok(MessagesResponse {
            id: self.id,
            kind: Some("message".to_owned()),
            role: Some("assistant".to_owned()),
            content: self.blocks.into_iter().map(|b| b.content).collect(),
            model: self.model,
            stop_reason: self.stop_reason,
            stop_sequence: self.stop_sequence,
            usage: self.usage,
        })
    }
}

impl Block {
    /// Parses a tool use's collected input fragments (an empty input stays as it started).
    fn finish_input(&mut self) -> Result<()> {
        if let ResponseContent::ToolUse(tool) = &mut self.content
            && !self.input_json.is_empty()
        {
            tool.input = serde_json::from_str(&self.input_json).map_err(|e| {
                Error::decode_json(&format!("{WHAT}: the input of tool use `{}`", tool.id), e)
            })?;
            self.input_json.clear();
        }
        Ok(())
    }
}

fn content_kind(content: &ResponseContent) -> &str {
    content.kind()
}

fn delta_kind(delta: &BlockDelta) -> &'static str {
    match delta {
        BlockDelta::TextDelta { .. } => "text_delta",
        BlockDelta::InputJsonDelta { .. } => "input_json_delta",
        BlockDelta::ThinkingDelta { .. } => "thinking_delta",
        BlockDelta::SignatureDelta { .. } => "signature_delta",
        BlockDelta::CitationsDelta { .. } => "citations_delta",
        BlockDelta::Other => "unknown",
    }
}
