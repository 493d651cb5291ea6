//! boto3 against the emulator: runs `tests/python/test_boto3.py` with a Python that has boto3
//! (from `BEDROCK_TEST_PYTHON`, else `<workspace>/.venv`, created on first use) and checks that
//! every case passed.

mod support;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bedrock_emulator::{Emulator, EmulatorConfig};
use bedrock_simulator::{Operation, SimulatorConfig};

/// How long the script may run (its cases take a few seconds; a first import of boto3 more).
const SCRIPT_DEADLINE: Duration = Duration::from_secs(300);

/// The cases the script must report as passed.
const CASES: &[&str] = &[
    "list_foundation_models_with_filters",
    "get_foundation_model_by_id_and_arn",
    "invoke_claude_messages",
    "invoke_titan_embeddings",
    "invoke_titan_image",
    "stream_claude_messages",
    "validation_exception",
    "resource_not_found_exception",
    "access_denied_exception",
    "unknown_access_key_is_rejected",
    "throttling_exception_from_a_fault_rule",
    "converse_plain_text",
    "converse_system_prompt",
    "converse_multi_turn",
    "converse_image_input",
    "converse_document_input",
    "converse_two_round_tool_use",
    "converse_reasoning_signature_sent_back",
    "converse_cache_read_tokens_on_the_second_call",
    "converse_validation_exception_per_unsupported_feature",
    "s3_put_get_list_delete",
    "batch_job_completes_with_per_record_errors",
    "batch_job_stop",
    "batch_job_failures",
    "list_model_invocation_jobs_with_filters",
    "async_invoke_round_trip",
    "nova_reel_writes_an_mp4_and_refuses_a_bad_duration_at_start",
];

/// Environment variables that would point boto3 at real accounts, profiles or endpoints.
const CLEARED_ENV: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_clients_work_against_the_emulator() {
    let python = tokio::task::spawn_blocking(support::python_with_boto3)
        .await
        .expect("the interpreter lookup");

    let config = EmulatorConfig {
        simulator: SimulatorConfig::default().not_granted("anthropic.claude-v2"),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::builder()
        .config(config)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("emulator starts");
    let script = workspace_root()
        .join("tests")
        .join("python")
        .join("test_boto3.py");
    // Empty config files keep the user's ~/.aws out of the run.
    let scratch = std::env::temp_dir().join(format!("bedrock-boto3-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let empty = scratch.join("empty");
    std::fs::write(&empty, "").expect("empty config file");

    let mut cmd = Command::new(&python);
    cmd.arg(&script)
        .arg(emulator.url())
        .arg(emulator.control_token());
    for name in CLEARED_ENV {
        cmd.env_remove(name);
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", python.display()));
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stdout_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });

    // Poll instead of blocking so the emulator keeps serving on this runtime.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait on the script") {
            break status;
        }
        if started.elapsed() > SCRIPT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the boto3 script did not finish within {SCRIPT_DEADLINE:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stdout = stdout_reader.join().expect("stdout reader");
    let stderr = stderr_reader.join().expect("stderr reader");
    let _ = std::fs::remove_dir_all(&scratch);

    assert!(
        status.success(),
        "the boto3 script failed ({status}):\n{stdout}\n{stderr}"
    );
    let summary = format!("boto3: {} passed, 0 failed", CASES.len());
    assert!(
        stdout.lines().any(|l| l == summary),
        "no `{summary}` line in:\n{stdout}\n{stderr}"
    );
    for case in CASES {
        assert!(
            stdout.lines().any(|l| l == format!("ok {case}")),
            "case {case} did not pass:\n{stdout}\n{stderr}"
        );
    }

    // botocore's requests all passed SigV4 and carried their attempt numbers.
    let log = emulator.simulator().request_log();
    assert!(
        log.iter()
            .any(|e| e.operation == Operation::InvokeStream && e.outcome.status == 200),
        "{log:?}"
    );
    assert!(
        log.iter().any(|e| e.operation == Operation::List),
        "{log:?}"
    );
    assert!(
        log.iter()
            .filter(|e| e.operation == Operation::Invoke)
            .all(|e| e.attempt == Some(1)),
        "retries are off in the script: {log:?}"
    );
    emulator.shutdown().await.expect("clean shutdown");
}
