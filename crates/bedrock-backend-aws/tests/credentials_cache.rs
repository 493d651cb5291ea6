//! The backend's one credentials cache (shared by both services and every region, one load for
//! many concurrent calls) and Bedrock API keys (`Authorization: Bearer`, and the hint when the
//! key is refused), over an in-process HTTP client.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig, Token};
use bedrock_core::{
    Backend, ErrorKind, InvokeModelRequest, ListFoundationModelsRequest, ModelId, Region,
};
use bytes::Bytes;

/// Answers every request with `status` and `body`, recording the `authorization` headers.
#[derive(Debug, Clone)]
struct Recorder {
    status: u16,
    body: &'static str,
    authorizations: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn new(status: u16, body: &'static str) -> Self {
        Recorder {
            status,
            body,
            authorizations: Arc::default(),
        }
    }
}

impl HttpConnector for Recorder {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let authorization = request
            .headers()
            .get("authorization")
            .unwrap_or_default()
            .to_owned();
        self.authorizations.lock().unwrap().push(authorization);
        let mut response = Response::new(
            StatusCode::try_from(self.status).unwrap(),
            SdkBody::from(self.body),
        );
        response
            .headers_mut()
            .insert("content-type", "application/json");
        if self.status >= 400 {
            response
                .headers_mut()
                .insert("x-amzn-errortype", "UnrecognizedClientException");
        }
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Recorder {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// Temporary credentials valid for an hour, counting how often they are loaded.
#[derive(Debug, Default, Clone)]
struct CountingProvider {
    loads: Arc<AtomicUsize>,
}

impl ProvideCredentials for CountingProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let n = self.loads.fetch_add(1, Ordering::SeqCst) + 1;
            // Give concurrent callers time to pile up behind this load.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(aws_credential_types::Credentials::new(
                format!("ASIACOUNT{n}"),
                "secret",
                Some("token".to_owned()),
                Some(SystemTime::now() + Duration::from_secs(3600)),
                "counting",
            ))
        })
    }
}

fn request(region: Region) -> InvokeModelRequest {
    InvokeModelRequest::json(
        ModelId::new("amazon.titan-text-express-v1").unwrap(),
        region,
        Bytes::from_static(b"{}"),
    )
}

#[tokio::test]
async fn every_client_of_the_backend_shares_one_credentials_cache() {
    let provider = CountingProvider::default();
    let recorder = Recorder::new(200, r#"{"modelSummaries":[]}"#);
    let backend = AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        credentials: Some(SharedCredentialsProvider::new(provider.clone())),
        http_client: Some(SharedHttpClient::new(recorder.clone())),
        credentials_refresh_buffer: Duration::from_secs(60),
        ..AwsBackendConfig::default()
    });
    let invokes = [Region::UsEast1, Region::UsWest2, Region::EuWest1]
        .into_iter()
        .cycle()
        .take(48)
        .map(|region| {
            let backend = backend.clone();
            async move { backend.invoke_model(request(region)).await.map(|_| ()) }
        });
    let lists = [Region::UsEast1, Region::EuWest1].map(|region| {
        let backend = backend.clone();
        async move {
            backend
                .list_foundation_models(region, &ListFoundationModelsRequest::default())
                .await
                .map(|_| ())
        }
    });
    let (invoked, listed) = futures::join!(
        futures::future::join_all(invokes),
        futures::future::join_all(lists)
    );
    assert!(invoked.iter().chain(&listed).all(Result::is_ok));
    assert_eq!(
        provider.loads.load(Ordering::SeqCst),
        1,
        "one load for 50 calls"
    );
    let authorizations = recorder.authorizations.lock().unwrap();
    assert_eq!(authorizations.len(), 50);
    assert!(
        authorizations
            .iter()
            .all(|a| a.starts_with("AWS4-HMAC-SHA256 Credential=ASIACOUNT1/")),
        "{authorizations:?}"
    );
}

#[tokio::test]
async fn an_api_key_is_sent_as_a_bearer_token_instead_of_a_signature() {
    let provider = CountingProvider::default();
    let recorder = Recorder::new(200, r#"{"modelSummaries":[]}"#);
    let backend = AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        credentials: Some(SharedCredentialsProvider::new(provider.clone())),
        api_key: Some(Token::new("bedrock-api-key-SECRET-MARKER", None)),
        http_client: Some(SharedHttpClient::new(recorder.clone())),
        ..AwsBackendConfig::default()
    });
    backend
        .invoke_model(request(Region::UsEast1))
        .await
        .unwrap();
    backend
        .list_foundation_models(Region::UsWest2, &ListFoundationModelsRequest::default())
        .await
        .unwrap();
    assert_eq!(
        *recorder.authorizations.lock().unwrap(),
        vec!["Bearer bedrock-api-key-SECRET-MARKER"; 2]
    );
    assert_eq!(
        provider.loads.load(Ordering::SeqCst),
        0,
        "nothing is signed"
    );
    let config = AwsBackendConfig {
        api_key: backend.config().api_key.clone(),
        ..AwsBackendConfig::default()
    };
    let debug = format!("{config:?} {config:#?}");
    assert!(!debug.contains("SECRET-MARKER"), "{debug}");
}

#[tokio::test]
async fn a_refused_api_key_is_a_credentials_error_with_a_hint() {
    let recorder = Recorder::new(
        403,
        r#"{"message":"The security token included in the request is invalid."}"#,
    );
    let backend = AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        api_key: Some(Token::new("bedrock-api-key-expired", None)),
        http_client: Some(SharedHttpClient::new(recorder)),
        ..AwsBackendConfig::default()
    });
    let err = backend
        .invoke_model(request(Region::UsEast1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    let hint = err.hint().unwrap_or_default();
    assert!(
        hint.contains("API key") && hint.contains("AWS_BEARER_TOKEN_BEDROCK"),
        "{hint}"
    );
    assert!(!err.is_retryable());
    let err = backend
        .list_foundation_models(Region::UsEast1, &ListFoundationModelsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
}
