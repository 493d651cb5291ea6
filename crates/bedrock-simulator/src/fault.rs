//! Scripted faults: `FaultRule` (which calls, how many times, how likely) and `Fault` (what goes
//! wrong: an error answer, added latency, a cut or failing stream, a malformed body).

use serde::{Deserialize, Serialize};

use crate::rejection::{self, Rejection};

/// One operation of the simulated service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `InvokeModel`.
    #[serde(alias = "InvokeModel")]
    Invoke,
    /// `InvokeModelWithResponseStream`.
    #[serde(alias = "InvokeModelWithResponseStream")]
    InvokeStream,
    /// `ListFoundationModels`.
    #[serde(alias = "ListFoundationModels")]
    List,
    /// `GetFoundationModel`.
    #[serde(alias = "GetFoundationModel")]
    Get,
    /// `Converse`.
    #[serde(alias = "Converse")]
    Converse,
    /// `ConverseStream`.
    #[serde(alias = "ConverseStream")]
    ConverseStream,
    /// `CountTokens`.
    #[serde(alias = "CountTokens")]
    CountTokens,
    /// `StartAsyncInvoke`.
    #[serde(alias = "StartAsyncInvoke")]
    StartAsyncInvoke,
}

impl Operation {
    /// Bedrock's operation name (`InvokeModel`).
    pub fn bedrock_name(self) -> &'static str {
        match self {
            Operation::Invoke => "InvokeModel",
            Operation::InvokeStream => "InvokeModelWithResponseStream",
            Operation::List => "ListFoundationModels",
            Operation::Get => "GetFoundationModel",
            Operation::Converse => "Converse",
            Operation::ConverseStream => "ConverseStream",
            Operation::CountTokens => "CountTokens",
            Operation::StartAsyncInvoke => "StartAsyncInvoke",
        }
    }

    /// Whether the operation answers with a response stream (where stream faults apply).
    pub fn is_stream(self) -> bool {
        matches!(self, Operation::InvokeStream | Operation::ConverseStream)
    }
}

/// The exception a [`Fault::StreamError`] sends in the middle of a response stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StreamErrorKind {
    /// `throttlingException` (429).
    #[serde(rename = "throttlingException")]
    Throttling,
    /// `modelStreamErrorException` (424).
    #[serde(rename = "modelStreamErrorException")]
    ModelStreamError,
    /// `internalServerException` (500).
    #[serde(rename = "internalServerException")]
    InternalServer,
    /// `serviceUnavailableException` (503).
    #[serde(rename = "serviceUnavailableException")]
    ServiceUnavailable,
    /// `modelTimeoutException` (408).
    #[serde(rename = "modelTimeoutException")]
    ModelTimeout,
    /// `validationException` (400).
    #[serde(rename = "validationException")]
    Validation,
}

impl StreamErrorKind {
    /// The name an event-stream exception frame carries in `:exception-type`
    /// (`modelStreamErrorException`).
    pub fn event_name(self) -> &'static str {
        match self {
            StreamErrorKind::Throttling => "throttlingException",
            StreamErrorKind::ModelStreamError => "modelStreamErrorException",
            StreamErrorKind::InternalServer => "internalServerException",
            StreamErrorKind::ServiceUnavailable => "serviceUnavailableException",
            StreamErrorKind::ModelTimeout => "modelTimeoutException",
            StreamErrorKind::Validation => "validationException",
        }
    }

    pub(crate) fn rejection(self) -> Rejection {
        match self {
            StreamErrorKind::Throttling => {
                Rejection::new("ThrottlingException", 429, rejection::THROTTLED)
            }
            StreamErrorKind::ModelStreamError => Rejection::new(
                "ModelStreamErrorException",
                424,
                rejection::MODEL_STREAM_ERROR,
            ),
            StreamErrorKind::InternalServer => {
                Rejection::new("InternalServerException", 500, rejection::INTERNAL)
            }
            StreamErrorKind::ServiceUnavailable => Rejection::new(
                "ServiceUnavailableException",
                503,
                rejection::SERVICE_UNAVAILABLE,
            ),
            StreamErrorKind::ModelTimeout => {
                Rejection::new("ModelTimeoutException", 408, rejection::MODEL_TIMEOUT)
            }
            StreamErrorKind::Validation => {
                Rejection::validation("The request was rejected while the response streamed.")
            }
        }
    }
}

