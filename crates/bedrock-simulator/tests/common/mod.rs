//! Helpers shared by the simulator's integration tests.

#![allow(dead_code)] // Each test binary uses a different subset.

use bedrock_core::{Error, Region};
use bedrock_simulator::{SimChunk, SimRequest, SimResponse, Simulator, SimulatorConfig};
use futures::StreamExt as _;
use serde_json::Value;

pub const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

pub fn sim() -> Simulator {
    Simulator::new(SimulatorConfig::with_seed(7))
}

pub async fn invoke(
    sim: &Simulator,
    model: &str,
    region: Region,
    body: &Value,
) -> Result<SimResponse, Error> {
    sim.invoke(SimRequest::invoke(
        model,
        region,
        serde_json::to_vec(body).unwrap(),
    ))
    .await
}

pub async fn ok(sim: &Simulator, model: &str, body: Value) -> (Value, SimResponse) {
    let resp = invoke(sim, model, Region::UsEast1, &body)
        .await
        .unwrap_or_else(|e| panic!("{model}: {e} ({:?})", e.hint()));
    let json: Value = serde_json::from_slice(&resp.body).unwrap();
    (json, resp)
}

pub async fn err(sim: &Simulator, model: &str, body: Value) -> Error {
    invoke(sim, model, Region::UsEast1, &body)
        .await
        .expect_err("expected an error answer")
}

/// (error type, status, message) of a service error.
pub fn details(e: &Error) -> (String, u16, String) {
    let d = e
        .service_details()
        .unwrap_or_else(|| panic!("not a service error: {e}"));
    (
        d.error_type.clone().unwrap(),
        d.status.unwrap(),
        d.message.clone(),
    )
}

/// Every item of a stream, chunks parsed as JSON; panics on anything but chunks.
pub async fn stream_json(sim: &Simulator, model: &str, region: Region, body: &Value) -> Vec<Value> {
    let stream = sim
        .invoke_stream(SimRequest::invoke_stream(
            model,
            region,
            serde_json::to_vec(body).unwrap(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{model}: {e}"));
    stream
        .map(|item| match item {
            Ok(SimChunk::Chunk(b)) => serde_json::from_slice(&b).unwrap(),
            other => panic!("unexpected stream item {other:?}"),
        })
        .collect()
        .await
}

pub fn words(s: &str) -> u32 {
    s.split_whitespace().count() as u32
}
