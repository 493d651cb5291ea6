//! cargo-fuzz entry point of the `batch_output` target; the body is
//! `bedrock_fuzz_targets::batch_output`, which `fuzz/targets/tests/replay.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bedrock_fuzz_harness::run(bedrock_fuzz_targets::batch_output, data);
});
