//! Each model family's InvokeModel and InvokeModelWithResponseStream answers: shapes,
//! determinism, limits, stop sequences, token counts, embeddings and images.

mod common;

use base64::Engine as _;
use bedrock_core::{Modality, Region};
use bedrock_simulator::{Simulator, SimulatorConfig};
use common::{HAIKU, details, err, ok, sim, stream_json, words};
use serde_json::{Value, json};

fn claude_body(prompt: &str, max_tokens: u32) -> Value {
    json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": prompt}]
    })
}

#[tokio::test]
async fn claude_messages_shape_counts_and_determinism() {
    let sim = sim();
    let body = claude_body("Tell me about rivers and stones", 1000);
    let (json, resp) = ok(&sim, HAIKU, body.clone()).await;
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "id",
        "type",
        "role",
        "model",
        "content",
        "stop_reason",
        "stop_sequence",
        "usage",
    ] {
        assert!(keys.contains(&k), "missing {k} in {json}");
    }
    assert!(json["id"].as_str().unwrap().starts_with("msg_bdrk_"));
    assert_eq!(json["type"], "message");
    assert_eq!(json["role"], "assistant");
    assert_eq!(json["model"], "claude-3-haiku-20240307");
    assert_eq!(json["content"][0]["type"], "text");
    assert_eq!(json["stop_reason"], "end_turn");
    assert_eq!(json["stop_sequence"], Value::Null);
    let text = json["content"][0]["text"].as_str().unwrap();
    assert_eq!(json["usage"]["input_tokens"], 6);
    assert_eq!(json["usage"]["output_tokens"], words(text));
    assert_eq!(resp.input_tokens, 6);
    assert_eq!(resp.output_tokens, Some(words(text)));
    assert_eq!(resp.content_type, "application/json");

    // Same request, same bytes: on this simulator and on a fresh one with the same seed.
    let (_, again) = ok(&sim, HAIKU, body.clone()).await;
    assert_eq!(again.body, resp.body);
    let (_, fresh) = ok(&common::sim(), HAIKU, body.clone()).await;
    assert_eq!(fresh.body, resp.body);
    // Key order in the request does not matter.
    let reordered: Value = serde_json::from_str(
        r#"{"messages":[{"content":"Tell me about rivers and stones","role":"user"}],"max_tokens":1000,"anthropic_version":"bedrock-2023-05-31"}"#,
    )
    .unwrap();
    assert_eq!(ok(&sim, HAIKU, reordered).await.1.body, resp.body);
    // Another seed, another answer.
    let other = Simulator::new(SimulatorConfig::with_seed(8));
    assert_ne!(ok(&other, HAIKU, body).await.1.body, resp.body);
}

#[tokio::test]
async fn claude_messages_max_tokens_and_stop_sequences() {
    let sim = sim();
    let (full, _) = ok(&sim, HAIKU, claude_body("Describe a harbor", 4096)).await;
    let full_text = full["content"][0]["text"].as_str().unwrap().to_owned();
    assert!(words(&full_text) > 5);

    let (short, resp) = ok(&sim, HAIKU, claude_body("Describe a harbor", 5)).await;
    assert_eq!(short["stop_reason"], "max_tokens");
    assert_eq!(short["usage"]["output_tokens"], 5);
    assert_eq!(resp.output_tokens, Some(5));
    let short_text = short["content"][0]["text"].as_str().unwrap();
    assert_eq!(words(short_text), 5);
    assert!(full_text.starts_with(short_text));

    let stop = full_text
        .split(' ')
        .nth(3)
        .unwrap()
        .trim_end_matches(['.', ','])
        .to_owned();
    let mut body = claude_body("Describe a harbor", 4096);
    body["stop_sequences"] = json!(["\u{2603}", stop]);
    let (cut, _) = ok(&sim, HAIKU, body).await;
    assert_eq!(cut["stop_reason"], "stop_sequence");
    assert_eq!(cut["stop_sequence"], stop.as_str());
    let cut_text = cut["content"][0]["text"].as_str().unwrap_or("");
    assert_eq!(cut_text, &full_text[..full_text.find(&stop).unwrap()]);
    assert!(cut["usage"]["output_tokens"].as_u64().unwrap() <= 4);
}

