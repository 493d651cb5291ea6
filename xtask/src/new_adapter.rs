//! `cargo xtask new-adapter`: scaffolds a model adapter crate from the templates under
//! `xtask/templates/new-adapter/`, with `{{placeholder}}` substitution and rustfmt'd Rust.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::catalog::PROFILE_GEO;
use crate::error::Error;
use crate::rust_source::format_rust;

/// The longest adapter name accepted.
pub const MAX_NAME_LEN: usize = 40;

/// One template file and where its rendering goes.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// The template, relative to `xtask/templates/new-adapter/`.
    pub source: &'static str,
    /// The template's text, compiled into xtask.
    pub text: &'static str,
    /// Where the rendering goes, relative to the new crate's directory; placeholders are filled
    /// here too (`tests/{{snake}}/main.rs`).
    pub output: &'static str,
}

macro_rules! template {
    ($source:literal, $output:literal) => {
        Template {
            source: $source,
            text: include_str!(concat!("../templates/new-adapter/", $source)),
            output: $output,
        }
    };
}

/// Every file of a new adapter crate, in the one adapter layout: the adapter in `src/` (lib,
/// models, one module per API), its tests in one test binary `tests/<name>/`, their inputs and
/// recorded responses in `tests/data/`, and the reviewed snapshots beside the tests.
pub const TEMPLATES: &[Template] = &[
    template!("Cargo.toml.tmpl", "Cargo.toml"),
    template!("README.md.tmpl", "README.md"),
    template!("src/lib.rs.tmpl", "src/lib.rs"),
    template!("src/models.rs.tmpl", "src/models.rs"),
    template!("src/text.rs.tmpl", "src/text.rs"),
    template!("tests/adapter/main.rs.tmpl", "tests/{{snake}}/main.rs"),
    template!("tests/adapter/bodies.rs.tmpl", "tests/{{snake}}/bodies.rs"),
    template!(
        "tests/adapter/invalid.rs.tmpl",
        "tests/{{snake}}/invalid.rs"
    ),
    template!(
        "tests/adapter/outputs.rs.tmpl",
        "tests/{{snake}}/outputs.rs"
    ),
    template!(
        "tests/adapter/conformance.rs.tmpl",
        "tests/{{snake}}/conformance.rs"
    ),
    template!(
        "tests/adapter/registry.rs.tmpl",
        "tests/{{snake}}/registry.rs"
    ),
    template!(
        "tests/adapter/schemas.rs.tmpl",
        "tests/{{snake}}/schemas.rs"
    ),
    template!(
        "tests/data/valid_inputs.json.tmpl",
        "tests/data/valid_inputs.json"
    ),
    template!(
        "tests/data/invalid_inputs.json.tmpl",
        "tests/data/invalid_inputs.json"
    ),
    template!(
        "tests/data/responses/stop.json.tmpl",
        "tests/data/responses/stop.json"
    ),
    template!(
        "tests/data/responses/length.json.tmpl",
        "tests/data/responses/length.json"
    ),
    template!(
        "tests/data/streams/greeting.jsonl.tmpl",
        "tests/data/streams/greeting.jsonl"
    ),
    template!(
        "tests/data/streams/greeting.whole.json.tmpl",
        "tests/data/streams/greeting.whole.json"
    ),
    template!(
        "tests/data/streams/length.jsonl.tmpl",
        "tests/data/streams/length.jsonl"
    ),
    template!(
        "tests/data/streams/length.whole.json.tmpl",
        "tests/data/streams/length.whole.json"
    ),
    template!(
        "tests/adapter/snapshots/bodies__body_bounds.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__bodies__body_bounds.snap"
    ),
    template!(
        "tests/adapter/snapshots/bodies__body_prompt_only.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__bodies__body_prompt_only.snap"
    ),
    template!(
        "tests/adapter/snapshots/bodies__body_sampled.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__bodies__body_sampled.snap"
    ),
    template!(
        "tests/adapter/snapshots/bodies__body_stop_sequences.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__bodies__body_stop_sequences.snap"
    ),
    template!(
        "tests/adapter/snapshots/bodies__body_through_a_profile.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__bodies__body_through_a_profile.snap"
    ),
    template!(
        "tests/adapter/snapshots/outputs__output_length.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__outputs__output_length.snap"
    ),
    template!(
        "tests/adapter/snapshots/outputs__output_stop.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__outputs__output_stop.snap"
    ),
    template!(
        "tests/adapter/snapshots/outputs__stream_greeting.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__outputs__stream_greeting.snap"
    ),
    template!(
        "tests/adapter/snapshots/outputs__stream_length.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__outputs__stream_length.snap"
    ),
    template!(
        "tests/adapter/snapshots/schemas__schema_api.snap.tmpl",
        "tests/{{snake}}/snapshots/{{snake}}__schemas__schema_{{name}}-text.snap"
    ),
];

