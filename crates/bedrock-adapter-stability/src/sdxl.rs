//! Stable Diffusion XL (`stability-sdxl`): the request body, its validation, and the response.
//!
//! Field names, ranges and enums follow Bedrock's "Stability.ai Diffusion 1.0 text to image"
//! and "image to image" parameter pages.

use bedrock_core::{
    Error, ErrorKind, GeneratedImage, ImageFormat, ImageOutput, ImageRequest, Result,
    ServiceDetails, check_extra_keys, decode_json,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::extra::{self, check_range_f32, check_range_u64};
use crate::image_data::{check_input_image, decode_response_image};
use crate::models::SDXL_API;

/// The longest text of one prompt, in characters.
pub const MAX_PROMPT_CHARS: usize = 2000;

/// The `cfg_scale` range.
pub const CFG_SCALE_RANGE: (f64, f64) = (0.0, 35.0);

/// The `steps` range.
pub const STEPS_RANGE: (u32, u32) = (10, 50);

/// The largest `seed`.
pub const MAX_SEED: u64 = 4_294_967_295;

/// The output sizes SDXL accepts, as (width, height).
pub const ALLOWED_SIZES: [(u32, u32); 9] = [
    (1024, 1024),
    (1152, 896),
    (1216, 832),
    (1344, 768),
    (1536, 640),
    (640, 1536),
    (768, 1344),
    (832, 1216),
    (896, 1152),
];

/// The extra fields ([`ImageRequest::extra`]) this API takes.
pub const EXTRA_FIELDS: [&str; 9] = [
    "style_preset",
    "sampler",
    "clip_guidance_preset",
    "text_prompts",
    "init_image",
    "init_image_mode",
    "image_strength",
    "step_schedule_start",
    "step_schedule_end",
];

wire_enum! {
    /// A style the model leans the image towards (`style_preset`).
    pub enum StylePreset {
        /// `3d-model`.
        ThreeDModel = "3d-model",
        /// `analog-film`.
        AnalogFilm = "analog-film",
        /// `anime`.
        Anime = "anime",
        /// `cinematic`.
        Cinematic = "cinematic",
        /// `comic-book`.
        ComicBook = "comic-book",
        /// `digital-art`.
        DigitalArt = "digital-art",
        /// `enhance`.
        Enhance = "enhance",
        /// `fantasy-art`.
        FantasyArt = "fantasy-art",
        /// `isometric`.
        Isometric = "isometric",
        /// `line-art`.
        LineArt = "line-art",
        /// `low-poly`.
        LowPoly = "low-poly",
        /// `modeling-compound`.
        ModelingCompound = "modeling-compound",
        /// `neon-punk`.
        NeonPunk = "neon-punk",
        /// `origami`.
        Origami = "origami",
        /// `photographic`.
        Photographic = "photographic",
        /// `pixel-art`.
        PixelArt = "pixel-art",
        /// `tile-texture`.
        TileTexture = "tile-texture",
    }
}

wire_enum! {
    /// The diffusion sampler (`sampler`); the model picks one when it is left out.
    pub enum Sampler {
        /// `DDIM`.
        Ddim = "DDIM",
        /// `DDPM`.
        Ddpm = "DDPM",
        /// `K_DPMPP_2M`.
        KDpmpp2m = "K_DPMPP_2M",
        /// `K_DPMPP_2S_ANCESTRAL`.
        KDpmpp2sAncestral = "K_DPMPP_2S_ANCESTRAL",
        /// `K_DPM_2`.
        KDpm2 = "K_DPM_2",
        /// `K_DPM_2_ANCESTRAL`.
        KDpm2Ancestral = "K_DPM_2_ANCESTRAL",
        /// `K_EULER`.
        KEuler = "K_EULER",
        /// `K_EULER_ANCESTRAL`.
        KEulerAncestral = "K_EULER_ANCESTRAL",
        /// `K_HEUN`.
        KHeun = "K_HEUN",
        /// `K_LMS`.
        KLms = "K_LMS",
    }
}

wire_enum! {
    /// CLIP guidance (`clip_guidance_preset`).
    pub enum ClipGuidancePreset {
        /// `FAST_BLUE`.
        FastBlue = "FAST_BLUE",
        /// `FAST_GREEN`.
        FastGreen = "FAST_GREEN",
        /// `NONE`.
        None = "NONE",
        /// `SIMPLE`.
        Simple = "SIMPLE",
        /// `SLOW`.
        Slow = "SLOW",
        /// `SLOWER`.
        Slower = "SLOWER",
        /// `SLOWEST`.
        Slowest = "SLOWEST",
    }
}

wire_enum! {
    /// How the init image's influence is controlled in image-to-image (`init_image_mode`).
    pub enum InitImageMode {
        /// `IMAGE_STRENGTH`: by `image_strength` (the default).
        ImageStrength = "IMAGE_STRENGTH",
        /// `STEP_SCHEDULE`: by `step_schedule_start` / `step_schedule_end`.
        StepSchedule = "STEP_SCHEDULE",
    }
}

/// One weighted prompt. A negative weight steers the image away from the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextPrompt {
    /// The text.
    #[schemars(length(min = 1, max = 2000))]
    pub text: String,
    /// The weight: positive steers towards the text, negative away from it (default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

/// The InvokeModel body of Stable Diffusion XL.
///
/// Text-to-image takes `width` and `height`; image-to-image takes `init_image` and the fields
/// that control it instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = { "required": ["init_image"] },
    "then" = { "not": { "anyOf": [{ "required": ["width"] }, { "required": ["height"] }] } },
    "else" = {
        "not": {
            "anyOf": [
                { "required": ["init_image_mode"] },
                { "required": ["image_strength"] },
                { "required": ["step_schedule_start"] },
                { "required": ["step_schedule_end"] }
            ]
        }
    }
))]
pub struct SdxlRequest {
    /// The prompts, the first one positive; a negative prompt is one with a negative weight.
    #[schemars(length(min = 1))]
    pub text_prompts: Vec<TextPrompt>,
    /// How strictly the image follows the prompts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64", range(min = 0, max = 35))]
    pub cfg_scale: Option<f64>,
    /// Guidance by CLIP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ClipGuidancePreset")]
    pub clip_guidance_preset: Option<ClipGuidancePreset>,
    /// Output height in pixels; with `width`, one of the sizes 1024x1024, 1152x896, 1216x832,
    /// 1344x768, 1536x640, 640x1536, 768x1344, 832x1216, 896x1152.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", extend("enum" = [1024, 896, 832, 768, 640, 1536, 1344, 1216, 1152]))]
    pub height: Option<u32>,
    /// Output width in pixels; with `height`, one of the sizes listed for `height`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", extend("enum" = [1024, 1152, 1216, 1344, 1536, 640, 768, 832, 896]))]
    pub width: Option<u32>,
    /// The diffusion sampler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Sampler")]
    pub sampler: Option<Sampler>,
    /// How many images; Bedrock generates one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1, max = 1))]
    pub samples: Option<u32>,
    /// The noise seed; 0 picks one at random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64", range(min = 0, max = 4_294_967_295u64))]
    pub seed: Option<u64>,
    /// Diffusion steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 10, max = 50))]
    pub steps: Option<u32>,
    /// A style preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "StylePreset")]
    pub style_preset: Option<StylePreset>,
    /// Image-to-image: the base64 PNG or JPEG to start from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1))]
    pub init_image: Option<String>,
    /// Image-to-image: which parameters control the init image's influence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "InitImageMode")]
    pub init_image_mode: Option<InitImageMode>,
    /// Image-to-image: how much the init image shows through (near 1: very similar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64", range(min = 0, max = 1))]
    pub image_strength: Option<f64>,
    /// Image-to-image with `STEP_SCHEDULE`: where the schedule starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64", range(min = 0, max = 1))]
    pub step_schedule_start: Option<f64>,
    /// Image-to-image with `STEP_SCHEDULE`: where the schedule ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64", range(min = 0, max = 1))]
    pub step_schedule_end: Option<f64>,
}