/// What goes wrong. In JSON: `{"type": "throttling"}`, `{"type": "latency", "millis": 250}`,
/// `{"type": "stream_error", "after_chunks": 2, "kind": "modelStreamErrorException"}`, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// 429 `ThrottlingException`.
    Throttling,
    /// 503 `ServiceUnavailableException`.
    ServiceUnavailable,
    /// 500 `InternalServerException`.
    InternalServer,
    /// 429 `ModelNotReadyException`.
    ModelNotReady,
    /// 408 `ModelTimeoutException`.
    ModelTimeout,
    /// 424 `ModelErrorException`.
    ModelError,
    /// 403 `AccessDeniedException`.
    AccessDenied,
    /// 403 `ExpiredTokenException` (a credentials error).
    ExpiredToken,
    /// 400 `ServiceQuotaExceededException`.
    ServiceQuotaExceeded,
    /// 400 `ValidationException` with this message.
    Validation {
        /// The message sent.
        message: String,
    },
    /// Waits this long, then goes on with the next rule and the normal answer.
    Latency {
        /// Milliseconds to wait.
        millis: u64,
    },
    /// Streams this many chunks, then drops the connection without an end
    /// ([`SimChunk::Truncate`](crate::SimChunk::Truncate)). Applies to streaming calls only.
    TruncateStream {
        /// Chunks sent before the cut.
        after_chunks: usize,
    },
    /// Streams this many chunks, then sends an exception. Applies to streaming calls only.
    StreamError {
        /// Chunks sent before the exception.
        after_chunks: usize,
        /// Which exception.
        kind: StreamErrorKind,
    },
    /// Answers 200 with a body that is not valid JSON (for a stream: one chunk that is not).
    MalformedBody,
}

impl Fault {
    /// The error answer this fault sends instead of the normal one, if it is such a fault.
    pub(crate) fn rejection(&self) -> Option<Rejection> {
        Some(match self {
            Fault::Throttling => Rejection::new("ThrottlingException", 429, rejection::THROTTLED),
            Fault::ServiceUnavailable => Rejection::new(
                "ServiceUnavailableException",
                503,
                rejection::SERVICE_UNAVAILABLE,
            ),
            Fault::InternalServer => {
                Rejection::new("InternalServerException", 500, rejection::INTERNAL)
            }
            Fault::ModelNotReady => {
                Rejection::new("ModelNotReadyException", 429, rejection::MODEL_NOT_READY)
            }
            Fault::ModelTimeout => {
                Rejection::new("ModelTimeoutException", 408, rejection::MODEL_TIMEOUT)
            }
            Fault::ModelError => Rejection::new("ModelErrorException", 424, rejection::MODEL_ERROR),
            Fault::AccessDenied => Rejection::access_denied(rejection::ACCESS_NOT_GRANTED),
            Fault::ExpiredToken => {
                Rejection::new("ExpiredTokenException", 403, rejection::EXPIRED_TOKEN)
            }
            Fault::ServiceQuotaExceeded => Rejection::new(
                "ServiceQuotaExceededException",
                400,
                rejection::QUOTA_EXCEEDED,
            ),
            Fault::Validation { message } => Rejection::validation(message.clone()),
            Fault::Latency { .. }
            | Fault::TruncateStream { .. }
            | Fault::StreamError { .. }
            | Fault::MalformedBody => return None,
        })
    }

    /// Whether the fault only makes sense on a response stream.
    pub(crate) fn stream_only(&self) -> bool {
        matches!(
            self,
            Fault::TruncateStream { .. } | Fault::StreamError { .. }
        )
    }

