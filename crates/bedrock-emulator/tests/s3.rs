//! The emulator's S3-compatible endpoint, driven by aws-sdk-s3 on the same port as Bedrock:
//! buckets, put/get/head/list/delete, ranges, multipart uploads, and refusals of bad
//! signatures, in memory and with bodies in a directory.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier};
use bedrock_emulator::{
    BatchConfig, EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig,
    EmulatorHandle,
};

fn s3_client(emu: &EmulatorHandle, secret: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(emu.url())
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            EXAMPLE_ACCESS_KEY_ID,
            secret,
            None,
            None,
            "s3-test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn start(batch: BatchConfig) -> EmulatorHandle {
    let config = EmulatorConfig {
        batch,
        ..EmulatorConfig::default()
    };
    Emulator::builder().config(config).start().await.unwrap()
}

async fn get_bytes(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

async fn put_get_list_delete(emu: &EmulatorHandle) {
    let s3 = s3_client(emu, EXAMPLE_SECRET_ACCESS_KEY);
    s3.create_bucket().bucket("batch-in").send().await.unwrap();
    let buckets = s3.list_buckets().send().await.unwrap();
    assert_eq!(buckets.buckets()[0].name(), Some("batch-in"));

    // Keys that look like Bedrock routes still go to S3: routing is by signing service.
    let keys = [
        "model/x/invoke",
        "records/a.jsonl",
        "records/b.jsonl",
        "top.txt",
    ];
    for key in keys {
        let put = s3
            .put_object()
            .bucket("batch-in")
            .key(key)
            .content_type("application/jsonl")
            .body(ByteStream::from(format!("body of {key}\n").into_bytes()))
            .send()
            .await
            .unwrap();
        assert!(put.e_tag().is_some());
    }
    assert_eq!(
        get_bytes(&s3, "batch-in", "records/a.jsonl").await,
        b"body of records/a.jsonl\n"
    );
    let head = s3
        .head_object()
        .bucket("batch-in")
        .key("top.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(16));
    assert_eq!(head.content_type(), Some("application/jsonl"));

    let ranged = s3
        .get_object()
        .bucket("batch-in")
        .key("top.txt")
        .range("bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.content_range(), Some("bytes 0-3/16"));
    assert_eq!(ranged.body.collect().await.unwrap().into_bytes(), "body");

    let listed = s3
        .list_objects_v2()
        .bucket("batch-in")
        .prefix("records/")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(names, ["records/a.jsonl", "records/b.jsonl"]);

    // Pages of one key with a delimiter: prefixes and keys in order, each once.
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket("batch-in")
            .delimiter("/")
            .max_keys(1)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        seen.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        seen.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["model/", "records/", "top.txt"]);

    s3.delete_object()
        .bucket("batch-in")
        .key("top.txt")
        .send()
        .await
        .unwrap();
    let missing = s3
        .get_object()
        .bucket("batch-in")
        .key("top.txt")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing.into_service_error().is_no_such_key(),
        "a deleted key is NoSuchKey"
    );
    s3.delete_objects()
        .bucket("batch-in")
        .delete(
            Delete::builder()
                .objects(
                    ObjectIdentifier::builder()
                        .key("records/a.jsonl")
                        .build()
                        .unwrap(),
                )
                .objects(
                    ObjectIdentifier::builder()
                        .key("records/b.jsonl")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let left = s3
        .list_objects_v2()
        .bucket("batch-in")
        .send()
        .await
        .unwrap();
    assert_eq!(left.key_count(), Some(1));
}

#[tokio::test]
async fn aws_sdk_s3_puts_gets_lists_and_deletes_in_memory() {
    let emu = start(BatchConfig::default()).await;
    put_get_list_delete(&emu).await;
}

#[tokio::test]
async fn aws_sdk_s3_puts_gets_lists_and_deletes_with_bodies_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(BatchConfig {
        s3_dir: Some(dir.path().to_path_buf()),
        ..BatchConfig::default()
    })
    .await;
    put_get_list_delete(&emu).await;
    // The one object left has its body in the directory.
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, 1);
}

#[tokio::test]
async fn multipart_uploads_join_their_parts() {
    let emu = start(BatchConfig::default()).await;
    let s3 = s3_client(&emu, EXAMPLE_SECRET_ACCESS_KEY);
    s3.create_bucket().bucket("big").send().await.unwrap();
    let upload = s3
        .create_multipart_upload()
        .bucket("big")
        .key("input.jsonl")
        .send()
        .await
        .unwrap();
    let id = upload.upload_id().unwrap();
    // S3's minimum part size is 5 MiB for all but the last part.
    let first = vec![b'a'; 5 * 1024 * 1024];
    let second = b"tail".to_vec();
    let mut parts = Vec::new();
    for (n, body) in [(1, first.clone()), (2, second.clone())] {
        let part = s3
            .upload_part()
            .bucket("big")
            .key("input.jsonl")
            .upload_id(id)
            .part_number(n)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(part.e_tag().unwrap())
                .build(),
        );
    }
    let done = s3
        .complete_multipart_upload()
        .bucket("big")
        .key("input.jsonl")
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        done.e_tag().unwrap().ends_with("-2\""),
        "{:?}",
        done.e_tag()
    );
    let body = get_bytes(&s3, "big", "input.jsonl").await;
    assert_eq!(body.len(), first.len() + second.len());
    assert!(body.ends_with(b"atail"));
}

#[tokio::test]
async fn bad_signatures_and_unknown_buckets_are_refused_s3_style() {
    let emu = start(BatchConfig::default()).await;
    let wrong = s3_client(&emu, "not-the-secret");
    let err = wrong
        .create_bucket()
        .bucket("nope")
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("SignatureDoesNotMatch")
    );

    let s3 = s3_client(&emu, EXAMPLE_SECRET_ACCESS_KEY);
    let err = s3
        .put_object()
        .bucket("no-such-bucket")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("NoSuchBucket")
    );
}

#[tokio::test]
async fn the_memory_limit_refuses_writes_past_it() {
    let emu = start(BatchConfig {
        s3_max_memory_bytes: 1000,
        ..BatchConfig::default()
    })
    .await;
    let s3 = s3_client(&emu, EXAMPLE_SECRET_ACCESS_KEY);
    s3.create_bucket().bucket("small").send().await.unwrap();
    let err = s3
        .put_object()
        .bucket("small")
        .key("k")
        .body(ByteStream::from(vec![0u8; 2000]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let message = aws_sdk_s3::error::ProvideErrorMetadata::message(&err).unwrap_or_default();
    assert!(message.contains("s3_max_memory_bytes"), "{message}");
}
