//! Batch inference jobs and async invocations on the emulator, driven by aws-sdk-bedrock and
//! aws-sdk-bedrockruntime with inputs and outputs through aws-sdk-s3, all on one port: states,
//! outputs equal to the simulator's own answers, per-record errors, stop, failures, listings.

use std::time::Duration;

use aws_sdk_bedrock::types::{
    ModelInvocationJobInputDataConfig, ModelInvocationJobOutputDataConfig,
    ModelInvocationJobS3InputDataConfig, ModelInvocationJobS3OutputDataConfig,
    ModelInvocationJobStatus, SortOrder,
};
use aws_sdk_s3::primitives::ByteStream;
use bedrock_core::Region;
use bedrock_emulator::{
    BatchConfig, EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig,
    EmulatorHandle,
};
use bedrock_simulator::SimRequest;
use serde_json::{Value, json};

const TITAN: &str = "amazon.titan-embed-text-v2:0";
const REEL: &str = "amazon.nova-reel-v1:1";
const ROLE: &str = "arn:aws:iam::123456789012:role/batch";

fn credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        EXAMPLE_ACCESS_KEY_ID,
        EXAMPLE_SECRET_ACCESS_KEY,
        None,
        None,
        "batch-test",
    )
}

struct Clients {
    s3: aws_sdk_s3::Client,
    bedrock: aws_sdk_bedrock::Client,
    runtime: aws_sdk_bedrockruntime::Client,
}

fn clients(emu: &EmulatorHandle) -> Clients {
    let s3 = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(emu.url())
        .force_path_style(true)
        .credentials_provider(credentials())
        .build();
    let bedrock = aws_sdk_bedrock::Config::builder()
        .behavior_version(aws_sdk_bedrock::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrock::config::Region::new("us-east-1"))
        .endpoint_url(emu.url())
        .credentials_provider(credentials())
        .build();
    let runtime = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .endpoint_url(emu.url())
        .credentials_provider(credentials())
        .build();
    Clients {
        s3: aws_sdk_s3::Client::from_conf(s3),
        bedrock: aws_sdk_bedrock::Client::from_conf(bedrock),
        runtime: aws_sdk_bedrockruntime::Client::from_conf(runtime),
    }
}

