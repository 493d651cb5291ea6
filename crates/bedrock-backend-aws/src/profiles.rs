//! Conversions from the SDK's inference profile shapes to the core's `InferenceProfile`, and
//! from GetProvisionedModelThroughput's answer to `ProvisionedModelThroughput`.

use aws_sdk_bedrock::operation::get_inference_profile::GetInferenceProfileOutput;
use aws_sdk_bedrock::operation::get_provisioned_model_throughput::GetProvisionedModelThroughputOutput;
use aws_sdk_bedrock::types::InferenceProfileSummary;
use bedrock_core::{InferenceProfile, InferenceProfileType, ProvisionedModelThroughput};

fn profile_type(wire: &str) -> InferenceProfileType {
    match wire {
        "APPLICATION" => InferenceProfileType::Application,
        _ => InferenceProfileType::SystemDefined,
    }
}

macro_rules! to_profile {
    ($p:expr) => {{
        let p = $p;
        InferenceProfile {
            inference_profile_id: p.inference_profile_id().to_owned(),
            inference_profile_arn: p.inference_profile_arn().to_owned(),
            inference_profile_name: p.inference_profile_name().to_owned(),
            description: p.description().map(str::to_owned),
            status: p.status().as_str().to_owned(),
            profile_type: profile_type(p.r#type().as_str()),
            model_arns: p
                .models()
                .iter()
                .filter_map(|m| m.model_arn().map(str::to_owned))
                .collect(),
        }
    }};
}

/// A ListInferenceProfiles entry.
pub(crate) fn summary(p: &InferenceProfileSummary) -> InferenceProfile {
    to_profile!(p)
}

/// GetInferenceProfile's answer.
pub(crate) fn details(p: &GetInferenceProfileOutput) -> InferenceProfile {
    to_profile!(p)
}

/// GetProvisionedModelThroughput's answer.
pub(crate) fn provisioned(p: &GetProvisionedModelThroughputOutput) -> ProvisionedModelThroughput {
    ProvisionedModelThroughput {
        provisioned_model_arn: p.provisioned_model_arn().to_owned(),
        provisioned_model_name: p.provisioned_model_name().to_owned(),
        model_arn: p.model_arn().to_owned(),
        foundation_model_arn: p.foundation_model_arn().to_owned(),
        status: p.status().as_str().to_owned(),
    }
}