/// A checked request for a new adapter crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdapter {
    name: String,
    provider: String,
    models: Vec<String>,
}

impl NewAdapter {
    /// Checks `name` ([`check_name`]) and the model id prefix the adapter serves
    /// ([`check_provider`]), which defaults to `NAME.`.
    pub fn new(name: &str, provider: Option<&str>) -> Result<NewAdapter, Error> {
        NewAdapter::with_models(name, provider, &[])
    }

    /// [`NewAdapter::new`] serving the model id prefixes `models` ([`check_models`]) instead of
    /// the provider prefix; an empty `models` serves the provider prefix, as `new` does. When
    /// `provider` is given, every prefix of `models` must start with it.
    pub fn with_models(
        name: &str,
        provider: Option<&str>,
        models: &[&str],
    ) -> Result<NewAdapter, Error> {
        check_name(name)?;
        let given = provider.is_some();
        let provider = provider.map_or_else(|| format!("{name}."), str::to_owned);
        check_provider(&provider)?;
        if models.is_empty() {
            return Ok(NewAdapter {
                name: name.to_owned(),
                models: vec![provider.clone()],
                provider,
            });
        }
        check_models(models)?;
        if let Some(outside) = models.iter().find(|m| given && !m.starts_with(&provider)) {
            return Err(Error::InvalidArgument {
                argument: "--models",
                value: models.join(","),
                reason: format!("`{outside}` does not start with the provider `{provider}`"),
                allowed: "prefixes that start with --provider, or no --provider".to_owned(),
            });
        }
        Ok(NewAdapter {
            name: name.to_owned(),
            provider,
            models: models.iter().map(|&m| m.to_owned()).collect(),
        })
    }

    /// The adapter's name (`mistral`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The provider's model id prefix (`mistral.`): `--provider`, or `NAME.`.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The model id prefixes it serves, one model pattern each: `--models`, or the provider
    /// prefix.
    pub fn model_prefixes(&self) -> &[String] {
        &self.models
    }

    /// The package name (`bedrock-adapter-mistral`).
    pub fn crate_name(&self) -> String {
        format!("bedrock-adapter-{}", self.name)
    }

    /// The crate's directory, relative to the workspace root (`crates/bedrock-adapter-mistral`).
    pub fn crate_dir(&self) -> String {
        format!("crates/{}", self.crate_name())
    }

    /// The prefix of the crate's type names (`Mistral`, `MyModel2` for `my-model2`).
    pub fn type_prefix(&self) -> String {
        self.name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect()
    }

    /// The model id the generated tests and example use: the first prefix and a made-up model
    /// name (`mistral.mistral-example-v1:0`), for the author to replace with a real id.
    pub fn example_model_id(&self) -> String {
        self.example_model_ids().swap_remove(0)
    }

    /// One made-up model id per prefix of [`Self::model_prefixes`], in order.
    pub fn example_model_ids(&self) -> Vec<String> {
        self.models
            .iter()
            .map(|prefix| {
                if prefix.ends_with('.') {
                    format!("{prefix}{}-example-v1:0", self.name)
                } else {
                    format!("{prefix}example-v1:0")
                }
            })
            .collect()
    }

