//! No secret access key, session token or private key ever shows in `Debug` or `Display` of
//! any public type or error of this crate.

use aws_credential_types::provider::ProvideCredentials;
use bedrock_auth::{
    AssumeRoleSettings, AssumeRoleSource, AuthError, Credentials, CredentialsSource,
    CredentialsSpec, DEFAULT_MAX_SKEW, KnownCredential, PrivateKeyX509Signer, RefreshingSource,
    RolesAnywhereConfig, RolesAnywhereSettings, RolesAnywhereSource, SdkCredentialsBridge,
    SecretString, SigningOptions, StaticCredentials, StaticSource, TemporaryCredentials,
    into_shared_provider, signing_headers, verify_sigv4,
};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECRET: &str = "SECRET-MARKER-wJalrXUtnFEMI-K7MDENG";
const TOKEN: &str = "TOKEN-MARKER-FwoGZXIvYXdzEJr";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the secret: {text}");
    assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
    assert!(!text.contains("MARKER"), "{what} leaks a marker: {text}");
}

macro_rules! check_debug {
    ($($value:expr),+ $(,)?) => {
        $( assert_clean(stringify!($value), &format!("{:?} {:#?}", $value, $value)); )+
    };
}

macro_rules! check_both {
    ($($value:expr),+ $(,)?) => {
        $( assert_clean(stringify!($value), &format!("{:?} {:#?} {}", $value, $value, $value)); )+
    };
}

fn temporary(expires_at: SystemTime) -> TemporaryCredentials {
    TemporaryCredentials::new(
        "ASIAEXAMPLE",
        SECRET,
        Some(SecretString::new(TOKEN)),
        expires_at,
    )
    .unwrap()
}

/// The tests of this file run one at a time: tracing's callsite cache and maximum level are
/// global, so a test that emits events with no subscriber while another captures them can turn
/// the captured events off.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn credential_types_and_sources() {
    let _serial = SERIAL.lock().await;
    let secret = SecretString::new(SECRET);
    let static_credentials = StaticCredentials::new("AKIDEXAMPLE", SECRET)
        .unwrap()
        .with_session_token(TOKEN)
        .unwrap();
    let temporary = temporary(SystemTime::now() + Duration::from_secs(3600));
    let credentials = Credentials::from(temporary.clone());
    check_both!(secret);
    check_debug!(static_credentials, temporary, credentials);
    // The access key id is the part that may be shown.
    assert!(format!("{static_credentials:?}").contains("AKIDEXAMPLE"));

    let static_source = Arc::new(StaticSource::new(static_credentials.clone()));
    let fetched = static_source.credentials().await.unwrap();
    check_debug!(static_source, fetched);

    let issued = temporary.clone();
    let refreshing = RefreshingSource::from_fn("issuer", move || {
        let issued = issued.clone();
        async move { Ok(issued) }
    });
    refreshing.credentials().await.unwrap();
    check_debug!(refreshing);

    let bridge = SdkCredentialsBridge::new(static_source.clone());
    let shared = into_shared_provider(static_source.clone());
    let sdk_credentials = shared.provide_credentials().await.unwrap();
    check_debug!(bridge, shared, sdk_credentials);

    let assume_role = AssumeRoleSource::builder("arn:aws:iam::123456789012:role/demo")
        .base_provider(shared.clone())
        .endpoint_url("http://127.0.0.1:9")
        .build()
        .await
        .unwrap();
    check_debug!(assume_role);

    let known = KnownCredential::temporary(SECRET, TOKEN, SystemTime::now());
    check_debug!(known);
}

