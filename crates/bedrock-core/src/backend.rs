//! The `Backend` seam: something that answers Bedrock's control-plane and runtime calls.

use std::fmt::Debug;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;

use crate::batch::{
    AsyncInvoke, CreateModelInvocationJobRequest, ListAsyncInvokesRequest,
    ListAsyncInvokesResponse, ListModelInvocationJobsRequest, ListModelInvocationJobsResponse,
    ModelInvocationJob, StartAsyncInvokeRequest,
};
use crate::catalog::Region;
use crate::converse::{
    ConverseCall, ConverseReply, ConverseStreamReply, CountTokensCall, CountTokensResponse,
};
use crate::error::{Error, Result};
use crate::history::PromptId;
use crate::model_id::ModelId;
use crate::profiles::{
    InferenceProfile, ListInferenceProfilesRequest, ListInferenceProfilesResponse,
    ProvisionedModelThroughput,
};
use crate::types::{
    InvokeModelRequest, InvokeModelResponse, ListFoundationModelsRequest,
    ListFoundationModelsResponse, ModelSummary, StreamChunk,
};

/// A response stream: chunks in order, then the end. A failure mid-stream is an `Err` item,
/// after which the stream ends.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<StreamChunk>> + Send + 'static>>;

/// The answer to InvokeModelWithResponseStream: the chunks, and the saved prompt when the call
/// asked for one (its row is completed when the stream ends).
pub struct InvokeModelStreamResponse {
    /// The chunks.
    pub chunks: ChunkStream,
    /// The saved prompt, when the call asked for it.
    pub prompt_id: Option<PromptId>,
}

impl InvokeModelStreamResponse {
    /// A response of these chunks, with nothing saved.
    pub fn new(chunks: ChunkStream) -> Self {
        InvokeModelStreamResponse {
            chunks,
            prompt_id: None,
        }
    }
}

impl Debug for InvokeModelStreamResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvokeModelStreamResponse")
            .field("prompt_id", &self.prompt_id)
            .finish_non_exhaustive()
    }
}

/// Answers Bedrock's calls: the AWS SDK against the real service or the emulator, or the
/// deterministic in-process simulator.
///
/// Object-safe; the connector holds an `Arc<dyn Backend>`. Retries, if any, happen inside a
/// backend (the AWS backend uses the SDK's retry loop); errors that reach the caller are final.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait::async_trait]
pub trait Backend: Debug + Send + Sync + 'static {
    /// A short name for logs (`aws`, `mock`).
    fn name(&self) -> &str;

    /// ListFoundationModels in `region`.
    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse>;

    /// GetFoundationModel in `region`.
    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary>;

    /// InvokeModel.
    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse>;

    /// InvokeModelWithResponseStream.
    async fn invoke_model_stream(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse>;

    /// Converse. Backends written before Converse existed answer [`Error::NotImplemented`].
    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        let _ = call;
        Err(Error::not_implemented(self.name(), "converse"))
    }

    /// ConverseStream. Backends written before Converse existed answer
    /// [`Error::NotImplemented`].
    async fn converse_stream(&self, call: ConverseCall) -> Result<ConverseStreamReply> {
        let _ = call;
        Err(Error::not_implemented(self.name(), "converse_stream"))
    }

    /// CountTokens. Backends written before CountTokens existed answer
    /// [`Error::NotImplemented`].
    async fn count_tokens(&self, call: CountTokensCall) -> Result<CountTokensResponse> {
        let _ = call;
        Err(Error::not_implemented(self.name(), "count_tokens"))
    }

    /// ListInferenceProfiles in `region`, every page. Backends written before profiles existed
    /// answer [`Error::NotImplemented`].
    async fn list_inference_profiles(
        &self,
        region: Region,
        request: &ListInferenceProfilesRequest,
    ) -> Result<ListInferenceProfilesResponse> {
        let _ = (region, request);
        Err(Error::not_implemented(
            self.name(),
            "list_inference_profiles",
        ))
    }

    /// GetInferenceProfile in `region`: a profile id or ARN (system-defined or application).
    /// Backends written before profiles existed answer [`Error::NotImplemented`].
    async fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<InferenceProfile> {
        let _ = (region, identifier);
        Err(Error::not_implemented(self.name(), "get_inference_profile"))
    }

    /// GetProvisionedModelThroughput in `region`: a provisioned model's name or ARN. Backends
    /// written before provisioned throughput existed answer [`Error::NotImplemented`].
    async fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<ProvisionedModelThroughput> {
        let _ = (region, identifier);
        Err(Error::not_implemented(
            self.name(),
            "get_provisioned_model_throughput",
        ))
    }

    /// CreateModelInvocationJob in `region`: starts a batch job; answers its ARN. Backends
    /// written before batch jobs existed answer [`Error::NotImplemented`].
    async fn create_model_invocation_job(
        &self,
        region: Region,
        request: &CreateModelInvocationJobRequest,
    ) -> Result<String> {
        let _ = (region, request);
        Err(Error::not_implemented(
            self.name(),
            "create_model_invocation_job",
        ))
    }

    /// GetModelInvocationJob in `region`: a job by ARN or id, with its status and record
    /// counts. Backends written before batch jobs existed answer [`Error::NotImplemented`].
    async fn get_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<ModelInvocationJob> {
        let _ = (region, job_identifier);
        Err(Error::not_implemented(
            self.name(),
            "get_model_invocation_job",
        ))
    }

    /// ListModelInvocationJobs in `region`: one page, filtered. Backends written before batch
    /// jobs existed answer [`Error::NotImplemented`].
    async fn list_model_invocation_jobs(
        &self,
        region: Region,
        request: &ListModelInvocationJobsRequest,
    ) -> Result<ListModelInvocationJobsResponse> {
        let _ = (region, request);
        Err(Error::not_implemented(
            self.name(),
            "list_model_invocation_jobs",
        ))
    }

    /// StopModelInvocationJob in `region`. Backends written before batch jobs existed answer
    /// [`Error::NotImplemented`].
    async fn stop_model_invocation_job(&self, region: Region, job_identifier: &str) -> Result<()> {
        let _ = (region, job_identifier);
        Err(Error::not_implemented(
            self.name(),
            "stop_model_invocation_job",
        ))
    }

    /// StartAsyncInvoke in `region`: answers the invocation's ARN. Backends written before
    /// async invoke existed answer [`Error::NotImplemented`].
    async fn start_async_invoke(
        &self,
        region: Region,
        request: &StartAsyncInvokeRequest,
    ) -> Result<String> {
        let _ = (region, request);
        Err(Error::not_implemented(self.name(), "start_async_invoke"))
    }

    /// GetAsyncInvoke in `region`, by invocation ARN. Backends written before async invoke
    /// existed answer [`Error::NotImplemented`].
    async fn get_async_invoke(&self, region: Region, invocation_arn: &str) -> Result<AsyncInvoke> {
        let _ = (region, invocation_arn);
        Err(Error::not_implemented(self.name(), "get_async_invoke"))
    }

    /// ListAsyncInvokes in `region`: one page, filtered. Backends written before async invoke
    /// existed answer [`Error::NotImplemented`].
    async fn list_async_invokes(
        &self,
        region: Region,
        request: &ListAsyncInvokesRequest,
    ) -> Result<ListAsyncInvokesResponse> {
        let _ = (region, request);
        Err(Error::not_implemented(self.name(), "list_async_invokes"))
    }
}

