//! Request authentication: SigV4 (`AWS4-HMAC-SHA256`, service `bedrock`) checked against the
//! emulator's credentials, session tokens and their expiry, and optional bearer API keys.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use bedrock_auth::{KnownCredential, SigningKeyCache, VerifyError, verify_sigv4_scope};
use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock;
use crate::credentials::{Identity, Issued, IssuedStore};
use crate::error::ApiError;

/// The access key of the SigV4 test suite's example credentials, the emulator's default.
pub const EXAMPLE_ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// The secret key of the SigV4 test suite's example credentials, the emulator's default.
pub const EXAMPLE_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The service name every Bedrock request is signed for, runtime and control plane alike.
pub const SIGNING_SERVICE: &str = "bedrock";

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

/// One set of credentials the emulator accepts.
///
/// With a `session_token`, requests must carry it in `x-amz-security-token`; with `expires_at`
/// in the past, they are refused with `ExpiredTokenException`, as Bedrock refuses an expired
/// session. In configuration files `expires_at` is an RFC 3339 time (`2030-01-01T00:00:00Z`)
/// or seconds since the Unix epoch.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// The access key id (`AKID...`, `ASIA...`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    /// When the session expires.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_expiry",
        deserialize_with = "deserialize_expiry"
    )]
    pub expires_at: Option<SystemTime>,
}

impl Credentials {
    /// Long-term credentials: an access key and its secret.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            expires_at: None,
        }
    }

    /// The SigV4 test suite's example pair, `AKIDEXAMPLE` and its secret.
    pub fn example() -> Self {
        Credentials::new(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY)
    }

    /// Sets the session token that requests must carry.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// Sets when the session expires.
    pub fn with_expiry(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::example()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expires_at", &self.expires_at.map(clock::format_amz_date))
            .finish()
    }
}

fn serialize_expiry<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_u64(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())),
        None => s.serialize_none(),
    }
}

fn deserialize_expiry<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Expiry {
        Seconds(u64),
        Text(String),
    }
    match Expiry::deserialize(d)? {
        Expiry::Seconds(secs) => Ok(Some(UNIX_EPOCH + Duration::from_secs(secs))),
        Expiry::Text(text) => clock::parse_rfc3339(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "field `expires_at` has value {text:?}; allowed: an RFC 3339 time such as \
                 2030-01-01T00:00:00Z, or seconds since the Unix epoch"
            ))
        }),
    }
}

/// What the emulator accepts, and how strict it is about time.
#[derive(Clone)]
pub(crate) struct AuthPolicy {
    /// Skip every check.
    pub no_auth: bool,
    /// Accepted SigV4 credentials, by access key id, in the verifier's form (built once).
    pub credentials: Vec<(String, KnownCredential)>,
    /// Signing keys derived so far, shared by every request.
    pub signing_keys: Arc<SigningKeyCache>,
    /// Accepted bearer API keys (`Authorization: Bearer ...`).
    pub api_keys: Vec<String>,
    /// How far the request's date may be from the emulator's clock; `None` disables the check.
    pub max_clock_skew: Option<Duration>,
    /// Credentials the credentials services issued, accepted until they expire.
    pub issued: Arc<IssuedStore>,
}

impl fmt::Debug for AuthPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `KnownCredential` redacts its secret and token; API keys are secrets too.
        f.debug_struct("AuthPolicy")
            .field("no_auth", &self.no_auth)
            .field("credentials", &self.credentials)
            .field("signing_keys", &self.signing_keys)
            .field("api_keys", &RedactedList(self.api_keys.len()))
            .field("max_clock_skew", &self.max_clock_skew)
            .field("issued", &self.issued)
            .finish()
    }
}

/// A list of secrets in `Debug` output: how many, not what.
pub(crate) struct RedactedList(pub usize);

impl fmt::Debug for RedactedList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(std::iter::repeat_n(bedrock_auth::REDACTED, self.0))
            .finish()
    }
}

