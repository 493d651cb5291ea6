//! The AWS SDK backend against faults injected by the emulator, one test per cell: how many
//! attempts the emulator saw (the SDK's standard retry, 3 attempts at most) and which error kind
//! the connector returned, with its retry advice and hint.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use bedrock_backend_aws::{AwsBackendConfig, RetryMode};
use bedrock_connector::{
    ChatMessage, ChatRequest, Connector, Error, ErrorKind, InferenceParams,
    InvokeModelGenericRequest, InvokeModelGenericResponse, InvokeOptions, ModelInput, Region,
    StreamEvent,
};
use bedrock_emulator::{
    Credentials as EmulatorCredentials, EXAMPLE_ACCESS_KEY_ID, Emulator, EmulatorConfig,
    EmulatorHandle,
};
use bedrock_simulator::{Fault, FaultRule, Operation, SimulatorConfig, StreamErrorKind};
use futures::StreamExt as _;
use serde_json::json;
use support::{
    aws_backend_config, aws_connector, example_credentials, model_id as id, start_emulator,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
const CLAUDE_MESSAGES: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// Offered in us-west-2 only.
const SD35_LARGE: &str = "stability.sd3-5-large-v1:0";
/// Legacy, end of life 2026-06-30.
const TITAN_IMAGE_V2: &str = "amazon.titan-image-generator-v2:0";

/// Every test finishes within this, or fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(60);

fn titan_body() -> String {
    json!({
        "inputText": "Describe a harbour at dusk.",
        "textGenerationConfig": {"maxTokenCount": 40},
    })
    .to_string()
}

fn claude_body() -> String {
    json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 60,
        "messages": [{"role": "user", "content": "Tell me about lighthouses."}],
    })
    .to_string()
}

/// Three attempts at most, with a short backoff so retried cells stay fast.
fn backend_config(url: String, credentials: Credentials) -> AwsBackendConfig {
    AwsBackendConfig {
        retry_mode: RetryMode::Standard,
        max_attempts: 3,
        initial_backoff: Some(Duration::from_millis(5)),
        ..aws_backend_config(url, credentials)
    }
}

struct Setup {
    emulator: EmulatorHandle,
    connector: Connector,
}

async fn setup_with(
    simulator: SimulatorConfig,
    faults: Vec<FaultRule>,
    tweak: impl FnOnce(&mut AwsBackendConfig),
) -> Setup {
    let emulator = start_emulator(EmulatorConfig {
        simulator,
        faults,
        ..EmulatorConfig::default()
    })
    .await;
    let mut config = backend_config(emulator.url(), example_credentials());
    tweak(&mut config);
    let connector = aws_connector(config);
    Setup {
        emulator,
        connector,
    }
}

async fn setup(faults: Vec<FaultRule>) -> Setup {
    setup_with(SimulatorConfig::default(), faults, |_| {}).await
}

async fn within<F: std::future::Future>(f: F) -> F::Output {
    support::within_limit(DEADLINE, "the call", f).await
}

/// A raw call through `connector`, within the deadline.
async fn invoke(
    connector: &Connector,
    model: &str,
    body: String,
) -> Result<InvokeModelGenericResponse, Error> {
    within(connector.invoke_model_generic(InvokeModelGenericRequest::json(id(model), body))).await
}

impl Setup {
    async fn invoke(&self, model: &str, body: String) -> Result<InvokeModelGenericResponse, Error> {
        invoke(&self.connector, model, body).await
    }

    async fn invoke_titan(&self) -> Result<InvokeModelGenericResponse, Error> {
        self.invoke(TITAN_TEXT, titan_body()).await
    }

    /// The attempt numbers the emulator saw for calls naming `model`, from `amz-sdk-request`.
    fn attempts_seen(&self, model: &str) -> Vec<Option<u32>> {
        self.emulator
            .simulator()
            .request_log()
            .into_iter()
            .filter(|e| e.model_id.as_deref() == Some(model))
            .map(|e| e.attempt)
            .collect()
    }

    fn assert_attempts(&self, model: &str, n: usize) {
        assert_eq!(
            self.emulator.simulator().attempts_for(model),
            n,
            "attempts the emulator counted for {model}"
        );
        let expected: Vec<Option<u32>> = (1..=n as u32).map(Some).collect();
        assert_eq!(
            self.attempts_seen(model),
            expected,
            "attempt numbers in the request log"
        );
    }
}

