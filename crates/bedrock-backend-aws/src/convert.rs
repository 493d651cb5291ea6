//! Conversions from the SDK's control-plane shapes to the core's `ModelSummary`.

use aws_sdk_bedrock::types::{FoundationModelDetails, FoundationModelSummary};
use bedrock_core::{CustomizationType, InferenceType, LifecycleStatus, Modality, ModelSummary};

fn modality(s: &str) -> Option<Modality> {
    Modality::ALL.iter().copied().find(|m| m.as_str() == s)
}

fn inference(s: &str) -> Option<InferenceType> {
    InferenceType::ALL.iter().copied().find(|m| m.as_str() == s)
}

fn customization(s: &str) -> Option<CustomizationType> {
    CustomizationType::ALL
        .iter()
        .copied()
        .find(|m| m.as_str() == s)
}

fn lifecycle(s: Option<&str>) -> LifecycleStatus {
    match s {
        Some("LEGACY") => LifecycleStatus::Legacy,
        _ => LifecycleStatus::Active,
    }
}

macro_rules! to_summary {
    ($m:expr) => {{
        let m = $m;
        ModelSummary {
            model_arn: m.model_arn().to_owned(),
            model_id: m.model_id().to_owned(),
            model_name: m.model_name().unwrap_or_default().to_owned(),
            provider_name: m.provider_name().unwrap_or_default().to_owned(),
            input_modalities: m
                .input_modalities()
                .iter()
                .filter_map(|x| modality(x.as_str()))
                .collect(),
            output_modalities: m
                .output_modalities()
                .iter()
                .filter_map(|x| modality(x.as_str()))
                .collect(),
            response_streaming_supported: m.response_streaming_supported().unwrap_or(false),
            customizations_supported: m
                .customizations_supported()
                .iter()
                .filter_map(|x| customization(x.as_str()))
                .collect(),
            inference_types_supported: m
                .inference_types_supported()
                .iter()
                .filter_map(|x| inference(x.as_str()))
                .collect(),
            lifecycle: lifecycle(m.model_lifecycle().map(|l| l.status().as_str())),
        }
    }};
}

/// A ListFoundationModels entry.
pub(crate) fn summary(m: &FoundationModelSummary) -> ModelSummary {
    to_summary!(m)
}

/// GetFoundationModel's details.
pub(crate) fn details(m: &FoundationModelDetails) -> ModelSummary {
    to_summary!(m)
}
