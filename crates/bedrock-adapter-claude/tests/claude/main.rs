//! Integration tests of the Claude adapter, driven by the data files under `tests/data`.

mod conformance;
mod data;
mod invalid_inputs;
mod parsing;
mod registry;
mod snapshots;
