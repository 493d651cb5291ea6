#![doc = include_str!("../README.md")]

use std::sync::{Arc, LazyLock};

use bedrock_core::{
    Capabilities, Error, ModelAdapter, ModelId, ModelInput, ModelMatch, ModelOutput, ModelPattern,
    Registry, RequestBody, Result, StreamEvent,
};

/// Declares a closed set of string values of a request field: the enum, its wire spellings, the
/// list of every value (for error messages) and its JSON Schema (a string `enum`).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[doc = $doc])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in the order the documentation lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the request body spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The value for its request-body spelling (exact, case-sensitive).
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// Every spelling, comma-separated, as error messages list them.
            pub fn allowed() -> String {
                let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                format!("one of: {}", all.join(", "))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "enum": [$($wire),+],
                })
            }
        }
    };
}

mod extra;
mod image_data;
pub mod sd3;
pub mod sdxl;

pub use sd3::{AspectRatio, Sd3Mode, Sd3OutputFormat, Sd3Request, Sd3Response, Sd3Variant};
pub use sdxl::{
    ClipGuidancePreset, InitImageMode, Sampler, SdxlArtifact, SdxlRequest, SdxlResponse,
    StylePreset, TextPrompt,
};

/// The adapter's name in a [`Registry`].
pub const ADAPTER_NAME: &str = "stability";

/// The API of Stable Diffusion XL (`stability.stable-diffusion-xl-v1`, `-v0`): weighted
/// `text_prompts`, `artifacts` in the response.
pub const SDXL_API: &str = "stability-sdxl";

/// The API of Stable Diffusion 3 / 3.5 Large and Stable Image Ultra and Core: one `prompt`,
/// `images` / `finish_reasons` / `seeds` in the response.
pub const SD3_API: &str = "stability-sd3";

/// What both APIs can do: generate images, without streaming.
const IMAGE_ONLY: Capabilities = Capabilities {
    image: true,
    ..Capabilities::NONE
};

static PATTERNS: [ModelPattern; 4] = [
    ModelPattern {
        matches: ModelMatch::Prefix("stability.stable-diffusion-xl"),
        api: SDXL_API,
        capabilities: IMAGE_ONLY,
    },
    ModelPattern {
        matches: ModelMatch::Prefix("stability.sd3"),
        api: SD3_API,
        capabilities: IMAGE_ONLY,
    },
    ModelPattern {
        matches: ModelMatch::Prefix("stability.stable-image-ultra"),
        api: SD3_API,
        capabilities: IMAGE_ONLY,
    },
    ModelPattern {
        matches: ModelMatch::Prefix("stability.stable-image-core"),
        api: SD3_API,
        capabilities: IMAGE_ONLY,
    },
];

static SDXL_SCHEMA: LazyLock<schemars::Schema> = LazyLock::new(schema_for::<SdxlRequest>);
static SD3_SCHEMA: LazyLock<schemars::Schema> = LazyLock::new(schema_for::<Sd3Request>);

fn schema_for<T: schemars::JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}

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

    /// The pattern serving `model_id`, or the error saying this adapter does not serve it.
    fn served<'a>(&self, model_id: &'a ModelId) -> Result<(ModelPattern, &'a str)> {
        let base = model_id.base_model_id();
        match (self.pattern_for(model_id), base) {
            (Some(p), Some(base)) => Ok((*p, base)),
            _ => Err(Error::NoAdapter {
                model_id: model_id.to_string(),
                registered: vec![describe_patterns()],
            }),
        }
    }
}

fn describe_patterns() -> String {
    let ids: Vec<String> = PATTERNS
        .iter()
        .map(|p| match p.matches {
            ModelMatch::Exact(id) => id.to_owned(),
            ModelMatch::Prefix(pre) => format!("{pre}*"),
        })
        .collect();
    format!("{ADAPTER_NAME} ({})", ids.join(", "))
}

fn unsupported(operation: &str, api: &str, model_id: &ModelId) -> Error {
    Error::Unsupported {
        operation: operation.to_owned(),
        adapter: ADAPTER_NAME.to_owned(),
        api: api.to_owned(),
        model_id: model_id.to_string(),
    }
}

impl ModelAdapter for StabilityAdapter {
    fn name(&self) -> &str {
        ADAPTER_NAME
    }

    fn models(&self) -> &[ModelPattern] {
        &PATTERNS
    }

    fn request_schema(&self, api: &str) -> Option<schemars::Schema> {
        match api {
            SDXL_API => Some(SDXL_SCHEMA.clone()),
            SD3_API => Some(SD3_SCHEMA.clone()),
            _ => None,
        }
    }

    fn build_body(&self, model_id: &ModelId, input: &ModelInput) -> Result<RequestBody> {
        let (pattern, base) = self.served(model_id)?;
        let ModelInput::Image(request) = input else {
            return Err(unsupported(input.operation(), pattern.api, model_id));
        };
        let value = match pattern.api {
            SDXL_API => serde_json::to_value(SdxlRequest::from_image_request(request)?),
            _ => serde_json::to_value(Sd3Request::from_image_request(
                Sd3Variant::for_model(base),
                request,
            )?),
        }
        // The bodies are plain structs of strings and numbers, which always serialise; the
        // error is mapped only to keep this path free of panics.
        .map_err(|e| Error::decode_json("serialising the request body", e))?;
        Ok(RequestBody::json(&value))
    }

    fn parse_output(&self, model_id: &ModelId, body: &[u8]) -> Result<ModelOutput> {
        let (pattern, _) = self.served(model_id)?;
        let images = match pattern.api {
            SDXL_API => SdxlResponse::from_slice(body)?.into_image_output()?,
            _ => Sd3Response::from_slice(body)?.into_image_output()?,
        };
        Ok(ModelOutput::Images(images))
    }

    fn parse_stream_chunk(&self, model_id: &ModelId, _chunk: &[u8]) -> Result<Vec<StreamEvent>> {
        let (pattern, _) = self.served(model_id)?;
        Err(unsupported("streaming", pattern.api, model_id))
    }
}