#[tokio::test]
async fn claude_messages_validation_reads_like_bedrock() {
    let sim = sim();
    let (t, status, m) = details(
        &err(
            &sim,
            HAIKU,
            json!({"anthropic_version": "bedrock-2023-05-31", "messages": []}),
        )
        .await,
    );
    assert_eq!((t.as_str(), status), ("ValidationException", 400));
    assert!(
        m.starts_with("Malformed input request: #: required key [max_tokens] not found"),
        "{m}"
    );
    assert!(
        m.contains("#/messages: expected minimum item count: 1, found: 0"),
        "{m}"
    );
    assert!(m.ends_with(", please reformat your input and try again."));

    let mut extra = claude_body("hi", 10);
    extra["top_n"] = json!(3);
    let m = details(&err(&sim, HAIKU, extra).await).2;
    assert_eq!(
        m,
        "Malformed input request: #: extraneous key [top_n] is not permitted, please reformat your input and try again."
    );

    let m = details(&err(&sim, HAIKU, claude_body("hi", 5000)).await).2;
    assert_eq!(
        m,
        "max_tokens: 5000 > 4096, which is the maximum allowed number of output tokens for claude-3-haiku-20240307"
    );

    let mut hot = claude_body("hi", 10);
    hot["temperature"] = json!(1.5);
    let m = details(&err(&sim, HAIKU, hot).await).2;
    assert!(
        m.contains("#/temperature: 1.5 is not less or equal to 1"),
        "{m}"
    );

    let m = details(
        &err(
            &sim,
            HAIKU,
            json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 10}),
        )
        .await,
    )
    .2;
    assert_eq!(
        m,
        "\"claude-3-haiku-20240307\" is not supported on this API. Please use the Messages API instead."
    );

    let bad_role = json!({
        "anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
        "messages": [{"role": "robot", "content": [{"type": "text", "text": "x"}]}]
    });
    let m = details(&err(&sim, HAIKU, bad_role).await).2;
    assert!(
        m.contains("#/messages/0/role: robot is not a valid enum value"),
        "{m}"
    );
}

#[tokio::test]
async fn claude_messages_count_system_and_image_parts() {
    let sim = sim();
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "system": "You are terse",
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                {"type": "text", "text": "What is this picture"}
            ]},
            {"role": "assistant", "content": "A small"},
            {"role": "user", "content": "Say more"}
        ]
    });
    let (json, resp) = ok(&sim, HAIKU, body).await;
    // 3 (system) + 1 (image) + 4 + 2 + 2.
    assert_eq!(json["usage"]["input_tokens"], 12);
    assert_eq!(resp.input_tokens, 12);
}

#[tokio::test]
async fn claude_legacy_completions() {
    let sim = sim();
    let model = "anthropic.claude-v2:1";
    let body = json!({"prompt": "\n\nHuman: Write about lanterns\n\nAssistant:", "max_tokens_to_sample": 300});
    let (json, resp) = ok(&sim, model, body.clone()).await;
    assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
    let completion = json["completion"].as_str().unwrap();
    assert!(completion.starts_with(' '));
    assert_eq!(json["stop_reason"], "stop_sequence");
    assert_eq!(json["stop"], "\n\nHuman:");
    // `Human:`, `Write`, `about`, `lanterns`, `Assistant:`.
    assert_eq!(resp.input_tokens, 5);
    assert_eq!(resp.output_tokens, Some(words(completion)));

    let mut short = body.clone();
    short["max_tokens_to_sample"] = json!(3);
    let (json, _) = ok(&sim, model, short).await;
    assert_eq!(json["stop_reason"], "max_tokens");
    assert_eq!(json["stop"], Value::Null);
    assert_eq!(words(json["completion"].as_str().unwrap()), 3);

    let m = details(
        &err(
            &sim,
            model,
            json!({"prompt": "Write about lanterns", "max_tokens_to_sample": 30}),
        )
        .await,
    )
    .2;
    assert_eq!(
        m,
        "prompt must start with \"\n\nHuman:\" turn after an optional system prompt, prompt must end with \"\n\nAssistant:\" turn"
    );
    let m = details(
        &err(
            &sim,
            model,
            json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 5000}),
        )
        .await,
    )
    .2;
    assert!(
        m.contains("#/max_tokens_to_sample: 5000 is not less or equal to 4096"),
        "{m}"
    );
    // The same model also speaks Messages.
    let (json, _) = ok(&sim, model, claude_body("hello", 10)).await;
    assert_eq!(json["type"], "message");
}

