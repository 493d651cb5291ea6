//! Integration tests of the Claude adapter, driven by the data files under `tests/data`:
//! request-body and parsed-output snapshots, invalid inputs, JSON Schemas, registry resolution
//! over the catalog, and the shared conformance suite.

mod bodies;
mod conformance;
mod fixtures;
mod invalid;
mod outputs;
mod registry;
mod schemas;
