//! Retry classification the SDK lacks for Bedrock. `ModelTimeoutException` (HTTP 408) is not
//! modelled as retryable and 408 is not a transient status for the SDK's standard classifiers,
//! so without this the SDK would give up after one attempt while the backend reports the error
//! as retryable ([`bedrock_core::ErrorKind::ModelTimeout`]). Installed on every runtime client
//! the backend uses, it makes the SDK's one retry loop agree with the error kinds.

use std::fmt;
use std::marker::PhantomData;

use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, SharedRetryClassifier,
};

/// The error code Bedrock sends in `x-amzn-ErrorType` for a model that ran out of time.
const MODEL_TIMEOUT: &str = "ModelTimeoutException";

/// Classifies a `ModelTimeoutException` from an operation whose error type is `E` as a
/// transient error; says nothing about any other outcome, so the SDK's own classifiers decide.
pub(crate) struct ModelTimeoutIsTransient<E>(PhantomData<fn() -> E>);

impl<E> fmt::Debug for ModelTimeoutIsTransient<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModelTimeoutIsTransient")
    }
}

impl<E> ClassifyRetry for ModelTimeoutIsTransient<E>
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(error)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        match error
            .as_operation_error()
            .and_then(|e| e.downcast_ref::<E>())
        {
            Some(e) if e.code() == Some(MODEL_TIMEOUT) => RetryAction::transient_error(),
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "bedrock ModelTimeoutException is transient"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// The classifiers for the runtime operations the backend calls.
pub(crate) fn runtime_classifiers() -> [SharedRetryClassifier; 2] {
    use aws_sdk_bedrockruntime::operation::{
        invoke_model::InvokeModelError,
        invoke_model_with_response_stream::InvokeModelWithResponseStreamError,
    };
    [
        SharedRetryClassifier::new(ModelTimeoutIsTransient::<InvokeModelError>(PhantomData)),
        SharedRetryClassifier::new(
            ModelTimeoutIsTransient::<InvokeModelWithResponseStreamError>(PhantomData),
        ),
    ]
}
