//! Every command against the built-in emulator, with no AWS credentials in the environment:
//! output in both formats, the history, and the exit codes of errors.

mod support;

use serde_json::Value;
use support::*;

#[test]
fn models_prints_a_table_and_says_once_that_the_emulator_is_used() {
    let env = TestEnv::new();
    let out = env.run(&["models"]).ok();
    let header = out.stdout.lines().next().unwrap();
    for column in [
        "MODEL ID",
        "NAME",
        "PROVIDER",
        "IN",
        "OUT",
        "STREAM",
        "LIFECYCLE",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let haiku = out
        .stdout
        .lines()
        .find(|l| l.starts_with(HAIKU))
        .expect("haiku is listed");
    assert!(
        haiku.contains("Anthropic") && haiku.contains("ACTIVE"),
        "{haiku}"
    );
    out.assert_stderr_says_once(EMBEDDED_NOTICE);
}

#[test]
fn models_json_applies_the_filters() {
    let env = TestEnv::new();
    let all = env.run(&["--output", "json", "models"]).ok().json();
    let all = all["models"].as_array().unwrap();
    assert!(all.len() > 10, "the catalog is listed");
    assert_keys(
        &all[0],
        &[
            "model_id",
            "model_name",
            "provider_name",
            "model_arn",
            "input_modalities",
            "output_modalities",
            "response_streaming_supported",
            "inference_types_supported",
            "customizations_supported",
            "lifecycle",
        ],
    );
    let embeddings = env
        .run(&[
            "models",
            "--output-modality",
            "EMBEDDING",
            "--output",
            "json",
        ])
        .ok()
        .json();
    let embeddings = embeddings["models"].as_array().unwrap();
    assert!(!embeddings.is_empty() && embeddings.len() < all.len());
    for m in embeddings {
        let outs = m["output_modalities"].as_array().unwrap();
        assert!(outs.contains(&Value::from("EMBEDDING")), "{m}");
    }
    let amazon = env
        .run(&[
            "--output",
            "json",
            "models",
            "--provider",
            "amazon",
            "--inference-type",
            "ON_DEMAND",
        ])
        .ok()
        .json();
    let amazon = amazon["models"].as_array().unwrap();
    assert!(!amazon.is_empty());
    for m in amazon {
        assert_eq!(m["provider_name"], "Amazon", "{m}");
        let types = m["inference_types_supported"].as_array().unwrap();
        assert!(types.contains(&Value::from("ON_DEMAND")), "{m}");
    }
}

#[test]
fn model_shows_details_and_the_adapter() {
    let env = TestEnv::new();
    let text = env.run(&["model", HAIKU]).ok();
    text.assert_stdout_contains("model id:");
    assert!(
        text.stdout
            .contains("arn:aws:bedrock:us-east-1::foundation-model/")
    );
    assert!(text.stdout.contains("adapter:") && text.stdout.contains("claude"));
    let json = env
        .run(&["--output", "json", "--region", "us-west-2", "model", HAIKU])
        .ok()
        .json();
    let model = &json["model"];
    assert_eq!(model["model_id"], HAIKU);
    assert_eq!(
        model["model_arn"],
        format!("arn:aws:bedrock:us-west-2::foundation-model/{HAIKU}")
    );
    assert_keys(model, &["end_of_life", "successor", "adapter", "lifecycle"]);
    assert_eq!(model["adapter"]["name"], "claude");
}

#[test]
fn an_unknown_model_exits_with_the_not_found_code() {
    let env = TestEnv::new();
    let out = env.run(&["model", UNKNOWN_MODEL]).expect_code(4);
    out.assert_stderr_contains("error (not_found): ");
    out.assert_stderr_contains("\nhint: ");

    let out = env
        .run(&["--output", "json", "model", UNKNOWN_MODEL])
        .expect_code(4);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let error = out.json_error_of_kind("not_found");
    assert_keys(&error, &["kind", "message", "hint", "request_id"]);
    assert_eq!(error["exit_code"], 4);
    assert!(error["request_id"].is_string(), "{error}");
    assert!(error["hint"].is_string(), "{error}");
}

#[test]
fn invoking_an_unknown_model_is_not_found_and_a_foreign_profile_is_invalid() {
    let env = TestEnv::new();
    let body = claude_body(16);
    let out = env
        .run(&["--output", "json", "invoke", UNKNOWN_MODEL, "--body", &body])
        .expect_code(4);
    let error = out.json_error_of_kind("not_found");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("foundation model"),
        "{error}"
    );

    // An EU inference profile called from us-east-1: Bedrock's ValidationException.
    let eu_profile = format!("eu.{HAIKU}");
    let out = env
        .run(&["--output", "json", "invoke", &eu_profile, "--body", &body])
        .expect_code(2);
    let error = out.json_error_of_kind("validation");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("model identifier is invalid"),
        "{error}"
    );
    let from_eu = env
        .run(&[
            "--region",
            "eu-west-1",
            "--output",
            "json",
            "invoke",
            &eu_profile,
            "--body",
            &body,
        ])
        .ok()
        .json();
    assert_eq!(from_eu["body"]["type"], "message");
}

