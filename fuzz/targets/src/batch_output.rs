//! The `batch_output` target: a batch job's output objects as a client reads them,
//! `bedrock_core::batch::BatchOutput::parse_jsonl` / `parse_line` for a catalog model and
//! `BatchManifest::parse`.

use bedrock_core::ModelId;
use bedrock_core::batch::{BatchManifest, BatchOutput};
use bedrock_core::catalog::foundation_models;
use bedrock_core::model_io::ModelOutput;
use serde_json::Value;

use crate::adapters::registry;

/// Byte 0 picks the catalog model whose adapter reads the records; the rest is both a
/// `.jsonl.out` object and a `manifest.json.out`.
///
/// Properties besides "no panic":
/// - one result per line that is not blank, in order, each the one `parse_line` gives for
///   that line (nothing lost, nothing merged);
/// - a line whose JSON object names a string `recordId` keeps it; a line with an `error`
///   member is an error record, and a line without `modelOutput` is never a success;
/// - a record's output writes to JSON and reads back as the same `ModelOutput` (an embedding
///   number beyond `f32`'s range, which the adapters read as infinity, makes the record an
///   error: `fuzz/crashes/batch_output/embedding-value-beyond-f32`);
/// - a manifest that parses writes back to JSON that parses to the same manifest.
pub fn batch_output(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if let Ok(manifest) = BatchManifest::parse(rest) {
        let json = serde_json::to_vec(&manifest).unwrap_or_default();
        let reread = BatchManifest::parse(&json)
            .unwrap_or_else(|e| panic!("a written manifest parses: {e}"));
        assert_eq!(reread, manifest, "a manifest round-trips through JSON");
    }
    let models = foundation_models();
    let Some(model) = models.get(usize::from(pick) % models.len().max(1)) else {
        return;
    };
    let Some(reader) = ModelId::new(model.model_id)
        .ok()
        .and_then(|id| BatchOutput::new(registry(), &id).ok())
    else {
        return;
    };
    let results = reader.parse_jsonl(rest);
    let lines: Vec<&[u8]> = rest
        .split(|&b| b == b'\n')
        .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
        .collect();
    assert_eq!(
        results.len(),
        lines.len(),
        "{}: one result per non-blank line",
        model.model_id
    );
    for (line, result) in lines.iter().zip(&results) {
        assert_eq!(
            result,
            &reader.parse_line(line),
            "{}: parse_jsonl reads a line as parse_line does",
            model.model_id
        );
        let value: Option<Value> = serde_json::from_slice(line).ok();
        let member = |name: &str| value.as_ref().and_then(|v| v.get(name));
        if let Some(id) = member("recordId").and_then(Value::as_str) {
            assert_eq!(
                result.record_id.as_deref(),
                Some(id),
                "the record id is kept"
            );
        }
        match &result.output {
            Ok(output) => {
                assert!(
                    member("error").is_none() && member("modelOutput").is_some(),
                    "{}: only a line with modelOutput and no error is a success: {}",
                    model.model_id,
                    String::from_utf8_lossy(line)
                );
                let json = serde_json::to_vec(output)
                    .unwrap_or_else(|e| panic!("a ModelOutput serialises: {e}; {output:?}"));
                let reread: ModelOutput = serde_json::from_slice(&json).unwrap_or_else(|e| {
                    panic!(
                        "a ModelOutput reads back: {e}; {}",
                        String::from_utf8_lossy(&json)
                    )
                });
                assert_eq!(
                    &reread, output,
                    "a record's output round-trips through JSON"
                );
            }
            Err(error) => assert!(
                !error.message.is_empty() || member("error").is_some(),
                "an error record says why"
            ),
        }
    }
}
