//! Code generated from `catalog/` by `cargo xtask codegen`; the files beside this one are never edited by hand.

mod models;
mod profiles;
mod regions;

pub(crate) use models::FOUNDATION_MODELS;
pub(crate) use profiles::INFERENCE_PROFILES;
pub(crate) use regions::REGIONS;
pub use regions::Region;
