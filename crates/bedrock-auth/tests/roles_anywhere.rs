//! Roles Anywhere end to end against a local server: the CreateSession request carries the
//! certificate, a signature that verifies with the certificate's public key, and the answer
//! becomes temporary credentials.

mod common;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey, VerificationAlgorithm,
};
use aws_smithy_async::time::StaticTimeSource;
use base64::Engine as _;
use bedrock_auth::{
    AuthError, CredentialsSource, PrivateKeyX509Signer, RolesAnywhereConfig, RolesAnywhereSource,
    into_shared_provider,
};
use common::{RecordedRequest, TestServer};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

const TRUST_ANCHOR: &str = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/4579702c-9abb-47c2-88b2-c734e0b7d4af";
const PROFILE: &str =
    "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/6f4943fb-13d4-4242-89c4-be367595c380";
const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";
const RESPONSE: &str = r#"{"credentialSet":[{"assumedRoleUser":{"arn":"arn:aws:sts::123456789012:assumed-role/bedrock-invoker/0a1b","assumedRoleId":"AROAEXAMPLE:0a1b"},"credentials":{"accessKeyId":"ASIARAEXAMPLE","expiration":"2030-01-01T00:00:00Z","secretAccessKey":"ra-secret-value","sessionToken":"ra-session-token"},"packedPolicySize":3,"roleArn":"arn:aws:iam::123456789012:role/bedrock-invoker","sourceIdentity":"CN=bedrock-auth test"}],"subjectArn":"arn:aws:rolesanywhere:eu-west-1:123456789012:subject/41cl0bae-6783-40d4-ab20-65dc5d922e45"}"#;

fn sha256_hex(data: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// Checks the request the way the service does, from the documented signing process.
fn check_signature(
    request: &RecordedRequest,
    algorithm_name: &str,
    serial: &str,
    algorithm: &'static dyn VerificationAlgorithm,
    public_key: &[u8],
) {
    let authorization = request.header("authorization").unwrap();
    let amz_date = request.header("x-amz-date").unwrap();
    assert_eq!(amz_date, "20240501T101500Z");
    let scope = "20240501/eu-west-1/rolesanywhere/aws4_request";
    let has_chain = request.header("x-amz-x509-chain").is_some();
    let signed_headers = if has_chain {
        "content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain"
    } else {
        "content-type;host;x-amz-date;x-amz-x509"
    };
    let prefix = format!(
        "{algorithm_name} Credential={serial}/{scope}, SignedHeaders={signed_headers}, Signature="
    );
    assert!(authorization.starts_with(&prefix), "{authorization}");
    let signature = decode_hex(&authorization[prefix.len()..]);

    let mut canonical = "POST\n/sessions\n\n".to_string();
    for name in signed_headers.split(';') {
        canonical.push_str(&format!("{name}:{}\n", request.header(name).unwrap()));
    }
    canonical.push_str(&format!(
        "\n{signed_headers}\n{}",
        sha256_hex(&request.body)
    ));
    let string_to_sign = format!(
        "{algorithm_name}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(string_to_sign.as_bytes(), &signature)
        .expect("the signature verifies with the certificate's public key");
}

fn config(server: &TestServer) -> RolesAnywhereConfig {
    let mut config = RolesAnywhereConfig::new("eu-west-1", TRUST_ANCHOR, PROFILE, ROLE);
    config.duration = Duration::from_secs(1800);
    config.endpoint = Some(server.url());
    config
}

fn signing_clock() -> StaticTimeSource {
    StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_714_558_500))
}

