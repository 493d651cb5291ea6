//! The `nova-canvas` API of Nova Canvas: the request body of each task type (text to image,
//! colour-guided generation, image variation, inpainting, outpainting, background removal),
//! built from a neutral image request and its `extra` fields and validated; the response,
//! turned into neutral images.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{
    Error, ErrorKind, ExtraFields, GeneratedImage, ImageFormat, ImageOutput, ImageRequest, Result,
    ServiceDetails, check_extra_keys, image_dimensions,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::CANVAS_API;

/// The `extra` fields the body takes, under their body names: `taskType` picks the task, the
/// others fill its parameters or `imageGenerationConfig.quality`.
pub const EXTRA_FIELDS: &[&str] = &[
    "taskType",
    "quality",
    "style",
    "conditionImage",
    "controlMode",
    "controlStrength",
    "colors",
    "referenceImage",
    "images",
    "similarityStrength",
    "image",
    "maskPrompt",
    "maskImage",
    "outPaintingMode",
];

/// The longest `text`, `negativeText` and `maskPrompt`, in characters.
pub const MAX_PROMPT_CHARS: usize = 1024;
/// The shortest side of a generated image, in pixels.
pub const MIN_SIDE: u32 = 320;
/// The longest side of a generated or source image, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// Generated sides are multiples of this.
pub const SIDE_STEP: u32 = 16;
/// The most pixels of a generated or source image (2048 × 2048).
pub const MAX_PIXELS: u64 = 4_194_304;
/// The widest aspect ratio, as `n` for 1:n and n:1.
pub const MAX_ASPECT: u32 = 4;
/// The largest `seed`.
pub const MAX_SEED: u64 = 858_993_459;
/// The most images one request generates, and the most `imageVariationParams.images`.
pub const MAX_IMAGES: u32 = 5;
/// The most `colorGuidedGenerationParams.colors`.
pub const MAX_COLORS: usize = 10;

/// The body of an InvokeModel call to Nova Canvas: `taskType`, the parameters object of that
/// task, and (except for background removal) `imageGenerationConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "taskType", deny_unknown_fields)]
#[schemars(title = "NovaCanvasRequest")]
pub enum NovaCanvasRequest {
    /// Generate from a text prompt, optionally following a condition image's layout.
    #[serde(rename = "TEXT_IMAGE", rename_all = "camelCase")]
    TextImage {
        /// The prompt and its options.
        text_to_image_params: TextToImageParams,
        /// Size, count, guidance, seed and quality; the model's defaults where absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Generate from a text prompt with a colour palette.
    #[serde(rename = "COLOR_GUIDED_GENERATION", rename_all = "camelCase")]
    ColorGuidedGeneration {
        /// The prompt, the colours and an optional reference image.
        color_guided_generation_params: ColorGuidedGenerationParams,
        /// Size, count, guidance, seed and quality; the model's defaults where absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Generate from one to five reference images and an optional prompt.
    #[serde(rename = "IMAGE_VARIATION", rename_all = "camelCase")]
    ImageVariation {
        /// The reference images, how closely to follow them, and the prompt.
        image_variation_params: ImageVariationParams,
        /// Size, count, guidance, seed and quality; the model's defaults where absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Change what is inside a mask of an image.
    #[serde(rename = "INPAINTING", rename_all = "camelCase")]
    InPainting {
        /// The image, the mask and the prompt.
        in_painting_params: InPaintingParams,
        /// Count, guidance, seed and quality; the output keeps the image's size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Change what is outside a mask of an image.
    #[serde(rename = "OUTPAINTING", rename_all = "camelCase")]
    OutPainting {
        /// The image, the mask, the mode and the prompt.
        out_painting_params: OutPaintingParams,
        /// Count, guidance, seed and quality; the output keeps the image's size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_generation_config: Option<ImageGenerationConfig>,
    },
    /// Make an image's background transparent.
    #[serde(rename = "BACKGROUND_REMOVAL", rename_all = "camelCase")]
    BackgroundRemoval {
        /// The image.
        background_removal_params: BackgroundRemovalParams,
    },
}

/// The task types, as `extra.taskType` names them.
pub const TASK_TYPES: &[&str] = &[
    "TEXT_IMAGE",
    "COLOR_GUIDED_GENERATION",
    "IMAGE_VARIATION",
    "INPAINTING",
    "OUTPAINTING",
    "BACKGROUND_REMOVAL",
];

/// `textToImageParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TextToImageParams {
    /// What to draw, 1..=1024 characters.
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub text: String,
    /// What not to draw, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub negative_text: Option<String>,
    /// A visual style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<CanvasStyle>,
    /// A base64 PNG or JPEG whose layout the image follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub condition_image: Option<String>,
    /// How `conditionImage` guides the layout (`CANNY_EDGE` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_mode: Option<ControlMode>,
    /// How strongly `conditionImage` guides the layout, 0.0..=1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub control_strength: Option<f32>,
}

/// `textToImageParams.style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CanvasStyle {
    /// 3D animation, as in family films.
    #[serde(rename = "3D_ANIMATED_FAMILY_FILM")]
    AnimatedFamilyFilm3d,
    /// A designer's pencil sketch.
    DesignSketch,
    /// Flat vector illustration.
    FlatVectorIllustration,
    /// Graphic-novel illustration.
    GraphicNovelIllustration,
    /// Maximalism: dense, bold, ornate.
    Maximalism,
    /// Mid-century retro.
    MidcenturyRetro,
    /// Photorealism.
    Photorealism,
    /// Soft digital painting.
    SoftDigitalPainting,
}

/// `textToImageParams.controlMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlMode {
    /// Follow the condition image's edges.
    CannyEdge,
    /// Follow the condition image's segmentation.
    Segmentation,
}

/// `colorGuidedGenerationParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColorGuidedGenerationParams {
    /// What to draw, 1..=1024 characters.
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub text: String,
    /// What not to draw, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub negative_text: Option<String>,
    /// One to ten colours, `#RRGGBB`.
    #[schemars(length(min = 1, max = MAX_COLORS), inner(regex(pattern = r"^#[0-9A-Fa-f]{6}$")))]
    pub colors: Vec<String>,
    /// A base64 PNG or JPEG whose colours also guide the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub reference_image: Option<String>,
}

