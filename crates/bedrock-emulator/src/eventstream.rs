//! `application/vnd.amazon.eventstream` frames: InvokeModelWithResponseStream's `chunk`
//! events, ConverseStream's typed events, and mid-stream exceptions.

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use base64::Engine as _;
use bytes::Bytes;

/// HTTP `Content-Type` of a streamed response.
pub(crate) const EVENT_STREAM_CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

fn string_header(name: &'static str, value: impl Into<String>) -> Header {
    Header::new(name, HeaderValue::String(value.into().into()))
}

fn encode(message: &Message) -> Bytes {
    let mut out = Vec::with_capacity(message.payload().len() + 128);
    // Writing fails only for headers or payloads past the format's size limits (16 MiB
    // payloads, 128 KiB headers); a model chunk that large is a simulator bug, so it becomes an
    // internal-error frame the client can read instead of a panic.
    if let Err(err) = write_message_to(message, &mut out) {
        return exception_frame(
            "internalServerException",
            &format!("could not encode an event: {err}"),
        );
    }
    Bytes::from(out)
}

/// One `chunk` event carrying the model's own JSON chunk, base64-encoded in `{"bytes": ...}`.
pub(crate) fn chunk_frame(chunk: &[u8]) -> Bytes {
    let payload = serde_json::json!({
        "bytes": base64::engine::general_purpose::STANDARD.encode(chunk),
    });
    let message = Message::new_from_parts(
        vec![
            string_header(":event-type", "chunk"),
            string_header(":content-type", "application/json"),
            string_header(":message-type", "event"),
        ],
        payload.to_string(),
    );
    encode(&message)
}

/// One event frame of a typed event stream (ConverseStream): `:event-type` names the event
/// (`contentBlockDelta`) and the payload is the event's JSON object.
pub(crate) fn event_frame(event_type: &str, payload: &[u8]) -> Bytes {
    let message = Message::new_from_parts(
        vec![
            string_header(":event-type", event_type),
            string_header(":content-type", "application/json"),
            string_header(":message-type", "event"),
        ],
        Bytes::copy_from_slice(payload),
    );
    encode(&message)
}

/// One exception frame: `:exception-type` in lowerCamel case (`throttlingException`) and a
/// `{"message": ...}` payload.
pub(crate) fn exception_frame(exception_type: &str, message: &str) -> Bytes {
    let payload = serde_json::json!({ "message": message });
    let message = Message::new_from_parts(
        vec![
            string_header(":exception-type", exception_type),
            string_header(":content-type", "application/json"),
            string_header(":message-type", "exception"),
        ],
        payload.to_string(),
    );
    encode(&message)
}

#[cfg(test)]
mod tests {
    use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};

    use super::*;

    fn header<'a>(m: &'a Message, name: &str) -> &'a str {
        m.headers()
            .iter()
            .find(|h| h.name().as_str() == name)
            .and_then(|h| h.value().as_string().ok())
            .map(|s| s.as_str())
            .unwrap_or_default()
    }

    fn decode_all(mut bytes: &[u8]) -> Vec<Message> {
        let mut decoder = MessageFrameDecoder::new();
        let mut out = Vec::new();
        while !bytes.is_empty() {
            match decoder.decode_frame(&mut bytes).unwrap() {
                DecodedFrame::Complete(m) => out.push(m),
                DecodedFrame::Incomplete => break,
            }
        }
        out
    }

    #[test]
    fn chunk_frames_decode_to_base64_json() {
        let mut wire = chunk_frame(br#"{"completion":"Hi"}"#).to_vec();
        wire.extend_from_slice(&chunk_frame(br#"{"completion":"!"}"#));
        let messages = decode_all(&wire);
        assert_eq!(messages.len(), 2);
        let m = &messages[0];
        assert_eq!(header(m, ":message-type"), "event");
        assert_eq!(header(m, ":event-type"), "chunk");
        assert_eq!(header(m, ":content-type"), "application/json");
        let payload: serde_json::Value = serde_json::from_slice(m.payload()).unwrap();
        let inner = base64::engine::general_purpose::STANDARD
            .decode(payload["bytes"].as_str().unwrap())
            .unwrap();
        assert_eq!(inner, br#"{"completion":"Hi"}"#);
    }

    #[test]
    fn exception_frames_carry_type_and_message() {
        let wire = exception_frame("throttlingException", "slow down");
        let messages = decode_all(&wire);
        let m = &messages[0];
        assert_eq!(header(m, ":message-type"), "exception");
        assert_eq!(header(m, ":exception-type"), "throttlingException");
        assert_eq!(m.payload().as_ref(), br#"{"message":"slow down"}"#);
    }
}
