//! The `sigv4` target: `bedrock_auth::verify_sigv4` (and so its `Authorization` header parser,
//! the `x-amz-date` parser and the canonical request) on any request, against the SigV4 test
//! suite's example key and a temporary key.

use std::time::{Duration, SystemTime};

use bedrock_auth::{
    Credentials, DEFAULT_MAX_SKEW, KnownCredential, SigningKeyCache, StaticCredentials,
    sign_request, verify_sigv4, verify_sigv4_scope,
};

use crate::request_text::TextRequest;

/// The SigV4 test suite's example access key, which the emulator accepts by default.
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// Its secret.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// A temporary key (same secret) that must come with [`SESSION_TOKEN`].
pub const TEMPORARY_ACCESS_KEY_ID: &str = "ASIAEXAMPLE";
/// The session token of [`TEMPORARY_ACCESS_KEY_ID`].
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";
/// `x-amz-date` of the seeds: the verifier's clock is two seconds later.
pub const SIGNED_AT: &str = "20240501T101500Z";

/// 2024-05-01T10:15:00Z.
pub fn signed_at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_558_500)
}

fn known() -> [(&'static str, KnownCredential); 2] {
    [
        (ACCESS_KEY_ID, KnownCredential::long_term(SECRET_ACCESS_KEY)),
        (
            TEMPORARY_ACCESS_KEY_ID,
            // Expired a minute after the seeds were signed, so that check is reachable too.
            KnownCredential::temporary(
                SECRET_ACCESS_KEY,
                SESSION_TOKEN,
                signed_at() + Duration::from_secs(60),
            ),
        ),
    ]
}

/// A request in the text form of [`crate::request_text`]. Properties: `verify_sigv4` and
/// `verify_sigv4_scope` give the same answer; with the flag `sign`, the request is first
/// signed by `bedrock_auth::sign_request` with the example key, and then it must verify.
pub fn sigv4(data: &[u8]) {
    let Some(text) = TextRequest::parse(data) else {
        return;
    };
    let mut headers = text.header_map();
    let now = signed_at() + Duration::from_secs(2);
    let known = known();
    // Only origin-form targets: an absolute-form target would be signed with its path alone.
    let sign = text.has_flag("sign") && text.target.starts_with('/');
    // What a server receives as the request target: with `sign`, the signed URI's path and
    // query (`http::Uri` drops a `#fragment`, which never goes on the wire).
    let mut target = text.target.to_owned();
    if sign {
        let Ok(credentials) = StaticCredentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY) else {
            return;
        };
        let Ok(mut request) = http::Request::builder()
            .method(text.method)
            .uri(text.target)
            .body(text.body)
        else {
            return;
        };
        *request.headers_mut() = headers;
        if sign_request(
            &mut request,
            &Credentials::Static(credentials),
            "us-east-1",
            "bedrock",
            signed_at(),
        )
        .is_err()
        {
            return;
        }
        headers = request.headers().clone();
        target = request
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    }
    let lookup = |akid: &str| {
        known
            .iter()
            .find(|(id, _)| *id == akid)
            .map(|(_, credential)| credential.clone())
    };
    let plain = verify_sigv4(
        text.method,
        &target,
        &headers,
        text.body,
        lookup,
        now,
        DEFAULT_MAX_SKEW,
    );
    let cache = SigningKeyCache::new();
    let borrowed = |akid: &str| {
        known
            .iter()
            .find(|(id, _)| *id == akid)
            .map(|(_, credential)| credential)
    };
    let scoped = verify_sigv4_scope(
        text.method,
        &target,
        &headers,
        text.body,
        borrowed,
        now,
        DEFAULT_MAX_SKEW,
        &cache,
    )
    .map(|scope| scope.to_identity());
    assert_eq!(plain, scoped, "verify_sigv4 and verify_sigv4_scope agree");
    // One exception: a header value with a tab (or, for Host, any whitespace) around it.
    // aws-sigv4 trims only spaces (Host not at all), the verifier all whitespace, so they
    // disagree (fuzz/crashes/sigv4/sign-header-value-with-control-bytes: `date: ...\t`). No
    // such value reaches a server: HTTP/1.1 recipients drop whitespace around a field value
    // (RFC 9110 5.5; hyper does), so a signature over the tab cannot verify anywhere.
    let reaches_a_server = !surrounded_by_whitespace(&text.header_map());
    if sign && reaches_a_server {
        assert!(
            plain.is_ok(),
            "a request signed by bedrock_auth::sign_request verifies: {plain:?}"
        );
    }
}

/// Whether any header value starts or ends with a space or a tab.
fn surrounded_by_whitespace(headers: &http::HeaderMap) -> bool {
    let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    headers.values().any(|v| {
        let bytes = v.as_bytes();
        blank(bytes.first()) || blank(bytes.last())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_whitespace_around_them() {
        let headers = |value: &'static str| {
            let mut map = http::HeaderMap::new();
            map.insert("host", http::HeaderValue::from_static(value));
            map
        };
        assert!(surrounded_by_whitespace(&headers("b\t")));
        assert!(surrounded_by_whitespace(&headers(" b")));
        assert!(!surrounded_by_whitespace(&headers("b \tc")));
    }
}
