//! The `/_emulator/...` control endpoints (faults, reset, the request log) and who may call
//! them: the control token or the emulator's own credentials, never a web page.

use axum::response::{IntoResponse, Response};
use bedrock_simulator::{FaultRule, LoggedRequest};
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};

use crate::auth::{self, SignedParts};
use crate::error::ApiError;
use crate::routes::Route;
use crate::server::AppState;

/// The largest control request body: a fault list fits many times over.
pub(crate) const MAX_CONTROL_BODY_BYTES: usize = 1024 * 1024;

/// The largest fault list, as JSON, that the control endpoints install: every call checks
/// every rule, and each posted rule is kept until removed.
pub(crate) const MAX_FAULT_LIST_BYTES: usize = 1024 * 1024;

/// The largest `GET /_emulator/requests` answer. The simulator bounds its log in bytes; this
/// bounds the JSON made from it (which escaping can make several times larger), keeping the
/// newest entries that fit.
pub(crate) const MAX_REQUEST_LOG_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Set on a request log answer that left out its oldest entries to stay within
/// [`MAX_REQUEST_LOG_RESPONSE_BYTES`]: how many were left out.
const LOG_OMITTED_HEADER: &str = "x-emulator-log-omitted";

/// How a control request was let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ControlAccess {
    /// It carried the control token: nothing more to check.
    Token,
    /// It carried the emulator's credentials, whose SigV4 signature covers the body and is
    /// checked once the body is read.
    Credentials,
}

fn denied(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
}

/// Decides from the head whether a control request may proceed.
///
/// - Any `Origin` header is refused: browsers send one, other clients do not, and the emulator
///   serves no web page that could be of its own origin, so every `Origin` is foreign. With the
///   token also required and JSON required (which a cross-site form cannot send without a CORS
///   preflight the emulator never grants), a page the user visits cannot reach these endpoints.
/// - `Authorization: Bearer <control token>`, or, unless authentication is off, credentials the
///   Bedrock routes accept (SigV4 with the configured keys, a configured API key).
/// - `POST` bodies must be `application/json`.
pub(crate) fn admit(
    state: &AppState,
    parts: &Parts,
    head: &SignedParts<'_>,
) -> Result<ControlAccess, ApiError> {
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        return Err(denied(format!(
            "The emulator's control endpoints do not answer web pages (Origin: {}); call them \
             from a test or a command-line client",
            String::from_utf8_lossy(origin.as_bytes())
        )));
    }
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let token = authorization.and_then(|a| a.strip_prefix(b"Bearer "));
    let access = if token
        .is_some_and(|t| auth::constant_time_eq(t.trim_ascii(), state.control_token.as_bytes()))
    {
        ControlAccess::Token
    } else if authorization.is_none() || state.auth.no_auth {
        return Err(denied(
            "The emulator's control endpoints need its control token, sent as \
             `Authorization: Bearer TOKEN` (`bedrock emulator` prints it at start-up; from Rust, \
             EmulatorHandle::control_token), or a request signed with the emulator's credentials",
        ));
    } else {
        auth::authenticate_head(&state.auth, head, std::time::SystemTime::now())?;
        ControlAccess::Credentials
    };
    if parts.method == Method::POST {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let media_type = content_type
            .as_deref()
            .and_then(|v| v.split(';').next())
            .map(str::trim);
        if !media_type.is_some_and(|m| m.eq_ignore_ascii_case("application/json")) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaTypeException",
                format!(
                    "Content-Type {} is not accepted on POST {}; allowed: application/json",
                    content_type.map_or_else(|| "(none)".to_owned(), |c| format!("'{c}'")),
                    parts.uri.path()
                ),
            ));
        }
    }
    Ok(access)
}

fn control_json(body: &impl serde::Serialize) -> Response {
    let text =
        serde_json::to_string_pretty(body).unwrap_or_else(|e| format!("{{\"message\":\"{e}\"}}"));
    json_bytes(text.into_bytes())
}