#[test]
fn invoke_pretty_prints_the_response_and_saves_the_prompt() {
    let env = TestEnv::new();
    let body = claude_body(24);
    let out = env
        .run(&["invoke", HAIKU, "--body", &body, "--save-prompt"])
        .ok();
    let response: Value = serde_json::from_str(&out.stdout).expect("the body is JSON");
    assert!(
        out.stdout.contains("\n  \""),
        "pretty-printed: {}",
        out.stdout
    );
    assert_eq!(response["type"], "message");
    assert!(
        response["content"][0]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let id = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("prompt id: "))
        .unwrap_or_else(|| panic!("prompt id on stderr: {}", out.stderr))
        .to_owned();
    assert_eq!(id.len(), 26);

    let shown = env.run(&["history", "show", &id]).ok();
    shown.assert_stdout_contains("status:    completed");
    assert!(shown.stdout.contains("Name three rivers."));

    let json = env
        .run(&[
            "--output",
            "json",
            "invoke",
            HAIKU,
            "--body",
            &body,
            "--save-prompt",
        ])
        .ok()
        .json();
    assert_keys(
        &json,
        &[
            "content_type",
            "body",
            "body_encoding",
            "prompt_id",
            "input_tokens",
            "output_tokens",
            "latency_ms",
            "request_id",
        ],
    );
    assert_eq!(json["body_encoding"], "json");
    assert_eq!(json["body"]["type"], "message");
    assert!(json["output_tokens"].as_u64().unwrap() <= 24);
    assert_eq!(json["prompt_id"].as_str().unwrap().len(), 26);
    assert!(json["request_id"].is_string(), "{json}");
}

#[test]
fn invoke_reads_the_body_from_a_file_or_stdin() {
    let env = TestEnv::new();
    let path = env.path().join("body.json");
    std::fs::write(&path, claude_body(8)).unwrap();
    let from_file = env
        .run(&[
            "--output",
            "json",
            "invoke",
            HAIKU,
            "--body",
            &format!("@{}", path.display()),
        ])
        .ok()
        .json();
    assert_eq!(from_file["body"]["type"], "message");
    let from_stdin = env
        .run_with_stdin(
            &["--output", "json", "invoke", HAIKU, "--body", "-"],
            Some(claude_body(8).as_bytes()),
        )
        .ok()
        .json();
    assert_eq!(
        from_stdin["body"], from_file["body"],
        "deterministic answers"
    );
}

#[test]
fn a_body_that_is_not_json_fails_before_sending() {
    let env = TestEnv::new();
    let out = env
        .run(&["invoke", HAIKU, "--body", "{\"max_tokens\": "])
        .expect_code(2);
    out.assert_stderr_starts_with("error (validation): ");
    out.assert_stderr_contains("`body`");
    // Nothing started.
    out.assert_stderr_lacks(EMBEDDED_NOTICE);
}

