//! Per-call attempt counts and the response headers the SDK does not model (token counts and
//! latency). Attempts are counted by a thin wrapper around each client's HTTP client, which the
//! SDK calls once per attempt; the headers are read by the runtime clients' retry classifier
//! (see the `retry` module), which the SDK runs after every attempt with the response at hand.
//!
//! Why not an interceptor: a per-call interceptor (`customize().interceptor(..)`) makes the SDK
//! build a config-override layer on every call (about 15 µs per InvokeModel, 5% of a local round
//! trip), and even a client-level interceptor is consulted, through a config-bag lookup, at each
//! of the ~20 hooks of every attempt (about 5,000 instructions per call). Reading the headers in
//! the HTTP wrapper instead took a boxed future and one more layer of polling per attempt.
//!
//! The call's state reaches the wrapper and the classifier through a thread-local that
//! [`Recording`], the future [`record`] wraps around the SDK future, fills for the length of each
//! of its polls; the orchestrator calls both inside that poll, so they always see it. The state
//! is a few plain words owned by the call's future: no `Arc`, no locks. (tokio's `task_local!`
//! serves as well, but measured with callgrind it cost about 600 instructions per InvokeModel
//! here, against about 160 for this.) Calls made outside [`record`] (through
//! `AwsBackend::runtime_client`) pass straight through.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
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

thread_local! {
    /// The state of the call being polled on this thread, if the call came through the backend:
    /// [`Recording`] puts its call's state here for the length of each poll.
    static CURRENT: Cell<Option<CallState>> = const { Cell::new(None) };
}

/// Bedrock's token-count and latency headers of the last response. (The request id is not
/// here: the SDK keeps it on its outputs and errors.) Kept to a few words: it is part of the
/// call's state, which moves in and out of the thread-local on every poll.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResponseHeaders {
    pub(crate) input_tokens: Option<u32>,
    pub(crate) output_tokens: Option<u32>,
    /// `x-amzn-bedrock-invocation-latency`, in milliseconds.
    latency_ms: Option<u32>,
}

impl ResponseHeaders {
    /// One pass over the headers; only Bedrock's `x-amzn-bedrock-` ones are looked at, and only
    /// their values are decoded.
    fn read(headers: &Headers) -> Self {
        let mut out = ResponseHeaders::default();
        for (name, value) in headers.iter_bytes() {
            let Some(rest) = name.strip_prefix("x-amzn-bedrock-") else {
                continue;
            };
            match rest {
                "input-token-count" => out.input_tokens = number(value),
                "output-token-count" => out.output_tokens = number(value),
                "invocation-latency" => out.latency_ms = number(value),
                _ => {}
            }
        }
        out
    }

    /// The model's invocation latency as Bedrock reported it.
    pub(crate) fn latency(&self) -> Option<Duration> {
        self.latency_ms.map(|ms| Duration::from_millis(ms.into()))
    }
}

/// A header's unsigned decimal value, surrounding spaces allowed; `None` for anything else or
/// a value above `u32::MAX`.
fn number(value: &[u8]) -> Option<u32> {
    let digits = value.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u32::from(digit))
    })
}

/// What one call saw: attempts and the last response's headers.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub(crate) attempts: u32,
    pub(crate) headers: ResponseHeaders,
}

/// The state of one call. It lives in the call's [`Recording`] future and is lent to the
/// thread-local for each poll, so plain values serve (no `Arc`, no locks); it is a few words and
/// `Copy`, since it moves in and out on every poll.
#[derive(Debug, Default, Clone, Copy)]
struct CallState {
    attempts: u32,
    /// Set while the outermost wrapper hands a request to the client it wraps, so that a client
    /// wrapped twice (the backend's own client given back to `with_clients`) counts each attempt
    /// once.
    handing_on: bool,
    headers: ResponseHeaders,
}

/// Runs `f` on the state of the call being polled on this thread, if there is one.
fn with_current<R>(f: impl FnOnce(&mut CallState) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| {
            let mut state = current.get()?;
            let out = f(&mut state);
            current.set(Some(state));
            Some(out)
        })
        .ok()
        .flatten()
}

/// Notes the headers of an attempt's response for the call being polled, if there is one. The
/// runtime clients' retry classifier calls this after every attempt that got a response.
pub(crate) fn note_response(headers: &Headers) {
    with_current(|state| state.headers = ResponseHeaders::read(headers));
}

