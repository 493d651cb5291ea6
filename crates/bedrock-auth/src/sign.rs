//! SigV4 signing of raw HTTP requests with `aws-sigv4`, for callers that talk HTTP themselves.

use crate::credentials::Credentials;
use crate::error::AuthError;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use std::time::SystemTime;

/// Headers that signing sets; stale copies are removed before a request is (re)signed.
const SIGNING_OUTPUT_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// What to sign for: region, service, time and options.
#[derive(Debug, Clone, Copy)]
pub struct SigningOptions<'a> {
    /// Region of the credential scope, e.g. `us-east-1`.
    pub region: &'a str,
    /// Signing name of the service, e.g. `bedrock`.
    pub service: &'a str,
    /// Signing time (`SystemTime::now()` outside tests).
    pub time: SystemTime,
    /// Also send and sign `x-amz-content-sha256` (S3-style services want it; Bedrock does
    /// not need it).
    pub content_sha256_header: bool,
}

impl<'a> SigningOptions<'a> {
    /// Options for `region` and `service` at `time`, without `x-amz-content-sha256`.
    pub fn new(region: &'a str, service: &'a str, time: SystemTime) -> Self {
        Self {
            region,
            service,
            time,
            content_sha256_header: false,
        }
    }
}

/// Signs `request` in place: adds `authorization`, `x-amz-date`, `x-amz-security-token` (when
/// the credentials carry one) and replaces any earlier copies of them. When the request has no
/// `host` header, the one an HTTP client would send is added, since it is signed.
///
/// The request URI must be absolute (`https://host/path`) unless a `host` header is set. The
/// canonical URI follows the rules for every service but S3: the path is normalised and
/// percent-encoded once more.
///
/// # Errors
/// [`AuthError::Signing`] when the request has no host, a header value is not UTF-8, or
/// `aws-sigv4` rejects the request.
pub fn sign_request<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<(), AuthError> {
    sign_request_with(
        request,
        credentials,
        &SigningOptions::new(region, service, time),
    )
}

/// [`sign_request`] with explicit [`SigningOptions`].
///
/// # Errors
/// As [`sign_request`].
pub fn sign_request_with<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    credentials: &Credentials,
    options: &SigningOptions<'_>,
) -> Result<(), AuthError> {
    for name in SIGNING_OUTPUT_HEADERS {
        request.headers_mut().remove(name);
    }
    if !request.headers().contains_key(http::header::HOST)
        && let Some(host) = host_header_for(request.uri())
    {
        let value = http::HeaderValue::from_str(&host).map_err(|e| AuthError::Signing {
            detail: format!("request host `{host}` is not a valid header value: {e}"),
        })?;
        request.headers_mut().insert(http::header::HOST, value);
    }
    let mut headers = Vec::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        let value = value.to_str().map_err(|_| AuthError::Signing {
            detail: format!("header `{name}` is not valid UTF-8"),
        })?;
        headers.push((name.as_str(), value));
    }
    let uri = request.uri().to_string();
    let output = signing_headers(
        request.method().as_str(),
        &uri,
        &headers,
        request.body().as_ref(),
        credentials,
        options,
    )?;
    for (name, value) in output {
        let name =
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| AuthError::Signing {
                detail: format!("signing produced an invalid header name `{name}`: {e}"),
            })?;
        let mut value = http::HeaderValue::from_str(&value).map_err(|e| AuthError::Signing {
            detail: format!("signing produced an invalid value for `{name}`: {e}"),
        })?;
        if name == "x-amz-security-token" || name == "authorization" {
            value.set_sensitive(true);
        }
        request.headers_mut().insert(name, value);
    }
    Ok(())
}

/// The `host` header an HTTP client sends for `uri`: the authority, without the port when it
/// is the scheme's default.
fn host_header_for(uri: &http::Uri) -> Option<String> {
    let host = uri.host()?;
    let default_port = match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    };
    Some(match uri.port_u16() {
        Some(port) if Some(port) != default_port => format!("{host}:{port}"),
        _ => host.to_owned(),
    })
}

