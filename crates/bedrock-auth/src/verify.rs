//! Server-side SigV4 verification: parses the `Authorization` header, rebuilds the canonical
//! request from the signed headers only, and checks the signature, key, token and clock skew.

use crate::amz_date::{format_amz_date, format_rfc3339, parse_amz_date};
use crate::canonical::{
    HEX_LOWER, canonical_query, hex_pair, push_canonical_header_value, push_canonical_uri,
};
use crate::secret::{SecretString, constant_time_eq};
use aws_sigv4::sign::v4::generate_signing_key;
use http::{HeaderMap, HeaderName};
use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// The only algorithm accepted in the `Authorization` header.
pub const SIGV4_ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Clock skew AWS tolerates between a signature and the server's clock.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// Payload hash values a client may declare in `x-amz-content-sha256` instead of a digest.
const LITERAL_PAYLOAD_HASHES: [&str; 3] = [
    "UNSIGNED-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
];

/// What the verifier knows about an access key, as returned by the lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownCredential {
    /// The secret access key belonging to the access key id.
    pub secret_access_key: SecretString,
    /// The session token that must accompany the key (temporary credentials), if any.
    pub session_token: Option<SecretString>,
    /// When the session expires (temporary credentials), if ever.
    pub expires_at: Option<SystemTime>,
}

impl KnownCredential {
    /// A long-term key: no session token, no expiry.
    pub fn long_term(secret_access_key: impl Into<SecretString>) -> Self {
        Self {
            secret_access_key: secret_access_key.into(),
            session_token: None,
            expires_at: None,
        }
    }

    /// A temporary key: requests must carry `session_token`, and fail after `expires_at`.
    pub fn temporary(
        secret_access_key: impl Into<SecretString>,
        session_token: impl Into<SecretString>,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            secret_access_key: secret_access_key.into(),
            session_token: Some(session_token.into()),
            expires_at: Some(expires_at),
        }
    }
}

/// Who signed a request that passed [`verify_sigv4`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// Access key id from the credential scope.
    pub access_key_id: String,
    /// Region from the credential scope.
    pub region: String,
    /// Service signing name from the credential scope (Bedrock uses `bedrock`).
    pub service: String,
    /// The request's `x-amz-date`.
    pub signed_at: SystemTime,
    /// The signed header names, lower case, as listed in `SignedHeaders`.
    pub signed_headers: Vec<String>,
    /// Whether the request carried a session token.
    pub has_session_token: bool,
}

/// Who signed a request that passed [`verify_sigv4_scope`], borrowed from the request's
/// headers: the same facts as [`VerifiedIdentity`] without an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedScope<'h> {
    /// Access key id from the credential scope.
    pub access_key_id: &'h str,
    /// Region from the credential scope.
    pub region: &'h str,
    /// Service signing name from the credential scope (Bedrock uses `bedrock`).
    pub service: &'h str,
    /// The request's `x-amz-date`.
    pub signed_at: SystemTime,
    /// `SignedHeaders` exactly as the request listed it (`;`-separated).
    pub signed_headers: &'h str,
    /// Whether the request carried a session token.
    pub has_session_token: bool,
}

impl VerifiedScope<'_> {
    /// The owned form, signed header names in lower case.
    pub fn to_identity(&self) -> VerifiedIdentity {
        VerifiedIdentity {
            access_key_id: self.access_key_id.to_owned(),
            region: self.region.to_owned(),
            service: self.service.to_owned(),
            signed_at: self.signed_at,
            signed_headers: self
                .signed_headers
                .split(';')
                .map(str::to_ascii_lowercase)
                .collect(),
            has_session_token: self.has_session_token,
        }
    }
}

