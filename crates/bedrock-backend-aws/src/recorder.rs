//! Per-call attempt counts and the response headers the SDK does not model (token counts,
//! latency, request id), captured by one interceptor installed on every client.
//!
//! The interceptor is installed once, when a client is built, instead of per call through
//! `customize()`: a per-call interceptor makes the SDK build a config-override layer on every
//! call, which cost about 15 µs per InvokeModel (5% of a local round trip). The call's
//! [`CallRecorder`] reaches the interceptor through a task-local set around the SDK future; the
//! orchestrator runs interceptors inside that future's `poll`, so they always see it.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

tokio::task_local! {
    /// The recorder of the call being polled, if the call came through the backend.
    static CURRENT: CallRecorder;
}

/// Headers of the last response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResponseHeaders {
    pub(crate) input_tokens: Option<u32>,
    pub(crate) output_tokens: Option<u32>,
    pub(crate) latency: Option<Duration>,
    pub(crate) request_id: Option<String>,
}

#[derive(Debug, Default)]
struct Inner {
    attempts: AtomicU32,
    headers: Mutex<ResponseHeaders>,
}

/// What one call saw: attempts and the last response's headers.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallRecorder(Arc<Inner>);

impl CallRecorder {
    pub(crate) fn attempts(&self) -> u32 {
        self.0.attempts.load(Ordering::Relaxed)
    }

    /// Takes the headers out, leaving defaults behind.
    pub(crate) fn take_headers(&self) -> ResponseHeaders {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ResponseHeaders> {
        self.0
            .headers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `call` (an SDK `send()` future) with this recorder visible to [`RecordingInterceptor`].
    pub(crate) async fn record<F: Future>(&self, call: F) -> F::Output {
        CURRENT.scope(self.clone(), call).await
    }
}

/// Installed on every client the backend uses; records into the current call's recorder and
/// does nothing for calls made outside [`CallRecorder::record`] (e.g. through
/// `AwsBackend::runtime_client`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordingInterceptor;

impl Intercept for RecordingInterceptor {
    fn name(&self) -> &'static str {
        "bedrock-call-recorder"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CURRENT.try_with(|r| r.0.attempts.fetch_add(1, Ordering::Relaxed));
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CURRENT.try_with(|r| {
            let headers = context.response().headers();
            let number = |name: &str| headers.get(name).and_then(|v| v.trim().parse::<u64>().ok());
            *r.lock() = ResponseHeaders {
                input_tokens: number("x-amzn-bedrock-input-token-count").map(|n| n as u32),
                output_tokens: number("x-amzn-bedrock-output-token-count").map(|n| n as u32),
                latency: number("x-amzn-bedrock-invocation-latency").map(Duration::from_millis),
                request_id: headers.get("x-amzn-requestid").map(str::to_owned),
            };
        });
        Ok(())
    }
}
