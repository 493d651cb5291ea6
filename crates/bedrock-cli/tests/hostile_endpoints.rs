//! The CLI against endpoints that fail before answering or answer with hostile content: the
//! exit code and message of a refused connection, a reset and a read timeout; Ctrl-C during a
//! call that saves its prompt; an unusable `--endpoint-url`; error messages and responses too
//! large to print or read; and escape sequences from a server kept off the terminal.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::*;

/// A prompt no error message may quote.
const PROMPT: &str = "SECRET-PROMPT-31c4";

/// The CLI's exit code for transport errors (README, "Errors and exit codes").
const TRANSPORT: i32 = 8;

#[test]
fn a_refused_connection_exits_with_the_transport_code_after_every_attempt() {
    let env = TestEnv::with_example_credentials();
    let url = refused_url();
    let out = env
        .run(&at(&url, &["text", HAIKU, PROMPT]))
        .expect_code(TRANSPORT);
    out.assert_stderr_starts_with(
        "error (transport): transport error: could not send the request: ",
    )
    .assert_stderr_contains("Connection refused")
    .assert_stderr_contains(" (after 3 attempts)\nhint: check the endpoint URL and network")
    .assert_stderr_lacks(PROMPT);

    let out = env
        .run(&at(&url, &["--output", "json", "text", HAIKU, PROMPT]))
        .expect_code(TRANSPORT);
    let error = out.json_error_of_kind("transport");
    assert_eq!(
        (&error["retryable"], &error["attempts"], &error["exit_code"]),
        (&json!(false), &json!(3), &json!(TRANSPORT))
    );
}

#[test]
fn a_read_timeout_exits_with_the_transport_code_as_a_retryable_timeout() {
    let env = TestEnv::with_example_credentials();
    let silent = FakeEndpoint::start(Behaviour::Silent);
    let args = [
        "--output",
        "json",
        "--read-timeout",
        "0.3",
        "text",
        HAIKU,
        PROMPT,
    ];
    let out = env.run(&at(&silent.url, &args)).expect_code(TRANSPORT);
    let error = out.json_error_of_kind("transport");
    assert_eq!(error["retryable"], true, "{error}");
    assert_eq!(error["attempts"], 3, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("timeout"), "{message}");
    assert!(!message.contains(PROMPT), "{message}");
    assert_eq!(silent.requests(), 3, "the SDK retried the timeouts");
}

#[test]
fn a_reset_before_any_answer_exits_with_the_transport_code() {
    let env = TestEnv::with_example_credentials();
    let reset = FakeEndpoint::start(Behaviour::Reset);
    let out = env
        .run(&at(
            &reset.url,
            &["--output", "json", "text", HAIKU, PROMPT],
        ))
        .expect_code(TRANSPORT);
    let error = out.json_error_of_kind("transport");
    assert_eq!(error["attempts"], 3, "{error}");
    assert_eq!(error["retryable"], false, "{error}");
}

/// The README: "Ctrl-C stops a running call (exit code 130); a saved prompt is then marked
/// interrupted the next time the history is opened."
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_saved_call_exits_130_and_the_prompt_is_interrupted_on_next_open() {
    let env = TestEnv::with_example_credentials();
    let silent = FakeEndpoint::start(Behaviour::Silent);
    let calls: [&[&str]; 2] = [
        &["--output", "json", "text", HAIKU, PROMPT, "--save-prompt"],
        &["text", HAIKU, PROMPT, "--stream", "--save-prompt"],
    ];
    for (i, args) in calls.into_iter().enumerate() {
        let mut child = env
            .command()
            .args(at(&silent.url, args))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("bedrock starts");
        // The prompt is saved before the request is sent, so once the endpoint has the
        // request the row is in the history.
        assert!(
            silent.wait_for_requests(i + 1, Duration::from_secs(60)),
            "the call reached the endpoint"
        );
        let sent = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while child.try_wait().expect("wait").is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "bedrock stops on SIGINT"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{args:?}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
    }

    let listed = env.run(&["--output", "json", "history", "list"]).ok();
    let prompts = listed.json()["prompts"].as_array().unwrap().clone();
    assert_eq!(prompts.len(), 2, "{prompts:?}");
    for prompt in &prompts {
        assert_eq!(prompt["status"], "interrupted", "{prompt}");
        assert!(prompt["finished_at"].is_string(), "{prompt}");
    }
    let id = prompts[0]["id"].as_str().unwrap();
    let shown = env.run(&["history", "show", id]).ok();
    shown.assert_stdout_contains("status:    interrupted");
}

