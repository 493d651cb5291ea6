//! The static catalog of Bedrock regions and foundation models, generated from `catalog/`.
//!
//! The data lives in `catalog/*.toml` at the workspace root; `cargo xtask codegen` turns it into
//! the crate's private `generated` module. Everything here is `'static` so lookups never allocate.

use std::fmt;

pub use crate::generated::Region;

/// A kind of data a model takes or produces, as Bedrock names it (`TEXT`, `IMAGE`, `EMBEDDING`,
/// `VIDEO`, `SPEECH`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Modality {
    /// Text in or out.
    Text,
    /// Images in or out.
    Image,
    /// Embedding vectors out.
    Embedding,
    /// Video in or out (Nova Reel, through StartAsyncInvoke).
    Video,
    /// Speech in or out (Nova Sonic, through the bidirectional stream).
    Speech,
}

impl Modality {
    /// Every modality, in Bedrock's order.
    pub const ALL: &'static [Modality] = &[
        Modality::Text,
        Modality::Image,
        Modality::Embedding,
        Modality::Video,
        Modality::Speech,
    ];

    /// Bedrock's wire name, e.g. `TEXT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Text => "TEXT",
            Modality::Image => "IMAGE",
            Modality::Embedding => "EMBEDDING",
            Modality::Video => "VIDEO",
            Modality::Speech => "SPEECH",
        }
    }
}

/// How a model may be invoked (`inferenceTypesSupported`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InferenceType {
    /// Pay-per-call invocation with the bare model id.
    OnDemand,
    /// Provisioned throughput.
    Provisioned,
    /// Only through a cross-region inference profile (e.g. `us.` ids).
    InferenceProfile,
}

impl InferenceType {
    /// Every inference type.
    pub const ALL: &'static [InferenceType] = &[
        InferenceType::OnDemand,
        InferenceType::Provisioned,
        InferenceType::InferenceProfile,
    ];

    /// Bedrock's wire name, e.g. `ON_DEMAND`.
    pub fn as_str(self) -> &'static str {
        match self {
            InferenceType::OnDemand => "ON_DEMAND",
            InferenceType::Provisioned => "PROVISIONED",
            InferenceType::InferenceProfile => "INFERENCE_PROFILE",
        }
    }
}

/// A customization a model supports (`customizationsSupported`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomizationType {
    /// Fine-tuning on labelled data.
    FineTuning,
    /// Continued pre-training on unlabelled data.
    ContinuedPreTraining,
    /// Distillation from a teacher model.
    Distillation,
}

impl CustomizationType {
    /// Every customization type.
    pub const ALL: &'static [CustomizationType] = &[
        CustomizationType::FineTuning,
        CustomizationType::ContinuedPreTraining,
        CustomizationType::Distillation,
    ];

    /// Bedrock's wire name, e.g. `FINE_TUNING`.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomizationType::FineTuning => "FINE_TUNING",
            CustomizationType::ContinuedPreTraining => "CONTINUED_PRE_TRAINING",
            CustomizationType::Distillation => "DISTILLATION",
        }
    }
}

/// Where a model is in its life (`modelLifecycle.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleStatus {
    /// Fully supported.
    Active,
    /// Still served, scheduled for end of life.
    Legacy,
}

impl LifecycleStatus {
    /// Bedrock's wire name, e.g. `ACTIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStatus::Active => "ACTIVE",
            LifecycleStatus::Legacy => "LEGACY",
        }
    }
}

/// The geography prefix of a cross-region inference profile id (`us.`, `eu.`, ...).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileGeo {
    /// `us.`: United States regions.
    Us,
    /// `us-gov.`: AWS GovCloud (US).
    UsGov,
    /// `eu.`: European regions.
    Eu,
    /// `apac.`: Asia Pacific regions.
    Apac,
    /// `jp.`: Japan regions.
    Jp,
    /// `au.`: Australia regions.
    Au,
    /// `ca.`: Canada regions.
    Ca,
    /// `global.`: any commercial region.
    Global,
}