fn sizes_list() -> String {
    let sizes: Vec<String> = ALLOWED_SIZES
        .iter()
        .map(|(w, h)| format!("{w}x{h}"))
        .collect();
    sizes.join(", ")
}

impl SdxlRequest {
    /// Builds and validates the body for a family-neutral image request.
    ///
    /// The prompt becomes `text_prompts[0]` with weight 1, the negative prompt the next one with
    /// weight -1, then any `text_prompts` given in `extra` (objects with `text` and an optional
    /// `weight`, default 1). `count` becomes `samples` and must be 1; `output_format` may only be
    /// PNG, which SDXL always returns. Extra fields: [`EXTRA_FIELDS`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first body field out of range.
    pub fn from_image_request(req: &ImageRequest) -> Result<SdxlRequest> {
        let extra = &req.extra;
        check_extra_keys(extra, &EXTRA_FIELDS, SDXL_API)?;

        let mut text_prompts = vec![TextPrompt {
            text: req.prompt.clone(),
            weight: 1.0,
        }];
        if let Some(negative) = &req.negative_prompt {
            text_prompts.push(TextPrompt {
                text: negative.clone(),
                weight: -1.0,
            });
        }
        text_prompts.extend(extra_prompts(
            extra.get("text_prompts"),
            text_prompts.len(),
        )?);

        let (cfg_min, cfg_max) = CFG_SCALE_RANGE;
        let cfg_scale = check_range_f32("cfg_scale", req.cfg_scale, cfg_min, cfg_max)?;
        let seed = check_range_u64("seed", req.seed, 0, MAX_SEED)?;
        let (steps_min, steps_max) = STEPS_RANGE;
        let steps = match req.steps {
            Some(s) if !(steps_min..=steps_max).contains(&s) => {
                return Err(Error::invalid(
                    "steps",
                    s,
                    format!("an integer in {steps_min}..={steps_max}"),
                ));
            }
            other => other,
        };
        let samples = match req.count {
            None | Some(1) => req.count,
            Some(n) => {
                return Err(Error::invalid(
                    "samples",
                    n,
                    "1 (Bedrock generates one SDXL image per request)",
                ));
            }
        };
        match req.output_format {
            None | Some(ImageFormat::Png) => {}
            Some(other) => {
                return Err(Error::invalid(
                    "output_format",
                    crate::image_data::format_name(other),
                    "png (SDXL always returns PNG)",
                ));
            }
        }

        let style_preset = extra::one_of(
            extra,
            "style_preset",
            StylePreset::parse,
            StylePreset::allowed(),
        )?;
        let sampler = extra::one_of(extra, "sampler", Sampler::parse, Sampler::allowed())?;
        let clip_guidance_preset = extra::one_of(
            extra,
            "clip_guidance_preset",
            ClipGuidancePreset::parse,
            ClipGuidancePreset::allowed(),
        )?;

        let image = ImageToImage::from_extra(extra)?;
        let (width, height) = if image.init_image.is_some() {
            for (field, value) in [("width", req.width), ("height", req.height)] {
                if let Some(v) = value {
                    return Err(Error::invalid(
                        field,
                        v,
                        "nothing with init_image: the output takes the init image's size",
                    ));
                }
            }
            (None, None)
        } else {
            check_size(req.width, req.height)?
        };

        let body = SdxlRequest {
            text_prompts,
            cfg_scale,
            clip_guidance_preset,
            height,
            width,
            sampler,
            samples,
            seed,
            steps,
            style_preset,
            init_image: image.init_image,
            init_image_mode: image.init_image_mode,
            image_strength: image.image_strength,
            step_schedule_start: image.step_schedule_start,
            step_schedule_end: image.step_schedule_end,
        };
        body.check_prompts()?;
        Ok(body)
    }

