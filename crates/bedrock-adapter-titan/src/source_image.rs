//! Source images inside Titan Image Generator bodies: base64 PNG or JPEG strings, decoded and
//! sized from their header so a bad or oversized image is refused before it is sent.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{Error, ImageFormat, Result, image_dimensions};

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
    let Some((width, height)) = image_dimensions(&bytes) else {
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

#[cfg(test)]
mod tests {
    use super::*;

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