fn assert_service_error(err: &Error, kind: ErrorKind, error_type: &str, status: u16) {
    assert_eq!(err.kind(), kind, "{err}");
    let d = err.service_details().expect("service details");
    assert_eq!(d.error_type.as_deref(), Some(error_type), "{err}");
    assert_eq!(d.status, Some(status), "{err}");
    assert!(d.request_id.is_some(), "request id kept: {err}");
    assert!(!d.message.is_empty());
}

/// How a Titan Text call under a fault must fail.
struct Failure {
    kind: ErrorKind,
    error_type: &'static str,
    status: u16,
    retryable: bool,
    /// Attempts the emulator sees, numbered from 1.
    attempts: usize,
}

/// Installs `fault` on every Titan Text call, calls once, and checks the error and the
/// attempts against `expected`; the set-up and the error come back for further checks.
async fn titan_failing_with(fault: Fault, expected: Failure) -> (Setup, Error) {
    let s = setup(vec![FaultRule::new(fault).model(TITAN_TEXT)]).await;
    let err = s.invoke_titan().await.unwrap_err();
    assert_service_error(&err, expected.kind, expected.error_type, expected.status);
    assert_eq!(err.is_retryable(), expected.retryable, "{err}");
    s.assert_attempts(TITAN_TEXT, expected.attempts);
    (s, err)
}

