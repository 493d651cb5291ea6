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
use crate::batch::{
    AsyncInvoke, CreateModelInvocationJobRequest, ListAsyncInvokesRequest,
    ListAsyncInvokesResponse, ListModelInvocationJobsRequest, ListModelInvocationJobsResponse,
    ModelInvocationJob, StartAsyncInvokeRequest,
};
use crate::catalog::Region;
use crate::converse::{
    ConverseAccumulator, ConverseCall, ConverseEventStream, ConverseReply, ConverseStreamEvent,
    ConverseStreamReply, CountTokensCall, CountTokensResponse,
};
use crate::error::{Error, Result};
use crate::history::{NewPrompt, PromptHistory, PromptId, PromptOutcome};
use crate::model_id::ModelId;
use crate::profiles::{
    InferenceProfile, ListInferenceProfilesRequest, ListInferenceProfilesResponse,
    ProvisionedModelThroughput,
};
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
            conversation_id: None,
        };
        self.history.save(prompt).await.map(Some)
    }

    async fn save_turn(&self, call: &ConverseCall, stream: bool) -> Result<Option<PromptId>> {
        if !call.save_prompt {
            return Ok(None);
        }
        let prompt = NewPrompt {
            model_id: call.model_id.to_string(),
            region: call.region,
            content_type: "application/json".to_owned(),
            accept: "application/json".to_owned(),
            body: call.request.to_json()?.into(),
            stream,
            conversation_id: call.conversation_id.clone(),
        };
        self.history.save(prompt).await.map(Some)
    }

    async fn fail_row(&self, id: &PromptId, err: &Error) {
        if let Err(e) = self.history.complete(id, failed(err)).await {
            tracing::warn!(prompt_id = %id, error = %e, "the call failed and its history row could not be completed");
        }
    }
}

/// A Converse answer as a history row: the response body and its usage.
fn converse_outcome(response: &crate::converse::ConverseResponse) -> PromptOutcome {
    PromptOutcome::Completed {
        content_type: "application/json".to_owned(),
        body: serde_json::to_vec(response).unwrap_or_default().into(),
        input_tokens: Some(response.usage.input_tokens),
        output_tokens: Some(response.usage.output_tokens),
        latency: Duration::from_millis(response.metrics.latency_ms),
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

    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        let Some(id) = self.save_turn(&call, false).await? else {
            return self.inner.converse(call).await;
        };
        match self.inner.converse(call).await {
            Ok(mut reply) => {
                if let Err(e) = self
                    .history
                    .complete(&id, converse_outcome(&reply.response))
                    .await
                {
                    tracing::warn!(prompt_id = %id, error = %e, "the answer arrived but its history row could not be completed");
                    reply.history_error = Some(e.to_string());
                }
                reply.prompt_id = Some(id);
                Ok(reply)
            }
            Err(err) => {
                self.fail_row(&id, &err).await;
                Err(err)
            }
        }
    }

    async fn converse_stream(&self, call: ConverseCall) -> Result<ConverseStreamReply> {
        let Some(id) = self.save_turn(&call, true).await? else {
            return self.inner.converse_stream(call).await;
        };
        match self.inner.converse_stream(call).await {
            Ok(reply) => Ok(ConverseStreamReply {
                events: recording_events(reply.events, Arc::clone(&self.history), id.clone()),
                request_id: reply.request_id,
                prompt_id: Some(id),
            }),
            Err(err) => {
                self.fail_row(&id, &err).await;
                Err(err)
            }
        }
    }

    async fn count_tokens(&self, call: CountTokensCall) -> Result<CountTokensResponse> {
        self.inner.count_tokens(call).await
    }

    async fn list_inference_profiles(
        &self,
        region: Region,
        request: &ListInferenceProfilesRequest,
    ) -> Result<ListInferenceProfilesResponse> {
        self.inner.list_inference_profiles(region, request).await
    }

    async fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<InferenceProfile> {
        self.inner.get_inference_profile(region, identifier).await
    }

    async fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<ProvisionedModelThroughput> {
        self.inner
            .get_provisioned_model_throughput(region, identifier)
            .await
    }

    async fn create_model_invocation_job(
        &self,
        region: Region,
        request: &CreateModelInvocationJobRequest,
    ) -> Result<String> {
        self.inner
            .create_model_invocation_job(region, request)
            .await
    }

    async fn get_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<ModelInvocationJob> {
        self.inner
            .get_model_invocation_job(region, job_identifier)
            .await
    }

    async fn list_model_invocation_jobs(
        &self,
        region: Region,
        request: &ListModelInvocationJobsRequest,
    ) -> Result<ListModelInvocationJobsResponse> {
        self.inner.list_model_invocation_jobs(region, request).await
    }

    async fn stop_model_invocation_job(&self, region: Region, job_identifier: &str) -> Result<()> {
        self.inner
            .stop_model_invocation_job(region, job_identifier)
            .await
    }

    async fn start_async_invoke(
        &self,
        region: Region,
        request: &StartAsyncInvokeRequest,
    ) -> Result<String> {
        self.inner.start_async_invoke(region, request).await
    }

    async fn get_async_invoke(&self, region: Region, invocation_arn: &str) -> Result<AsyncInvoke> {
        self.inner.get_async_invoke(region, invocation_arn).await
    }

    async fn list_async_invokes(
        &self,
        region: Region,
        request: &ListAsyncInvokesRequest,
    ) -> Result<ListAsyncInvokesResponse> {
        self.inner.list_async_invokes(region, request).await
    }
}

