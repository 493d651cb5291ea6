//! `bedrock batch` and `bedrock async`: `prepare` builds typed records offline through the
//! adapters; job and invocation commands run against `bedrock emulator` as its own process.

mod support;

use support::*;

fn aws_args<'a>(emulator: &'a EmulatorProcess, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--backend", "aws", "--endpoint-url", emulator.url.as_str()];
    args.extend_from_slice(rest);
    args
}

const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-batch";

#[test]
fn prepare_builds_one_typed_record_per_line_through_the_adapter() {
    let env = TestEnv::new();
    let prompts = env.path().join("prompts.txt");
    std::fs::write(&prompts, "Name a river.\n\nName a mountain.\n").unwrap();
    let out = env
        .run(&[
            "batch",
            "prepare",
            "--model",
            HAIKU,
            "--from",
            prompts.to_str().unwrap(),
            "--max-tokens",
            "32",
        ])
        .ok();
    let records = out.json_lines();
    assert_eq!(records.len(), 2, "blank lines are not records");
    assert_eq!(records[0]["recordId"], "record-0000001");
    assert_eq!(records[1]["recordId"], "record-0000003");
    let body = &records[0]["modelInput"];
    assert_eq!(body["anthropic_version"], "bedrock-2023-05-31");
    assert_eq!(body["max_tokens"], 32);

    let embed = env.path().join("records.jsonl");
    env.run(&[
        "batch",
        "prepare",
        "--model",
        TITAN_EMBED,
        "--from",
        prompts.to_str().unwrap(),
        "--out",
        embed.to_str().unwrap(),
    ])
    .ok()
    .assert_stderr_contains("2 records written");
    let first = std::fs::read_to_string(&embed).unwrap();
    let first: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(first["modelInput"]["inputText"], "Name a river.");

    // A value the adapter refuses names its line; nothing is written.
    let bad = env
        .run(&[
            "batch",
            "prepare",
            "--model",
            HAIKU,
            "--from",
            prompts.to_str().unwrap(),
            "--max-tokens",
            "0",
        ])
        .expect_code(2);
    bad.assert_stderr_contains("line 1");
}

#[test]
fn jobs_are_submitted_followed_listed_and_refused_as_bedrock_does() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);

    // A local file is not an input: it must be in S3.
    env.run(&aws_args(
        &emulator,
        &[
            "batch",
            "submit",
            "records.jsonl",
            "--model",
            TITAN_EMBED,
            "--output-uri",
            "s3://out-bucket/",
            "--role",
            ROLE,
        ],
    ))
    .expect_code(2)
    .assert_stderr_contains("s3://");

    // An input that is not there: the job fails with Bedrock's message, and --wait says so.
    let failed = env.run(&aws_args(
        &emulator,
        &[
            "batch",
            "submit",
            "s3://in-bucket/missing.jsonl",
            "--model",
            TITAN_EMBED,
            "--output-uri",
            "s3://out-bucket/",
            "--role",
            ROLE,
            "--name",
            "nightly-1",
            "--wait",
        ],
    ));
    assert_ne!(failed.code, 0, "{}", failed.stderr);
    failed.assert_stdout_contains("Failed");
    failed.assert_stdout_contains("s3://in-bucket/missing.jsonl");

    let started = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "batch",
                "submit",
                "s3://in-bucket/other.jsonl",
                "--model",
                TITAN_EMBED,
                "--output-uri",
                "s3://out-bucket/",
                "--role",
                ROLE,
                "--name",
                "weekly-1",
            ],
        ))
        .ok()
        .json();
    let arn = started["jobArn"].as_str().unwrap().to_owned();
    assert!(arn.contains(":model-invocation-job/"), "{arn}");

    let status = env
        .run(&aws_args(
            &emulator,
            &["--output", "json", "batch", "status", &arn],
        ))
        .ok()
        .json();
    assert_eq!(status["jobName"], "weekly-1");

    let listed = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "batch",
                "list",
                "--name-contains",
                "nightly",
            ],
        ))
        .ok()
        .json();
    let jobs = listed["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["status"], "Failed");

    // A finished job cannot be stopped; an unknown status is refused before anything is sent.
    let job_id = failed
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("job "))
        .unwrap()
        .trim()
        .to_owned();
    env.run(&aws_args(&emulator, &["batch", "stop", &job_id]))
        .expect_code(2)
        .assert_stderr_contains("cannot be stopped");
    env.run(&aws_args(
        &emulator,
        &["batch", "list", "--status", "Sleeping"],
    ))
    .expect_code(2)
    .assert_stderr_contains("status");
}

#[test]
fn async_invocations_start_and_are_listed() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);
    let input = env.path().join("input.json");
    std::fs::write(&input, r#"{"inputText": "hello"}"#).unwrap();
    // The output bucket does not exist: the invocation ends Failed, saying so.
    let out = env.run(&aws_args(
        &emulator,
        &[
            "async",
            "start",
            "--model",
            TITAN_EMBED,
            "--input",
            input.to_str().unwrap(),
            "--output-uri",
            "s3://no-bucket/out",
            "--wait",
        ],
    ));
    assert_ne!(out.code, 0);
    out.assert_stdout_contains("Failed");
    let listed = env
        .run(&aws_args(
            &emulator,
            &["--output", "json", "async", "list", "--status", "Failed"],
        ))
        .ok()
        .json();
    assert_eq!(listed["invocations"].as_array().unwrap().len(), 1);
}
