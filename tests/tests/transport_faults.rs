//! Faults before any answer, through the AWS SDK backend against listeners on loopback that
//! misbehave: a refused connection, a reset, a connect timeout and a read timeout each end in
//! `Error::Transport` with the right timeout flag and the attempts the SDK made (3, its
//! standard retry). Also: an endpoint URL the SDK cannot use (the error never quotes the
//! request), and responses over `max_response_bytes`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bedrock_backend_aws::{AwsBackend, AwsBackendConfig, ResponseTooLarge};
use bedrock_core::{Backend as _, Error, ErrorKind, InvokeModelRequest, Region};
use support::{aws_backend_config, example_credentials, model_id, within};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const TITAN_TEXT: &str = "amazon.titan-text-express-v1";

/// A prompt no error message may quote.
const SECRET: &str = "SECRET-PROMPT-7f3a9c";

/// Attempts per call: the SDK's standard retry.
const ATTEMPTS: u32 = 3;

fn request() -> InvokeModelRequest {
    let body = serde_json::json!({
        "inputText": SECRET,
        "textGenerationConfig": {"maxTokenCount": 8},
    });
    InvokeModelRequest::json(model_id(TITAN_TEXT), Region::UsEast1, body.to_string())
}

/// A backend at `url` with 3 attempts and a short backoff, changed by `tweak`.
fn backend(url: String, tweak: impl FnOnce(&mut AwsBackendConfig)) -> AwsBackend {
    let mut config = AwsBackendConfig {
        max_attempts: ATTEMPTS,
        initial_backoff: Some(Duration::from_millis(5)),
        ..aws_backend_config(url, example_credentials())
    };
    tweak(&mut config);
    AwsBackend::new(config)
}

async fn invoke(backend: &AwsBackend) -> Error {
    within("the call", backend.invoke_model(request()))
        .await
        .expect_err("the call fails")
}

/// Asserts a transport error with this timeout flag after every attempt, whose text and
/// source chain never quote the request.
#[track_caller]
fn assert_transport(err: &Error, timeout: bool) {
    assert!(
        matches!(err, Error::Transport { timeout: t, .. } if *t == timeout),
        "a transport error with timeout={timeout}: {err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.is_retryable(), timeout, "{err}");
    assert_eq!(err.attempts(), Some(ATTEMPTS), "{err}");
    assert_eq!(
        err.hint().as_deref(),
        Some("check the endpoint URL and network")
    );
    assert_no_secret(err);
}

/// The error, its `Debug` form and every source's message are free of the request's body.
#[track_caller]
fn assert_no_secret(err: &Error) {
    let mut texts = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(s.to_string());
        source = s.source();
    }
    for text in texts {
        assert!(!text.contains(SECRET), "the request leaks into: {text}");
    }
}

/// Reads one request's head and body (by its `Content-Length`); false when the peer closed
/// first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while seen.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    true
}

