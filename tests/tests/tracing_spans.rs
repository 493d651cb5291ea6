//! The `bedrock` span every call gets from the connector's `TracingLayer`, captured with a real
//! subscriber over the AWS SDK backend and the emulator: what it records (operation, model,
//! region, request id, attempts, latency, tokens, error kind) and what it never records (the
//! prompt, the answer, the secret key, the signature).

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bedrock_connector::{ErrorKind, ModelInput, TextRequest};
use bedrock_simulator::{Fault, FaultRule, SimulatorConfig};
use support::{example_aws_connector, model_id, start_emulator, with_simulator};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const TITAN_TEXT: &str = "amazon.titan-text-express-v1";
const PROMPT: &str = "The secret recipe is pickled walnuts";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Everything the subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The lines the connector's and the AWS backend's spans and events wrote while `f` ran.
async fn capture<F: Future<Output = ()>>(f: F) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_env_filter("bedrock_core=trace,bedrock_backend_aws=trace")
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    f.await;
    captured.text()
}

fn assert_no_secrets(logged: &str) {
    for secret in [PROMPT, SECRET_KEY, "Signature=", "inputText", "outputText"] {
        assert!(
            !logged.contains(secret),
            "the trace output shows `{secret}`:\n{logged}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_successful_call_records_metadata_and_nothing_secret() {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(7))).await;
    let connector = example_aws_connector(emulator.url());
    let logged = capture(async {
        let invocation = connector
            .invoke(
                &model_id(TITAN_TEXT),
                &ModelInput::Text(TextRequest::new(PROMPT).max_tokens(20)),
                Default::default(),
            )
            .await
            .expect("the call succeeds");
        assert!(invocation.metadata.request_id.is_some());
        assert_eq!(invocation.metadata.attempts, Some(1));
    })
    .await;
    let close = logged
        .lines()
        .find(|l| l.contains("bedrock{") && l.contains("close"))
        .unwrap_or_else(|| panic!("no closed `bedrock` span:\n{logged}"));
    for field in [
        "operation=\"InvokeModel\"",
        &format!("model_id=\"{TITAN_TEXT}\""),
        "region=\"us-east-1\"",
        "request_id=",
        "attempts=1",
        "latency_ms=",
        "input_tokens=",
        "output_tokens=",
    ] {
        assert!(close.contains(field), "`{field}` missing from {close}");
    }
    assert!(!close.contains("error_kind"), "{close}");
    assert_no_secrets(&logged);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_call_records_its_kind_and_attempts() {
    let emulator = start_emulator(with_simulator(SimulatorConfig::with_seed(7))).await;
    emulator
        .simulator()
        .add_fault(FaultRule::new(Fault::Throttling).model(TITAN_TEXT));
    let connector = example_aws_connector(emulator.url());
    let logged = capture(async {
        let err = connector
            .invoke(
                &model_id(TITAN_TEXT),
                &ModelInput::Text(TextRequest::new(PROMPT).max_tokens(20)),
                Default::default(),
            )
            .await
            .expect_err("throttled every time");
        assert_eq!(err.kind(), ErrorKind::Throttling);
        assert_eq!(err.attempts(), Some(3));
    })
    .await;
    let close = logged
        .lines()
        .find(|l| l.contains("bedrock{") && l.contains("close"))
        .unwrap_or_else(|| panic!("no closed `bedrock` span:\n{logged}"));
    // The SDK's standard retry mode tries throttled calls three times.
    for field in [
        "error_kind=\"throttling\"",
        "request_id=",
        "latency_ms=",
        "attempts=3",
    ] {
        assert!(close.contains(field), "`{field}` missing from {close}");
    }
    assert_no_secrets(&logged);
}
