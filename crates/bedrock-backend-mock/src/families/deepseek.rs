//! DeepSeek-R1: `prompt`, `max_tokens`, `stop` → `choices[{text, stop_reason}]`.

use bedrock_core::InvocationMetrics;
use serde::Serialize;

use super::{Call, Completed, json_bytes, pieces, simulated_metrics};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations};
use crate::text::{self, Finish};

#[derive(Serialize)]
struct Choice<'a> {
    text: &'a str,
    stop_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct Body<'a> {
    choices: Vec<Choice<'a>>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// DeepSeek-R1.
pub(super) fn text(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let mut prompt = "";
    let mut max_tokens = 8192;
    let mut stops = Vec::new();
    let allowed = ["prompt", "temperature", "top_p", "max_tokens", "stop"];
    if let Some(map) = schema::object(call.body, "#", &allowed, &["prompt"], &mut v) {
        prompt = schema::string(map, "#", "prompt", 1, usize::MAX, &mut v).unwrap_or("");
        schema::number(map, "#", "temperature", 0.0, 1.0, &mut v);
        schema::number(map, "#", "top_p", 0.0, 1.0, &mut v);
        max_tokens =
            schema::integer(map, "#", "max_tokens", 1, 32_768, &mut v).unwrap_or(max_tokens);
        stops = schema::string_array(map, "#", "stop", 10, &mut v).unwrap_or_default();
    }
    v.finish()?;
    let input_tokens = text::count_tokens(prompt);
    let key = call.key(&[KeyPiece::Text("deepseek\u{0}"), KeyPiece::Text(prompt)]);
    let generated = call.generate(&key, max_tokens as u32, &stops);
    let stop_reason = if generated.finish == Finish::MaxTokens {
        "length"
    } else {
        "stop"
    };
    let output_tokens = generated.output_tokens;
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let body = json_bytes(&Body {
        choices: vec![Choice {
            text: &generated.text,
            stop_reason: Some(stop_reason),
        }],
        metrics: None,
    });
    let chunks = call.chunks(|| {
        pieces(&generated.text, 1, output_tokens)
            .iter()
            .map(|p| {
                json_bytes(&Body {
                    choices: vec![Choice {
                        text: p.text,
                        stop_reason: p.last.then_some(stop_reason),
                    }],
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