/// Why a request failed SigV4 verification. [`VerifyError::error_code`] and
/// [`VerifyError::http_status`] give the error AWS answers with; `Display` is AWS's message.
/// No variant holds a secret or a session token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header.
    #[error("Missing Authentication Token")]
    MissingAuthentication,

    /// The `Authorization` header or the date is missing parts or malformed.
    #[error("{detail}")]
    IncompleteSignature {
        /// What is missing or malformed.
        detail: String,
    },

    /// The access key is unknown, or the session token does not belong to it.
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient {
        /// The access key id the request named.
        access_key_id: String,
        /// Which check failed (never the token itself).
        reason: String,
    },

    /// The signature does not match the request.
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service \
         documentation for details."
    )]
    InvalidSignature {
        /// The access key id the request named.
        access_key_id: String,
        /// What did not match.
        reason: String,
        /// The canonical request the server built (session token redacted), when it got
        /// that far.
        canonical_request: Option<String>,
        /// The string to sign the server built, when it got that far.
        string_to_sign: Option<String>,
    },

    /// The signature is valid but the session token has expired.
    #[error("The security token included in the request is expired")]
    ExpiredToken {
        /// The access key id the request named.
        access_key_id: String,
        /// When the session expired, RFC 3339.
        expired_at: String,
    },

    /// The request's timestamp is too far from the server's clock.
    #[error("{}", skew_message(.signed_at, .server_time, .max_skew_secs))]
    SignatureExpired {
        /// The request's `x-amz-date`.
        signed_at: String,
        /// The server's time, same format.
        server_time: String,
        /// Tolerated skew in seconds.
        max_skew_secs: u64,
        /// Whether the request is dated in the future rather than the past.
        in_future: bool,
    },
}

fn skew_message(signed_at: &str, server_time: &str, max_skew_secs: &u64) -> String {
    let minutes = max_skew_secs / 60;
    let Some(server) = parse_amz_date(server_time) else {
        return format!("Signature expired: {signed_at} is out of range of {server_time}");
    };
    let skew = Duration::from_secs(*max_skew_secs);
    if parse_amz_date(signed_at).is_some_and(|signed| signed > server) {
        format!(
            "Signature not yet current: {signed_at} is still later than {} ({server_time} + {minutes} min.)",
            format_amz_date(server + skew)
        )
    } else {
        format!(
            "Signature expired: {signed_at} is now earlier than {} ({server_time} - {minutes} min.)",
            format_amz_date(server - skew)
        )
    }
}

impl VerifyError {
    /// The error type AWS answers with, e.g. `InvalidSignatureException`.
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::MissingAuthentication => "MissingAuthenticationTokenException",
            Self::IncompleteSignature { .. } => "IncompleteSignatureException",
            Self::UnrecognizedClient { .. } => "UnrecognizedClientException",
            Self::InvalidSignature { .. } | Self::SignatureExpired { .. } => {
                "InvalidSignatureException"
            }
            Self::ExpiredToken { .. } => "ExpiredTokenException",
        }
    }

    /// The HTTP status AWS answers with (403 for all of them).
    pub fn http_status(&self) -> u16 {
        403
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug)]
struct ParsedAuthorization<'a> {
    access_key_id: &'a str,
    scope_date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn incomplete(detail: impl Into<String>) -> VerifyError {
    VerifyError::IncompleteSignature {
        detail: detail.into(),
    }
}

fn parse_authorization<'a>(value: &'a str) -> Result<ParsedAuthorization<'a>, VerifyError> {
    // A header value that passed `to_str` is visible ASCII, spaces and tabs: trimming ASCII
    // whitespace is trimming all of it.
    let value = value.trim_ascii();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != SIGV4_ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}' (expected '{SIGV4_ALGORITHM}')"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim_ascii();
        if part.is_empty() {
            continue;
        }
        let Some((key, val)) = part.split_once('=') else {
            return Err(incomplete(format!(
                "Authorization header part '{part}' is not a key=value pair"
            )));
        };
        match key.trim_ascii() {
            "Credential" => credential = Some(val.trim_ascii()),
            "SignedHeaders" => signed_headers = Some(val.trim_ascii()),
            "Signature" => signature = Some(val.trim_ascii()),
            _ => {}
        }
    }
    let present = |value: Option<&'a str>| value.filter(|v| !v.is_empty());
    let (Some(credential), Some(signed_headers), Some(signature)) = (
        present(credential),
        present(signed_headers),
        present(signature),
    ) else {
        let missing: Vec<String> = [
            ("Credential", credential),
            ("SignedHeaders", signed_headers),
            ("Signature", signature),
        ]
        .into_iter()
        .filter(|(_, found)| present(*found).is_none())
        .map(|(name, _)| format!("Authorization header requires '{name}' parameter."))
        .collect();
        return Err(incomplete(missing.join(" ")));
    };
    let mut parts = credential.split('/');
    let (
        Some(access_key_id),
        Some(scope_date),
        Some(region),
        Some(service),
        Some(terminator),
        None,
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return Err(incomplete(format!(
            "Credential '{credential}' must have 5 '/'-separated parts: \
             <access key>/<YYYYMMDD>/<region>/<service>/aws4_request"
        )));
    };
    if terminator != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    let date_ok = scope_date.len() == 8 && scope_date.bytes().all(|b| b.is_ascii_digit());
    if access_key_id.is_empty() || region.is_empty() || service.is_empty() || !date_ok {
        return Err(incomplete(format!(
            "Credential '{credential}' must name an access key, a YYYYMMDD date, a region and a service"
        )));
    }
    Ok(ParsedAuthorization {
        access_key_id,
        scope_date,
        region,
        service,
        signed_headers,
        signature,
    })
}

