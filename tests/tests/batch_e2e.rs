//! Batch inference end to end against the emulator: 10,000 typed Titan-embedding and Claude
//! records prepared through the adapters, uploaded with aws-sdk-s3, jobs created and followed
//! through the connector's AWS backend, and the outputs read back typed, equal to calling the
//! simulator record by record, with three deliberately bad records kept as per-record errors.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use bedrock_connector::batch::{
    BatchInput, BatchJobStatus, BatchManifest, BatchOutput, CreateModelInvocationJobRequest,
    ListModelInvocationJobsRequest, ModelInvocationJob,
};
use bedrock_connector::{Connector, EmbeddingRequest, ModelInput, Region, TextRequest};
use bedrock_emulator::{BatchConfig, EmulatorConfig, EmulatorHandle};
use bedrock_simulator::SimRequest;
use serde_json::{Value, json};
use support::{example_aws_connector, example_credentials, model_id, start_emulator, within};

const TITAN: &str = "amazon.titan-embed-text-v2:0";
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-batch";
const MAX_RECORD_BYTES: usize = 4096;

fn s3_client(emu: &EmulatorHandle) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(emu.url())
        .force_path_style(true)
        .credentials_provider(example_credentials())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn upload(s3: &aws_sdk_s3::Client, key: &str, body: Vec<u8>) {
    s3.put_object()
        .bucket("inputs")
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
        .unwrap();
}