impl AuthPolicy {
    /// A policy accepting `credentials` and `api_keys`.
    pub(crate) fn new(
        no_auth: bool,
        credentials: &[Credentials],
        api_keys: Vec<String>,
        max_clock_skew: Option<Duration>,
    ) -> Self {
        let credentials = credentials
            .iter()
            .map(|c| {
                (
                    c.access_key_id.clone(),
                    KnownCredential {
                        secret_access_key: c.secret_access_key.clone().into(),
                        session_token: c.session_token.clone().map(Into::into),
                        expires_at: c.expires_at,
                    },
                )
            })
            .collect();
        AuthPolicy {
            no_auth,
            credentials,
            signing_keys: Arc::new(SigningKeyCache::new()),
            api_keys,
            max_clock_skew,
            issued: Arc::new(IssuedStore::new(
                crate::credentials::DEFAULT_MAX_ISSUED_CREDENTIALS,
            )),
        }
    }

    /// Accepts the credentials of `issued` too, while they are kept there.
    pub(crate) fn with_issued(mut self, issued: Arc<IssuedStore>) -> Self {
        self.issued = issued;
        self
    }

    /// Who `access_key_id` speaks for: the issued session's role, or (for configured keys and
    /// unauthenticated requests) the emulator's own user.
    pub(crate) fn identity(&self, access_key_id: Option<&str>) -> Identity {
        if let Some(issued) = access_key_id.and_then(|id| self.issued.get(id)) {
            return issued.identity.clone();
        }
        Identity {
            arn: format!("arn:aws:iam::{EMULATOR_ACCOUNT_ID}:user/emulator"),
            user_id: match access_key_id {
                // A user id shaped like IAM's (`AIDA...`), stable for the key.
                Some(id) => format!("AIDA{}", stable_id(id)),
                None => "AIDAEMULATOR".to_owned(),
            },
            account: EMULATOR_ACCOUNT_ID.to_owned(),
        }
    }
}

/// The account of the emulator's own user, which configured credentials belong to.
pub(crate) const EMULATOR_ACCOUNT_ID: &str = "123456789012";

/// 16 base-32 characters derived from `text`: the same text always gives the same id.
pub(crate) fn stable_id(text: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    crate::credentials::base32(digest.as_ref().get(..10).unwrap_or_default())
}

/// The parts of a request that SigV4 covers.
#[derive(Clone, Copy)]
pub(crate) struct SignedParts<'a> {
    pub method: &'a Method,
    /// The path exactly as sent, still percent-encoded.
    pub raw_path: &'a str,
    /// The query exactly as sent.
    pub raw_query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Who the request was authenticated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Authenticated<'a> {
    /// The region of the credential scope, when the request was signed.
    pub region: Option<&'a str>,
    /// The access key id that signed the request, when it was signed and checked.
    pub access_key_id: Option<&'a str>,
}

fn forbidden(error_type: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, error_type, message)
}

/// The wire error for a failed SigV4 check.
fn verify_error(err: &VerifyError) -> ApiError {
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::FORBIDDEN);
    let mut message = err.to_string();
    match err {
        VerifyError::InvalidSignature {
            reason,
            canonical_request,
            string_to_sign,
            ..
        } => {
            if let (Some(canonical), Some(to_sign)) = (canonical_request, string_to_sign) {
                // As AWS does, show what the server signed so a client author can diff it.
                message.push_str(&format!(
                    "\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n\
                     The String-to-Sign should have been\n'{to_sign}'\n"
                ));
            } else if reason != "signature mismatch" {
                message = reason.clone();
            }
        }
        VerifyError::UnrecognizedClient {
            reason,
            access_key_id,
        } => {
            tracing::debug!(%access_key_id, %reason, "unrecognized client");
        }
        _ => {}
    }
    ApiError::new(status, err.error_code(), message)
}

