//! Integration tests of the Claude adapter, driven by the data files under `tests/data`:
//! request-body and parsed-output snapshots, Converse-shaped requests and typed responses
//! with every block, the simulator's answers, invalid inputs, JSON Schemas, registry resolution
//! over the catalog, and the shared conformance suite.

mod bodies;
mod conformance;
mod converse;
mod fixtures;
mod invalid;
mod outputs;
mod registry;
mod schemas;
mod simulator;
mod typed_outputs;
