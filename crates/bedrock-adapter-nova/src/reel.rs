//! Nova Reel's video generation request, typed and validated. Reel is not served by InvokeModel
//! but by StartAsyncInvoke: build a [`NovaReelRequest`], check it with
//! [`NovaReelRequest::validate`] (every field named with its allowed range, before anything is
//! sent) and turn it into a `StartAsyncInvokeRequest` with
//! [`NovaReelRequest::into_start_request`]. The video lands under
//! `<s3Uri>/<invocation id>/output.mp4`.
//!
//! ```
//! use bedrock_adapter_nova::reel::{NovaReelRequest, VideoGenerationConfig};
//!
//! let request = NovaReelRequest::text_video("A lighthouse at dusk, waves below", 7);
//! request.validate()?;
//! let start = request.into_start_request("s3://my-videos/reel")?;
//! assert_eq!(start.model_id, "amazon.nova-reel-v1:1");
//! assert_eq!(start.model_input["taskType"], "TEXT_VIDEO");
//! assert_eq!(start.model_input["videoGenerationConfig"]["durationSeconds"], 6);
//!
//! // Out of range: the error names the field and what is allowed.
//! let mut long = NovaReelRequest::multi_shot_automated("A day in a harbour town", 18, 1);
//! if let NovaReelRequest::MultiShotAutomated { video_generation_config, .. } = &mut long {
//!     *video_generation_config = VideoGenerationConfig { duration_seconds: Some(20), ..*video_generation_config };
//! }
//! let err = long.validate().unwrap_err().to_string();
//! assert!(err.contains("videoGenerationConfig.durationSeconds"), "{err}");
//! # Ok::<(), bedrock_core::Error>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::batch::StartAsyncInvokeRequest;
use bedrock_core::{Error, ImageFormat, Result, image_dimensions};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The Nova Reel model id.
pub const REEL_MODEL_ID: &str = "amazon.nova-reel-v1:1";
/// The longest prompt of a single-shot video or a manual shot, in characters.
pub const MAX_SHOT_PROMPT_CHARS: usize = 512;
/// The longest prompt of an automated multi-shot video, in characters.
pub const MAX_AUTOMATED_PROMPT_CHARS: usize = 4000;
/// Seconds in one shot; a single-shot video is one shot long.
pub const SHOT_SECONDS: u32 = 6;
/// The shortest and longest automated multi-shot video, in seconds (multiples of 6).
pub const MULTI_SHOT_SECONDS: (u32, u32) = (12, 120);
/// The fewest and most shots of a manual multi-shot video.
pub const MANUAL_SHOTS: (usize, usize) = (2, 20);
/// The largest seed.
pub const MAX_SEED: u32 = 2_147_483_646;
/// The only frame rate.
pub const FPS: u32 = 24;
/// The only frame size.
pub const DIMENSION: &str = "1280x720";

/// A Nova Reel request body, by task type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "taskType")]
pub enum NovaReelRequest {
    /// One six-second shot from a prompt, optionally starting from an image.
    #[serde(rename = "TEXT_VIDEO", rename_all = "camelCase")]
    TextVideo {
        /// The prompt and the starting image.
        text_to_video_params: TextToVideoParams,
        /// Duration (6), frame rate, size and seed.
        video_generation_config: VideoGenerationConfig,
    },
    /// A video of 12 to 120 seconds, cut into shots from one prompt.
    #[serde(rename = "MULTI_SHOT_AUTOMATED", rename_all = "camelCase")]
    MultiShotAutomated {
        /// The prompt.
        multi_shot_automated_params: MultiShotAutomatedParams,
        /// Duration (a multiple of 6 from 12 to 120), frame rate, size and seed.
        video_generation_config: VideoGenerationConfig,
    },
    /// A video of 2 to 20 six-second shots, each from its own prompt.
    #[serde(rename = "MULTI_SHOT_MANUAL", rename_all = "camelCase")]
    MultiShotManual {
        /// The shots.
        multi_shot_manual_params: MultiShotManualParams,
        /// Frame rate, size and seed (the duration follows from the shots).
        video_generation_config: VideoGenerationConfig,
    },
}

/// `textToVideoParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TextToVideoParams {
    /// The prompt, 1 to 512 characters.
    #[schemars(length(min = 1, max = MAX_SHOT_PROMPT_CHARS))]
    pub text: String,
    /// At most one starting image, 1280×720.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 1))]
    pub images: Vec<ReelImage>,
}

/// `multiShotAutomatedParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MultiShotAutomatedParams {
    /// The prompt, 1 to 4,000 characters.
    #[schemars(length(min = 1, max = MAX_AUTOMATED_PROMPT_CHARS))]
    pub text: String,
}