/// Passes ConverseStream events through and completes the history row with the whole response
/// (as Converse would have answered) when the stream ends, or with the error that ended it.
fn recording_events(
    inner: ConverseEventStream,
    history: Arc<dyn PromptHistory>,
    id: PromptId,
) -> ConverseEventStream {
    struct State {
        inner: ConverseEventStream,
        history: Arc<dyn PromptHistory>,
        id: PromptId,
        acc: Option<ConverseAccumulator>,
    }
    let state = State {
        inner,
        history,
        id,
        acc: Some(ConverseAccumulator::new()),
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        let acc = st.acc.as_mut()?;
        match st.inner.next().await {
            Some(Ok(event)) => match acc.push(&event) {
                Ok(()) => Some((Ok(event), st)),
                Err(err) => {
                    st.acc = None;
                    let _ = st.history.complete(&st.id, failed(&err)).await;
                    Some((Err(err), st))
                }
            },
            Some(Err(err)) => {
                st.acc = None;
                if let Err(e) = st.history.complete(&st.id, failed(&err)).await {
                    tracing::warn!(prompt_id = %st.id, error = %e, "the stream failed and its history row could not be completed");
                }
                Some((Err(err), st))
            }
            None => {
                let acc = st.acc.take()?;
                let outcome = match acc.finish() {
                    Ok(response) => converse_outcome(&response),
                    Err(err) => failed(&err),
                };
                match st.history.complete(&st.id, outcome).await {
                    Ok(()) => None,
                    Err(e) => Some((Err(e), st)),
                }
            }
        }
    }))
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
        traced(span, self.inner.list_foundation_models(region, request)).await
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        let span = call_span("GetFoundationModel", Some(model_id), region);
        traced(span, self.inner.get_foundation_model(region, model_id)).await
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
            record_metadata(&span, &response.metadata);
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

    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        let span = call_span("Converse", Some(&call.model_id), call.region);
        let started = Instant::now();
        let result = self.inner.converse(call).instrument(span.clone()).await;
        if let Ok(reply) = &result {
            record_metadata(&span, &reply.metadata);
        }
        record_result(&span, started, &result);
        result
    }

    async fn converse_stream(&self, call: ConverseCall) -> Result<ConverseStreamReply> {
        let span = call_span("ConverseStream", Some(&call.model_id), call.region);
        let started = Instant::now();
        let opened = self
            .inner
            .converse_stream(call)
            .instrument(span.clone())
            .await;
        let mut reply = match opened {
            Ok(r) => r,
            Err(e) => {
                span.record("latency_ms", started.elapsed().as_millis() as u64);
                record_error(&span, &e);
                return Err(e);
            }
        };
        if let Some(id) = &reply.request_id {
            span.record("request_id", id.as_str());
        }
        // As for InvokeModelWithResponseStream: the span lasts as long as the stream, and the
        // metadata event's usage and latency are recorded on it.
        let events = std::mem::replace(&mut reply.events, Box::pin(futures::stream::empty()));
        reply.events = Box::pin(events.map(move |item| {
            let _enter = span.enter();
            match &item {
                Ok(ConverseStreamEvent::Metadata(m)) => {
                    span.record("input_tokens", m.usage.input_tokens);
                    span.record("output_tokens", m.usage.output_tokens);
                    span.record("latency_ms", m.metrics.latency_ms);
                }
                Ok(_) => {}
                Err(e) => record_error(&span, e),
            }
            item
        }));
        Ok(reply)
    }

    async fn count_tokens(&self, call: CountTokensCall) -> Result<CountTokensResponse> {
        let span = call_span("CountTokens", Some(&call.model_id), call.region);
        let started = Instant::now();
        let result = self.inner.count_tokens(call).instrument(span.clone()).await;
        if let Ok(r) = &result {
            span.record("input_tokens", r.input_tokens);
        }
        record_result(&span, started, &result);
        result
    }

    async fn list_inference_profiles(
        &self,
        region: Region,
        request: &ListInferenceProfilesRequest,
    ) -> Result<ListInferenceProfilesResponse> {
        let span = call_span("ListInferenceProfiles", None, region);
        traced(span, self.inner.list_inference_profiles(region, request)).await
    }

    async fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<InferenceProfile> {
        // A profile identifier is a model identifier in its own right (Bedrock accepts either
        // where a model id goes); one that does not parse is still traced, without it.
        let id = ModelId::new(identifier).ok();
        let span = call_span("GetInferenceProfile", id.as_ref(), region);
        traced(span, self.inner.get_inference_profile(region, identifier)).await
    }

    async fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<ProvisionedModelThroughput> {
        // A provisioned model's ARN is a model identifier too (InvokeModel takes it); a bare
        // name does not parse and is traced without it.
        let id = ModelId::new(identifier).ok();
        let span = call_span("GetProvisionedModelThroughput", id.as_ref(), region);
        traced(
            span,
            self.inner
                .get_provisioned_model_throughput(region, identifier),
        )
        .await
    }

    async fn create_model_invocation_job(
        &self,
        region: Region,
        request: &CreateModelInvocationJobRequest,
    ) -> Result<String> {
        let id = ModelId::new(&request.model_id).ok();
        let span = call_span("CreateModelInvocationJob", id.as_ref(), region);
        traced(
            span,
            self.inner.create_model_invocation_job(region, request),
        )
        .await
    }

    async fn get_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<ModelInvocationJob> {
        let span = call_span("GetModelInvocationJob", None, region);
        traced(
            span,
            self.inner.get_model_invocation_job(region, job_identifier),
        )
        .await
    }

    async fn list_model_invocation_jobs(
        &self,
        region: Region,
        request: &ListModelInvocationJobsRequest,
    ) -> Result<ListModelInvocationJobsResponse> {
        let span = call_span("ListModelInvocationJobs", None, region);
        traced(span, self.inner.list_model_invocation_jobs(region, request)).await
    }

    async fn stop_model_invocation_job(&self, region: Region, job_identifier: &str) -> Result<()> {
        let span = call_span("StopModelInvocationJob", None, region);
        traced(
            span,
            self.inner.stop_model_invocation_job(region, job_identifier),
        )
        .await
    }

    async fn start_async_invoke(
        &self,
        region: Region,
        request: &StartAsyncInvokeRequest,
    ) -> Result<String> {
        let id = ModelId::new(&request.model_id).ok();
        let span = call_span("StartAsyncInvoke", id.as_ref(), region);
        traced(span, self.inner.start_async_invoke(region, request)).await
    }

    async fn get_async_invoke(&self, region: Region, invocation_arn: &str) -> Result<AsyncInvoke> {
        let span = call_span("GetAsyncInvoke", None, region);
        traced(span, self.inner.get_async_invoke(region, invocation_arn)).await
    }

    async fn list_async_invokes(
        &self,
        region: Region,
        request: &ListAsyncInvokesRequest,
    ) -> Result<ListAsyncInvokesResponse> {
        let span = call_span("ListAsyncInvokes", None, region);
        traced(span, self.inner.list_async_invokes(region, request)).await
    }
}

/// Runs a control-plane call in `span`, recording its latency and any error.
async fn traced<T>(
    span: tracing::Span,
    call: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let started = Instant::now();
    let result = call.instrument(span.clone()).await;
    record_result(&span, started, &result);
    result
}

fn record_metadata(span: &tracing::Span, m: &crate::types::CallMetadata) {
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
