//! Loaders for the data files under `tests/data`, the registry and routes every test goes
//! through, the images embedded in the fixtures, and a view of parsed outputs for snapshots.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_adapter_stability::StabilityAdapter;
use bedrock_core::{
    ImageFormat, InvokeOptions, ModelId, ModelInput, ModelOutput, PreparedCall, Registry, Result,
    Route,
};
use serde::Deserialize;
use serde_json::{Value, json};

pub const ADAPTER: StabilityAdapter = StabilityAdapter;

/// `tests/data/<rel>` inside this package.
pub fn data_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn read_json<T: for<'de> Deserialize<'de>>(rel: &str) -> T {
    let path = data_path(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn id(s: &str) -> ModelId {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A registry holding only this adapter, as `register` fills it.
pub fn registry() -> Registry {
    let registry = Registry::new();
    bedrock_adapter_stability::register(&registry);
    registry
}

/// The route by which the registry sends `model_id` to the adapter.
pub fn route(model_id: &ModelId) -> Route {
    registry()
        .resolve(model_id)
        .unwrap_or_else(|e| panic!("{model_id}: {e}"))
        .route
}

/// Resolves `model_id`, checks the capabilities and builds the body, as a typed call does.
pub fn prepare(model_id: &ModelId, input: &ModelInput) -> Result<PreparedCall> {
    registry().prepare(model_id, input, InvokeOptions::default())
}

/// One valid input: a model, a family-neutral input, and the name its snapshot goes under.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputCase {
    /// The snapshot name (`body-NAME`).
    pub name: String,
    /// What the case shows.
    pub about: String,
    /// The model the body is built for.
    pub model_id: ModelId,
    /// The input.
    pub input: ModelInput,
}

/// The table in `tests/data/valid_inputs.json`.
pub fn valid_inputs() -> Vec<InputCase> {
    read_json("valid_inputs.json")
}

/// One bad input and the body field its error must name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidCase {
    /// What is wrong.
    pub about: String,
    /// The model the body is built for.
    pub model_id: ModelId,
    /// The field the error must name.
    pub field: String,
    /// The input.
    pub input: ModelInput,
}

/// The table in `tests/data/invalid_inputs.json`.
pub fn invalid_inputs() -> Vec<InvalidCase> {
    read_json("invalid_inputs.json")
}

/// The response fixtures of one directory (`responses/sdxl`), as (file stem, body bytes),
/// sorted by name.
pub fn response_files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = data_path(&format!("responses/{dir}"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixture in {}", dir.display());
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            serde_json::from_slice::<Value>(&bytes)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p.file_stem().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// A small PNG encoded by the png crate: an RGB gradient, `width` x `height`.
pub fn gradient_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let mut pixels = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                let r = (x * 255 / width.max(2).saturating_sub(1).max(1)).min(255) as u8;
                let g = (y * 255 / height.max(2).saturating_sub(1).max(1)).min(255) as u8;
                pixels.extend_from_slice(&[r, g, 128]);
            }
        }
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

/// A complete baseline JPEG of one mid-grey pixel, assembled marker by marker: JFIF header, an
/// all-ones quantisation table, a 1x1 one-component frame, one-code Huffman tables for DC and AC,
/// and a scan whose only block is "DC difference 0, end of block" (bits `00`, padded with ones).
pub fn grey_pixel_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8]; // SOI
    j.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend_from_slice(&[1; 64]);
    j.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    for class_and_id in [0x00, 0x10] {
        j.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class_and_id, 1]);
        j.extend_from_slice(&[0; 15]);
        j.push(0x00);
    }
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0]);
    j.push(0b0011_1111);
    j.extend_from_slice(&[0xFF, 0xD9]); // EOI
    j
}

/// Width and height of a PNG, decoding it fully with the png crate (CRCs and zlib checked).
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane PNG size")];
    let frame = reader.next_frame(&mut buf).expect("PNG image data");
    (frame.width, frame.height)
}

/// Width and height of a baseline JPEG, walking its markers to the frame header and checking
/// it ends with EOI.
pub fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "JPEG starts with SOI");
    assert_eq!(
        &bytes[bytes.len() - 2..],
        &[0xFF, 0xD9],
        "JPEG ends with EOI"
    );
    let mut at = 2;
    while at + 4 <= bytes.len() {
        assert_eq!(bytes[at], 0xFF, "a marker at byte {at}");
        let marker = bytes[at + 1];
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if marker == 0xC0 {
            let h = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let w = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            return (u32::from(w), u32::from(h));
        }
        at += 2 + len;
    }
    panic!("no SOF0 frame header");
}

/// A view of a parsed output for snapshots: each image's format, size in pixels (decoded),
/// byte length, seed and finish reason; the bytes themselves are checked, not printed.
pub fn output_view(output: &ModelOutput) -> Value {
    let ModelOutput::Images(images) = output else {
        panic!("not images: {output:?}")
    };
    let images: Vec<Value> = images
        .images
        .iter()
        .map(|img| {
            assert_eq!(
                ImageFormat::sniff(&img.data),
                Some(img.format),
                "format matches the bytes"
            );
            let (w, h) = match img.format {
                ImageFormat::Png => png_size(&img.data),
                ImageFormat::Jpeg => jpeg_size(&img.data),
                other => panic!("unexpected fixture format {other:?}"),
            };
            json!({
                "format": img.format,
                "pixels": format!("{w}x{h}"),
                "bytes": img.data.len(),
                "seed": img.seed,
                "finish_reason": img.finish_reason,
            })
        })
        .collect();
    json!({ "images": images })
}

/// Base64 of bytes.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
