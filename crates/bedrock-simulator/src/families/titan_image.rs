//! Titan Image Generator G1 (v1, v2) and Nova Canvas: `taskType` with its parameters object and
//! `imageGenerationConfig`, answered with `{"images": [<base64 PNG>, ...]}`.

use std::fmt;

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

use super::{Call, Completed, json_bytes, source_image_size};
use crate::image::{Picture, SourceLimits};
use crate::rejection::Rejection;
use crate::rng::KeyPiece;
use crate::schema::{self, Violations, child, item};
use crate::text;

/// Each task type and the parameters object it takes.
const TASKS: &[(&str, &str)] = &[
    ("TEXT_IMAGE", "textToImageParams"),
    ("COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams"),
    ("IMAGE_VARIATION", "imageVariationParams"),
    ("INPAINTING", "inPaintingParams"),
    ("OUTPAINTING", "outPaintingParams"),
    ("BACKGROUND_REMOVAL", "backgroundRemovalParams"),
];

/// Titan Image Generator G1 (v1, v2) inpainting, outpainting and background removal sources:
/// at most 1,408 × 1,408 pixels, as its documentation states for in/outpainting.
const TITAN_EDIT_SOURCE: SourceLimits = SourceLimits {
    min_side: 1,
    max_side: 1408,
    max_pixels: u64::MAX,
    max_aspect: None,
    rule: "each side must be between 1 and 1408 pixels",
};

/// Titan Image Generator G1 image-variation sources: at most 4,096 × 4,096 pixels.
const TITAN_VARIATION_SOURCE: SourceLimits = SourceLimits {
    min_side: 1,
    max_side: 4096,
    max_pixels: u64::MAX,
    max_aspect: None,
    rule: "each side must be between 1 and 4096 pixels",
};

/// Nova Canvas sources: the answer takes an edited image's size, so a source must fit Nova
/// Canvas's output limits (at most 4,096 pixels a side and 4,194,304 pixels).
const NOVA_SOURCE: SourceLimits = SourceLimits {
    min_side: 1,
    max_side: 4096,
    max_pixels: 4_194_304,
    max_aspect: None,
    rule: "each side must be between 1 and 4096 pixels and the total pixel count at most 4194304",
};

#[derive(Serialize)]
struct ImagesBody {
    images: Vec<String>,
}

