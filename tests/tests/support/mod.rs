//! Set-up shared by the end-to-end tests: an emulator on loopback, the example credentials,
//! connectors over the AWS SDK backend pointed at an emulator, deadlines, and PNG sizes.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the helpers"
)]

use std::future::Future;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use bedrock_backend_aws::AwsBackendConfig;
use bedrock_connector::{Connector, ConnectorBuilderExt as _, ModelId};
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorConfig, EmulatorHandle,
};
use bedrock_simulator::SimulatorConfig;

/// How long a call may take before the test fails instead of hanging, unless a test says less.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The example credentials every emulator accepts unless told otherwise.
pub fn example_credentials() -> Credentials {
    Credentials::new(
        EXAMPLE_ACCESS_KEY_ID,
        EXAMPLE_SECRET_ACCESS_KEY,
        None,
        None,
        "example",
    )
}

/// An emulator configuration that differs from the default only in its simulator.
pub fn with_simulator(simulator: SimulatorConfig) -> EmulatorConfig {
    EmulatorConfig {
        simulator,
        ..EmulatorConfig::default()
    }
}

/// Starts an emulator with `config` on a free loopback port.
pub async fn start_emulator(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::builder()
        .config(config)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("the emulator starts on loopback")
}

/// The AWS SDK backend's default settings, pointed at `url` and signing with `credentials`.
pub fn aws_backend_config(url: String, credentials: Credentials) -> AwsBackendConfig {
    AwsBackendConfig {
        endpoint_url: Some(url),
        credentials: Some(SharedCredentialsProvider::new(credentials)),
        ..AwsBackendConfig::default()
    }
}

/// A connector with every adapter over the AWS SDK backend configured by `config`.
pub fn aws_connector(config: AwsBackendConfig) -> Connector {
    Connector::builder()
        .default_adapters()
        .aws_backend(config)
        .build()
        .expect("a connector with a backend builds")
}

/// A connector over the AWS SDK backend at `url` with the example credentials.
pub fn example_aws_connector(url: String) -> Connector {
    aws_connector(aws_backend_config(url, example_credentials()))
}

/// Awaits `fut`, failing the test if it takes longer than [`DEADLINE`].
pub async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    within_limit(DEADLINE, what, fut).await
}

/// Awaits `fut`, failing the test if it takes longer than `limit`.
pub async fn within_limit<F: Future>(limit: Duration, what: &str, fut: F) -> F::Output {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
}

/// A model id the test knows to be well formed.
pub fn model_id(s: &str) -> ModelId {
    ModelId::new(s).unwrap_or_else(|e| panic!("`{s}` is a model id: {e}"))
}

/// The width and height of a PNG, after decoding all of its pixels.
pub fn png_size(png_bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a bounded image")];
    let frame = reader
        .next_frame(&mut pixels)
        .expect("the PNG's pixels decode");
    (frame.width, frame.height)
}

/// The `bedrock` binary of this build (`target/<profile>/bedrock`), for tests that run the
/// command line from the `tests` package, which Cargo gives no `CARGO_BIN_EXE_` path.
///
/// It runs `cargo build --workspace --tests`: the same targets and features as the test
/// command's own build, so under `cargo test --workspace` it finds everything fresh and builds
/// nothing; run alone, it builds what is missing. (`cargo build -p bedrock-cli` would resolve
/// other features and rebuild much of the workspace.)
pub fn bedrock_binary() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("tests/ sits in the workspace");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--workspace", "--tests"])
        .current_dir(workspace)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building the workspace's test targets failed"
    );
    // target/<profile>/deps/<this test> → target/<profile>/bedrock
    let exe = std::env::current_exe().expect("the test's own path");
    let binary = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>/deps")
        .join(format!("bedrock{}", std::env::consts::EXE_SUFFIX));
    assert!(binary.exists(), "{} is missing", binary.display());
    binary
}

fn has_boto3(python: &std::path::Path) -> bool {
    std::process::Command::new(python)
        .args(["-c", "import boto3, botocore"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(what: &str, cmd: &mut std::process::Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Python interpreter that can import boto3: `BEDROCK_TEST_PYTHON`, else the workspace's
/// `.venv`, which is created (`python3 -m venv`, `pip install boto3`) when it lacks boto3.
pub fn python_with_boto3() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("BEDROCK_TEST_PYTHON").map(std::path::PathBuf::from)
        && has_boto3(&p)
    {
        return p;
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .join(".venv");
    let python = venv.join("bin").join("python");
    if has_boto3(&python) {
        return python;
    }
    if !python.exists() {
        run(
            "python3 -m venv .venv",
            std::process::Command::new("python3")
                .arg("-m")
                .arg("venv")
                .arg(&venv),
        );
    }
    run(
        "pip install boto3 into .venv",
        std::process::Command::new(venv.join("bin").join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "boto3>=1.40",
        ]),
    );
    assert!(
        has_boto3(&python),
        "{} still cannot import boto3 after installing it",
        python.display()
    );
    python
}
