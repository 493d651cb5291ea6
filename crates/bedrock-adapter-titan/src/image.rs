//! Titan Image Generator G1 (v1 and v2): the `titan-image` request body of each task type
//! (text to image, inpainting, outpainting, image variation, and on v2 colour-guided
//! generation and background removal), built from a neutral image request and its `extra`
//! fields and validated; the response, turned into neutral images.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{
    Error, ErrorKind, ExtraFields, GeneratedImage, ImageFormat, ImageOutput, ImageRequest, Result,
    ServiceDetails, check_extra_keys,
};
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::float::{check_range, wire_float};
use crate::models::{IMAGE_API, ImageGeneratorVersion};
use crate::source_image::{self, SOURCE_IMAGE};

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

/// The longest `text`, `negativeText` and `maskPrompt`, in characters.
pub const MAX_PROMPT_CHARS: usize = 512;
/// The largest `seed`.
pub const MAX_SEED: u64 = 2_147_483_646;
/// The most images one request generates, and the most `imageVariationParams.images`.
pub const MAX_IMAGES: u32 = 5;
/// The most `colorGuidedGenerationParams.colors`.
pub const MAX_COLORS: usize = 10;
/// The longest side of a source image (`image`, `maskImage`, `images[]`, `referenceImage`),
/// in pixels: the documented "<= 1,408 on the longer side".
pub const MAX_SOURCE_SIDE: u32 = 1408;

/// The `extra` fields of a neutral image request, under their body names: `taskType` picks
/// the task, `quality` goes to `imageGenerationConfig`, the others fill the task's parameters.
pub const EXTRA_FIELDS: &[&str] = &[
    "taskType",
    "quality",
    "image",
    "maskPrompt",
    "maskImage",
    "returnMask",
    "outPaintingMode",
    "images",
    "similarityStrength",
    "colors",
    "referenceImage",
];

