//! The S3-compatible endpoint on the emulator's port: requests signed for the `s3` service
//! (path-style addressing) go to an `s3s` service over the emulator's [`store::ObjectStore`].
//!
//! The head is judged before any body byte is read (known access key and session token, date
//! within the skew); `s3s` then checks the signature itself, S3's way (single path encoding,
//! `UNSIGNED-PAYLOAD`, aws-chunked bodies with chunk signatures), as the body streams in.

pub(crate) mod service;
pub(crate) mod store;

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::response::{IntoResponse as _, Response};
use bedrock_auth::KnownCredential;
use http::{HeaderValue, Request, StatusCode, header};
use hyper::body::Incoming;
use s3s::auth::{S3Auth, SecretKey};
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{S3ErrorCode, S3Result};

use crate::auth::{AuthPolicy, SignedParts};
use crate::credentials::IssuedStore;
use crate::error::ApiError;
use crate::server::AppState;

pub(crate) use store::{ObjectStore, StoreLimits};

/// The signing service name of S3 requests.
pub(crate) const S3_SERVICE: &str = "s3";

/// The S3 endpoint: the `s3s` service over the store it serves.
pub(crate) struct S3Endpoint {
    service: S3Service,
}

impl std::fmt::Debug for S3Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Endpoint").finish_non_exhaustive()
    }
}

impl S3Endpoint {
    /// The endpoint over `store`, checking signatures against `policy`'s credentials.
    pub(crate) fn new(store: Arc<ObjectStore>, policy: &AuthPolicy) -> Self {
        let mut builder = S3ServiceBuilder::new(service::StoreService { store });
        builder.set_auth(PolicySecrets {
            credentials: policy.credentials.clone(),
            issued: Arc::clone(&policy.issued),
        });
        S3Endpoint {
            service: builder.build(),
        }
    }
}

/// The secret keys `s3s` checks signatures with: the configured credentials, then those the
/// credentials services issued.
struct PolicySecrets {
    credentials: Vec<(String, KnownCredential)>,
    issued: Arc<IssuedStore>,
}

#[async_trait::async_trait]
impl S3Auth for PolicySecrets {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        let configured = self
            .credentials
            .iter()
            .find(|(id, _)| id == access_key)
            .map(|(_, known)| known.secret_access_key.expose_secret().to_owned());
        let secret = configured.or_else(|| {
            self.issued
                .get(access_key)
                .map(|i| i.known.secret_access_key.expose_secret().to_owned())
        });
        secret.map(SecretKey::from).ok_or_else(|| {
            s3s::S3Error::with_message(
                S3ErrorCode::InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.",
            )
        })
    }
}

/// Whether a request is signed for S3: its `Authorization` header's credential scope names the
/// `s3` service (`Credential=AKID/DATE/REGION/s3/aws4_request`).
pub(crate) fn is_s3_request(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| {
            a.split([' ', ','])
                .find_map(|p| p.trim().strip_prefix("Credential="))
        })
        .and_then(|c| c.split('/').nth(3))
        .is_some_and(|service| service == S3_SERVICE)
}

/// Answers one S3 request.
pub(crate) async fn serve(state: &AppState, req: Request<Incoming>) -> Response {
    let (parts, body) = req.into_parts();
    let head = SignedParts {
        method: &parts.method,
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query(),
        headers: &parts.headers,
        body: &[],
    };
    if !state.auth.no_auth
        && let Err(err) = crate::auth::authenticate_s3_head(&state.auth, &head, SystemTime::now())
    {
        crate::server::discard_body(state, &parts.headers, body);
        return xml_error(&err);
    }
    let req = Request::from_parts(parts, s3s::Body::from(body));
    match state.s3.service.call(req).await {
        Ok(response) => response.map(Body::new),
        Err(err) => {
            tracing::debug!(error = ?err, "S3 request failed");
            xml_error(&ApiError::internal("The S3 request could not be answered"))
        }
    }
}

/// An S3 error document for a refusal the emulator made itself.
fn xml_error(err: &ApiError) -> Response {
    let code = match err.error_type.as_str() {
        "UnrecognizedClientException" => S3ErrorCode::InvalidAccessKeyId.as_str(),
        "ExpiredTokenException" => S3ErrorCode::ExpiredToken.as_str(),
        "InvalidSignatureException" if err.message.contains("Signature expired") => {
            S3ErrorCode::RequestTimeTooSkewed.as_str()
        }
        "InternalServerException" => S3ErrorCode::InternalError.as_str(),
        _ => S3ErrorCode::AccessDenied.as_str(),
    };
    let status = if err.status.is_server_error() {
        err.status
    } else {
        StatusCode::FORBIDDEN
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}\
         </Message><RequestId>{}</RequestId></Error>",
        xml_escape(&err.message),
        crate::server::new_request_id()
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_requests_are_told_apart_by_the_scope_service() {
        let mut h = http::HeaderMap::new();
        assert!(!is_s3_request(&h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, \
                 SignedHeaders=host, Signature=00",
            ),
        );
        assert!(is_s3_request(&h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request, \
                 SignedHeaders=host, Signature=00",
            ),
        );
        assert!(!is_s3_request(&h));
    }
}
