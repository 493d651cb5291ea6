//! The `converse` target: any request body sent to any catalog text model through
//! `bedrock_simulator::Simulator::converse` / `converse_stream`, read into
//! `bedrock_core::converse::ConverseRequest` the way the emulator reads it.

use bedrock_core::Region;
use bedrock_core::catalog::{CatalogModel, Modality, foundation_models};
use bedrock_core::converse::{
    ConverseAccumulator, ConverseRequest, ConverseResponse, ConverseStreamEvent,
};
use bedrock_simulator::{SimConverseEvent, SimConverseRequest, Simulator, SimulatorConfig};
use futures::StreamExt as _;
use serde_json::Value;

use crate::simulator::block_on;

/// The catalog models that answer with text, in catalog order: the ones byte 0 of the
/// `converse` target picks from.
pub fn text_models() -> Vec<&'static CatalogModel> {
    foundation_models()
        .iter()
        .filter(|m| m.output_modalities.contains(&Modality::Text))
        .collect()
}

/// Byte 0 picks a catalog text model; byte 1's bit 0 the operation (Converse, ConverseStream),
/// bit 1 the id form (bare, or the model's US inference profile when it has one); the rest is
/// the request body's JSON. A fresh simulator answers each input, so runs replay exactly.
///
/// Properties besides "no panic":
/// - a body that reads as a `ConverseRequest` writes back to JSON that reads as the same
///   request (what a client serialises, the emulator reads unchanged);
/// - a Converse answer written as the emulator writes it reads back as the same
///   `ConverseResponse`;
/// - every ConverseStream event written as the emulator frames it (the tag as `:event-type`,
///   the inner object as the payload) reads back as the same `ConverseStreamEvent`; a stream that
///   ends normally starts with `messageStart`, has `messageStop` before `metadata` last, and
///   accumulates (`ConverseAccumulator`) into the answer Converse gives a fresh simulator.
pub fn converse(data: &[u8]) {
    let [pick, mode, body @ ..] = data else {
        return;
    };
    let models = text_models();
    let Some(model) = models.get(usize::from(*pick) % models.len().max(1)) else {
        return;
    };
    let Ok(request) = serde_json::from_slice::<ConverseRequest>(body) else {
        return;
    };
    let written = serde_json::to_vec(&request)
        .unwrap_or_else(|e| panic!("a ConverseRequest serialises: {e}; {request:?}"));
    let reread: ConverseRequest = serde_json::from_slice(&written).unwrap_or_else(|e| {
        panic!(
            "a ConverseRequest reads back: {e}; {}",
            String::from_utf8_lossy(&written)
        )
    });
    assert_eq!(
        reread, request,
        "a ConverseRequest round-trips through JSON"
    );

    let region = Region::UsEast1;
    let model_id = match mode & 0b10 {
        0 => model.model_id.to_owned(),
        _ => model
            .profile_id_for(region)
            .unwrap_or_else(|| model.model_id.to_owned()),
    };
    let call = SimConverseRequest::new(model_id.as_str(), region, request);
    if mode & 0b1 == 0 {
        let simulator = Simulator::new(SimulatorConfig::default());
        if let Ok(answer) = block_on(simulator.converse(call)) {
            check_response(&answer.response);
        }
    } else {
        check_stream(&model_id, call);
    }
}

/// The answer as the emulator writes it reads back unchanged.
fn check_response(response: &ConverseResponse) {
    let json = serde_json::to_vec(response)
        .unwrap_or_else(|e| panic!("a ConverseResponse serialises: {e}; {response:?}"));
    let reread: ConverseResponse = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "the simulator's ConverseResponse reads back: {e}; {}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(&reread, response, "a ConverseResponse round-trips");
}

/// The event as the emulator frames it (`:event-type` and the inner object) reads back.
fn check_event(event: &ConverseStreamEvent) {
    let tagged = serde_json::to_value(event)
        .unwrap_or_else(|e| panic!("a ConverseStreamEvent serialises: {e}; {event:?}"));
    let inner = match &tagged {
        Value::Object(map) if map.len() == 1 => map.values().next().cloned(),
        _ => None,
    }
    .unwrap_or_else(|| panic!("an event serialises as one tagged object: {tagged}"));
    let payload = serde_json::to_vec(&inner).unwrap_or_default();
    let inner: Value = serde_json::from_slice(&payload)
        .unwrap_or_else(|e| panic!("an event payload is JSON: {e}; {inner}"));
    let rebuilt = Value::Object(
        [(event.event_type().to_owned(), inner)]
            .into_iter()
            .collect(),
    );
    let reread: ConverseStreamEvent = serde_json::from_value(rebuilt.clone())
        .unwrap_or_else(|e| panic!("a framed ConverseStream event reads back: {e}; {rebuilt}"));
    assert_eq!(&reread, event, "a ConverseStream event round-trips");
}

fn check_stream(model_id: &str, call: SimConverseRequest) {
    let whole = {
        let simulator = Simulator::new(SimulatorConfig::default());
        block_on(simulator.converse(call.clone()))
    };
    let simulator = Simulator::new(SimulatorConfig::default());
    let Ok(answer) = block_on(simulator.converse_stream(call)) else {
        return;
    };
    let items: Vec<_> = block_on(answer.stream.collect());
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Ok(SimConverseEvent::Event(event)) => {
                check_event(&event);
                events.push(event);
            }
            // Faults are off, so a stream that stops early is a finding of its own.
            other => panic!("{model_id}: ConverseStream without faults ended with {other:?}"),
        }
    }
    let names: Vec<&str> = events.iter().map(ConverseStreamEvent::event_type).collect();
    assert_eq!(
        names.first(),
        Some(&"messageStart"),
        "{model_id}: a stream starts with messageStart: {names:?}"
    );
    assert!(
        names.ends_with(&["messageStop", "metadata"]),
        "{model_id}: a stream ends with messageStop and metadata: {names:?}"
    );
    let mut accumulator = ConverseAccumulator::new();
    for event in &events {
        accumulator
            .push(event)
            .unwrap_or_else(|e| panic!("{model_id}: the stream's events accumulate: {e}"));
    }
    let accumulated = accumulator
        .finish()
        .unwrap_or_else(|e| panic!("{model_id}: the stream accumulates to a response: {e}"));
    check_response(&accumulated);
    match whole {
        Ok(whole) => assert_eq!(
            accumulated, whole.response,
            "{model_id}: ConverseStream accumulates to what Converse answers"
        ),
        Err(e) => panic!("{model_id}: ConverseStream answers what Converse refuses: {e}"),
    }
}