/// The body of an InvokeModel call to Titan Image Generator: `taskType`, the parameters object
/// of that task, and (except for background removal) `imageGenerationConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "taskType", deny_unknown_fields)]
#[schemars(title = "TitanImageRequest")]
pub enum TitanImageRequest {
    /// Generate an image from a text prompt.
    #[serde(rename = "TEXT_IMAGE", rename_all = "camelCase")]
    TextImage {
        /// The prompt and negative prompt.
        text_to_image_params: TextToImageParams,
        /// Size, count, guidance, seed and quality; the model's defaults where absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Change what is inside a mask of an image.
    #[serde(rename = "INPAINTING", rename_all = "camelCase")]
    InPainting {
        /// The image, the mask and the prompt.
        in_painting_params: InPaintingParams,
        /// Count, guidance, seed and quality; no size: the output keeps the image's size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("not" = {"anyOf": [{"required": ["width"]}, {"required": ["height"]}]}))]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Extend an image beyond a mask that keeps its subject.
    #[serde(rename = "OUTPAINTING", rename_all = "camelCase")]
    OutPainting {
        /// The image, the mask, the mode and the prompt.
        out_painting_params: OutPaintingParams,
        /// Count, guidance, seed and quality; no size: the output keeps the image's size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("not" = {"anyOf": [{"required": ["width"]}, {"required": ["height"]}]}))]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Generate variations of one to five images.
    #[serde(rename = "IMAGE_VARIATION", rename_all = "camelCase")]
    ImageVariation {
        /// The source images, how closely to follow them, and the prompt.
        image_variation_params: ImageVariationParams,
        /// Size, count, guidance, seed and quality; the model's defaults where absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Generate from a text prompt and a colour palette (v2 only).
    #[serde(rename = "COLOR_GUIDED_GENERATION", rename_all = "camelCase")]
    ColorGuidedGeneration {
        /// The prompt, the colours and an optional reference image.
        color_guided_generation_params: ColorGuidedGenerationParams,
        /// Size, count, guidance, seed and quality; the model's defaults where absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Make an image's background transparent (v2 only).
    #[serde(rename = "BACKGROUND_REMOVAL", rename_all = "camelCase")]
    BackgroundRemoval {
        /// The image.
        background_removal_params: BackgroundRemovalParams,
    },
}

/// `taskType` of an image request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TitanImageTaskType {
    /// Generate an image from a text prompt.
    #[serde(rename = "TEXT_IMAGE")]
    TextImage,
    /// Change what is inside a mask of an image.
    #[serde(rename = "INPAINTING")]
    InPainting,
    /// Extend an image beyond a mask that keeps its subject.
    #[serde(rename = "OUTPAINTING")]
    OutPainting,
    /// Generate variations of one to five images.
    #[serde(rename = "IMAGE_VARIATION")]
    ImageVariation,
    /// Generate from a text prompt and a colour palette (v2 only).
    #[serde(rename = "COLOR_GUIDED_GENERATION")]
    ColorGuidedGeneration,
    /// Make an image's background transparent (v2 only).
    #[serde(rename = "BACKGROUND_REMOVAL")]
    BackgroundRemoval,
}

impl TitanImageTaskType {
    /// Every task type, v1's first.
    pub const ALL: [TitanImageTaskType; 6] = [
        TitanImageTaskType::TextImage,
        TitanImageTaskType::InPainting,
        TitanImageTaskType::OutPainting,
        TitanImageTaskType::ImageVariation,
        TitanImageTaskType::ColorGuidedGeneration,
        TitanImageTaskType::BackgroundRemoval,
    ];

    /// The name in the body (`TEXT_IMAGE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TitanImageTaskType::TextImage => "TEXT_IMAGE",
            TitanImageTaskType::InPainting => "INPAINTING",
            TitanImageTaskType::OutPainting => "OUTPAINTING",
            TitanImageTaskType::ImageVariation => "IMAGE_VARIATION",
            TitanImageTaskType::ColorGuidedGeneration => "COLOR_GUIDED_GENERATION",
            TitanImageTaskType::BackgroundRemoval => "BACKGROUND_REMOVAL",
        }
    }

    /// Whether a model version takes the task: colour-guided generation and background removal
    /// are v2 only.
    pub fn supported_by(self, version: ImageGeneratorVersion) -> bool {
        version == ImageGeneratorVersion::V2
            || !matches!(
                self,
                TitanImageTaskType::ColorGuidedGeneration | TitanImageTaskType::BackgroundRemoval
            )
    }

    /// The `extra` fields (besides `taskType`) that the task has a place for.
    pub fn extra_fields(self) -> &'static [&'static str] {
        match self {
            TitanImageTaskType::TextImage => &["quality"],
            TitanImageTaskType::InPainting => {
                &["quality", "image", "maskPrompt", "maskImage", "returnMask"]
            }
            TitanImageTaskType::OutPainting => &[
                "quality",
                "image",
                "maskPrompt",
                "maskImage",
                "returnMask",
                "outPaintingMode",
            ],
            TitanImageTaskType::ImageVariation => &["quality", "images", "similarityStrength"],
            TitanImageTaskType::ColorGuidedGeneration => &["quality", "colors", "referenceImage"],
            TitanImageTaskType::BackgroundRemoval => &["image"],
        }
    }
}

/// The task types a model version takes, as an error's allowed values.
fn tasks_of(version: ImageGeneratorVersion) -> String {
    let names: Vec<&str> = TitanImageTaskType::ALL
        .iter()
        .filter(|task| task.supported_by(version))
        .map(|task| task.as_str())
        .collect();
    format!("one of: {}", names.join(", "))
}

/// `textToImageParams`.
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

/// `inPaintingParams`: exactly one of `maskPrompt` and `maskImage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["maskPrompt"]}, {"required": ["maskImage"]}]))]
pub struct InPaintingParams {
    /// The base64 PNG or JPEG to edit, at most 1,408 pixels a side.
    #[schemars(length(min = 1))]
    pub image: String,
    /// What to put inside the mask, 1..=512 characters; without it the model fills the mask
    /// with the surrounding background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub text: Option<String>,
    /// What not to draw, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub negative_text: Option<String>,
    /// The mask, described in words, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub mask_prompt: Option<String>,
    /// The mask, a base64 PNG or JPEG of the image's size: black (0 0 0) inside, white
    /// (255 255 255) outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub mask_image: Option<String>,
    /// Whether the response also carries the mask used (`false` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_mask: Option<bool>,
}

/// `outPaintingParams`: exactly one of `maskPrompt` and `maskImage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["maskPrompt"]}, {"required": ["maskImage"]}]))]
pub struct OutPaintingParams {
    /// The base64 PNG or JPEG to extend, at most 1,408 pixels a side.
    #[schemars(length(min = 1))]
    pub image: String,
    /// What to draw outside the mask, 1..=512 characters.
    #[schemars(length(min = 1, max = 512))]
    pub text: String,
    /// What not to draw, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub negative_text: Option<String>,
    /// The mask (the part of the image to keep), described in words, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub mask_prompt: Option<String>,
    /// The mask (the part of the image to keep), a base64 PNG or JPEG of the image's size:
    /// black (0 0 0) inside, white (255 255 255) outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub mask_image: Option<String>,
    /// Whether the response also carries the mask used (`false` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_mask: Option<bool>,
    /// Whether the inside of the mask may change (`DEFAULT`, the default) or not (`PRECISE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_painting_mode: Option<OutPaintingMode>,
}

/// `outPaintingParams.outPaintingMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutPaintingMode {
    /// The inside of the mask may change to match the new surroundings.
    Default,
    /// The inside of the mask is kept exactly.
    Precise,
}

