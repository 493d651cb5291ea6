//! Base64 image payloads: decoding the images a response carries and checking input images.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{Error, ImageFormat, Result};

/// Decodes a response image at `field` (`images[0]`, `artifacts[1].base64`) and names its
/// format from the bytes' magic number. Undecodable base64 and bytes that are no known image
/// format are decode errors: the caller would otherwise save garbage under an image name.
pub(crate) fn decode_response_image(field: &str, b64: &str) -> Result<(ImageFormat, Vec<u8>)> {
    let data = STANDARD.decode(b64.trim()).map_err(|e| Error::Decode {
        message: format!("`{field}` is not valid base64: {e}"),
        source: Some(Box::new(e)),
    })?;
    match ImageFormat::sniff(&data) {
        Some(format) => Ok((format, data)),
        None => Err(Error::decode(format!(
            "`{field}` decodes to {} bytes that are not a PNG, JPEG, GIF or WebP image (first bytes {:02x?})",
            data.len(),
            data.get(..8).unwrap_or(&data)
        ))),
    }
}

/// A format's name as error messages spell it (`PNG`, `JPEG`, `WebP`).
pub(crate) fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Gif => "GIF",
        ImageFormat::Webp => "WebP",
    }
}

/// Checks an input image given as base64 at `field`: it must decode and be one of `formats`.
pub(crate) fn check_input_image(field: &str, b64: &str, formats: &[ImageFormat]) -> Result<()> {
    let names: Vec<&str> = formats.iter().map(|f| format_name(*f)).collect();
    let listed = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    };
    let allowed = format!("a base64-encoded {listed} image");
    let head: String = b64.chars().take(24).collect();
    let shown = format!("{head:?} ({} characters)", b64.chars().count());
    let data = STANDARD
        .decode(b64.trim())
        .map_err(|e| Error::invalid(field, format!("{shown}, not base64: {e}"), &allowed))?;
    match ImageFormat::sniff(&data) {
        Some(f) if formats.contains(&f) => Ok(()),
        Some(f) => Err(Error::invalid(
            field,
            format!("a {} image", format_name(f)),
            allowed,
        )),
        None => Err(Error::invalid(
            field,
            format!("{shown}, not an image"),
            allowed,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR";

    #[test]
    fn response_images_are_decoded_and_sniffed() {
        let b64 = STANDARD.encode(PNG_HEAD);
        let (format, data) = decode_response_image("images[0]", &b64).unwrap();
        assert_eq!((format, data.as_slice()), (ImageFormat::Png, PNG_HEAD));
        let err = decode_response_image("images[0]", "not base64!").unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(
            err.to_string().contains("`images[0]` is not valid base64"),
            "{err}"
        );
        let err = decode_response_image("artifacts[0].base64", &STANDARD.encode(b"plain text"))
            .unwrap_err();
        assert!(
            err.to_string().contains("not a PNG, JPEG, GIF or WebP"),
            "{err}"
        );
    }

    #[test]
    fn input_images_must_be_an_allowed_format() {
        let png = STANDARD.encode(PNG_HEAD);
        assert!(check_input_image("image", &png, &[ImageFormat::Png, ImageFormat::Jpeg]).is_ok());
        let err = check_input_image("image", &png, &[ImageFormat::Jpeg]).unwrap_err();
        assert_eq!(err.field(), Some("image"));
        assert!(err.to_string().contains("a PNG image"), "{err}");
        let err = check_input_image("init_image", "%%%", &[ImageFormat::Png]).unwrap_err();
        assert_eq!(err.field(), Some("init_image"));
        assert!(err.to_string().contains("not base64"), "{err}");
        assert!(
            err.to_string().contains("base64-encoded PNG image"),
            "{err}"
        );
    }
}