    /// Checks every prompt: text of 1..=2000 characters, a finite non-zero weight, and at least
    /// one positive weight.
    fn check_prompts(&self) -> Result<()> {
        for (i, p) in self.text_prompts.iter().enumerate() {
            let chars = p.text.chars().count();
            if chars == 0 || chars > MAX_PROMPT_CHARS {
                return Err(Error::invalid(
                    format!("text_prompts[{i}].text"),
                    format!("{:?} ({chars} characters)", p.text),
                    format!("1..={MAX_PROMPT_CHARS} characters"),
                ));
            }
            if !p.weight.is_finite() || p.weight == 0.0 {
                return Err(Error::invalid(
                    format!("text_prompts[{i}].weight"),
                    p.weight,
                    "a finite number other than 0 (positive to steer towards the text, negative away)",
                ));
            }
        }
        Ok(())
    }
}

/// The `text_prompts` given in `extra`, appended after the `first_index` prompts already built.
fn extra_prompts(value: Option<&Value>, first_index: usize) -> Result<Vec<TextPrompt>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let shape = "an array of {\"text\": string, \"weight\": number} objects";
    let Value::Array(items) = value else {
        return Err(Error::invalid("text_prompts", extra::short(value), shape));
    };
    let mut prompts = Vec::with_capacity(items.len());
    for (offset, item) in items.iter().enumerate() {
        let at = format!("text_prompts[{}]", first_index + offset);
        let Value::Object(fields) = item else {
            return Err(Error::invalid(at, extra::short(item), shape));
        };
        if let Some(key) = fields.keys().find(|k| *k != "text" && *k != "weight") {
            return Err(Error::invalid(
                format!("{at}.{key}"),
                extra::short(&fields[key]),
                "only `text` and `weight`",
            ));
        }
        let text = match fields.get("text") {
            Some(Value::String(s)) => s.clone(),
            other => {
                let shown = other.map_or_else(|| "missing".to_owned(), extra::short);
                return Err(Error::invalid(
                    format!("{at}.text"),
                    shown,
                    "a string of 1..=2000 characters",
                ));
            }
        };
        let weight = match fields.get("weight") {
            None => 1.0,
            Some(w) => match w.as_f64() {
                Some(n) => n,
                _ => {
                    return Err(Error::invalid(
                        format!("{at}.weight"),
                        extra::short(w),
                        "a finite number other than 0",
                    ));
                }
            },
        };
        prompts.push(TextPrompt { text, weight });
    }
    Ok(prompts)
}

