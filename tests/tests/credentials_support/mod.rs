//! Test-time PKI and emulator settings for the temporary-credentials tests: a root CA, an
//! intermediate CA and client certificates (RSA and P-256) made with rcgen, written to a temp
//! directory, and an emulator configuration that trusts the root.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bedrock_emulator::{EmulatorConfig, RoleConfig, RolesAnywhereProfile, TrustAnchorConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};

pub const REGION: &str = "us-east-1";
pub const TRUST_ANCHOR_ARN: &str =
    "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta-test";
pub const PROFILE_ARN: &str = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-test";
pub const OTHER_PROFILE_ARN: &str = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-other";
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";
/// A role for STS AssumeRole that needs an external id.
pub const ADMIN_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/bedrock-admin";
pub const EXTERNAL_ID: &str = "tenant-42";
/// An API key the emulator accepts.
pub const API_KEY: &str = "bedrock-api-key-YmVkcm9jay10ZXN0LWtleQ";
pub const MODEL: &str = "amazon.titan-text-express-v1";

/// A certificate authority that can sign certificates.
pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn validity(params: &mut CertificateParams, not_before: SystemTime, not_after: SystemTime) {
    params.not_before = time::OffsetDateTime::from(not_before);
    params.not_after = time::OffsetDateTime::from(not_after);
}

const DAY: Duration = Duration::from_secs(86_400);

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.distinguished_name = name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = SystemTime::now();
    validity(&mut params, now - DAY, now + 30 * DAY);
    params
}

impl Ca {
    /// A self-signed root CA.
    pub fn root(common_name: &str) -> Ca {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = ca_params(common_name);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, common_name: &str) -> Ca {
        let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let params = ca_params(common_name);
        let pem = params.signed_by(&key, &self.issuer).unwrap().pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A client certificate with a key of `alg`, valid from a day ago for a day.
    pub fn client(&self, alg: &'static SignatureAlgorithm, common_name: &str) -> Client {
        let now = SystemTime::now();
        self.client_valid(alg, common_name, now - DAY, now + DAY)
    }

    /// A client certificate that expired yesterday.
    pub fn expired_client(&self, alg: &'static SignatureAlgorithm) -> Client {
        let now = SystemTime::now();
        self.client_valid(alg, "expired.example", now - 3 * DAY, now - DAY)
    }

    fn client_valid(
        &self,
        alg: &'static SignatureAlgorithm,
        common_name: &str,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Client {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.distinguished_name = name(common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        validity(&mut params, not_before, not_after);
        let certificate_pem = params.signed_by(&key, &self.issuer).unwrap().pem();
        Client {
            certificate_pem,
            key_pem: key.serialize_pem(),
            key_der: key.serialize_der(),
        }
    }
}

/// A client certificate and its private key.
pub struct Client {
    pub certificate_pem: String,
    pub key_pem: String,
    key_der: Vec<u8>,
}

/// Paths of a client's files.
pub struct ClientFiles {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
    pub intermediates: Option<PathBuf>,
}

impl Client {
    /// Writes the certificate and key (and the intermediates, if any) under `dir` as
    /// `<stem>.pem`, `<stem>.key`, `<stem>-chain.pem`.
    pub fn write(&self, dir: &Path, stem: &str, intermediates: Option<&Ca>) -> ClientFiles {
        let certificate = dir.join(format!("{stem}.pem"));
        let private_key = dir.join(format!("{stem}.key"));
        std::fs::write(&certificate, &self.certificate_pem).unwrap();
        std::fs::write(&private_key, &self.key_pem).unwrap();
        let intermediates = intermediates.map(|ca| {
            let path = dir.join(format!("{stem}-chain.pem"));
            std::fs::write(&path, &ca.pem).unwrap();
            path
        });
        ClientFiles {
            certificate,
            private_key,
            intermediates,
        }
    }

    /// The key as encrypted PKCS#8 (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC), PEM.
    pub fn encrypted_key_pem(&self, passphrase: &str) -> String {
        use base64::Engine as _;
        let info = pkcs8::PrivateKeyInfoRef::try_from(self.key_der.as_slice()).unwrap();
        let params = pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
            2048, &[3; 16], [5; 16],
        )
        .unwrap();
        let document = info.encrypt_with_params(params, passphrase).unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(document.as_bytes());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }
}

/// An emulator configuration trusting `root`, with profiles, roles (credentials living
/// `lifetime`), and the API key [`API_KEY`].
pub fn emulator_config(root: &Ca, lifetime: Duration) -> EmulatorConfig {
    EmulatorConfig {
        api_keys: vec![API_KEY.to_owned()],
        ..EmulatorConfig::default()
    }
    .with_trust_anchor(TrustAnchorConfig::from_pem(
        TRUST_ANCHOR_ARN,
        root.pem.clone(),
    ))
    .with_profile(RolesAnywhereProfile::new(PROFILE_ARN, [ROLE_ARN]))
    .with_profile(RolesAnywhereProfile::new(
        OTHER_PROFILE_ARN,
        [ADMIN_ROLE_ARN],
    ))
    .with_role(RoleConfig::new(ROLE_ARN).with_lifetime(lifetime))
    .with_role(
        RoleConfig::new(ADMIN_ROLE_ARN)
            .with_lifetime(lifetime)
            .with_external_id(EXTERNAL_ID),
    )
}
