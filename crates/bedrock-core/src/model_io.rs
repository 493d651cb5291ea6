//! Family-neutral model inputs and outputs (`ModelInput`, `ModelOutput`) and stream events.

use serde::{Deserialize, Serialize};

use crate::converse::accumulate::Partial;

/// Extra fields passed through to a family's request body, for options the neutral shape lacks.
pub type ExtraFields = serde_json::Map<String, serde_json::Value>;

/// Sampling and length settings common to text models. `None` leaves the model's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InferenceParams {
    /// Most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
    /// Top-k sampling.
    pub top_k: Option<u32>,
    /// Sequences that stop generation.
    #[serde(default)]
    pub stop_sequences: Vec<String>,
}

/// A single-prompt text generation request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextRequest {
    /// The prompt.
    pub prompt: String,
    /// An optional system prompt.
    pub system: Option<String>,
    /// Sampling settings.
    #[serde(default)]
    pub params: InferenceParams,
    /// Family-specific fields, merged into the body.
    #[serde(default)]
    pub extra: ExtraFields,
}

impl TextRequest {
    /// A request with just a prompt.
    pub fn new(prompt: impl Into<String>) -> Self {
        TextRequest {
            prompt: prompt.into(),
            ..TextRequest::default()
        }
    }

    /// Sets max tokens.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.params.max_tokens = Some(n);
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, t: f32) -> Self {
        self.params.temperature = Some(t);
        self
    }

    /// Sets the system prompt.
    pub fn system(mut self, s: impl Into<String>) -> Self {
        self.system = Some(s.into());
        self
    }
}

/// Who speaks a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The model.
    Assistant,
}

/// An image's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// WebP.
    Webp,
}

impl ImageFormat {
    /// The MIME type, e.g. `image/png`.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
        }
    }

    /// The format for a MIME type or short name (`image/png`, `png`, `jpg`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim_start_matches("image/").to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "jpeg" | "jpg" => Some(ImageFormat::Jpeg),
            "gif" => Some(ImageFormat::Gif),
            "webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    /// The format the bytes' magic number says, if known.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"GIF8") {
            Some(ImageFormat::Gif)
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }
}

/// The width and height of a PNG or JPEG (baseline or progressive), read from its header as
/// sent: for a PNG any 32-bit values, zero included, so callers check them against the model's
/// limits before anything is allocated. `None` when the header is cut short, holds no frame, or
/// the bytes are another format. Adapters check uploaded source images with it, and the
/// simulator sizes its answers with it.
pub fn image_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if let Some(rest) = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n") {
        // The IHDR chunk comes first: length (4 bytes), type (4), width (4), height (4).
        let [_, _, _, _, _, _, _, _, w0, w1, w2, w3, h0, h1, h2, h3, ..] = *rest else {
            return None;
        };
        return Some((
            u32::from_be_bytes([w0, w1, w2, w3]),
            u32::from_be_bytes([h0, h1, h2, h3]),
        ));
    }
    let mut rest = bytes.strip_prefix(&[0xFF, 0xD8])?;
    // Marker segments until a start of frame (any 0xC0..=0xCF but the Huffman, arithmetic
    // coding and DAC tables 0xC4, 0xC8, 0xCC): 0xFF, the marker, a 16-bit length that counts
    // itself, then the segment's data, whose first bytes in a frame are the precision, the
    // height and the width.
    loop {
        let [0xFF, marker, len_hi, len_lo, ref data @ ..] = *rest else {
            return None;
        };
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            let [_precision, h_hi, h_lo, w_hi, w_lo, ..] = *data else {
                return None;
            };
            return Some((
                u32::from(u16::from_be_bytes([w_hi, w_lo])),
                u32::from(u16::from_be_bytes([h_hi, h_lo])),
            ));
        }
        let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
        rest = rest.get(len.checked_add(2)?..)?;
    }
}

/// One part of a chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, as raw bytes (adapters base64-encode it).
    Image {
        /// Its encoding.
        format: ImageFormat,
        /// Its bytes.
        data: Vec<u8>,
    },
}

/// One chat turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: Vec<ContentPart>,
}

impl ChatMessage {
    /// A user turn with text.
    pub fn user(text: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }

    /// An assistant turn with text.
    pub fn assistant(text: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }
}

/// A multi-turn chat request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// System prompt.
    pub system: Option<String>,
    /// The conversation, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Sampling settings.
    #[serde(default)]
    pub params: InferenceParams,
    /// Family-specific fields.
    #[serde(default)]
    pub extra: ExtraFields,
}

