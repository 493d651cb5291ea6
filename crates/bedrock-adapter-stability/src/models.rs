//! Which Stability AI model ids the adapter serves, through which API, and what sets the models
//! of one API apart.

use bedrock_core::{Capabilities, ModelMatch, ModelPattern};

use crate::sd3::Sd3OutputFormat;

/// The API of Stable Diffusion XL (`stability.stable-diffusion-xl-v1`, `-v0`): weighted
/// `text_prompts`, `artifacts` in the response.
pub const SDXL_API: &str = "stability-sdxl";

/// The API of Stable Diffusion 3 / 3.5 Large and Stable Image Ultra and Core: one `prompt`,
/// `images` / `finish_reasons` / `seeds` in the response.
pub const SD3_API: &str = "stability-sd3";

/// Every API of the adapter.
pub const APIS: &[&str] = &[SDXL_API, SD3_API];

/// What both APIs can do: generate images, without streaming.
const IMAGE_ONLY: Capabilities = Capabilities {
    image: true,
    ..Capabilities::NONE
};

const fn pattern(matches: ModelMatch, api: &'static str) -> ModelPattern {
    ModelPattern {
        matches,
        api,
        capabilities: IMAGE_ONLY,
    }
}

/// The ids the adapter serves. The Stable Image prefixes name Ultra and Core only, so the other
/// Stability services on Bedrock (`stability.stable-image-inpaint`, `-remove-background`, ...),
/// whose bodies differ, are not claimed.
pub static MODEL_PATTERNS: &[ModelPattern] = &[
    pattern(
        ModelMatch::Prefix("stability.stable-diffusion-xl"),
        SDXL_API,
    ),
    pattern(ModelMatch::Prefix("stability.sd3"), SD3_API),
    pattern(ModelMatch::Prefix("stability.stable-image-ultra"), SD3_API),
    pattern(ModelMatch::Prefix("stability.stable-image-core"), SD3_API),
];

/// Which models of the [`SD3_API`] a request is for: they differ in what they take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sd3Variant {
    /// Stable Diffusion 3 Large and 3.5 Large (`stability.sd3*`): text-to-image and
    /// image-to-image; JPEG or PNG output.
    Sd3,
    /// Stable Image Ultra and Core (`stability.stable-image-*`): text-to-image only; JPEG, PNG
    /// or WebP output.
    StableImage,
}

impl Sd3Variant {
    /// The variant for a bare model id of this API.
    pub fn for_model(base_model_id: &str) -> Sd3Variant {
        if base_model_id.starts_with("stability.sd3") {
            Sd3Variant::Sd3
        } else {
            Sd3Variant::StableImage
        }
    }

    /// The output formats the variant returns.
    pub fn output_formats(self) -> &'static [Sd3OutputFormat] {
        match self {
            Sd3Variant::Sd3 => &[Sd3OutputFormat::Jpeg, Sd3OutputFormat::Png],
            Sd3Variant::StableImage => Sd3OutputFormat::ALL,
        }
    }

    /// Whether the variant has an image-to-image mode.
    pub fn has_image_to_image(self) -> bool {
        self == Sd3Variant::Sd3
    }

    /// The models' names, as error messages give them.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Sd3Variant::Sd3 => "Stable Diffusion 3 Large / 3.5 Large",
            Sd3Variant::StableImage => "Stable Image Ultra / Core",
        }
    }
}
