//! ListInferenceProfiles (`GET /inference-profiles`, paged with `maxResults` / `nextToken`,
//! filtered by `type`) and GetInferenceProfile (`GET /inference-profiles/{id}`) in Bedrock's
//! JSON shapes, answered from the simulator; and GetProvisionedModelThroughput
//! (`GET /provisioned-model-throughput/{id}`), which resolves a provisioned model ARN the same
//! way a profile resolves an application profile ARN.

use bedrock_core::{InferenceProfile, InferenceProfileType, ListInferenceProfilesRequest, Region};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::server::AppState;

/// Bedrock's page size limit for ListInferenceProfiles.
const MAX_RESULTS: usize = 1000;

/// When the catalog's profiles are said to have been created: the day Bedrock launched
/// cross-region inference. Fixed, so answers stay the same from run to run.
const CREATED_AT: &str = "2024-08-27T00:00:00Z";

/// One profile in Bedrock's shape (`InferenceProfileSummary` / GetInferenceProfile's answer).
pub(crate) fn profile_json(p: &InferenceProfile) -> Value {
    let mut out = json!({
        "inferenceProfileName": p.inference_profile_name,
        "inferenceProfileArn": p.inference_profile_arn,
        "inferenceProfileId": p.inference_profile_id,
        "models": p.model_arns.iter().map(|arn| json!({ "modelArn": arn })).collect::<Vec<_>>(),
        "status": p.status,
        "type": p.profile_type.as_str(),
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
    });
    if let (Some(d), Some(map)) = (&p.description, out.as_object_mut()) {
        map.insert("description".to_owned(), Value::String(d.clone()));
    }
    out
}

fn invalid_value(field: &str, value: &str, constraint: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
         {constraint}"
    ))
}

/// ListInferenceProfiles: every profile usable from `region`, one page of them.
pub(crate) fn list(
    state: &AppState,
    region: Region,
    raw_query: Option<&str>,
) -> Result<Value, ApiError> {
    let mut request = ListInferenceProfilesRequest {
        type_equals: None,
        region: Some(region),
    };
    let mut max_results = MAX_RESULTS;
    let mut start = 0usize;
    for pair in raw_query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode_str(v).decode_utf8_lossy();
        match k {
            "type" => {
                request.type_equals = Some(
                    InferenceProfileType::ALL
                        .iter()
                        .copied()
                        .find(|t| t.as_str() == v)
                        .ok_or_else(|| {
                            invalid_value(
                                "typeEquals",
                                &v,
                                "Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]",
                            )
                        })?,
                );
            }
            "maxResults" => {
                max_results = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_RESULTS).contains(n))
                    .ok_or_else(|| {
                        invalid_value(
                            "maxResults",
                            &v,
                            "Member must have value between 1 and 1000",
                        )
                    })?;
            }
            "nextToken" => {
                start = v.parse::<usize>().map_err(|_| {
                    invalid_value(
                        "nextToken",
                        &v,
                        "Member must be a token this service issued",
                    )
                })?;
            }
            // Bedrock ignores query parameters it does not model.
            _ => {}
        }
    }
    let all = state
        .simulator
        .list_inference_profiles(region, &request)
        .profiles;
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max_results)
        .map(profile_json)
        .collect();
    let next = start.saturating_add(page.len());
    let mut body = json!({ "inferenceProfileSummaries": page });
    if next < all.len()
        && let Some(map) = body.as_object_mut()
    {
        map.insert("nextToken".to_owned(), Value::String(next.to_string()));
    }
    Ok(body)
}

/// GetInferenceProfile.
pub(crate) fn get(state: &AppState, region: Region, identifier: &str) -> Result<Value, ApiError> {
    let profile = state.simulator.get_inference_profile(region, identifier)?;
    Ok(profile_json(&profile))
}

/// GetProvisionedModelThroughput: a provisioned model's ARN or name.
pub(crate) fn get_provisioned(
    state: &AppState,
    region: Region,
    identifier: &str,
) -> Result<Value, ApiError> {
    let p = state
        .simulator
        .get_provisioned_model_throughput(region, identifier)?;
    // The simulated throughput is one model unit, bought without commitment and never
    // changing: the desired values are the current ones.
    Ok(json!({
        "provisionedModelName": p.provisioned_model_name,
        "provisionedModelArn": p.provisioned_model_arn,
        "modelArn": p.model_arn,
        "desiredModelArn": p.model_arn,
        "foundationModelArn": p.foundation_model_arn,
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "status": p.status,
        "creationTime": CREATED_AT,
        "lastModifiedTime": CREATED_AT,
    }))
}