#[test]
fn an_unusable_endpoint_url_is_a_usage_error_that_never_prints_the_request() {
    let env = TestEnv::with_example_credentials();
    for url in ["not a url", "", "http://127.0.0.1:99999", "ftp://127.0.0.1"] {
        let out = env
            .run(&at(url, &["text", HAIKU, PROMPT, "--save-prompt"]))
            .expect_code(2);
        out.assert_stderr_starts_with(&format!(
            "error (usage): --endpoint-url: `{url}` is not a usable endpoint URL: "
        ))
        .assert_stderr_lacks(PROMPT)
        .assert_stderr_lacks("panicked");
    }
    let listed = env.run(&["--output", "json", "history", "list"]).ok();
    assert_eq!(
        listed.json()["prompts"],
        json!([]),
        "nothing was sent or saved"
    );
}

#[test]
fn a_10_mb_error_message_is_cut_to_the_limit_with_a_note() {
    let env = TestEnv::with_example_credentials();
    let message = format!("{}END-OF-MESSAGE", "A".repeat(10_000_000));
    let body = json!({ "message": message }).to_string();
    let endpoint = FakeEndpoint::answering(
        400,
        &[
            ("content-type", "application/json"),
            ("x-amzn-errortype", "ValidationException"),
        ],
        body.as_bytes(),
    );
    let out = env
        .run(&at(&endpoint.url, &["text", HAIKU, "hi"]))
        .expect_code(2);
    assert!(out.stderr.len() < 5_000, "{} bytes", out.stderr.len());
    out.assert_stderr_starts_with("error (validation): validation error: AAAA")
        .assert_stderr_contains("AAA... [999")
        .assert_stderr_contains(" more bytes not shown; --max-error-bytes shows more]")
        .assert_stderr_lacks("END-OF-MESSAGE");

    let out = env
        .run(&at(
            &endpoint.url,
            &["--output", "json", "text", HAIKU, "hi"],
        ))
        .expect_code(2);
    assert_eq!(out.stderr.lines().count(), 1, "one JSON line");
    let error = out.json_error_of_kind("validation");
    let shown = error["message"].as_str().unwrap();
    assert!(shown.len() < 4_200 && shown.contains("more bytes not shown"));

    let out = env
        .run(&at(
            &endpoint.url,
            &["--max-error-bytes", "20000000", "text", HAIKU, "hi"],
        ))
        .expect_code(2);
    out.assert_stderr_contains("END-OF-MESSAGE (HTTP 400)");
}

/// A whole HTTP response whose head says `head_lines` and whose body is `body`, as sent.
fn raw_response(head_lines: &str, body: &[u8]) -> Behaviour {
    let mut bytes =
        format!("HTTP/1.1 200 OK\r\n{head_lines}connection: close\r\n\r\n").into_bytes();
    bytes.extend_from_slice(body);
    Behaviour::Answer(bytes)
}

