//! Test PKI for the credentials tests: a root CA, intermediates and client certificates (RSA
//! and P-256) made with rcgen at test time, and the emulator configuration that trusts them.

#![allow(dead_code, unreachable_pub)]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use time::OffsetDateTime;

pub const TRUST_ANCHOR: &str = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a1b2c3d4-0000-4000-8000-000000000001";
pub const PROFILE: &str =
    "arn:aws:rolesanywhere:us-east-1:123456789012:profile/a1b2c3d4-0000-4000-8000-000000000002";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";
pub const OTHER_ROLE: &str = "arn:aws:iam::123456789012:role/not-in-profile";

/// The key type of a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    P256,
}

/// How long a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// 2020 to 2045.
    Current,
    /// 2020 to 2021: expired.
    Expired,
}

fn dates(params: &mut CertificateParams, validity: Validity) {
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = match validity {
        Validity::Current => rcgen::date_time_ymd(2045, 1, 1),
        Validity::Expired => rcgen::date_time_ymd(2021, 1, 1),
    };
}

fn serial() -> SerialNumber {
    // Unique enough per process: nanoseconds now, positive (top bit clear).
    let n = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 >> 1;
    SerialNumber::from_slice(&n.to_be_bytes())
}

/// A certificate authority: its certificate and what signs with its key.
pub struct Ca {
    pub cert: rcgen::Certificate,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn ca_params(name: &str) -> CertificateParams {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(serial());
        dates(&mut params, Validity::Current);
        params
    }

    /// A self-signed root CA (P-256).
    pub fn root(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let params = Ca::ca_params(name);
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert,
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let params = Ca::ca_params(name);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Ca {
            cert,
            issuer: Issuer::new(params, key),
        }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A client certificate for `common_name` signed by this CA: digitalSignature key usage,
    /// clientAuth extended key usage.
    pub fn client(&self, common_name: &str, kind: KeyKind, validity: Validity) -> Client {
        let key = match kind {
            KeyKind::Rsa => KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap(),
            KeyKind::P256 => KeyPair::generate().unwrap(),
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.serial_number = Some(serial());
        dates(&mut params, validity);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Client {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A client certificate and its private key, PEM.
pub struct Client {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Client {
    /// bedrock-auth's signer over this certificate, with `chain` (intermediate PEMs) if any.
    pub fn signer(&self, chain: &[&Ca]) -> bedrock_auth::PrivateKeyX509Signer {
        let signer =
            bedrock_auth::PrivateKeyX509Signer::from_pem(&self.cert_pem, &self.key_pem).unwrap();
        if chain.is_empty() {
            signer
        } else {
            let pem: String = chain.iter().map(|ca| ca.pem()).collect();
            signer.with_chain_pem(&pem).unwrap()
        }
    }
}
