//! Server-side reading of X.509-signed (IAM Roles Anywhere) requests: the `AWS4-X509-RSA-SHA256`
//! / `AWS4-X509-ECDSA-SHA256` `Authorization` header, the certificates of `X-Amz-X509` and
//! `X-Amz-X509-Chain`, and the string to sign rebuilt with the same canonical-request code the
//! signer ([`RolesAnywhereSource`](crate::RolesAnywhereSource)) uses. Checking the signature
//! against the certificate's key and the chain against a trust anchor is the caller's part.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::HeaderMap;

use crate::amz_date::{format_amz_date, parse_amz_date};
use crate::canonical::{
    canonical_header_value, canonical_query, canonical_request, canonical_uri, sha256_hex,
    string_to_sign,
};
use crate::x509::{X509SigningAlgorithm, certificate_serial_decimal};

/// The most intermediate certificates read from `X-Amz-X509-Chain`; Roles Anywhere accepts
/// chains of at most five certificates below the trust anchor.
pub const MAX_X509_CHAIN_LEN: usize = 5;

/// A request signed with an X.509 certificate, read and rebuilt but not yet verified: check
/// [`X509SignedRequest::signature`] over [`X509SignedRequest::string_to_sign`] with the public
/// key of [`X509SignedRequest::certificate_der`], and that certificate's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X509SignedRequest {
    /// The algorithm named in the `Authorization` header.
    pub algorithm: X509SigningAlgorithm,
    /// The certificate serial number from the credential scope, in decimal; it matches the
    /// serial of [`X509SignedRequest::certificate_der`].
    pub serial_number: String,
    /// The credential scope's region.
    pub region: String,
    /// The credential scope's service (`rolesanywhere` for `CreateSession`).
    pub service: String,
    /// The request's `X-Amz-Date`.
    pub signed_at: SystemTime,
    /// The end-entity certificate from `X-Amz-X509`, DER.
    pub certificate_der: Vec<u8>,
    /// The intermediate certificates from `X-Amz-X509-Chain`, DER, in the order sent.
    pub chain_der: Vec<Vec<u8>>,
    /// The signature from the `Authorization` header, decoded from hex.
    pub signature: Vec<u8>,
    /// The string to sign the server rebuilt from the signed headers and the body.
    pub string_to_sign: String,
}

/// Why an X.509-signed request could not be read. `Display` says what is wrong; no variant
/// holds key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509RequestError {
    /// No `Authorization` header.
    #[error("Missing Authentication Token")]
    MissingAuthentication,
    /// The `Authorization` header, a date, a signed header or a certificate header is missing
    /// or malformed.
    #[error("{detail}")]
    Malformed {
        /// What is missing or malformed.
        detail: String,
    },
    /// The request's timestamp is too far from the server's clock.
    #[error(
        "Signature expired: {signed_at} is more than {max_skew_secs} seconds from the server's time {server_time}"
    )]
    SignatureExpired {
        /// The request's `X-Amz-Date`.
        signed_at: String,
        /// The server's time, same format.
        server_time: String,
        /// Tolerated skew in seconds.
        max_skew_secs: u64,
    },
}

fn malformed(detail: impl Into<String>) -> X509RequestError {
    X509RequestError::Malformed {
        detail: detail.into(),
    }
}

