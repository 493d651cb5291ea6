//! The images embedded in the fixtures are real: what the png crate encodes, or a complete JPEG.

mod support;

use bedrock_core::ImageFormat;
use support::{b64, gradient_png, grey_pixel_jpeg, jpeg_size, png_size};

#[test]
fn the_png_fixtures_decode_with_the_png_crate() {
    for (w, h) in [(4, 4), (3, 2)] {
        let png = gradient_png(w, h);
        assert_eq!(ImageFormat::sniff(&png), Some(ImageFormat::Png));
        assert_eq!(png_size(&png), (w, h));
    }
}

#[test]
fn the_jpeg_fixture_is_a_complete_baseline_jpeg() {
    let jpeg = grey_pixel_jpeg();
    assert_eq!(ImageFormat::sniff(&jpeg), Some(ImageFormat::Jpeg));
    assert_eq!(jpeg_size(&jpeg), (1, 1));
}

/// Prints the base64 the fixture files embed; run with `--ignored --nocapture` to regenerate.
#[test]
#[ignore = "prints fixture data; run by hand when fixtures change"]
fn print_fixture_images() {
    println!("png 4x4: {}", b64(&gradient_png(4, 4)));
    println!("png 3x2: {}", b64(&gradient_png(3, 2)));
    println!("jpeg 1x1: {}", b64(&grey_pixel_jpeg()));
}