// ---------------------------------------------------------------------------------------------
// Retried faults
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_twice_then_success_takes_three_attempts() {
    let s = setup(vec![
        FaultRule::new(Fault::Throttling).model(TITAN_TEXT).times(2),
    ])
    .await;
    let response = s.invoke_titan().await.expect("the third attempt succeeds");
    assert!(!response.body.is_empty());
    assert!(response.metadata.output_tokens.is_some());
    s.assert_attempts(TITAN_TEXT, 3);
    let log = s.emulator.simulator().request_log();
    let statuses: Vec<u16> = log.iter().map(|e| e.outcome.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_always_fails_as_throttling_after_three_attempts() {
    let (_s, err) = titan_failing_with(
        Fault::Throttling,
        Failure {
            kind: ErrorKind::Throttling,
            error_type: "ThrottlingException",
            status: 429,
            retryable: true,
            attempts: 3,
        },
    )
    .await;
    assert!(matches!(
        err,
        Error::Service {
            kind: ErrorKind::Throttling,
            ..
        }
    ));
    let d = err.service_details().unwrap();
    assert_eq!(d.model_id.as_deref(), Some(TITAN_TEXT));
    assert_eq!(d.region, Some(Region::UsEast1));
    assert!(err.hint().unwrap().contains("quota"), "{:?}", err.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_unavailable_is_retried_to_the_maximum() {
    titan_failing_with(
        Fault::ServiceUnavailable,
        Failure {
            kind: ErrorKind::ServiceUnavailable,
            error_type: "ServiceUnavailableException",
            status: 503,
            retryable: true,
            attempts: 3,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_server_error_is_retried_to_the_maximum() {
    titan_failing_with(
        Fault::InternalServer,
        Failure {
            kind: ErrorKind::Internal,
            error_type: "InternalServerException",
            status: 500,
            retryable: true,
            attempts: 3,
        },
    )
    .await;
}

/// 408 `ModelTimeoutException`: the SDK's own classifiers would not retry it (it is not modelled
/// as retryable and 408 is not a transient status); the backend's retry classifier makes the SDK
/// retry it, as its retryable error kind says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_timeout_is_retried_to_the_maximum() {
    titan_failing_with(
        Fault::ModelTimeout,
        Failure {
            kind: ErrorKind::ModelTimeout,
            error_type: "ModelTimeoutException",
            status: 408,
            retryable: true,
            attempts: 3,
        },
    )
    .await;
}

/// `ModelNotReadyException` is modelled as retryable in the Bedrock runtime's service model, so
/// the SDK's standard mode retries it like throttling (even though it is not a throttling error).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_not_ready_is_retried_by_the_sdk() {
    titan_failing_with(
        Fault::ModelNotReady,
        Failure {
            kind: ErrorKind::ModelNotReady,
            error_type: "ModelNotReadyException",
            status: 429,
            retryable: true,
            attempts: 3,
        },
    )
    .await;

    // And a model that becomes ready during the retries answers.
    let s = setup(vec![
        FaultRule::new(Fault::ModelNotReady)
            .model(TITAN_TEXT)
            .times(1),
    ])
    .await;
    s.invoke_titan().await.expect("ready on the second attempt");
    s.assert_attempts(TITAN_TEXT, 2);
}

/// Adaptive mode adds a client-side rate limiter that, after a throttle, can hold the retry
/// back for as long as `max_backoff` (20 s by default); a small `max_backoff` bounds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_mode_retries_throttling_within_max_backoff() {
    let s = setup_with(
        SimulatorConfig::default(),
        vec![FaultRule::new(Fault::Throttling).model(TITAN_TEXT).times(2)],
        |c| {
            c.retry_mode = RetryMode::Adaptive;
            c.max_backoff = Some(Duration::from_millis(100));
        },
    )
    .await;
    let started = Instant::now();
    s.invoke_titan().await.expect("the third attempt succeeds");
    s.assert_attempts(TITAN_TEXT, 3);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "retries waited at most max_backoff: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_attempts_one_disables_retries() {
    let s = setup_with(
        SimulatorConfig::default(),
        vec![FaultRule::new(Fault::Throttling).model(TITAN_TEXT)],
        |c| c.max_attempts = 1,
    )
    .await;
    let err = s.invoke_titan().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttling);
    s.assert_attempts(TITAN_TEXT, 1);
}

// ---------------------------------------------------------------------------------------------
// Faults that are not retried
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_error_is_not_retried() {
    titan_failing_with(
        Fault::ModelError,
        Failure {
            kind: ErrorKind::ModelError,
            error_type: "ModelErrorException",
            status: 424,
            retryable: false,
            attempts: 1,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_400_takes_one_attempt() {
    let s = setup(Vec::new()).await;
    // Claude Messages without `max_tokens`.
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "messages": [{"role": "user", "content": "hi"}],
    });
    let err = s
        .invoke(CLAUDE_MESSAGES, body.to_string())
        .await
        .unwrap_err();
    assert_service_error(&err, ErrorKind::Validation, "ValidationException", 400);
    assert!(!err.is_retryable());
    assert!(
        err.service_message().unwrap().contains("max_tokens"),
        "Bedrock's raw message is kept: {err}"
    );
    s.assert_attempts(CLAUDE_MESSAGES, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_exceeded_takes_one_attempt() {
    titan_failing_with(
        Fault::ServiceQuotaExceeded,
        Failure {
            kind: ErrorKind::ServiceQuotaExceeded,
            error_type: "ServiceQuotaExceededException",
            status: 400,
            retryable: false,
            attempts: 1,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_403_takes_one_attempt_and_says_to_grant_access() {
    let s = setup_with(
        SimulatorConfig::default().not_granted(CLAUDE_MESSAGES),
        Vec::new(),
        |_| {},
    )
    .await;
    let err = s.invoke(CLAUDE_MESSAGES, claude_body()).await.unwrap_err();
    assert_service_error(&err, ErrorKind::AccessDenied, "AccessDeniedException", 403);
    assert!(!err.is_retryable());
    s.assert_attempts(CLAUDE_MESSAGES, 1);
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("Model access") && hint.contains("us-east-1"),
        "{hint}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_404_takes_one_attempt_and_names_the_regions() {
    let s = setup(Vec::new()).await;
    let err = within(s.connector.get_foundation_model(&id(SD35_LARGE)))
        .await
        .unwrap_err();
    assert_service_error(&err, ErrorKind::NotFound, "ResourceNotFoundException", 404);
    assert!(!err.is_retryable());
    assert_eq!(s.emulator.simulator().attempts_for(SD35_LARGE), 1);
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("not offered in us-east-1") && hint.contains("us-west-2"),
        "the hint names the region called and where the model is offered: {hint}"
    );

    // An unknown model is a 404 too, with the generic advice.
    let err = within(
        s.connector
            .get_foundation_model(&id("amazon.titan-nonexistent-v9")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        s.emulator
            .simulator()
            .attempts_for("amazon.titan-nonexistent-v9"),
        1
    );
    assert!(err.hint().is_some());
}

/// InvokeModel on a model the catalog offers, but not in the region called: 404, once, and a
/// hint naming the region called and where the model is offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoking_a_model_outside_its_regions_is_404_after_one_attempt() {
    let s = setup(Vec::new()).await;
    // Bedrock's own 404, through the AWS backend: the connector's pre-flight check would answer
    // this call locally first (tests/tests/profiles.rs checks that), so it is off here.
    use bedrock_connector::ConnectorBuilderExt as _;
    let unchecked = Connector::builder()
        .default_adapters()
        .preflight(false)
        .aws_backend(backend_config(s.emulator.url(), example_credentials()))
        .build()
        .unwrap();
    let body = json!({"prompt": "a boat", "seed": 1}).to_string();
    let err = invoke(&unchecked, SD35_LARGE, body).await.unwrap_err();
    assert_service_error(&err, ErrorKind::NotFound, "ResourceNotFoundException", 404);
    assert!(!err.is_retryable());
    s.assert_attempts(SD35_LARGE, 1);
    let d = err.service_details().unwrap();
    assert_eq!(d.region, Some(Region::UsEast1));
    assert_eq!(d.model_id.as_deref(), Some(SD35_LARGE));
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("not offered in us-east-1") && hint.contains("us-west-2"),
        "{hint}"
    );
}

/// The same model called from the region that offers it (a per-call region) answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_model_answers_in_its_own_region() {
    let s = setup(Vec::new()).await;
    let mut request =
        InvokeModelGenericRequest::json(id(SD35_LARGE), json!({"prompt": "a boat"}).to_string());
    request.region = Some(Region::UsWest2);
    within(s.connector.invoke_model_generic(request))
        .await
        .expect("us-west-2 offers it");
    let log = s.emulator.simulator().request_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].region, Region::UsWest2);
}

/// A retired model (simulated date past its end of life): 404 with Bedrock's end-of-life
/// message, once, and a hint naming the successor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_model_is_404_with_its_successor() {
    let s = setup_with(
        SimulatorConfig::default().simulate_date("2026-07-01"),
        Vec::new(),
        |_| {},
    )
    .await;
    let body = json!({
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a kite"},
        "imageGenerationConfig": {"numberOfImages": 1, "width": 512, "height": 512},
    })
    .to_string();
    let err = s.invoke(TITAN_IMAGE_V2, body).await.unwrap_err();
    assert_service_error(&err, ErrorKind::NotFound, "ResourceNotFoundException", 404);
    s.assert_attempts(TITAN_IMAGE_V2, 1);
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("end of life on 2026-06-30") && hint.contains("use `"),
        "{hint}"
    );
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// A TCP relay in front of the emulator that counts the requests passing through it (requests
/// refused by authentication never reach the simulator's log).
struct CountingRelay {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl CountingRelay {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (mut from_client, mut to_client) = inbound.into_split();
                let (mut from_server, mut to_server) = outbound.into_split();
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    // Every SDK request carries one `amz-sdk-request` header; count them as
                    // they stream by, keeping a tail so a name split across reads still counts.
                    const NEEDLE: &[u8] = b"amz-sdk-request:";
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut window: Vec<u8> = Vec::new();
                    loop {
                        let n = match from_client.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        window.extend_from_slice(&buf[..n]);
                        let found = window
                            .windows(NEEDLE.len())
                            .filter(|w| w.eq_ignore_ascii_case(NEEDLE))
                            .count();
                        counter.fetch_add(found, Ordering::SeqCst);
                        let keep = NEEDLE.len() - 1;
                        if window.len() > keep {
                            window.drain(..window.len() - keep);
                        }
                        if to_server.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown().await;
                });
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    let _ = to_client.shutdown().await;
                });
            }
        });
        CountingRelay { addr, requests }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A Titan Text call that must fail, signed with `credentials` and sent through a
