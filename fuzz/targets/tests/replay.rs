//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and every fixed crash
//! (`fuzz/crashes/<target>/`) through the same target functions the cargo-fuzz harness runs, so
//! `cargo test` catches a regression on any input a campaign kept.
//!
//! A crash that is found but not fixed yet stays in `fuzz/crashes/<target>/` and is listed in
//! [`OPEN`] with the reason; the replay skips it, and an `#[ignore]`d test below replays it so
//! that whoever fixes it can run `cargo test -p bedrock-fuzz-targets -- --ignored`.

use std::path::{Path, PathBuf};

use bedrock_fuzz_targets::{TARGETS, Target};

/// Crash inputs, relative to `fuzz/crashes/`, that are not fixed yet: skipped by the replay.
const OPEN: &[&str] = &[];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn target(name: &str) -> Target {
    *TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name}"))
}

/// Runs every corpus file and fixed crash of `name`; returns how many ran.
fn replay(name: &str) -> usize {
    let target = target(name);
    let root = fuzz_dir();
    let corpus = files(&root.join("corpus").join(name));
    let crashes: Vec<PathBuf> = files(&root.join("crashes").join(name))
        .into_iter()
        .filter(|p| {
            let relative = p.strip_prefix(root.join("crashes")).unwrap_or(p);
            !OPEN.iter().any(|open| relative == Path::new(open))
        })
        .collect();
    for path in corpus.iter().chain(&crashes) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The panic message is printed by the hook; this names the input that caused it.
        if std::panic::catch_unwind(|| (target.run)(&data)).is_err() {
            panic!("{name}: {} fails", path.display());
        }
    }
    corpus.len() + crashes.len()
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let ran = replay(stringify!($name));
                assert!(ran > 0, "fuzz/corpus/{} is empty", stringify!($name));
            }
        )*

        #[test]
        fn every_target_has_a_replay_test() {
            let tested = [$(stringify!($name)),*];
            for t in TARGETS {
                assert!(tested.contains(&t.name), "no replay test for {}", t.name);
            }
        }
    };
}

replay_tests!(
    model_id,
    adapter_output,
    adapter_stream_chunk,
    event_stream,
    sigv4,
    simulator,
    converse,
    batch_output,
    emulator,
);

#[test]
fn open_crashes_exist() {
    for open in OPEN {
        assert!(fuzz_dir().join("crashes").join(open).is_file(), "{open}");
    }
}

fn crash(path: &str) -> Vec<u8> {
    let path = fuzz_dir().join("crashes").join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Found by the `sigv4` campaign: `bedrock_auth::sign_request` (aws-sigv4) and
/// `verify_sigv4` disagreed on `GET /?%ea`: the signer decodes the lone byte 0xEA to U+FFFD
/// and signs `%EF%BF%BD=`, the verifier kept the byte and checked `%EA=`, so a request the
/// signer signed was refused with InvalidSignature. Fixed: the verifier's canonical query reads
/// decoded bytes as the signer does.
#[test]
fn sigv4_signed_query_with_a_non_utf8_byte_verifies() {
    bedrock_fuzz_targets::sigv4(&crash("sigv4/sign-query-percent-encoded-non-utf8"));
}
