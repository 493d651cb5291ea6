//! `RolesAnywhereSource`: temporary credentials from IAM Roles Anywhere `CreateSession`,
//! signed with an X.509 certificate (`AWS4-X509-RSA-SHA256` / `AWS4-X509-ECDSA-SHA256`).

use crate::amz_date::{format_amz_date, parse_rfc3339};
use crate::canonical::{canonical_request, hex_lower, sha256_hex, string_to_sign};
use crate::credentials::{Credentials, TemporaryCredentials};
use crate::error::AuthError;
use crate::secret::SecretString;
use crate::source::{CredentialsSource, TemporaryCredentialsIssuer};
use crate::x509::X509Signer;
use async_trait::async_trait;
use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use base64::Engine as _;
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const SERVICE: &str = "rolesanywhere";

/// Shortest session Roles Anywhere grants.
pub const MIN_ROLES_ANYWHERE_DURATION: Duration = Duration::from_secs(900);
/// Longest session Roles Anywhere grants.
pub const MAX_ROLES_ANYWHERE_DURATION: Duration = Duration::from_secs(43_200);

/// What to ask Roles Anywhere for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesAnywhereConfig {
    /// Region of the Roles Anywhere endpoint, e.g. `eu-west-1`.
    pub region: String,
    /// `arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>`.
    pub trust_anchor_arn: String,
    /// `arn:aws:rolesanywhere:<region>:<account>:profile/<id>`.
    pub profile_arn: String,
    /// `arn:aws:iam::<account>:role/<name>`.
    pub role_arn: String,
    /// Session length, 900 s to 43 200 s (the profile may cap it lower).
    pub duration: Duration,
    /// Optional role session name (profiles must allow custom names).
    pub role_session_name: Option<String>,
    /// Endpoint override such as `http://127.0.0.1:8443`; default
    /// `https://rolesanywhere.<region>.amazonaws.com`.
    pub endpoint: Option<String>,
}

impl RolesAnywhereConfig {
    /// A configuration with a one-hour session and the regional endpoint.
    pub fn new(
        region: impl Into<String>,
        trust_anchor_arn: impl Into<String>,
        profile_arn: impl Into<String>,
        role_arn: impl Into<String>,
    ) -> Self {
        Self {
            region: region.into(),
            trust_anchor_arn: trust_anchor_arn.into(),
            profile_arn: profile_arn.into(),
            role_arn: role_arn.into(),
            duration: Duration::from_secs(3600),
            role_session_name: None,
            endpoint: None,
        }
    }

    fn validate(&self) -> Result<(), AuthError> {
        if self.region.is_empty()
            || !self
                .region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(AuthError::invalid(
                "region",
                &self.region,
                "a region name such as us-east-1",
            ));
        }
        check_arn(
            "trust_anchor_arn",
            &self.trust_anchor_arn,
            "rolesanywhere",
            "trust-anchor/",
        )?;
        check_arn(
            "profile_arn",
            &self.profile_arn,
            "rolesanywhere",
            "profile/",
        )?;
        check_arn("role_arn", &self.role_arn, "iam", "role/")?;
        if !(MIN_ROLES_ANYWHERE_DURATION..=MAX_ROLES_ANYWHERE_DURATION).contains(&self.duration)
            || self.duration.subsec_nanos() != 0
        {
            return Err(AuthError::invalid(
                "duration_seconds",
                format!("{:?}", self.duration),
                "a whole number of seconds from 900 to 43200",
            ));
        }
        if let Some(name) = &self.role_session_name {
            let chars_ok = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
            if !(2..=64).contains(&name.len()) || !chars_ok {
                return Err(AuthError::invalid(
                    "role_session_name",
                    name,
                    "2 to 64 characters of A-Z a-z 0-9 + = , . @ _ -",
                ));
            }
        }
        if let Some(endpoint) = &self.endpoint {
            let uri: Result<http::Uri, _> = endpoint.parse();
            let ok = uri.is_ok_and(|u| {
                matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some()
            });
            if !ok {
                return Err(AuthError::invalid(
                    "endpoint",
                    endpoint,
                    "an absolute http:// or https:// URL",
                ));
            }
        }
        Ok(())
    }

    fn endpoint(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://{SERVICE}.{}.amazonaws.com", self.region))
    }
}

fn check_arn(
    field: &'static str,
    arn: &str,
    service: &str,
    resource_prefix: &str,
) -> Result<(), AuthError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, arn_service, _region, account, resource] => {
            !partition.is_empty()
                && *arn_service == service
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.len() > resource_prefix.len()
                && resource.starts_with(resource_prefix)
        }
        _ => false,
    };
    if !ok || arn.len() > 1011 {
        return Err(AuthError::invalid(
            field,
            arn,
            format!(
                "an ARN of at most 1011 characters like arn:aws:{service}:{}:123456789012:{resource_prefix}<id>",
                if service == "iam" { "" } else { "<region>" }
            ),
        ));
    }
    Ok(())
}

