//! Codegen freshness, check-mode behaviour on a scratch copy of the workspace, catalog rules, and
//! the published request schemas.

use std::fs;
use std::path::Path;

use tempfile::TempDir;
use xtask::catalog::{Catalog, MODELS_FILE, PROFILES_FILE, REGIONS_FILE};
use xtask::schemas::{SCHEMAS_DIR, SCHEMAS_MD, SchemaSet, adapter_features, dump_command};
use xtask::{Error, FileStatus, Mode, catalog_generators, run, run_codegen, write_files};

#[test]
fn generated_files_are_fresh() {
    if let Err(err) = run_codegen(Mode::Check) {
        panic!("{err}");
    }
}

#[test]
fn every_catalog_file_path_is_unique_and_relative() {
    let all = catalog_generators();
    for (i, generator) in all.iter().enumerate() {
        assert!(
            !Path::new(generator.path).is_absolute(),
            "{}",
            generator.path
        );
        assert!(
            all[..i]
                .iter()
                .all(|earlier| earlier.path != generator.path),
            "{} is generated twice",
            generator.path
        );
    }
}

#[test]
fn generated_rust_files_start_with_the_generated_header() {
    let root = xtask::workspace_root();
    for generator in catalog_generators() {
        if generator.path.ends_with(".rs") {
            let text = read(&root.join(generator.path));
            assert_eq!(
                text.lines().next(),
                Some(xtask::rust_source::GENERATED_HEADER),
                "{}",
                generator.path
            );
        }
    }
}

/// A copy of the workspace's catalog inputs and generated files in a temporary directory.
fn scratch_workspace() -> TempDir {
    let source = xtask::workspace_root();
    let scratch = tempfile::tempdir().expect("create a temporary directory");
    let mut files = vec![REGIONS_FILE, MODELS_FILE, PROFILES_FILE, "rustfmt.toml"];
    files.extend(catalog_generators().iter().map(|g| g.path));
    for file in files {
        let to = scratch.path().join(file);
        fs::create_dir_all(to.parent().expect("a relative path has a parent")).expect("mkdir");
        fs::copy(source.join(file), &to).unwrap_or_else(|err| panic!("copy {file}: {err}"));
    }
    scratch
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

fn expect_stale(result: Result<Vec<xtask::FileOutcome>, Error>, expected: &[&str]) {
    match result {
        Err(Error::Stale { files }) => {
            assert_eq!(files, expected);
            let message = Error::Stale { files }.to_string();
            for file in expected {
                assert!(
                    message.contains(&format!(
                        "{file} is stale: run `cargo xtask codegen` and commit"
                    )),
                    "{message}"
                );
            }
        }
        other => panic!("expected stale files {expected:?}, got {other:?}"),
    }
}

#[test]
fn check_mode_passes_on_an_untouched_copy() {
    let scratch = scratch_workspace();
    let outcomes = run(scratch.path(), &catalog_generators(), Mode::Check).expect("fresh copy");
    assert!(
        outcomes.iter().all(|o| o.status == FileStatus::Unchanged),
        "{outcomes:?}"
    );
}

#[test]
fn check_mode_names_an_edited_file_and_writes_nothing() {
    let scratch = scratch_workspace();
    let edited = scratch.path().join(xtask::rust_source::MODELS_RS);
    let tampered = read(&edited).replace("\"Claude 3 Haiku\"", "\"Claude 3 Haiku (edited)\"");
    fs::write(&edited, &tampered).expect("edit the copy");

    expect_stale(
        run(scratch.path(), &catalog_generators(), Mode::Check),
        &[xtask::rust_source::MODELS_RS],
    );
    assert_eq!(read(&edited), tampered, "check mode must not write");
}

#[test]
fn check_mode_names_a_missing_file() {
    let scratch = scratch_workspace();
    fs::remove_file(scratch.path().join(xtask::reference_docs::REGIONS_MD)).expect("remove");
    expect_stale(
        run(scratch.path(), &catalog_generators(), Mode::Check),
        &[xtask::reference_docs::REGIONS_MD],
    );
    assert!(
        !scratch
            .path()
            .join(xtask::reference_docs::REGIONS_MD)
            .exists()
    );
}

#[test]
fn a_catalog_edit_makes_every_dependent_file_stale_until_regenerated() {
    let scratch = scratch_workspace();
    let regions = scratch.path().join(REGIONS_FILE);
    let edited = read(&regions).replace("\"US West (Oregon)\"", "\"US West (Oregon, edited)\"");
    fs::write(&regions, edited).expect("edit the copy");

    expect_stale(
        run(scratch.path(), &catalog_generators(), Mode::Check),
        &[
            xtask::rust_source::REGIONS_RS,
            xtask::reference_docs::REGIONS_MD,
        ],
    );

    let outcomes = run(scratch.path(), &catalog_generators(), Mode::Write).expect("regenerate");
    let written: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == FileStatus::Written)
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(
        written,
        [
            xtask::rust_source::REGIONS_RS,
            xtask::reference_docs::REGIONS_MD
        ]
    );
    assert!(
        read(&scratch.path().join(xtask::rust_source::REGIONS_RS))
            .contains("\"US West (Oregon, edited)\"")
    );
    run(scratch.path(), &catalog_generators(), Mode::Check).expect("fresh after writing");
}

