//! Errors: [`EmulatorError`] for starting the server, and the wire errors it answers with
//! (status, `x-amzn-ErrorType`, `{"message": ...}`), mapped from [`bedrock_core::Error`].

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::response::{IntoResponse, Response};
use bedrock_core::{Error as CoreError, ErrorKind};
use http::{HeaderValue, StatusCode, header};

/// The suffix Bedrock appends to the error type in `x-amzn-ErrorType`.
const ERROR_TYPE_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazon.bedrock/";

/// Why the emulator could not start or keep serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("could not bind the emulator to `{addr}`: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file could not be read.
    #[error("could not read the emulator configuration `{}`: {source}", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is malformed or has a value out of range.
    #[error("invalid emulator configuration{}: {message}", source_suffix(path.as_deref()))]
    InvalidConfig {
        /// The file, when it came from one.
        path: Option<PathBuf>,
        /// What is wrong, naming the field, the value and what is allowed.
        message: String,
    },
    /// The server stopped with an I/O error.
    #[error("the emulator on {addr} stopped: {source}")]
    Serve {
        /// The address it was serving on.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn source_suffix(path: Option<&std::path::Path>) -> String {
    path.map(|p| format!(" in `{}`", p.display()))
        .unwrap_or_default()
}

/// One error answer on the wire, as Bedrock renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error type name (`ThrottlingException`).
    pub error_type: String,
    /// The message for `{"message": ...}`.
    pub message: String,
    /// `x-amzn-RequestId`; the handler fills it in when the error has none.
    pub request_id: Option<String>,
    /// `Allow` header, for a known resource asked with the wrong method.
    pub allow: Option<&'static str>,
    /// Whether the connection closes after this answer (`Connection: close`).
    pub close_connection: bool,
}

impl ApiError {
    /// An error with a status, type and message.
    pub fn new(status: StatusCode, error_type: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error_type: error_type.to_owned(),
            message: message.into(),
            request_id: None,
            allow: None,
            close_connection: false,
        }
    }

    /// 400 `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    /// 500 `InternalServerException`.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            message,
        )
    }

    /// Sets the request id unless one is already set.
    pub fn or_request_id(mut self, id: &str) -> Self {
        if self.request_id.is_none() {
            self.request_id = Some(id.to_owned());
        }
        self
    }

    /// The event-stream spelling of the error type: `throttlingException`.
    pub fn exception_type_lower_camel(&self) -> String {
        lower_camel(&self.error_type)
    }

    /// The JSON body, `{"message": ...}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "message": self.message }).to_string()
    }
}

/// `ThrottlingException` -> `throttlingException`.
pub(crate) fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The default HTTP status and wire name of a core error category.
fn defaults_for(err: &CoreError) -> (StatusCode, &'static str) {
    match err.kind() {
        ErrorKind::Validation => (StatusCode::BAD_REQUEST, "ValidationException"),
        ErrorKind::AccessDenied => (StatusCode::FORBIDDEN, "AccessDeniedException"),
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "ResourceNotFoundException"),
        ErrorKind::Conflict => (StatusCode::CONFLICT, "ConflictException"),
        ErrorKind::ModelTimeout => (StatusCode::REQUEST_TIMEOUT, "ModelTimeoutException"),
        ErrorKind::ModelError => (StatusCode::FAILED_DEPENDENCY, "ModelErrorException"),
        ErrorKind::Throttling => (StatusCode::TOO_MANY_REQUESTS, "ThrottlingException"),
        ErrorKind::ServiceQuotaExceeded => {
            (StatusCode::BAD_REQUEST, "ServiceQuotaExceededException")
        }
        ErrorKind::ModelNotReady => (StatusCode::TOO_MANY_REQUESTS, "ModelNotReadyException"),
        ErrorKind::ServiceUnavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableException",
        ),
        ErrorKind::Credentials => (StatusCode::FORBIDDEN, "UnrecognizedClientException"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerException"),
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        let (default_status, default_type) = defaults_for(&err);
        match err.service_details() {
            Some(d) => ApiError {
                status: d
                    .status
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(default_status),
                error_type: d
                    .error_type
                    .as_deref()
                    .map(|t| t.split(':').next().unwrap_or(t).to_owned())
                    .unwrap_or_else(|| default_type.to_owned()),
                message: d.message.clone(),
                request_id: d.request_id.clone(),
                allow: None,
                close_connection: false,
            },
            None => ApiError::new(default_status, default_type, err.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("{}:{ERROR_TYPE_NAMESPACE}", self.error_type))
        {
            headers.insert("x-amzn-ErrorType", v);
        }
        if let Some(v) = self
            .request_id
            .as_deref()
            .and_then(|id| HeaderValue::from_str(id).ok())
        {
            headers.insert("x-amzn-RequestId", v);
        }
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if self.close_connection {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use bedrock_core::ServiceDetails;

    use super::*;

    #[test]
    fn service_errors_keep_type_status_message_and_request_id() {
        let err = CoreError::from_service(
            ErrorKind::Throttling,
            ServiceDetails::new("Too many requests, please wait before trying again.")
                .with_error_type("ThrottlingException")
                .with_status(429)
                .with_request_id("req-1"),
        );
        let api = ApiError::from(err);
        assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(api.error_type, "ThrottlingException");
        assert_eq!(api.request_id.as_deref(), Some("req-1"));
        assert_eq!(api.exception_type_lower_camel(), "throttlingException");
        assert_eq!(
            api.body(),
            r#"{"message":"Too many requests, please wait before trying again."}"#
        );
    }

    #[test]
    fn details_without_type_or_status_take_the_variant_defaults() {
        let api = ApiError::from(CoreError::from_service(
            ErrorKind::NotFound,
            ServiceDetails::new("no such model"),
        ));
        assert_eq!(
            (api.status, api.error_type.as_str()),
            (StatusCode::NOT_FOUND, "ResourceNotFoundException")
        );
        let api = ApiError::from(CoreError::from_service(
            ErrorKind::ModelNotReady,
            ServiceDetails::new("loading"),
        ));
        assert_eq!(
            (api.status, api.error_type.as_str()),
            (StatusCode::TOO_MANY_REQUESTS, "ModelNotReadyException")
        );
        let api = ApiError::from(CoreError::invalid("max_tokens", 0, "1..=4096"));
        assert_eq!(
            (api.status, api.error_type.as_str()),
            (StatusCode::BAD_REQUEST, "ValidationException")
        );
        assert!(api.message.contains("max_tokens"), "{}", api.message);
        let api = ApiError::from(CoreError::decode("bad"));
        assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn rendered_response_carries_bedrock_headers() {
        let response = ApiError::validation("bad")
            .or_request_id("r-9")
            .into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let h = response.headers();
        assert_eq!(
            h.get("x-amzn-errortype").unwrap(),
            "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
        );
        assert_eq!(h.get("x-amzn-requestid").unwrap(), "r-9");
        assert_eq!(h.get("content-type").unwrap(), "application/json");
    }
}
