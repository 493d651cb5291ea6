//! cargo-fuzz entry point of the `model_id` target; the body is
//! `bedrock_fuzz_targets::model_id`, which `fuzz/targets/tests/replay.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bedrock_fuzz_harness::run(bedrock_fuzz_targets::model_id, data);
});
