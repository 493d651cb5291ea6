//! `Rejection`: a Bedrock error answer (type name, HTTP status, message) before it becomes a
//! `bedrock_core::Error`, and the messages Bedrock uses.

use bedrock_core::{Error, ErrorKind, Region, ServiceDetails};

/// `InvokeModel` with an id Bedrock cannot resolve (unknown, malformed, wrong profile, or a
/// model not offered in the region). Bedrock's wording.
pub const INVALID_MODEL_ID: &str = "The provided model identifier is invalid.";
/// 404 for a well-formed id that names no foundation model offered in the caller's region.
pub const MODEL_NOT_FOUND: &str =
    "Could not resolve the foundation model from the provided model identifier.";
/// A model whose access was not granted. Bedrock's wording.
pub const ACCESS_NOT_GRANTED: &str =
    "You don't have access to the model with the specified model ID.";
/// A model past its end-of-life date. Bedrock's wording.
pub const END_OF_LIFE: &str = "This model version has reached the end of its life. Please refer to the AWS documentation for more details.";
/// InvokeModelWithResponseStream on a model that cannot stream.
pub const UNSUPPORTED_FOR_STREAMING: &str = "The model is unsupported for streaming";
/// ThrottlingException. Bedrock's wording.
pub const THROTTLED: &str = "Too many requests, please wait before trying again.";
/// ServiceUnavailableException. Bedrock's wording.
pub const SERVICE_UNAVAILABLE: &str = "Bedrock is unable to process your request.";
/// InternalServerException. Bedrock's wording.
pub const INTERNAL: &str =
    "The system encountered an unexpected error during processing. Try your request again.";
/// ModelNotReadyException.
pub const MODEL_NOT_READY: &str =
    "Model is not ready for inference. Wait and try your request again.";
/// ModelTimeoutException.
pub const MODEL_TIMEOUT: &str =
    "Model has timed out in processing the request. Try your request again.";
/// ModelErrorException.
pub const MODEL_ERROR: &str =
    "Received server error (500) from model. The model failed to process the request.";
/// ModelStreamErrorException.
pub const MODEL_STREAM_ERROR: &str = "The model encountered an error while streaming the response.";
/// ExpiredTokenException. The wording AWS services use.
pub const EXPIRED_TOKEN: &str = "The security token included in the request is expired";
/// ServiceQuotaExceededException.
pub const QUOTA_EXCEEDED: &str = "Your request exceeds the service quota for your account. You can view your quotas at https://docs.aws.amazon.com/servicequotas/latest/userguide/gs-request-quota.html. You can resubmit your request later.";

/// The message Bedrock sends for a bare id of a model that is served through inference
/// profiles only. Bedrock's wording, including its typographic apostrophe.
pub fn on_demand_not_supported(model_id: &str) -> String {
    format!(
        "Invocation of model ID {model_id} with on-demand throughput isn\u{2019}t supported. Retry \
         your request with the ID or ARN of an inference profile that contains this model."
    )
}

/// One error answer: the exception name, its HTTP status and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// Bedrock's exception name (`ValidationException`).
    pub error_type: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The message body.
    pub message: String,
    /// A fix-it hint, when the simulator knows one.
    pub hint: Option<String>,
}

impl Rejection {
    pub(crate) fn new(error_type: &'static str, status: u16, message: impl Into<String>) -> Self {
        Rejection {
            error_type,
            status,
            message: message.into(),
            hint: None,
        }
    }

    /// 400 `ValidationException`.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Rejection::new("ValidationException", 400, message)
    }

    /// 400 `ValidationException` in Bedrock's schema-violation wording.
    pub(crate) fn malformed(violations: &str) -> Self {
        Rejection::validation(format!(
            "Malformed input request: {violations}, please reformat your input and try again."
        ))
    }

    /// 500 `InternalServerException`: for failures the simulator's own checks rule out, so
    /// that even those answer instead of panicking.
    pub(crate) fn internal() -> Self {
        Rejection::new("InternalServerException", 500, INTERNAL)
    }

    /// 404 `ResourceNotFoundException`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Rejection::new("ResourceNotFoundException", 404, message)
    }

    /// 403 `AccessDeniedException`.
    pub(crate) fn access_denied(message: impl Into<String>) -> Self {
        Rejection::new("AccessDeniedException", 403, message)
    }

    /// Adds a hint.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The `bedrock_core::Error` for this answer, with complete service details.
    pub(crate) fn into_error(
        self,
        request_id: &str,
        model_id: Option<&str>,
        region: Option<Region>,
    ) -> Error {
        let kind = ErrorKind::from_error_type(self.error_type)
            .unwrap_or_else(|| Error::kind_for_status(self.status));
        let details = ServiceDetails {
            message: self.message,
            error_type: Some(self.error_type.to_owned()),
            status: Some(self.status),
            request_id: Some(request_id.to_owned()),
            model_id: model_id.map(str::to_owned),
            region,
            hint: self.hint,
            attempts: None,
        };
        Error::from_service(kind, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_complete_details() {
        let err = Rejection::new("ModelNotReadyException", 429, MODEL_NOT_READY).into_error(
            "req-1",
            Some("amazon.titan-text-express-v1"),
            Some(Region::UsEast1),
        );
        assert!(matches!(
            err,
            Error::Service {
                kind: ErrorKind::ModelNotReady,
                ..
            }
        ));
        let d = err.service_details().unwrap();
        assert_eq!(d.error_type.as_deref(), Some("ModelNotReadyException"));
        assert_eq!(d.status, Some(429));
        assert_eq!(d.request_id.as_deref(), Some("req-1"));
        assert_eq!(d.model_id.as_deref(), Some("amazon.titan-text-express-v1"));
        assert!(err.is_retryable());
    }

    #[test]
    fn malformed_wraps_violations_like_bedrock() {
        let r = Rejection::malformed("#: required key [max_tokens] not found");
        assert_eq!(
            r.message,
            "Malformed input request: #: required key [max_tokens] not found, please reformat \
             your input and try again."
        );
        assert_eq!((r.error_type, r.status), ("ValidationException", 400));
    }
}
