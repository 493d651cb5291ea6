//! Mapping of the SDK's `SdkError` onto the core's error kinds, keeping Bedrock's message, error
//! type, HTTP status and request id.

use std::error::Error as StdError;

use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::types::error::ResponseStreamError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::event_stream::RawMessage;
use bedrock_core::{Error, ErrorKind, ServiceDetails};

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
    let described = DisplayErrorContext(&err).to_string();
    let (what, timeout) = match &err {
        SdkError::TimeoutError(_) => ("the call timed out", true),
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
        source: Some(Box::new(err)),
    }
}

/// Maps an error that arrived inside a response stream.
pub fn map_stream_error(err: SdkError<ResponseStreamError, RawMessage>) -> Error {
    map_stream_error_for(err, None)
}

/// The Bedrock name and message of a modelled stream exception. The SDK leaves `code()` empty
/// for these (the frame's payload is only `{"message": ...}`), so the variant is the reliable
/// source.
fn stream_exception(e: &ResponseStreamError) -> Option<(&'static str, Option<&str>)> {
    Some(match e {
        ResponseStreamError::InternalServerException(x) => ("InternalServerException", x.message()),
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
pub(crate) fn map_stream_error_for(
    err: SdkError<ResponseStreamError, RawMessage>,
    request_id: Option<&str>,
) -> Error {
    match err {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let modelled = stream_exception(e);
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
            message: format!("the response stream broke: {}", DisplayErrorContext(&other)),
            timeout: false,
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
