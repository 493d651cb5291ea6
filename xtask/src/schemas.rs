//! The schema generators: the request JSON Schema of every API of the built-in adapters under
//! `docs/schemas/`, and their index page, from what the connector's `request_schemas` example
//! prints.
//!
//! xtask does not link the adapters: it writes bedrock-core's generated files, so it must build
//! when they do not. The schemas need the adapters' Rust types, so a separate process prints
//! them: `cargo run -p bedrock-connector --example request_schemas` with only the connector's
//! adapter features.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::GeneratedFile;
use crate::error::Error;

/// The directory of the published schemas, relative to the workspace root.
pub const SCHEMAS_DIR: &str = "docs/schemas";
/// The index of the published schemas, relative to the workspace root.
pub const SCHEMAS_MD: &str = "docs/reference/schemas.md";
/// The package whose example prints the schemas.
pub const DUMP_PACKAGE: &str = "bedrock-connector";
/// Its manifest, relative to the workspace root: its adapter features are read from it.
pub const DUMP_MANIFEST: &str = "crates/bedrock-connector/Cargo.toml";
/// The example that prints the schemas.
pub const DUMP_EXAMPLE: &str = "request_schemas";
/// The dump's name for the rows of Bedrock's Converse API, which is not an adapter.
pub const CONVERSE: &str = "converse";

/// One API of one adapter as the dump prints it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedApi {
    /// The adapter's name.
    pub adapter: String,
    /// The API's name.
    pub api: String,
    /// The model ids routed to this API, as the adapter's patterns match them (`ModelMatch`'s
    /// display: `id` or `prefix*`), in the adapter's order.
    pub patterns: Vec<String>,
    /// The API's capabilities that are on (`text`, `chat`, ...), over all its patterns.
    pub capabilities: Vec<String>,
    /// `request_schema(api)`.
    pub schema: Value,
}

impl PublishedApi {
    /// `docs/schemas/<adapter>/<api>.json`.
    pub fn path(&self) -> String {
        format!("{SCHEMAS_DIR}/{}/{}.json", self.adapter, self.api)
    }
}

/// Every API of every built-in adapter, sorted by adapter and API name.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaSet {
    apis: Vec<PublishedApi>,
}

