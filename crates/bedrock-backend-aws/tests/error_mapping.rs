//! Error mapping from the SDK to the core's kinds, with SDK clients mocked by aws-smithy-mocks:
//! real HTTP error responses go through the SDK's own deserializers, then through our mapping.

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig, SharedHttpClient};
use bedrock_core::{Backend, Error, ErrorKind, InvokeModelRequest, ModelId, Region};

fn error_response(status: u16, error_type: &str, message: &str) -> Response {
    let mut resp = Response::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(format!(r#"{{"message":"{message}"}}"#)),
    );
    resp.headers_mut().insert(
        "x-amzn-errortype",
        format!("{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
    );
    resp.headers_mut()
        .insert("x-amzn-requestid", "11111111-2222-3333-4444-555555555555");
    resp.headers_mut()
        .insert("content-type", "application/json");
    resp
}

fn backend_answering(status: u16, error_type: &'static str, message: &'static str) -> AwsBackend {
    let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
        .then_http_response(move || error_response(status, error_type, message));
    let runtime = mock_client!(aws_sdk_bedrockruntime, RuleMode::Sequential, [&rule], |c| c
        .retry_config(RetryConfig::disabled()));
    let control = mock_client!(
        aws_sdk_bedrock,
        RuleMode::Sequential,
        [] as [&aws_smithy_mocks::Rule; 0]
    );
    AwsBackend::new(AwsBackendConfig::default()).with_clients(Region::UsEast1, control, runtime)
}

fn request() -> InvokeModelRequest {
    InvokeModelRequest::json(
        ModelId::new("anthropic.claude-3-haiku-20240307-v1:0").unwrap(),
        Region::UsEast1,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[]}"#,
    )
}

#[tokio::test]
async fn each_bedrock_error_maps_to_its_kind_with_retry_advice() {
    let table: &[(u16, &str, ErrorKind, bool)] = &[
        (400, "ValidationException", ErrorKind::Validation, false),
        (403, "AccessDeniedException", ErrorKind::AccessDenied, false),
        (404, "ResourceNotFoundException", ErrorKind::NotFound, false),
        (409, "ConflictException", ErrorKind::Conflict, false),
        (408, "ModelTimeoutException", ErrorKind::ModelTimeout, true),
        (424, "ModelErrorException", ErrorKind::ModelError, false),
        (429, "ThrottlingException", ErrorKind::Throttling, true),
        (
            400,
            "ServiceQuotaExceededException",
            ErrorKind::ServiceQuotaExceeded,
            false,
        ),
        (
            429,
            "ModelNotReadyException",
            ErrorKind::ModelNotReady,
            true,
        ),
        (500, "InternalServerException", ErrorKind::Internal, true),
        (
            503,
            "ServiceUnavailableException",
            ErrorKind::ServiceUnavailable,
            true,
        ),
        (403, "ExpiredTokenException", ErrorKind::Credentials, false),
        (
            403,
            "UnrecognizedClientException",
            ErrorKind::Credentials,
            false,
        ),
        (
            403,
            "InvalidSignatureException",
            ErrorKind::Credentials,
            false,
        ),
    ];
    for &(status, error_type, kind, retryable) in table {
        let backend = backend_answering(status, error_type, "something went wrong here");
        let err = backend.invoke_model(request()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{error_type}: {err}");
        assert_eq!(err.is_retryable(), retryable, "{error_type}");
        let d = err.service_details().expect("service details kept");
        assert_eq!(d.status, Some(status), "{error_type}");
        assert_eq!(d.error_type.as_deref(), Some(error_type));
        assert_eq!(d.message, "something went wrong here");
        assert_eq!(
            err.request_id(),
            Some("11111111-2222-3333-4444-555555555555")
        );
    }
}

#[tokio::test]
async fn an_unknown_error_type_falls_back_to_the_status_code() {
    let backend = backend_answering(502, "SomethingNewException", "bad gateway");
    let err = backend.invoke_model(request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn token_count_headers_reach_the_response() {
    let rule = mock!(aws_sdk_bedrockruntime::Client::invoke_model).then_http_response(|| {
        let mut resp = Response::new(
            StatusCode::try_from(200).unwrap(),
            SdkBody::from(r#"{"ok":true}"#),
        );
        for (k, v) in [
            ("content-type", "application/json"),
            ("x-amzn-bedrock-input-token-count", "12"),
            ("x-amzn-bedrock-output-token-count", "34"),
            ("x-amzn-bedrock-invocation-latency", "56"),
            ("x-amzn-requestid", "req-42"),
        ] {
            resp.headers_mut().insert(k, v);
        }
        resp
    });
    let runtime = mock_client!(aws_sdk_bedrockruntime, [&rule]);
    let control = mock_client!(aws_sdk_bedrock, [] as [&aws_smithy_mocks::Rule; 0]);
    let backend = AwsBackend::new(AwsBackendConfig::default()).with_clients(
        Region::UsEast1,
        control,
        runtime,
    );
    let out = backend.invoke_model(request()).await.unwrap();
    assert_eq!(out.body.as_ref(), br#"{"ok":true}"#);
    let m = &out.metadata;
    assert_eq!(m.input_tokens, Some(12));
    assert_eq!(m.output_tokens, Some(34));
    assert_eq!(m.latency, std::time::Duration::from_millis(56));
    assert_eq!(m.request_id.as_deref(), Some("req-42"));
    assert_eq!(m.attempts, Some(1));
}

#[tokio::test]
async fn a_missing_credentials_provider_is_a_credentials_error() {
    // A real client (no mocks) with no credentials fails before anything is sent.
    let backend = AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        ..AwsBackendConfig::default()
    });
    let err = backend.invoke_model(request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    assert!(matches!(
        err,
        Error::Service {
            kind: ErrorKind::Credentials,
            ..
        }
    ));
    assert!(
        err.to_string().contains("AwsBackendConfig::credentials"),
        "names the missing setting: {err}"
    );
    assert!(!err.is_retryable());
}

/// A credentials provider that always fails, with a message that names no credentials.
#[derive(Debug)]
struct FailingProvider;

impl ProvideCredentials for FailingProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::provider_error("boom")))
    }
}

/// An HTTP client whose every request fails before a response, with this message.
#[derive(Debug, Clone)]
struct Unreachable(&'static str);

impl HttpConnector for Unreachable {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Err(ConnectorError::io(self.0.into())))
    }
}

