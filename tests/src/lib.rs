//! End-to-end tests of the workspace: real AWS SDK clients and boto3 against the emulator.

/// The emulator guide's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/emulator.md")]
mod emulator_guide {}