async fn start(batch: BatchConfig) -> (EmulatorHandle, Clients) {
    let config = EmulatorConfig {
        batch,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::builder().config(config).start().await.unwrap();
    let c = clients(&emu);
    for bucket in ["batch-in", "batch-out"] {
        c.s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    (emu, c)
}

fn fast() -> BatchConfig {
    BatchConfig {
        transition_ms: 0,
        ..BatchConfig::default()
    }
}

async fn put(c: &Clients, key: &str, body: String) {
    c.s3.put_object()
        .bucket("batch-in")
        .key(key)
        .body(ByteStream::from(body.into_bytes()))
        .send()
        .await
        .unwrap();
}

async fn get(c: &Clients, bucket: &str, key: &str) -> String {
    let out =
        c.s3.get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    String::from_utf8(out.body.collect().await.unwrap().into_bytes().to_vec()).unwrap()
}

async fn create(c: &Clients, name: &str, model: &str, input_key: &str) -> String {
    c.bedrock
        .create_model_invocation_job()
        .job_name(name)
        .role_arn(ROLE)
        .model_id(model)
        .input_data_config(ModelInvocationJobInputDataConfig::S3InputDataConfig(
            ModelInvocationJobS3InputDataConfig::builder()
                .s3_uri(format!("s3://batch-in/{input_key}"))
                .build()
                .unwrap(),
        ))
        .output_data_config(ModelInvocationJobOutputDataConfig::S3OutputDataConfig(
            ModelInvocationJobS3OutputDataConfig::builder()
                .s3_uri("s3://batch-out/results/")
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap()
        .job_arn
}

/// Polls until the job stops changing; the bound only keeps a broken job from hanging the test.
async fn wait(
    c: &Clients,
    arn: &str,
) -> aws_sdk_bedrock::operation::get_model_invocation_job::GetModelInvocationJobOutput {
    for _ in 0..6000 {
        let job = c
            .bedrock
            .get_model_invocation_job()
            .job_identifier(arn)
            .send()
            .await
            .unwrap();
        let status = job.status().cloned().unwrap();
        if matches!(
            status,
            ModelInvocationJobStatus::Completed
                | ModelInvocationJobStatus::Failed
                | ModelInvocationJobStatus::Stopped
                | ModelInvocationJobStatus::PartiallyCompleted
                | ModelInvocationJobStatus::Expired
        ) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {arn} did not finish");
}

fn record(id: &str, text: &str) -> String {
    json!({ "recordId": id, "modelInput": { "inputText": text } }).to_string()
}

#[tokio::test]
async fn a_job_runs_every_record_through_the_simulator_and_keeps_bad_ones_as_errors() {
    let (emu, c) = start(BatchConfig {
        max_record_bytes: 2000,
        ..fast()
    })
    .await;
    let mut lines: Vec<String> = (0..20)
        .map(|i| record(&format!("r{i:03}"), &format!("text {i}")))
        .collect();
    lines.insert(
        3,
        r#"{"recordId": "bad-json", "modelInput": {"inputText": "#.to_owned(),
    );
    lines.insert(7, record("too-big", &"x".repeat(3000)));
    lines.insert(
        11,
        json!({ "recordId": "bad-input", "modelInput": { "nope": 1 } }).to_string(),
    );
    lines.insert(12, String::new()); // blank lines are not records
    put(&c, "in/records.jsonl", lines.join("\n") + "\n").await;

    let arn = create(&c, "embed-1", TITAN, "in/records.jsonl").await;
    assert!(arn.starts_with("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/"));
    let job = wait(&c, &arn).await;
    assert_eq!(job.status(), Some(&ModelInvocationJobStatus::Completed));
    assert_eq!(
        (
            job.total_record_count(),
            job.processed_record_count(),
            job.success_record_count(),
            job.error_record_count()
        ),
        (Some(23), Some(23), Some(20), Some(3))
    );
    assert!(job.end_time().is_some());

    let id = arn.rsplit('/').next().unwrap();
    let out = get(&c, "batch-out", &format!("results/{id}/records.jsonl.out")).await;
    let out: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 23);
    for (i, line) in out
        .iter()
        .filter(|l| l.get("modelOutput").is_some())
        .enumerate()
    {
        let text = format!("text {i}");
        let direct = emu
            .simulator()
            .invoke(SimRequest::invoke(
                TITAN,
                Region::UsEast1,
                json!({ "inputText": text }).to_string(),
            ))
            .await
            .unwrap();
        let direct: Value = serde_json::from_slice(&direct.body).unwrap();
        assert_eq!(line["recordId"], format!("r{i:03}"));
        assert_eq!(
            line["modelOutput"], direct,
            "record {i} equals a direct call"
        );
    }
    let errors: Vec<(&str, u64)> = out
        .iter()
        .filter_map(|l| {
            Some((
                l["recordId"].as_str()?,
                l.get("error")?["errorCode"].as_u64()?,
            ))
        })
        .collect();
    assert_eq!(
        errors,
        [("bad-json", 400), ("too-big", 400), ("bad-input", 400)]
    );
    let manifest: Value = serde_json::from_str(
        &get(&c, "batch-out", &format!("results/{id}/manifest.json.out")).await,
    )
    .unwrap();
    assert_eq!(manifest["totalRecordCount"], 23);
    assert_eq!(manifest["successRecordCount"], 20);
    assert_eq!(manifest["errorRecordCount"], 3);
    assert!(manifest["inputTokenCount"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_stopped_job_ends_stopped_with_what_it_processed() {
    let (_emu, c) = start(BatchConfig {
        record_delay_ms: 20,
        ..fast()
    })
    .await;
    let lines: Vec<String> = (0..500)
        .map(|i| record(&format!("r{i}"), "hello"))
        .collect();
    put(&c, "many.jsonl", lines.join("\n")).await;
    let arn = create(&c, "to-stop", TITAN, "many.jsonl").await;
    // Wait for the first processed record, then stop.
    loop {
        let job = c
            .bedrock
            .get_model_invocation_job()
            .job_identifier(&arn)
            .send()
            .await
            .unwrap();
        if job.processed_record_count().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.bedrock
        .stop_model_invocation_job()
        .job_identifier(&arn)
        .send()
        .await
        .unwrap();
    let job = wait(&c, &arn).await;
    assert_eq!(job.status(), Some(&ModelInvocationJobStatus::Stopped));
    let processed = job.processed_record_count().unwrap();
    assert!(processed > 0 && processed < 500, "{processed}");
    let id = arn.rsplit('/').next().unwrap();
    let out = get(&c, "batch-out", &format!("results/{id}/many.jsonl.out")).await;
    assert_eq!(out.lines().count() as i64, processed);
    // A finished job cannot be stopped again.
    let err = c
        .bedrock
        .stop_model_invocation_job()
        .job_identifier(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
}

#[tokio::test]
async fn a_missing_input_fails_the_job_and_an_unknown_model_fails_the_create() {
    let (_emu, c) = start(fast()).await;
    let arn = create(&c, "no-input", TITAN, "missing.jsonl").await;
    let job = wait(&c, &arn).await;
    assert_eq!(job.status(), Some(&ModelInvocationJobStatus::Failed));
    let message = job.message().unwrap();
    assert!(message.contains("s3://batch-in/missing.jsonl"), "{message}");

    let err = c
        .bedrock
        .create_model_invocation_job()
        .job_name("wrong-model")
        .role_arn(ROLE)
        .model_id("amazon.no-such-model-v1:0")
        .input_data_config(ModelInvocationJobInputDataConfig::S3InputDataConfig(
            ModelInvocationJobS3InputDataConfig::builder()
                .s3_uri("s3://batch-in/x.jsonl")
                .build()
                .unwrap(),
        ))
        .output_data_config(ModelInvocationJobOutputDataConfig::S3OutputDataConfig(
            ModelInvocationJobS3OutputDataConfig::builder()
                .s3_uri("s3://batch-out/")
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.is_validation_exception() || err.is_resource_not_found_exception(),
        "{err:?}"
    );
    let err = c
        .bedrock
        .get_model_invocation_job()
        .job_identifier("nosuchjob123")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}

#[tokio::test]
async fn listings_filter_by_status_and_name_and_page() {
    let (_emu, c) = start(fast()).await;
    put(&c, "one.jsonl", record("a", "x")).await;
    let mut arns = Vec::new();
    for name in ["daily-1", "daily-2", "daily-3", "weekly-1"] {
        arns.push(create(&c, name, TITAN, "one.jsonl").await);
    }
    let failed = create(&c, "daily-broken", TITAN, "nothing-here.jsonl").await;
    for arn in arns.iter().chain([&failed]) {
        wait(&c, arn).await;
    }
    let list = |status: Option<ModelInvocationJobStatus>, name: Option<&str>| {
        c.bedrock
            .list_model_invocation_jobs()
            .set_status_equals(status)
            .set_name_contains(name.map(str::to_owned))
    };
    let completed = list(Some(ModelInvocationJobStatus::Completed), None)
        .send()
        .await
        .unwrap();
    assert_eq!(completed.invocation_job_summaries().len(), 4);
    let failed_only = list(Some(ModelInvocationJobStatus::Failed), None)
        .send()
        .await
        .unwrap();
    assert_eq!(failed_only.invocation_job_summaries()[0].job_arn(), failed);
    let daily = list(None, Some("daily")).send().await.unwrap();
    assert_eq!(daily.invocation_job_summaries().len(), 4);

    // Pages of two, oldest first: every job once, in submit order.
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .bedrock
            .list_model_invocation_jobs()
            .max_results(2)
            .sort_order(SortOrder::Ascending)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        names.extend(
            page.invocation_job_summaries()
                .iter()
                .map(|j| j.job_name().to_owned()),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        names,
        ["daily-1", "daily-2", "daily-3", "weekly-1", "daily-broken"]
    );
    let summary = &completed.invocation_job_summaries()[0];
    assert_eq!(summary.success_record_count(), Some(1));
}

/// The state an async invocation ends in (polled every 10 ms, at most a minute).
async fn wait_async(c: &Clients, arn: &str) -> aws_sdk_bedrockruntime::types::AsyncInvokeStatus {
    for _ in 0..6000 {
        let got = c
            .runtime
            .get_async_invoke()
            .invocation_arn(arn)
            .send()
            .await
            .unwrap();
        if got.status() != &aws_sdk_bedrockruntime::types::AsyncInvokeStatus::InProgress {
            return got.status().clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} still in progress after a minute");
}

#[tokio::test]
async fn async_invocations_write_their_output_to_s3() {
    let (_emu, c) = start(fast()).await;
    let started = c
        .runtime
        .start_async_invoke()
        .model_id(TITAN)
        .model_input(aws_smithy_types::Document::Object(
            [(
                "inputText".to_owned(),
                aws_smithy_types::Document::String("hello".to_owned()),
            )]
            .into_iter()
            .collect(),
        ))
        .output_data_config(
            aws_sdk_bedrockruntime::types::AsyncInvokeOutputDataConfig::S3OutputDataConfig(
                aws_sdk_bedrockruntime::types::AsyncInvokeS3OutputDataConfig::builder()
                    .s3_uri("s3://batch-out/async")
                    .build()
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    let arn = started.invocation_arn().to_owned();
    assert_eq!(
        wait_async(&c, &arn).await,
        aws_sdk_bedrockruntime::types::AsyncInvokeStatus::Completed
    );
    let id = arn.rsplit('/').next().unwrap();
    let output: Value =
        serde_json::from_str(&get(&c, "batch-out", &format!("async/{id}/output.json")).await)
            .unwrap();
    assert!(output["embedding"].is_array(), "{output}");
    let listed = c.runtime.list_async_invokes().send().await.unwrap();
    assert_eq!(listed.async_invoke_summaries().len(), 1);
}

/// A JSON value as the SDK's `Document`.
fn document(value: &Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => match n.as_u64() {
            Some(u) => Document::Number(Number::PosInt(u)),
            None => Document::Number(Number::Float(n.as_f64().unwrap())),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(document).collect()),
        Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), document(v))).collect())
        }
    }
}

#[tokio::test]
async fn nova_reel_invocations_write_mp4_videos_and_bad_requests_are_refused_at_start() {
    let (_emu, c) = start(fast()).await;
    let output = aws_sdk_bedrockruntime::types::AsyncInvokeOutputDataConfig::S3OutputDataConfig(
        aws_sdk_bedrockruntime::types::AsyncInvokeS3OutputDataConfig::builder()
            .s3_uri("s3://batch-out/reel")
            .build()
            .unwrap(),
    );
    let config = serde_json::json!({"durationSeconds": 12, "fps": 24, "dimension": "1280x720"});
    let body = serde_json::json!({
        "taskType": "MULTI_SHOT_AUTOMATED",
        "multiShotAutomatedParams": {"text": "A lighthouse through the seasons"},
        "videoGenerationConfig": config,
    });
    let started = c
        .runtime
        .start_async_invoke()
        .model_id(REEL)
        .model_input(document(&body))
        .output_data_config(output.clone())
        .send()
        .await
        .unwrap();
    let arn = started.invocation_arn().to_owned();
    assert_eq!(
        wait_async(&c, &arn).await,
        aws_sdk_bedrockruntime::types::AsyncInvokeStatus::Completed
    );
    let id = arn.rsplit('/').next().unwrap();
    let listed =
        c.s3.list_objects_v2()
            .bucket("batch-out")
            .prefix(format!("reel/{id}/"))
            .send()
            .await
            .unwrap();
    let names: Vec<&str> = listed
        .contents()
        .iter()
        .map(|o| o.key().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["output.mp4", "shot_0001.mp4", "shot_0002.mp4"]);
    let video =
        c.s3.get_object()
            .bucket("batch-out")
            .key(format!("reel/{id}/output.mp4"))
            .send()
            .await
            .unwrap();
    assert_eq!(video.content_type(), Some("video/mp4"));
    let bytes = video.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[4..8], b"ftyp");
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"moov") && has(b"mp4v") && has(b"mdat"));

    // A request Reel cannot serve is refused by StartAsyncInvoke itself, naming the field.
    let mut bad = body.clone();
    bad["videoGenerationConfig"]["durationSeconds"] = 15.into();
    let err = c
        .runtime
        .start_async_invoke()
        .model_id(REEL)
        .model_input(document(&bad))
        .output_data_config(output)
        .send()
        .await
        .unwrap_err();
    let service = err.into_service_error();
    assert!(service.is_validation_exception(), "{service:?}");
    let message = service.meta().message().unwrap_or_default().to_owned();
    assert!(
        message.contains("#/videoGenerationConfig/durationSeconds: expected a multiple of 6"),
        "{message}"
    );
}
