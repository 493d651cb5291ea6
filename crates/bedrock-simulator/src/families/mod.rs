//! Model families: which request format each catalog model speaks, and the shared plumbing
//! (text generation runs, simulated metrics, JSON encoding) the family modules use.

mod ai21;
mod anthropic;
mod chat_completions;
mod cohere;
mod deepseek;
mod meta;
mod mistral;
mod nova;
mod rerank;
mod stability;
mod titan;
mod titan_image;

use base64::Engine as _;
use bedrock_core::{CatalogModel, InvocationMetrics};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::rejection::Rejection;
use crate::rng::{KeyPiece, StableHasher};
use crate::schema::{self, Violations};
use crate::text::{self, Generated};

/// The request format a model speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Claude Instant / v2 / v2.1: text completions or Messages, chosen by the body.
    AnthropicLegacy,
    /// Claude 3 and later: Messages only.
    AnthropicMessages,
    /// Titan Text G1 (Express, Lite, Premier).
    TitanText,
    /// Titan Text Embeddings G1 (1536 floats).
    TitanEmbedG1,
    /// Titan Text Embeddings V2 (256/512/1024 floats).
    TitanEmbedV2,
    /// Titan Multimodal Embeddings G1.
    TitanEmbedImage,
    /// Titan Image Generator G1 v1/v2 and Nova Canvas.
    TitanImage,
    /// Nova Micro/Lite/Pro/Premier (`messages-v1`).
    NovaText,
    /// Stable Diffusion XL 1.0.
    StabilitySdxl,
    /// SD3 Large, SD3.5 Large, Stable Image Ultra and Core.
    StabilityImage,
    /// Llama 3 and later.
    Meta,
    /// Mistral 7B, Mixtral, Mistral Small/Large (text prompt; Large 2407 and Pixtral also chat).
    Mistral,
    /// Cohere Command (text) and Command Light.
    CohereCommand,
    /// Cohere Command R / R+.
    CohereChat,
    /// Cohere Embed v3.
    CohereEmbed,
    /// AI21 Jamba.
    Jamba,
    /// DeepSeek-R1.
    DeepSeek,
    /// OpenAI chat completions on InvokeModel: gpt-oss, Qwen3, DeepSeek-V3.1, Writer Palmyra,
    /// Magistral and Mistral Large 3.
    ChatCompletions,
    /// Cohere Rerank.
    CohereRerank,
    /// Models InvokeModel refuses because another operation serves them: Nova Reel
    /// (StartAsyncInvoke) and Nova Sonic (InvokeModelWithBidirectionalStream).
    OtherOperation(&'static str),
}

impl Family {
    /// The family of a catalog model, or `None` for a model whose format the simulator lacks.
    pub(crate) fn of(model_id: &str) -> Option<Family> {
        let (provider, name) = model_id.split_once('.')?;
        Some(match provider {
            "anthropic" if name.starts_with("claude-v2") || name.starts_with("claude-instant") => {
                Family::AnthropicLegacy
            }
            "anthropic" => Family::AnthropicMessages,
            "amazon" if name.starts_with("titan-text-") => Family::TitanText,
            "amazon" if name.starts_with("titan-embed-text-v2") => Family::TitanEmbedV2,
            "amazon" if name.starts_with("titan-embed-image") => Family::TitanEmbedImage,
            "amazon" if name.starts_with("titan-embed") => Family::TitanEmbedG1,
            "amazon" if name.starts_with("titan-image") || name.starts_with("nova-canvas") => {
                Family::TitanImage
            }
            "amazon" if name.starts_with("nova-reel") => Family::OtherOperation("StartAsyncInvoke"),
            "amazon" if name.starts_with("nova-sonic") => {
                Family::OtherOperation("InvokeModelWithBidirectionalStream")
            }
            "amazon" if name.starts_with("nova-") => Family::NovaText,
            "stability" if name.starts_with("stable-diffusion-xl") => Family::StabilitySdxl,
            "stability" => Family::StabilityImage,
            "meta" => Family::Meta,
            "mistral" if name.starts_with("magistral") || name.starts_with("mistral-large-3") => {
                Family::ChatCompletions
            }
            "mistral" => Family::Mistral,
            "cohere" if name.starts_with("command-r") => Family::CohereChat,
            "cohere" if name.starts_with("command") => Family::CohereCommand,
            "cohere" if name.starts_with("embed") => Family::CohereEmbed,
            "cohere" if name.starts_with("rerank") => Family::CohereRerank,
            "ai21" if name.starts_with("jamba") => Family::Jamba,
            "deepseek" if name.starts_with("v3") => Family::ChatCompletions,
            "deepseek" => Family::DeepSeek,
            "openai" | "qwen" | "writer" => Family::ChatCompletions,
            _ => return None,
        })
    }
}