    /// The placeholders the templates use and their values, for a crate in this workspace.
    pub fn placeholders(&self) -> Vec<(&'static str, String)> {
        let quoted = |items: &[String]| -> Vec<String> {
            items.iter().map(|item| format!("`{item}`")).collect()
        };
        let served = match quoted(&self.models).as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [most @ .., last] => format!("{} or {last}", most.join(", ")),
        };
        let patterns: Vec<String> = self.models.iter().map(|m| format!("{m}*")).collect();
        let examples: Vec<String> = self
            .example_model_ids()
            .iter()
            .map(|id| format!("\"{id}\""))
            .collect();
        vec![
            ("name", self.name.clone()),
            ("Name", self.type_prefix()),
            ("snake", self.name.replace('-', "_")),
            ("crate", self.crate_name().replace('-', "_")),
            ("crate_path", format!("{}/", self.crate_dir())),
            ("provider", self.provider.clone()),
            ("served", served),
            ("patterns", self.model_patterns_rs()),
            (
                "registered",
                format!("{} ({})", self.name, patterns.join(", ")),
            ),
            ("model", self.example_model_id()),
            ("models", examples.join(", ")),
        ]
    }

    /// The entries of `MODEL_PATTERNS`, one per prefix, as Rust source for rustfmt to lay out.
    fn model_patterns_rs(&self) -> String {
        self.models
            .iter()
            .map(|prefix| {
                format!(
                    "ModelPattern {{\n    matches: ModelMatch::Prefix(\"{prefix}\"),\n    \
                     api: TEXT_API,\n    capabilities: Capabilities {{\n        text: true,\n        \
                     streaming: true,\n        ..Capabilities::NONE\n    }},\n}}"
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An adapter name: 1 to [`MAX_NAME_LEN`] lowercase ASCII letters, digits and single dashes,
/// starting with a letter and not ending with a dash, so that the crate name, the Rust type names
/// derived from it and the registry name are all well formed.
pub fn check_name(name: &str) -> Result<(), Error> {
    let bad = |reason: &str| Error::InvalidArgument {
        argument: "NAME",
        value: name.to_owned(),
        reason: reason.to_owned(),
        allowed: format!(
            "1 to {MAX_NAME_LEN} lowercase letters, digits and single dashes, starting with a \
             letter and not ending with a dash (e.g. `mistral`, `cohere-command`)"
        ),
    };
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(bad(&format!("it has {} characters", name.chars().count())));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(bad(&format!("{c:?} is not allowed")));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(bad("it does not start with a letter"));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(bad("it has an empty part between dashes"));
    }
    Ok(())
}

/// A model id prefix: `provider.` optionally followed by the start of a model name
/// (`mistral.`, `mistral.mistral-`). The provider is lowercase letters, digits and dashes and is
/// not an inference-profile geography (`us`, `eu`, ...), which would shadow profile ids.
pub fn check_provider(prefix: &str) -> Result<(), Error> {
    check_prefix("--provider", prefix)
}

/// The model id prefixes of `--models`: at least one, each a prefix as [`check_provider`]
/// describes, and none a prefix of another, since the longer one would be a second pattern for
/// ids the shorter already serves.
pub fn check_models(prefixes: &[&str]) -> Result<(), Error> {
    let bad = |reason: String| Error::InvalidArgument {
        argument: "--models",
        value: prefixes.join(","),
        reason,
        allowed: "one or more model id prefixes separated by commas, none the start of another \
                  (e.g. `mistral.mistral-,mistral.mixtral-`)"
            .to_owned(),
    };
    if prefixes.is_empty() {
        return Err(bad("it names no prefix".to_owned()));
    }
    for (i, prefix) in prefixes.iter().enumerate() {
        check_prefix("--models", prefix)?;
        if let Some(other) = prefixes[..i]
            .iter()
            .find(|other| prefix.starts_with(*other) || other.starts_with(prefix))
        {
            return Err(bad(format!("`{other}` and `{prefix}` overlap")));
        }
    }
    Ok(())
}

fn check_prefix(argument: &'static str, prefix: &str) -> Result<(), Error> {
    let geos: Vec<&str> = PROFILE_GEO.terms.iter().map(|(wire, _)| *wire).collect();
    let bad = |reason: String| Error::InvalidArgument {
        argument,
        value: prefix.to_owned(),
        reason,
        allowed: format!(
            "a model id prefix `provider.` or longer (e.g. `mistral.`, `mistral.mistral-`): a \
             provider of lowercase letters, digits and dashes other than {}, a dot, then \
             letters, digits and `.-_:`",
            geos.join(", ")
        ),
    };
    let Some((provider, model)) = prefix.split_once('.') else {
        return Err(bad("it has no `.` after the provider".to_owned()));
    };
    if provider.is_empty()
        || !provider
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(format!("the provider `{provider}` is not allowed")));
    }
    if geos.contains(&provider) {
        return Err(bad(format!("`{provider}.` is an inference-profile prefix")));
    }
    if let Some(c) = model
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
    {
        return Err(bad(format!("{c:?} is not allowed")));
    }
    Ok(())
}

/// Replaces every `{{key}}` of `text` with its value from `values`. `template` names the
/// template in errors; an unknown key or a `{{` without its `}}` is an error, so no placeholder
/// can survive into the output.
pub fn render(template: &str, text: &str, values: &[(&str, String)]) -> Result<String, Error> {
    let fail = |message: String| Error::Template {
        template: template.to_owned(),
        message,
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            let line = text[..text.len() - rest.len() + start]
                .lines()
                .count()
                .max(1);
            return Err(fail(format!(
                "line {line}: `{{{{` without a closing `}}}}`"
            )));
        };
        let key = &after[..end];
        let Some((_, value)) = values.iter().find(|(k, _)| *k == key) else {
            let known: Vec<String> = values.iter().map(|(k, _)| format!("{{{{{k}}}}}")).collect();
            return Err(fail(format!(
                "unknown placeholder `{{{{{key}}}}}`; known: {}",
                known.join(", ")
            )));
        };
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Writes the crate `adapter` describes under `root` (a workspace whose `members` include
/// `crates/*`), returning the files written, relative to `root`.
///
/// Fails with [`Error::AdapterExists`] when the crate's directory exists. Every template is
/// rendered, and the Rust files formatted with the workspace's rustfmt settings, before anything
/// is written.
pub fn scaffold(root: &Path, adapter: &NewAdapter) -> Result<Vec<String>, Error> {
    let crate_dir = adapter.crate_dir();
    let dir = root.join(&crate_dir);
    if dir.exists() {
        return Err(Error::AdapterExists { path: dir });
    }
    let files: Vec<(String, String)> = render_templates(root, adapter, &adapter.placeholders())?
        .into_iter()
        .map(|(path, text)| (format!("{crate_dir}/{path}"), text))
        .collect();

    let parent = dir.parent().unwrap_or(root);
    std::fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
    // Creating the directory itself (not `create_dir_all`) fails if another run made it since.
    std::fs::create_dir(&dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::AdapterExists { path: dir.clone() }
        } else {
            write_error(&dir, e)
        }
    })?;
    for (path, text) in &files {
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| write_error(&path, e))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// Every template rendered with `values`, Rust files formatted with `root`'s rustfmt settings:
/// (path relative to the crate, text).
fn render_templates(
    root: &Path,
    adapter: &NewAdapter,
    values: &[(&str, String)],
) -> Result<Vec<(String, String)>, Error> {
    let mut files = Vec::with_capacity(TEMPLATES.len());
    for template in TEMPLATES {
        let output = render(template.source, template.output, values)?;
        let mut text = render(template.source, template.text, values)?;
        if template.output.ends_with(".rs") {
            let shown = format!("{}/{output}", adapter.crate_dir());
            text = format_rust(root, &shown, &text)?;
        }
        files.push((output, text));
    }
    Ok(files)
}

fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Out of tree: a standalone crate in the adapter author's own repository.
// ---------------------------------------------------------------------------------------------

/// How an out-of-tree crate depends on this workspace's crates (`bedrock-core`,
/// `bedrock-testkit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BedrockDependency {
    /// Path dependencies on this checkout, by absolute path: builds offline, against exactly
    /// this source.
    Path,
    /// Registry dependencies of this version requirement (`0.1`, `=0.1.3`).
    Version(String),
}

/// Where an out-of-tree crate goes and what it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfTree {
    /// The crate's own directory, outside this workspace; created if missing.
    pub dir: PathBuf,
    /// How it depends on this workspace's crates.
    pub bedrock: BedrockDependency,
}

