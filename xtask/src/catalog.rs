//! Reading `catalog/*.toml` and checking it: the checked [`Catalog`] every generator starts from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::error::{CatalogProblem, Error};

/// The regions file, relative to the workspace root.
pub const REGIONS_FILE: &str = "catalog/regions.toml";
/// The foundation models file, relative to the workspace root.
pub const MODELS_FILE: &str = "catalog/models.toml";
/// The system-defined inference profiles file, relative to the workspace root. A catalog
/// without it has no profiles.
pub const PROFILES_FILE: &str = "catalog/profiles.toml";

/// A closed set of wire names and the bedrock-core enum variants they become.
#[derive(Debug)]
pub struct Vocabulary {
    /// The bedrock-core type, e.g. `Modality`.
    pub rust_type: &'static str,
    /// `(wire name, variant)` pairs in the type's declaration order, which is also the order
    /// generated lists use.
    pub terms: &'static [(&'static str, &'static str)],
}

impl Vocabulary {
    fn lookup(&'static self, wire: &str) -> Option<Term> {
        self.terms
            .iter()
            .position(|(name, _)| *name == wire)
            .map(|rank| Term {
                vocabulary: self,
                rank,
            })
    }

    fn allowed(&self) -> String {
        self.terms
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `Modality`: what a model takes or produces.
pub static MODALITY: Vocabulary = Vocabulary {
    rust_type: "Modality",
    terms: &[
        ("TEXT", "Text"),
        ("IMAGE", "Image"),
        ("EMBEDDING", "Embedding"),
        ("VIDEO", "Video"),
        ("SPEECH", "Speech"),
    ],
};

/// `InferenceType`: how a model may be invoked.
pub static INFERENCE_TYPE: Vocabulary = Vocabulary {
    rust_type: "InferenceType",
    terms: &[
        ("ON_DEMAND", "OnDemand"),
        ("PROVISIONED", "Provisioned"),
        ("INFERENCE_PROFILE", "InferenceProfile"),
    ],
};

/// `CustomizationType`: how a model may be customized.
pub static CUSTOMIZATION_TYPE: Vocabulary = Vocabulary {
    rust_type: "CustomizationType",
    terms: &[
        ("FINE_TUNING", "FineTuning"),
        ("CONTINUED_PRE_TRAINING", "ContinuedPreTraining"),
        ("DISTILLATION", "Distillation"),
    ],
};

/// `LifecycleStatus`: where a model is in its life.
pub static LIFECYCLE_STATUS: Vocabulary = Vocabulary {
    rust_type: "LifecycleStatus",
    terms: &[("ACTIVE", "Active"), ("LEGACY", "Legacy")],
};

/// `ProfileGeo`: the geography prefix of a cross-region inference profile id.
pub static PROFILE_GEO: Vocabulary = Vocabulary {
    rust_type: "ProfileGeo",
    terms: &[
        ("us", "Us"),
        ("us-gov", "UsGov"),
        ("eu", "Eu"),
        ("apac", "Apac"),
        ("jp", "Jp"),
        ("au", "Au"),
        ("ca", "Ca"),
        ("global", "Global"),
    ],
};

/// One value of a [`Vocabulary`]; terms order by their rank in it.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    vocabulary: &'static Vocabulary,
    rank: usize,
}

impl Term {
    /// The wire name, e.g. `ON_DEMAND`.
    pub fn wire(self) -> &'static str {
        self.vocabulary.terms[self.rank].0
    }

    /// The Rust path of the variant, e.g. `InferenceType::OnDemand`.
    pub fn rust_path(self) -> String {
        format!(
            "{}::{}",
            self.vocabulary.rust_type, self.vocabulary.terms[self.rank].1
        )
    }
}

impl PartialEq for Term {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.vocabulary, other.vocabulary) && self.rank == other.rank
    }
}

impl Eq for Term {}

/// A checked region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The region code, e.g. `us-east-1`.
    pub name: String,
    /// The `Region` variant, e.g. `UsEast1`.
    pub variant: String,
    /// The human name, e.g. "US East (N. Virginia)".
    pub display_name: String,
}

