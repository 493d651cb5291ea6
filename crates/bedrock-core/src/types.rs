//! The connector's request and response types: ListFoundationModels, ModelSummary and
//! InvokeModelGeneric, the backend-level invoke request and response with their call metadata,
//! and the stream chunk.

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

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
    /// The summary of a catalog model as seen from `region`: its inference types are the ones
    /// that hold there ([`CatalogModel::inference_types_in`]).
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
            inference_types_supported: m.inference_types_in(region),
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
            save_prompt: self.save_prompt,
        }
    }
}

/// The answer to InvokeModelGeneric: the backend's answer, unchanged.
pub type InvokeModelGenericResponse = InvokeModelResponse;

/// How one call went, as the backend saw it. The same value travels from the backend through
/// every layer to the caller unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallMetadata {
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
    /// `X-Amzn-Bedrock-Invocation-Latency` when the service sent it, else the round trip the
    /// backend measured.
    pub latency: Duration,
    /// `X-Amzn-Bedrock-Input-Token-Count`.
    pub input_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Output-Token-Count`.
    pub output_tokens: Option<u32>,
    /// Input tokens read from the prompt cache (`X-Amzn-Bedrock-Cache-Read-Input-Token-Count`,
    /// or Converse's `cacheReadInputTokens`).
    pub cache_read_input_tokens: Option<u32>,
    /// Input tokens written to the prompt cache (`X-Amzn-Bedrock-Cache-Write-Input-Token-Count`,
    /// or Converse's `cacheWriteInputTokens`).
    pub cache_write_input_tokens: Option<u32>,
    /// How many attempts the call took (retries included), where the backend counts them.
    pub attempts: Option<u32>,
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
    /// Save the prompt to the prompt history first (see [`crate::layers::HistoryLayer`]);
    /// backends without a history layer ignore it.
    pub save_prompt: bool,
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
            save_prompt: false,
        }
    }
}

/// The answer to InvokeModel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeModelResponse {
    /// The model's response body, unchanged.
    pub body: Bytes,
    /// The model's content type.
    pub content_type: String,
    /// Request id, latency, token counts and attempts.
    pub metadata: CallMetadata,
    /// The saved prompt, when the call asked for it.
    pub prompt_id: Option<PromptId>,
    /// Set when the model answered but completing the saved prompt's history row failed: the
    /// answer is still returned, and this says why the row is not complete.
    pub history_error: Option<String>,
}

impl InvokeModelResponse {
    /// An answer with this body and metadata, and nothing saved.
    pub fn new(
        body: impl Into<Bytes>,
        content_type: impl Into<String>,
        metadata: CallMetadata,
    ) -> Self {
        InvokeModelResponse {
            body: body.into(),
            content_type: content_type.into(),
            metadata,
            prompt_id: None,
            history_error: None,
        }
    }
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
        serde_json::from_value(chunk.get(Self::KEY)?.clone()).ok()
    }

    /// The metrics inside a stream chunk's raw JSON, if present; chunks that do not mention
    /// the key are not parsed at all.
    pub fn from_chunk_bytes(chunk: &[u8]) -> Option<Self> {
        let key = Self::KEY.as_bytes();
        if !chunk.windows(key.len()).any(|w| w == key) {
            return None;
        }
        #[derive(Deserialize)]
        struct Carrier {
            #[serde(rename = "amazon-bedrock-invocationMetrics")]
            metrics: InvocationMetrics,
        }
        serde_json::from_slice::<Carrier>(chunk)
            .ok()
            .map(|c| c.metrics)
    }

    /// The key Bedrock puts the metrics under.
    pub const KEY: &str = "amazon-bedrock-invocationMetrics";
}
