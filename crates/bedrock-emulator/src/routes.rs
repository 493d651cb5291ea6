//! Routing on the raw request path, so a percent-encoded `/` inside an ARN never splits a segment,
//! and the decoding of model identifiers from it.

use http::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use crate::error::ApiError;

/// An operation the emulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /foundation-models`.
    ListFoundationModels,
    /// `GET /foundation-models/{modelIdentifier}`.
    GetFoundationModel(String),
    /// `POST /model/{modelId}/invoke`.
    InvokeModel(String),
    /// `POST /model/{modelId}/invoke-with-response-stream`.
    InvokeModelWithResponseStream(String),
    /// `POST /model/{modelId}/converse`.
    Converse(String),
    /// `POST /model/{modelId}/converse-stream`.
    ConverseStream(String),
    /// `POST /model/{modelId}/count-tokens`.
    CountTokens(String),
    /// `GET /inference-profiles`.
    ListInferenceProfiles,
    /// `GET /inference-profiles/{inferenceProfileIdentifier}`.
    GetInferenceProfile(String),
    /// `GET /provisioned-model-throughput/{provisionedModelId}`.
    GetProvisionedModelThroughput(String),
    /// `GET|POST|DELETE /_emulator/faults`.
    Faults,
    /// `POST /_emulator/reset`.
    Reset,
    /// `GET /_emulator/requests`.
    Requests,
    /// `POST /sessions`: IAM Roles Anywhere CreateSession (see `crate::credentials`).
    CreateSession,
    /// `POST /`: STS (`AssumeRole`, `GetCallerIdentity`), query protocol.
    Sts,
    /// `POST /model-invocation-job`.
    CreateModelInvocationJob,
    /// `GET /model-invocation-job/{jobIdentifier}`.
    GetModelInvocationJob(String),
    /// `GET /model-invocation-jobs`.
    ListModelInvocationJobs,
    /// `POST /model-invocation-job/{jobIdentifier}/stop`.
    StopModelInvocationJob(String),
    /// `POST /async-invoke`.
    StartAsyncInvoke,
    /// `GET /async-invoke`.
    ListAsyncInvokes,
    /// `GET /async-invoke/{invocationArn}`.
    GetAsyncInvoke(String),
}

impl Route {
    /// Whether this is a control endpoint of the emulator (no SigV4).
    pub fn is_control(&self) -> bool {
        matches!(self, Route::Faults | Route::Reset | Route::Requests)
    }

    /// Whether this is a credentials service (Roles Anywhere, STS), which authenticates with
    /// its own rules once the body is in.
    pub fn is_credentials(&self) -> bool {
        matches!(self, Route::CreateSession | Route::Sts)
    }
}

/// Bedrock operations the emulator knows by route but does not serve.
const NOT_EMULATED: &[(&str, &str)] = &[("guardrail", "ApplyGuardrail")];

const EMULATED: &str = "ListFoundationModels (GET /foundation-models), GetFoundationModel \
     (GET /foundation-models/{modelIdentifier}), ListInferenceProfiles (GET /inference-profiles), \
     GetInferenceProfile (GET /inference-profiles/{inferenceProfileIdentifier}), \
     GetProvisionedModelThroughput (GET /provisioned-model-throughput/{provisionedModelId}), \
     InvokeModel (POST /model/{modelId}/invoke), \
     InvokeModelWithResponseStream (POST /model/{modelId}/invoke-with-response-stream), \
     Converse (POST /model/{modelId}/converse), ConverseStream (POST \
     /model/{modelId}/converse-stream), CountTokens (POST /model/{modelId}/count-tokens), \
     CreateModelInvocationJob (POST /model-invocation-job), GetModelInvocationJob (GET \
     /model-invocation-job/{jobIdentifier}), ListModelInvocationJobs (GET \
     /model-invocation-jobs), StopModelInvocationJob (POST \
     /model-invocation-job/{jobIdentifier}/stop), StartAsyncInvoke and ListAsyncInvokes (POST \
     and GET /async-invoke), GetAsyncInvoke (GET /async-invoke/{invocationArn}), and S3 \
     (requests signed for `s3`, path-style)";

fn unknown_operation(message: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", message)
}

fn wrong_method(method: &Method, path: &str, allow: &'static str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "UnknownOperationException",
        format!("{method} is not supported on {path}; allowed: {allow}"),
    );
    e.allow = Some(allow);
    e
}

