//! `cargo xtask catalog sync`: reads ListFoundationModels and ListInferenceProfiles for the
//! regions asked, merges what Bedrock says into `catalog/models.toml` and
//! `catalog/profiles.toml` (hand-kept fields such as successors and end-of-life dates stay;
//! models no longer listed are marked `removed`, not deleted), and reports the difference.
//!
//! Listings come from saved JSON (`--from DIR`: `DIR/<region>/foundation-models.json` and
//! `DIR/<region>/inference-profiles.json`, as `aws bedrock list-foundation-models` and
//! `aws bedrock list-inference-profiles` print them) or from the `bedrock` command line
//! (`--output json models` and `profiles`), run in its own process against AWS with the
//! standard credential chain or against `--endpoint-url`. xtask links no workspace crate, so
//! the command line does the talking, as the request-schema dump does for the schemas.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::catalog::{Catalog, MODELS_FILE, PROFILES_FILE};
use crate::error::Error;

/// One foundation model as one region lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedModel {
    /// Bare model id.
    pub model_id: String,
    /// `modelName`.
    pub name: String,
    /// `providerName`.
    pub provider: String,
    /// `inputModalities`.
    pub input_modalities: Vec<String>,
    /// `outputModalities`.
    pub output_modalities: Vec<String>,
    /// `responseStreamingSupported`.
    pub response_streaming: bool,
    /// `inferenceTypesSupported` in this region.
    pub inference_types: Vec<String>,
    /// `customizationsSupported`.
    pub customizations: Vec<String>,
    /// `modelLifecycle.status`.
    pub lifecycle: String,
}

/// One system-defined inference profile as one region lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedProfile {
    /// `inferenceProfileId`.
    pub profile_id: String,
    /// `inferenceProfileName`.
    pub name: String,
    /// The bare model ids of its `models` ARNs.
    pub model_ids: Vec<String>,
    /// The regions of its `models` ARNs.
    pub destinations: Vec<String>,
}

/// What one region lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionListing {
    /// ListFoundationModels.
    pub models: Vec<ListedModel>,
    /// ListInferenceProfiles (system-defined only).
    pub profiles: Vec<ListedProfile>,
}

/// Where the listings come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Saved responses under this directory.
    Dir(PathBuf),
    /// The `bedrock` command line: AWS, or the service at `endpoint_url`. `program` is the
    /// command to run (`cargo run -q -p bedrock-cli --` when `None`).
    Live {
        /// `--endpoint-url`.
        endpoint_url: Option<String>,
        /// The `bedrock` binary to run, if already built.
        program: Option<PathBuf>,
        /// Environment variables for it (credentials for an endpoint, say).
        env: Vec<(String, String)>,
    },
}

/// What a sync found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Models new to the catalog.
    pub added_models: Vec<String>,
    /// Models found in no region asked, now marked `removed`.
    pub removed_models: Vec<String>,
    /// Models whose entry changed otherwise.
    pub changed_models: Vec<String>,
    /// Profiles new to the catalog.
    pub added_profiles: Vec<String>,
    /// Profiles whose sources or destinations changed.
    pub changed_profiles: Vec<String>,
    /// The new content of each changed catalog file, by path relative to the root.
    pub files: BTreeMap<String, String>,
    /// A readable line diff of each changed file.
    pub diff: String,
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|err| Error::Parse {
        file: path.display().to_string(),
        message: err.to_string(),
    })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

/// The bare id and region of a foundation-model ARN.
fn model_arn_parts(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, _service, region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let id = resource.strip_prefix("foundation-model/")?;
    Some((id.to_owned(), region.to_owned()))
}

