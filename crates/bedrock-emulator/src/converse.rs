//! Converse, ConverseStream and CountTokens over HTTP: the JSON body is read strictly into
//! bedrock-core's request types (a field the operation does not define is refused, as Bedrock
//! refuses it), answered by the simulator, and written back as JSON or as an
//! `application/vnd.amazon.eventstream` of typed events (`:event-type` = the event's name, the
//! payload its JSON object) with exception frames for mid-stream failures.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bedrock_core::Region;
use bedrock_core::converse::{ConverseRequest, CountTokensRequest};
use bedrock_simulator::{
    SimConverseEvent, SimConverseRequest, SimConverseStream, SimCountTokensRequest,
};
use bytes::Bytes;
use futures::StreamExt as _;
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::eventstream::{self, EVENT_STREAM_CONTENT_TYPE};
use crate::server::{AppState, TRUNCATE_FLUSH_PAUSE, attempt_number, new_request_id};

/// The first field of `raw` that the typed form `back` lost (a field the operation does not
/// define), as a path like `messages[0].content[1].txt`. Values that read as absent (`null`,
/// `[]`, `{}`) are not counted: the typed form leaves those out too.
fn first_unknown(raw: &Value, back: &Value, path: &str) -> Option<String> {
    match (raw, back) {
        (Value::Object(raw), Value::Object(back)) => raw.iter().find_map(|(key, value)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match back.get(key) {
                Some(typed) => first_unknown(value, typed, &here),
                None if is_absent(value) => None,
                None => Some(here),
            }
        }),
        (Value::Array(raw), Value::Array(back)) => raw
            .iter()
            .zip(back)
            .enumerate()
            .find_map(|(i, (r, b))| first_unknown(r, b, &format!("{path}[{i}]"))),
        _ => None,
    }
}

fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Reads a JSON body into `T`, refusing malformed JSON, wrong shapes and unknown fields with a
/// `ValidationException` that says which.
fn parse<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<T, ApiError> {
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::validation(format!("The request body is not valid JSON: {e}")))?;
    let typed: T = T::deserialize(&raw).map_err(|e| {
        ApiError::validation(format!(
            "The request body does not match the operation's input: {e}"
        ))
    })?;
    let back = serde_json::to_value(&typed)
        .map_err(|e| ApiError::internal(format!("the request could not be re-encoded: {e}")))?;
    if let Some(path) = first_unknown(&raw, &back, "") {
        return Err(ApiError::validation(format!(
            "The request body has a field the operation does not define: `{path}`"
        )));
    }
    Ok(typed)
}

fn json_response(body: Vec<u8>, request_id: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

fn sim_converse(
    id: String,
    region: Region,
    parts: &Parts,
    body: &Bytes,
) -> Result<SimConverseRequest, ApiError> {
    let request: ConverseRequest = parse(body)?;
    let mut sim = SimConverseRequest::new(id, region, request);
    sim.attempt = attempt_number(&parts.headers);
    sim.body_len = body.len();
    Ok(sim)
}

/// `POST /model/{modelId}/converse`.
pub(crate) async fn converse(
    state: &AppState,
    id: String,
    region: Region,
    parts: &Parts,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let request = sim_converse(id, region, parts, body)?;
    let answer = state.simulator.converse(request).await?;
    let json = serde_json::to_vec(&answer.response)
        .map_err(|e| ApiError::internal(format!("the response could not be encoded: {e}")))?;
    Ok(json_response(json, &answer.request_id))
}

/// What the streamed body still has to do.
enum StreamState {
    Running(SimConverseStream),
    Done,
}

/// One event as its frame: the tag of the SDKs' form is the `:event-type`, the inner object
/// the payload.
fn event_frame(event: &bedrock_core::converse::ConverseStreamEvent) -> Bytes {
    let inner = match serde_json::to_value(event) {
        Ok(Value::Object(map)) => map.into_iter().next().map(|(_, v)| v),
        _ => None,
    };
    match inner.map(|v| serde_json::to_vec(&v)) {
        Some(Ok(payload)) => eventstream::event_frame(event.event_type(), &payload),
        _ => {
            eventstream::exception_frame("internalServerException", "an event could not be encoded")
        }
    }
}

/// `POST /model/{modelId}/converse-stream`: refusals before the stream opens are ordinary
/// HTTP errors; failures after it are exception frames.
pub(crate) async fn converse_stream(
    state: &AppState,
    id: String,
    region: Region,
    parts: &Parts,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let request = sim_converse(id, region, parts, body)?;
    let answer = state.simulator.converse_stream(request).await?;
    let frames = futures::stream::unfold(StreamState::Running(answer.stream), |st| async move {
        let StreamState::Running(mut stream) = st else {
            return None;
        };
        match stream.next().await? {
            Ok(SimConverseEvent::Event(event)) => {
                Some((Ok(event_frame(&event)), StreamState::Running(stream)))
            }
            // As for InvokeModelWithResponseStream: flush what was sent, then abort.
            Ok(SimConverseEvent::Truncate) => Some((
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
    if let Ok(v) = HeaderValue::from_str(&answer.request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    Ok(response)
}

/// `POST /model/{modelId}/count-tokens`.
pub(crate) async fn count_tokens(
    state: &AppState,
    id: String,
    region: Region,
    parts: &Parts,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let request: CountTokensRequest = parse(body)?;
    let mut sim = SimCountTokensRequest::new(id, region, request);
    sim.attempt = attempt_number(&parts.headers);
    sim.body_len = body.len();
    let answer = state.simulator.count_tokens(sim).await?;
    let json = serde_json::to_vec(&answer)
        .map_err(|e| ApiError::internal(format!("the response could not be encoded: {e}")))?;
    Ok(json_response(json, &new_request_id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_found_with_their_path() {
        let ok = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"system":[],"toolConfig":null}"#;
        assert!(parse::<ConverseRequest>(ok).is_ok());
        let e = parse::<ConverseRequest>(
            br#"{"messages":[{"role":"user","content":[{"text":"hi"}],"extra":1}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("`messages[0].extra`"), "{}", e.message);
        let e = parse::<ConverseRequest>(br#"{"messages":[],"inferenceConfig":{"maxTokenz":5}}"#)
            .unwrap_err();
        assert!(
            e.message.contains("`inferenceConfig.maxTokenz`"),
            "{}",
            e.message
        );
        // Free-form JSON (tool inputs, schemas, model fields) is kept whole.
        let free = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"additionalModelRequestFields":{"anything":{"x":[1,{}]}}}"#;
        assert!(parse::<ConverseRequest>(free).is_ok());
        let e = parse::<ConverseRequest>(b"{nope").unwrap_err();
        assert_eq!(e.error_type, "ValidationException");
        let e = parse::<ConverseRequest>(br#"{"messages":"x"}"#).unwrap_err();
        assert!(e.message.contains("does not match"), "{}", e.message);
    }
}
