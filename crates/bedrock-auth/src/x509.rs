//! X.509 pieces for Roles Anywhere: PEM decoding, the certificate serial number, and a signer
//! over a PEM private key (RSA or ECDSA P-256) backed by aws-lc-rs.

use crate::error::AuthError;
use crate::secret::SecretString;
use async_trait::async_trait;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use std::fmt;

/// The signature algorithm of an X.509 signer, as named in the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum X509SigningAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256: `AWS4-X509-RSA-SHA256`.
    RsaSha256,
    /// ECDSA with SHA-256, DER-encoded signature: `AWS4-X509-ECDSA-SHA256`.
    EcdsaSha256,
}

impl X509SigningAlgorithm {
    /// The algorithm name that starts the `Authorization` header.
    pub fn header_name(self) -> &'static str {
        match self {
            Self::RsaSha256 => "AWS4-X509-RSA-SHA256",
            Self::EcdsaSha256 => "AWS4-X509-ECDSA-SHA256",
        }
    }
}

/// Signs Roles Anywhere requests with the private key of an X.509 certificate.
///
/// Implement this to keep the key in a PKCS#11 token, a TPM or a KMS;
/// [`PrivateKeyX509Signer`] covers keys in PEM files.
#[async_trait]
pub trait X509Signer: Send + Sync + fmt::Debug {
    /// The signature algorithm, which follows from the key type.
    fn algorithm(&self) -> X509SigningAlgorithm;

    /// The end-entity certificate, DER encoded.
    fn certificate_der(&self) -> &[u8];

    /// Intermediate CA certificates, DER encoded, sent in `X-Amz-X509-Chain` (may be empty).
    fn chain_der(&self) -> &[Vec<u8>];

    /// Signs `message` (the string to sign): RSA PKCS#1 v1.5 over SHA-256, or ECDSA over
    /// SHA-256 with a DER-encoded signature, as [`X509Signer::algorithm`] says.
    ///
    /// # Errors
    /// [`AuthError::Signing`] when the key cannot sign.
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuthError>;
}

enum PrivateKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// An [`X509Signer`] over a certificate and its private key in PEM form.
///
/// Keys: PKCS#8 (`BEGIN PRIVATE KEY`) holding RSA or ECDSA P-256, encrypted PKCS#8
/// (`BEGIN ENCRYPTED PRIVATE KEY`, PBES2 with PBKDF2 or scrypt and AES-CBC, as `openssl pkcs8
/// -topk8 -v2 aes-256-cbc` writes) given its passphrase, PKCS#1 (`BEGIN RSA PRIVATE KEY`) and
/// SEC1 (`BEGIN EC PRIVATE KEY`, P-256). Legacy OpenSSL-encrypted PEM (`Proc-Type: 4,ENCRYPTED`)
/// and other curves are rejected with an error that says so. `Debug` shows the algorithm and the
/// certificate serial, never the key.
pub struct PrivateKeyX509Signer {
    key: PrivateKey,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    serial: String,
}

impl PrivateKeyX509Signer {
    /// Loads the first certificate of `certificate_pem` and the private key of
    /// `private_key_pem`, and checks that they belong together. Further `CERTIFICATE` blocks
    /// of `certificate_pem` (a "full chain" file) become the intermediate chain.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] naming `certificate_pem` or `private_key_pem` when a
    /// block is missing or malformed, the key type is unsupported, the key is encrypted (use
    /// [`PrivateKeyX509Signer::from_pem_with_passphrase`]), or the key does not match the
    /// certificate. The key material itself never appears in the error.
    pub fn from_pem(certificate_pem: &str, private_key_pem: &str) -> Result<Self, AuthError> {
        Self::from_pem_with_passphrase(certificate_pem, private_key_pem, None)
    }