/// `imageVariationParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageVariationParams {
    /// One to five base64 PNG or JPEG reference images.
    #[schemars(length(min = 1, max = MAX_IMAGES), inner(length(min = 1)))]
    pub images: Vec<String>,
    /// How closely to follow the references, 0.2..=1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.2, max = 1.0))]
    pub similarity_strength: Option<f32>,
    /// What to draw, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub text: Option<String>,
    /// What not to draw, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub negative_text: Option<String>,
}

/// `inPaintingParams`: exactly one of `maskPrompt` and `maskImage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InPaintingParams {
    /// The base64 PNG or JPEG to edit.
    #[schemars(length(min = 1))]
    pub image: String,
    /// What to put inside the mask, 1..=1024 characters; without it the masked object goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub text: Option<String>,
    /// What not to draw, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub negative_text: Option<String>,
    /// The mask, described in words, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub mask_prompt: Option<String>,
    /// The mask, a base64 PNG or JPEG of the image's size: black inside, white outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub mask_image: Option<String>,
}

/// `outPaintingParams`: exactly one of `maskPrompt` and `maskImage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutPaintingParams {
    /// The base64 PNG or JPEG to edit.
    #[schemars(length(min = 1))]
    pub image: String,
    /// What to put outside the mask, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub text: Option<String>,
    /// What not to draw, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub negative_text: Option<String>,
    /// The mask, described in words, 1..=1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PROMPT_CHARS), regex(pattern = r"\S"))]
    pub mask_prompt: Option<String>,
    /// The mask, a base64 PNG or JPEG of the image's size: black inside, white outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub mask_image: Option<String>,
    /// How strictly the masked area is kept (`DEFAULT` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_painting_mode: Option<OutPaintingMode>,
}

/// `outPaintingParams.outPaintingMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutPaintingMode {
    /// Blend the masked area with the new content.
    Default,
    /// Keep the masked area exactly.
    Precise,
}

/// `backgroundRemovalParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackgroundRemovalParams {
    /// The base64 PNG or JPEG whose background goes.
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

