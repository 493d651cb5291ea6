//! IAM Roles Anywhere `CreateSession`: the X.509 signature, the certificate chain up to a
//! configured trust anchor, the profile and role, then a credential set in the service's JSON.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::{IntoResponse as _, Response};
use bedrock_auth::{X509SigningAlgorithm, read_x509_signed_request};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use rustls_pki_types::{CertificateDer, UnixTime};
use serde::Deserialize;
use webpki::{EndEntityCert, KeyUsage};

use super::settings::{MAX_REQUESTED_DURATION_SECS, MIN_REQUESTED_DURATION_SECS};
use super::{CredentialService, IssueError, der, format_rfc3339, path_and_query};
use crate::error::ApiError;
use crate::server::new_request_id;

/// The signing service every `CreateSession` request is scoped to.
const SERVICE: &str = "rolesanywhere";
/// The session length asked for when the body names none.
const DEFAULT_DURATION_SECS: u64 = 3600;

/// The body of `CreateSession`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateSessionBody {
    duration_seconds: Option<u64>,
    profile_arn: Option<String>,
    role_arn: Option<String>,
    trust_anchor_arn: Option<String>,
    role_session_name: Option<String>,
}

fn denied(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
}

fn not_null(field: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// Answers one `CreateSession` request.
pub(super) fn create_session(
    service: &CredentialService,
    parts: &Parts,
    body: &[u8],
    now: SystemTime,
) -> Response {
    let request_id = new_request_id();
    match create(service, parts, body, now) {
        Ok(answer) => {
            // Roles Anywhere answers a created session with 201.
            let mut response = (StatusCode::CREATED, answer.to_string()).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                headers.insert("x-amzn-RequestId", v);
            }
            response
        }
        Err(err) => {
            tracing::debug!(error_type = %err.error_type, message = %err.message, "CreateSession refused");
            err.or_request_id(&request_id).into_response()
        }
    }
}

