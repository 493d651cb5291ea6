#![doc = include_str!("../README.md")]

mod convert;
mod errors;
mod pool;
mod recorder;
mod retry;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_bedrockruntime::operation::RequestId as _;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use bedrock_core::{
    Backend, ChunkStream, Error, InvokeModelRequest, InvokeModelResponse,
    ListFoundationModelsRequest, ListFoundationModelsResponse, ModelId, ModelSummary, Region,
    Result, StreamChunk,
};
use bytes::Bytes;
use futures::StreamExt;

pub use aws_smithy_runtime_api::client::http::SharedHttpClient;
pub use errors::{map_sdk_error, map_stream_error};
pub use recorder::default_http_client;
use recorder::{Recorded, recording_http_client};

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
    /// Initial retry backoff (the SDK's default is 1 s, with jitter).
    pub initial_backoff: Option<Duration>,
    /// Longest wait before a retry (the SDK's default is 20 s). In adaptive mode it also caps
    /// the client-side rate limiter's delay, which after a throttle can reach this cap.
    pub max_backoff: Option<Duration>,
    /// Time allowed to connect.
    pub connect_timeout: Option<Duration>,
    /// Time allowed between bytes of a response.
    pub read_timeout: Option<Duration>,
    /// Time allowed for a whole call, retries included.
    pub operation_timeout: Option<Duration>,
    /// Time allowed for one attempt.
    pub attempt_timeout: Option<Duration>,
    /// The HTTP client under both SDK clients of every region, e.g. one with a proxy or custom
    /// TLS, or one shared with other SDK clients so that they share its connection pool (see
    /// [`default_http_client`]). `None` builds the SDK's default client, one per region.
    pub http_client: Option<SharedHttpClient>,
}

