//! The accept loop: HTTP/1 connections with a header-read (and keep-alive idle) timeout, the
//! connection cap with its 503 answer, and graceful shutdown.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Request, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::server::{self, AppState};

/// The largest request head (request line and headers) read, in bytes; larger ones are answered
/// 431 by hyper. A 2,048-character ARN percent-encoded three times over, a SigV4
/// `Authorization` header and a session token fit many times over.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;

/// How long the accept loop pauses after an error that is not about one connection (such as
/// running out of file descriptors), so it does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// What the accept loop needs besides the request handler's state.
pub(crate) struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

/// Accepts connections until `shutdown` completes, then waits for the open ones to finish.
///
/// Up to `max_connections` are served. Up to as many again are answered 503 (their request head
/// is still read, within the header timeout, so the client receives the answer instead of a
/// reset); past both, a connection is closed at once. Either way what a flood of connections
/// can hold is bounded.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<AppState>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(MAX_HEADER_BYTES);
    let serving = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    accept_error(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Ok(permit) = Arc::clone(&serving).try_acquire_owned() {
            let state = Arc::clone(&state);
            let service = service_fn(move |req: Request<Incoming>| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(server::dispatch(&state, req).await) }
            });
            let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                let _ = conn.await;
                drop(permit);
            });
        } else if let Ok(permit) = Arc::clone(&refusing).try_acquire_owned() {
            serve_busy(
                &builder,
                &graceful,
                stream,
                &state,
                limits.max_connections,
                permit,
            );
        } else {
            tracing::debug!("connection closed unanswered: over twice max_connections");
            drop(stream);
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Answers every request of a connection over the cap with 503 and closes it.
fn serve_busy(
    builder: &http1::Builder,
    graceful: &GracefulShutdown,
    stream: TcpStream,
    state: &Arc<AppState>,
    max_connections: usize,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    tracing::debug!(max_connections, "connection over the cap answered 503");
    let state = Arc::clone(state);
    let service = service_fn(move |req: Request<Incoming>| {
        let (parts, body) = req.into_parts();
        server::discard_body(&state, &parts.headers, body);
        async move { Ok::<_, Infallible>(busy_response(max_connections)) }
    });
    let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
    tokio::spawn(async move {
        let _ = conn.await;
        drop(permit);
    });
}

/// Bedrock's 503, naming the setting that caused it.
fn busy_response(max_connections: usize) -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailableException",
        format!(
            "The emulator is already serving its maximum of {max_connections} connections \
             (max_connections); try again once one closes"
        ),
    )
    .or_request_id(&server::new_request_id())
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Errors of one connection (reset before it was accepted) need nothing; others, such as
/// running out of file descriptors, get a pause so the loop does not spin.
async fn accept_error(err: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %err, "accepting a connection failed");
    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
}
