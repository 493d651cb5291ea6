//! The `bedrock` binary with temporary credentials from the emulator: Roles Anywhere options and
//! profiles (plain and encrypted keys, intermediates), AssumeRole by option and by profile,
//! Bedrock API keys, and `bedrock credentials roles-anywhere` as a `credential_process`.

#[path = "../../../tests/tests/credentials_support/mod.rs"]
mod credentials_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorHandle,
};
use credentials_support::*;

const PASSPHRASE: &str = "PASSPHRASE-MARKER-open sesame";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `bedrock ARGS` with a clean environment plus `env`, off the async runtime so that the
/// emulator keeps serving.
async fn bedrock(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bedrock"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("AWS_") || key == "RUST_LOG" {
            cmd.env_remove(key.as_ref());
        }
    }
    let empty = home.join("empty");
    std::fs::write(&empty, "").unwrap();
    cmd.env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("BEDROCK_HISTORY", home.join("history.sqlite3"))
        .args(args)
        .stdin(Stdio::null());
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_ok(what: &str, run: &Run) {
    assert_eq!(run.code, 0, "{what}: {}\n{}", run.stdout, run.stderr);
}

async fn start(root: &Ca) -> EmulatorHandle {
    Emulator::builder()
        .config(emulator_config(root, Duration::from_secs(900)))
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

fn roles_anywhere_flags<'a>(files: &'a ClientFiles, url: &'a str) -> Vec<&'a str> {
    let mut flags = vec![
        "--roles-anywhere-certificate",
        files.certificate.to_str().unwrap(),
        "--roles-anywhere-private-key",
        files.private_key.to_str().unwrap(),
        "--roles-anywhere-trust-anchor-arn",
        TRUST_ANCHOR_ARN,
        "--roles-anywhere-profile-arn",
        PROFILE_ARN,
        "--roles-anywhere-role-arn",
        ROLE_ARN,
        "--roles-anywhere-endpoint-url",
        url,
    ];
    if let Some(chain) = &files.intermediates {
        flags.extend(["--roles-anywhere-intermediates", chain.to_str().unwrap()]);
    }
    flags
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_anywhere_options_invoke_a_model() {
    let root = Ca::root("CLI Root CA");
    let intermediate = root.intermediate("CLI Issuing CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    for (stem, alg, via) in [
        ("p256", &rcgen::PKCS_ECDSA_P256_SHA256, None),
        ("rsa-chain", &rcgen::PKCS_RSA_SHA256, Some(&intermediate)),
    ] {
        let files = via
            .unwrap_or(&root)
            .client(alg, stem)
            .write(home.path(), stem, via);
        let mut args = roles_anywhere_flags(&files, &url);
        args.extend(["--endpoint-url", &url, "text", MODEL, "hi"]);
        let run = bedrock(home.path(), &args, &[]).await;
        assert_ok(stem, &run);
        assert!(!run.stdout.trim().is_empty(), "{stem}");
    }
    assert_eq!(emulator.credential_requests().create_session, 2);

    // A certificate of another CA is refused: a credentials failure, exit code 3.
    let stranger = Ca::root("Other CA")
        .client(&rcgen::PKCS_ECDSA_P256_SHA256, "stranger")
        .write(home.path(), "stranger", None);
    let mut args = roles_anywhere_flags(&stranger, &url);
    args.extend(["--endpoint-url", &url, "text", MODEL, "hi"]);
    let run = bedrock(home.path(), &args, &[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("AccessDeniedException"),
        "{}",
        run.stderr
    );

    // Incomplete options are a usage error before anything is sent.
    let run = bedrock(
        home.path(),
        &[
            "--roles-anywhere-certificate",
            "x.pem",
            "--endpoint-url",
            &url,
            "text",
            MODEL,
            "hi",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--roles-anywhere-private-key"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_with_encrypted_keys_and_assume_role() {
    let root = Ca::root("CLI Root CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let client = root.client(&rcgen::PKCS_RSA_SHA256, "profiled");
    let files = client.write(home.path(), "profiled", None);
    std::fs::write(&files.private_key, client.encrypted_key_pem(PASSPHRASE)).unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile ra]\nregion = us-east-1\n\
             roles_anywhere_certificate = {}\nroles_anywhere_private_key = {}\n\
             roles_anywhere_trust_anchor_arn = {TRUST_ANCHOR_ARN}\n\
             roles_anywhere_profile_arn = {PROFILE_ARN}\nroles_anywhere_role_arn = {ROLE_ARN}\n\
             roles_anywhere_endpoint_url = {url}\n\
             roles_anywhere_private_key_passphrase_env = TEST_KEY_PASSPHRASE\n\
             [profile admin]\nrole_arn = {ADMIN_ROLE_ARN}\nsource_profile = ra\nexternal_id = {EXTERNAL_ID}\n",
            files.certificate.display(),
            files.private_key.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let env = [
        ("AWS_CONFIG_FILE", config),
        ("TEST_KEY_PASSPHRASE", PASSPHRASE),
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
    ];
    let run = bedrock(
        home.path(),
        &[
            "--profile",
            "ra",
            "--endpoint-url",
            &url,
            "text",
            MODEL,
            "hi",
        ],
        &env,
    )
    .await;
    assert_ok("profile ra", &run);
    let run = bedrock(
        home.path(),
        &[
            "--profile",
            "admin",
            "--endpoint-url",
            &url,
            "text",
            MODEL,
            "hi",
        ],
        &env,
    )
    .await;
    assert_ok("profile admin", &run);
    let requests = emulator.credential_requests();
    assert_eq!((requests.create_session, requests.assume_role), (2, 1));

    // Without the passphrase and without a terminal: a usage error naming what to do.
    let run = bedrock(
        home.path(),
        &[
            "--profile",
            "ra",
            "--endpoint-url",
            &url,
            "text",
            MODEL,
            "hi",
        ],
        &[("AWS_CONFIG_FILE", config)],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("TEST_KEY_PASSPHRASE"), "{}", run.stderr);
    // A wrong passphrase is refused without being echoed.
    let run = bedrock(
        home.path(),
        &[
            "--profile",
            "ra",
            "--endpoint-url",
            &url,
            "text",
            MODEL,
            "hi",
        ],
        &[
            ("AWS_CONFIG_FILE", config),
            ("TEST_KEY_PASSPHRASE", "WRONG-MARKER"),
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("private_key_passphrase"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("MARKER"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_arn_option_assumes_a_role() {
    let root = Ca::root("CLI Root CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY),
    ];
    let args = [
        "--role-arn",
        ADMIN_ROLE_ARN,
        "--external-id",
        EXTERNAL_ID,
        "--sts-endpoint-url",
        &url,
        "--endpoint-url",
        &url,
        "text",
        MODEL,
        "hi",
    ];
    assert_ok("--role-arn", &bedrock(home.path(), &args, &env).await);
    assert_eq!(emulator.credential_requests().assume_role, 1);
    let mut wrong = args;
    wrong[3] = "not-the-id";
    let run = bedrock(home.path(), &wrong, &env).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
}

/// A profile with `role_arn` + `source_profile` naming a profile of plain keys: the AWS SDK's
/// own profile chain assumes the role, at the STS endpoint the environment names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_assumes_a_role_from_a_profile_of_static_keys() {
    let root = Ca::root("CLI Root CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile keys]\nregion = us-east-1\n\
             [profile admin]\nregion = us-east-1\nrole_arn = {ADMIN_ROLE_ARN}\n\
             source_profile = keys\nexternal_id = {EXTERNAL_ID}\n"
        ),
    )
    .unwrap();
    let credentials = home.path().join("credentials");
    std::fs::write(
        &credentials,
        format!(
            "[keys]\naws_access_key_id = {EXAMPLE_ACCESS_KEY_ID}\n\
             aws_secret_access_key = {EXAMPLE_SECRET_ACCESS_KEY}\n"
        ),
    )
    .unwrap();
    let env = [
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ("AWS_ENDPOINT_URL_STS", url.as_str()),
    ];
    let args = [
        "--profile",
        "admin",
        "--endpoint-url",
        &url,
        "text",
        MODEL,
        "hi",
    ];
    assert_ok("profile admin", &bedrock(home.path(), &args, &env).await);
    let requests = emulator.credential_requests();
    assert_eq!((requests.create_session, requests.assume_role), (0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_from_the_environment() {
    let root = Ca::root("CLI Root CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let args = [
        "--api-key-env",
        "MY_BEDROCK_KEY",
        "--endpoint-url",
        &url,
        "text",
        MODEL,
        "hi",
    ];
    assert_ok(
        "--api-key-env",
        &bedrock(home.path(), &args, &[("MY_BEDROCK_KEY", API_KEY)]).await,
    );
    assert_ok(
        "AWS_BEARER_TOKEN_BEDROCK",
        &bedrock(
            home.path(),
            &["--endpoint-url", &url, "text", MODEL, "hi"],
            &[("AWS_BEARER_TOKEN_BEDROCK", API_KEY)],
        )
        .await,
    );
    let run = bedrock(
        home.path(),
        &args,
        &[("MY_BEDROCK_KEY", "bedrock-api-key-UNKNOWN")],
    )
    .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("API key"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("bedrock-api-key-UNKNOWN"),
        "{}",
        run.stderr
    );
    let run = bedrock(home.path(), &args, &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("MY_BEDROCK_KEY"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_roles_anywhere_prints_a_credential_process_document() {
    let root = Ca::root("CLI Root CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let files = root
        .client(&rcgen::PKCS_ECDSA_P256_SHA256, "process")
        .write(home.path(), "process", None);
    let mut args = roles_anywhere_flags(&files, &url);
    args.truncate(10);
    args.extend(["credentials", "roles-anywhere", "--endpoint-url", &url]);
    let run = bedrock(home.path(), &args, &[]).await;
    assert_ok("credentials roles-anywhere", &run);
    let document: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(document["Version"], 1);
    for key in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert!(
            document[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}: {document}"
        );
    }
    assert!(document["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(run.stdout.trim().lines().count(), 1);
    assert_eq!(emulator.credential_requests().create_session, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_output_never_shows_keys_tokens_or_passphrases() {
    let root = Ca::root("CLI Root CA");
    let emulator = start(&root).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let client = root.client(&rcgen::PKCS_ECDSA_P256_SHA256, "traced");
    let files = client.write(home.path(), "traced", None);
    std::fs::write(&files.private_key, client.encrypted_key_pem(PASSPHRASE)).unwrap();
    let passphrase_env = [("TRACE_KEY_PASSPHRASE", PASSPHRASE)];

    // The credential_process document holds the secrets on stdout; the trace on stderr must not.
    let mut args = vec!["-vvvv"];
    args.extend(roles_anywhere_flags(&files, &url));
    args.extend(["--private-key-passphrase-env", "TRACE_KEY_PASSPHRASE"]);
    args.extend(["credentials", "roles-anywhere"]);
    let run = bedrock(home.path(), &args, &passphrase_env).await;
    assert_ok("traced credentials", &run);
    let document: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let secret = document["SecretAccessKey"].as_str().unwrap();
    let token = document["SessionToken"].as_str().unwrap();
    assert!(
        run.stderr.contains("TRACE") || run.stderr.contains("DEBUG"),
        "tracing is on"
    );
    for (what, value) in [
        ("secret", secret),
        ("token", token),
        ("passphrase", PASSPHRASE),
    ] {
        assert!(
            !run.stderr.contains(value),
            "the trace shows the {what}:\n{}",
            run.stderr
        );
    }

    // A whole call with Roles Anywhere credentials, and one with an API key.
    let mut args = vec!["-vvvv"];
    args.extend(roles_anywhere_flags(&files, &url));
    args.extend(["--private-key-passphrase-env", "TRACE_KEY_PASSPHRASE"]);
    args.extend(["--endpoint-url", &url, "text", MODEL, "hi"]);
    let run = bedrock(home.path(), &args, &passphrase_env).await;
    assert_ok("traced call", &run);
    assert!(!run.stderr.contains(PASSPHRASE), "{}", run.stderr);
    assert!(!run.stderr.contains("MARKER"), "{}", run.stderr);
    let run = bedrock(
        home.path(),
        &["-vvvv", "--endpoint-url", &url, "text", MODEL, "hi"],
        &[("AWS_BEARER_TOKEN_BEDROCK", API_KEY)],
    )
    .await;
    assert_ok("traced API key call", &run);
    assert!(
        !run.stderr.contains(API_KEY),
        "the trace shows the API key:\n{}",
        run.stderr
    );
}
