//! Simulated Nova Reel videos: the request checked as Bedrock checks it at StartAsyncInvoke,
//! then each shot drawn as a real MP4 (ISO base media file, one Motion-JPEG video track of
//! 1280×720 at 24 frames a second).
//!
//! A shot is one [`Picture`] of [`image`](crate::image) whose highlight disc moves a step every
//! second, so a second of video is one JPEG: the track's 24 samples of that second all point at
//! those bytes (one chunk per sample in the sample table), and a two-minute video stays a few
//! megabytes.

use base64::Engine as _;
use serde_json::Value;

use crate::image::{Picture, image_dimensions};
use crate::rejection::Rejection;
use crate::rng::stable_hash;

/// The one frame size Nova Reel generates.
pub(crate) const WIDTH: u32 = 1280;
/// See [`WIDTH`].
pub(crate) const HEIGHT: u32 = 720;
/// The one frame rate Nova Reel generates.
pub(crate) const FPS: u32 = 24;
/// Seconds in one shot.
pub(crate) const SHOT_SECONDS: u32 = 6;
/// The largest `seed`.
const MAX_SEED: u64 = 2_147_483_646;
/// The seed when the request names none.
const DEFAULT_SEED: u64 = 42;

/// One object an invocation writes under its output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VideoFile {
    /// The object's name in the folder (`output.mp4`, `shot_0001.mp4`).
    pub name: String,
    /// The MP4 bytes.
    pub body: Vec<u8>,
}

/// A checked request: the text of each shot, and the seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReelTask {
    shots: Vec<String>,
    seed: u64,
    /// Whether the shots are also written one by one (the multi-shot tasks).
    multi_shot: bool,
}

fn malformed(path: &str, what: &str) -> Rejection {
    Rejection::malformed(&format!("#{path}: {what}"))
}

fn object<'a>(
    body: &'a Value,
    path: &str,
) -> Result<&'a serde_json::Map<String, Value>, Rejection> {
    body.as_object()
        .ok_or_else(|| malformed(path, "expected an object"))
}

