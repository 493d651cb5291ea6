//! Mapping of the SDK's `SdkError` onto the core's error kinds, keeping Bedrock's message, error
//! type, HTTP status and request id.

use std::error::Error as StdError;
use std::fmt;

use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::types::error::{ConverseStreamOutputError, ResponseStreamError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::event_stream::RawMessage;
use bedrock_core::{Error, ErrorKind, ServiceDetails};

/// A response body larger than
/// [`AwsBackendConfig::max_response_bytes`](crate::AwsBackendConfig::max_response_bytes): the
/// backend stopped reading it (or never started, when its `Content-Length` said so) and the call
/// failed with an [`Error::Transport`] that names the limit and has this in its source chain.
/// The SDK does not retry it: the same request would get the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseTooLarge {
    /// The limit, in bytes.
    pub limit: usize,
    /// The length the response declared in `Content-Length`, when it declared one.
    pub declared: Option<u64>,
}

impl fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response body is larger than the limit of {} bytes \
             (`AwsBackendConfig::max_response_bytes`)",
            self.limit
        )?;
        if let Some(declared) = self.declared {
            write!(f, "; its Content-Length says {declared} bytes")?;
        }
        Ok(())
    }
}

impl StdError for ResponseTooLarge {}

/// A response body that failed while the backend read it (see `response_limit` in the crate
/// root), as opposed to a request that could not be sent: both reach the SDK as a dispatch
/// failure, and this marker lets the message say which.
#[derive(Debug)]
pub(crate) struct ResponseBodyFailed(pub(crate) aws_smithy_runtime_api::box_error::BoxError);

impl fmt::Display for ResponseBodyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the response body could not be read")
    }
}

impl StdError for ResponseBodyFailed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.0.as_ref())
    }
}

/// The error and its sources, each once.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e| e.source())
}

/// The part of an SDK error's text before the request it quotes, when it quotes one. When the
/// SDK cannot apply the endpoint URL to a request, its `ResolveEndpointError` says
/// ``failed to apply endpoint `URL` to request `Request { body: .., headers: .. }`` ``: the
/// whole request, prompt and all. A request has no place in an error message, so it is cut;
/// the URL and the cause (the error's source, \"invalid uri character\") stay.
fn before_quoted_request(text: &str) -> Option<&str> {
    [" to request `", "Request { body: "]
        .iter()
        .filter_map(|marker| text.split_once(marker))
        .map(|(before, _)| before)
        .min_by_key(|before| before.len())
}

/// The messages of an error and its sources, joined with `: ` and each shown once (a message
/// that repeats its source's is not repeated), with any quoted request left out; and whether
/// one was left out. Unlike the SDK's `DisplayErrorContext` this never adds the `Debug` form,
/// which holds the same request.
fn describe(err: &(dyn StdError + 'static)) -> (String, bool) {
    let mut text = String::new();
    let mut cut = false;
    for e in chain(err) {
        let own = e.to_string();
        let own = match before_quoted_request(&own) {
            Some(before) => {
                cut = true;
                before.trim_end().to_owned()
            }
            None => own,
        };
        if own.is_empty() || text.contains(&own) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&own);
    }
    (text, cut)
}