impl HttpClient for Unreachable {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn real_backend(
    credentials: SharedCredentialsProvider,
    http_client: Option<SharedHttpClient>,
) -> AwsBackend {
    AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        credentials: Some(credentials),
        http_client,
        max_attempts: 1,
        ..AwsBackendConfig::default()
    })
}

#[tokio::test]
async fn credentials_failures_are_classified_by_the_sdks_error_type_not_by_words() {
    // A provider that fails with a message that says nothing about credentials.
    let err = real_backend(SharedCredentialsProvider::new(FailingProvider), None)
        .invoke_model(request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    assert!(!err.is_retryable());

    // A connection failure whose message talks about credentials and identity is still a
    // transport failure.
    let creds = Credentials::new("AKID", "SECRET", None, None, "test");
    let http = SharedHttpClient::new(Unreachable("credential and identity server unreachable"));
    let err = real_backend(SharedCredentialsProvider::new(creds), Some(http))
        .invoke_model(request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

#[test]
fn mid_stream_exceptions_map_by_their_variant() {
    use aws_sdk_bedrockruntime::error::SdkError;
    use aws_sdk_bedrockruntime::types::error::{
        InternalServerException, ModelStreamErrorException, ModelTimeoutException,
        ResponseStreamError, ServiceUnavailableException, ThrottlingException, ValidationException,
    };
    use aws_smithy_types::event_stream::RawMessage;
    use bedrock_backend_aws::map_stream_error;

    // The SDK leaves `code()` empty for modelled stream exceptions: the kind must come from the
    // variant, not from the code.
    let cases: Vec<(ResponseStreamError, ErrorKind, &str)> = vec![
        (
            ResponseStreamError::ModelStreamErrorException(
                ModelStreamErrorException::builder()
                    .message("the model broke")
                    .build(),
            ),
            ErrorKind::ModelError,
            "ModelStreamErrorException",
        ),
        (
            ResponseStreamError::ThrottlingException(
                ThrottlingException::builder().message("slow").build(),
            ),
            ErrorKind::Throttling,
            "ThrottlingException",
        ),
        (
            ResponseStreamError::InternalServerException(
                InternalServerException::builder().message("oops").build(),
            ),
            ErrorKind::Internal,
            "InternalServerException",
        ),
        (
            ResponseStreamError::ValidationException(
                ValidationException::builder().message("bad").build(),
            ),
            ErrorKind::Validation,
            "ValidationException",
        ),
        (
            ResponseStreamError::ModelTimeoutException(
                ModelTimeoutException::builder().message("late").build(),
            ),
            ErrorKind::ModelTimeout,
            "ModelTimeoutException",
        ),
        (
            ResponseStreamError::ServiceUnavailableException(
                ServiceUnavailableException::builder()
                    .message("down")
                    .build(),
            ),
            ErrorKind::ServiceUnavailable,
            "ServiceUnavailableException",
        ),
    ];
    for (source, kind, name) in cases {
        assert_eq!(
            aws_sdk_bedrockruntime::error::ProvideErrorMetadata::code(&source),
            None
        );
        let err = map_stream_error(SdkError::service_error(source, RawMessage::invalid(None)));
        assert_eq!(err.kind(), kind, "{name}: {err}");
        let d = err.service_details().unwrap();
        assert_eq!(d.error_type.as_deref(), Some(name));
        assert!(
            ["the model broke", "slow", "oops", "bad", "late", "down"]
                .contains(&d.message.as_str()),
            "{name}: the exception's own message, got {:?}",
            d.message
        );
        assert_eq!(d.status, None);
    }
}