/// What one simulated invocation produced: the InvokeModel body and, for models that stream
/// and calls that asked for a stream, the chunks InvokeModelWithResponseStream sends for the
/// same request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Completed {
    /// The InvokeModel response body.
    pub body: Vec<u8>,
    /// The stream chunks (the model's own JSON, one document each), for streaming models when
    /// the call streams ([`Call::streaming`]); `None` otherwise.
    pub chunks: Option<Vec<Vec<u8>>>,
    /// Input tokens.
    pub input_tokens: u32,
    /// Output tokens; `None` for embeddings and images.
    pub output_tokens: Option<u32>,
    /// Simulated invocation latency in milliseconds.
    pub latency_ms: u64,
}

/// What a family module gets: the model, the simulator seed, the parsed body and whether the
/// answer is a stream.
pub(crate) struct Call<'a> {
    /// The catalog entry.
    pub model: &'static CatalogModel,
    /// The simulator's seed.
    pub seed: u64,
    /// The request body.
    pub body: &'a Value,
    /// Whether the call is InvokeModelWithResponseStream: only then are stream chunks built.
    pub streaming: bool,
}

impl Call<'_> {
    /// The stream chunks `build` makes, when this call streams; `None` (and `build` never
    /// runs) for InvokeModel, which answers the body alone.
    pub(crate) fn chunks(&self, build: impl FnOnce() -> Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
        self.streaming.then(build)
    }

    /// The model's short name as its provider spells it (`claude-3-haiku-20240307`).
    pub(crate) fn short_name(&self) -> &'static str {
        let id = self.model.model_id;
        let name = id.split_once('.').map_or(id, |(_, n)| n);
        let version_at = name.rfind("-v").filter(|&i| {
            name.get(i.saturating_add(2)..)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        });
        version_at.and_then(|i| name.get(..i)).unwrap_or(name)
    }

    /// The prompt key made of `pieces` laid end to end (JSON values in canonical form), hashed
    /// under this call's seed and model: what [`Call::generate`] and [`PromptKey::derived`]
    /// start from.
    pub(crate) fn key(&self, pieces: &[KeyPiece<'_>]) -> PromptKey {
        let mut hasher = StableHasher::new();
        hasher.part(&self.seed.to_le_bytes());
        hasher.part(self.model.model_id.as_bytes());
        hasher.key_part(pieces);
        PromptKey { hasher }
    }

    /// The request body's field `name`, JSON `null` when absent (for prompt keys).
    pub(crate) fn field(&self, name: &str) -> &Value {
        crate::schema::field(self.body, name).unwrap_or(&Value::Null)
    }

    /// Generates text for `key` (see [`text::generation_seed`]).
    pub(crate) fn generate(&self, key: &PromptKey, max_tokens: u32, stops: &[String]) -> Generated {
        text::generate(key.hasher.finish(), max_tokens, stops)
    }
}

/// A call's prompt key, hashed after the simulator seed and the model id: the seed of its
/// generated text, and the start of the numbers derived from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PromptKey {
    hasher: StableHasher,
}

impl PromptKey {
    /// A deterministic number for ids and seeds derived from this call's prompt.
    pub(crate) fn derived(&self, purpose: &str) -> u64 {
        let mut hasher = self.hasher;
        hasher.part(purpose.as_bytes());
        hasher.finish()
    }
}

/// How a prompt-completion format (DeepSeek, Meta Llama, Mistral's text prompt) names and
/// bounds the fields they share: `prompt`, a length limit, `temperature` and `top_p` (both in
/// 0..=1), and for some a `stop` list of at most 10 strings.
pub(crate) struct PromptFormat<'a> {
    /// Keys the body may hold.
    pub allowed: &'a [&'a str],
    /// Keys it must hold.
    pub required: &'a [&'a str],
    /// The length limit's key (`max_tokens`, `max_gen_len`).
    pub max_key: &'static str,
    /// The largest length limit accepted (the smallest is 1).
    pub max_limit: i64,
    /// The length limit when the body gives none.
    pub default_max: i64,
    /// Whether the format has a `stop` list.
    pub stop: bool,
    /// Whether the length limit and `stop` are checked before `temperature` and `top_p`
    /// (Mistral) rather than after them (DeepSeek, Meta): the order violations are reported in.
    pub limits_first: bool,
}

