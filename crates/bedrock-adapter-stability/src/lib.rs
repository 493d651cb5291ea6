#![doc = include_str!("../README.md")]
// Response bodies from the network reach this crate's parsers: nothing they steer may panic. Tests
// may.
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

#[macro_use]
mod wire_enum;

mod extra;
mod image_data;
pub mod models;
pub mod sd3;
pub mod sdxl;

use std::sync::Arc;

use bedrock_core::{
    ModelAdapter, ModelInput, ModelOutput, ModelPattern, Registry, RequestBody, Result, Route,
    StreamEvent, request_schema,
};

pub use models::{SD3_API, SDXL_API, Sd3Variant};
pub use sd3::{AspectRatio, Sd3Mode, Sd3OutputFormat, Sd3Request, Sd3Response};
pub use sdxl::{
    ClipGuidancePreset, InitImageMode, Sampler, SdxlArtifact, SdxlRequest, SdxlResponse,
    StylePreset, TextPrompt,
};

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "stability";

/// Registers a [`StabilityAdapter`] under the name `stability`, replacing any adapter of that name.
pub fn register(registry: &Registry) {
    registry.register(Arc::new(StabilityAdapter::new()));
}

/// Builds and parses the bodies of Stability AI's image models on Bedrock.
///
/// Two APIs: [`SDXL_API`] for `stability.stable-diffusion-xl*` and [`SD3_API`] for
/// `stability.sd3*`, `stability.stable-image-ultra*` and `stability.stable-image-core*`. Only
/// [`ModelInput::Image`] is accepted; nothing streams.
#[derive(Debug, Clone, Copy, Default)]
pub struct StabilityAdapter;

impl StabilityAdapter {
    /// The adapter.
    pub fn new() -> Self {
        StabilityAdapter
    }
}

impl ModelAdapter for StabilityAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        models::MODEL_PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        match api {
            SDXL_API => Some(request_schema::<SdxlRequest>()),
            SD3_API => Some(request_schema::<Sd3Request>()),
            _ => None,
        }
    }

    fn build_body(&self, route: &Route, input: &ModelInput) -> Result<RequestBody> {
        match (route.api(), input) {
            (SDXL_API, ModelInput::Image(request)) => {
                RequestBody::json(&SdxlRequest::from_image_request(request)?)
            }
            (SD3_API, ModelInput::Image(request)) => {
                let variant = Sd3Variant::for_model(&route.base_model_id);
                RequestBody::json(&Sd3Request::from_image_request(variant, request)?)
            }
            _ => Err(route.unsupported(input.operation())),
        }
    }

    fn parse_output(&self, route: &Route, body: &[u8]) -> Result<ModelOutput> {
        let images = match route.api() {
            SDXL_API => SdxlResponse::from_slice(body)?.into_image_output()?,
            SD3_API => Sd3Response::from_slice(body)?.into_image_output()?,
            _ => return Err(route.unsupported("parsing a response")),
        };
        Ok(ModelOutput::Images(images))
    }

    fn parse_stream_chunk(&self, route: &Route, _chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        Err(route.unsupported("streaming"))
    }
}