#[tokio::test]
async fn titan_text() {
    let sim = sim();
    let model = "amazon.titan-text-express-v1";
    let body = json!({"inputText": "Summarise the weather report", "textGenerationConfig": {"maxTokenCount": 4096, "temperature": 0.2}});
    let (json, resp) = ok(&sim, model, body).await;
    assert_eq!(json["inputTextTokenCount"], 4);
    let result = &json["results"][0];
    let text = result["outputText"].as_str().unwrap();
    assert_eq!(result["tokenCount"], words(text));
    assert_eq!(result["completionReason"], "FINISH");
    assert_eq!(resp.output_tokens, Some(words(text)));

    let (json, _) = ok(&sim, model, json!({"inputText": "Summarise the weather report", "textGenerationConfig": {"maxTokenCount": 2}})).await;
    assert_eq!(json["results"][0]["completionReason"], "LENGTH");
    assert_eq!(json["results"][0]["tokenCount"], 2);

    let stop = text
        .split(' ')
        .nth(2)
        .unwrap()
        .trim_end_matches(['.', ','])
        .to_owned();
    let (json, _) = ok(
        &sim,
        model,
        json!({"inputText": "Summarise the weather report", "textGenerationConfig": {"maxTokenCount": 4096, "stopSequences": [stop]}}),
    )
    .await;
    assert_eq!(json["results"][0]["completionReason"], "STOP_CRITERIA_MET");
    assert_eq!(
        json["results"][0]["outputText"].as_str().unwrap(),
        &text[..text.find(&stop).unwrap()]
    );

    let m = details(
        &err(
            &sim,
            model,
            json!({"inputText": "x", "textGenerationConfig": {"maxTokenCount": 9000}}),
        )
        .await,
    )
    .2;
    assert_eq!(
        m,
        "Malformed input request: #/textGenerationConfig/maxTokenCount: 9000 is not less or equal to 8192, please reformat your input and try again."
    );
    let m = details(
        &err(
            &sim,
            "amazon.titan-text-lite-v1",
            json!({"inputText": "x", "textGenerationConfig": {"maxTokenCount": 4097}}),
        )
        .await,
    )
    .2;
    assert!(m.contains("4097 is not less or equal to 4096"), "{m}");
    let m = details(&err(&sim, model, json!({"inputText": ""})).await).2;
    assert!(
        m.contains("#/inputText: expected minLength: 1, actual: 0"),
        "{m}"
    );
}

fn norm(v: &[Value]) -> f64 {
    v.iter()
        .map(|x| x.as_f64().unwrap().powi(2))
        .sum::<f64>()
        .sqrt()
}

#[tokio::test]
async fn titan_embeddings() {
    let sim = sim();
    let (json, resp) = ok(
        &sim,
        "amazon.titan-embed-text-v1",
        json!({"inputText": "quiet garden at dawn"}),
    )
    .await;
    assert_eq!(json["embedding"].as_array().unwrap().len(), 1536);
    assert_eq!(json["inputTextTokenCount"], 4);
    assert_eq!((resp.input_tokens, resp.output_tokens), (4, None));
    assert!(
        details(
            &err(
                &sim,
                "amazon.titan-embed-text-v1",
                json!({"inputText": "x", "dimensions": 256})
            )
            .await
        )
        .2
        .contains("extraneous key [dimensions]")
    );

    let v2 = "amazon.titan-embed-text-v2:0";
    let (json, _) = ok(&sim, v2, json!({"inputText": "quiet garden at dawn"})).await;
    let default = json["embedding"].as_array().unwrap().clone();
    assert_eq!(default.len(), 1024);
    assert!((norm(&default) - 1.0).abs() < 1e-3);
    assert_eq!(
        json["embeddingsByType"]["float"].as_array().unwrap().len(),
        1024
    );
    for dims in [256, 512, 1024] {
        let (json, _) = ok(
            &sim,
            v2,
            json!({"inputText": "quiet garden at dawn", "dimensions": dims, "normalize": true}),
        )
        .await;
        let e = json["embedding"].as_array().unwrap();
        assert_eq!(e.len(), dims);
        assert!(
            (norm(e) - 1.0).abs() < 1e-3,
            "dims {dims}: norm {}",
            norm(e)
        );
    }
    let (json, _) = ok(
        &sim,
        v2,
        json!({"inputText": "quiet garden at dawn", "normalize": false}),
    )
    .await;
    assert!((norm(json["embedding"].as_array().unwrap()) - 1.0).abs() > 0.01);
    let (again, _) = ok(&sim, v2, json!({"inputText": "quiet garden at dawn"})).await;
    assert_eq!(again["embedding"].as_array().unwrap(), &default);
    let (binary, _) = ok(
        &sim,
        v2,
        json!({"inputText": "quiet", "embeddingTypes": ["binary"]}),
    )
    .await;
    assert_eq!(binary["embedding"], Value::Null);
    assert_eq!(
        binary["embeddingsByType"]["binary"]
            .as_array()
            .unwrap()
            .len(),
        1024
    );
    let m = details(&err(&sim, v2, json!({"inputText": "x", "dimensions": 300})).await).2;
    assert_eq!(
        m,
        "Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat your input and try again."
    );

    let mm = "amazon.titan-embed-image-v1";
    let png = base64::engine::general_purpose::STANDARD.encode([0x89, b'P', b'N', b'G']);
    let (json, _) = ok(
        &sim,
        mm,
        json!({"inputImage": png, "embeddingConfig": {"outputEmbeddingLength": 384}}),
    )
    .await;
    assert_eq!(json["embedding"].as_array().unwrap().len(), 384);
    assert!(
        details(&err(&sim, mm, json!({})).await)
            .2
            .contains("at least one of [inputText, inputImage]")
    );
}