/// Reads an X.509-signed request and rebuilds its string to sign.
///
/// * `path_and_query`: the request target exactly as received, still percent-encoded.
/// * `headers`, `body`: as received; only the headers named in `SignedHeaders` are signed,
///   and `host`, `x-amz-date` and `x-amz-x509` (and `x-amz-x509-chain` when sent) must be.
/// * `now`, `max_skew`: the server's clock and the tolerated distance of `X-Amz-Date` from it.
///
/// # Errors
/// [`X509RequestError::MissingAuthentication`] without an `Authorization` header;
/// [`X509RequestError::Malformed`] for an unknown algorithm, a malformed credential scope,
/// date, signature or certificate, a certificate whose serial is not the one in the scope, more
/// than [`MAX_X509_CHAIN_LEN`] chain certificates, or a required header left unsigned;
/// [`X509RequestError::SignatureExpired`] when the date is out of range.
pub fn read_x509_signed_request(
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
    max_skew: Duration,
) -> Result<X509SignedRequest, X509RequestError> {
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .ok_or(X509RequestError::MissingAuthentication)?
        .to_str()
        .map_err(|_| malformed("Authorization header is not valid ASCII"))?
        .trim_ascii();
    let (algorithm_name, rest) = authorization.split_once(' ').unwrap_or((authorization, ""));
    let algorithm = [
        X509SigningAlgorithm::RsaSha256,
        X509SigningAlgorithm::EcdsaSha256,
    ]
    .into_iter()
    .find(|a| a.header_name() == algorithm_name)
    .ok_or_else(|| {
        malformed(format!(
            "Unsupported signing algorithm '{algorithm_name}'; expected AWS4-X509-RSA-SHA256 or \
             AWS4-X509-ECDSA-SHA256"
        ))
    })?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim_ascii) {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v.trim_ascii()),
            Some(("SignedHeaders", v)) => signed_headers = Some(v.trim_ascii()),
            Some(("Signature", v)) => signature = Some(v.trim_ascii()),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(malformed(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
        ));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [serial_number, scope_date, region, service, "aws4_request"] = scope.as_slice() else {
        return Err(malformed(format!(
            "Credential '{credential}' must have 5 '/'-separated parts: \
             <certificate serial>/<YYYYMMDD>/<region>/<service>/aws4_request"
        )));
    };
    let signature = decode_hex(signature)
        .ok_or_else(|| malformed("Signature must be an even number of hex digits"))?;

    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| malformed("The request must carry an 'X-Amz-Date' header."))?;
    let signed_at = parse_amz_date(amz_date).ok_or_else(|| {
        malformed(format!(
            "X-Amz-Date '{amz_date}' must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'"
        ))
    })?;
    if !amz_date.starts_with(scope_date) || scope_date.len() != 8 {
        return Err(malformed(format!(
            "Date in Credential scope '{scope_date}' does not match X-Amz-Date '{amz_date}'"
        )));
    }
    let skew = match now.duration_since(signed_at) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > max_skew {
        return Err(X509RequestError::SignatureExpired {
            signed_at: amz_date.to_owned(),
            server_time: format_amz_date(now),
            max_skew_secs: max_skew.as_secs(),
        });
    }

    let signed: Vec<String> = signed_headers
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    let mut required = vec!["host", "x-amz-date", "x-amz-x509"];
    if headers.contains_key("x-amz-x509-chain") {
        required.push("x-amz-x509-chain");
    }
    if let Some(missing) = required.iter().find(|r| !signed.iter().any(|s| s == *r)) {
        return Err(malformed(format!(
            "'{missing}' must be a signed header (listed in SignedHeaders)"
        )));
    }

    let engine = &base64::engine::general_purpose::STANDARD;
    let certificate_der = headers
        .get("x-amz-x509")
        .and_then(|v| engine.decode(v.as_bytes()).ok())
        .ok_or_else(|| malformed("X-Amz-X509 must hold the base64 DER signing certificate"))?;
    let certificate_serial = certificate_serial_decimal(&certificate_der)
        .map_err(|_| malformed("X-Amz-X509 does not hold a DER X.509 certificate"))?;
    if certificate_serial != *serial_number {
        return Err(malformed(format!(
            "The serial number in the Credential scope ({serial_number}) is not the signing \
             certificate's ({certificate_serial})"
        )));
    }
    let chain_der = match headers.get("x-amz-x509-chain") {
        None => Vec::new(),
        Some(value) => {
            let parts: Vec<&[u8]> = value
                .as_bytes()
                .split(|b| *b == b',')
                .map(<[u8]>::trim_ascii)
                .collect();
            if parts.len() > MAX_X509_CHAIN_LEN {
                return Err(malformed(format!(
                    "X-Amz-X509-Chain holds {} certificates; at most {MAX_X509_CHAIN_LEN} are accepted",
                    parts.len()
                )));
            }
            parts
                .into_iter()
                .enumerate()
                .map(|(i, part)| {
                    engine.decode(part).map_err(|_| {
                        malformed(format!(
                            "X-Amz-X509-Chain entry {i} is not base64 DER; expected comma-separated \
                             base64 DER certificates"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?
        }
    };

    let (raw_path, raw_query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut canonical_headers = Vec::with_capacity(signed.len());
    for name in &signed {
        let values: Vec<&[u8]> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| v.as_bytes())
            .collect();
        if values.is_empty() {
            return Err(malformed(format!(
                "Signed header '{name}' is listed in SignedHeaders but not present in the request"
            )));
        }
        canonical_headers.push((name.clone(), canonical_header_value(values)));
    }
    let query = if raw_query.is_empty() {
        String::new()
    } else {
        canonical_query(raw_query)
    };
    let body_hash = sha256_hex(body);
    if let Some(declared) = headers.get("x-amz-content-sha256")
        && !declared
            .as_bytes()
            .eq_ignore_ascii_case(body_hash.as_bytes())
    {
        return Err(malformed(
            "x-amz-content-sha256 must be the SHA-256 of the body",
        ));
    }
    let canonical = canonical_request(
        method,
        &canonical_uri(raw_path),
        &query,
        &canonical_headers,
        &signed.join(";"),
        &body_hash,
    );
    let scope = format!("{scope_date}/{region}/{service}/aws4_request");
    let string_to_sign = string_to_sign(algorithm.header_name(), amz_date, &scope, &canonical);
    Ok(X509SignedRequest {
        algorithm,
        serial_number: (*serial_number).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_at,
        certificate_der,
        chain_der,
        signature,
        string_to_sign,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{PrivateKeyX509Signer, RolesAnywhereConfig, RolesAnywhereSource, X509Signer};

    const TRUST_ANCHOR: &str = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/4579702c-9abb-47c2-88b2-c734e0b7d4af";
    const PROFILE: &str =
        "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/6f4943fb-13d4-4242-89c4-be367595c380";
    const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";

    async fn signed(
        chain: bool,
    ) -> (
        Arc<PrivateKeyX509Signer>,
        http::Request<Vec<u8>>,
        SystemTime,
    ) {
        let mut signer = PrivateKeyX509Signer::from_pem(
            include_str!("../tests/data/ec-cert.pem"),
            include_str!("../tests/data/ec-key.pem"),
        )
        .unwrap();
        if chain {
            signer = signer
                .with_chain_pem(include_str!("../tests/data/rsa-cert.pem"))
                .unwrap();
        }
        let signer = Arc::new(signer);
        let mut config = RolesAnywhereConfig::new("eu-west-1", TRUST_ANCHOR, PROFILE, ROLE);
        config.endpoint = Some("http://127.0.0.1:4010".to_owned());
        let source = RolesAnywhereSource::new(config, signer.clone()).unwrap();
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_288_100);
        let request = source.create_session_request(at).await.unwrap();
        (signer, request, at)
    }

    fn read(
        request: &http::Request<Vec<u8>>,
        at: SystemTime,
    ) -> Result<X509SignedRequest, X509RequestError> {
        read_x509_signed_request(
            request.method().as_str(),
            request.uri().path(),
            request.headers(),
            request.body(),
            at,
            Duration::from_secs(300),
        )
    }

    #[tokio::test]
    async fn rebuilds_what_the_signer_signed() {
        for chain in [false, true] {
            let (signer, request, at) = signed(chain).await;
            let read = read(&request, at).unwrap();
            assert_eq!(read.algorithm, X509SigningAlgorithm::EcdsaSha256);
            assert_eq!(read.serial_number, signer.serial_number());
            assert_eq!(read.region, "eu-west-1");
            assert_eq!(read.service, "rolesanywhere");
            assert_eq!(read.certificate_der, signer.certificate_der());
            assert_eq!(read.chain_der, signer.chain_der());
            // The SubjectPublicKeyInfo ends with the 65-byte uncompressed point.
            let spki = include_bytes!("../tests/data/ec-public.der");
            let public_key = &spki[spki.len() - 65..];
            aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
                public_key,
            )
            .verify(read.string_to_sign.as_bytes(), &read.signature)
            .unwrap();
        }
    }

    #[tokio::test]
    async fn tampering_and_missing_parts_are_refused() {
        let (_, request, at) = signed(false).await;
        // A different body gives a different string to sign.
        let mut other = request.clone();
        *other.body_mut() = b"{}".to_vec();
        assert_ne!(
            read(&other, at).unwrap().string_to_sign,
            read(&request, at).unwrap().string_to_sign
        );
        let mut no_auth = request.clone();
        no_auth.headers_mut().remove("authorization");
        assert_eq!(
            read(&no_auth, at),
            Err(X509RequestError::MissingAuthentication)
        );
        let mut no_cert = request.clone();
        no_cert.headers_mut().remove("x-amz-x509");
        assert!(matches!(
            read(&no_cert, at),
            Err(X509RequestError::Malformed { .. })
        ));
        let mut other_cert = request.clone();
        let engine = &base64::engine::general_purpose::STANDARD;
        let rsa = crate::x509::pem_blocks(include_str!("../tests/data/rsa-cert.pem"));
        other_cert
            .headers_mut()
            .insert("x-amz-x509", engine.encode(&rsa[0].1).parse().unwrap());
        let err = read(&other_cert, at).unwrap_err().to_string();
        assert!(err.contains("serial number"), "{err}");
        let err = read(&request, at + Duration::from_secs(301)).unwrap_err();
        assert!(
            matches!(err, X509RequestError::SignatureExpired { .. }),
            "{err}"
        );
        let mut hmac = request.clone();
        hmac.headers_mut().insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"
                .parse()
                .unwrap(),
        );
        let err = read(&hmac, at).unwrap_err().to_string();
        assert!(err.contains("Unsupported signing algorithm"), "{err}");
    }
}