/// The files an out-of-tree crate gets besides the templates: this workspace's rustfmt and
/// clippy settings, which the generated source is formatted and linted with.
pub const COPIED_SETTINGS: &[&str] = &["rustfmt.toml", "clippy.toml"];

/// The `[workspace.package]` keys an out-of-tree crate takes over; the others (`license`,
/// `repository`, `publish`) describe this project, not the author's crate.
const INHERITED_PACKAGE_KEYS: &[&str] = &["version", "edition", "rust-version"];

/// A version requirement for `--bedrock-version`: an optional `=`, `^` or `~`, then one to three
/// dot-separated numbers and an optional pre-release (`0.1`, `=0.1.3`, `1.0.0-rc.1`).
pub fn check_version(version: &str) -> Result<(), Error> {
    let bad = |reason: &str| Error::InvalidArgument {
        argument: "--bedrock-version",
        value: version.to_owned(),
        reason: reason.to_owned(),
        allowed: "a version requirement: optional `=`, `^` or `~`, then MAJOR[.MINOR[.PATCH]] \
                  with an optional `-pre-release` (e.g. `0.1`, `=0.1.3`)"
            .to_owned(),
    };
    let bare = version.trim_start_matches(['=', '^', '~']);
    if version.len() - bare.len() > 1 {
        return Err(bad("it has more than one operator"));
    }
    let (numbers, pre) = bare.split_once('-').unwrap_or((bare, ""));
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("it is not MAJOR[.MINOR[.PATCH]]"));
    }
    if bare.contains('-')
        && (pre.is_empty()
            || !pre
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
    {
        return Err(bad(
            "its pre-release is not letters, digits, dots and dashes",
        ));
    }
    Ok(())
}

