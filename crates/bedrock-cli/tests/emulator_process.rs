//! Every calling command against `bedrock emulator` running as its own process, reached through
//! `--backend aws --endpoint-url` with the example credentials in the environment, as a user
//! would test against it; plus credential errors.

mod support;

use support::*;

fn aws_args<'a>(emulator: &'a EmulatorProcess, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--backend", "aws", "--endpoint-url", emulator.url.as_str()];
    args.extend_from_slice(rest);
    args
}

#[test]
fn every_command_works_against_a_separate_emulator_process() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);

    let models = env
        .run(&aws_args(&emulator, &["--output", "json", "models"]))
        .ok();
    models.assert_stderr_lacks(EMBEDDED_NOTICE);
    let list = models.json();
    assert!(list["models"].as_array().unwrap().len() > 10);

    let table = env
        .run(&aws_args(&emulator, &["models", "--provider", "Anthropic"]))
        .ok();
    assert!(
        table
            .stdout
            .lines()
            .skip(1)
            .all(|l| l.contains("Anthropic")),
        "{}",
        table.stdout
    );

    let model = env
        .run(&aws_args(
            &emulator,
            &["--output", "json", "model", TITAN_EMBED],
        ))
        .ok()
        .json();
    assert_eq!(model["model"]["model_id"], TITAN_EMBED);
    assert_eq!(model["model"]["output_modalities"][0], "EMBEDDING");

    let body = claude_body(16);
    let invoked = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "invoke",
                HAIKU,
                "--body",
                &body,
                "--save-prompt",
            ],
        ))
        .ok()
        .json();
    assert_eq!(invoked["body"]["type"], "message");
    let prompt_id = invoked["prompt_id"].as_str().unwrap().to_owned();

    let streamed = env
        .run(&aws_args(
            &emulator,
            &["invoke", HAIKU, "--body", &body, "--stream"],
        ))
        .ok();
    assert!(streamed.json_lines().len() >= 3, "{}", streamed.stdout);

    let text = env
        .run(&aws_args(
            &emulator,
            &["text", HAIKU, "hello", "--max-tokens", "10"],
        ))
        .ok();
    assert!(!text.stdout.trim().is_empty());
    let text_stream = env
        .run(&aws_args(
            &emulator,
            &["--output", "json", "text", HAIKU, "hello", "--stream"],
        ))
        .ok();
    assert_eq!(text_stream.json_lines().last().unwrap()["event"], "done");

    let embedded = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "embed",
                TITAN_EMBED,
                "hello",
                "--dimensions",
                "256",
            ],
        ))
        .ok()
        .json();
    assert_eq!(embedded["embedding"].as_array().unwrap().len(), 256);

    let out_path = env.path().join("proc.png");
    env.run(&aws_args(
        &emulator,
        &[
            "image",
            TITAN_IMAGE,
            "a lake",
            "--width",
            "512",
            "--height",
            "512",
            "-o",
            out_path.to_str().unwrap(),
        ],
    ))
    .ok();
    assert_eq!(decode_png(&out_path), (512, 512));

    let shown = env
        .run(&["--output", "json", "history", "show", &prompt_id])
        .ok()
        .json();
    assert_eq!(shown["prompt"]["status"], "completed");

    let missing = env
        .run(&aws_args(
            &emulator,
            &["--output", "json", "model", UNKNOWN_MODEL],
        ))
        .expect_code(4);
    let error = missing.json_error_of_kind("not_found");
    assert!(error["request_id"].is_string(), "{error}");
}

#[test]
fn the_emulator_command_prints_its_url_first_and_honours_a_config_file() {
    let env = TestEnv::with_example_credentials();
    let config = env.path().join("emulator.toml");
    std::fs::write(
        &config,
        format!("seed = 3\nnot_granted = [\"{TITAN_EMBED}\"]\n"),
    )
    .unwrap();
    let emulator = EmulatorProcess::start(&env, &["--config", config.to_str().unwrap()]);
    let out = env
        .run(&aws_args(&emulator, &["embed", TITAN_EMBED, "hello"]))
        .expect_code(3);
    out.assert_stderr_starts_with("error (access_denied): ");
    out.assert_stderr_contains("hint: ");

    // A simulated date past a model's end of life: 404, with a hint naming the successor.
    let retired_config = env.path().join("retired.toml");
    std::fs::write(&retired_config, "simulate_date = \"2027-01-01\"\n").unwrap();
    let retired = EmulatorProcess::start(&env, &["--config", retired_config.to_str().unwrap()]);
    let out = env
        .run(&aws_args(
            &retired,
            &[
                "image",
                TITAN_IMAGE,
                "a lake",
                "-o",
                env.path().join("x.png").to_str().unwrap(),
            ],
        ))
        .expect_code(4);
    out.assert_stderr_starts_with("error (not_found): ");
    // The hint names the successor.
    out.assert_stderr_contains("amazon.nova-canvas-v1:0");

    let bad = env.path().join("bad.toml");
    std::fs::write(&bad, "no_such_key = 1\n").unwrap();
    let out = env
        .run(&["emulator", "--port", "0", "--config", bad.to_str().unwrap()])
        .expect_code(2);
    out.assert_stderr_contains("no_such_key");
}

