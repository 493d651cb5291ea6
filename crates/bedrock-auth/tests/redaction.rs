//! No secret access key, session token or private key ever shows in `Debug` or `Display` of
//! any public type or error of this crate.

use aws_credential_types::provider::ProvideCredentials;
use bedrock_auth::{
    AssumeRoleSource, AuthError, Credentials, CredentialsSource, DEFAULT_MAX_SKEW, KnownCredential,
    PrivateKeyX509Signer, RefreshingSource, RolesAnywhereConfig, RolesAnywhereSource,
    SdkCredentialsBridge, SecretString, SigningOptions, StaticCredentials, StaticSource,
    TemporaryCredentials, into_shared_provider, signing_headers, verify_sigv4,
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

#[tokio::test]
async fn credential_types_and_sources() {
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
