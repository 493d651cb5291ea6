//! Meta Llama: `prompt`, `max_gen_len` → `generation`, `prompt_token_count`,
//! `generation_token_count`, `stop_reason`.

use bedrock_core::InvocationMetrics;
use serde::Serialize;

use super::{
    Call, Completed, PromptFormat, json_bytes, pieces, read_prompt_request, simulated_metrics,
};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations};
use crate::text::{self, Finish};

#[derive(Serialize)]
struct LlamaBody<'a> {
    generation: &'a str,
    prompt_token_count: Option<u32>,
    generation_token_count: u32,
    stop_reason: Option<&'a str>,
    #[serde(
        rename = "amazon-bedrock-invocationMetrics",
        skip_serializing_if = "Option::is_none"
    )]
    metrics: Option<InvocationMetrics>,
}

/// Llama 3 and later (text prompt; 3.2 vision models also take `images`).
pub(super) fn text(call: &Call<'_>) -> Result<Completed, Rejection> {
    let mut v = Violations::new();
    let request = read_prompt_request(
        call.body,
        &PromptFormat {
            allowed: &["prompt", "temperature", "top_p", "max_gen_len", "images"],
            required: &["prompt"],
            max_key: "max_gen_len",
            max_limit: 2048,
            default_max: 512,
            stop: false,
            limits_first: false,
        },
        &mut v,
    );
    let images = request.map.map_or(0, |map| {
        schema::string_array(map, "#", "images", 10, &mut v).map_or(0, |i| i.len() as u32)
    });
    v.finish()?;
    let (prompt, max_tokens) = (request.prompt.unwrap_or(""), request.max_tokens);
    let input_tokens = text::count_tokens(prompt).saturating_add(images);
    let key = call.key(&[KeyPiece::Text("llama\u{0}"), KeyPiece::Text(prompt)]);
    let generated = call.generate(&key, max_tokens as u32, &[]);
    let stop_reason = if generated.finish == Finish::MaxTokens {
        "length"
    } else {
        "stop"
    };
    let output_tokens = generated.output_tokens;
    let metrics = simulated_metrics(input_tokens, output_tokens);
    let body = json_bytes(&LlamaBody {
        generation: &generated.text,
        prompt_token_count: Some(input_tokens),
        generation_token_count: output_tokens,
        stop_reason: Some(stop_reason),
        metrics: None,
    });
    let chunks = call.chunks(|| {
        pieces(&generated.text, 1, output_tokens)
            .iter()
            .map(|p| {
                json_bytes(&LlamaBody {
                    generation: p.text,
                    prompt_token_count: p.first.then_some(input_tokens),
                    generation_token_count: p.tokens_so_far,
                    stop_reason: p.last.then_some(stop_reason),
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
