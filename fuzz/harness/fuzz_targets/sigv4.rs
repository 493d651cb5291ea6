//! cargo-fuzz entry point of the `sigv4` target; the body is
//! `bedrock_fuzz_targets::sigv4`, which `fuzz/targets/tests/replay.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bedrock_fuzz_harness::run(bedrock_fuzz_targets::sigv4, data);
});