/// An embedding request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    /// The text to embed.
    pub text: String,
    /// Vector length, where the model lets you choose.
    pub dimensions: Option<u32>,
    /// Normalise the vector to unit length, where the model supports it.
    pub normalize: Option<bool>,
    /// Family-specific fields.
    #[serde(default)]
    pub extra: ExtraFields,
}

impl EmbeddingRequest {
    /// A request for `text` with the model's defaults.
    pub fn new(text: impl Into<String>) -> Self {
        EmbeddingRequest {
            text: text.into(),
            ..EmbeddingRequest::default()
        }
    }
}

/// An image generation request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageRequest {
    /// What to draw.
    pub prompt: String,
    /// What to avoid.
    pub negative_prompt: Option<String>,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// How many images.
    pub count: Option<u32>,
    /// Seed for reproducible output.
    pub seed: Option<u64>,
    /// Prompt adherence (classifier-free guidance scale).
    pub cfg_scale: Option<f32>,
    /// Diffusion steps.
    pub steps: Option<u32>,
    /// Output format, where the model lets you choose.
    pub output_format: Option<ImageFormat>,
    /// Family-specific fields (`style_preset`, `aspect_ratio`, `quality`, ...).
    #[serde(default)]
    pub extra: ExtraFields,
}

impl ImageRequest {
    /// A request for `prompt` with the model's defaults.
    pub fn new(prompt: impl Into<String>) -> Self {
        ImageRequest {
            prompt: prompt.into(),
            ..ImageRequest::default()
        }
    }
}

/// A rerank request: order `documents` by their relevance to `query`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RerankRequest {
    /// What the documents are ranked against.
    pub query: String,
    /// The documents, in the caller's order; results refer to them by index.
    pub documents: Vec<String>,
    /// How many of the most relevant documents to return; all when unset.
    pub top_n: Option<u32>,
    /// Family-specific fields.
    #[serde(default)]
    pub extra: ExtraFields,
}

impl RerankRequest {
    /// A request ranking `documents` against `query`, returning all of them.
    pub fn new(query: impl Into<String>, documents: Vec<String>) -> Self {
        RerankRequest {
            query: query.into(),
            documents,
            ..RerankRequest::default()
        }
    }
}

/// A family-neutral request that an adapter turns into its model's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelInput {
    /// Single-prompt text generation.
    Text(TextRequest),
    /// Multi-turn chat.
    Chat(ChatRequest),
    /// Text embedding.
    Embedding(EmbeddingRequest),
    /// Image generation.
    Image(ImageRequest),
    /// Document reranking.
    Rerank(RerankRequest),
}

impl ModelInput {
    /// The operation's name, for errors (`text generation`, `chat`, ...).
    pub fn operation(&self) -> &'static str {
        match self {
            ModelInput::Text(_) => "text generation",
            ModelInput::Chat(_) => "chat",
            ModelInput::Embedding(_) => "embedding",
            ModelInput::Image(_) => "image generation",
            ModelInput::Rerank(_) => "rerank",
        }
    }
}

/// Why generation stopped, normalised across families.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model finished its turn.
    EndTurn,
    /// The token limit was reached.
    MaxTokens,
    /// A stop sequence was produced.
    StopSequence,
    /// Content was filtered.
    ContentFiltered,
    /// Any other reason, as the model spelled it.
    Other(String),
}

/// Token usage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
}

/// Generated text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextOutput {
    /// The text.
    pub text: String,
    /// Why it stopped.
    pub stop_reason: Option<StopReason>,
    /// Token usage, where the response reports it.
    pub usage: Option<Usage>,
    /// Every block of the answer, in Converse's shape, when it holds more than text (a tool
    /// use or reasoning, say); empty when `text` is the whole answer. Filled by the adapters
    /// whose families answer with such blocks over InvokeModel (Claude Messages, Nova); their
    /// streams send the same blocks as [`StreamEvent::BlockStart`] / [`StreamEvent::BlockDelta`],
    /// which [`TextAccumulator`] folds back into this field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<crate::converse::ContentBlock>,
}

/// An embedding vector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingOutput {
    /// The vector.
    pub embedding: Vec<f32>,
    /// Tokens read.
    pub input_tokens: Option<u32>,
}

/// One generated image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedImage {
    /// Its encoding, from the response or the bytes' magic number.
    pub format: ImageFormat,
    /// The decoded bytes.
    pub data: Vec<u8>,
    /// The seed that produced it, where reported.
    pub seed: Option<u64>,
    /// The model's finish reason for it, where reported (`SUCCESS`, `CONTENT_FILTERED`).
    pub finish_reason: Option<String>,
}

