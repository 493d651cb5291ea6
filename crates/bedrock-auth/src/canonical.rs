//! The pieces of a SigV4 canonical request (URI, query, header values, hashes), built by hand
//! so a verifier can rebuild exactly what a client signed from the request it received.

use std::borrow::Cow;
use std::fmt::Write as _;

/// SHA-256 of the empty payload, hex encoded.
#[cfg(test)]
pub(crate) const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_sha256_hex(&mut out, data);
    out
}

/// Appends the lower-case hex SHA-256 of `data` to `out`.
pub(crate) fn push_sha256_hex(out: &mut String, data: &[u8]) {
    push_hex_lower(
        out,
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref(),
    );
}

pub(crate) const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Lower-case hex encoding.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex_lower(&mut out, bytes);
    out
}

/// Appends the lower-case hex encoding of `bytes` to `out`.
pub(crate) fn push_hex_lower(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for &byte in bytes {
        push_hex_byte(out, HEX_LOWER, byte);
    }
}

/// Appends the two hex digits of `byte`, spelled with `digits`.
fn push_hex_byte(out: &mut String, digits: &[u8; 16], byte: u8) {
    let [high, low] = hex_pair(digits, byte);
    out.push(char::from(high));
    out.push(char::from(low));
}

/// The two hex digits of `byte`, spelled with `digits` (`HEX_LOWER`, `HEX_UPPER`).
#[allow(
    clippy::indexing_slicing,
    reason = "a nibble (`byte >> 4`, `byte & 0xf`) is below 16, the length of `digits`"
)]
pub(crate) fn hex_pair(digits: &[u8; 16], byte: u8) -> [u8; 2] {
    [
        digits[usize::from(byte >> 4)],
        digits[usize::from(byte & 0xf)],
    ]
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// SigV4 URI encoding: every byte but the unreserved ones (and `/` when `keep_slash`) becomes
/// `%XX` with upper-case hex.
fn uri_encode(input: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    push_uri_encoded(&mut out, input, keep_slash);
    out
}

/// [`uri_encode`], appended to `out`.
fn push_uri_encoded(out: &mut String, input: &[u8], keep_slash: bool) {
    out.reserve(input.len());
    let kept = |byte: u8| is_unreserved(byte) || (keep_slash && byte == b'/');
    // Each chunk is a run of bytes that stay as they are (ASCII, hence UTF-8), copied in one
    // go, then (but for a last chunk with none) the one byte to escape.
    for chunk in input.split_inclusive(|&b| !kept(b)) {
        let (run, escaped) = match chunk.split_last() {
            Some((&last, run)) if !kept(last) => (run, Some(last)),
            _ => (chunk, None),
        };
        out.push_str(std::str::from_utf8(run).unwrap_or_default());
        if let Some(byte) = escaped {
            out.push('%');
            push_hex_byte(out, HEX_UPPER, byte);
        }
    }
}

/// Percent-decodes a query component the way `application/x-www-form-urlencoded` does
/// (`+` is a space); malformed escapes are kept literally.
fn query_decode(input: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input.as_bytes();
    while let Some((&byte, after)) = rest.split_first() {
        rest = after;
        match (byte, after) {
            (b'+', _) => out.push(b' '),
            (b'%', [high, low, after_escape @ ..]) => match (hex_value(*high), hex_value(*low)) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    rest = after_escape;
                }
                _ => out.push(b'%'),
            },
            (other, _) => out.push(other),
        }
    }
    out
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Removes `.` and `..` segments and empty segments from an absolute path (RFC 3986 5.2.4 as
/// SigV4 applies it), keeping a trailing slash.
fn normalize_path(path: &str) -> Cow<'_, str> {
    let path: Cow<'_, str> = if path.starts_with('/') {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(format!("/{path}"))
    };
    // Nothing to remove: no `.` or `..` segment and no empty one but a trailing slash's.
    if !path.contains("//")
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
    {
        return path;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalized = format!("/{}", segments.join("/"));
    let trailing = ["/", "/.", "/.."].iter().any(|end| path.ends_with(end));
    if trailing && !normalized.ends_with('/') {
        normalized.push('/');
    }
    Cow::Owned(normalized)
}

/// Canonical URI for every service but S3: the received (already percent-encoded) path,
/// normalised, then encoded once more, so `%3A` becomes `%253A`.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let mut out = String::new();
    push_canonical_uri(&mut out, raw_path);
    out
}

/// [`canonical_uri`], appended to `out`.
pub(crate) fn push_canonical_uri(out: &mut String, raw_path: &str) {
    if raw_path.is_empty() {
        out.push('/');
    } else {
        push_uri_encoded(out, normalize_path(raw_path).as_bytes(), true);
    }
}