/// A checked foundation model. Lists are deduplicated and in their vocabulary's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Bare model id.
    pub model_id: String,
    /// Display name.
    pub name: String,
    /// Provider name as Bedrock spells it.
    pub provider: String,
    /// Input modalities.
    pub input_modalities: Vec<Term>,
    /// Output modalities.
    pub output_modalities: Vec<Term>,
    /// Whether streaming invocation works.
    pub response_streaming: bool,
    /// Inference types.
    pub inference_types: Vec<Term>,
    /// Customization types.
    pub customizations: Vec<Term>,
    /// Lifecycle status.
    pub lifecycle: Term,
    /// End-of-life date, `YYYY-MM-DD`.
    pub end_of_life: Option<String>,
    /// The replacing model's id, which is in the catalog.
    pub successor: Option<String>,
    /// Indexes into [`Catalog::regions`] of the regions where the bare id is served on demand,
    /// ascending (so sorted by region name).
    pub regions: Vec<usize>,
    /// The geographies of the profiles (from [`PROFILES_FILE`]) that serve the model.
    pub profiles: Vec<Term>,
    /// The date a sync last found the model nowhere, `YYYY-MM-DD`.
    pub removed: Option<String>,
}

/// A checked system-defined inference profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `{geography}.{model_id}`.
    pub profile_id: String,
    /// The geography.
    pub geography: Term,
    /// The model it routes to, a model of the catalog.
    pub model_id: String,
    /// `inferenceProfileName`.
    pub name: String,
    /// Indexes into [`Catalog::regions`] of the regions whose callers may use it, ascending.
    pub sources: Vec<usize>,
    /// Indexes into [`Catalog::regions`] of the regions it routes to, ascending.
    pub destinations: Vec<usize>,
}

/// The whole checked catalog: regions sorted by name, models sorted by model id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Every region, sorted by name.
    pub regions: Vec<Region>,
    /// Every model, sorted by model id (byte order, as `str::cmp`).
    pub models: Vec<Model>,
    /// Every system-defined inference profile, sorted by profile id.
    pub profiles: Vec<Profile>,
}

impl Catalog {
    /// Reads and checks `catalog/regions.toml` and `catalog/models.toml` under `root`.
    ///
    /// Fails with [`Error::Parse`] on malformed TOML and [`Error::InvalidCatalog`] listing every
    /// broken rule otherwise.
    pub fn load(root: &Path) -> Result<Catalog, Error> {
        let regions_file: RegionsFile = parse(root, REGIONS_FILE)?;
        let models_file: ModelsFile = parse(root, MODELS_FILE)?;
        let profiles_file: ProfilesFile = if root.join(PROFILES_FILE).exists() {
            parse(root, PROFILES_FILE)?
        } else {
            ProfilesFile::default()
        };
        let mut problems = Vec::new();
        let regions = check_regions(regions_file.region, &mut problems);
        let mut models = check_models(models_file.model, &regions, &mut problems);
        let profiles = check_profiles(profiles_file.profile, &regions, &models, &mut problems);
        link_profiles(&mut models, &profiles, &mut problems);
        if problems.is_empty() {
            Ok(Catalog {
                regions,
                models,
                profiles,
            })
        } else {
            Err(Error::InvalidCatalog { problems })
        }
    }

