//! The HTTP front: each request is routed on its raw path and authenticated from its head
//! before its body is read (streamed, within the size limit and the body timeout), then answered
//! from the simulator with Bedrock's headers and frames.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bedrock_core::{
    CustomizationType, InferenceType, ListFoundationModelsRequest, Modality, ModelSummary, Region,
};
use bedrock_simulator::{Operation, SimChunk, SimRequest, Simulator};
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use percent_encoding::percent_decode_str;

use crate::auth::{self, AuthPolicy, SignedParts};
use crate::control::{self, ControlAccess};
use crate::error::ApiError;
use crate::eventstream::{self, EVENT_STREAM_CONTENT_TYPE};
use crate::routes::{self, Route};

/// Everything a request handler needs, shared by every connection.
pub(crate) struct AppState {
    pub simulator: Simulator,
    pub auth: AuthPolicy,
    pub default_region: Region,
    pub max_body_bytes: usize,
    /// How long a body may take to arrive once the head is in.
    pub body_read_timeout: Duration,
    /// What the control endpoints require as `Authorization: Bearer ...`.
    pub control_token: String,
    /// Roles Anywhere and STS: what they trust, and the credentials they issued.
    pub credentials: crate::credentials::CredentialService,
    /// The S3-compatible endpoint (requests signed for `s3`) and its store.
    pub s3: crate::s3::S3Endpoint,
    /// Batch jobs and async invocations, run over the S3 store.
    pub batch: std::sync::Arc<crate::batch::BatchEngine>,
}

/// How much of a refused request's body is still read and dropped, so the client, which may
/// still be sending, receives the answer instead of a reset connection. Nothing of it is kept.
const DISCARD_LIMIT: usize = 64 * 1024 * 1024;

/// How long a truncated stream waits before dropping the connection.
pub(crate) const TRUNCATE_FLUSH_PAUSE: std::time::Duration = std::time::Duration::from_millis(25);

/// A request id shaped like Bedrock's (a UUID), unique within the process.
pub(crate) fn new_request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = SEED.get_or_init(std::collections::hash_map::RandomState::new);
    let mut h = seed.build_hasher();
    h.write_u64(n);
    let hi = h.finish();
    h.write_u64(hi);
    let lo = h.finish();
    let v = (u128::from(hi) << 64) | u128::from(lo);
    // Version 4, variant 10, like a random UUID.
    let v = (v & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    // The five groups of 8-4-4-4-12 hex digits, high bits first.
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        v >> 96,
        (v >> 80) & 0xFFFF,
        (v >> 64) & 0xFFFF,
        (v >> 48) & 0xFFFF,
        v & 0xFFFF_FFFF_FFFF
    )
}

/// Answers one request; every failure becomes Bedrock's error shape.
pub(crate) async fn dispatch(state: &AppState, req: Request<Incoming>) -> Response {
    // S3 shares the port: told apart by the service its signature is scoped to, before any
    // path matching (path-style S3 keys could look like any route).
    if crate::s3::is_s3_request(req.headers()) {
        return crate::s3::serve(state, req).await;
    }
    let (parts, body) = req.into_parts();
    tracing::debug!(method = %parts.method, path = parts.uri.path(), "request");
    match handle(state, &parts, body).await {
        Ok(response) => response,
        Err(err) => {
            tracing::debug!(status = err.status.as_u16(), error_type = %err.error_type, "error answer");
            // Simulator errors carry the simulator's request id; others get a fresh one.
            if err.request_id.is_some() {
                err.into_response()
            } else {
                err.or_request_id(&new_request_id()).into_response()
            }
        }
    }
}

/// What the head of a request decided: where it goes and how it was let in.
struct Admitted {
    route: Route,
    /// For control endpoints: whether the control token let it in, or credentials that still
    /// have to be checked against the body.
    control: Option<ControlAccess>,
    body_limit: usize,
}

/// Everything decided from the request line and headers alone: the route, the declared length,
/// and authentication as far as it does not depend on the body. A request refused here has
/// none of its body buffered.
fn admit(state: &AppState, parts: &Parts) -> Result<Admitted, ApiError> {
    let route = routes::match_route(&parts.method, parts.uri.path())?;
    let body_limit = if route.is_control() {
        control::MAX_CONTROL_BODY_BYTES
    } else if route.is_credentials() {
        crate::credentials::MAX_BODY_BYTES
    } else {
        state.max_body_bytes
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > body_limit as u64) {
        return Err(too_large(body_limit));
    }
    let head = signed_parts(parts, &[]);
    let control = if route.is_control() {
        Some(control::admit(state, parts, &head)?)
    } else if route.is_credentials() {
        None // authenticated with its body, by the credentials service's own rules
    } else {
        auth::authenticate_head(&state.auth, &head, SystemTime::now())?;
        None
    };
    Ok(Admitted {
        route,
        control,
        body_limit,
    })
}

