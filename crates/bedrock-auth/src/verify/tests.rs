//! Tests for SigV4 verification: requests signed by `aws-sigv4` pass, tampered ones fail with
//! the right error.

use super::*;
use crate::credentials::{Credentials, StaticCredentials};
use crate::sign::{SigningOptions, sign_request, sign_request_with};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";
const INVOKE_PATH: &str = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke";
const BODY: &[u8] = br#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[]}"#;

fn signing_time() -> SystemTime {
    parse_amz_date("20240501T101500Z").unwrap()
}

fn long_term_lookup(akid: &str) -> Option<KnownCredential> {
    (akid == AKID).then(|| KnownCredential::long_term(SECRET))
}

/// A Bedrock InvokeModel request signed with `aws-sigv4`, shaped like the Rust SDK's.
fn signed_invoke(credentials: &Credentials) -> http::Request<Vec<u8>> {
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!(
            "https://bedrock-runtime.us-east-1.amazonaws.com{INVOKE_PATH}"
        ))
        .header("host", "bedrock-runtime.us-east-1.amazonaws.com")
        .header("content-type", "application/json")
        .header("content-length", BODY.len().to_string())
        .header(
            "x-amz-user-agent",
            "aws-sdk-rust/1.3 api/bedrockruntime/1.153",
        )
        .header("user-agent", "aws-sdk-rust/1.3 os/linux")
        .body(BODY.to_vec())
        .unwrap();
    sign_request(
        &mut request,
        credentials,
        "us-east-1",
        "bedrock",
        signing_time(),
    )
    .unwrap();
    request
}

fn verify(
    request: &http::Request<Vec<u8>>,
    lookup: impl Fn(&str) -> Option<KnownCredential>,
) -> Result<VerifiedIdentity, VerifyError> {
    verify_at(request, lookup, signing_time() + Duration::from_secs(2))
}

fn verify_at(
    request: &http::Request<Vec<u8>>,
    lookup: impl Fn(&str) -> Option<KnownCredential>,
    now: SystemTime,
) -> Result<VerifiedIdentity, VerifyError> {
    let target = request.uri().path_and_query().unwrap().as_str();
    let plain = verify_sigv4(
        request.method().as_str(),
        target,
        request.headers(),
        request.body(),
        &lookup,
        now,
        DEFAULT_MAX_SKEW,
    );
    // The cached, borrowing form answers the same, with a cold cache and with a warm one.
    let cache = SigningKeyCache::new();
    for _ in 0..2 {
        let known = lookup(request_access_key(request).unwrap_or(""));
        let scope = verify_sigv4_scope(
            request.method().as_str(),
            target,
            request.headers(),
            request.body(),
            |_| known.as_ref(),
            now,
            DEFAULT_MAX_SKEW,
            &cache,
        );
        assert_eq!(scope.map(|s| s.to_identity()), plain);
        // The head check agrees: it fails exactly as the full check does on everything but the
        // signature, the payload hash and the token's expiry, which need the body or come after.
        let head = verify_sigv4_head(
            target,
            request.headers(),
            |_| known.as_ref(),
            now,
            DEFAULT_MAX_SKEW,
        );
        match (&head, &plain) {
            (Err(h), Err(p)) => assert_eq!(h, p),
            (Ok(()), Ok(_))
            | (
                Ok(()),
                Err(VerifyError::InvalidSignature { .. } | VerifyError::ExpiredToken { .. }),
            ) => {}
            (head, plain) => panic!("head check {head:?} but full check {plain:?}"),
        }
    }
    plain
}

/// The access key id named in the request's `Authorization` header.
fn request_access_key(request: &http::Request<Vec<u8>>) -> Option<&str> {
    let authorization = request.headers().get("authorization")?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    credential.split('/').next()
}

#[test]
fn the_signing_key_cache_follows_the_secret() {
    let request = signed_invoke(&long_term());
    let target = request.uri().path_and_query().unwrap().as_str();
    let now = signing_time() + Duration::from_secs(2);
    let cache = SigningKeyCache::new();
    let check = |secret: &str| {
        let known = KnownCredential::long_term(secret);
        verify_sigv4_scope(
            request.method().as_str(),
            target,
            request.headers(),
            request.body(),
            |_| Some(&known),
            now,
            DEFAULT_MAX_SKEW,
            &cache,
        )
        .map(|scope| scope.to_identity())
    };
    assert!(cache.is_empty());
    check(SECRET).unwrap();
    assert_eq!(cache.len(), 1);
    check(SECRET).unwrap();
    assert_eq!(cache.len(), 1);
    // Another secret for the same key, day, region and service must not reuse the key.
    let err = check("another-secret").unwrap_err();
    assert!(
        matches!(err, VerifyError::InvalidSignature { .. }),
        "{err:?}"
    );
    assert_eq!(cache.len(), 1);
    check(SECRET).unwrap();
}