#[test]
fn invoke_stream_prints_one_chunk_per_line() {
    let env = TestEnv::new();
    let body = claude_body(20);
    let out = env
        .run(&["invoke", HAIKU, "--body", &body, "--stream"])
        .ok();
    let chunks = out.json_lines();
    assert!(chunks.len() >= 3, "{}", out.stdout);
    assert_eq!(chunks[0]["type"], "message_start");
    assert_eq!(chunks.last().unwrap()["type"], "message_stop");

    let out = env
        .run(&[
            "--output",
            "json",
            "invoke",
            HAIKU,
            "--body",
            &body,
            "--stream",
            "--save-prompt",
        ])
        .ok();
    let lines = out.json_lines();
    let (done, chunk_lines) = lines.split_last().unwrap();
    assert_eq!(done["done"], true);
    assert_eq!(done["chunks"].as_u64().unwrap() as usize, chunk_lines.len());
    assert_eq!(chunk_lines.len(), chunks.len());
    for line in chunk_lines {
        assert!(line["chunk"].is_object(), "{line}");
    }
    let id = done["prompt_id"].as_str().unwrap();
    let saved = env
        .run(&["--output", "json", "history", "show", id])
        .ok()
        .json();
    assert_eq!(saved["prompt"]["stream"], true);
    assert_eq!(saved["prompt"]["status"], "completed");
    assert_eq!(saved["prompt"]["response"]["body_encoding"], "ndjson");
    assert_eq!(
        saved["prompt"]["response"]["body"]
            .as_array()
            .unwrap()
            .len(),
        chunk_lines.len()
    );
}

#[test]
fn text_generates_through_the_adapter() {
    let env = TestEnv::new();
    let out = env
        .run(&[
            "text",
            HAIKU,
            "Tell me about rivers",
            "--max-tokens",
            "12",
            "--system",
            "Be brief",
        ])
        .ok();
    assert!(!out.stdout.trim().is_empty());
    let json = env
        .run(&[
            "--output",
            "json",
            "text",
            HAIKU,
            "Tell me about rivers",
            "--max-tokens",
            "12",
            "--temperature",
            "0.2",
        ])
        .ok()
        .json();
    assert_keys(
        &json,
        &[
            "text",
            "stop_reason",
            "usage",
            "prompt_id",
            "latency_ms",
            "request_id",
        ],
    );
    assert!(json["prompt_id"].is_null());
    assert!(
        json["usage"]["output_tokens"].as_u64().unwrap() <= 12,
        "{json}"
    );
    assert!(json["stop_reason"].is_string());
}

#[test]
fn text_stream_prints_tokens_and_json_events() {
    let env = TestEnv::new();
    let out = env
        .run(&[
            "text",
            HAIKU,
            "Tell me about rivers",
            "--max-tokens",
            "30",
            "--stream",
        ])
        .ok();
    assert!(
        out.stdout.ends_with('\n') && out.stdout.trim().len() > 3,
        "{}",
        out.stdout
    );

    let out = env
        .run(&[
            "--output",
            "json",
            "text",
            HAIKU,
            "Tell me about rivers",
            "--max-tokens",
            "30",
            "--stream",
            "--save-prompt",
        ])
        .ok();
    let events = out.json_lines();
    let (done, events) = events.split_last().unwrap();
    assert_eq!(done["event"], "done");
    let streamed: String = events
        .iter()
        .filter(|e| e["event"] == "text_delta")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(!streamed.is_empty());
    assert_eq!(done["text"], streamed.as_str());
    assert!(
        events.iter().any(|e| e["event"] == "stop"),
        "{}",
        out.stdout
    );
    assert!(done["prompt_id"].is_string());
}

#[test]
fn a_bad_max_tokens_is_a_validation_error_naming_the_field_before_anything_starts() {
    let env = TestEnv::new();
    for bad in ["0", "-3", "10000000"] {
        let out = env
            .run(&["text", HAIKU, "hi", "--max-tokens", bad])
            .expect_code(2);
        out.assert_stderr_starts_with("error (validation): ");
        out.assert_stderr_contains("max_tokens");
        out.assert_stderr_contains("nothing was sent");
        out.assert_stderr_lacks(EMBEDDED_NOTICE);
    }
    let out = env
        .run(&["--output", "json", "text", HAIKU, "hi", "--max-tokens", "0"])
        .expect_code(2);
    let error = out.json_error_of_kind("validation");
    assert_eq!(error["field"], "max_tokens");
}

#[test]
fn typed_commands_on_a_model_without_an_adapter_or_capability_fail_clearly() {
    let env = TestEnv::new();
    let out = env.run(&["embed", HAIKU, "hello"]).expect_code(9);
    out.assert_stderr_starts_with("error (unsupported): ");
    out.assert_stderr_contains("embedding");
    // A catalog model no built-in adapter serves: Nova Sonic has no InvokeModel body.
    let out = env
        .run(&["text", "amazon.nova-sonic-v1:0", "hello"])
        .expect_code(9);
    out.assert_stderr_contains("no adapter serves model");
}

