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
    pub fn sign(&self, mut req: Request<Full<Bytes>>, body: &[u8]) -> Request<Full<Bytes>> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
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
            .time(SystemTime::now())
            .settings(SigningSettings::default())
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
            SignableBody::Bytes(body),
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