fn long_term() -> Credentials {
    StaticCredentials::new(AKID, SECRET).unwrap().into()
}

fn with_token() -> Credentials {
    StaticCredentials::new("ASIAEXAMPLE", SECRET)
        .unwrap()
        .with_session_token(TOKEN)
        .unwrap()
        .into()
}

#[test]
fn a_request_signed_by_aws_sigv4_verifies() {
    let request = signed_invoke(&long_term());
    let identity = verify(&request, long_term_lookup).unwrap();
    assert_eq!(identity.access_key_id, AKID);
    assert_eq!(identity.region, "us-east-1");
    assert_eq!(identity.service, "bedrock");
    assert_eq!(identity.signed_at, signing_time());
    assert!(!identity.has_session_token);
    assert!(
        identity
            .signed_headers
            .contains(&"x-amz-user-agent".to_owned())
    );
    assert!(!identity.signed_headers.contains(&"user-agent".to_owned()));
}

#[test]
fn the_canonical_uri_encodes_the_received_path_once_more() {
    // A server that decoded the path before verifying would rebuild `v1:0` and fail.
    let request = signed_invoke(&long_term());
    let decoded = INVOKE_PATH.replace("%3A", ":");
    let err = verify_sigv4(
        "POST",
        &decoded,
        request.headers(),
        request.body(),
        long_term_lookup,
        signing_time(),
        DEFAULT_MAX_SKEW,
    )
    .unwrap_err();
    let VerifyError::InvalidSignature {
        canonical_request, ..
    } = err
    else {
        panic!("expected InvalidSignature, got {err:?}");
    };
    assert!(
        canonical_request
            .unwrap()
            .contains("/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke")
    );
}

#[test]
fn a_tampered_body_fails() {
    let mut request = signed_invoke(&long_term());
    request.body_mut()[20] ^= 0x01;
    let err = verify(&request, long_term_lookup).unwrap_err();
    assert!(
        matches!(err, VerifyError::InvalidSignature { .. }),
        "{err:?}"
    );
    assert_eq!(err.error_code(), "InvalidSignatureException");
    assert_eq!(err.http_status(), 403);
}

#[test]
fn a_tampered_signed_header_fails_but_unsigned_headers_do_not_matter() {
    let mut request = signed_invoke(&long_term());
    request.headers_mut().insert(
        "user-agent",
        http::HeaderValue::from_static("something-else"),
    );
    request.headers_mut().insert(
        "amz-sdk-request",
        http::HeaderValue::from_static("attempt=2; max=3"),
    );
    verify(&request, long_term_lookup).unwrap();

    request
        .headers_mut()
        .insert("content-type", http::HeaderValue::from_static("text/plain"));
    let err = verify(&request, long_term_lookup).unwrap_err();
    assert!(
        matches!(err, VerifyError::InvalidSignature { .. }),
        "{err:?}"
    );
}

#[test]
fn a_tampered_query_or_method_fails() {
    let request = signed_invoke(&long_term());
    let err = verify_sigv4(
        "PUT",
        INVOKE_PATH,
        request.headers(),
        request.body(),
        long_term_lookup,
        signing_time(),
        DEFAULT_MAX_SKEW,
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::InvalidSignature { .. }));
    let err = verify_sigv4(
        "POST",
        &format!("{INVOKE_PATH}?extra=1"),
        request.headers(),
        request.body(),
        long_term_lookup,
        signing_time(),
        DEFAULT_MAX_SKEW,
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::InvalidSignature { .. }));
}

#[test]
fn an_unknown_key_is_an_unrecognized_client() {
    let request = signed_invoke(&long_term());
    let err = verify(&request, |_| None).unwrap_err();
    assert!(
        matches!(err, VerifyError::UnrecognizedClient { .. }),
        "{err:?}"
    );
    assert_eq!(err.error_code(), "UnrecognizedClientException");
    assert_eq!(
        err.to_string(),
        "The security token included in the request is invalid."
    );
}

#[test]
fn a_wrong_secret_is_an_invalid_signature() {
    let request = signed_invoke(&long_term());
    let err = verify(&request, |_| {
        Some(KnownCredential::long_term("another-secret"))
    })
    .unwrap_err();
    assert!(
        matches!(err, VerifyError::InvalidSignature { .. }),
        "{err:?}"
    );
}

