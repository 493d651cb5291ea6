//! DeepSeek-R1: `prompt`, `max_tokens`, `stop` → `choices[{text, stop_reason}]`.

use bedrock_core::InvocationMetrics;
use serde::Serialize;

use super::{
    Call, Completed, PromptFormat, json_bytes, pieces, read_prompt_request, simulated_metrics,
};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::Violations;
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
    let request = read_prompt_request(
        call.body,
        &PromptFormat {
            allowed: &["prompt", "temperature", "top_p", "max_tokens", "stop"],
            required: &["prompt"],
            max_key: "max_tokens",
            max_limit: 32_768,
            default_max: 8192,
            stop: true,
            limits_first: false,
        },
        &mut v,
    );
    v.finish()?;
    let (prompt, max_tokens, stops) = (
        request.prompt.unwrap_or(""),
        request.max_tokens,
        request.stops,
    );
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