/// Decodes one percent-encoded path segment into a model identifier.
fn decode_identifier(segment: &str, field: &str) -> Result<String, ApiError> {
    let decoded = percent_decode_str(segment).decode_utf8().map_err(|_| {
        ApiError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: \
             Member must be valid UTF-8 once percent-decoded"
        ))
    })?;
    if decoded.is_empty() {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: \
             Member must have length greater than or equal to 1"
        )));
    }
    Ok(decoded.into_owned())
}

/// Up to four path segments: no route has more, and a longer path only needs its first one.
fn segments(raw_path: &str) -> ([&str; 4], usize) {
    let mut out = [""; 4];
    let mut n = 0;
    for segment in raw_path.strip_prefix('/').unwrap_or(raw_path).split('/') {
        let Some(slot) = out.get_mut(n) else {
            // Five or more segments: no route matches, whatever the rest says.
            return (out, n + 1);
        };
        *slot = segment;
        n += 1;
    }
    (out, n)
}

/// Matches a method and a raw (still percent-encoded) path to a route.
pub(crate) fn match_route(method: &Method, raw_path: &str) -> Result<Route, ApiError> {
    let (found, count) = segments(raw_path);
    let segments = found.get(..count).unwrap_or(found.as_slice());
    let too_long = count > found.len();
    let expect = |allowed: &[Method], allow: &'static str, route: Route| {
        if allowed.contains(method) {
            Ok(route)
        } else {
            Err(wrong_method(method, raw_path, allow))
        }
    };
    match segments {
        _ if too_long => match segments.first() {
            Some(op) if NOT_EMULATED.iter().any(|(p, _)| p == op) => {
                Err(not_emulated(method, raw_path, op))
            }
            _ => Err(no_route(method, raw_path)),
        },
        ["foundation-models"] => expect(&[Method::GET], "GET", Route::ListFoundationModels),
        ["foundation-models", id] => {
            let id = decode_identifier(id, "modelIdentifier")?;
            expect(&[Method::GET], "GET", Route::GetFoundationModel(id))
        }
        ["inference-profiles"] => expect(&[Method::GET], "GET", Route::ListInferenceProfiles),
        ["inference-profiles", id] => {
            let id = decode_identifier(id, "inferenceProfileIdentifier")?;
            expect(&[Method::GET], "GET", Route::GetInferenceProfile(id))
        }
        ["provisioned-model-throughput", id] => {
            let id = decode_identifier(id, "provisionedModelId")?;
            expect(
                &[Method::GET],
                "GET",
                Route::GetProvisionedModelThroughput(id),
            )
        }
        ["model", id, "invoke"] => {
            let id = decode_identifier(id, "modelId")?;
            expect(&[Method::POST], "POST", Route::InvokeModel(id))
        }
        ["model", id, "invoke-with-response-stream"] => {
            let id = decode_identifier(id, "modelId")?;
            expect(
                &[Method::POST],
                "POST",
                Route::InvokeModelWithResponseStream(id),
            )
        }
        [
            "model",
            id,
            op @ ("converse" | "converse-stream" | "count-tokens"),
        ] => {
            let id = decode_identifier(id, "modelId")?;
            let route = match *op {
                "converse" => Route::Converse(id),
                "converse-stream" => Route::ConverseStream(id),
                _ => Route::CountTokens(id),
            };
            expect(&[Method::POST], "POST", route)
        }
        ["_emulator", "faults"] => expect(
            &[Method::GET, Method::POST, Method::DELETE],
            "GET, POST, DELETE",
            Route::Faults,
        ),
        ["_emulator", "reset"] => expect(&[Method::POST], "POST", Route::Reset),
        ["_emulator", "requests"] => expect(&[Method::GET], "GET", Route::Requests),
        ["sessions"] => expect(&[Method::POST], "POST", Route::CreateSession),
        ["model-invocation-job"] => {
            expect(&[Method::POST], "POST", Route::CreateModelInvocationJob)
        }
        ["model-invocation-jobs"] => expect(&[Method::GET], "GET", Route::ListModelInvocationJobs),
        ["model-invocation-job", id] => {
            let id = decode_identifier(id, "jobIdentifier")?;
            expect(&[Method::GET], "GET", Route::GetModelInvocationJob(id))
        }
        ["model-invocation-job", id, "stop"] => {
            let id = decode_identifier(id, "jobIdentifier")?;
            expect(&[Method::POST], "POST", Route::StopModelInvocationJob(id))
        }
        ["async-invoke"] => match *method {
            Method::POST => Ok(Route::StartAsyncInvoke),
            Method::GET => Ok(Route::ListAsyncInvokes),
            _ => Err(wrong_method(method, raw_path, "GET, POST")),
        },
        ["async-invoke", arn] => {
            let arn = decode_identifier(arn, "invocationArn")?;
            expect(&[Method::GET], "GET", Route::GetAsyncInvoke(arn))
        }
        [""] => expect(&[Method::POST], "POST", Route::Sts),
        ["model", _, op] | [op, ..] if NOT_EMULATED.iter().any(|(p, _)| p == op) => {
            Err(not_emulated(method, raw_path, op))
        }
        _ => Err(no_route(method, raw_path)),
    }
}

