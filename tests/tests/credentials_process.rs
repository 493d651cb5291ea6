//! `bedrock credentials roles-anywhere` as the `credential_process` of a profile, read by the
//! AWS SDK for Rust (aws-config) and by boto3, which then call the emulator with the
//! Roles Anywhere credentials. The `bedrock` binary comes from `support::bedrock_binary`.

mod credentials_support;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_config::BehaviorVersion;
use bedrock_emulator::{Emulator, EmulatorHandle};
use credentials_support::*;

/// A config file whose profile `ra` runs `bedrock credentials roles-anywhere`.
fn config_file(dir: &Path, binary: &Path, files: &ClientFiles, url: &str) -> PathBuf {
    let command = format!(
        "{} credentials roles-anywhere --roles-anywhere-certificate {} \
         --roles-anywhere-private-key {} --roles-anywhere-trust-anchor-arn {TRUST_ANCHOR_ARN} \
         --roles-anywhere-profile-arn {PROFILE_ARN} --roles-anywhere-role-arn {ROLE_ARN} \
         --endpoint-url {url}",
        binary.display(),
        files.certificate.display(),
        files.private_key.display()
    );
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!("[profile ra]\nregion = {REGION}\ncredential_process = {command}\n"),
    )
    .unwrap();
    path
}

async fn setup() -> (EmulatorHandle, tempfile::TempDir, PathBuf) {
    let root = Ca::root("Process Root CA");
    // An hour: botocore refreshes credentials that expire within 15 minutes on each use
    // (its advisory window), so a shorter lifetime makes boto3 run the process again.
    let emulator = Emulator::builder()
        .config(emulator_config(&root, Duration::from_secs(3600)))
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = root
        .client(&rcgen::PKCS_RSA_SHA256, "process")
        .write(dir.path(), "process", None);
    let binary = tokio::task::spawn_blocking(support::bedrock_binary)
        .await
        .unwrap();
    let config = config_file(dir.path(), &binary, &files, &emulator.url());
    (emulator, dir, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(
    deprecated,
    reason = "aws-config names its profile-file types only through these aliases; their new \
              home, aws-runtime, is not a dependency of these tests"
)]
async fn the_aws_sdk_for_rust_uses_it_as_credential_process() {
    let (emulator, dir, config) = setup().await;
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let profiles = aws_config::profile::profile_file::ProfileFiles::builder()
        .with_file(
            aws_config::profile::profile_file::ProfileFileKind::Config,
            &config,
        )
        .with_file(
            aws_config::profile::profile_file::ProfileFileKind::Credentials,
            &empty,
        )
        .build();
    let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .profile_files(profiles)
        .profile_name("ra")
        .build();
    let sdk_config = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(emulator.url())
        .credentials_provider(provider)
        .load()
        .await;
    let client = aws_sdk_bedrockruntime::Client::new(&sdk_config);
    let out = client
        .invoke_model()
        .model_id(MODEL)
        .content_type("application/json")
        .body(aws_smithy_types::Blob::new(
            br#"{"inputText":"hi"}"#.to_vec(),
        ))
        .send()
        .await
        .expect("the SDK signs with the process's credentials");
    let body: serde_json::Value = serde_json::from_slice(out.body().as_ref()).unwrap();
    assert!(body["results"][0]["outputText"].is_string(), "{body}");
    assert_eq!(emulator.credential_requests().create_session, 1);
}

const BOTO3_SCRIPT: &str = r#"
import json, sys
import boto3
session = boto3.Session(profile_name="ra")
creds = session.get_credentials().get_frozen_credentials()
assert creds.access_key.startswith("ASIA"), creds.access_key
assert creds.token
runtime = session.client("bedrock-runtime", endpoint_url=sys.argv[1])
out = runtime.invoke_model(modelId=sys.argv[2], body=json.dumps({"inputText": "hi"}),
                           contentType="application/json")
body = json.loads(out["body"].read())
assert body["results"][0]["outputText"], body
print("boto3 credential_process: ok")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_uses_it_as_credential_process() {
    let python = tokio::task::spawn_blocking(support::python_with_boto3)
        .await
        .unwrap();
    let (emulator, dir, config) = setup().await;
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let mut cmd = Command::new(python);
    cmd.args(["-c", BOTO3_SCRIPT, &emulator.url(), MODEL]);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("boto3 credential_process: ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(emulator.credential_requests().create_session, 1);
}
