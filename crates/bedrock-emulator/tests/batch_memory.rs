//! The emulator's memory while a large batch job runs, with object bodies on disk: records are
//! streamed, so the resident set grows by about the same whatever the record count. Run with
//! `cargo test -p bedrock-emulator --test batch_memory -- --ignored --nocapture` (Linux; it
//! reads `/proc/self/status`); the figures go in docs/batch.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use bedrock_core::batch::{BatchJobStatus, CreateModelInvocationJobRequest};
use bedrock_emulator::{
    BatchConfig, EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig,
};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs one job of `records` Titan embedding records; answers (baseline RSS, peak RSS, seconds).
async fn run(records: usize) -> (u64, u64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig {
        batch: BatchConfig {
            s3_dir: Some(dir.path().to_path_buf()),
            transition_ms: 0,
            ..BatchConfig::default()
        },
        ..EmulatorConfig::default()
    };
    let emu = Emulator::builder().config(config).start().await.unwrap();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(emu.url())
            .force_path_style(true)
            .credentials_provider(aws_credential_types::Credentials::new(
                EXAMPLE_ACCESS_KEY_ID,
                EXAMPLE_SECRET_ACCESS_KEY,
                None,
                None,
                "memory",
            ))
            .build(),
    );
    for bucket in ["in-bucket", "out-bucket"] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    // The input is written to a file and uploaded from it, so the test itself never holds it.
    let path = dir.path().join("input.jsonl");
    {
        use std::io::Write as _;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..records {
            writeln!(
                file,
                r#"{{"recordId":"r{i:07}","modelInput":{{"inputText":"document number {i} about the weather"}}}}"#
            )
            .unwrap();
        }
    }
    s3.put_object()
        .bucket("in-bucket")
        .key("records.jsonl")
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();

    let baseline = rss_kib();
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                peak.fetch_max(rss_kib(), Ordering::AcqRel);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let started = Instant::now();
    let request = CreateModelInvocationJobRequest::new(
        "memory",
        "amazon.titan-embed-text-v2:0",
        "arn:aws:iam::123456789012:role/batch",
        "s3://in-bucket/records.jsonl",
        "s3://out-bucket/",
    );
    let arn = create_job(&emu.url(), &request).await;
    let (status, successes) = loop {
        let job = get_job(&emu.url(), &arn).await;
        if job.0.is_terminal() {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Release);
    sampler.join().unwrap();
    assert_eq!(status, BatchJobStatus::Completed);
    assert_eq!(successes, Some(records as u64));
    (baseline, peak.load(Ordering::Acquire), seconds)
}

/// Creates the job with aws-sdk-bedrock; answers its ARN.
async fn create_job(url: &str, request: &CreateModelInvocationJobRequest) -> String {
    use aws_sdk_bedrock::types::{
        ModelInvocationJobInputDataConfig, ModelInvocationJobOutputDataConfig,
        ModelInvocationJobS3InputDataConfig, ModelInvocationJobS3OutputDataConfig,
    };
    bedrock(url)
        .create_model_invocation_job()
        .job_name(&request.job_name)
        .role_arn(&request.role_arn)
        .model_id(&request.model_id)
        .input_data_config(ModelInvocationJobInputDataConfig::S3InputDataConfig(
            ModelInvocationJobS3InputDataConfig::builder()
                .s3_uri(&request.input_data_config.s3_input_data_config.s3_uri)
                .build()
                .unwrap(),
        ))
        .output_data_config(ModelInvocationJobOutputDataConfig::S3OutputDataConfig(
            ModelInvocationJobS3OutputDataConfig::builder()
                .s3_uri(&request.output_data_config.s3_output_data_config.s3_uri)
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap()
        .job_arn
}

fn bedrock(url: &str) -> aws_sdk_bedrock::Client {
    aws_sdk_bedrock::Client::from_conf(
        aws_sdk_bedrock::Config::builder()
            .behavior_version(aws_sdk_bedrock::config::BehaviorVersion::latest())
            .region(aws_sdk_bedrock::config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(aws_credential_types::Credentials::new(
                EXAMPLE_ACCESS_KEY_ID,
                EXAMPLE_SECRET_ACCESS_KEY,
                None,
                None,
                "memory",
            ))
            .build(),
    )
}

/// The job's status and success count.
async fn get_job(url: &str, arn: &str) -> (BatchJobStatus, Option<u64>) {
    let out = bedrock(url)
        .get_model_invocation_job()
        .job_identifier(arn)
        .send()
        .await
        .unwrap();
    (
        out.status().unwrap().as_str().parse().unwrap(),
        out.success_record_count().map(|n| n as u64),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement (100,000 records); run on its own with --ignored --nocapture"]
async fn memory_stays_flat_as_the_record_count_grows() {
    let mut growth = Vec::new();
    for records in [10_000, 100_000] {
        let (baseline, peak, seconds) = run(records).await;
        let grew = peak.saturating_sub(baseline);
        println!(
            "{records} records: baseline {baseline} KiB, peak {peak} KiB, growth {grew} KiB, \
             {seconds:.1} s"
        );
        growth.push(grew);
    }
    // Ten times the records must not take anything like ten times the memory.
    assert!(
        growth[1] < growth[0].max(16 * 1024) * 3,
        "growth {growth:?} KiB looks proportional to the record count"
    );
}
