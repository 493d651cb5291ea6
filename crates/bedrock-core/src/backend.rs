//! The `Backend` seam: something that answers Bedrock's control-plane and runtime calls.

use std::fmt::Debug;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;

use crate::catalog::Region;
use crate::error::Result;
use crate::history::PromptId;
use crate::model_id::ModelId;
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
}
