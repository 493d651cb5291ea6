//! IAM Roles Anywhere `CreateSession` against the emulator: certificates made at test time,
//! signed by bedrock-auth's signer, checked up to the configured trust anchor; the issued
//! credentials invoke a model until they expire.

mod common;
mod credentials_pki;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bedrock_auth::{AuthError, CredentialsSource as _, RolesAnywhereConfig, RolesAnywhereSource};
use bedrock_emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, RoleConfig, RolesAnywhereProfile, TrustAnchorConfig,
};
use bytes::Bytes;
use common::{Reply, Signer, encode_id, send};
use credentials_pki::{Ca, KeyKind, OTHER_ROLE, PROFILE, ROLE, TRUST_ANCHOR, Validity};
use http_body_util::Full;

const MODEL: &str = "amazon.titan-text-express-v1";
const BODY: &str = r#"{"inputText":"Name a river."}"#;

fn config(ca: &Ca, role: RoleConfig) -> EmulatorConfig {
    EmulatorConfig::default()
        .with_trust_anchor(TrustAnchorConfig::from_pem(TRUST_ANCHOR, ca.pem()))
        .with_profile(RolesAnywhereProfile::new(PROFILE, [ROLE]))
        .with_role(role)
}

async fn start(ca: &Ca, role: RoleConfig) -> EmulatorHandle {
    Emulator::builder()
        .config(config(ca, role))
        .start()
        .await
        .unwrap()
}

fn ra_config(
    emu: &EmulatorHandle,
    trust_anchor: &str,
    profile: &str,
    role: &str,
) -> RolesAnywhereConfig {
    let mut config = RolesAnywhereConfig::new("us-east-1", trust_anchor, profile, role);
    config.endpoint = Some(emu.url());
    config
}

fn source(emu: &EmulatorHandle, signer: bedrock_auth::PrivateKeyX509Signer) -> RolesAnywhereSource {
    RolesAnywhereSource::new(
        ra_config(emu, TRUST_ANCHOR, PROFILE, ROLE),
        Arc::new(signer),
    )
    .unwrap()
}

/// InvokeModel signed with `credentials`.
async fn invoke_with(emu: &EmulatorHandle, credentials: &bedrock_auth::Credentials) -> Reply {
    let signer = Signer {
        access_key_id: credentials.access_key_id().to_owned(),
        secret: credentials.secret_access_key().expose_secret().to_owned(),
        session_token: credentials
            .session_token()
            .map(|t| t.expose_secret().to_owned()),
        region: "us-east-1".to_owned(),
    };
    let path = format!("/model/{}/invoke", encode_id(MODEL));
    send(
        emu.addr(),
        signer.request("POST", emu.addr(), &path, Some("application/json"), BODY),
    )
    .await
}

/// Sends a request bedrock-auth built.
async fn send_built(emu: &EmulatorHandle, request: http::Request<Vec<u8>>) -> Reply {
    let (parts, body) = request.into_parts();
    let mut request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
    *request.uri_mut() = format!("http://{}/sessions", emu.addr()).parse().unwrap();
    send(emu.addr(), request).await
}