/// `imageVariationParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageVariationParams {
    /// What to keep and what to change, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub text: Option<String>,
    /// What not to draw, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub negative_text: Option<String>,
    /// One to five base64 PNG or JPEG source images, each at most 1,408 pixels a side.
    #[schemars(length(min = 1, max = 5), inner(length(min = 1)))]
    pub images: Vec<String>,
    /// How closely to follow the sources, 0.2..=1.0 (0.7 by default); lower is more random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.2, max = 1.0))]
    pub similarity_strength: Option<f64>,
}

/// `colorGuidedGenerationParams` (v2 only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColorGuidedGenerationParams {
    /// What to draw, 1..=512 characters.
    #[schemars(length(min = 1, max = 512))]
    pub text: String,
    /// What not to draw, 1..=512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub negative_text: Option<String>,
    /// A base64 PNG or JPEG, at most 1,408 pixels a side, whose colours also guide the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub reference_image: Option<String>,
    /// One to ten colours, `#RRGGBB`.
    #[schemars(
        length(min = 1, max = 10),
        inner(regex(pattern = r"^#[0-9A-Fa-f]{6}$"))
    )]
    pub colors: Vec<String>,
}

/// `backgroundRemovalParams` (v2 only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackgroundRemovalParams {
    /// The base64 PNG or JPEG whose background goes, at most 1,408 pixels a side.
    #[schemars(length(min = 1))]
    pub image: String,
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
    /// Height in pixels; with `width`, one of the supported pairs. Not for inpainting and
    /// outpainting, whose output keeps the image's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = heights_enum)]
    pub height: Option<u32>,
    /// Width in pixels; with `height`, one of the supported pairs. Not for inpainting and
    /// outpainting, whose output keeps the image's size.
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

fn check_optional_prompt(field: &str, text: Option<&String>) -> Result<()> {
    text.map_or(Ok(()), |t| check_prompt(field, t))
}

/// Checks the source image at `field`, returning its size.
fn check_source(field: &str, b64: &str) -> Result<(u32, u32)> {
    source_image::check(field, b64, MAX_SOURCE_SIDE)
}

