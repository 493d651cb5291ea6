//! Roles Anywhere signers over keys generated at test time: plain and encrypted PKCS#8 (RSA and
//! P-256), wrong or missing passphrases, and certificate chains in one file.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use bedrock_auth::{
    AuthError, PrivateKeyX509Signer, RolesAnywhereSettings, SecretString, X509Signer,
    X509SigningAlgorithm, private_key_pem_is_encrypted,
};
use rcgen::{CertificateParams, IsCa, Issuer, KeyPair, SignatureAlgorithm};

const PASSPHRASE: &str = "PASSPHRASE-MARKER-correct horse";

struct Generated {
    key: KeyPair,
    certificate_pem: String,
}

fn generate(alg: &'static SignatureAlgorithm) -> Generated {
    let key = KeyPair::generate_for(alg).unwrap();
    let mut params = CertificateParams::new(vec!["client.example".to_owned()]).unwrap();
    params.serial_number = Some(rcgen::SerialNumber::from(vec![0x01, 0x02, 0x03]));
    let certificate_pem = params.self_signed(&key).unwrap().pem();
    Generated {
        key,
        certificate_pem,
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The key as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it: PBES2, PBKDF2-HMAC-SHA256,
/// AES-256-CBC.
fn encrypted_pem(key: &KeyPair, passphrase: &str) -> String {
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
    let params =
        pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(2048, &[7; 16], [9; 16])
            .unwrap();
    let document = info.encrypt_with_params(params, passphrase).unwrap();
    pem("ENCRYPTED PRIVATE KEY", document.as_bytes())
}

async fn assert_signs(signer: &PrivateKeyX509Signer, key: &KeyPair) {
    let message = b"AWS4-X509-ECDSA-SHA256\n20240101T000000Z\nscope\nhash";
    let signature = signer.sign(message).await.unwrap();
    let algorithm: &dyn aws_lc_rs::signature::VerificationAlgorithm = match signer.algorithm() {
        X509SigningAlgorithm::RsaSha256 => &RSA_PKCS1_2048_8192_SHA256,
        _ => &ECDSA_P256_SHA256_ASN1,
    };
    UnparsedPublicKey::new(algorithm, key.public_key_raw())
        .verify(message, &signature)
        .expect("the signature verifies with the certificate's key");
}

#[tokio::test]
async fn encrypted_pkcs8_keys_load_with_their_passphrase() {
    for (alg, expected) in [
        (&rcgen::PKCS_RSA_SHA256, X509SigningAlgorithm::RsaSha256),
        (
            &rcgen::PKCS_ECDSA_P256_SHA256,
            X509SigningAlgorithm::EcdsaSha256,
        ),
    ] {
        let generated = generate(alg);
        let encrypted = encrypted_pem(&generated.key, PASSPHRASE);
        assert!(private_key_pem_is_encrypted(&encrypted));
        assert!(!private_key_pem_is_encrypted(
            &generated.key.serialize_pem()
        ));

        let signer = PrivateKeyX509Signer::from_pem_with_passphrase(
            &generated.certificate_pem,
            &encrypted,
            Some(&SecretString::new(PASSPHRASE)),
        )
        .unwrap();
        assert_eq!(signer.algorithm(), expected);
        assert_eq!(signer.serial_number(), "66051");
        assert_signs(&signer, &generated.key).await;

        // The plain key loads too, with or without a passphrase.
        let plain = PrivateKeyX509Signer::from_pem_with_passphrase(
            &generated.certificate_pem,
            &generated.key.serialize_pem(),
            Some(&SecretString::new("unused")),
        )
        .unwrap();
        assert_signs(&plain, &generated.key).await;
    }
}

#[test]
fn wrong_or_missing_passphrases_are_refused_without_echoing_them() {
    let generated = generate(&rcgen::PKCS_ECDSA_P256_SHA256);
    let encrypted = encrypted_pem(&generated.key, PASSPHRASE);
    let wrong = SecretString::new("WRONG-MARKER-passphrase");
    let err = PrivateKeyX509Signer::from_pem_with_passphrase(
        &generated.certificate_pem,
        &encrypted,
        Some(&wrong),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::InvalidParameter {
                field: "private_key_passphrase",
                ..
            }
        ),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("MARKER"), "{text}");

    for err in [
        PrivateKeyX509Signer::from_pem(&generated.certificate_pem, &encrypted).unwrap_err(),
        PrivateKeyX509Signer::from_pem_with_passphrase(
            &generated.certificate_pem,
            &encrypted,
            None,
        )
        .unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                AuthError::InvalidParameter {
                    field: "private_key_passphrase",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    // A legacy OpenSSL-encrypted PEM is named as such.
    let legacy = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n";
    assert!(private_key_pem_is_encrypted(legacy));
    let err = PrivateKeyX509Signer::from_pem(&generated.certificate_pem, legacy).unwrap_err();
    assert!(err.to_string().contains("legacy"), "{err}");
}

#[test]
fn a_full_chain_file_sends_its_intermediates() {
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let ca_certificate = ca_params.self_signed(&ca_key).unwrap();
    let ca = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = CertificateParams::new(vec!["client.example".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let full_chain = format!("{}{}", leaf.pem(), ca_certificate.pem());
    let signer = PrivateKeyX509Signer::from_pem(&full_chain, &leaf_key.serialize_pem()).unwrap();
    assert_eq!(signer.certificate_der(), leaf.der().as_ref());
    assert_eq!(signer.chain_der(), [ca_certificate.der().to_vec()]);
}

#[test]
fn settings_read_encrypted_keys_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(&rcgen::PKCS_RSA_SHA256);
    let certificate = dir.path().join("client.pem");
    let private_key = dir.path().join("client.key");
    std::fs::write(&certificate, &generated.certificate_pem).unwrap();
    std::fs::write(&private_key, encrypted_pem(&generated.key, PASSPHRASE)).unwrap();
    let mut settings = RolesAnywhereSettings {
        certificate,
        private_key,
        trust_anchor_arn: "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/a".into(),
        profile_arn: "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/p".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        passphrase_env: Some("BEDROCK_TEST_UNSET_PASSPHRASE_VARIABLE".into()),
        ..RolesAnywhereSettings::default()
    };
    let err = settings.signer().unwrap_err();
    assert!(
        err.to_string()
            .contains("BEDROCK_TEST_UNSET_PASSPHRASE_VARIABLE"),
        "{err}"
    );
    settings.passphrase = Some(SecretString::new(PASSPHRASE));
    assert_eq!(settings.signer().unwrap().serial_number(), "66051");
    let debug = format!("{settings:?} {settings:#?}");
    assert!(!debug.contains("MARKER"), "{debug}");
    settings.source().unwrap();
}
