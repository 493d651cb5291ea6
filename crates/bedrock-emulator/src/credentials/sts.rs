//! STS over the query protocol (`POST /`, form body, XML answers): `AssumeRole` and
//! `GetCallerIdentity`, signed with SigV4 for `sts` by credentials the emulator knows.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use axum::response::{IntoResponse as _, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};

use super::settings::{MAX_REQUESTED_DURATION_SECS, MIN_REQUESTED_DURATION_SECS, external_id_ok};
use super::{IssueError, format_rfc3339, roles_anywhere::session_name_ok};
use crate::auth::{self, SignedParts, constant_time_eq};
use crate::error::ApiError;
use crate::server::{AppState, new_request_id};

/// The signing service of STS.
const SERVICE: &str = "sts";
/// The only API version STS has.
const VERSION: &str = "2011-06-15";
/// The XML namespace of STS answers.
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The session length `AssumeRole` gives when the request names none.
const DEFAULT_DURATION_SECS: u64 = 3600;

/// An STS error: `ErrorResponse/Error/{Type,Code,Message}`.
#[derive(Debug)]
struct StsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl StsError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        StsError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// STS's spelling of an authentication failure the emulator's SigV4 check reported.
    fn from_auth(err: ApiError) -> Self {
        let code = match err.error_type.as_str() {
            "UnrecognizedClientException" => "InvalidClientTokenId",
            "ExpiredTokenException" => "ExpiredToken",
            "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
            "IncompleteSignatureException" => "IncompleteSignature",
            _ => "SignatureDoesNotMatch",
        };
        let status = if code == "IncompleteSignature" {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::FORBIDDEN
        };
        StsError::new(status, code, err.message)
    }
}

/// Answers one STS request.
pub(super) fn handle(state: &AppState, parts: &Parts, body: &[u8], now: SystemTime) -> Response {
    let request_id = new_request_id();
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let action = param("Action");
    if action == Some("AssumeRole") {
        state
            .credentials
            .inner
            .assume_role
            .fetch_add(1, Ordering::Relaxed);
    }
    let answer = answer(state, parts, body, now, action, &param).map(|result| {
        let action = action.unwrap_or_default();
        format!(
            "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result>\
             <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
             </{action}Response>"
        )
    });
    let (status, xml) = match answer {
        Ok(xml) => (StatusCode::OK, xml),
        Err(err) => {
            tracing::debug!(code = err.code, message = %err.message, "STS request refused");
            let kind = if err.status.is_server_error() {
                "Receiver"
            } else {
                "Sender"
            };
            (
                err.status,
                format!(
                    "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{kind}</Type>\
                     <Code>{}</Code><Message>{}</Message></Error>\
                     <RequestId>{request_id}</RequestId></ErrorResponse>",
                    err.code,
                    escape(&err.message)
                ),
            )
        }
    };
    let mut response = (status, xml).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

/// The `<...Result>` contents of a successful answer.
fn answer<'p>(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
    now: SystemTime,
    action: Option<&str>,
    param: &dyn Fn(&str) -> Option<&'p str>,
) -> Result<String, StsError> {
    let signed = SignedParts {
        method: &parts.method,
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query(),
        headers: &parts.headers,
        body,
    };
    let caller =
        auth::authenticate_for(&state.auth, &signed, now, SERVICE).map_err(StsError::from_auth)?;
    let caller = state.auth.identity(caller.access_key_id);
    if let Some(version) = param("Version")
        && version != VERSION
    {
        return Err(StsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!(
                "Could not find operation {} for version {version}",
                action.unwrap_or_default()
            ),
        ));
    }
    match action {
        Some("GetCallerIdentity") => Ok(format!(
            "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
            escape(&caller.arn),
            escape(&caller.user_id),
            escape(&caller.account)
        )),
        Some("AssumeRole") => assume_role(state, &caller.arn, now, param),
        Some(other) => Err(StsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {other} for version {VERSION}"),
        )),
        None => Err(StsError::new(
            StatusCode::BAD_REQUEST,
            "MissingAction",
            "Missing Action",
        )),
    }
}

fn assume_role<'p>(
    state: &AppState,
    caller_arn: &str,
    now: SystemTime,
    param: &dyn Fn(&str) -> Option<&'p str>,
) -> Result<String, StsError> {
    let not_null = |field: &str| {
        StsError::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
             Member must not be null"
        ))
    };
    let role_arn = param("RoleArn").ok_or_else(|| not_null("roleArn"))?;
    let session_name = param("RoleSessionName").ok_or_else(|| not_null("roleSessionName"))?;
    if !session_name_ok(session_name) {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to \
             satisfy constraint: Member must be 2 to 64 characters of A-Z a-z 0-9 + = , . @ _ -"
        )));
    }
    let duration = match param("DurationSeconds") {
        None => DEFAULT_DURATION_SECS,
        Some(text) => {
            let value: u64 = text.parse().map_err(|_| {
                StsError::validation(format!(
                    "1 validation error detected: Value '{text}' at 'durationSeconds' failed to \
                     satisfy constraint: Member must be a whole number of seconds"
                ))
            })?;
            if !(MIN_REQUESTED_DURATION_SECS..=MAX_REQUESTED_DURATION_SECS).contains(&value) {
                return Err(StsError::validation(format!(
                    "1 validation error detected: Value '{value}' at 'durationSeconds' failed to \
                     satisfy constraint: Member must have value between \
                     {MIN_REQUESTED_DURATION_SECS} and {MAX_REQUESTED_DURATION_SECS}"
                )));
            }
            value
        }
    };
    let external_id = param("ExternalId");
    if let Some(id) = external_id
        && !external_id_ok(id)
    {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value at 'externalId' failed to satisfy constraint: \
             Member must be 2 to 1224 characters of A-Z a-z 0-9 + = , . @ : / - _ (got {} \
             characters)",
            id.len()
        )));
    }
    let not_authorized = || {
        StsError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            format!(
                "User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: \
                 {role_arn}"
            ),
        )
    };
    let role = state
        .credentials
        .role(role_arn)
        .ok_or_else(not_authorized)?;
    if let Some(expected) = &role.external_id {
        let sent = external_id.unwrap_or_default();
        if !constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
            return Err(not_authorized());
        }
    }
    if duration > role.max_session_duration_secs {
        return Err(StsError::validation(format!(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role \
             ({} seconds).",
            role.max_session_duration_secs
        )));
    }
    let lifetime = duration.min(role.lifetime_secs.unwrap_or(u64::MAX));
    let issued = state
        .credentials
        .issue(role_arn, session_name, Duration::from_secs(lifetime), now)
        .map_err(|e| match e {
            IssueError::Full(_) => {
                StsError::new(StatusCode::BAD_REQUEST, "Throttling", e.to_string())
            }
            IssueError::Random => StsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                e.to_string(),
            ),
        })?;
    Ok(format!(
        "<AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
         <Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
         <PackedPolicySize>0</PackedPolicySize>",
        escape(&issued.identity.user_id),
        escape(&issued.identity.arn),
        issued.access_key_id,
        escape(issued.known.secret_access_key.expose_secret()),
        escape(
            issued
                .known
                .session_token
                .as_ref()
                .map_or("", |t| t.expose_secret())
        ),
        format_rfc3339(issued.expires_at()),
    ))
}

/// XML text escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn auth_errors_take_sts_codes() {
        let e = StsError::from_auth(ApiError::new(
            StatusCode::FORBIDDEN,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ));
        assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, "ExpiredToken"));
        let e = StsError::from_auth(ApiError::new(
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "x",
        ));
        assert_eq!(e.code, "InvalidClientTokenId");
    }
}