/// Checks `width` and `height` together against [`ALLOWED_SIZES`].
fn check_size(width: Option<u32>, height: Option<u32>) -> Result<(Option<u32>, Option<u32>)> {
    match (width, height) {
        (None, None) => Ok((None, None)),
        (Some(w), None) => Err(Error::invalid(
            "height",
            "missing",
            format!("set together with width ({w}); sizes: {}", sizes_list()),
        )),
        (None, Some(h)) => Err(Error::invalid(
            "width",
            "missing",
            format!("set together with height ({h}); sizes: {}", sizes_list()),
        )),
        (Some(w), Some(h)) => {
            let Some(&(_, paired)) = ALLOWED_SIZES.iter().find(|(aw, _)| *aw == w) else {
                return Err(Error::invalid(
                    "width",
                    w,
                    format!("a width of one of the sizes {}", sizes_list()),
                ));
            };
            if paired == h {
                Ok((Some(w), Some(h)))
            } else {
                Err(Error::invalid(
                    "height",
                    h,
                    format!("{paired} with width {w} (sizes: {})", sizes_list()),
                ))
            }
        }
    }
}

/// The image-to-image fields, read from `extra` and checked together.
struct ImageToImage {
    init_image: Option<String>,
    init_image_mode: Option<InitImageMode>,
    image_strength: Option<f64>,
    step_schedule_start: Option<f64>,
    step_schedule_end: Option<f64>,
}

impl ImageToImage {
    fn from_extra(extra: &bedrock_core::ExtraFields) -> Result<Self> {
        let init_image = extra::string(extra, "init_image", "a base64-encoded PNG or JPEG image")?;
        if let Some(b64) = init_image {
            check_input_image("init_image", b64, &[ImageFormat::Png, ImageFormat::Jpeg])?;
        }
        let init_image_mode = extra::one_of(
            extra,
            "init_image_mode",
            InitImageMode::parse,
            InitImageMode::allowed(),
        )?;
        let image_strength = extra::number_in(extra, "image_strength", 0.0, 1.0)?;
        let step_schedule_start = extra::number_in(extra, "step_schedule_start", 0.0, 1.0)?;
        let step_schedule_end = extra::number_in(extra, "step_schedule_end", 0.0, 1.0)?;

        if init_image.is_none() {
            let given = [
                (
                    "init_image_mode",
                    init_image_mode.map(|m| m.as_str().to_owned()),
                ),
                ("image_strength", image_strength.map(|v| v.to_string())),
                (
                    "step_schedule_start",
                    step_schedule_start.map(|v| v.to_string()),
                ),
                (
                    "step_schedule_end",
                    step_schedule_end.map(|v| v.to_string()),
                ),
            ];
            if let Some((field, Some(value))) = given.into_iter().find(|(_, v)| v.is_some()) {
                return Err(Error::invalid(
                    field,
                    value,
                    "nothing without init_image (image-to-image only)",
                ));
            }
        }
        let mode = init_image_mode.unwrap_or(InitImageMode::ImageStrength);
        if mode == InitImageMode::ImageStrength {
            for (field, value) in [
                ("step_schedule_start", step_schedule_start),
                ("step_schedule_end", step_schedule_end),
            ] {
                if let Some(v) = value {
                    return Err(Error::invalid(
                        field,
                        v,
                        "nothing unless init_image_mode is STEP_SCHEDULE",
                    ));
                }
            }
        } else if let Some(v) = image_strength {
            return Err(Error::invalid(
                "image_strength",
                v,
                "nothing unless init_image_mode is IMAGE_STRENGTH",
            ));
        }
        Ok(ImageToImage {
            init_image: init_image.map(str::to_owned),
            init_image_mode,
            image_strength,
            step_schedule_start,
            step_schedule_end,
        })
    }
}