/// Canonical query string: each name and value decoded, re-encoded with the SigV4 rules,
/// sorted by name then value, joined with `&`.
pub(crate) fn canonical_query(raw_query: &str) -> String {
    if raw_query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // Decoded text that is not UTF-8 is read as the signer reads it (aws-sigv4 decodes
            // each parameter to a string, each invalid sequence becoming U+FFFD), so what the
            // SDKs sign verifies.
            let decode = |part: &str| String::from_utf8_lossy(&query_decode(part)).into_owned();
            (
                uri_encode(decode(name).as_bytes(), false),
                uri_encode(decode(value).as_bytes(), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Canonical form of one header's values: each trimmed, inner runs of spaces collapsed to one,
/// joined with `,`.
pub(crate) fn canonical_header_value<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    push_canonical_header_value(&mut out, values);
    out
}

/// [`canonical_header_value`], appended to `out`.
pub(crate) fn push_canonical_header_value<'a>(
    out: &mut String,
    values: impl IntoIterator<Item = &'a [u8]>,
) {
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // The usual value is already canonical: UTF-8, nothing to trim, no run of spaces.
        let is_space = |b: Option<&u8>| b.is_some_and(u8::is_ascii_whitespace);
        if !is_space(value.first())
            && !is_space(value.last())
            && !value.windows(2).any(|pair| pair == b"  ")
            && let Ok(text) = std::str::from_utf8(value)
        {
            out.push_str(text);
            continue;
        }
        let value = String::from_utf8_lossy(value);
        out.push_str(collapse_spaces(&value).trim_matches(|c: char| c.is_ascii_whitespace()));
    }
}

/// `value` with leading and trailing spaces removed and inner runs of spaces collapsed to one;
/// borrowed when there is nothing to change.
fn collapse_spaces(value: &str) -> Cow<'_, str> {
    if !value.starts_with(' ') && !value.ends_with(' ') && !value.contains("  ") {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    for part in value.split(' ').filter(|part| !part.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    Cow::Owned(out)
}

/// Joins the parts of a canonical request. `headers` are `(lower-case name, canonical value)`
/// in signed-header order.
pub(crate) fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    headers: &[(String, String)],
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{method}\n{canonical_uri}\n{canonical_query}");
    for (name, value) in headers {
        let _ = writeln!(out, "{name}:{value}");
    }
    let _ = write!(out, "\n{signed_headers}\n{payload_hash}");
    out
}

/// String to sign: algorithm, timestamp, scope and the hash of the canonical request.
pub(crate) fn string_to_sign(
    algorithm: &str,
    amz_date: &str,
    scope: &str,
    canonical_request: &str,
) -> String {
    format!(
        "{algorithm}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_is_encoded_once_more() {
        assert_eq!(
            canonical_uri("/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"),
            "/model/anthropic.claude-3-haiku-20240307-v1%253A0/invoke"
        );
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/example%20space/"), "/example%2520space/");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/a/./b/../c/"), "/a/c/");
        assert_eq!(canonical_uri("/a/.."), "/");
        assert_eq!(canonical_uri("/a:b"), "/a%3Ab");
        assert_eq!(
            canonical_uri("/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        );
    }

    #[test]
    fn query_is_sorted_and_encoded() {
        assert_eq!(
            canonical_query("Param2=value2&Param1=value1"),
            "Param1=value1&Param2=value2"
        );
        assert_eq!(
            canonical_query("Param1=value2&Param1=value1"),
            "Param1=value1&Param1=value2"
        );
        assert_eq!(canonical_query("b&a=1"), "a=1&b=");
        assert_eq!(
            canonical_query("q=a%20b&r=x%2Fy&s=a+b"),
            "q=a%20b&r=x%2Fy&s=a%20b"
        );
        assert_eq!(canonical_query("bad=%zz&end=%4"), "bad=%25zz&end=%254");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("a=1=2"), "a=1%3D2");
        // A decoded byte sequence that is not UTF-8 becomes U+FFFD, as the signer reads it.
        assert_eq!(canonical_query("q=%ea"), "q=%EF%BF%BD");
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        assert_eq!(canonical_header_value([b" value1 ".as_slice()]), "value1");
        assert_eq!(
            canonical_header_value([b"\"a   b   c\"".as_slice()]),
            "\"a b c\""
        );
        assert_eq!(
            canonical_header_value([b"value2".as_slice(), b"value1".as_slice()]),
            "value2,value1"
        );
    }

    #[test]
    fn header_value_whitespace_edge_cases() {
        let reference = |v: &str| {
            v.split(' ')
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
                .trim_matches(|c: char| c.is_ascii_whitespace())
                .to_owned()
        };
        for v in [
            "",
            " ",
            "   ",
            "a",
            " a",
            "a ",
            "a  b",
            "\t a \t",
            "a \t b",
            " \t a",
            "a\tb  c ",
            "x  y  z",
            "\"a   b\"",
            "é  ☃",
        ] {
            assert_eq!(
                canonical_header_value([v.as_bytes()]),
                reference(v),
                "{v:?}"
            );
        }
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex_lower(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(uri_encode(b"a b/\xff", true), "a%20b/%FF");
        assert_eq!(uri_encode(b"a/b", false), "a%2Fb");
    }

    #[test]
    fn empty_payload_hash() {
        assert_eq!(sha256_hex(b""), EMPTY_PAYLOAD_SHA256);
    }
}
