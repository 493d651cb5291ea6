//! Loaders for fixture files kept beside an adapter's tests (JSON, JSON lines, raw bytes).
//!
//! These are test helpers: they panic with the path and the reason instead of returning errors,
//! so a missing or malformed fixture fails the test that needed it with a precise message.
//! Relative paths resolve against the current directory, which `cargo test` sets to the package
//! root.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::StreamFixture;

/// The bytes of a file.
///
/// # Panics
/// When the file cannot be read.
#[track_caller]
pub fn load_bytes(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// A JSON file deserialised into `T`.
///
/// # Panics
/// When the file cannot be read or is not a valid `T`.
#[track_caller]
pub fn load_json<T: DeserializeOwned>(path: impl AsRef<Path>) -> T {
    let path = path.as_ref();
    let bytes = load_bytes(path);
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("fixture {} is not the expected JSON: {e}", path.display()))
}

/// A JSON-lines file: one JSON value per non-blank line.
///
/// # Panics
/// When the file cannot be read or a line is not JSON (the message names the line).
#[track_caller]
pub fn load_json_lines(path: impl AsRef<Path>) -> Vec<serde_json::Value> {
    let path = path.as_ref();
    let bytes = load_bytes(path);
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("fixture {} is not UTF-8: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| {
                panic!("fixture {} line {}: not JSON: {e}", path.display(), i + 1)
            })
        })
        .collect()
}

/// A JSON-lines file as compact JSON byte chunks, one per line, as a stream delivers them.
///
/// # Panics
/// As [`load_json_lines`].
#[track_caller]
pub fn load_chunks(path: impl AsRef<Path>) -> Vec<Vec<u8>> {
    load_json_lines(path)
        .iter()
        .map(|v| serde_json::to_vec(v).unwrap_or_default())
        .collect()
}

/// A [`StreamFixture`] from a JSON-lines file of chunks and a JSON file of the whole body.
///
/// # Panics
/// As [`load_json_lines`] and [`load_bytes`].
#[track_caller]
pub fn load_stream(
    name: impl Into<String>,
    chunks_path: impl AsRef<Path>,
    whole_body_path: impl AsRef<Path>,
) -> StreamFixture {
    StreamFixture {
        name: name.into(),
        chunks: load_chunks(chunks_path),
        whole_body: load_bytes(whole_body_path),
    }
}

/// Every file in `dir` whose name ends in `.{ext}`, as (file stem, bytes), sorted by name.
///
/// # Panics
/// When the directory or one of its files cannot be read, or it holds no such file.
#[track_caller]
pub fn load_dir(dir: impl AsRef<Path>, ext: &str) -> Vec<(String, Vec<u8>)> {
    let dir = dir.as_ref();
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list fixture directory {}: {e}", dir.display()));
    let mut files: Vec<_> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("cannot list fixture directory {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    if files.is_empty() {
        panic!("fixture directory {} holds no `.{ext}` file", dir.display());
    }
    files
        .into_iter()
        .map(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (stem, load_bytes(&p))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("bedrock-testkit-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn json_lines_skip_blank_lines_and_name_the_bad_line() {
        let dir = temp_dir("jsonl");
        let good = dir.join("good.jsonl");
        std::fs::write(&good, "{\"a\":1}\n\n  {\"b\": [1, 2]}\n").unwrap();
        let values = load_json_lines(&good);
        assert_eq!(
            values,
            vec![
                serde_json::json!({"a": 1}),
                serde_json::json!({"b": [1, 2]})
            ]
        );
        assert_eq!(
            load_chunks(&good),
            vec![b"{\"a\":1}".to_vec(), b"{\"b\":[1,2]}".to_vec()]
        );

        let bad = dir.join("bad.jsonl");
        std::fs::write(&bad, "{\"a\":1}\n{oops\n").unwrap();
        let err = std::panic::catch_unwind(|| load_json_lines(&bad)).unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(msg.contains("line 2"), "{msg}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn load_dir_sorts_by_name_and_filters_by_extension() {
        let dir = temp_dir("dir");
        std::fs::write(dir.join("b.json"), "2").unwrap();
        std::fs::write(dir.join("a.json"), "1").unwrap();
        std::fs::write(dir.join("c.txt"), "3").unwrap();
        let files = load_dir(&dir, "json");
        assert_eq!(
            files,
            vec![
                ("a".to_owned(), b"1".to_vec()),
                ("b".to_owned(), b"2".to_vec())
            ]
        );
        let missing = std::panic::catch_unwind(|| load_dir(&dir, "yaml")).unwrap_err();
        assert!(
            missing
                .downcast_ref::<String>()
                .unwrap()
                .contains("no `.yaml` file")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_files_name_the_path() {
        let err = std::panic::catch_unwind(|| load_bytes("/nonexistent/fixture.json")).unwrap_err();
        assert!(
            err.downcast_ref::<String>()
                .unwrap()
                .contains("/nonexistent/fixture.json")
        );
    }
}