/// Temporary credentials from IAM Roles Anywhere.
///
/// Supported: building and signing the `CreateSession` request (`POST /sessions`, body
/// `{"durationSeconds","profileArn","roleArn","trustAnchorArn"}`, headers `X-Amz-X509` and
/// `X-Amz-X509-Chain`, SigV4 canonicalisation with the certificate's private key and its serial
/// number in the credential scope), sending it over the SDK's HTTPS connector, and reading
/// `credentialSet[0].credentials`. Keys: PEM RSA and ECDSA P-256 through
/// [`PrivateKeyX509Signer`](crate::PrivateKeyX509Signer), or any [`X509Signer`] (hardware
/// tokens, KMS); encrypted PKCS#8 keys through
/// [`PrivateKeyX509Signer::from_pem_with_passphrase`](crate::PrivateKeyX509Signer::from_pem_with_passphrase).
/// Not supported: PKCS#12 files and legacy OpenSSL-encrypted PEM keys (convert them or supply an
/// `X509Signer`).
///
/// Each call creates a new session; put it behind the SDK's identity cache or a
/// [`RefreshingSource`](crate::RefreshingSource) to reuse sessions until they near expiry.
#[derive(Debug)]
pub struct RolesAnywhereSource {
    config: RolesAnywhereConfig,
    signer: Arc<dyn X509Signer>,
    serial: String,
    connector: SharedHttpConnector,
    time_source: SharedTimeSource,
}

/// Connect and read timeouts of the default connector.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

impl RolesAnywhereSource {
    /// Checks `config` and the signer's certificate and sets up the default HTTPS connector.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] naming the field that is out of range, or when the
    /// signer's certificate has no readable serial number.
    pub fn new(
        config: RolesAnywhereConfig,
        signer: Arc<dyn X509Signer>,
    ) -> Result<Self, AuthError> {
        config.validate()?;
        let serial = crate::x509::certificate_serial_decimal(signer.certificate_der())?;
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .build();
        let connector = aws_smithy_http_client::default_connector(&settings, default_async_sleep())
            .ok_or_else(|| AuthError::Provider {
                source_name: SERVICE.to_owned(),
                message: "no HTTPS connector is available in this build".to_owned(),
                retryable: false,
                source: None,
            })?;
        Ok(Self {
            config,
            signer,
            serial,
            connector,
            time_source: SharedTimeSource::default(),
        })
    }

    /// Sends requests through `connector` instead of the default HTTPS connector.
    pub fn with_http_connector(mut self, connector: impl HttpConnector + 'static) -> Self {
        self.connector = SharedHttpConnector::new(connector);
        self
    }

    /// Uses `time_source` for the signing time.
    pub fn with_time_source(mut self, time_source: impl TimeSource + 'static) -> Self {
        self.time_source = SharedTimeSource::new(time_source);
        self
    }

    /// The signed `CreateSession` request for signing time `time`.
    ///
    /// # Errors
    /// [`AuthError::Signing`] when the signer fails.
    pub async fn create_session_request(
        &self,
        time: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, AuthError> {
        let body = create_session_body(&self.config);
        let endpoint = self.config.endpoint();
        let uri: http::Uri = format!("{}/sessions", endpoint.trim_end_matches('/'))
            .parse()
            .map_err(|e| AuthError::invalid("endpoint", &endpoint, format!("a valid URL ({e})")))?;
        let host = host_for(&uri);
        let amz_date = format_amz_date(time);
        let engine = &base64::engine::general_purpose::STANDARD;

        // Sorted by name: that is the signed-header order.
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("host".to_owned(), host),
            ("x-amz-date".to_owned(), amz_date.clone()),
            (
                "x-amz-x509".to_owned(),
                engine.encode(self.signer.certificate_der()),
            ),
        ];
        let chain = self.signer.chain_der();
        if !chain.is_empty() {
            let encoded: Vec<String> = chain.iter().map(|der| engine.encode(der)).collect();
            headers.push(("x-amz-x509-chain".to_owned(), encoded.join(",")));
        }
        let signed_headers = headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let canonical = canonical_request(
            "POST",
            "/sessions",
            "",
            &headers,
            &signed_headers,
            &sha256_hex(&body),
        );
        let algorithm = self.signer.algorithm().header_name();
        let scope = format!(
            "{}/{}/{SERVICE}/aws4_request",
            amz_date.get(..8).unwrap_or(&amz_date),
            self.config.region
        );
        let to_sign = string_to_sign(algorithm, &amz_date, &scope, &canonical);
        let signature = hex_lower(&self.signer.sign(to_sign.as_bytes()).await?);
        let authorization = format!(
            "{algorithm} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            self.serial
        );

        let mut builder = http::Request::builder().method("POST").uri(uri);
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
            .header("authorization", authorization)
            .header("content-length", body.len().to_string())
            .body(body)
            .map_err(|e| AuthError::Signing {
                detail: format!("cannot build the CreateSession request: {e}"),
            })
    }

    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(u16, Option<String>, Vec<u8>), AuthError> {
        let network_error = |message: String| AuthError::Provider {
            source_name: SERVICE.to_owned(),
            message,
            retryable: true,
            source: None,
        };
        let request =
            HttpRequest::try_from(request.map(SdkBody::from)).map_err(|e| AuthError::Signing {
                detail: format!("cannot convert the CreateSession request: {e}"),
            })?;
        let response = self
            .connector
            .call(request)
            .await
            .map_err(|e| network_error(format!("CreateSession failed to send: {e}")))?;
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .map(|value| value.split(':').next().unwrap_or(value).to_owned());
        let body = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| network_error(format!("reading the CreateSession response failed: {e}")))?
            .to_vec();
        Ok((status, error_type, body))
    }
}

