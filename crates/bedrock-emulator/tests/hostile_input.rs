//! Issue 17 over real TCP: bodies refused before they are read, stalled connections closed,
//! the connection cap, literal payload hashes and the control endpoints' guards. Each test
//! checks afterwards that a good signed request is still served.
//!
//! The tests take one lock, so they run one at a time and the memory figures read from
//! /proc/self/status are this test's alone.

mod common;

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::SignableBody;
use bedrock_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use common::{Signer, control, encode_id, head_bytes, plain, read_reply, read_until_closed, send};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const CHAT: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":20,"messages":[{"role":"user","content":"Name a river."}]}"#;

/// How long a test waits for something that should happen at once (or after a 200 ms
/// timeout) before calling it a failure. Generous: the machine may be busy.
const BOUND: Duration = Duration::from_secs(15);

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn invoke_path() -> String {
    format!("/model/{}/invoke", encode_id(HAIKU))
}

async fn start(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::builder()
        .config(config)
        .start()
        .await
        .expect("emulator starts")
}

/// A good signed InvokeModel is answered 200.
async fn assert_serves_a_good_request(emu: &EmulatorHandle) {
    let reply = send(
        emu.addr(),
        Signer::example().request(
            "POST",
            emu.addr(),
            &invoke_path(),
            Some("application/json"),
            CHAT,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}

/// The head of an InvokeModel whose body would be `len` bytes.
fn upload_head(addr: std::net::SocketAddr, len: usize) -> http::Request<()> {
    http::Request::builder()
        .method("POST")
        .uri(invoke_path())
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .header("content-length", len)
        .body(())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_uploads_are_refused_before_their_bodies_are_read() {
    let _serial = SERIAL.lock().await;
    let emu = start(EmulatorConfig::default()).await;
    let addr = emu.addr();
    let before = common::resident_bytes();

    // Twenty uploads announcing 25,000,000 bytes each (the limit), sending only their heads:
    // unsigned, signed with an unknown key, and signed by the right key an hour ago. Each is
    // answered 403 while not one byte of its body exists yet, so nothing was buffered.
    let mut open = Vec::new();
    for i in 0..20 {
        let mut head = upload_head(addr, 25_000_000);
        let expected = match i % 3 {
            0 => "MissingAuthenticationTokenException",
            1 => {
                let signed = Signer {
                    access_key_id: "AKIDUNKNOWN".into(),
                    ..Signer::example()
                }
                .request(
                    "POST",
                    addr,
                    &invoke_path(),
                    Some("application/json"),
                    "",
                );
                head.headers_mut().extend(
                    signed
                        .headers()
                        .iter()
                        .filter(|(n, _)| n.as_str() != "content-length")
                        .map(|(n, v)| (n.clone(), v.clone())),
                );
                "UnrecognizedClientException"
            }
            _ => {
                let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
                let req = plain("POST", addr, &invoke_path(), Some("application/json"), "");
                let signed = Signer::example().sign_payload(
                    req,
                    SignableBody::Bytes(b""),
                    false,
                    an_hour_ago,
                );
                head.headers_mut().extend(
                    signed
                        .headers()
                        .iter()
                        .filter(|(n, _)| n.as_str() != "content-length")
                        .map(|(n, v)| (n.clone(), v.clone())),
                );
                "InvalidSignatureException"
            }
        };
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&head_bytes(&head)).await.unwrap();
        let reply = tokio::time::timeout(BOUND, read_reply(&mut tcp))
            .await
            .expect("the emulator answers from the head alone, before any body byte is sent")
            .unwrap();
        assert_eq!(
            (reply.status, reply.error_type()),
            (403, Some(expected)),
            "{i}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        open.push(tcp);
    }
    // The clients send a megabyte each anyway: the emulator reads and drops it.
    let megabyte = vec![b'x'; 1 << 20];
    for tcp in &mut open {
        tcp.write_all(&megabyte).await.unwrap();
    }
    let after = common::resident_bytes();
    // Bound: 20 MB. Buffering the announced bodies would take 500 MB; buffering what was
    // sent, 20 MB plus the copies.
    assert!(
        after.saturating_sub(before) < 20 << 20,
        "resident memory grew from {before} to {after} bytes"
    );
    drop(open);
    assert!(emu.simulator().request_log().is_empty());
    assert_serves_a_good_request(&emu).await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_are_closed_after_the_timeouts() {
    let _serial = SERIAL.lock().await;
    let emu = start(EmulatorConfig {
        header_read_timeout_ms: 200,
        body_read_timeout_ms: 200,
        ..EmulatorConfig::default()
    })
    .await;
    let addr = emu.addr();
    let before = common::resident_bytes();

    // Nothing sent at all; 200 of them at once.
    let mut silent = Vec::new();
    for _ in 0..200 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    for tcp in &mut silent {
        read_until_closed(tcp, BOUND).await.unwrap();
    }

    // Part of a head.
    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial
        .write_all(b"POST /model/x/invoke HTTP/1.1\r\nhost: a\r\ncontent-type: appl")
        .await
        .unwrap();
    read_until_closed(&mut partial, BOUND).await.unwrap();

    // A signed head and part of its body: 408, then the connection closes.
    let signed =
        Signer::example().request("POST", addr, &invoke_path(), Some("application/json"), CHAT);
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(&head_bytes(&signed)).await.unwrap();
    slow.write_all(&CHAT.as_bytes()[..10]).await.unwrap();
    let rest = read_until_closed(&mut slow, BOUND).await.unwrap();
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.starts_with("HTTP/1.1 408") && text.contains("RequestTimeoutException"),
        "{text}"
    );

    // A keep-alive connection left idle after its answer.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(&head_bytes(&signed)).await.unwrap();
    idle.write_all(CHAT.as_bytes()).await.unwrap();
    let reply = read_reply(&mut idle).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(read_until_closed(&mut idle, BOUND).await.unwrap(), b"");

    let after = common::resident_bytes();
    // Bound: 20 MB for 203 connections that are all gone again.
    assert!(
        after.saturating_sub(before) < 20 << 20,
        "resident memory grew from {before} to {after} bytes"
    );
    assert_serves_a_good_request(&emu).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_answered_503() {
    let _serial = SERIAL.lock().await;
    let emu = start(EmulatorConfig {
        max_connections: 2,
        ..EmulatorConfig::default()
    })
    .await;
    let addr = emu.addr();
    let signed =
        Signer::example().request("POST", addr, &invoke_path(), Some("application/json"), CHAT);
    // Connections are accepted in the order they were made: two silent ones hold the two
    // places, two more the two places for 503 answers.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Past twice the cap, a connection is closed unanswered.
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    let _ = fifth.write_all(&head_bytes(&signed)).await;
    assert_eq!(read_until_closed(&mut fifth, BOUND).await.unwrap(), b"");
    let serving = held.drain(..2).collect::<Vec<_>>();
    drop(held);

    // Once the 503 places are free, an extra connection is answered 503 (it may take the
    // emulator a moment to see those two connections close).
    let deadline = tokio::time::Instant::now() + BOUND;
    let reply = loop {
        let mut extra = TcpStream::connect(addr).await.unwrap();
        let _ = extra.write_all(&head_bytes(&signed)).await;
        let _ = extra.write_all(CHAT.as_bytes()).await;
        if let Ok(Ok(reply)) = tokio::time::timeout(BOUND, read_reply(&mut extra)).await {
            break reply;
        }
        assert!(tokio::time::Instant::now() < deadline, "no 503 answer");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        (reply.status, reply.error_type()),
        (503, Some("ServiceUnavailableException"))
    );
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("max_connections") && message.contains('2'),
        "{message}"
    );
    assert_eq!(reply.header("connection"), Some("close"));

    // Once the held connections close, requests are served again.
    drop(serving);
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        let reply = send(
            addr,
            Signer::example().request("POST", addr, &invoke_path(), Some("application/json"), CHAT),
        )
        .await;
        if reply.status == 200 {
            break;
        }
        assert_eq!(reply.status, 503);
        assert!(
            tokio::time::Instant::now() < deadline,
            "still 503 once the held connections closed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn oversized_heads_are_answered_431() {
    let _serial = SERIAL.lock().await;
    let emu = start(EmulatorConfig::default()).await;
    let addr = emu.addr();
    // A 70 KiB header, then 101 small ones: past 64 KiB, past 100 headers.
    let long = format!("x-padding: {}\r\n", "p".repeat(70 * 1024));
    let many: String = (0..101).map(|i| format!("x-h{i}: v\r\n")).collect();
    for extra in [long, many] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let head = format!("GET /foundation-models HTTP/1.1\r\nhost: {addr}\r\n{extra}\r\n");
        let _ = tcp.write_all(head.as_bytes()).await;
        let answer = read_until_closed(&mut tcp, BOUND).await.unwrap();
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    }
    assert_serves_a_good_request(&emu).await;
}

#[tokio::test]
async fn literal_payload_hashes_are_refused() {
    let _serial = SERIAL.lock().await;
    let emu = start(EmulatorConfig::default()).await;
    let addr = emu.addr();
    // Same length, so the signed `content-length` still holds.
    let replaced = CHAT.replace("river", "ocean");

    for literal in [
        "UNSIGNED-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    ] {
        // Signed with the literal as the payload hash, then sent with another body: the
        // signature holds, so only refusing the literal stops the swap.
        let req = plain("POST", addr, &invoke_path(), Some("application/json"), CHAT);
        let mut signed = Signer::example().sign_payload(
            req,
            SignableBody::Precomputed(literal.to_owned()),
            true,
            SystemTime::now(),
        );
        assert_eq!(
            signed.headers()["x-amz-content-sha256"].to_str().unwrap(),
            literal
        );
        *signed.body_mut() = http_body_util::Full::new(bytes::Bytes::from(replaced.clone()));
        let reply = send(addr, signed).await;
        assert_eq!(
            (reply.status, reply.error_type()),
            (403, Some("InvalidSignatureException")),
            "{literal}"
        );
        let message = reply.json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains(literal) && message.contains("SHA-256"),
            "{message}"
        );
    }
    assert!(emu.simulator().request_log().is_empty());

    // A declared digest of the body is fine; one of another body is not.
    let req = plain("POST", addr, &invoke_path(), Some("application/json"), CHAT);
    let declared = Signer::example().sign_payload(
        req,
        SignableBody::Bytes(CHAT.as_bytes()),
        true,
        SystemTime::now(),
    );
    assert!(declared.headers().contains_key("x-amz-content-sha256"));
    assert_eq!(send(addr, declared).await.status, 200);
    let req = plain("POST", addr, &invoke_path(), Some("application/json"), CHAT);
    let mut swapped = Signer::example().sign_payload(
        req,
        SignableBody::Bytes(CHAT.as_bytes()),
        true,
        SystemTime::now(),
    );
    *swapped.body_mut() = http_body_util::Full::new(bytes::Bytes::from(replaced.clone()));
    let reply = send(addr, swapped).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (403, Some("InvalidSignatureException"))
    );
    assert_serves_a_good_request(&emu).await;
}

#[tokio::test]
async fn control_endpoints_need_the_token_json_and_no_origin() {
    let _serial = SERIAL.lock().await;
    let emu = start(EmulatorConfig::default()).await;
    let addr = emu.addr();
    let rule = r#"{"fault":{"type":"throttling"}}"#;
    let rejected = |reply: &common::Reply, status: u16, what: &str| {
        assert_eq!(
            reply.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert!(reply.json()["message"].is_string(), "{what}");
    };

    // What a cross-site form can send: no token, a text content type.
    for path in ["/_emulator/faults", "/_emulator/reset"] {
        let reply = send(addr, plain("POST", addr, path, Some("text/plain"), rule)).await;
        rejected(&reply, 403, path);
        assert!(
            reply.json()["message"]
                .as_str()
                .unwrap()
                .contains("control token")
        );
    }
    let reply = send(addr, plain("GET", addr, "/_emulator/requests", None, "")).await;
    rejected(&reply, 403, "unauthenticated log read");
    let mut wrong = control(&emu, "POST", "/_emulator/faults", rule);
    wrong.headers_mut().insert(
        "authorization",
        "Bearer 0123456789abcdef0123456789abcdef".parse().unwrap(),
    );
    rejected(&send(addr, wrong).await, 403, "a wrong token");

    // The token, but not JSON.
    let mut text = control(&emu, "POST", "/_emulator/faults", rule);
    text.headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    let reply = send(addr, text).await;
    rejected(&reply, 415, "text/plain");
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );

    // The token and JSON, from a web page.
    let mut from_page = control(&emu, "POST", "/_emulator/faults", rule);
    from_page
        .headers_mut()
        .insert("origin", "http://attacker.example".parse().unwrap());
    rejected(&send(addr, from_page).await, 403, "a foreign Origin");
    let mut same_host = control(&emu, "GET", "/_emulator/faults", "");
    same_host
        .headers_mut()
        .insert("origin", format!("http://{addr}").parse().unwrap());
    rejected(
        &send(addr, same_host).await,
        403,
        "an Origin naming the emulator",
    );
    assert!(
        emu.simulator().faults().is_empty(),
        "no refused call installed a fault"
    );

    // The token with JSON works; so do the emulator's own credentials.
    let reply = send(addr, control(&emu, "POST", "/_emulator/faults", rule)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(emu.simulator().faults().len(), 1);
    let signed = Signer::example().request(
        "DELETE",
        addr,
        "/_emulator/faults",
        Some("application/json"),
        "",
    );
    assert_eq!(send(addr, signed).await.status, 200);
    assert!(emu.simulator().faults().is_empty());
    let unknown = Signer {
        access_key_id: "AKIDUNKNOWN".into(),
        ..Signer::example()
    }
    .request("GET", addr, "/_emulator/faults", None, "");
    rejected(&send(addr, unknown).await, 403, "an unknown key");

    // The fault list is bounded: rules with 100 kB messages until the list would pass 1 MiB.
    let big_rule = serde_json::json!({
        "fault": {"type": "validation", "message": "m".repeat(100_000)}
    })
    .to_string();
    let mut refused = None;
    for i in 0..20 {
        let reply = send(
            addr,
            control(&emu, "POST", "/_emulator/faults", big_rule.clone()),
        )
        .await;
        if reply.status != 200 {
            refused = Some((i, reply));
            break;
        }
    }
    let (installed, reply) = refused.expect("the fault list stops growing");
    assert_eq!(installed, 10);
    assert_eq!(reply.error_type(), Some("ValidationException"));
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("1048576"),
        "{}",
        reply.json()
    );
    assert_eq!(emu.simulator().faults().len(), 10);
    emu.simulator().set_faults(Vec::new());
    assert_serves_a_good_request(&emu).await;
}

#[tokio::test]
async fn control_tokens_are_random_configurable_and_required_without_auth() {
    let _serial = SERIAL.lock().await;
    let a = start(EmulatorConfig::default()).await;
    let b = start(EmulatorConfig::default()).await;
    assert_eq!(a.control_token().len(), 32);
    assert_ne!(a.control_token(), b.control_token());
    // One emulator's token does not open another's.
    let mut other = control(&a, "GET", "/_emulator/faults", "");
    other.headers_mut().extend(b.control_headers());
    assert_eq!(send(a.addr(), other).await.status, 403);

    let configured = start(EmulatorConfig {
        control_token: Some("test-token-0123456789".into()),
        no_auth: true,
        ..EmulatorConfig::default()
    })
    .await;
    assert_eq!(configured.control_token(), "test-token-0123456789");
    let addr = configured.addr();
    assert_eq!(
        send(addr, control(&configured, "GET", "/_emulator/requests", ""))
            .await
            .status,
        200
    );
    // Without authentication, Bedrock calls need no signature, but control calls still need
    // the token: a signature proves nothing when none is checked.
    let signed = Signer::example().request("GET", addr, "/_emulator/requests", None, "");
    assert_eq!(send(addr, signed).await.status, 403);

    let err = Emulator::builder()
        .config(EmulatorConfig {
            control_token: Some("short".into()),
            ..EmulatorConfig::default()
        })
        .start()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("control_token") && err.contains("16"), "{err}");
}

