//! The connector's request and response types: ListFoundationModels, ModelSummary and
//! InvokeModelGeneric, plus the backend-level invoke request and stream chunk.

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::adapter::RequestBody;
use crate::catalog::{
    CatalogModel, CustomizationType, InferenceType, LifecycleStatus, Modality, Region,
};
use crate::history::PromptId;
use crate::model_id::ModelId;

/// Filters of ListFoundationModels; `None` means "any". All filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFoundationModelsRequest {
    /// `byProvider`: provider name, compared case-insensitively (`Anthropic`, `amazon`).
    pub by_provider: Option<String>,
    /// `byOutputModality`.
    pub by_output_modality: Option<Modality>,
    /// `byInferenceType`.
    pub by_inference_type: Option<InferenceType>,
    /// `byCustomizationType`.
    pub by_customization_type: Option<CustomizationType>,
    /// Region to list in; the connector's region when `None`.
    pub region: Option<Region>,
}

impl ListFoundationModelsRequest {
    /// Whether a model summary passes every filter.
    pub fn matches(&self, m: &ModelSummary) -> bool {
        self.by_provider
            .as_ref()
            .is_none_or(|p| m.provider_name.eq_ignore_ascii_case(p))
            && self
                .by_output_modality
                .is_none_or(|o| m.output_modalities.contains(&o))
            && self
                .by_inference_type
                .is_none_or(|t| m.inference_types_supported.contains(&t))
            && self
                .by_customization_type
                .is_none_or(|c| m.customizations_supported.contains(&c))
    }
}

/// The answer to ListFoundationModels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFoundationModelsResponse {
    /// The matching models.
    pub models: Vec<ModelSummary>,
}

/// One foundation model as ListFoundationModels / GetFoundationModel describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// `arn:aws:bedrock:{region}::foundation-model/{id}`.
    pub model_arn: String,
    /// The bare model id.
    pub model_id: String,
    /// Display name.
    pub model_name: String,
    /// Provider name.
    pub provider_name: String,
    /// Input modalities.
    pub input_modalities: Vec<Modality>,
    /// Output modalities.
    pub output_modalities: Vec<Modality>,
    /// Whether streaming is supported.
    pub response_streaming_supported: bool,
    /// Customizations supported.
    pub customizations_supported: Vec<CustomizationType>,
    /// Inference types supported.
    pub inference_types_supported: Vec<InferenceType>,
    /// Lifecycle status.
    pub lifecycle: LifecycleStatus,
}

impl ModelSummary {
    /// The summary of a catalog model as seen from `region`.
    pub fn from_catalog(m: &CatalogModel, region: Region) -> Self {
        ModelSummary {
            model_arn: m.arn(region),
            model_id: m.model_id.to_owned(),
            model_name: m.name.to_owned(),
            provider_name: m.provider.to_owned(),
            input_modalities: m.input_modalities.to_vec(),
            output_modalities: m.output_modalities.to_vec(),
            response_streaming_supported: m.response_streaming,
            customizations_supported: m.customizations.to_vec(),
            inference_types_supported: m.inference_types.to_vec(),
            lifecycle: m.lifecycle,
        }
    }
}

/// `X-Amzn-Bedrock-Trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Trace {
    /// `ENABLED`.
    Enabled,
    /// `DISABLED`.
    Disabled,
    /// `ENABLED_FULL`.
    EnabledFull,
}

impl Trace {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Trace::Enabled => "ENABLED",
            Trace::Disabled => "DISABLED",
            Trace::EnabledFull => "ENABLED_FULL",
        }
    }
}

/// A guardrail to apply (`X-Amzn-Bedrock-GuardrailIdentifier` / `-GuardrailVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailConfig {
    /// Guardrail id or ARN.
    pub identifier: String,
    /// Version (`DRAFT` or a number).
    pub version: String,
}

/// Options shared by every invoke call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvokeOptions {
    /// Region for this call; the connector's region when `None`.
    pub region: Option<Region>,
    /// Trace setting.
    pub trace: Option<Trace>,
    /// Guardrail to apply.
    pub guardrail: Option<GuardrailConfig>,
    /// Save the prompt to the connector's history and return its [`PromptId`].
    pub save_prompt: bool,
}

