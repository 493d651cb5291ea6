#![doc = include_str!("../README.md")]
// Model ids and bodies from callers and the network reach this crate's parsers: nothing they steer
// may panic. Tests may. Each `allow` names why its panic cannot happen.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

pub mod adapter;
pub mod backend;
pub mod batch;
pub mod catalog;
pub mod connector;
pub mod converse;
pub mod error;
mod generated;
pub mod history;
pub mod layers;
pub mod model_id;
pub mod model_io;
pub mod preflight;
pub mod profiles;
pub mod registry;
pub mod types;

pub use adapter::{
    Capabilities, ModelAdapter, ModelMatch, ModelPattern, RequestBody, Route, check_extra_keys,
    decode_json, request_schema,
};
pub use backend::{Backend, ChunkStream, InvokeModelStreamResponse};
pub use batch::{
    AsyncInvoke, AsyncInvokeStatus, BatchInput, BatchJobStatus, BatchManifest, BatchOutput,
    BatchRecordError, BatchRecordResult, CreateModelInvocationJobRequest, ListAsyncInvokesRequest,
    ListAsyncInvokesResponse, ListModelInvocationJobsRequest, ListModelInvocationJobsResponse,
    ModelInvocationJob, S3Uri, StartAsyncInvokeRequest,
};
pub use catalog::{
    CatalogModel, CatalogProfile, CustomizationType, InferenceType, LifecycleStatus, Modality,
    ParseRegionError, ProfileGeo, Region,
};
pub use connector::{Connector, ConnectorBuilder, EventStream, Invocation, InvocationStream};
pub use converse::tools::{Tool as TypedTool, ToolLoopOptions, Toolbox};
pub use error::{BoxError, Error, ErrorKind, InvalidField, Result, ServiceDetails};
pub use history::{
    NewPrompt, PromptHistory, PromptId, PromptIdError, PromptOutcome, PromptRecord, PromptStatus,
};
pub use layers::{HistoryLayer, TracingLayer};
pub use model_id::{ModelId, ModelIdError, ModelIdKind};
pub use model_io::{
    ChatMessage, ChatRequest, ContentPart, EmbeddingOutput, EmbeddingRequest, ExtraFields,
    GeneratedImage, ImageFormat, ImageOutput, ImageRequest, InferenceParams, ModelInput,
    ModelOutput, RerankOutput, RerankRequest, RerankResult, Role, StopReason, StreamEvent,
    TextAccumulator, TextOutput, TextRequest, Usage, image_dimensions,
};
pub use preflight::{Preflight, PreflightDecision, ProfileRouting};
pub use profiles::{
    InferenceProfile, InferenceProfileType, ListInferenceProfilesRequest,
    ListInferenceProfilesResponse, ProvisionedModelThroughput,
};
pub use registry::{PreparedCall, Registry, Resolved};
pub use types::{
    CallMetadata, GuardrailConfig, InvocationMetrics, InvokeModelGenericRequest,
    InvokeModelGenericResponse, InvokeModelRequest, InvokeModelResponse, InvokeOptions,
    ListFoundationModelsRequest, ListFoundationModelsResponse, ModelSummary, StreamChunk, Trace,
};

#[cfg(any(test, feature = "mock"))]
pub use backend::MockBackend;
#[cfg(any(test, feature = "mock"))]
pub use history::MockPromptHistory;

#[cfg(test)]
mod connector_tests;