    /// The regions where a model's bare id is served on demand.
    pub fn regions_of<'a>(&'a self, model: &'a Model) -> impl Iterator<Item = &'a Region> + 'a {
        model.regions.iter().map(|&i| &self.regions[i])
    }

    /// The regions behind a list of region indexes.
    pub fn region_names<'a>(&'a self, indexes: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
        indexes.iter().map(|&i| self.regions[i].name.as_str())
    }

    /// The profiles that serve `model_id`, by geography.
    pub fn profiles_of<'a>(&'a self, model_id: &'a str) -> impl Iterator<Item = &'a Profile> + 'a {
        self.profiles.iter().filter(move |p| p.model_id == model_id)
    }

    /// Every region where ListFoundationModels shows the model: on demand there, or a source of
    /// one of its profiles. Ascending indexes.
    pub fn listed_regions(&self, model: &Model) -> Vec<usize> {
        let mut all: BTreeSet<usize> = model.regions.iter().copied().collect();
        for profile in self.profiles_of(&model.model_id) {
            all.extend(profile.sources.iter().copied());
        }
        all.into_iter().collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionsFile {
    #[serde(default)]
    region: Vec<RawRegion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    name: String,
    display_name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelsFile {
    #[serde(default)]
    model: Vec<RawModel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    model_id: String,
    name: String,
    provider: String,
    input_modalities: Vec<String>,
    output_modalities: Vec<String>,
    response_streaming: bool,
    inference_types: Vec<String>,
    #[serde(default)]
    customizations: Vec<String>,
    lifecycle: String,
    end_of_life: Option<String>,
    successor: Option<String>,
    #[serde(default)]
    regions: Vec<String>,
    removed: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    #[serde(default)]
    profile: Vec<RawProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    geography: String,
    model_id: String,
    name: String,
    sources: Vec<String>,
    destinations: Vec<String>,
}

fn parse<T: serde::de::DeserializeOwned>(root: &Path, file: &'static str) -> Result<T, Error> {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    toml::from_str(&text).map_err(|err| Error::Parse {
        file: file.to_owned(),
        message: err.to_string(),
    })
}

/// Collects the problems of one entry.
struct EntryProblems<'a> {
    file: &'static str,
    entry: String,
    problems: &'a mut Vec<CatalogProblem>,
}

impl EntryProblems<'_> {
    fn push(&mut self, message: String) {
        self.problems.push(CatalogProblem {
            file: self.file,
            entry: self.entry.clone(),
            message,
        });
    }
}

fn check_regions(raw: Vec<RawRegion>, problems: &mut Vec<CatalogProblem>) -> Vec<Region> {
    if raw.is_empty() {
        problems.push(CatalogProblem {
            file: REGIONS_FILE,
            entry: "file".to_owned(),
            message: "no [[region]] entries; at least one region is required".to_owned(),
        });
    }
    let mut by_name: BTreeMap<String, Region> = BTreeMap::new();
    for (index, region) in raw.into_iter().enumerate() {
        let entry = if region.name.is_empty() {
            format!("region #{}", index + 1)
        } else {
            format!("region `{}`", region.name)
        };
        let mut report = EntryProblems {
            file: REGIONS_FILE,
            entry,
            problems: &mut *problems,
        };
        let mut ok = true;
        if !is_region_code(&region.name) {
            report.push(format!(
                "field `name`: `{}` is not a region code; expected lowercase words and digits \
                 joined by `-`, ending in a number (e.g. `us-east-1`)",
                region.name
            ));
            ok = false;
        }
        if region.display_name.trim().is_empty() {
            report.push("field `display_name`: must not be empty".to_owned());
            ok = false;
        }
        if by_name.contains_key(&region.name) {
            report.push(format!("field `name`: duplicate region `{}`", region.name));
            ok = false;
        }
        if ok {
            let variant = camel_case(&region.name);
            by_name.insert(
                region.name.clone(),
                Region {
                    name: region.name,
                    variant,
                    display_name: region.display_name,
                },
            );
        }
    }
    by_name.into_values().collect()
}

fn check_models(
    raw: Vec<RawModel>,
    regions: &[Region],
    problems: &mut Vec<CatalogProblem>,
) -> Vec<Model> {
    if raw.is_empty() {
        problems.push(CatalogProblem {
            file: MODELS_FILE,
            entry: "file".to_owned(),
            message: "no [[model]] entries; at least one model is required".to_owned(),
        });
    }
    let all_ids: BTreeSet<&str> = raw.iter().map(|m| m.model_id.as_str()).collect();
    let region_index: BTreeMap<&str, usize> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let mut seen = BTreeSet::new();
    let mut models = Vec::new();
    for (index, model) in raw.iter().enumerate() {
        let entry = if model.model_id.is_empty() {
            format!("model #{}", index + 1)
        } else {
            format!("model `{}`", model.model_id)
        };
        let before = problems.len();
        let mut report = EntryProblems {
            file: MODELS_FILE,
            entry,
            problems: &mut *problems,
        };
        if let Some(checked) = check_model(model, &all_ids, &region_index, &mut report) {
            if !seen.insert(model.model_id.clone()) {
                report.push(format!(
                    "field `model_id`: duplicate model id `{}`; each id appears once",
                    model.model_id
                ));
            } else if problems.len() == before {
                models.push(checked);
            }
        }
    }
    models.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    models
}