/// `multiShotManualParams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MultiShotManualParams {
    /// 2 to 20 shots.
    #[schemars(length(min = MANUAL_SHOTS.0, max = MANUAL_SHOTS.1))]
    pub shots: Vec<ReelShot>,
}

/// One shot of a manual multi-shot video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReelShot {
    /// The shot's prompt, 1 to 512 characters.
    #[schemars(length(min = 1, max = MAX_SHOT_PROMPT_CHARS))]
    pub text: String,
    /// The shot's starting image, 1280×720.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ReelImage>,
}

/// An image: `{"format": "png" | "jpeg", "source": {"bytes": base64} | {"s3Location": ...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReelImage {
    /// `png` or `jpeg`.
    pub format: ReelImageFormat,
    /// Where the image is.
    pub source: ReelImageSource,
}

/// A starting image's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReelImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

/// Where a starting image is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ReelImageSource {
    /// The image, base64.
    Bytes(String),
    /// An S3 object.
    S3Location(ReelS3Location),
}

/// An S3 object holding a starting image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReelS3Location {
    /// `s3://bucket/key`.
    pub uri: String,
    /// The bucket owner's account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_owner: Option<String>,
}

/// `videoGenerationConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VideoGenerationConfig {
    /// The length in seconds: 6 for a single shot; a multiple of 6 from 12 to 120 for an
    /// automated multi-shot video; none for a manual one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
    /// Frames a second: 24.
    pub fps: u32,
    /// The frame size: `1280x720`.
    pub dimension: ReelDimension,
    /// 0 to 2,147,483,646 (Bedrock's default is 42).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
}

/// The frame size Nova Reel generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum ReelDimension {
    /// 1280 by 720 pixels.
    #[default]
    #[serde(rename = "1280x720")]
    Hd720,
}

impl VideoGenerationConfig {
    fn new(duration_seconds: Option<u32>, seed: u32) -> Self {
        VideoGenerationConfig {
            duration_seconds,
            fps: FPS,
            dimension: ReelDimension::Hd720,
            seed: Some(seed),
        }
    }
}

impl NovaReelRequest {
    /// A six-second video from `prompt`.
    pub fn text_video(prompt: impl Into<String>, seed: u32) -> Self {
        NovaReelRequest::TextVideo {
            text_to_video_params: TextToVideoParams {
                text: prompt.into(),
                images: Vec::new(),
            },
            video_generation_config: VideoGenerationConfig::new(Some(SHOT_SECONDS), seed),
        }
    }

    /// A video of `seconds` (a multiple of 6 from 12 to 120) from one prompt.
    pub fn multi_shot_automated(prompt: impl Into<String>, seconds: u32, seed: u32) -> Self {
        NovaReelRequest::MultiShotAutomated {
            multi_shot_automated_params: MultiShotAutomatedParams {
                text: prompt.into(),
            },
            video_generation_config: VideoGenerationConfig::new(Some(seconds), seed),
        }
    }

    /// A video of one six-second shot per prompt (2 to 20).
    pub fn multi_shot_manual<S: Into<String>>(
        prompts: impl IntoIterator<Item = S>,
        seed: u32,
    ) -> Self {
        NovaReelRequest::MultiShotManual {
            multi_shot_manual_params: MultiShotManualParams {
                shots: prompts
                    .into_iter()
                    .map(|text| ReelShot {
                        text: text.into(),
                        image: None,
                    })
                    .collect(),
            },
            video_generation_config: VideoGenerationConfig::new(None, seed),
        }
    }

    /// Reads a request body (JSON), as `bedrock async start --input` gives it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming what does not fit the request's shape.
    pub fn from_json(body: &serde_json::Value) -> Result<Self> {
        serde_json::from_value(body.clone()).map_err(|e| {
            Error::invalid(
                "modelInput",
                e.to_string(),
                "a Nova Reel request: taskType TEXT_VIDEO, MULTI_SHOT_AUTOMATED or \
                 MULTI_SHOT_MANUAL with its params and videoGenerationConfig",
            )
        })
    }