#[test]
fn credentials_errors_exit_with_the_credentials_code() {
    let with_keys = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&with_keys, &[]);

    // No credentials at all: the SDK fails before sending.
    let bare = TestEnv::new();
    let out = bare.run(&aws_args(&emulator, &["models"])).expect_code(3);
    out.assert_stderr_starts_with("error (credentials): ");

    // Wrong secret: the emulator rejects the signature.
    let wrong = TestEnv::with_credentials(ACCESS_KEY, "not-the-secret");
    let out = wrong
        .run(&aws_args(&emulator, &["--output", "json", "models"]))
        .expect_code(3);
    out.json_error_of_kind("credentials");
}

#[test]
fn no_auth_emulator_accepts_unsigned_clients_and_auto_picks_aws_for_an_endpoint() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &["--no-auth"]);
    // --backend auto with --endpoint-url goes to that endpoint, not to a built-in emulator.
    let out = env
        .run(&[
            "--endpoint-url",
            emulator.url.as_str(),
            "--output",
            "json",
            "models",
        ])
        .ok();
    out.assert_stderr_lacks(EMBEDDED_NOTICE);
    assert!(out.json()["models"].as_array().unwrap().len() > 10);
}

#[cfg(unix)]
#[test]
fn the_emulator_stops_cleanly_on_sigint_and_sigterm() {
    for signal in ["-INT", "-TERM"] {
        let env = TestEnv::new();
        let mut emulator = EmulatorProcess::start(&env, &[]);
        let sent = std::process::Command::new("kill")
            .args([signal, &emulator.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = emulator
            .wait_for_exit(std::time::Duration::from_secs(20))
            .unwrap_or_else(|| panic!("the emulator stops on {signal}"));
        assert_eq!(status.code(), Some(0), "{signal}: a graceful stop exits 0");
    }
}

#[test]
fn injected_faults_map_to_their_exit_codes() {
    let env = TestEnv::with_example_credentials();
    let config = env.path().join("faults.toml");
    std::fs::write(
        &config,
        r#"
[[faults]]
model = "amazon.titan-text-express-v1"
fault = { type = "throttling" }

[[faults]]
model = "amazon.titan-text-lite-v1"
fault = { type = "model_error" }

[[faults]]
model = "amazon.titan-embed-text-v1"
fault = { type = "malformed_body" }

[[faults]]
model = "anthropic.claude-3-haiku-20240307-v1:0"
operation = "invoke_stream"
fault = { type = "stream_error", after_chunks = 3, kind = "modelStreamErrorException" }

[[faults]]
model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
fault = { type = "service_unavailable" }
"#,
    )
    .unwrap();
    let emulator = EmulatorProcess::start(&env, &["--config", config.to_str().unwrap()]);

    let throttled = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "text",
                "amazon.titan-text-express-v1",
                "hi",
            ],
        ))
        .expect_code(5);
    let error = throttled.json_error_of_kind("throttling");
    assert_eq!(error["retryable"], true);

    let failed = env
        .run(&aws_args(
            &emulator,
            &["text", "amazon.titan-text-lite-v1", "hi"],
        ))
        .expect_code(6);
    failed.assert_stderr_starts_with("error (model_error): ");

    let malformed = env
        .run(&aws_args(
            &emulator,
            &["embed", "amazon.titan-embed-text-v1", "hi"],
        ))
        .expect_code(9);
    malformed.assert_stderr_starts_with("error (decode): ");

    let cut = env
        .run(&aws_args(
            &emulator,
            &["text", HAIKU, "hi", "--stream", "--max-tokens", "50"],
        ))
        .expect_code(6);
    assert!(
        !cut.stdout.is_empty(),
        "tokens before the error were printed"
    );
    cut.assert_stderr_contains("error (model_error): ");

    let unavailable = env
        .run(&aws_args(
            &emulator,
            &[
                "invoke",
                "anthropic.claude-3-5-sonnet-20240620-v1:0",
                "--body",
                &claude_body(8),
            ],
        ))
        .expect_code(7);
    unavailable.assert_stderr_starts_with("error (service_unavailable): ");
}
