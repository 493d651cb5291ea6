//! cargo-fuzz entry point of the `event_stream` target; the body is
//! `bedrock_fuzz_targets::event_stream`, which `fuzz/targets/tests/replay.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bedrock_fuzz_harness::run(bedrock_fuzz_targets::event_stream, data);
});
