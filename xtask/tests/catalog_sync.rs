//! `cargo xtask catalog sync` on a scratch copy of the catalog, from saved responses
//! (`--from DIR`): a changed model list (one model added, one no longer listed, one new
//! profile) gives the expected TOML changes, a readable diff and fresh generated files.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;
use xtask::catalog::{Catalog, MODELS_FILE, PROFILES_FILE, REGIONS_FILE};
use xtask::sync::{self, Source};
use xtask::{Mode, catalog_generators, run};

fn scratch_workspace() -> TempDir {
    let source = xtask::workspace_root();
    let scratch = tempfile::tempdir().expect("create a temporary directory");
    let mut files = vec![REGIONS_FILE, MODELS_FILE, PROFILES_FILE, "rustfmt.toml"];
    files.extend(catalog_generators().iter().map(|g| g.path));
    for file in files {
        let to = scratch.path().join(file);
        fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        fs::copy(source.join(file), &to).unwrap_or_else(|err| panic!("copy {file}: {err}"));
    }
    scratch
}

/// What Bedrock's ListFoundationModels and ListInferenceProfiles answer in `region` for the
/// catalog at `root`, in Bedrock's JSON shapes (as `aws bedrock list-...` prints them).
fn listing(root: &Path, region: &str) -> (Value, Value) {
    let catalog = Catalog::load(root).expect("valid catalog");
    let index = catalog
        .regions
        .iter()
        .position(|r| r.name == region)
        .expect("a catalog region");
    let mut models = Vec::new();
    for m in &catalog.models {
        let here = m.regions.contains(&index);
        let profiled = catalog
            .profiles_of(&m.model_id)
            .any(|p| p.sources.contains(&index));
        if !here && !profiled {
            continue;
        }
        let types: Vec<&str> = m
            .inference_types
            .iter()
            .map(|t| t.wire())
            .filter(|t| match *t {
                "INFERENCE_PROFILE" => profiled,
                _ => here,
            })
            .collect();
        let wires =
            |terms: &[xtask::catalog::Term]| terms.iter().map(|t| t.wire()).collect::<Vec<_>>();
        models.push(json!({
            "modelArn": format!("arn:aws:bedrock:{region}::foundation-model/{}", m.model_id),
            "modelId": m.model_id,
            "modelName": m.name,
            "providerName": m.provider,
            "inputModalities": wires(&m.input_modalities),
            "outputModalities": wires(&m.output_modalities),
            "responseStreamingSupported": m.response_streaming,
            "customizationsSupported": wires(&m.customizations),
            "inferenceTypesSupported": types,
            "modelLifecycle": {"status": m.lifecycle.wire()},
        }));
    }
    let profiles: Vec<Value> = catalog
        .profiles
        .iter()
        .filter(|p| p.sources.contains(&index))
        .map(|p| {
            json!({
                "inferenceProfileId": p.profile_id,
                "inferenceProfileName": p.name,
                "inferenceProfileArn": format!("arn:aws:bedrock:{region}:123456789012:inference-profile/{}", p.profile_id),
                "status": "ACTIVE",
                "type": "SYSTEM_DEFINED",
                "models": catalog.region_names(&p.destinations).map(|d| json!({
                    "modelArn": format!("arn:aws:bedrock:{d}::foundation-model/{}", p.model_id)
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    (
        json!({ "modelSummaries": models }),
        json!({ "inferenceProfileSummaries": profiles }),
    )
}

fn save(dir: &Path, region: &str, models: &Value, profiles: &Value) {
    let base = dir.join(region);
    fs::create_dir_all(&base).expect("mkdir");
    fs::write(base.join("foundation-models.json"), models.to_string()).expect("write");
    fs::write(base.join("inference-profiles.json"), profiles.to_string()).expect("write");
}

const ONLY_US_EAST_1: &str = "ai21.jamba-1-5-mini-v1:0";

#[test]
fn an_unchanged_listing_changes_nothing() {
    let scratch = scratch_workspace();
    let saved = tempfile::tempdir().expect("tempdir");
    for region in ["us-east-1", "us-west-2"] {
        let (m, p) = listing(scratch.path(), region);
        save(saved.path(), region, &m, &p);
    }
    let outcome = sync::run(
        scratch.path(),
        &Source::Dir(saved.path().to_path_buf()),
        Some(vec!["us-east-1".into(), "us-west-2".into()]),
        "2026-12-01",
        true,
    )
    .expect("sync");
    assert!(outcome.report.files.is_empty(), "{}", outcome.report.diff);
    assert!(outcome.summary().contains("the catalog is current"));
}

#[test]
fn a_changed_listing_adds_marks_and_regenerates() {
    let scratch = scratch_workspace();
    let saved = tempfile::tempdir().expect("tempdir");
    let (mut models, mut profiles) = listing(scratch.path(), "us-east-1");
    // One model added, one no longer listed, one new profile.
    let list = models["modelSummaries"].as_array_mut().expect("an array");
    list.retain(|m| m["modelId"] != ONLY_US_EAST_1);
    list.push(json!({
        "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/acme.widget-v1:0",
        "modelId": "acme.widget-v1:0",
        "modelName": "Widget",
        "providerName": "Acme",
        "inputModalities": ["TEXT"],
        "outputModalities": ["TEXT"],
        "responseStreamingSupported": true,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND", "INFERENCE_PROFILE"],
        "modelLifecycle": {"status": "ACTIVE"},
    }));
    profiles["inferenceProfileSummaries"]
        .as_array_mut()
        .expect("an array")
        .push(json!({
            "inferenceProfileId": "us.acme.widget-v1:0",
            "inferenceProfileName": "US Acme Widget",
            "inferenceProfileArn": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.acme.widget-v1:0",
            "status": "ACTIVE",
            "type": "SYSTEM_DEFINED",
            "models": [
                {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/acme.widget-v1:0"},
                {"modelArn": "arn:aws:bedrock:us-west-2::foundation-model/acme.widget-v1:0"},
            ],
        }));
    save(saved.path(), "us-east-1", &models, &profiles);
    let outcome = sync::run(
        scratch.path(),
        &Source::Dir(saved.path().to_path_buf()),
        Some(vec!["us-east-1".into()]),
        "2026-12-01",
        true,
    )
    .expect("sync");
    let report = &outcome.report;
    assert_eq!(report.added_models, ["acme.widget-v1:0"]);
    assert_eq!(report.removed_models, [ONLY_US_EAST_1]);
    assert_eq!(report.added_profiles, ["us.acme.widget-v1:0"]);
    assert!(
        report.changed_models.is_empty(),
        "{:?}\n{}",
        report.changed_models,
        report.diff
    );

    // The TOML says so, and keeps what it had.
    let models_toml = fs::read_to_string(scratch.path().join(MODELS_FILE)).expect("read");
    assert!(
        models_toml
            .contains("model_id = \"acme.widget-v1:0\"\nname = \"Widget\"\nprovider = \"Acme\"")
    );
    assert!(models_toml.contains("inference_types = [\"ON_DEMAND\", \"INFERENCE_PROFILE\"]\nlifecycle = \"ACTIVE\"\nregions = [\"us-east-1\"]"));
    let mini = models_toml
        .split("[[model]]")
        .find(|b| b.contains(ONLY_US_EAST_1))
        .expect("the model is kept");
    assert!(mini.contains("removed = \"2026-12-01\""), "{mini}");
    assert!(mini.contains("regions = [\"us-east-1\"]"), "{mini}");
    assert!(models_toml.contains("successor = \"anthropic.claude-sonnet-4-5-20250929-v1:0\""));
    let profiles_toml = fs::read_to_string(scratch.path().join(PROFILES_FILE)).expect("read");
    assert!(profiles_toml.contains(
        "[[profile]]\ngeography = \"us\"\nmodel_id = \"acme.widget-v1:0\"\nname = \"US Acme Widget\"\nsources = [\"us-east-1\"]\ndestinations = [\"us-east-1\", \"us-west-2\"]"
    ));

    // A readable diff of both files.
    assert!(
        report.diff.contains(&format!("--- {MODELS_FILE}")),
        "{}",
        report.diff
    );
    assert!(
        report.diff.contains("+model_id = \"acme.widget-v1:0\""),
        "{}",
        report.diff
    );
    assert!(
        report.diff.contains("+removed = \"2026-12-01\""),
        "{}",
        report.diff
    );
    assert!(
        report.diff.contains(&format!("--- {PROFILES_FILE}")),
        "{}",
        report.diff
    );
    let summary = outcome.summary();
    assert!(
        summary.contains("models added (1):\n  acme.widget-v1:0"),
        "{summary}"
    );

    // Regenerated: the generated files are fresh and carry the change.
    assert!(outcome.written);
    run(scratch.path(), &catalog_generators(), Mode::Check).expect("fresh after the sync");
    let generated =
        fs::read_to_string(scratch.path().join(xtask::rust_source::MODELS_RS)).expect("read");
    assert!(generated.contains("model_id: \"acme.widget-v1:0\""));
    assert!(generated.contains("removed: Some(\"2026-12-01\")"));
    let profiles_rs =
        fs::read_to_string(scratch.path().join(xtask::rust_source::PROFILES_RS)).expect("read");
    assert!(profiles_rs.contains("profile_id: \"us.acme.widget-v1:0\""));

    // A second sync of the same listing changes nothing more.
    let again = sync::run(
        scratch.path(),
        &Source::Dir(saved.path().to_path_buf()),
        Some(vec!["us-east-1".into()]),
        "2026-12-02",
        true,
    )
    .expect("sync again");
    assert!(again.report.files.is_empty(), "{}", again.report.diff);
}

#[test]
fn a_region_outside_the_catalog_is_refused() {
    let scratch = scratch_workspace();
    let err = sync::run(
        scratch.path(),
        &Source::Dir(scratch.path().to_path_buf()),
        Some(vec!["mars-north-1".into()]),
        "2026-12-01",
        false,
    )
    .expect_err("unknown region");
    assert!(err.to_string().contains("mars-north-1"), "{err}");
}
