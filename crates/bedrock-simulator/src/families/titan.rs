//! Amazon Titan: Text G1 (`inputText`, `textGenerationConfig`) and the Titan embedding models
//! (Text G1, Text V2 with `dimensions`/`normalize`, Multimodal G1).

use base64::Engine as _;
use bedrock_core::InvocationMetrics;
use serde::Serialize;

use super::{Call, Completed, embed_text, json_bytes, pieces, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations};
use crate::text::{self, Finish};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextResult<'a> {
    token_count: u32,
    output_text: &'a str,
    completion_reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextBody<'a> {
    input_text_token_count: u32,
    results: Vec<TextResult<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextChunk<'a> {
    output_text: &'a str,
    index: u32,
    total_output_text_token_count: u32,
    completion_reason: Option<&'a str>,
    input_text_token_count: Option<u32>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// The largest `maxTokenCount` of each Titan text model.
fn max_token_count(model_id: &str) -> i64 {
    if model_id.contains("lite") {
        4096
    } else if model_id.contains("premier") {
        3072
    } else {
        8192
    }
}

/// Titan Text G1.
pub(super) fn text(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let mut input = "";
    let mut max_tokens = 512;
    let mut stops = Vec::new();
    if let Some(map) = schema::object(
        call.body,
        "#",
        &["inputText", "textGenerationConfig"],
        &["inputText"],
        &mut v,
    ) {
        input = schema::string(map, "#", "inputText", 1, usize::MAX, &mut v).unwrap_or("");
        if let Some(config) = schema::get(map, "textGenerationConfig") {
            let path = "#/textGenerationConfig";
            let allowed = ["temperature", "topP", "maxTokenCount", "stopSequences"];
            if let Some(c) = schema::object(config, path, &allowed, &[], &mut v) {
                schema::number(c, path, "temperature", 0.0, 1.0, &mut v);
                schema::number(c, path, "topP", 0.0, 1.0, &mut v);
                let limit = max_token_count(call.model.model_id);
                max_tokens = schema::integer(c, path, "maxTokenCount", 0, limit, &mut v)
                    .unwrap_or(max_tokens);
                stops =
                    schema::string_array(c, path, "stopSequences", 4, &mut v).unwrap_or_default();
            }
        }
    }
    v.finish()?;

    let input_tokens = text::count_tokens(input);
    let key = call.key(&[KeyPiece::Text("titan\u{0}"), KeyPiece::Text(input)]);
    let generated = call.generate(&key, max_tokens as u32, &stops);
    let reason = match generated.finish {
        Finish::EndTurn => "FINISH",
        Finish::MaxTokens => "LENGTH",
        Finish::StopSequence(_) => "STOP_CRITERIA_MET",
    };
    let output_tokens = generated.output_tokens;
    let body = json_bytes(&TextBody {
        input_text_token_count: input_tokens,
        results: vec![TextResult {
            token_count: output_tokens,
            output_text: &generated.text,
            completion_reason: reason,
        }],
    });
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let chunks = call.chunks(|| {
        pieces(&generated.text, 8, output_tokens)
            .iter()
            .map(|p| {
                json_bytes(&TextChunk {
                    output_text: p.text,
                    index: 0,
                    total_output_text_token_count: p.tokens_so_far,
                    completion_reason: p.last.then_some(reason),
                    input_text_token_count: p.first.then_some(input_tokens),
                    metrics: p.last.then_some(metrics),
                })
            })
            .collect()
    });
    Ok(Completed {
        body,
        chunks,
        input_tokens,
        output_tokens: Some(output_tokens),
        latency_ms: metrics.invocation_latency,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmbeddingBody {
    embedding: Vec<f32>,
    input_text_token_count: u32,
}

/// Titan Text Embeddings G1: 1536 unnormalised floats.
pub(super) fn embed_g1(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let mut input = "";
    if let Some(map) = schema::object(call.body, "#", &["inputText"], &["inputText"], &mut v) {
        input = schema::string(map, "#", "inputText", 1, 50_000, &mut v).unwrap_or("");
    }
    v.finish()?;
    let input_tokens = text::count_tokens(input);
    let embedding = embed_text(call.seed, input, b"", 1536, false);
    Ok(embedding_completed(
        json_bytes(&EmbeddingBody {
            embedding,
            input_text_token_count: input_tokens,
        }),
        input_tokens,
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmbeddingV2Body {
    embedding: Option<Vec<f32>>,
    input_text_token_count: u32,
    embeddings_by_type: EmbeddingsByType,
}

#[derive(Serialize)]
struct EmbeddingsByType {
    #[serde(skip_serializing_if = "Option::is_none")]
    float: Option<Vec<f32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary: Option<Vec<u8>>,
}

/// Titan Text Embeddings V2: `dimensions` 256/512/1024 (default 1024), `normalize` (default
/// true), `embeddingTypes` float and/or binary.
pub(super) fn embed_v2(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let mut input = "";
    let mut dims = 1024;
    let mut normalize = true;
    let mut types = vec!["float".to_owned()];
    let allowed = ["inputText", "dimensions", "normalize", "embeddingTypes"];
    if let Some(map) = schema::object(call.body, "#", &allowed, &["inputText"], &mut v) {
        input = schema::string(map, "#", "inputText", 1, 50_000, &mut v).unwrap_or("");
        if let Some(d) = schema::get(map, "dimensions") {
            match d.as_i64() {
                Some(n @ (256 | 512 | 1024)) => dims = n as usize,
                _ => v.add("#/dimensions", format!("{d} is not a valid enum value")),
            }
        }
        normalize = schema::boolean(map, "#", "normalize", &mut v).unwrap_or(true);
        if let Some(t) = schema::string_array(map, "#", "embeddingTypes", 2, &mut v) {
            for (i, kind) in t.iter().enumerate() {
                if kind != "float" && kind != "binary" {
                    v.add(
                        &format!("#/embeddingTypes/{i}"),
                        format!("{kind} is not a valid enum value"),
                    );
                }
            }
            if t.is_empty() {
                v.add(
                    "#/embeddingTypes",
                    "expected minimum item count: 1, found: 0",
                );
            }
            types = t;
        }
    }
    v.finish()?;
    let input_tokens = text::count_tokens(input);
    let embedding = embed_text(call.seed, input, b"", dims, normalize);
    let want_float = types.iter().any(|t| t == "float");
    let want_binary = types.iter().any(|t| t == "binary");
    let binary: Option<Vec<u8>> =
        want_binary.then(|| embedding.iter().map(|x| u8::from(*x > 0.0)).collect());
    let body = EmbeddingV2Body {
        embedding: want_float.then(|| embedding.clone()),
        input_text_token_count: input_tokens,
        embeddings_by_type: EmbeddingsByType {
            float: want_float.then_some(embedding),
            binary,
        },
    };
    Ok(embedding_completed(json_bytes(&body), input_tokens))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MultimodalBody {
    embedding: Vec<f32>,
    input_text_token_count: u32,
}

/// Titan Multimodal Embeddings G1: `inputText` and/or `inputImage` (base64),
/// `embeddingConfig.outputEmbeddingLength` 256/384/1024 (default 1024).
pub(super) fn embed_image(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let mut input = "";
    let mut image = Vec::new();
    let mut dims = 1024;
    let allowed = ["inputText", "inputImage", "embeddingConfig"];
    if let Some(map) = schema::object(call.body, "#", &allowed, &[], &mut v) {
        input = schema::string(map, "#", "inputText", 0, 100_000, &mut v).unwrap_or("");
        if let Some(b64) = schema::string(map, "#", "inputImage", 1, usize::MAX, &mut v) {
            match base64::engine::general_purpose::STANDARD.decode(b64) {
                Ok(bytes) => image = bytes,
                Err(_) => v.add("#/inputImage", "the value is not valid base64"),
            }
        }
        if schema::get(map, "inputText").is_none() && schema::get(map, "inputImage").is_none() {
            v.add("#", "at least one of [inputText, inputImage] is required");
        }
        if let Some(config) = schema::get(map, "embeddingConfig") {
            let path = "#/embeddingConfig";
            if let Some(c) = schema::object(config, path, &["outputEmbeddingLength"], &[], &mut v)
                && let Some(len) = c.get("outputEmbeddingLength")
            {
                match len.as_i64() {
                    Some(n @ (256 | 384 | 1024)) => dims = n as usize,
                    _ => v.add(
                        &format!("{path}/outputEmbeddingLength"),
                        format!("{len} is not a valid enum value"),
                    ),
                }
            }
        }
    }
    v.finish()?;
    let input_tokens = text::count_tokens(input);
    let embedding = embed_text(call.seed, input, &image, dims, true);
    Ok(embedding_completed(
        json_bytes(&MultimodalBody {
            embedding,
            input_text_token_count: input_tokens,
        }),
        input_tokens,
    ))
}

fn embedding_completed(body: Vec<u8>, input_tokens: u32) -> Completed {
    Completed {
        body,
        chunks: None,
        input_tokens,
        output_tokens: None,
        latency_ms: u64::from(input_tokens / 10).saturating_add(40),
    }
}
