//! Stable Diffusion 3 / 3.5 Large and Stable Image Ultra / Core (`stability-sd3`): the request
//! body, its validation, and the response.
//!
//! Field names, ranges and enums follow Bedrock's Stable Diffusion 3, 3.5 Large, Stable Image
//! Ultra and Core parameter pages and Stability AI's published request schemas.

use bedrock_core::{
    Error, GeneratedImage, ImageFormat, ImageOutput, ImageRequest, Result, check_extra_keys,
    decode_json,
};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::extra::{self, check_range_u64};
use crate::image_data::{check_input_image, decode_response_image};
use crate::models::{SD3_API, Sd3Variant};
use crate::sdxl::{NoImage, model_error};

/// The longest `prompt` and `negative_prompt`, in characters.
pub const MAX_PROMPT_CHARS: usize = 10_000;

/// The largest `seed`.
pub const MAX_SEED: u64 = 4_294_967_294;

/// The extra fields ([`ImageRequest::extra`]) this API takes.
pub const EXTRA_FIELDS: [&str; 4] = ["aspect_ratio", "mode", "image", "strength"];

wire_enum! {
    /// Text-to-image or image-to-image (`mode`).
    pub enum Sd3Mode {
        /// `text-to-image` (the default): needs only `prompt`.
        TextToImage = "text-to-image",
        /// `image-to-image`: needs `prompt`, `image` and `strength`.
        ImageToImage = "image-to-image",
    }
}

wire_enum! {
    /// The output's aspect ratio (`aspect_ratio`), width:height.
    pub enum AspectRatio {
        /// `16:9`.
        Wide16x9 = "16:9",
        /// `1:1` (the default).
        Square = "1:1",
        /// `21:9`.
        Wide21x9 = "21:9",
        /// `2:3`.
        Tall2x3 = "2:3",
        /// `3:2`.
        Wide3x2 = "3:2",
        /// `4:5`.
        Tall4x5 = "4:5",
        /// `5:4`.
        Wide5x4 = "5:4",
        /// `9:16`.
        Tall9x16 = "9:16",
        /// `9:21`.
        Tall9x21 = "9:21",
    }
}

impl AspectRatio {
    /// The ratio as (width, height).
    pub fn ratio(self) -> (u32, u32) {
        let (w, h) = self.as_str().split_once(':').unwrap_or(("1", "1"));
        (w.parse().unwrap_or(1), h.parse().unwrap_or(1))
    }

    /// The ratio that `width`x`height` has exactly, if it is one of these.
    pub fn of_size(width: u32, height: u32) -> Option<AspectRatio> {
        AspectRatio::ALL.iter().copied().find(|r| {
            let (rw, rh) = r.ratio();
            u64::from(width) * u64::from(rh) == u64::from(height) * u64::from(rw)
        })
    }
}

wire_enum! {
    /// The encoding of the returned image (`output_format`).
    pub enum Sd3OutputFormat {
        /// `jpeg`.
        Jpeg = "jpeg",
        /// `png` (the default).
        Png = "png",
        /// `webp`: Stable Image Ultra and Core only.
        Webp = "webp",
    }
}

/// The InvokeModel body of Stable Diffusion 3 / 3.5 Large and Stable Image Ultra / Core.
///
/// This covers every model of the API: `webp` output is for Stable Image Ultra and Core only,
/// image-to-image for Stable Diffusion 3 Large and 3.5 Large only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = { "properties": { "mode": { "const": "image-to-image" } }, "required": ["mode"] },
    "then" = { "required": ["image", "strength"], "not": { "required": ["aspect_ratio"] } },
    "else" = { "not": { "anyOf": [{ "required": ["image"] }, { "required": ["strength"] }] } }
))]
pub struct Sd3Request {
    /// What to draw.
    #[schemars(length(min = 1, max = 10000))]
    pub prompt: String,
    /// What to keep out of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(max = 10000))]
    pub negative_prompt: Option<String>,
    /// Text-to-image (the default when left out) or image-to-image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Sd3Mode")]
    pub mode: Option<Sd3Mode>,
    /// Text-to-image only: the output's aspect ratio (default 1:1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "AspectRatio")]
    pub aspect_ratio: Option<AspectRatio>,
    /// The returned image's encoding (default PNG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Sd3OutputFormat")]
    pub output_format: Option<Sd3OutputFormat>,
    /// The noise seed; 0 picks one at random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64", range(min = 0, max = 4_294_967_294u64))]
    pub seed: Option<u64>,
    /// Image-to-image: the base64 PNG, JPEG or WebP to start from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1))]
    pub image: Option<String>,
    /// Image-to-image: how far the output may move from the input image (0: keep it, 1: ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64", range(min = 0, max = 1))]
    pub strength: Option<f64>,
}

fn ratios_list() -> String {
    let all: Vec<&str> = AspectRatio::ALL.iter().map(|r| r.as_str()).collect();
    all.join(", ")
}

