//! Titan Image Generator G1 (v1 and v2): the `titan-image` text-to-image request body and
//! response.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{
    Error, ErrorKind, GeneratedImage, ImageFormat, ImageOutput, ImageRequest, Result,
    ServiceDetails, check_extra_keys,
};
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use crate::float::{check_range, wire_float};
use crate::models::IMAGE_API;

/// The `width x height` pairs Titan Image Generator accepts, as `(width, height)`.
pub const SUPPORTED_SIZES: &[(u32, u32)] = &[
    (1024, 1024),
    (768, 768),
    (512, 512),
    (768, 1152),
    (384, 576),
    (1152, 768),
    (576, 384),
    (768, 1280),
    (384, 640),
    (1280, 768),
    (640, 384),
    (896, 1152),
    (448, 576),
    (1152, 896),
    (576, 448),
    (768, 1408),
    (384, 704),
    (1408, 768),
    (704, 384),
    (640, 1408),
    (320, 704),
    (1408, 640),
    (704, 320),
    (1152, 640),
    (1173, 640),
];

/// The longest `text` and `negativeText`, in characters.
pub const MAX_PROMPT_CHARS: usize = 512;
/// The largest `seed`.
pub const MAX_SEED: u64 = 2_147_483_646;

/// The body of an InvokeModel text-to-image call to Titan Image Generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "TitanImageRequest")]
pub struct TitanImageRequest {
    /// The task; this adapter generates from text.
    pub task_type: TitanImageTaskType,
    /// The prompt and negative prompt.
    pub text_to_image_params: TextToImageParams,
    /// Size, count, guidance, seed and quality; the model's defaults where absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_generation_config: Option<ImageGenerationConfig>,
}

/// `taskType` of an image request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TitanImageTaskType {
    /// Generate an image from a text prompt.
    #[serde(rename = "TEXT_IMAGE")]
    TextImage,
}

/// `textToImageParams` of an image request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TextToImageParams {
    /// What to draw, 1..=512 characters.
    #[schemars(length(min = 1, max = 512))]
    pub text: String,
    /// What not to draw, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub negative_text: Option<String>,
}

/// Image quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImageQuality {
    /// The default.
    Standard,
    /// Higher quality, priced higher.
    Premium,
}

/// `imageGenerationConfig` of an image request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageGenerationConfig {
    /// How many images, 1..=5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 5))]
    pub number_of_images: Option<u32>,
    /// Height in pixels; with `width`, one of the supported pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = heights_enum)]
    pub height: Option<u32>,
    /// Width in pixels; with `height`, one of the supported pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = widths_enum)]
    pub width: Option<u32>,
    /// Prompt adherence, 1.1..=10.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1.1, max = 10.0))]
    pub cfg_scale: Option<f64>,
    /// Seed, 0..=2147483646.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483646))]
    pub seed: Option<u64>,
    /// `standard` or `premium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<ImageQuality>,
}

fn distinct(mut values: Vec<u32>) -> Vec<u32> {
    values.sort_unstable();
    values.dedup();
    values
}

fn widths() -> Vec<u32> {
    distinct(SUPPORTED_SIZES.iter().map(|&(w, _)| w).collect())
}

fn heights() -> Vec<u32> {
    distinct(SUPPORTED_SIZES.iter().map(|&(_, h)| h).collect())
}

fn widths_enum(schema: &mut Schema) {
    schema.insert("enum".to_owned(), serde_json::json!(widths()));
}

fn heights_enum(schema: &mut Schema) {
    schema.insert("enum".to_owned(), serde_json::json!(heights()));
}

