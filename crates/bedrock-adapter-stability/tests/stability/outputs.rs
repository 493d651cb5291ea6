//! Responses: documented example bodies (`tests/data/responses/<api>`) parse into the
//! snapshotted images; bodies without a usable image (`responses/rejected`) give typed errors;
//! the images embedded in the fixtures are real ones.

use bedrock_core::{Error, ErrorKind, ImageFormat, ModelAdapter, ModelOutput};
use serde_json::json;

use crate::fixtures::{
    ADAPTER, b64, gradient_png, grey_pixel_jpeg, id, jpeg_size, output_view, png_size,
    response_files, route,
};

#[test]
fn example_responses_parse_into_the_snapshotted_images() {
    for (dir, model) in [
        ("sdxl", "stability.stable-diffusion-xl-v1"),
        ("sd3", "stability.sd3-5-large-v1:0"),
    ] {
        let route = route(&id(model));
        for (name, body) in response_files(dir) {
            let output = ADAPTER
                .parse_output(&route, &body)
                .unwrap_or_else(|e| panic!("{dir}/{name}: {e}"));
            insta::assert_json_snapshot!(
                format!("output-{dir}-{name}").as_str(),
                output_view(&output)
            );
        }
    }
}

#[test]
fn rejected_responses_give_typed_errors() {
    let files = response_files("rejected");
    assert!(files.len() >= 8);
    for (name, body) in files {
        let model = if name.starts_with("sdxl") {
            "stability.stable-diffusion-xl-v1"
        } else {
            "stability.stable-image-core-v1:1"
        };
        let err = ADAPTER
            .parse_output(&route(&id(model)), &body)
            .expect_err(&name);
        let view = json!({
            "kind": err.kind(),
            "retryable": err.is_retryable(),
            "message": err.to_string(),
            "hint": err.hint(),
        });
        insta::assert_json_snapshot!(format!("rejected-{name}").as_str(), view);
    }
}

#[test]
fn decoded_bytes_are_the_embedded_images() {
    let png = gradient_png(4, 4);
    let jpeg = grey_pixel_jpeg();
    let body =
        json!({"seeds": [1, 2], "finish_reasons": [null, null], "images": [b64(&png), b64(&jpeg)]});
    let ModelOutput::Images(out) = ADAPTER
        .parse_output(
            &route(&id("stability.sd3-large-v1:0")),
            body.to_string().as_bytes(),
        )
        .unwrap()
    else {
        panic!("not images")
    };
    assert_eq!(out.images.len(), 2);
    assert_eq!(
        (out.images[0].format, &out.images[0].data),
        (ImageFormat::Png, &png)
    );
    assert_eq!(
        (out.images[1].format, &out.images[1].data),
        (ImageFormat::Jpeg, &jpeg)
    );
    assert_eq!((out.images[0].seed, out.images[1].seed), (Some(1), Some(2)));
}

#[test]
fn undecodable_base64_is_a_decode_error_naming_the_field() {
    let sdxl = json!({"result": "success", "artifacts": [{"seed": 1, "base64": "@@@", "finishReason": "SUCCESS"}]});
    let err = ADAPTER
        .parse_output(
            &route(&id("stability.stable-diffusion-xl-v1")),
            sdxl.to_string().as_bytes(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("artifacts[0].base64"), "{err}");
}

#[test]
fn malformed_bodies_are_decode_errors() {
    for model in [
        "stability.stable-diffusion-xl-v1",
        "stability.sd3-large-v1:0",
    ] {
        let route = route(&id(model));
        for body in [&b""[..], b"not json", b"{\"images\": 3}", b"[1, 2"] {
            let err = ADAPTER.parse_output(&route, body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode, "{model} {body:?}: {err:?}");
        }
    }
}

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