#[tokio::test]
async fn binding_beyond_loopback_comes_with_a_warning() {
    let _serial = SERIAL.lock().await;
    let local = start(EmulatorConfig::default()).await;
    assert_eq!(local.exposure_warning(), None);
    let open = Emulator::builder()
        .bind("0.0.0.0:0")
        .start()
        .await
        .expect("binds to every interface");
    let warning = open.exposure_warning().expect("a warning");
    assert!(warning.contains("beyond loopback"), "{warning}");
}

#[test]
fn limits_are_validated_with_their_ranges() {
    for (json, field, range) in [
        (r#"{"max_connections": 0}"#, "max_connections", "1 to 65536"),
        (
            r#"{"header_read_timeout_ms": 0}"#,
            "header_read_timeout_ms",
            "1 to 3600000",
        ),
        (
            r#"{"body_read_timeout_ms": 3600001}"#,
            "body_read_timeout_ms",
            "1 to 3600000",
        ),
        (
            r#"{"control_token": "has spaces in it, not allowed"}"#,
            "control_token",
            "A-Z",
        ),
    ] {
        let err = EmulatorConfig::from_json(json).unwrap_err().to_string();
        assert!(err.contains(field) && err.contains(range), "{json}: {err}");
    }
    let c = EmulatorConfig::from_toml(
        "max_connections = 8\nheader_read_timeout_ms = 250\nbody_read_timeout_ms = 500\n\
         control_token = \"0123456789abcdef\"\n",
    )
    .unwrap();
    assert_eq!(
        (
            c.max_connections,
            c.header_read_timeout_ms,
            c.body_read_timeout_ms,
            c.control_token.as_deref()
        ),
        (8, 250, 500, Some("0123456789abcdef"))
    );
    let again: EmulatorConfig = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
    assert_eq!(again, c);
}