#[test]
fn missing_and_malformed_authorization() {
    let mut request = signed_invoke(&long_term());
    let original = request.headers()["authorization"].clone();
    request.headers_mut().remove("authorization");
    let err = verify(&request, long_term_lookup).unwrap_err();
    assert_eq!(err, VerifyError::MissingAuthentication);
    assert_eq!(err.error_code(), "MissingAuthenticationTokenException");

    let cases = [
        "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/bedrock/aws4_request, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/bedrock/aws4_request, SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/aws4_request, SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/bedrock/aws5_request, SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-05-01/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/bedrock/aws4_request, SignedHeaders=x-amz-date, Signature=abc",
        "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/us-east-1/bedrock/aws4_request",
        "Bearer abc",
    ];
    for case in cases {
        request
            .headers_mut()
            .insert("authorization", http::HeaderValue::from_static(case));
        let err = verify(&request, long_term_lookup).unwrap_err();
        assert!(
            matches!(err, VerifyError::IncompleteSignature { .. }),
            "{case}: {err:?}"
        );
        assert_eq!(err.error_code(), "IncompleteSignatureException");
    }

    request.headers_mut().insert("authorization", original);
    request.headers_mut().remove("x-amz-date");
    let err = verify(&request, long_term_lookup).unwrap_err();
    assert!(
        matches!(err, VerifyError::IncompleteSignature { .. }),
        "{err:?}"
    );
}

#[test]
fn presigned_urls_are_reported_as_unsupported() {
    let err = verify_sigv4(
        "GET",
        "/foundation-models?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc",
        &HeaderMap::new(),
        b"",
        long_term_lookup,
        signing_time(),
        DEFAULT_MAX_SKEW,
    )
    .unwrap_err();
    assert!(err.to_string().contains("Pre-signed URL"), "{err}");
}

#[test]
fn scope_date_must_match_x_amz_date() {
    let mut request = signed_invoke(&long_term());
    let auth = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .replace("/20240501/", "/20240502/");
    request
        .headers_mut()
        .insert("authorization", http::HeaderValue::from_str(&auth).unwrap());
    let err = verify(&request, long_term_lookup).unwrap_err();
    let VerifyError::InvalidSignature { reason, .. } = err else {
        panic!("expected InvalidSignature, got {err:?}");
    };
    assert!(reason.contains("'20240502' != '20240501'"), "{reason}");
}

#[test]
fn clock_skew_beyond_the_limit_is_signature_expired() {
    let request = signed_invoke(&long_term());
    verify_at(
        &request,
        long_term_lookup,
        signing_time() + Duration::from_secs(299),
    )
    .unwrap();
    let err = verify_at(
        &request,
        long_term_lookup,
        signing_time() + Duration::from_secs(301),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::SignatureExpired {
                in_future: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.error_code(), "InvalidSignatureException");
    assert_eq!(
        err.to_string(),
        "Signature expired: 20240501T101500Z is now earlier than 20240501T101501Z \
         (20240501T102001Z - 5 min.)"
    );
    let err = verify_at(
        &request,
        long_term_lookup,
        signing_time() - Duration::from_secs(600),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::SignatureExpired {
                in_future: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("Signature not yet current: 20240501T101500Z"),
        "{err}"
    );
}

#[test]
fn session_tokens_are_checked_and_expiry_reported_last() {
    let expires_at = signing_time() + Duration::from_secs(3600);
    let lookup = move |akid: &str| {
        (akid == "ASIAEXAMPLE").then(|| KnownCredential::temporary(SECRET, TOKEN, expires_at))
    };
    let request = signed_invoke(&with_token());
    let identity = verify(&request, lookup).unwrap();
    assert!(identity.has_session_token);
    assert!(
        identity
            .signed_headers
            .contains(&"x-amz-security-token".to_owned())
    );

    // Same key, wrong token.
    let mut wrong = request.clone();
    wrong.headers_mut().insert(
        "x-amz-security-token",
        http::HeaderValue::from_static("forged"),
    );
    let err = verify(&wrong, lookup).unwrap_err();
    assert!(
        matches!(err, VerifyError::UnrecognizedClient { .. }),
        "{err:?}"
    );

    // Token left out.
    let mut missing = request.clone();
    missing.headers_mut().remove("x-amz-security-token");
    assert!(matches!(
        verify(&missing, lookup).unwrap_err(),
        VerifyError::UnrecognizedClient { .. }
    ));

    // A token sent with a long-term key.
    let long_term_with_token =
        |akid: &str| (akid == "ASIAEXAMPLE").then(|| KnownCredential::long_term(SECRET));
    assert!(matches!(
        verify(&request, long_term_with_token).unwrap_err(),
        VerifyError::UnrecognizedClient { .. }
    ));

    // A correctly signed request after the session expired (within the skew window).
    let expired_lookup = |akid: &str| {
        (akid == "ASIAEXAMPLE").then(|| {
            KnownCredential::temporary(SECRET, TOKEN, signing_time() + Duration::from_secs(1))
        })
    };
    let err = verify(&request, expired_lookup).unwrap_err();
    assert_eq!(
        err,
        VerifyError::ExpiredToken {
            access_key_id: "ASIAEXAMPLE".to_owned(),
            expired_at: "2024-05-01T10:15:01Z".to_owned(),
        }
    );
    assert_eq!(err.error_code(), "ExpiredTokenException");
}

#[test]
fn errors_never_show_the_secret_or_the_token() {
    let request = signed_invoke(&with_token());
    let wrong_secret = |_: &str| {
        Some(KnownCredential::temporary(
            "not-the-secret",
            TOKEN,
            signing_time() + Duration::from_secs(60),
        ))
    };
    let err = verify(&request, wrong_secret).unwrap_err();
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("not-the-secret"), "{text}");
    }
    let VerifyError::InvalidSignature {
        canonical_request, ..
    } = &err
    else {
        panic!("expected InvalidSignature, got {err:?}");
    };
    assert!(
        canonical_request
            .as_ref()
            .unwrap()
            .contains("x-amz-security-token:** redacted **")
    );
    let known = KnownCredential::temporary(SECRET, TOKEN, signing_time());
    let text = format!("{known:?}");
    assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
}