impl Sd3Request {
    /// Builds and validates the body for a family-neutral image request to a `variant` model.
    ///
    /// - `width` and `height` (both or neither) become `aspect_ratio` when their ratio is
    ///   exactly one of the allowed ones (1536x640 is 12:5, not 21:9, and is rejected); an
    ///   explicit `aspect_ratio` in `extra` must agree with them.
    /// - `output_format` maps to `jpeg`, `png` or (Ultra and Core) `webp`.
    /// - `count` must be 1; `cfg_scale` and `steps` are not parameters of these models.
    /// - Image-to-image (SD3 models): `extra` `image` (base64) and `strength`; `mode` is
    ///   `image-to-image` when `image` is given and `mode` is not.
    ///
    /// Extra fields: [`EXTRA_FIELDS`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first field out of range.
    pub fn from_image_request(variant: Sd3Variant, req: &ImageRequest) -> Result<Sd3Request> {
        let extra = &req.extra;
        check_extra_keys(extra, &EXTRA_FIELDS, SD3_API)?;

        let chars = req.prompt.chars().count();
        if chars == 0 || chars > MAX_PROMPT_CHARS {
            return Err(Error::invalid(
                "prompt",
                format!("{:?} ({chars} characters)", req.prompt),
                format!("1..={MAX_PROMPT_CHARS} characters"),
            ));
        }
        if let Some(negative) = &req.negative_prompt {
            let chars = negative.chars().count();
            if chars > MAX_PROMPT_CHARS {
                return Err(Error::invalid(
                    "negative_prompt",
                    format!("{chars} characters"),
                    format!("at most {MAX_PROMPT_CHARS} characters"),
                ));
            }
        }
        if let Some(v) = req.cfg_scale {
            return Err(Error::invalid(
                "cfg_scale",
                v,
                format!("nothing: {} takes no cfg_scale", variant.name()),
            ));
        }
        if let Some(v) = req.steps {
            return Err(Error::invalid(
                "steps",
                v,
                format!("nothing: {} takes no steps", variant.name()),
            ));
        }
        if let Some(n) = req.count.filter(|n| *n != 1) {
            return Err(Error::invalid(
                "count",
                n,
                "1 (these models return one image per request)",
            ));
        }
        let seed = check_range_u64("seed", req.seed, 0, MAX_SEED)?;
        let output_format = output_format(variant, req.output_format)?;

        let explicit_mode = extra::one_of(extra, "mode", Sd3Mode::parse, Sd3Mode::allowed())?;
        let image = extra::string(extra, "image", "a base64-encoded PNG, JPEG or WebP image")?;
        let strength = extra::number_in(extra, "strength", 0.0, 1.0)?;
        let explicit_ratio = extra::one_of(
            extra,
            "aspect_ratio",
            AspectRatio::parse,
            AspectRatio::allowed(),
        )?;

        if !variant.has_image_to_image() {
            let text_only = format!("nothing: {} generates from text only", variant.name());
            if let Some(m) = explicit_mode {
                return Err(Error::invalid("mode", m, text_only));
            }
            if image.is_some() {
                return Err(Error::invalid("image", "an input image", text_only));
            }
            if let Some(s) = strength {
                return Err(Error::invalid("strength", s, text_only));
            }
        }

        let mode = explicit_mode.or(image.map(|_| Sd3Mode::ImageToImage));
        let aspect_ratio = if mode == Some(Sd3Mode::ImageToImage) {
            let Some(b64) = image else {
                return Err(Error::invalid(
                    "image",
                    "missing",
                    "a base64-encoded PNG, JPEG or WebP image (mode image-to-image)",
                ));
            };
            check_input_image(
                "image",
                b64,
                &[ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp],
            )?;
            if strength.is_none() {
                return Err(Error::invalid(
                    "strength",
                    "missing",
                    "a number in 0..=1 (mode image-to-image)",
                ));
            }
            let follows_input =
                "nothing with mode image-to-image: the output keeps the input image's aspect ratio";
            if let Some(r) = explicit_ratio {
                return Err(Error::invalid("aspect_ratio", r, follows_input));
            }
            for (field, value) in [("width", req.width), ("height", req.height)] {
                if let Some(v) = value {
                    return Err(Error::invalid(field, v, follows_input));
                }
            }
            None
        } else {
            let text_mode =
                "nothing with mode text-to-image; image-to-image takes `image` and `strength`";
            if image.is_some() {
                return Err(Error::invalid("image", "an input image", text_mode));
            }
            if let Some(s) = strength {
                return Err(Error::invalid("strength", s, text_mode));
            }
            aspect_ratio(explicit_ratio, req.width, req.height)?
        };

        Ok(Sd3Request {
            prompt: req.prompt.clone(),
            negative_prompt: req.negative_prompt.clone(),
            mode,
            aspect_ratio,
            output_format,
            seed,
            image: image.map(str::to_owned),
            strength,
        })
    }
}