    /// Like [`PrivateKeyX509Signer::from_pem`], and decrypts an `ENCRYPTED PRIVATE KEY` block
    /// with `passphrase` (ignored for unencrypted keys).
    ///
    /// # Errors
    /// As [`PrivateKeyX509Signer::from_pem`]; an encrypted key without a passphrase, or with a
    /// wrong one, or encrypted with an unsupported scheme, is an
    /// [`AuthError::InvalidParameter`] on `private_key_passphrase` or `private_key_pem` that
    /// never shows the passphrase.
    pub fn from_pem_with_passphrase(
        certificate_pem: &str,
        private_key_pem: &str,
        passphrase: Option<&SecretString>,
    ) -> Result<Self, AuthError> {
        let mut certificates = pem_blocks(certificate_pem)
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der);
        let certificate = certificates.next().ok_or_else(|| {
            AuthError::invalid(
                "certificate_pem",
                "(no CERTIFICATE block)",
                "a PEM block -----BEGIN CERTIFICATE-----",
            )
        })?;
        let chain: Vec<Vec<u8>> = certificates.collect();
        let serial = certificate_serial_decimal(&certificate)?;
        let key = parse_private_key(private_key_pem, passphrase)?;
        let public_key: &[u8] = match &key {
            PrivateKey::Rsa(pair) => pair.public_key().as_ref(),
            PrivateKey::Ecdsa(pair) => pair.public_key().as_ref(),
        };
        if !contains(&certificate, public_key) {
            return Err(AuthError::invalid(
                "private_key_pem",
                "(key withheld)",
                "the private key of the certificate given in certificate_pem",
            ));
        }
        Ok(Self {
            key,
            certificate,
            chain,
            serial,
        })
    }

    /// Adds the intermediate certificates of `chain_pem` (all `CERTIFICATE` blocks, in order).
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] when `chain_pem` holds no certificate.
    pub fn with_chain_pem(mut self, chain_pem: &str) -> Result<Self, AuthError> {
        let chain: Vec<Vec<u8>> = pem_blocks(chain_pem)
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der)
            .collect();
        if chain.is_empty() {
            return Err(AuthError::invalid(
                "chain_pem",
                "(no CERTIFICATE block)",
                "one or more PEM blocks -----BEGIN CERTIFICATE-----",
            ));
        }
        self.chain = chain;
        Ok(self)
    }

    /// The certificate's serial number in decimal, as sent in the credential scope.
    pub fn serial_number(&self) -> &str {
        &self.serial
    }
}

impl fmt::Debug for PrivateKeyX509Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyX509Signer")
            .field("algorithm", &self.algorithm())
            .field("serial_number", &self.serial)
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl X509Signer for PrivateKeyX509Signer {
    fn algorithm(&self) -> X509SigningAlgorithm {
        match self.key {
            PrivateKey::Rsa(_) => X509SigningAlgorithm::RsaSha256,
            PrivateKey::Ecdsa(_) => X509SigningAlgorithm::EcdsaSha256,
        }
    }

    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuthError> {
        let rng = SystemRandom::new();
        let failed = || AuthError::Signing {
            detail: format!(
                "the {} key of certificate serial {} failed to sign",
                self.algorithm().header_name(),
                self.serial
            ),
        };
        match &self.key {
            PrivateKey::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| failed())?;
                Ok(signature)
            }
            PrivateKey::Ecdsa(pair) => Ok(pair
                .sign(&rng, message)
                .map_err(|_| failed())?
                .as_ref()
                .to_vec()),
        }
    }
}

/// Whether `private_key_pem` holds an encrypted key (PKCS#8 `ENCRYPTED PRIVATE KEY`, or a
/// legacy `Proc-Type: 4,ENCRYPTED` block), so that a caller knows to ask for a passphrase.
pub fn private_key_pem_is_encrypted(private_key_pem: &str) -> bool {
    private_key_pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || private_key_pem.contains("Proc-Type: 4,ENCRYPTED")
}