impl ProfileGeo {
    /// Every geography, longest prefix first so that prefix matching is unambiguous.
    pub const ALL: &'static [ProfileGeo] = &[
        ProfileGeo::Global,
        ProfileGeo::UsGov,
        ProfileGeo::Apac,
        ProfileGeo::Us,
        ProfileGeo::Eu,
        ProfileGeo::Jp,
        ProfileGeo::Au,
        ProfileGeo::Ca,
    ];

    /// The prefix without the dot, e.g. `us`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileGeo::Us => "us",
            ProfileGeo::UsGov => "us-gov",
            ProfileGeo::Eu => "eu",
            ProfileGeo::Apac => "apac",
            ProfileGeo::Jp => "jp",
            ProfileGeo::Au => "au",
            ProfileGeo::Ca => "ca",
            ProfileGeo::Global => "global",
        }
    }

    /// The geography for a prefix without its dot (`"eu"`), if it is one.
    pub fn from_prefix(prefix: &str) -> Option<ProfileGeo> {
        ProfileGeo::ALL
            .iter()
            .copied()
            .find(|g| g.as_str() == prefix)
    }

    /// Every geography a caller in `region` can use, as the catalog's profiles say (a region is
    /// in a geography when it is a source of one of its profiles), narrowest first and
    /// `global` last. A region may be in several: Asia Pacific (Tokyo) is in `jp`, `apac` and
    /// `global`.
    pub fn for_region(region: Region) -> impl Iterator<Item = ProfileGeo> {
        ProfileGeo::PREFERENCE.iter().copied().filter(move |geo| {
            inference_profiles()
                .iter()
                .any(|p| p.geo == *geo && p.sources.contains(&region))
        })
    }

    /// The order in which a caller's geographies are preferred: the narrowest first, so that
    /// data stays as close as the model allows, and `global` last.
    pub const PREFERENCE: &'static [ProfileGeo] = &[
        ProfileGeo::Jp,
        ProfileGeo::Au,
        ProfileGeo::Ca,
        ProfileGeo::UsGov,
        ProfileGeo::Us,
        ProfileGeo::Eu,
        ProfileGeo::Apac,
        ProfileGeo::Global,
    ];

    fn preference_rank(self) -> usize {
        ProfileGeo::PREFERENCE
            .iter()
            .position(|g| *g == self)
            .unwrap_or(usize::MAX)
    }
}

impl fmt::Display for ProfileGeo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One region entry of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    /// The region.
    pub region: Region,
    /// Its human name, e.g. "US East (N. Virginia)".
    pub display_name: &'static str,
}

/// One foundation model as the catalog records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogModel {
    /// Bare model id, e.g. `anthropic.claude-3-haiku-20240307-v1:0`.
    pub model_id: &'static str,
    /// Display name, e.g. "Claude 3 Haiku".
    pub name: &'static str,
    /// Provider name as Bedrock spells it, e.g. "Anthropic".
    pub provider: &'static str,
    /// What the model accepts.
    pub input_modalities: &'static [Modality],
    /// What the model produces.
    pub output_modalities: &'static [Modality],
    /// Whether InvokeModelWithResponseStream works for it.
    pub response_streaming: bool,
    /// How it may be invoked.
    pub inference_types: &'static [InferenceType],
    /// Customizations it supports.
    pub customizations: &'static [CustomizationType],
    /// Lifecycle status.
    pub lifecycle: LifecycleStatus,
    /// End-of-life date (`YYYY-MM-DD`) where announced.
    pub end_of_life: Option<&'static str>,
    /// The model id that replaces this one, where there is one.
    pub successor: Option<&'static str>,
    /// Regions where the bare id is served on demand.
    pub regions: &'static [Region],
    /// Geographies of the cross-region inference profiles that serve it (`us.` + id, ...); the
    /// profiles themselves are in [`inference_profiles`].
    pub profiles: &'static [ProfileGeo],
    /// The date (`YYYY-MM-DD`) a catalog sync last found the model in no region, if it did.
    pub removed: Option<&'static str>,
}

impl CatalogModel {
    /// Whether the bare id cannot be invoked on demand anywhere, only through a profile.
    pub fn needs_profile(&self) -> bool {
        !self.inference_types.contains(&InferenceType::OnDemand) && !self.profiles.is_empty()
    }

    /// Whether the bare id is served on demand in `region`.
    pub fn offered_in(&self, region: Region) -> bool {
        self.regions.contains(&region)
    }

