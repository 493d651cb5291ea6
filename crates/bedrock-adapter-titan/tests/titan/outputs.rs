//! Documented example responses (`tests/data/responses`) and recorded streams
//! (`tests/data/streams`) parsed into the neutral outputs, snapshotted; error-carrying and
//! malformed responses.

use std::io::Cursor;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bedrock_core::{
    Error, ErrorKind, ImageFormat, ModelAdapter, ModelOutput, StopReason, StreamEvent,
    TextAccumulator,
};
use serde_json::json;

use crate::fixtures::{ADAPTER, STREAMS, example_png, responses, route, stream};

/// Decodes a PNG with the `png` crate: (width, height, RGB(A) bytes).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(bytes))
        .read_info()
        .expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut pixels).expect("a PNG frame");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Encodes an RGB PNG with the `png` crate.
fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(rgb).unwrap();
    writer.finish().unwrap();
    out
}

/// What a snapshot shows of an output: images as their format, size and decoded dimensions
/// rather than their bytes.
fn summary(output: &ModelOutput) -> serde_json::Value {
    match output {
        ModelOutput::Images(images) => json!({
            "kind": "images",
            "images": images.images.iter().map(|image| {
                let (width, height, _) = decode_png(&image.data);
                json!({
                    "format": image.format,
                    "bytes": image.data.len(),
                    "width": width,
                    "height": height,
                    "seed": image.seed,
                    "finish_reason": image.finish_reason,
                })
            }).collect::<Vec<_>>(),
        }),
        // Through the text form, so f32 vectors read as the decimals the response carried.
        other => serde_json::from_str(&serde_json::to_string(other).unwrap()).unwrap(),
    }
}

#[test]
fn documented_responses_parse_to_the_snapshotted_outputs() {
    let cases = responses();
    assert!(cases.len() >= 10);
    for (case, body) in &cases {
        let output = ADAPTER
            .parse_output(&route(&case.model_id), body)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        insta::assert_json_snapshot!(format!("output_{}", case.name), summary(&output));
    }
}

#[test]
fn the_example_image_is_a_real_png() {
    let png = example_png();
    assert_eq!(ImageFormat::sniff(&png), Some(ImageFormat::Png));
    let (width, height, pixels) = decode_png(&png);
    assert_eq!((width, height), (3, 2));
    assert_eq!(
        pixels,
        [
            255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 255, 255, 255
        ]
    );
}

#[test]
fn images_come_back_byte_for_byte() {
    let rgb: Vec<u8> = (0..4 * 4 * 3).map(|i| (i * 7 % 256) as u8).collect();
    let png = encode_png(4, 4, &rgb);
    let body = json!({"images": [STANDARD.encode(&png)], "error": null}).to_string();
    let ModelOutput::Images(output) = ADAPTER
        .parse_output(&route("amazon.titan-image-generator-v2:0"), body.as_bytes())
        .unwrap()
    else {
        panic!("not images")
    };
    assert_eq!(output.images.len(), 1);
    assert_eq!(output.images[0].format, ImageFormat::Png);
    assert_eq!(output.images[0].data, png);
    assert_eq!(decode_png(&output.images[0].data), (4, 4, rgb));
}

#[test]
fn error_only_responses_are_model_errors() {
    for (model, body, message) in [
        (
            "amazon.titan-image-generator-v1",
            json!({"images": [], "error": "This request has been blocked by our content filters."}),
            "This request has been blocked by our content filters.",
        ),
        (
            "amazon.titan-embed-image-v1",
            json!({"embedding": null, "inputTextTokenCount": 0, "message": "Image exceeds the maximum resolution."}),
            "Image exceeds the maximum resolution.",
        ),
    ] {
        let err = ADAPTER
            .parse_output(&route(model), body.to_string().as_bytes())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ModelError, "{model}: {err}");
        assert_eq!(err.service_message(), Some(message));
    }
}

#[test]
fn malformed_responses_are_decode_errors() {
    for (model, body, needle) in [
        (
            "amazon.titan-text-express-v1",
            "not json",
            "Titan Text response",
        ),
        (
            "amazon.titan-text-express-v1",
            r#"{"inputTextTokenCount": 3, "results": []}"#,
            "`results` is empty",
        ),
        (
            "amazon.titan-text-express-v1",
            r#"{"results": [{"tokenCount": 1}]}"#,
            "outputText",
        ),
        (
            "amazon.titan-embed-text-v2:0",
            r#"{"inputTextTokenCount": 3}"#,
            "no `embedding`",
        ),
        (
            "amazon.titan-embed-text-v1",
            r#"{"embedding": ["a"]}"#,
            "Titan Embeddings response",
        ),
        (
            "amazon.titan-embed-image-v1",
            r#"{"inputTextTokenCount": 3}"#,
            "no `embedding`",
        ),
        (
            "amazon.titan-image-generator-v1",
            r#"{"images": []}"#,
            "no images",
        ),
        (
            "amazon.titan-image-generator-v1",
            r#"{"images": ["***"]}"#,
            "images[0] is not base64",
        ),
        (
            "amazon.titan-image-generator-v1",
            r#"{"images": ["aGVsbG8="]}"#,
            "images[0] is not a PNG",
        ),
    ] {
        let err = ADAPTER
            .parse_output(&route(model), body.as_bytes())
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{model} {body}: {err}");
        assert!(err.to_string().contains(needle), "{model} {body}: {err}");
    }
}

#[test]
fn streams_add_up_to_the_whole_response() {
    let model = route("amazon.titan-text-express-v1");
    for name in STREAMS {
        let (chunks, whole) = stream(name);
        let mut events = Vec::new();
        let mut accumulator = TextAccumulator::new();
        for chunk in &chunks {
            for event in ADAPTER.parse_stream_chunk(&model, chunk).unwrap() {
                accumulator.push(&event);
                events.push(event);
            }
        }
        insta::assert_json_snapshot!(format!("stream_{name}"), events);
        let ModelOutput::Text(expected) = ADAPTER.parse_output(&model, &whole).unwrap() else {
            panic!("not text")
        };
        assert_eq!(accumulator.finish(), expected, "{name}");
    }
}

#[test]
fn completion_reasons_map_to_neutral_stop_reasons() {
    let model = route("amazon.titan-text-lite-v1");
    for (reason, expected) in [
        ("FINISH", StopReason::EndTurn),
        ("FINISHED", StopReason::EndTurn),
        ("LENGTH", StopReason::MaxTokens),
        ("STOP_CRITERIA_MET", StopReason::StopSequence),
        ("CONTENT_FILTERED", StopReason::ContentFiltered),
        (
            "RAG_QUERY_WHEN_RAG_DISABLED",
            StopReason::Other("RAG_QUERY_WHEN_RAG_DISABLED".into()),
        ),
    ] {
        let chunk = json!({"outputText": "", "index": 0, "completionReason": reason}).to_string();
        let events = ADAPTER
            .parse_stream_chunk(&model, chunk.as_bytes())
            .unwrap();
        assert_eq!(
            events,
            vec![StreamEvent::Stop {
                reason: expected.clone()
            }],
            "{reason}"
        );
        let body =
            json!({"results": [{"outputText": "x", "completionReason": reason}]}).to_string();
        let ModelOutput::Text(output) = ADAPTER.parse_output(&model, body.as_bytes()).unwrap()
        else {
            panic!("not text")
        };
        assert_eq!(output.stop_reason, Some(expected), "{reason}");
        assert_eq!(output.usage, None, "no counts reported");
    }
}