/// `imageGenerationConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageGenerationConfig {
    /// Width in pixels: 320..=4096, a multiple of 16; set with `height`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = MIN_SIDE, max = MAX_SIDE), extend("multipleOf" = SIDE_STEP))]
    pub width: Option<u32>,
    /// Height in pixels: 320..=4096, a multiple of 16; set with `width`. At most 4,194,304
    /// pixels in all, and an aspect ratio between 1:4 and 4:1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = MIN_SIDE, max = MAX_SIDE), extend("multipleOf" = SIDE_STEP))]
    pub height: Option<u32>,
    /// `standard` (the default) or `premium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<ImageQuality>,
    /// Prompt adherence, 1.1..=10.0 (default 6.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1.1, max = 10.0))]
    pub cfg_scale: Option<f32>,
    /// Seed, 0..=858993459.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_SEED))]
    pub seed: Option<u64>,
    /// How many images, 1..=5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = MAX_IMAGES))]
    pub number_of_images: Option<u32>,
}

fn check_text(field: &str, text: &str) -> Result<()> {
    let chars = text.chars().count();
    if (1..=MAX_PROMPT_CHARS).contains(&chars) && !text.trim().is_empty() {
        return Ok(());
    }
    let value = if chars > MAX_PROMPT_CHARS {
        format!("{chars} characters")
    } else {
        format!("{text:?}")
    };
    Err(Error::invalid(
        field,
        value,
        format!("1..={MAX_PROMPT_CHARS} characters, not blank"),
    ))
}

fn check_optional_text(field: &str, text: Option<&String>) -> Result<()> {
    text.map_or(Ok(()), |t| check_text(field, t))
}

/// Checks a base64 source image at `field`: a PNG or JPEG whose header gives its size, each
/// side 1..=4096 pixels and at most 4,194,304 pixels in all.
fn check_source_image(field: &str, b64: &str) -> Result<()> {
    let allowed = "a base64-encoded PNG or JPEG image";
    let shown = || format!("{} characters", b64.chars().count());
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| Error::invalid(field, format!("{}, not base64", shown()), allowed))?;
    let format = ImageFormat::sniff(&bytes);
    if !matches!(format, Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        let what = format.map_or("not an image", ImageFormat::media_type);
        return Err(Error::invalid(
            field,
            format!("{}, {what}", shown()),
            allowed,
        ));
    }
    let Some((width, height)) = image_dimensions(&bytes) else {
        return Err(Error::invalid(
            field,
            format!("{}, a header without a size", shown()),
            allowed,
        ));
    };
    let pixels = u64::from(width) * u64::from(height);
    if !(1..=MAX_SIDE).contains(&width) || !(1..=MAX_SIDE).contains(&height) || pixels > MAX_PIXELS
    {
        return Err(Error::invalid(
            field,
            format!("a {width}x{height} image"),
            format!("each side 1..={MAX_SIDE} pixels, at most {MAX_PIXELS} pixels in all"),
        ));
    }
    Ok(())
}

