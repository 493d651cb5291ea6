//! Responses: documented example bodies (`tests/data/responses/<api>`) parse into the
//! snapshotted images; bodies without a usable image (`responses/rejected`) give typed errors.

mod support;

use bedrock_adapter_stability::StabilityAdapter;
use bedrock_core::{Error, ErrorKind, ImageFormat, ModelAdapter, ModelId, ModelOutput};
use serde_json::json;
use support::{b64, gradient_png, grey_pixel_jpeg, output_view, response_files};

fn id(s: &str) -> ModelId {
    s.parse().unwrap()
}

#[test]
fn example_responses_parse_into_the_snapshotted_images() {
    let adapter = StabilityAdapter::new();
    for (dir, model) in [
        ("sdxl", "stability.stable-diffusion-xl-v1"),
        ("sd3", "stability.sd3-5-large-v1:0"),
    ] {
        for (name, body) in response_files(dir) {
            let output = adapter
                .parse_output(&id(model), &body)
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
    let adapter = StabilityAdapter::new();
    let files = response_files("rejected");
    assert!(files.len() >= 8);
    for (name, body) in files {
        let model = if name.starts_with("sdxl") {
            "stability.stable-diffusion-xl-v1"
        } else {
            "stability.stable-image-core-v1:1"
        };
        let err = adapter.parse_output(&id(model), &body).expect_err(&name);
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
    let adapter = StabilityAdapter::new();
    let png = gradient_png(4, 4);
    let jpeg = grey_pixel_jpeg();
    let body =
        json!({"seeds": [1, 2], "finish_reasons": [null, null], "images": [b64(&png), b64(&jpeg)]});
    let ModelOutput::Images(out) = adapter
        .parse_output(&id("stability.sd3-large-v1:0"), body.to_string().as_bytes())
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
    let adapter = StabilityAdapter::new();
    let sdxl = json!({"result": "success", "artifacts": [{"seed": 1, "base64": "@@@", "finishReason": "SUCCESS"}]});
    let err = adapter
        .parse_output(
            &id("stability.stable-diffusion-xl-v1"),
            sdxl.to_string().as_bytes(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("artifacts[0].base64"), "{err}");
}

#[test]
fn malformed_bodies_are_decode_errors() {
    let adapter = StabilityAdapter::new();
    for model in [
        "stability.stable-diffusion-xl-v1",
        "stability.sd3-large-v1:0",
    ] {
        for body in [&b""[..], b"not json", b"{\"images\": 3}", b"[1, 2"] {
            let err = adapter.parse_output(&id(model), body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode, "{model} {body:?}: {err:?}");
        }
    }
}
