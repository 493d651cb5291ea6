//! Provisioned throughput: GetProvisionedModelThroughput over the provisioned models of the
//! simulator's configuration, and the resolution of a provisioned model ARN to its model for
//! invocations.

use bedrock_core::catalog::{self, Region};
use bedrock_core::{ProvisionedModelThroughput, Result};
use serde::{Deserialize, Serialize};

use crate::config::SimulatorConfig;
use crate::profiles::ACCOUNT_ID;
use crate::rejection::Rejection;
use crate::rng::{stable_hash, uuid_like};
use crate::simulator::Simulator;

/// A provisioned throughput of the simulated account: capacity bought for one foundation
/// model in one region (as CreateProvisionedModelThroughput makes it), invoked by its ARN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionedModel {
    /// The short id (the last part of its ARN), e.g. `a1b2c3d4e5f6`.
    pub id: String,
    /// `provisionedModelName`.
    pub name: String,
    /// The bare foundation-model id it serves, e.g. `anthropic.claude-3-haiku-20240307-v1:0`.
    pub model: String,
    /// The region it lives in.
    pub region: Region,
}

impl ProvisionedModel {
    /// Its ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:bedrock:{}:{ACCOUNT_ID}:provisioned-model/{}",
            self.region.as_str(),
            self.id
        )
    }

    /// GetProvisionedModelThroughput's description of it.
    fn describe(&self) -> ProvisionedModelThroughput {
        let model_arn = format!(
            "arn:aws:bedrock:{}::foundation-model/{}",
            self.region.as_str(),
            self.model
        );
        ProvisionedModelThroughput {
            provisioned_model_arn: self.arn(),
            provisioned_model_name: self.name.clone(),
            model_arn: model_arn.clone(),
            foundation_model_arn: model_arn,
            status: "InService".to_owned(),
        }
    }

    /// Whether `identifier` (its ARN or its name, as Bedrock accepts) names this one.
    fn is(&self, identifier: &str) -> bool {
        identifier == self.name || identifier == self.arn()
    }
}

/// The catalog model a provisioned model ARN reaches when called in `region`: it must exist in
/// the configuration, live in that region, and serve a model the catalog knows.
pub(crate) fn provisioned_model<'a>(
    config: &'a SimulatorConfig,
    arn: &str,
    region: Region,
) -> Option<&'a str> {
    config
        .provisioned_models
        .iter()
        .find(|p| p.region == region && p.arn() == arn)
        .map(|p| p.model.as_str())
        .filter(|m| catalog::find_model(m).is_some())
}

/// GetProvisionedModelThroughput in `region`: a provisioned model's ARN or name.
pub(crate) fn get(
    config: &SimulatorConfig,
    region: Region,
    identifier: &str,
) -> std::result::Result<ProvisionedModelThroughput, Rejection> {
    config
        .provisioned_models
        .iter()
        .find(|p| p.region == region && p.is(identifier))
        .map(ProvisionedModel::describe)
        .ok_or_else(|| {
            Rejection::not_found(format!("The provisioned model {identifier} was not found."))
                .with_hint(format!(
                    "the simulated account has no provisioned throughput by that ARN or name in \
                 {region} (configure one under `provisioned_models`)"
                ))
        })
}

impl Simulator {
    /// GetProvisionedModelThroughput in `region`; an unknown provisioned model, or one living
    /// in another region, answers 404 `ResourceNotFoundException`.
    pub fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<ProvisionedModelThroughput> {
        get(self.config(), region, identifier).map_err(|r| {
            // Deterministic, like every id the simulator makes: from the seed and the question.
            let key = stable_hash(&[&self.config().seed.to_le_bytes(), identifier.as_bytes()]);
            r.into_error(&uuid_like(key, key.rotate_left(32)), None, Some(region))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

    fn config(model: &str) -> SimulatorConfig {
        SimulatorConfig {
            provisioned_models: vec![ProvisionedModel {
                id: "pt1".into(),
                name: "my-pt".into(),
                model: model.into(),
                region: Region::UsEast1,
            }],
            ..SimulatorConfig::default()
        }
    }

    #[test]
    fn described_by_arn_or_name_in_its_region_only() {
        let config = config(HAIKU);
        let arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt1";
        for identifier in [arn, "my-pt"] {
            let p = get(&config, Region::UsEast1, identifier).unwrap();
            assert_eq!(p.provisioned_model_arn, arn);
            assert_eq!(p.foundation_model_id().as_deref(), Some(HAIKU));
        }
        let elsewhere = get(&config, Region::UsWest2, arn).unwrap_err();
        assert_eq!(elsewhere.error_type, "ResourceNotFoundException");
        assert_eq!(elsewhere.status, 404);
        assert!(get(&config, Region::UsEast1, "pt1").is_err());
    }

    #[test]
    fn invocations_reach_catalog_models_only() {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt1";
        assert_eq!(
            provisioned_model(&config(HAIKU), arn, Region::UsEast1),
            Some(HAIKU)
        );
        assert_eq!(
            provisioned_model(&config(HAIKU), arn, Region::UsWest2),
            None
        );
        assert_eq!(
            provisioned_model(&config("acme.unknown-v1"), arn, Region::UsEast1),
            None
        );
    }
}