#[tokio::test]
async fn ecdsa_certificate_gets_a_session() {
    let server = TestServer::start(4, |_| {
        (
            201,
            vec![("content-type", "application/json".into())],
            RESPONSE.as_bytes().to_vec(),
        )
    });
    let signer = PrivateKeyX509Signer::from_pem(
        include_str!("data/ec-cert.pem"),
        include_str!("data/ec-key.pem"),
    )
    .unwrap()
    .with_chain_pem(include_str!("data/rsa-cert.pem"))
    .unwrap();
    let source = RolesAnywhereSource::new(config(&server), Arc::new(signer))
        .unwrap()
        .with_time_source(signing_clock());

    let credentials = source.credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "ASIARAEXAMPLE");
    assert_eq!(
        credentials.secret_access_key().expose_secret(),
        "ra-secret-value"
    );
    assert_eq!(
        credentials.session_token().unwrap().expose_secret(),
        "ra-session-token"
    );
    assert_eq!(
        credentials.expires_at(),
        Some(UNIX_EPOCH + Duration::from_secs(1_893_456_000))
    );

    let requests = server.requests();
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/sessions");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("host"),
        Some(server.addr.to_string().as_str())
    );
    let engine = base64::engine::general_purpose::STANDARD;
    let certificate = engine
        .decode(request.header("x-amz-x509").unwrap())
        .unwrap();
    assert!(include_str!("data/ec-cert.pem").contains(&engine.encode(&certificate)[..60]));
    let chain = engine
        .decode(request.header("x-amz-x509-chain").unwrap())
        .unwrap();
    assert!(include_str!("data/rsa-cert.pem").contains(&engine.encode(&chain)[..60]));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "durationSeconds": 1800,
            "profileArn": PROFILE,
            "roleArn": ROLE,
            "trustAnchorArn": TRUST_ANCHOR,
        })
    );
    // The P-256 point is the last 65 bytes of the SubjectPublicKeyInfo.
    let spki = include_bytes!("data/ec-public.der");
    check_signature(
        request,
        "AWS4-X509-ECDSA-SHA256",
        "47724914708969405121171",
        &ECDSA_P256_SHA256_ASN1,
        &spki[spki.len() - 65..],
    );
}

#[tokio::test]
async fn rsa_certificate_gets_a_session_through_the_sdk_bridge() {
    let server = TestServer::start(4, |_| (201, vec![], RESPONSE.as_bytes().to_vec()));
    let signer = PrivateKeyX509Signer::from_pem(
        include_str!("data/rsa-cert.pem"),
        include_str!("data/rsa-key.pem"),
    )
    .unwrap();
    let source = RolesAnywhereSource::new(config(&server), Arc::new(signer))
        .unwrap()
        .with_time_source(signing_clock());
    let provider = into_shared_provider(Arc::new(source));
    use aws_credential_types::provider::ProvideCredentials;
    let sdk = provider.provide_credentials().await.unwrap();
    assert_eq!(sdk.access_key_id(), "ASIARAEXAMPLE");
    assert!(sdk.expiry().is_some());

    let request = &server.requests()[0];
    assert!(request.header("x-amz-x509-chain").is_none());
    check_signature(
        request,
        "AWS4-X509-RSA-SHA256",
        "424242",
        &RSA_PKCS1_2048_8192_SHA256,
        include_bytes!("data/rsa-public.der"),
    );
}

#[tokio::test]
async fn service_errors_are_typed() {
    let server = TestServer::start(4, |_| {
        (
            403,
            vec![(
                "x-amzn-ErrorType",
                "AccessDeniedException:http://internal.amazon.com/".into(),
            )],
            br#"{"message":"Untrusted signing certificate."}"#.to_vec(),
        )
    });
    let signer = PrivateKeyX509Signer::from_pem(
        include_str!("data/ec-cert.pem"),
        include_str!("data/ec-key.pem"),
    )
    .unwrap();
    let source = RolesAnywhereSource::new(config(&server), Arc::new(signer)).unwrap();
    let err = source.credentials().await.unwrap_err();
    match &err {
        AuthError::Service {
            service,
            status,
            code,
            message,
        } => {
            assert_eq!((*service, *status), ("rolesanywhere", 403));
            assert_eq!(code, "AccessDeniedException");
            assert_eq!(message, "Untrusted signing certificate.");
        }
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_retryable_error() {
    // Bind then drop a listener so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = RolesAnywhereConfig::new("eu-west-1", TRUST_ANCHOR, PROFILE, ROLE);
    config.endpoint = Some(format!("http://127.0.0.1:{port}"));
    let signer = PrivateKeyX509Signer::from_pem(
        include_str!("data/ec-cert.pem"),
        include_str!("data/ec-key.pem"),
    )
    .unwrap();
    let source = RolesAnywhereSource::new(config, Arc::new(signer)).unwrap();
    let err = source.credentials().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}
