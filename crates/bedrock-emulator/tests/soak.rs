//! Soak: many signed requests with distinct invalid model ids and random bodies leave the
//! emulator's resident memory where it was, and its request log answer bounded.
//!
//! `BEDROCK_EMULATOR_SOAK_REQUESTS` sets the number of requests: 100,000 is the figure in
//! docs/emulator.md; the default, 20,000, keeps `cargo test` quick in a debug build. Alone in
//! this file so that no other test's allocations show in the figures.

mod common;

use std::time::{Duration, Instant};

use bedrock_emulator::{Emulator, EmulatorHandle};
use bytes::Bytes;
use common::{Signer, TestRng, control, encode_id, send};
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;

const DEFAULT_REQUESTS: usize = 20_000;
/// Requests in flight at once, each on its own keep-alive connection.
const CONCURRENCY: usize = 16;
/// Requests sent before the first measurement, so that the allocator, the runtime and the
/// simulator's bounded state have reached their working sizes.
const WARM_UP: usize = 4_000;
/// The bound: resident memory may grow by at most this much over the measured requests.
const MAX_GROWTH: u64 = 20 << 20;

fn requests_from_env() -> usize {
    std::env::var("BEDROCK_EMULATOR_SOAK_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_REQUESTS)
}

/// A model id that Bedrock refuses, distinct for every `n`: malformed (characters outside
/// `A-Za-z0-9.-_:/`, control characters included), too long (past 2,048 characters), or
/// well-formed but naming no model.
fn invalid_id(rng: &mut TestRng, n: usize) -> String {
    let tail_len = rng.below(600) as usize;
    let tail: String = (0..tail_len)
        .map(|_| {
            const CHARS: &[char] = &['a', 'Z', '7', '.', '-', ':', ' ', '\u{1}', 'é', '"', '\\'];
            CHARS[rng.below(CHARS.len() as u64) as usize]
        })
        .collect();
    match n % 3 {
        0 => format!("bad model {n} {tail}"),
        1 => format!("acme.{n}-{}", "x".repeat(2048 + tail_len)),
        _ => format!("acme.unknown-model-{n}-v1:0"),
    }
}

/// Sends `count` requests over `CONCURRENCY` keep-alive connections; every answer must be a
/// 400 or a 404.
async fn drive(emu: &EmulatorHandle, first: usize, count: usize) {
    let addr = emu.addr();
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY {
        workers.push(tokio::spawn(async move {
            let mut rng = TestRng(0x5EED ^ worker as u64 ^ ((first as u64) << 20));
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let signer = Signer::example();
            let mut n = first + worker;
            while n < first + count {
                let id = invalid_id(&mut rng, n);
                let body_len = rng.below(2048) as usize;
                let body = Bytes::from(rng.bytes(body_len));
                let path = format!("/model/{}/invoke", encode_id(&id));
                let req = signer.request("POST", addr, &path, Some("application/json"), body);
                let response = sender.send_request(req).await.expect("an answer");
                let status = response.status().as_u16();
                let _ = response.into_body().collect().await;
                assert!(matches!(status, 400 | 404), "{status} for {id:?}");
                n += CONCURRENCY;
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_invalid_ids_leave_memory_where_it_was() {
    let requests = requests_from_env();
    let emu = Emulator::builder().start().await.expect("emulator starts");
    drive(&emu, 0, WARM_UP).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = common::resident_bytes();
    let started = Instant::now();
    drive(&emu, WARM_UP, requests).await;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = common::resident_bytes();
    println!(
        "soak: {requests} requests in {:.1} s; resident memory {:.1} MiB before, {:.1} MiB after \
         ({:+.1} MiB)",
        took.as_secs_f64(),
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after as f64 - before as f64) / 1048576.0
    );
    assert!(
        after.saturating_sub(before) <= MAX_GROWTH,
        "resident memory grew from {before} to {after} bytes over {requests} requests \
         (bound: {MAX_GROWTH})"
    );

    // The request log answer stays within its 16 MiB bound, however the ids escape in JSON.
    let log = send(emu.addr(), control(&emu, "GET", "/_emulator/requests", "")).await;
    assert_eq!(log.status, 200);
    assert!(log.body.len() <= 16 << 20, "{} bytes", log.body.len());
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&log.body).unwrap();
    assert!(!entries.is_empty());
    println!(
        "soak: GET /_emulator/requests answered {} entries in {} bytes",
        entries.len(),
        log.body.len()
    );

    // And a good request is still served.
    let chat = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#;
    let good = Signer::example().request(
        "POST",
        emu.addr(),
        &format!(
            "/model/{}/invoke",
            encode_id("anthropic.claude-3-haiku-20240307-v1:0")
        ),
        Some("application/json"),
        chat,
    );
    assert_eq!(send(emu.addr(), good).await.status, 200);
}