async fn download(s3: &aws_sdk_s3::Client, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket("outputs")
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// Polls the job through the connector until it ends.
async fn wait(connector: &Connector, arn: &str) -> ModelInvocationJob {
    within("the batch job", async {
        loop {
            let job = connector
                .backend()
                .get_model_invocation_job(Region::UsEast1, arn)
                .await
                .unwrap();
            if job.status.is_terminal() {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// The records of one model: typed inputs by record id.
fn titan_records() -> Vec<(String, ModelInput)> {
    (0..6998)
        .map(|i| {
            (
                format!("titan-{i:05}"),
                ModelInput::Embedding(EmbeddingRequest::new(format!("document number {i}"))),
            )
        })
        .collect()
}

fn claude_records() -> Vec<(String, ModelInput)> {
    (0..2999)
        .map(|i| {
            (
                format!("claude-{i:05}"),
                ModelInput::Text(TextRequest::new(format!("Summarise item {i}.")).max_tokens(48)),
            )
        })
        .collect()
}

/// The JSONL of `records`, then the extra raw lines.
fn jsonl(
    connector: &Connector,
    model: &str,
    records: &[(String, ModelInput)],
    extra: &[String],
) -> Vec<u8> {
    let mut input = BatchInput::new(connector.registry(), &model_id(model)).unwrap();
    for (id, record) in records {
        input.push(id.clone(), record).unwrap();
    }
    assert_eq!(input.len(), records.len());
    let mut bytes = input.into_jsonl();
    for line in extra {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    bytes
}

/// What the simulator answers for `input` called on its own, typed by the same adapter.
async fn direct(
    emu: &EmulatorHandle,
    connector: &Connector,
    reader: &BatchOutput,
    model: &str,
    input: &ModelInput,
) -> bedrock_connector::ModelOutput {
    let prepared = connector
        .registry()
        .prepare(&model_id(model), input, Default::default())
        .unwrap();
    let answer = emu
        .simulator()
        .invoke(SimRequest::invoke(
            model,
            Region::UsEast1,
            prepared.body.body,
        ))
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    let line = json!({ "recordId": "direct", "modelOutput": body }).to_string();
    reader.parse_line(line.as_bytes()).output.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_typed_records_round_trip_with_bad_ones_kept_as_errors() {
    let emu = start_emulator(EmulatorConfig {
        batch: BatchConfig {
            transition_ms: 5,
            max_record_bytes: MAX_RECORD_BYTES,
            ..BatchConfig::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let s3 = s3_client(&emu);
    for bucket in ["inputs", "outputs"] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    let connector = example_aws_connector(emu.url());

    let titan = titan_records();
    let claude = claude_records();
    let bad_json = r#"{"recordId": "titan-broken", "modelInput": {"inputText": "#.to_owned();
    let oversize = json!({
        "recordId": "titan-oversize",
        "modelInput": { "inputText": "word ".repeat(MAX_RECORD_BYTES) },
    })
    .to_string();
    let bad_input =
        json!({ "recordId": "claude-invalid", "modelInput": { "messages": [] } }).to_string();
    upload(
        &s3,
        "titan/records.jsonl",
        jsonl(&connector, TITAN, &titan, &[bad_json, oversize]),
    )
    .await;
    upload(
        &s3,
        "claude/records.jsonl",
        jsonl(&connector, HAIKU, &claude, &[bad_input]),
    )
    .await;

    let mut results = BTreeMap::new();
    for (name, model, input, count) in [
        ("embed-corpus", TITAN, "titan/records.jsonl", 7000),
        ("summaries", HAIKU, "claude/records.jsonl", 3000),
    ] {
        let request = CreateModelInvocationJobRequest::new(
            name,
            model,
            ROLE,
            format!("s3://inputs/{input}"),
            "s3://outputs/batch/",
        );
        let arn = connector
            .backend()
            .create_model_invocation_job(Region::UsEast1, &request)
            .await
            .unwrap();
        let job = wait(&connector, &arn).await;
        assert_eq!(job.status, BatchJobStatus::Completed, "{:?}", job.message);
        assert_eq!(job.total_record_count, Some(count));
        assert_eq!(job.processed_record_count, Some(count));

        let prefix = format!("batch/{}", job.job_id());
        let manifest =
            BatchManifest::parse(&download(&s3, &format!("{prefix}/manifest.json.out")).await)
                .unwrap();
        assert_eq!(manifest.total_record_count, count);
        assert_eq!(
            manifest.success_record_count + manifest.error_record_count,
            count
        );
        assert_eq!(Some(manifest.error_record_count), job.error_record_count);

        let reader = BatchOutput::new(connector.registry(), &model_id(model)).unwrap();
        let out = download(&s3, &format!("{prefix}/records.jsonl.out")).await;
        let parsed = reader.parse_jsonl(&out);
        assert_eq!(parsed.len() as u64, count, "one output line per record");
        for record in parsed {
            let id = record.record_id.clone().expect("every record keeps its id");
            assert!(results.insert(id, (model, record.output)).is_none());
        }
    }

    // 10,000 results; the three bad records are errors, nothing lost.
    assert_eq!(results.len(), 10_000);
    let errors: Vec<(&str, Option<u16>)> = results
        .iter()
        .filter_map(|(id, (_, out))| out.as_ref().err().map(|e| (id.as_str(), e.code)))
        .collect();
    assert_eq!(
        errors,
        [
            ("claude-invalid", Some(400)),
            ("titan-broken", Some(400)),
            ("titan-oversize", Some(400)),
        ]
    );

    // Deterministic: every output equals the simulator's answer to the same record alone.
    let readers = [
        (
            TITAN,
            BatchOutput::new(connector.registry(), &model_id(TITAN)).unwrap(),
        ),
        (
            HAIKU,
            BatchOutput::new(connector.registry(), &model_id(HAIKU)).unwrap(),
        ),
    ];
    for (model, records) in [(TITAN, &titan), (HAIKU, &claude)] {
        let reader = &readers.iter().find(|(m, _)| *m == model).unwrap().1;
        for (id, input) in records {
            let expected = direct(&emu, &connector, reader, model, input).await;
            let (_, got) = &results[id];
            assert_eq!(got.as_ref().unwrap(), &expected, "record {id}");
        }
    }

    // Listing through the connector, filtered.
    let listed = connector
        .backend()
        .list_model_invocation_jobs(
            Region::UsEast1,
            &ListModelInvocationJobsRequest {
                status_equals: Some(BatchJobStatus::Completed),
                name_contains: Some("embed".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .invocation_job_summaries
        .iter()
        .map(|j| j.job_name.as_str())
        .collect();
    assert_eq!(names, ["embed-corpus"]);
}

#[tokio::test]
async fn bad_requests_fail_before_they_leave_the_process() {
    let connector = example_aws_connector("http://127.0.0.1:9".to_owned());
    let mut request = CreateModelInvocationJobRequest::new(
        "ok-name",
        TITAN,
        ROLE,
        "s3://inputs/x.jsonl",
        "s3://outputs/",
    );
    request.timeout_duration_in_hours = Some(200);
    let err = connector
        .backend()
        .create_model_invocation_job(Region::UsEast1, &request)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("timeoutDurationInHours"), "{message}");
    let mut input = BatchInput::new(connector.registry(), &model_id(TITAN)).unwrap();
    let record = ModelInput::Embedding(EmbeddingRequest::new("x"));
    input.push("same", &record).unwrap();
    assert!(
        input
            .push("same", &record)
            .unwrap_err()
            .to_string()
            .contains("recordId")
    );
}
