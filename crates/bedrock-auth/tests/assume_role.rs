//! STS AssumeRole against a local server: the request is signed by the base credentials (checked
//! with this crate's own verifier) and carries the role parameters; the answer becomes temporary
//! credentials, and STS errors surface as typed errors.

mod common;

use aws_credential_types::provider::SharedCredentialsProvider;
use bedrock_auth::{
    AssumeRoleSource, AuthError, CredentialsSource, DEFAULT_MAX_SKEW, KnownCredential,
    StaticSource, into_shared_provider, verify_sigv4,
};
use common::TestServer;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";
const BASE_SECRET: &str = "base-secret-access-key";

const ASSUME_ROLE_RESPONSE: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:ci-session</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/bedrock-invoker/ci-session</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIASTSEXAMPLE</AccessKeyId>
      <SecretAccessKey>sts-secret-value</SecretAccessKey>
      <SessionToken>sts-session-token</SessionToken>
      <Expiration>2030-06-01T12:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

const ACCESS_DENIED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error>
  <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
</ErrorResponse>"#;

fn form_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

fn base_provider() -> SharedCredentialsProvider {
    into_shared_provider(Arc::new(
        StaticSource::from_keys("AKIDBASE", BASE_SECRET).unwrap(),
    ))
}

#[tokio::test]
async fn assume_role_returns_temporary_credentials() {
    let server = TestServer::start(8, |request| {
        let verified = verify_sigv4(
            &request.method,
            &request.target,
            &request.header_map(),
            &request.body,
            |akid| (akid == "AKIDBASE").then(|| KnownCredential::long_term(BASE_SECRET)),
            SystemTime::now(),
            DEFAULT_MAX_SKEW,
        );
        match verified {
            Ok(identity) if identity.service == "sts" => (
                200,
                vec![("content-type", "text/xml".into())],
                ASSUME_ROLE_RESPONSE.as_bytes().to_vec(),
            ),
            other => (400, vec![], format!("{other:?}").into_bytes()),
        }
    });
    let source = AssumeRoleSource::builder(ROLE)
        .session_name("ci-session")
        .external_id("tenant-42")
        .duration(Duration::from_secs(900))
        .region("eu-central-1")
        .endpoint_url(server.url())
        .base_provider(base_provider())
        .build()
        .await
        .unwrap();

    let credentials = source.credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "ASIASTSEXAMPLE");
    assert_eq!(
        credentials.secret_access_key().expose_secret(),
        "sts-secret-value"
    );
    assert_eq!(
        credentials.session_token().unwrap().expose_secret(),
        "sts-session-token"
    );
    assert!(credentials.expires_at().is_some());

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one call, no retries");
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    assert_eq!(form_value(&body, "Action"), Some("AssumeRole"));
    assert_eq!(form_value(&body, "Version"), Some("2011-06-15"));
    assert_eq!(
        form_value(&body, "RoleArn"),
        Some("arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbedrock-invoker")
    );
    assert_eq!(form_value(&body, "RoleSessionName"), Some("ci-session"));
    assert_eq!(form_value(&body, "ExternalId"), Some("tenant-42"));
    assert_eq!(form_value(&body, "DurationSeconds"), Some("900"));
    let authorization = requests[0].header("authorization").unwrap();
    assert!(
        authorization.contains("/eu-central-1/sts/aws4_request"),
        "{authorization}"
    );
}

#[tokio::test]
async fn sts_refusal_is_an_error_without_secrets() {
    let server = TestServer::start(8, |_| {
        (
            403,
            vec![("content-type", "text/xml".into())],
            ACCESS_DENIED.as_bytes().to_vec(),
        )
    });
    let source = AssumeRoleSource::builder(ROLE)
        .endpoint_url(server.url())
        .base_provider(base_provider())
        .build()
        .await
        .unwrap();
    let err = source.credentials().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, AuthError::Provider { .. }), "{text}");
    assert!(text.contains("AccessDenied"), "{text}");
    assert!(!text.contains(BASE_SECRET), "{text}");
}
