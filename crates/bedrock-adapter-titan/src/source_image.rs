//! Source images inside Titan Image Generator bodies: base64 PNG or JPEG strings, decoded and
//! sized from their header so a bad or oversized image is refused before it is sent.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{Error, ImageFormat, Result};

/// What every source image must be, as errors state it.
pub(crate) const SOURCE_IMAGE: &str = "a base64-encoded PNG or JPEG image";

/// Decodes the base64 image at `field` and checks that it is a PNG or JPEG whose sides are
/// `1..=max_side` pixels; returns its `(width, height)`.
pub(crate) fn check(field: &str, b64: &str, max_side: u32) -> Result<(u32, u32)> {
    // The value itself can be megabytes of base64: errors show its length instead.
    let shown = || format!("{} characters", b64.chars().count());
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| Error::invalid(field, format!("{}, not base64", shown()), SOURCE_IMAGE))?;
    let format = ImageFormat::sniff(&bytes);
    if !matches!(format, Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        let what = format.map_or("not an image", ImageFormat::media_type);
        return Err(Error::invalid(
            field,
            format!("{}, {what}", shown()),
            SOURCE_IMAGE,
        ));
    }
    let Some((width, height)) = header_size(&bytes) else {
        return Err(Error::invalid(
            field,
            format!("{}, a header without a size", shown()),
            SOURCE_IMAGE,
        ));
    };
    let sides = 1..=max_side;
    if !sides.contains(&width) || !sides.contains(&height) {
        return Err(Error::invalid(
            field,
            format!("a {width}x{height} image"),
            format!("a PNG or JPEG image of 1..={max_side} pixels a side"),
        ));
    }
    Ok((width, height))
}

/// The width and height of a PNG or JPEG, read from its header; `None` when the header is cut
/// short or holds no frame.
pub(crate) fn header_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if let Some(rest) = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n") {
        // IHDR is the first chunk: its length and type (8 bytes), then width and height.
        let width = rest.get(8..12)?.try_into().ok()?;
        let height = rest.get(12..16)?.try_into().ok()?;
        return Some((u32::from_be_bytes(width), u32::from_be_bytes(height)));
    }
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    // JPEG: segments of 0xFF, a marker and a length that counts itself, up to a start of frame
    // (any 0xC0..=0xCF but the Huffman, arithmetic-coding and DAC tables 0xC4, 0xC8, 0xCC),
    // whose data is the precision, the height and the width.
    let mut at = 2;
    loop {
        let &[0xFF, marker, length_high, length_low] = bytes.get(at..at + 4)? else {
            return None;
        };
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let &[_precision, height_high, height_low, width_high, width_low] =
                bytes.get(at + 4..at + 9)?
            else {
                return None;
            };
            let height = u16::from_be_bytes([height_high, height_low]);
            let width = u16::from_be_bytes([width_high, width_low]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + usize::from(u16::from_be_bytes([length_high, length_low]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_come_from_png_and_jpeg_headers() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x05\x80\0\0\x00\x02";
        assert_eq!(header_size(png), Some((1408, 2)));
        assert_eq!(header_size(&png[..20]), None);
        // SOI, an APP0 segment of 4 bytes, then SOF0: length, precision 8, height 2, width 3.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x02, 0x00, 0x03,
        ];
        assert_eq!(header_size(&jpeg), Some((3, 2)));
        assert_eq!(header_size(&jpeg[..12]), None);
        // A Huffman table (0xC4) is skipped; the progressive frame (0xC2) after it counts.
        let progressive = [
            0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xC2, 0x00, 0x11, 0x08, 0x00, 0x05, 0x00,
            0x07,
        ];
        assert_eq!(header_size(&progressive), Some((7, 5)));
        // A segment that does not start with 0xFF ends the walk.
        assert_eq!(header_size(&[0xFF, 0xD8, 0x00, 0xC0, 0, 0, 0, 0, 0]), None);
        assert_eq!(header_size(b"GIF89a\x02\0\x02\0"), None);
    }

    #[test]
    fn checks_name_the_field_and_the_bound() {
        let png = STANDARD.encode(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x05\x81\0\0\x00\x02");
        let err = check("inPaintingParams.image", &png, 1408).unwrap_err();
        assert_eq!(err.field(), Some("inPaintingParams.image"));
        assert!(err.to_string().contains("1409x2"), "{err}");
        assert!(err.to_string().contains("1..=1408 pixels a side"), "{err}");
        let err = check("x", "not base64!", 1408).unwrap_err();
        assert!(err.to_string().contains("not base64"), "{err}");
        let err = check("x", &STANDARD.encode(b"GIF89a\x02\0\x02\0"), 1408).unwrap_err();
        assert!(err.to_string().contains("image/gif"), "{err}");
        let err = check("x", "", 1408).unwrap_err();
        assert!(
            err.to_string().contains("0 characters, not an image"),
            "{err}"
        );
        let cut = STANDARD.encode(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR");
        let err = check("x", &cut, 1408).unwrap_err();
        assert!(err.to_string().contains("header without a size"), "{err}");
        let zero = STANDARD.encode(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\0\0\0\0\x02");
        assert!(check("x", &zero, 1408).is_err());
    }
}