#[tokio::test]
async fn cohere_embeddings() {
    let sim = sim();
    let model = "cohere.embed-english-v3";
    let (json, resp) = ok(
        &sim,
        model,
        json!({"texts": ["first text", "second one here"], "input_type": "search_document"}),
    )
    .await;
    assert_eq!(json["response_type"], "embeddings_floats");
    let e = json["embeddings"].as_array().unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].as_array().unwrap().len(), 1024);
    assert_eq!(json["texts"][1], "second one here");
    assert_eq!(resp.input_tokens, 5);
    let (json, _) = ok(
        &sim,
        model,
        json!({"texts": ["a"], "input_type": "search_query", "embedding_types": ["int8", "float"]}),
    )
    .await;
    assert_eq!(json["response_type"], "embeddings_by_type");
    assert_eq!(
        json["embeddings"]["int8"][0].as_array().unwrap().len(),
        1024
    );
    assert_eq!(
        json["embeddings"]["float"][0].as_array().unwrap().len(),
        1024
    );
    assert!(
        details(&err(&sim, model, json!({"texts": ["a"]})).await)
            .2
            .contains("required key [input_type]")
    );
}

#[tokio::test]
async fn cohere_embed_v4_takes_its_own_fields() {
    let sim = sim();
    let model = "cohere.embed-v4:0";
    let embed_v4 = |body| ok(&sim, model, body);
    // 1536 values by default, `output_dimension` otherwise; `max_tokens` and LEFT/RIGHT
    // truncation are v4's.
    let (json, _) = embed_v4(json!({"texts": ["a"], "input_type": "search_query"})).await;
    assert_eq!(json["embeddings"][0].as_array().unwrap().len(), 1536);
    let (json, _) = embed_v4(json!({
        "texts": ["a", "b"], "input_type": "search_document", "output_dimension": 512,
        "max_tokens": 1000, "truncate": "RIGHT", "embedding_types": ["float"]
    }))
    .await;
    assert_eq!(
        json["embeddings"]["float"][1].as_array().unwrap().len(),
        512
    );
    // Images alone, as data URIs.
    let (json, _) = embed_v4(json!({
        "images": ["data:image/png;base64,iVBORw0KGgo="], "input_type": "image"
    }))
    .await;
    assert_eq!(json["embeddings"].as_array().unwrap().len(), 1);
    for (body, says) in [
        (
            json!({"texts": ["a"], "input_type": "search_query", "output_dimension": 300}),
            "output_dimension",
        ),
        (
            json!({"texts": ["a"], "input_type": "search_query", "truncate": "END"}),
            "truncate",
        ),
        (json!({"input_type": "search_query"}), "texts or images"),
        (
            json!({"images": ["http://example.com/a.png"], "input_type": "image"}),
            "images/0",
        ),
    ] {
        let message = details(&err(&sim, model, body.clone()).await).2;
        assert!(message.contains(says), "{body}: {message}");
    }
}

fn decode_png(b64: &str) -> (u32, u32, Vec<u8>) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height, buf)
}

#[tokio::test]
async fn titan_image_and_nova_canvas() {
    let sim = sim();
    for model in [
        "amazon.titan-image-generator-v1",
        "amazon.titan-image-generator-v2:0",
        "amazon.nova-canvas-v1:0",
    ] {
        let body = json!({
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": "a lighthouse at dusk"},
            "imageGenerationConfig": {"numberOfImages": 2, "width": 512, "height": 320, "cfgScale": 8.0, "seed": 3}
        });
        let (json, resp) = ok(&sim, model, body.clone()).await;
        let images = json["images"].as_array().unwrap();
        assert_eq!(images.len(), 2, "{model}");
        let (w, h, first) = decode_png(images[0].as_str().unwrap());
        assert_eq!((w, h), (512, 320));
        let (_, _, second) = decode_png(images[1].as_str().unwrap());
        assert_ne!(first, second);
        assert_eq!((resp.input_tokens, resp.output_tokens), (4, None));
        assert_eq!(
            ok(&sim, model, body).await.1.body,
            resp.body,
            "deterministic"
        );
    }
    let sim2 = sim.clone();
    let colour = json!({
        "taskType": "COLOR_GUIDED_GENERATION",
        "colorGuidedGenerationParams": {"text": "tiles", "colors": ["#ff0000"]},
        "imageGenerationConfig": {"width": 320, "height": 320}
    });
    let (json, _) = ok(&sim2, "amazon.nova-canvas-v1:0", colour).await;
    let (_, _, pixels) = decode_png(json["images"][0].as_str().unwrap());
    assert!(
        pixels[0] > 200 && pixels[1] < 40,
        "first pixel {:?}",
        &pixels[..3]
    );
    let m = details(
        &err(
            &sim,
            "amazon.titan-image-generator-v1",
            json!({
                "taskType": "TEXT_IMAGE", "textToImageParams": {"text": "x"},
                "imageGenerationConfig": {"numberOfImages": 6}
            }),
        )
        .await,
    )
    .2;
    assert!(
        m.contains("#/imageGenerationConfig/numberOfImages: 6 is not less or equal to 5"),
        "{m}"
    );
    let m = details(
        &err(
            &sim,
            "amazon.titan-image-generator-v1",
            json!({"taskType": "TEXT_IMAGE"}),
        )
        .await,
    )
    .2;
    assert!(
        m.contains("required key [textToImageParams] not found"),
        "{m}"
    );
}

