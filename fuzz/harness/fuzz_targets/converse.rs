//! cargo-fuzz entry point of the `converse` target; the body is
//! `bedrock_fuzz_targets::converse`, which `fuzz/targets/tests/replay.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bedrock_fuzz_harness::run(bedrock_fuzz_targets::converse, data);
});