/// The shared fields of a prompt-completion request, as [`read_prompt_request`] found them.
pub(crate) struct PromptRequest<'a> {
    /// The body as an object, for the format's own fields; `None` when it is not an object.
    pub map: Option<&'a Map<String, Value>>,
    /// `prompt`, when present and valid.
    pub prompt: Option<&'a str>,
    /// The length limit, or the format's default.
    pub max_tokens: i64,
    /// The stop sequences (empty when absent or invalid).
    pub stops: Vec<String>,
}

/// Checks `body` against `format` (keys, then `prompt`, the length limit, `stop`, `temperature`
/// and `top_p`), recording violations in `v`.
pub(crate) fn read_prompt_request<'a>(
    body: &'a Value,
    format: &PromptFormat<'_>,
    v: &mut Violations,
) -> PromptRequest<'a> {
    let mut request = PromptRequest {
        map: schema::object(body, "#", format.allowed, format.required, v),
        prompt: None,
        max_tokens: format.default_max,
        stops: Vec::new(),
    };
    let Some(map) = request.map else {
        return request;
    };
    request.prompt = schema::string(map, "#", "prompt", 1, usize::MAX, v);
    let mut limits = |v: &mut Violations| {
        request.max_tokens = schema::integer(map, "#", format.max_key, 1, format.max_limit, v)
            .unwrap_or(format.default_max);
        if format.stop {
            request.stops = schema::string_array(map, "#", "stop", 10, v).unwrap_or_default();
        }
    };
    let sampling = |v: &mut Violations| {
        schema::number(map, "#", "temperature", 0.0, 1.0, v);
        schema::number(map, "#", "top_p", 0.0, 1.0, v);
    };
    if format.limits_first {
        limits(v);
        sampling(v);
    } else {
        sampling(v);
        limits(v);
    }
    request
}

/// Simulated latencies: a first byte after 80 ms plus 1 ms per 20 input tokens, then 12 ms per
/// output token. Deterministic, so bodies that carry them stay reproducible.
pub(crate) fn simulated_metrics(input_tokens: u32, output_tokens: u32) -> InvocationMetrics {
    let first_byte = u64::from(input_tokens / 20).saturating_add(80);
    InvocationMetrics {
        input_token_count: input_tokens,
        output_token_count: output_tokens,
        invocation_latency: first_byte.saturating_add(u64::from(output_tokens).saturating_mul(12)),
        first_byte_latency: first_byte,
    }
}

/// One stream delta with what the chunk around it needs to say.
pub(crate) struct Piece<'a> {
    /// The delta's text.
    pub text: &'a str,
    /// Whether this is the first chunk.
    pub first: bool,
    /// Whether this is the last chunk (which carries the stop reason and the metrics).
    pub last: bool,
    /// Output tokens so far, reaching the call's total on the last piece.
    pub tokens_so_far: u32,
}

/// Splits generated text into stream pieces of up to `words` words; an empty text still gives
/// one (empty) piece so the stream has a last chunk.
pub(crate) fn pieces(text: &str, words: usize, output_tokens: u32) -> Vec<Piece<'_>> {
    let mut parts = text::deltas(text, words);
    if parts.is_empty() {
        parts.push("");
    }
    let last = parts.len().saturating_sub(1);
    let mut so_far = 0;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            so_far = if i == last {
                output_tokens
            } else {
                so_far
                    .saturating_add(text::count_tokens(part))
                    .min(output_tokens)
            };
            Piece {
                text: part,
                first: i == 0,
                last: i == last,
                tokens_so_far: so_far,
            }
        })
        .collect()
}