/// The catalog's files need nothing but the TOML: a workspace whose adapters cannot be built
/// (here: there are none) still gets them, and the failed schema dump is reported.
#[test]
fn codegen_writes_the_catalog_files_before_the_schema_dump_runs() {
    let scratch = scratch_workspace();
    let regions = scratch.path().join(REGIONS_FILE);
    let edited = read(&regions).replace("\"US West (Oregon)\"", "\"US West (Oregon, edited)\"");
    fs::write(&regions, edited).expect("edit the copy");

    match xtask::codegen(scratch.path(), Mode::Write) {
        Err(Error::Read { path, .. }) => {
            assert!(
                path.ends_with(xtask::schemas::DUMP_MANIFEST),
                "{}",
                path.display()
            );
        }
        other => panic!("expected the dump to fail, got {other:?}"),
    }
    assert!(
        read(&scratch.path().join(xtask::rust_source::REGIONS_RS))
            .contains("\"US West (Oregon, edited)\"")
    );
    run(scratch.path(), &catalog_generators(), Mode::Check).expect("the catalog files are fresh");
}

#[test]
fn a_failing_generator_writes_nothing() {
    let scratch = scratch_workspace();
    let models = scratch.path().join(MODELS_FILE);
    fs::write(&models, read(&models).replace("\"LEGACY\"", "\"RETIRED\"")).expect("edit");
    let generated = scratch.path().join(xtask::rust_source::REGIONS_RS);
    fs::write(&generated, "stale").expect("edit");

    let result = run(scratch.path(), &catalog_generators(), Mode::Write);
    assert!(
        matches!(result, Err(Error::InvalidCatalog { .. })),
        "{result:?}"
    );
    assert_eq!(read(&generated), "stale");
}

// ---------------------------------------------------------------------------------------------
// Catalog rules, on small catalogs written for each case.
// ---------------------------------------------------------------------------------------------

const REGIONS: &str = r#"
[[region]]
name = "us-west-2"
display_name = "US West (Oregon)"

[[region]]
name = "us-east-1"
display_name = "US East (N. Virginia)"
"#;

/// A valid model entry; cases replace one line of it or append to it.
const MODEL: &str = r#"
[[model]]
model_id = "amazon.titan-text-express-v1"
name = "Titan Text G1 - Express"
provider = "Amazon"
input_modalities = ["TEXT"]
output_modalities = ["TEXT"]
response_streaming = true
inference_types = ["ON_DEMAND"]
lifecycle = "ACTIVE"
regions = ["us-east-1"]
"#;

fn scratch_catalog(regions: &str, models: &str) -> TempDir {
    let scratch = tempfile::tempdir().expect("create a temporary directory");
    fs::create_dir_all(scratch.path().join("catalog")).expect("mkdir");
    fs::write(scratch.path().join(REGIONS_FILE), regions).expect("write regions");
    fs::write(scratch.path().join(MODELS_FILE), models).expect("write models");
    scratch
}

fn load(regions: &str, models: &str) -> Result<Catalog, Error> {
    Catalog::load(scratch_catalog(regions, models).path())
}