impl ImageGenerationConfig {
    /// Checks the fields; `sized` is false for the edit tasks whose output keeps the source
    /// image's size, where `width` and `height` would be ignored.
    fn validate(&self, sized: bool, task: TitanImageTaskType) -> Result<()> {
        if !sized {
            for (field, value) in [("width", self.width), ("height", self.height)] {
                if let Some(v) = value {
                    return Err(Error::invalid(
                        format!("imageGenerationConfig.{field}"),
                        v,
                        format!(
                            "unset for taskType {}: the output keeps the image's size",
                            task.as_str()
                        ),
                    ));
                }
            }
        }
        if let Some(n) = self.number_of_images
            && !(1..=MAX_IMAGES).contains(&n)
        {
            return Err(Error::invalid(
                "imageGenerationConfig.numberOfImages",
                n,
                format!("1..={MAX_IMAGES}"),
            ));
        }
        match (self.width, self.height) {
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
            (Some(w), Some(h)) => check_size(w, h)?,
        }
        if let Some(scale) = self.cfg_scale {
            check_range("imageGenerationConfig.cfgScale", scale, 1.1, 10.0)?;
        }
        if let Some(seed) = self.seed
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
}

/// Checks that `width x height` is one of [`SUPPORTED_SIZES`].
fn check_size(w: u32, h: u32) -> Result<()> {
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
    Ok(())
}

/// The fields inpainting and outpainting share: the image, exactly one of `maskPrompt` and
/// `maskImage` (an image of the same size), and the optional `negativeText`.
fn check_painting(
    prefix: &str,
    image: &str,
    mask_prompt: Option<&String>,
    mask_image: Option<&String>,
    negative_text: Option<&String>,
) -> Result<()> {
    let (width, height) = check_source(&format!("{prefix}.image"), image)?;
    match (mask_prompt, mask_image) {
        (Some(prompt), None) => check_prompt(&format!("{prefix}.maskPrompt"), prompt)?,
        (None, Some(mask)) => {
            let field = format!("{prefix}.maskImage");
            let (mask_width, mask_height) = check_source(&field, mask)?;
            if (mask_width, mask_height) != (width, height) {
                return Err(Error::invalid(
                    field,
                    format!("a {mask_width}x{mask_height} image"),
                    format!("{SOURCE_IMAGE} the size of image ({width}x{height})"),
                ));
            }
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                format!("{prefix}.maskImage"),
                "set with maskPrompt",
                "exactly one of maskPrompt and maskImage",
            ));
        }
        (None, None) => {
            return Err(Error::invalid(
                format!("{prefix}.maskPrompt"),
                "absent, and maskImage too",
                "exactly one of maskPrompt and maskImage",
            ));
        }
    }
    check_optional_prompt(&format!("{prefix}.negativeText"), negative_text)
}

impl TitanImageRequest {
    /// The `taskType` of the request.
    pub fn task_type(&self) -> TitanImageTaskType {
        match self {
            TitanImageRequest::TextImage { .. } => TitanImageTaskType::TextImage,
            TitanImageRequest::InPainting { .. } => TitanImageTaskType::InPainting,
            TitanImageRequest::OutPainting { .. } => TitanImageTaskType::OutPainting,
            TitanImageRequest::ImageVariation { .. } => TitanImageTaskType::ImageVariation,
            TitanImageRequest::ColorGuidedGeneration { .. } => {
                TitanImageTaskType::ColorGuidedGeneration
            }
            TitanImageRequest::BackgroundRemoval { .. } => TitanImageTaskType::BackgroundRemoval,
        }
    }

