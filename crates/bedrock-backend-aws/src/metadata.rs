//! The interceptor that gathers an InvokeModel call's [`CallMetadata`]: how many attempts the
//! SDK made, and Bedrock's request id, latency and token-count headers of the last response.
//!
//! The SDK models none of Bedrock's `X-Amzn-Bedrock-*` headers on its output, and keeps no
//! attempt count there, so the backend adds one of these to each call
//! (`customize().interceptor(..)`) and reads what it saw once the call has ended.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Headers;
use aws_smithy_types::config_bag::ConfigBag;
use bedrock_core::CallMetadata;

/// Bedrock's headers of one response.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ResponseHeaders {
    /// `x-amzn-RequestId`.
    pub(crate) request_id: Option<String>,
    /// `X-Amzn-Bedrock-Invocation-Latency`.
    pub(crate) latency: Option<Duration>,
    /// `X-Amzn-Bedrock-Input-Token-Count`.
    pub(crate) input_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Output-Token-Count`.
    pub(crate) output_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Cache-Read-Input-Token-Count`.
    pub(crate) cache_read_input_tokens: Option<u32>,
    /// `X-Amzn-Bedrock-Cache-Write-Input-Token-Count`.
    pub(crate) cache_write_input_tokens: Option<u32>,
}

impl ResponseHeaders {
    pub(crate) fn read(headers: &Headers) -> Self {
        let number = |name: &str| headers.get(name).and_then(number);
        ResponseHeaders {
            request_id: headers.get("x-amzn-requestid").map(str::to_owned),
            latency: number("x-amzn-bedrock-invocation-latency")
                .map(|ms| Duration::from_millis(ms.into())),
            input_tokens: number("x-amzn-bedrock-input-token-count"),
            output_tokens: number("x-amzn-bedrock-output-token-count"),
            cache_read_input_tokens: number("x-amzn-bedrock-cache-read-input-token-count"),
            cache_write_input_tokens: number("x-amzn-bedrock-cache-write-input-token-count"),
        }
    }
}

/// A header's unsigned decimal value, surrounding spaces allowed; `None` for anything else
/// (signs included, which `u32::from_str` would take) or a value above `u32::MAX`.
fn number(value: &str) -> Option<u32> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What one call saw so far.
#[derive(Debug, Default)]
struct Observed {
    attempts: u32,
    headers: ResponseHeaders,
}

/// Counts a call's attempts and keeps the headers of its last response. One per call; clones
/// share what they saw, so the backend keeps one clone and gives the SDK the other.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallRecorder {
    observed: Arc<Mutex<Observed>>,
}

impl CallRecorder {
    fn update(&self, f: impl FnOnce(&mut Observed)) {
        // A panic inside `f` cannot leave `Observed` half-written in a way that matters: it is
        // a count and the last headers, so a poisoned lock is still read.
        f(&mut self.observed.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// How many attempts the call has made so far.
    pub(crate) fn attempts(&self) -> u32 {
        self.observed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .attempts
    }

    /// The call's metadata; `round_trip` is the latency when Bedrock sent none.
    pub(crate) fn metadata(&self, round_trip: Duration) -> CallMetadata {
        let observed =
            std::mem::take(&mut *self.observed.lock().unwrap_or_else(PoisonError::into_inner));
        let headers = observed.headers;
        CallMetadata {
            request_id: headers.request_id,
            latency: headers.latency.unwrap_or(round_trip),
            input_tokens: headers.input_tokens,
            output_tokens: headers.output_tokens,
            cache_read_input_tokens: headers.cache_read_input_tokens,
            cache_write_input_tokens: headers.cache_write_input_tokens,
            attempts: Some(observed.attempts),
        }
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "bedrock-call-metadata"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.update(|o| o.attempts += 1);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(response) = context.response() {
            let headers = ResponseHeaders::read(response.headers());
            self.update(|o| o.headers = headers);
        }
        Ok(())
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
        headers.insert("x-amzn-bedrock-cache-read-input-token-count", "8");
        headers.insert("x-amzn-errortype", "ignored");
        assert_eq!(
            ResponseHeaders::read(&headers),
            ResponseHeaders {
                request_id: Some("req-1".to_owned()),
                latency: Some(Duration::from_millis(56)),
                input_tokens: Some(12),
                output_tokens: Some(34),
                cache_read_input_tokens: Some(8),
                cache_write_input_tokens: None,
            }
        );
        assert_eq!(
            ResponseHeaders::read(&Headers::new()),
            ResponseHeaders::default()
        );
    }

    #[test]
    fn header_numbers_are_plain_unsigned_decimals() {
        assert_eq!(number("0"), Some(0));
        assert_eq!(number(" 4294967295\t"), Some(u32::MAX));
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
            assert_eq!(number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn without_a_latency_header_the_round_trip_is_the_latency() {
        let recorder = CallRecorder::default();
        recorder.update(|o| o.attempts = 2);
        let metadata = recorder.metadata(Duration::from_millis(7));
        assert_eq!(metadata.latency, Duration::from_millis(7));
        assert_eq!(metadata.attempts, Some(2));
        assert_eq!(metadata.request_id, None);
    }
}