#[tokio::test]
async fn errors() {
    let _serial = SERIAL.lock().await;
    let expired = StaticSource::new(temporary(UNIX_EPOCH + Duration::from_secs(1)));
    let expired_error = expired.credentials().await.unwrap_err();
    let empty_secret = StaticCredentials::new("AKIDEXAMPLE", "").unwrap_err();
    let signing_error = signing_headers(
        "GET",
        "/no-host",
        &[],
        b"",
        &Credentials::from(temporary(SystemTime::now())),
        &SigningOptions::new("us-east-1", "bedrock", SystemTime::now()),
    )
    .unwrap_err();
    let malformed = bedrock_auth::parse_create_session_response(
        201,
        None,
        format!(r#"{{"credentialSet":[{{"credentials":{{"accessKeyId":"ASIA","secretAccessKey":"{SECRET}","sessionToken":"{TOKEN}","expiration":"never"}}}}]}}"#).as_bytes(),
    )
    .unwrap_err();
    let wrong_type = bedrock_auth::parse_create_session_response(
        201,
        None,
        format!(r#"{{"credentialSet":[{{"credentials":{{"accessKeyId":"ASIA","secretAccessKey":["{SECRET}"],"expiration":"never"}}}}]}}"#).as_bytes(),
    )
    .unwrap_err();
    check_both!(
        expired_error,
        empty_secret,
        signing_error,
        malformed,
        wrong_type
    );

    // Verification errors, including the one that reports the canonical request.
    let now = SystemTime::now();
    let credentials: Credentials = temporary(now + Duration::from_secs(60)).into();
    let mut headers = http::HeaderMap::new();
    for (name, value) in signing_headers(
        "POST",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke",
        &[],
        b"{}",
        &credentials,
        &SigningOptions::new("us-east-1", "bedrock", now),
    )
    .unwrap()
    {
        headers.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    headers.insert(
        "host",
        "bedrock-runtime.us-east-1.amazonaws.com".parse().unwrap(),
    );
    let verify = |lookup: &dyn Fn(&str) -> Option<KnownCredential>| {
        verify_sigv4(
            "POST",
            "/model/m/invoke",
            &headers,
            b"{}",
            lookup,
            now,
            DEFAULT_MAX_SKEW,
        )
    };
    verify(&|_| {
        Some(KnownCredential::temporary(
            SECRET,
            TOKEN,
            now + Duration::from_secs(60),
        ))
    })
    .unwrap();
    let invalid_signature = verify(&|_| {
        Some(KnownCredential::temporary(
            "other",
            TOKEN,
            now + Duration::from_secs(60),
        ))
    })
    .unwrap_err();
    let wrong_token = verify(&|_| {
        Some(KnownCredential::temporary(
            SECRET,
            "other-token",
            now + Duration::from_secs(60),
        ))
    })
    .unwrap_err();
    let expired_token =
        verify(&|_| Some(KnownCredential::temporary(SECRET, TOKEN, now))).unwrap_err();
    check_both!(invalid_signature, wrong_token, expired_token);

    let _: &dyn std::error::Error = &expired_error as &AuthError;
}

#[test]
fn x509_signers_and_roles_anywhere_sources() {
    let _serial = SERIAL.blocking_lock();
    let key_pem = include_str!("data/ec-key.pem");
    let signer = PrivateKeyX509Signer::from_pem(include_str!("data/ec-cert.pem"), key_pem).unwrap();
    let key_body: String = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let text = format!("{signer:?}");
    for line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !text.contains(line),
            "signer Debug leaks key material: {text}"
        );
    }
    assert!(!text.contains(&key_body[..20]));

    let config = RolesAnywhereConfig::new(
        "eu-west-1",
        "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/abc",
        "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/def",
        "arn:aws:iam::123456789012:role/demo",
    );
    let source = RolesAnywhereSource::new(config, Arc::new(signer)).unwrap();
    let text = format!("{source:?}");
    for line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !text.contains(line),
            "source Debug leaks key material: {text}"
        );
    }
}

/// A `MakeWriter` collecting everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

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

#[tokio::test(flavor = "current_thread")]
async fn configured_sources_profiles_and_their_traces() {
    let _serial = SERIAL.lock().await;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Another test of this binary may have met the same callsites first, under no subscriber,
    // and tracing caches that they are off; recompute it with this subscriber in place.
    tracing::callsite::rebuild_interest_cache();

    // A profile with every kind of secret beside Roles Anywhere settings.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile ra]\nroles_anywhere_certificate = /c.pem\nroles_anywhere_private_key = /k.pem\n\
             roles_anywhere_trust_anchor_arn = arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a\n\
             roles_anywhere_profile_arn = arn:aws:rolesanywhere:us-east-1:123456789012:profile/p\n\
             roles_anywhere_role_arn = arn:aws:iam::123456789012:role/r\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = ra\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!("[ra]\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"),
    )
    .unwrap();
    let spec = CredentialsSpec::from_profile("admin", |_| None, Some(home.path()))
        .unwrap()
        .unwrap();
    check_debug!(spec);
    let settings = RolesAnywhereSettings {
        passphrase: Some(SecretString::new(SECRET)),
        ..RolesAnywhereSettings::default()
    };
    let assume = AssumeRoleSettings {
        role_arn: "arn:aws:iam::123456789012:role/admin".into(),
        ..AssumeRoleSettings::default()
    };
    check_debug!(settings, assume);

    // A refresh that fails while the cached set is valid logs a warning; neither it nor the
    // debug line of a successful refresh shows the secret or the token.
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    let source = RefreshingSource::from_fn("traced", move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            if n == 0 {
                Ok(temporary(SystemTime::now() + Duration::from_secs(60)))
            } else {
                Err(AuthError::Provider {
                    source_name: "traced".into(),
                    message: "issuer down".into(),
                    retryable: true,
                    source: None,
                })
            }
        }
    })
    .with_refresh_margin(Duration::from_secs(120));
    source.credentials().await.unwrap();
    source.credentials().await.unwrap();
    check_debug!(source);
    let traced = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        traced.contains("issuer down") && traced.contains("ASIAEXAMPLE"),
        "{traced}"
    );
    assert_clean("the trace", &traced);

    // A signer's key, through the settings that read it from a file with a wrong passphrase.
    let err = bedrock_auth::PrivateKeyX509Signer::from_pem_with_passphrase(
        include_str!("data/ec-cert.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgAAAAAAAAAAAICCAAw\n-----END ENCRYPTED PRIVATE KEY-----\n",
        Some(&SecretString::new(SECRET)),
    )
    .unwrap_err();
    check_both!(err);
}
