//! The `event_stream` target: `application/vnd.amazon.eventstream` bytes decoded as the AWS
//! backend's SDK receiver decodes InvokeModelWithResponseStream (and as the emulator's tests
//! read what the emulator encodes), then every `chunk` through every adapter's stream parser.
//!
//! The SDK's own unmarshaller is private to `aws-sdk-bedrockruntime`, so this target takes the
//! same steps with the same decoder: `MessageFrameDecoder::decode_frame` over a buffer that
//! grows by network reads, `:message-type` / `:event-type` headers, the `{"bytes": base64}`
//! payload, and then our code, `ModelAdapter::parse_stream_chunk`.

use aws_smithy_eventstream::frame::{
    DecodedFrame, MessageFrameDecoder, read_message_from, write_message_to,
};
use aws_smithy_types::event_stream::Message;
use base64::Engine as _;
use bytes::BytesMut;

use crate::adapters::routes;

/// Byte 0 is the size of each network read minus one (1 to 256 bytes); the rest is the wire.
/// Properties: every decoded frame re-encodes (as the emulator encodes) to a frame that decodes
/// to the same message; nothing panics.
pub fn event_stream(data: &[u8]) {
    let Some((&read_size, wire)) = data.split_first() else {
        return;
    };
    let mut decoder = MessageFrameDecoder::new();
    let mut buffered = BytesMut::new();
    for read in wire.chunks(usize::from(read_size) + 1) {
        buffered.extend_from_slice(read);
        loop {
            match decoder.decode_frame(&mut buffered) {
                Ok(DecodedFrame::Complete(message)) => handle(&message),
                Ok(DecodedFrame::Incomplete) => break,
                // A receiver ends the stream at the first bad frame.
                Err(_) => return,
            }
        }
    }
}

fn handle(message: &Message) {
    let mut encoded = Vec::new();
    if write_message_to(message, &mut encoded).is_ok() {
        match read_message_from(encoded.as_slice()) {
            Ok(decoded) => assert_eq!(&decoded, message, "a decoded frame re-encodes to itself"),
            Err(err) => panic!("a re-encoded frame does not decode: {err}"),
        }
    }
    let header = |name: &str| {
        message
            .headers()
            .iter()
            .find(|h| h.name().as_str() == name)
            .and_then(|h| h.value().as_string().ok())
            .map(|s| s.as_str())
    };
    let payload: serde_json::Value = match serde_json::from_slice(message.payload()) {
        Ok(v) => v,
        Err(_) => return,
    };
    match (header(":message-type"), header(":event-type")) {
        (Some("event"), Some("chunk")) => {
            let Some(encoded) = payload.get("bytes").and_then(|b| b.as_str()) else {
                return;
            };
            let Ok(chunk) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
                return;
            };
            for r in routes() {
                let _ = r.adapter.parse_stream_chunk(&r.route, &chunk);
            }
        }
        (Some("exception"), _) => {
            let _ = (header(":exception-type"), payload.get("message"));
        }
        _ => {}
    }
}
