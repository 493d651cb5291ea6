//! Requests an attacker would send (issue 17): source images whose headers claim absurd sizes,
//! fault rules whose latencies overflow a `Duration`, model ids that would grow the request log
//! and the attempt counters. Each is answered with a typed error or a saturated value, state
//! stays within its stated bounds, and a good request right after still gets a good answer.

mod common;

use std::time::Duration;

use base64::Engine as _;
use bedrock_core::Region;
use bedrock_simulator::{Fault, FaultRule, SimRequest, Simulator, SimulatorConfig};
use common::{details, invoke, sim};
use serde_json::{Value, json};

const SDXL: &str = "stability.stable-diffusion-xl-v1";
const SD35: &str = "stability.sd3-5-large-v1:0";
const TITAN_V1: &str = "amazon.titan-image-generator-v1";
const TITAN_V2: &str = "amazon.titan-image-generator-v2:0";
const NOVA_CANVAS: &str = "amazon.nova-canvas-v1:0";

/// The sizes the issue reported: one that aborted the process on allocation, one whose byte
/// count overflows `usize` arithmetic, one with a zero side.
const HOSTILE_SIZES: [(u32, u32); 3] = [(100_000, 100_000), (1 << 31, 1 << 31), (0, 10)];

/// The first 33 bytes of a PNG: signature and IHDR claiming `width`×`height`. The simulator
/// reads only the header, so this is all an attacker needs to send.
fn png_header(width: u32, height: u32) -> String {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A baseline JPEG's markers up to its frame header claiming `width`×`height` (sides are 16
/// bits in a JPEG).
fn jpeg_header(width: u16, height: u16) -> String {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn png_size(b64: &str) -> (u32, u32) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    (reader.info().width, reader.info().height)
}

async fn call(sim: &Simulator, model: &str, body: &Value) -> Result<Value, bedrock_core::Error> {
    let region = if model.starts_with("stability.") {
        Region::UsWest2
    } else {
        Region::UsEast1
    };
    let resp = invoke(sim, model, region, body).await?;
    Ok(serde_json::from_slice(&resp.body).unwrap())
}

/// Asserts a 400 `ValidationException` whose message names `field` and each of `words`.
async fn assert_rejected(sim: &Simulator, model: &str, body: &Value, field: &str, words: &[&str]) {
    let e = call(sim, model, body)
        .await
        .expect_err("a hostile image size is refused");
    let (error_type, status, message) = details(&e);
    assert_eq!((error_type.as_str(), status), ("ValidationException", 400));
    assert!(
        message.starts_with("Malformed input request: "),
        "{message}"
    );
    assert!(message.contains(field), "names {field}: {message}");
    for word in words {
        assert!(message.contains(word), "says {word:?}: {message}");
    }
}

fn sdxl_body(init_image: &str) -> Value {
    json!({"text_prompts": [{"text": "a red fox"}], "init_image": init_image, "image_strength": 0.4})
}

fn sd3_body(image: &str) -> Value {
    json!({"prompt": "a red fox", "mode": "image-to-image", "image": image, "strength": 0.5})
}

fn titan_body(task: &str, image: &str) -> Value {
    match task {
        "INPAINTING" => json!({
            "taskType": "INPAINTING",
            "inPaintingParams": {"image": image, "text": "a red fox", "maskPrompt": "the dog"}
        }),
        "OUTPAINTING" => json!({
            "taskType": "OUTPAINTING",
            "outPaintingParams": {"image": image, "text": "a red fox", "maskPrompt": "the dog"}
        }),
        "IMAGE_VARIATION" => json!({
            "taskType": "IMAGE_VARIATION",
            "imageVariationParams": {"images": [image], "text": "a red fox"}
        }),
        _ => json!({"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": image}}),
    }
}

#[tokio::test]
async fn stability_image_to_image_refuses_sizes_outside_the_models_limits() {
    let sim = sim();
    for (w, h) in HOSTILE_SIZES {
        let image = png_header(w, h);
        assert_rejected(
            &sim,
            SDXL,
            &sdxl_body(&image),
            "#/init_image",
            &[&format!("{w}x{h}"), "1024x1024"],
        )
        .await;
        let good = call(&sim, SDXL, &sdxl_body(&png_header(1152, 896)))
            .await
            .unwrap();
        assert_eq!(
            png_size(good["artifacts"][0]["base64"].as_str().unwrap()),
            (1152, 896)
        );

        assert_rejected(
            &sim,
            SD35,
            &sd3_body(&image),
            "#/image",
            &[&format!("{w}x{h}"), "64", "9437184"],
        )
        .await;
        let good = call(&sim, SD35, &sd3_body(&png_header(640, 480)))
            .await
            .unwrap();
        assert_eq!(png_size(good["images"][0].as_str().unwrap()), (640, 480));
    }
    // JPEG headers are read the same way; 16-bit sides can still ask for 4 billion pixels.
    assert_rejected(
        &sim,
        SD35,
        &sd3_body(&jpeg_header(65_535, 65_535)),
        "#/image",
        &["65535x65535"],
    )
    .await;
    // Stability's rules: sides of at least 64 pixels, at most 9,437,184 pixels, aspect ratio
    // between 1:2.5 and 2.5:1. Just inside and just outside each.
    for (w, h, ok) in [
        (64, 64, true),
        (63, 64, false),
        (3072, 3072, true),
        (3072, 3073, false),
        (160, 64, true),
        (161, 64, false),
    ] {
        let result = call(&sim, SD35, &sd3_body(&png_header(w, h))).await;
        assert_eq!(result.is_ok(), ok, "{w}x{h}: {result:?}");
    }
}