/// InvokeModelGeneric: a raw body for any model, as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeModelGenericRequest {
    /// The model.
    pub model_id: ModelId,
    /// The request body, sent unchanged.
    pub body: Bytes,
    /// `Content-Type`, normally `application/json`.
    pub content_type: String,
    /// `Accept`, normally `application/json`.
    pub accept: String,
    /// Save the prompt to history first; the response then carries its id.
    pub save_prompt: bool,
    /// Region for this call.
    pub region: Option<Region>,
    /// Trace setting.
    pub trace: Option<Trace>,
    /// Guardrail to apply.
    pub guardrail: Option<GuardrailConfig>,
}

impl InvokeModelGenericRequest {
    /// A JSON request with default headers and no history.
    pub fn json(model_id: ModelId, body: impl Into<Bytes>) -> Self {
        InvokeModelGenericRequest {
            model_id,
            body: body.into(),
            content_type: "application/json".to_owned(),
            accept: "application/json".to_owned(),
            save_prompt: false,
            region: None,
            trace: None,
            guardrail: None,
        }
    }

    /// Sets `save_prompt`.
    pub fn save_prompt(mut self, save: bool) -> Self {
        self.save_prompt = save;
        self
    }

    /// The request for a body an adapter built, with the call's options.
    pub fn from_body(model_id: ModelId, body: RequestBody, options: InvokeOptions) -> Self {
        InvokeModelGenericRequest {
            model_id,
            body: body.body,
            content_type: body.content_type.to_owned(),
            accept: body.accept.to_owned(),
            save_prompt: options.save_prompt,
            region: options.region,
            trace: options.trace,
            guardrail: options.guardrail,
        }
    }

    /// What the backend is asked to send, in `region`.
    pub fn into_backend_request(self, region: Region) -> InvokeModelRequest {
        InvokeModelRequest {
            model_id: self.model_id,
            region,
            body: self.body,
            content_type: self.content_type,
            accept: self.accept,
            trace: self.trace,
            guardrail: self.guardrail,
        }
    }
}

/// The answer to InvokeModelGeneric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeModelGenericResponse {
    /// The model's content type.
    pub content_type: String,
    /// The model's response body, unchanged.
    pub body: Bytes,
    /// The saved prompt, when `save_prompt` was set.
    pub prompt_id: Option<PromptId>,
    /// `X-Amzn-Bedrock-Input-Token-Count`.
    pub input_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Output-Token-Count`.
    pub output_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Invocation-Latency` when sent, else the measured round trip.
    pub latency: Duration,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
}

/// What a backend is asked to send: one InvokeModel or InvokeModelWithResponseStream call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeModelRequest {
    /// The model.
    pub model_id: ModelId,
    /// The region to call.
    pub region: Region,
    /// The body.
    pub body: Bytes,
    /// `Content-Type`.
    pub content_type: String,
    /// `Accept` (`X-Amzn-Bedrock-Accept` when streaming).
    pub accept: String,
    /// Trace setting.
    pub trace: Option<Trace>,
    /// Guardrail.
    pub guardrail: Option<GuardrailConfig>,
}

impl InvokeModelRequest {
    /// A JSON request with default headers.
    pub fn json(model_id: ModelId, region: Region, body: impl Into<Bytes>) -> Self {
        InvokeModelRequest {
            model_id,
            region,
            body: body.into(),
            content_type: "application/json".to_owned(),
            accept: "application/json".to_owned(),
            trace: None,
            guardrail: None,
        }
    }
}

/// What a backend got back from InvokeModel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeModelResponse {
    /// The body.
    pub body: Bytes,
    /// The model's content type.
    pub content_type: String,
    /// Input token count header.
    pub input_tokens: Option<u32>,
    /// Output token count header.
    pub output_tokens: Option<u32>,
    /// Invocation latency header.
    pub latency: Option<Duration>,
    /// Request id.
    pub request_id: Option<String>,
}

/// One `chunk` event of a response stream: the model's own JSON chunk, already base64-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamChunk {
    /// The chunk's bytes.
    pub bytes: Bytes,
}

/// Invocation metrics Bedrock appends to the last chunk of a stream
/// (`amazon-bedrock-invocationMetrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationMetrics {
    /// Input tokens.
    pub input_token_count: u32,
    /// Output tokens.
    pub output_token_count: u32,
    /// Milliseconds from request to last byte.
    pub invocation_latency: u64,
    /// Milliseconds from request to first byte.
    pub first_byte_latency: u64,
}

impl InvocationMetrics {
    /// The metrics inside a stream chunk's JSON, if present.
    pub fn from_chunk(chunk: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(chunk.get("amazon-bedrock-invocationMetrics")?.clone()).ok()
    }
}
