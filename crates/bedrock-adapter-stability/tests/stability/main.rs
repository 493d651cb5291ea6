//! Integration tests of the Stability adapter: request-body and parsed-output snapshots driven by
//! data files, invalid inputs, JSON Schemas, registry resolution over the catalog, and the shared
//! conformance suite.

mod bodies;
mod conformance;
mod fixtures;
mod invalid;
mod outputs;
mod registry;
mod schemas;
