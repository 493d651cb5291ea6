#![doc = include_str!("../README.md")]
// Request bytes reach nearly all of this crate, in-process and behind the HTTP emulator: a
// panic there takes the emulator down, an unchecked size exhausts its memory. Tests may
// unwrap. Each `allow` below names why its panic cannot happen.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod backend;
mod config;
mod families;
mod fault;
mod image;
mod models;
mod rejection;
mod rng;
mod schema;
mod simulator;
mod text;

pub use backend::MockBackend;
pub use config::SimulatorConfig;
pub use fault::{Fault, FaultRule, Operation, StreamErrorKind};
pub use rejection::{
    ACCESS_NOT_GRANTED, END_OF_LIFE, INVALID_MODEL_ID, MODEL_NOT_FOUND, UNSUPPORTED_FOR_STREAMING,
    on_demand_not_supported,
};
pub use simulator::{
    LoggedOutcome, LoggedRequest, SimChunk, SimRequest, SimResponse, SimStream, SimStreamResponse,
    Simulator, StateFootprint,
};
