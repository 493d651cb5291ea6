//! `cargo xtask new-adapter`: argument checks, template rendering, the command line, the size
//! of the scaffolded adapter, scaffolded crates that pass their own tests, clippy and rustfmt in
//! a scratch workspace, and an out-of-tree crate that does so on its own, outside the workspace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use tempfile::TempDir;
use xtask::Error;
use xtask::new_adapter::{
    BedrockDependency, NewAdapter, OutOfTree, TEMPLATES, check_models, check_name, check_provider,
    check_version, out_of_tree_manifest, render, scaffold, scaffold_out_of_tree,
};

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

fn invalid_argument(result: Result<(), Error>) -> (String, String) {
    match result {
        Err(Error::InvalidArgument { value, reason, .. }) => (value, reason),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
}

#[test]
fn names_are_lowercase_words_joined_by_single_dashes() {
    for good in [
        "mistral",
        "cohere-command",
        "ai21",
        "a",
        "my-model2",
        "x-1-y",
    ] {
        check_name(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    for (bad, reason) in [
        ("", "0 characters"),
        ("Mistral", "'M' is not allowed"),
        ("my_model", "'_' is not allowed"),
        ("my model", "' ' is not allowed"),
        ("mistral/../x", "'/' is not allowed"),
        ("2fast", "does not start with a letter"),
        ("-x", "does not start with a letter"),
        ("x-", "empty part between dashes"),
        ("a--b", "empty part between dashes"),
        (&"a".repeat(41), "41 characters"),
    ] {
        let (value, got) = invalid_argument(check_name(bad));
        assert_eq!(value, bad);
        assert!(got.contains(reason), "{bad}: `{got}` lacks `{reason}`");
    }
    let message = check_name("Bad").unwrap_err().to_string();
    assert!(
        message.starts_with("invalid NAME `Bad`: 'B' is not allowed; allowed: 1 to 40 lowercase"),
        "{message}"
    );
}

#[test]
fn provider_prefixes_name_a_provider_and_never_a_profile_geography() {
    for good in [
        "mistral.",
        "mistral.mistral-",
        "ai21.j2-",
        "acme-labs.text:",
    ] {
        check_provider(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    for (bad, reason) in [
        ("mistral", "no `.`"),
        (".model", "provider `` is not allowed"),
        ("Mistral.", "provider `Mistral` is not allowed"),
        ("us.", "`us.` is an inference-profile prefix"),
        ("us-gov.x", "`us-gov.` is an inference-profile prefix"),
        ("global.", "inference-profile prefix"),
        ("acme.a/b", "'/' is not allowed"),
        ("acme.\"", "'\"' is not allowed"),
    ] {
        let (value, got) = invalid_argument(check_provider(bad));
        assert_eq!(value, bad);
        assert!(got.contains(reason), "{bad}: `{got}` lacks `{reason}`");
    }
}

#[test]
fn the_names_derived_from_an_adapter_name() {
    let mistral = NewAdapter::new("mistral", None).expect("valid");
    assert_eq!(mistral.provider(), "mistral.");
    assert_eq!(mistral.crate_name(), "bedrock-adapter-mistral");
    assert_eq!(mistral.crate_dir(), "crates/bedrock-adapter-mistral");
    assert_eq!(mistral.type_prefix(), "Mistral");
    assert_eq!(mistral.example_model_id(), "mistral.mistral-example-v1:0");

    let acme = NewAdapter::new("acme-text2", Some("acme.text-")).expect("valid");
    assert_eq!(acme.type_prefix(), "AcmeText2");
    assert_eq!(acme.example_model_id(), "acme.text-example-v1:0");
    let placeholders = acme.placeholders();
    let value = |key: &str| {
        placeholders
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("crate"), Some("bedrock_adapter_acme_text2"));
    assert_eq!(value("snake"), Some("acme_text2"));

    assert!(NewAdapter::new("acme", Some("us.acme-")).is_err());
    assert!(NewAdapter::new("Acme", None).is_err());
}

/// The first line every generated Rust file opens with: the crate root's doc is its README, every
/// other module has a `//!` line.
fn opens_with_its_doc(output: &str, text: &str) -> bool {
    if output == "src/lib.rs" {
        text.starts_with("#![doc = include_str!(\"../README.md\")]\n")
    } else {
        text.starts_with("//! ")
    }
}

#[test]
fn rendering_fills_every_placeholder_of_every_template() {
    let adapter = NewAdapter::new("acme-text", Some("acme.text-")).expect("valid");
    let values = adapter.placeholders();
    let mut outputs = Vec::new();
    for template in TEMPLATES {
        let out = render(template.source, template.text, &values)
            .unwrap_or_else(|e| panic!("{}: {e}", template.source));
        assert!(!out.contains("{{"), "{}: {out}", template.source);
        let output = render(template.source, template.output, &values).expect("renders");
        if output.ends_with(".rs") {
            assert!(
                opens_with_its_doc(&output, &out),
                "{output} does not open with its doc"
            );
        }
        assert!(!outputs.contains(&output), "{output} is written twice");
        outputs.push(output);
    }
    for expected in [
        "src/lib.rs",
        "src/models.rs",
        "src/text.rs",
        "tests/acme_text/main.rs",
        "tests/acme_text/bodies.rs",
        "tests/acme_text/invalid.rs",
        "tests/acme_text/outputs.rs",
        "tests/acme_text/conformance.rs",
        "tests/acme_text/registry.rs",
        "tests/acme_text/schemas.rs",
        "tests/data/valid_inputs.json",
        "tests/data/invalid_inputs.json",
        "tests/acme_text/snapshots/acme_text__schemas__schema_acme-text-text.snap",
    ] {
        assert!(outputs.iter().any(|o| o == expected), "no {expected}");
    }
    let by_output = |output: &str| {
        let template = TEMPLATES
            .iter()
            .find(|t| t.output == output)
            .expect("listed");
        render(template.source, template.text, &values).expect("renders")
    };
    let manifest = by_output("Cargo.toml");
    assert!(manifest.contains("name = \"bedrock-adapter-acme-text\""));
    assert!(manifest.contains("[lints]\nworkspace = true"));
    let lib = by_output("src/lib.rs");
    assert!(lib.contains("pub struct AcmeTextAdapter;"));
    let models = by_output("src/models.rs");
    assert!(models.contains("matches: ModelMatch::Prefix(\"acme.text-\"),"));
    assert!(models.contains("pub const TEXT_API: &str = \"acme-text-text\";"));
    assert!(by_output("README.md").contains("use bedrock_adapter_acme_text::{"));
}

/// A template file that is not listed would silently never be written.
#[test]
fn every_template_file_is_listed() {
    let dir = xtask::workspace_root().join("xtask/templates/new-adapter");
    let mut on_disk = Vec::new();
    let mut pending = vec![dir.clone()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).expect("list the templates") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(&dir).expect("under the directory");
                on_disk.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = TEMPLATES.iter().map(|t| t.source.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

/// Counts the lines of every `src/**/*.rs` file under `crate_dir`, leaving out
/// `#[cfg(test)]` modules (the attribute, the `mod` line and everything to its closing brace).
fn non_test_lines(crate_dir: &Path) -> usize {
    let mut files = Vec::new();
    let mut pending = vec![crate_dir.join("src")];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("list src") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut count = 0;
    for file in files {
        let text = read(&file);
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "#[cfg(test)]" {
                // rustfmt'd: the module is the next item and closes with a `}` at its indent.
                let Some(item) = lines.next() else { break };
                if item.trim_end().ends_with('{') {
                    let indent = &item[..item.len() - item.trim_start().len()];
                    let close = format!("{indent}}}");
                    for inner in lines.by_ref() {
                        if inner == close {
                            break;
                        }
                    }
                }
                continue;
            }
            count += 1;
        }
    }
    count
}

#[test]
fn non_test_lines_leave_out_test_modules() {
    let scratch = tempfile::tempdir().expect("temporary directory");
    fs::create_dir_all(scratch.path().join("src/inner")).expect("mkdir");
    fs::write(
        scratch.path().join("src/lib.rs"),
        "//! Doc.\n\nmod inner;\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n    }\n}\n",
    )
    .expect("write");
    fs::write(
        scratch.path().join("src/inner/mod.rs"),
        "//! Inner.\n#[cfg(test)]\nmod tests;\nfn f() {}\n",
    )
    .expect("write");
    assert_eq!(non_test_lines(scratch.path()), 4 + 2);
}

/// Issue 11's budget: the scaffolded adapter is at most 200 lines of non-test source, so that
/// an adapter is its types, validation, body building and parsing, and nothing else.
#[test]
fn a_scaffolded_adapter_is_at_most_200_lines_of_non_test_source() {
    let scratch = tempfile::tempdir().expect("temporary directory");
    fs::copy(
        xtask::workspace_root().join("rustfmt.toml"),
        scratch.path().join("rustfmt.toml"),
    )
    .expect("copy rustfmt.toml");
    for adapter in [
        NewAdapter::new("mistral", None).expect("valid"),
        NewAdapter::new("acme-text", Some("acme.text-")).expect("valid"),
    ] {
        scaffold(scratch.path(), &adapter).expect("scaffold");
        let dir = scratch.path().join(adapter.crate_dir());
        let lines = non_test_lines(&dir);
        assert!(
            lines <= 200,
            "{}: {lines} lines of non-test source",
            adapter.crate_name()
        );
        let mut sources: Vec<String> = fs::read_dir(dir.join("src"))
            .expect("list src")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        sources.sort();
        assert_eq!(sources, ["lib.rs", "models.rs", "text.rs"]);
    }
}

#[test]
fn rendering_rejects_unknown_and_unclosed_placeholders() {
    let values = vec![("name", "mistral".to_owned())];
    assert_eq!(
        render("t", "a {{name}} b {{name}}", &values).expect("renders"),
        "a mistral b mistral"
    );
    assert_eq!(
        render("t", "no placeholders { } }}", &values).expect("renders"),
        "no placeholders { } }}"
    );
    match render("lib.rs.tmpl", "x\n{{nmae}}", &values) {
        Err(Error::Template { template, message }) => {
            assert_eq!(template, "lib.rs.tmpl");
            assert!(
                message.contains("unknown placeholder `{{nmae}}`; known: {{name}}"),
                "{message}"
            );
        }
        other => panic!("expected a template error, got {other:?}"),
    }
    match render("t", "one\ntwo {{name", &values) {
        Err(Error::Template { message, .. }) => {
            assert!(message.starts_with("line 2: "), "{message}");
        }
        other => panic!("expected a template error, got {other:?}"),
    }
}

#[test]
fn scaffolding_refuses_an_existing_directory_and_touches_nothing() {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let adapter = NewAdapter::new("mistral", None).expect("valid");
    let dir = scratch.path().join(adapter.crate_dir());
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("keep.txt"), "mine").expect("write");
    match scaffold(scratch.path(), &adapter) {
        Err(Error::AdapterExists { path }) => assert_eq!(path, dir),
        other => panic!("expected AdapterExists, got {other:?}"),
    }
    let entries: Vec<_> = fs::read_dir(&dir).expect("list").collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(read(&dir.join("keep.txt")), "mine");
}

#[test]
fn the_command_line_reports_bad_arguments() {
    let xtask = env!("CARGO_BIN_EXE_xtask");
    let run = |args: &[&str]| Command::new(xtask).args(args).output().expect("xtask runs");
    let out = run(&["new-adapter", "Bad"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid NAME `Bad`"), "{stderr}");

    let out = run(&["new-adapter", "acme", "--provider", "us."]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid --provider `us.`"), "{stderr}");

    for args in [
        &["new-adapter"][..],
        &["new-adapter", "a", "b"],
        &["new-adapter", "a", "--provider"],
        &["new-adapter", "a", "--flag"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("new-adapter NAME [--provider PREFIX]"),
            "{stderr}"
        );
    }
}

#[test]
fn model_prefixes_are_valid_prefixes_that_do_not_overlap() {
    check_models(&["mistral.mistral-", "mistral.mixtral-"]).expect("valid");
    check_models(&["acme.text-"]).expect("valid");
    for (bad, reason) in [
        (&[][..], "names no prefix"),
        (&[""], "no `.`"),
        (&["acme.a-", ""], "no `.`"),
        (
            &["acme.a-", "eu.acme"],
            "`eu.` is an inference-profile prefix",
        ),
        (&["acme.", "acme.text-"], "`acme.` and `acme.text-` overlap"),
        (&["acme.text-", "acme.text-"], "overlap"),
        (&["acme.text-v2", "acme.text-"], "overlap"),
    ] {
        match check_models(bad) {
            Err(Error::InvalidArgument {
                argument,
                reason: got,
                ..
            }) => {
                assert_eq!(argument, "--models", "{bad:?}");
                assert!(got.contains(reason), "{bad:?}: `{got}` lacks `{reason}`");
            }
            other => panic!("{bad:?}: expected an invalid --models, got {other:?}"),
        }
    }
}

#[test]
fn models_replace_the_provider_prefix_and_start_with_a_given_provider() {
    let one = NewAdapter::with_models("mistral", None, &[]).expect("valid");
    assert_eq!(one, NewAdapter::new("mistral", None).expect("valid"));
    assert_eq!(one.model_prefixes(), ["mistral."]);

    let two = NewAdapter::with_models("acme-chat", Some("acme."), &["acme.chat-", "acme.text-"])
        .expect("valid");
    assert_eq!(two.provider(), "acme.");
    assert_eq!(two.model_prefixes(), ["acme.chat-", "acme.text-"]);
    assert_eq!(
        two.example_model_ids(),
        ["acme.chat-example-v1:0", "acme.text-example-v1:0"]
    );
    assert_eq!(two.example_model_id(), "acme.chat-example-v1:0");
    let placeholders = two.placeholders();
    let value = |key: &str| {
        placeholders
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {key}"))
    };
    assert_eq!(value("served"), "`acme.chat-` or `acme.text-`");
    assert_eq!(value("registered"), "acme-chat (acme.chat-*, acme.text-*)");
    assert_eq!(
        value("models"),
        "\"acme.chat-example-v1:0\", \"acme.text-example-v1:0\""
    );
    assert_eq!(value("patterns").matches("ModelPattern {").count(), 2);

    // Without --provider the prefixes may name any provider.
    let other = NewAdapter::with_models("acme", None, &["acme-labs.x-"]).expect("valid");
    assert_eq!(other.model_prefixes(), ["acme-labs.x-"]);

    match NewAdapter::with_models("acme", Some("acme."), &["acme.x-", "acne.y-"]) {
        Err(Error::InvalidArgument {
            argument, reason, ..
        }) => {
            assert_eq!(argument, "--models");
            assert!(
                reason.contains("`acne.y-` does not start with the provider `acme.`"),
                "{reason}"
            );
        }
        other => panic!("expected an invalid --models, got {other:?}"),
    }
}

#[test]
fn bedrock_versions_are_version_requirements() {
    for good in ["0.1", "1", "0.1.3", "=0.1.3", "^1.2", "~0.1", "1.0.0-rc.1"] {
        check_version(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    for bad in [
        "", "v1", "1.", "1..2", "1.2.3.4", "==1", ">=1", "1.0-", "1.0-rc!", "*",
    ] {
        let message = check_version(bad).expect_err(bad).to_string();
        assert!(
            message.starts_with(&format!("invalid --bedrock-version `{bad}`")),
            "{message}"
        );
    }
}

#[test]
fn out_of_tree_crates_stay_outside_the_workspace_and_overwrite_nothing() {
    let root = xtask::workspace_root();
    let adapter = NewAdapter::new("acme", None).expect("valid");
    for inside in [
        root.clone(),
        root.join("target/acme"),
        root.join("crates/new/acme"),
    ] {
        let out = OutOfTree {
            dir: inside.clone(),
            bedrock: BedrockDependency::Path,
        };
        match scaffold_out_of_tree(&root, &adapter, &out) {
            Err(Error::InvalidArgument {
                argument, reason, ..
            }) => {
                assert_eq!(argument, "--out-of-tree");
                assert!(reason.contains("inside this workspace"), "{reason}");
            }
            other => panic!(
                "{}: expected an invalid --out-of-tree, got {other:?}",
                inside.display()
            ),
        }
    }
    assert!(!root.join("crates/new").exists());

    let scratch = tempfile::tempdir().expect("temporary directory");
    let dir = scratch.path().join("acme");
    fs::create_dir_all(dir.join("src")).expect("mkdir");
    fs::write(dir.join("src/lib.rs"), "mine").expect("write");
    let out = OutOfTree {
        dir: dir.clone(),
        bedrock: BedrockDependency::Path,
    };
    match scaffold_out_of_tree(&root, &adapter, &out) {
        Err(Error::AdapterExists { path }) => assert_eq!(path, dir.join("src/lib.rs")),
        other => panic!("expected AdapterExists, got {other:?}"),
    }
    assert_eq!(read(&dir.join("src/lib.rs")), "mine");
    assert!(!dir.join("Cargo.toml").exists());

    let versioned = OutOfTree {
        dir: scratch.path().join("versioned"),
        bedrock: BedrockDependency::Version("not a version".to_owned()),
    };
    assert!(matches!(
        scaffold_out_of_tree(&root, &adapter, &versioned),
        Err(Error::InvalidArgument {
            argument: "--bedrock-version",
            ..
        })
    ));
    assert!(!versioned.dir.exists());
}

/// With `--bedrock-version` the crates of this workspace are registry dependencies; everything
/// else is as with paths. (They cannot be built here: nothing is published to resolve.)
#[test]
fn a_versioned_out_of_tree_manifest_names_the_crates_by_version() {
    let root = xtask::workspace_root();
    let adapter = NewAdapter::new("acme", None).expect("valid");
    let versioned = out_of_tree_manifest(
        &root,
        &adapter,
        &BedrockDependency::Version("=0.1.3".to_owned()),
    )
    .expect("a manifest");
    assert!(
        versioned.contains("\nbedrock-core = \"=0.1.3\"\n"),
        "{versioned}"
    );
    assert!(
        versioned.contains("\nbedrock-testkit = \"=0.1.3\"\n"),
        "{versioned}"
    );
    assert!(!versioned.contains("path"), "{versioned}");
    let by_path =
        out_of_tree_manifest(&root, &adapter, &BedrockDependency::Path).expect("a manifest");
    let third_party = |manifest: &str| -> Vec<String> {
        manifest
            .lines()
            .filter(|line| !line.starts_with("bedrock-"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(third_party(&versioned), third_party(&by_path));
}

#[test]
fn the_command_line_checks_the_out_of_tree_options() {
    let xtask = env!("CARGO_BIN_EXE_xtask");
    let run = |args: &[&str]| Command::new(xtask).args(args).output().expect("xtask runs");
    let scratch = tempfile::tempdir().expect("temporary directory");
    let dir = scratch.path().join("acme");
    let dir = dir.to_str().expect("a UTF-8 path");
    for args in [
        &["new-adapter", "acme", "--bedrock-version", "0.1"][..],
        &["new-adapter", "acme", "--models"],
        &["new-adapter", "acme", "--models="],
        &[
            "new-adapter",
            "acme",
            "--out-of-tree",
            dir,
            "--out-of-tree",
            dir,
        ],
        &[
            "new-adapter",
            "acme",
            "--models",
            "acme.a-",
            "--models",
            "acme.b-",
        ],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("[--models PREFIX[,PREFIX]]"), "{stderr}");
    }
    for (args, message) in [
        (
            &[
                "new-adapter",
                "acme",
                "--models",
                "acme.a-,,acme.b-",
                "--out-of-tree",
                dir,
            ][..],
            "invalid --models ``: it has no `.` after the provider",
        ),
        (
            &[
                "new-adapter",
                "acme",
                "--provider",
                "acme.",
                "--models=other.a-",
            ],
            "`other.a-` does not start with the provider `acme.`",
        ),
        (
            &[
                "new-adapter",
                "acme",
                "--out-of-tree",
                dir,
                "--bedrock-version",
                "x",
            ],
            "invalid --bedrock-version `x`",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let inside = xtask::workspace_root().join("target/acme-out-of-tree");
    let out = run(&[
        "new-adapter",
        "acme",
        "--out-of-tree",
        inside.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("inside this workspace"), "{stderr}");
    assert!(!inside.exists());
    assert!(!Path::new(dir).exists());
}

// ---------------------------------------------------------------------------------------------
// Scaffolded crates, built and tested for real.
// ---------------------------------------------------------------------------------------------

/// A workspace in a temporary directory with `members = ["crates/*"]` and the real workspace's
/// package settings, dependencies (path dependencies made absolute), lints, profiles, lock file
/// and rustfmt and clippy settings, so that a scaffolded crate builds there as it would here.
fn mini_workspace() -> TempDir {
    let real = xtask::workspace_root();
    let manifest: toml::Table =
        toml::from_str(&read(&real.join("Cargo.toml"))).expect("the root manifest parses");
    let workspace = manifest["workspace"]
        .as_table()
        .expect("[workspace]")
        .clone();
    let mut dependencies = workspace["dependencies"]
        .as_table()
        .expect("[workspace.dependencies]")
        .clone();
    for (name, dependency) in &mut dependencies {
        let Some(table) = dependency.as_table_mut() else {
            continue;
        };
        if let Some(path) = table.get("path").and_then(toml::Value::as_str) {
            let absolute = real.join(path);
            assert!(
                absolute.is_dir(),
                "{name}: {} is missing",
                absolute.display()
            );
            table.insert(
                "path".to_owned(),
                toml::Value::String(absolute.display().to_string()),
            );
        }
    }
    let mut mini = toml::Table::new();
    mini.insert("resolver".to_owned(), "3".into());
    mini.insert(
        "members".to_owned(),
        toml::Value::Array(vec!["crates/*".into()]),
    );
    for key in ["package", "lints"] {
        mini.insert(key.to_owned(), workspace[key].clone());
    }
    mini.insert("dependencies".to_owned(), toml::Value::Table(dependencies));
    let mut root = toml::Table::new();
    root.insert("workspace".to_owned(), toml::Value::Table(mini));
    if let Some(profile) = manifest.get("profile") {
        root.insert("profile".to_owned(), profile.clone());
    }

    let scratch = tempfile::tempdir().expect("temporary directory");
    fs::write(
        scratch.path().join("Cargo.toml"),
        toml::to_string(&root).expect("the manifest serialises"),
    )
    .expect("write Cargo.toml");
    for file in ["rustfmt.toml", "clippy.toml", "Cargo.lock"] {
        fs::copy(real.join(file), scratch.path().join(file))
            .unwrap_or_else(|err| panic!("copy {file}: {err}"));
    }
    fs::create_dir(scratch.path().join("crates")).expect("mkdir crates");
    scratch
}

/// Runs cargo in `dir` offline, with its own target directory under the real one so that it
/// neither contends for the outer build's lock nor leaves anything in the scratch directory.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    cargo_with(dir, args, &[])
}

/// [`cargo`] with more environment variables.
fn cargo_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let target: PathBuf = xtask::workspace_root().join("target/scaffold-check");
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|err| panic!("cargo {args:?}: {err}"))
}

fn assert_success(what: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The passed counts of every `test result: ok. N passed` line.
fn passed_counts(stdout: &str) -> Vec<usize> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .map(|rest| {
            rest.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected summary `{rest}`"))
        })
        .collect()
}

#[test]
fn scaffolded_crates_pass_their_tests_clippy_and_rustfmt() {
    let scratch = mini_workspace();
    let root = scratch.path();
    let adapters = [
        NewAdapter::new("mistral", None).expect("valid"),
        NewAdapter::new("acme-text", Some("acme.text-")).expect("valid"),
    ];
    for adapter in &adapters {
        let files = scaffold(root, adapter).expect("scaffold");
        assert_eq!(files.len(), TEMPLATES.len());
        for file in &files {
            let text = read(&root.join(file));
            assert!(!text.contains("{{"), "{file} keeps a placeholder");
            let output = file
                .strip_prefix(&format!("{}/", adapter.crate_dir()))
                .expect("inside the crate");
            if file.ends_with(".rs") {
                assert!(opens_with_its_doc(output, &text), "{file} lacks its doc");
            }
        }
    }
    assert!(matches!(
        scaffold(root, &adapters[0]),
        Err(Error::AdapterExists { .. })
    ));

    // As CI runs them: the shipped snapshots must match, and nothing may be written.
    let test_run = cargo_with(
        root,
        &["test", "--offline"],
        &[("INSTA_UPDATE", "no"), ("CI", "true")],
    );
    let stdout = assert_success("cargo test in the scratch workspace", &test_run);
    // Cargo reports which binary runs on stderr, the tests' results on stdout.
    let stderr = String::from_utf8_lossy(&test_run.stderr);
    let counts = passed_counts(&stdout);
    // Per crate: the (empty) unit tests, the `tests/<name>/` binary, the README doctest.
    assert_eq!(counts.len(), 3 * adapters.len(), "{stdout}");
    assert_eq!(
        counts.iter().filter(|&&n| n > 0).count(),
        2 * adapters.len(),
        "{counts:?}\n{stdout}"
    );
    for test in [
        "conformance::the_adapter_passes_the_conformance_suite",
        "bodies::every_valid_input_builds_its_snapshotted_body",
        "invalid::every_invalid_input_names_its_field",
        "outputs::example_responses_parse_to_their_snapshotted_outputs",
        "registry::bare_ids_profiles_and_arns_resolve_to_the_adapter",
        "schemas::schema_and_validation_refuse_the_same_bad_bodies",
    ] {
        assert_eq!(
            stdout.matches(&format!("test {test} ... ok")).count(),
            adapters.len(),
            "{test}\n{stdout}"
        );
    }
    for adapter in &adapters {
        let doc_tests = format!("Doc-tests {}", adapter.crate_name().replace('-', "_"));
        assert!(stderr.contains(&doc_tests), "{stderr}");
        let snapshots = root
            .join(adapter.crate_dir())
            .join("tests")
            .join(adapter.name().replace('-', "_"))
            .join("snapshots");
        for entry in fs::read_dir(&snapshots).expect("list the snapshots") {
            let name = entry.expect("an entry").file_name();
            let name = name.to_string_lossy();
            assert!(
                name.ends_with(".snap"),
                "{name} was written next to the snapshots"
            );
        }
    }

    assert_success(
        "cargo clippy in the scratch workspace",
        &cargo(
            root,
            &[
                "clippy",
                "--offline",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    // Per package: `--all` would also check the real crates behind the path dependencies.
    let mut fmt = vec!["fmt", "--check"];
    let names: Vec<String> = adapters.iter().map(NewAdapter::crate_name).collect();
    for name in &names {
        fmt.extend(["-p", name.as_str()]);
    }
    assert_success(
        "cargo fmt --check in the scratch workspace",
        &cargo(root, &fmt),
    );
}

// ---------------------------------------------------------------------------------------------
// An out-of-tree crate, built and tested where an outside team would: in its own directory.
// ---------------------------------------------------------------------------------------------

/// `--config` arguments giving cargo this workspace's `[profile]` tables. The out-of-tree crate
/// has no profile of its own; with this one its dependencies are the units the scaffold check
/// above built into `target/scaffold-check` (same versions, features and profile, and path
/// dependencies hashed by their absolute path), so only the new crate is compiled.
fn workspace_profile_config() -> Vec<String> {
    fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let key = toml::Value::String(key.clone());
                    flatten(&format!("{prefix}.{key}"), value, out);
                }
            }
            leaf => out.push(format!("{prefix}={leaf}")),
        }
    }
    let manifest: toml::Table = toml::from_str(&read(&xtask::workspace_root().join("Cargo.toml")))
        .expect("the root manifest parses");
    let mut settings = Vec::new();
    if let Some(profile) = manifest.get("profile") {
        flatten("profile", profile, &mut settings);
    }
    settings
        .into_iter()
        .flat_map(|setting| ["--config".to_owned(), setting])
        .collect()
}

/// Every key of `value`, at any depth.
fn keys(value: &toml::Value) -> Vec<String> {
    let mut all = Vec::new();
    if let toml::Value::Table(table) = value {
        for (key, inner) in table {
            all.push(key.clone());
            all.extend(keys(inner));
        }
    }
    all
}

/// The acceptance test of the outside path: `new-adapter --out-of-tree` into a temporary
/// directory outside the workspace, then `cargo test`, `cargo clippy` and `cargo fmt --check`
/// there, as the crate's own workspace. The crate sees this workspace only through its
/// manifest's path dependencies on `bedrock-core` and `bedrock-testkit`, so its tests use only
/// their public API.
#[test]
fn an_out_of_tree_crate_builds_and_passes_its_tests_outside_the_workspace() {
    let started = Instant::now();
    let real = xtask::workspace_root();
    let scratch = tempfile::tempdir().expect("temporary directory");
    let real_scratch = fs::canonicalize(scratch.path()).expect("the scratch directory");
    assert!(
        !real_scratch.starts_with(fs::canonicalize(&real).expect("the workspace")),
        "the temporary directory {} is inside the workspace; point TMPDIR elsewhere",
        real_scratch.display()
    );
    let dir = scratch.path().join("acme-chat-adapter");
    let generated = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["new-adapter", "acme-chat", "--provider", "acme."])
        .args(["--models", "acme.chat-,acme.text-", "--out-of-tree"])
        .arg(&dir)
        .output()
        .expect("xtask runs");
    let stdout = assert_success("new-adapter --out-of-tree", &generated);
    assert!(
        stdout.contains("serving model ids that start with `acme.chat-` or `acme.text-`"),
        "{stdout}"
    );
    assert!(stdout.contains("cargo test"), "{stdout}");

    // A standalone package: nothing inherited from a workspace, nothing unpublishable, this
    // workspace's crates by absolute path, everything else as the workspace pins it.
    let manifest_text = read(&dir.join("Cargo.toml"));
    for word in ["workspace", "publish"] {
        assert!(!manifest_text.contains(word), "{word}:\n{manifest_text}");
    }
    let manifest: toml::Value = toml::from_str(&manifest_text).expect("the manifest parses");
    assert!(!keys(&manifest).iter().any(|k| k == "workspace"));
    let root: toml::Table = toml::from_str(&read(&real.join("Cargo.toml"))).expect("parses");
    let workspace = &root["workspace"];
    assert_eq!(
        manifest["package"]["name"].as_str(),
        Some("bedrock-adapter-acme-chat")
    );
    assert_eq!(
        manifest["package"]["edition"],
        workspace["package"]["edition"]
    );
    assert_eq!(manifest["lints"], workspace["lints"]);
    let mut ours = Vec::new();
    for section in ["dependencies", "dev-dependencies"] {
        let dependencies = manifest[section].as_table().expect("a table");
        for (name, spec) in dependencies {
            let pinned = &workspace["dependencies"][name.as_str()];
            if let Some(path) = spec.get("path").and_then(toml::Value::as_str) {
                let path = Path::new(path);
                assert!(
                    path.is_absolute() && path.join("Cargo.toml").is_file(),
                    "{name}"
                );
                assert_eq!(
                    spec.as_table().map(toml::Table::len),
                    Some(1),
                    "{name}: {spec}"
                );
                ours.push(name.as_str());
            } else {
                let version = spec.get("version").unwrap_or(spec);
                assert_eq!(
                    Some(version),
                    pinned.get("version").or(Some(pinned)),
                    "{name}"
                );
                assert_eq!(spec.get("features"), pinned.get("features"), "{name}");
            }
        }
    }
    ours.sort_unstable();
    assert_eq!(ours, ["bedrock-core", "bedrock-testkit"]);
    for name in ["rustfmt.toml", "clippy.toml"] {
        assert_eq!(read(&dir.join(name)), read(&real.join(name)), "{name}");
    }
    let generated_in = started.elapsed();

    // The workspace's lock file makes the same versions resolve, offline; cargo drops the
    // entries the crate does not use.
    fs::copy(real.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    let profile = workspace_profile_config();
    let with_profile = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
        all.splice(1..1, profile.iter().cloned());
        all
    };
    let test_args = with_profile(&["test", "--offline"]);
    let test_args: Vec<&str> = test_args.iter().map(String::as_str).collect();
    let test_run = cargo_with(&dir, &test_args, &[("INSTA_UPDATE", "no"), ("CI", "true")]);
    let stdout = assert_success("cargo test in the out-of-tree crate", &test_run);
    let stderr = String::from_utf8_lossy(&test_run.stderr);
    let tested_in = started.elapsed();
    // The unit tests (none), the `tests/acme_chat/` binary, the README doctest.
    let counts = passed_counts(&stdout);
    assert_eq!(counts.len(), 3, "{stdout}");
    assert!(counts[1] >= 15 && counts[2] == 1, "{counts:?}\n{stdout}");
    for test in [
        "conformance::the_adapter_passes_the_conformance_suite",
        "bodies::every_valid_input_builds_its_snapshotted_body",
        "registry::bare_ids_profiles_and_arns_resolve_to_the_adapter",
        "registry::other_ids_are_a_miss_naming_the_adapter",
    ] {
        assert!(
            stdout.contains(&format!("test {test} ... ok")),
            "{test}\n{stdout}"
        );
    }
    assert!(
        stderr.contains("Doc-tests bedrock_adapter_acme_chat"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("warning: `bedrock-adapter-acme-chat`"),
        "the crate has warnings:\n{stderr}"
    );
    let snapshots = dir.join("tests/acme_chat/snapshots");
    for entry in fs::read_dir(&snapshots).expect("list the snapshots") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            name.ends_with(".snap"),
            "{name} was written next to the snapshots"
        );
    }

    let clippy_args = with_profile(&[
        "clippy",
        "--offline",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    let clippy_args: Vec<&str> = clippy_args.iter().map(String::as_str).collect();
    assert_success(
        "cargo clippy in the out-of-tree crate",
        &cargo(&dir, &clippy_args),
    );
    assert_success(
        "cargo fmt --check in the out-of-tree crate",
        &cargo(&dir, &["fmt", "--check"]),
    );
    assert!(
        !dir.join("target").exists(),
        "the build went into the crate"
    );
    eprintln!(
        "out-of-tree crate: generated in {:.1?}, tested at {:.1?}, linted and formatted at {:.1?}",
        generated_in,
        tested_in,
        started.elapsed()
    );
}