/// Verifies the SigV4 signature of a received request.
///
/// * `method`: the HTTP method, e.g. `POST`.
/// * `path_and_query`: the request target exactly as received, still percent-encoded (for
///   example `/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke`). The canonical URI is
///   built as for every service but S3: normalised and encoded once more (`%3A` → `%253A`).
/// * `headers`: the received headers; only those named in `SignedHeaders` are used.
/// * `body`: the received body; its SHA-256 is the payload hash, unless the client declared
///   `x-amz-content-sha256: UNSIGNED-PAYLOAD` (a declared digest must match the body).
/// * `lookup`: finds what the server knows about an access key id.
/// * `now`, `max_skew`: the server's clock and the tolerated skew ([`DEFAULT_MAX_SKEW`]).
///
/// Only header-based SigV4 (`AWS4-HMAC-SHA256`, timestamp in `x-amz-date`) is supported;
/// pre-signed URLs fail with [`VerifyError::IncompleteSignature`].
///
/// # Errors
/// Checks run in this order: [`VerifyError::MissingAuthentication`],
/// [`VerifyError::IncompleteSignature`], [`VerifyError::UnrecognizedClient`] (unknown key,
/// missing or wrong session token), [`VerifyError::SignatureExpired`],
/// [`VerifyError::InvalidSignature`], and last [`VerifyError::ExpiredToken`], so an expired
/// session is reported only for requests that were otherwise signed correctly.
pub fn verify_sigv4<L>(
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    lookup: L,
    now: SystemTime,
    max_skew: Duration,
) -> Result<VerifiedIdentity, VerifyError>
where
    L: Fn(&str) -> Option<KnownCredential>,
{
    verify(
        method,
        path_and_query,
        headers,
        body,
        |access_key_id| lookup(access_key_id).map(Cow::Owned),
        now,
        max_skew,
        None,
    )
    .map(|scope| scope.to_identity())
}

/// [`verify_sigv4`] for a server that verifies many requests: `lookup` lends what it knows
/// about an access key instead of handing over a copy, signing keys come from `cache` (derived
/// once per access key, secret, day, region and service instead of on every request), and the
/// answer is a [`VerifiedScope`] that borrows from `headers`. Same checks, same order, same
/// results as [`verify_sigv4`].
///
/// # Errors
/// As [`verify_sigv4`].
#[allow(
    clippy::too_many_arguments,
    reason = "verify_sigv4's arguments plus the cache"
)]
pub fn verify_sigv4_scope<'h, 'k, L>(
    method: &str,
    path_and_query: &str,
    headers: &'h HeaderMap,
    body: &[u8],
    lookup: L,
    now: SystemTime,
    max_skew: Duration,
    cache: &SigningKeyCache,
) -> Result<VerifiedScope<'h>, VerifyError>
where
    L: Fn(&str) -> Option<&'k KnownCredential>,
{
    verify(
        method,
        path_and_query,
        headers,
        body,
        |access_key_id| lookup(access_key_id).map(Cow::Borrowed),
        now,
        max_skew,
        Some(cache),
    )
}

/// What the checks that need no body established about a request.
struct Head<'h, 'k> {
    authorization: &'h str,
    parsed: ParsedAuthorization<'h>,
    amz_date: &'h str,
    signed_at: SystemTime,
    known: Cow<'k, KnownCredential>,
}