fn join(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_prompt(field: &str, text: &str) -> Result<()> {
    let chars = text.chars().count();
    if (1..=MAX_PROMPT_CHARS).contains(&chars) {
        Ok(())
    } else {
        let value = if chars == 0 {
            "\"\"".to_owned()
        } else {
            format!("{chars} characters")
        };
        Err(Error::invalid(
            field,
            value,
            format!("1..={MAX_PROMPT_CHARS} characters"),
        ))
    }
}

impl TitanImageRequest {
    /// Checks every field, naming the first bad one by its path in the body.
    pub fn validate(&self) -> Result<()> {
        check_prompt("textToImageParams.text", &self.text_to_image_params.text)?;
        if let Some(negative) = &self.text_to_image_params.negative_text {
            check_prompt("textToImageParams.negativeText", negative)?;
        }
        let Some(config) = &self.image_generation_config else {
            return Ok(());
        };
        if let Some(n) = config.number_of_images
            && !(1..=5).contains(&n)
        {
            return Err(Error::invalid(
                "imageGenerationConfig.numberOfImages",
                n,
                "1..=5",
            ));
        }
        match (config.width, config.height) {
            (None, None) => {}
            (Some(w), None) => {
                return Err(Error::invalid(
                    "imageGenerationConfig.height",
                    "absent",
                    format!("set together with width ({w})"),
                ));
            }
            (None, Some(h)) => {
                return Err(Error::invalid(
                    "imageGenerationConfig.width",
                    "absent",
                    format!("set together with height ({h})"),
                ));
            }
            (Some(w), Some(h)) => {
                let heights_for_width: Vec<u32> = SUPPORTED_SIZES
                    .iter()
                    .filter(|&&(sw, _)| sw == w)
                    .map(|&(_, sh)| sh)
                    .collect();
                if heights_for_width.is_empty() {
                    return Err(Error::invalid(
                        "imageGenerationConfig.width",
                        w,
                        format!("one of: {}", join(&widths())),
                    ));
                }
                if !heights_for_width.contains(&h) {
                    return Err(Error::invalid(
                        "imageGenerationConfig.height",
                        h,
                        format!(
                            "with width {w}, one of: {}",
                            join(&distinct(heights_for_width))
                        ),
                    ));
                }
            }
        }
        if let Some(scale) = config.cfg_scale {
            check_range("imageGenerationConfig.cfgScale", scale, 1.1, 10.0)?;
        }
        if let Some(seed) = config.seed
            && seed > MAX_SEED
        {
            return Err(Error::invalid(
                "imageGenerationConfig.seed",
                seed,
                format!("0..={MAX_SEED}"),
            ));
        }
        Ok(())
    }

    /// The request for a neutral image request. `steps` is refused (Titan has no step count),
    /// `output_format` may only be PNG, and the one extra field is `quality`
    /// (`standard` or `premium`).
    pub fn from_neutral(request: &ImageRequest) -> Result<Self> {
        check_extra_keys(&request.extra, &["quality"], IMAGE_API)?;
        if let Some(steps) = request.steps {
            return Err(Error::invalid(
                "steps",
                steps,
                "not supported by Titan Image Generator (it has no step count)",
            ));
        }
        if let Some(format) = request.output_format
            && format != ImageFormat::Png
        {
            return Err(Error::invalid(
                "output_format",
                format.extension(),
                "png (Titan Image Generator returns PNG)",
            ));
        }
        let quality = match request.extra.get("quality") {
            None => None,
            Some(value) => Some(serde_json::from_value(value.clone()).map_err(|_| {
                Error::invalid(
                    "imageGenerationConfig.quality",
                    value,
                    "one of: standard, premium",
                )
            })?),
        };
        let config = ImageGenerationConfig {
            number_of_images: request.count,
            height: request.height,
            width: request.width,
            cfg_scale: request.cfg_scale.map(wire_float),
            seed: request.seed,
            quality,
        };
        Ok(TitanImageRequest {
            task_type: TitanImageTaskType::TextImage,
            text_to_image_params: TextToImageParams {
                text: request.prompt.clone(),
                negative_text: request.negative_prompt.clone(),
            },
            image_generation_config: (config != ImageGenerationConfig::default()).then_some(config),
        })
    }
}

/// The body of a Titan Image Generator response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TitanImageResponse {
    /// The images, base64-encoded PNGs.
    #[serde(default)]
    pub images: Vec<String>,
    /// Why no image was produced, when none was.
    #[serde(default)]
    pub error: Option<String>,
}

impl TitanImageResponse {
    /// The decoded images, each with the format its magic number says. A response with an
    /// `error` and no image is a model error.
    pub fn into_output(self) -> Result<ImageOutput> {
        if self.images.is_empty() {
            return match self.error {
                Some(message) if !message.is_empty() => Err(Error::from_service(
                    ErrorKind::ModelError,
                    ServiceDetails::new(message),
                )),
                _ => Err(Error::decode("Titan Image response has no images")),
            };
        }
        let images = self
            .images
            .iter()
            .enumerate()
            .map(|(i, encoded)| {
                let data = STANDARD.decode(encoded).map_err(|e| Error::Decode {
                    message: format!("Titan Image response: images[{i}] is not base64: {e}"),
                    source: Some(Box::new(e)),
                })?;
                let format = ImageFormat::sniff(&data).ok_or_else(|| {
                    Error::decode(format!(
                        "Titan Image response: images[{i}] is not a PNG, JPEG, GIF or WebP image"
                    ))
                })?;
                Ok(GeneratedImage {
                    format,
                    data,
                    seed: None,
                    finish_reason: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ImageOutput { images })
    }
}
