#![doc = include_str!("../README.md")]

mod liveness;
mod permissions;
mod rows;
mod schema;
mod store;

pub use schema::SCHEMA_VERSION;
pub use store::{BUSY_TIMEOUT, HISTORY_ENV, SqliteHistory, default_path};