#[tokio::test]
async fn titan_and_nova_canvas_editing_refuse_sizes_outside_the_models_limits() {
    let sim = sim();
    for (w, h) in HOSTILE_SIZES {
        let image = png_header(w, h);
        for (model, task) in [
            (TITAN_V1, "INPAINTING"),
            (TITAN_V1, "OUTPAINTING"),
            (TITAN_V1, "IMAGE_VARIATION"),
            (TITAN_V2, "INPAINTING"),
            (TITAN_V2, "BACKGROUND_REMOVAL"),
            (NOVA_CANVAS, "OUTPAINTING"),
            (NOVA_CANVAS, "BACKGROUND_REMOVAL"),
        ] {
            let field = match task {
                "INPAINTING" => "#/inPaintingParams/image",
                "OUTPAINTING" => "#/outPaintingParams/image",
                "IMAGE_VARIATION" => "#/imageVariationParams/images/0",
                _ => "#/backgroundRemovalParams/image",
            };
            assert_rejected(
                &sim,
                model,
                &titan_body(task, &image),
                field,
                &[&format!("{w}x{h}")],
            )
            .await;
            let good = call(&sim, model, &titan_body(task, &png_header(640, 480)))
                .await
                .unwrap_or_else(|e| panic!("{model} {task}: {e}"));
            let size = png_size(good["images"][0].as_str().unwrap());
            if task != "IMAGE_VARIATION" {
                assert_eq!(size, (640, 480), "{model} {task}: the source's size");
            }
        }
    }
    // Titan G1 edits sources up to 1,408 pixels a side; Nova Canvas up to 4,096 a side and
    // 4,194,304 pixels.
    for (model, w, h, ok) in [
        (TITAN_V1, 1408, 1408, true),
        (TITAN_V1, 1409, 1408, false),
        (NOVA_CANVAS, 2048, 2048, true),
        (NOVA_CANVAS, 4096, 1024, true),
        (NOVA_CANVAS, 4097, 320, false),
        (NOVA_CANVAS, 2048, 2049, false),
    ] {
        let result = call(&sim, model, &titan_body("INPAINTING", &png_header(w, h))).await;
        assert_eq!(result.is_ok(), ok, "{model} {w}x{h}: {result:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn latency_faults_that_overflow_a_duration_saturate() {
    const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
    let sim = sim();
    for _ in 0..1001 {
        sim.add_fault(FaultRule::new(Fault::Latency { millis: u64::MAX }).model(TITAN_TEXT));
    }
    // The sync control-plane call plans the faults without waiting: this summed the delays
    // with `+` and panicked.
    let model = sim
        .get_foundation_model(Region::UsEast1, TITAN_TEXT)
        .unwrap();
    assert_eq!(model.model_id, TITAN_TEXT);

    // The runtime call waits (the paused clock jumps ahead) and reports a saturated latency.
    let body = serde_json::to_vec(&json!({"inputText": "hello there"})).unwrap();
    let resp = sim
        .invoke(SimRequest::invoke(
            TITAN_TEXT,
            Region::UsEast1,
            body.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(resp.latency, Duration::MAX);
    let log = sim.request_log();
    let last = log.last().unwrap();
    assert_eq!(last.outcome.status, 200);
    assert_eq!(last.outcome.faults.len(), 1001);

    // Another model is untouched by the rules and answers at once.
    let resp = sim
        .invoke(SimRequest::invoke(
            "amazon.titan-text-lite-v1",
            Region::UsEast1,
            body,
        ))
        .await
        .unwrap();
    assert!(resp.latency < Duration::from_secs(60), "{:?}", resp.latency);
}

#[tokio::test]
async fn the_request_log_cuts_long_ids_and_keeps_within_its_byte_budget() {
    const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
    let sim = Simulator::new(SimulatorConfig {
        log_max_bytes: 64 * 1024,
        ..SimulatorConfig::with_seed(3)
    });
    let body = br#"{"inputText": "hello"}"#;
    // Every id Bedrock accepts (up to 2,048 characters) is logged as received.
    let arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1";
    for id in [TITAN_TEXT, arn] {
        sim.invoke(SimRequest::invoke(id, Region::UsEast1, &body[..]))
            .await
            .unwrap();
        let log = sim.request_log();
        assert_eq!(log.last().unwrap().model_id.as_deref(), Some(id));
    }
    let longest_valid = format!("amazon.{}", "a".repeat(2048 - "amazon.".len()));
    let too_long = format!("amazon.{}é", "a".repeat(3000));
    for (id, kept) in [
        (longest_valid.as_str(), longest_valid.clone()),
        // Cut at 2,048 bytes (here inside no character) and marked.
        (too_long.as_str(), format!("{}…", &too_long[..2048])),
    ] {
        sim.invoke(SimRequest::invoke(id, Region::UsEast1, &body[..]))
            .await
            .unwrap_err();
        let log = sim.request_log();
        assert_eq!(log.last().unwrap().model_id.as_deref(), Some(kept.as_str()));
    }

    // 1,000 calls with 2 KB ids: the budget keeps the newest entries that fit in 64 KiB.
    for i in 0..1000 {
        let id = format!("x{i:04}{}", "y".repeat(2100));
        sim.invoke(SimRequest::invoke(id, Region::UsEast1, &body[..]))
            .await
            .unwrap_err();
    }
    let footprint = sim.footprint();
    assert!(footprint.log_bytes <= 64 * 1024, "{footprint:?}");
    assert!(
        (25..=32).contains(&footprint.log_entries),
        "2 KB entries in 64 KiB: {footprint:?}"
    );
    let log = sim.request_log();
    assert_eq!(log.len(), footprint.log_entries);
    assert!(
        log.last()
            .unwrap()
            .model_id
            .as_ref()
            .unwrap()
            .starts_with("x0999")
    );
    assert_eq!(
        log.windows(2)
            .filter(|w| w[1].sequence != w[0].sequence + 1)
            .count(),
        0,
        "the newest entries, in order"
    );

    // Thousands of fault rules firing on one call make an entry bigger than the whole budget:
    // it is dropped rather than kept over budget.
    for _ in 0..5000 {
        sim.add_fault(FaultRule::new(Fault::Latency { millis: 0 }).model(TITAN_TEXT));
    }
    sim.invoke(SimRequest::invoke(TITAN_TEXT, Region::UsEast1, &body[..]))
        .await
        .unwrap();
    assert!(sim.footprint().log_bytes <= 64 * 1024);
    assert!(
        sim.request_log()
            .iter()
            .all(|e| e.outcome.faults.len() < 5000)
    );
    sim.set_faults(Vec::new());
    sim.invoke(SimRequest::invoke(TITAN_TEXT, Region::UsEast1, &body[..]))
        .await
        .unwrap();
    assert_eq!(
        sim.request_log().last().unwrap().model_id.as_deref(),
        Some(TITAN_TEXT)
    );
    // By bare id and by ARN at the start, then the two calls above.
    assert_eq!(sim.attempts_for(TITAN_TEXT), 4);
}

#[tokio::test]
async fn attempt_counters_are_bounded_outside_the_catalog() {
    let sim = sim();
    let body = br#"{"inputText": "hello"}"#;
    // Well-formed ids that name no catalog model: the first 256 distinct ones are counted.
    for i in 0..1000 {
        let id = format!("amazon.made-up-{i}-v1");
        sim.invoke(SimRequest::invoke(id, Region::UsEast1, &body[..]))
            .await
            .unwrap_err();
    }
    assert_eq!(sim.attempts_for("amazon.made-up-0-v1"), 1);
    assert_eq!(sim.attempts_for("amazon.made-up-255-v1"), 1);
    assert_eq!(sim.attempts_for("amazon.made-up-256-v1"), 0);
    // Malformed ids are not counted at all.
    for i in 0..1000 {
        sim.invoke(SimRequest::invoke(
            format!("not a model id {i}"),
            Region::UsEast1,
            &body[..],
        ))
        .await
        .unwrap_err();
    }
    assert_eq!(sim.attempts_for("not a model id 0"), 0);
    assert_eq!(sim.footprint().attempt_counters, 256);
    // Catalog models are always counted, however they are addressed.
    for id in [
        "amazon.titan-text-express-v1",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
    ] {
        sim.invoke(SimRequest::invoke(id, Region::UsEast1, &body[..]))
            .await
            .unwrap();
    }
    assert_eq!(sim.attempts_for("amazon.titan-text-express-v1"), 2);
    assert_eq!(sim.footprint().attempt_counters, 257);
    sim.reset();
    assert_eq!(sim.footprint().attempt_counters, 0);
}