fn signed_parts<'a>(parts: &'a Parts, body: &'a [u8]) -> SignedParts<'a> {
    SignedParts {
        method: &parts.method,
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query(),
        headers: &parts.headers,
        body,
    }
}

async fn handle(state: &AppState, parts: &Parts, mut body: Incoming) -> Result<Response, ApiError> {
    let admitted = match admit(state, parts) {
        Ok(admitted) => admitted,
        Err(err) => {
            discard_body(state, &parts.headers, body);
            return Err(err);
        }
    };
    let bytes = match read_body(&mut body, admitted.body_limit, state.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge(err)) => {
            discard_body(state, &parts.headers, body);
            return Err(err);
        }
        // Dropping the body makes hyper close the connection after the answer.
        Err(BodyError::Abandoned(err)) => return Err(err),
    };
    drop(body);
    if let Some(access) = admitted.control {
        if access == ControlAccess::Credentials {
            auth::authenticate(&state.auth, &signed_parts(parts, &bytes), SystemTime::now())?;
        }
        return control::handle(state, admitted.route, &parts.method, &bytes);
    }
    if admitted.route.is_credentials() {
        let route = &admitted.route;
        return Ok(crate::credentials::handle(state, route, parts, &bytes));
    }
    let authenticated =
        auth::authenticate(&state.auth, &signed_parts(parts, &bytes), SystemTime::now())?;
    let region = match authenticated.region {
        Some(name) => name
            .parse::<Region>()
            .map_err(|e| ApiError::validation(e.to_string()))?,
        None => state.default_region,
    };
    match admitted.route {
        Route::ListFoundationModels => {
            list_foundation_models(state, region, parts.uri.query()).await
        }
        Route::GetFoundationModel(id) => {
            let summary = state
                .simulator
                .get_foundation_model_async(region, &id)
                .await?;
            let body = serde_json::json!({ "modelDetails": summary_json(&summary) });
            Ok(json_response(&body, &new_request_id()))
        }
        Route::ListInferenceProfiles => {
            let body = crate::profiles::list(state, region, parts.uri.query())?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::GetInferenceProfile(id) => {
            let body = crate::profiles::get(state, region, &id)?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::GetProvisionedModelThroughput(id) => {
            let body = crate::profiles::get_provisioned(state, region, &id)?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::InvokeModel(id) => {
            invoke(
                state,
                sim_request(Operation::Invoke, id, region, parts, bytes, false),
            )
            .await
        }
        Route::InvokeModelWithResponseStream(id) => {
            invoke_stream(
                state,
                sim_request(Operation::InvokeStream, id, region, parts, bytes, true),
            )
            .await
        }
        Route::Converse(id) => crate::converse::converse(state, id, region, parts, &bytes).await,
        Route::ConverseStream(id) => {
            crate::converse::converse_stream(state, id, region, parts, &bytes).await
        }
        Route::CountTokens(id) => {
            crate::converse::count_tokens(state, id, region, parts, &bytes).await
        }
        Route::CreateModelInvocationJob => {
            let body = crate::batch::http::create_job(state, region, &bytes).await?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::GetModelInvocationJob(id) => Ok(json_response(
            &crate::batch::http::get_job(state, &id)?,
            &new_request_id(),
        )),
        Route::ListModelInvocationJobs => {
            let body = crate::batch::http::list_jobs(state, parts.uri.query())?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::StopModelInvocationJob(id) => Ok(json_response(
            &crate::batch::http::stop_job(state, &id)?,
            &new_request_id(),
        )),
        Route::StartAsyncInvoke => {
            let body = crate::batch::http::start_invoke(state, region, &bytes).await?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::GetAsyncInvoke(arn) => Ok(json_response(
            &crate::batch::http::get_invoke(state, &arn)?,
            &new_request_id(),
        )),
        Route::ListAsyncInvokes => {
            let body = crate::batch::http::list_invokes(state, parts.uri.query())?;
            Ok(json_response(&body, &new_request_id()))
        }
        Route::Faults | Route::Reset | Route::Requests | Route::CreateSession | Route::Sts => Err(
            ApiError::internal("a control or credentials route reached the Bedrock handler"),
        ),
    }
}

/// Bedrock's 400 for a body over the limit.
fn too_large(limit: usize) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value at 'body' failed to satisfy constraint: Member \
         must have length less than or equal to {limit}"
    ))
}

/// Why a body was not read whole.
enum BodyError {
    /// Past the limit: the rest can still be discarded so the client gets the answer.
    TooLarge(ApiError),
    /// Too slow or broken: the connection is to be closed.
    Abandoned(ApiError),
}

/// Reads a body as it arrives, keeping at most `limit` bytes, within `timeout`.
async fn read_body(
    body: &mut Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let read = async {
        // A body that arrives in one chunk (the usual case) is kept as is; only a body in
        // several chunks is copied into one buffer.
        let mut first: Option<Bytes> = None;
        let mut buf: Option<BytesMut> = None;
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                BodyError::Abandoned(ApiError::validation(format!(
                    "The request body could not be read: {e}"
                )))
            })?;
            let Ok(chunk) = frame.into_data() else {
                continue; // trailers
            };
            total = total.saturating_add(chunk.len());
            if total > limit {
                return Err(BodyError::TooLarge(too_large(limit)));
            }
            match (&mut buf, first.take()) {
                (Some(buf), _) => buf.extend_from_slice(&chunk),
                (None, None) => first = Some(chunk),
                (None, Some(earlier)) => {
                    let mut joined = BytesMut::with_capacity(total);
                    joined.extend_from_slice(&earlier);
                    joined.extend_from_slice(&chunk);
                    buf = Some(joined);
                }
            }
        }
        Ok(match buf {
            Some(buf) => buf.freeze(),
            None => first.unwrap_or_default(),
        })
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| Err(BodyError::Abandoned(body_timeout(timeout))))
}

