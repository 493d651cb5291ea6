//! Per-call attempt counts and the response headers the SDK does not model (token counts,
//! latency, request id), captured by a thin wrapper around each client's HTTP client.
//!
//! Why not an interceptor: a per-call interceptor (`customize().interceptor(..)`) makes the SDK
//! build a config-override layer on every call (about 15 µs per InvokeModel, 5% of a local round
//! trip), and even a client-level interceptor is consulted, through a config-bag lookup, at each
//! of the ~20 hooks of every attempt (about 5,000 instructions per call). The HTTP client is
//! called once per attempt and sees both the request and the response headers.
//!
//! The call's state reaches the wrapper through a task-local set around the SDK future by
//! [`record`]; the orchestrator calls the HTTP connector, and polls its future, inside that
//! future's `poll`, so it always sees it. The state is plain cells owned by the call's future:
//! no `Arc`, no locks. Calls made outside [`record`] (through `AwsBackend::runtime_client`)
//! pass straight through.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin as _;
use aws_smithy_runtime_api::http::Headers;
use aws_smithy_runtime_api::shared::IntoShared as _;
use aws_smithy_types::config_bag::ConfigBag;

tokio::task_local! {
    /// The state of the call being polled, if the call came through the backend.
    static CURRENT: CallState;
}

/// Headers of the last response.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ResponseHeaders {
    pub(crate) input_tokens: Option<u32>,
    pub(crate) output_tokens: Option<u32>,
    pub(crate) latency: Option<Duration>,
    pub(crate) request_id: Option<String>,
}

impl ResponseHeaders {
    /// One pass over the headers; only Bedrock's `x-amzn-` ones are looked at, and only their
    /// values are decoded.
    fn read(headers: &Headers) -> Self {
        let mut out = ResponseHeaders::default();
        let number = |v: &[u8]| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok();
        for (name, value) in headers.iter_bytes() {
            let Some(rest) = name.strip_prefix("x-amzn-") else {
                continue;
            };
            match rest {
                "bedrock-input-token-count" => {
                    out.input_tokens = number(value).map(|n| n as u32);
                }
                "bedrock-output-token-count" => {
                    out.output_tokens = number(value).map(|n| n as u32);
                }
                "bedrock-invocation-latency" => {
                    out.latency = number(value).map(Duration::from_millis);
                }
                "requestid" => {
                    out.request_id = std::str::from_utf8(value).ok().map(str::to_owned);
                }
                _ => {}
            }
        }
        out
    }
}

/// What one call saw: attempts and the last response's headers.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub(crate) attempts: u32,
    pub(crate) headers: ResponseHeaders,
}

/// The task-local state of the call being polled. It lives in the call's own future and is only
/// touched from that task, so plain cells serve (no `Arc`, no locks).
#[derive(Debug, Default)]
struct CallState {
    attempts: Cell<u32>,
    headers: RefCell<ResponseHeaders>,
}

impl CallState {
    /// Notes an attempt. The SDK numbers attempts in `amz-sdk-request: attempt=N; max=M`;
    /// taking the highest number seen makes this idempotent, so a client wrapped twice still
    /// counts each attempt once.
    fn note_attempt(&self, request: &HttpRequest) {
        let numbered = request
            .headers()
            .get("amz-sdk-request")
            .and_then(attempt_number);
        let seen = self.attempts.get();
        self.attempts.set(match numbered {
            Some(n) => seen.max(n),
            None => seen + 1,
        });
    }
}

/// Runs `call` (an SDK `send()` future) with a fresh recorder visible to the clients' HTTP
/// wrapper; returns its output and what the wrapper recorded.
pub(crate) async fn record<F: Future>(call: F) -> (F::Output, Recorded) {
    let mut scoped = std::pin::pin!(CURRENT.scope(CallState::default(), call));
    let output = scoped.as_mut().await;
    let state = scoped.as_mut().take_value().unwrap_or_default();
    let recorded = Recorded {
        attempts: state.attempts.get(),
        headers: state.headers.into_inner(),
    };
    (output, recorded)
}

/// `attempt=2; max=3` -> 2.
fn attempt_number(value: &str) -> Option<u32> {
    value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("attempt="))
        .and_then(|n| n.trim().parse().ok())
}

/// The HTTP client the SDK would use by default for this behaviour version.
fn default_http_client() -> Option<SharedHttpClient> {
    let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(
        BehaviorVersion::latest(),
    )?;
    let empty = RuntimeComponentsBuilder::new("bedrock-backend-aws");
    plugin.runtime_components(&empty).http_client()
}

/// Wraps `inner` (the SDK's default client when `None`) so that calls made through
/// [`CallRecorder::record`] are recorded. `None` when there is no client to wrap (an SDK
/// built without an HTTP client), in which case the SDK's own error for that stays in place.
pub(crate) fn recording_http_client(inner: Option<SharedHttpClient>) -> Option<SharedHttpClient> {
    let inner = inner.or_else(default_http_client)?;
    Some(RecordingHttpClient { inner }.into_shared())
}

#[derive(Debug)]
struct RecordingHttpClient {
    inner: SharedHttpClient,
}

impl HttpClient for RecordingHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        RecordingConnector {
            inner: self.inner.http_connector(settings, components),
        }
        .into_shared()
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if CURRENT
            .try_with(|state| state.note_attempt(&request))
            .is_err()
        {
            return self.inner.call(request);
        }
        let call = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            let response = call.await?;
            let headers = ResponseHeaders::read(response.headers());
            // The orchestrator polls this future inside the call's own future, so the call's
            // state is in scope here.
            let _ = CURRENT.try_with(|state| *state.headers.borrow_mut() = headers);
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_numbers_and_bedrock_headers_are_read() {
        assert_eq!(attempt_number("attempt=2; max=3"), Some(2));
        assert_eq!(attempt_number("max=3; attempt=3"), Some(3));
        assert_eq!(
            attempt_number("ttl=20240101T000000Z; attempt=1; max=3"),
            Some(1)
        );
        assert_eq!(attempt_number("max=3"), None);

        let mut headers = Headers::new();
        headers.insert("content-type", "application/json");
        headers.insert("x-amzn-requestid", "req-1");
        headers.insert("x-amzn-bedrock-input-token-count", "12");
        headers.insert("x-amzn-bedrock-output-token-count", " 34 ");
        headers.insert("x-amzn-bedrock-invocation-latency", "56");
        headers.insert("x-amzn-errortype", "ignored");
        assert_eq!(
            ResponseHeaders::read(&headers),
            ResponseHeaders {
                input_tokens: Some(12),
                output_tokens: Some(34),
                latency: Some(Duration::from_millis(56)),
                request_id: Some("req-1".to_owned()),
            }
        );
        assert_eq!(
            ResponseHeaders::read(&Headers::new()),
            ResponseHeaders::default()
        );
    }
}
