//! `Connector`: registry + backend + region + optional prompt history, with the raw
//! InvokeModelGeneric path and typed calls. A typed call is prepared once (resolved, checked,
//! its body built) and sent through the same backend call as the raw path.

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};

use crate::backend::{Backend, ChunkStream};
use crate::catalog::Region;
use crate::converse::{
    ConverseCall, ConverseReply, ConverseRequest, ConverseStreamReply, ConverseTokensRequest,
    CountTokensCall, CountTokensInput, CountTokensRequest,
};
use crate::error::{Error, Result};
use crate::history::{PromptHistory, PromptId};
use crate::layers::{HistoryLayer, TracingLayer};
use crate::model_id::{ModelId, ModelIdKind};
use crate::model_io::{
    ChatRequest, EmbeddingOutput, EmbeddingRequest, ImageOutput, ImageRequest, ModelInput,
    ModelOutput, RerankOutput, RerankRequest, StreamEvent, TextOutput, TextRequest,
};
use crate::preflight::{Preflight, PreflightDecision, ProfileRouting};
use crate::profiles::{
    InferenceProfile, ListInferenceProfilesRequest, ListInferenceProfilesResponse,
    ProvisionedModelThroughput,
};
use crate::registry::{PreparedCall, Registry, Resolved};
use crate::types::{
    CallMetadata, InvokeModelGenericRequest, InvokeModelGenericResponse, InvokeModelRequest,
    InvokeOptions, ListFoundationModelsRequest, ListFoundationModelsResponse, ModelSummary,
};

/// A stream of family-neutral events from a streamed typed call. Errors end the stream.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent>> + Send + 'static>>;

/// The result of a typed call: the parsed output plus the call's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The parsed output.
    pub output: ModelOutput,
    /// Request id, latency, token counts and attempts, as the backend reported them.
    pub metadata: CallMetadata,
    /// The saved prompt, when the call asked for it.
    pub prompt_id: Option<PromptId>,
    /// Set when the model answered but the saved prompt's history row could not be completed.
    pub history_error: Option<String>,
}

/// A streamed call: the events, and the prompt id when the call asked for one.
pub struct InvocationStream {
    /// The saved prompt, when the call asked for it; completed when the stream ends.
    pub prompt_id: Option<PromptId>,
    /// The events.
    pub events: EventStream,
}

impl std::fmt::Debug for InvocationStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvocationStream")
            .field("prompt_id", &self.prompt_id)
            .finish_non_exhaustive()
    }
}

/// The entry point: resolves adapters, calls the backend, keeps the prompt history.
///
/// The backend it was built with is wrapped in a [`TracingLayer`] and, when a history is set,
/// a [`HistoryLayer`]; every call, raw or typed, whole or streamed, goes through them.
#[derive(Debug, Clone)]
pub struct Connector {
    backend: Arc<dyn Backend>,
    registry: Arc<Registry>,
    region: Region,
    history: Option<Arc<dyn PromptHistory>>,
    preflight: Preflight,
    /// Application inference profile and provisioned model ARNs already resolved to their
    /// foundation model.
    resolved_arns: Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
}

/// Builds a [`Connector`]; the backend is required, the rest has defaults (an empty registry,
/// `us-east-1`, no history).
#[derive(Debug, Default, Clone)]
pub struct ConnectorBuilder {
    backend: Option<Arc<dyn Backend>>,
    registry: Option<Arc<Registry>>,
    region: Option<Region>,
    history: Option<Arc<dyn PromptHistory>>,
    preflight: Preflight,
}

impl ConnectorBuilder {
    /// Sets the backend.
    pub fn backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Sets the adapter registry.
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Sets the default region.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Keeps saved prompts in `history`.
    pub fn history(mut self, history: Arc<dyn PromptHistory>) -> Self {
        self.history = Some(history);
        self
    }

    /// Turns the pre-flight check of model ids against the catalog on (the default) or off
    /// (for ids the catalog does not know yet); see [`Preflight`].
    pub fn preflight(mut self, enabled: bool) -> Self {
        self.preflight.enabled = enabled;
        self
    }

    /// What the pre-flight check does with a bare id served in the call's region only through
    /// an inference profile: fail with the fix ([`ProfileRouting::Manual`], the default) or send
    /// it through the best profile for the region.
    pub fn profile_routing(mut self, routing: ProfileRouting) -> Self {
        self.preflight.routing = routing;
        self
    }