/// The 408 for a body that did not arrive in time; the connection closes after it.
fn body_timeout(timeout: Duration) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "RequestTimeoutException",
        format!(
            "The request body did not arrive within {} ms (body_read_timeout_ms); the \
             connection is closed",
            timeout.as_millis()
        ),
    );
    err.close_connection = true;
    err
}

/// Reads and drops what is left of a refused request's body in the background (at most
/// [`DISCARD_LIMIT`] bytes, within the body timeout), so the client, still sending, receives
/// the answer. A client that waits for `100 Continue` was never asked for its body, so it is
/// dropped at once.
pub(crate) fn discard_body(state: &AppState, headers: &HeaderMap, mut body: Incoming) {
    use hyper::body::Body as _;
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if expects_continue || body.is_end_stream() {
        return;
    }
    let timeout = state.body_read_timeout;
    tokio::spawn(async move {
        let discard = async {
            let mut total = 0usize;
            while let Some(Ok(frame)) = body.frame().await {
                total = total.saturating_add(frame.data_ref().map_or(0, Bytes::len));
                if total > DISCARD_LIMIT {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(timeout, discard).await;
    });
}

/// A media-type header for the simulator. `application/json` is passed as `None`, which the
/// simulator reads as that same default, so the usual request copies no header.
fn media_type(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v != "application/json")
        .map(str::to_owned)
}

/// `amz-sdk-request: attempt=2; max=3` -> 2.
pub(crate) fn attempt_number(headers: &HeaderMap) -> Option<u32> {
    let value = headers.get(AMZ_SDK_REQUEST)?.to_str().ok()?;
    value
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == "attempt")
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn sim_request(
    operation: Operation,
    model_id: String,
    region: Region,
    parts: &Parts,
    body: Bytes,
    streaming: bool,
) -> SimRequest {
    let accept_header = if streaming {
        &BEDROCK_ACCEPT
    } else {
        &header::ACCEPT
    };
    SimRequest {
        operation,
        model_id,
        region,
        body,
        content_type: media_type(&parts.headers, &header::CONTENT_TYPE),
        accept: media_type(&parts.headers, accept_header),
        attempt: attempt_number(&parts.headers),
    }
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(name, v);
    }
}

fn json_response(body: &serde_json::Value, request_id: &str) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    insert(headers, "x-amzn-RequestId", request_id);
    response
}

