#![doc = include_str!("../README.md")]

mod convert;
mod errors;
mod metadata;
mod retry;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{
    ProvideCredentials, SharedCredentialsProvider, future as credentials_future,
};
use aws_sdk_bedrockruntime::operation::RequestId as _;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin as _;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use bedrock_core::{
    Backend, ChunkStream, Error, InvokeModelRequest, InvokeModelResponse,
    InvokeModelStreamResponse, ListFoundationModelsRequest, ListFoundationModelsResponse, ModelId,
    ModelSummary, Region, Result, StreamChunk,
};
use bytes::Bytes;

pub use aws_smithy_runtime_api::client::http::SharedHttpClient;
pub use errors::{map_sdk_error, map_stream_error};

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

/// The HTTP client the SDK builds by default for the latest behaviour version (hyper with
/// rustls), as a value that can be given to several clients: SDK clients configured with the
/// same `SharedHttpClient` share its connection pool. `None` only in an SDK built without a
/// default client.
pub fn default_http_client() -> Option<SharedHttpClient> {
    let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(
        BehaviorVersion::latest(),
    )?;
    let empty = RuntimeComponentsBuilder::new("bedrock-backend-aws");
    plugin.runtime_components(&empty).http_client()
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
    /// The clients of each region, by the region's place in [`Region::ALL`], each built once, on
    /// first use, and shared by every clone of the backend.
    clients: Arc<[OnceLock<Clients>]>,
}

/// The place of `region` in [`Region::ALL`] (which is sorted).
fn region_slot(region: Region) -> usize {
    Region::ALL
        .binary_search(&region)
        .expect("Region::ALL lists every region")
}

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
    /// keep the clients they had. Their configuration is kept; the backend adds to the runtime
    /// client the retry classifier that makes the SDK retry `ModelTimeoutException`.
    pub fn with_clients(
        self,
        region: Region,
        control: aws_sdk_bedrock::Client,
        runtime: aws_sdk_bedrockruntime::Client,
    ) -> Self {
        let runtime = aws_sdk_bedrockruntime::Client::from_conf(
            with_runtime_classifiers(runtime.config().to_builder()).build(),
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

    /// The clients of `region`, built on first use.
    fn clients(&self, region: Region) -> &Clients {
        self.clients[region_slot(region)].get_or_init(|| self.build_clients(region))
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
        if let Some(http) = self.config.http_client.clone().or_else(default_http_client) {
            control = control.http_client(http.clone());
            runtime = runtime.http_client(http);
        }
        if let Some(url) = &self.config.endpoint_url {
            control = control.endpoint_url(url);
            runtime = runtime.endpoint_url(url);
        }
        let creds = self
            .config
            .credentials
            .clone()
            .unwrap_or_else(|| SharedCredentialsProvider::new(NoCredentials));
        control = control.credentials_provider(creds.clone());
        runtime = runtime.credentials_provider(creds);
        Clients {
            control: aws_sdk_bedrock::Client::from_conf(control.build()),
            runtime: aws_sdk_bedrockruntime::Client::from_conf(
                with_runtime_classifiers(runtime).build(),
            ),
        }
    }

    /// The runtime client for `region`, for calls this backend does not wrap.
    pub fn runtime_client(&self, region: Region) -> aws_sdk_bedrockruntime::Client {
        self.clients(region).runtime.clone()
    }

    /// The control-plane client for `region`.
    pub fn control_client(&self, region: Region) -> aws_sdk_bedrock::Client {
        self.clients(region).control.clone()
    }
}

/// The credentials of clients built with none configured. Without any provider the SDK fails
/// with an auth-scheme error of a type it does not export; this one fails every call with the
/// SDK's own `CredentialsError`, which the error mapping reports as [`Error::Credentials`], and
/// names the setting that is missing.
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> credentials_future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        credentials_future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(
            "no credentials are configured (`AwsBackendConfig::credentials` is `None`)",
        )))
    }
}