    /// Checks every field, naming the first bad one by its path in the body.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] with the field and the allowed range.
    pub fn validate(&self) -> Result<()> {
        match self {
            NovaReelRequest::TextVideo {
                text_to_video_params: p,
                video_generation_config: c,
            } => {
                check_prompt("textToVideoParams.text", &p.text, MAX_SHOT_PROMPT_CHARS)?;
                if p.images.len() > 1 {
                    return Err(Error::invalid(
                        "textToVideoParams.images",
                        format!("{} images", p.images.len()),
                        "at most 1 image",
                    ));
                }
                for (i, image) in p.images.iter().enumerate() {
                    check_image(&format!("textToVideoParams.images[{i}]"), image)?;
                }
                check_config(c, Some((SHOT_SECONDS, SHOT_SECONDS)))
            }
            NovaReelRequest::MultiShotAutomated {
                multi_shot_automated_params: p,
                video_generation_config: c,
            } => {
                check_prompt(
                    "multiShotAutomatedParams.text",
                    &p.text,
                    MAX_AUTOMATED_PROMPT_CHARS,
                )?;
                check_config(c, Some(MULTI_SHOT_SECONDS))
            }
            NovaReelRequest::MultiShotManual {
                multi_shot_manual_params: p,
                video_generation_config: c,
            } => {
                let (min, max) = MANUAL_SHOTS;
                if !(min..=max).contains(&p.shots.len()) {
                    return Err(Error::invalid(
                        "multiShotManualParams.shots",
                        format!("{} shots", p.shots.len()),
                        format!("{min} to {max} shots"),
                    ));
                }
                for (i, shot) in p.shots.iter().enumerate() {
                    let field = format!("multiShotManualParams.shots[{i}]");
                    check_prompt(&format!("{field}.text"), &shot.text, MAX_SHOT_PROMPT_CHARS)?;
                    if let Some(image) = &shot.image {
                        check_image(&format!("{field}.image"), image)?;
                    }
                }
                check_config(c, None)
            }
        }
    }

    /// The StartAsyncInvoke request for this body, writing under `output_s3_uri`; validated
    /// first, and the generic fields (the URI) too.
    ///
    /// # Errors
    /// What [`NovaReelRequest::validate`] or [`StartAsyncInvokeRequest::validate`] refuses.
    pub fn into_start_request(self, output_s3_uri: &str) -> Result<StartAsyncInvokeRequest> {
        self.validate()?;
        let body = serde_json::to_value(&self)
            .map_err(|e| Error::invalid("modelInput", e.to_string(), "a serialisable request"))?;
        let request = StartAsyncInvokeRequest::new(REEL_MODEL_ID, body, output_s3_uri);
        request.validate()?;
        Ok(request)
    }
}

fn check_prompt(field: &str, text: &str, max: usize) -> Result<()> {
    let chars = text.chars().count();
    if (1..=max).contains(&chars) {
        return Ok(());
    }
    Err(Error::invalid(
        field,
        format!("{chars} characters"),
        format!("1 to {max} characters"),
    ))
}

fn check_config(config: &VideoGenerationConfig, durations: Option<(u32, u32)>) -> Result<()> {
    let field = "videoGenerationConfig";
    match (durations, config.duration_seconds) {
        (None, Some(seconds)) => {
            return Err(Error::invalid(
                format!("{field}.durationSeconds"),
                seconds.to_string(),
                "no value: a manual multi-shot video is 6 seconds a shot",
            ));
        }
        (Some((min, max)), seconds) => {
            let ok = seconds.is_some_and(|s| (min..=max).contains(&s) && s % SHOT_SECONDS == 0);
            if !ok {
                let allowed = if min == max {
                    format!("{min}")
                } else {
                    format!("a multiple of {SHOT_SECONDS} from {min} to {max}")
                };
                let given = seconds.map_or("none".to_owned(), |s| s.to_string());
                return Err(Error::invalid(
                    format!("{field}.durationSeconds"),
                    given,
                    allowed,
                ));
            }
        }
        (None, None) => {}
    }
    if config.fps != FPS {
        return Err(Error::invalid(
            format!("{field}.fps"),
            config.fps.to_string(),
            format!("{FPS}"),
        ));
    }
    if let Some(seed) = config.seed
        && seed > MAX_SEED
    {
        return Err(Error::invalid(
            format!("{field}.seed"),
            seed.to_string(),
            format!("0 to {MAX_SEED}"),
        ));
    }
    Ok(())
}