/// A listener on loopback that hands every connection to `serve` and counts connections.
async fn listener<F, Fut>(serve: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream));
        }
    });
    (url, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_a_transport_error_after_every_attempt() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let err = invoke(&backend(format!("http://127.0.0.1:{port}"), |_| {})).await;
    assert_transport(&err, false);
    let message = err.to_string();
    assert!(
        message.contains("could not send the request") && message.contains("Connection refused"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_before_any_answer_is_a_transport_error_after_every_attempt() {
    // Reads the request, then closes with SO_LINGER 0: the peer gets an RST, not a FIN.
    let (url, accepted) = listener(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream.set_zero_linger();
        drop(stream);
    })
    .await;
    let err = invoke(&backend(url, |_| {})).await;
    assert_transport(&err, false);
    assert_eq!(accepted.load(Ordering::SeqCst), ATTEMPTS as usize);
}

/// A real connect timeout on loopback: a listener with a backlog of 0 whose one queued place
/// is taken by a connection it never accepts. Linux then drops further SYNs (the accept queue
/// is full), so a connect waits until its timeout.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_timeout_is_a_retryable_transport_timeout_after_every_attempt() {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let address = socket.local_addr().expect("address");
    let _full = socket.listen(0).expect("listen");
    let _queued = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(5))
        .expect("the one queued place");
    // A plain connect now times out, as the SDK's will.
    assert!(
        std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200))
            .is_err_and(|e| e.kind() == std::io::ErrorKind::TimedOut),
        "the backlog is full"
    );
    let err = invoke(&backend(format!("http://{address}"), |c| {
        c.connect_timeout = Some(Duration::from_millis(200));
    }))
    .await;
    assert_transport(&err, true);
    let message = err.to_string();
    assert!(message.contains("could not send the request"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_timeout_is_a_retryable_transport_timeout_after_every_attempt() {
    // Accepts and reads the request, then never answers (the connection stays open).
    let (url, accepted) = listener(|mut stream| async move {
        read_request(&mut stream).await;
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
    })
    .await;
    let err = invoke(&backend(url, |c| {
        c.read_timeout = Some(Duration::from_millis(300));
    }))
    .await;
    assert_transport(&err, true);
    assert_eq!(accepted.load(Ordering::SeqCst), ATTEMPTS as usize);
}

/// The SDK's own error for an endpoint it cannot apply quotes the whole request, prompt
/// included; the backend's error keeps the URL and the cause only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_endpoint_url_is_named_without_quoting_the_request() {
    let err = invoke(&backend("not a url".to_owned(), |_| {})).await;
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert_no_secret(&err);
    let message = err.to_string();
    assert!(
        message.contains("`not a url`") && message.contains("invalid uri character"),
        "{message}"
    );
    assert!(!message.contains("Request {"), "{message}");
}

/// Answers every request with a status line and headers, then `body_bytes` of body in 64 KiB
/// chunks, chunked when `chunked`, else under a `Content-Length`; stops when the client leaves.
async fn big_answer(chunked: bool, body_bytes: usize) -> (String, Arc<AtomicUsize>) {
    listener(move |mut stream| async move {
        if !read_request(&mut stream).await {
            return;
        }
        let framing = if chunked {
            "transfer-encoding: chunked".to_owned()
        } else {
            format!("content-length: {body_bytes}")
        };
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let piece = vec![b' '; 64 * 1024];
        let mut left = body_bytes;
        while left > 0 {
            let n = left.min(piece.len());
            let written = if chunked {
                let mut frame = format!("{n:x}\r\n").into_bytes();
                frame.extend_from_slice(&piece[..n]);
                frame.extend_from_slice(b"\r\n");
                stream.write_all(&frame).await
            } else {
                stream.write_all(&piece[..n]).await
            };
            if written.is_err() {
                return;
            }
            left -= n;
        }
        if chunked {
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
        let _ = stream.flush().await;
    })
    .await
}

fn too_large(err: &Error) -> Option<&ResponseTooLarge> {
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<ResponseTooLarge>() {
            return Some(t);
        }
        source = s.source();
    }
    None
}

/// The process's peak resident memory in bytes (`VmHWM` in /proc/self/status).
#[cfg(target_os = "linux")]
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line");
    kib * 1024
}

/// 100 MB declared in `Content-Length`: refused before its body is read, by the default limit
/// (64 MiB), once (not retried).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_100_mb_answer_is_refused_by_the_default_limit() {
    let (url, accepted) = big_answer(false, 100_000_000).await;
    let err = invoke(&backend(url, |_| {})).await;
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "not retried");
    let limit = too_large(&err).expect("a ResponseTooLarge in the chain");
    assert_eq!(
        (limit.limit, limit.declared),
        (64 * 1024 * 1024, Some(100_000_000))
    );
    let message = err.to_string();
    assert!(
        message.contains("could not read the response")
            && message.contains("limit of 67108864 bytes"),
        "{message}"
    );
}

/// 100 MB without a length (chunked) under a 1 MiB limit: reading stops past 1 MiB, and the
/// process's peak memory grows by less than 24 MiB (the body is 100 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsized_100_mb_answer_is_read_up_to_the_limit_only() {
    let (url, _) = big_answer(true, 100_000_000).await;
    let limited = backend(url, |c| c.max_response_bytes = Some(1024 * 1024));
    #[cfg(target_os = "linux")]
    let before = peak_rss();
    let err = invoke(&limited).await;
    #[cfg(target_os = "linux")]
    {
        let grown = peak_rss().saturating_sub(before);
        eprintln!("peak resident memory grew by {grown} bytes reading past a 1 MiB limit");
        assert!(
            grown < 24 * 1024 * 1024,
            "peak memory grew by {grown} bytes"
        );
    }
    let limit = too_large(&err).expect("a ResponseTooLarge in the chain");
    assert_eq!((limit.limit, limit.declared), (1024 * 1024, None));
    assert_eq!(err.attempts(), Some(1));

    // Within the limit the same framing arrives whole.
    let (url, _) = big_answer(true, 300_000).await;
    let out = within(
        "the call",
        backend(url, |c| c.max_response_bytes = Some(1024 * 1024)).invoke_model(request()),
    )
    .await
    .expect("300 kB is within 1 MiB");
    assert_eq!(out.body.len(), 300_000);
}
