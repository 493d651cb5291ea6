//! `bedrock profiles` (ListInferenceProfiles): the inference profiles usable from the region,
//! optionally only those that route to one model.

use bedrock_connector::{
    InferenceProfile, InferenceProfileType, ListInferenceProfilesRequest, Region,
};
use serde_json::{Value, json};

use super::model_id;
use crate::cli::{GlobalArgs, ProfileTypeArg, ProfilesArgs};
use crate::failure::CliError;
use crate::output::{Printer, table};
use crate::session::connect;
use crate::spinner::spin;

/// `bedrock profiles`.
pub async fn list(
    global: &GlobalArgs,
    args: &ProfilesArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    // A malformed --model is refused before anything starts.
    let model = args.model.as_deref().map(model_id).transpose()?;
    let session = connect(global, printer, false).await?;
    let request = ListInferenceProfilesRequest {
        type_equals: args.profile_type.map(|t| match t {
            ProfileTypeArg::SystemDefined => InferenceProfileType::SystemDefined,
            ProfileTypeArg::Application => InferenceProfileType::Application,
        }),
        region: None,
    };
    let mut profiles = spin(
        "listing inference profiles",
        session.connector.list_inference_profiles(&request),
    )
    .await?
    .profiles;
    if let Some(model) = &model {
        let wanted = model.base_model_id().unwrap_or(model.as_str());
        profiles.retain(|p| p.model_ids().iter().any(|m| m == wanted));
    }
    profiles.sort_by(|a, b| a.inference_profile_id.cmp(&b.inference_profile_id));
    if printer.is_json() {
        let list: Vec<Value> = profiles.iter().map(profile_json).collect();
        return printer.json(&json!({ "profiles": list }));
    }
    if profiles.is_empty() {
        let region = session.connector.region();
        printer.note(&match &model {
            Some(m) => format!("no inference profile serves `{m}` from {region}"),
            None => format!("no inference profiles are usable from {region}"),
        });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = profiles
        .iter()
        .map(|p| {
            vec![
                p.inference_profile_id.clone(),
                p.inference_profile_name.clone(),
                p.profile_type.as_str().to_owned(),
                p.model_ids().join(", "),
                regions(&p.destination_regions()),
            ]
        })
        .collect();
    printer.line(&table(
        &["PROFILE ID", "NAME", "TYPE", "MODEL", "ROUTES TO"],
        &rows,
    ))
}

fn regions(regions: &[Region]) -> String {
    regions
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON shape of one profile, owned by the CLI so scripts can rely on it.
fn profile_json(p: &InferenceProfile) -> Value {
    json!({
        "inference_profile_id": p.inference_profile_id,
        "inference_profile_arn": p.inference_profile_arn,
        "inference_profile_name": p.inference_profile_name,
        "type": p.profile_type.as_str(),
        "status": p.status,
        "model_ids": p.model_ids(),
        "model_arns": p.model_arns,
        "destination_regions": p.destination_regions().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    })
}