#[tokio::test]
async fn stability_sdxl_and_sd3() {
    let sim = Simulator::new(SimulatorConfig::with_seed(7));
    let body = json!({"text_prompts": [{"text": "a red fox", "weight": 1.0}], "width": 640, "height": 1536, "seed": 12});
    let resp = common::invoke(
        &sim,
        "stability.stable-diffusion-xl-v1",
        Region::UsWest2,
        &body,
    )
    .await
    .unwrap();
    let json: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(json["result"], "success");
    let artifact = &json["artifacts"][0];
    assert_eq!(artifact["seed"], 12);
    assert_eq!(artifact["finishReason"], "SUCCESS");
    assert_eq!(decode_png(artifact["base64"].as_str().unwrap()).0, 640);
    let bad = json!({"text_prompts": [{"text": "x"}], "width": 1000, "height": 1000});
    let e = common::invoke(
        &sim,
        "stability.stable-diffusion-xl-v1",
        Region::UsWest2,
        &bad,
    )
    .await
    .unwrap_err();
    assert!(details(&e).2.contains("1000x1000 is not supported"));

    let core = "stability.stable-image-core-v1:1";
    let resp = common::invoke(
        &sim,
        core,
        Region::UsWest2,
        &json!({"prompt": "a red fox", "aspect_ratio": "16:9"}),
    )
    .await
    .unwrap();
    let json: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(json["finish_reasons"], json!([null]));
    assert_eq!(json["seeds"].as_array().unwrap().len(), 1);
    let (w, h, _) = decode_png(json["images"][0].as_str().unwrap());
    assert_eq!((w, h), (1344, 768));

    let resp = common::invoke(
        &sim,
        "stability.sd3-5-large-v1:0",
        Region::UsWest2,
        &json!({"prompt": "a fox", "aspect_ratio": "1:1", "output_format": "jpeg", "seed": 5}),
    )
    .await
    .unwrap();
    let json: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(json["seeds"][0], 5);
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(json["images"][0].as_str().unwrap())
        .unwrap();
    let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(jpeg));
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    assert_eq!((info.width, info.height), (1024, 1024));
    assert_eq!(pixels.len(), 1024 * 1024 * 3);

    // The JPEG shows the same picture as the PNG for the same request (flat tiles, exact DC).
    let png_resp = common::invoke(
        &sim,
        "stability.sd3-5-large-v1:0",
        Region::UsWest2,
        &json!({"prompt": "a fox", "aspect_ratio": "1:1", "seed": 5}),
    )
    .await
    .unwrap();
    let png_json: Value = serde_json::from_slice(&png_resp.body).unwrap();
    let (_, _, png_pixels) = decode_png(png_json["images"][0].as_str().unwrap());
    let max_diff = pixels
        .iter()
        .zip(&png_pixels)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(max_diff <= 4, "JPEG differs from PNG by up to {max_diff}");

    let e = common::invoke(
        &sim,
        core,
        Region::UsWest2,
        &json!({"prompt": "x", "aspect_ratio": "7:3"}),
    )
    .await
    .unwrap_err();
    assert!(
        details(&e)
            .2
            .contains("#/aspect_ratio: 7:3 is not a valid enum value")
    );
}