impl ImageGenerationConfig {
    /// Checks the fields; `sized` is false for the edit tasks, whose output keeps the source
    /// image's size.
    fn validate(&self, sized: bool, task: &str) -> Result<()> {
        if !sized {
            for (field, value) in [("width", self.width), ("height", self.height)] {
                if let Some(v) = value {
                    return Err(Error::invalid(
                        format!("imageGenerationConfig.{field}"),
                        v,
                        format!("unset for {task}: the output keeps the source image's size"),
                    ));
                }
            }
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
        if let Some(scale) = self.cfg_scale
            && !(1.1..=10.0).contains(&scale)
        {
            return Err(Error::invalid(
                "imageGenerationConfig.cfgScale",
                scale,
                "1.1..=10.0",
            ));
        }
        if let Some(seed) = self.seed.filter(|s| *s > MAX_SEED) {
            return Err(Error::invalid(
                "imageGenerationConfig.seed",
                seed,
                format!("0..={MAX_SEED}"),
            ));
        }
        if let Some(n) = self
            .number_of_images
            .filter(|n| !(1..=MAX_IMAGES).contains(n))
        {
            return Err(Error::invalid(
                "imageGenerationConfig.numberOfImages",
                n,
                format!("1..={MAX_IMAGES}"),
            ));
        }
        Ok(())
    }
}

/// Nova Canvas's size rules for a generated image.
fn check_size(width: u32, height: u32) -> Result<()> {
    let side = format!("{MIN_SIDE}..={MAX_SIDE}, a multiple of {SIDE_STEP}");
    for (field, v) in [("width", width), ("height", height)] {
        if !(MIN_SIDE..=MAX_SIDE).contains(&v) || v % SIDE_STEP != 0 {
            return Err(Error::invalid(
                format!("imageGenerationConfig.{field}"),
                v,
                side,
            ));
        }
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(Error::invalid(
            "imageGenerationConfig.height",
            format!("{height} ({width}x{height} is {pixels} pixels)"),
            format!("at most {MAX_PIXELS} pixels in all"),
        ));
    }
    if width > height * MAX_ASPECT || height > width * MAX_ASPECT {
        return Err(Error::invalid(
            "imageGenerationConfig.height",
            format!("{height} (with width {width})"),
            format!("an aspect ratio between 1:{MAX_ASPECT} and {MAX_ASPECT}:1"),
        ));
    }
    Ok(())
}

/// The fields inpainting and outpainting share: the image, the optional `text` and
/// `negativeText`, and exactly one of `maskPrompt` and `maskImage`.
fn check_painting(
    prefix: &str,
    image: &str,
    [text, negative_text]: [Option<&String>; 2],
    mask_prompt: Option<&String>,
    mask_image: Option<&String>,
) -> Result<()> {
    check_source_image(&format!("{prefix}.image"), image)?;
    check_optional_text(&format!("{prefix}.text"), text)?;
    check_optional_text(&format!("{prefix}.negativeText"), negative_text)?;
    check_mask(prefix, mask_prompt, mask_image)
}

fn check_mask(
    prefix: &str,
    mask_prompt: Option<&String>,
    mask_image: Option<&String>,
) -> Result<()> {
    match (mask_prompt, mask_image) {
        (Some(prompt), None) => check_text(&format!("{prefix}.maskPrompt"), prompt),
        (None, Some(image)) => check_source_image(&format!("{prefix}.maskImage"), image),
        (Some(_), Some(_)) => Err(Error::invalid(
            format!("{prefix}.maskImage"),
            "set with maskPrompt",
            "exactly one of maskPrompt and maskImage",
        )),
        (None, None) => Err(Error::invalid(
            format!("{prefix}.maskPrompt"),
            "absent, and maskImage too",
            "exactly one of maskPrompt and maskImage",
        )),
    }
}

impl NovaCanvasRequest {
    /// The `taskType` of the request.
    pub fn task_type(&self) -> &'static str {
        match self {
            NovaCanvasRequest::TextImage { .. } => "TEXT_IMAGE",
            NovaCanvasRequest::ColorGuidedGeneration { .. } => "COLOR_GUIDED_GENERATION",
            NovaCanvasRequest::ImageVariation { .. } => "IMAGE_VARIATION",
            NovaCanvasRequest::InPainting { .. } => "INPAINTING",
            NovaCanvasRequest::OutPainting { .. } => "OUTPAINTING",
            NovaCanvasRequest::BackgroundRemoval { .. } => "BACKGROUND_REMOVAL",
        }
    }

    /// Checks every field, naming the first bad one by its path in the body.
    pub fn validate(&self) -> Result<()> {
        let task = self.task_type();
        let (config, sized) = match self {
            NovaCanvasRequest::TextImage {
                text_to_image_params: p,
                image_generation_config,
            } => {
                p.validate()?;
                (image_generation_config, true)
            }
            NovaCanvasRequest::ColorGuidedGeneration {
                color_guided_generation_params: p,
                image_generation_config,
            } => {
                p.validate()?;
                (image_generation_config, true)
            }
            NovaCanvasRequest::ImageVariation {
                image_variation_params: p,
                image_generation_config,
            } => {
                p.validate()?;
                (image_generation_config, true)
            }
            NovaCanvasRequest::InPainting {
                in_painting_params: p,
                image_generation_config,
            } => {
                check_painting(
                    "inPaintingParams",
                    &p.image,
                    [p.text.as_ref(), p.negative_text.as_ref()],
                    p.mask_prompt.as_ref(),
                    p.mask_image.as_ref(),
                )?;
                (image_generation_config, false)
            }
            NovaCanvasRequest::OutPainting {
                out_painting_params: p,
                image_generation_config,
            } => {
                check_painting(
                    "outPaintingParams",
                    &p.image,
                    [p.text.as_ref(), p.negative_text.as_ref()],
                    p.mask_prompt.as_ref(),
                    p.mask_image.as_ref(),
                )?;
                (image_generation_config, false)
            }
            NovaCanvasRequest::BackgroundRemoval {
                background_removal_params: p,
            } => {
                return check_source_image("backgroundRemovalParams.image", &p.image);
            }
        };
        config.as_ref().map_or(Ok(()), |c| c.validate(sized, task))
    }
}