const AMZ_SDK_REQUEST: HeaderName = HeaderName::from_static("amz-sdk-request");
const BEDROCK_ACCEPT: HeaderName = HeaderName::from_static("x-amzn-bedrock-accept");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const INVOCATION_LATENCY: HeaderName = HeaderName::from_static("x-amzn-bedrock-invocation-latency");
const INPUT_TOKEN_COUNT: HeaderName = HeaderName::from_static("x-amzn-bedrock-input-token-count");
const OUTPUT_TOKEN_COUNT: HeaderName = HeaderName::from_static("x-amzn-bedrock-output-token-count");

/// Counts below this are answered from a table of ready header values.
const SMALL_COUNTS: u64 = 1000;

/// A header value for a token count or a latency. Values below 1000 (nearly all of them) come
/// from a table built once, so the usual answer allocates nothing for them; larger ones are
/// formatted.
fn count_value(n: u64) -> HeaderValue {
    static TABLE: std::sync::OnceLock<Vec<HeaderValue>> = std::sync::OnceLock::new();
    if n >= SMALL_COUNTS {
        return HeaderValue::from(n);
    }
    let table = TABLE.get_or_init(|| {
        // One buffer holding every decimal from 0 to 999; each entry is a shared slice of it,
        // so cloning an entry only bumps a reference count.
        let mut all = String::with_capacity(2890);
        let mut ends = Vec::with_capacity(SMALL_COUNTS as usize);
        for i in 0..SMALL_COUNTS {
            let _ = write!(all, "{i}");
            ends.push(all.len());
        }
        let all = Bytes::from(all);
        let mut start = 0;
        ends.into_iter()
            .zip(0..)
            .map(|(end, i): (usize, u64)| {
                let digits = all.slice(start..end);
                start = end;
                // Decimal digits are always a header value; the fallback only keeps the
                // lint-free form.
                HeaderValue::from_maybe_shared(digits).unwrap_or_else(|_| HeaderValue::from(i))
            })
            .collect()
    });
    usize::try_from(n)
        .ok()
        .and_then(|i| table.get(i))
        .cloned()
        .unwrap_or_else(|| HeaderValue::from(n))
}

/// A header value for a string the simulator made (ASCII); `None` if it somehow is not one.
fn string_value(value: String) -> Option<HeaderValue> {
    HeaderValue::from_maybe_shared(Bytes::from(value)).ok()
}

async fn invoke(state: &AppState, req: SimRequest) -> Result<Response, ApiError> {
    let sim = state.simulator.invoke(req).await?;
    let mut response = Response::new(Body::from(sim.body));
    let headers = response.headers_mut();
    headers.reserve(5);
    let content_type = if sim.content_type == "application/json" {
        Some(HeaderValue::from_static("application/json"))
    } else {
        string_value(sim.content_type)
    };
    if let Some(v) = content_type {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = string_value(sim.request_id) {
        headers.insert(REQUEST_ID, v);
    }
    let latency_ms = u64::try_from(sim.latency.as_millis()).unwrap_or(u64::MAX);
    headers.insert(INVOCATION_LATENCY, count_value(latency_ms));
    headers.insert(INPUT_TOKEN_COUNT, count_value(sim.input_tokens.into()));
    if let Some(out) = sim.output_tokens {
        headers.insert(OUTPUT_TOKEN_COUNT, count_value(out.into()));
    }
    Ok(response)
}

/// What the streamed body still has to do.
enum StreamState {
    Running(bedrock_simulator::SimStream),
    Done,
}

async fn invoke_stream(state: &AppState, req: SimRequest) -> Result<Response, ApiError> {
    let answer = state.simulator.invoke_stream_with_headers(req).await?;
    let stream = answer.stream;
    let frames = futures::stream::unfold(StreamState::Running(stream), |st| async move {
        let StreamState::Running(mut stream) = st else {
            return None;
        };
        match stream.next().await? {
            Ok(SimChunk::Chunk(bytes)) => Some((
                Ok(eventstream::chunk_frame(&bytes)),
                StreamState::Running(stream),
            )),
            // An error item makes hyper abort the connection mid-body, as a dropped stream does.
            // The pause first lets hyper flush the head and the chunks already sent, so the
            // client sees a stream that starts and then breaks, not a connection that never
            // answered.
            Ok(SimChunk::Truncate) => Some((
                {
                    tokio::time::sleep(TRUNCATE_FLUSH_PAUSE).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "stream truncated by a fault",
                    ))
                },
                StreamState::Done,
            )),
            Err(err) => {
                let api = ApiError::from(err);
                let frame =
                    eventstream::exception_frame(&api.exception_type_lower_camel(), &api.message);
                Some((Ok(frame), StreamState::Done))
            }
        }
    });
    let mut response = Response::new(Body::from_stream(frames));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(EVENT_STREAM_CONTENT_TYPE),
    );
    insert(headers, "X-Amzn-Bedrock-Content-Type", &answer.content_type);
    insert(headers, "x-amzn-RequestId", &answer.request_id);
    Ok(response)
}

