//! The static catalog of Bedrock regions and foundation models, generated from `catalog/`.
//!
//! The data lives in `catalog/*.toml` at the workspace root; `cargo xtask codegen` turns it into
//! [`crate::generated`]. Everything here is `'static` so lookups never allocate.

use std::fmt;

pub use crate::generated::Region;

/// A kind of data a model takes or produces, as Bedrock names it (`TEXT`, `IMAGE`, `EMBEDDING`).
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
}

impl Modality {
    /// Every modality, in Bedrock's order.
    pub const ALL: &'static [Modality] = &[Modality::Text, Modality::Image, Modality::Embedding];

    /// Bedrock's wire name, e.g. `TEXT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Text => "TEXT",
            Modality::Image => "IMAGE",
            Modality::Embedding => "EMBEDDING",
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

    /// The geography whose profiles a caller in `region` uses.
    pub fn for_region(region: Region) -> Option<ProfileGeo> {
        let name = region.as_str();
        Some(if name.starts_with("us-gov-") {
            ProfileGeo::UsGov
        } else if name.starts_with("us-") {
            ProfileGeo::Us
        } else if name.starts_with("eu-") {
            ProfileGeo::Eu
        } else if name.starts_with("ap-northeast-1") || name.starts_with("ap-northeast-3") {
            ProfileGeo::Jp
        } else if name.starts_with("ap-") {
            ProfileGeo::Apac
        } else if name.starts_with("ca-") {
            ProfileGeo::Ca
        } else {
            return None;
        })
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
    /// Regions where the model is offered in-region.
    pub regions: &'static [Region],
    /// Cross-region inference profile geographies that serve it (`us.` + id, ...).
    pub profiles: &'static [ProfileGeo],
}

impl CatalogModel {
    /// Whether the bare id can be invoked on demand, or needs an inference profile.
    pub fn needs_profile(&self) -> bool {
        !self.inference_types.contains(&InferenceType::OnDemand) && !self.profiles.is_empty()
    }

    /// Whether the model is offered in `region`.
    pub fn offered_in(&self, region: Region) -> bool {
        self.regions.contains(&region)
    }

    /// The inference profile id a caller in `region` should use, if one serves this model.
    pub fn profile_id_for(&self, region: Region) -> Option<String> {
        let geo = ProfileGeo::for_region(region);
        let pick = geo.filter(|g| self.profiles.contains(g)).or_else(|| {
            self.profiles
                .contains(&ProfileGeo::Global)
                .then_some(ProfileGeo::Global)
        })?;
        Some(format!("{}.{}", pick.as_str(), self.model_id))
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

/// Every foundation model in the catalog, sorted by model id.
pub fn foundation_models() -> &'static [CatalogModel] {
    crate::generated::FOUNDATION_MODELS
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