impl SchemaSet {
    /// Runs the dump ([`dump_command`]) in the workspace at `root` and reads its output.
    pub fn load(root: &Path) -> Result<SchemaSet, Error> {
        let mut command = dump_command(root)?;
        let line = command_line(&command);
        let fail = |message: String| Error::Command {
            command: line.clone(),
            message,
        };
        let output = command
            .output()
            .map_err(|err| fail(format!("cannot start it: {err}")))?;
        if !output.status.success() {
            return Err(fail(format!(
                "{}:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            )));
        }
        let text = String::from_utf8(output.stdout)
            .map_err(|err| fail(format!("its output is not UTF-8: {err}")))?;
        SchemaSet::from_json(&text).map_err(|err| match err {
            Error::Schema { .. } => err,
            other => fail(other.to_string()),
        })
    }

    /// Reads a dump: a JSON array of [`PublishedApi`]. Adapter and API names must be usable as
    /// file names, and each adapter API must appear once.
    pub fn from_json(text: &str) -> Result<SchemaSet, Error> {
        let mut apis: Vec<PublishedApi> =
            serde_json::from_str(text).map_err(|err| Error::Schema {
                adapter: String::new(),
                api: String::new(),
                message: format!("the dump is not a list of adapter APIs: {err}"),
            })?;
        for api in &apis {
            for name in [&api.adapter, &api.api] {
                if !is_file_name(name) {
                    return Err(schema_error(
                        api,
                        format!("`{name}` cannot name a file: use letters, digits and `-_.`"),
                    ));
                }
            }
            if api.patterns.is_empty() {
                return Err(schema_error(api, "no pattern routes ids to it".to_owned()));
            }
        }
        apis.sort_by(|a, b| (&a.adapter, &a.api).cmp(&(&b.adapter, &b.api)));
        if let Some(pair) = apis
            .windows(2)
            .find(|w| (&w[0].adapter, &w[0].api) == (&w[1].adapter, &w[1].api))
        {
            return Err(schema_error(&pair[0], "listed twice".to_owned()));
        }
        Ok(SchemaSet { apis })
    }

    /// The APIs, sorted by adapter and API name.
    pub fn apis(&self) -> &[PublishedApi] {
        &self.apis
    }

    /// Every schema file ([`schema_json`]), then the index ([`SchemaSet::index`]).
    pub fn files(&self) -> Result<Vec<GeneratedFile>, Error> {
        let mut files = Vec::with_capacity(self.apis.len() + 1);
        for api in &self.apis {
            files.push(GeneratedFile {
                path: api.path(),
                content: schema_json(api)?,
            });
        }
        files.push(GeneratedFile {
            path: SCHEMAS_MD.to_owned(),
            content: self.index(),
        });
        Ok(files)
    }

    /// The index page: every adapter API with the ids it serves, its capabilities and its
    /// schema.
    pub fn index(&self) -> String {
        let mut out = String::from(
            "<!-- Generated by `cargo xtask codegen` from the built-in adapters' request schemas, \
             do not edit by hand. -->\n\n",
        );
        out.push_str("# Request schemas\n\n");
        out.push_str(
            "The JSON Schema of the request body of every API of the built-in adapters, as \
             `ModelAdapter::request_schema(api)` returns it. Adapters check every body against \
             the same rules before sending it, so a value outside a schema's ranges fails locally \
             with an error naming the field. `bedrock schema MODEL_ID` prints the schema for one \
             model.\n\n",
        );
        out.push_str("| Adapter | API | Model ids | Capabilities | Schema |\n");
        out.push_str("|---|---|---|---|---|\n");
        let mut count_by_adapter: BTreeMap<&str, usize> = BTreeMap::new();
        for api in &self.apis {
            *count_by_adapter.entry(&api.adapter).or_default() += 1;
            let ids: Vec<String> = api.patterns.iter().map(|p| format!("`{p}`")).collect();
            let capabilities = if api.capabilities.is_empty() {
                "-".to_owned()
            } else {
                api.capabilities.join(", ")
            };
            let path = api.path();
            let relative = path
                .strip_prefix("docs/")
                .map_or_else(|| path.clone(), |rest| format!("../{rest}"));
            out.push_str(&format!(
                "| {} | `{}` | {} | {capabilities} | [{}.json]({relative}) |\n",
                api.adapter,
                api.api,
                ids.join(", "),
                api.api,
            ));
        }
        let converse = count_by_adapter.remove(CONVERSE).unwrap_or(0);
        out.push_str(&format!(
            "\n{} schemas from {} adapters. When ids match several patterns, an exact id beats \
             every prefix and a longer prefix beats a shorter one, across all adapters.\n",
            self.apis.len() - converse,
            count_by_adapter.len()
        ));
        if converse > 0 {
            out.push_str(&format!(
                "\nThe `{CONVERSE}` rows ({converse} schemas) are Bedrock's Converse API, which \
                 needs no adapter: the request, response and stream-event types of \
                 `bedrock_core::converse` serve every chat model (`*`), shaped exactly like \
                 Bedrock's JSON.\n"
            ));
        }
        out
    }
}

/// The schema file of `api`: its schema as pretty JSON with sorted keys and a trailing newline.
pub fn schema_json(api: &PublishedApi) -> Result<String, Error> {
    if !api.schema.is_object() {
        return Err(schema_error(
            api,
            "the schema is not a JSON object".to_owned(),
        ));
    }
    let mut text = serde_json::to_string_pretty(&sorted(&api.schema))
        .map_err(|e| schema_error(api, format!("the schema does not serialise: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// The command that prints the schemas, to run in the workspace at `root`: the connector's
/// example, built with the connector's adapter features only ([`adapter_features`]), so that
/// the AWS stack and the other backends are not built for it.
pub fn dump_command(root: &Path) -> Result<Command, Error> {
    let features = adapter_features(root)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "run",
        "--quiet",
        "--package",
        DUMP_PACKAGE,
        "--no-default-features",
        "--features",
        &features.join(","),
        "--example",
        DUMP_EXAMPLE,
    ]);
    Ok(command)
}

/// The features of [`DUMP_MANIFEST`] that turn on adapter crates (`bedrock-adapter-*`) and
/// nothing else, sorted.
pub fn adapter_features(root: &Path) -> Result<Vec<String>, Error> {
    let path = root.join(DUMP_MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let parse_error = |message: String| Error::Parse {
        file: DUMP_MANIFEST.to_owned(),
        message,
    };
    let manifest: toml::Table = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
    let Some(features) = manifest.get("features").and_then(toml::Value::as_table) else {
        return Err(parse_error("no [features] table".to_owned()));
    };
    let mut adapters: Vec<String> = features
        .iter()
        .filter(|(_, enables)| {
            enables.as_array().is_some_and(|list| {
                !list.is_empty()
                    && list.iter().all(|item| {
                        item.as_str()
                            .is_some_and(|s| s.starts_with("dep:bedrock-adapter-"))
                    })
            })
        })
        .map(|(name, _)| name.clone())
        .collect();
    adapters.sort();
    if adapters.is_empty() {
        return Err(parse_error(
            "no feature enables only `dep:bedrock-adapter-*` crates".to_owned(),
        ));
    }
    Ok(adapters)
}

fn command_line(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

fn schema_error(api: &PublishedApi, message: String) -> Error {
    Error::Schema {
        adapter: api.adapter.clone(),
        api: api.api.clone(),
        message,
    }
}

fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `value` with every object's keys in sorted order, so the file does not depend on whether
/// serde_json keeps insertion order (its `preserve_order` feature, which any crate of a build may
/// turn on).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