    /// Today's date (`YYYY-MM-DD`) for the pre-flight check: models past their end of life
    /// then fail locally, naming their successor.
    pub fn preflight_date(mut self, today: impl Into<String>) -> Self {
        self.preflight.today = Some(today.into());
        self
    }

    /// The connector; fails when no backend was set.
    pub fn build(self) -> Result<Connector> {
        let backend = self.backend.ok_or_else(|| {
            Error::invalid(
                "backend",
                "none",
                "a backend (AWS, the simulator, or your own `Backend`)",
            )
        })?;
        let traced = TracingLayer::new(backend);
        let backend: Arc<dyn Backend> = match &self.history {
            Some(history) => Arc::new(HistoryLayer::new(traced, Arc::clone(history))),
            None => Arc::new(traced),
        };
        Ok(Connector {
            backend,
            registry: self.registry.unwrap_or_default(),
            region: self.region.unwrap_or(Region::UsEast1),
            history: self.history,
            preflight: self.preflight,
            resolved_arns: Arc::default(),
        })
    }
}

impl Connector {
    /// A builder.
    pub fn builder() -> ConnectorBuilder {
        ConnectorBuilder::default()
    }

    /// The default region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The backend, with the connector's layers around it.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// The prompt history, when one is set.
    pub fn history(&self) -> Option<&Arc<dyn PromptHistory>> {
        self.history.as_ref()
    }

    /// ListFoundationModels with filters.
    pub async fn list_foundation_models(
        &self,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let region = request.region.unwrap_or(self.region);
        self.backend
            .as_ref()
            .list_foundation_models(region, request)
            .await
            .map_err(|e| e.with_call_context(None, Some(region)))
    }

    /// GetFoundationModel.
    pub async fn get_foundation_model(&self, model_id: &ModelId) -> Result<ModelSummary> {
        self.backend
            .as_ref()
            .get_foundation_model(self.region, model_id)
            .await
            .map_err(|e| e.with_call_context(Some(model_id), Some(self.region)))
    }

    /// InvokeModelGeneric: sends the body unchanged. With `save_prompt`, the prompt is saved
    /// (pending) before the call and completed with the response or the error after it.
    pub async fn invoke_model_generic(
        &self,
        request: InvokeModelGenericRequest,
    ) -> Result<InvokeModelGenericResponse> {
        let region = request.region.unwrap_or(self.region);
        self.send_request(request.into_backend_request(region))
            .await
    }

    /// InvokeModelWithResponseStream on a raw body. With `save_prompt`, the row is completed
    /// with the concatenated chunks (one JSON document per line) when the stream ends, or with
    /// the error that ended it.
    pub async fn invoke_model_generic_stream(
        &self,
        request: InvokeModelGenericRequest,
    ) -> Result<(Option<PromptId>, ChunkStream)> {
        let region = request.region.unwrap_or(self.region);
        self.send_stream_request(request.into_backend_request(region))
            .await
    }

    /// Resolves the adapter and route that serve `model_id`.
    pub fn resolve(&self, model_id: &ModelId) -> Result<Resolved> {
        self.registry.resolve(model_id)
    }