/// The region named in a SigV4 credential scope (`Credential=AKID/DATE/REGION/...`), unchecked.
fn scope_region(authorization: &str) -> Option<&str> {
    let credential = authorization
        .split([' ', ','])
        .find_map(|p| p.trim().strip_prefix("Credential="))?;
    credential.split('/').nth(2)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks what of a request's authentication does not depend on its body: the whole of a bearer
/// key; for SigV4, everything but the signature itself (the `Authorization` header's form, a
/// known access key and session token, the date within the allowed skew, the signed headers
/// present, no literal payload hash). A request that fails here is refused before its body is
/// read; one that passes is checked again, in full, with its body by [`authenticate`].
pub(crate) fn authenticate_head(
    policy: &AuthPolicy,
    req: &SignedParts<'_>,
    now: SystemTime,
) -> Result<(), ApiError> {
    let authorization = header_str(req.headers, "authorization");
    if policy.no_auth || authorization.is_some_and(|a| a.starts_with("Bearer ")) {
        return authenticate(policy, req, now).map(|_| ());
    }
    refuse_literal_payload_hash(req.headers)?;
    // Everything the full check does before it hashes anything, with the same errors; it
    // computes no signature, so the full check that follows the body is the only one that does.
    let path_and_query = path_and_query(req);
    let issued = issued_for(policy, req.headers);
    bedrock_auth::verify_sigv4_head(
        &path_and_query,
        req.headers,
        |access_key_id| lookup(policy, issued.as_deref(), access_key_id),
        now,
        policy.max_clock_skew.unwrap_or(Duration::MAX),
    )
    .map_err(|e| verify_error(&e))
}

/// Checks what of an S3 request's SigV4 authentication its head shows (the `Authorization`
/// header's form, a known access key and session token, the date within the skew). S3 signs
/// literal payload hashes (`UNSIGNED-PAYLOAD`, aws-chunked), so they are not refused here: the
/// S3 endpoint checks the signature itself, and each chunk's, as the body streams in.
pub(crate) fn authenticate_s3_head(
    policy: &AuthPolicy,
    req: &SignedParts<'_>,
    now: SystemTime,
) -> Result<(), ApiError> {
    let path_and_query = path_and_query(req);
    let issued = issued_for(policy, req.headers);
    bedrock_auth::verify_sigv4_head(
        &path_and_query,
        req.headers,
        |access_key_id| lookup(policy, issued.as_deref(), access_key_id),
        now,
        policy.max_clock_skew.unwrap_or(Duration::MAX),
    )
    .map_err(|e| verify_error(&e))
}

/// The request target as it was signed: the raw path, then the raw query if there is one.
fn path_and_query<'a>(req: &SignedParts<'a>) -> std::borrow::Cow<'a, str> {
    match req.raw_query {
        Some(q) => std::borrow::Cow::Owned(format!("{}?{q}", req.raw_path)),
        None => std::borrow::Cow::Borrowed(req.raw_path),
    }
}

/// The issued credentials a request names in its credential scope, unless the access key is
/// a configured one (checked first, without a lock).
fn issued_for(policy: &AuthPolicy, headers: &HeaderMap) -> Option<Arc<Issued>> {
    let access_key_id = header_str(headers, "authorization")
        .and_then(|a| {
            a.split([' ', ','])
                .find_map(|p| p.trim().strip_prefix("Credential="))
        })
        .and_then(|c| c.split('/').next())?;
    if known_credential(policy, access_key_id).is_some() {
        return None;
    }
    policy.issued.get(access_key_id)
}

/// What the emulator knows about an access key id: configured, or issued (`issued`, found
/// beforehand by [`issued_for`]).
fn lookup<'p>(
    policy: &'p AuthPolicy,
    issued: Option<&'p Issued>,
    access_key_id: &str,
) -> Option<&'p KnownCredential> {
    known_credential(policy, access_key_id).or_else(|| {
        issued
            .filter(|i| i.access_key_id == access_key_id)
            .map(|i| &i.known)
    })
}

/// What the configuration says about an access key id.
fn known_credential<'p>(
    policy: &'p AuthPolicy,
    access_key_id: &str,
) -> Option<&'p bedrock_auth::KnownCredential> {
    policy
        .credentials
        .iter()
        .find(|(id, _)| id == access_key_id)
        .map(|(_, known)| known)
}

/// Refuses `x-amz-content-sha256` values other than a SHA-256 digest. The verifier would take
/// `UNSIGNED-PAYLOAD` or `STREAMING-...` as the payload hash, leaving the body unchecked (and
/// aws-chunked signatures unverified); no Bedrock operation the emulator serves is signed that
/// way by the AWS SDKs or boto3, which sign the body's digest.
fn refuse_literal_payload_hash(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get("x-amz-content-sha256") else {
        return Ok(());
    };
    let bytes = value.as_bytes();
    if bytes.len() == 64 && bytes.iter().all(u8::is_ascii_hexdigit) {
        return Ok(());
    }
    Err(forbidden(
        "InvalidSignatureException",
        format!(
            "x-amz-content-sha256 is '{}'; Bedrock requests must sign the SHA-256 of their body \
             (as the AWS SDKs do): unsigned payloads and aws-chunked streaming signatures are not \
             accepted",
            String::from_utf8_lossy(bytes)
        ),
    ))
}