fn enum_set_error(value: &str, field: &str, allowed: &[&str]) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
         Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    ))
}

fn parse_enum<T: Copy>(
    value: &str,
    field: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, ApiError> {
    all.iter()
        .copied()
        .find(|v| name(*v) == value)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
            enum_set_error(value, field, &names)
        })
}

/// The ListFoundationModels filters of a raw query string.
fn list_filters(
    raw_query: Option<&str>,
    region: Region,
) -> Result<ListFoundationModelsRequest, ApiError> {
    let mut filters = ListFoundationModelsRequest {
        region: Some(region),
        ..Default::default()
    };
    for pair in raw_query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode_str(&v.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        match k {
            "byProvider" => filters.by_provider = Some(v),
            "byOutputModality" => {
                filters.by_output_modality = Some(parse_enum(
                    &v,
                    "byOutputModality",
                    Modality::ALL,
                    Modality::as_str,
                )?);
            }
            "byInferenceType" => {
                filters.by_inference_type = Some(parse_enum(
                    &v,
                    "byInferenceType",
                    InferenceType::ALL,
                    InferenceType::as_str,
                )?);
            }
            "byCustomizationType" => {
                filters.by_customization_type = Some(parse_enum(
                    &v,
                    "byCustomizationType",
                    CustomizationType::ALL,
                    CustomizationType::as_str,
                )?);
            }
            // Bedrock ignores query parameters it does not model.
            _ => {}
        }
    }
    Ok(filters)
}

async fn list_foundation_models(
    state: &AppState,
    region: Region,
    raw_query: Option<&str>,
) -> Result<Response, ApiError> {
    let filters = list_filters(raw_query, region)?;
    let listed = state
        .simulator
        .list_foundation_models_async(region, &filters)
        .await?;
    let summaries: Vec<serde_json::Value> = listed.models.iter().map(summary_json).collect();
    Ok(json_response(
        &serde_json::json!({ "modelSummaries": summaries }),
        &new_request_id(),
    ))
}

/// A model summary in Bedrock's JSON shape.
pub(crate) fn summary_json(m: &ModelSummary) -> serde_json::Value {
    let names = |v: &[Modality]| v.iter().map(|m| m.as_str()).collect::<Vec<_>>();
    serde_json::json!({
        "modelArn": m.model_arn,
        "modelId": m.model_id,
        "modelName": m.model_name,
        "providerName": m.provider_name,
        "inputModalities": names(&m.input_modalities),
        "outputModalities": names(&m.output_modalities),
        "responseStreamingSupported": m.response_streaming_supported,
        "customizationsSupported": m.customizations_supported.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "inferenceTypesSupported": m.inference_types_supported.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "modelLifecycle": { "status": m.lifecycle.as_str() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_uuids() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn count_values_match_their_numbers() {
        for n in [0, 7, 9, 10, 42, 99, 100, 272, 999, 1000, 65_536, u64::MAX] {
            assert_eq!(count_value(n), HeaderValue::from(n), "{n}");
        }
    }

    #[test]
    fn attempts_are_read_from_amz_sdk_request() {
        let mut h = HeaderMap::new();
        assert_eq!(attempt_number(&h), None);
        h.insert(
            "amz-sdk-request",
            HeaderValue::from_static("attempt=2; max=3"),
        );
        assert_eq!(attempt_number(&h), Some(2));
    }

    #[test]
    fn list_filters_parse_and_reject_unknown_enum_values() {
        let f = list_filters(
            Some("byProvider=Meta+AI&byOutputModality=EMBEDDING&byInferenceType=ON_DEMAND"),
            Region::UsEast1,
        )
        .unwrap();
        assert_eq!(f.by_provider.as_deref(), Some("Meta AI"));
        assert_eq!(f.by_output_modality, Some(Modality::Embedding));
        assert_eq!(f.by_inference_type, Some(InferenceType::OnDemand));
        let e = list_filters(Some("byCustomizationType=NOPE"), Region::UsEast1).unwrap_err();
        assert!(
            e.message.contains("'byCustomizationType'") && e.message.contains("FINE_TUNING"),
            "{}",
            e.message
        );
    }
}