/// Checks everything about a SigV4 request that does not depend on its body, in the order
/// [`verify_sigv4`] does: the `Authorization` header's form, `X-Amz-Date`, the credential
/// scope's date, a known access key and its session token, the clock skew, `host` and every
/// header listed in `SignedHeaders` being present. It computes no hash and no signature, so a
/// server can refuse a request from its head alone, before reading the body; a request that
/// passes still needs [`verify_sigv4_scope`] (or [`verify_sigv4`]) with its body.
///
/// # Errors
/// The same errors, with the same messages, as [`verify_sigv4`] gives for these checks.
pub fn verify_sigv4_head<'k, L>(
    path_and_query: &str,
    headers: &HeaderMap,
    lookup: L,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), VerifyError>
where
    L: Fn(&str) -> Option<&'k KnownCredential>,
{
    let raw_query = path_and_query.split_once('?').map_or("", |(_, q)| q);
    let head = check_head(
        raw_query,
        headers,
        |access_key_id| lookup(access_key_id).map(Cow::Borrowed),
        now,
        max_skew,
    )?;
    match head
        .parsed
        .signed_headers
        .split(';')
        .find(|name| headers.get_all(*name).iter().next().is_none())
    {
        Some(name) => Err(missing_signed_header(name)),
        None => Ok(()),
    }
}

fn missing_signed_header(name: &str) -> VerifyError {
    incomplete(format!(
        "Signed header '{}' is listed in SignedHeaders but not present in the request",
        name.to_ascii_lowercase()
    ))
}

fn check_head<'h, 'k, L>(
    raw_query: &str,
    headers: &'h HeaderMap,
    lookup: L,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Head<'h, 'k>, VerifyError>
where
    L: Fn(&str) -> Option<Cow<'k, KnownCredential>>,
{
    let Some(authorization) = headers.get(http::header::AUTHORIZATION) else {
        let presigned = raw_query.split('&').any(|pair| {
            pair.starts_with("X-Amz-Signature=") || pair.starts_with("X-Amz-Algorithm=")
        });
        return Err(if presigned {
            incomplete(
                "Pre-signed URL authentication is not supported; sign with the Authorization header",
            )
        } else {
            VerifyError::MissingAuthentication
        });
    };
    let authorization = authorization
        .to_str()
        .map_err(|_| incomplete("Authorization header is not valid ASCII"))?;
    let parsed = parse_authorization(authorization)?;

    let amz_date = headers
        .get(X_AMZ_DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of a 'X-Amz-Date' header.")
        })?;
    let signed_at = parse_amz_date(amz_date).ok_or_else(|| {
        incomplete(format!(
            "X-Amz-Date '{amz_date}' must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'"
        ))
    })?;
    let access_key_id = parsed.access_key_id;
    if !amz_date.starts_with(parsed.scope_date) {
        return Err(VerifyError::InvalidSignature {
            access_key_id: access_key_id.to_owned(),
            reason: format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{}' != '{}', from '{amz_date}'.",
                parsed.scope_date,
                amz_date.get(..8).unwrap_or(amz_date)
            ),
            canonical_request: None,
            string_to_sign: None,
        });
    }

    let known = lookup(access_key_id).ok_or_else(|| VerifyError::UnrecognizedClient {
        access_key_id: access_key_id.to_owned(),
        reason: "unknown access key id".to_owned(),
    })?;
    let sent_token = headers.get(X_AMZ_SECURITY_TOKEN).map(|v| v.as_bytes());
    let token_problem = match (&known.session_token, sent_token) {
        (Some(expected), Some(sent))
            if constant_time_eq(expected.expose_secret().as_bytes(), sent) =>
        {
            None
        }
        (Some(_), Some(_)) => Some("the session token does not belong to this access key"),
        (Some(_), None) => Some("temporary credentials need the x-amz-security-token header"),
        (None, Some(_)) => Some("a session token was sent with a long-term access key"),
        (None, None) => None,
    };
    if let Some(reason) = token_problem {
        return Err(VerifyError::UnrecognizedClient {
            access_key_id: access_key_id.to_owned(),
            reason: reason.to_owned(),
        });
    }

    let skew = match now.duration_since(signed_at) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > max_skew {
        return Err(VerifyError::SignatureExpired {
            signed_at: amz_date.to_owned(),
            server_time: format_amz_date(now),
            max_skew_secs: max_skew.as_secs(),
            in_future: signed_at > now,
        });
    }

    if !parsed
        .signed_headers
        .split(';')
        .any(|name| name.eq_ignore_ascii_case("host"))
    {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(Head {
        authorization,
        parsed,
        amz_date,
        signed_at,
        known,
    })
}