fn check_model(
    model: &RawModel,
    all_ids: &BTreeSet<&str>,
    region_index: &BTreeMap<&str, usize>,
    report: &mut EntryProblems<'_>,
) -> Option<Model> {
    if let Some(message) = model_id_problem(&model.model_id) {
        report.push(format!("field `model_id`: `{}` {message}", model.model_id));
    }
    for (field, value) in [("name", &model.name), ("provider", &model.provider)] {
        if value.trim().is_empty() {
            report.push(format!("field `{field}`: must not be empty"));
        }
    }
    let input_modalities = terms(
        report,
        "input_modalities",
        &model.input_modalities,
        &MODALITY,
    );
    let output_modalities = terms(
        report,
        "output_modalities",
        &model.output_modalities,
        &MODALITY,
    );
    let inference_types = terms(
        report,
        "inference_types",
        &model.inference_types,
        &INFERENCE_TYPE,
    );
    let customizations = terms(
        report,
        "customizations",
        &model.customizations,
        &CUSTOMIZATION_TYPE,
    );
    for (field, list) in [
        ("input_modalities", &model.input_modalities),
        ("output_modalities", &model.output_modalities),
        ("inference_types", &model.inference_types),
    ] {
        if list.is_empty() {
            report.push(format!("field `{field}`: must list at least one value"));
        }
    }
    let lifecycle = LIFECYCLE_STATUS.lookup(&model.lifecycle);
    if lifecycle.is_none() {
        report.push(format!(
            "field `lifecycle`: unknown value `{}`; allowed: {}",
            model.lifecycle,
            LIFECYCLE_STATUS.allowed()
        ));
    }
    if let Some(date) = &model.end_of_life {
        if !is_date(date) {
            report.push(format!(
                "field `end_of_life`: `{date}` is not a calendar date in the form YYYY-MM-DD"
            ));
        }
        if model.lifecycle != "LEGACY" {
            report.push(format!(
                "field `end_of_life`: set to `{date}` but lifecycle is `{}`; only LEGACY models \
                 have an end-of-life date",
                model.lifecycle
            ));
        }
    }
    if let Some(successor) = &model.successor {
        if successor == &model.model_id {
            report.push(format!(
                "field `successor`: `{successor}` is the model itself"
            ));
        } else if !all_ids.contains(successor.as_str()) {
            report.push(format!(
                "field `successor`: `{successor}` is not a model_id in {MODELS_FILE}"
            ));
        }
    }
    if let Some(date) = &model.removed
        && !is_date(date)
    {
        report.push(format!(
            "field `removed`: `{date}` is not a calendar date in the form YYYY-MM-DD"
        ));
    }
    let region_indexes = region_list(report, "regions", &model.regions, region_index);
    let wants = |wire: &str| model.inference_types.iter().any(|t| t == wire);
    if wants("ON_DEMAND") && model.regions.is_empty() {
        report.push(
            "field `regions`: empty, but `inference_types` has ON_DEMAND; list the regions \
             where the bare id can be invoked"
                .to_owned(),
        );
    }
    Some(Model {
        model_id: model.model_id.clone(),
        name: model.name.clone(),
        provider: model.provider.clone(),
        input_modalities,
        output_modalities,
        response_streaming: model.response_streaming,
        inference_types,
        customizations,
        lifecycle: lifecycle?,
        end_of_life: model.end_of_life.clone(),
        successor: model.successor.clone(),
        regions: region_indexes,
        profiles: Vec::new(),
        removed: model.removed.clone(),
    })
}

