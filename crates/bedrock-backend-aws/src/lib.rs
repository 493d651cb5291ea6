#![doc = include_str!("../README.md")]
// Event-stream frames, headers and SDK error texts from the network reach this crate: nothing they
// steer may panic. Tests may. Each `allow` names why its panic cannot happen.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

mod batch;
mod converse;
pub mod converse_convert;
mod convert;
mod errors;
mod metadata;
mod profiles;
mod retry;
mod s3;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
pub use aws_credential_types::Token;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{
    ProvideCredentials, SharedCredentialsProvider, future as credentials_future,
};
use aws_sdk_bedrockruntime::operation::RequestId as _;
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::identity::SharedIdentityCache;
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
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use aws_sdk_s3::primitives::ByteStream;
pub use aws_smithy_runtime_api::client::http::SharedHttpClient;
pub use errors::{ResponseTooLarge, map_sdk_error, map_stream_error};
pub use s3::S3Object;

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
    /// Calls fail with a credentials error when `None` (and no `api_key` is set).
    pub credentials: Option<SharedCredentialsProvider>,
    /// A Bedrock API key: when set, every call sends `Authorization: Bearer <key>` instead of a
    /// SigV4 signature, as the SDK does with `AWS_BEARER_TOKEN_BEDROCK` (which this backend does
    /// not read by itself; see [`AwsBackendConfig::api_key_from_env`]). `Debug` never shows it.
    /// A refused key (unknown, expired, revoked) fails calls with `ErrorKind::Credentials` and a
    /// hint about the key.
    pub api_key: Option<Token>,
    /// How long before temporary credentials expire the backend loads new ones. Every client
    /// of the backend (both services, every region) shares one credentials cache, so one load
    /// serves them all, and concurrent calls share it. The SDK adds up to half of this again
    /// as jitter. Keep it below the credentials' lifetime, or every call loads.
    pub credentials_refresh_buffer: Duration,
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
    /// The most InvokeModel calls (whole or streamed, until the stream ends) this backend has
    /// in flight at once, over all regions; further calls wait for a free place. Over HTTP/1.1
    /// each call in flight holds a connection and its buffers (about 40 KiB), so this bounds
    /// memory and connections when a program starts many calls at once. `None` for no limit.
    pub max_concurrent_calls: Option<usize>,
    /// The largest response body a call reads, in bytes; a larger one fails the call with an
    /// [`Error::Transport`] naming the limit (with [`ResponseTooLarge`] in its source chain),
    /// without retrying. A response whose `Content-Length` is over the limit is refused before
    /// its body is read; one without a length is read up to the limit. This bounds the memory a
    /// call can be made to use by whatever answers at the endpoint. Applies to the clients the
    /// backend builds (not to clients given to [`AwsBackend::with_clients`]) and to whole
    /// responses: a response stream's events are passed on as they arrive. `None` for no limit.
    pub max_response_bytes: Option<usize>,
}

/// The default of [`AwsBackendConfig::credentials_refresh_buffer`]: the SDK's own, 10 s.
pub const DEFAULT_CREDENTIALS_REFRESH_BUFFER: Duration = Duration::from_secs(10);

/// The environment variable the AWS SDKs read a Bedrock API key from.
pub const API_KEY_ENV: &str = "AWS_BEARER_TOKEN_BEDROCK";

/// What to do about a refused API key.
const API_KEY_HINT: &str = "the Bedrock API key was refused: it is unknown, expired or revoked; \
     create a new one in the Bedrock console (API keys) and pass it in AWS_BEARER_TOKEN_BEDROCK, \
     or use AWS credentials instead";

impl AwsBackendConfig {
    /// The API key in `AWS_BEARER_TOKEN_BEDROCK`, when that variable is set and not blank.
    pub fn api_key_from_env() -> Option<Token> {
        std::env::var(API_KEY_ENV)
            .ok()
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty())
            .map(|key| Token::new(key, None))
    }
}

/// The default of [`AwsBackendConfig::max_concurrent_calls`].
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 256;

/// The default of [`AwsBackendConfig::max_response_bytes`]: 64 MiB. Bedrock's largest answers
/// are images in base64: Nova Canvas returns up to 5 images of up to 4.19 megapixels, which as
/// PNG take about 3 to 10 MB each, so 5 of them are at most about 67 MB (64 MiB) in base64; Titan
/// and Stability images are smaller, and text and embedding answers are below a few MB. A
/// runaway or hostile endpoint cannot make a call hold more than this.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

