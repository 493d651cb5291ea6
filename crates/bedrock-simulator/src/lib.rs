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

mod async_invoke;
mod backend;
mod config;
mod converse;
mod families;
mod fault;
mod image;
mod models;
mod profiles;
mod provisioned;
mod rejection;
mod rng;
mod schema;
mod simulator;
mod text;
mod video;

pub use async_invoke::AsyncOutputFile;
pub use backend::MockBackend;
pub use config::SimulatorConfig;
pub use converse::{
    CACHE_ENTRIES_PER_MODEL, MAX_CACHE_POINTS, NO_CACHING, NO_CHAT, NO_COUNT_TOKENS, NO_DOCUMENTS,
    NO_IMAGES, NO_STREAMING_TOOLS, NO_SYSTEM, NO_TOOL_CACHING, NO_TOOLS, NOT_ALTERNATING,
    NOT_CHAT_MODEL, NOT_USER_FIRST, SimConverseEvent, SimConverseRequest, SimConverseResponse,
    SimConverseStream, SimConverseStreamResponse, SimCountTokensRequest, TOOL_CONFIG_REQUIRED,
    invalid_signature, no_tool_choice, stream_events,
};
pub use fault::{Fault, FaultRule, Operation, StreamErrorKind};
pub use profiles::{ACCOUNT_ID, ApplicationProfile};
pub use provisioned::ProvisionedModel;
pub use rejection::{
    ACCESS_NOT_GRANTED, END_OF_LIFE, INVALID_MODEL_ID, MODEL_NOT_FOUND, UNSUPPORTED_FOR_STREAMING,
    on_demand_not_supported,
};
pub use simulator::{
    LoggedOutcome, LoggedRequest, SimChunk, SimRequest, SimResponse, SimStream, SimStreamResponse,
    Simulator, StateFootprint,
};