#[tokio::test]
async fn llama_mistral_cohere_jamba_deepseek_nova_shapes() {
    let sim = sim();
    let (json, resp) = ok(
        &sim,
        "meta.llama3-8b-instruct-v1:0",
        json!({"prompt": "Hello there friend", "max_gen_len": 4}),
    )
    .await;
    assert_eq!(json["prompt_token_count"], 3);
    assert_eq!(json["generation_token_count"], 4);
    assert_eq!(json["stop_reason"], "length");
    assert_eq!(words(json["generation"].as_str().unwrap()), 4);
    assert_eq!(resp.output_tokens, Some(4));
    assert!(
        details(
            &err(
                &sim,
                "meta.llama3-8b-instruct-v1:0",
                json!({"prompt": "x", "max_gen_len": 4096})
            )
            .await
        )
        .2
        .contains("4096 is not less or equal to 2048")
    );

    let (json, _) = ok(
        &sim,
        "mistral.mistral-7b-instruct-v0:2",
        json!({"prompt": "<s>[INST] Hi [/INST]", "max_tokens": 500}),
    )
    .await;
    assert_eq!(json["outputs"][0]["stop_reason"], "stop");
    assert!(json["outputs"][0]["text"].is_string());
    let chat = json!({"messages": [{"role": "user", "content": "Hi there"}], "max_tokens": 3});
    let resp = common::invoke(
        &sim,
        "mistral.mistral-large-2407-v1:0",
        Region::UsWest2,
        &chat,
    )
    .await
    .unwrap();
    let json: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(json["choices"][0]["message"]["role"], "assistant");
    assert_eq!(json["choices"][0]["stop_reason"], "length");
    assert_eq!(resp.input_tokens, 2);

    let (json, _) = ok(
        &sim,
        "cohere.command-text-v14",
        json!({"prompt": "Write a haiku", "max_tokens": 50, "num_generations": 2}),
    )
    .await;
    assert_eq!(json["generations"].as_array().unwrap().len(), 2);
    assert_eq!(json["prompt"], "Write a haiku");
    assert!(json["id"].as_str().unwrap().len() == 36);
    let (json, resp) = ok(&sim, "cohere.command-r-v1:0", json!({"message": "How are you", "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Hello"}]})).await;
    assert_eq!(resp.input_tokens, 5);
    assert_eq!(json["finish_reason"], "COMPLETE");
    let history = json["chat_history"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[3]["message"], json["text"]);

    let (json, resp) = ok(
        &sim,
        "ai21.jamba-1-5-mini-v1:0",
        json!({"messages": [{"role": "user", "content": "Hi there"}], "max_tokens": 7}),
    )
    .await;
    assert_eq!(json["choices"][0]["finish_reason"], "length");
    assert_eq!(json["usage"]["completion_tokens"], 7);
    assert_eq!(json["usage"]["total_tokens"], 9);
    assert_eq!(resp.output_tokens, Some(7));

    let resp = common::invoke(
        &sim,
        "us.deepseek.r1-v1:0",
        Region::UsEast1,
        &json!({"prompt": "Think", "max_tokens": 2}),
    )
    .await
    .unwrap();
    let json: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(json["choices"][0]["stop_reason"], "length");

    let nova = json!({"schemaVersion": "messages-v1", "system": [{"text": "Be brief"}], "messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"maxTokens": 3}});
    let (json, resp) = ok(&sim, "amazon.nova-lite-v1:0", nova).await;
    assert_eq!(json["stopReason"], "max_tokens");
    assert_eq!(json["usage"]["inputTokens"], 3);
    assert_eq!(json["usage"]["outputTokens"], 3);
    assert_eq!(json["output"]["message"]["role"], "assistant");
    assert_eq!(resp.output_tokens, Some(3));
}

type Extract = fn(&Value) -> String;
type ExtractStream = fn(&[Value]) -> String;

fn concat(chunks: &[Value], f: impl Fn(&Value) -> Option<String>) -> String {
    chunks.iter().filter_map(f).collect()
}

#[tokio::test]
async fn streams_concatenate_to_the_invoke_text() {
    let cases: Vec<(&str, Region, Value, Extract, ExtractStream)> = vec![
        (
            HAIKU,
            Region::UsEast1,
            claude_body("Stream me a story", 200),
            |j| j["content"][0]["text"].as_str().unwrap_or("").to_owned(),
            |c| {
                concat(c, |j| {
                    (j["type"] == "content_block_delta")
                        .then(|| j["delta"]["text"].as_str().unwrap().to_owned())
                })
            },
        ),
        (
            "anthropic.claude-instant-v1",
            Region::UsEast1,
            json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 200}),
            |j| j["completion"].as_str().unwrap().to_owned(),
            |c| concat(c, |j| j["completion"].as_str().map(str::to_owned)),
        ),
        (
            "amazon.titan-text-premier-v1:0",
            Region::UsEast1,
            json!({"inputText": "Go on"}),
            |j| j["results"][0]["outputText"].as_str().unwrap().to_owned(),
            |c| concat(c, |j| j["outputText"].as_str().map(str::to_owned)),
        ),
        (
            "meta.llama3-70b-instruct-v1:0",
            Region::UsEast1,
            json!({"prompt": "Go on"}),
            |j| j["generation"].as_str().unwrap().to_owned(),
            |c| concat(c, |j| j["generation"].as_str().map(str::to_owned)),
        ),
        (
            "mistral.mixtral-8x7b-instruct-v0:1",
            Region::UsEast1,
            json!({"prompt": "Go on"}),
            |j| j["outputs"][0]["text"].as_str().unwrap().to_owned(),
            |c| concat(c, |j| j["outputs"][0]["text"].as_str().map(str::to_owned)),
        ),
        (
            "cohere.command-light-text-v14",
            Region::UsEast1,
            json!({"prompt": "Go on", "max_tokens": 100}),
            |j| j["generations"][0]["text"].as_str().unwrap().to_owned(),
            |c| {
                concat(c, |j| {
                    (j["is_finished"] == false).then(|| j["text"].as_str().unwrap().to_owned())
                })
            },
        ),
        (
            "cohere.command-r-plus-v1:0",
            Region::UsEast1,
            json!({"message": "Go on"}),
            |j| j["text"].as_str().unwrap().to_owned(),
            |c| {
                concat(c, |j| {
                    (j["event_type"] == "text-generation")
                        .then(|| j["text"].as_str().unwrap().to_owned())
                })
            },
        ),
        (
            "ai21.jamba-1-5-large-v1:0",
            Region::UsEast1,
            json!({"messages": [{"role": "user", "content": "Go on"}]}),
            |j| {
                j["choices"][0]["message"]["content"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            },
            |c| {
                concat(c, |j| {
                    j["choices"][0]["delta"]["content"]
                        .as_str()
                        .map(str::to_owned)
                })
            },
        ),
        (
            "us.deepseek.r1-v1:0",
            Region::UsEast1,
            json!({"prompt": "Go on"}),
            |j| j["choices"][0]["text"].as_str().unwrap().to_owned(),
            |c| concat(c, |j| j["choices"][0]["text"].as_str().map(str::to_owned)),
        ),
        (
            "amazon.nova-micro-v1:0",
            Region::UsEast1,
            json!({"messages": [{"role": "user", "content": [{"text": "Go on"}]}]}),
            |j| {
                j["output"]["message"]["content"][0]["text"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            },
            |c| {
                concat(c, |j| {
                    j["contentBlockDelta"]["delta"]["text"]
                        .as_str()
                        .map(str::to_owned)
                })
            },
        ),
    ];
    let sim = sim();
    for (model, region, body, text_of, stream_text_of) in cases {
        let resp = common::invoke(&sim, model, region, &body).await.unwrap();
        let json: Value = serde_json::from_slice(&resp.body).unwrap();
        let chunks = stream_json(&sim, model, region, &body).await;
        let expected = text_of(&json);
        assert!(!expected.is_empty(), "{model}");
        assert_eq!(stream_text_of(&chunks), expected, "{model}");
        let last = chunks.last().unwrap();
        let metrics = &last["amazon-bedrock-invocationMetrics"];
        assert_eq!(metrics["inputTokenCount"], resp.input_tokens, "{model}");
        assert_eq!(
            metrics["outputTokenCount"],
            resp.output_tokens.unwrap(),
            "{model}"
        );
        assert!(
            metrics["firstByteLatency"].as_u64().unwrap()
                <= metrics["invocationLatency"].as_u64().unwrap()
        );
        assert!(
            chunks[..chunks.len() - 1]
                .iter()
                .all(|c| c.get("amazon-bedrock-invocationMetrics").is_none()),
            "{model}"
        );
        // Streams are deterministic too.
        assert_eq!(
            stream_json(&sim, model, region, &body).await,
            chunks,
            "{model}"
        );
    }
}

#[tokio::test]
async fn claude_stream_events_in_order() {
    let sim = sim();
    let chunks = stream_json(&sim, HAIKU, Region::UsEast1, &claude_body("Hi", 3)).await;
    let types: Vec<&str> = chunks.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(chunks[0]["message"]["usage"]["input_tokens"], 1);
    assert_eq!(chunks[2]["delta"]["type"], "text_delta");
    assert_eq!(chunks[6]["delta"]["stop_reason"], "max_tokens");
    assert_eq!(chunks[6]["usage"]["output_tokens"], 3);
}

#[tokio::test]
async fn non_streaming_models_refuse_to_stream() {
    let sim = sim();
    let e = sim
        .invoke_stream(bedrock_simulator::SimRequest::invoke_stream(
            "amazon.titan-embed-text-v2:0",
            Region::UsEast1,
            r#"{"inputText":"x"}"#,
        ))
        .await
        .err()
        .unwrap();
    assert_eq!(
        details(&e),
        (
            "ValidationException".to_owned(),
            400,
            "The model is unsupported for streaming".to_owned()
        )
    );
}

/// A minimal valid body for each family, by model id.
fn minimal_body(model_id: &str) -> Value {
    let (provider, name) = model_id.split_once('.').unwrap();
    match provider {
        "anthropic" if name.starts_with("claude-v2") || name.starts_with("claude-instant") => {
            json!({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 5})
        }
        "anthropic" => claude_body("hi", 5),
        "amazon" if name.starts_with("titan-text") => json!({"inputText": "hi"}),
        "amazon" if name.starts_with("titan-embed") => json!({"inputText": "hi"}),
        "amazon" if name.starts_with("nova-canvas") || name.starts_with("titan-image") => json!({
            "taskType": "TEXT_IMAGE", "textToImageParams": {"text": "hi"},
            "imageGenerationConfig": {"width": 320, "height": 320}
        }),
        "amazon" => json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}),
        "stability" if name.starts_with("stable-diffusion") => {
            json!({"text_prompts": [{"text": "hi"}]})
        }
        "stability" => json!({"prompt": "hi"}),
        "mistral" if name.starts_with("pixtral") => {
            json!({"messages": [{"role": "user", "content": "hi"}]})
        }
        "openai" | "qwen" | "writer" => {
            json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5})
        }
        "deepseek" if name.starts_with("v3") => {
            json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5})
        }
        "mistral" if name.starts_with("magistral") || name.starts_with("mistral-large-3") => {
            json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5})
        }
        "cohere" if name.starts_with("rerank") => {
            json!({"query": "hi", "documents": ["hi there", "bye"], "api_version": 2})
        }
        "meta" | "mistral" | "deepseek" => json!({"prompt": "hi"}),
        "cohere" if name.starts_with("command-r") => json!({"message": "hi"}),
        "cohere" if name.starts_with("embed") => {
            json!({"texts": ["hi"], "input_type": "search_query"})
        }
        "cohere" => json!({"prompt": "hi"}),
        "ai21" => json!({"messages": [{"role": "user", "content": "hi"}]}),
        other => panic!("no minimal body for provider {other}"),
    }
}