impl Default for AwsBackendConfig {
    fn default() -> Self {
        AwsBackendConfig {
            endpoint_url: None,
            credentials: None,
            api_key: None,
            credentials_refresh_buffer: DEFAULT_CREDENTIALS_REFRESH_BUFFER,
            retry_mode: RetryMode::Standard,
            max_attempts: 3,
            initial_backoff: None,
            max_backoff: None,
            connect_timeout: Some(Duration::from_millis(3100)),
            read_timeout: None,
            operation_timeout: None,
            attempt_timeout: None,
            http_client: None,
            max_concurrent_calls: Some(DEFAULT_MAX_CONCURRENT_CALLS),
            max_response_bytes: Some(DEFAULT_MAX_RESPONSE_BYTES),
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
    /// Places for calls in flight ([`AwsBackendConfig::max_concurrent_calls`]), shared by clones.
    in_flight: Option<Arc<Semaphore>>,
    /// The one credentials cache of every client this backend builds.
    identity_cache: SharedIdentityCache,
}

/// The place of `region` in [`Region::ALL`] (which is sorted).
#[allow(
    clippy::expect_used,
    reason = "Region::ALL is generated with every variant; a test checks each one's slot"
)]
fn region_slot(region: Region) -> usize {
    Region::ALL
        .binary_search(&region)
        .expect("Region::ALL lists every region")
}

