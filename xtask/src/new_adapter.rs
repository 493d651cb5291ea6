//! `cargo xtask new-adapter`: scaffolds a model adapter crate from the templates under
//! `xtask/templates/new-adapter/`, with `{{placeholder}}` substitution and rustfmt'd Rust.

use std::path::Path;

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
}

impl NewAdapter {
    /// Checks `name` ([`check_name`]) and the model id prefix the adapter serves
    /// ([`check_provider`]), which defaults to `NAME.`.
    pub fn new(name: &str, provider: Option<&str>) -> Result<NewAdapter, Error> {
        check_name(name)?;
        let provider = provider.map_or_else(|| format!("{name}."), str::to_owned);
        check_provider(&provider)?;
        Ok(NewAdapter {
            name: name.to_owned(),
            provider,
        })
    }

    /// The adapter's name (`mistral`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The model id prefix it serves (`mistral.`).
    pub fn provider(&self) -> &str {
        &self.provider
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

    /// The model id the generated tests and example use: the prefix and a made-up model name
    /// (`mistral.mistral-example-v1:0`), for the author to replace with a real id.
    pub fn example_model_id(&self) -> String {
        if self.provider.ends_with('.') {
            format!("{}{}-example-v1:0", self.provider, self.name)
        } else {
            format!("{}example-v1:0", self.provider)
        }
    }

    /// The placeholders the templates use and their values.
    pub fn placeholders(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("Name", self.type_prefix()),
            ("snake", self.name.replace('-', "_")),
            ("crate", self.crate_name().replace('-', "_")),
            ("provider", self.provider.clone()),
            ("model", self.example_model_id()),
        ]
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
    let geos: Vec<&str> = PROFILE_GEO.terms.iter().map(|(wire, _)| *wire).collect();
    let bad = |reason: String| Error::InvalidArgument {
        argument: "--provider",
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
    let values = adapter.placeholders();
    let mut files = Vec::with_capacity(TEMPLATES.len());
    for template in TEMPLATES {
        let output = render(template.source, template.output, &values)?;
        let path = format!("{crate_dir}/{output}");
        let mut text = render(template.source, template.text, &values)?;
        if template.output.ends_with(".rs") {
            text = format_rust(root, &path, &text)?;
        }
        files.push((path, text));
    }

    let write_error = |path: &Path, source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
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
