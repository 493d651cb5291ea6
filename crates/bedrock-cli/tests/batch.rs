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

    // An input that is neither an s3:// URI nor a local file is refused before anything is sent.
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
    .assert_stderr_contains("neither an s3:// URI nor a file");

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

    // A name already taken is Bedrock's ConflictException, told as such.
    env.run(&aws_args(
        &emulator,
        &[
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
    .expect_code(2)
    .assert_stderr_contains("conflict")
    .assert_stderr_contains("A batch inference job named weekly-1 already exists.");

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

/// Three Titan embedding records through `prepare`, then two bad lines: one not JSON, one whose
/// body the model refuses.
fn records_with_bad_lines(env: &TestEnv) -> std::path::PathBuf {
    let prompts = env.path().join("prompts.txt");
    std::fs::write(&prompts, "Name a river.\nName a mountain.\nName a lake.\n").unwrap();
    let records = env.path().join("records.jsonl");
    env.run(&[
        "batch",
        "prepare",
        "--model",
        TITAN_EMBED,
        "--from",
        prompts.to_str().unwrap(),
        "--out",
        records.to_str().unwrap(),
    ])
    .ok();
    let mut jsonl = std::fs::read_to_string(&records).unwrap();
    jsonl.push_str("this is not json\n");
    jsonl.push_str("{\"recordId\": \"bad-body\", \"modelInput\": {\"inputText\": 7}}\n");
    std::fs::write(&records, jsonl).unwrap();
    records
}

/// The typed results, each line `{"recordId", "output"}` or `{"recordId", "error"}`.
fn check_results(lines: &[serde_json::Value]) {
    assert_eq!(lines.len(), 5, "{lines:?}");
    for (n, line) in lines.iter().take(3).enumerate() {
        assert_eq!(line["recordId"], format!("record-{:07}", n + 1), "{line}");
        assert_eq!(line["output"]["kind"], "embedding", "{line}");
        assert!(
            !line["output"]["embedding"].as_array().unwrap().is_empty(),
            "{line}"
        );
    }
    let errors: Vec<_> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(errors.len(), 2, "{lines:?}");
    assert!(errors.iter().all(|e| e["error"]["message"].is_string()));
    assert!(
        errors.iter().any(|e| e["recordId"] == "bad-body"),
        "{errors:?}"
    );
}

#[test]
fn a_local_input_is_uploaded_and_its_results_come_back_typed_with_the_built_in_emulator() {
    // No credentials: the built-in emulator serves Bedrock and S3 alike, and ends with the
    // command, so the results are read by the same command.
    let env = TestEnv::new();
    let records = records_with_bad_lines(&env);
    let out_file = env.path().join("results.jsonl");
    let out = env
        .run(&[
            "--output",
            "json",
            "batch",
            "submit",
            records.to_str().unwrap(),
            "--model",
            TITAN_EMBED,
            "--output-uri",
            "s3://out-bucket/results/",
            "--role",
            ROLE,
            "--wait",
            "--out",
            out_file.to_str().unwrap(),
        ])
        .ok();
    out.assert_stderr_contains("uploaded");
    out.assert_stderr_contains("written to");
    let job = out.json();
    assert_eq!(
        job["inputDataConfig"]["s3InputDataConfig"]["s3Uri"],
        "s3://out-bucket/results/input/records.jsonl"
    );
    let written: Vec<serde_json::Value> = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    check_results(&written);
}

#[test]
fn batch_results_prints_or_writes_a_finished_jobs_typed_output() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);
    let records = records_with_bad_lines(&env);

    // Without --create-buckets the upload names the missing bucket.
    env.run(&aws_args(
        &emulator,
        &[
            "batch",
            "submit",
            records.to_str().unwrap(),
            "--model",
            TITAN_EMBED,
            "--output-uri",
            "s3://out-bucket/",
            "--role",
            ROLE,
        ],
    ))
    .expect_code(2)
    .assert_stderr_contains("bucket does not exist")
    .assert_stderr_contains("--create-buckets");

    let submitted = env
        .run(&aws_args(
            &emulator,
            &[
                "batch",
                "submit",
                records.to_str().unwrap(),
                "--model",
                TITAN_EMBED,
                "--output-uri",
                "s3://out-bucket/",
                "--upload-to",
                "s3://in-bucket/nightly/records.jsonl",
                "--create-buckets",
                "--role",
                ROLE,
                "--wait",
            ],
        ))
        .ok();
    submitted.assert_stdout_contains("5/5 (3 ok, 2 errors)");
    let job = submitted
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("job "))
        .unwrap()
        .trim()
        .to_owned();

    let printed = env
        .run(&aws_args(&emulator, &["batch", "results", &job]))
        .ok();
    printed.assert_stderr_contains("5 records, 2 errors");
    printed.assert_stderr_contains("manifest: 5 total, 3 ok, 2 errors");
    check_results(&printed.json_lines());

    let file = env.path().join("out.jsonl");
    env.run(&aws_args(
        &emulator,
        &["batch", "results", &job, "--out", file.to_str().unwrap()],
    ))
    .ok();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed.stdout);
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

    // A failed invocation has nothing to download, and says why.
    let failed = listed["invocations"][0]["invocationArn"].as_str().unwrap();
    env.run(&aws_args(&emulator, &["async", "results", failed]))
        .expect_code(2)
        .assert_stderr_contains("Failed")
        .assert_stderr_contains("bucket does not exist");

    // With --create-bucket the output has somewhere to go, and the invocation completes.
    let done = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "async",
                "start",
                "--model",
                TITAN_EMBED,
                "--input",
                input.to_str().unwrap(),
                "--output-uri",
                "s3://made-bucket/out",
                "--create-bucket",
                "--wait",
            ],
        ))
        .ok()
        .json();
    assert_eq!(done["status"], "Completed", "{done}");
    let arn = done["invocationArn"].as_str().unwrap();
    let id = arn.rsplit('/').next().unwrap();

    // `results` downloads what the invocation wrote: the model's answer.
    let dir = env.path().join("downloads");
    let files = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "async",
                "results",
                arn,
                "--output-dir",
                dir.to_str().unwrap(),
            ],
        ))
        .ok()
        .json();
    assert_eq!(
        files["files"][0]["s3Uri"],
        format!("s3://made-bucket/out/{id}/output.json"),
        "{files}"
    );
    let answer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("output.json")).unwrap()).unwrap();
    assert!(
        !answer["embedding"].as_array().unwrap().is_empty(),
        "{answer}"
    );
    assert_eq!(files["files"].as_array().unwrap().len(), 1, "{files}");
}