#[test]
fn responses_over_the_limit_fail_with_the_transport_code_naming_it() {
    let env = TestEnv::with_example_credentials();
    let body = br#"{"ok":true}"#;
    // 100 MB announced: refused by the default limit before its body is read.
    let declared = FakeEndpoint::start(raw_response(
        "content-type: application/json\r\ncontent-length: 100000000\r\n",
        body,
    ));
    let out = env
        .run(&at(&declared.url, &["invoke", HAIKU, "--body", "{}"]))
        .expect_code(TRANSPORT);
    out.assert_stderr_starts_with(
        "error (transport): transport error: could not read the response: ",
    )
    .assert_stderr_contains("larger than the limit of 67108864 bytes")
    .assert_stderr_contains("Content-Length says 100000000 bytes")
    .assert_stderr_contains(
        "\nhint: the answer is larger than --max-response-bytes (67108864 bytes) allows",
    );
    assert_eq!(declared.requests(), 1, "not retried");

    // 2,000 bytes without a length, under --max-response-bytes 1000 and 4096.
    let pad = "x".repeat(1_990);
    let json_body = format!(r#"{{"pad":"{pad}"}}"#);
    assert_eq!(json_body.len(), 2_000);
    let mut chunked = format!("{:x}\r\n", json_body.len()).into_bytes();
    chunked.extend_from_slice(json_body.as_bytes());
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let unsized_body = FakeEndpoint::start(raw_response(
        "content-type: application/json\r\ntransfer-encoding: chunked\r\n",
        &chunked,
    ));
    let out = env
        .run(&at(
            &unsized_body.url,
            &[
                "--max-response-bytes",
                "1000",
                "invoke",
                HAIKU,
                "--body",
                "{}",
            ],
        ))
        .expect_code(TRANSPORT);
    out.assert_stderr_contains("larger than the limit of 1000 bytes");
    let out = env
        .run(&at(
            &unsized_body.url,
            &[
                "--max-response-bytes",
                "4096",
                "--output",
                "json",
                "invoke",
                HAIKU,
                "--body",
                "{}",
            ],
        ))
        .ok();
    assert_eq!(out.json()["body"]["pad"], pad);
}

/// Model text with a window-title OSC, a clipboard write, colours, a C1 CSI and a carriage
/// return; and the text a person should see of it.
const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}]52;c;cm0gLXJm\u{7}\u{1b}[31mRED\u{1b}[0m plain\u{9b}2J\rend";
const SEEN: &str = "RED plainend";

/// The injected sequences, none of which may reach a terminal.
const INJECTED: [&str; 5] = [
    "\u{1b}]0;pwned",
    "\u{1b}]52;",
    "\u{1b}[31m",
    "\u{9b}2J",
    "\u{1b}[0m",
];

fn claude_answer(text: &str) -> FakeEndpoint {
    let body = json!({
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 5},
    });
    FakeEndpoint::answering(
        200,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    )
}

#[track_caller]
fn assert_clean(shown: &str) {
    for injected in INJECTED {
        assert!(
            !shown.contains(injected),
            "{injected:?} reached the terminal: {shown:?}"
        );
    }
}

#[test]
fn escape_sequences_from_a_model_never_reach_a_terminal_and_pipes_get_every_byte() {
    let env = TestEnv::with_example_credentials();
    let endpoint = claude_answer(HOSTILE);
    let args = at(&endpoint.url, &["text", HAIKU, "hi"]);

    // A pipe gets the model's text unchanged, for scripts that want it.
    let piped = env.run(&args).ok();
    assert_eq!(piped.stdout, format!("{HOSTILE}\n"));

    let Some(shown) = run_on_terminal(&env, &args, "2>/dev/null") else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    let shown = shown.expect_code(0);
    assert_clean(&shown.stdout);
    assert_eq!(shown.stdout, format!("{SEEN}\n"));
    assert!(
        !shown.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        shown.stdout
    );

    // JSON on a terminal is still JSON, every control character escaped.
    let json_args = at(&endpoint.url, &["--output", "json", "text", HAIKU, "hi"]);
    let shown = run_on_terminal(&env, &json_args, "2>/dev/null")
        .unwrap()
        .expect_code(0);
    assert!(!shown.stdout.chars().any(|c| c.is_control() && c != '\n'));
    let value: Value = serde_json::from_str(&shown.stdout).expect("JSON");
    assert_eq!(value["text"], HOSTILE, "the same text, escaped");

    // A raw (non-JSON) body from `invoke`.
    let raw = FakeEndpoint::answering(200, &[("content-type", "text/plain")], HOSTILE.as_bytes());
    let raw_args = at(&raw.url, &["invoke", HAIKU, "--body", "{}"]);
    assert_eq!(env.run(&raw_args).ok().stdout_bytes, HOSTILE.as_bytes());
    let shown = run_on_terminal(&env, &raw_args, "2>/dev/null")
        .unwrap()
        .expect_code(0);
    assert_clean(&shown.stdout);
    assert_eq!(shown.stdout, SEEN);
}

#[test]
fn escape_sequences_in_a_server_error_never_reach_a_terminal() {
    let env = TestEnv::with_example_credentials();
    let endpoint = FakeEndpoint::answering(
        400,
        &[
            ("content-type", "application/json"),
            ("x-amzn-errortype", "ValidationException"),
        ],
        json!({ "message": format!("bad {HOSTILE}") })
            .to_string()
            .as_bytes(),
    );
    let args = at(&endpoint.url, &["text", HAIKU, "hi"]);
    let Some(shown) = run_on_terminal(&env, &args, ">/dev/null") else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    let shown = shown.expect_code(2);
    assert_clean(&shown.stdout);
    assert!(
        shown.stdout.starts_with(&format!(
            "error (validation): validation error: bad {SEEN} (HTTP 400)"
        )),
        "{:?}",
        shown.stdout
    );
    // Stderr to a file keeps the server's bytes, as it keeps any output.
    env.run(&args)
        .expect_code(2)
        .assert_stderr_contains(&format!("bad {HOSTILE}"));
}