fn output_format(
    variant: Sd3Variant,
    format: Option<ImageFormat>,
) -> Result<Option<Sd3OutputFormat>> {
    let Some(format) = format else {
        return Ok(None);
    };
    let wanted = match format {
        ImageFormat::Png => Some(Sd3OutputFormat::Png),
        ImageFormat::Jpeg => Some(Sd3OutputFormat::Jpeg),
        ImageFormat::Webp => Some(Sd3OutputFormat::Webp),
        ImageFormat::Gif => None,
    };
    let allowed = variant.output_formats();
    match wanted.filter(|w| allowed.contains(w)) {
        Some(w) => Ok(Some(w)),
        None => {
            let names: Vec<&str> = allowed.iter().map(|f| f.as_str()).collect();
            Err(Error::invalid(
                "output_format",
                crate::image_data::format_name(format),
                format!("one of: {} ({})", names.join(", "), variant.name()),
            ))
        }
    }
}

/// The aspect ratio from an explicit `aspect_ratio` and/or `width` and `height`.
fn aspect_ratio(
    explicit: Option<AspectRatio>,
    width: Option<u32>,
    height: Option<u32>,
) -> Result<Option<AspectRatio>> {
    let (w, h) = match (width, height) {
        (None, None) => return Ok(explicit),
        (Some(w), None) => {
            return Err(Error::invalid(
                "height",
                "missing",
                format!("set together with width ({w}) to pick an aspect ratio"),
            ));
        }
        (None, Some(h)) => {
            return Err(Error::invalid(
                "width",
                "missing",
                format!("set together with height ({h}) to pick an aspect ratio"),
            ));
        }
        (Some(w), Some(h)) => (w, h),
    };
    let Some(derived) = AspectRatio::of_size(w, h).filter(|_| w > 0 && h > 0) else {
        return Err(Error::invalid(
            "width/height",
            format!("{w}x{h}"),
            format!(
                "a width:height of exactly one of the ratios {} (these models take an aspect ratio, not a pixel size)",
                ratios_list()
            ),
        ));
    };
    match explicit {
        Some(r) if r != derived => Err(Error::invalid(
            "aspect_ratio",
            r,
            format!(
                "{derived}, the ratio of width x height {w}x{h}, or leave width and height out"
            ),
        )),
        _ => Ok(Some(derived)),
    }
}

/// The InvokeModel response of Stable Diffusion 3 / 3.5 Large and Stable Image Ultra / Core.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sd3Response {
    /// The images, base64-encoded; absent when the request was filtered.
    #[serde(default)]
    pub images: Vec<String>,
    /// One per image: `null` for success, else why (`Filter reason: prompt`,
    /// `Filter reason: output image`, `Filter reason: input image`, `Inference error`).
    #[serde(default)]
    pub finish_reasons: Vec<Option<String>>,
    /// The seed of each image (numbers; numeric strings are accepted too).
    #[serde(default, deserialize_with = "seeds")]
    #[schemars(with = "Vec<u64>")]
    pub seeds: Vec<u64>,
}

fn seeds<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seed {
        Number(u64),
        Text(String),
    }
    let raw = Option::<Vec<Seed>>::deserialize(d)?.unwrap_or_default();
    raw.into_iter()
        .map(|s| match s {
            Seed::Number(n) => Ok(n),
            Seed::Text(t) => t.trim().parse().map_err(serde::de::Error::custom),
        })
        .collect()
}

impl Sd3Response {
    /// Parses a response body.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not such a response.
    pub fn from_slice(body: &[u8]) -> Result<Sd3Response> {
        decode_json("Stability SD3 / Stable Image response", body)
    }

    /// The decoded images with their seeds and finish reasons (`None` where the response says
    /// `null`, that is success).
    ///
    /// # Errors
    /// A service error of kind
    /// [`ErrorKind::ModelError`](bedrock_core::ErrorKind::ModelError) when there is no image
    /// and a finish reason says why (the content filter, an inference error); [`Error::Decode`]
    /// when there is neither, or an image is not valid base64 or not an image.
    pub fn into_image_output(self) -> Result<ImageOutput> {
        if self.images.is_empty() {
            let reasons: Vec<&str> = self
                .finish_reasons
                .iter()
                .flatten()
                .map(String::as_str)
                .collect();
            if reasons.is_empty() {
                return Err(Error::decode(
                    "the Stability response holds neither `images` nor a finish reason",
                ));
            }
            let why = if reasons.iter().any(|r| r.starts_with("Filter reason")) {
                NoImage::Filtered
            } else {
                NoImage::Failed
            };
            return Err(model_error(
                why,
                format!("Stability returned no image: {}", reasons.join("; ")),
            ));
        }
        let mut images = Vec::with_capacity(self.images.len());
        for (i, b64) in self.images.iter().enumerate() {
            let (format, data) = decode_response_image(&format!("images[{i}]"), b64)?;
            images.push(GeneratedImage {
                format,
                data,
                seed: self.seeds.get(i).copied(),
                finish_reason: self.finish_reasons.get(i).cloned().flatten(),
            });
        }
        Ok(ImageOutput { images })
    }
}
