//! Stability AI: SDXL 1.0 (`text_prompts`, `width`/`height`, `samples` → `artifacts`) and the
//! SD3 / SD3.5 / Stable Image Ultra / Core format (`prompt`, `aspect_ratio`, `output_format` →
//! `images`, `seeds`, `finish_reasons`).

use base64::Engine as _;
use serde::Serialize;

use super::{Call, Completed, json_bytes, source_image_size};
use crate::image::{Picture, SourceLimits};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations, item};
use crate::text;

/// Width × height pairs SDXL 1.0 accepts.
const SDXL_SIZES: &[(i64, i64)] = &[
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

const STYLE_PRESETS: &[&str] = &[
    "3d-model",
    "analog-film",
    "anime",
    "cinematic",
    "comic-book",
    "digital-art",
    "enhance",
    "fantasy-art",
    "isometric",
    "line-art",
    "low-poly",
    "modeling-compound",
    "neon-punk",
    "origami",
    "photographic",
    "pixel-art",
    "tile-texture",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    seed: u32,
    base64: String,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct SdxlBody {
    result: &'static str,
    artifacts: Vec<Artifact>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Stable Image Ultra, Core, SD3 and SD3.5 image-to-image sources: Stability's validation
/// rules for input images (every side at least 64 pixels, 4,096 to 9,437,184 pixels, aspect
/// ratio between 1:2.5 and 2.5:1).
const IMAGE_SOURCE: SourceLimits = SourceLimits {
    min_side: 64,
    max_side: u32::MAX,
    max_pixels: 9_437_184,
    max_aspect: Some(2.5),
    rule: "every side must be at least 64 pixels, the total pixel count between 4096 and \
           9437184, and the aspect ratio between 1:2.5 and 2.5:1",
};

/// SDXL's image-to-image takes an init image of one of the sizes it generates.
fn sdxl_source(width: u32, height: u32) -> Result<(), String> {
    if SDXL_SIZES.contains(&(i64::from(width), i64::from(height))) {
        Ok(())
    } else {
        Err(format!(
            "the image is {width}x{height} pixels; supported dimensions are {}",
            sdxl_sizes()
        ))
    }
}

/// The SDXL sizes as the refusals list them (`1024x1024, 1152x896, ...`).
fn sdxl_sizes() -> String {
    let sizes: Vec<String> = SDXL_SIZES.iter().map(|(w, h)| format!("{w}x{h}")).collect();
    sizes.join(", ")
}

/// Stable Diffusion XL 1.0.
pub(super) fn sdxl(call: &Call<'_>) -> Result<Completed, Rejection> {
    let allowed = [
        "text_prompts",
        "cfg_scale",
        "clip_guidance_preset",
        "height",
        "width",
        "sampler",
        "samples",
        "seed",
        "steps",
        "style_preset",
        "extras",
        "init_image",
        "init_image_mode",
        "image_strength",
        "step_schedule_start",
        "step_schedule_end",
    ];
    let mut v = Violations::new();
    let mut prompt_words: u32 = 0;
    let (mut width, mut height) = (1024, 1024);
    let mut seed = 0;
    let mut init_size = None;
    if let Some(map) = schema::object(call.body, "#", &allowed, &["text_prompts"], &mut v) {
        if let Some(prompts) = schema::array(map, "#", "text_prompts", 1, usize::MAX, &mut v) {
            for (i, p) in prompts.iter().enumerate() {
                let path = item("#/text_prompts", i);
                if let Some(pm) = schema::object(p, &path, &["text", "weight"], &["text"], &mut v) {
                    if let Some(t) = schema::string(pm, &path, "text", 1, 2000, &mut v) {
                        prompt_words = prompt_words.saturating_add(text::count_tokens(t));
                    }
                    schema::number(pm, &path, "weight", -10.0, 10.0, &mut v);
                }
            }
        }
        schema::number(map, "#", "cfg_scale", 0.0, 35.0, &mut v);
        schema::enumeration(
            map,
            "#",
            "clip_guidance_preset",
            &[
                "FAST_BLUE",
                "FAST_GREEN",
                "NONE",
                "SIMPLE",
                "SLOW",
                "SLOWER",
                "SLOWEST",
            ],
            &mut v,
        );
        width = schema::integer(map, "#", "width", 128, 1536, &mut v).unwrap_or(width);
        height = schema::integer(map, "#", "height", 128, 1536, &mut v).unwrap_or(height);
        schema::enumeration(
            map,
            "#",
            "sampler",
            &[
                "DDIM",
                "DDPM",
                "K_DPMPP_2M",
                "K_DPMPP_2S_ANCESTRAL",
                "K_DPM_2",
                "K_DPM_2_ANCESTRAL",
                "K_EULER",
                "K_EULER_ANCESTRAL",
                "K_HEUN",
                "K_LMS",
            ],
            &mut v,
        );
        schema::integer(map, "#", "samples", 1, 1, &mut v);
        seed = schema::integer(map, "#", "seed", 0, 4_294_967_295, &mut v).unwrap_or(0);
        schema::integer(map, "#", "steps", 10, 50, &mut v);
        schema::enumeration(map, "#", "style_preset", STYLE_PRESETS, &mut v);
        schema::enumeration(
            map,
            "#",
            "init_image_mode",
            &["IMAGE_STRENGTH", "STEP_SCHEDULE"],
            &mut v,
        );
        schema::number(map, "#", "image_strength", 0.0, 1.0, &mut v);
        schema::number(map, "#", "step_schedule_start", 0.0, 1.0, &mut v);
        schema::number(map, "#", "step_schedule_end", 0.0, 1.0, &mut v);
        if let Some(img) = schema::get(map, "init_image") {
            init_size = source_image_size(img, &"#/init_image", sdxl_source, &mut v);
        }
    }
    v.finish()?;
    let (width, height) = match init_size {
        Some(size) => size,
        None => {
            if !SDXL_SIZES.contains(&(width, height)) {
                return Err(Rejection::validation(format!(
                    "Malformed input request: width x height {width}x{height} is not supported; \
                     supported dimensions are {}, please reformat your input and try again.",
                    sdxl_sizes()
                )));
            }
            // One of SDXL_SIZES, so both fit.
            (width as u32, height as u32)
        }
    };
    let prompt_key = call.key(&[KeyPiece::Json(call.field("text_prompts"))]);
    let seed = if seed == 0 {
        prompt_key.derived("sdxl seed") as u32
    } else {
        seed as u32
    };
    let png = Picture::new(
        width,
        height,
        prompt_key.derived(&format!("sdxl {seed}")),
        &[],
    )?
    .to_png()?;
    Ok(Completed {
        body: json_bytes(&SdxlBody {
            result: "success",
            artifacts: vec![Artifact {
                seed,
                base64: b64(&png),
                finish_reason: "SUCCESS",
            }],
        }),
        chunks: None,
        input_tokens: prompt_words,
        output_tokens: None,
        latency_ms: 4000,
    })
}

/// The output size of each `aspect_ratio`.
const ASPECT_RATIOS: &[(&str, u32, u32)] = &[
    ("1:1", 1024, 1024),
    ("16:9", 1344, 768),
    ("21:9", 1536, 640),
    ("2:3", 832, 1216),
    ("3:2", 1216, 832),
    ("4:5", 896, 1088),
    ("5:4", 1088, 896),
    ("9:16", 768, 1344),
    ("9:21", 640, 1536),
];

#[derive(Serialize)]
struct ImageBody {
    seeds: Vec<u32>,
    finish_reasons: Vec<Option<&'static str>>,
    images: Vec<String>,
}

/// SD3 Large, SD3.5 Large, Stable Image Ultra and Core.
pub(super) fn image(call: &Call<'_>) -> Result<Completed, Rejection> {
    let allowed = [
        "prompt",
        "negative_prompt",
        "aspect_ratio",
        "mode",
        "image",
        "strength",
        "seed",
        "output_format",
        "style_preset",
    ];
    let ratios: Vec<&str> = ASPECT_RATIOS.iter().map(|(r, _, _)| *r).collect();
    let mut v = Violations::new();
    let mut prompt = "";
    let mut ratio = "1:1";
    let mut seed = 0;
    let mut format = "png";
    let mut image_size = None;
    if let Some(map) = schema::object(call.body, "#", &allowed, &["prompt"], &mut v) {
        prompt = schema::string(map, "#", "prompt", 1, 10_000, &mut v).unwrap_or("");
        schema::string(map, "#", "negative_prompt", 0, 10_000, &mut v);
        ratio = schema::enumeration(map, "#", "aspect_ratio", &ratios, &mut v).unwrap_or(ratio);
        let mode = schema::enumeration(
            map,
            "#",
            "mode",
            &["text-to-image", "image-to-image"],
            &mut v,
        );
        schema::number(map, "#", "strength", 0.0, 1.0, &mut v);
        seed = schema::integer(map, "#", "seed", 0, 4_294_967_294, &mut v).unwrap_or(0);
        format = schema::enumeration(map, "#", "output_format", &["jpeg", "png"], &mut v)
            .unwrap_or(format);
        schema::enumeration(map, "#", "style_preset", STYLE_PRESETS, &mut v);
        if let Some(img) = schema::get(map, "image") {
            image_size =
                source_image_size(img, &"#/image", |w, h| IMAGE_SOURCE.check(w, h), &mut v);
        }
        let image_to_image = mode == Some("image-to-image") || schema::get(map, "image").is_some();
        if image_to_image {
            for key in ["image", "strength"] {
                if schema::get(map, key).is_none() {
                    v.add("#", format!("required key [{key}] not found"));
                }
            }
            if schema::get(map, "aspect_ratio").is_some() {
                v.add("#", "extraneous key [aspect_ratio] is not permitted");
            }
        }
    }
    v.finish()?;
    let (width, height) = image_size.unwrap_or_else(|| {
        ASPECT_RATIOS
            .iter()
            .find(|(r, _, _)| *r == ratio)
            .map_or((1024, 1024), |(_, w, h)| (*w, *h))
    });
    let prompt_key = call.key(&[
        KeyPiece::Text(prompt),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(call.field("negative_prompt")),
    ]);
    let seed = if seed == 0 {
        prompt_key.derived("stability seed") as u32
    } else {
        seed as u32
    };
    let picture = Picture::new(
        width,
        height,
        prompt_key.derived(&format!("stability {seed}")),
        &[],
    )?;
    let bytes = if format == "jpeg" {
        picture.to_jpeg()?
    } else {
        picture.to_png()?
    };
    Ok(Completed {
        body: json_bytes(&ImageBody {
            seeds: vec![seed],
            finish_reasons: vec![None],
            images: vec![b64(&bytes)],
        }),
        chunks: None,
        input_tokens: text::count_tokens(prompt),
        output_tokens: None,
        latency_ms: 5000,
    })
}