/// Adds the retry classifier that makes the SDK retry what the backend's error kinds call
/// retryable (see the `retry` module).
fn with_runtime_classifiers(
    conf: aws_sdk_bedrockruntime::config::Builder,
) -> aws_sdk_bedrockruntime::config::Builder {
    conf.retry_classifier(retry::ModelTimeoutIsTransient)
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
            // The history layer's business, not Bedrock's.
            save_prompt: _,
        } = $request;
        let mut call = $backend
            .clients(region)
            .runtime
            .$operation()
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
        let out = call.send().await.map_err(errors::map_sdk_error)?;
        Ok(ListFoundationModelsResponse {
            models: out.model_summaries().iter().map(convert::summary).collect(),
        })
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        let out = self
            .clients(region)
            .control
            .get_foundation_model()
            .model_identifier(model_id.as_str())
            .send()
            .await
            .map_err(errors::map_sdk_error)?;
        out.model_details()
            .map(convert::details)
            .ok_or_else(|| Error::decode("GetFoundationModel returned no modelDetails"))
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let recorder = metadata::CallRecorder::default();
        let started = Instant::now();
        let out = runtime_call!(self, request, invoke_model)
            .customize()
            .interceptor(recorder.clone())
            .send()
            .await
            .map_err(errors::map_sdk_error)?;
        let metadata = recorder.metadata(started.elapsed());
        Ok(InvokeModelResponse::new(
            out.body.into_inner(),
            out.content_type,
            metadata,
        ))
    }

    async fn invoke_model_stream(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        let output = runtime_call!(self, request, invoke_model_with_response_stream)
            .send()
            .await
            .map_err(errors::map_sdk_error)?;
        // Errors inside the stream carry the request id of the response that opened it.
        let request_id = output.request_id().map(str::to_owned);
        let receiver = output.body;
        let chunks = futures::stream::unfold(Some((receiver, request_id)), |state| async move {
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
        let chunks: ChunkStream = Box::pin(chunks);
        Ok(InvokeModelStreamResponse::new(chunks))
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use bedrock_core::CallMetadata;

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
    async fn call_metadata_counts_attempts_and_keeps_the_last_headers() {
        let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .sequence()
            .http_response(|| {
                response(
                    429,
                    r#"{"message":"slow down"}"#,
                    &[
                        ("x-amzn-errortype", "ThrottlingException"),
                        ("x-amzn-requestid", "first"),
                        ("x-amzn-bedrock-invocation-latency", "1"),
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
                        ("x-amzn-bedrock-invocation-latency", "321"),
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
        // Handing the backend's own clients back adds its retry classifier twice; attempts still
        // count once.
        let backend = AwsBackend::new(AwsBackendConfig::default()).with_clients(
            Region::UsEast1,
            backend.control_client(Region::UsEast1),
            backend.runtime_client(Region::UsEast1),
        );

        let out = backend
            .invoke_model(titan_request())
            .await
            .expect("the third attempt answers");
        assert_eq!(out.body.as_ref(), br#"{"ok":true}"#);
        assert_eq!(out.content_type, "application/json");
        assert_eq!(
            out.metadata,
            CallMetadata {
                request_id: Some("last".to_owned()),
                latency: Duration::from_millis(321),
                input_tokens: Some(7),
                output_tokens: Some(9),
                attempts: Some(3),
            }
        );
        assert_eq!(rule.num_calls(), 3);
        assert_eq!((out.prompt_id, out.history_error), (None, None));
    }

    #[tokio::test]
    async fn without_bedrocks_headers_the_metadata_has_the_round_trip_and_one_attempt() {
        let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .then_http_response(|| response(200, r#"{"ok":true}"#, &[]));
        let started = Instant::now();
        let out = mocked_backend(&rule)
            .invoke_model(titan_request())
            .await
            .expect("answers");
        let m = out.metadata;
        assert_eq!(m.attempts, Some(1));
        assert_eq!(
            (m.request_id, m.input_tokens, m.output_tokens),
            (None, None, None)
        );
        assert!(m.latency > Duration::ZERO && m.latency <= started.elapsed());
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
            let m = &out.metadata;
            assert_eq!(m.request_id.as_deref(), Some("canned-1"));
            assert_eq!((m.input_tokens, m.output_tokens), (Some(3), Some(4)));
            assert_eq!(m.latency, Duration::from_millis(25));
            assert_eq!(m.attempts, Some(1));
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
        assert_eq!(out.metadata.attempts, Some(3));
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