/// Generates `numberOfImages` PNGs of the requested size.
pub(super) fn generate(call: &Call<'_>) -> Result<Completed, Rejection> {
    let model_id = call.model.model_id;
    let nova = model_id.starts_with("amazon.nova-canvas");
    let tasks: Vec<&(&str, &str)> = TASKS
        .iter()
        .filter(|(task, _)| {
            nova || model_id.contains("v2")
                || !matches!(*task, "COLOR_GUIDED_GENERATION" | "BACKGROUND_REMOVAL")
        })
        .collect();
    let task_names: Vec<&str> = tasks.iter().map(|(t, _)| *t).collect();
    let mut allowed: Vec<&str> = vec!["taskType", "imageGenerationConfig"];
    allowed.extend(tasks.iter().map(|(_, p)| *p));

    let mut v = Violations::new();
    let mut task = "TEXT_IMAGE";
    let mut prompt = String::new();
    let mut palette = Vec::new();
    let mut source_size = None;
    let mut count = 1;
    let (mut width, mut height) = (1024, 1024);
    let mut seed = 0;
    if let Some(map) = schema::object(call.body, "#", &allowed, &["taskType"], &mut v) {
        task = schema::enumeration(map, "#", "taskType", &task_names, &mut v).unwrap_or(task);
        let params_key = tasks
            .iter()
            .find(|(t, _)| *t == task)
            .map_or("textToImageParams", |(_, p)| *p);
        for (_, other) in &tasks {
            if *other != params_key && schema::get(map, other).is_some() {
                v.add("#", format!("extraneous key [{other}] is not permitted"));
            }
        }
        match schema::get(map, params_key) {
            None => v.add("#", format!("required key [{params_key}] not found")),
            Some(params) => {
                let path = child("#", params_key);
                check_params(
                    task,
                    params,
                    &path,
                    nova,
                    &mut v,
                    &mut prompt,
                    &mut palette,
                    &mut source_size,
                );
            }
        }
        if let Some(config) = schema::get(map, "imageGenerationConfig") {
            let path = "#/imageGenerationConfig";
            let allowed = [
                "numberOfImages",
                "height",
                "width",
                "cfgScale",
                "seed",
                "quality",
            ];
            if let Some(c) = schema::object(config, path, &allowed, &[], &mut v) {
                count = schema::integer(c, path, "numberOfImages", 1, 5, &mut v).unwrap_or(count);
                width = schema::integer(c, path, "width", 320, 4096, &mut v).unwrap_or(width);
                height = schema::integer(c, path, "height", 320, 4096, &mut v).unwrap_or(height);
                schema::number(c, path, "cfgScale", 1.1, 10.0, &mut v);
                seed = schema::integer(c, path, "seed", 0, 2_147_483_646, &mut v).unwrap_or(seed);
                schema::enumeration(c, path, "quality", &["standard", "premium"], &mut v);
            }
        }
    }
    v.finish()?;
    check_size(width, height, nova)?;
    let (width, height) = match source_size {
        Some(size) => size,
        None => (width as u32, height as u32),
    };

    let prompt_key = call.key(&[
        KeyPiece::Text(task),
        KeyPiece::Text("\u{0}"),
        KeyPiece::Json(call.field(task_params(task))),
    ]);
    let images = (0..count)
        .map(|i| {
            let image_seed = prompt_key.derived(&format!("image {seed} {i}"));
            let png = Picture::new(width, height, image_seed, &palette)?.to_png()?;
            Ok(base64::engine::general_purpose::STANDARD.encode(png))
        })
        .collect::<Result<_, Rejection>>()?;
    Ok(Completed {
        body: json_bytes(&ImagesBody { images }),
        chunks: None,
        input_tokens: text::count_tokens(&prompt),
        output_tokens: None,
        latency_ms: 2000u64.saturating_mul(count.unsigned_abs()),
    })
}

fn task_params(task: &str) -> &'static str {
    TASKS
        .iter()
        .find(|(t, _)| *t == task)
        .map_or("textToImageParams", |(_, p)| p)
}