/// The InvokeModel response of Stable Diffusion XL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SdxlResponse {
    /// `success` when the call worked.
    pub result: String,
    /// The generated images.
    pub artifacts: Vec<SdxlArtifact>,
}

/// One generated image of an SDXL response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SdxlArtifact {
    /// The image, base64-encoded PNG.
    #[serde(default)]
    pub base64: Option<String>,
    /// The seed that produced it.
    #[serde(default)]
    pub seed: Option<u64>,
    /// `SUCCESS`, `ERROR` or `CONTENT_FILTERED`.
    #[serde(rename = "finishReason", default)]
    pub finish_reason: Option<String>,
}

impl SdxlResponse {
    /// Parses a response body.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not an SDXL response.
    pub fn from_slice(body: &[u8]) -> Result<SdxlResponse> {
        decode_json("Stability SDXL response", body)
    }

    /// The decoded images, each with its seed and finish reason (`SUCCESS`, or
    /// `CONTENT_FILTERED` for an image the content filter replaced).
    ///
    /// # Errors
    /// A service error of kind [`ErrorKind::ModelError`] when `result` is not `success`, there
    /// is no artifact, or an artifact carries no image (its finish reason is in the message);
    /// [`Error::Decode`] when an image is not valid base64 or not an image.
    pub fn into_image_output(self) -> Result<ImageOutput> {
        if self.result != "success" {
            return Err(model_error(
                NoImage::Failed,
                format!("Stability SDXL reported result `{}`", self.result),
            ));
        }
        if self.artifacts.is_empty() {
            return Err(model_error(
                NoImage::Failed,
                "Stability SDXL returned no artifacts".to_owned(),
            ));
        }
        let mut images = Vec::with_capacity(self.artifacts.len());
        for (i, artifact) in self.artifacts.into_iter().enumerate() {
            let reason = artifact.finish_reason.as_deref().unwrap_or("(none)");
            let Some(b64) = artifact.base64.filter(|b| !b.trim().is_empty()) else {
                let why = if reason == "CONTENT_FILTERED" {
                    NoImage::Filtered
                } else {
                    NoImage::Failed
                };
                return Err(model_error(
                    why,
                    format!(
                        "Stability SDXL returned artifact {i} without an image; finishReason {reason}"
                    ),
                ));
            };
            let (format, data) = decode_response_image(&format!("artifacts[{i}].base64"), &b64)?;
            images.push(GeneratedImage {
                format,
                data,
                seed: artifact.seed,
                finish_reason: artifact.finish_reason,
            });
        }
        Ok(ImageOutput { images })
    }
}

/// Why a response that parsed holds no usable image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoImage {
    /// The content filter blocked the prompt or the image.
    Filtered,
    /// The model failed for another reason.
    Failed,
}

/// The error for a well-formed response without a usable image. It is not retryable: the same
/// request gives the same answer.
pub(crate) fn model_error(why: NoImage, message: String) -> Error {
    let hint = match why {
        NoImage::Filtered => {
            "the content filter blocked the prompt or the image; change the prompt (or the input image) and try again"
        }
        NoImage::Failed => {
            "the model could not generate an image for this request; check its parameters"
        }
    };
    Error::from_service(
        ErrorKind::ModelError,
        ServiceDetails::new(message).with_hint(hint),
    )
}