/// [`CountingRelay`] in front of the emulator at `upstream`.
async fn titan_through_relay(
    upstream: SocketAddr,
    credentials: Credentials,
) -> (CountingRelay, Error) {
    let relay = CountingRelay::start(upstream).await;
    let connector = aws_connector(backend_config(relay.url(), credentials));
    let err = invoke(&connector, TITAN_TEXT, titan_body())
        .await
        .unwrap_err();
    (relay, err)
}

/// The emulator accepts a session whose token expired an hour ago; the client signs with that
/// token. Bedrock answers 403 `ExpiredTokenException`: a credentials error, sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_token_is_a_credentials_error_after_one_attempt() {
    const KEY: &str = "ASIAEXPIREDEXAMPLE";
    const SECRET: &str = "expired/session/secret/EXAMPLEKEY";
    const TOKEN: &str = "expired-session-token-EXAMPLE";
    let emulator = Emulator::builder()
        .credentials(
            EmulatorCredentials::new(KEY, SECRET)
                .with_session_token(TOKEN)
                .with_expiry(SystemTime::now() - Duration::from_secs(3600)),
        )
        .start()
        .await
        .unwrap();
    let credentials = Credentials::new(KEY, SECRET, Some(TOKEN.to_owned()), None, "expired");
    let (relay, err) = titan_through_relay(emulator.addr(), credentials).await;
    assert_service_error(&err, ErrorKind::Credentials, "ExpiredTokenException", 403);
    assert!(matches!(
        err,
        Error::Service {
            kind: ErrorKind::Credentials,
            ..
        }
    ));
    assert!(!err.is_retryable());
    assert!(err.service_message().unwrap().contains("expired"), "{err}");
    assert!(
        err.hint().unwrap().contains("session token"),
        "{:?}",
        err.hint()
    );
    assert_eq!(relay.requests(), 1, "sent once, never retried");
    assert!(
        emulator.simulator().request_log().is_empty(),
        "refused before the simulator"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_a_credentials_error_after_one_attempt() {
    let s = setup(Vec::new()).await;
    let wrong = Credentials::new(EXAMPLE_ACCESS_KEY_ID, "not-the-secret", None, None, "wrong");
    let (relay, err) = titan_through_relay(s.emulator.addr(), wrong).await;
    assert_service_error(
        &err,
        ErrorKind::Credentials,
        "InvalidSignatureException",
        403,
    );
    assert!(!err.is_retryable());
    assert_eq!(relay.requests(), 1);
}

// ---------------------------------------------------------------------------------------------
// Timeouts and broken streams
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_timeout_is_a_retryable_transport_timeout() {
    let s = setup_with(
        SimulatorConfig::default(),
        vec![FaultRule::new(Fault::Latency { millis: 3_000 }).model(TITAN_TEXT)],
        |c| c.operation_timeout = Some(Duration::from_millis(300)),
    )
    .await;
    let started = Instant::now();
    let err = s.invoke_titan().await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(
        matches!(err, Error::Transport { timeout: true, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        elapsed < Duration::from_millis(2_500),
        "gave up at the operation timeout, after {elapsed:?}"
    );
    // The operation timeout bounds the whole call: one attempt started, none after it.
    assert_eq!(s.emulator.simulator().attempts_for(TITAN_TEXT), 1);
}

/// An attempt timeout is a transient error the SDK retries: the slow first attempt is
/// abandoned and the second answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_timeout_is_retried() {
    let s = setup_with(
        SimulatorConfig::default(),
        vec![
            FaultRule::new(Fault::Latency { millis: 3_000 })
                .model(TITAN_TEXT)
                .times(1),
        ],
        |c| c.attempt_timeout = Some(Duration::from_millis(300)),
    )
    .await;
    let started = Instant::now();
    s.invoke_titan().await.expect("the second attempt answers");
    assert!(started.elapsed() < Duration::from_millis(2_500));
    assert_eq!(s.emulator.simulator().attempts_for(TITAN_TEXT), 2);
}

async fn stream_chunks(s: &Setup, model: &str, body: String) -> Vec<Result<usize, Error>> {
    let (_, stream) = within(
        s.connector
            .invoke_model_generic_stream(InvokeModelGenericRequest::json(id(model), body)),
    )
    .await
    .expect("the stream starts");
    within(stream.map(|c| c.map(|c| c.bytes.len())).collect::<Vec<_>>()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_stream_ends_with_a_transport_error() {
    let s = setup(vec![
        FaultRule::new(Fault::TruncateStream { after_chunks: 2 }).model(TITAN_TEXT),
    ])
    .await;
    let items = stream_chunks(&s, TITAN_TEXT, titan_body()).await;
    assert_eq!(items.len(), 3, "two chunks, then the error: {items:?}");
    assert!(items[..2].iter().all(|c| c.as_ref().is_ok_and(|n| *n > 0)));
    let err = items[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(!err.is_retryable());
    // A stream that started is never retried.
    s.assert_attempts(TITAN_TEXT, 1);

    // The typed stream also ends with the error, after the text that did arrive.
    let chat = ModelInput::Chat(ChatRequest {
        messages: vec![ChatMessage::user("Tell me about tides.")],
        params: InferenceParams {
            max_tokens: Some(60),
            ..InferenceParams::default()
        },
        ..ChatRequest::default()
    });
    let stream = within(s.connector.invoke_stream(
        &id(TITAN_TEXT),
        &chat,
        InvokeOptions::default(),
    ))
    .await
    .unwrap();
    let events: Vec<_> = within(stream.events.collect::<Vec<_>>()).await;
    let (last, before) = events.split_last().unwrap();
    assert_eq!(last.as_ref().unwrap_err().kind(), ErrorKind::Transport);
    assert!(
        before
            .iter()
            .any(|e| matches!(e, Ok(StreamEvent::TextDelta { .. })))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mid_stream_exception_is_a_typed_error_on_the_stream() {
    let cases = [
        (
            StreamErrorKind::ModelStreamError,
            ErrorKind::ModelError,
            false,
        ),
        (StreamErrorKind::Throttling, ErrorKind::Throttling, true),
        (StreamErrorKind::InternalServer, ErrorKind::Internal, true),
        (StreamErrorKind::Validation, ErrorKind::Validation, false),
        (StreamErrorKind::ModelTimeout, ErrorKind::ModelTimeout, true),
        (
            StreamErrorKind::ServiceUnavailable,
            ErrorKind::ServiceUnavailable,
            true,
        ),
    ];
    for (stream_kind, kind, retryable) in cases {
        let s = setup(vec![
            FaultRule::new(Fault::StreamError {
                after_chunks: 1,
                kind: stream_kind,
            })
            .model(CLAUDE_MESSAGES)
            .operation(Operation::InvokeStream),
        ])
        .await;
        let items = stream_chunks(&s, CLAUDE_MESSAGES, claude_body()).await;
        assert_eq!(items.len(), 2, "{stream_kind:?}: one chunk, then the error");
        assert!(items[0].is_ok());
        let err = items[1].as_ref().unwrap_err();
        assert_eq!(err.kind(), kind, "{stream_kind:?}: {err}");
        assert_eq!(err.is_retryable(), retryable, "{stream_kind:?}");
        let d = err.service_details().expect("service details");
        let name = stream_kind.event_name();
        let type_name = name[..1].to_ascii_uppercase() + &name[1..];
        assert_eq!(
            d.error_type.as_deref(),
            Some(type_name.as_str()),
            "the exception's type name"
        );
        assert!(!d.message.is_empty());
        assert_eq!(d.status, None, "the stream itself answered 200");
        let opened = s.emulator.simulator().request_log().pop().unwrap();
        assert_eq!(
            d.request_id.as_deref(),
            Some(opened.request_id.as_str()),
            "the request id of the response that opened the stream"
        );
        assert_eq!(d.model_id.as_deref(), Some(CLAUDE_MESSAGES));
        s.assert_attempts(CLAUDE_MESSAGES, 1);
    }
}

/// A 200 with a body that is not JSON: the raw call returns it unchanged, a typed call fails
/// with a decode error, and neither is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_is_a_decode_error_for_typed_calls() {
    let s = setup(vec![FaultRule::new(Fault::MalformedBody).model(TITAN_TEXT)]).await;
    let raw = s
        .invoke_titan()
        .await
        .expect("the raw call passes bytes through");
    assert!(serde_json::from_slice::<serde_json::Value>(&raw.body).is_err());
    let err = within(s.connector.generate_text(
        &id(TITAN_TEXT),
        bedrock_connector::TextRequest::new("hello").max_tokens(10),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(!err.is_retryable());
    // Two calls, one attempt each.
    assert_eq!(s.emulator.simulator().attempts_for(TITAN_TEXT), 2);
    assert_eq!(s.attempts_seen(TITAN_TEXT), [Some(1), Some(1)]);
}
