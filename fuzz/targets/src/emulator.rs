//! The `emulator` target: a request built from the input and sent to an emulator started once
//! per process on 127.0.0.1, through its whole HTTP stack (hyper, the router, SigV4, the
//! simulator, the event-stream encoder, the S3 endpoint, the credentials services, the batch
//! routes), signed with the example credentials for the service a `sign-<service>` flag names
//! (`bedrock` by default) unless the input says `unsigned`.
//!
//! The emulator keeps its router private, so the request goes over loopback rather than through
//! `tower::ServiceExt::oneshot`; a public `Emulator::router()` would let this target run in
//! process and several times faster.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use bedrock_auth::{Credentials, SigningOptions, StaticCredentials, sign_request_with};
use bedrock_emulator::{Emulator, Simulator};

use crate::request_text::TextRequest;
use crate::sigv4::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};

/// How long one request may take before the target reports a hang. Generous: the machine is
/// shared and a fuzzing process is often descheduled.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// Headers the target writes itself, so every request is framed correctly.
const FRAMING_HEADERS: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

struct Running {
    addr: SocketAddr,
    simulator: Simulator,
}

/// The emulator of this process: default configuration (example credentials, no faults),
/// listening on a free port of 127.0.0.1, served by a thread of its own.
fn running() -> &'static Running {
    static RUNNING: OnceLock<Running> = OnceLock::new();
    RUNNING.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("a current-thread runtime starts: {e}"));
            runtime.block_on(async move {
                let handle = Emulator::builder()
                    .bind("127.0.0.1:0")
                    .start()
                    .await
                    .unwrap_or_else(|e| panic!("the emulator starts on 127.0.0.1: {e}"));
                let _ = tx.send(Running {
                    addr: handle.addr(),
                    simulator: handle.simulator().clone(),
                });
                // Serve until the process ends; dropping the handle would stop the server.
                std::future::pending::<()>().await;
                drop(handle);
            });
        });
        rx.recv()
            .unwrap_or_else(|e| panic!("the emulator thread reports its address: {e}"))
    })
}

/// A request in the text form of [`crate::request_text`]; `Host`, `Content-Length`,
/// `Transfer-Encoding` and `Connection` are written by the target. Properties: the emulator
/// answers every request within `ANSWER_TIMEOUT` (20 s) with an HTTP status line and never with a
/// 500; nothing panics in the server (the fuzzing harness aborts on a panic in any thread).
/// The simulator is reset after each input so that inputs do not see each other's faults,
/// counters or log; the S3 store, batch jobs and issued credentials stay (within the
/// emulator's limits), so a campaign may chain a bucket, an object and a job that reads it.
pub fn emulator(data: &[u8]) {
    let Some(text) = TextRequest::parse(data) else {
        return;
    };
    let running = running();
    let wire = wire_request(&text, running.addr);
    let answer = exchange(running.addr, &wire);
    running.simulator.reset();
    let Some(answer) = answer else {
        return;
    };
    let status_line = answer
        .split(|&b| b == b'\n')
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/1.1 "),
        "the emulator answers with a status line, not {status_line:?} ({} bytes)",
        answer.len()
    );
    assert!(
        !status_line.starts_with("HTTP/1.1 500"),
        "the emulator answers no request with an internal error: {}",
        String::from_utf8_lossy(&answer)
    );
}

/// The signing services a `sign-<service>` flag may name: the emulator serves each on its one
/// port and tells them apart by the credential scope.
pub const SIGNING_SERVICES: [&str; 4] = ["bedrock", "s3", "sts", "rolesanywhere"];

