//! A small HTTP/1 client for the emulator tests, and SigV4 signing as the AWS SDKs do it.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::SystemTime;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::Message;
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;

/// What came back: status, headers, and the body up to an error if the connection dropped.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Set when the body ended with an error (a dropped connection) instead of its end.
    pub body_error: Option<String>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error type name from `x-amzn-ErrorType`, before the first `:`.
    pub fn error_type(&self) -> Option<&str> {
        self.header("x-amzn-errortype")
            .map(|t| t.split(':').next().unwrap_or(t))
    }

    /// The event-stream messages in the body.
    pub fn frames(&self) -> Vec<Message> {
        let mut decoder = MessageFrameDecoder::new();
        let mut buf: &[u8] = &self.body;
        let mut out = Vec::new();
        while !buf.is_empty() {
            match decoder
                .decode_frame(&mut buf)
                .expect("valid event-stream frame")
            {
                DecodedFrame::Complete(m) => out.push(m),
                DecodedFrame::Incomplete => break,
            }
        }
        out
    }
}

/// A header of an event-stream message, as a string.
pub fn frame_header<'a>(m: &'a Message, name: &str) -> Option<&'a str> {
    m.headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| h.value().as_string().ok())
        .map(|s| s.as_str())
}

/// The model's own JSON chunk inside a `chunk` event.
pub fn chunk_json(m: &Message) -> serde_json::Value {
    let payload: serde_json::Value = serde_json::from_slice(m.payload()).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload["bytes"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Sends one request on a fresh connection.
pub async fn send(addr: SocketAddr, req: Request<Full<Bytes>>) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the emulator");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let response = sender.send_request(req).await.expect("response head");
    let (parts, mut body) = response.into_parts();
    let mut collected = Vec::new();
    let mut body_error = None;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => {
                if let Some(d) = f.data_ref() {
                    collected.extend_from_slice(d);
                }
            }
            Err(e) => {
                body_error = Some(e.to_string());
                break;
            }
        }
    }
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: Bytes::from(collected),
        body_error,
    }
}

/// An unsigned request.
pub fn plain(
    method: &str,
    addr: SocketAddr,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> Request<Full<Bytes>> {
    let body = body.into();
    let mut b = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("host", addr.to_string())
        .header("content-length", body.len());
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(Full::new(body)).unwrap()
}

/// A control request (`/_emulator/...`) carrying the emulator's control token and a JSON
/// content type.
pub fn control(
    emulator: &bedrock_emulator::EmulatorHandle,
    method: &str,
    path: &str,
    body: impl Into<Bytes>,
) -> Request<Full<Bytes>> {
    let mut req = plain(method, emulator.addr(), path, None, body);
    req.headers_mut().extend(emulator.control_headers());
    req
}

/// Who signs and for where.
#[derive(Clone)]
pub struct Signer {
    pub access_key_id: String,
    pub secret: String,
    pub session_token: Option<String>,
    pub region: String,
}

impl Signer {
    pub fn example() -> Self {
        Signer {
            access_key_id: "AKIDEXAMPLE".into(),
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            region: "us-east-1".into(),
        }
    }

    pub fn region(mut self, region: &str) -> Self {
        self.region = region.into();
        self
    }

    /// Signs `req` in place with aws-sigv4, as the Rust SDK does (path encoded twice).
    pub fn sign(&self, req: Request<Full<Bytes>>, body: &[u8]) -> Request<Full<Bytes>> {
        self.sign_payload(
            req,
            aws_sigv4::http_request::SignableBody::Bytes(body),
            false,
            SystemTime::now(),
        )
    }

    /// Signs `req` at `time` with this payload hash; with `declare`, the hash is also sent (and
    /// signed) in `x-amz-content-sha256`, as S3 clients do.
    pub fn sign_payload(
        &self,
        mut req: Request<Full<Bytes>>,
        payload: aws_sigv4::http_request::SignableBody<'_>,
        declare: bool,
        time: SystemTime,
    ) -> Request<Full<Bytes>> {
        use aws_sigv4::http_request::{
            PayloadChecksumKind, SignableRequest, SigningSettings, sign,
        };
        let mut settings = SigningSettings::default();
        if declare {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let creds = aws_credential_types::Credentials::new(
            &self.access_key_id,
            &self.secret,
            self.session_token.clone(),
            None,
            "emulator-tests",
        );
        let identity = creds.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("bedrock")
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let uri = req.uri().to_string();
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let signable = SignableRequest::new(
            req.method().as_str(),
            uri,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            payload,
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut req);
        req
    }

    /// A signed request.
    pub fn request(
        &self,
        method: &str,
        addr: SocketAddr,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Bytes>,
    ) -> Request<Full<Bytes>> {
        let body: Bytes = body.into();
        self.sign(plain(method, addr, path, content_type, body.clone()), &body)
    }
}

/// Percent-encodes a model id for one path segment, as the SDKs do (`:` -> `%3A`, `/` -> `%2F`).
pub fn encode_id(id: &str) -> String {
    let mut out = String::new();
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request's head as HTTP/1.1 bytes, for clients that send the body themselves (or never).
pub fn head_bytes<B>(req: &Request<B>) -> Vec<u8> {
    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut out = format!("{} {target} HTTP/1.1\r\n", req.method()).into_bytes();
    for (name, value) in req.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// One response read off a raw connection: status, lower-cased headers, and a body of
/// `content-length` bytes.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn error_type(&self) -> Option<&str> {
        self.header("x-amzn-errortype")
            .map(|t| t.split(':').next().unwrap_or(t))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Reads one response (head and a `content-length` body) from a raw connection.
pub async fn read_reply(tcp: &mut tokio::net::TcpStream) -> std::io::Result<RawReply> {
    use tokio::io::AsyncReadExt as _;
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("closed after {} bytes", buf.len()),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(RawReply {
        status,
        headers,
        body,
    })
}

/// Reads until the server closes the connection (end of file or a reset) and returns what
/// came; fails if it is still open after `bound`.
pub async fn read_until_closed(
    tcp: &mut tokio::net::TcpStream,
    bound: std::time::Duration,
) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncReadExt as _;
    let mut got = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    };
    match tokio::time::timeout(bound, read).await {
        Ok(()) => Ok(got),
        Err(_) => Err(format!(
            "the connection is still open after {bound:?} ({} bytes received)",
            got.len()
        )),
    }
}

/// The process's resident memory in bytes (`VmRSS` in /proc/self/status).
#[cfg(target_os = "linux")]
pub fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line");
    kib * 1024
}

/// A small deterministic generator (SplitMix64) for test data.
pub struct TestRng(pub u64);

impl TestRng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}
