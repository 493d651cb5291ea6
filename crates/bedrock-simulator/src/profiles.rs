//! Inference profiles: ListInferenceProfiles and GetInferenceProfile over the catalog's
//! system-defined profiles and the application profiles of the simulator's configuration, and
//! the resolution of an application profile ARN to its model for invocations.

use bedrock_core::catalog::{self, Region};
use bedrock_core::{
    InferenceProfile, InferenceProfileType, ListInferenceProfilesRequest,
    ListInferenceProfilesResponse, ModelId, Result,
};
use serde::{Deserialize, Serialize};

use crate::config::SimulatorConfig;
use crate::rejection::Rejection;
use crate::rng::{stable_hash, uuid_like};
use crate::simulator::Simulator;

/// The account id the simulator answers for, in the ARNs it makes.
pub const ACCOUNT_ID: &str = "123456789012";

/// An application inference profile of the simulated account: a named handle on one model,
/// usable from its region (as CreateInferenceProfile makes them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationProfile {
    /// The profile's short id (the last part of its ARN), e.g. `a1b2c3d4e5f6`.
    pub id: String,
    /// `inferenceProfileName`.
    pub name: String,
    /// What it copies from: a bare foundation-model id (one destination, its own region) or a
    /// system-defined profile id (that profile's destinations).
    pub copy_from: String,
    /// The region it lives in.
    pub region: Region,
}

impl ApplicationProfile {
    /// Its ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:bedrock:{}:{ACCOUNT_ID}:application-inference-profile/{}",
            self.region.as_str(),
            self.id
        )
    }

    /// The bare model id it reaches.
    pub fn model_id(&self) -> Option<&str> {
        match catalog::find_profile(&self.copy_from) {
            Some(p) => Some(p.model_id),
            None => catalog::find_model(&self.copy_from).map(|m| m.model_id),
        }
    }

    fn describe(&self) -> InferenceProfile {
        let model_arns = match catalog::find_profile(&self.copy_from) {
            Some(p) => InferenceProfile::from_catalog(p, self.region, ACCOUNT_ID).model_arns,
            None => vec![format!(
                "arn:aws:bedrock:{}::foundation-model/{}",
                self.region.as_str(),
                self.copy_from
            )],
        };
        InferenceProfile {
            inference_profile_id: self.id.clone(),
            inference_profile_arn: self.arn(),
            inference_profile_name: self.name.clone(),
            description: None,
            status: "ACTIVE".to_owned(),
            profile_type: InferenceProfileType::Application,
            model_arns,
        }
    }

    /// Whether `identifier` (an ARN or the short id) names this profile.
    fn is(&self, identifier: &str) -> bool {
        identifier == self.id || identifier == self.arn()
    }
}

/// The model an application profile ARN reaches when called in `region`: the profile must
/// exist in the configuration and live in that region.
pub(crate) fn application_model<'a>(
    config: &'a SimulatorConfig,
    arn: &str,
    region: Region,
) -> Option<&'a str> {
    config
        .application_profiles
        .iter()
        .find(|p| p.region == region && p.arn() == arn)
        .and_then(ApplicationProfile::model_id)
}

/// ListInferenceProfiles in `region`: every system-defined profile with `region` among its
/// sources, then the application profiles that live there.
pub(crate) fn list(
    config: &SimulatorConfig,
    region: Region,
    request: &ListInferenceProfilesRequest,
) -> Vec<InferenceProfile> {
    let wants = |t: InferenceProfileType| request.type_equals.is_none_or(|w| w == t);
    let mut out = Vec::new();
    if wants(InferenceProfileType::SystemDefined) {
        out.extend(
            catalog::inference_profiles()
                .iter()
                .filter(|p| p.sources.contains(&region))
                .filter(|p| {
                    catalog::find_model(p.model_id).is_none_or(|m| {
                        !config
                            .simulate_date
                            .as_deref()
                            .is_some_and(|today| m.is_retired_on(today))
                    })
                })
                .map(|p| InferenceProfile::from_catalog(p, region, ACCOUNT_ID)),
        );
    }
    if wants(InferenceProfileType::Application) {
        out.extend(
            config
                .application_profiles
                .iter()
                .filter(|p| p.region == region)
                .map(ApplicationProfile::describe),
        );
    }
    out
}

/// GetInferenceProfile in `region`: a system-defined profile id or ARN usable from there, or
/// an application profile's id or ARN.
pub(crate) fn get(
    config: &SimulatorConfig,
    region: Region,
    identifier: &str,
) -> std::result::Result<InferenceProfile, Rejection> {
    let not_found =
        || Rejection::not_found(format!("The inference profile {identifier} was not found."));
    if let Some(app) = config
        .application_profiles
        .iter()
        .find(|p| p.region == region && p.is(identifier))
    {
        return Ok(app.describe());
    }
    let id = ModelId::new(identifier).map_err(|e| not_found().with_hint(e.reason))?;
    let profile_id = match (id.profile_geo(), id.base_model_id()) {
        (Some(geo), Some(base)) => format!("{}.{base}", geo.as_str()),
        _ => {
            return Err(not_found().with_hint(
                "GetInferenceProfile takes a profile id (`us.` + a model id), its ARN, or an \
                 application inference profile's id or ARN",
            ));
        }
    };
    match catalog::find_profile(&profile_id) {
        Some(p) if p.sources.contains(&region) => {
            Ok(InferenceProfile::from_catalog(p, region, ACCOUNT_ID))
        }
        Some(p) => Err(not_found().with_hint(format!(
            "`{}` can be used from {} only",
            p.profile_id,
            p.sources
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => Err(not_found()),
    }
}

impl Simulator {
    /// ListInferenceProfiles in `region` (all in one page).
    pub fn list_inference_profiles(
        &self,
        region: Region,
        request: &ListInferenceProfilesRequest,
    ) -> ListInferenceProfilesResponse {
        ListInferenceProfilesResponse {
            profiles: list(self.config(), region, request),
        }
    }

    /// GetInferenceProfile in `region`; an unknown profile, or one not usable from `region`,
    /// answers 404 `ResourceNotFoundException`.
    pub fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<InferenceProfile> {
        get(self.config(), region, identifier).map_err(|r| {
            // Deterministic, like every id the simulator makes: from the seed and the question.
            let key = stable_hash(&[&self.config().seed.to_le_bytes(), identifier.as_bytes()]);
            r.into_error(&uuid_like(key, key.rotate_left(32)), None, Some(region))
        })
    }
}