/// Decodes a base64 PNG or JPEG source image at `path` and returns the size its header states,
/// recording a violation when it is no such image or `allowed` refuses the size (`Err` is the
/// reason). Headers can claim any size, so this check comes before anything is drawn.
pub(crate) fn source_image_size(
    value: &Value,
    path: &dyn std::fmt::Display,
    allowed: impl Fn(u32, u32) -> Result<(), String>,
    v: &mut Violations,
) -> Option<(u32, u32)> {
    let b64 = schema::string_value(value, path, 1, usize::MAX, v)?;
    let size = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .and_then(|b| crate::image::image_dimensions(&b));
    let Some((width, height)) = size else {
        v.add(path, "the value is not a base64-encoded PNG or JPEG image");
        return None;
    };
    match allowed(width, height) {
        Ok(()) => Some((width, height)),
        Err(reason) => {
            v.add(path, reason);
            None
        }
    }
}

/// Serializes a response document (field order comes from the struct, never from a map).
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Room for a typical text answer up front, so it is written without growing the buffer.
    let mut out = Vec::with_capacity(512);
    // Response structs hold only strings, numbers, options and vectors: serializing them into
    // memory cannot fail.
    #[allow(clippy::expect_used)] // Derived Serialize of such structs into a Vec never errs.
    serde_json::to_writer(&mut out, value).expect("response structs always serialize");
    out
}

/// Runs one invocation of `family` straight from the raw request body, for the request shapes
/// a family can answer without a JSON tree (today: plain text-only Claude Messages requests).
/// `None` when there is no such path or the body does not take it: parse the body and use
/// [`invoke`], which gives the same answer and is the one source of every error. `call.body`
/// is not read.
pub(crate) fn invoke_plain(family: Family, call: &Call<'_>, body: &[u8]) -> Option<Completed> {
    match family {
        // A plain Messages body has `messages` and no `prompt`: the legacy models answer it as
        // Messages too.
        Family::AnthropicMessages | Family::AnthropicLegacy => {
            anthropic::plain_messages(call, body)
        }
        _ => None,
    }
}

/// Runs one invocation of `family`.
pub(crate) fn invoke(family: Family, call: &Call<'_>) -> Result<Completed, Rejection> {
    match family {
        Family::AnthropicLegacy => anthropic::legacy_or_messages(call),
        Family::AnthropicMessages => anthropic::messages(call),
        Family::TitanText => titan::text(call),
        Family::TitanEmbedG1 => titan::embed_g1(call),
        Family::TitanEmbedV2 => titan::embed_v2(call),
        Family::TitanEmbedImage => titan::embed_image(call),
        Family::TitanImage => titan_image::generate(call),
        Family::NovaText => nova::text(call),
        Family::StabilitySdxl => stability::sdxl(call),
        Family::StabilityImage => stability::image(call),
        Family::Meta => meta::text(call),
        Family::Mistral => mistral::text(call),
        Family::CohereCommand => cohere::command(call),
        Family::CohereChat => cohere::chat(call),
        Family::CohereEmbed => cohere::embed(call),
        Family::Jamba => ai21::chat(call),
        Family::DeepSeek => deepseek::text(call),
        Family::ChatCompletions => chat_completions::chat(call),
        Family::CohereRerank => rerank::rerank(call),
        Family::OtherOperation(operation) => Err(Rejection::validation(format!(
            "The provided model doesn't support InvokeModel; call {} with {operation}.",
            call.model.model_id
        ))),
    }
}

