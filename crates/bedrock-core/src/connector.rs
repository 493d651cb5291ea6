//! `Connector`: registry + backend + region + optional prompt history, with the raw
//! InvokeModelGeneric path and typed calls. A typed call is prepared once (resolved, checked,
//! its body built) and sent through the same backend call as the raw path.

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};

use crate::backend::{Backend, ChunkStream};
use crate::catalog::Region;
use crate::error::{Error, Result};
use crate::history::{PromptHistory, PromptId};
use crate::layers::{HistoryLayer, TracingLayer};
use crate::model_id::ModelId;
use crate::model_io::{
    ChatRequest, EmbeddingOutput, EmbeddingRequest, ImageOutput, ImageRequest, ModelInput,
    ModelOutput, StreamEvent, TextOutput, TextRequest,
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
}

/// Builds a [`Connector`]; the backend is required, the rest has defaults (an empty registry,
/// `us-east-1`, no history).
#[derive(Debug, Default, Clone)]
pub struct ConnectorBuilder {
    backend: Option<Arc<dyn Backend>>,
    registry: Option<Arc<Registry>>,
    region: Option<Region>,
    history: Option<Arc<dyn PromptHistory>>,
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
    /// anything is sent.
    pub async fn invoke(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<Invocation> {
        self.send(self.prepare(model_id, input, options)?).await
    }

    /// A streamed typed call (text or chat): events as they arrive.
    pub async fn invoke_stream(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<InvocationStream> {
        self.send_stream(self.prepare(model_id, input, options)?)
            .await
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

    /// `save_prompt` needs a history to save to; without one the call fails before sending.
    fn check_history(&self, request: &InvokeModelRequest) -> Result<()> {
        if request.save_prompt && self.history.is_none() {
            return Err(Error::invalid(
                "save_prompt",
                true,
                "false, unless the connector has a prompt history (ConnectorBuilder::history)",
            ));
        }
        Ok(())
    }
}