#[test]
fn embed_prints_the_dimension_and_the_vector() {
    let env = TestEnv::new();
    let out = env
        .run(&[
            "embed",
            TITAN_EMBED,
            "rivers and lakes",
            "--dimensions",
            "256",
        ])
        .ok();
    assert!(
        out.stdout.starts_with("dimensions: 256\n["),
        "{}",
        out.stdout
    );
    let json = env
        .run(&[
            "--output",
            "json",
            "embed",
            TITAN_EMBED,
            "rivers and lakes",
            "--dimensions",
            "512",
            "--normalize",
        ])
        .ok()
        .json();
    assert_keys(
        &json,
        &["dimensions", "embedding", "prompt_id", "input_tokens"],
    );
    assert_eq!(json["dimensions"], 512);
    let vector: Vec<f64> = json["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(vector.len(), 512);
    let norm = vector.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "normalised: {norm}");
}

#[test]
fn image_writes_real_png_files_of_the_requested_size() {
    let env = TestEnv::new();
    let out_path = env.path().join("river.png");
    let out = env
        .run(&[
            "image",
            TITAN_IMAGE,
            "a river at dawn",
            "--width",
            "512",
            "--height",
            "512",
            "--seed",
            "7",
            "-o",
            out_path.to_str().unwrap(),
        ])
        .ok();
    assert_eq!(out.stdout.trim(), out_path.display().to_string());
    assert_eq!(decode_png(&out_path), (512, 512));

    let base = env.path().join("pair");
    let json = env
        .run(&[
            "--output",
            "json",
            "image",
            TITAN_IMAGE,
            "a river at dusk",
            "--width",
            "384",
            "--height",
            "640",
            "--count",
            "2",
            "--negative",
            "people",
            "-o",
            base.to_str().unwrap(),
        ])
        .ok()
        .json();
    let images = json["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    for (i, image) in images.iter().enumerate() {
        assert_keys(
            image,
            &[
                "path",
                "format",
                "bytes",
                "width",
                "height",
                "seed",
                "finish_reason",
            ],
        );
        let expected = env.path().join(format!("pair-{}.png", i + 1));
        assert_eq!(image["path"], expected.display().to_string());
        assert_eq!(image["format"], "png");
        assert_eq!(
            (image["width"].as_u64(), image["height"].as_u64()),
            (Some(384), Some(640))
        );
        assert_eq!(decode_png(&expected), (384, 640));
    }
}

#[test]
fn history_lists_and_shows_saved_prompts() {
    let env = TestEnv::new();
    let empty = env.run(&["history", "list"]).ok();
    assert!(empty.stdout.is_empty());
    empty.assert_stderr_contains("no saved prompts");

    let first = env
        .run(&[
            "--output",
            "json",
            "text",
            HAIKU,
            "first",
            "--save-prompt",
            "--max-tokens",
            "8",
        ])
        .ok()
        .json();
    let failed = env
        .run(&[
            "--output",
            "json",
            "invoke",
            UNKNOWN_MODEL,
            "--body",
            "{}",
            "--save-prompt",
        ])
        .expect_code(4);
    failed.json_error_of_kind("not_found");

    let listed = env.run(&["history", "list"]).ok();
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", listed.stdout);
    assert!(lines[0].starts_with("ID") && lines[0].contains("STATUS"));
    assert!(
        lines[1].contains("failed") && lines[1].contains(UNKNOWN_MODEL),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("completed") && lines[2].contains(HAIKU),
        "{}",
        lines[2]
    );

    let json = env
        .run(&["--output", "json", "history", "list", "--limit", "1"])
        .ok()
        .json();
    let prompts = json["prompts"].as_array().unwrap();
    assert_eq!(prompts.len(), 1);
    assert_keys(
        &prompts[0],
        &[
            "id",
            "created_at",
            "finished_at",
            "status",
            "model_id",
            "region",
            "stream",
            "input_tokens",
            "output_tokens",
            "latency_ms",
            "error_kind",
        ],
    );
    assert_eq!(prompts[0]["status"], "failed");
    assert_eq!(prompts[0]["error_kind"], "not_found");

    let id = first["prompt_id"].as_str().unwrap();
    let shown = env
        .run(&["--output", "json", "history", "show", id])
        .ok()
        .json();
    let prompt = &shown["prompt"];
    assert_eq!(prompt["id"], id);
    assert_eq!(prompt["status"], "completed");
    assert_eq!(prompt["request"]["body_encoding"], "json");
    assert_eq!(prompt["request"]["body"]["max_tokens"], 8);
    assert_eq!(prompt["response"]["body"]["type"], "message");
    assert!(prompt["error"].is_null());
}