/// Computes the headers that sign a request described by its parts, for callers without an
/// `http::Request`: returns `(name, value)` pairs to add, in lower case — `x-amz-date`,
/// `x-amz-security-token` when present, `x-amz-content-sha256` when asked for, and
/// `authorization`.
///
/// `uri` is the request URI as it will be sent, percent-encoded, either absolute or a path
/// with a `host` entry among `headers`.
///
/// # Errors
/// As [`sign_request`].
pub fn signing_headers(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: &Credentials,
    options: &SigningOptions<'_>,
) -> Result<Vec<(String, String)>, AuthError> {
    let has_host = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"));
    let parsed: http::Uri = uri.parse().map_err(|e| AuthError::Signing {
        detail: format!("invalid request URI `{uri}`: {e}"),
    })?;
    if !has_host && parsed.authority().is_none() {
        return Err(AuthError::Signing {
            detail: format!(
                "request URI `{uri}` has no host and no `host` header is set; \
                 use an absolute URI or add a `host` header"
            ),
        });
    }

    let identity: Identity = credentials.to_sdk().into();
    let mut settings = SigningSettings::default();
    if options.content_sha256_header {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(options.region)
        .name(options.service)
        .time(options.time)
        .settings(settings)
        .build()
        .map_err(|e| AuthError::Signing {
            detail: e.to_string(),
        })?;
    let signable = SignableRequest::new(
        method,
        uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| AuthError::Signing {
        detail: e.to_string(),
    })?;
    let (instructions, _signature) = sign(signable, &params.into())
        .map_err(|e| AuthError::Signing {
            detail: e.to_string(),
        })?
        .into_parts();
    let (headers, _params) = instructions.into_parts();
    Ok(headers
        .into_iter()
        .map(|header| (header.name().to_owned(), header.value().to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amz_date::parse_amz_date;
    use crate::credentials::StaticCredentials;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn suite_credentials() -> Credentials {
        StaticCredentials::new(AKID, SECRET).unwrap().into()
    }

    fn suite_time() -> SystemTime {
        parse_amz_date("20150830T123600Z").unwrap()
    }

    /// Signs a request from the AWS SigV4 test suite (`aws-sig-v4-test-suite`) and returns its
    /// `Authorization` header.
    fn suite_authorization(
        method: &str,
        path_and_query: &str,
        extra_headers: &[(&str, &str)],
        body: &[u8],
    ) -> String {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("https://example.amazonaws.com{path_and_query}"))
            .header("host", "example.amazonaws.com");
        for (name, value) in extra_headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(body.to_vec()).unwrap();
        sign_request(
            &mut request,
            &suite_credentials(),
            "us-east-1",
            "service",
            suite_time(),
        )
        .unwrap();
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
        assert!(request.headers().get("x-amz-security-token").is_none());
        request.headers()["authorization"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn expected(signed_headers: &str, signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders={signed_headers}, Signature={signature}"
        )
    }

    // Expected values below are the `.authz` files of the published SigV4 test suite.

    #[test]
    fn suite_get_vanilla() {
        assert_eq!(
            suite_authorization("GET", "/", &[], b""),
            expected(
                "host;x-amz-date",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            )
        );
    }

    #[test]
    fn suite_get_vanilla_query_order_key_case() {
        assert_eq!(
            suite_authorization("GET", "/?Param2=value2&Param1=value1", &[], b""),
            expected(
                "host;x-amz-date",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            )
        );
    }

    #[test]
    fn suite_post_vanilla() {
        assert_eq!(
            suite_authorization("POST", "/", &[], b""),
            expected(
                "host;x-amz-date",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
            )
        );
    }

    #[test]
    fn suite_post_x_www_form_urlencoded() {
        assert_eq!(
            suite_authorization(
                "POST",
                "/",
                &[("content-type", "application/x-www-form-urlencoded")],
                b"Param1=value1"
            ),
            expected(
                "content-type;host;x-amz-date",
                "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
            )
        );
    }

    #[test]
    fn suite_get_header_value_trim() {
        assert_eq!(
            suite_authorization(
                "GET",
                "/",
                &[("My-Header1", " value1"), ("My-Header2", "\"a   b   c\"")],
                b""
            ),
            expected(
                "host;my-header1;my-header2;x-amz-date",
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
            )
        );
    }

    #[test]
    fn session_token_and_content_hash_headers_are_added() {
        let creds: Credentials = StaticCredentials::new(AKID, SECRET)
            .unwrap()
            .with_session_token("the-session-token")
            .unwrap()
            .into();
        let mut options = SigningOptions::new("us-east-1", "bedrock", suite_time());
        options.content_sha256_header = true;
        let headers = signing_headers(
            "POST",
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke",
            &[("content-type", "application/json")],
            b"{}",
            &creds,
            &options,
        )
        .unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert_eq!(get("x-amz-date"), "20150830T123600Z");
        assert_eq!(get("x-amz-security-token"), "the-session-token");
        assert_eq!(
            get("x-amz-content-sha256"),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert!(get("authorization").contains(
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"
        ));
    }

    #[test]
    fn resigning_replaces_old_signature_headers() {
        let mut request = http::Request::builder()
            .uri("https://example.amazonaws.com/")
            .header("x-amz-date", "19990101T000000Z")
            .header("x-amz-security-token", "stale")
            .header("authorization", "stale")
            .body(Vec::new())
            .unwrap();
        sign_request(
            &mut request,
            &suite_credentials(),
            "us-east-1",
            "service",
            suite_time(),
        )
        .unwrap();
        assert_eq!(request.headers().get_all("x-amz-date").iter().count(), 1);
        assert!(request.headers().get("x-amz-security-token").is_none());
        assert_eq!(
            request.headers()["authorization"].to_str().unwrap(),
            expected(
                "host;x-amz-date",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            )
        );
    }

    #[test]
    fn the_host_header_is_added_without_default_ports() {
        for (uri, host) in [
            (
                "https://example.amazonaws.com:443/",
                "example.amazonaws.com",
            ),
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
            ("http://localhost/", "localhost"),
        ] {
            let mut request = http::Request::builder().uri(uri).body(Vec::new()).unwrap();
            sign_request(
                &mut request,
                &suite_credentials(),
                "us-east-1",
                "service",
                suite_time(),
            )
            .unwrap();
            assert_eq!(request.headers()["host"], host, "{uri}");
        }
    }

    #[test]
    fn a_request_without_host_is_rejected_not_panicking() {
        let err = signing_headers(
            "GET",
            "/no-host",
            &[],
            b"",
            &suite_credentials(),
            &SigningOptions::new("us-east-1", "service", suite_time()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("has no host"), "{err}");
    }
}