fn json_bytes(body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The size of a fault list as JSON, the measure [`MAX_FAULT_LIST_BYTES`] applies to.
fn fault_list_bytes(rules: &[FaultRule]) -> usize {
    serde_json::to_vec(rules).map_or(usize::MAX, |v| v.len())
}

fn fault_list_too_large(bytes: usize) -> ApiError {
    ApiError::validation(format!(
        "The fault list would take {bytes} bytes as JSON; allowed: at most \
         {MAX_FAULT_LIST_BYTES}. Remove rules (DELETE /_emulator/faults) or post fewer"
    ))
}

/// Serves a control request that was let in.
pub(crate) fn handle(
    state: &AppState,
    route: Route,
    method: &Method,
    body: &[u8],
) -> Result<Response, ApiError> {
    let sim = &state.simulator;
    match (route, method) {
        (Route::Faults, &Method::GET) => Ok(control_json(&sim.faults())),
        (Route::Faults, &Method::POST) => {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::validation(format!("The fault list is not valid JSON: {e}"))
            })?;
            if value.is_array() {
                let rules: Vec<FaultRule> = serde_json::from_value(value)
                    .map_err(|e| ApiError::validation(format!("Invalid fault rule: {e}")))?;
                let bytes = fault_list_bytes(&rules);
                if bytes > MAX_FAULT_LIST_BYTES {
                    return Err(fault_list_too_large(bytes));
                }
                sim.set_faults(rules);
            } else {
                let rule: FaultRule = serde_json::from_value(value)
                    .map_err(|e| ApiError::validation(format!("Invalid fault rule: {e}")))?;
                let mut rules = sim.faults();
                rules.push(rule.clone());
                let bytes = fault_list_bytes(&rules);
                if bytes > MAX_FAULT_LIST_BYTES {
                    return Err(fault_list_too_large(bytes));
                }
                sim.add_fault(rule);
            }
            Ok(control_json(&sim.faults()))
        }
        (Route::Faults, &Method::DELETE) => {
            sim.set_faults(Vec::new());
            Ok(control_json(&sim.faults()))
        }
        (Route::Reset, _) => {
            sim.reset();
            Ok(control_json(&serde_json::json!({ "reset": true })))
        }
        (Route::Requests, _) => {
            let (body, omitted) =
                request_log_json(&sim.request_log(), MAX_REQUEST_LOG_RESPONSE_BYTES);
            let mut response = json_bytes(body);
            if omitted > 0 {
                response
                    .headers_mut()
                    .insert(LOG_OMITTED_HEADER, HeaderValue::from(omitted));
            }
            Ok(response)
        }
        (route, method) => Err(ApiError::internal(format!(
            "no control handler for {method} {route:?}"
        ))),
    }
}

/// The request log as a compact JSON array, oldest first, of the newest entries that fit in
/// `limit` bytes, and how many older entries were left out.
fn request_log_json(log: &[LoggedRequest], limit: usize) -> (Vec<u8>, usize) {
    // Newest first, so that what is left out is the oldest.
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let mut total = 2; // the brackets
    for entry in log.iter().rev() {
        let Ok(json) = serde_json::to_vec(entry) else {
            continue;
        };
        let needed = json.len() + usize::from(!kept.is_empty());
        if total + needed > limit {
            break;
        }
        total += needed;
        kept.push(json);
    }
    let omitted = log.len() - kept.len();
    let mut out = Vec::with_capacity(total);
    out.push(b'[');
    for (i, json) in kept.iter().rev().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(json);
    }
    out.push(b']');
    (out, omitted)
}

#[cfg(test)]
mod tests {
    use bedrock_core::Region;
    use bedrock_simulator::{SimRequest, Simulator, SimulatorConfig};

    use super::*;

    #[tokio::test]
    async fn the_request_log_answer_keeps_the_newest_entries_within_the_limit() {
        let sim = Simulator::new(SimulatorConfig::default());
        for i in 0..50 {
            let id = format!("acme.model-{i}-{}", "x".repeat(500));
            let _ = sim
                .invoke(SimRequest::invoke(&id, Region::UsEast1, "{}"))
                .await;
        }
        let log = sim.request_log();
        assert_eq!(log.len(), 50);
        let (all, omitted) = request_log_json(&log, usize::MAX);
        assert_eq!(omitted, 0);
        let parsed: Vec<serde_json::Value> = serde_json::from_slice(&all).unwrap();
        assert_eq!(parsed.len(), 50);

        let limit = 10_000;
        let (some, omitted) = request_log_json(&log, limit);
        assert!(some.len() <= limit, "{} bytes", some.len());
        let parsed: Vec<serde_json::Value> = serde_json::from_slice(&some).unwrap();
        assert!(omitted > 0 && parsed.len() + omitted == 50);
        // The newest are kept, oldest first.
        assert_eq!(parsed.last().unwrap()["sequence"], 49);
        assert_eq!(parsed[0]["sequence"], 50 - parsed.len() as u64);

        let (none, omitted) = request_log_json(&log, 10);
        assert_eq!((none.as_slice(), omitted), (&b"[]"[..], 50));
    }
}
