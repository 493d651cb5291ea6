//! Temporary credentials end to end through the library: IAM Roles Anywhere sessions (RSA and
//! P-256 certificates, directly under the trust anchor or through an intermediate CA) and STS
//! AssumeRole from the emulator feed the AWS backend, which then invokes a model; refused
//! certificates and profiles, expired credentials and Bedrock API keys.

mod credentials_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use bedrock_auth::{
    AssumeRoleSettings, AuthError, CredentialsSource, CredentialsSpec, RolesAnywhereSettings,
    StaticSource, into_shared_provider,
};
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig, Token};
use bedrock_core::{Backend, ErrorKind, InvokeModelRequest, ModelId, Region};
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorHandle,
};
use bytes::Bytes;
use credentials_support::*;

const MARGIN: Duration = Duration::from_secs(1);

async fn start(root: &Ca, lifetime: Duration) -> EmulatorHandle {
    Emulator::builder()
        .config(emulator_config(root, lifetime))
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("emulator starts")
}

fn settings(files: &ClientFiles, url: &str) -> RolesAnywhereSettings {
    RolesAnywhereSettings {
        certificate: files.certificate.clone(),
        private_key: files.private_key.clone(),
        intermediates: files.intermediates.clone(),
        trust_anchor_arn: TRUST_ANCHOR_ARN.to_owned(),
        profile_arn: PROFILE_ARN.to_owned(),
        role_arn: ROLE_ARN.to_owned(),
        endpoint_url: Some(url.to_owned()),
        ..RolesAnywhereSettings::default()
    }
}

fn backend(url: &str, credentials: Arc<dyn CredentialsSource>) -> AwsBackend {
    AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some(url.to_owned()),
        credentials: Some(into_shared_provider(credentials)),
        max_attempts: 1,
        ..AwsBackendConfig::default()
    })
}