    /// Checks every field for the model behind `base_model_id`, naming the first bad one by
    /// its path in the body.
    pub fn validate(&self, base_model_id: &str) -> Result<()> {
        let task = self.task_type();
        let version = ImageGeneratorVersion::of(base_model_id);
        if !task.supported_by(version) {
            return Err(Error::invalid(
                "taskType",
                task.as_str(),
                format!("{} ({} takes no other)", tasks_of(version), version.name()),
            ));
        }
        let (config, sized) = match self {
            TitanImageRequest::TextImage {
                text_to_image_params: p,
                image_generation_config,
            } => {
                check_prompt("textToImageParams.text", &p.text)?;
                check_optional_prompt("textToImageParams.negativeText", p.negative_text.as_ref())?;
                (image_generation_config, true)
            }
            TitanImageRequest::InPainting {
                in_painting_params: p,
                image_generation_config,
            } => {
                let prefix = "inPaintingParams";
                check_painting(
                    prefix,
                    &p.image,
                    p.mask_prompt.as_ref(),
                    p.mask_image.as_ref(),
                    p.negative_text.as_ref(),
                )?;
                check_optional_prompt(&format!("{prefix}.text"), p.text.as_ref())?;
                (image_generation_config, false)
            }
            TitanImageRequest::OutPainting {
                out_painting_params: p,
                image_generation_config,
            } => {
                let prefix = "outPaintingParams";
                check_painting(
                    prefix,
                    &p.image,
                    p.mask_prompt.as_ref(),
                    p.mask_image.as_ref(),
                    p.negative_text.as_ref(),
                )?;
                check_prompt(&format!("{prefix}.text"), &p.text)?;
                (image_generation_config, false)
            }
            TitanImageRequest::ImageVariation {
                image_variation_params: p,
                image_generation_config,
            } => {
                p.validate()?;
                (image_generation_config, true)
            }
            TitanImageRequest::ColorGuidedGeneration {
                color_guided_generation_params: p,
                image_generation_config,
            } => {
                p.validate()?;
                (image_generation_config, true)
            }
            TitanImageRequest::BackgroundRemoval {
                background_removal_params: p,
            } => {
                return check_source("backgroundRemovalParams.image", &p.image).map(|_| ());
            }
        };
        config.as_ref().map_or(Ok(()), |c| c.validate(sized, task))
    }
}

impl ImageVariationParams {
    fn validate(&self) -> Result<()> {
        let prefix = "imageVariationParams";
        if !(1..=MAX_IMAGES as usize).contains(&self.images.len()) {
            return Err(Error::invalid(
                format!("{prefix}.images"),
                format!("{} images", self.images.len()),
                format!("1..={MAX_IMAGES} images"),
            ));
        }
        for (i, image) in self.images.iter().enumerate() {
            check_source(&format!("{prefix}.images[{i}]"), image)?;
        }
        if let Some(strength) = self.similarity_strength {
            check_range(&format!("{prefix}.similarityStrength"), strength, 0.2, 1.0)?;
        }
        check_optional_prompt(&format!("{prefix}.text"), self.text.as_ref())?;
        check_optional_prompt(
            &format!("{prefix}.negativeText"),
            self.negative_text.as_ref(),
        )
    }
}

impl ColorGuidedGenerationParams {
    fn validate(&self) -> Result<()> {
        let prefix = "colorGuidedGenerationParams";
        check_prompt(&format!("{prefix}.text"), &self.text)?;
        check_optional_prompt(
            &format!("{prefix}.negativeText"),
            self.negative_text.as_ref(),
        )?;
        if !(1..=MAX_COLORS).contains(&self.colors.len()) {
            return Err(Error::invalid(
                format!("{prefix}.colors"),
                format!("{} colours", self.colors.len()),
                format!("1..={MAX_COLORS} colours"),
            ));
        }
        for (i, colour) in self.colors.iter().enumerate() {
            let hex = colour.strip_prefix('#').unwrap_or_default();
            if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::invalid(
                    format!("{prefix}.colors[{i}]"),
                    format!("{colour:?}"),
                    "#RRGGBB, six hexadecimal digits",
                ));
            }
        }
        if let Some(image) = &self.reference_image {
            check_source(&format!("{prefix}.referenceImage"), image)?;
        }
        Ok(())
    }
}