/// Whether the SDK could not get an identity to sign with: a credentials provider's
/// `CredentialsError` (missing, expired, the provider failed or timed out) or a token provider's
/// `TokenError` somewhere in the error's source chain.
fn is_credentials_failure(err: &(dyn StdError + 'static)) -> bool {
    std::iter::successors(Some(err), |&e| e.source())
        .any(|e| e.is::<CredentialsError>() || e.is::<TokenError>())
}

/// Maps an SDK error of any Bedrock operation to the core error.
pub fn map_sdk_error<E>(err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    if let SdkError::ServiceError(ctx) = &err {
        let status = ctx.raw().status().as_u16();
        let request_id = ctx
            .raw()
            .headers()
            .get("x-amzn-requestid")
            .map(str::to_owned);
        let e = ctx.err();
        let code = e.code().map(str::to_owned);
        let message = e.message().map(str::to_owned).unwrap_or_else(|| {
            code.clone()
                .unwrap_or_else(|| format!("HTTP {status} with no message"))
        });
        return service_error(code, message, Some(status), request_id);
    }
    let (described, quoted_request) = describe(&err);
    // A body that failed or was refused while the backend read it reaches the SDK as a dispatch
    // failure, yet the request was sent.
    let reading = chain(&err).any(|e| e.is::<ResponseTooLarge>() || e.is::<ResponseBodyFailed>());
    let (what, timeout) = match &err {
        SdkError::TimeoutError(_) => ("the call timed out", true),
        SdkError::DispatchFailure(d) if reading => ("could not read the response", d.is_timeout()),
        SdkError::DispatchFailure(d) => ("could not send the request", d.is_timeout()),
        SdkError::ResponseError(_) => ("could not read the response", false),
        SdkError::ConstructionFailure(_) => ("could not build the request", false),
        _ => ("the call failed", false),
    };
    if is_credentials_failure(&err) {
        return Error::from_service(
            ErrorKind::Credentials,
            ServiceDetails::new(format!("{what}: {described}")),
        );
    }
    Error::Transport {
        message: format!("{what}: {described}"),
        timeout,
        attempts: None,
        // The SDK's error still quotes the request; whoever prints sources would print it.
        source: if quoted_request {
            None
        } else {
            Some(Box::new(err))
        },
    }
}

/// Maps an error that arrived inside a response stream.
pub fn map_stream_error(err: SdkError<ResponseStreamError, RawMessage>) -> Error {
    map_stream_error_for(err, None)
}

/// The exceptions of an event stream (InvokeModelWithResponseStream's or ConverseStream's).
pub(crate) trait StreamException:
    ProvideErrorMetadata + StdError + Send + Sync + 'static
{
    /// The Bedrock name and message of a modelled exception. The SDK leaves `code()` empty for
    /// these (the frame's payload is only `{"message": ...}`), so the variant is the reliable
    /// source.
    fn exception(&self) -> Option<(&'static str, Option<&str>)>;
}

impl StreamException for ResponseStreamError {
    fn exception(&self) -> Option<(&'static str, Option<&str>)> {
        Some(match self {
            ResponseStreamError::InternalServerException(x) => {
                ("InternalServerException", x.message())
            }
            ResponseStreamError::ModelStreamErrorException(x) => {
                ("ModelStreamErrorException", x.message())
            }
            ResponseStreamError::ValidationException(x) => ("ValidationException", x.message()),
            ResponseStreamError::ThrottlingException(x) => ("ThrottlingException", x.message()),
            ResponseStreamError::ModelTimeoutException(x) => ("ModelTimeoutException", x.message()),
            ResponseStreamError::ServiceUnavailableException(x) => {
                ("ServiceUnavailableException", x.message())
            }
            _ => return None,
        })
    }
}

impl StreamException for ConverseStreamOutputError {
    fn exception(&self) -> Option<(&'static str, Option<&str>)> {
        Some(match self {
            ConverseStreamOutputError::InternalServerException(x) => {
                ("InternalServerException", x.message())
            }
            ConverseStreamOutputError::ModelStreamErrorException(x) => {
                ("ModelStreamErrorException", x.message())
            }
            ConverseStreamOutputError::ValidationException(x) => {
                ("ValidationException", x.message())
            }
            ConverseStreamOutputError::ThrottlingException(x) => {
                ("ThrottlingException", x.message())
            }
            ConverseStreamOutputError::ServiceUnavailableException(x) => {
                ("ServiceUnavailableException", x.message())
            }
            _ => return None,
        })
    }
}

/// `:exception-type` of an exception frame (`throttlingException`), as Bedrock's type name
/// (`ThrottlingException`).
fn exception_type_header(raw: &RawMessage) -> Option<String> {
    let RawMessage::Decoded(message) = raw else {
        return None;
    };
    let value = message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == ":exception-type")?
        .value()
        .as_string()
        .ok()?
        .as_str();
    let mut chars = value.chars();
    let first = chars.next()?;
    Some(first.to_ascii_uppercase().to_string() + chars.as_str())
}

/// Maps an error that arrived inside a response stream, with the request id of the response
/// that carried the stream.
pub(crate) fn map_stream_error_for<E: StreamException>(
    err: SdkError<E, RawMessage>,
    request_id: Option<&str>,
) -> Error {
    match err {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let modelled = e.exception();
            let code = modelled
                .map(|(name, _)| name.to_owned())
                .or_else(|| e.code().map(str::to_owned))
                .or_else(|| exception_type_header(ctx.raw()));
            let message = modelled.and_then(|(_, m)| m).or_else(|| e.message());
            let message = message.map(str::to_owned).unwrap_or_else(|| {
                code.clone()
                    .unwrap_or_else(|| "stream error with no message".to_owned())
            });
            // The stream's HTTP status was 200; an exception frame has none of its own.
            service_error(code, message, None, request_id.map(str::to_owned))
        }
        other => Error::Transport {
            message: format!("the response stream broke: {}", describe(&other).0),
            timeout: false,
            attempts: None,
            source: Some(Box::new(other)),
        },
    }
}

fn service_error(
    code: Option<String>,
    message: String,
    status: Option<u16>,
    request_id: Option<String>,
) -> Error {
    let kind = code
        .as_deref()
        .and_then(ErrorKind::from_error_type)
        .or_else(|| status.map(Error::kind_for_status))
        .unwrap_or(ErrorKind::Internal);
    let mut details = ServiceDetails::new(message);
    details.status = status;
    details.request_id = request_id;
    details.error_type = code;
    Error::from_service(kind, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error whose message quotes a request, as the SDK's `ResolveEndpointError` does, with
    /// the cause as its source.
    #[derive(Debug)]
    struct Quoting(std::io::Error);

    impl fmt::Display for Quoting {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "failed to apply endpoint `not a url` to request `Request { body: SdkBody { \
                 inner: Once(Some(b\"{\\\"prompt\\\":\\\"SECRET\\\"}\")) } }`",
            )
        }
    }

    impl StdError for Quoting {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_quoted_request_is_left_out_and_the_cause_kept() {
        let err = Quoting(std::io::Error::other("invalid uri character"));
        let (text, cut) = describe(&err);
        assert!(cut);
        assert_eq!(
            text,
            "failed to apply endpoint `not a url`: invalid uri character"
        );
        assert!(!text.contains("SECRET"));
    }

    #[test]
    fn sources_are_joined_once_each() {
        let err = ResponseBodyFailed(Box::new(std::io::Error::other("connection reset")));
        assert_eq!(
            describe(&err),
            (
                "the response body could not be read: connection reset".to_owned(),
                false
            )
        );
        assert_eq!(before_quoted_request("plain text"), None);
    }
}