/// `dir` as an absolute path, refused when it is inside the workspace at `root`: cargo would
/// take the crate for a member of this workspace, and in-tree adapters are made without
/// `--out-of-tree`.
pub fn check_out_of_tree_dir(root: &Path, dir: &Path) -> Result<PathBuf, Error> {
    let bad = |reason: String| Error::InvalidArgument {
        argument: "--out-of-tree",
        value: dir.display().to_string(),
        reason,
        allowed: "a directory outside this repository (leave out --out-of-tree for an adapter \
                  inside it)"
            .to_owned(),
    };
    let absolute = std::path::absolute(dir).map_err(|e| bad(e.to_string()))?;
    // Symlinks can put a path inside the workspace that does not look it: compare the real
    // paths of the deepest directory that exists.
    let existing = absolute
        .ancestors()
        .find(|a| a.exists())
        .unwrap_or(&absolute);
    let real = std::fs::canonicalize(existing).map_err(|e| bad(e.to_string()))?;
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if real.starts_with(&real_root) {
        return Err(bad(format!(
            "it is inside this workspace, {}",
            real_root.display()
        )));
    }
    Ok(absolute)
}

/// Writes `adapter` as a standalone crate into `out.dir`, returning the files written,
/// relative to it.
///
/// The crate is the templates' crate with its own manifest ([`out_of_tree_manifest`]) and
/// [`COPIED_SETTINGS`]; it builds and passes its tests wherever it is, with no workspace around
/// it. Fails with [`Error::AdapterExists`] naming the first file that exists already: nothing is
/// overwritten, and nothing is written unless every file can be.
pub fn scaffold_out_of_tree(
    root: &Path,
    adapter: &NewAdapter,
    out: &OutOfTree,
) -> Result<Vec<String>, Error> {
    let dir = check_out_of_tree_dir(root, &out.dir)?;
    if let BedrockDependency::Version(version) = &out.bedrock {
        check_version(version)?;
    }
    let mut values = adapter.placeholders();
    for (key, value) in &mut values {
        if *key == "crate_path" {
            // insta names a snapshot's test file relative to the workspace: the crate itself.
            value.clear();
        }
    }
    let mut files: Vec<(String, String)> = render_templates(root, adapter, &values)?
        .into_iter()
        .filter(|(path, _)| path != "Cargo.toml")
        .collect();
    files.insert(
        0,
        (
            "Cargo.toml".to_owned(),
            out_of_tree_manifest(root, adapter, &out.bedrock)?,
        ),
    );
    for name in COPIED_SETTINGS {
        let path = root.join(name);
        if path.is_file() {
            let text =
                std::fs::read_to_string(&path).map_err(|source| Error::Read { path, source })?;
            files.push(((*name).to_owned(), text));
        }
    }
    files.push((".gitignore".to_owned(), "/target\n*.snap.new\n".to_owned()));

    if let Some((path, _)) = files.iter().find(|(path, _)| dir.join(path).exists()) {
        return Err(Error::AdapterExists {
            path: dir.join(path),
        });
    }
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
        }
        // `create_new`: a file that appeared since the check above is not overwritten either.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::AdapterExists { path: path.clone() }
                } else {
                    write_error(&path, e)
                }
            })?;
        file.write_all(text.as_bytes())
            .map_err(|e| write_error(&path, e))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// The out-of-tree crate's `Cargo.toml`: the in-tree template's, with every `workspace = true`
