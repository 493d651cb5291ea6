#![doc = include_str!("../README.md")]

mod adapters;
mod batch_output;
mod converse;
mod emulator;
mod event_stream;
mod model_id;
pub mod request_text;
mod sigv4;
mod simulator;

pub use adapters::{adapter_output, adapter_stream_chunk, routes};
pub use batch_output::batch_output;
pub use converse::{converse, text_models as converse_text_models};
pub use emulator::emulator;
pub use event_stream::event_stream;
pub use model_id::model_id;
pub use sigv4::{
    ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, SIGNED_AT, TEMPORARY_ACCESS_KEY_ID, signed_at,
    sigv4,
};
pub use simulator::simulator;

/// One fuzz target: its name (the directory under `fuzz/corpus/`) and its body.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The name, as the harness binary and the corpus directory spell it.
    pub name: &'static str,
    /// The body: returns on any input, panics on a finding.
    pub run: fn(&[u8]),
}

/// Every target, in the order `fuzz/run` runs campaigns.
pub const TARGETS: &[Target] = &[
    Target {
        name: "model_id",
        run: model_id,
    },
    Target {
        name: "adapter_output",
        run: adapter_output,
    },
    Target {
        name: "adapter_stream_chunk",
        run: adapter_stream_chunk,
    },
    Target {
        name: "event_stream",
        run: event_stream,
    },
    Target {
        name: "sigv4",
        run: sigv4,
    },
    Target {
        name: "simulator",
        run: simulator,
    },
    Target {
        name: "converse",
        run: converse,
    },
    Target {
        name: "batch_output",
        run: batch_output,
    },
    Target {
        name: "emulator",
        run: emulator,
    },
];