    /// The system-defined profiles that serve this model, in profile id order.
    pub fn inference_profiles(&self) -> impl Iterator<Item = &'static CatalogProfile> + use<> {
        let model_id = self.model_id;
        inference_profiles()
            .iter()
            .filter(move |p| p.model_id == model_id)
    }

    /// The profiles of this model a caller in `region` may use, the preferred one first
    /// (narrowest geography first, `global` last).
    pub fn profiles_from(&self, region: Region) -> Vec<&'static CatalogProfile> {
        let mut found: Vec<&'static CatalogProfile> = self
            .inference_profiles()
            .filter(|p| p.sources.contains(&region))
            .collect();
        found.sort_by_key(|p| p.geo.preference_rank());
        found
    }

    /// Whether ListFoundationModels in `region` shows the model: on demand there, or reachable
    /// from there through one of its profiles.
    pub fn listed_in(&self, region: Region) -> bool {
        self.offered_in(region)
            || self
                .inference_profiles()
                .any(|p| p.sources.contains(&region))
    }

    /// The inference types ListFoundationModels reports for the model in `region`: on-demand
    /// and provisioned where the bare id is served, `INFERENCE_PROFILE` where a profile is
    /// reachable. Empty where the model is not listed.
    pub fn inference_types_in(&self, region: Region) -> Vec<InferenceType> {
        let here = self.offered_in(region);
        let profiled = self
            .inference_profiles()
            .any(|p| p.sources.contains(&region));
        self.inference_types
            .iter()
            .copied()
            .filter(|t| match t {
                InferenceType::OnDemand | InferenceType::Provisioned => here,
                InferenceType::InferenceProfile => profiled,
            })
            .collect()
    }

    /// The inference profile id a caller in `region` should use (geographic before global),
    /// if one serves this model from there.
    pub fn profile_id_for(&self, region: Region) -> Option<String> {
        self.profiles_from(region)
            .first()
            .map(|p| p.profile_id.to_owned())
    }

    /// The regions where ListFoundationModels shows the model, sorted.
    pub fn listed_regions(&self) -> Vec<Region> {
        Region::ALL
            .iter()
            .copied()
            .filter(|r| self.listed_in(*r))
            .collect()
    }

    /// Whether the model is past its end-of-life date on `today` (`YYYY-MM-DD`).
    pub fn is_retired_on(&self, today: &str) -> bool {
        self.end_of_life.is_some_and(|eol| eol <= today)
    }

    /// The foundation-model ARN of this model in `region`.
    pub fn arn(&self, region: Region) -> String {
        format!(
            "arn:aws:bedrock:{}::foundation-model/{}",
            region.as_str(),
            self.model_id
        )
    }
}

/// One system-defined cross-region inference profile as the catalog records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogProfile {
    /// `{geo}.{model_id}`, e.g. `apac.anthropic.claude-3-7-sonnet-20250219-v1:0`.
    pub profile_id: &'static str,
    /// `inferenceProfileName`, e.g. "APAC Anthropic Claude 3.7 Sonnet".
    pub name: &'static str,
    /// Its geography.
    pub geo: ProfileGeo,
    /// The foundation model it routes to.
    pub model_id: &'static str,
    /// Regions whose callers may use it.
    pub sources: &'static [Region],
    /// Regions it routes requests to.
    pub destinations: &'static [Region],
}

impl CatalogProfile {
    /// The profile's ARN as seen from `region` by `account` (a system-defined profile has one
    /// ARN per source region).
    pub fn arn(&self, region: Region, account: &str) -> String {
        format!(
            "arn:aws:bedrock:{}:{account}:inference-profile/{}",
            region.as_str(),
            self.profile_id
        )
    }
}

/// Every foundation model in the catalog, sorted by model id.
pub fn foundation_models() -> &'static [CatalogModel] {
    crate::generated::FOUNDATION_MODELS
}

/// Every system-defined inference profile in the catalog, sorted by profile id.
pub fn inference_profiles() -> &'static [CatalogProfile] {
    crate::generated::INFERENCE_PROFILES
}

/// The catalog entry for a system-defined profile id (`us.anthropic...`).
pub fn find_profile(profile_id: &str) -> Option<&'static CatalogProfile> {
    let profiles = inference_profiles();
    profiles
        .binary_search_by(|p| p.profile_id.cmp(profile_id))
        .ok()
        .and_then(|i| profiles.get(i))
}

/// Every region where Bedrock is offered, sorted by name.
pub fn regions() -> &'static [RegionInfo] {
    crate::generated::REGIONS
}

/// The catalog entry for a bare model id.
pub fn find_model(model_id: &str) -> Option<&'static CatalogModel> {
    let models = foundation_models();
    models
        .binary_search_by(|m| m.model_id.cmp(model_id))
        .ok()
        .and_then(|i| models.get(i))
}

/// The error from parsing an unknown region name; it lists every valid one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown region `{input}`; Bedrock regions are: {}",
    valid_region_list()
)]
pub struct ParseRegionError {
    /// What was given.
    pub input: String,
}

fn valid_region_list() -> String {
    Region::ALL
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}
