#![doc = include_str!("../README.md")]

mod convert;
mod errors;
mod recorder;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use bedrock_core::{
    Backend, ChunkStream, Error, InvokeModelRequest, InvokeModelResponse,
    ListFoundationModelsRequest, ListFoundationModelsResponse, ModelId, ModelSummary, Region,
    Result, StreamChunk,
};
use bytes::Bytes;
use futures::StreamExt;
use tracing::Instrument;

pub use errors::{map_sdk_error, map_stream_error};
use recorder::CallRecorder;

/// How the SDK retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryMode {
    /// Exponential backoff with jitter (the SDK's default).
    #[default]
    Standard,
    /// Standard plus client-side rate limiting when throttled.
    Adaptive,
}

/// Settings of an [`AwsBackend`].
#[derive(Debug, Clone)]
pub struct AwsBackendConfig {
    /// Where to send requests instead of the regional Bedrock endpoints (the emulator, a VPC
    /// endpoint). One URL serves both the control plane and the runtime.
    pub endpoint_url: Option<String>,
    /// Credentials; the SDK's identity cache refreshes temporary ones before they expire.
    /// Calls fail with a credentials error when `None`.
    pub credentials: Option<SharedCredentialsProvider>,
    /// Retry mode.
    pub retry_mode: RetryMode,
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Initial retry backoff.
    pub initial_backoff: Option<Duration>,
    /// Time allowed to connect.
    pub connect_timeout: Option<Duration>,
    /// Time allowed between bytes of a response.
    pub read_timeout: Option<Duration>,
    /// Time allowed for a whole call, retries included.
    pub operation_timeout: Option<Duration>,
    /// Time allowed for one attempt.
    pub attempt_timeout: Option<Duration>,
}