    /// A short name for the request log (`throttling`, `truncate_stream`).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Throttling => "throttling",
            Fault::ServiceUnavailable => "service_unavailable",
            Fault::InternalServer => "internal_server",
            Fault::ModelNotReady => "model_not_ready",
            Fault::ModelTimeout => "model_timeout",
            Fault::ModelError => "model_error",
            Fault::AccessDenied => "access_denied",
            Fault::ExpiredToken => "expired_token",
            Fault::ServiceQuotaExceeded => "service_quota_exceeded",
            Fault::Validation { .. } => "validation",
            Fault::Latency { .. } => "latency",
            Fault::TruncateStream { .. } => "truncate_stream",
            Fault::StreamError { .. } => "stream_error",
            Fault::MalformedBody => "malformed_body",
        }
    }
}

/// When a [`Fault`] fires: rules are checked in order before normal processing; the first error
/// fault that matches answers the call, latency faults add up and let the call go on.
///
/// ```
/// use bedrock_simulator::{Fault, FaultRule};
/// let rule: FaultRule = serde_json::from_str(
///     r#"{"model": "amazon.titan-text-express-v1", "fault": {"type": "throttling"}, "times": 2}"#,
/// )?;
/// assert_eq!(rule, FaultRule::new(Fault::Throttling).model("amazon.titan-text-express-v1").times(2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The model it applies to: a bare id (matching that model however it is addressed), or the
    /// identifier exactly as sent. `None` matches every model (and the model-less List).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The operation it applies to; `None` matches all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// What goes wrong.
    pub fault: Fault,
    /// Fire on the first N matching calls only; `None` fires on every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Fire with this probability (0..=1), drawn from the simulator's seeded generator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule that fires `fault` on every call.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            model: None,
            operation: None,
            fault,
            times: None,
            probability: None,
        }
    }

    /// Restricts the rule to one model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Restricts the rule to one operation.
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Fires on the first `n` matching calls only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Fires with probability `p`.
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }

    /// Whether the rule's model and operation select this call. `base` is the bare id behind
    /// `raw` when one can be read from it.
    pub(crate) fn selects(
        &self,
        operation: Operation,
        raw: Option<&str>,
        base: Option<&str>,
    ) -> bool {
        if self.operation.is_some_and(|op| op != operation) {
            return false;
        }
        if self.fault.stream_only() && !operation.is_stream() {
            return false;
        }
        match &self.model {
            None => true,
            Some(m) => raw == Some(m.as_str()) || base == Some(m.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let rules: Vec<FaultRule> = serde_json::from_str(
            r#"[
              {"fault": {"type": "latency", "millis": 5}},
              {"operation": "InvokeModelWithResponseStream",
               "fault": {"type": "stream_error", "after_chunks": 2, "kind": "modelStreamErrorException"}},
              {"operation": "invoke", "fault": {"type": "validation", "message": "nope"}, "probability": 0.5}
            ]"#,
        )
        .unwrap();
        assert_eq!(rules[0].fault, Fault::Latency { millis: 5 });
        assert_eq!(rules[1].operation, Some(Operation::InvokeStream));
        assert_eq!(
            rules[1].fault,
            Fault::StreamError {
                after_chunks: 2,
                kind: StreamErrorKind::ModelStreamError
            }
        );
        assert_eq!(rules[2].probability, Some(0.5));
        let back = serde_json::to_string(&rules[0]).unwrap();
        assert_eq!(back, r#"{"fault":{"type":"latency","millis":5}}"#);
        assert!(serde_json::from_str::<FaultRule>(r#"{"fault":{"type":"nope"}}"#).is_err());
    }

    #[test]
    fn selection_by_model_and_operation() {
        let rule = FaultRule::new(Fault::Throttling).model("amazon.titan-text-express-v1");
        let base = Some("amazon.titan-text-express-v1");
        assert!(rule.selects(
            Operation::Invoke,
            Some("amazon.titan-text-express-v1"),
            base
        ));
        assert!(rule.selects(Operation::Invoke, Some("arn:aws:bedrock:x::y"), base));
        assert!(!rule.selects(Operation::Invoke, Some("amazon.titan-text-lite-v1"), None));
        let stream = FaultRule::new(Fault::TruncateStream { after_chunks: 1 });
        assert!(!stream.selects(Operation::Invoke, None, None));
        assert!(stream.selects(Operation::InvokeStream, None, None));
    }
}
