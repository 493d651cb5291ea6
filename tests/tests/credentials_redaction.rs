//! Secrets stay secret across crates: the AWS backend's settings with an API key and with
//! temporary credentials, the emulator's configuration, the errors of refused keys, and the
//! trace of whole calls (SDK internals included) never show a secret key, a session token, an
//! API key or a passphrase. The types of bedrock-auth are scanned in its own redaction test;
//! the CLI's output in its credentials test.

mod credentials_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bedrock_auth::{
    CredentialsSource, CredentialsSpec, RolesAnywhereSettings, SecretString, into_shared_provider,
};
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig, Token};
use bedrock_core::{Backend, InvokeModelRequest, ModelId, Region};
use bedrock_emulator::{Credentials, Emulator, EmulatorConfig};
use bytes::Bytes;
use credentials_support::*;

const PASSPHRASE: &str = "PASSPHRASE-MARKER-xyzzy";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut bytes) => bytes.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} shows a secret ({secret}):\n{text}"
        );
    }
}

fn request() -> InvokeModelRequest {
    InvokeModelRequest::json(
        ModelId::new(MODEL).unwrap(),
        Region::UsEast1,
        Bytes::from_static(br#"{"inputText":"hi"}"#),
    )
}

#[tokio::test(flavor = "current_thread")]
async fn settings_errors_and_traces_hold_no_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let root = Ca::root("Redaction Root CA");
    let mut config = emulator_config(&root, Duration::from_secs(900));
    config.credentials.push(
        Credentials::new("ASIAREDACTION", "SECRET-MARKER-emulator")
            .with_session_token("TOKEN-MARKER-emulator"),
    );
    config.control_token = Some("CONTROL-MARKER-0123456789".to_owned());
    let config_text = format!("{config:?} {config:#?}");
    assert_clean(
        "EmulatorConfig",
        &config_text,
        &["MARKER", API_KEY, EXTERNAL_ID],
    );
    let emulator = Emulator::builder()
        .config(config)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let url = emulator.url();

    // Roles Anywhere with an encrypted key: settings, source, credentials, backend.
    let dir = tempfile::tempdir().unwrap();
    let client = root.client(&rcgen::PKCS_ECDSA_P256_SHA256, "redaction");
    let files = client.write(dir.path(), "redaction", None);
    std::fs::write(&files.private_key, client.encrypted_key_pem(PASSPHRASE)).unwrap();
    let settings = RolesAnywhereSettings {
        certificate: files.certificate,
        private_key: files.private_key,
        trust_anchor_arn: TRUST_ANCHOR_ARN.to_owned(),
        profile_arn: PROFILE_ARN.to_owned(),
        role_arn: ROLE_ARN.to_owned(),
        endpoint_url: Some(url.clone()),
        passphrase: Some(SecretString::new(PASSPHRASE)),
        ..RolesAnywhereSettings::default()
    };
    let spec = CredentialsSpec::RolesAnywhere(settings);
    let source = spec.source(REGION, Duration::from_secs(60)).await.unwrap();
    let issued = source.credentials().await.unwrap();
    let secret = issued.secret_access_key().expose_secret().to_owned();
    let token = issued.session_token().unwrap().expose_secret().to_owned();
    let secrets = [
        secret.as_str(),
        token.as_str(),
        PASSPHRASE,
        API_KEY,
        "MARKER",
    ];
    let backend = AwsBackend::new(AwsBackendConfig {
        endpoint_url: Some(url.clone()),
        credentials: Some(into_shared_provider(source.clone())),
        max_attempts: 1,
        ..AwsBackendConfig::default()
    });
    backend.invoke_model(request()).await.unwrap();
    let text = format!(
        "{spec:?} {source:?} {issued:?} {backend:?} {:?}",
        backend.config()
    );
    assert_clean(
        "Roles Anywhere settings, source and backend",
        &text,
        &secrets,
    );

    // API keys: the backend's settings and the error of a refused key.
    let with_key = |key: &str| {
        AwsBackend::new(AwsBackendConfig {
            endpoint_url: Some(url.clone()),
            api_key: Some(Token::new(key, None)),
            max_attempts: 1,
            ..AwsBackendConfig::default()
        })
    };
    let good = with_key(API_KEY);
    good.invoke_model(request()).await.unwrap();
    let refused_key = "bedrock-api-key-REFUSED-MARKER";
    let err = with_key(refused_key)
        .invoke_model(request())
        .await
        .unwrap_err();
    let text = format!(
        "{good:?} {:#?} {err} {err:?} {}",
        good.config(),
        err.hint().unwrap_or_default()
    );
    assert_clean(
        "API-key backends and errors",
        &text,
        &[API_KEY, refused_key],
    );
    let default_config = EmulatorConfig::default();
    assert_clean(
        "the default EmulatorConfig",
        &format!("{default_config:?}"),
        &["wJalrXUtnFEMI"],
    );

    // Everything the SDK, the emulator and this workspace logged at trace level.
    drop(_guard);
    let trace = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        trace.contains("TRACE") || trace.contains("DEBUG"),
        "the trace was captured"
    );
    assert_clean(
        "the trace",
        &trace,
        &[
            secret.as_str(),
            token.as_str(),
            PASSPHRASE,
            API_KEY,
            refused_key,
        ],
    );
}
