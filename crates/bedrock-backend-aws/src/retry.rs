//! The retry classification the SDK lacks for Bedrock. `ModelTimeoutException` (HTTP 408) is
//! not modelled as retryable and 408 is not a transient status for the SDK's standard
//! classifiers, so without this the SDK would give up after one attempt while the backend
//! reports the error as retryable ([`bedrock_core::ErrorKind::ModelTimeout`]). Installed on
//! every runtime client the backend uses, it makes the SDK's one retry loop agree with the error
//! kinds.

use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamError;
use aws_sdk_bedrockruntime::operation::count_tokens::CountTokensError;
use aws_sdk_bedrockruntime::operation::invoke_model::InvokeModelError;
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::InvokeModelWithResponseStreamError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};

/// The error code Bedrock sends in `x-amzn-ErrorType` for a model that ran out of time.
const MODEL_TIMEOUT: &str = "ModelTimeoutException";

/// Classifies a `ModelTimeoutException` from InvokeModel, InvokeModelWithResponseStream,
/// Converse, ConverseStream or CountTokens as a transient error; says nothing about any other
/// outcome, so the SDK's own classifiers decide.
#[derive(Debug)]
pub(crate) struct ModelTimeoutIsTransient;

impl ClassifyRetry for ModelTimeoutIsTransient {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(error)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let Some(error) = error.as_operation_error() else {
            return RetryAction::NoActionIndicated;
        };
        let code = if let Some(e) = error.downcast_ref::<InvokeModelError>() {
            e.code()
        } else if let Some(e) = error.downcast_ref::<InvokeModelWithResponseStreamError>() {
            e.code()
        } else if let Some(e) = error.downcast_ref::<ConverseError>() {
            e.code()
        } else if let Some(e) = error.downcast_ref::<ConverseStreamError>() {
            e.code()
        } else if let Some(e) = error.downcast_ref::<CountTokensError>() {
            e.code()
        } else {
            None
        };
        if code == Some(MODEL_TIMEOUT) {
            RetryAction::transient_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "bedrock runtime (ModelTimeoutException is transient)"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}
