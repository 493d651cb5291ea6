//! The standard chain in a child process with a controlled environment (the test harness
//! re-runs itself with one `child_*` test selected): environment keys, profile files, and
//! instance metadata used only when allowed. IMDS is a fake on 127.0.0.1.

mod common;

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use bedrock_auth::{ChainOptions, default_chain};
use common::TestServer;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs the ignored test `name` of this binary with exactly `env` (plus `HOME`).
fn run_child(name: &str, home: &Path, env: &[(&str, String)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env("HOME", home)
        .env("BEDROCK_AUTH_CHILD", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The `child_*` tests only mean something inside the controlled child environment; run
/// directly (`--include-ignored`) they do nothing.
fn in_child() -> bool {
    std::env::var("BEDROCK_AUTH_CHILD").is_ok()
}

fn metadata_disabled() -> (&'static str, String) {
    ("AWS_EC2_METADATA_DISABLED", "true".to_owned())
}

/// A fake instance metadata service: token, role name, credentials.
fn fake_imds() -> TestServer {
    TestServer::start(16, |request| {
        let body = match (request.method.as_str(), request.target.as_str()) {
            ("PUT", "/latest/api/token") => "imds-token".to_owned(),
            (_, "/latest/meta-data/iam/security-credentials/") => "test-role".to_owned(),
            (_, "/latest/meta-data/iam/security-credentials/test-role") => r#"{
                "Code": "Success", "LastUpdated": "2024-05-01T10:00:00Z", "Type": "AWS-HMAC",
                "AccessKeyId": "ASIAIMDSEXAMPLE", "SecretAccessKey": "imds-secret",
                "Token": "imds-token-value", "Expiration": "2030-01-01T00:00:00Z"
            }"#
            .to_owned(),
            _ => return (404, vec![], Vec::new()),
        };
        (
            200,
            vec![("x-aws-ec2-metadata-token-ttl-seconds", "21600".into())],
            body.into_bytes(),
        )
    })
}

#[test]
fn environment_credentials_come_first() {
    let home = tempfile::tempdir().unwrap();
    run_child(
        "child_environment",
        home.path(),
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDFROMENV".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "env-secret".to_owned()),
            ("AWS_SESSION_TOKEN", "env-token".to_owned()),
            metadata_disabled(),
        ],
    );
}

#[tokio::test]
#[ignore = "run by environment_credentials_come_first in a child process"]
async fn child_environment() {
    if !in_child() {
        return;
    }
    let provider = default_chain("us-east-1", ChainOptions::default());
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "AKIDFROMENV");
    assert_eq!(credentials.session_token(), Some("env-token"));
}

#[test]
fn a_named_profile_is_read_from_the_shared_files() {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(aws.join("config"), "[profile work]\nregion = eu-west-1\n").unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\
         [work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = work-secret\n",
    )
    .unwrap();
    run_child("child_profile", home.path(), &[metadata_disabled()]);
}

#[tokio::test]
#[ignore = "run by a_named_profile_is_read_from_the_shared_files in a child process"]
async fn child_profile() {
    if !in_child() {
        return;
    }
    let default = default_chain("eu-west-1", ChainOptions::default());
    assert_eq!(
        default.provide_credentials().await.unwrap().access_key_id(),
        "AKIDDEFAULT"
    );
    let work = default_chain(
        "eu-west-1",
        ChainOptions {
            profile_name: Some("work".to_owned()),
            allow_imds: false,
        },
    );
    assert_eq!(
        work.provide_credentials().await.unwrap().access_key_id(),
        "AKIDWORK"
    );
}

#[test]
fn instance_metadata_is_not_asked_unless_allowed() {
    let imds = fake_imds();
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile via-imds]\nrole_arn = arn:aws:iam::123456789012:role/demo\n\
         credential_source = Ec2InstanceMetadata\n",
    )
    .unwrap();
    // IMDS is enabled here on purpose, but its endpoint is the fake on 127.0.0.1.
    let env = [
        ("AWS_EC2_METADATA_DISABLED", "false".to_owned()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()),
    ];
    run_child("child_no_imds", home.path(), &env);
    assert!(
        imds.requests().is_empty(),
        "IMDS was asked: {:?}",
        imds.requests()
    );

    run_child("child_imds_allowed", home.path(), &env);
    let paths: Vec<String> = imds.requests().into_iter().map(|r| r.target).collect();
    assert!(
        paths.contains(&"/latest/meta-data/iam/security-credentials/test-role".to_owned()),
        "{paths:?}"
    );
}

#[tokio::test]
#[ignore = "run by instance_metadata_is_not_asked_unless_allowed in a child process"]
async fn child_no_imds() {
    if !in_child() {
        return;
    }
    let started = Instant::now();
    let provider = default_chain("us-east-1", ChainOptions::default());
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(err, CredentialsError::CredentialsNotLoaded(_)),
        "{err:?}"
    );

    let profile = default_chain(
        "us-east-1",
        ChainOptions {
            profile_name: Some("via-imds".to_owned()),
            allow_imds: false,
        },
    );
    let err = profile.provide_credentials().await.unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("allow_imds"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
#[ignore = "run by instance_metadata_is_not_asked_unless_allowed in a child process"]
async fn child_imds_allowed() {
    if !in_child() {
        return;
    }
    let provider = default_chain(
        "us-east-1",
        ChainOptions {
            profile_name: None,
            allow_imds: true,
        },
    );
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "ASIAIMDSEXAMPLE");
    assert_eq!(credentials.session_token(), Some("imds-token-value"));
}
