//! `Connector`: registry + backend + region + optional prompt history, with the raw
//! InvokeModelGeneric path and typed calls that go through the resolved adapter.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

use crate::adapter::RequestBody;
use crate::backend::{Backend, ChunkStream};
use crate::catalog::Region;
use crate::error::{Error, Result};
use crate::history::{NewPrompt, PromptHistory, PromptId, PromptOutcome};
use crate::model_id::ModelId;
use crate::model_io::{
    ChatRequest, EmbeddingOutput, EmbeddingRequest, ImageOutput, ImageRequest, ModelInput,
    ModelOutput, StreamEvent, TextOutput, TextRequest,
};
use crate::registry::{Registry, Resolved};
use crate::types::{
    InvokeModelGenericRequest, InvokeModelGenericResponse, InvokeOptions,
    ListFoundationModelsRequest, ListFoundationModelsResponse, ModelSummary, StreamChunk,
};

/// A stream of family-neutral events from a streamed typed call. Errors end the stream.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent>> + Send + 'static>>;

/// The result of a typed call: the parsed output plus the call's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The parsed output.
    pub output: ModelOutput,
    /// The saved prompt, when the call asked for it.
    pub prompt_id: Option<PromptId>,
    /// Input tokens, from the response headers.
    pub input_tokens: Option<u32>,
    /// Output tokens, from the response headers.
    pub output_tokens: Option<u32>,
    /// Invocation latency.
    pub latency: Duration,
    /// Request id.
    pub request_id: Option<String>,
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

    /// Whether a backend has been set.
    pub fn has_backend(&self) -> bool {
        self.backend.is_some()
    }

    /// Whether a registry has been set.
    pub fn has_registry(&self) -> bool {
        self.registry.is_some()
    }

    /// The region set so far, if any.
    pub fn region_or_default(&self) -> Region {
        self.region.unwrap_or(Region::UsEast1)
    }

    /// The connector; fails when no backend was set.
    pub fn build(self) -> Result<Connector> {
        let backend = self.backend.ok_or_else(|| {
            Error::invalid(
                "backend",
                "none",
                "a backend (AWS, the mock, or your own `Backend`)",
            )
        })?;
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

    /// A connector over `backend` with the adapters in `registry`, calling `region`.
    pub fn new(backend: Arc<dyn Backend>, registry: Arc<Registry>, region: Region) -> Self {
        Connector {
            backend,
            registry,
            region,
            history: None,
        }
    }

    /// Keeps saved prompts in `history`.
    pub fn with_history(mut self, history: Arc<dyn PromptHistory>) -> Self {
        self.history = Some(history);
        self
    }

    /// The default region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The backend.
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
        let prompt_id = if request.save_prompt {
            Some(self.save_prompt(&request, region, false).await?)
        } else {
            None
        };
        let model_id = request.model_id.clone();
        let backend_request = request.into_backend_request(region);
        let started = Instant::now();
        let result = self
            .backend
            .as_ref()
            .invoke_model(backend_request)
            .await
            .map_err(|e| e.with_call_context(Some(&model_id), Some(region)));
        let measured = started.elapsed();
        match result {
            Ok(resp) => {
                let latency = resp.latency.unwrap_or(measured);
                if let Some(id) = &prompt_id {
                    self.complete(
                        id,
                        PromptOutcome::Completed {
                            content_type: resp.content_type.clone(),
                            body: resp.body.clone(),
                            input_tokens: resp.input_tokens,
                            output_tokens: resp.output_tokens,
                            latency,
                        },
                    )
                    .await?;
                }
                Ok(InvokeModelGenericResponse {
                    content_type: resp.content_type,
                    body: resp.body,
                    prompt_id,
                    input_tokens: resp.input_tokens,
                    output_tokens: resp.output_tokens,
                    latency,
                    request_id: resp.request_id,
                })
            }
            Err(err) => {
                if let Some(id) = &prompt_id {
                    self.complete(
                        id,
                        PromptOutcome::Failed {
                            kind: err.kind(),
                            message: err.to_string(),
                        },
                    )
                    .await?;
                }
                Err(err)
            }
        }
    }

    /// InvokeModelWithResponseStream on a raw body. With `save_prompt`, the row is completed
    /// with the concatenated chunks (one JSON document per line) when the stream ends, or with
    /// the error that ended it.
    pub async fn invoke_model_generic_stream(
        &self,
        request: InvokeModelGenericRequest,
    ) -> Result<(Option<PromptId>, ChunkStream)> {
        let region = request.region.unwrap_or(self.region);
        let prompt_id = if request.save_prompt {
            Some(self.save_prompt(&request, region, true).await?)
        } else {
            None
        };
        let model_id = request.model_id.clone();
        let backend_request = request.into_backend_request(region);
        let started = Instant::now();
        let stream = match self
            .backend
            .as_ref()
            .invoke_model_stream(backend_request)
            .await
        {
            Ok(s) => s,
            Err(err) => {
                let err = err.with_call_context(Some(&model_id), Some(region));
                if let Some(id) = &prompt_id {
                    self.complete(
                        id,
                        PromptOutcome::Failed {
                            kind: err.kind(),
                            message: err.to_string(),
                        },
                    )
                    .await?;
                }
                return Err(err);
            }
        };
        let context = (model_id, region);
        let stream = stream.map(move |item| {
            item.map_err(|e| e.with_call_context(Some(&context.0), Some(context.1)))
        });
        let stream: ChunkStream = match (&prompt_id, &self.history) {
            (Some(id), Some(history)) => Box::pin(recording_stream(
                Box::pin(stream),
                Arc::clone(history),
                id.clone(),
                started,
            )),
            _ => Box::pin(stream),
        };
        Ok((prompt_id, stream))
    }

    /// Resolves the adapter and API that serve `model_id`.
    pub fn resolve(&self, model_id: &ModelId) -> Result<Resolved> {
        self.registry.resolve(model_id)
    }

    /// Builds the request body of a typed call without sending it (see [`Registry::build_body`]).
    pub fn build_body(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
    ) -> Result<(Resolved, RequestBody)> {
        self.registry.build_body(model_id, input)
    }

    /// A typed call: the adapter builds the body, the backend sends it, the adapter parses the
    /// answer. A registry miss or invalid input fails before anything is sent.
    pub async fn invoke(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<Invocation> {
        let (resolved, body) = self.build_body(model_id, input)?;
        let response = self
            .invoke_model_generic(InvokeModelGenericRequest::from_body(
                model_id.clone(),
                body,
                options,
            ))
            .await?;
        let output = resolved.adapter.parse_output(model_id, &response.body)?;
        Ok(Invocation {
            output,
            prompt_id: response.prompt_id,
            input_tokens: response.input_tokens,
            output_tokens: response.output_tokens,
            latency: response.latency,
            request_id: response.request_id,
        })
    }

    /// A streamed typed call (text or chat): events as they arrive.
    pub async fn invoke_stream(
        &self,
        model_id: &ModelId,
        input: &ModelInput,
        options: InvokeOptions,
    ) -> Result<InvocationStream> {
        let (resolved, body) = self.build_body(model_id, input)?;
        if !resolved.pattern.capabilities.streaming {
            return Err(Error::Unsupported {
                operation: "streaming".to_owned(),
                adapter: resolved.adapter.name().to_owned(),
                api: resolved.pattern.api.to_owned(),
                model_id: model_id.to_string(),
            });
        }
        let (prompt_id, chunks) = self
            .invoke_model_generic_stream(InvokeModelGenericRequest::from_body(
                model_id.clone(),
                body,
                options,
            ))
            .await?;
        let adapter = resolved.adapter;
        let model = model_id.clone();
        let events = chunks
            .map(move |chunk| match chunk {
                Ok(c) => adapter.parse_stream_chunk(&model, &c.bytes),
                Err(e) => Err(e),
            })
            .flat_map(|parsed: Result<Vec<StreamEvent>>| {
                let items: Vec<Result<StreamEvent>> = match parsed {
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

    async fn save_prompt(
        &self,
        request: &InvokeModelGenericRequest,
        region: Region,
        stream: bool,
    ) -> Result<PromptId> {
        let Some(history) = &self.history else {
            return Err(Error::invalid(
                "save_prompt",
                true,
                "false, unless the connector has a prompt history (Connector::with_history)",
            ));
        };
        history
            .save(NewPrompt {
                model_id: request.model_id.to_string(),
                region,
                content_type: request.content_type.clone(),
                accept: request.accept.clone(),
                body: request.body.clone(),
                stream,
            })
            .await
    }

    async fn complete(&self, id: &PromptId, outcome: PromptOutcome) -> Result<()> {
        match &self.history {
            Some(h) => h.complete(id, outcome).await,
            None => Ok(()),
        }
    }
}

struct Recording {
    inner: ChunkStream,
    history: Arc<dyn PromptHistory>,
    id: PromptId,
    started: Instant,
    collected: BytesMut,
    metrics: Option<crate::types::InvocationMetrics>,
    done: bool,
}

/// Passes chunks through and completes the history row when the stream ends or fails.
fn recording_stream(
    inner: ChunkStream,
    history: Arc<dyn PromptHistory>,
    id: PromptId,
    started: Instant,
) -> impl Stream<Item = Result<StreamChunk>> + Send + 'static {
    let state = Recording {
        inner,
        history,
        id,
        started,
        collected: BytesMut::new(),
        metrics: None,
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        match st.inner.next().await {
            Some(Ok(chunk)) => {
                if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&chunk.bytes)
                    && let Some(m) = crate::types::InvocationMetrics::from_chunk(&value)
                {
                    st.metrics = Some(m);
                }
                st.collected.extend_from_slice(&chunk.bytes);
                st.collected.extend_from_slice(b"\n");
                Some((Ok(chunk), st))
            }
            Some(Err(err)) => {
                st.done = true;
                let outcome = PromptOutcome::Failed {
                    kind: err.kind(),
                    message: err.to_string(),
                };
                let item = match st.history.complete(&st.id, outcome).await {
                    Ok(()) => Err(err),
                    Err(history_err) => Err(history_err),
                };
                Some((item, st))
            }
            None => {
                st.done = true;
                let body: Bytes = std::mem::take(&mut st.collected).freeze();
                let outcome = PromptOutcome::Completed {
                    content_type: "application/x-ndjson".to_owned(),
                    body,
                    input_tokens: st.metrics.map(|m| m.input_token_count),
                    output_tokens: st.metrics.map(|m| m.output_token_count),
                    latency: st.metrics.map_or_else(
                        || st.started.elapsed(),
                        |m| Duration::from_millis(m.invocation_latency),
                    ),
                };
                match st.history.complete(&st.id, outcome).await {
                    Ok(()) => None,
                    Err(e) => Some((Err(e), st)),
                }
            }
        }
    })
}