/// Wraps `call` (an SDK `send()` future) so that the clients' HTTP wrapper counts its attempts
/// and the retry classifier notes its response headers, each poll inside `span`; the output
/// comes with what was recorded.
///
/// The SDK's future is large (kilobytes); callers box it as soon as it exists (`Box::pin(
/// call.send())`, or a pooled slot on the hot paths), hence `Unpin`, so the backend's own
/// futures stay small and are not copied in full when `async_trait` boxes them.
pub(crate) fn record<F: Future + Unpin>(call: F, span: &tracing::Span) -> Recording<'_, F> {
    Recording {
        call,
        state: CallState::default(),
        span,
    }
}

/// The future of [`record`].
#[derive(Debug)]
pub(crate) struct Recording<'a, F> {
    call: F,
    state: CallState,
    span: &'a tracing::Span,
}

/// Gives the call's state back from the thread-local when a poll ends, even by a panic.
struct Lent<'a> {
    state: &'a mut CallState,
    outer: Option<CallState>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|current| {
            if let Some(state) = current.replace(self.outer) {
                *self.state = state;
            }
        });
    }
}

impl<F: Future + Unpin> Future for Recording<'_, F> {
    type Output = (F::Output, Recorded);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        let polled = {
            let outer = CURRENT.try_with(|current| current.replace(Some(this.state)));
            let _lent = Lent {
                state: &mut this.state,
                outer: outer.ok().flatten(),
            };
            Pin::new(&mut this.call).poll(cx)
        };
        polled.map(|output| {
            let recorded = Recorded {
                attempts: this.state.attempts,
                headers: this.state.headers,
            };
            (output, recorded)
        })
    }
}

/// The HTTP client the SDK builds by default for the latest behaviour version (hyper with
/// rustls), as a value that can be given to several clients: SDK clients configured with the
/// same `SharedHttpClient` share its connection pool. `None` only in an SDK built without a
/// default client.
pub fn default_http_client() -> Option<SharedHttpClient> {
    let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(
        BehaviorVersion::latest(),
    )?;
    let empty = RuntimeComponentsBuilder::new("bedrock-backend-aws");
    plugin.runtime_components(&empty).http_client()
}

/// Wraps `inner` (the SDK's default client when `None`) so that calls made through
/// [`record`] are recorded. `None` when there is no client to wrap (an SDK
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
        // Only the outermost wrapper of a call made through `record` counts the attempt.
        let outermost = with_current(|state| {
            if state.handing_on {
                return false;
            }
            state.handing_on = true;
            state.attempts += 1;
            true
        })
        .unwrap_or(false);
        let call = self.inner.call(request);
        if outermost {
            with_current(|state| state.handing_on = false);
        }
        call
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bedrock_headers_are_read() {
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
                latency_ms: Some(56),
            }
        );
        assert_eq!(
            ResponseHeaders::read(&headers).latency(),
            Some(Duration::from_millis(56))
        );
        assert_eq!(
            ResponseHeaders::read(&Headers::new()),
            ResponseHeaders::default()
        );
    }

    #[test]
    fn the_state_is_lent_only_while_the_call_is_polled() {
        let span = tracing::Span::none();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let in_call = std::future::poll_fn(|_| {
            // What the HTTP wrapper does, from inside the call's poll.
            with_current(|state| {
                state.attempts += 1;
                state.headers.input_tokens = Some(5);
            });
            Poll::Ready(CURRENT.with(Cell::get).map(|s| s.attempts))
        });
        let (seen, recorded) = runtime.block_on(record(in_call, &span));
        assert_eq!(seen, Some(1));
        assert_eq!(recorded.attempts, 1);
        assert_eq!(recorded.headers.input_tokens, Some(5));
        assert!(CURRENT.with(Cell::get).is_none(), "nothing is left behind");
        assert_eq!(
            with_current(|_| ()),
            None,
            "outside a call nothing is recorded"
        );

        // A call that panics while polled still takes its state back.
        let panicking = std::future::poll_fn(|_| -> Poll<()> { panic!("inside the call") });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(record(panicking, &span))
        }));
        assert!(caught.is_err());
        assert!(CURRENT.with(Cell::get).is_none());
    }

    #[test]
    fn header_numbers_are_plain_unsigned_decimals() {
        assert_eq!(number(b"0"), Some(0));
        assert_eq!(number(b" 4294967295\t"), Some(u32::MAX));
        for bad in [
            "",
            "  ",
            "4294967296",
            "-1",
            "+1",
            "1.5",
            "1 2",
            "0x10",
            "12a",
            "\u{663}",
        ] {
            assert_eq!(number(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