/// Header names the verifier reads besides the signed ones.
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

#[allow(
    clippy::too_many_arguments,
    reason = "verify_sigv4's arguments plus the cache"
)]
fn verify<'h, 'k, L>(
    method: &str,
    path_and_query: &str,
    headers: &'h HeaderMap,
    body: &[u8],
    lookup: L,
    now: SystemTime,
    max_skew: Duration,
    cache: Option<&SigningKeyCache>,
) -> Result<VerifiedScope<'h>, VerifyError>
where
    L: Fn(&str) -> Option<Cow<'k, KnownCredential>>,
{
    let (raw_path, raw_query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let Head {
        authorization,
        parsed,
        amz_date,
        signed_at,
        known,
    } = check_head(raw_query, headers, lookup, now, max_skew)?;
    let access_key_id = parsed.access_key_id;
    // The canonical request, then the string to sign, built in one buffer. The canonical
    // request: method, URI, query, the signed headers in `SignedHeaders` order, the header list
    // and the payload hash, one per line.
    let to_sign_len = SIGV4_ALGORITHM.len()
        + amz_date.len()
        + parsed.scope_date.len()
        + parsed.region.len()
        + parsed.service.len()
        + 16
        + 3
        + 64;
    let mut canonical = String::with_capacity(
        256 + path_and_query.len() * 2
            + parsed.signed_headers.len() * 2
            + authorization.len()
            + to_sign_len,
    );
    canonical.push_str(method);
    canonical.push('\n');
    push_canonical_uri(&mut canonical, raw_path);
    canonical.push('\n');
    if !raw_query.is_empty() {
        canonical.push_str(&canonical_query(raw_query));
    }
    canonical.push('\n');
    for name in parsed.signed_headers.split(';') {
        // Header lookups ignore case; the canonical request lists names in lower case.
        let mut values = headers.get_all(name).iter().peekable();
        if values.peek().is_none() {
            return Err(missing_signed_header(name));
        }
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            canonical.push_str(&name.to_ascii_lowercase());
        } else {
            canonical.push_str(name);
        }
        canonical.push(':');
        push_canonical_header_value(&mut canonical, values.map(|v| v.as_bytes()));
        canonical.push('\n');
    }

    let body_hash = HexDigest::sha256(body);
    let payload_hash = match headers
        .get(X_AMZ_CONTENT_SHA256)
        .and_then(|v| v.to_str().ok())
    {
        Some(declared) if LITERAL_PAYLOAD_HASHES.contains(&declared) => declared,
        Some(declared) if !declared.eq_ignore_ascii_case(body_hash.as_str()) => {
            return Err(VerifyError::InvalidSignature {
                access_key_id: access_key_id.to_owned(),
                reason: "x-amz-content-sha256 does not match the SHA-256 of the body".to_owned(),
                canonical_request: None,
                string_to_sign: None,
            });
        }
        _ => body_hash.as_str(),
    };
    canonical.push('\n');
    canonical.push_str(parsed.signed_headers);
    canonical.push('\n');
    canonical.push_str(payload_hash);

    // The string to sign, after the canonical request in the same buffer: algorithm,
    // timestamp, scope, and the canonical request's hash.
    let canonical_hash = HexDigest::sha256(canonical.as_bytes());
    let canonical_len = canonical.len();
    let mut to_sign = canonical;
    to_sign.push_str(SIGV4_ALGORITHM);
    to_sign.push('\n');
    to_sign.push_str(amz_date);
    to_sign.push('\n');
    to_sign.push_str(parsed.scope_date);
    to_sign.push('/');
    to_sign.push_str(parsed.region);
    to_sign.push('/');
    to_sign.push_str(parsed.service);
    to_sign.push_str("/aws4_request\n");
    to_sign.push_str(canonical_hash.as_str());
    let string_to_sign = to_sign.as_bytes().get(canonical_len..).unwrap_or_default();

    let expected = match cache {
        Some(cache) => cache
            .signing_key(
                access_key_id,
                &known.secret_access_key,
                signed_at,
                parsed.scope_date,
                parsed.region,
                parsed.service,
            )
            .signature(string_to_sign),
        None => SigningKey::derive(
            &known.secret_access_key,
            signed_at,
            parsed.region,
            parsed.service,
        )
        .signature(string_to_sign),
    };
    if !constant_time_eq(expected.as_str().as_bytes(), parsed.signature.as_bytes()) {
        let string_to_sign = to_sign.split_off(canonical_len);
        return Err(VerifyError::InvalidSignature {
            access_key_id: access_key_id.to_owned(),
            reason: "signature mismatch".to_owned(),
            canonical_request: Some(redact_token(&to_sign)),
            string_to_sign: Some(string_to_sign),
        });
    }

    if let Some(expiry) = known.expires_at
        && now >= expiry
    {
        return Err(VerifyError::ExpiredToken {
            access_key_id: access_key_id.to_owned(),
            expired_at: format_rfc3339(expiry),
        });
    }

    Ok(VerifiedScope {
        access_key_id,
        region: parsed.region,
        service: parsed.service,
        signed_at,
        signed_headers: parsed.signed_headers,
        has_session_token: headers.contains_key(X_AMZ_SECURITY_TOKEN),
    })
}

