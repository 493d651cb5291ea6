//! Cross-cutting behaviour as wrappers around a [`Backend`]: prompt history and tracing.
//!
//! A [`Connector`](crate::Connector) stacks them as `HistoryLayer(TracingLayer(backend))`: the
//! tracing span measures the backend's call alone, and the history row is saved before that call
//! starts and completed after it ends. Any other `Backend` (your own, or a mock) gets the same
//! behaviour by being wrapped the same way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures::StreamExt;
use tracing::Instrument as _;

use crate::backend::{Backend, ChunkStream, InvokeModelStreamResponse};
use crate::catalog::Region;
use crate::error::{Error, Result};
use crate::history::{NewPrompt, PromptHistory, PromptId, PromptOutcome};
use crate::model_id::ModelId;
use crate::types::{
    InvocationMetrics, InvokeModelRequest, InvokeModelResponse, ListFoundationModelsRequest,
    ListFoundationModelsResponse, ModelSummary,
};

/// Saves prompts of calls that ask for it (`save_prompt`) before they are sent, and completes
/// each row with the answer or the error.
///
/// Nothing is lost: a call whose prompt cannot be saved is not sent; a call that fails leaves a
/// `failed` row; a call whose answer arrives but whose row cannot be completed still returns the
/// answer, with [`InvokeModelResponse::history_error`] saying why the row is incomplete. A
/// stream's row is completed when the stream ends, with the chunks as JSON lines.
#[derive(Debug, Clone)]
pub struct HistoryLayer<B> {
    inner: B,
    history: Arc<dyn PromptHistory>,
}

impl<B: Backend> HistoryLayer<B> {
    /// Wraps `inner`, keeping saved prompts in `history`.
    pub fn new(inner: B, history: Arc<dyn PromptHistory>) -> Self {
        HistoryLayer { inner, history }
    }

    /// The prompt history.
    pub fn history(&self) -> &Arc<dyn PromptHistory> {
        &self.history
    }

    async fn save(&self, request: &InvokeModelRequest, stream: bool) -> Result<Option<PromptId>> {
        if !request.save_prompt {
            return Ok(None);
        }
        let prompt = NewPrompt {
            model_id: request.model_id.to_string(),
            region: request.region,
            content_type: request.content_type.clone(),
            accept: request.accept.clone(),
            body: request.body.clone(),
            stream,
        };
        self.history.save(prompt).await.map(Some)
    }
}

fn failed(err: &Error) -> PromptOutcome {
    PromptOutcome::Failed {
        kind: err.kind(),
        message: err.to_string(),
    }
}

#[async_trait::async_trait]
impl<B: Backend> Backend for HistoryLayer<B> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        self.inner.list_foundation_models(region, request).await
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        self.inner.get_foundation_model(region, model_id).await
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let Some(id) = self.save(&request, false).await? else {
            return self.inner.invoke_model(request).await;
        };
        match self.inner.invoke_model(request).await {
            Ok(mut response) => {
                let outcome = PromptOutcome::Completed {
                    content_type: response.content_type.clone(),
                    body: response.body.clone(),
                    input_tokens: response.metadata.input_tokens,
                    output_tokens: response.metadata.output_tokens,
                    latency: response.metadata.latency,
                };
                if let Err(e) = self.history.complete(&id, outcome).await {
                    tracing::warn!(prompt_id = %id, error = %e, "the answer arrived but its history row could not be completed");
                    response.history_error = Some(e.to_string());
                }
                response.prompt_id = Some(id);
                Ok(response)
            }
            Err(err) => {
                if let Err(e) = self.history.complete(&id, failed(&err)).await {
                    tracing::warn!(prompt_id = %id, error = %e, "the call failed and its history row could not be completed");
                }
                Err(err)
            }
        }
    }

    async fn invoke_model_stream(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        let Some(id) = self.save(&request, true).await? else {
            return self.inner.invoke_model_stream(request).await;
        };
        let started = Instant::now();
        match self.inner.invoke_model_stream(request).await {
            Ok(response) => Ok(InvokeModelStreamResponse {
                chunks: recording_stream(
                    response.chunks,
                    Arc::clone(&self.history),
                    id.clone(),
                    started,
                ),
                prompt_id: Some(id),
            }),
            Err(err) => {
                if let Err(e) = self.history.complete(&id, failed(&err)).await {
                    tracing::warn!(prompt_id = %id, error = %e, "the call failed and its history row could not be completed");
                }
                Err(err)
            }
        }
    }
}

/// What a recorded stream has seen so far.
struct StreamRecord {
    inner: ChunkStream,
    history: Arc<dyn PromptHistory>,
    id: PromptId,
    started: Instant,
    collected: BytesMut,
    metrics: Option<InvocationMetrics>,
    done: bool,
}