fn check_image(field: &str, image: &ReelImage) -> Result<()> {
    match &image.source {
        ReelImageSource::S3Location(location) => {
            if location.uri.starts_with("s3://") {
                Ok(())
            } else {
                Err(Error::invalid(
                    format!("{field}.source.s3Location.uri"),
                    location.uri.clone(),
                    "an s3:// URI",
                ))
            }
        }
        ReelImageSource::Bytes(b64) => {
            let field = format!("{field}.source.bytes");
            let allowed = format!("a base64-encoded {DIMENSION} PNG or JPEG image");
            let bytes = STANDARD.decode(b64).map_err(|_| {
                Error::invalid(
                    &field,
                    format!("{} characters, not base64", b64.len()),
                    &allowed,
                )
            })?;
            let format = ImageFormat::sniff(&bytes);
            let expected = match image.format {
                ReelImageFormat::Png => ImageFormat::Png,
                ReelImageFormat::Jpeg => ImageFormat::Jpeg,
            };
            if format != Some(expected) {
                let what = format.map_or("not an image", ImageFormat::media_type);
                return Err(Error::invalid(&field, what, &allowed));
            }
            match image_dimensions(&bytes) {
                Some((1280, 720)) => Ok(()),
                Some((w, h)) => Err(Error::invalid(&field, format!("a {w}x{h} image"), &allowed)),
                None => Err(Error::invalid(&field, "a header without a size", &allowed)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_task_serialises_to_bedrocks_body() {
        let body = serde_json::to_value(NovaReelRequest::text_video("A calm sea", 0)).unwrap();
        assert_eq!(
            body,
            json!({
                "taskType": "TEXT_VIDEO",
                "textToVideoParams": {"text": "A calm sea"},
                "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720", "seed": 0}
            })
        );
        let manual =
            serde_json::to_value(NovaReelRequest::multi_shot_manual(["a", "b"], 3)).unwrap();
        assert_eq!(manual["multiShotManualParams"]["shots"][1]["text"], "b");
        assert!(
            manual["videoGenerationConfig"]
                .get("durationSeconds")
                .is_none()
        );
        let read = NovaReelRequest::from_json(&manual).unwrap();
        assert_eq!(read, NovaReelRequest::multi_shot_manual(["a", "b"], 3));
    }

    #[test]
    fn bad_fields_are_named_with_their_allowed_range() {
        let cases: Vec<(NovaReelRequest, &str, &str)> = vec![
            (
                NovaReelRequest::text_video("", 0),
                "textToVideoParams.text",
                "1 to 512",
            ),
            (
                NovaReelRequest::text_video("x".repeat(513), 0),
                "textToVideoParams.text",
                "1 to 512",
            ),
            (
                NovaReelRequest::multi_shot_automated("a harbour", 126, 0),
                "videoGenerationConfig.durationSeconds",
                "a multiple of 6 from 12 to 120",
            ),
            (
                NovaReelRequest::multi_shot_automated("a harbour", 13, 0),
                "videoGenerationConfig.durationSeconds",
                "a multiple of 6",
            ),
            (
                NovaReelRequest::multi_shot_manual(["only one"], 0),
                "multiShotManualParams.shots",
                "2 to 20 shots",
            ),
            (
                NovaReelRequest::text_video("hi", MAX_SEED + 1),
                "videoGenerationConfig.seed",
                "0 to 2147483646",
            ),
        ];
        for (request, field, allowed) in cases {
            let err = request.validate().unwrap_err();
            let text = err.to_string();
            assert!(text.contains(field) && text.contains(allowed), "{text}");
        }
        let mut fps = NovaReelRequest::text_video("hi", 0);
        if let NovaReelRequest::TextVideo {
            video_generation_config,
            ..
        } = &mut fps
        {
            video_generation_config.fps = 30;
        }
        assert!(
            fps.validate()
                .unwrap_err()
                .to_string()
                .contains("videoGenerationConfig.fps")
        );
    }

    #[test]
    fn unknown_fields_and_task_types_are_refused_when_read() {
        for body in [
            json!({"taskType": "IMAGE_VIDEO"}),
            json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi", "style": "noir"},
                   "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720"}}),
            json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi"},
                   "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1920x1080"}}),
        ] {
            let err = NovaReelRequest::from_json(&body).unwrap_err();
            assert!(err.to_string().contains("modelInput"), "{body}: {err}");
        }
    }

    #[test]
    fn a_starting_image_must_be_a_1280_by_720_image_of_its_format() {
        // A PNG header with IHDR 1280×720 is enough for the size check.
        let png = |w: u32, h: u32| {
            let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
            bytes.extend_from_slice(&w.to_be_bytes());
            bytes.extend_from_slice(&h.to_be_bytes());
            bytes.extend_from_slice(&[8, 2, 0, 0, 0]);
            STANDARD.encode(bytes)
        };
        let with = |b64: String, format: ReelImageFormat| {
            let mut request = NovaReelRequest::text_video("hi", 0);
            if let NovaReelRequest::TextVideo {
                text_to_video_params,
                ..
            } = &mut request
            {
                text_to_video_params.images = vec![ReelImage {
                    format,
                    source: ReelImageSource::Bytes(b64),
                }];
            }
            request
        };
        with(png(1280, 720), ReelImageFormat::Png)
            .validate()
            .unwrap();
        let small = with(png(640, 360), ReelImageFormat::Png)
            .validate()
            .unwrap_err();
        assert!(small.to_string().contains("a 640x360 image"), "{small}");
        let wrong = with(png(1280, 720), ReelImageFormat::Jpeg)
            .validate()
            .unwrap_err();
        assert!(
            wrong
                .to_string()
                .contains("textToVideoParams.images[0].source.bytes"),
            "{wrong}"
        );
    }
}
