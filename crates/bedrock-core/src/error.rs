//! The one public error type, by category, mirroring Bedrock's errors, with retry advice and hints.

use std::fmt;

use crate::catalog::{self, Region};
use crate::model_id::{ModelId, ModelIdError};

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of every fallible call in the workspace.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a caller sent that cannot be accepted, found before any request leaves the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    /// The field, as a path into the request (`max_tokens`, `messages[0].content[1].source`).
    pub field: String,
    /// The rejected value, rendered short.
    pub value: String,
    /// What is allowed (`1..=4096`, `one of: 256, 512, 1024`, ...).
    pub allowed: String,
}

impl InvalidField {
    /// A new field error.
    pub fn new(
        field: impl Into<String>,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        let mut value = value.to_string();
        if value.chars().count() > 80 {
            value = value.chars().take(77).collect::<String>() + "...";
        }
        InvalidField {
            field: field.into(),
            value,
            allowed: allowed.into(),
        }
    }
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "field `{}` has value {}; allowed: {}",
            self.field, self.value, self.allowed
        )
    }
}

/// What Bedrock (or the transport in front of it) said about a failed call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceDetails {
    /// Bedrock's raw message (`{"message": ...}`), unchanged.
    pub message: String,
    /// The error type name (`ThrottlingException`), when the service sent one.
    pub error_type: Option<String>,
    /// HTTP status code, when a response arrived.
    pub status: Option<u16>,
    /// `x-amzn-RequestId` of the failed call.
    pub request_id: Option<String>,
    /// The model the call was for.
    pub model_id: Option<String>,
    /// The region the call went to.
    pub region: Option<Region>,
    /// What to do about it, when something more specific than the kind's advice is known.
    pub hint: Option<String>,
    /// How many attempts the call took before failing (retries included), where the backend
    /// counts them.
    pub attempts: Option<u32>,
}

impl ServiceDetails {
    /// Details with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        ServiceDetails {
            message: message.into(),
            ..ServiceDetails::default()
        }
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the error type name.
    pub fn with_error_type(mut self, t: impl Into<String>) -> Self {
        self.error_type = Some(t.into());
        self
    }

    /// Sets the model and region the call was for.
    pub fn for_call(mut self, model_id: Option<&ModelId>, region: Option<Region>) -> Self {
        self.model_id = model_id.map(|m| m.as_str().to_owned());
        self.region = region;
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ServiceDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// The category of an [`Error`], `Copy` for matching and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input, caught locally or by Bedrock (400 `ValidationException`).
    Validation,
    /// 403 `AccessDeniedException`: IAM or model access.
    AccessDenied,
    /// 404 `ResourceNotFoundException`.
    NotFound,
    /// 409 `ConflictException`: the resource exists already or is changing (a batch job's
    /// name taken, say).
    Conflict,
    /// 408 `ModelTimeoutException`.
    ModelTimeout,
    /// 424 `ModelErrorException` / `ModelStreamErrorException`.
    ModelError,
    /// 429 `ThrottlingException`.
    Throttling,
    /// 400 `ServiceQuotaExceededException`.
    ServiceQuotaExceeded,
    /// 429 `ModelNotReadyException`.
    ModelNotReady,
    /// 503 `ServiceUnavailableException`.
    ServiceUnavailable,
    /// 500 `InternalServerException`.
    Internal,
    /// Credentials missing, invalid or expired (403 `UnrecognizedClientException`,
    /// `InvalidSignatureException`, `ExpiredTokenException`, or a local provider failure).
    Credentials,
    /// The request could not be sent or its response not received (connect, timeout, dropped).
    Transport,
    /// A response arrived but could not be understood.
    Decode,
    /// No registered adapter serves the model, or it cannot do what was asked.
    Unsupported,
    /// A prompt-history store failed.
    History,
    /// A tool conversation reached its round limit with the model still asking for tools.
    ToolRounds,
}