/// Embeddings shared by the embedding families: a bag-of-words vector (each word adds its own
/// seeded pseudo-random direction), so texts that share words point the same way.
pub(crate) fn embed_text(
    seed: u64,
    text: &str,
    extra: &[u8],
    dims: usize,
    normalize: bool,
) -> Vec<f32> {
    let mut acc = vec![0f64; dims];
    let mut add = |key: &[u8]| {
        let mut rng =
            crate::rng::SplitMix64::new(crate::rng::stable_hash(&[&seed.to_le_bytes(), key]));
        for slot in &mut acc {
            *slot += rng.unit() * 2.0 - 1.0;
        }
    };
    let mut contributions = 0u32;
    for word in text.split_whitespace() {
        let word: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if !word.is_empty() {
            add(word.as_bytes());
            contributions = contributions.saturating_add(1);
        }
    }
    if !extra.is_empty() {
        add(extra);
        contributions = contributions.saturating_add(1);
    }
    if contributions == 0 {
        add(text.as_bytes());
        contributions = 1;
    }
    let scale = if normalize {
        let norm = acc.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 { 1.0 / norm } else { 1.0 }
    } else {
        // Unnormalised: the mean of the word directions, so every component stays in [-1, 1].
        1.0 / f64::from(contributions)
    };
    acc.iter().map(|x| (x * scale) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_model_has_a_family() {
        for m in bedrock_core::catalog::foundation_models() {
            assert!(
                Family::of(m.model_id).is_some(),
                "{} has no simulated format",
                m.model_id
            );
        }
    }

    #[test]
    fn short_names() {
        let model =
            bedrock_core::catalog::find_model("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        let body = Value::Null;
        let call = Call {
            model,
            seed: 0,
            body: &body,
            streaming: false,
        };
        assert_eq!(call.short_name(), "claude-3-haiku-20240307");
        let model = bedrock_core::catalog::find_model("anthropic.claude-v2:1").unwrap();
        let call = Call {
            model,
            seed: 0,
            body: &body,
            streaming: false,
        };
        assert_eq!(call.short_name(), "claude");
    }

    #[test]
    fn prompt_keys_hash_like_the_formatted_key() {
        let model =
            bedrock_core::catalog::find_model("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        let body: Value = serde_json::from_str(
            r#"{"system":"Be brief.","messages":[{"role":"user","content":"Hi \"you\""}]}"#,
        )
        .unwrap();
        let call = Call {
            model,
            seed: 42,
            body: &body,
            streaming: false,
        };
        let key = call.key(&[
            KeyPiece::Text("messages\u{0}"),
            KeyPiece::Json(call.field("system")),
            KeyPiece::Text("\u{0}"),
            KeyPiece::Json(call.field("messages")),
            KeyPiece::Text("\u{0}"),
            KeyPiece::Json(call.field("absent")),
        ]);
        let formatted = format!(
            "messages\u{0}{}\u{0}{}\u{0}null",
            crate::rng::canonical_json(&body["system"]),
            crate::rng::canonical_json(&body["messages"])
        );
        let seed = text::generation_seed(42, model.model_id, &formatted);
        assert_eq!(call.generate(&key, 50, &[]), text::generate(seed, 50, &[]));
        assert_eq!(
            key.derived("message id"),
            crate::rng::stable_hash(&[
                &42u64.to_le_bytes(),
                model.model_id.as_bytes(),
                formatted.as_bytes(),
                b"message id",
            ])
        );
    }

    #[test]
    fn prompt_requests_report_violations_in_the_format_order() {
        let body: Value = serde_json::from_str(
            r#"{"prompt":"","temperature":2,"top_p":-1,"max_tokens":0,"stop":[1]}"#,
        )
        .unwrap();
        let read = |limits_first| {
            let mut v = Violations::new();
            let request = read_prompt_request(
                &body,
                &PromptFormat {
                    allowed: &["prompt", "temperature", "top_p", "max_tokens", "stop"],
                    required: &["prompt"],
                    max_key: "max_tokens",
                    max_limit: 100,
                    default_max: 7,
                    stop: true,
                    limits_first,
                },
                &mut v,
            );
            assert_eq!((request.prompt, request.max_tokens), (None, 7));
            assert!(request.stops.is_empty());
            v.finish().unwrap_err().message
        };
        let prompt = "#/prompt: expected minLength: 1, actual: 0";
        let sampling = "#/temperature: 2 is not less or equal to 1\
                        #/top_p: -1 is not greater or equal to 0";
        let limits = "#/max_tokens: 0 is not greater or equal to 1\
                      #/stop/0: expected type: String, found: Integer";
        assert!(read(false).contains(&format!("{prompt}{sampling}{limits}")));
        assert!(read(true).contains(&format!("{prompt}{limits}{sampling}")));
    }

    #[test]
    fn embeddings_are_normalised_and_share_words() {
        let a = embed_text(1, "the river runs", b"", 256, true);
        let b = embed_text(1, "The river, runs!", b"", 256, true);
        assert_eq!(a, b);
        let norm: f64 = a
            .iter()
            .map(|x| f64::from(*x) * f64::from(*x))
            .sum::<f64>()
            .sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        let c = embed_text(1, "river stone", b"", 256, true);
        let d = embed_text(1, "golden castle", b"", 256, true);
        let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        assert!(dot(&a, &c) > dot(&a, &d));
    }
}