/// The SigV4 check proper, against the configured credentials.
fn verify<'a>(
    policy: &AuthPolicy,
    req: &SignedParts<'a>,
    now: SystemTime,
) -> Result<bedrock_auth::VerifiedScope<'a>, VerifyError> {
    let path_and_query = path_and_query(req);
    let issued = issued_for(policy, req.headers);
    verify_sigv4_scope(
        req.method.as_str(),
        &path_and_query,
        req.headers,
        req.body,
        |access_key_id| lookup(policy, issued.as_deref(), access_key_id),
        now,
        policy.max_clock_skew.unwrap_or(Duration::MAX),
        &policy.signing_keys,
    )
}

/// Checks a Bedrock request's authentication; `now` is the emulator's clock.
pub(crate) fn authenticate<'a>(
    policy: &AuthPolicy,
    req: &SignedParts<'a>,
    now: SystemTime,
) -> Result<Authenticated<'a>, ApiError> {
    authenticate_for(policy, req, now, SIGNING_SERVICE)
}

/// Checks a request's authentication for `service` (`bedrock`, `sts`); bearer API keys count
/// for Bedrock only.
pub(crate) fn authenticate_for<'a>(
    policy: &AuthPolicy,
    req: &SignedParts<'a>,
    now: SystemTime,
    service: &str,
) -> Result<Authenticated<'a>, ApiError> {
    let authorization = header_str(req.headers, "authorization");
    if policy.no_auth {
        // Still read the region the client signed for, so a multi-region client is served the
        // region it asked for.
        let region = authorization.and_then(scope_region);
        return Ok(Authenticated {
            region,
            access_key_id: None,
        });
    }
    if let Some(token) = authorization
        .filter(|_| service == SIGNING_SERVICE)
        .and_then(|a| a.strip_prefix("Bearer "))
    {
        let token = token.trim().as_bytes();
        if policy
            .api_keys
            .iter()
            .any(|k| constant_time_eq(k.as_bytes(), token))
        {
            return Ok(Authenticated {
                region: None,
                access_key_id: None,
            });
        }
        return Err(forbidden("UnrecognizedClientException", INVALID_TOKEN));
    }
    refuse_literal_payload_hash(req.headers)?;
    let identity = verify(policy, req, now).map_err(|e| verify_error(&e))?;
    if identity.service != service {
        return Err(forbidden(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{service}'. "),
        ));
    }
    if identity.region.parse::<bedrock_core::Region>().is_err() {
        return Err(forbidden(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                identity.region
            ),
        ));
    }
    Ok(Authenticated {
        region: Some(identity.region),
        access_key_id: Some(identity.access_key_id),
    })
}