impl TextToImageParams {
    fn validate(&self) -> Result<()> {
        check_text("textToImageParams.text", &self.text)?;
        check_optional_text(
            "textToImageParams.negativeText",
            self.negative_text.as_ref(),
        )?;
        match &self.condition_image {
            Some(image) => check_source_image("textToImageParams.conditionImage", image)?,
            None => {
                if let Some(mode) = self.control_mode {
                    return Err(Error::invalid(
                        "textToImageParams.controlMode",
                        serde_json::to_string(&mode).unwrap_or_default(),
                        "unset without conditionImage",
                    ));
                }
                if let Some(strength) = self.control_strength {
                    return Err(Error::invalid(
                        "textToImageParams.controlStrength",
                        strength,
                        "unset without conditionImage",
                    ));
                }
            }
        }
        if let Some(strength) = self.control_strength
            && !(0.0..=1.0).contains(&strength)
        {
            return Err(Error::invalid(
                "textToImageParams.controlStrength",
                strength,
                "0.0..=1.0",
            ));
        }
        Ok(())
    }
}

impl ColorGuidedGenerationParams {
    fn validate(&self) -> Result<()> {
        let prefix = "colorGuidedGenerationParams";
        check_text(&format!("{prefix}.text"), &self.text)?;
        check_optional_text(
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
            check_source_image(&format!("{prefix}.referenceImage"), image)?;
        }
        Ok(())
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
            check_source_image(&format!("{prefix}.images[{i}]"), image)?;
        }
        if let Some(strength) = self.similarity_strength
            && !(0.2..=1.0).contains(&strength)
        {
            return Err(Error::invalid(
                format!("{prefix}.similarityStrength"),
                strength,
                "0.2..=1.0",
            ));
        }
        check_optional_text(&format!("{prefix}.text"), self.text.as_ref())?;
        check_optional_text(
            &format!("{prefix}.negativeText"),
            self.negative_text.as_ref(),
        )
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

/// Refuses every `extra` field in `keys` that `task` has no place for.
fn refuse_extras(extra: &ExtraFields, keys: &[&str], task: &str) -> Result<()> {
    match keys.iter().find_map(|k| extra.get(*k).map(|v| (k, v))) {
        None => Ok(()),
        Some((key, value)) => Err(Error::invalid(
            format!("extra.{key}"),
            value,
            format!("unset for taskType {task}"),
        )),
    }
}

/// A required `extra` field of `task`.
fn required_extra<T: DeserializeOwned>(
    extra: &ExtraFields,
    key: &str,
    allowed: &str,
    task: &str,
) -> Result<T> {
    extra_field(extra, key, allowed)?.ok_or_else(|| {
        Error::invalid(
            format!("extra.{key}"),
            "absent",
            format!("{allowed}, required by taskType {task}"),
        )
    })
}

/// The neutral prompt where the task's `text` is optional: an empty prompt leaves it out.
fn optional_prompt(request: &ImageRequest) -> Option<String> {
    (!request.prompt.is_empty()).then(|| request.prompt.clone())
}

const IMAGE_B64: &str = "a base64-encoded PNG or JPEG image";

impl NovaCanvasRequest {
    /// The request for a neutral image request. `extra.taskType` picks the task
    /// (`TEXT_IMAGE` when absent); the other `extra` fields are the task's parameters under
    /// their body names, and `quality`. `steps` is refused (Nova Canvas has no step count),
    /// `output_format` may only be PNG, and a field the task has no place for is refused.
    pub fn from_neutral(request: &ImageRequest) -> Result<Self> {
        let extra = &request.extra;
        check_extra_keys(extra, EXTRA_FIELDS, CANVAS_API)?;
        if let Some(steps) = request.steps {
            return Err(Error::invalid(
                "steps",
                steps,
                "unset: Nova Canvas has no step count",
            ));
        }
        if let Some(format) = request.output_format
            && format != ImageFormat::Png
        {
            return Err(Error::invalid(
                "output_format",
                format.extension(),
                "png: Nova Canvas returns PNG images",
            ));
        }
        let task: String = extra_field(extra, "taskType", "one of the task types")
            .map_err(|_| task_type_error(extra))?
            .unwrap_or_else(|| "TEXT_IMAGE".to_owned());
        let body = match task.as_str() {
            "TEXT_IMAGE" => Self::text_image(request)?,
            "COLOR_GUIDED_GENERATION" => Self::color_guided(request)?,
            "IMAGE_VARIATION" => Self::variation(request)?,
            "INPAINTING" | "OUTPAINTING" => Self::painting(request, &task)?,
            "BACKGROUND_REMOVAL" => Self::background_removal(request)?,
            _ => return Err(task_type_error(extra)),
        };
        body.validate().map(|()| body)
    }

