//! `MockBackend`: the simulator behind `bedrock_core::Backend`, for in-process use.

use bedrock_core::converse::{
    ConverseCall, ConverseReply, ConverseStreamReply, CountTokensCall, CountTokensResponse,
};
use bedrock_core::{
    Backend, CallMetadata, Error, InvokeModelRequest, InvokeModelResponse,
    InvokeModelStreamResponse, ListFoundationModelsRequest, ListFoundationModelsResponse, ModelId,
    ModelSummary, Region, Result, StreamChunk,
};
use futures::StreamExt as _;

use crate::config::SimulatorConfig;
use crate::converse::{SimConverseEvent, SimConverseRequest, SimCountTokensRequest};
use crate::fault::Operation;
use crate::simulator::{SimChunk, SimRequest, Simulator};

/// A [`Backend`] answered by a [`Simulator`] in the same process: no network, no credentials,
/// deterministic answers, scripted faults.
#[derive(Debug, Clone)]
pub struct MockBackend {
    sim: Simulator,
}

impl MockBackend {
    /// A backend over a new simulator with `config`.
    pub fn new(config: SimulatorConfig) -> Self {
        MockBackend {
            sim: Simulator::new(config),
        }
    }

    /// The simulator, to script faults and read the request log.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }
}

impl Default for MockBackend {
    fn default() -> Self {
        MockBackend::new(SimulatorConfig::default())
    }
}

impl From<Simulator> for MockBackend {
    fn from(sim: Simulator) -> Self {
        MockBackend { sim }
    }
}

fn sim_request(request: InvokeModelRequest, operation: Operation) -> SimRequest {
    SimRequest {
        operation,
        model_id: request.model_id.as_str().to_owned(),
        region: request.region,
        body: request.body,
        content_type: Some(request.content_type),
        accept: Some(request.accept),
        attempt: None,
    }
}

#[async_trait::async_trait]
impl Backend for MockBackend {
    fn name(&self) -> &str {
        "mock"
    }

    async fn list_foundation_models(
        &self,
        region: Region,
        request: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse> {
        self.sim.list_foundation_models_async(region, request).await
    }

    async fn get_foundation_model(
        &self,
        region: Region,
        model_id: &ModelId,
    ) -> Result<ModelSummary> {
        self.sim
            .get_foundation_model_async(region, model_id.as_str())
            .await
    }

    async fn list_inference_profiles(
        &self,
        region: Region,
        request: &bedrock_core::ListInferenceProfilesRequest,
    ) -> Result<bedrock_core::ListInferenceProfilesResponse> {
        Ok(self.sim.list_inference_profiles(region, request))
    }

    async fn get_inference_profile(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<bedrock_core::InferenceProfile> {
        self.sim.get_inference_profile(region, identifier)
    }

    async fn get_provisioned_model_throughput(
        &self,
        region: Region,
        identifier: &str,
    ) -> Result<bedrock_core::ProvisionedModelThroughput> {
        self.sim
            .get_provisioned_model_throughput(region, identifier)
    }

    async fn invoke_model(&self, request: InvokeModelRequest) -> Result<InvokeModelResponse> {
        let response = self
            .sim
            .invoke(sim_request(request, Operation::Invoke))
            .await?;
        // In process there is no transport to retry over: every call is one attempt.
        let metadata = CallMetadata {
            request_id: Some(response.request_id),
            latency: response.latency,
            input_tokens: Some(response.input_tokens),
            output_tokens: response.output_tokens,
            cache_read_input_tokens: None,
            cache_write_input_tokens: None,
            attempts: Some(1),
        };
        Ok(InvokeModelResponse::new(
            response.body,
            response.content_type,
            metadata,
        ))
    }

    async fn invoke_model_stream(
        &self,
        request: InvokeModelRequest,
    ) -> Result<InvokeModelStreamResponse> {
        let stream = self
            .sim
            .invoke_stream(sim_request(request, Operation::InvokeStream))
            .await?;
        // Stop after the first failure, whatever follows it.
        let stream = stream
            .scan(false, |failed, item| {
                if *failed {
                    return futures::future::ready(None);
                }
                let mapped = match item {
                    Ok(SimChunk::Chunk(bytes)) => Ok(StreamChunk { bytes }),
                    Ok(SimChunk::Truncate) => Err(Error::transport(
                        "the connection closed before the response stream ended",
                        None,
                    )),
                    Err(e) => Err(e),
                };
                *failed = mapped.is_err();
                futures::future::ready(Some(mapped))
            })
            .boxed();
        Ok(InvokeModelStreamResponse::new(stream))
    }

    async fn converse(&self, call: ConverseCall) -> Result<ConverseReply> {
        let answer = self.sim.converse(sim_converse(call)).await?;
        let mut reply = ConverseReply::new(answer.response);
        reply.metadata.request_id = Some(answer.request_id);
        // In process there is no transport to retry over: every call is one attempt.
        reply.metadata.attempts = Some(1);
        Ok(reply)
    }

    async fn converse_stream(&self, call: ConverseCall) -> Result<ConverseStreamReply> {
        let answer = self.sim.converse_stream(sim_converse(call)).await?;
        // Stop after the first failure, whatever follows it.
        let events = answer
            .stream
            .scan(false, |failed, item| {
                if *failed {
                    return futures::future::ready(None);
                }
                let mapped = match item {
                    Ok(SimConverseEvent::Event(event)) => Ok(event),
                    Ok(SimConverseEvent::Truncate) => Err(Error::transport(
                        "the connection closed before the response stream ended",
                        None,
                    )),
                    Err(e) => Err(e),
                };
                *failed = mapped.is_err();
                futures::future::ready(Some(mapped))
            })
            .boxed();
        let mut reply = ConverseStreamReply::new(events);
        reply.request_id = Some(answer.request_id);
        Ok(reply)
    }

    async fn count_tokens(&self, call: CountTokensCall) -> Result<CountTokensResponse> {
        let body_len = serde_json::to_vec(&call.request).map_or(0, |b| b.len());
        let mut request =
            SimCountTokensRequest::new(call.model_id.as_str(), call.region, call.request);
        request.body_len = body_len;
        self.sim.count_tokens(request).await
    }
}

/// The simulator's view of a Converse call, with the length its JSON body would have.
fn sim_converse(call: ConverseCall) -> SimConverseRequest {
    let body_len = serde_json::to_vec(&call.request).map_or(0, |b| b.len());
    let mut request = SimConverseRequest::new(call.model_id.as_str(), call.region, call.request);
    request.body_len = body_len;
    request
}