fn titan() -> InvokeModelRequest {
    InvokeModelRequest::json(
        ModelId::new(MODEL).unwrap(),
        Region::UsEast1,
        Bytes::from_static(br#"{"inputText":"hi","textGenerationConfig":{"maxTokenCount":16}}"#),
    )
}

async fn invoke(backend: &AwsBackend) -> bedrock_core::Result<String> {
    let response = backend.invoke_model(titan()).await?;
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    Ok(body["results"][0]["outputText"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_anywhere_sessions_invoke_a_model_with_rsa_and_p256_certificates() {
    let root = Ca::root("Test Root CA");
    let intermediate = root.intermediate("Test Issuing CA");
    let emulator = start(&root, Duration::from_secs(900)).await;
    let url = emulator.url();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("rsa", &rcgen::PKCS_RSA_SHA256, None),
        ("p256", &rcgen::PKCS_ECDSA_P256_SHA256, None),
        (
            "rsa-via-intermediate",
            &rcgen::PKCS_RSA_SHA256,
            Some(&intermediate),
        ),
        (
            "p256-via-intermediate",
            &rcgen::PKCS_ECDSA_P256_SHA256,
            Some(&intermediate),
        ),
    ];
    for (stem, alg, via) in cases {
        let issuer = via.unwrap_or(&root);
        let files = issuer.client(alg, stem).write(dir.path(), stem, via);
        let spec = CredentialsSpec::RolesAnywhere(settings(&files, &url));
        let source = spec.source(REGION, MARGIN).await.unwrap();
        let credentials = source.credentials().await.unwrap();
        let expiry = credentials.expires_at().expect("temporary credentials");
        assert!(expiry > SystemTime::now(), "{stem}");
        assert!(credentials.session_token().is_some(), "{stem}");
        let text = invoke(&backend(&url, source))
            .await
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert!(!text.is_empty(), "{stem}");
    }
    let requests = emulator.credential_requests();
    assert_eq!(requests.create_session, 4);
    assert_eq!(requests.issued, 4);
}

/// The error a Roles Anywhere source gives for `settings`.
async fn refusal(settings: RolesAnywhereSettings) -> AuthError {
    let source = CredentialsSpec::RolesAnywhere(settings)
        .source(REGION, MARGIN)
        .await
        .unwrap();
    source.credentials().await.unwrap_err()
}

fn assert_access_denied(what: &str, err: &AuthError) {
    match err {
        AuthError::Service { status, code, .. } => {
            assert_eq!(
                (*status, code.as_str()),
                (403, "AccessDeniedException"),
                "{what}: {err}"
            );
        }
        other => panic!("{what}: expected 403 AccessDeniedException, got {other:?}"),
    }
    assert!(!err.is_retryable(), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_cas_expired_certificates_and_wrong_profiles_are_refused_with_403() {
    let root = Ca::root("Test Root CA");
    let emulator = start(&root, Duration::from_secs(900)).await;
    let url = emulator.url();
    let dir = tempfile::tempdir().unwrap();

    let stranger = Ca::root("Some Other CA").client(&rcgen::PKCS_ECDSA_P256_SHA256, "stranger");
    let files = stranger.write(dir.path(), "stranger", None);
    assert_access_denied("another CA", &refusal(settings(&files, &url)).await);

    let expired = root.expired_client(&rcgen::PKCS_RSA_SHA256);
    let files = expired.write(dir.path(), "expired", None);
    assert_access_denied(
        "an expired certificate",
        &refusal(settings(&files, &url)).await,
    );

    let good = root.client(&rcgen::PKCS_ECDSA_P256_SHA256, "good");
    let files = good.write(dir.path(), "good", None);
    let mut wrong_profile = settings(&files, &url);
    wrong_profile.profile_arn =
        "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-unknown".to_owned();
    assert_access_denied("an unknown profile ARN", &refusal(wrong_profile).await);
    let mut unlisted_role = settings(&files, &url);
    unlisted_role.profile_arn = OTHER_PROFILE_ARN.to_owned();
    assert_access_denied(
        "a role the profile does not list",
        &refusal(unlisted_role).await,
    );

    // The same certificate with the right settings works.
    let source = CredentialsSpec::RolesAnywhere(settings(&files, &url))
        .source(REGION, MARGIN)
        .await
        .unwrap();
    invoke(&backend(&url, source)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_with_known_credentials_and_over_roles_anywhere() {
    let root = Ca::root("Test Root CA");
    let emulator = start(&root, Duration::from_secs(900)).await;
    let url = emulator.url();
    // Base credentials the emulator knows (its example pair).
    let base: Arc<dyn CredentialsSource> = Arc::new(
        StaticSource::from_keys(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY).unwrap(),
    );
    let assume = |external_id: &str| {
        bedrock_auth::AssumeRoleSource::builder(ADMIN_ROLE_ARN)
            .external_id(external_id)
            .session_name("e2e-test")
            .endpoint_url(&url)
            .base_provider(into_shared_provider(base.clone()))
            .build()
    };
    let source = Arc::new(assume(EXTERNAL_ID).await.unwrap());
    let credentials = source.credentials().await.unwrap();
    assert!(
        credentials.access_key_id().starts_with("ASIA"),
        "{credentials:?}"
    );
    invoke(&backend(&url, source)).await.unwrap();
    // AssumeRoleSource alone does not cache: one call above, one for the backend.
    assert_eq!(emulator.credential_requests().assume_role, 2);

    // A wrong external id is refused by STS.
    let wrong = assume("someone-else").await.unwrap();
    let err = wrong.credentials().await.unwrap_err();
    assert!(err.to_string().contains("AccessDenied"), "{err}");

    // AssumeRole called with Roles Anywhere credentials, as a profile's source_profile does.
    let dir = tempfile::tempdir().unwrap();
    let files = root
        .client(&rcgen::PKCS_RSA_SHA256, "chained")
        .write(dir.path(), "chained", None);
    let spec = CredentialsSpec::AssumeRole {
        role: AssumeRoleSettings {
            role_arn: ADMIN_ROLE_ARN.to_owned(),
            external_id: Some(EXTERNAL_ID.to_owned()),
            endpoint_url: Some(url.clone()),
            ..AssumeRoleSettings::default()
        },
        base: Box::new(CredentialsSpec::RolesAnywhere(settings(&files, &url))),
    };
    let source = spec.source(REGION, MARGIN).await.unwrap();
    invoke(&backend(&url, source)).await.unwrap();
    let requests = emulator.credential_requests();
    assert_eq!((requests.create_session, requests.assume_role), (1, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_credentials_are_refused_once_expired() {
    let root = Ca::root("Test Root CA");
    let emulator = start(&root, Duration::from_secs(1)).await;
    let url = emulator.url();
    let dir = tempfile::tempdir().unwrap();
    let files =
        root.client(&rcgen::PKCS_ECDSA_P256_SHA256, "short")
            .write(dir.path(), "short", None);
    let issued = settings(&files, &url)
        .source()
        .unwrap()
        .credentials()
        .await
        .unwrap();
    let expiry = issued.expires_at().unwrap();
    // Hand the SDK the same keys without their expiry, so that it sends them after it.
    let keys = aws_credential_types::Credentials::new(
        issued.access_key_id(),
        issued.secret_access_key().expose_secret(),
        issued.session_token().map(|t| t.expose_secret().to_owned()),
        None,
        "expired-test",
    );
    let sdk_backend = AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some(url.clone()),
        credentials: Some(SharedCredentialsProvider::new(keys)),
        max_attempts: 1,
        ..AwsBackendConfig::default()
    });
    invoke(&sdk_backend).await.expect("valid before the expiry");
    while SystemTime::now() < expiry + Duration::from_millis(100) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let err = invoke(&sdk_backend).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    let details = err.service_details().expect("a service error");
    assert_eq!(
        details.error_type.as_deref(),
        Some("ExpiredTokenException"),
        "{err}"
    );
    assert_eq!(details.status, Some(403));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_api_keys_are_sent_as_bearer_tokens() {
    let root = Ca::root("Test Root CA");
    let emulator = start(&root, Duration::from_secs(900)).await;
    let with_key = |key: &str| {
        AwsBackend::new(AwsBackendConfig {
            endpoint_url: Some(emulator.url()),
            api_key: Some(Token::new(key, None)),
            max_attempts: 1,
            ..AwsBackendConfig::default()
        })
    };
    invoke(&with_key(API_KEY)).await.expect("a known key works");
    let err = invoke(&with_key("bedrock-api-key-unknown"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    let hint = err.hint().unwrap_or_default();
    assert!(hint.contains("API key"), "{hint}");
    assert!(!format!("{err} {err:?}").contains("bedrock-api-key-unknown"));
}