#[async_trait::async_trait]
impl<T: Backend + ?Sized> Backend for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        (**self).list_foundation_models(region, request).await
    }
    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        (**self).get_foundation_model(region, model_id).await
    }
    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        (**self).invoke_model(request).await
    }
    async fn invoke_model_stream(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        (**self).invoke_model_stream(request).await
    }
    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        (**self).converse(call).await
    }
    async fn converse_stream(&self, call: ConverseCall) -> Result<ConverseStreamReply> {
        (**self).converse_stream(call).await
    }
    async fn count_tokens(&self, call: CountTokensCall) -> Result<CountTokensResponse> {
        (**self).count_tokens(call).await
    }
    async fn list_inference_profiles(
        &self,
        region: Region,
        request: &ListInferenceProfilesRequest,
    ) -> Result<ListInferenceProfilesResponse> {
        (**self).list_inference_profiles(region, request).await
    }
    async fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<InferenceProfile> {
        (**self).get_inference_profile(region, identifier).await
    }
    async fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<ProvisionedModelThroughput> {
        (**self)
            .get_provisioned_model_throughput(region, identifier)
            .await
    }
    async fn create_model_invocation_job(
        &self,
        region: Region,
        request: &CreateModelInvocationJobRequest,
    ) -> Result<String> {
        (**self).create_model_invocation_job(region, request).await
    }
    async fn get_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<ModelInvocationJob> {
        (**self)
            .get_model_invocation_job(region, job_identifier)
            .await
    }
    async fn list_model_invocation_jobs(
        &self,
        region: Region,
        request: &ListModelInvocationJobsRequest,
    ) -> Result<ListModelInvocationJobsResponse> {
        (**self).list_model_invocation_jobs(region, request).await
    }
    async fn stop_model_invocation_job(&self, region: Region, job_identifier: &str) -> Result<()> {
        (**self)
            .stop_model_invocation_job(region, job_identifier)
            .await
    }
    async fn start_async_invoke(
        &self,
        region: Region,
        request: &StartAsyncInvokeRequest,
    ) -> Result<String> {
        (**self).start_async_invoke(region, request).await
    }
    async fn get_async_invoke(&self, region: Region, invocation_arn: &str) -> Result<AsyncInvoke> {
        (**self).get_async_invoke(region, invocation_arn).await
    }
    async fn list_async_invokes(
        &self,
        region: Region,
        request: &ListAsyncInvokesRequest,
    ) -> Result<ListAsyncInvokesResponse> {
        (**self).list_async_invokes(region, request).await
    }
}
