//! Inference profiles as ListInferenceProfiles / GetInferenceProfile describe them: the
//! system-defined cross-region profiles (`us.`, `apac.`, `global.` ...) and application
//! inference profiles, with the foundation models they route to.

use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogProfile, Region};
use crate::model_id::ModelId;

/// `type` of an inference profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InferenceProfileType {
    /// A cross-region profile Bedrock defines (`us.anthropic...`).
    SystemDefined,
    /// A profile an account created to track usage (`application-inference-profile/...`).
    Application,
}

impl InferenceProfileType {
    /// Every type.
    pub const ALL: &'static [InferenceProfileType] = &[
        InferenceProfileType::SystemDefined,
        InferenceProfileType::Application,
    ];

    /// Bedrock's wire name, e.g. `SYSTEM_DEFINED`.
    pub fn as_str(self) -> &'static str {
        match self {
            InferenceProfileType::SystemDefined => "SYSTEM_DEFINED",
            InferenceProfileType::Application => "APPLICATION",
        }
    }
}

/// One inference profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferenceProfile {
    /// `inferenceProfileId`: `us.anthropic...` for a system-defined profile, the short id of an
    /// application profile.
    pub inference_profile_id: String,
    /// `inferenceProfileArn`.
    pub inference_profile_arn: String,
    /// `inferenceProfileName`.
    pub inference_profile_name: String,
    /// `description`.
    pub description: Option<String>,
    /// `status` (`ACTIVE`).
    pub status: String,
    /// `type`.
    pub profile_type: InferenceProfileType,
    /// `models[].modelArn`: the foundation-model ARN in each region the profile routes to.
    pub model_arns: Vec<String>,
}

impl InferenceProfile {
    /// The description of a catalog profile as ListInferenceProfiles in `region` gives it, for
    /// `account`.
    pub fn from_catalog(profile: &CatalogProfile, region: Region, account: &str) -> Self {
        InferenceProfile {
            inference_profile_id: profile.profile_id.to_owned(),
            inference_profile_arn: profile.arn(region, account),
            inference_profile_name: profile.name.to_owned(),
            description: Some(format!(
                "Routes requests to {} in {}.",
                profile.model_id,
                profile
                    .destinations
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            status: "ACTIVE".to_owned(),
            profile_type: InferenceProfileType::SystemDefined,
            model_arns: profile
                .destinations
                .iter()
                .map(|r| {
                    format!(
                        "arn:aws:bedrock:{}::foundation-model/{}",
                        r.as_str(),
                        profile.model_id
                    )
                })
                .collect(),
        }
    }

    /// The bare foundation-model ids the profile routes to, each once, in the order first seen.
    pub fn model_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for arn in &self.model_arns {
            if let Some(id) = ModelId::new(arn.as_str())
                .ok()
                .and_then(|m| m.base_model_id().map(str::to_owned))
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
        ids
    }

    /// The regions the profile routes to, read from its model ARNs.
    pub fn destination_regions(&self) -> Vec<Region> {
        let mut regions: Vec<Region> = Vec::new();
        for arn in &self.model_arns {
            if let Some(region) = arn.split(':').nth(3).and_then(|r| r.parse::<Region>().ok())
                && !regions.contains(&region)
            {
                regions.push(region);
            }
        }
        regions.sort();
        regions
    }
}

/// Filters of ListInferenceProfiles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListInferenceProfilesRequest {
    /// `typeEquals`; both types when `None`.
    pub type_equals: Option<InferenceProfileType>,
    /// Region to list in; the connector's region when `None`.
    pub region: Option<Region>,
}

/// The answer to ListInferenceProfiles, every page joined.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListInferenceProfilesResponse {
    /// The profiles.
    pub profiles: Vec<InferenceProfile>,
}

/// A provisioned throughput as GetProvisionedModelThroughput describes it: the model its
/// ARN (`arn:aws:bedrock:REGION:ACCOUNT:provisioned-model/ID`) invokes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedModelThroughput {
    /// `provisionedModelArn`.
    pub provisioned_model_arn: String,
    /// `provisionedModelName`.
    pub provisioned_model_name: String,
    /// `modelArn`: the model it serves (a foundation model, or a custom model).
    pub model_arn: String,
    /// `foundationModelArn`: the foundation model underneath (for a custom model, its base).
    pub foundation_model_arn: String,
    /// `status` (`Creating`, `InService`, `Updating`, `Failed`).
    pub status: String,
}

impl ProvisionedModelThroughput {
    /// The bare foundation-model id it serves, read from `foundationModelArn`.
    pub fn foundation_model_id(&self) -> Option<String> {
        ModelId::new(self.foundation_model_arn.as_str())
            .ok()
            .and_then(|m| m.base_model_id().map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::find_profile;

    #[test]
    fn catalog_profiles_describe_their_destinations() {
        let p = find_profile("apac.anthropic.claude-3-7-sonnet-20250219-v1:0").unwrap();
        let d = InferenceProfile::from_catalog(p, Region::ApNortheast1, "123456789012");
        assert_eq!(
            d.inference_profile_arn,
            "arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/apac.anthropic.claude-3-7-sonnet-20250219-v1:0"
        );
        assert_eq!(d.model_ids(), ["anthropic.claude-3-7-sonnet-20250219-v1:0"]);
        assert_eq!(d.destination_regions(), p.destinations);
    }
}