#[allow(clippy::too_many_arguments)] // One call site; the outputs are the parsed parameters.
fn check_params(
    task: &str,
    params: &Value,
    path: &dyn fmt::Display,
    nova: bool,
    v: &mut Violations,
    prompt: &mut String,
    palette: &mut Vec<[u8; 3]>,
    source_size: &mut Option<(u32, u32)>,
) {
    let text_max = if nova { 1024 } else { 512 };
    let (allowed, required): (&[&str], &[&str]) = match task {
        "TEXT_IMAGE" => (
            &[
                "text",
                "negativeText",
                "conditionImage",
                "controlMode",
                "controlStrength",
                "style",
            ],
            &["text"],
        ),
        "COLOR_GUIDED_GENERATION" => (
            &["text", "negativeText", "colors", "referenceImage"],
            &["text", "colors"],
        ),
        "IMAGE_VARIATION" => (
            &["text", "negativeText", "images", "similarityStrength"],
            &["images"],
        ),
        "INPAINTING" => (
            &[
                "image",
                "text",
                "negativeText",
                "maskPrompt",
                "maskImage",
                "returnMask",
            ],
            &["image"],
        ),
        "OUTPAINTING" => (
            &[
                "image",
                "text",
                "negativeText",
                "maskPrompt",
                "maskImage",
                "outPaintingMode",
                "returnMask",
            ],
            &["image"],
        ),
        _ => (&["image"], &["image"]),
    };
    let Some(map) = schema::object(params, path, allowed, required, v) else {
        return;
    };
    if let Some(t) = schema::string(map, path, "text", 1, text_max, v) {
        *prompt = t.to_owned();
    }
    schema::string(map, path, "negativeText", 1, text_max, v);
    schema::enumeration(map, path, "controlMode", &["CANNY_EDGE", "SEGMENTATION"], v);
    schema::number(map, path, "controlStrength", 0.0, 1.0, v);
    schema::number(map, path, "similarityStrength", 0.2, 1.0, v);
    schema::enumeration(map, path, "outPaintingMode", &["DEFAULT", "PRECISE"], v);
    if let Some(colors) = schema::string_array(map, path, "colors", 10, v) {
        if colors.is_empty() {
            v.add(
                &child(path, "colors"),
                "expected minimum item count: 1, found: 0",
            );
        }
        for (i, c) in colors.iter().enumerate() {
            match parse_hex_colour(c) {
                Some(rgb) => palette.push(rgb),
                None => v.add(
                    &item(&child(path, "colors"), i),
                    format!("string [{c}] does not match pattern ^#[a-fA-F0-9]{{6}}$"),
                ),
            }
        }
    }
    let (edit_limits, variation_limits) = if nova {
        (&NOVA_SOURCE, &NOVA_SOURCE)
    } else {
        (&TITAN_EDIT_SOURCE, &TITAN_VARIATION_SOURCE)
    };
    if let Some(images) = schema::array(map, path, "images", 1, 5, v) {
        for (i, img) in images.iter().enumerate() {
            source_image_size(
                img,
                &item(&child(path, "images"), i),
                |w, h| variation_limits.check(w, h),
                v,
            );
        }
    }
    if let Some(img) = schema::get(map, "image") {
        *source_size = source_image_size(
            img,
            &child(path, "image"),
            |w, h| edit_limits.check(w, h),
            v,
        );
    }
    if matches!(task, "INPAINTING" | "OUTPAINTING")
        && schema::get(map, "maskPrompt").is_none()
        && schema::get(map, "maskImage").is_none()
    {
        v.add(path, "one of [maskPrompt, maskImage] is required");
    }
}

fn parse_hex_colour(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let n = u32::from_str_radix(hex, 16).ok()?;
    Some([(n >> 16) as u8, (n >> 8) as u8, n as u8])
}

/// The size rules: an aspect ratio between 1:4 and 4:1, at most 4,194,304 pixels, and for Nova
/// Canvas sides divisible by 16.
fn check_size(width: i64, height: i64, nova: bool) -> Result<(), Rejection> {
    let mut problems = Vec::new();
    // Both sides were read as 320..=4096, so none of this arithmetic comes near overflowing;
    // saturating keeps it that way whatever the caller passes.
    let pixels = width.saturating_mul(height);
    if width.saturating_mul(4) < height || height.saturating_mul(4) < width {
        problems.push(format!(
            "the aspect ratio of {width}x{height} is outside 1:4 to 4:1"
        ));
    }
    if pixels > 4_194_304 {
        problems.push(format!(
            "{width}x{height} is {pixels} pixels; at most 4194304 are allowed"
        ));
    }
    if nova && (width % 16 != 0 || height % 16 != 0) {
        problems.push(format!(
            "width and height must be divisible by 16, got {width}x{height}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Rejection::validation(format!(
            "Malformed input request: {}, please reformat your input and try again.",
            problems.join("; ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_sizes() {
        assert_eq!(parse_hex_colour("#FF8000"), Some([255, 128, 0]));
        assert_eq!(parse_hex_colour("FF8000"), None);
        assert!(check_size(512, 512, true).is_ok());
        assert!(check_size(320, 1400, false).is_err());
        assert!(check_size(4096, 4096, false).is_err());
        assert!(check_size(1000, 1000, true).is_err());
        assert!(check_size(1000, 1000, false).is_ok());
    }
}
