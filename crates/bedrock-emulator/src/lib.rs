#![doc = include_str!("../README.md")]

mod auth;
mod clock;
mod config;
mod emulator;
mod error;
mod eventstream;
mod routes;
mod server;

pub use auth::{Credentials, EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, SIGNING_SERVICE};
pub use bedrock_simulator::{
    Fault, FaultRule, Operation, Simulator, SimulatorConfig, StreamErrorKind,
};
pub use config::EmulatorConfig;
pub use emulator::{Emulator, EmulatorBuilder, EmulatorHandle, serve_until};
pub use error::EmulatorError;