/// Looks every region name up, reporting unknown and repeated ones; ascending indexes.
fn region_list(
    report: &mut EntryProblems<'_>,
    field: &str,
    names: &[String],
    region_index: &BTreeMap<&str, usize>,
) -> Vec<usize> {
    let mut indexes = Vec::new();
    for name in names {
        match region_index.get(name.as_str()) {
            Some(&i) if indexes.contains(&i) => {
                report.push(format!("field `{field}`: `{name}` is listed twice"));
            }
            Some(&i) => indexes.push(i),
            None => report.push(format!(
                "field `{field}`: unknown region `{name}`; regions come from {REGIONS_FILE}"
            )),
        }
    }
    indexes.sort_unstable();
    indexes
}

fn check_profiles(
    raw: Vec<RawProfile>,
    regions: &[Region],
    models: &[Model],
    problems: &mut Vec<CatalogProblem>,
) -> Vec<Profile> {
    let region_index: BTreeMap<&str, usize> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let mut by_id: BTreeMap<String, Profile> = BTreeMap::new();
    for (index, profile) in raw.into_iter().enumerate() {
        let profile_id = format!("{}.{}", profile.geography, profile.model_id);
        let before = problems.len();
        let mut report = EntryProblems {
            file: PROFILES_FILE,
            entry: if profile.model_id.is_empty() {
                format!("profile #{}", index + 1)
            } else {
                format!("profile `{profile_id}`")
            },
            problems: &mut *problems,
        };
        let geography = PROFILE_GEO.lookup(&profile.geography);
        if geography.is_none() {
            report.push(format!(
                "field `geography`: unknown value `{}`; allowed: {}",
                profile.geography,
                PROFILE_GEO.allowed()
            ));
        }
        if models
            .binary_search_by(|m| m.model_id.as_str().cmp(&profile.model_id))
            .is_err()
        {
            report.push(format!(
                "field `model_id`: `{}` is not a model_id in {MODELS_FILE}",
                profile.model_id
            ));
        }
        if profile.name.trim().is_empty() {
            report.push("field `name`: must not be empty".to_owned());
        }
        let sources = region_list(&mut report, "sources", &profile.sources, &region_index);
        let destinations = region_list(
            &mut report,
            "destinations",
            &profile.destinations,
            &region_index,
        );
        for (field, list) in [
            ("sources", &profile.sources),
            ("destinations", &profile.destinations),
        ] {
            if list.is_empty() {
                report.push(format!("field `{field}`: must list at least one region"));
            }
        }
        if by_id.contains_key(&profile_id) {
            report.push(format!(
                "duplicate profile `{profile_id}`; each geography serves a model once"
            ));
        }
        if let Some(geography) = geography
            && problems.len() == before
        {
            by_id.insert(
                profile_id.clone(),
                Profile {
                    profile_id,
                    geography,
                    model_id: profile.model_id,
                    name: profile.name,
                    sources,
                    destinations,
                },
            );
        }
    }
    by_id.into_values().collect()
}

/// Gives every model the geographies of its profiles and checks that INFERENCE_PROFILE is in
/// its inference types exactly when it has one, and that it can be reached somehow.
fn link_profiles(models: &mut [Model], profiles: &[Profile], problems: &mut Vec<CatalogProblem>) {
    for model in models.iter_mut() {
        let mut geos: Vec<Term> = profiles
            .iter()
            .filter(|p| p.model_id == model.model_id)
            .map(|p| p.geography)
            .collect();
        geos.sort_by_key(|t| t.rank);
        model.profiles = geos;
        let wants = model
            .inference_types
            .iter()
            .any(|t| t.wire() == "INFERENCE_PROFILE");
        let entry = format!("model `{}`", model.model_id);
        let mut push = |message: String| {
            problems.push(CatalogProblem {
                file: MODELS_FILE,
                entry: entry.clone(),
                message,
            });
        };
        if model.regions.is_empty() && model.profiles.is_empty() {
            push(format!(
                "field `regions` is empty and {PROFILES_FILE} has no profile for it; a model \
                 needs at least one region or one inference profile"
            ));
        } else if wants && model.profiles.is_empty() {
            push(format!(
                "field `inference_types`: has INFERENCE_PROFILE, but {PROFILES_FILE} has no \
                 profile for it; add its profiles or drop INFERENCE_PROFILE"
            ));
        } else if !wants && !model.profiles.is_empty() {
            push(format!(
                "field `inference_types`: lacks INFERENCE_PROFILE, but {PROFILES_FILE} has \
                 profiles for it; add INFERENCE_PROFILE"
            ));
        }
    }
}