/// A 32-byte digest or signature in lower-case hex, on the stack.
struct HexDigest([u8; 64]);

impl HexDigest {
    fn new(bytes: &[u8]) -> Self {
        let mut out = [0u8; 64];
        let (pairs, _) = out.as_chunks_mut::<2>();
        for (pair, &byte) in pairs.iter_mut().zip(bytes) {
            *pair = hex_pair(HEX_LOWER, byte);
        }
        HexDigest(out)
    }

    fn sha256(data: &[u8]) -> Self {
        HexDigest::new(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref())
    }

    fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A SigV4 signing key, `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request")`, ready to sign with (the HMAC's padded-key state is computed once).
struct SigningKey(aws_lc_rs::hmac::Key);

impl SigningKey {
    fn derive(
        secret: &SecretString,
        signed_at: SystemTime,
        region: &str,
        service: &str,
    ) -> SigningKey {
        let derived = generate_signing_key(secret.expose_secret(), signed_at, region, service);
        SigningKey(aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            derived.as_ref(),
        ))
    }

    /// Lower-case hex `HMAC-SHA256(signing_key, string_to_sign)`.
    fn signature(&self, string_to_sign: &[u8]) -> HexDigest {
        HexDigest::new(aws_lc_rs::hmac::sign(&self.0, string_to_sign).as_ref())
    }
}

/// How many signing keys a [`SigningKeyCache`] keeps.
const SIGNING_KEY_CACHE_CAPACITY: usize = 32;

/// Derived SigV4 signing keys, by access key, day, region and service, for
/// [`verify_sigv4_scope`]. A signing key depends on the secret too:
/// an entry is used only while the secret it was derived from is the one the lookup returns.
/// Holds at most 32 keys (the oldest is replaced first); shareable between threads.
#[derive(Default)]
pub struct SigningKeyCache {
    entries: Mutex<Vec<CachedSigningKey>>,
}

struct CachedSigningKey {
    access_key_id: String,
    secret: SecretString,
    date: String,
    region: String,
    service: String,
    key: Arc<SigningKey>,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl SigningKeyCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many signing keys it holds.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The signing key for this scope, derived and remembered on first use.
    fn signing_key(
        &self,
        access_key_id: &str,
        secret: &SecretString,
        signed_at: SystemTime,
        date: &str,
        region: &str,
        service: &str,
    ) -> Arc<SigningKey> {
        let matches = |e: &CachedSigningKey| {
            e.access_key_id == access_key_id
                && e.date == date
                && e.region == region
                && e.service == service
        };
        {
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(entry) = entries.iter().find(|e| matches(e))
                && constant_time_eq(
                    entry.secret.expose_secret().as_bytes(),
                    secret.expose_secret().as_bytes(),
                )
            {
                return Arc::clone(&entry.key);
            }
        }
        let key = Arc::new(SigningKey::derive(secret, signed_at, region, service));
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|e| !matches(e));
        if entries.len() >= SIGNING_KEY_CACHE_CAPACITY {
            entries.remove(0);
        }
        entries.push(CachedSigningKey {
            access_key_id: access_key_id.to_owned(),
            secret: secret.clone(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            key: Arc::clone(&key),
        });
        key
    }
}

/// The canonical request with the session token's value hidden, for error reports.
fn redact_token(canonical: &str) -> String {
    canonical
        .lines()
        .map(|line| {
            if line.starts_with("x-amz-security-token:") {
                format!("x-amz-security-token:{}", crate::secret::REDACTED)
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
