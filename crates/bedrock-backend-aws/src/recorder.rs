//! A per-call interceptor that counts attempts and keeps the response headers the SDK does not
//! model (token counts, latency, request id).

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

/// Shared between the caller and the interceptor it installs on one call.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallRecorder(Arc<Inner>);

impl CallRecorder {
    pub(crate) fn attempts(&self) -> u32 {
        self.0.attempts.load(Ordering::Relaxed)
    }

    pub(crate) fn headers(&self) -> ResponseHeaders {
        self.0
            .headers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "bedrock-call-recorder"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.response().headers();
        let number = |name: &str| headers.get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let parsed = ResponseHeaders {
            input_tokens: number("x-amzn-bedrock-input-token-count").map(|n| n as u32),
            output_tokens: number("x-amzn-bedrock-output-token-count").map(|n| n as u32),
            latency: number("x-amzn-bedrock-invocation-latency").map(Duration::from_millis),
            request_id: headers.get("x-amzn-requestid").map(str::to_owned),
        };
        *self
            .0
            .headers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = parsed;
        Ok(())
    }
}