#[test]
fn verifies_the_published_suite_request_independently_of_aws_sigv4() {
    // get-vanilla-query-order-key-case from the SigV4 test suite, with its published header.
    let mut headers = HeaderMap::new();
    headers.insert(
        "host",
        http::HeaderValue::from_static("example.amazonaws.com"),
    );
    headers.insert(
        "x-amz-date",
        http::HeaderValue::from_static("20150830T123600Z"),
    );
    headers.insert(
        "authorization",
        http::HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
    );
    let now = parse_amz_date("20150830T123600Z").unwrap();
    let identity = verify_sigv4(
        "GET",
        "/?Param2=value2&Param1=value1",
        &headers,
        b"",
        long_term_lookup,
        now,
        DEFAULT_MAX_SKEW,
    )
    .unwrap();
    assert_eq!(identity.service, "service");
    assert_eq!(identity.signed_headers, ["host", "x-amz-date"]);
}

#[test]
fn agrees_with_aws_sigv4_on_awkward_requests() {
    /// Method, request target, extra headers, body.
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [u8]);
    let cases: &[Case<'_>] = &[
        (
            "GET",
            "/foundation-models?byProvider=Anthropic&byOutputModality=TEXT",
            &[],
            b"",
        ),
        (
            "GET",
            "/foundation-models/amazon.titan-embed-text-v2%3A0",
            &[],
            b"",
        ),
        ("GET", "/a%20b/c%2Fd/?q=a%20b&q=a&empty=&flag", &[], b""),
        ("GET", "/x/./y/../z", &[("My-Header1", "  a   b  ")], b""),
        (
            "POST",
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.meta.llama3-2-1b-instruct-v1%3A0/converse",
            &[
                ("content-type", "application/json"),
                ("x-amzn-bedrock-trace", "ENABLED"),
            ],
            b"{\"messages\":[]}",
        ),
        (
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"Action=AssumeRole&Version=2011-06-15",
        ),
    ];
    for (method, target, extra, body) in cases {
        for content_sha256_header in [false, true] {
            let mut builder = http::Request::builder()
                .method(*method)
                .uri(format!("http://127.0.0.1:4010{target}"))
                .header("host", "127.0.0.1:4010");
            for (name, value) in *extra {
                builder = builder.header(*name, *value);
            }
            let mut request = builder.body(body.to_vec()).unwrap();
            let mut options = SigningOptions::new("eu-west-1", "bedrock", signing_time());
            options.content_sha256_header = content_sha256_header;
            sign_request_with(&mut request, &long_term(), &options).unwrap();
            let identity = verify(&request, long_term_lookup)
                .unwrap_or_else(|e| panic!("{method} {target}: {e:?}"));
            assert_eq!(identity.region, "eu-west-1");
        }
    }
}

#[test]
fn declared_payload_hash_must_match_the_body() {
    let mut request = http::Request::builder()
        .method("POST")
        .uri("https://bedrock.us-east-1.amazonaws.com/model-invocation-job")
        .body(b"{}".to_vec())
        .unwrap();
    let mut options = SigningOptions::new("us-east-1", "bedrock", signing_time());
    options.content_sha256_header = true;
    sign_request_with(&mut request, &long_term(), &options).unwrap();
    verify(&request, long_term_lookup).unwrap();
    *request.body_mut() = b"[]".to_vec();
    let err = verify(&request, long_term_lookup).unwrap_err();
    let VerifyError::InvalidSignature { reason, .. } = err else {
        panic!("expected InvalidSignature, got {err:?}");
    };
    assert!(reason.contains("x-amz-content-sha256"), "{reason}");
}