    fn text_image(request: &ImageRequest) -> Result<Self> {
        let extra = &request.extra;
        let task = "TEXT_IMAGE";
        refuse_extras(
            extra,
            &["colors", "referenceImage", "images", "similarityStrength"],
            task,
        )?;
        refuse_extras(
            extra,
            &["image", "maskPrompt", "maskImage", "outPaintingMode"],
            task,
        )?;
        Ok(NovaCanvasRequest::TextImage {
            text_to_image_params: TextToImageParams {
                text: request.prompt.clone(),
                negative_text: request.negative_prompt.clone(),
                style: extra_field(extra, "style", &style_names())?,
                condition_image: extra_field(extra, "conditionImage", IMAGE_B64)?,
                control_mode: extra_field(
                    extra,
                    "controlMode",
                    "one of: CANNY_EDGE, SEGMENTATION",
                )?,
                control_strength: extra_field(extra, "controlStrength", "a number in 0.0..=1.0")?,
            },
            image_generation_config: generation_config(request)?,
        })
    }

    fn color_guided(request: &ImageRequest) -> Result<Self> {
        let extra = &request.extra;
        let task = "COLOR_GUIDED_GENERATION";
        refuse_extras(
            extra,
            &["style", "conditionImage", "controlMode", "controlStrength"],
            task,
        )?;
        refuse_extras(extra, &["images", "similarityStrength"], task)?;
        refuse_extras(
            extra,
            &["image", "maskPrompt", "maskImage", "outPaintingMode"],
            task,
        )?;
        Ok(NovaCanvasRequest::ColorGuidedGeneration {
            color_guided_generation_params: ColorGuidedGenerationParams {
                text: request.prompt.clone(),
                negative_text: request.negative_prompt.clone(),
                colors: required_extra(
                    extra,
                    "colors",
                    "an array of 1..=10 #RRGGBB colours",
                    task,
                )?,
                reference_image: extra_field(extra, "referenceImage", IMAGE_B64)?,
            },
            image_generation_config: generation_config(request)?,
        })
    }

    fn variation(request: &ImageRequest) -> Result<Self> {
        let extra = &request.extra;
        let task = "IMAGE_VARIATION";
        refuse_extras(
            extra,
            &["style", "conditionImage", "controlMode", "controlStrength"],
            task,
        )?;
        refuse_extras(extra, &["colors", "referenceImage"], task)?;
        refuse_extras(
            extra,
            &["image", "maskPrompt", "maskImage", "outPaintingMode"],
            task,
        )?;
        Ok(NovaCanvasRequest::ImageVariation {
            image_variation_params: ImageVariationParams {
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
                text: optional_prompt(request),
                negative_text: request.negative_prompt.clone(),
            },
            image_generation_config: generation_config(request)?,
        })
    }

    fn painting(request: &ImageRequest, task: &str) -> Result<Self> {
        let extra = &request.extra;
        refuse_extras(
            extra,
            &["style", "conditionImage", "controlMode", "controlStrength"],
            task,
        )?;
        refuse_extras(
            extra,
            &["colors", "referenceImage", "images", "similarityStrength"],
            task,
        )?;
        let image = required_extra(extra, "image", IMAGE_B64, task)?;
        let text = optional_prompt(request);
        let negative_text = request.negative_prompt.clone();
        let mask_prompt = extra_field(extra, "maskPrompt", "a string of 1..=1024 characters")?;
        let mask_image = extra_field(extra, "maskImage", IMAGE_B64)?;
        let image_generation_config = generation_config(request)?;
        if task == "INPAINTING" {
            refuse_extras(extra, &["outPaintingMode"], task)?;
            return Ok(NovaCanvasRequest::InPainting {
                in_painting_params: InPaintingParams {
                    image,
                    text,
                    negative_text,
                    mask_prompt,
                    mask_image,
                },
                image_generation_config,
            });
        }
        Ok(NovaCanvasRequest::OutPainting {
            out_painting_params: OutPaintingParams {
                image,
                text,
                negative_text,
                mask_prompt,
                mask_image,
                out_painting_mode: extra_field(
                    extra,
                    "outPaintingMode",
                    "one of: DEFAULT, PRECISE",
                )?,
            },
            image_generation_config,
        })
    }