#[test]
fn history_show_rejects_unknown_and_malformed_ids() {
    let env = TestEnv::new();
    let out = env
        .run(&["history", "show", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
        .expect_code(4);
    out.assert_stderr_starts_with("error (not_found): ");
    let out = env.run(&["history", "show", "not-an-id"]).expect_code(2);
    out.assert_stderr_starts_with("error (usage): invalid prompt id");
}

#[test]
fn schema_prints_the_request_schema_of_the_models_api() {
    let env = TestEnv::new();
    let out = env.run(&["schema", HAIKU]).ok();
    let schema: Value = serde_json::from_str(&out.stdout).expect("a JSON schema");
    let properties = schema["properties"].as_object().expect("an object schema");
    assert!(properties.contains_key("max_tokens"), "{schema}");
    assert!(properties.contains_key("messages"), "{schema}");
    let titan = env
        .run(&["--output", "json", "schema", TITAN_EMBED])
        .ok()
        .json();
    assert!(
        titan["properties"]
            .as_object()
            .unwrap()
            .contains_key("inputText"),
        "{titan}"
    );
    let cohere = env
        .run(&["--output", "json", "schema", "cohere.command-r-v1:0"])
        .ok()
        .json();
    assert_eq!(cohere["title"], "CohereChatRequest", "{cohere}");
    let out = env
        .run(&["schema", "amazon.nova-sonic-v1:0"])
        .expect_code(9);
    out.assert_stderr_contains("no adapter serves");
}

#[test]
fn an_unknown_region_is_a_usage_error_listing_the_regions() {
    let env = TestEnv::new();
    let out = env.run(&["--region", "moon-1", "models"]).expect_code(2);
    out.assert_stderr_starts_with("error (usage): --region: unknown region `moon-1`");
    for region in ["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"] {
        out.assert_stderr_contains(region);
    }
    out.assert_stderr_lacks(EMBEDDED_NOTICE);
    let mut cmd = env.command();
    let out = cmd
        .env("AWS_REGION", "nowhere-9")
        .args(["--output", "json", "models"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = String::from_utf8_lossy(&out.stderr);
    let error: Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(error["error"]["kind"], "usage");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("AWS_REGION: unknown region")
    );
}

#[test]
fn conflicting_backend_options_are_usage_errors() {
    let env = TestEnv::new();
    let out = env
        .run(&[
            "--backend",
            "emulator",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "models",
        ])
        .expect_code(2);
    out.assert_stderr_starts_with("error (usage): ");
    let out = env
        .run(&["models", "--output-modality", "SOUND"])
        .expect_code(2);
    out.assert_stderr_contains("SOUND");
}

#[test]
fn completions_are_printed_for_each_shell() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]).ok();
        assert!(out.stdout.contains("bedrock"), "{shell}");
        assert!(
            out.stdout.contains("history"),
            "{shell} completes subcommands"
        );
    }
}

#[test]
fn verbose_flags_raise_the_log_level() {
    let env = TestEnv::new();
    let quiet = env.run(&["models"]).ok();
    quiet.assert_stderr_lacks("INFO");
    let info = env.run(&["-vv", "models"]).ok();
    info.assert_stderr_contains("INFO");
    info.assert_stderr_lacks("DEBUG");
    let debug = env.run(&["models", "-vvv"]).ok();
    debug.assert_stderr_contains("DEBUG");
}

#[test]
fn backend_emulator_is_used_even_when_credentials_are_configured() {
    let env = TestEnv::with_example_credentials();
    let out = env
        .run(&["--backend", "emulator", "--output", "json", "models"])
        .ok();
    out.assert_stderr_says_once(EMBEDDED_NOTICE);
    assert!(out.json()["models"].as_array().unwrap().len() > 10);
}