/// A Bedrock operation the emulator knows but does not serve (`op` is its path segment).
fn not_emulated(method: &Method, raw_path: &str, op: &str) -> ApiError {
    let name = NOT_EMULATED
        .iter()
        .find(|(p, _)| *p == op)
        .map_or("", |(_, n)| n);
    unknown_operation(format!(
        "{name} ({method} {raw_path}) is a Bedrock operation this emulator does not \
         implement; it serves {EMULATED}"
    ))
}

fn no_route(method: &Method, raw_path: &str) -> ApiError {
    unknown_operation(format!(
        "No operation matches {method} {raw_path}; the emulator serves {EMULATED}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_ids_and_arns_stay_one_segment() {
        assert_eq!(
            match_route(
                &Method::POST,
                "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"
            ),
            Ok(Route::InvokeModel(
                "anthropic.claude-3-haiku-20240307-v1:0".into()
            ))
        );
        assert_eq!(
            match_route(
                &Method::POST,
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fanthropic.claude-v2%3A1/invoke-with-response-stream"
            ),
            Ok(Route::InvokeModelWithResponseStream(
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2:1".into()
            ))
        );
        assert_eq!(
            match_route(
                &Method::GET,
                "/foundation-models/amazon.titan-embed-text-v2%3A0"
            ),
            Ok(Route::GetFoundationModel(
                "amazon.titan-embed-text-v2:0".into()
            ))
        );
        // A bare `/` in the id is a different path, as on Bedrock.
        assert_eq!(
            match_route(
                &Method::POST,
                "/model/arn:aws:bedrock:us-east-1::foundation-model/x/invoke"
            )
            .unwrap_err()
            .status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn unknown_routes_and_methods() {
        let e = match_route(&Method::GET, "/nope").unwrap_err();
        assert_eq!(
            (e.status, e.error_type.as_str()),
            (StatusCode::NOT_FOUND, "UnknownOperationException")
        );
        let e = match_route(&Method::GET, "/model/x/invoke").unwrap_err();
        assert_eq!(
            (e.status, e.allow),
            (StatusCode::METHOD_NOT_ALLOWED, Some("POST"))
        );
        let e = match_route(&Method::POST, "/guardrail/g1/version/1/apply").unwrap_err();
        assert!(
            e.message.starts_with("ApplyGuardrail (POST"),
            "{}",
            e.message
        );
        assert_eq!(
            match_route(
                &Method::POST,
                "/model/amazon.nova-pro-v1%3A0/converse-stream"
            ),
            Ok(Route::ConverseStream("amazon.nova-pro-v1:0".into()))
        );
        assert_eq!(
            match_route(&Method::POST, "/model/x/count-tokens"),
            Ok(Route::CountTokens("x".into()))
        );
        assert_eq!(
            match_route(
                &Method::GET,
                "/model-invocation-job/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Amodel-invocation-job%2Fabc"
            ),
            Ok(Route::GetModelInvocationJob(
                "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc".into()
            ))
        );
        assert_eq!(
            match_route(&Method::GET, "/async-invoke"),
            Ok(Route::ListAsyncInvokes)
        );
        let e = match_route(&Method::GET, "/model/x/converse").unwrap_err();
        assert_eq!(e.allow, Some("POST"));
        let e = match_route(&Method::POST, "/model/%FF/invoke").unwrap_err();
        assert_eq!(e.error_type, "ValidationException");
        assert!(
            match_route(&Method::DELETE, "/_emulator/faults")
                .unwrap()
                .is_control()
        );
    }
}