/// One `extra` field as `T`, or `None` when absent; a value of another shape is named
/// `extra.KEY`, with what is allowed.
fn extra_field<T: DeserializeOwned>(
    extra: &ExtraFields,
    key: &str,
    allowed: &str,
) -> Result<Option<T>> {
    extra
        .get(key)
        .map(|value| {
            serde_json::from_value(value.clone())
                .map_err(|_| Error::invalid(format!("extra.{key}"), value, allowed))
        })
        .transpose()
}

/// A required `extra` field of `task`.
fn required_extra<T: DeserializeOwned>(
    extra: &ExtraFields,
    key: &str,
    allowed: &str,
    task: TitanImageTaskType,
) -> Result<T> {
    extra_field(extra, key, allowed)?.ok_or_else(|| {
        Error::invalid(
            format!("extra.{key}"),
            "absent",
            format!("{allowed}, required by taskType {}", task.as_str()),
        )
    })
}

/// The neutral prompt where the task's `text` is optional: an empty prompt leaves it out.
fn optional_prompt(request: &ImageRequest) -> Option<String> {
    (!request.prompt.is_empty()).then(|| request.prompt.clone())
}

/// `extra.taskType`, `TEXT_IMAGE` when absent.
fn task_of(extra: &ExtraFields) -> Result<TitanImageTaskType> {
    let all = TitanImageTaskType::ALL.map(TitanImageTaskType::as_str);
    extra_field(extra, "taskType", "")
        .map_err(|_| {
            Error::invalid(
                "extra.taskType",
                extra.get("taskType").unwrap_or(&Value::Null),
                format!("one of: {}", all.join(", ")),
            )
        })
        .map(|task| task.unwrap_or(TitanImageTaskType::TextImage))
}

/// `imageGenerationConfig` from the neutral count, size, guidance and seed and
/// `extra.quality`; `None` when none is set, so the model's defaults apply.
fn generation_config(request: &ImageRequest) -> Result<Option<ImageGenerationConfig>> {
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
    Ok((config != ImageGenerationConfig::default()).then_some(config))
}