/// The service `text` is signed for: the first `sign-<service>` flag naming one of
/// [`SIGNING_SERVICES`], else `bedrock`; `None` with the flag `unsigned`.
fn signing_service(text: &TextRequest<'_>) -> Option<&'static str> {
    if text.has_flag("unsigned") {
        return None;
    }
    let named = text.flags.iter().find_map(|flag| {
        let service = flag.strip_prefix("sign-")?;
        SIGNING_SERVICES.into_iter().find(|s| *s == service)
    });
    Some(named.unwrap_or("bedrock"))
}

/// The HTTP/1.1 bytes of `text`, signed for [`signing_service`] unless it has the flag
/// `unsigned`. S3 requests also carry `x-amz-content-sha256`, as S3 requires.
fn wire_request(text: &TextRequest<'_>, addr: SocketAddr) -> Vec<u8> {
    let mut headers = text.header_map();
    for name in FRAMING_HEADERS {
        headers.remove(name);
    }
    if let Some(service) = signing_service(text)
        && text.target.starts_with('/')
        && let Ok(credentials) = StaticCredentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
        && let Ok(mut request) = http::Request::builder()
            .method(text.method)
            .uri(format!("http://{addr}{}", text.target))
            .body(text.body)
    {
        *request.headers_mut() = headers.clone();
        let mut options = SigningOptions::new("us-east-1", service, SystemTime::now());
        options.content_sha256_header = service == "s3";
        let signed = sign_request_with(&mut request, &Credentials::Static(credentials), &options);
        if signed.is_ok() {
            headers = request.headers().clone();
            headers.remove("host");
        }
    }
    let mut wire = Vec::with_capacity(text.body.len() + 512);
    wire.extend_from_slice(text.method.as_bytes());
    wire.push(b' ');
    wire.extend_from_slice(text.target.as_bytes());
    wire.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    wire.extend_from_slice(addr.to_string().as_bytes());
    wire.extend_from_slice(b"\r\n");
    for (name, value) in &headers {
        wire.extend_from_slice(name.as_str().as_bytes());
        wire.extend_from_slice(b": ");
        wire.extend_from_slice(value.as_bytes());
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(format!("content-length: {}\r\n", text.body.len()).as_bytes());
    wire.extend_from_slice(b"connection: close\r\n\r\n");
    wire.extend_from_slice(text.body);
    wire
}

/// Sends `wire` on a new connection and reads the answer until the server closes it. `None`
/// when the connection could not be made or was reset (the server may close before reading a
/// body it refuses); a hang is a finding.
fn exchange(addr: SocketAddr, wire: &[u8]) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    // A server that answers before reading the whole body may close the connection while it
    // is still being written; the answer is still there to read.
    let _ = stream.write_all(wire);
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Some(answer),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!(
                "no answer within {ANSWER_TIMEOUT:?} to {:?}",
                String::from_utf8_lossy(wire.get(..wire.len().min(300)).unwrap_or_default())
            )
        }
        // A reset after part of an answer: keep what arrived.
        Err(_) => (!answer.is_empty()).then_some(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_text::write;

    fn status_of(text: &[u8]) -> String {
        let request = TextRequest::parse(text).unwrap();
        let running = running();
        let answer = exchange(running.addr, &wire_request(&request, running.addr)).unwrap();
        running.simulator.reset();
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The target signs what it sends, so inputs reach the routes behind authentication, not
    /// only the 403 answer.
    #[test]
    fn signed_requests_get_past_authentication() {
        let list = write("GET", "/foundation-models?byProvider=Amazon", &[], &[], b"");
        assert_eq!(status_of(&list), "HTTP/1.1 200 OK");
        let invoke = write(
            "POST",
            "/model/amazon.titan-text-express-v1/invoke",
            &[],
            &[("content-type", "application/json")],
            br#"{"inputText":"hi"}"#,
        );
        assert_eq!(status_of(&invoke), "HTTP/1.1 200 OK");
        let bucket = write("PUT", "/fuzz-signing-test", &["sign-s3"], &[], b"");
        assert_eq!(status_of(&bucket), "HTTP/1.1 200 OK");
        let identity = write(
            "POST",
            "/",
            &["sign-sts"],
            &[("content-type", "application/x-www-form-urlencoded")],
            b"Action=GetCallerIdentity&Version=2011-06-15",
        );
        assert_eq!(status_of(&identity), "HTTP/1.1 200 OK");
        let unsigned = write("GET", "/foundation-models", &["unsigned"], &[], b"");
        assert!(
            status_of(&unsigned).starts_with("HTTP/1.1 403"),
            "{}",
            status_of(&unsigned)
        );
    }
}