/// Passes chunks through and completes the history row when the stream ends or fails. A row
/// that cannot be completed after the last chunk adds one `History` error item at the end; the
/// chunks before it were all delivered.
fn recording_stream(
    inner: ChunkStream,
    history: Arc<dyn PromptHistory>,
    id: PromptId,
    started: Instant,
) -> ChunkStream {
    let state = StreamRecord {
        inner,
        history,
        id,
        started,
        collected: BytesMut::new(),
        metrics: None,
        done: false,
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        match st.inner.next().await {
            Some(Ok(chunk)) => {
                if let Some(m) = InvocationMetrics::from_chunk_bytes(&chunk.bytes) {
                    st.metrics = Some(m);
                }
                st.collected.extend_from_slice(&chunk.bytes);
                st.collected.extend_from_slice(b"\n");
                Some((Ok(chunk), st))
            }
            Some(Err(err)) => {
                st.done = true;
                if let Err(e) = st.history.complete(&st.id, failed(&err)).await {
                    tracing::warn!(prompt_id = %st.id, error = %e, "the stream failed and its history row could not be completed");
                }
                Some((Err(err), st))
            }
            None => {
                st.done = true;
                let outcome = PromptOutcome::Completed {
                    content_type: "application/x-ndjson".to_owned(),
                    body: std::mem::take(&mut st.collected).freeze(),
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
    }))
}

/// One `bedrock` span per call, at INFO level: operation, model id and region when it starts;
/// request id, attempts, latency, token counts or the error kind when it ends. The backend's
/// own spans and events (the AWS SDK's, for example) nest under it. Bodies, prompts,
/// credentials and signatures are never recorded.
#[derive(Debug, Clone)]
pub struct TracingLayer<B> {
    inner: B,
}

impl<B: Backend> TracingLayer<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> Self {
        TracingLayer { inner }
    }
}

fn call_span(operation: &'static str, model_id: Option<&ModelId>, region: Region) -> tracing::Span {
    tracing::info_span!(
        "bedrock",
        operation,
        model_id = model_id.map(ModelId::as_str),
        region = region.as_str(),
        request_id = tracing::field::Empty,
        attempts = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        input_tokens = tracing::field::Empty,
        output_tokens = tracing::field::Empty,
        error_kind = tracing::field::Empty,
    )
}

fn record_error(span: &tracing::Span, err: &Error) {
    span.record("error_kind", err.kind().as_str());
    if let Some(id) = err.request_id() {
        span.record("request_id", id);
    }
    if let Some(n) = err.attempts() {
        span.record("attempts", n);
    }
    tracing::debug!(parent: span, retryable = err.is_retryable(), "call failed");
}

fn record_result<T>(span: &tracing::Span, started: Instant, result: &Result<T>) {
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    match result {
        Ok(_) => tracing::debug!(parent: span, "call succeeded"),
        Err(e) => record_error(span, e),
    }
}

#[async_trait::async_trait]
impl<B: Backend> Backend for TracingLayer<B> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let span = call_span("ListFoundationModels", None, region);
        let started = Instant::now();
        let result = self
            .inner
            .list_foundation_models(region, request)
            .instrument(span.clone())
            .await;
        record_result(&span, started, &result);
        result
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        let span = call_span("GetFoundationModel", Some(model_id), region);
        let started = Instant::now();
        let result = self
            .inner
            .get_foundation_model(region, model_id)
            .instrument(span.clone())
            .await;
        record_result(&span, started, &result);
        result
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let span = call_span("InvokeModel", Some(&request.model_id), request.region);
        let started = Instant::now();
        let result = self
            .inner
            .invoke_model(request)
            .instrument(span.clone())
            .await;
        if let Ok(response) = &result {
            let m = &response.metadata;
            if let Some(id) = &m.request_id {
                span.record("request_id", id.as_str());
            }
            if let Some(n) = m.attempts {
                span.record("attempts", n);
            }
            if let Some(n) = m.input_tokens {
                span.record("input_tokens", n);
            }
            if let Some(n) = m.output_tokens {
                span.record("output_tokens", n);
            }
        }
        record_result(&span, started, &result);
        result
    }

    async fn invoke_model_stream(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        let span = call_span(
            "InvokeModelWithResponseStream",
            Some(&request.model_id),
            request.region,
        );
        let started = Instant::now();
        let opened = self
            .inner
            .invoke_model_stream(request)
            .instrument(span.clone())
            .await;
        let mut response = match opened {
            Ok(r) => r,
            Err(e) => {
                span.record("latency_ms", started.elapsed().as_millis() as u64);
                record_error(&span, &e);
                return Err(e);
            }
        };
        // The span lasts as long as the stream: chunk-level events nest under it, and the last
        // chunk's invocation metrics and any mid-stream error are recorded on it.
        let chunks = std::mem::replace(&mut response.chunks, Box::pin(futures::stream::empty()));
        response.chunks = Box::pin(chunks.map(move |item| {
            let _enter = span.enter();
            match &item {
                Ok(chunk) => {
                    if let Some(m) = InvocationMetrics::from_chunk_bytes(&chunk.bytes) {
                        span.record("input_tokens", m.input_token_count);
                        span.record("output_tokens", m.output_token_count);
                        span.record("latency_ms", m.invocation_latency);
                    }
                }
                Err(e) => record_error(&span, e),
            }
            item
        }));
        Ok(response)
    }
}