/// Loads `models` with the small region list and asserts that loading fails with one problem
/// whose text contains every `expected` fragment.
fn check_invalid(models: &str, expected: &[&str]) {
    match load(REGIONS, models) {
        Err(Error::InvalidCatalog { problems }) => {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(text.len(), 1, "{text:#?}");
            for fragment in expected {
                assert!(
                    text[0].contains(fragment),
                    "`{}` lacks `{fragment}`",
                    text[0]
                );
            }
        }
        other => panic!("expected an invalid catalog, got {other:?}"),
    }
}

fn with_line(old: &str, new: &str) -> String {
    assert!(MODEL.contains(old), "{old}");
    MODEL.replace(old, new)
}

#[test]
fn a_valid_small_catalog_loads_sorted() {
    let second = MODEL.replace("amazon.titan-text-express-v1", "amazon.nova-micro-v1:0");
    let catalog = load(REGIONS, &format!("{MODEL}{second}")).expect("valid catalog");
    let names: Vec<&str> = catalog.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["us-east-1", "us-west-2"]);
    assert_eq!(catalog.regions[0].variant, "UsEast1");
    let ids: Vec<&str> = catalog.models.iter().map(|m| m.model_id.as_str()).collect();
    assert_eq!(
        ids,
        ["amazon.nova-micro-v1:0", "amazon.titan-text-express-v1"]
    );
}

#[test]
fn lists_come_out_in_declaration_order_without_duplicates() {
    let models = with_line(
        r#"input_modalities = ["TEXT"]"#,
        r#"input_modalities = ["IMAGE", "TEXT"]"#,
    );
    let catalog = load(REGIONS, &models).expect("valid catalog");
    let wires: Vec<&str> = catalog.models[0]
        .input_modalities
        .iter()
        .map(|t| t.wire())
        .collect();
    assert_eq!(wires, ["TEXT", "IMAGE"]);
}

#[test]
fn duplicate_model_ids_are_rejected() {
    check_invalid(
        &format!("{MODEL}{MODEL}"),
        &[
            MODELS_FILE,
            "model `amazon.titan-text-express-v1`",
            "duplicate model id",
        ],
    );
}

#[test]
fn unknown_enum_values_are_rejected_with_the_allowed_ones() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            r#"output_modalities = ["TEXT"]"#,
            r#"output_modalities = ["HOLOGRAM"]"#,
            &[
                "field `output_modalities`",
                "`HOLOGRAM`",
                "allowed: TEXT, IMAGE, EMBEDDING, VIDEO, SPEECH",
            ],
        ),
        (
            r#"inference_types = ["ON_DEMAND"]"#,
            r#"inference_types = ["ON_DEMAND", "BATCH"]"#,
            &[
                "field `inference_types`",
                "`BATCH`",
                "ON_DEMAND, PROVISIONED, INFERENCE_PROFILE",
            ],
        ),
        (
            r#"lifecycle = "ACTIVE""#,
            r#"lifecycle = "RETIRED""#,
            &["field `lifecycle`", "`RETIRED`", "allowed: ACTIVE, LEGACY"],
        ),
        (
            r#"regions = ["us-east-1"]"#,
            "regions = [\"us-east-1\"]\ncustomizations = [\"PROMPTING\"]",
            &["field `customizations`", "`PROMPTING`", "FINE_TUNING"],
        ),
    ];
    for (old, new, expected) in cases {
        check_invalid(&with_line(old, new), expected);
    }
}

#[test]
fn successors_must_be_other_models_of_the_catalog() {
    check_invalid(
        &format!("{MODEL}successor = \"amazon.nova-lite-v1:0\"\n"),
        &[
            "field `successor`",
            "`amazon.nova-lite-v1:0` is not a model_id in catalog/models.toml",
        ],
    );
    check_invalid(
        &format!("{MODEL}successor = \"amazon.titan-text-express-v1\"\n"),
        &["field `successor`", "is the model itself"],
    );
}