fn assert_denied(reply: &Reply, what: &str) -> String {
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("AccessDeniedException")),
        "{what}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn library_credentials_from_rsa_p256_and_intermediate_certificates_invoke_a_model() {
    let root = Ca::root("Test Root CA");
    let intermediate = root.intermediate("Test Issuing CA");
    let emu = start(&root, RoleConfig::new(ROLE)).await;
    let cases = [
        (
            "RSA leaf",
            root.client("workload-rsa", KeyKind::Rsa, Validity::Current)
                .signer(&[]),
        ),
        (
            "P-256 leaf",
            root.client("workload-ec", KeyKind::P256, Validity::Current)
                .signer(&[]),
        ),
        (
            "P-256 leaf under an intermediate",
            intermediate
                .client("workload-int", KeyKind::P256, Validity::Current)
                .signer(&[&intermediate]),
        ),
        (
            "RSA leaf under an intermediate",
            intermediate
                .client("workload-int-rsa", KeyKind::Rsa, Validity::Current)
                .signer(&[&intermediate]),
        ),
    ];
    let count = cases.len() as u64;
    for (what, signer) in cases {
        let credentials = source(&emu, signer)
            .credentials()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(credentials.access_key_id().starts_with("ASIA"), "{what}");
        let expires = credentials.expires_at().unwrap();
        // The profile's default cap is one hour; the signer asks for one hour.
        assert!(
            expires > SystemTime::now() + Duration::from_secs(3500),
            "{what}"
        );
        assert!(
            expires <= SystemTime::now() + Duration::from_secs(3601),
            "{what}"
        );
        let reply = invoke_with(&emu, &credentials).await;
        assert_eq!(
            reply.status,
            200,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let requests = emu.credential_requests();
    assert_eq!(
        (
            requests.create_session,
            requests.assume_role,
            requests.issued
        ),
        (count, 0, count)
    );
    assert_eq!(requests.total(), count);
}

#[tokio::test]
async fn raw_create_session_answer_has_the_service_shape() {
    let root = Ca::root("Test Root CA");
    let emu = start(
        &root,
        RoleConfig::new(ROLE).with_lifetime(Duration::from_secs(120)),
    )
    .await;
    let signer = root
        .client("workload-1", KeyKind::P256, Validity::Current)
        .signer(&[]);
    let serial = signer.serial_number().to_owned();
    let request = source(&emu, signer)
        .create_session_request(SystemTime::now())
        .await
        .unwrap();
    let reply = send_built(&emu, request).await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("x-amzn-requestid").is_some());
    let body = reply.json();
    let item = &body["credentialSet"][0];
    let credentials = &item["credentials"];
    for field in [
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
        "expiration",
    ] {
        assert!(
            credentials[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {body}"
        );
    }
    let expiration = credentials["expiration"].as_str().unwrap();
    assert!(
        expiration.ends_with('Z') && expiration.len() == 20,
        "{expiration}"
    );
    assert_eq!(item["roleArn"], ROLE);
    assert_eq!(item["sourceIdentity"], "CN=workload-1");
    // The session is named after the certificate's serial number, in hex.
    let serial_hex = format!("{:x}", serial.parse::<u128>().unwrap());
    let arn = item["assumedRoleUser"]["arn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::123456789012:assumed-role/bedrock-invoker/")
            && arn.trim_start_matches(|c| c != '/').ends_with(&serial_hex),
        "{arn} / {serial_hex}"
    );
    assert!(
        body["subjectArn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:rolesanywhere:us-east-1:123456789012:subject/"),
        "{body}"
    );

    // The same credentials through bedrock-auth's parser, then a model call.
    let parsed = bedrock_auth::parse_create_session_response(201, None, &reply.body).unwrap();
    let lifetime = parsed
        .expires_at()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        lifetime <= Duration::from_secs(121),
        "role lifetime caps it: {lifetime:?}"
    );
    let reply = invoke_with(&emu, &bedrock_auth::Credentials::Temporary(parsed)).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}

#[tokio::test]
async fn untrusted_expired_tampered_and_unknown_requests_are_refused_403() {
    let root = Ca::root("Test Root CA");
    let intermediate = root.intermediate("Test Issuing CA");
    let other = Ca::root("Someone Else's CA");
    let emu = start(&root, RoleConfig::new(ROLE)).await;
    let good = || {
        root.client("workload-1", KeyKind::P256, Validity::Current)
            .signer(&[])
    };

    let raw = |config: RolesAnywhereConfig, signer: bedrock_auth::PrivateKeyX509Signer| async move {
        RolesAnywhereSource::new(config, Arc::new(signer))
            .unwrap()
            .create_session_request(SystemTime::now())
            .await
            .unwrap()
    };
    let standard = || ra_config(&emu, TRUST_ANCHOR, PROFILE, ROLE);

    let cases: Vec<(&str, http::Request<Vec<u8>>, &str)> = vec![
        (
            "another CA's certificate",
            raw(
                standard(),
                other
                    .client("intruder", KeyKind::P256, Validity::Current)
                    .signer(&[]),
            )
            .await,
            "not issued by the trust anchor",
        ),
        (
            "another CA's RSA certificate",
            raw(
                standard(),
                other
                    .client("intruder", KeyKind::Rsa, Validity::Current)
                    .signer(&[]),
            )
            .await,
            "not issued by the trust anchor",
        ),
        (
            "an expired certificate",
            raw(
                standard(),
                root.client("old", KeyKind::P256, Validity::Expired)
                    .signer(&[]),
            )
            .await,
            "expired",
        ),
        (
            "an intermediate's certificate without its chain",
            raw(
                standard(),
                intermediate
                    .client("w", KeyKind::P256, Validity::Current)
                    .signer(&[]),
            )
            .await,
            "not issued by the trust anchor",
        ),
        (
            "a wrong profile ARN",
            raw(
                ra_config(
                    &emu,
                    TRUST_ANCHOR,
                    "arn:aws:rolesanywhere:us-east-1:123456789012:profile/no-such-profile",
                    ROLE,
                ),
                good(),
            )
            .await,
            "No profile",
        ),
        (
            "an unknown trust anchor ARN",
            raw(
                ra_config(
                    &emu,
                    "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/no-such-anchor",
                    PROFILE,
                    ROLE,
                ),
                good(),
            )
            .await,
            "no trust anchor",
        ),
        (
            "a role the profile does not allow",
            raw(ra_config(&emu, TRUST_ANCHOR, PROFILE, OTHER_ROLE), good()).await,
            "does not allow role",
        ),
    ];
    for (what, request, needle) in cases {
        let message = assert_denied(&send_built(&emu, request).await, what);
        assert!(message.contains(needle), "{what}: {message}");
    }

    // A body changed after signing: the signature no longer matches.
    let mut request = raw(standard(), good()).await;
    *request.body_mut() = String::from_utf8(request.body().clone())
        .unwrap()
        .replace("3600", "1800")
        .into_bytes();
    let message = assert_denied(&send_built(&emu, request).await, "tampered body");
    assert!(message.contains("Signature validation failed"), "{message}");

    // A signature made with another key than the certificate's.
    let mut request = raw(standard(), good()).await;
    let other_cert = other
        .client("x", KeyKind::P256, Validity::Current)
        .signer(&[]);
    let foreign = raw(standard(), other_cert).await;
    let authorization = foreign.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let signature = authorization.rsplit("Signature=").next().unwrap();
    let original = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let forged = format!(
        "{}Signature={signature}",
        original.rsplit_once("Signature=").unwrap().0
    );
    request
        .headers_mut()
        .insert("authorization", forged.parse().unwrap());
    assert_denied(&send_built(&emu, request).await, "foreign signature");

    // No signature at all.
    let mut request = raw(standard(), good()).await;
    request.headers_mut().remove("authorization");
    assert_denied(&send_built(&emu, request).await, "unsigned");

    // Through the library, the refusal is a typed service error.
    let err = RolesAnywhereSource::new(
        standard(),
        Arc::new(
            other
                .client("intruder", KeyKind::P256, Validity::Current)
                .signer(&[]),
        ),
    )
    .unwrap()
    .credentials()
    .await
    .unwrap_err();
    match err {
        AuthError::Service { status, code, .. } => {
            assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.credential_requests().issued, 0);
}

#[tokio::test]
async fn issued_credentials_expire_with_expired_token_exception() {
    let root = Ca::root("Test Root CA");
    let emu = start(
        &root,
        RoleConfig::new(ROLE).with_lifetime(Duration::from_secs(1)),
    )
    .await;
    let signer = root
        .client("short", KeyKind::Rsa, Validity::Current)
        .signer(&[]);
    let credentials = source(&emu, signer).credentials().await.unwrap();
    let expires = credentials.expires_at().unwrap();
    assert!(expires <= SystemTime::now() + Duration::from_secs(2));
    let reply = invoke_with(&emu, &credentials).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    // Wait until the advertised expiry has passed.
    while SystemTime::now() <= expires {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reply = invoke_with(&emu, &credentials).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("ExpiredTokenException")),
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.json()["message"],
        "The security token included in the request is expired"
    );
}

