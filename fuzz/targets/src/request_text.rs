//! The text form of an HTTP request that the `sigv4` and `emulator` targets read, close to
//! HTTP/1.1 so that seeds are readable and mutations stay meaningful.
//!
//! ```text
//! POST /model/anthropic.claude-v2/invoke [FLAGS]
//! content-type: application/json
//! x-amz-date: 20240501T101500Z
//!
//! {"prompt": "..."}
//! ```
//!
//! Lines end in `\n` (a `\r` before it is dropped); the first empty line ends the head and the
//! rest is the body. Header lines without a `:` are skipped. `FLAGS` are words the targets read
//! (`sigv4`: `sign`; `emulator`: `unsigned`, `sign-s3`, `sign-sts`, `sign-rolesanywhere`,
//! `sign-bedrock`).

/// At most this many header lines are read, so one input stays cheap to run.
pub const MAX_HEADERS: usize = 64;

/// A request read from its text form; everything borrows from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRequest<'a> {
    /// The method token as written.
    pub method: &'a str,
    /// The request target as written (path and query, still percent-encoded).
    pub target: &'a str,
    /// The words after the target.
    pub flags: Vec<&'a str>,
    /// Header names and values as written, in order.
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    /// Everything after the first empty line.
    pub body: &'a [u8],
}

impl<'a> TextRequest<'a> {
    /// Reads a request; `None` when the first line is not UTF-8 or has no target.
    pub fn parse(input: &'a [u8]) -> Option<Self> {
        let (head, body) = split_head(input);
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let first = std::str::from_utf8(lines.next()?).ok()?;
        let mut words = first.split(' ');
        let method = words.next()?;
        let target = words.next()?;
        let flags = words.filter(|w| !w.is_empty()).collect();
        let headers = lines
            .filter_map(|line| {
                let colon = line.iter().position(|&b| b == b':')?;
                let (name, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                Some((name, value.trim_ascii_start()))
            })
            .take(MAX_HEADERS)
            .collect();
        Some(TextRequest {
            method,
            target,
            flags,
            headers,
            body,
        })
    }

    /// Whether `flag` is among the words after the target.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// The headers that are valid HTTP names and values, as an `http::HeaderMap`.
    pub fn header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name),
                http::HeaderValue::from_bytes(value),
            ) {
                map.append(name, value);
            }
        }
        map
    }
}

/// Splits at the first empty line (`\n\n` or `\r\n\r\n`); no empty line means no body.
fn split_head(input: &[u8]) -> (&[u8], &[u8]) {
    let mut line_start = 0;
    for (i, &b) in input.iter().enumerate() {
        if b == b'\n' {
            let line = input.get(line_start..i).unwrap_or_default();
            if (line.is_empty() || line == b"\r") && line_start > 0 {
                let head = input
                    .get(..line_start.saturating_sub(1))
                    .unwrap_or_default();
                let body = input.get(i + 1..).unwrap_or_default();
                return (head, body);
            }
            line_start = i + 1;
        }
    }
    (input, &[])
}

/// Writes a request in the text form, the inverse of [`TextRequest::parse`] for requests
/// whose parts hold no line breaks.
pub fn write(
    method: &str,
    target: &str,
    flags: &[&str],
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    for flag in flags {
        out.push(b' ');
        out.extend_from_slice(flag.as_bytes());
    }
    out.push(b'\n');
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_write_writes() {
        let text = write(
            "POST",
            "/model/a.b/invoke",
            &["sign"],
            &[("content-type", "application/json"), ("x-a", "1:2")],
            b"{\"a\":\n\n1}",
        );
        let req = TextRequest::parse(&text).unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.target, "/model/a.b/invoke");
        assert!(req.has_flag("sign"));
        assert_eq!(
            req.headers,
            vec![
                (&b"content-type"[..], &b"application/json"[..]),
                (&b"x-a"[..], &b"1:2"[..])
            ]
        );
        assert_eq!(req.body, b"{\"a\":\n\n1}");
    }

    #[test]
    fn crlf_heads_and_missing_bodies() {
        let req = TextRequest::parse(b"GET /x\r\nhost: h\r\n\r\nbody").unwrap();
        assert_eq!(req.headers, vec![(&b"host"[..], &b"h"[..])]);
        assert_eq!(req.body, b"body");
        let req = TextRequest::parse(b"GET /x\nhost: h").unwrap();
        assert_eq!(req.body, b"");
        assert!(TextRequest::parse(b"GET").is_none());
        assert!(TextRequest::parse(b"").is_none());
    }
}