    /// Prepares a typed call without sending it (see [`Registry::prepare`]).
    pub fn prepare(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<PreparedCall> {
        self.registry.prepare(model_id, input, options)
    }

    /// Sends a prepared call and lets its adapter parse the answer.
    pub async fn send(&self, call: PreparedCall) -> Result<Invocation> {
        let region = call.options.region.unwrap_or(self.region);
        let response = self.send_request(call.request(region)).await?;
        let Resolved { adapter, route } = call.resolved;
        let output = adapter
            .parse_output(&route, &response.body)
            .and_then(ModelOutput::checked)
            .map_err(|e| e.with_call_context(Some(&route.model_id), Some(region)))?;
        Ok(Invocation {
            output,
            metadata: response.metadata,
            prompt_id: response.prompt_id,
            history_error: response.history_error,
        })
    }

    /// Sends a prepared call as a stream; its adapter parses each chunk into events.
    pub async fn send_stream(&self, call: PreparedCall) -> Result<InvocationStream> {
        call.check_streaming()?;
        let region = call.options.region.unwrap_or(self.region);
        let (prompt_id, chunks) = self.send_stream_request(call.request(region)).await?;
        let Resolved { adapter, route } = call.resolved;
        let events = chunks.flat_map(move |chunk| {
            let items: Vec<Result<StreamEvent>> =
                match chunk.and_then(|c| adapter.parse_stream_chunk(&route, &c.bytes)) {
                    Ok(events) => events.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                };
            futures::stream::iter(items)
        });
        Ok(InvocationStream {
            prompt_id,
            events: Box::pin(events),
        })
    }

    /// A typed call: prepared once, sent, parsed. A registry miss or invalid input fails before
    /// anything is sent. An application inference profile ARN is first resolved to its model
    /// (GetInferenceProfile, once per ARN), and a provisioned model ARN likewise
    /// (GetProvisionedModelThroughput), so the model's adapter builds the body.
    pub async fn invoke(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<Invocation> {
        let call = self.prepare_resolving(model_id, input, options).await?;
        self.send(call).await
    }

    /// Like [`Connector::prepare`], resolving an application inference profile or provisioned
    /// model ARN first.
    async fn prepare_resolving(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<PreparedCall> {
        if model_id.base_model_id().is_some() {
            return self.prepare(model_id, input, options);
        }
        let region = options.region.unwrap_or(self.region);
        let base = if is_application_profile(model_id) {
            self.application_profile_model(model_id, region).await?
        } else if is_provisioned_model(model_id) {
            self.provisioned_model(model_id, region).await?
        } else {
            return self.prepare(model_id, input, options);
        };
        self.registry.prepare_as(model_id, &base, input, options)
    }

    /// The foundation model a provisioned model ARN serves, from GetProvisionedModelThroughput
    /// (`foundationModelArn`); the answer is kept for the connector's life.
    pub async fn provisioned_model(&self, model_id: &ModelId, region: Region) -> Result<String> {
        if let Some(base) = self.cached_resolution(model_id) {
            return Ok(base);
        }
        let provisioned = self
            .backend
            .get_provisioned_model_throughput(region, model_id.as_str())
            .await
            .map_err(|e| e.with_call_context(Some(model_id), Some(region)))?;
        let base = provisioned.foundation_model_id().ok_or_else(|| {
            Error::decode(format!(
                "GetProvisionedModelThroughput for `{model_id}` named no foundation model \
                 (foundationModelArn `{}`)",
                provisioned.foundation_model_arn
            ))
        })?;
        self.resolved_arns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(model_id.as_str().to_owned(), base.clone());
        Ok(base)
    }

    /// The model an ARN was already resolved to, if it was.
    fn cached_resolution(&self, model_id: &ModelId) -> Option<String> {
        self.resolved_arns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(model_id.as_str())
            .cloned()
    }

    /// The foundation model an application inference profile ARN routes to, from
    /// GetInferenceProfile; the answer is kept for the connector's life.
    pub async fn application_profile_model(
        &self,
        model_id: &ModelId,
        region: Region,
    ) -> Result<String> {
        if let Some(base) = self.cached_resolution(model_id) {
            return Ok(base);
        }
        let profile = self
            .backend
            .get_inference_profile(region, model_id.as_str())
            .await
            .map_err(|e| e.with_call_context(Some(model_id), Some(region)))?;
        let base = profile.model_ids().into_iter().next().ok_or_else(|| {
            Error::decode(format!(
                "GetInferenceProfile for `{model_id}` named no foundation model"
            ))
        })?;
        self.resolved_arns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(model_id.as_str().to_owned(), base.clone());
        Ok(base)
    }

    /// ListInferenceProfiles, every page.
    pub async fn list_inference_profiles(
        &self,
        request: &ListInferenceProfilesRequest,
    ) -> Result<ListInferenceProfilesResponse> {
        let region = request.region.unwrap_or(self.region);
        self.backend
            .list_inference_profiles(region, request)
            .await
            .map_err(|e| e.with_call_context(None, Some(region)))
    }

    /// GetProvisionedModelThroughput: a provisioned model's name or ARN.
    pub async fn get_provisioned_model_throughput(
        &self,
        identifier: &str,
    ) -> Result<ProvisionedModelThroughput> {
        self.backend
            .get_provisioned_model_throughput(self.region, identifier)
            .await
            .map_err(|e| e.with_call_context(None, Some(self.region)))
    }

    /// GetInferenceProfile: a profile id or ARN.
    pub async fn get_inference_profile(&self, identifier: &str) -> Result<InferenceProfile> {
        self.backend
            .get_inference_profile(self.region, identifier)
            .await
            .map_err(|e| e.with_call_context(None, Some(self.region)))
    }

    /// The pre-flight check's settings.
    pub fn preflight_settings(&self) -> &Preflight {
        &self.preflight
    }

    /// Runs the pre-flight check on a request: routes it through a profile, or fails before
    /// anything is sent.
    fn preflight(&self, mut request: InvokeModelRequest) -> Result<InvokeModelRequest> {
        request.model_id = self.preflight_model(&request.model_id, request.region)?;
        Ok(request)
    }

    /// The id a call to `model_id` in `region` is sent with: as given, or the profile that
    /// automatic routing picked; or the pre-flight failure.
    fn preflight_model(&self, model_id: &ModelId, region: Region) -> Result<ModelId> {
        Ok(match self.preflight.check(model_id, region)? {
            PreflightDecision::Send => model_id.clone(),
            PreflightDecision::Route(profile) => profile,
        })
    }

    /// A streamed typed call (text or chat): events as they arrive.
    pub async fn invoke_stream(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<InvocationStream> {
        let call = self.prepare_resolving(model_id, input, options).await?;
        self.send_stream(call).await
    }

    /// A typed call with default options, returning only the parsed output.
    async fn invoke_output(&self, model_id: &ModelId, input: ModelInput) -> Result<ModelOutput> {
        Ok(self
            .invoke(model_id, &input, InvokeOptions::default())
            .await?
            .output)
    }

    /// Text generation from one prompt.
    pub async fn generate_text(
        &self,
        model_id: &ModelId,
        request: TextRequest,
    ) -> Result<TextOutput> {
        self.invoke_output(model_id, ModelInput::Text(request))
            .await?
            .into_text()
    }

    /// A chat turn.
    pub async fn chat(&self, model_id: &ModelId, request: ChatRequest) -> Result<TextOutput> {
        self.invoke_output(model_id, ModelInput::Chat(request))
            .await?
            .into_text()
    }

    /// Streams text generation; events arrive as the model produces them.
    pub async fn stream_text(
        &self,
        model_id: &ModelId,
        request: TextRequest,
    ) -> Result<EventStream> {
        Ok(self
            .invoke_stream(
                model_id,
                &ModelInput::Text(request),
                InvokeOptions::default(),
            )
            .await?
            .events)
    }

    /// An embedding of one text.
    pub async fn embed(
        &self,
        model_id: &ModelId,
        request: EmbeddingRequest,
    ) -> Result<EmbeddingOutput> {
        self.invoke_output(model_id, ModelInput::Embedding(request))
            .await?
            .into_embedding()
    }

    /// Documents ranked by relevance to a query, most relevant first.
    pub async fn rerank(&self, model_id: &ModelId, request: RerankRequest) -> Result<RerankOutput> {
        self.invoke_output(model_id, ModelInput::Rerank(request))
            .await?
            .into_rerank()
    }

    /// Image generation.
    pub async fn generate_image(
        &self,
        model_id: &ModelId,
        request: ImageRequest,
    ) -> Result<ImageOutput> {
        self.invoke_output(model_id, ModelInput::Image(request))
            .await?
            .into_images()
    }

    /// The one place a whole call reaches the backend.
    async fn send_request(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelGenericResponse> {
        self.check_history(&request)?;
        let request = self.preflight(request)?;
        let (model_id, region) = (request.model_id.clone(), request.region);
        self.backend
            .invoke_model(request)
            .await
            .map_err(|e| e.with_call_context(Some(&model_id), Some(region)))
    }

    /// The one place a streamed call reaches the backend.
    async fn send_stream_request(
        &self,
        request: InvokeModelRequest,
    ) -> Result<(Option<PromptId>, ChunkStream)> {
        self.check_history(&request)?;
        let request = self.preflight(request)?;
        let (model_id, region) = (request.model_id.clone(), request.region);
        let response = self
            .backend
            .invoke_model_stream(request)
            .await
            .map_err(|e| e.with_call_context(Some(&model_id), Some(region)))?;
        let chunks = response
            .chunks
            .map(move |item| item.map_err(|e| e.with_call_context(Some(&model_id), Some(region))));
        Ok((response.prompt_id, Box::pin(chunks)))
    }

    /// A Converse call to `model_id` in the connector's region, saving nothing; set its fields
    /// (`save_prompt`, `conversation_id`, `region`) before sending it with
    /// [`Connector::send_converse`].
    pub fn converse_call(&self, model_id: &ModelId, request: ConverseRequest) -> ConverseCall {
        ConverseCall::new(model_id.clone(), self.region, request)
    }

    /// Converse: one message format for every chat model. The request is checked locally
    /// first ([`ConverseRequest::validate`]); what depends on the model (whether it takes tools,
    /// images, documents, reasoning) is Bedrock's to answer.
    pub async fn converse(
        &self,
        model_id: &ModelId,
        request: ConverseRequest,
    ) -> Result<ConverseReply> {
        self.send_converse(self.converse_call(model_id, request))
            .await
    }

    /// ConverseStream (see [`Connector::converse`]).
    pub async fn converse_stream(
        &self,
        model_id: &ModelId,
        request: ConverseRequest,
    ) -> Result<ConverseStreamReply> {
        self.send_converse_stream(self.converse_call(model_id, request))
            .await
    }

    /// Sends a Converse call: the one place Converse reaches the backend.
    pub async fn send_converse(&self, mut call: ConverseCall) -> Result<ConverseReply> {
        call.request.validate()?;
        self.check_save(call.save_prompt)?;
        call.model_id = self.preflight_model(&call.model_id, call.region)?;
        let (model_id, region) = (call.model_id.clone(), call.region);
        self.backend
            .converse(call)
            .await
            .map_err(|e| e.with_call_context(Some(&model_id), Some(region)))
    }

    /// Sends a ConverseStream call; failures mid-stream carry the model and region too.
    pub async fn send_converse_stream(
        &self,
        mut call: ConverseCall,
    ) -> Result<ConverseStreamReply> {
        call.request.validate()?;
        self.check_save(call.save_prompt)?;
        call.model_id = self.preflight_model(&call.model_id, call.region)?;
        let (model_id, region) = (call.model_id.clone(), call.region);
        let mut reply = self
            .backend
            .converse_stream(call)
            .await
            .map_err(|e| e.with_call_context(Some(&model_id), Some(region)))?;
        let events = reply
            .events
            .map(move |item| item.map_err(|e| e.with_call_context(Some(&model_id), Some(region))));
        reply.events = Box::pin(events);
        Ok(reply)
    }

    /// CountTokens: how many input tokens a Converse request would use with `model_id`.
    pub async fn count_tokens(&self, model_id: &ModelId, request: &ConverseRequest) -> Result<u32> {
        request.validate()?;
        // No pre-flight check: CountTokens takes the foundation model's bare id even where
        // InvokeModel and Converse need an inference profile.
        let call = CountTokensCall {
            model_id: model_id.clone(),
            region: self.region,
            request: CountTokensRequest {
                input: CountTokensInput::Converse(ConverseTokensRequest {
                    messages: request.messages.clone(),
                    system: request.system.clone(),
                }),
            },
        };
        self.backend
            .count_tokens(call)
            .await
            .map(|r| r.input_tokens)
            .map_err(|e| e.with_call_context(Some(model_id), Some(self.region)))
    }

    /// `save_prompt` needs a history to save to; without one the call fails before sending.
    fn check_history(&self, request: &InvokeModelRequest) -> Result<()> {
        self.check_save(request.save_prompt)
    }

    fn check_save(&self, save_prompt: bool) -> Result<()> {
        if save_prompt && self.history.is_none() {
            return Err(Error::invalid(
                "save_prompt",
                true,
                "false, unless the connector has a prompt history (ConnectorBuilder::history)",
            ));
        }
        Ok(())
    }
}

/// Whether `model_id` is an application inference profile ARN.
fn is_application_profile(model_id: &ModelId) -> bool {
    model_id.kind() == ModelIdKind::OtherArn
        && model_id
            .as_str()
            .contains(":application-inference-profile/")
}

/// Whether `model_id` is a provisioned model ARN (`...:provisioned-model/ID`).
fn is_provisioned_model(model_id: &ModelId) -> bool {
    model_id.kind() == ModelIdKind::OtherArn && model_id.as_str().contains(":provisioned-model/")
}
