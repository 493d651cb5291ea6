//! `AuthError`: what can go wrong while loading credentials or signing. No variant ever holds a
//! secret access key or a session token.

use std::error::Error as StdError;

/// Boxed source error kept for the error chain.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An error from a credential source or from signing.
///
/// Messages name the source, the field, the offending value and what was expected. Secrets are
/// never part of an error: where a secret is the problem, only its length is reported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A parameter was out of range or malformed.
    #[error("invalid {field} `{value}`: expected {expected}")]
    InvalidParameter {
        /// Name of the parameter, e.g. `duration_seconds`.
        field: &'static str,
        /// The rejected value (never a secret).
        value: String,
        /// The allowed range or shape.
        expected: String,
    },

    /// The source has nothing to offer (no environment variables, no profile, ...).
    #[error("credential source `{source_name}` found no credentials: {reason}")]
    CredentialsNotFound {
        /// Name of the credential source.
        source_name: String,
        /// Why nothing was found.
        reason: String,
    },

    /// The source only holds credentials that have expired.
    #[error(
        "credentials `{access_key_id}` from `{source_name}` expired at {expired_at}; \
         refresh them or use a refreshing source"
    )]
    Expired {
        /// Name of the credential source.
        source_name: String,
        /// Access key id of the expired credentials.
        access_key_id: String,
        /// Expiry, RFC 3339.
        expired_at: String,
    },

    /// A remote credential service answered with an error.
    #[error("{service} answered HTTP {status} {code}: {message}")]
    Service {
        /// The service, e.g. `rolesanywhere` or `sts`.
        service: &'static str,
        /// HTTP status code.
        status: u16,
        /// Error code, e.g. `AccessDeniedException`.
        code: String,
        /// The service's message.
        message: String,
    },

    /// A credential service answered with something that could not be understood.
    #[error("{service} answered with a malformed response: {detail}")]
    MalformedResponse {
        /// The service.
        service: &'static str,
        /// What was wrong.
        detail: String,
    },

    /// The source failed for another reason (network, SDK error, ...).
    #[error("credential source `{source_name}` failed: {message}")]
    Provider {
        /// Name of the credential source.
        source_name: String,
        /// Human-readable description.
        message: String,
        /// Whether trying again later may succeed.
        retryable: bool,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// A request could not be signed.
    #[error("cannot sign the request: {detail}")]
    Signing {
        /// What was wrong.
        detail: String,
    },
}

impl AuthError {
    /// Whether retrying the same operation later may succeed (network errors, throttling,
    /// 5xx answers). Configuration and validation errors are permanent.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service { status, .. } => *status == 429 || *status >= 500,
            Self::Provider { retryable, .. } => *retryable,
            Self::InvalidParameter { .. }
            | Self::CredentialsNotFound { .. }
            | Self::Expired { .. }
            | Self::MalformedResponse { .. }
            | Self::Signing { .. } => false,
        }
    }

    pub(crate) fn invalid(
        field: &'static str,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Self::InvalidParameter {
            field,
            value: value.into(),
            expected: expected.into(),
        }
    }
}