/// Generated images.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageOutput {
    /// The images, in the model's order.
    pub images: Vec<GeneratedImage>,
}

/// One ranked document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RerankResult {
    /// The document's index in the request's `documents`.
    pub index: usize,
    /// How relevant it is to the query, higher is more relevant (`0.0..=1.0` for Cohere).
    pub relevance_score: f64,
}

/// Ranked documents, most relevant first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RerankOutput {
    /// The documents, most relevant first; at most the request's `top_n`.
    pub results: Vec<RerankResult>,
}

/// A family-neutral parsed response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelOutput {
    /// Generated text.
    Text(TextOutput),
    /// An embedding.
    Embedding(EmbeddingOutput),
    /// Images.
    Images(ImageOutput),
    /// Ranked documents.
    Rerank(RerankOutput),
}

impl ModelOutput {
    /// What kind of output this is, for messages: `text`, `an embedding`, `images` or
    /// `a ranking`.
    pub fn describe(&self) -> &'static str {
        match self {
            ModelOutput::Text(_) => "text",
            ModelOutput::Embedding(_) => "an embedding",
            ModelOutput::Images(_) => "images",
            ModelOutput::Rerank(_) => "a ranking",
        }
    }

    /// This output, unless it holds a number that is not finite: JSON numbers beyond `f32`'s
    /// range read into an embedding as infinity (serde's `f64` to `f32` conversion), which
    /// would then serialise as `null`. The connector and the batch reader pass every parsed
    /// output through this, so no adapter has to.
    ///
    /// # Errors
    /// [`Error::Decode`](crate::Error::Decode) naming the value's position.
    pub fn checked(self) -> crate::Result<Self> {
        if let ModelOutput::Embedding(e) = &self
            && let Some(i) = e.embedding.iter().position(|v| !v.is_finite())
        {
            return Err(crate::Error::decode(format!(
                "embedding value {i} is outside the range of a 32-bit float (at most about \
                 ±3.4e38)"
            )));
        }
        Ok(self)
    }

    /// The generated text, or a decode error saying what came instead.
    pub fn into_text(self) -> crate::Result<TextOutput> {
        match self {
            ModelOutput::Text(t) => Ok(t),
            other => Err(other.unexpected("text")),
        }
    }

    /// The embedding, or a decode error saying what came instead.
    pub fn into_embedding(self) -> crate::Result<EmbeddingOutput> {
        match self {
            ModelOutput::Embedding(e) => Ok(e),
            other => Err(other.unexpected("an embedding")),
        }
    }

    /// The images, or a decode error saying what came instead.
    pub fn into_images(self) -> crate::Result<ImageOutput> {
        match self {
            ModelOutput::Images(i) => Ok(i),
            other => Err(other.unexpected("images")),
        }
    }

    /// The ranking, or a decode error saying what came instead.
    pub fn into_rerank(self) -> crate::Result<RerankOutput> {
        match self {
            ModelOutput::Rerank(r) => Ok(r),
            other => Err(other.unexpected("a ranking")),
        }
    }

    fn unexpected(&self, expected: &str) -> crate::Error {
        crate::Error::decode(format!(
            "expected {expected} from the adapter, got {}",
            self.describe()
        ))
    }
}

/// What one stream chunk means, family-neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamEvent {
    /// More text.
    TextDelta {
        /// The new text.
        text: String,
    },
    /// Why generation stopped.
    Stop {
        /// The reason.
        reason: StopReason,
    },
    /// Token counts reported so far; later reports replace the fields they carry.
    Usage {
        /// Input tokens, when this chunk reports them.
        input_tokens: Option<u32>,
        /// Output tokens, when this chunk reports them.
        output_tokens: Option<u32>,
    },
    /// A block other than text starts, in ConverseStream's shape: a tool use's id and name
    /// (its input follows as [`StreamEvent::BlockDelta`]s). `index` is the block's position in
    /// the answer as the model numbers it.
    BlockStart {
        /// The block's index.
        index: u32,
        /// What it starts with.
        start: crate::converse::ContentBlockStart,
    },
    /// A piece of a block other than text, in ConverseStream's shape: a tool use's input JSON
    /// fragment, reasoning text, its signature, or redacted reasoning.
    BlockDelta {
        /// The block's index.
        index: u32,
        /// The piece.
        delta: crate::converse::ContentBlockDelta,
    },
}

/// Where the answer's blocks came, in order: text from a byte offset of the joined text, or
/// the block of an index.
#[derive(Debug, Clone, Copy)]
enum Piece {
    TextFrom(usize),
    Block(u32),
}