impl ErrorKind {
    /// The kind's stable snake_case name, as used in JSON output and history rows.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::ModelTimeout => "model_timeout",
            ErrorKind::ModelError => "model_error",
            ErrorKind::Throttling => "throttling",
            ErrorKind::ServiceQuotaExceeded => "service_quota_exceeded",
            ErrorKind::ModelNotReady => "model_not_ready",
            ErrorKind::ServiceUnavailable => "service_unavailable",
            ErrorKind::Internal => "internal",
            ErrorKind::Credentials => "credentials",
            ErrorKind::Transport => "transport",
            ErrorKind::Decode => "decode",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::History => "history",
            ErrorKind::ToolRounds => "tool_rounds",
        }
    }

    /// The kind for a Bedrock error type name (`ThrottlingException`, or the event-stream
    /// spelling `throttlingException`).
    pub fn from_error_type(name: &str) -> Option<ErrorKind> {
        let name = name.split(':').next().unwrap_or(name);
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "validationexception" => ErrorKind::Validation,
            "accessdeniedexception" => ErrorKind::AccessDenied,
            "resourcenotfoundexception" => ErrorKind::NotFound,
            "conflictexception" => ErrorKind::Conflict,
            "modeltimeoutexception" => ErrorKind::ModelTimeout,
            "modelerrorexception" | "modelstreamerrorexception" => ErrorKind::ModelError,
            "throttlingexception" | "toomanyrequestsexception" => ErrorKind::Throttling,
            "servicequotaexceededexception" => ErrorKind::ServiceQuotaExceeded,
            "modelnotreadyexception" => ErrorKind::ModelNotReady,
            "serviceunavailableexception" => ErrorKind::ServiceUnavailable,
            "internalserverexception" | "internalfailure" => ErrorKind::Internal,
            "unrecognizedclientexception"
            | "invalidsignatureexception"
            | "expiredtokenexception"
            | "incompletesignatureexception"
            | "missingauthenticationtokenexception"
            | "signaturedoesnotmatchexception" => ErrorKind::Credentials,
            _ => return None,
        })
    }

    /// Whether retrying the same call can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttling
                | ErrorKind::ModelNotReady
                | ErrorKind::ServiceUnavailable
                | ErrorKind::Internal
                | ErrorKind::ModelTimeout
        )
    }
}