/// Reads ListFoundationModels JSON in Bedrock's shape (`modelSummaries`) or the `bedrock`
/// command line's (`models`).
pub fn parse_models(doc: &Value) -> Vec<ListedModel> {
    let list = doc
        .get("modelSummaries")
        .or_else(|| doc.get("models"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|m| ListedModel {
            model_id: text(m, &["modelId", "model_id"]),
            name: text(m, &["modelName", "model_name"]),
            provider: text(m, &["providerName", "provider_name"]),
            input_modalities: strings(m.get("inputModalities").or(m.get("input_modalities"))),
            output_modalities: strings(m.get("outputModalities").or(m.get("output_modalities"))),
            response_streaming: m
                .get("responseStreamingSupported")
                .or(m.get("response_streaming_supported"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            inference_types: strings(
                m.get("inferenceTypesSupported")
                    .or(m.get("inference_types_supported")),
            ),
            customizations: strings(
                m.get("customizationsSupported")
                    .or(m.get("customizations_supported")),
            ),
            lifecycle: m
                .get("modelLifecycle")
                .and_then(|l| l.get("status"))
                .or(m.get("lifecycle"))
                .and_then(Value::as_str)
                .unwrap_or("ACTIVE")
                .to_owned(),
        })
        .filter(|m| !m.model_id.is_empty())
        .collect()
}

/// Reads ListInferenceProfiles JSON in Bedrock's shape (`inferenceProfileSummaries`) or the
/// `bedrock` command line's (`profiles`); application profiles are left out.
pub fn parse_profiles(doc: &Value) -> Vec<ListedProfile> {
    let list = doc
        .get("inferenceProfileSummaries")
        .or_else(|| doc.get("profiles"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.iter()
        .filter(|p| text(p, &["type"]) != "APPLICATION")
        .map(|p| {
            let arns: Vec<String> = match p.get("models").and_then(Value::as_array) {
                Some(models) => models
                    .iter()
                    .filter_map(|m| m.get("modelArn").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect(),
                None => strings(p.get("model_arns")),
            };
            let mut model_ids = Vec::new();
            let mut destinations = Vec::new();
            for (id, region) in arns.iter().filter_map(|a| model_arn_parts(a)) {
                if !model_ids.contains(&id) {
                    model_ids.push(id);
                }
                if !destinations.contains(&region) {
                    destinations.push(region);
                }
            }
            destinations.sort();
            ListedProfile {
                profile_id: text(p, &["inferenceProfileId", "inference_profile_id"]),
                name: text(p, &["inferenceProfileName", "inference_profile_name"]),
                model_ids,
                destinations,
            }
        })
        .filter(|p| !p.profile_id.is_empty())
        .collect()
}

/// Reads every region's listing from `source`.
pub fn fetch(
    root: &Path,
    source: &Source,
    regions: &[String],
) -> Result<BTreeMap<String, RegionListing>, Error> {
    let mut out = BTreeMap::new();
    for region in regions {
        let (models, profiles) = match source {
            Source::Dir(dir) => {
                let base = dir.join(region);
                let models = read_json(&base.join("foundation-models.json"))?;
                let profiles_path = base.join("inference-profiles.json");
                let profiles = if profiles_path.exists() {
                    read_json(&profiles_path)?
                } else {
                    Value::Null
                };
                (models, profiles)
            }
            Source::Live {
                endpoint_url,
                program,
                env,
            } => {
                let run = |args: &[&str]| {
                    run_cli(
                        root,
                        program.as_deref(),
                        endpoint_url.as_deref(),
                        env,
                        region,
                        args,
                    )
                };
                (
                    run(&["models"])?,
                    run(&["profiles", "--type", "system-defined"])?,
                )
            }
        };
        out.insert(
            region.clone(),
            RegionListing {
                models: parse_models(&models),
                profiles: parse_profiles(&profiles),
            },
        );
    }
    Ok(out)
}

fn run_cli(
    root: &Path,
    program: Option<&Path>,
    endpoint_url: Option<&str>,
    env: &[(String, String)],
    region: &str,
    args: &[&str],
) -> Result<Value, Error> {
    let mut command = match program {
        Some(p) => Command::new(p),
        None => {
            // The command line of this checkout, whichever catalog copy is being synced.
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut c = Command::new(cargo);
            c.arg("run")
                .arg("-q")
                .arg("--manifest-path")
                .arg(crate::workspace_root().join("Cargo.toml"))
                .args(["-p", "bedrock-cli", "--"]);
            c
        }
    };
    command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(root)
        .args(["--backend", "aws", "--output", "json", "--region", region]);
    if let Some(url) = endpoint_url {
        command.args(["--endpoint-url", url]);
    }
    command.args(args);
    let line = format!("bedrock --region {region} {}", args.join(" "));
    let output = command.output().map_err(|err| Error::Command {
        command: line.clone(),
        message: format!("cannot start it: {err}"),
    })?;
    if !output.status.success() {
        return Err(Error::Command {
            command: line,
            message: format!(
                "{}:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            ),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|err| Error::Command {
        command: line,
        message: format!("printed something other than JSON: {err}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Merging into the TOML text, keeping hand-kept fields and comments.
// ---------------------------------------------------------------------------------------------

/// A TOML string or string array literal.
fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A `key = [...]` line, wrapped at 100 columns like the hand-written entries.
fn list_line(key: &str, items: &[String]) -> String {
    let one = format!("{key} = {}", toml_list(items));
    if one.len() <= 100 {
        return one;
    }
    let mut lines = vec![format!("{key} = [")];
    let mut current = String::from("   ");
    for item in items {
        let piece = format!(" {item:?},");
        if current.len() + piece.len() > 100 {
            lines.push(std::mem::replace(&mut current, String::from("   ")));
        }
        current.push_str(&piece);
    }
    lines.push(current);
    lines.push("]".to_owned());
    lines.join("\n")
}

/// The lines of one `[[model]]` block, from its header to the next header or section comment.
struct Block {
    lines: Vec<String>,
}

impl Block {
    /// The line range of `key`'s value (arrays may span lines).
    fn find(&self, key: &str) -> Option<(usize, usize)> {
        let start = self
            .lines
            .iter()
            .position(|l| l.split_once(" = ").is_some_and(|(k, _)| k.trim() == key))?;
        let first = &self.lines[start];
        let value = first.split_once(" = ").map_or("", |(_, v)| v).trim();
        if value.starts_with('[') && !value.contains(']') {
            let end = (start..self.lines.len())
                .find(|&i| self.lines[i].trim_start().starts_with(']'))
                .unwrap_or(start);
            return Some((start, end));
        }
        Some((start, start))
    }

    fn get(&self, key: &str) -> Option<String> {
        let (s, e) = self.find(key)?;
        let joined = self.lines[s..=e].join("\n");
        joined.split_once(" = ").map(|(_, v)| v.trim().to_owned())
    }

    /// Sets `key` to the rendered `line`, replacing its old lines, or inserting it after
    /// `after` (the first of them present), else at the end of the entry's keys.
    fn set(&mut self, key: &str, line: String, after: &[&str]) {
        let new: Vec<String> = line.lines().map(str::to_owned).collect();
        if let Some((s, e)) = self.find(key) {
            self.lines.splice(s..=e, new);
            return;
        }
        let at = after
            .iter()
            .find_map(|k| self.find(k).map(|(_, e)| e + 1))
            .unwrap_or_else(|| {
                self.lines
                    .iter()
                    .rposition(|l| !l.trim().is_empty() && !l.starts_with('#'))
                    .map_or(self.lines.len(), |i| i + 1)
            });
        self.lines.splice(at..at, new);
    }

    /// Sets a list field, leaving it as written when it already holds the same values (in
    /// whatever order the hand-written entry keeps them).
    fn set_list(&mut self, key: &str, items: &[String], after: &[&str]) {
        if let Some(old) = self.get(key) {
            let old: BTreeSet<String> = old
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            if old == items.iter().cloned().collect::<BTreeSet<_>>() {
                return;
            }
        }
        self.set(key, list_line(key, items), after);
    }

    fn remove(&mut self, key: &str) {
        if let Some((s, e)) = self.find(key) {
            self.lines.drain(s..=e);
        }
    }
}

/// Splits models.toml into its preamble and its `[[model]]` blocks (with their ids).
fn split_blocks(text: &str) -> (Vec<String>, Vec<(String, Block)>) {
    let mut preamble = Vec::new();
    let mut blocks: Vec<(String, Block)> = Vec::new();
    for line in text.lines() {
        if line.trim() == "[[model]]" {
            blocks.push((
                String::new(),
                Block {
                    lines: vec![line.to_owned()],
                },
            ));
        } else if let Some((_, block)) = blocks.last_mut() {
            block.lines.push(line.to_owned());
        } else {
            preamble.push(line.to_owned());
        }
    }
    for (id, block) in &mut blocks {
        *id = block
            .get("model_id")
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_default();
    }
    (preamble, blocks)
}

/// Wire names in the order bedrock-core lists them.
fn ordered(values: impl IntoIterator<Item = String>, order: &[&str]) -> Vec<String> {
    let set: BTreeSet<String> = values.into_iter().collect();
    let mut out: Vec<String> = order
        .iter()
        .filter(|o| set.contains(**o))
        .map(|o| (*o).to_owned())
        .collect();
    out.extend(set.into_iter().filter(|v| !order.contains(&v.as_str())));
    out
}

const MODALITIES: &[&str] = &["TEXT", "IMAGE", "EMBEDDING", "VIDEO", "SPEECH"];
const INFERENCE_TYPES: &[&str] = &["ON_DEMAND", "PROVISIONED", "INFERENCE_PROFILE"];
const CUSTOMIZATIONS: &[&str] = &["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"];

/// Merges `listings` (one per region asked) into the catalog at `root` and returns what
/// changed, with the new file contents; nothing is written. `today` dates `removed` marks.
pub fn merge(
    root: &Path,
    listings: &BTreeMap<String, RegionListing>,
    today: &str,
) -> Result<SyncReport, Error> {
    let catalog = Catalog::load(root)?;
    let asked: BTreeSet<&str> = listings.keys().map(String::as_str).collect();
    let region_order: Vec<&str> = catalog.regions.iter().map(|r| r.name.as_str()).collect();
    let sort_regions = |set: BTreeSet<String>| -> Vec<String> {
        let mut v: Vec<String> = set.into_iter().collect();
        v.sort_by_key(|r| {
            region_order
                .iter()
                .position(|o| o == r)
                .unwrap_or(usize::MAX)
        });
        v
    };
    let mut report = SyncReport::default();

    // Profiles first: a model's inference types depend on them.
    let mut seen_profiles: BTreeMap<String, (ListedProfile, BTreeSet<String>)> = BTreeMap::new();
    for (region, listing) in listings {
        for p in &listing.profiles {
            let entry = seen_profiles
                .entry(p.profile_id.clone())
                .or_insert_with(|| (p.clone(), BTreeSet::new()));
            entry.1.insert(region.clone());
            for d in &p.destinations {
                if !entry.0.destinations.contains(d) {
                    entry.0.destinations.push(d.clone());
                }
            }
        }
    }
    let mut seen_models: BTreeMap<String, (ListedModel, BTreeSet<String>, bool)> = BTreeMap::new();
    for (region, listing) in listings {
        for m in &listing.models {
            let entry = seen_models
                .entry(m.model_id.clone())
                .or_insert_with(|| (m.clone(), BTreeSet::new(), false));
            let e = &mut entry.0;
            for t in &m.inference_types {
                if !e.inference_types.contains(t) {
                    e.inference_types.push(t.clone());
                }
            }
            if m.lifecycle == "ACTIVE" {
                entry.2 = true;
            }
            if m.inference_types.iter().any(|t| t == "ON_DEMAND") {
                entry.1.insert(region.clone());
            }
        }
    }

    // profiles.toml, rewritten whole from the merged set.
    struct ProfileOut {
        geography: String,
        model_id: String,
        name: String,
        sources: Vec<String>,
        destinations: Vec<String>,
    }
    // A model is gone when no region asked lists it and every region it was listed in was
    // asked; one listed elsewhere too is left as it is.
    let removed_ids: BTreeSet<String> = catalog
        .models
        .iter()
        .filter(|m| !seen_models.contains_key(&m.model_id))
        .filter(|m| {
            catalog
                .listed_regions(m)
                .iter()
                .all(|&i| asked.contains(catalog.regions[i].name.as_str()))
        })
        .map(|m| m.model_id.clone())
        .collect();
    let mut profiles_out: BTreeMap<String, ProfileOut> = BTreeMap::new();
    for old in &catalog.profiles {
        let kept: BTreeSet<String> = catalog
            .region_names(&old.sources)
            .filter(|r| !asked.contains(r) || removed_ids.contains(&old.model_id))
            .map(str::to_owned)
            .collect();
        let old_out = ProfileOut {
            geography: old.geography.wire().to_owned(),
            model_id: old.model_id.clone(),
            name: old.name.clone(),
            sources: sort_regions(
                catalog
                    .region_names(&old.sources)
                    .map(str::to_owned)
                    .collect(),
            ),
            destinations: sort_regions(
                catalog
                    .region_names(&old.destinations)
                    .map(str::to_owned)
                    .collect(),
            ),
        };
        match seen_profiles.get(&old.profile_id) {
            Some((listed, sources)) => {
                let mut all = kept;
                all.extend(sources.iter().cloned());
                let new = ProfileOut {
                    sources: sort_regions(all),
                    destinations: sort_regions(listed.destinations.iter().cloned().collect()),
                    name: if listed.name.is_empty() {
                        old_out.name.clone()
                    } else {
                        listed.name.clone()
                    },
                    ..old_out
                };
                let before = (
                    sort_regions(
                        catalog
                            .region_names(&old.sources)
                            .map(str::to_owned)
                            .collect(),
                    ),
                    sort_regions(
                        catalog
                            .region_names(&old.destinations)
                            .map(str::to_owned)
                            .collect(),
                    ),
                );
                if before != (new.sources.clone(), new.destinations.clone()) {
                    report.changed_profiles.push(old.profile_id.clone());
                }
                profiles_out.insert(old.profile_id.clone(), new);
            }
            None if !kept.is_empty() => {
                let sources = sort_regions(kept);
                if sources != old_out.sources {
                    report.changed_profiles.push(old.profile_id.clone());
                }
                profiles_out.insert(old.profile_id.clone(), ProfileOut { sources, ..old_out });
            }
            // No longer offered from any region it was: dropped.
            None => report.changed_profiles.push(old.profile_id.clone()),
        }
    }
    for (id, (listed, sources)) in &seen_profiles {
        if profiles_out.contains_key(id) {
            continue;
        }
        let Some((geography, model_id)) = id.split_once('.') else {
            continue;
        };
        if crate::catalog::PROFILE_GEO
            .terms
            .iter()
            .all(|(w, _)| *w != geography)
        {
            continue;
        }
        report.added_profiles.push(id.clone());
        profiles_out.insert(
            id.clone(),
            ProfileOut {
                geography: geography.to_owned(),
                model_id: listed
                    .model_ids
                    .first()
                    .cloned()
                    .unwrap_or_else(|| model_id.to_owned()),
                name: listed.name.clone(),
                sources: sort_regions(sources.clone()),
                destinations: sort_regions(listed.destinations.iter().cloned().collect()),
            },
        );
    }
    let profiled: BTreeSet<String> = profiles_out.values().map(|p| p.model_id.clone()).collect();

    // models.toml, block by block.
    let models_path = root.join(MODELS_FILE);
    let old_models = std::fs::read_to_string(&models_path).map_err(|source| Error::Read {
        path: models_path.clone(),
        source,
    })?;
    let (preamble, mut blocks) = split_blocks(&old_models);
    for (id, block) in &mut blocks {
        let Some(old) = catalog.models.iter().find(|m| &m.model_id == id) else {
            continue;
        };
        let before = block.lines.clone();
        match seen_models.get(id.as_str()) {
            Some((listed, on_demand, active)) => {
                let mut regions: BTreeSet<String> = catalog
                    .regions_of(old)
                    .map(|r| r.name.clone())
                    .filter(|r| !asked.contains(r.as_str()))
                    .collect();
                // Regions not asked keep what they had: their on-demand types stay.
                let kept_types: Vec<String> = if regions.is_empty() {
                    Vec::new()
                } else {
                    old.inference_types
                        .iter()
                        .map(|t| t.wire().to_owned())
                        .filter(|t| t != "INFERENCE_PROFILE")
                        .collect()
                };
                apply_listing(
                    block,
                    listed,
                    &kept_types,
                    *active,
                    profiled.contains(id.as_str()),
                );
                regions.extend(on_demand.iter().cloned());
                let regions = sort_regions(regions);
                if regions.is_empty() {
                    block.remove("regions");
                } else {
                    block.set_list(
                        "regions",
                        &regions,
                        &["successor", "end_of_life", "lifecycle"],
                    );
                }
                block.remove("removed");
            }
            None => {
                if old.removed.is_none() && removed_ids.contains(id.as_str()) {
                    block.set(
                        "removed",
                        format!("removed = {today:?}"),
                        &["regions", "successor", "end_of_life", "lifecycle"],
                    );
                    report.removed_models.push(id.clone());
                }
            }
        }
        if block.lines != before && !report.removed_models.contains(id) {
            report.changed_models.push(id.clone());
        }
    }
    let mut added: Vec<Block> = Vec::new();
    for (id, (listed, on_demand, active)) in &seen_models {
        if catalog.models.iter().any(|m| &m.model_id == id) {
            continue;
        }
        report.added_models.push(id.clone());
        let mut block = Block {
            lines: vec!["[[model]]".to_owned(), format!("model_id = {id:?}")],
        };
        apply_listing(
            &mut block,
            listed,
            &[],
            *active,
            profiled.contains(id.as_str()),
        );
        let regions = sort_regions(on_demand.clone());
        if !regions.is_empty() {
            block.set("regions", list_line("regions", &regions), &["lifecycle"]);
        }
        block.lines.push(String::new());
        added.push(block);
    }
    let mut new_models = preamble.join("\n");
    new_models.push('\n');
    for (_, block) in &blocks {
        new_models.push_str(&block.lines.join("\n"));
        new_models.push('\n');
    }
    if !added.is_empty() {
        new_models.push_str(&format!(
            "\n# Added by `cargo xtask catalog sync` on {today}.\n\n"
        ));
        for block in &added {
            new_models.push_str(&block.lines.join("\n"));
            new_models.push('\n');
        }
    }
    let new_models = new_models.trim_end().to_owned() + "\n";

    let profiles_path = root.join(PROFILES_FILE);
    let old_profiles = std::fs::read_to_string(&profiles_path).unwrap_or_default();
    let preamble: Vec<&str> = old_profiles
        .lines()
        .take_while(|l| l.trim() != "[[profile]]")
        .collect();
    let mut new_profiles = preamble.join("\n").trim_end().to_owned();
    new_profiles.push_str("\n\n");
    for p in profiles_out.values() {
        new_profiles.push_str(&format!(
            "[[profile]]\ngeography = {:?}\nmodel_id = {:?}\nname = {:?}\n{}\n{}\n\n",
            p.geography,
            p.model_id,
            p.name,
            list_line("sources", &p.sources),
            list_line("destinations", &p.destinations)
        ));
    }
    let new_profiles = new_profiles.trim_end().to_owned() + "\n";

    for (file, old, new) in [
        (MODELS_FILE, &old_models, &new_models),
        (PROFILES_FILE, &old_profiles, &new_profiles),
    ] {
        if old != new {
            report.diff.push_str(&line_diff(file, old, new));
            report.files.insert(file.to_owned(), new.clone());
        }
    }
    Ok(report)
}

/// Sets the fields Bedrock is the authority on; successor, end of life and comments stay.
fn apply_listing(
    block: &mut Block,
    listed: &ListedModel,
    kept_types: &[String],
    active: bool,
    profiled: bool,
) {
    let mut types: Vec<String> = listed
        .inference_types
        .iter()
        .chain(kept_types)
        .filter(|t| *t != "INFERENCE_PROFILE")
        .cloned()
        .collect();
    if profiled {
        types.push("INFERENCE_PROFILE".to_owned());
    }
    let has_eol = block.get("end_of_life").is_some();
    let lifecycle = if active && !has_eol {
        "ACTIVE"
    } else if has_eol {
        "LEGACY"
    } else {
        listed.lifecycle.as_str()
    };
    let customizations = ordered(listed.customizations.iter().cloned(), CUSTOMIZATIONS);
    block.set("name", format!("name = {:?}", listed.name), &["model_id"]);
    block.set(
        "provider",
        format!("provider = {:?}", listed.provider),
        &["name"],
    );
    block.set_list(
        "input_modalities",
        &ordered(listed.input_modalities.iter().cloned(), MODALITIES),
        &["provider"],
    );
    block.set_list(
        "output_modalities",
        &ordered(listed.output_modalities.iter().cloned(), MODALITIES),
        &["input_modalities"],
    );
    block.set(
        "response_streaming",
        format!("response_streaming = {}", listed.response_streaming),
        &["output_modalities"],
    );
    block.set_list(
        "inference_types",
        &ordered(types, INFERENCE_TYPES),
        &["response_streaming"],
    );
    if customizations.is_empty() {
        block.remove("customizations");
    } else {
        block.set_list("customizations", &customizations, &["inference_types"]);
    }
    block.set(
        "lifecycle",
        format!("lifecycle = {lifecycle:?}"),
        &["customizations", "inference_types"],
    );
}

/// A unified-style diff of two texts: changed lines with up to two lines of context, each
/// hunk headed by its line numbers.
pub fn line_diff(file: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table, from the ends.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', i, j));
            j += 1;
        } else {
            ops.push(('-', i, j));
            i += 1;
        }
    }
    let mut out = format!("--- {file}\n+++ {file} (synced)\n");
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(2);
        let mut end = changed[k];
        while k + 1 < changed.len() && changed[k + 1] <= end + 5 {
            k += 1;
            end = changed[k];
        }
        let end = (end + 2).min(ops.len() - 1);
        out.push_str(&format!("@@ line {} @@\n", ops[start].1 + 1));
        for &(op, ai, bj) in &ops[start..=end] {
            let line = match op {
                '+' => b[bj],
                _ => a[ai],
            };
            out.push_str(&format!("{op}{line}\n"));
        }
        k += 1;
    }
    out
}

/// Writes the synced files under `root`.
pub fn write(root: &Path, report: &SyncReport) -> Result<(), Error> {
    for (file, content) in &report.files {
        let path = root.join(file);
        std::fs::write(&path, content).map_err(|source| Error::Write { path, source })?;
    }
    Ok(())
}

/// Catalog models that no API of the built-in adapters serves, from the schema dump's
/// patterns (`id` or `prefix*`).
pub fn unserved_models(catalog: &Catalog, patterns: &[String]) -> Vec<String> {
    catalog
        .models
        .iter()
        .filter(|m| m.removed.is_none())
        .filter(|m| {
            !patterns.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => m.model_id.starts_with(prefix),
                None => *p == m.model_id,
            })
        })
        .map(|m| m.model_id.clone())
        .collect()
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// A whole sync's outcome: the merge report and, when files were written, what codegen did and
/// which catalog models no built-in adapter serves.
#[derive(Debug, Clone, Default)]
pub struct SyncOutcome {
    /// What changed.
    pub report: SyncReport,
    /// Whether the catalog files were written and regenerated.
    pub written: bool,
    /// Generated files rewritten by codegen.
    pub regenerated: Vec<String>,
    /// Catalog models no built-in adapter serves (`None` when the adapters could not be read).
    pub unserved: Option<Vec<String>>,
}

impl SyncOutcome {
    /// A readable summary: counts, names, the diff, the regenerated files and the report of
    /// models without an adapter.
    pub fn summary(&self) -> String {
        let r = &self.report;
        let mut out = String::new();
        let list = |title: &str, items: &[String], out: &mut String| {
            if !items.is_empty() {
                out.push_str(&format!("{title} ({}):\n", items.len()));
                for i in items {
                    out.push_str(&format!("  {i}\n"));
                }
            }
        };
        list("models added", &r.added_models, &mut out);
        list("models removed (marked, kept)", &r.removed_models, &mut out);
        list("models changed", &r.changed_models, &mut out);
        list("profiles added", &r.added_profiles, &mut out);
        list("profiles changed or dropped", &r.changed_profiles, &mut out);
        if r.files.is_empty() {
            out.push_str("the catalog is current: nothing changed\n");
        } else {
            out.push('\n');
            out.push_str(&r.diff);
            if !self.written {
                out.push_str("\n(dry run: nothing written)\n");
            }
        }
        for file in &self.regenerated {
            out.push_str(&format!("regenerated {file}\n"));
        }
        match &self.unserved {
            Some(ids) if ids.is_empty() => {
                out.push_str("every catalog model is served by a built-in adapter\n");
            }
            Some(ids) => list(
                "catalog models no built-in adapter serves (raw invoke only)",
                ids,
                &mut out,
            ),
            None => {}
        }
        out
    }
}

/// Fetches the listings, merges them and, with `write`, writes the catalog, regenerates the
/// catalog's code and docs and reports the models no adapter serves.
pub fn run(
    root: &Path,
    source: &Source,
    regions: Option<Vec<String>>,
    today: &str,
    write_files: bool,
) -> Result<SyncOutcome, Error> {
    let catalog = Catalog::load(root)?;
    let regions =
        regions.unwrap_or_else(|| catalog.regions.iter().map(|r| r.name.clone()).collect());
    for region in &regions {
        if catalog.regions.iter().all(|r| &r.name != region) {
            return Err(Error::InvalidArgument {
                argument: "--regions",
                value: region.clone(),
                reason: "not a region of the catalog".to_owned(),
                allowed: catalog
                    .regions
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let listings = fetch(root, source, &regions)?;
    let report = merge(root, &listings, today)?;
    let mut outcome = SyncOutcome {
        report,
        ..SyncOutcome::default()
    };
    if !write_files {
        return Ok(outcome);
    }
    // Check the merged catalog before touching anything: a file set that does not load is
    // never written.
    // One directory per sync, even for several syncs at once in one process (tests do that):
    // a directory shared by them would mix one sync's merged files with another's.
    static SYNCS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "xtask-sync-check-{}-{}",
        std::process::id(),
        SYNCS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(scratch.join("catalog")).map_err(|source| Error::Write {
        path: scratch.clone(),
        source,
    })?;
    for file in [crate::catalog::REGIONS_FILE, MODELS_FILE, PROFILES_FILE] {
        let content = match outcome.report.files.get(file) {
            Some(c) => c.clone(),
            None => std::fs::read_to_string(root.join(file)).unwrap_or_default(),
        };
        std::fs::write(scratch.join(file), content).map_err(|source| Error::Write {
            path: scratch.join(file),
            source,
        })?;
    }
    let checked = Catalog::load(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    checked?;
    write(root, &outcome.report)?;
    outcome.written = true;
    let generated = crate::run(root, &crate::catalog_generators(), crate::Mode::Write)?;
    outcome.regenerated = generated
        .into_iter()
        .filter(|o| o.status == crate::FileStatus::Written)
        .map(|o| o.path)
        .collect();
    // The adapters' patterns come from the schema dump, which needs the workspace to build.
    if let Ok(set) = crate::schemas::SchemaSet::load(root) {
        let patterns: Vec<String> = set.apis().iter().flat_map(|a| a.patterns.clone()).collect();
        outcome.unserved = Some(unserved_models(&Catalog::load(root)?, &patterns));
    }
    Ok(outcome)
}