#[tokio::test]
async fn the_store_cap_refuses_new_sessions_with_a_clear_error() {
    let root = Ca::root("Test Root CA");
    let mut config = config(&root, RoleConfig::new(ROLE));
    config.max_issued_credentials = 2;
    let emu = Emulator::builder().config(config).start().await.unwrap();
    let signer = || {
        root.client("w", KeyKind::P256, Validity::Current)
            .signer(&[])
    };
    for _ in 0..2 {
        source(&emu, signer()).credentials().await.unwrap();
    }
    let request = source(&emu, signer())
        .create_session_request(SystemTime::now())
        .await
        .unwrap();
    let reply = send_built(&emu, request).await;
    assert_eq!(
        reply.status,
        429,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("max_issued_credentials"), "{message}");
    assert_eq!(emu.credential_requests().create_session, 3);
    assert_eq!(emu.credential_requests().issued, 2);
}

#[tokio::test]
async fn a_toml_file_with_a_relative_certificate_path_configures_the_service() {
    let root = Ca::root("Test Root CA");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), root.pem()).unwrap();
    let file = dir.path().join("emulator.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[trust_anchors]]
arn = "{TRUST_ANCHOR}"
certificate_path = "ca.pem"

[[profiles]]
arn = "{PROFILE}"
role_arns = ["{ROLE}"]
max_duration_secs = 900

[[roles]]
arn = "{ROLE}"
lifetime_secs = 600
"#
        ),
    )
    .unwrap();
    let config = EmulatorConfig::from_file(&file).unwrap();
    assert_eq!(
        config.trust_anchors[0].certificate_path.as_deref(),
        Some(dir.path().join("ca.pem").as_path())
    );
    let emu = Emulator::from_config(config).start().await.unwrap();
    let signer = root
        .client("w", KeyKind::P256, Validity::Current)
        .signer(&[]);
    let credentials = source(&emu, signer).credentials().await.unwrap();
    let left = credentials
        .expires_at()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        left <= Duration::from_secs(601),
        "role lifetime wins: {left:?}"
    );
    assert_eq!(invoke_with(&emu, &credentials).await.status, 200);

    // A missing certificate file is named at load.
    std::fs::remove_file(dir.path().join("ca.pem")).unwrap();
    let err = EmulatorConfig::from_file(&file).unwrap_err().to_string();
    assert!(
        err.contains("trust_anchors[0].certificate_path") && err.contains("emulator.toml"),
        "{err}"
    );
}