/// replaced by what it stands for in `root`'s manifest.
///
/// - `[package]`: `version`, `edition` and `rust-version` from `[workspace.package]`; not
///   `license`, `repository` or `publish`, which describe this project.
/// - Dependencies: the entry of `[workspace.dependencies]` (version, features,
///   `default-features`), with the crate's own keys added; this workspace's crates by absolute
///   path or by `bedrock` version.
/// - `[lints]`: `[workspace.lints]`, every table of it.
pub fn out_of_tree_manifest(
    root: &Path,
    adapter: &NewAdapter,
    bedrock: &BedrockDependency,
) -> Result<String, Error> {
    let manifest_path = root.join("Cargo.toml");
    let parse = |file: String, text: &str| {
        toml::from_str::<toml::Table>(text).map_err(|e| Error::Parse {
            file,
            message: e.to_string(),
        })
    };
    let root_text = std::fs::read_to_string(&manifest_path).map_err(|source| Error::Read {
        path: manifest_path.clone(),
        source,
    })?;
    let root_manifest = parse("Cargo.toml".to_owned(), &root_text)?;
    let template = TEMPLATES
        .iter()
        .find(|t| t.output == "Cargo.toml")
        .ok_or_else(|| Error::Template {
            template: "Cargo.toml.tmpl".to_owned(),
            message: "missing".to_owned(),
        })?;
    let rendered = render(template.source, template.text, &adapter.placeholders())?;
    let crate_manifest = parse(template.source.to_owned(), &rendered)?;

    let shape = |what: &str| Error::Parse {
        file: "Cargo.toml".to_owned(),
        message: format!("expected a table `{what}`"),
    };
    let workspace = table(&root_manifest, "workspace").ok_or_else(|| shape("[workspace]"))?;
    let workspace_package =
        table(workspace, "package").ok_or_else(|| shape("[workspace.package]"))?;
    let workspace_dependencies =
        table(workspace, "dependencies").ok_or_else(|| shape("[workspace.dependencies]"))?;
    let package = table(&crate_manifest, "package").ok_or_else(|| Error::Template {
        template: template.source.to_owned(),
        message: "no [package]".to_owned(),
    })?;

    let mut out = String::from(
        "# Generated by `cargo xtask new-adapter --out-of-tree` in bedrock-connector: the\n\
         # dependencies' versions and the lints are those bedrock-connector builds with.\n\n\
         [package]\n",
    );
    let mut keys: Vec<(&str, &toml::Value)> = Vec::new();
    for (key, value) in package {
        if !inherits(value) {
            keys.push((key, value));
        } else if INHERITED_PACKAGE_KEYS.contains(&key.as_str()) {
            let value = workspace_package
                .get(key)
                .ok_or_else(|| shape(&format!("[workspace.package] {key}")))?;
            keys.push((key, value));
        }
    }
    // `name` first, then the rest in the manifest format's usual order.
    let order = ["name", "description", "version", "edition", "rust-version"];
    keys.sort_by_key(|(key, _)| order.iter().position(|o| o == key).unwrap_or(order.len()));
    for (key, value) in keys {
        out.push_str(&format!("{key} = {value}\n"));
    }

    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(dependencies) = table(&crate_manifest, section) else {
            continue;
        };
        out.push_str(&format!("\n[{section}]\n"));
        for (name, spec) in dependencies {
            let spec = dependency(root, name, spec, workspace_dependencies, bedrock)?;
            out.push_str(&format!("{name} = {spec}\n"));
        }
    }

    if crate_manifest.get("lints").is_some_and(inherits) {
        let lints = table(workspace, "lints").ok_or_else(|| shape("[workspace.lints]"))?;
        for (tool, levels) in lints {
            let levels =
                table_of(levels).ok_or_else(|| shape(&format!("[workspace.lints.{tool}]")))?;
            out.push_str(&format!("\n[lints.{tool}]\n"));
            for (lint, level) in levels {
                out.push_str(&format!("{lint} = {level}\n"));
            }
        }
    }
    Ok(out)
}

