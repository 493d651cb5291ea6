//! The `simulator` target: any body sent to any catalog model through
//! `bedrock_simulator::Simulator::invoke` / `invoke_stream`, the code behind both the in-process
//! mock backend and the emulator.

use std::cell::RefCell;

use bedrock_core::catalog::foundation_models;
use bedrock_core::{ModelId, Region};
use bedrock_simulator::{SimChunk, SimRequest, Simulator, SimulatorConfig};
use futures::StreamExt as _;

use crate::adapters::registry;

thread_local! {
    /// One runtime per thread: the simulator is async but, without faults, never waits.
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

/// Runs `future` to completion on this thread's runtime.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    RUNTIME.with(|cell| {
        let mut slot = cell.borrow_mut();
        let runtime = slot.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap_or_else(|e| panic!("a current-thread runtime starts: {e}"))
        });
        runtime.block_on(future)
    })
}

/// Byte 0 picks the catalog model; byte 1's bits 0-1 the id form (bare, profile, ARN, bare),
/// bit 2 the operation (invoke, invoke with response stream), bits 3-4 the content type
/// (`application/json`, none, `text/plain`, `application/json; charset=utf-8`); the rest is the
/// body. A fresh simulator answers each input, so runs replay exactly.
///
/// Properties: nothing panics, and what the simulator answers with success, the adapter that
/// serves the model parses (the whole body, or every stream chunk).
pub fn simulator(data: &[u8]) {
    let [pick, mode, body @ ..] = data else {
        return;
    };
    let models = foundation_models();
    let Some(model) = models.get(usize::from(*pick) % models.len().max(1)) else {
        return;
    };
    let region = Region::UsEast1;
    let model_id = match mode & 0b11 {
        1 => model
            .profile_id_for(region)
            .unwrap_or_else(|| format!("us.{}", model.model_id)),
        2 => model.arn(region),
        _ => model.model_id.to_owned(),
    };
    let streaming = mode & 0b100 != 0;
    let mut request = if streaming {
        SimRequest::invoke_stream(model_id.as_str(), region, body.to_vec())
    } else {
        SimRequest::invoke(model_id.as_str(), region, body.to_vec())
    };
    request.content_type = match (mode >> 3) & 0b11 {
        0 => Some("application/json".to_owned()),
        1 => None,
        2 => Some("text/plain".to_owned()),
        _ => Some("application/json; charset=utf-8".to_owned()),
    };
    let resolved = ModelId::new(model_id.as_str())
        .ok()
        .and_then(|id| registry().resolve(&id).ok());
    let simulator = Simulator::new(SimulatorConfig::default());
    block_on(async {
        if streaming {
            let Ok(mut stream) = simulator.invoke_stream(request).await else {
                return;
            };
            while let Some(item) = stream.next().await {
                if let (Ok(SimChunk::Chunk(chunk)), Some(r)) = (item, &resolved) {
                    let parsed = r.adapter.parse_stream_chunk(&r.route, &chunk);
                    assert!(
                        parsed.is_ok(),
                        "{model_id}: the adapter parses the simulator's chunk {:?}: {parsed:?}",
                        String::from_utf8_lossy(&chunk)
                    );
                }
            }
        } else if let (Ok(response), Some(r)) = (simulator.invoke(request).await, &resolved) {
            let parsed = r.adapter.parse_output(&r.route, &response.body);
            assert!(
                parsed.is_ok(),
                "{model_id}: the adapter parses the simulator's answer: {parsed:?}"
            );
        }
    });
}