/// Folds stream events into the [`TextOutput`] the non-streamed call would have returned:
/// the text joined, the stop reason, the usage and, when blocks other than text came, every
/// block in order in [`TextOutput::content`].
#[derive(Debug, Clone, Default)]
pub struct TextAccumulator {
    text: String,
    stop: Option<StopReason>,
    input: Option<u32>,
    output: Option<u32>,
    pieces: Vec<Piece>,
    blocks: std::collections::BTreeMap<u32, Partial>,
}

impl TextAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        TextAccumulator::default()
    }

    /// Adds one event.
    pub fn push(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::TextDelta { text } => {
                if !matches!(self.pieces.last(), Some(Piece::TextFrom(_))) {
                    self.pieces.push(Piece::TextFrom(self.text.len()));
                }
                self.text.push_str(text);
            }
            StreamEvent::BlockStart { index, start } => {
                self.block(*index, || Partial::started(start));
            }
            StreamEvent::BlockDelta { index, delta } => self.block_delta(*index, delta),
            StreamEvent::Stop { reason } => self.stop = Some(reason.clone()),
            StreamEvent::Usage {
                input_tokens,
                output_tokens,
            } => {
                if input_tokens.is_some() {
                    self.input = *input_tokens;
                }
                if output_tokens.is_some() {
                    self.output = *output_tokens;
                }
            }
        }
    }

    /// The block of `index`, made by `new` if it is the first event of that block.
    fn block(&mut self, index: u32, new: impl FnOnce() -> Partial) -> &mut Partial {
        let pieces = &mut self.pieces;
        self.blocks.entry(index).or_insert_with(|| {
            pieces.push(Piece::Block(index));
            new()
        })
    }

    /// Adds a piece to the block of `index`. A piece of another kind than its block (which no
    /// model sends) is left out rather than failing the stream.
    fn block_delta(&mut self, index: u32, delta: &crate::converse::ContentBlockDelta) {
        self.block(index, || Partial::opened_by(delta)).apply(delta);
    }

    /// The text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every block in order, when blocks other than text came; else empty.
    fn content(&mut self) -> Vec<crate::converse::ContentBlock> {
        use crate::converse::ContentBlock;
        if self.blocks.is_empty() {
            return Vec::new();
        }
        let mut content = Vec::with_capacity(self.pieces.len());
        for (i, piece) in self.pieces.iter().enumerate() {
            match *piece {
                Piece::TextFrom(start) => {
                    let end = self
                        .pieces
                        .get(i + 1..)
                        .unwrap_or_default()
                        .iter()
                        .find_map(|p| match p {
                            Piece::TextFrom(next) => Some(*next),
                            Piece::Block(_) => None,
                        })
                        .unwrap_or(self.text.len());
                    if let Some(text) = self.text.get(start..end).filter(|t| !t.is_empty()) {
                        content.push(ContentBlock::Text(text.to_owned()));
                    }
                }
                Piece::Block(index) => {
                    // Fragments that do not parse are kept, as the string they make.
                    let block = self.blocks.remove(&index).map(|partial| {
                        partial.finish(|_, text, _| Ok(serde_json::Value::String(text)))
                    });
                    if let Some(Ok(block)) = block {
                        content.push(block);
                    }
                }
            }
        }
        content
    }

    /// The final output.
    pub fn finish(mut self) -> TextOutput {
        let usage = (self.input.is_some() || self.output.is_some()).then(|| Usage {
            input_tokens: self.input.unwrap_or(0),
            output_tokens: self.output.unwrap_or(0),
        });
        let content = self.content();
        TextOutput {
            text: self.text,
            stop_reason: self.stop,
            usage,
            content,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_with_blocks_folds_into_the_same_blocks_in_order() {
        use crate::converse::{
            ContentBlock, ContentBlockDelta as D, ContentBlockStart, ReasoningBlock,
            ReasoningContentDelta as R, ReasoningText, ToolUseBlock, ToolUseBlockDelta,
            ToolUseBlockStart,
        };
        let reasoning = |delta| StreamEvent::BlockDelta {
            index: 0,
            delta: D::ReasoningContent(delta),
        };
        let input = |index, text: &str| StreamEvent::BlockDelta {
            index,
            delta: D::ToolUse(ToolUseBlockDelta { input: text.into() }),
        };
        let text = |t: &str| StreamEvent::TextDelta { text: t.into() };
        let start = |index, id: &str| StreamEvent::BlockStart {
            index,
            start: ContentBlockStart::ToolUse(ToolUseBlockStart {
                tool_use_id: id.into(),
                name: "clock".into(),
            }),
        };
        let mut acc = TextAccumulator::new();
        for event in [
            reasoning(R::Text("think ".into())),
            reasoning(R::Text("more".into())),
            reasoning(R::Signature("sig".into())),
            text("It is "),
            text("late."),
            start(2, "t1"),
            input(2, "{\"tz\":"),
            input(2, "\"UTC\"}"),
            text("Also:"),
            start(4, "t2"),
            input(4, "{not json"),
        ] {
            acc.push(&event);
        }
        assert_eq!(acc.text(), "It is late.Also:");
        let out = acc.finish();
        assert_eq!(out.text, "It is late.Also:");
        assert_eq!(
            out.content,
            vec![
                ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(ReasoningText {
                    text: "think more".into(),
                    signature: Some("sig".into()),
                })),
                ContentBlock::Text("It is late.".into()),
                ContentBlock::ToolUse(ToolUseBlock {
                    tool_use_id: "t1".into(),
                    name: "clock".into(),
                    input: serde_json::json!({"tz": "UTC"}),
                }),
                ContentBlock::Text("Also:".into()),
                // Fragments that do not parse are kept, as the string they make.
                ContentBlock::ToolUse(ToolUseBlock {
                    tool_use_id: "t2".into(),
                    name: "clock".into(),
                    input: serde_json::Value::String("{not json".into()),
                }),
            ]
        );
        // Text alone folds to text alone.
        let mut plain = TextAccumulator::new();
        plain.push(&text("hi"));
        assert!(plain.finish().content.is_empty());
    }

    #[test]
    fn an_embedding_value_beyond_f32_is_a_decode_error_naming_its_position() {
        // What serde makes of `9.4e118` read into an f32 from a parsed JSON value, as the
        // adapters read bodies.
        let read: Vec<f32> = serde_json::from_value(serde_json::json!([0.5, 9.4e118])).unwrap();
        assert!(read[1].is_infinite());
        let output = ModelOutput::Embedding(EmbeddingOutput {
            embedding: read,
            input_tokens: None,
        });
        let err = output.checked().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Decode);
        assert!(err.to_string().contains("embedding value 1"), "{err}");
        let fine = ModelOutput::Embedding(EmbeddingOutput {
            embedding: vec![0.5, -1.0],
            input_tokens: Some(2),
        });
        assert_eq!(fine.clone().checked().unwrap(), fine);
    }

    #[test]
    fn image_dimensions_come_from_png_and_jpeg_headers() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x05\x80\0\0\x00\x02";
        assert_eq!(image_dimensions(png), Some((1408, 2)));
        assert_eq!(image_dimensions(&png[..20]), None);
        // SOI, an APP0 segment of 4 bytes, then SOF0: length, precision 8, height 2, width 3.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x02, 0x00, 0x03,
        ];
        assert_eq!(image_dimensions(&jpeg), Some((3, 2)));
        assert_eq!(image_dimensions(&jpeg[..12]), None);
        // A Huffman table (0xC4) is skipped; the progressive frame (0xC2) after it counts.
        let progressive = [
            0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xC2, 0x00, 0x11, 0x08, 0x00, 0x05, 0x00,
            0x07,
        ];
        assert_eq!(image_dimensions(&progressive), Some((7, 5)));
        // A segment that does not start with 0xFF ends the walk.
        assert_eq!(
            image_dimensions(&[0xFF, 0xD8, 0x00, 0xC0, 0, 0, 0, 0, 0]),
            None
        );
        assert_eq!(image_dimensions(b"GIF89a\x02\0\x02\0"), None);
    }

    use crate::ErrorKind;

    #[test]
    fn outputs_convert_to_their_own_kind_only() {
        let text = ModelOutput::Text(TextOutput::default());
        assert_eq!(text.describe(), "text");
        assert!(text.clone().into_text().is_ok());
        let err = text.into_images().expect_err("text is not images");
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(
            err.to_string()
                .contains("expected images from the adapter, got text"),
            "{err}"
        );

        let embedding = ModelOutput::Embedding(EmbeddingOutput::default());
        assert!(embedding.clone().into_embedding().is_ok());
        let err = embedding.into_text().expect_err("an embedding is not text");
        assert!(err.to_string().contains("got an embedding"), "{err}");

        let images = ModelOutput::Images(ImageOutput::default());
        assert!(images.clone().into_images().is_ok());
        assert!(images.into_embedding().is_err());

        let ranking = ModelOutput::Rerank(RerankOutput::default());
        assert_eq!(ranking.describe(), "a ranking");
        assert!(ranking.clone().into_rerank().is_ok());
        let err = ranking.into_text().expect_err("a ranking is not text");
        assert!(err.to_string().contains("got a ranking"), "{err}");
    }
}