impl AwsBackend {
    /// A backend with these settings. Clients are created per region on first use.
    pub fn new(config: AwsBackendConfig) -> Self {
        AwsBackend {
            in_flight: config
                .max_concurrent_calls
                .map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS)))),
            identity_cache: IdentityCache::lazy()
                .buffer_time(config.credentials_refresh_buffer)
                .build(),
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
        #[allow(
            clippy::indexing_slicing,
            reason = "the table has one entry per Region::ALL entry, which region_slot indexes"
        )]
        let slot = &mut clients[region_slot(region)];
        *slot = OnceLock::from(Clients { control, runtime });
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

    /// A place for one more call in flight, waiting for one when all are taken; `None` when
    /// calls are not limited.
    async fn place(&self) -> Option<OwnedSemaphorePermit> {
        // The semaphore is never closed, so acquiring only fails if it were.
        Arc::clone(self.in_flight.as_ref()?)
            .acquire_owned()
            .await
            .ok()
    }

    /// The clients of `region`, built on first use.
    fn clients(&self, region: Region) -> &Clients {
        #[allow(
            clippy::indexing_slicing,
            reason = "the table has one entry per Region::ALL entry, which region_slot indexes"
        )]
        let slot = &self.clients[region_slot(region)];
        slot.get_or_init(|| self.build_clients(region))
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
        if let Some(mut http) = self.config.http_client.clone().or_else(default_http_client) {
            if let Some(limit) = self.config.max_response_bytes {
                http = response_limit::LimitedHttpClient::shared(http, limit);
            }
            control = control.http_client(http.clone());
            runtime = runtime.http_client(http);
        }
        if let Some(url) = &self.config.endpoint_url {
            control = control.endpoint_url(url);
            runtime = runtime.endpoint_url(url);
        }
        // One provider value (one cache partition) in one shared cache for every client. The
        // builders' `credentials_provider` would wrap it anew, in a partition of its own.
        let creds = self
            .config
            .credentials
            .clone()
            .unwrap_or_else(|| SharedCredentialsProvider::new(NoCredentials));
        control.set_credentials_provider(Some(creds.clone()));
        runtime.set_credentials_provider(Some(creds));
        control = control.identity_cache(self.identity_cache.clone());
        runtime = runtime.identity_cache(self.identity_cache.clone());
        if let Some(key) = &self.config.api_key {
            control = control
                .bearer_token(key.clone())
                .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID]);
            runtime = runtime
                .bearer_token(key.clone())
                .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID]);
        }
        Clients {
            control: aws_sdk_bedrock::Client::from_conf(control.build()),
            runtime: aws_sdk_bedrockruntime::Client::from_conf(
                with_runtime_classifiers(runtime).build(),
            ),
        }
    }

    /// Adds the API key hint to a credentials error when calls carry an API key.
    fn explain(&self, error: Error) -> Error {
        match error {
            Error::Service {
                kind: bedrock_core::ErrorKind::Credentials,
                details,
            } if self.config.api_key.is_some() && details.hint.is_none() => Error::from_service(
                bedrock_core::ErrorKind::Credentials,
                details.with_hint(API_KEY_HINT),
            ),
            other => other,
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

mod response_limit {
    //! The limit on response bodies ([`crate::AwsBackendConfig::max_response_bytes`]): an HTTP
    //! client around the one the SDK sends through, refusing bodies over the limit.
    //!
    //! The SDK reads a whole response body into memory before deserializing it, with no limit
    //! of its own. Limiting the body as the SDK reads it would take a wrapper implementing
    //! `http_body::Body`, a crate this one does not depend on; so the limit sits where the
    //! response arrives, in the connector. A `Content-Length` over the limit fails at once; a
    //! body within it is left to the HTTP stack, which never reads past the length it declares.
    //! A body without a length (chunked, or ended by closing the connection) is read here, up
    //! to the limit, and handed on in memory, as the SDK would have held it anyway. Successful
    //! response streams pass through: their events are decoded one by one as they arrive.

    use aws_smithy_runtime::client::http::body::minimum_throughput::MinimumThroughputDownloadBody;
    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
        SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::client::runtime_components::{
        RuntimeComponents, RuntimeComponentsBuilder,
    };
    use aws_smithy_runtime_api::client::stalled_stream_protection::StalledStreamProtectionConfig;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::byte_stream::ByteStream;
    use aws_smithy_types::config_bag::ConfigBag;
    use bytes::{Bytes, BytesMut};
    use std::sync::Arc;

    use crate::errors::{ResponseBodyFailed, ResponseTooLarge};

    /// The SDK's paths of operations whose successful answer is an event stream.
    const STREAMING_PATH_ENDS: [&str; 2] = ["/invoke-with-response-stream", "/converse-stream"];

    /// Wraps the SDK's HTTP client; its connectors share the inner client's connection pool.
    #[derive(Debug)]
    pub(crate) struct LimitedHttpClient {
        inner: SharedHttpClient,
        limit: usize,
    }

    impl LimitedHttpClient {
        /// `inner` with bodies limited to `limit` bytes.
        pub(crate) fn shared(inner: SharedHttpClient, limit: usize) -> SharedHttpClient {
            SharedHttpClient::new(LimitedHttpClient { inner, limit })
        }
    }

    impl HttpClient for LimitedHttpClient {
        fn http_connector(
            &self,
            settings: &HttpConnectorSettings,
            components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            let stall_guard = components.sleep_impl().zip(components.time_source()).map(
                |(sleep, time)| -> StallGuard {
                    Arc::new(move |body| {
                        let options = StalledStreamProtectionConfig::enabled().build().into();
                        SdkBody::from_body_1_x(MinimumThroughputDownloadBody::new(
                            time.clone(),
                            sleep.clone(),
                            body,
                            options,
                        ))
                    })
                },
            );
            SharedHttpConnector::new(LimitedConnector {
                inner: self.inner.http_connector(settings, components),
                limit: self.limit,
                stall_guard,
            })
        }

        fn validate_base_client_config(
            &self,
            components: &RuntimeComponentsBuilder,
            cfg: &ConfigBag,
        ) -> Result<(), BoxError> {
            self.inner.validate_base_client_config(components, cfg)
        }

        fn validate_final_config(
            &self,
            components: &RuntimeComponents,
            cfg: &ConfigBag,
        ) -> Result<(), BoxError> {
            self.inner.validate_final_config(components, cfg)
        }

        fn connector_metadata(
            &self,
        ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
            self.inner.connector_metadata()
        }
    }

    /// Wraps a body in the SDK's stalled-stream protection.
    type StallGuard = Arc<dyn Fn(SdkBody) -> SdkBody + Send + Sync>;

    struct LimitedConnector {
        inner: SharedHttpConnector,
        limit: usize,
        /// For the bodies read here (see [`read_limited`]).
        stall_guard: Option<StallGuard>,
    }

    impl std::fmt::Debug for LimitedConnector {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("LimitedConnector")
                .field("inner", &self.inner)
                .field("limit", &self.limit)
                .finish_non_exhaustive()
        }
    }

    impl HttpConnector for LimitedConnector {
        fn call(
            &self,
            request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
        ) -> HttpConnectorFuture {
            let streaming = STREAMING_PATH_ENDS.iter().any(|end| {
                request
                    .uri()
                    .split('?')
                    .next()
                    .is_some_and(|p| p.ends_with(end))
            });
            let answer = self.inner.call(request);
            let limit = self.limit;
            let stall_guard = self.stall_guard.clone();
            HttpConnectorFuture::new(async move {
                let response = answer.await?;
                if streaming && response.status().is_success() {
                    return Ok(response);
                }
                match declared_length(&response) {
                    Some(declared) if declared > limit as u64 => {
                        Err(too_large(limit, Some(declared)))
                    }
                    Some(_) => Ok(response),
                    None => read_limited(response, limit, stall_guard).await,
                }
            })
        }
    }

    /// The `Content-Length` of a response whose length the HTTP stack enforces: none when a
    /// `Transfer-Encoding` header says the length is not what frames the body.
    fn declared_length(response: &HttpResponse) -> Option<u64> {
        let headers = response.headers();
        if headers.get("transfer-encoding").is_some() {
            return None;
        }
        headers.get("content-length")?.trim().parse().ok()
    }

    fn too_large(limit: usize, declared: Option<u64>) -> ConnectorError {
        // `other` with no kind: the SDK's classifiers do not retry it.
        ConnectorError::other(Box::new(ResponseTooLarge { limit, declared }), None)
    }

    /// Reads a body of unknown length into memory, failing once it passes `limit`. The SDK's
    /// stalled-stream protection (its default: a body that stops for 5 s fails) would only wrap
    /// the body after this point, so it wraps it here.
    async fn read_limited(
        mut response: HttpResponse,
        limit: usize,
        stall_guard: Option<StallGuard>,
    ) -> Result<HttpResponse, ConnectorError> {
        let mut body = response.take_body();
        if let Some(guard) = stall_guard {
            body = guard(body);
        }
        let mut body = ByteStream::new(body);
        let mut parts: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        while let Some(part) = body.next().await {
            let part =
                part.map_err(|e| ConnectorError::io(Box::new(ResponseBodyFailed(Box::new(e)))))?;
            total = total.saturating_add(part.len());
            if total > limit {
                return Err(too_large(limit, None));
            }
            parts.push(part);
        }
        let whole = match parts.len() {
            // One part, as most small bodies arrive: handed on without a copy.
            0 | 1 => parts.pop().unwrap_or_default(),
            _ => {
                let mut whole = BytesMut::with_capacity(total);
                for part in &parts {
                    whole.extend_from_slice(part);
                }
                whole.freeze()
            }
        };
        *response.body_mut() = SdkBody::from(whole);
        Ok(response)
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
        let out = call
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(ListFoundationModelsResponse {
            models: out.model_summaries().iter().map(convert::summary).collect(),
        })
    }

    async fn list_inference_profiles(
        &self,
        region: Region,
        request: &bedrock_core::ListInferenceProfilesRequest,
    ) -> Result<bedrock_core::ListInferenceProfilesResponse> {
        let control = &self.clients(region).control;
        let mut profiles = Vec::new();
        let mut next_token: Option<String> = None;
        // Every page, as ListFoundationModels gives everything in one: Bedrock pages this call.
        loop {
            let mut call = control
                .list_inference_profiles()
                .max_results(1000)
                .set_next_token(next_token.take());
            if let Some(t) = request.type_equals {
                call = call.type_equals(t.as_str().into());
            }
            let out = call
                .send()
                .await
                .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
            profiles.extend(
                out.inference_profile_summaries()
                    .iter()
                    .map(profiles::summary),
            );
            match out.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => break,
            }
        }
        Ok(bedrock_core::ListInferenceProfilesResponse { profiles })
    }

    async fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<bedrock_core::InferenceProfile> {
        let out = self
            .clients(region)
            .control
            .get_inference_profile()
            .inference_profile_identifier(identifier)
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(profiles::details(&out))
    }

    async fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<bedrock_core::ProvisionedModelThroughput> {
        let out = self
            .clients(region)
            .control
            .get_provisioned_model_throughput()
            .provisioned_model_id(identifier)
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(profiles::provisioned(&out))
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
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        out.model_details()
            .map(convert::details)
            .ok_or_else(|| Error::decode("GetFoundationModel returned no modelDetails"))
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let _place = self.place().await;
        let recorder = metadata::CallRecorder::default();
        let started = Instant::now();
        let out = runtime_call!(self, request, invoke_model)
            .customize()
            .interceptor(recorder.clone())
            .send()
            .await
            .map_err(|e| {
                self.explain(errors::map_sdk_error(e).with_attempts(recorder.attempts()))
            })?;
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
        // The place is held by the stream until it ends or is dropped.
        let place = self.place().await;
        let recorder = metadata::CallRecorder::default();
        let output = runtime_call!(self, request, invoke_model_with_response_stream)
            .customize()
            .interceptor(recorder.clone())
            .send()
            .await
            .map_err(|e| {
                self.explain(errors::map_sdk_error(e).with_attempts(recorder.attempts()))
            })?;
        // Errors inside the stream carry the request id of the response that opened it.
        let request_id = output.request_id().map(str::to_owned);
        let receiver = output.body;
        let state = Some((receiver, request_id, place));
        let chunks = futures::stream::unfold(state, |state| async move {
            let (mut rx, request_id, place) = state?;
            loop {
                match rx.recv().await {
                    Ok(Some(aws_sdk_bedrockruntime::types::ResponseStream::Chunk(part))) => {
                        let bytes = part
                            .bytes
                            .map(|b| Bytes::from(b.into_inner()))
                            .unwrap_or_default();
                        let state = Some((rx, request_id, place));
                        return Some((Ok(StreamChunk { bytes }), state));
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

    async fn converse(
        &self,
        call: bedrock_core::converse::ConverseCall,
    ) -> Result<bedrock_core::converse::ConverseReply> {
        self.send_converse(call).await
    }

    async fn converse_stream(
        &self,
        call: bedrock_core::converse::ConverseCall,
    ) -> Result<bedrock_core::converse::ConverseStreamReply> {
        self.send_converse_stream(call).await
    }

    async fn count_tokens(
        &self,
        call: bedrock_core::converse::CountTokensCall,
    ) -> Result<bedrock_core::converse::CountTokensResponse> {
        self.send_count_tokens(call).await
    }

    async fn create_model_invocation_job(
        &self,
        region: Region,
        request: &bedrock_core::CreateModelInvocationJobRequest,
    ) -> Result<String> {
        self.send_create_model_invocation_job(region, request).await
    }

    async fn get_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<bedrock_core::ModelInvocationJob> {
        self.send_get_model_invocation_job(region, job_identifier)
            .await
    }

    async fn list_model_invocation_jobs(
        &self,
        region: Region,
        request: &bedrock_core::ListModelInvocationJobsRequest,
    ) -> Result<bedrock_core::ListModelInvocationJobsResponse> {
        self.send_list_model_invocation_jobs(region, request).await
    }

    async fn stop_model_invocation_job(&self, region: Region, job_identifier: &str) -> Result<()> {
        self.send_stop_model_invocation_job(region, job_identifier)
            .await
    }

    async fn start_async_invoke(
        &self,
        region: Region,
        request: &bedrock_core::StartAsyncInvokeRequest,
    ) -> Result<String> {
        self.send_start_async_invoke(region, request).await
    }

    async fn get_async_invoke(
        &self,
        region: Region,
        invocation_arn: &str,
    ) -> Result<bedrock_core::AsyncInvoke> {
        self.send_get_async_invoke(region, invocation_arn).await
    }

    async fn list_async_invokes(
        &self,
        region: Region,
        request: &bedrock_core::ListAsyncInvokesRequest,
    ) -> Result<bedrock_core::ListAsyncInvokesResponse> {
        self.send_list_async_invokes(region, request).await
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
                ..CallMetadata::default()
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

    /// An HTTP client that answers every request with `status`, `body` and `headers`, and
    /// counts requests.
    #[derive(Debug, Clone)]
    struct Answers {
        status: u16,
        body: &'static [u8],
        headers: &'static [(&'static str, &'static str)],
        requests: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Answers {
        fn new(
            status: u16,
            body: &'static [u8],
            headers: &'static [(&'static str, &'static str)],
        ) -> Self {
            Answers {
                status,
                body,
                headers,
                requests: Arc::default(),
            }
        }

        fn requests(&self) -> usize {
            self.requests.load(std::sync::atomic::Ordering::SeqCst)
        }

        /// A backend over this client with `max_response_bytes: limit`.
        fn backend(&self, limit: Option<usize>) -> AwsBackend {
            AwsBackend::new(AwsBackendConfig {
                endpoint_url: Some("http://127.0.0.1:9".to_owned()),
                credentials: Some(SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "test"),
                )),
                http_client: Some(SharedHttpClient::new(self.clone())),
                initial_backoff: Some(Duration::from_millis(1)),
                max_response_bytes: limit,
                ..AwsBackendConfig::default()
            })
        }
    }

    impl aws_smithy_runtime_api::client::http::HttpConnector for Answers {
        fn call(
            &self,
            _request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
        ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut answer = Response::new(
                StatusCode::try_from(self.status).expect("status"),
                SdkBody::from(self.body),
            );
            for (k, v) in self.headers {
                answer.headers_mut().insert(*k, *v);
            }
            aws_smithy_runtime_api::client::http::HttpConnectorFuture::ready(Ok(answer))
        }
    }

    impl aws_smithy_runtime_api::client::http::HttpClient for Answers {
        fn http_connector(
            &self,
            _settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
            _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
            aws_smithy_runtime_api::client::http::SharedHttpConnector::new(self.clone())
        }
    }

    /// The `ResponseTooLarge` in an error's source chain.
    fn too_large(err: &Error) -> Option<&ResponseTooLarge> {
        std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |&e| {
            e.source()
        })
        .find_map(|e| e.downcast_ref::<ResponseTooLarge>())
    }

    #[tokio::test]
    async fn a_body_over_the_limit_fails_once_naming_the_limit() {
        // Without a length: read up to the limit, then refused.
        let unsized_body = Answers::new(200, &[b'x'; 2048], &[("content-type", "text/plain")]);
        let err = unsized_body
            .backend(Some(1024))
            .invoke_model(titan_request())
            .await
            .expect_err("2 KiB is over a 1 KiB limit");
        assert_eq!(err.kind(), bedrock_core::ErrorKind::Transport, "{err}");
        let message = err.to_string();
        assert!(
            message.contains("could not read the response")
                && message.contains("larger than the limit of 1024 bytes")
                && message.contains("max_response_bytes"),
            "{message}"
        );
        assert_eq!(
            too_large(&err),
            Some(&ResponseTooLarge {
                limit: 1024,
                declared: None
            })
        );
        assert!(!err.is_retryable());
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(unsized_body.requests(), 1, "not retried");

        // With a length over the limit: refused before the body is read.
        let declared = Answers::new(
            200,
            b"{}",
            &[
                ("content-type", "application/json"),
                ("content-length", "104857600"),
            ],
        );
        let err = declared
            .backend(Some(1024))
            .invoke_model(titan_request())
            .await
            .expect_err("a declared 100 MB is over the limit");
        assert_eq!(
            too_large(&err).and_then(|t| t.declared),
            Some(104_857_600),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("Content-Length says 104857600 bytes")
        );
        assert_eq!(declared.requests(), 1);

        // An error body is limited too.
        let error_body = Answers::new(
            400,
            &[b' '; 4096],
            &[("x-amzn-errortype", "ValidationException")],
        );
        let err = error_body
            .backend(Some(1024))
            .invoke_model(titan_request())
            .await
            .unwrap_err();
        assert!(too_large(&err).is_some(), "{err}");
    }

    #[tokio::test]
    async fn bodies_within_the_limit_or_without_one_arrive_whole() {
        for limit in [Some(2048), Some(DEFAULT_MAX_RESPONSE_BYTES), None] {
            let answers = Answers::new(200, &[b'x'; 2048], &[("content-type", "text/plain")]);
            let out = answers
                .backend(limit)
                .invoke_model(titan_request())
                .await
                .unwrap_or_else(|e| panic!("{limit:?}: {e}"));
            assert_eq!(out.body.as_ref(), &[b'x'; 2048], "{limit:?}");
        }
        assert_eq!(
            AwsBackendConfig::default().max_response_bytes,
            Some(64 * 1024 * 1024)
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