/// One dependency of the out-of-tree manifest, as the value after `name = `.
fn dependency(
    root: &Path,
    name: &str,
    spec: &toml::Value,
    workspace_dependencies: &toml::Table,
    bedrock: &BedrockDependency,
) -> Result<String, Error> {
    let mut merged = toml::Table::new();
    let own = table_of(spec);
    if inherits(spec) {
        let inherited = workspace_dependencies
            .get(name)
            .ok_or_else(|| Error::Parse {
                file: "Cargo.toml".to_owned(),
                message: format!("`{name}` is not in [workspace.dependencies]"),
            })?;
        match inherited {
            toml::Value::String(version) => {
                merged.insert("version".to_owned(), version.clone().into());
            }
            toml::Value::Table(table) => merged.extend(table.clone()),
            _ => {
                return Err(Error::Parse {
                    file: "Cargo.toml".to_owned(),
                    message: format!(
                        "[workspace.dependencies] `{name}` is neither a version nor a table"
                    ),
                });
            }
        }
    } else if let toml::Value::String(version) = spec {
        merged.insert("version".to_owned(), version.clone().into());
    }
    for (key, value) in own.into_iter().flatten() {
        match (key.as_str(), merged.get_mut(key)) {
            ("workspace", _) => {}
            // Cargo adds a member's features to the workspace's.
            ("features", Some(toml::Value::Array(features))) => {
                if let toml::Value::Array(more) = value {
                    features.extend(more.iter().cloned());
                }
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(path) = merged.remove("path") {
        match bedrock {
            BedrockDependency::Path => {
                let relative = path.as_str().unwrap_or_default();
                let absolute =
                    std::fs::canonicalize(root.join(relative)).map_err(|source| Error::Read {
                        path: root.join(relative),
                        source,
                    })?;
                merged.insert("path".to_owned(), absolute.display().to_string().into());
            }
            BedrockDependency::Version(version) => {
                merged.insert("version".to_owned(), version.clone().into());
            }
        }
    }
    if let (1, Some(version)) = (merged.len(), merged.get("version")) {
        return Ok(version.to_string());
    }
    // Where the crate comes from first, then how.
    let order = [
        "version",
        "path",
        "default-features",
        "features",
        "optional",
    ];
    let mut entries: Vec<(&String, &toml::Value)> = merged.iter().collect();
    entries.sort_by_key(|(key, _)| order.iter().position(|o| o == key).unwrap_or(order.len()));
    let entries: Vec<String> = entries
        .iter()
        .map(|(key, value)| format!("{key} = {value}"))
        .collect();
    Ok(format!("{{ {} }}", entries.join(", ")))
}

/// Whether a manifest value is `{ workspace = true, ... }`.
fn inherits(value: &toml::Value) -> bool {
    table_of(value).is_some_and(|t| t.get("workspace") == Some(&toml::Value::Boolean(true)))
}

fn table<'a>(parent: &'a toml::Table, key: &str) -> Option<&'a toml::Table> {
    parent.get(key).and_then(table_of)
}

fn table_of(value: &toml::Value) -> Option<&toml::Table> {
    match value {
        toml::Value::Table(table) => Some(table),
        _ => None,
    }
}
