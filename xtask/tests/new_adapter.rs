//! `cargo xtask new-adapter`: argument checks, template rendering, the command line, the size
//! of the scaffolded adapter, and scaffolded crates that pass their own tests, clippy and
//! rustfmt in a scratch workspace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;
use xtask::Error;
use xtask::new_adapter::{NewAdapter, TEMPLATES, check_name, check_provider, render, scaffold};

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
