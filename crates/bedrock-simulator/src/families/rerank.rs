//! Cohere Rerank: `query`, `documents` (strings or objects), `top_n`, `api_version` →
//! `results[{index, relevance_score}]`, most relevant first.

use serde::Serialize;
use serde_json::Value;

use super::{Call, Completed, embed_text, json_bytes};
use crate::rejection::Rejection;
use crate::schema::{self, Violations, item};
use crate::text;

/// Bedrock's limit on documents per request.
const MAX_DOCUMENTS: usize = 1000;
/// The embedding size used to score relevance; any size works, this one is cheap.
const SCORE_DIMS: usize = 64;

#[derive(Serialize)]
struct Ranked {
    index: usize,
    relevance_score: f64,
}

#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    results: Vec<Ranked>,
}

/// The text of one document: a string, or an object's values joined (Rerank accepts both).
fn document_text(doc: &Value) -> String {
    match doc {
        Value::String(s) => s.clone(),
        Value::Object(map) => map
            .values()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// Rerank 3.5.
pub(super) fn rerank(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let allowed = [
        "query",
        "documents",
        "top_n",
        "api_version",
        "max_tokens_per_doc",
    ];
    let mut query = "";
    let mut documents: &[Value] = &[];
    let mut top_n = None;
    if let Some(map) = schema::object(
        call.body,
        "#",
        &allowed,
        &["query", "documents", "api_version"],
        &mut v,
    ) {
        query = schema::string(map, "#", "query", 1, usize::MAX, &mut v).unwrap_or("");
        if let Some(docs) = schema::array(map, "#", "documents", 1, MAX_DOCUMENTS, &mut v) {
            for (i, d) in docs.iter().enumerate() {
                if !matches!(d, Value::String(_) | Value::Object(_)) {
                    v.add(
                        &item("#/documents", i),
                        format!(
                            "expected type: String or JSONObject, found: {}",
                            schema::type_name(d)
                        ),
                    );
                }
            }
            documents = docs;
        }
        top_n = schema::integer(map, "#", "top_n", 1, MAX_DOCUMENTS as i64, &mut v);
        schema::integer(map, "#", "api_version", 2, 2, &mut v);
        schema::integer(map, "#", "max_tokens_per_doc", 1, 4096, &mut v);
    }
    v.finish()?;
    let q = embed_text(call.seed, query, b"", SCORE_DIMS, true);
    let mut input_tokens = text::count_tokens(query);
    let mut results: Vec<Ranked> = documents
        .iter()
        .enumerate()
        .map(|(index, doc)| {
            let body = document_text(doc);
            input_tokens = input_tokens.saturating_add(text::count_tokens(&body));
            let d = embed_text(call.seed, &body, b"", SCORE_DIMS, true);
            let cosine: f64 = q
                .iter()
                .zip(&d)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            // Cosine in [-1, 1] becomes a score in [0, 1], rounded as Bedrock prints them.
            let score = ((cosine + 1.0) / 2.0).clamp(0.0, 1.0);
            Ranked {
                index,
                relevance_score: (score * 1e6).round() / 1e6,
            }
        })
        .collect();
    results.sort_by(|a, b| {
        b.relevance_score
            .total_cmp(&a.relevance_score)
            .then(a.index.cmp(&b.index))
    });
    // `top_n` is within 1..=1000 here.
    results.truncate(top_n.map_or(results.len(), |n| n as usize));
    let key = call.key(&[
        crate::rng::KeyPiece::Text("rerank\u{0}"),
        crate::rng::KeyPiece::Text(query),
    ]);
    let id = crate::rng::uuid_like(key.derived("rerank id"), key.derived("rerank id 2"));
    Ok(Completed {
        body: json_bytes(&Body { id: &id, results }),
        chunks: None,
        input_tokens,
        output_tokens: None,
        latency_ms: 60,
    })
}