#[test]
fn every_model_needs_a_region_or_a_profile() {
    check_invalid(
        &with_line(
            r#"inference_types = ["ON_DEMAND"]"#,
            r#"inference_types = ["PROVISIONED"]"#,
        )
        .replace(r#"regions = ["us-east-1"]"#, "regions = []"),
        &[
            "model `amazon.titan-text-express-v1`",
            "at least one region or one inference profile",
        ],
    );
}

#[test]
fn inference_types_must_match_regions_and_profiles() {
    check_invalid(
        &with_line(
            r#"inference_types = ["ON_DEMAND"]"#,
            r#"inference_types = ["INFERENCE_PROFILE"]"#,
        ),
        &[
            "field `inference_types`",
            "INFERENCE_PROFILE",
            PROFILES_FILE,
        ],
    );
    check_invalid(
        &with_line(r#"regions = ["us-east-1"]"#, "regions = []"),
        &["field `regions`", "ON_DEMAND"],
    );
    // A profile makes INFERENCE_PROFILE required.
    let scratch = scratch_catalog(REGIONS, MODEL);
    fs::write(scratch.path().join(PROFILES_FILE), PROFILE).expect("write profiles");
    match Catalog::load(scratch.path()) {
        Err(Error::InvalidCatalog { problems }) => {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(text.len(), 1, "{text:#?}");
            assert!(text[0].contains("lacks INFERENCE_PROFILE"), "{}", text[0]);
        }
        other => panic!("expected an invalid catalog, got {other:?}"),
    }
}

/// A valid profile of [`MODEL`].
const PROFILE: &str = r#"
[[profile]]
geography = "us"
model_id = "amazon.titan-text-express-v1"
name = "US Titan Text G1 - Express"
sources = ["us-east-1", "us-west-2"]
destinations = ["us-east-1", "us-west-2"]
"#;

fn load_with_profiles(profiles: &str) -> Result<Catalog, Error> {
    let models = with_line(
        r#"inference_types = ["ON_DEMAND"]"#,
        r#"inference_types = ["ON_DEMAND", "INFERENCE_PROFILE"]"#,
    );
    let scratch = scratch_catalog(REGIONS, &models);
    if let Err(err) = fs::write(scratch.path().join(PROFILES_FILE), profiles) {
        panic!("write profiles: {err}");
    }
    Catalog::load(scratch.path())
}

#[test]
fn profiles_load_with_their_geography_sources_and_destinations() {
    let catalog = load_with_profiles(PROFILE).expect("valid catalog");
    assert_eq!(catalog.profiles.len(), 1);
    let p = &catalog.profiles[0];
    assert_eq!(p.profile_id, "us.amazon.titan-text-express-v1");
    assert_eq!(p.geography.wire(), "us");
    let sources: Vec<&str> = catalog.region_names(&p.sources).collect();
    assert_eq!(sources, ["us-east-1", "us-west-2"]);
    let wires: Vec<&str> = catalog.models[0]
        .profiles
        .iter()
        .map(|t| t.wire())
        .collect();
    assert_eq!(wires, ["us"]);
    assert_eq!(catalog.listed_regions(&catalog.models[0]), [0, 1]);
}

#[test]
fn profile_entries_are_checked() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "geography = \"us\"",
            "geography = \"mars\"",
            "us, us-gov, eu, apac, jp, au, ca, global",
        ),
        (
            "model_id = \"amazon.titan-text-express-v1\"",
            "model_id = \"amazon.nope-v1\"",
            "is not a model_id in catalog/models.toml",
        ),
        (
            "sources = [\"us-east-1\", \"us-west-2\"]",
            "sources = [\"us-east-9\"]",
            "field `sources`: unknown region `us-east-9`",
        ),
        (
            "destinations = [\"us-east-1\", \"us-west-2\"]",
            "destinations = []",
            "field `destinations`: must list at least one region",
        ),
    ];
    for (old, new, expected) in cases {
        match load_with_profiles(&PROFILE.replace(old, new)) {
            Err(Error::InvalidCatalog { problems }) => {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                assert!(
                    text.iter()
                        .any(|t| t.contains(expected) && t.contains(PROFILES_FILE)),
                    "{new}: {text:#?}"
                );
            }
            other => panic!("{new}: expected an invalid catalog, got {other:?}"),
        }
    }
    match load_with_profiles(&format!("{PROFILE}{PROFILE}")) {
        Err(Error::InvalidCatalog { problems }) => {
            assert!(
                problems[0].to_string().contains("duplicate profile"),
                "{problems:?}"
            );
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[test]
fn model_regions_must_come_from_the_regions_file() {
    check_invalid(
        &with_line(r#"regions = ["us-east-1"]"#, r#"regions = ["us-east-9"]"#),
        &[
            "field `regions`",
            "unknown region `us-east-9`",
            REGIONS_FILE,
        ],
    );
}

#[test]
fn end_of_life_must_be_a_real_date_on_a_legacy_model() {
    check_invalid(
        &with_line(
            r#"lifecycle = "ACTIVE""#,
            "lifecycle = \"LEGACY\"\nend_of_life = \"2026-02-30\"",
        ),
        &["field `end_of_life`", "`2026-02-30`", "YYYY-MM-DD"],
    );
    check_invalid(
        &format!("{MODEL}end_of_life = \"2026-06-30\"\n"),
        &["field `end_of_life`", "only LEGACY models"],
    );
}

#[test]
fn model_ids_must_be_bare_ids() {
    check_invalid(
        &MODEL.replace(
            "amazon.titan-text-express-v1",
            "us.amazon.titan-text-express-v1",
        ),
        &["field `model_id`", "inference profile prefix"],
    );
}

#[test]
fn region_entries_are_checked() {
    let bad_name = REGIONS.replace("\"us-west-2\"", "\"US-West-2\"");
    match load(&bad_name, MODEL) {
        Err(Error::InvalidCatalog { problems }) => {
            assert_eq!(problems.len(), 1, "{problems:#?}");
            assert_eq!(problems[0].file, REGIONS_FILE);
            assert!(
                problems[0]
                    .message
                    .contains("`US-West-2` is not a region code")
            );
        }
        other => panic!("expected an invalid catalog, got {other:?}"),
    }
    let duplicate = format!("{REGIONS}{REGIONS}");
    match load(&duplicate, MODEL) {
        Err(Error::InvalidCatalog { problems }) => {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(text.len(), 2, "{text:#?}");
            assert!(text[0].contains("region `us-west-2`: field `name`: duplicate region"));
        }
        other => panic!("expected an invalid catalog, got {other:?}"),
    }
}

#[test]
fn malformed_toml_names_the_file() {
    match load(REGIONS, &format!("{MODEL}colour = \"blue\"\n")) {
        Err(Error::Parse { file, message }) => {
            assert_eq!(file, MODELS_FILE);
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Facts of the real catalog that the rest of the workspace relies on.
// ---------------------------------------------------------------------------------------------

/// The emulator and end-to-end tests invoke these ids on demand in both regions, on any date the
/// suite runs (a simulated date is only used when a test asks for one).
#[test]
fn the_models_the_test_suites_invoke_stay_on_demand_in_both_test_regions() {
    let catalog = Catalog::load(&xtask::workspace_root()).expect("the real catalog is valid");
    for id in [
        "anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.titan-text-express-v1",
        "amazon.titan-embed-text-v2:0",
        "amazon.titan-image-generator-v1",
        "stability.stable-diffusion-xl-v1",
        "stability.sd3-large-v1:0",
    ] {
        let model = catalog
            .models
            .iter()
            .find(|m| m.model_id == id)
            .unwrap_or_else(|| panic!("{id} is missing from the catalog"));
        let regions: Vec<&str> = catalog.regions_of(model).map(|r| r.name.as_str()).collect();
        assert!(
            regions.contains(&"us-east-1") && regions.contains(&"us-west-2"),
            "{id}: {regions:?}"
        );
        assert!(
            model
                .inference_types
                .iter()
                .any(|t| t.wire() == "ON_DEMAND"),
            "{id}"
        );
        if let Some(eol) = &model.end_of_life {
            assert!(eol.as_str() > "2026-12-31", "{id} retires on {eol}");
        }
    }
}

#[test]
fn the_catalog_is_large_enough_to_be_useful() {
    let catalog = Catalog::load(&xtask::workspace_root()).expect("the real catalog is valid");
    assert!(
        catalog.models.len() >= 50,
        "{} models",
        catalog.models.len()
    );
    for provider in [
        "Anthropic",
        "Amazon",
        "Stability AI",
        "Meta",
        "Mistral AI",
        "Cohere",
        "AI21 Labs",
    ] {
        assert!(
            catalog.models.iter().any(|m| m.provider == provider),
            "no {provider} model"
        );
    }
    for region in ["us-east-1", "us-west-2", "eu-central-1", "us-gov-west-1"] {
        assert!(
            catalog.regions.iter().any(|r| r.name == region),
            "no {region}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Published request schemas of the built-in adapters.
// ---------------------------------------------------------------------------------------------

/// The real dump: it runs `cargo run -p bedrock-connector --example request_schemas`, so the
/// adapters must build.
#[test]
fn every_api_of_every_built_in_adapter_has_its_published_schema() {
    let root = xtask::workspace_root();
    let set = SchemaSet::load(&root).unwrap_or_else(|err| panic!("{err}"));
    let paths: Vec<String> = set.apis().iter().map(|api| api.path()).collect();
    assert!(paths.len() >= 8, "{paths:?}");
    for adapter in ["claude", "titan", "stability"] {
        assert!(
            set.apis().iter().any(|api| api.adapter == adapter),
            "no schema of adapter `{adapter}`"
        );
    }
    for api in [
        "converse-request",
        "converse-response",
        "converse-stream-event",
    ] {
        assert!(
            set.apis()
                .iter()
                .any(|a| a.adapter == xtask::schemas::CONVERSE && a.api == api),
            "Converse's `{api}` schema is not published"
        );
    }

    let index = read(&root.join(SCHEMAS_MD));
    for api in set.apis() {
        let path = api.path();
        let text = read(&root.join(&path));
        assert!(text.ends_with("}\n"), "{path}: no trailing newline");
        let published: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path} is not JSON: {err}"));
        assert!(
            published == api.schema,
            "{path} differs from what the adapter publishes: run `cargo xtask codegen`"
        );
        assert!(
            published.get("type").is_some() || published.get("oneOf").is_some(),
            "{path}"
        );
        let link = format!("]({})", path.replacen("docs/", "../", 1));
        assert!(index.contains(&link), "the index lacks {link}");
        assert!(index.contains(&format!("| `{}` |", api.api)), "{}", api.api);
    }

    // A schema file whose API is gone would stay published without this.
    let mut orphans = Vec::new();
    for dir in fs::read_dir(root.join(SCHEMAS_DIR)).expect("list docs/schemas") {
        let dir = dir.expect("an entry").path();
        for file in fs::read_dir(&dir).expect("list an adapter's schemas") {
            let file = file.expect("an entry").path();
            let relative = file
                .strip_prefix(&root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            if !paths.contains(&relative) {
                orphans.push(relative);
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "no adapter API publishes {orphans:?}: delete them"
    );
}

/// A small dump, as the connector's example prints it, with keys out of order.
const DUMP: &str = r#"[
  {"adapter": "zeta", "api": "zeta-text", "patterns": ["zeta.z-v1", "zeta.y*"],
   "capabilities": ["text", "streaming"],
   "schema": {"type": "object", "title": "ZetaRequest", "properties": {"prompt": {"type": "string"}},
              "$schema": "https://json-schema.org/draft/2020-12/schema"}},
  {"adapter": "alpha", "api": "alpha-embed", "patterns": ["alpha.embed*"],
   "capabilities": ["embedding"], "schema": {"type": "object"}}
]"#;

#[test]
fn schema_files_come_from_the_dump_alone() {
    let set = SchemaSet::from_json(DUMP).expect("a valid dump");
    let files = set.files().expect("files");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "docs/schemas/alpha/alpha-embed.json",
            "docs/schemas/zeta/zeta-text.json",
            SCHEMAS_MD
        ]
    );
    assert_eq!(
        files[1].content,
        "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"properties\": \
         {\n    \"prompt\": {\n      \"type\": \"string\"\n    }\n  },\n  \"title\": \
         \"ZetaRequest\",\n  \"type\": \"object\"\n}\n"
    );
    let index = &files[2].content;
    assert!(
        index.starts_with("<!-- Generated by `cargo xtask codegen`"),
        "{index}"
    );
    assert!(
        index.contains(
            "| zeta | `zeta-text` | `zeta.z-v1`, `zeta.y*` | text, streaming | \
             [zeta-text.json](../schemas/zeta/zeta-text.json) |"
        ),
        "{index}"
    );
    assert!(index.contains("\n2 schemas from 2 adapters."), "{index}");

    let scratch = tempfile::tempdir().expect("create a temporary directory");
    expect_stale(
        write_files(scratch.path(), files.clone(), Mode::Check),
        &paths,
    );
    let outcomes = write_files(scratch.path(), files.clone(), Mode::Write).expect("write");
    assert!(outcomes.iter().all(|o| o.status == FileStatus::Written));
    let outcomes = write_files(scratch.path(), files, Mode::Check).expect("fresh after writing");
    assert!(outcomes.iter().all(|o| o.status == FileStatus::Unchanged));
}

#[test]
fn a_bad_dump_names_what_is_wrong() {
    let cases = [
        ("not JSON", "the dump is not a list of adapter APIs"),
        (
            r#"[{"adapter": "a", "api": "x"}]"#,
            "the dump is not a list of adapter APIs",
        ),
        (
            r#"[{"adapter": "../a", "api": "x", "patterns": ["a."], "capabilities": [], "schema": {}}]"#,
            "`../a` cannot name a file",
        ),
        (
            r#"[{"adapter": "a", "api": "x", "patterns": [], "capabilities": [], "schema": {}}]"#,
            "adapter `a` API `x`: no pattern routes ids to it",
        ),
        (
            r#"[{"adapter": "a", "api": "x", "patterns": ["a."], "capabilities": [], "schema": {}},
                {"adapter": "a", "api": "x", "patterns": ["b."], "capabilities": [], "schema": {}}]"#,
            "adapter `a` API `x`: listed twice",
        ),
    ];
    for (dump, expected) in cases {
        match SchemaSet::from_json(dump) {
            Err(err @ Error::Schema { .. }) => {
                let message = err.to_string();
                assert!(message.contains(expected), "`{message}` lacks `{expected}`");
            }
            other => panic!("{dump}: expected a schema error, got {other:?}"),
        }
    }
    let not_an_object =
        r#"[{"adapter": "a", "api": "x", "patterns": ["a."], "capabilities": [], "schema": true}]"#;
    let set = SchemaSet::from_json(not_an_object).expect("parses");
    match set.files() {
        Err(Error::Schema { message, .. }) => {
            assert!(message.contains("not a JSON object"), "{message}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn the_dump_builds_the_connector_with_its_adapter_features_only() {
    let root = xtask::workspace_root();
    assert_eq!(
        adapter_features(&root).expect("the connector's features"),
        [
            "ai21",
            "chat-completions",
            "claude",
            "cohere",
            "deepseek",
            "meta",
            "mistral",
            "nova",
            "stability",
            "titan"
        ]
    );
    let command = dump_command(&root).expect("a command");
    let args: Vec<String> = command
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        args.join(" "),
        "run --quiet --package bedrock-connector --no-default-features --features \
         ai21,chat-completions,claude,cohere,deepseek,meta,mistral,nova,stability,titan --example \
         request_schemas"
    );
    assert_eq!(command.get_current_dir(), Some(root.as_path()));

    let scratch = tempfile::tempdir().expect("create a temporary directory");
    let manifest = scratch.path().join(xtask::schemas::DUMP_MANIFEST);
    fs::create_dir_all(manifest.parent().expect("a parent")).expect("mkdir");
    fs::write(
        &manifest,
        "[package]\nname = \"bedrock-connector\"\n\n[features]\n\
         default = [\"zeta\", \"aws\"]\n\
         zeta = [\"dep:bedrock-adapter-zeta\"]\n\
         alpha = [\"dep:bedrock-adapter-alpha\", \"dep:bedrock-adapter-alpha-extra\"]\n\
         aws = [\"dep:bedrock-backend-aws\"]\n\
         mixed = [\"dep:bedrock-adapter-zeta\", \"dep:bedrock-history\"]\n\
         none = []\n",
    )
    .expect("write");
    assert_eq!(
        adapter_features(scratch.path()).expect("features"),
        ["alpha", "zeta"]
    );
    fs::write(&manifest, "[package]\nname = \"bedrock-connector\"\n").expect("write");
    assert!(matches!(
        adapter_features(scratch.path()),
        Err(Error::Parse { .. })
    ));
}

/// The point of running the schema dump in its own process: xtask links nothing of the
/// workspace, so it builds (and can regenerate bedrock-core's files) when they do not.
#[test]
fn xtask_depends_on_no_workspace_crate() {
    let manifest: toml::Table =
        toml::from_str(&read(&xtask::workspace_root().join("xtask/Cargo.toml")))
            .expect("xtask's manifest parses");
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(table) = manifest.get(section).and_then(toml::Value::as_table) else {
            continue;
        };
        for (name, spec) in table {
            assert!(
                !name.starts_with("bedrock") && spec.get("path").is_none(),
                "xtask's {section} include `{name}`"
            );
        }
    }
}
