//! Cohere: Command (`prompt` → `generations`), Command R / R+ (`message`, `chat_history` →
//! `text`, `chat_history`, `finish_reason`) and Embed v3 (`texts`, `input_type` → `embeddings`).

use bedrock_core::InvocationMetrics;
use serde::Serialize;

use super::{Call, Completed, embed_text, json_bytes, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::{KeyPiece, uuid_like};
use crate::schema::{self, Violations, item};
use crate::text::{self, Finish};

fn finish_reason(finish: &Finish) -> &'static str {
    if *finish == Finish::MaxTokens {
        "MAX_TOKENS"
    } else {
        "COMPLETE"
    }
}

#[derive(Serialize, Clone)]
struct Generation {
    finish_reason: &'static str,
    id: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
}

#[derive(Serialize, Clone)]
struct CommandBody<'a> {
    generations: Vec<Generation>,
    id: String,
    prompt: &'a str,
}

#[derive(Serialize)]
struct CommandChunk<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
    is_finished: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<CommandBody<'a>>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// Command and Command Light.
pub(super) fn command(call: &Call<'_>) -> Result<Completed, Rejection> {
    let allowed = [
        "prompt",
        "temperature",
        "p",
        "k",
        "max_tokens",
        "stop_sequences",
        "return_likelihoods",
        "stream",
        "num_generations",
        "logit_bias",
        "truncate",
    ];
    let mut v = Violations::new();
    let mut prompt = "";
    let mut max_tokens = 20;
    let mut stops = Vec::new();
    let mut n = 1;
    if let Some(map) = schema::object(call.body, "#", &allowed, &["prompt"], &mut v) {
        prompt = schema::string(map, "#", "prompt", 1, usize::MAX, &mut v).unwrap_or("");
        schema::number(map, "#", "temperature", 0.0, 5.0, &mut v);
        schema::number(map, "#", "p", 0.0, 1.0, &mut v);
        schema::integer(map, "#", "k", 0, 500, &mut v);
        max_tokens = schema::integer(map, "#", "max_tokens", 1, 4096, &mut v).unwrap_or(max_tokens);
        stops = schema::string_array(map, "#", "stop_sequences", 4, &mut v).unwrap_or_default();
        schema::enumeration(
            map,
            "#",
            "return_likelihoods",
            &["GENERATION", "ALL", "NONE"],
            &mut v,
        );
        schema::boolean(map, "#", "stream", &mut v);
        n = schema::integer(map, "#", "num_generations", 1, 5, &mut v).unwrap_or(n);
        schema::enumeration(map, "#", "truncate", &["NONE", "START", "END"], &mut v);
        if let Some(bias) = schema::get(map, "logit_bias")
            && !bias.is_object()
        {
            let found = schema::type_name(bias);
            v.add(
                "#/logit_bias",
                format!("expected type: JSONObject, found: {found}"),
            );
        }
    }
    v.finish()?;
    let input_tokens = text::count_tokens(prompt);
    let key = call.key(&[KeyPiece::Text("command\u{0}"), KeyPiece::Text(prompt)]);
    let outs: Vec<_> = (0..n)
        .map(|i| {
            let k = if i == 0 {
                key
            } else {
                let i = i.to_string();
                call.key(&[
                    KeyPiece::Text("command\u{0}"),
                    KeyPiece::Text(prompt),
                    KeyPiece::Text("\u{0}"),
                    KeyPiece::Text(&i),
                ])
            };
            (
                call.generate(&k, max_tokens as u32, &stops),
                k.derived("generation id"),
            )
        })
        .collect();
    let output_tokens = outs
        .iter()
        .map(|(g, _)| g.output_tokens)
        .fold(0, u32::saturating_add);
    let id_seed = key.derived("response id");
    let response = CommandBody {
        generations: outs
            .iter()
            .enumerate()
            .map(|(i, (g, id))| Generation {
                finish_reason: finish_reason(&g.finish),
                id: uuid_like(*id, id.rotate_left(17)),
                text: g.text.clone(),
                index: (n > 1).then_some(i as u32),
            })
            .collect(),
        id: uuid_like(id_seed, id_seed.rotate_left(29)),
        prompt,
    };
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let chunks = call.chunks(|| {
        let mut chunks = Vec::new();
        for (i, (g, _)) in outs.iter().enumerate() {
            for d in text::deltas(&g.text, 1) {
                chunks.push(json_bytes(&CommandChunk {
                    text: Some(d),
                    index: (n > 1).then_some(i as u32),
                    is_finished: false,
                    finish_reason: None,
                    response: None,
                    metrics: None,
                }));
            }
        }
        let overall = outs
            .last()
            .map_or("COMPLETE", |(g, _)| finish_reason(&g.finish));
        chunks.push(json_bytes(&CommandChunk {
            text: None,
            index: None,
            is_finished: true,
            finish_reason: Some(overall),
            response: Some(response.clone()),
            metrics: Some(metrics),
        }));
        chunks
    });
    Ok(Completed {
        body: json_bytes(&response),
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}

#[derive(Serialize, Clone)]
struct Turn {
    role: String,
    message: String,
}

#[derive(Serialize, Clone)]
struct ChatBody {
    response_id: String,
    text: String,
    generation_id: String,
    chat_history: Vec<Turn>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct ChatChunk<'a> {
    is_finished: bool,
    event_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    generation_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<ChatBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish_reason: Option<&'static str>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// Command R and Command R+.
pub(super) fn chat(call: &Call<'_>) -> Result<Completed, Rejection> {
    let allowed = [
        "message",
        "chat_history",
        "documents",
        "search_queries_only",
        "preamble",
        "max_tokens",
        "temperature",
        "p",
        "k",
        "prompt_truncation",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "return_prompt",
        "tools",
        "tool_results",
        "stop_sequences",
        "raw_prompting",
    ];
    let mut v = Violations::new();
    let mut message = "";
    let mut max_tokens = 4000;
    let mut stops = Vec::new();
    let mut input_tokens: u32 = 0;
    let mut history = Vec::new();
    if let Some(map) = schema::object(call.body, "#", &allowed, &["message"], &mut v) {
        message = schema::string(map, "#", "message", 0, usize::MAX, &mut v).unwrap_or("");
        input_tokens = input_tokens.saturating_add(text::count_tokens(message));
        if let Some(p) = schema::string(map, "#", "preamble", 0, usize::MAX, &mut v) {
            input_tokens = input_tokens.saturating_add(text::count_tokens(p));
        }
        max_tokens = schema::integer(map, "#", "max_tokens", 1, 4000, &mut v).unwrap_or(max_tokens);
        schema::number(map, "#", "temperature", 0.0, 1.0, &mut v);
        schema::number(map, "#", "p", 0.01, 0.99, &mut v);
        schema::integer(map, "#", "k", 0, 500, &mut v);
        schema::number(map, "#", "frequency_penalty", 0.0, 1.0, &mut v);
        schema::number(map, "#", "presence_penalty", 0.0, 1.0, &mut v);
        schema::enumeration(
            map,
            "#",
            "prompt_truncation",
            &["OFF", "AUTO_PRESERVE_ORDER"],
            &mut v,
        );
        stops = schema::string_array(map, "#", "stop_sequences", 5, &mut v).unwrap_or_default();
        if let Some(turns) = schema::array(map, "#", "chat_history", 0, usize::MAX, &mut v) {
            for (i, t) in turns.iter().enumerate() {
                let path = item("#/chat_history", i);
                if let Some(tm) = schema::object(
                    t,
                    &path,
                    &["role", "message", "tool_calls", "tool_results"],
                    &["role"],
                    &mut v,
                ) {
                    let role = schema::enumeration(
                        tm,
                        &path,
                        "role",
                        &["USER", "CHATBOT", "SYSTEM", "TOOL"],
                        &mut v,
                    );
                    let text_of =
                        schema::string(tm, &path, "message", 0, usize::MAX, &mut v).unwrap_or("");
                    input_tokens = input_tokens.saturating_add(text::count_tokens(text_of));
                    if let Some(role) = role {
                        history.push(Turn {
                            role: role.to_owned(),
                            message: text_of.to_owned(),
                        });
                    }
                }
            }
        }
    }
    v.finish()?;
    let key = call.key(&[
        KeyPiece::Text("command-r\u{0}"),
        KeyPiece::Text(message),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(call.field("chat_history")),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(call.field("preamble")),
    ]);
    let generated = call.generate(&key, max_tokens as u32, &stops);
    let output_tokens = generated.output_tokens;
    let reason = finish_reason(&generated.finish);
    history.push(Turn {
        role: "USER".to_owned(),
        message: message.to_owned(),
    });
    history.push(Turn {
        role: "CHATBOT".to_owned(),
        message: generated.text.clone(),
    });
    let a = key.derived("response id");
    let b = key.derived("generation id");
    let response = ChatBody {
        response_id: uuid_like(a, a.rotate_left(19)),
        text: generated.text.clone(),
        generation_id: uuid_like(b, b.rotate_left(23)),
        chat_history: history,
        finish_reason: reason,
    };
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let chunks = call.chunks(|| {
        let mut chunks = vec![json_bytes(&ChatChunk {
            is_finished: false,
            event_type: "stream-start",
            generation_id: Some(&response.generation_id),
            text: None,
            response: None,
            finish_reason: None,
            metrics: None,
        })];
        for d in text::deltas(&generated.text, 1) {
            chunks.push(json_bytes(&ChatChunk {
                is_finished: false,
                event_type: "text-generation",
                generation_id: None,
                text: Some(d),
                response: None,
                finish_reason: None,
                metrics: None,
            }));
        }
        chunks.push(json_bytes(&ChatChunk {
            is_finished: true,
            event_type: "stream-end",
            generation_id: None,
            text: None,
            response: Some(response.clone()),
            finish_reason: Some(reason),
            metrics: Some(metrics),
        }));
        chunks
    });
    Ok(Completed {
        body: json_bytes(&response),
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}

#[derive(Serialize)]
struct EmbedFloatBody<'a> {
    embeddings: Vec<Vec<f32>>,
    id: String,
    response_type: &'static str,
    texts: &'a [String],
}

#[derive(Serialize, Default)]
struct ByType {
    #[serde(skip_serializing_if = "Option::is_none")]
    float: Option<Vec<Vec<f32>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    int8: Option<Vec<Vec<i8>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uint8: Option<Vec<Vec<u8>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary: Option<Vec<Vec<i8>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ubinary: Option<Vec<Vec<u8>>>,
}

#[derive(Serialize)]
struct EmbedByTypeBody<'a> {
    embeddings: ByType,
    id: String,
    response_type: &'static str,
    texts: &'a [String],
}

fn pack_bits(v: &[f32]) -> Vec<u8> {
    v.chunks(8)
        .map(|c| {
            c.iter().enumerate().fold(0u8, |acc, (i, x)| {
                // Chunks of 8 values: the first is the top bit.
                let shift = 7u32.saturating_sub(i as u32);
                acc | u8::from(*x > 0.0).wrapping_shl(shift)
            })
        })
        .collect()
}

/// Embed v4's vector lengths; the first of Embed v3's is its only one.
const EMBED_V4_DIMENSIONS: [i64; 4] = [256, 512, 1024, 1536];

/// Embed English / Multilingual v3: 1024 normalised floats per text. Embed v4: 1536 by default,
/// or `output_dimension`, per text or image (a `data:` URI), with `max_tokens` and
/// `truncate` NONE, LEFT or RIGHT.
pub(super) fn embed(call: &Call<'_>) -> Result<Completed, Rejection> {
    let v4 = call.model.model_id.starts_with("cohere.embed-v4");
    let v3_keys = [
        "texts",
        "images",
        "input_type",
        "truncate",
        "embedding_types",
    ];
    let v4_keys = [
        "texts",
        "images",
        "input_type",
        "truncate",
        "embedding_types",
        "output_dimension",
        "max_tokens",
    ];
    let (allowed, required): (&[&str], &[&str]) = if v4 {
        (&v4_keys, &["input_type"])
    } else {
        (&v3_keys, &["texts", "input_type"])
    };
    let mut v = Violations::new();
    let mut texts = Vec::new();
    let mut images = Vec::new();
    let mut types = Vec::new();
    let mut dimension = if v4 { 1536 } else { 1024 };
    if let Some(map) = schema::object(call.body, "#", allowed, required, &mut v) {
        texts = schema::string_array(map, "#", "texts", 96, &mut v).unwrap_or_default();
        for (i, t) in texts.iter().enumerate() {
            let len = t.chars().count();
            if !v4 && len > 2048 {
                v.add(
                    &format!("#/texts/{i}"),
                    format!("expected maxLength: 2048, actual: {len}"),
                );
            }
        }
        if v4 {
            images = schema::string_array(map, "#", "images", 96, &mut v).unwrap_or_default();
            for (i, image) in images.iter().enumerate() {
                if !image.starts_with("data:image/") {
                    v.add(
                        &format!("#/images/{i}"),
                        "expected a data:image/...;base64, URI",
                    );
                }
            }
            if texts.is_empty() && images.is_empty() {
                v.add("#", "one of texts or images is required");
            }
            if let Some(d) = schema::integer(map, "#", "output_dimension", 256, 1536, &mut v) {
                if EMBED_V4_DIMENSIONS.contains(&d) {
                    dimension = d as usize;
                } else {
                    v.add(
                        "#/output_dimension",
                        format!("{d} is not a valid enum value"),
                    );
                }
            }
            schema::integer(map, "#", "max_tokens", 1, 128_000, &mut v);
        }
        schema::enumeration(
            map,
            "#",
            "input_type",
            &[
                "search_document",
                "search_query",
                "classification",
                "clustering",
                "image",
            ],
            &mut v,
        );
        let truncations: &[&str] = if v4 {
            &["NONE", "LEFT", "RIGHT"]
        } else {
            &["NONE", "START", "END"]
        };
        schema::enumeration(map, "#", "truncate", truncations, &mut v);
        types = schema::string_array(map, "#", "embedding_types", 5, &mut v).unwrap_or_default();
        for (i, t) in types.iter().enumerate() {
            if !["float", "int8", "uint8", "binary", "ubinary"].contains(&t.as_str()) {
                v.add(
                    &format!("#/embedding_types/{i}"),
                    format!("{t} is not a valid enum value"),
                );
            }
        }
    }
    v.finish()?;
    let input_tokens = texts
        .iter()
        .map(|t| text::count_tokens(t))
        .fold(0, u32::saturating_add);
    let vectors: Vec<Vec<f32>> = texts
        .iter()
        .chain(images.iter())
        .map(|t| embed_text(call.seed, t, b"", dimension, true))
        .collect();
    let key = call.key(&[KeyPiece::Json(call.field("texts"))]);
    let id_seed = key.derived("embed id");
    let id = uuid_like(id_seed, id_seed.rotate_left(31));
    let body = if types.is_empty() {
        json_bytes(&EmbedFloatBody {
            embeddings: vectors,
            id,
            response_type: "embeddings_floats",
            texts: &texts,
        })
    } else {
        let has = |t: &str| types.iter().any(|x| x == t);
        // Quantised forms scale the unit vector's components (|x| <= 1) to the integer range.
        let by_type = ByType {
            int8: has("int8").then(|| {
                vectors
                    .iter()
                    .map(|v| v.iter().map(|x| (x * 127.0).round() as i8).collect())
                    .collect()
            }),
            uint8: has("uint8").then(|| {
                vectors
                    .iter()
                    .map(|v| {
                        v.iter()
                            .map(|x| (x * 127.0 + 128.0).round() as u8)
                            .collect()
                    })
                    .collect()
            }),
            binary: has("binary").then(|| {
                vectors
                    .iter()
                    .map(|v| {
                        pack_bits(v)
                            .into_iter()
                            // Offset binary to two's complement: 0..=255 to -128..=127.
                            .map(|b| (b ^ 0x80) as i8)
                            .collect()
                    })
                    .collect()
            }),
            ubinary: has("ubinary").then(|| vectors.iter().map(|v| pack_bits(v)).collect()),
            float: has("float").then_some(vectors),
        };
        json_bytes(&EmbedByTypeBody {
            embeddings: by_type,
            id,
            response_type: "embeddings_by_type",
            texts: &texts,
        })
    };
    Ok(Completed {
        body,
        chunks: None,
        input_tokens,
        output_tokens: None,
        latency_ms: u64::from(input_tokens / 10).saturating_add(40),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_pack_most_significant_first() {
        assert_eq!(
            pack_bits(&[1.0, -1.0, 1.0, -1.0, -1.0, -1.0, -1.0, 1.0, 1.0]),
            vec![0b1010_0001, 0b1000_0000]
        );
    }
}