impl Default for AwsBackendConfig {
    fn default() -> Self {
        AwsBackendConfig {
            endpoint_url: None,
            credentials: None,
            retry_mode: RetryMode::Standard,
            max_attempts: 3,
            initial_backoff: None,
            connect_timeout: Some(Duration::from_millis(3100)),
            read_timeout: None,
            operation_timeout: None,
            attempt_timeout: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Clients {
    control: aws_sdk_bedrock::Client,
    runtime: aws_sdk_bedrockruntime::Client,
}

/// The AWS SDK backend. Cheap to clone; clients are shared.
#[derive(Debug, Clone)]
pub struct AwsBackend {
    config: Arc<AwsBackendConfig>,
    clients: Arc<Mutex<HashMap<Region, Clients>>>,
}

impl AwsBackend {
    /// A backend with these settings. Clients are created per region on first use.
    pub fn new(config: AwsBackendConfig) -> Self {
        AwsBackend {
            config: Arc::new(config),
            clients: Arc::default(),
        }
    }

    /// Uses these clients for `region` instead of building them, e.g. clients made from your own
    /// `SdkConfig`, or instrumented clients in tests.
    pub fn with_clients(
        self,
        region: Region,
        control: aws_sdk_bedrock::Client,
        runtime: aws_sdk_bedrockruntime::Client,
    ) -> Self {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(region, Clients { control, runtime });
        self
    }

    /// The settings.
    pub fn config(&self) -> &AwsBackendConfig {
        &self.config
    }

    fn retry_config(&self) -> RetryConfig {
        let base = match self.config.retry_mode {
            RetryMode::Standard => RetryConfig::standard(),
            RetryMode::Adaptive => RetryConfig::adaptive(),
        };
        let base = base.with_max_attempts(self.config.max_attempts.max(1));
        match self.config.initial_backoff {
            Some(b) => base.with_initial_backoff(b),
            None => base,
        }
    }

    fn timeout_config(&self) -> TimeoutConfig {
        let c = &self.config;
        let mut b = TimeoutConfig::builder();
        if let Some(d) = c.connect_timeout {
            b = b.connect_timeout(d);
        }
        if let Some(d) = c.read_timeout {
            b = b.read_timeout(d);
        }
        if let Some(d) = c.operation_timeout {
            b = b.operation_timeout(d);
        }
        if let Some(d) = c.attempt_timeout {
            b = b.operation_attempt_timeout(d);
        }
        b.build()
    }

    fn clients(&self, region: Region) -> Clients {
        let mut map = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(region)
            .or_insert_with(|| self.build_clients(region))
            .clone()
    }

    fn build_clients(&self, region: Region) -> Clients {
        let mut control = aws_sdk_bedrock::Config::builder()
            .behavior_version(aws_sdk_bedrock::config::BehaviorVersion::latest())
            .region(aws_sdk_bedrock::config::Region::new(region.as_str()))
            .retry_config(self.retry_config())
            .timeout_config(self.timeout_config());
        let mut runtime = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
            .region(aws_sdk_bedrockruntime::config::Region::new(region.as_str()))
            .retry_config(self.retry_config())
            .timeout_config(self.timeout_config());
        if let Some(url) = &self.config.endpoint_url {
            control = control.endpoint_url(url);
            runtime = runtime.endpoint_url(url);
        }
        if let Some(creds) = &self.config.credentials {
            control = control.credentials_provider(creds.clone());
            runtime = runtime.credentials_provider(creds.clone());
        }
        Clients {
            control: aws_sdk_bedrock::Client::from_conf(control.build()),
            runtime: aws_sdk_bedrockruntime::Client::from_conf(runtime.build()),
        }
    }

    /// The runtime client for `region`, for calls this backend does not wrap.
    pub fn runtime_client(&self, region: Region) -> aws_sdk_bedrockruntime::Client {
        self.clients(region).runtime
    }

    /// The control-plane client for `region`.
    pub fn control_client(&self, region: Region) -> aws_sdk_bedrock::Client {
        self.clients(region).control
    }
}

fn span(operation: &'static str, model_id: Option<&ModelId>, region: Region) -> tracing::Span {
    tracing::info_span!(
        "bedrock",
        operation,
        model_id = model_id.map(|m| m.as_str()),
        region = region.as_str(),
        attempts = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        input_tokens = tracing::field::Empty,
        output_tokens = tracing::field::Empty,
        error_kind = tracing::field::Empty,
    )
}

fn record_outcome<T>(
    span: &tracing::Span,
    recorder: &CallRecorder,
    started: Instant,
    result: &Result<T>,
) {
    span.record("attempts", recorder.attempts());
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    let headers = recorder.headers();
    if let Some(n) = headers.input_tokens {
        span.record("input_tokens", n);
    }
    if let Some(n) = headers.output_tokens {
        span.record("output_tokens", n);
    }
    match result {
        Ok(_) => tracing::debug!(parent: span, "call succeeded"),
        Err(e) => {
            span.record("error_kind", e.kind().as_str());
            tracing::debug!(parent: span, retryable = e.is_retryable(), "call failed");
        }
    }
}

#[async_trait]
impl Backend for AwsBackend {
    fn name(&self) -> &str {
        "aws"
    }

    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        let span = span("ListFoundationModels", None, region);
        let recorder = CallRecorder::default();
        let started = Instant::now();
        let mut call = self.clients(region).control.list_foundation_models();
        if let Some(p) = &request.by_provider {
            call = call.by_provider(p);
        }
        if let Some(m) = request.by_output_modality {
            call = call.by_output_modality(m.as_str().into());
        }
        if let Some(t) = request.by_inference_type {
            call = call.by_inference_type(t.as_str().into());
        }
        if let Some(c) = request.by_customization_type {
            call = call.by_customization_type(c.as_str().into());
        }
        let result = call
            .customize()
            .interceptor(recorder.clone())
            .send()
            .instrument(span.clone())
            .await
            .map_err(errors::map_sdk_error)
            .map(|out| ListFoundationModelsResponse {
                models: out.model_summaries().iter().map(convert::summary).collect(),
            });
        record_outcome(&span, &recorder, started, &result);
        result
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        let span = span("GetFoundationModel", Some(model_id), region);
        let recorder = CallRecorder::default();
        let started = Instant::now();
        let result = self
            .clients(region)
            .control
            .get_foundation_model()
            .model_identifier(model_id.as_str())
            .customize()
            .interceptor(recorder.clone())
            .send()
            .instrument(span.clone())
            .await
            .map_err(errors::map_sdk_error)
            .and_then(|out| {
                out.model_details()
                    .map(convert::details)
                    .ok_or_else(|| Error::decode("GetFoundationModel returned no modelDetails"))
            });
        record_outcome(&span, &recorder, started, &result);
        result
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let span = span("InvokeModel", Some(&request.model_id), request.region);
        let recorder = CallRecorder::default();
        let started = Instant::now();
        let mut call = self
            .clients(request.region)
            .runtime
            .invoke_model()
            .model_id(request.model_id.as_str())
            .body(aws_smithy_types::Blob::new(request.body.to_vec()))
            .content_type(&request.content_type)
            .accept(&request.accept);
        if let Some(t) = request.trace {
            call = call.trace(t.as_str().into());
        }
        if let Some(g) = &request.guardrail {
            call = call
                .guardrail_identifier(&g.identifier)
                .guardrail_version(&g.version);
        }
        let result = call
            .customize()
            .interceptor(recorder.clone())
            .send()
            .instrument(span.clone())
            .await
            .map_err(errors::map_sdk_error)
            .map(|out| {
                let headers = recorder.headers();
                InvokeModelResponse {
                    content_type: out.content_type().to_owned(),
                    body: Bytes::from(out.body.into_inner()),
                    input_tokens: headers.input_tokens,
                    output_tokens: headers.output_tokens,
                    latency: headers.latency,
                    request_id: headers.request_id,
                }
            });
        record_outcome(&span, &recorder, started, &result);
        result
    }

    async fn invoke_model_stream(&self, request: InvokeModelRequest) -> Result<ChunkStream> {
        let span = span(
            "InvokeModelWithResponseStream",
            Some(&request.model_id),
            request.region,
        );
        let recorder = CallRecorder::default();
        let started = Instant::now();
        let mut call = self
            .clients(request.region)
            .runtime
            .invoke_model_with_response_stream()
            .model_id(request.model_id.as_str())
            .body(aws_smithy_types::Blob::new(request.body.to_vec()))
            .content_type(&request.content_type)
            .accept(&request.accept);
        if let Some(t) = request.trace {
            call = call.trace(t.as_str().into());
        }
        if let Some(g) = &request.guardrail {
            call = call
                .guardrail_identifier(&g.identifier)
                .guardrail_version(&g.version);
        }
        let result = call
            .customize()
            .interceptor(recorder.clone())
            .send()
            .instrument(span.clone())
            .await
            .map_err(errors::map_sdk_error);
        record_outcome(&span, &recorder, started, &result);
        let output = result?;
        let receiver = output.body;
        let stream = futures::stream::unfold(Some(receiver), |state| async move {
            let mut rx = state?;
            loop {
                match rx.recv().await {
                    Ok(Some(aws_sdk_bedrockruntime::types::ResponseStream::Chunk(part))) => {
                        let bytes = part
                            .bytes
                            .map(|b| Bytes::from(b.into_inner()))
                            .unwrap_or_default();
                        return Some((Ok(StreamChunk { bytes }), Some(rx)));
                    }
                    // Event types newer than this SDK knows are skipped, as Bedrock intends.
                    Ok(Some(_)) => continue,
                    Ok(None) => return None,
                    Err(e) => return Some((Err(errors::map_stream_error(e)), None)),
                }
            }
        });
        Ok(in_span(stream, span))
    }
}

/// Enters the call's span around every chunk, so chunk-level events nest under the call.
fn in_span<S>(stream: S, span: tracing::Span) -> ChunkStream
where
    S: futures::Stream<Item = Result<StreamChunk>> + Send + 'static,
{
    Box::pin(stream.map(move |item| {
        let _enter = span.enter();
        if let Err(e) = &item {
            tracing::debug!(error_kind = e.kind().as_str(), "stream ended with an error");
        }
        item
    }))
}