impl Default for AwsBackendConfig {
    fn default() -> Self {
        AwsBackendConfig {
            endpoint_url: None,
            credentials: None,
            retry_mode: RetryMode::Standard,
            max_attempts: 3,
            initial_backoff: None,
            max_backoff: None,
            connect_timeout: Some(Duration::from_millis(3100)),
            read_timeout: None,
            operation_timeout: None,
            attempt_timeout: None,
            http_client: None,
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
    /// The clients of each region, by the region's place in [`Region::ALL`]: a call finds its
    /// clients without a lock or a hash, and each region's are built once, on first use.
    clients: Arc<[OnceLock<Clients>]>,
}

/// The place of `region` in [`Region::ALL`] (which is sorted).
fn region_slot(region: Region) -> usize {
    Region::ALL
        .binary_search(&region)
        .expect("Region::ALL lists every region")
}

type InvokeOutcome = std::result::Result<
    aws_sdk_bedrockruntime::operation::invoke_model::InvokeModelOutput,
    aws_sdk_bedrockruntime::error::SdkError<
        aws_sdk_bedrockruntime::operation::invoke_model::InvokeModelError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
>;

type StreamOutcome = std::result::Result<
    aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::InvokeModelWithResponseStreamOutput,
    aws_sdk_bedrockruntime::error::SdkError<
        aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::InvokeModelWithResponseStreamError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
>;

thread_local! {
    static FREE_INVOKE_SLOTS: pool::FreeSlots<InvokeOutcome> =
        const { std::cell::RefCell::new(Vec::new()) };
    static FREE_STREAM_SLOTS: pool::FreeSlots<StreamOutcome> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Heap slots for the runtime calls' SDK futures, reused across calls (see the `pool` module).
/// Slots are kept per thread, and every backend shares them.
static INVOKE_SLOTS: pool::FuturePool<InvokeOutcome> = pool::FuturePool::new(&FREE_INVOKE_SLOTS);
static STREAM_SLOTS: pool::FuturePool<StreamOutcome> = pool::FuturePool::new(&FREE_STREAM_SLOTS);

impl AwsBackend {
    /// A backend with these settings. Clients are created per region on first use.
    pub fn new(config: AwsBackendConfig) -> Self {
        AwsBackend {
            config: Arc::new(config),
            clients: Region::ALL.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Uses these clients for `region` instead of building them, e.g. clients made from your own
    /// `SdkConfig`, or instrumented clients in tests; clones of the backend made before this call
    /// keep the clients they had. Their configuration is kept; the backend wraps their HTTP
    /// client (the SDK's default one when none is set) to count attempts, and adds to the runtime
    /// client the retry classifier that reads Bedrock's token-count headers and makes the SDK
    /// retry `ModelTimeoutException`.
    pub fn with_clients(
        self,
        region: Region,
        control: aws_sdk_bedrock::Client,
        runtime: aws_sdk_bedrockruntime::Client,
    ) -> Self {
        let mut control_conf = control.config().to_builder();
        if let Some(http) = recording_http_client(control.config().http_client()) {
            control_conf = control_conf.http_client(http);
        }
        let mut runtime_conf = runtime.config().to_builder();
        if let Some(http) = recording_http_client(runtime.config().http_client()) {
            runtime_conf = runtime_conf.http_client(http);
        }
        let control = aws_sdk_bedrock::Client::from_conf(control_conf.build());
        let runtime = aws_sdk_bedrockruntime::Client::from_conf(
            with_runtime_classifiers(runtime_conf).build(),
        );
        // A new table, so that clones made before this call keep the clients they had.
        let mut clients = self.clients.to_vec();
        clients[region_slot(region)] = OnceLock::from(Clients { control, runtime });
        AwsBackend {
            clients: clients.into(),
            ..self
        }
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
        let mut config = base.with_max_attempts(self.config.max_attempts.max(1));
        if let Some(b) = self.config.initial_backoff {
            config = config.with_initial_backoff(b);
        }
        if let Some(b) = self.config.max_backoff {
            config = config.with_max_backoff(b);
        }
        config
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

    /// Runs `f` on the clients of `region`, building them on first use.
    fn with_region<T>(&self, region: Region, f: impl FnOnce(&Clients) -> T) -> T {
        f(self.clients[region_slot(region)].get_or_init(|| self.build_clients(region)))
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
        // One HTTP client (one connection pool) per region, shared by both services, unless the
        // configuration names one for all.
        if let Some(http) = recording_http_client(self.config.http_client.clone()) {
            control = control.http_client(http.clone());
            runtime = runtime.http_client(http);
        }
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
            runtime: aws_sdk_bedrockruntime::Client::from_conf(
                with_runtime_classifiers(runtime).build(),
            ),
        }
    }

    /// The runtime client for `region`, for calls this backend does not wrap.
    pub fn runtime_client(&self, region: Region) -> aws_sdk_bedrockruntime::Client {
        self.with_region(region, |c| c.runtime.clone())
    }

    /// The control-plane client for `region`.
    pub fn control_client(&self, region: Region) -> aws_sdk_bedrock::Client {
        self.with_region(region, |c| c.control.clone())
    }
}

/// Adds the retry classifier that reads Bedrock's response headers and makes the SDK retry what
/// the backend's error kinds call retryable (see the `retry` module).
fn with_runtime_classifiers(
    conf: aws_sdk_bedrockruntime::config::Builder,
) -> aws_sdk_bedrockruntime::config::Builder {
    conf.retry_classifier(retry::RuntimeClassifier)
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
    recorded: &Recorded,
    started: Instant,
    result: &Result<T>,
) {
    if span.is_disabled() {
        return;
    }
    let headers = &recorded.headers;
    span.record("attempts", recorded.attempts);
    span.record("latency_ms", started.elapsed().as_millis() as u64);
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

/// The SDK call for an [`InvokeModelRequest`] on the runtime client of its region. InvokeModel
/// and InvokeModelWithResponseStream take the same input through fluent builders of different
/// types, so one macro fills either.
macro_rules! runtime_call {
    ($backend:expr, $request:expr, $operation:ident) => {{
        let InvokeModelRequest {
            model_id,
            region,
            body,
            content_type,
            accept,
            trace,
            guardrail,
        } = $request;
        let mut call = $backend
            .with_region(region, |c| c.runtime.$operation())
            .model_id(model_id.as_str())
            // Without a copy when the caller's body owns its bytes.
            .body(aws_smithy_types::Blob::new(Vec::from(body)))
            .content_type(content_type)
            .accept(accept);
        if let Some(t) = trace {
            call = call.trace(t.as_str().into());
        }
        if let Some(g) = guardrail {
            call = call
                .guardrail_identifier(g.identifier)
                .guardrail_version(g.version);
        }
        call
    }};
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
        let started = Instant::now();
        let mut call = self.with_region(region, |c| c.control.list_foundation_models());
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
        let (result, recorded) = recorder::record(Box::pin(call.send()), &span).await;
        let result =
            result
                .map_err(errors::map_sdk_error)
                .map(|out| ListFoundationModelsResponse {
                    models: out.model_summaries().iter().map(convert::summary).collect(),
                });
        record_outcome(&span, &recorded, started, &result);
        result
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        let span = span("GetFoundationModel", Some(model_id), region);
        let started = Instant::now();
        let call = self
            .with_region(region, |c| c.control.get_foundation_model())
            .model_identifier(model_id.as_str());
        let (result, recorded) = recorder::record(Box::pin(call.send()), &span).await;
        let result = result.map_err(errors::map_sdk_error).and_then(|out| {
            out.model_details()
                .map(convert::details)
                .ok_or_else(|| Error::decode("GetFoundationModel returned no modelDetails"))
        });
        record_outcome(&span, &recorded, started, &result);
        result
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let span = span("InvokeModel", Some(&request.model_id), request.region);
        let started = Instant::now();
        let call = runtime_call!(self, request, invoke_model);
        let mut slot = INVOKE_SLOTS.boxed(call.send());
        let (result, recorded) = recorder::record(&mut slot, &span).await;
        INVOKE_SLOTS.recycle(slot);
        let result = match result {
            Ok(mut out) => {
                let content_type = std::mem::take(&mut out.content_type);
                Ok(InvokeModelResponse {
                    request_id: out.request_id().map(str::to_owned),
                    content_type,
                    body: Bytes::from(out.body.into_inner()),
                    input_tokens: recorded.headers.input_tokens,
                    output_tokens: recorded.headers.output_tokens,
                    latency: recorded.headers.latency(),
                })
            }
            Err(e) => Err(errors::map_sdk_error(e)),
        };
        record_outcome(&span, &recorded, started, &result);
        result
    }

    async fn invoke_model_stream(&self, request: InvokeModelRequest) -> Result<ChunkStream> {
        let span = span(
            "InvokeModelWithResponseStream",
            Some(&request.model_id),
            request.region,
        );
        let started = Instant::now();
        let call = runtime_call!(self, request, invoke_model_with_response_stream);
        let mut slot = STREAM_SLOTS.boxed(call.send());
        let (result, recorded) = recorder::record(&mut slot, &span).await;
        STREAM_SLOTS.recycle(slot);
        let result = result.map_err(errors::map_sdk_error);
        record_outcome(&span, &recorded, started, &result);
        let output = result?;
        // Errors inside the stream carry the request id of the response that opened it.
        let request_id = output.request_id().map(str::to_owned);
        let receiver = output.body;
        let stream = futures::stream::unfold(Some((receiver, request_id)), |state| async move {
            let (mut rx, request_id) = state?;
            loop {
                match rx.recv().await {
                    Ok(Some(aws_sdk_bedrockruntime::types::ResponseStream::Chunk(part))) => {
                        let bytes = part
                            .bytes
                            .map(|b| Bytes::from(b.into_inner()))
                            .unwrap_or_default();
                        return Some((Ok(StreamChunk { bytes }), Some((rx, request_id))));
                    }
                    // Event types newer than this SDK knows are skipped, as Bedrock intends.
                    Ok(Some(_)) => continue,
                    Ok(None) => return None,
                    Err(e) => {
                        let err = errors::map_stream_error_for(e, request_id.as_deref());
                        return Some((Err(err), None));
                    }
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

#[cfg(test)]
mod tests {
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn response(status: u16, body: &str, headers: &[(&'static str, &'static str)]) -> Response {
        let mut resp = Response::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::from(body.to_owned()),
        );
        for (k, v) in headers {
            resp.headers_mut().insert(*k, *v);
        }
        resp
    }

    #[test]
    fn every_region_has_its_own_client_slot() {
        for (i, region) in Region::ALL.iter().enumerate() {
            assert_eq!(region_slot(*region), i, "{region:?}");
        }
    }

    #[tokio::test]
    async fn the_recorder_counts_attempts_and_keeps_the_last_headers() {
        let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .sequence()
            .http_response(|| {
                response(
                    429,
                    r#"{"message":"slow down"}"#,
                    &[
                        ("x-amzn-errortype", "ThrottlingException"),
                        ("x-amzn-requestid", "first"),
                    ],
                )
            })
            .times(2)
            .http_response(|| {
                response(
                    200,
                    r#"{"ok":true}"#,
                    &[
                        ("content-type", "application/json"),
                        ("x-amzn-bedrock-input-token-count", "7"),
                        ("x-amzn-bedrock-output-token-count", "9"),
                        ("x-amzn-requestid", "last"),
                    ],
                )
            })
            .build();
        let runtime = mock_client!(aws_sdk_bedrockruntime, RuleMode::Sequential, [&rule], |c| c
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1))
            ));
        let control = mock_client!(aws_sdk_bedrock, [] as [&aws_smithy_mocks::Rule; 0]);
        let backend = AwsBackend::new(AwsBackendConfig::default()).with_clients(
            Region::UsEast1,
            control,
            runtime,
        );
        let client = backend.runtime_client(Region::UsEast1);
        // Handing the backend's own clients back wraps them twice; attempts still count once.
        let backend = AwsBackend::new(AwsBackendConfig::default()).with_clients(
            Region::UsEast1,
            backend.control_client(Region::UsEast1),
            client,
        );
        let client = backend.runtime_client(Region::UsEast1);

        let call = client
            .invoke_model()
            .model_id("amazon.titan-text-express-v1")
            .body(aws_smithy_types::Blob::new(b"{}".to_vec()))
            .send();
        let (out, recorded) = recorder::record(Box::pin(call), &tracing::Span::none()).await;
        let out = out.expect("the third attempt answers");
        assert_eq!(out.body.as_ref(), br#"{"ok":true}"#);
        assert_eq!(recorded.attempts, 3);
        assert_eq!(recorded.headers.input_tokens, Some(7));
        assert_eq!(recorded.headers.output_tokens, Some(9));
        assert_eq!(out.request_id(), Some("last"));
    }

    /// An HTTP client that answers every request with the same response and counts requests.
    #[derive(Debug, Clone, Default)]
    struct Canned {
        requests: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl aws_smithy_runtime_api::client::http::HttpConnector for Canned {
        fn call(
            &self,
            _request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
        ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let answer = response(
                200,
                r#"{"ok":true}"#,
                &[
                    ("content-type", "application/json"),
                    ("x-amzn-requestid", "canned-1"),
                    ("x-amzn-bedrock-input-token-count", "3"),
                    ("x-amzn-bedrock-output-token-count", "4"),
                    ("x-amzn-bedrock-invocation-latency", "25"),
                ],
            );
            aws_smithy_runtime_api::client::http::HttpConnectorFuture::ready(Ok(answer))
        }
    }

    impl aws_smithy_runtime_api::client::http::HttpClient for Canned {
        fn http_connector(
            &self,
            _settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
            _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
            aws_smithy_runtime_api::client::http::SharedHttpConnector::new(self.clone())
        }
    }

    #[tokio::test]
    async fn the_configured_http_client_carries_every_region_and_its_headers_are_read() {
        let canned = Canned::default();
        let backend = AwsBackend::new(AwsBackendConfig {
            endpoint_url: Some("http://127.0.0.1:9".to_owned()),
            credentials: Some(SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "test"),
            )),
            http_client: Some(SharedHttpClient::new(canned.clone())),
            ..AwsBackendConfig::default()
        });
        for region in [Region::UsEast1, Region::UsWest2] {
            let out = backend
                .invoke_model(InvokeModelRequest {
                    region,
                    ..titan_request()
                })
                .await
                .expect("the canned client answers");
            assert_eq!(out.body.as_ref(), br#"{"ok":true}"#);
            assert_eq!(out.request_id.as_deref(), Some("canned-1"));
            assert_eq!((out.input_tokens, out.output_tokens), (Some(3), Some(4)));
            assert_eq!(out.latency, Some(Duration::from_millis(25)));
        }
        assert_eq!(
            canned.requests.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "both regions' clients sent through the configured HTTP client"
        );
    }

    fn model_timeout() -> Response {
        response(
            408,
            r#"{"message":"Model has timed out in processing the request."}"#,
            &[("x-amzn-errortype", "ModelTimeoutException")],
        )
    }

    /// A backend whose runtime client answers from `rule`, with fast retries.
    fn mocked_backend(rule: &aws_smithy_mocks::Rule) -> AwsBackend {
        let runtime = mock_client!(aws_sdk_bedrockruntime, RuleMode::Sequential, [rule], |c| c
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1))
            ));
        let control = mock_client!(aws_sdk_bedrock, [] as [&aws_smithy_mocks::Rule; 0]);
        AwsBackend::new(AwsBackendConfig::default()).with_clients(Region::UsEast1, control, runtime)
    }

    fn titan_request() -> InvokeModelRequest {
        InvokeModelRequest::json(
            ModelId::new("amazon.titan-text-express-v1").expect("model id"),
            Region::UsEast1,
            Bytes::from_static(b"{}"),
        )
    }

    #[tokio::test]
    async fn the_sdk_retries_a_model_timeout_as_the_error_kind_says() {
        let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .sequence()
            .http_response(model_timeout)
            .times(2)
            .http_response(|| response(200, r#"{"ok":true}"#, &[]))
            .build();
        let backend = mocked_backend(&rule);
        let out = backend
            .invoke_model(titan_request())
            .await
            .expect("the third attempt answers");
        assert_eq!(out.body.as_ref(), br#"{"ok":true}"#);
        assert_eq!(rule.num_calls(), 3);

        let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .sequence()
            .http_response(model_timeout)
            .repeatedly()
            .build();
        let backend = mocked_backend(&rule);
        let err = backend
            .invoke_model(titan_request())
            .await
            .expect_err("every attempt times out");
        assert_eq!(err.kind(), bedrock_core::ErrorKind::ModelTimeout);
        assert!(err.is_retryable());
        assert_eq!(rule.num_calls(), 3, "retried up to max_attempts");

        // Other 4xx errors keep the SDK's own classification: one attempt.
        let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .sequence()
            .http_response(|| {
                response(
                    400,
                    r#"{"message":"bad"}"#,
                    &[("x-amzn-errortype", "ValidationException")],
                )
            })
            .repeatedly()
            .build();
        let err = mocked_backend(&rule)
            .invoke_model(titan_request())
            .await
            .expect_err("validation fails");
        assert_eq!(err.kind(), bedrock_core::ErrorKind::Validation);
        assert_eq!(rule.num_calls(), 1);
    }
}
