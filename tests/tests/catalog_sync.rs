//! `cargo xtask catalog sync` against the emulator serving a changed model list: a scratch copy
//! of the catalog lacks one model and one profile the emulator lists, and the emulator, asked
//! to simulate a date, no longer lists a retired model. The sync reads both listings through
//! the `bedrock` command line, and the TOML and the regenerated files say so.

mod support;

use std::fs;
use std::path::Path;

use bedrock_emulator::{EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, EmulatorConfig};
use bedrock_simulator::SimulatorConfig;
use tempfile::TempDir;
use xtask::catalog::{MODELS_FILE, PROFILES_FILE, REGIONS_FILE};
use xtask::sync::{self, Source};
use xtask::{Mode, catalog_generators, run};

const ADDED: &str = "qwen.qwen3-32b-v1:0";
const RETIRED: &str = "amazon.titan-image-generator-v2:0";
const NEW_PROFILE: &str = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn scratch_workspace() -> TempDir {
    let source = xtask::workspace_root();
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let mut files = vec![REGIONS_FILE, MODELS_FILE, PROFILES_FILE, "rustfmt.toml"];
    files.extend(catalog_generators().iter().map(|g| g.path));
    for file in files {
        let to = scratch.path().join(file);
        fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        fs::copy(source.join(file), &to).unwrap_or_else(|err| panic!("copy {file}: {err}"));
    }
    scratch
}

/// Removes the `[[header]]` block whose lines contain `needle` from the file at `path`.
fn remove_block(path: &Path, header: &str, needle: &str) {
    let text = fs::read_to_string(path).expect("read");
    let marker = format!("\n{header}\n");
    let mut parts: Vec<&str> = text.split(&marker).collect();
    let before = parts.len();
    parts.retain(|block| !block.contains(needle));
    assert_eq!(parts.len() + 1, before, "exactly one block holds {needle}");
    fs::write(path, parts.join(&marker)).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_against_the_emulator_serving_a_changed_model_list() {
    let scratch = scratch_workspace();
    let root = scratch.path();
    remove_block(
        &root.join(MODELS_FILE),
        "[[model]]",
        &format!("model_id = \"{ADDED}\""),
    );
    remove_block(
        &root.join(PROFILES_FILE),
        "[[profile]]",
        "geography = \"global\"\nmodel_id = \"anthropic.claude-sonnet-4-5-20250929-v1:0\"",
    );
    run(root, &catalog_generators(), Mode::Write).expect("the edited copy is a valid catalog");

    // Titan Image Generator G1 v2 reaches end of life on 2026-06-30.
    let emulator = support::start_emulator(EmulatorConfig {
        simulator: SimulatorConfig::default().simulate_date("2026-06-30"),
        ..EmulatorConfig::default()
    })
    .await;
    let empty = root.join("no-such-aws-file");
    let empty = empty.to_string_lossy().into_owned();
    let source = Source::Live {
        endpoint_url: Some(emulator.url()),
        program: Some(support::bedrock_binary()),
        env: vec![
            ("AWS_ACCESS_KEY_ID".into(), EXAMPLE_ACCESS_KEY_ID.into()),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                EXAMPLE_SECRET_ACCESS_KEY.into(),
            ),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_CONFIG_FILE".into(), empty.clone()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), empty),
        ],
    };
    let regions = vec!["us-east-1".to_owned(), "us-west-2".to_owned()];
    let root_path = root.to_path_buf();
    let outcome = tokio::task::spawn_blocking(move || {
        sync::run(&root_path, &source, Some(regions), "2026-12-01", true)
    })
    .await
    .expect("the sync thread")
    .unwrap_or_else(|err| panic!("sync: {err}"));

    let report = &outcome.report;
    assert_eq!(report.added_models, [ADDED], "{}", outcome.summary());
    assert_eq!(report.removed_models, [RETIRED], "{}", outcome.summary());
    assert_eq!(
        report.added_profiles,
        [NEW_PROFILE],
        "{}",
        outcome.summary()
    );

    // The TOML: the model back with its on-demand regions in the regions asked, the retired one
    // marked and kept with its hand-kept fields, the profile back with the sources asked.
    let models = fs::read_to_string(root.join(MODELS_FILE)).expect("read");
    let block = |id: &str| -> String {
        models
            .split("[[model]]")
            .find(|b| b.contains(&format!("model_id = \"{id}\"")))
            .unwrap_or_else(|| panic!("{id} is in models.toml"))
            .to_owned()
    };
    let added = block(ADDED);
    assert!(added.contains("provider = \"Qwen\""), "{added}");
    assert!(added.contains("regions = [\"us-west-2\"]"), "{added}");
    let retired = block(RETIRED);
    assert!(retired.contains("removed = \"2026-12-01\""), "{retired}");
    assert!(
        retired.contains("end_of_life = \"2026-06-30\""),
        "{retired}"
    );
    assert!(
        retired.contains("successor = \"amazon.nova-canvas-v1:0\""),
        "{retired}"
    );
    let profiles = fs::read_to_string(root.join(PROFILES_FILE)).expect("read");
    assert!(
        profiles.contains(
            "geography = \"global\"\nmodel_id = \"anthropic.claude-sonnet-4-5-20250929-v1:0\"\nname = \"Global Anthropic Claude Sonnet 4.5\"\nsources = [\"us-east-1\", \"us-west-2\"]"
        ),
        "{profiles}"
    );

    // A readable diff, and fresh generated files that carry the change.
    assert!(
        report.diff.contains(&format!("+model_id = \"{ADDED}\"")),
        "{}",
        report.diff
    );
    assert!(
        report.diff.contains("+removed = \"2026-12-01\""),
        "{}",
        report.diff
    );
    assert!(
        report
            .diff
            .contains("+model_id = \"anthropic.claude-sonnet-4-5-20250929-v1:0\""),
        "{}",
        report.diff
    );
    run(root, &catalog_generators(), Mode::Check).expect("the generated files are fresh");
    let models_rs = fs::read_to_string(root.join(xtask::rust_source::MODELS_RS)).expect("read");
    assert!(models_rs.contains(&format!("model_id: \"{ADDED}\"")));
    assert!(models_rs.contains("removed: Some(\"2026-12-01\")"));
    let profiles_rs = fs::read_to_string(root.join(xtask::rust_source::PROFILES_RS)).expect("read");
    assert!(profiles_rs.contains(&format!("profile_id: \"{NEW_PROFILE}\"")));
    let reference =
        fs::read_to_string(root.join(xtask::reference_docs::PROFILES_MD)).expect("read");
    assert!(reference.contains(&format!("`{NEW_PROFILE}`")));
}