    /// Background removal takes an image and nothing else: every neutral field that would
    /// shape the output is refused rather than dropped.
    fn background_removal(request: &ImageRequest) -> Result<Self> {
        let extra = &request.extra;
        let task = "BACKGROUND_REMOVAL";
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
        let others: Vec<&str> = EXTRA_FIELDS
            .iter()
            .copied()
            .filter(|k| !matches!(*k, "taskType" | "image"))
            .collect();
        refuse_extras(extra, &others, task)?;
        Ok(NovaCanvasRequest::BackgroundRemoval {
            background_removal_params: BackgroundRemovalParams {
                image: required_extra(extra, "image", IMAGE_B64, task)?,
            },
        })
    }
}

fn task_type_error(extra: &ExtraFields) -> Error {
    Error::invalid(
        "extra.taskType",
        extra.get("taskType").unwrap_or(&Value::Null),
        format!("one of: {}", TASK_TYPES.join(", ")),
    )
}

fn style_names() -> String {
    let names: Vec<String> = [
        CanvasStyle::AnimatedFamilyFilm3d,
        CanvasStyle::DesignSketch,
        CanvasStyle::FlatVectorIllustration,
        CanvasStyle::GraphicNovelIllustration,
        CanvasStyle::Maximalism,
        CanvasStyle::MidcenturyRetro,
        CanvasStyle::Photorealism,
        CanvasStyle::SoftDigitalPainting,
    ]
    .iter()
    .filter_map(|s| serde_json::to_value(s).ok())
    .filter_map(|v| v.as_str().map(str::to_owned))
    .collect();
    format!("one of: {}", names.join(", "))
}

/// `imageGenerationConfig` from the neutral size, count, seed and guidance and
/// `extra.quality`; `None` when none is set, so the model's defaults apply.
fn generation_config(request: &ImageRequest) -> Result<Option<ImageGenerationConfig>> {
    let config = ImageGenerationConfig {
        width: request.width,
        height: request.height,
        quality: extra_field(&request.extra, "quality", "one of: standard, premium")?,
        cfg_scale: request.cfg_scale,
        seed: request.seed,
        number_of_images: request.count,
    };
    Ok((config != ImageGenerationConfig::default()).then_some(config))
}

/// The body of a Nova Canvas response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NovaCanvasResponse {
    /// The images, base64-encoded PNGs.
    #[serde(default)]
    images: Vec<String>,
    /// Why no image was produced (content moderation), when none was.
    #[serde(default)]
    error: Option<String>,
}

impl NovaCanvasResponse {
    /// The decoded images, each with the format its magic number says. A response with an
    /// `error` and no image is a model error; one with neither is a decode error.
    pub fn into_output(self) -> Result<ImageOutput> {
        if self.images.is_empty() {
            return match self.error {
                Some(message) if !message.trim().is_empty() => Err(Error::from_service(
                    ErrorKind::ModelError,
                    ServiceDetails::new(message),
                )),
                _ => Err(Error::decode("Nova Canvas response has no images")),
            };
        }
        let images = self
            .images
            .iter()
            .enumerate()
            .map(|(i, encoded)| {
                let data = STANDARD.decode(encoded).map_err(|e| Error::Decode {
                    message: format!("Nova Canvas response: images[{i}] is not base64: {e}"),
                    source: Some(Box::new(e)),
                })?;
                let format = ImageFormat::sniff(&data).ok_or_else(|| {
                    Error::decode(format!(
                        "Nova Canvas response: images[{i}] is not a PNG, JPEG, GIF or WebP image"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_rules() {
        assert!(check_size(1024, 1024).is_ok());
        assert!(check_size(2048, 2048).is_ok());
        assert!(check_size(512, 2048).is_ok());
        assert!(check_size(4096, 1024).is_ok());
        for (w, h, field) in [
            (1000, 1024, "imageGenerationConfig.width"),
            (1024, 304, "imageGenerationConfig.height"),
            (4112, 1024, "imageGenerationConfig.width"),
            (2064, 2048, "imageGenerationConfig.height"),
            (320, 1296, "imageGenerationConfig.height"),
        ] {
            let err = check_size(w, h).unwrap_err();
            assert_eq!(err.field(), Some(field), "{w}x{h}: {err}");
        }
    }
}