#[tokio::test]
async fn every_catalog_model_answers_a_minimal_request() {
    let sim = sim();
    for m in bedrock_core::catalog::foundation_models() {
        // Call it the way Bedrock allows: in-region on demand, else through a profile.
        let (id, region) = if !m.needs_profile() && !m.regions.is_empty() {
            (m.model_id.to_owned(), m.regions[0])
        } else {
            let region = m
                .regions
                .iter()
                .copied()
                .chain([Region::UsEast1])
                .find(|r| m.profile_id_for(*r).is_some())
                .unwrap_or_else(|| panic!("{} has no profile", m.model_id));
            (m.profile_id_for(region).unwrap(), region)
        };
        let body = minimal_body(m.model_id);
        // Video and speech models answer other operations (StartAsyncInvoke, the bidirectional
        // stream); InvokeModel refuses them, naming the one to use.
        if m.output_modalities
            .iter()
            .any(|o| matches!(o, Modality::Video | Modality::Speech))
        {
            let e = common::invoke(&sim, &id, region, &body).await.unwrap_err();
            let (kind, status, message) = details(&e);
            assert_eq!(
                (kind.as_str(), status),
                ("ValidationException", 400),
                "{id}"
            );
            assert!(
                message.contains("doesn't support InvokeModel"),
                "{id}: {message}"
            );
            continue;
        }
        let resp = common::invoke(&sim, &id, region, &body)
            .await
            .unwrap_or_else(|e| panic!("{id} in {region}: {e}"));
        let _: Value = serde_json::from_slice(&resp.body).unwrap();
        if m.response_streaming {
            assert!(
                !stream_json(&sim, &id, region, &body).await.is_empty(),
                "{id}"
            );
        }
    }
}

#[tokio::test]
async fn outputs_are_pinned_across_runs() {
    // A change here changes what every user of the simulator sees: make it on purpose only.
    let sim = sim();
    let resp = common::invoke(&sim, HAIKU, Region::UsEast1, &claude_body("Pin me", 6))
        .await
        .unwrap();
    let body = String::from_utf8(resp.body.to_vec()).unwrap();
    assert_eq!(
        body,
        r#"{"id":"msg_bdrk_01lPHGdtr37hwjkc0WctiuOO","type":"message","role":"assistant","model":"claude-3-haiku-20240307","content":[{"type":"text","text":"Network castle, although alone over today"}],"stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":2,"output_tokens":6}}"#
    );
    assert_eq!(resp.request_id, "67712964-5610-44f5-96b0-458ce3b42139");
}
