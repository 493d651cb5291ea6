//! Resolving model identifiers against the catalog the way Bedrock does: for runtime calls
//! (profiles, on-demand support, regions, access, end of life) and for the control plane.

use bedrock_core::catalog::{self, CatalogModel};
use bedrock_core::{ListFoundationModelsRequest, ModelId, ModelIdError, ModelSummary, Region};

use crate::config::SimulatorConfig;
use crate::rejection::{self, Rejection};

/// Whether `model` is retired on the simulated date.
fn retired(config: &SimulatorConfig, model: &CatalogModel) -> bool {
    config
        .simulate_date
        .as_deref()
        .is_some_and(|today| model.is_retired_on(today))
}

fn end_of_life(model: &CatalogModel) -> Rejection {
    let eol = model.end_of_life.unwrap_or("its end-of-life date");
    let hint = match model.successor {
        Some(s) => format!(
            "`{}` reached end of life on {eol}; use `{s}` instead",
            model.model_id
        ),
        None => format!("`{}` reached end of life on {eol}", model.model_id),
    };
    Rejection::not_found(rejection::END_OF_LIFE).with_hint(hint)
}

/// Whether a caller in `region` can use the system-defined profile `profile_id`: the catalog
/// lists the region among the profile's sources (a region may be a source of several
/// geographies, and `global.` profiles of every region they list).
fn profile_serves(profile_id: &str, region: Region) -> bool {
    catalog::find_profile(profile_id).is_some_and(|p| p.sources.contains(&region))
}

/// The catalog model an InvokeModel / InvokeModelWithResponseStream call reaches, or Bedrock's
/// answer when it reaches none.
///
/// A malformed id, or a profile for another geography, is 400 `ValidationException` "The
/// provided model identifier is invalid."; a well-formed id that names no foundation model, or
/// one not offered in the caller's region, is 404 `ResourceNotFoundException` (the troubleshooting
/// case "the model is not offered in the region"), with a hint naming where it is offered.
///
/// `id` is the identifier as received, already parsed.
pub(crate) fn resolve_runtime(
    config: &SimulatorConfig,
    id: &Result<ModelId, ModelIdError>,
    region: Region,
) -> Result<&'static CatalogModel, Rejection> {
    let invalid = || Rejection::validation(rejection::INVALID_MODEL_ID);
    let id = id
        .as_ref()
        .map_err(|e| invalid().with_hint(e.reason.clone()))?;
    let base = match id.base_model_id() {
        Some(base) => base,
        None => match crate::profiles::application_model(config, id.as_str(), region)
            .or_else(|| crate::provisioned::provisioned_model(config, id.as_str(), region))
        {
            Some(base) => base,
            None => {
                return Err(invalid().with_hint(
                    "the simulator serves foundation models, their cross-region inference \
                     profiles, and the application inference profiles and provisioned models \
                     of its configuration (`application_profiles`, `provisioned_models`); \
                     custom and imported models do not exist in it",
                ));
            }
        },
    };
    let Some(model) = catalog::find_model(base) else {
        return Err(Rejection::not_found(rejection::MODEL_NOT_FOUND)
            .with_hint(format!("`{base}` is not a Bedrock foundation model id")));
    };
    if retired(config, model) {
        return Err(end_of_life(model));
    }
    match id.profile_geo() {
        Some(geo) => {
            let profile_id = format!("{}.{}", geo.as_str(), model.model_id);
            if !profile_serves(&profile_id, region) {
                let hint = match model.profile_id_for(region) {
                    Some(p) => format!("from {region}, call `{}` through `{p}`", model.model_id),
                    None => format!(
                        "no inference profile serves `{}` from {region}",
                        model.model_id
                    ),
                };
                return Err(invalid().with_hint(hint));
            }
        }
        // An application profile or provisioned model routes to its model from its own region.
        None if id.base_model_id().is_none() => {}
        None => {
            if !model.offered_in(region) && model.profile_id_for(region).is_some() {
                let mut r =
                    Rejection::validation(rejection::on_demand_not_supported(model.model_id));
                if let Some(p) = model.profile_id_for(region) {
                    r = r.with_hint(format!(
                        "`{}` is invoked through an inference profile: use `{p}`",
                        model.model_id
                    ));
                }
                return Err(r);
            }
            if !model.offered_in(region) {
                return Err(Rejection::not_found(rejection::MODEL_NOT_FOUND)
                    .with_hint(not_offered_hint(model, region)));
            }
        }
    }
    if config.not_granted.contains(model.model_id) {
        return Err(Rejection::access_denied(rejection::ACCESS_NOT_GRANTED).with_hint(format!(
            "model access for `{}` is not granted in {region}: grant it in the Bedrock console under Model access",
            model.model_id
        )));
    }
    Ok(model)
}

fn not_offered_hint(model: &CatalogModel, region: Region) -> String {
    let offered: Vec<&str> = model.regions.iter().map(|r| r.as_str()).collect();
    let mut hint = format!(
        "`{}` is not offered in {region}; it is offered in: {}",
        model.model_id,
        if offered.is_empty() {
            "no region directly".to_owned()
        } else {
            offered.join(", ")
        }
    );
    if let Some(p) = model.profile_id_for(region) {
        hint.push_str(&format!("; or call it from {region} through `{p}`"));
    }
    hint
}

/// Whether ListFoundationModels in `region` shows `model`: served on demand in the region or
/// reachable through an inference profile from it, and not retired.
pub(crate) fn listed_in(config: &SimulatorConfig, model: &CatalogModel, region: Region) -> bool {
    !retired(config, model) && model.listed_in(region)
}

/// ListFoundationModels.
pub(crate) fn list(
    config: &SimulatorConfig,
    region: Region,
    request: &ListFoundationModelsRequest,
) -> Vec<ModelSummary> {
    catalog::foundation_models()
        .iter()
        .filter(|m| listed_in(config, m, region))
        .map(|m| ModelSummary::from_catalog(m, region))
        .filter(|s| request.matches(s))
        .collect()
}

/// GetFoundationModel: a bare id or a foundation-model ARN.
pub(crate) fn get(
    config: &SimulatorConfig,
    region: Region,
    identifier: &str,
) -> Result<ModelSummary, Rejection> {
    let not_found = || {
        Rejection::not_found(format!(
            "The model with identifier {identifier} was not found."
        ))
    };
    let id = ModelId::new(identifier).map_err(|e| not_found().with_hint(e.reason))?;
    let base = match id.kind() {
        bedrock_core::ModelIdKind::Bare | bedrock_core::ModelIdKind::FoundationModelArn => {
            id.base_model_id()
        }
        _ => None,
    };
    let Some(model) = base.and_then(catalog::find_model) else {
        return Err(not_found().with_hint(
            "GetFoundationModel takes a bare foundation-model id or its ARN; list ids with ListFoundationModels",
        ));
    };
    if retired(config, model) {
        return Err(end_of_life(model));
    }
    if !listed_in(config, model, region) {
        return Err(not_found().with_hint(not_offered_hint(model, region)));
    }
    Ok(ModelSummary::from_catalog(model, region))
}
