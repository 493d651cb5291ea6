#![doc = include_str!("../README.md")]
// Request bytes reach most of this crate: nothing they steer may panic. Tests may.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

mod auth;
mod batch;
mod clock;
mod config;
mod connections;
mod control;
mod converse;
mod credentials;
mod emulator;
mod error;
mod eventstream;
mod profiles;
mod routes;
mod s3;
mod server;

pub use auth::{Credentials, EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, SIGNING_SERVICE};
pub use batch::BatchConfig;
pub use bedrock_simulator::{
    ApplicationProfile, Fault, FaultRule, Operation, ProvisionedModel, Simulator, SimulatorConfig,
    StreamErrorKind,
};
pub use config::{
    DEFAULT_BODY_READ_TIMEOUT_MS, DEFAULT_HEADER_READ_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS,
    EmulatorConfig,
};
pub use credentials::{
    CredentialRequests, DEFAULT_MAX_ISSUED_CREDENTIALS, RoleConfig, RolesAnywhereProfile,
    TrustAnchorConfig,
};
pub use emulator::{Emulator, EmulatorBuilder, EmulatorHandle, serve_until};
pub use error::EmulatorError;