fn parse_private_key(
    pem: &str,
    passphrase: Option<&SecretString>,
) -> Result<PrivateKey, AuthError> {
    let unsupported = |found: &str| {
        AuthError::invalid(
            "private_key_pem",
            found.to_owned(),
            "a PRIVATE KEY or ENCRYPTED PRIVATE KEY (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY \
             (P-256) block",
        )
    };
    if pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(AuthError::invalid(
            "private_key_pem",
            "(a legacy OpenSSL-encrypted PEM block)",
            "an unencrypted key or an ENCRYPTED PRIVATE KEY (PKCS#8) block; convert with \
             `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
        ));
    }
    let blocks = pem_blocks(pem);
    let Some((label, der)) = blocks
        .iter()
        .find(|(label, _)| label.ends_with("PRIVATE KEY"))
    else {
        return Err(unsupported("(no private key block)"));
    };
    let rejected =
        |kind: &str| unsupported(&format!("(a {label} block the {kind} parser rejected)"));
    let from_pkcs8 = |der: &[u8]| {
        RsaKeyPair::from_pkcs8(der)
            .map(PrivateKey::Rsa)
            .or_else(|_| {
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der)
                    .map(PrivateKey::Ecdsa)
            })
            .map_err(|_| rejected("RSA and ECDSA P-256"))
    };
    match label.as_str() {
        "PRIVATE KEY" => from_pkcs8(der),
        "ENCRYPTED PRIVATE KEY" => {
            let Some(passphrase) = passphrase else {
                return Err(AuthError::invalid(
                    "private_key_passphrase",
                    "(none given)",
                    "the passphrase of the ENCRYPTED PRIVATE KEY block",
                ));
            };
            let decrypted = decrypt_pkcs8(der, passphrase)?;
            from_pkcs8(decrypted.as_bytes())
        }
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(der)
            .map(PrivateKey::Rsa)
            .map_err(|_| rejected("RSA")),
        "EC PRIVATE KEY" => {
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, der)
                .map(PrivateKey::Ecdsa)
                .map_err(|_| rejected("ECDSA P-256"))
        }
        other => Err(unsupported(&format!("(a {other} block)"))),
    }
}

/// Decrypts an `EncryptedPrivateKeyInfo` (PKCS#8, PBES2) into the DER of its `PrivateKeyInfo`.
fn decrypt_pkcs8(
    der: &[u8],
    passphrase: &SecretString,
) -> Result<pkcs8::SecretDocument, AuthError> {
    use pkcs8::der::Decode as _;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).map_err(|_| {
        AuthError::invalid(
            "private_key_pem",
            "(an undecodable ENCRYPTED PRIVATE KEY block)",
            "a PKCS#8 EncryptedPrivateKeyInfo",
        )
    })?;
    info.decrypt(passphrase.expose_secret().as_bytes())
        .map_err(|error| match error {
            // Unknown schemes are reported as such; anything else means the passphrase did
            // not decrypt the key (PBES2 has no other way to tell a wrong one).
            pkcs8::Error::EncryptedPrivateKey(
                pkcs8::pkcs5::Error::AlgorithmParametersInvalid { .. },
            )
            | pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm {
                ..
            }) => AuthError::invalid(
                "private_key_pem",
                "(an ENCRYPTED PRIVATE KEY with an unsupported scheme)",
                "PBES2 with PBKDF2-HMAC-SHA256 or scrypt and AES-128/192/256-CBC",
            ),
            _ => AuthError::invalid(
                "private_key_passphrase",
                format!("({} bytes, withheld)", passphrase.len()),
                "the passphrase that decrypts the ENCRYPTED PRIVATE KEY block",
            ),
        })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Decodes every PEM block of `text` into `(label, DER bytes)`; undecodable blocks are skipped.
pub(crate) fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_owned(), String::new()));
        } else if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((begin_label, body)) = current.take()
                && begin_label == label
                && let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body)
            {
                blocks.push((begin_label, der));
            }
        } else if let Some((_, body)) = current.as_mut() {
            // Skip RFC 1421 headers such as `Proc-Type:` in legacy encrypted keys.
            if !line.contains(':') {
                body.push_str(line);
            }
        }
    }
    blocks
}