/// Refuses keys of `map` outside `allowed`.
fn only(
    map: &serde_json::Map<String, Value>,
    path: &str,
    allowed: &[&str],
) -> Result<(), Rejection> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(malformed(
            path,
            &format!(
                "extraneous key [{key}] is not permitted (allowed: {})",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// A prompt of 1 to `max` characters at `path`.
fn text(value: Option<&Value>, path: &str, max: usize) -> Result<String, Rejection> {
    let Some(text) = value.and_then(Value::as_str) else {
        return Err(malformed(path, "a string is required"));
    };
    let chars = text.chars().count();
    if !(1..=max).contains(&chars) {
        return Err(malformed(
            path,
            &format!("expected 1 to {max} characters, got {chars}"),
        ));
    }
    Ok(text.to_owned())
}

/// An `ImageSource` (`{"format": "png" | "jpeg", "source": {"bytes": base64} | {"s3Location":
/// {"uri": "s3://..."}}}`); inline bytes must be a PNG or JPEG of 1280×720.
fn image_source(value: &Value, path: &str) -> Result<(), Rejection> {
    let map = object(value, path)?;
    only(map, path, &["format", "source"])?;
    let format = map.get("format").and_then(Value::as_str);
    if !matches!(format, Some("png" | "jpeg")) {
        return Err(malformed(&format!("{path}/format"), "expected png or jpeg"));
    }
    let source_path = format!("{path}/source");
    let source = object(map.get("source").unwrap_or(&Value::Null), &source_path)?;
    if let Some(location) = source.get("s3Location") {
        let uri = location.get("uri").and_then(Value::as_str).unwrap_or("");
        if !uri.starts_with("s3://") {
            return Err(malformed(
                &format!("{source_path}/s3Location/uri"),
                "expected an s3:// URI",
            ));
        }
        return Ok(());
    }
    let Some(encoded) = source.get("bytes").and_then(Value::as_str) else {
        return Err(malformed(&source_path, "expected bytes or s3Location"));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| malformed(&format!("{source_path}/bytes"), "expected base64"))?;
    match image_dimensions(&bytes) {
        Some((WIDTH, HEIGHT)) => Ok(()),
        Some((w, h)) => Err(Rejection::validation(format!(
            "The input image must be {WIDTH}x{HEIGHT}; it is {w}x{h}."
        ))),
        None => Err(Rejection::validation(
            "The input image is not a PNG or JPEG image.",
        )),
    }
}

/// `images`: at most one image.
fn images(value: Option<&Value>, path: &str) -> Result<(), Rejection> {
    let Some(value) = value else {
        return Ok(());
    };
    let list = value
        .as_array()
        .ok_or_else(|| malformed(path, "expected an array"))?;
    if list.len() > 1 {
        return Err(malformed(
            path,
            &format!("expected at most 1 image, got {}", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .try_for_each(|(i, image)| image_source(image, &format!("{path}/{i}")))
}

/// `videoGenerationConfig` (required): `fps` and `dimension` (required, and only 24 and
/// `1280x720` exist), `seed` (optional), and `durationSeconds`, required where `durations` is
/// given (a range of multiples of [`SHOT_SECONDS`]) and refused where it is not. Answers the
/// seed and the duration.
fn generation_config(
    body: &serde_json::Map<String, Value>,
    durations: Option<(u32, u32)>,
) -> Result<(u64, Option<u32>), Rejection> {
    const PATH: &str = "/videoGenerationConfig";
    let Some(value) = body.get("videoGenerationConfig") else {
        return Err(malformed(PATH, "an object is required"));
    };
    let config = object(value, PATH)?;
    let mut allowed = vec!["fps", "dimension", "seed"];
    if durations.is_some() {
        allowed.push("durationSeconds");
    }
    only(config, PATH, &allowed)?;
    if config.get("fps").and_then(Value::as_u64) != Some(u64::from(FPS)) {
        return Err(malformed(
            &format!("{PATH}/fps"),
            &format!("expected {FPS}"),
        ));
    }
    if config.get("dimension").and_then(Value::as_str) != Some("1280x720") {
        return Err(malformed(
            &format!("{PATH}/dimension"),
            "expected \"1280x720\"",
        ));
    }
    let seed = match config.get("seed") {
        None => DEFAULT_SEED,
        Some(v) => v.as_u64().filter(|s| *s <= MAX_SEED).ok_or_else(|| {
            malformed(
                &format!("{PATH}/seed"),
                &format!("expected an integer from 0 to {MAX_SEED}"),
            )
        })?,
    };
    let duration = match durations {
        None => None,
        Some((min, max)) => {
            let path = format!("{PATH}/durationSeconds");
            let seconds = config
                .get("durationSeconds")
                .and_then(Value::as_u64)
                .and_then(|s| u32::try_from(s).ok())
                .filter(|s| (min..=max).contains(s) && s % SHOT_SECONDS == 0);
            let Some(seconds) = seconds else {
                let allowed = if min == max {
                    format!("expected {min}")
                } else {
                    format!("expected a multiple of {SHOT_SECONDS} from {min} to {max}")
                };
                return Err(malformed(&path, &allowed));
            };
            Some(seconds)
        }
    };
    Ok((seed, duration))
}

/// Checks a Nova Reel request body as StartAsyncInvoke does.
pub(crate) fn check(body: &Value) -> Result<ReelTask, Rejection> {
    let map = object(body, "")?;
    let task = map.get("taskType").and_then(Value::as_str);
    match task {
        Some("TEXT_VIDEO") => {
            only(
                map,
                "",
                &["taskType", "textToVideoParams", "videoGenerationConfig"],
            )?;
            let params = object(
                map.get("textToVideoParams").unwrap_or(&Value::Null),
                "/textToVideoParams",
            )?;
            only(params, "/textToVideoParams", &["text", "images"])?;
            let prompt = text(params.get("text"), "/textToVideoParams/text", 512)?;
            images(params.get("images"), "/textToVideoParams/images")?;
            let (seed, _) = generation_config(map, Some((SHOT_SECONDS, SHOT_SECONDS)))?;
            Ok(ReelTask {
                shots: vec![prompt],
                seed,
                multi_shot: false,
            })
        }
        Some("MULTI_SHOT_AUTOMATED") => {
            only(
                map,
                "",
                &[
                    "taskType",
                    "multiShotAutomatedParams",
                    "videoGenerationConfig",
                ],
            )?;
            let params = object(
                map.get("multiShotAutomatedParams").unwrap_or(&Value::Null),
                "/multiShotAutomatedParams",
            )?;
            only(params, "/multiShotAutomatedParams", &["text"])?;
            let prompt = text(params.get("text"), "/multiShotAutomatedParams/text", 4000)?;
            let (seed, seconds) = generation_config(map, Some((12, 120)))?;
            let count = seconds.unwrap_or(12) / SHOT_SECONDS;
            Ok(ReelTask {
                shots: (1..=count)
                    .map(|n| format!("{prompt} (shot {n})"))
                    .collect(),
                seed,
                multi_shot: true,
            })
        }
        Some("MULTI_SHOT_MANUAL") => {
            only(
                map,
                "",
                &["taskType", "multiShotManualParams", "videoGenerationConfig"],
            )?;
            const PATH: &str = "/multiShotManualParams";
            let params = object(
                map.get("multiShotManualParams").unwrap_or(&Value::Null),
                PATH,
            )?;
            only(params, PATH, &["shots"])?;
            let shots = params
                .get("shots")
                .and_then(Value::as_array)
                .ok_or_else(|| malformed(&format!("{PATH}/shots"), "expected an array"))?;
            if !(2..=20).contains(&shots.len()) {
                return Err(malformed(
                    &format!("{PATH}/shots"),
                    &format!("expected 2 to 20 shots, got {}", shots.len()),
                ));
            }
            let mut texts = Vec::with_capacity(shots.len());
            for (i, shot) in shots.iter().enumerate() {
                let path = format!("{PATH}/shots/{i}");
                let fields = object(shot, &path)?;
                only(fields, &path, &["text", "image"])?;
                texts.push(text(fields.get("text"), &format!("{path}/text"), 512)?);
                if let Some(image) = fields.get("image") {
                    image_source(image, &format!("{path}/image"))?;
                }
            }
            let (seed, _) = generation_config(map, None)?;
            Ok(ReelTask {
                shots: texts,
                seed,
                multi_shot: true,
            })
        }
        _ => Err(malformed(
            "/taskType",
            "expected TEXT_VIDEO, MULTI_SHOT_AUTOMATED or MULTI_SHOT_MANUAL",
        )),
    }
}

/// The JPEG of each second of one shot: the shot's picture with its disc one step further
/// along each second.
fn shot_seconds(prompt: &str, seed: u64) -> Result<Vec<Vec<u8>>, Rejection> {
    let picture_seed = stable_hash(&[&seed.to_le_bytes(), prompt.as_bytes()]);
    let picture = Picture::new(WIDTH, HEIGHT, picture_seed, &[])?;
    (0..SHOT_SECONDS)
        .map(|s| {
            picture
                .with_disc_moved(f64::from(s) / f64::from(SHOT_SECONDS))
                .to_jpeg()
        })
        .collect()
}

/// Renders a checked request: `output.mp4` with every shot, and for the multi-shot tasks each
/// shot again as `shot_0001.mp4`, `shot_0002.mp4`, ... `simulator_seed` is the simulator's.
pub(crate) fn render(task: &ReelTask, simulator_seed: u64) -> Result<Vec<VideoFile>, Rejection> {
    let seed = stable_hash(&[&simulator_seed.to_le_bytes(), &task.seed.to_le_bytes()]);
    let shots = task
        .shots
        .iter()
        .map(|prompt| shot_seconds(prompt, seed))
        .collect::<Result<Vec<_>, _>>()?;
    let all: Vec<&[u8]> = shots.iter().flatten().map(Vec::as_slice).collect();
    let mut files = vec![VideoFile {
        name: "output.mp4".to_owned(),
        body: mp4(&all)?,
    }];
    if task.multi_shot {
        for (n, seconds) in shots.iter().enumerate() {
            let seconds: Vec<&[u8]> = seconds.iter().map(Vec::as_slice).collect();
            files.push(VideoFile {
                name: format!("shot_{:04}.mp4", n.saturating_add(1)),
                body: mp4(&seconds)?,
            });
        }
    }
    Ok(files)
}

/// An ISO BMFF box: size, type, body.
fn boxed(kind: &[u8; 4], parts: &[&[u8]]) -> Result<Vec<u8>, Rejection> {
    let len: usize = parts
        .iter()
        .map(|p| p.len())
        .sum::<usize>()
        .saturating_add(8);
    let size = u32::try_from(len).map_err(|_| Rejection::internal())?;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(kind);
    for part in parts {
        out.extend_from_slice(part);
    }
    Ok(out)
}

/// A full box: version 0, `flags`, then the body.
fn full_box(kind: &[u8; 4], flags: u32, parts: &[&[u8]]) -> Result<Vec<u8>, Rejection> {
    let header = (flags & 0x00FF_FFFF).to_be_bytes();
    let mut all: Vec<&[u8]> = vec![&header];
    all.extend_from_slice(parts);
    boxed(kind, &all)
}

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// The unity transformation matrix of `mvhd` and `tkhd`.
const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

/// An MPEG-4 descriptor: tag, one-byte length (every one here is under 128 bytes), body.
fn descriptor(tag: u8, body: &[u8]) -> Result<Vec<u8>, Rejection> {
    let len = u8::try_from(body.len())
        .ok()
        .filter(|l| *l < 0x80)
        .ok_or_else(Rejection::internal)?;
    let mut out = vec![tag, len];
    out.extend_from_slice(body);
    Ok(out)
}

/// The `mp4v` sample entry for Motion JPEG (object type 0x6C, ISO/IEC 10918-1), with its
/// `esds`.
fn sample_entry(largest: u32) -> Result<Vec<u8>, Rejection> {
    let bitrate = largest.saturating_mul(8).saturating_mul(FPS);
    let mut config = vec![0x6C, (0x04 << 2) | 1];
    config.extend_from_slice(&largest.min(0x00FF_FFFF).to_be_bytes()[1..]);
    config.extend_from_slice(&u32s(&[bitrate, bitrate]));
    let decoder_config = descriptor(0x04, &config)?;
    let sl_config = descriptor(0x06, &[0x02])?;
    let mut es = vec![0, 1, 0];
    es.extend_from_slice(&decoder_config);
    es.extend_from_slice(&sl_config);
    let esds = full_box(b"esds", 0, &[&descriptor(0x03, &es)?])?;
    let side = |n: u32| u16::try_from(n).map_err(|_| Rejection::internal());
    let mut visual = Vec::new();
    visual.extend_from_slice(&[0; 6]);
    visual.extend_from_slice(&1u16.to_be_bytes());
    visual.extend_from_slice(&[0; 16]);
    visual.extend_from_slice(&side(WIDTH)?.to_be_bytes());
    visual.extend_from_slice(&side(HEIGHT)?.to_be_bytes());
    visual.extend_from_slice(&u32s(&[0x0048_0000, 0x0048_0000, 0]));
    visual.extend_from_slice(&1u16.to_be_bytes());
    // compressorname: a Pascal string in 32 bytes.
    const LABEL: &[u8; 11] = b"Motion JPEG";
    visual.push(LABEL.len() as u8);
    visual.extend_from_slice(LABEL);
    visual.extend_from_slice(&[0; 32 - 1 - LABEL.len()]);
    visual.extend_from_slice(&0x0018u16.to_be_bytes());
    visual.extend_from_slice(&(-1i16).to_be_bytes());
    boxed(b"mp4v", &[&visual, &esds])
}

/// The `moov` box for `frames` samples whose sizes and file offsets are given.
fn moov(sizes: &[u32], offsets: &[u32]) -> Result<Vec<u8>, Rejection> {
    let frames = u32::try_from(sizes.len()).map_err(|_| Rejection::internal())?;
    let millis = frames.saturating_mul(1000) / FPS;
    let mvhd = full_box(
        b"mvhd",
        0,
        &[
            &u32s(&[0, 0, 1000, millis, 0x0001_0000]),
            &[0x01, 0x00, 0, 0],
            &[0; 8],
            &u32s(&MATRIX),
            &[0; 24],
            &u32s(&[2]),
        ],
    )?;
    let tkhd = full_box(
        b"tkhd",
        0x3,
        &[
            &u32s(&[0, 0, 1, 0, millis, 0, 0]),
            &[0; 8],
            &u32s(&MATRIX),
            &u32s(&[WIDTH << 16, HEIGHT << 16]),
        ],
    )?;
    // Language `und`, packed as three 5-bit letters.
    let mdhd = full_box(
        b"mdhd",
        0,
        &[&u32s(&[0, 0, FPS, frames]), &[0x55, 0xC4, 0, 0]],
    )?;
    let hdlr = full_box(
        b"hdlr",
        0,
        &[&u32s(&[0]), b"vide", &[0; 12], b"VideoHandler\0"],
    )?;
    let vmhd = full_box(b"vmhd", 1, &[&[0; 8]])?;
    let url = full_box(b"url ", 1, &[])?;
    let dref = full_box(b"dref", 0, &[&u32s(&[1]), &url])?;
    let dinf = boxed(b"dinf", &[&dref])?;
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let stsd = full_box(b"stsd", 0, &[&u32s(&[1]), &sample_entry(largest)?])?;
    let stts = full_box(b"stts", 0, &[&u32s(&[1, frames, 1])])?;
    let stsc = full_box(b"stsc", 0, &[&u32s(&[1, 1, 1, 1])])?;
    let stsz = full_box(b"stsz", 0, &[&u32s(&[0, frames]), &u32s(sizes)])?;
    let stco = full_box(b"stco", 0, &[&u32s(&[frames]), &u32s(offsets)])?;
    let stbl = boxed(b"stbl", &[&stsd, &stts, &stsc, &stsz, &stco])?;
    let minf = boxed(b"minf", &[&vmhd, &dinf, &stbl])?;
    let mdia = boxed(b"mdia", &[&mdhd, &hdlr, &minf])?;
    let trak = boxed(b"trak", &[&tkhd, &mdia])?;
    boxed(b"moov", &[&mvhd, &trak])
}

/// An MP4 of `seconds.len()` seconds at [`FPS`]: `ftyp`, `moov`, then `mdat` holding each
/// second's JPEG once; the second's [`FPS`] samples all point at it.
pub(crate) fn mp4(seconds: &[&[u8]]) -> Result<Vec<u8>, Rejection> {
    let ftyp = boxed(b"ftyp", &[b"isom", &u32s(&[0x200]), b"isomiso2mp41"])?;
    let sizes_of_seconds = seconds
        .iter()
        .map(|s| u32::try_from(s.len()).map_err(|_| Rejection::internal()))
        .collect::<Result<Vec<u32>, _>>()?;
    let per_second = FPS as usize;
    let sizes: Vec<u32> = sizes_of_seconds
        .iter()
        .flat_map(|size| std::iter::repeat_n(*size, per_second))
        .collect();
    // The moov's length does not depend on the offsets it holds: measure it, then write it.
    let placeholder = vec![0u32; sizes.len()];
    let moov_len = moov(&sizes, &placeholder)?.len();
    let data_start = ftyp.len().saturating_add(moov_len).saturating_add(8);
    let mut offsets = Vec::with_capacity(sizes.len());
    let mut at = data_start;
    for second in seconds {
        let offset = u32::try_from(at).map_err(|_| Rejection::internal())?;
        offsets.extend(std::iter::repeat_n(offset, per_second));
        at = at.saturating_add(second.len());
    }
    let moov = moov(&sizes, &offsets)?;
    let mdat = boxed(b"mdat", seconds)?;
    let mut out = Vec::with_capacity(data_start.saturating_add(mdat.len()));
    out.extend_from_slice(&ftyp);
    out.extend_from_slice(&moov);
    out.extend_from_slice(&mdat);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The boxes of `bytes` from `start`: (type, body).
    fn boxes(bytes: &[u8]) -> Vec<([u8; 4], &[u8])> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while rest.len() >= 8 {
            let size = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            let kind: [u8; 4] = rest[4..8].try_into().unwrap();
            out.push((kind, &rest[8..size]));
            rest = &rest[size..];
        }
        assert!(rest.is_empty(), "trailing bytes");
        out
    }

    fn child<'a>(body: &'a [u8], kind: &[u8; 4]) -> &'a [u8] {
        boxes(body)
            .into_iter()
            .find(|(k, _)| k == kind)
            .unwrap_or_else(|| panic!("no {}", String::from_utf8_lossy(kind)))
            .1
    }

    fn be(bytes: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn a_text_video_is_six_seconds_of_decodable_jpeg_frames_at_24_fps() {
        let task = check(&json!({
            "taskType": "TEXT_VIDEO",
            "textToVideoParams": {"text": "A calm sea at dawn"},
            "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720", "seed": 7}
        }))
        .unwrap();
        let files = render(&task, 1).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].name, "output.mp4");
        let mp4 = &files[0].body;
        assert_eq!(render(&task, 1).unwrap()[0].body, *mp4, "deterministic");

        let top = boxes(mp4);
        let kinds: Vec<&[u8; 4]> = top.iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, [b"ftyp", b"moov", b"mdat"]);
        let moov = top[1].1;
        assert_eq!(be(child(moov, b"mvhd"), 16), 6000, "6 s in milliseconds");
        let trak = child(moov, b"trak");
        let tkhd = child(trak, b"tkhd");
        assert_eq!((be(tkhd, 76), be(tkhd, 80)), (1280 << 16, 720 << 16));
        let mdia = child(trak, b"mdia");
        let mdhd = child(mdia, b"mdhd");
        assert_eq!((be(mdhd, 12), be(mdhd, 16)), (24, 144), "timescale, frames");
        let stbl = child(child(mdia, b"minf"), b"stbl");
        let stsz = child(stbl, b"stsz");
        let stco = child(stbl, b"stco");
        assert_eq!(be(stsz, 8), 144);
        assert_eq!(be(stco, 4), 144);
        // Every sample is a whole JPEG of 1280×720 at the offset the table names.
        let mut distinct = std::collections::HashSet::new();
        for i in 0..144 {
            let size = be(stsz, 12 + 4 * i) as usize;
            let offset = be(stco, 8 + 4 * i) as usize;
            let frame = &mp4[offset..offset + size];
            assert!(frame.starts_with(&[0xFF, 0xD8]) && frame.ends_with(&[0xFF, 0xD9]));
            if distinct.insert(offset) {
                let mut decoder = jpeg_decoder::Decoder::new(frame);
                decoder.decode().unwrap();
                let info = decoder.info().unwrap();
                assert_eq!((info.width, info.height), (1280, 720));
            }
        }
        assert_eq!(distinct.len(), 6, "one picture a second");
    }

    #[test]
    fn multi_shot_tasks_write_the_whole_video_and_each_shot() {
        let automated = check(&json!({
            "taskType": "MULTI_SHOT_AUTOMATED",
            "multiShotAutomatedParams": {"text": "A day in a harbour town"},
            "videoGenerationConfig": {"durationSeconds": 18, "fps": 24, "dimension": "1280x720"}
        }))
        .unwrap();
        let names: Vec<String> = render(&automated, 1)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            names,
            [
                "output.mp4",
                "shot_0001.mp4",
                "shot_0002.mp4",
                "shot_0003.mp4"
            ]
        );
        let manual = check(&json!({
            "taskType": "MULTI_SHOT_MANUAL",
            "multiShotManualParams": {"shots": [{"text": "Dawn"}, {"text": "Dusk"}]},
            "videoGenerationConfig": {"fps": 24, "dimension": "1280x720"}
        }))
        .unwrap();
        let files = render(&manual, 1).unwrap();
        assert_eq!(files.len(), 3);
        let mdhd_frames = |mp4: &[u8]| {
            let moov = boxes(mp4)[1].1;
            be(child(child(child(moov, b"trak"), b"mdia"), b"mdhd"), 16)
        };
        assert_eq!(mdhd_frames(&files[0].body), 2 * 144);
        assert_eq!(mdhd_frames(&files[1].body), 144);
    }

    #[test]
    fn bad_requests_name_the_field_and_what_is_allowed() {
        let cases = [
            (json!({"taskType": "IMAGE_VIDEO"}), "#/taskType"),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": ""}}),
                "#/textToVideoParams/text: expected 1 to 512 characters",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "x".repeat(513)}}),
                "got 513",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi"},
                       "videoGenerationConfig": {"durationSeconds": 12, "fps": 24, "dimension": "1280x720"}}),
                "#/videoGenerationConfig/durationSeconds: expected 6",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi"}}),
                "#/videoGenerationConfig: an object is required",
            ),
            (
                json!({"taskType": "MULTI_SHOT_AUTOMATED", "multiShotAutomatedParams": {"text": "hi"},
                       "videoGenerationConfig": {"durationSeconds": 20, "fps": 24, "dimension": "1280x720"}}),
                "a multiple of 6 from 12 to 120",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi"},
                       "videoGenerationConfig": {"durationSeconds": 6, "fps": 30, "dimension": "1280x720"}}),
                "#/videoGenerationConfig/fps: expected 24",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi"},
                       "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1920x1080"}}),
                "#/videoGenerationConfig/dimension: expected \"1280x720\"",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi"},
                       "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720",
                                                 "seed": 2_147_483_647_u64}}),
                "from 0 to 2147483646",
            ),
            (
                json!({"taskType": "MULTI_SHOT_MANUAL", "multiShotManualParams": {"shots": [{"text": "one"}]}}),
                "expected 2 to 20 shots, got 1",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi", "style": "noir"}}),
                "extraneous key [style]",
            ),
            (
                json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi",
                       "images": [{"format": "gif", "source": {"bytes": ""}}]}}),
                "#/textToVideoParams/images/0/format: expected png or jpeg",
            ),
        ];
        for (body, expected) in cases {
            let rejection = check(&body).unwrap_err();
            assert_eq!(rejection.status, 400, "{body}");
            assert!(
                rejection.message.contains(expected),
                "{body}: {}",
                rejection.message
            );
        }
    }

    static CONFIG: std::sync::LazyLock<Value> = std::sync::LazyLock::new(
        || json!({"durationSeconds": 6, "fps": 24, "dimension": "1280x720"}),
    );

    #[test]
    fn a_starting_image_must_be_1280_by_720() {
        let small = Picture::new(64, 64, 1, &[]).unwrap().to_png().unwrap();
        let right = Picture::new(1280, 720, 1, &[]).unwrap().to_jpeg().unwrap();
        let body = |bytes: &[u8], format: &str| {
            json!({"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "hi", "images": [
                {"format": format, "source": {"bytes": base64::engine::general_purpose::STANDARD.encode(bytes)}}
            ]}, "videoGenerationConfig": CONFIG.clone()})
        };
        let rejection = check(&body(&small, "png")).unwrap_err();
        assert!(
            rejection.message.contains("must be 1280x720; it is 64x64"),
            "{}",
            rejection.message
        );
        check(&body(&right, "jpeg")).unwrap();
    }
}