impl ErrorKind {
    /// How an error of this kind introduces itself (`throttled`, `access denied`).
    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation error",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::ModelTimeout => "model timed out",
            ErrorKind::ModelError => "model error",
            ErrorKind::Throttling => "throttled",
            ErrorKind::ServiceQuotaExceeded => "service quota exceeded",
            ErrorKind::ModelNotReady => "model not ready",
            ErrorKind::ServiceUnavailable => "service unavailable",
            ErrorKind::Internal => "internal server error",
            ErrorKind::Credentials => "credentials error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Decode => "could not decode the response",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::History => "prompt history error",
            ErrorKind::ToolRounds => "tool round limit reached",
        }
    }

    /// What to do about a service error of this kind, when nothing more specific is known.
    fn advice(self) -> Option<&'static str> {
        Some(match self {
            ErrorKind::Validation => {
                "check the request body against the model's schema (`bedrock schema MODEL_ID`); \
                 a 400 can also mean model access has not been granted in the Bedrock console"
            }
            ErrorKind::AccessDenied => {
                "grant access to the model in the Bedrock console (Model access) for this region \
                 and allow bedrock:InvokeModel in IAM"
            }
            ErrorKind::NotFound => {
                "the model is not offered in this region or is retired; list models with \
                 `bedrock models` or use an inference profile"
            }
            ErrorKind::Conflict => {
                "the name is taken or the resource is changing: pick another name, or wait and \
                 look at it again"
            }
            ErrorKind::Throttling => "slow down or request a quota increase; the call was retried",
            ErrorKind::ServiceQuotaExceeded => "request a quota increase in Service Quotas",
            ErrorKind::ModelNotReady => "the model is loading; retry shortly",
            ErrorKind::ModelTimeout => "reduce max tokens or retry later",
            ErrorKind::ServiceUnavailable | ErrorKind::Internal => "retry later",
            ErrorKind::Credentials => {
                "check AWS credentials (env, profile, SSO) and refresh expired session tokens"
            }
            ErrorKind::Transport => "check the endpoint URL and network",
            ErrorKind::ModelError
            | ErrorKind::Decode
            | ErrorKind::Unsupported
            | ErrorKind::History => return None,
            ErrorKind::ToolRounds => {
                "the model kept asking for tools; raise the round limit or change the prompt"
            }
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every failure the connector reports.
///
/// Service errors keep Bedrock's raw message, error type, HTTP status and request id in
/// [`ServiceDetails`]. [`Error::is_retryable`] says whether another attempt can help; backends
/// that retry (the AWS SDK's standard mode) have already done so when this error reaches you.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request field is out of range or malformed; nothing was sent.
    #[error("invalid request: {0}")]
    InvalidInput(InvalidField),
    /// A model identifier could not be parsed; nothing was sent.
    #[error(transparent)]
    InvalidModelId(#[from] ModelIdError),
    /// Bedrock, or the emulator or proxy in front of it, answered with an error: a
    /// `ValidationException`, `ThrottlingException`, an expired token, ... `kind` says which
    /// category (never `Transport`, `Decode`, `Unsupported` or `History`, which have their own
    /// variants; build this with [`Error::from_service`] to keep that true), `details` keeps
    /// Bedrock's message, error type, status and request id.
    #[error("{}: {details}", kind.title())]
    Service {
        /// The category.
        kind: ErrorKind,
        /// What the service said.
        details: ServiceDetails,
    },
    /// The request could not be sent or the response not received.
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// Whether it was a timeout (retryable).
        timeout: bool,
        /// How many attempts the call took before failing, where the backend counts them.
        attempts: Option<u32>,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A response could not be decoded.
    #[error("could not decode the response: {message}")]
    Decode {
        /// What could not be decoded.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// No registered adapter serves the model.
    #[error("no adapter serves model `{model_id}`; registered adapters: {}", registered_list(.registered))]
    NoAdapter {
        /// The model asked for.
        model_id: String,
        /// The adapters registered, with the model id patterns they serve.
        registered: Vec<String>,
    },
    /// The adapter cannot do what was asked with this model (e.g. embeddings from a chat model).
    #[error("model `{model_id}` (adapter `{adapter}`, API `{api}`) does not support {operation}")]
    Unsupported {
        /// The operation asked for.
        operation: String,
        /// The adapter that serves the model.
        adapter: String,
        /// The model's API within the adapter.
        api: String,
        /// The model asked for.
        model_id: String,
    },
    /// The backend does not implement this operation (a third-party backend written before the
    /// operation existed, say). Nothing was sent.
    #[error("backend `{backend}` does not implement {operation}")]
    NotImplemented {
        /// The operation asked for (`converse`, `list_inference_profiles`, ...).
        operation: String,
        /// The backend's name.
        backend: String,
    },
    /// A tool conversation reached its round limit with the model still asking for tools.
    #[error("the model still asked for tools after {rounds} rounds (the round limit)")]
    ToolRounds {
        /// The limit that was reached.
        rounds: u32,
    },
    /// The prompt-history store failed.
    #[error("prompt history error: {message}")]
    History {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

fn registered_list(registered: &[String]) -> String {
    if registered.is_empty() {
        "(none)".to_owned()
    } else {
        registered.join("; ")
    }
}

impl Error {
    /// A local validation error naming the field, the value and what is allowed.
    pub fn invalid(
        field: impl Into<String>,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        Error::InvalidInput(InvalidField::new(field, value, allowed))
    }

    /// A decode error without a source.
    pub fn decode(message: impl Into<String>) -> Self {
        Error::Decode {
            message: message.into(),
            source: None,
        }
    }

    /// A decode error from a serde_json error, naming what was being decoded.
    pub fn decode_json(what: &str, err: serde_json::Error) -> Self {
        Error::Decode {
            message: format!("{what}: {err}"),
            source: Some(Box::new(err)),
        }
    }

    /// A transport error.
    pub fn transport(message: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::Transport {
            message: message.into(),
            timeout: false,
            attempts: None,
            source,
        }
    }

    /// The error a backend gives for an operation it does not implement.
    pub fn not_implemented(backend: &str, operation: &str) -> Self {
        Error::NotImplemented {
            operation: operation.to_owned(),
            backend: backend.to_owned(),
        }
    }

    /// A history-store error.
    pub fn history(message: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::History {
            message: message.into(),
            source,
        }
    }

    /// The error of `kind` with the service's `details`. Kinds that are not service answers
    /// (`Transport`, `Decode`, `History`, `Unsupported`) get their own variants, keeping the
    /// message.
    pub fn from_service(kind: ErrorKind, details: ServiceDetails) -> Self {
        match kind {
            ErrorKind::Transport => Error::Transport {
                message: details.message,
                timeout: false,
                attempts: details.attempts,
                source: None,
            },
            ErrorKind::Decode => Error::Decode {
                message: details.message,
                source: None,
            },
            ErrorKind::History => Error::History {
                message: details.message,
                source: None,
            },
            ErrorKind::Unsupported => Error::Unsupported {
                operation: details.message,
                adapter: String::new(),
                api: String::new(),
                model_id: details.model_id.unwrap_or_default(),
            },
            kind => Error::Service { kind, details },
        }
    }

    /// The kind for an HTTP status when the service sent no error type.
    pub fn kind_for_status(status: u16) -> ErrorKind {
        match status {
            400 | 413 | 415 => ErrorKind::Validation,
            401 => ErrorKind::Credentials,
            403 => ErrorKind::AccessDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            408 => ErrorKind::ModelTimeout,
            424 => ErrorKind::ModelError,
            429 => ErrorKind::Throttling,
            503 => ErrorKind::ServiceUnavailable,
            500..=599 => ErrorKind::Internal,
            _ => ErrorKind::Decode,
        }
    }

    /// The error's category.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_) | Error::InvalidModelId(_) => ErrorKind::Validation,
            Error::Service { kind, .. } => *kind,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::NoAdapter { .. } | Error::Unsupported { .. } | Error::NotImplemented { .. } => {
                ErrorKind::Unsupported
            }
            Error::History { .. } => ErrorKind::History,
            Error::ToolRounds { .. } => ErrorKind::ToolRounds,
        }
    }

    /// The service's details, for errors that came from Bedrock.
    pub fn service_details(&self) -> Option<&ServiceDetails> {
        match self {
            Error::Service { details, .. } => Some(details),
            _ => None,
        }
    }

    fn service_details_mut(&mut self) -> Option<&mut ServiceDetails> {
        match self {
            Error::Service { details, .. } => Some(details),
            _ => None,
        }
    }

    /// Whether retrying the same call can help. Timeouts and throttling can; validation,
    /// access, not-found and credential errors (including an expired token) cannot.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { timeout, .. } => *timeout,
            other => other.kind().is_retryable(),
        }
    }

    /// How many attempts the failed call took (retries included), where the backend counts
    /// them: a retryable error after 3 attempts means the SDK already retried twice.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Service { details, .. } => details.attempts,
            Error::Transport { attempts, .. } => *attempts,
            _ => None,
        }
    }

    /// Records how many attempts the failed call took, on errors that came from a call.
    pub fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::Service { details, .. } => details.attempts = Some(n),
            Error::Transport { attempts, .. } => *attempts = Some(n),
            _ => {}
        }
        self
    }

    /// The request id Bedrock gave the failed call.
    pub fn request_id(&self) -> Option<&str> {
        self.service_details().and_then(|d| d.request_id.as_deref())
    }

    /// Bedrock's raw message, unchanged.
    pub fn service_message(&self) -> Option<&str> {
        self.service_details().map(|d| d.message.as_str())
    }

    /// The field a local validation error is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput(f) => Some(&f.field),
            _ => None,
        }
    }

    /// Fills in the model and region on a service error that lacks them, then derives a hint
    /// from the catalog when none is set yet.
    pub fn with_call_context(mut self, model_id: Option<&ModelId>, region: Option<Region>) -> Self {
        let kind = self.kind();
        if let Some(d) = self.service_details_mut() {
            if d.model_id.is_none() {
                d.model_id = model_id.map(|m| m.as_str().to_owned());
            }
            if d.region.is_none() {
                d.region = region;
            }
            if d.hint.is_none() {
                d.hint = contextual_hint(kind, d);
            }
        }
        self
    }

    /// What to do about this error: a specific hint where one is known, else the kind's advice.
    pub fn hint(&self) -> Option<String> {
        if let Some(h) = self.service_details().and_then(|d| d.hint.clone()) {
            return Some(h);
        }
        let generic = match self {
            Error::InvalidInput(f) => format!("fix `{}` and try again; nothing was sent", f.field),
            Error::InvalidModelId(_) => {
                "pass a model id such as `anthropic.claude-3-haiku-20240307-v1:0`, a profile id \
                 such as `us.anthropic.claude-3-haiku-20240307-v1:0`, or an ARN"
                    .to_owned()
            }
            Error::NoAdapter { .. } => {
                "register an adapter for this model family, or use the raw invoke path".to_owned()
            }
            Error::Unsupported { .. } => {
                "pick a model whose API supports this operation".to_owned()
            }
            Error::NotImplemented { .. } => {
                "use a backend that implements this operation (the AWS backend or the simulator)"
                    .to_owned()
            }
            Error::ToolRounds { .. } => return ErrorKind::ToolRounds.advice().map(str::to_owned),
            Error::Transport { .. } => "check the endpoint URL and network".to_owned(),
            Error::Decode { .. } | Error::History { .. } => return None,
            Error::Service { kind, .. } => return kind.advice().map(str::to_owned),
        };
        Some(generic)
    }
}