fn create(
    service: &CredentialService,
    parts: &Parts,
    body: &[u8],
    now: SystemTime,
) -> Result<serde_json::Value, ApiError> {
    let signed = read_x509_signed_request(
        parts.method.as_str(),
        &path_and_query(parts),
        &parts.headers,
        body,
        now,
        service.inner.max_clock_skew,
    )
    .map_err(|e| denied(e.to_string()))?;
    if signed.service != SERVICE {
        return Err(denied(format!(
            "Credential should be scoped to correct service: '{SERVICE}', not '{}'.",
            signed.service
        )));
    }

    // The signature, with the public key of the certificate the request carries.
    let leaf_der = CertificateDer::from(signed.certificate_der.as_slice());
    let leaf = EndEntityCert::try_from(&leaf_der).map_err(|e| {
        denied(format!(
            "The signing certificate in X-Amz-X509 cannot be read: {e}"
        ))
    })?;
    let algorithms = match signed.algorithm {
        X509SigningAlgorithm::RsaSha256 => vec![webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256],
        X509SigningAlgorithm::EcdsaSha256 => vec![
            webpki::aws_lc_rs::ECDSA_P256_SHA256,
            webpki::aws_lc_rs::ECDSA_P384_SHA256,
        ],
        _ => Vec::new(),
    };
    let signature_ok = algorithms.iter().any(|alg| {
        leaf.verify_signature(*alg, signed.string_to_sign.as_bytes(), &signed.signature)
            .is_ok()
    });
    if !signature_ok {
        return Err(denied(format!(
            "Signature validation failed: the {} signature does not match the request and the \
             public key of the certificate in X-Amz-X509.",
            signed.algorithm.header_name()
        )));
    }

    let request: CreateSessionBody = serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(format!(
            "The request body is not valid CreateSession JSON: {e}"
        ))
    })?;
    let trust_anchor_arn = request
        .trust_anchor_arn
        .ok_or_else(|| not_null("trustAnchorArn"))?;
    let profile_arn = request.profile_arn.ok_or_else(|| not_null("profileArn"))?;
    let role_arn = request.role_arn.ok_or_else(|| not_null("roleArn"))?;
    let requested = request.duration_seconds.unwrap_or(DEFAULT_DURATION_SECS);
    if !(MIN_REQUESTED_DURATION_SECS..=MAX_REQUESTED_DURATION_SECS).contains(&requested) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{requested}' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value between {MIN_REQUESTED_DURATION_SECS} \
             and {MAX_REQUESTED_DURATION_SECS}"
        )));
    }
    if let Some(name) = &request.role_session_name
        && !session_name_ok(name)
    {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy \
             constraint: Member must be 2 to 64 characters of A-Z a-z 0-9 + = , . @ _ -"
        )));
    }

    // The chain, up to the trust anchor the request names.
    let anchor = service
        .inner
        .trust_anchors
        .iter()
        .find(|a| a.arn == trust_anchor_arn && a.region == signed.region)
        .ok_or_else(|| {
            denied(format!(
                "Untrusted signing certificate: no trust anchor {trust_anchor_arn} in region {}.",
                signed.region
            ))
        })?;
    let intermediates: Vec<CertificateDer<'_>> = signed
        .chain_der
        .iter()
        .map(|der| CertificateDer::from(der.as_slice()))
        .collect();
    let time = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap_or_default());
    let path = leaf
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchor.anchors,
            &intermediates,
            time,
            KeyUsage::client_auth(),
            None,
            None,
        )
        .map_err(|e| {
            denied(format!(
                "Untrusted signing certificate: {}.",
                chain_reason(&e)
            ))
        })?;
    if der::key_usage(&signed.certificate_der).is_some_and(|ku| ku & der::DIGITAL_SIGNATURE == 0) {
        return Err(denied(
            "Untrusted signing certificate: its key usage does not include digitalSignature.",
        ));
    }
    if path
        .intermediate_certificates()
        .any(|ca| der::key_usage(ca.der().as_ref()).is_some_and(|ku| ku & der::KEY_CERT_SIGN == 0))
    {
        return Err(denied(
            "Untrusted signing certificate: an intermediate CA's key usage does not include \
             keyCertSign.",
        ));
    }

    // The profile and the role.
    let profile = service
        .inner
        .profiles
        .iter()
        .find(|p| {
            p.arn == profile_arn
                && super::parse_arn(&p.arn).is_some_and(|a| a.region == signed.region)
        })
        .ok_or_else(|| {
            denied(format!(
                "No profile {profile_arn} in region {}.",
                signed.region
            ))
        })?;
    if !profile.role_arns.contains(&role_arn) {
        return Err(denied(format!(
            "Profile {profile_arn} does not allow role {role_arn}."
        )));
    }
    let role = service.role(&role_arn);
    let lifetime_secs = requested
        .min(profile.max_duration_secs)
        .min(role.and_then(|r| r.lifetime_secs).unwrap_or(u64::MAX));

    // Roles Anywhere names the session after the certificate's serial number unless the
    // request names it.
    let serial_hex = leaf.serial().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let session_name = request.role_session_name.unwrap_or(serial_hex);
    let issued = service
        .issue(
            &role_arn,
            &session_name,
            Duration::from_secs(lifetime_secs),
            now,
        )
        .map_err(|e| match e {
            IssueError::Full(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "ThrottlingException",
                e.to_string(),
            ),
            IssueError::Random => ApiError::internal(e.to_string()),
        })?;

    let account = super::parse_arn(&trust_anchor_arn).map_or("", |a| a.account);
    let partition = super::parse_arn(&trust_anchor_arn).map_or("aws", |a| a.partition);
    let subject_id = uuid_of(leaf.subject());
    let mut item = serde_json::json!({
        "assumedRoleUser": {
            "arn": issued.identity.arn,
            "assumedRoleId": issued.identity.user_id,
        },
        "credentials": {
            "accessKeyId": issued.access_key_id,
            "expiration": format_rfc3339(issued.expires_at()),
            "secretAccessKey": issued.known.secret_access_key.expose_secret(),
            "sessionToken": issued.known.session_token.as_ref().map(|t| t.expose_secret()),
        },
        "packedPolicySize": 0,
        "roleArn": role_arn,
    });
    if let (Some(cn), Some(map)) = (
        der::subject_common_name(&signed.certificate_der),
        item.as_object_mut(),
    ) {
        map.insert("sourceIdentity".to_owned(), format!("CN={cn}").into());
    }
    Ok(serde_json::json!({
        "credentialSet": [item],
        "subjectArn": format!(
            "arn:{partition}:rolesanywhere:{}:{account}:subject/{subject_id}",
            signed.region
        ),
    }))
}

/// A role session name's allowed form.
pub(super) fn session_name_ok(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Why a chain did not validate, in words.
fn chain_reason(err: &webpki::Error) -> String {
    use webpki::Error as E;
    match err {
        E::CertExpired { .. } => "the certificate (or one in its chain) has expired".to_owned(),
        E::CertNotValidYet { .. } => {
            "the certificate (or one in its chain) is not valid yet".to_owned()
        }
        E::UnknownIssuer => {
            "it was not issued by the trust anchor's CA (or an intermediate in X-Amz-X509-Chain \
             that chains up to it)"
                .to_owned()
        }
        E::CaUsedAsEndEntity => "the signing certificate is a CA certificate".to_owned(),
        E::EndEntityUsedAsCa => "a certificate in the chain is not a CA certificate".to_owned(),
        E::RequiredEkuNotFoundContext(_) => {
            "the certificate's extended key usage does not allow client authentication".to_owned()
        }
        other => format!("{other}"),
    }
}

/// A UUID-shaped id that is the same for the same subject.
fn uuid_of(subject: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, subject);
    let hex = digest
        .as_ref()
        .iter()
        .take(16)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_and_subject_ids() {
        assert!(session_name_ok("ci-job_7@example.com"));
        assert!(!session_name_ok("a"));
        assert!(!session_name_ok("with space"));
        let id = uuid_of(b"subject");
        assert_eq!(id.len(), 36);
        assert_eq!(id, uuid_of(b"subject"));
        assert_ne!(id, uuid_of(b"other"));
    }
}