/// Reads one DER element: returns (tag, contents, rest).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first_len, rest) = rest.split_first()?;
    let (len, rest) = if first_len < 0x80 {
        (usize::from(first_len), rest)
    } else {
        let count = usize::from(first_len & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (len_bytes, rest) = rest.split_at_checked(count)?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    Some((tag, contents, rest))
}

/// The serial number of a DER certificate, in decimal.
///
/// # Errors
/// [`AuthError::InvalidParameter`] on `certificate_pem` when the DER is not a certificate.
pub(crate) fn certificate_serial_decimal(certificate: &[u8]) -> Result<String, AuthError> {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const EXPLICIT_VERSION: u8 = 0xa0;
    let malformed = || {
        AuthError::invalid(
            "certificate_pem",
            "(undecodable certificate)",
            "a DER X.509 certificate with a serial number",
        )
    };
    let (tag, certificate_body, _) = der_element(certificate).ok_or_else(malformed)?;
    if tag != SEQUENCE {
        return Err(malformed());
    }
    let (tag, tbs, _) = der_element(certificate_body).ok_or_else(malformed)?;
    if tag != SEQUENCE {
        return Err(malformed());
    }
    let (mut tag, mut serial, mut rest) = der_element(tbs).ok_or_else(malformed)?;
    if tag == EXPLICIT_VERSION {
        (tag, serial, rest) = der_element(rest).ok_or_else(malformed)?;
    }
    let _ = rest;
    if tag != INTEGER || serial.is_empty() {
        return Err(malformed());
    }
    Ok(unsigned_be_to_decimal(serial))
}

/// Decimal digits of an unsigned big-endian integer of any length.
fn unsigned_be_to_decimal(bytes: &[u8]) -> String {
    let mut number: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    if number.is_empty() {
        return "0".to_owned();
    }
    let mut digits = Vec::new();
    while !number.is_empty() {
        let mut remainder = 0u32;
        for byte in &mut number {
            let value = (remainder << 8) | u32::from(*byte);
            *byte = u8::try_from(value / 10).unwrap_or(u8::MAX);
            remainder = value % 10;
        }
        digits.push(b'0' + u8::try_from(remainder).unwrap_or(0));
        let leading_zeros = number.iter().take_while(|&&b| b == 0).count();
        number.drain(..leading_zeros);
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_conversion() {
        assert_eq!(unsigned_be_to_decimal(&[0]), "0");
        assert_eq!(unsigned_be_to_decimal(&[0x00, 0xff]), "255");
        assert_eq!(unsigned_be_to_decimal(&[0x06, 0x79, 0x32]), "424242");
        assert_eq!(
            unsigned_be_to_decimal(&[0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93]),
            "47724914708969405121171"
        );
        assert_eq!(
            unsigned_be_to_decimal(&[0xff; 16]),
            "340282366920938463463374607431768211455"
        );
    }

    #[test]
    fn malformed_certificates_are_rejected() {
        for bad in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x05", b"\x02\x01\x05"] {
            assert!(certificate_serial_decimal(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pem_blocks_skip_garbage() {
        let text = "junk\n-----BEGIN A-----\nAAEC\n-----END A-----\n-----BEGIN B-----\n!!\n-----END B-----\n";
        assert_eq!(pem_blocks(text), vec![("A".to_owned(), vec![0, 1, 2])]);
    }

    #[test]
    fn encrypted_and_missing_keys_are_rejected_without_key_material() {
        let cert = include_str!("../tests/data/ec-cert.pem");
        let err = PrivateKeyX509Signer::from_pem(
            cert,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAEC\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("ENCRYPTED PRIVATE KEY"), "{err}");
        let err = PrivateKeyX509Signer::from_pem(cert, "").unwrap_err();
        assert!(matches!(
            err,
            AuthError::InvalidParameter {
                field: "private_key_pem",
                ..
            }
        ));
        let err = PrivateKeyX509Signer::from_pem("", include_str!("../tests/data/ec-key.pem"))
            .unwrap_err();
        assert!(matches!(
            err,
            AuthError::InvalidParameter {
                field: "certificate_pem",
                ..
            }
        ));
    }

    #[test]
    fn loads_pem_keys_and_reads_serials() {
        let ec = PrivateKeyX509Signer::from_pem(
            include_str!("../tests/data/ec-cert.pem"),
            include_str!("../tests/data/ec-key.pem"),
        )
        .unwrap();
        assert_eq!(ec.serial_number(), "47724914708969405121171");
        assert_eq!(ec.algorithm(), X509SigningAlgorithm::EcdsaSha256);
        let rsa = PrivateKeyX509Signer::from_pem(
            include_str!("../tests/data/rsa-cert.pem"),
            include_str!("../tests/data/rsa-key.pem"),
        )
        .unwrap();
        assert_eq!(rsa.serial_number(), "424242");
        assert_eq!(rsa.algorithm(), X509SigningAlgorithm::RsaSha256);
        let debug = format!("{rsa:?}");
        assert!(
            debug.contains("424242") && !debug.contains("BEGIN"),
            "{debug}"
        );

        // A key that belongs to another certificate is refused.
        let err = PrivateKeyX509Signer::from_pem(
            include_str!("../tests/data/rsa-cert.pem"),
            include_str!("../tests/data/ec-key.pem"),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            AuthError::InvalidParameter {
                field: "private_key_pem",
                ..
            }
        ));
    }
}