/// A hint derived from the catalog for a service error about a known model.
fn contextual_hint(kind: ErrorKind, d: &ServiceDetails) -> Option<String> {
    let model = d.model_id.as_deref().and_then(|m| ModelId::new(m).ok())?;
    let entry = model.base_model_id().and_then(catalog::find_model)?;
    let region = d.region;
    match kind {
        ErrorKind::NotFound | ErrorKind::Validation | ErrorKind::AccessDenied => {}
        _ => return None,
    }
    if let Some(eol) = entry.end_of_life {
        let retired_msg = d.message.to_ascii_lowercase();
        if retired_msg.contains("end of its life") || retired_msg.contains("end of life") {
            return Some(match entry.successor {
                Some(s) => format!(
                    "`{}` reached end of life on {eol}; use `{s}` instead",
                    entry.model_id
                ),
                None => format!("`{}` reached end of life on {eol}", entry.model_id),
            });
        }
    }
    if model.profile_geo().is_none()
        && entry.needs_profile()
        && let Some(profile) = region.and_then(|r| entry.profile_id_for(r))
    {
        return Some(format!(
            "`{}` is invoked through an inference profile: use `{profile}`",
            entry.model_id
        ));
    }
    if kind == ErrorKind::NotFound
        && let Some(region) = region
    {
        if !entry.offered_in(region) {
            let offered: Vec<&str> = entry.regions.iter().map(|r| r.as_str()).collect();
            let mut hint = format!(
                "`{}` is not offered in {region}; it is offered in: {}",
                entry.model_id,
                if offered.is_empty() {
                    "no region directly".to_owned()
                } else {
                    offered.join(", ")
                }
            );
            if let Some(profile) = entry.profile_id_for(region) {
                hint.push_str(&format!("; or call it from {region} through `{profile}`"));
            }
            return Some(hint);
        }
        return Some(format!(
            "`{}` is in the catalog for {region}; check the id's version suffix and the model's lifecycle",
            entry.model_id
        ));
    }
    if kind == ErrorKind::AccessDenied || kind == ErrorKind::Validation {
        let m = d.message.to_ascii_lowercase();
        if m.contains("access") {
            return Some(format!(
                "model access for `{}` is not granted in {}: grant it in the Bedrock console under Model access",
                entry.model_id,
                region.map_or_else(|| "this region".to_owned(), |r| r.to_string())
            ));
        }
    }
    None
}