#[test]
fn results_of_a_job_over_an_input_prefix_cover_every_input_object() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);
    let records = records_with_bad_lines(&env);
    // Two objects under one prefix, each put there by a submit's upload.
    for name in ["a.jsonl", "b.jsonl"] {
        let upload_to = format!("s3://in-bucket/many/{name}");
        env.run(&aws_args(
            &emulator,
            &[
                "batch",
                "submit",
                records.to_str().unwrap(),
                "--model",
                TITAN_EMBED,
                "--output-uri",
                "s3://out-bucket/single/",
                "--upload-to",
                &upload_to,
                "--create-buckets",
                "--role",
                ROLE,
            ],
        ))
        .ok();
    }
    let out_file = env.path().join("both.jsonl");
    let submitted = env
        .run(&aws_args(
            &emulator,
            &[
                "batch",
                "submit",
                "s3://in-bucket/many/",
                "--model",
                TITAN_EMBED,
                "--output-uri",
                "s3://out-bucket/prefix/",
                "--role",
                ROLE,
                "--wait",
                "--out",
                out_file.to_str().unwrap(),
            ],
        ))
        .ok();
    submitted.assert_stdout_contains("10/10 (6 ok, 4 errors)");
    submitted.assert_stderr_contains("10 records, 4 errors from 2 output files");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // a.jsonl.out, then b.jsonl.out: each file's five lines, as one input gives them.
    check_results(&lines[..5]);
    check_results(&lines[5..]);
}

#[test]
fn nova_reel_bodies_are_checked_before_sending_and_their_video_comes_back_as_mp4() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);
    let bad = env.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "A calm sea"},
            "videoGenerationConfig": {"durationSeconds": 12, "fps": 24, "dimension": "1280x720"}}"#,
    )
    .unwrap();
    // Refused by the typed request, so named with its dotted path and range.
    env.run(&aws_args(
        &emulator,
        &[
            "async",
            "start",
            "--model",
            "amazon.nova-reel-v1:1",
            "--input",
            bad.to_str().unwrap(),
            "--output-uri",
            "s3://videos/reel",
        ],
    ))
    .expect_code(2)
    .assert_stderr_contains("videoGenerationConfig.durationSeconds")
    .assert_stderr_contains("allowed: 6");

    let good = env.path().join("good.json");
    std::fs::write(
        &good,
        r#"{"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "A calm sea"},
            "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720", "seed": 3}}"#,
    )
    .unwrap();
    let done = env
        .run(&aws_args(
            &emulator,
            &[
                "--output",
                "json",
                "async",
                "start",
                "--model",
                "amazon.nova-reel-v1:1",
                "--input",
                good.to_str().unwrap(),
                "--output-uri",
                "s3://videos/reel",
                "--create-bucket",
                "--wait",
            ],
        ))
        .ok()
        .json();
    let arn = done["invocationArn"].as_str().unwrap();
    let dir = env.path().join("video");
    env.run(&aws_args(
        &emulator,
        &[
            "async",
            "results",
            arn,
            "--output-dir",
            dir.to_str().unwrap(),
        ],
    ))
    .ok()
    .assert_stdout_contains("output.mp4");
    let mp4 = std::fs::read(dir.join("output.mp4")).unwrap();
    assert_eq!(&mp4[4..8], b"ftyp");

    // With the built-in emulator, `--wait --output-dir` keeps the video: the same bytes, since
    // the simulator draws it from the request alone.
    let embedded = TestEnv::new();
    let kept = embedded.path().join("kept");
    let out = embedded
        .run(&[
            "--output",
            "json",
            "async",
            "start",
            "--model",
            "amazon.nova-reel-v1:1",
            "--input",
            good.to_str().unwrap(),
            "--output-uri",
            "s3://videos/reel",
            "--wait",
            "--output-dir",
            kept.to_str().unwrap(),
        ])
        .ok()
        .json();
    assert_eq!(out["status"], "Completed", "{out}");
    assert_eq!(out["files"][0]["bytes"], mp4.len(), "{out}");
    assert_eq!(std::fs::read(kept.join("output.mp4")).unwrap(), mp4);
}