impl TitanImageRequest {
    /// The request for a neutral image request to the model behind `base_model_id`.
    /// `extra.taskType` picks the task (`TEXT_IMAGE` when absent; `COLOR_GUIDED_GENERATION` and
    /// `BACKGROUND_REMOVAL` on v2 only); the task's other fields are `extra` fields under
    /// their body names, and `quality`. `steps` is refused (Titan has no step count),
    /// `output_format` may only be PNG, and a field the task has no place for is refused.
    pub fn from_neutral(request: &ImageRequest, base_model_id: &str) -> Result<Self> {
        let extra = &request.extra;
        check_extra_keys(extra, EXTRA_FIELDS, IMAGE_API)?;
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
        let task = task_of(extra)?;
        let version = ImageGeneratorVersion::of(base_model_id);
        if !task.supported_by(version) {
            return Err(Error::invalid(
                "extra.taskType",
                task.as_str(),
                format!(
                    "{} ({} takes no other; {} needs {})",
                    tasks_of(version),
                    version.name(),
                    task.as_str(),
                    ImageGeneratorVersion::V2.name()
                ),
            ));
        }
        let own = task.extra_fields();
        if let Some((key, value)) = extra
            .iter()
            .find(|(key, _)| key.as_str() != "taskType" && !own.contains(&key.as_str()))
        {
            return Err(Error::invalid(
                format!("extra.{key}"),
                value,
                format!("unset for taskType {}", task.as_str()),
            ));
        }
        let image = |key| required_extra(extra, key, SOURCE_IMAGE, task);
        let mask_prompt = || extra_field(extra, "maskPrompt", "a string of 1..=512 characters");
        let mask_image = || extra_field(extra, "maskImage", SOURCE_IMAGE);
        let return_mask = || extra_field(extra, "returnMask", "true or false");
        Ok(match task {
            TitanImageTaskType::TextImage => TitanImageRequest::TextImage {
                text_to_image_params: TextToImageParams {
                    text: request.prompt.clone(),
                    negative_text: request.negative_prompt.clone(),
                },
                image_generation_config: generation_config(request)?,
            },
            TitanImageTaskType::InPainting => TitanImageRequest::InPainting {
                in_painting_params: InPaintingParams {
                    image: image("image")?,
                    text: optional_prompt(request),
                    negative_text: request.negative_prompt.clone(),
                    mask_prompt: mask_prompt()?,
                    mask_image: mask_image()?,
                    return_mask: return_mask()?,
                },
                image_generation_config: generation_config(request)?,
            },
            TitanImageTaskType::OutPainting => TitanImageRequest::OutPainting {
                out_painting_params: OutPaintingParams {
                    image: image("image")?,
                    text: request.prompt.clone(),
                    negative_text: request.negative_prompt.clone(),
                    mask_prompt: mask_prompt()?,
                    mask_image: mask_image()?,
                    return_mask: return_mask()?,
                    out_painting_mode: extra_field(
                        extra,
                        "outPaintingMode",
                        "one of: DEFAULT, PRECISE",
                    )?,
                },
                image_generation_config: generation_config(request)?,
            },
            TitanImageTaskType::ImageVariation => TitanImageRequest::ImageVariation {
                image_variation_params: ImageVariationParams {
                    text: optional_prompt(request),
                    negative_text: request.negative_prompt.clone(),
                    images: required_extra(
                        extra,
                        "images",
                        "an array of 1..=5 base64-encoded PNG or JPEG images",
                        task,
                    )?,
                    similarity_strength: extra_field(
                        extra,
                        "similarityStrength",
                        "a number in 0.2..=1.0",
                    )?,
                },
                image_generation_config: generation_config(request)?,
            },
            TitanImageTaskType::ColorGuidedGeneration => TitanImageRequest::ColorGuidedGeneration {
                color_guided_generation_params: ColorGuidedGenerationParams {
                    text: request.prompt.clone(),
                    negative_text: request.negative_prompt.clone(),
                    reference_image: extra_field(extra, "referenceImage", SOURCE_IMAGE)?,
                    colors: required_extra(
                        extra,
                        "colors",
                        "an array of 1..=10 #RRGGBB colours",
                        task,
                    )?,
                },
                image_generation_config: generation_config(request)?,
            },
            TitanImageTaskType::BackgroundRemoval => Self::background_removal(request)?,
        })
    }

    /// Background removal takes an image and nothing else: every neutral field that would
    /// shape the output is refused rather than dropped.
    fn background_removal(request: &ImageRequest) -> Result<Self> {
        let task = TitanImageTaskType::BackgroundRemoval;
        let unset = "unset for taskType BACKGROUND_REMOVAL: it takes only extra.image";
        if !request.prompt.is_empty() {
            let prompt = format!("{:?}", request.prompt);
            return Err(Error::invalid("prompt", prompt, format!("\"\": {unset}")));
        }
        let neutral: [(&str, Option<String>); 6] = [
            ("negative_prompt", request.negative_prompt.clone()),
            ("width", request.width.map(|v| v.to_string())),
            ("height", request.height.map(|v| v.to_string())),
            ("count", request.count.map(|v| v.to_string())),
            ("seed", request.seed.map(|v| v.to_string())),
            ("cfg_scale", request.cfg_scale.map(|v| v.to_string())),
        ];
        if let Some((field, value)) = neutral.iter().find_map(|(f, v)| v.as_ref().map(|v| (f, v))) {
            return Err(Error::invalid(*field, value, unset));
        }
        Ok(TitanImageRequest::BackgroundRemoval {
            background_removal_params: BackgroundRemovalParams {
                image: required_extra(&request.extra, "image", SOURCE_IMAGE, task)?,
            },
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