fn host_for(uri: &http::Uri) -> String {
    let host = uri.host().unwrap_or_default();
    let default_port = if uri.scheme_str() == Some("http") {
        80
    } else {
        443
    };
    match uri.port_u16() {
        Some(port) if port != default_port => format!("{host}:{port}"),
        _ => host.to_owned(),
    }
}

fn create_session_body(config: &RolesAnywhereConfig) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("durationSeconds".into(), config.duration.as_secs().into());
    body.insert("profileArn".into(), config.profile_arn.clone().into());
    body.insert("roleArn".into(), config.role_arn.clone().into());
    if let Some(name) = &config.role_session_name {
        body.insert("roleSessionName".into(), name.clone().into());
    }
    body.insert(
        "trustAnchorArn".into(),
        config.trust_anchor_arn.clone().into(),
    );
    serde_json::Value::Object(body).to_string().into_bytes()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateSessionOutput {
    #[serde(default)]
    credential_set: Vec<CredentialSetItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialSetItem {
    credentials: Option<WireCredentials>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expiration: String,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(alias = "Message")]
    message: Option<String>,
    #[serde(rename = "__type")]
    error_type: Option<String>,
}

/// Reads a `CreateSession` answer: on 2xx, the first credential set; otherwise the service's
/// error.
///
/// # Errors
/// [`AuthError::Service`] for error answers (code from `x-amzn-ErrorType` or `__type`),
/// [`AuthError::MalformedResponse`] when a 2xx body lacks credentials. Neither ever contains
/// the secret access key or the token.
pub fn parse_create_session_response(
    status: u16,
    error_type: Option<&str>,
    body: &[u8],
) -> Result<TemporaryCredentials, AuthError> {
    if !(200..300).contains(&status) {
        let parsed: Option<WireError> = serde_json::from_slice(body).ok();
        let message = parsed
            .as_ref()
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
        let code = error_type
            .map(str::to_owned)
            .or_else(|| parsed.and_then(|e| e.error_type))
            .map(|code| code.rsplit('#').next().unwrap_or_default().to_owned())
            .unwrap_or_else(|| format!("HTTP{status}"));
        return Err(AuthError::Service {
            service: SERVICE,
            status,
            code,
            message,
        });
    }
    let malformed = |detail: String| AuthError::MalformedResponse {
        service: SERVICE,
        detail,
    };
    let output: CreateSessionOutput = serde_json::from_slice(body).map_err(|e| {
        // serde's message may quote a value; report only where it failed.
        malformed(format!(
            "CreateSession body is not the expected JSON ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let credentials = output
        .credential_set
        .into_iter()
        .next()
        .and_then(|item| item.credentials)
        .ok_or_else(|| malformed("credentialSet[0].credentials is missing".to_owned()))?;
    let expires_at = parse_rfc3339(&credentials.expiration).ok_or_else(|| {
        malformed(format!(
            "credentialSet[0].credentials.expiration `{}` is not an RFC 3339 timestamp",
            credentials.expiration
        ))
    })?;
    TemporaryCredentials::new(
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token,
        expires_at,
    )
    .map_err(|e| malformed(format!("credentialSet[0].credentials: {e}")))
}

#[async_trait]
impl TemporaryCredentialsIssuer for RolesAnywhereSource {
    async fn issue(&self) -> Result<TemporaryCredentials, AuthError> {
        let request = self.create_session_request(self.time_source.now()).await?;
        let (status, error_type, body) = self.send(request).await?;
        let credentials = parse_create_session_response(status, error_type.as_deref(), &body)?;
        tracing::debug!(
            access_key_id = credentials.access_key_id(),
            "Roles Anywhere issued a session"
        );
        Ok(credentials)
    }

    fn name(&self) -> &str {
        SERVICE
    }
}

#[async_trait]
impl CredentialsSource for RolesAnywhereSource {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        self.issue().await.map(Credentials::Temporary)
    }

    fn name(&self) -> &str {
        SERVICE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const TRUST_ANCHOR: &str = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/4579702c-9abb-47c2-88b2-c734e0b7d4af";
    pub(crate) const PROFILE: &str =
        "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/6f4943fb-13d4-4242-89c4-be367595c380";
    pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";

    #[test]
    fn parses_credentials_and_errors() {
        let body = br#"{"credentialSet":[{"assumedRoleUser":{"arn":"arn:aws:sts::123456789012:assumed-role/bedrock-invoker/abc","assumedRoleId":"AROAEXAMPLE:abc"},"credentials":{"accessKeyId":"ASIAROLESANYWHERE","expiration":"2030-01-01T00:00:00Z","secretAccessKey":"ra-secret","sessionToken":"ra-token"},"packedPolicySize":0,"roleArn":"arn:aws:iam::123456789012:role/bedrock-invoker","sourceIdentity":"CN=test"}],"subjectArn":"arn:aws:rolesanywhere:eu-west-1:123456789012:subject/abc"}"#;
        let creds = parse_create_session_response(201, None, body).unwrap();
        assert_eq!(creds.access_key_id(), "ASIAROLESANYWHERE");
        assert_eq!(creds.secret_access_key().expose_secret(), "ra-secret");
        assert_eq!(creds.session_token().unwrap().expose_secret(), "ra-token");
        assert_eq!(
            creds.expires_at(),
            parse_rfc3339("2030-01-01T00:00:00Z").unwrap()
        );

        let err = parse_create_session_response(
            403,
            Some("AccessDeniedException"),
            br#"{"message":"Untrusted signing certificate."}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rolesanywhere answered HTTP 403 AccessDeniedException: Untrusted signing certificate."
        );
        assert!(!err.is_retryable());
        let err = parse_create_session_response(503, None, b"busy").unwrap_err();
        assert!(err.is_retryable());
        assert!(err.to_string().contains("HTTP503"), "{err}");

        for (body, needle) in [
            (&br#"{"credentialSet":[]}"#[..], "missing"),
            (br#"{"credentialSet":[{"credentials":{"accessKeyId":"ASIA","secretAccessKey":"do-not-show","sessionToken":"t","expiration":"tomorrow"}}]}"#, "tomorrow"),
            (br#"{"credentialSet":[{"credentials":{"accessKeyId":"ASIA","secretAccessKey":7,"expiration":"x"}}]}"#, "line 1"),
        ] {
            let err = parse_create_session_response(201, None, body).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(text.contains(needle), "{text}");
            assert!(!text.contains("do-not-show"), "{text}");
        }
    }

    #[test]
    fn config_is_validated_with_field_names() {
        let good = RolesAnywhereConfig::new("eu-west-1", TRUST_ANCHOR, PROFILE, ROLE);
        good.validate().unwrap();
        let mut cases = Vec::new();
        let mut c = good.clone();
        c.trust_anchor_arn = PROFILE.to_owned();
        cases.push((c, "trust_anchor_arn"));
        let mut c = good.clone();
        c.profile_arn = "arn:aws:rolesanywhere:eu-west-1:1234:profile/x".to_owned();
        cases.push((c, "profile_arn"));
        let mut c = good.clone();
        c.role_arn = "arn:aws:iam::123456789012:user/alice".to_owned();
        cases.push((c, "role_arn"));
        let mut c = good.clone();
        c.duration = Duration::from_secs(43_201);
        cases.push((c, "duration_seconds"));
        let mut c = good.clone();
        c.role_session_name = Some("a b".to_owned());
        cases.push((c, "role_session_name"));
        let mut c = good.clone();
        c.endpoint = Some("ftp://example".to_owned());
        cases.push((c, "endpoint"));
        let mut c = good;
        c.region = String::new();
        cases.push((c, "region"));
        for (config, expected) in cases {
            match config.validate().unwrap_err() {
                AuthError::InvalidParameter { field, .. } => assert_eq!(field, expected),
                other => panic!("{expected}: {other:?}"),
            }
        }
    }

    #[test]
    fn body_has_the_documented_fields() {
        let mut config = RolesAnywhereConfig::new("eu-west-1", TRUST_ANCHOR, PROFILE, ROLE);
        config.duration = Duration::from_secs(900);
        let body: serde_json::Value =
            serde_json::from_slice(&create_session_body(&config)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "durationSeconds": 900,
                "profileArn": PROFILE,
                "roleArn": ROLE,
                "trustAnchorArn": TRUST_ANCHOR,
            })
        );
    }
}