/// Compares secrets in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPIRED_TOKEN: &str = "The security token included in the request is expired";
    const SIGNATURE_MISMATCH: &str =
        "The request signature we calculated does not match the signature you provided.";

    #[test]
    fn credentials_debug_redacts_secrets() {
        let c = Credentials::example().with_session_token("tok-secret");
        let s = format!("{c:?}");
        assert!(
            !s.contains("EXAMPLEKEY") && !s.contains("tok-secret"),
            "{s}"
        );
    }

    #[test]
    fn credentials_expiry_parses_text_and_seconds() {
        let c: Credentials = serde_json::from_str(
            r#"{"access_key_id":"A","secret_access_key":"S","expires_at":"2015-08-30T12:36:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            c.expires_at,
            Some(UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        );
        let c: Credentials =
            serde_json::from_str(r#"{"access_key_id":"A","secret_access_key":"S","expires_at":5}"#)
                .unwrap();
        assert_eq!(c.expires_at, Some(UNIX_EPOCH + Duration::from_secs(5)));
        let err = serde_json::from_str::<Credentials>(
            r#"{"access_key_id":"A","secret_access_key":"S","expires_at":"tomorrow"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("expires_at"), "{err}");
    }

    /// Signs a request the way the AWS SDKs do (aws-sigv4, double-encoded path) and returns
    /// its headers.
    fn signed_headers(
        method: &str,
        uri: &str,
        body: &[u8],
        creds: aws_credential_types::Credentials,
        region: &str,
        service: &str,
        at: SystemTime,
    ) -> HeaderMap {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let identity = creds.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(at)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let len = body.len().to_string();
        let headers = [
            ("host", "127.0.0.1:9"),
            ("content-type", "application/json"),
            ("content-length", len.as_str()),
        ];
        let signable = SignableRequest::new(
            method,
            uri,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let mut req = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let mut req = req.body(()).unwrap();
        instructions.apply_to_request_http1x(&mut req);
        req.headers().clone()
    }

    fn sdk_creds(secret: &str, token: Option<&str>) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            EXAMPLE_ACCESS_KEY_ID,
            secret,
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn policy(creds: Credentials) -> AuthPolicy {
        AuthPolicy::new(
            false,
            &[creds],
            vec!["bedrock-api-key-abc".to_owned()],
            Some(Duration::from_secs(900)),
        )
    }

    const ARN_PATH: &str = "/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A%3Afoundation-model%2Fanthropic.claude-v2%3A1/invoke";

    fn check<'a>(
        policy: &AuthPolicy,
        uri: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
        now: SystemTime,
    ) -> Result<Authenticated<'a>, ApiError> {
        let (raw_path, raw_query) = match uri.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (uri, None),
        };
        let method: &'static Method = if body.is_empty() {
            &Method::GET
        } else {
            &Method::POST
        };
        authenticate(
            policy,
            &SignedParts {
                method,
                raw_path,
                raw_query,
                headers,
                body,
            },
            now,
        )
    }

    fn at() -> SystemTime {
        // 2024-03-01T10:15:00Z
        UNIX_EPOCH + Duration::from_secs(1_709_288_100)
    }

    #[test]
    fn sdk_signatures_verify_with_encoded_arns_and_queries() {
        let p = policy(Credentials::example());
        let body = br#"{"prompt":"hi"}"#;
        let h = signed_headers(
            "POST",
            ARN_PATH,
            body,
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "eu-west-1",
            "bedrock",
            at(),
        );
        let ok = check(&p, ARN_PATH, &h, body, at() + Duration::from_secs(60)).unwrap();
        assert_eq!(ok.region, Some("eu-west-1"));

        let uri = "/foundation-models?byProvider=Meta%20AI&byOutputModality=TEXT";
        let h = signed_headers(
            "GET",
            uri,
            b"",
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "us-west-2",
            "bedrock",
            at(),
        );
        assert_eq!(
            check(&p, uri, &h, b"", at()).unwrap().region,
            Some("us-west-2")
        );
    }

    #[test]
    fn wrong_secret_or_tampered_body_is_an_invalid_signature() {
        let p = policy(Credentials::example());
        let body = br#"{"prompt":"hi"}"#;
        let h = signed_headers(
            "POST",
            ARN_PATH,
            body,
            sdk_creds("not-the-secret", None),
            "us-east-1",
            "bedrock",
            at(),
        );
        let e = check(&p, ARN_PATH, &h, body, at()).unwrap_err();
        assert_eq!(
            (e.status, e.error_type.as_str()),
            (StatusCode::FORBIDDEN, "InvalidSignatureException")
        );
        assert!(e.message.starts_with(SIGNATURE_MISMATCH), "{}", e.message);
        assert!(
            e.message.contains("%253A"),
            "canonical string shows the double-encoded path: {}",
            e.message
        );

        let h = signed_headers(
            "POST",
            ARN_PATH,
            body,
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "us-east-1",
            "bedrock",
            at(),
        );
        let e = check(&p, ARN_PATH, &h, br#"{"prompt":"ho"}"#, at()).unwrap_err();
        assert_eq!(e.error_type, "InvalidSignatureException");
    }

    #[test]
    fn unknown_key_missing_auth_and_wrong_scope() {
        let p = policy(Credentials::new("AKIDOTHER", "secret"));
        let h = signed_headers(
            "GET",
            "/foundation-models",
            b"",
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "us-east-1",
            "bedrock",
            at(),
        );
        let e = check(&p, "/foundation-models", &h, b"", at()).unwrap_err();
        assert_eq!(
            (e.status, e.error_type.as_str(), e.message.as_str()),
            (
                StatusCode::FORBIDDEN,
                "UnrecognizedClientException",
                INVALID_TOKEN
            )
        );

        let e = check(&p, "/foundation-models", &HeaderMap::new(), b"", at()).unwrap_err();
        assert_eq!(
            (e.status, e.error_type.as_str()),
            (StatusCode::FORBIDDEN, "MissingAuthenticationTokenException")
        );

        let p = policy(Credentials::example());
        let h = signed_headers(
            "GET",
            "/foundation-models",
            b"",
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "us-east-1",
            "bedrock-runtime",
            at(),
        );
        let e = check(&p, "/foundation-models", &h, b"", at()).unwrap_err();
        assert!(
            e.message.contains("correct service: 'bedrock'"),
            "{}",
            e.message
        );
        let h = signed_headers(
            "GET",
            "/foundation-models",
            b"",
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "mars-north-1",
            "bedrock",
            at(),
        );
        let e = check(&p, "/foundation-models", &h, b"", at()).unwrap_err();
        assert!(e.message.contains("valid region"), "{}", e.message);
    }

    #[test]
    fn session_tokens_must_match_and_not_be_expired() {
        let creds = Credentials::example().with_session_token("session-1");
        let p = policy(creds.clone());
        let sign_with = |token: Option<&str>| {
            signed_headers(
                "GET",
                "/foundation-models",
                b"",
                sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, token),
                "us-east-1",
                "bedrock",
                at(),
            )
        };
        assert!(
            check(
                &p,
                "/foundation-models",
                &sign_with(Some("session-1")),
                b"",
                at()
            )
            .is_ok()
        );
        for token in [None, Some("session-2")] {
            let e = check(&p, "/foundation-models", &sign_with(token), b"", at()).unwrap_err();
            assert_eq!(e.error_type, "UnrecognizedClientException", "{token:?}");
        }
        let p = policy(creds.with_expiry(at() - Duration::from_secs(1)));
        let e = check(
            &p,
            "/foundation-models",
            &sign_with(Some("session-1")),
            b"",
            at(),
        )
        .unwrap_err();
        assert_eq!(
            (e.status, e.error_type.as_str(), e.message.as_str()),
            (
                StatusCode::FORBIDDEN,
                "ExpiredTokenException",
                EXPIRED_TOKEN
            )
        );
    }

    #[test]
    fn stale_or_future_dates_are_refused_unless_skew_is_off() {
        let mut p = policy(Credentials::example());
        let h = signed_headers(
            "GET",
            "/foundation-models",
            b"",
            sdk_creds(EXAMPLE_SECRET_ACCESS_KEY, None),
            "us-east-1",
            "bedrock",
            at(),
        );
        let e = check(
            &p,
            "/foundation-models",
            &h,
            b"",
            at() + Duration::from_secs(16 * 60),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("Signature expired: 20240301T101500Z"),
            "{}",
            e.message
        );
        let e = check(
            &p,
            "/foundation-models",
            &h,
            b"",
            at() - Duration::from_secs(16 * 60),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("Signature not yet current"),
            "{}",
            e.message
        );
        p.max_clock_skew = None;
        assert!(
            check(
                &p,
                "/foundation-models",
                &h,
                b"",
                at() + Duration::from_secs(86_400)
            )
            .is_ok()
        );
    }

    #[test]
    fn bearer_keys_and_no_auth() {
        let mut p = policy(Credentials::example());
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "Bearer bedrock-api-key-abc".parse().unwrap(),
        );
        assert_eq!(
            check(&p, "/foundation-models", &h, b"", at())
                .unwrap()
                .region,
            None
        );
        h.insert("authorization", "Bearer other".parse().unwrap());
        assert_eq!(
            check(&p, "/foundation-models", &h, b"", at())
                .unwrap_err()
                .error_type,
            "UnrecognizedClientException"
        );
        p.no_auth = true;
        assert!(check(&p, "/foundation-models", &h, b"", at()).is_ok());
        let h = signed_headers(
            "GET",
            "/foundation-models",
            b"",
            sdk_creds("whatever", None),
            "ap-south-1",
            "bedrock",
            at(),
        );
        assert_eq!(
            check(&p, "/foundation-models", &h, b"", at())
                .unwrap()
                .region,
            Some("ap-south-1")
        );
    }
}