/// Looks every value up in `vocabulary`, reporting unknown and repeated ones; the result is in
/// the vocabulary's order.
fn terms(
    report: &mut EntryProblems<'_>,
    field: &str,
    values: &[String],
    vocabulary: &'static Vocabulary,
) -> Vec<Term> {
    let mut found: Vec<Term> = Vec::new();
    for value in values {
        match vocabulary.lookup(value) {
            Some(term) if found.contains(&term) => {
                report.push(format!("field `{field}`: `{value}` is listed twice"));
            }
            Some(term) => found.push(term),
            None => report.push(format!(
                "field `{field}`: unknown value `{value}`; allowed: {}",
                vocabulary.allowed()
            )),
        }
    }
    found.sort_by_key(|term| term.rank);
    found
}

/// Why `id` is not a bare Bedrock model id, if it is not one.
fn model_id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("is empty");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-:".contains(&b))
    {
        return Some("may only contain lowercase letters, digits, `.`, `-` and `:`");
    }
    let Some((provider, rest)) = id.split_once('.') else {
        return Some("lacks the `provider.` prefix (e.g. `amazon.`)");
    };
    if provider.is_empty() || rest.is_empty() {
        return Some("needs a provider prefix and a name around the first `.`");
    }
    if PROFILE_GEO.lookup(provider).is_some() {
        return Some(
            "starts with an inference profile prefix; list the bare id and its `profiles`",
        );
    }
    None
}

/// Whether `name` looks like an AWS region code: `us-east-1`, `us-gov-west-1`.
fn is_region_code(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    !words.is_empty()
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
        && words.iter().all(|w| {
            w.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `us-gov-west-1` -> `UsGovWest1`.
pub fn camel_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Whether `date` is a real calendar date written `YYYY-MM-DD`.
fn is_date(date: &str) -> bool {
    const FORMAT: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");
    // The length rules out a leading sign, which `[year]` would otherwise accept.
    date.len() == 10 && Date::parse(date, FORMAT).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_joins_capitalised_words() {
        for (name, variant) in [
            ("us-east-1", "UsEast1"),
            ("us-gov-west-1", "UsGovWest1"),
            ("ap-southeast-7", "ApSoutheast7"),
        ] {
            assert_eq!(camel_case(name), variant);
        }
    }

    #[test]
    fn region_codes_are_words_then_a_number() {
        for good in ["us-east-1", "us-gov-west-1", "eu-central-2", "mx-central-1"] {
            assert!(is_region_code(good), "{good}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-East-1",
            "us--1",
            "-east-1",
            "us-east-1a",
            "1-east-1",
        ] {
            assert!(!is_region_code(bad), "{bad}");
        }
    }

    #[test]
    fn dates_must_exist_on_the_calendar() {
        for good in ["2026-06-30", "2024-02-29", "2000-02-29", "1999-12-31"] {
            assert!(is_date(good), "{good}");
        }
        for bad in [
            "2026-6-30",
            "2026-06-31",
            "2025-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026/06/30",
            "2026-06-3x",
            "+2026-06-30",
            "-2026-06-30",
            "02026-06-30",
            "2026-06-30 ",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn model_ids_are_bare_lowercase_ids() {
        assert_eq!(model_id_problem("anthropic.claude-v2:1"), None);
        for bad in [
            "",
            "Anthropic.claude",
            "claude-v2",
            ".claude",
            "anthropic.",
            "us.anthropic.claude-v2",
            "a b.c",
        ] {
            assert!(model_id_problem(bad).is_some(), "{bad}");
        }
    }
}
