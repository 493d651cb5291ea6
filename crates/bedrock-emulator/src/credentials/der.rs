//! The two facts of an X.509 certificate that the path validator does not check or expose: the
//! key usage extension and the subject's common name, read from DER the validator already
//! accepted.

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const BIT_STRING: u8 = 0x03;
const EXPLICIT_VERSION: u8 = 0xa0;
const EXPLICIT_EXTENSIONS: u8 = 0xa3;

/// id-ce-keyUsage, 2.5.29.15.
const KEY_USAGE_OID: &[u8] = &[0x55, 0x1d, 0x0f];
/// id-at-commonName, 2.5.4.3.
const COMMON_NAME_OID: &[u8] = &[0x55, 0x04, 0x03];

/// `digitalSignature`, bit 0 of the key usage.
pub(crate) const DIGITAL_SIGNATURE: u16 = 1 << 15;
/// `keyCertSign`, bit 5 of the key usage.
pub(crate) const KEY_CERT_SIGN: u16 = 1 << 10;

/// Reads one DER element: (tag, contents, rest).
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
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

/// The elements of a constructed value's contents, in order.
fn children(mut contents: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    std::iter::from_fn(move || {
        let (tag, value, rest) = element(contents)?;
        contents = rest;
        Some((tag, value))
    })
}

/// The fields of the TBSCertificate: version (optional), serial, signature algorithm, issuer,
/// validity, subject, SPKI, then optional unique ids and extensions.
fn tbs_fields(certificate: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let (SEQUENCE, certificate, _) = element(certificate)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = element(certificate)? else {
        return None;
    };
    let mut fields: Vec<(u8, &[u8])> = children(tbs).collect();
    if fields
        .first()
        .is_some_and(|(tag, _)| *tag == EXPLICIT_VERSION)
    {
        fields.remove(0);
    }
    Some(fields)
}

/// The key usage bits (bit 0 `digitalSignature` as the top bit of the `u16`), or `None` when
/// the certificate has no key usage extension (any use allowed) or cannot be read.
pub(crate) fn key_usage(certificate: &[u8]) -> Option<u16> {
    let fields = tbs_fields(certificate)?;
    let extensions = fields
        .iter()
        .find(|(tag, _)| *tag == EXPLICIT_EXTENSIONS)
        .map(|(_, v)| *v)?;
    let (SEQUENCE, extensions, _) = element(extensions)? else {
        return None;
    };
    for (_, extension) in children(extensions) {
        let mut parts = children(extension);
        let Some((OID, oid)) = parts.next() else {
            continue;
        };
        if oid != KEY_USAGE_OID {
            continue;
        }
        let mut value = parts.next()?;
        if value.0 == BOOLEAN {
            value = parts.next()?;
        }
        let (OCTET_STRING, bits) = value else {
            return None;
        };
        let (BIT_STRING, bits, _) = element(bits)? else {
            return None;
        };
        // The first content byte counts the unused bits; up to two bytes of flags follow.
        let first = bits.get(1).copied().unwrap_or(0);
        let second = bits.get(2).copied().unwrap_or(0);
        return Some(u16::from_be_bytes([first, second]));
    }
    None
}

/// The first common name (CN) of the certificate's subject, when it has one.
pub(crate) fn subject_common_name(certificate: &[u8]) -> Option<String> {
    let fields = tbs_fields(certificate)?;
    // serial, signature algorithm, issuer, validity, subject.
    let (SEQUENCE, subject) = *fields.get(4)? else {
        return None;
    };
    for (tag, rdn) in children(subject) {
        if tag != SET {
            continue;
        }
        for (_, attribute) in children(rdn) {
            let mut parts = children(attribute);
            if let (Some((OID, COMMON_NAME_OID)), Some((_, value))) = (parts.next(), parts.next()) {
                return Some(String::from_utf8_lossy(value).into_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_usage_and_common_name_of_generated_certificates() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "workload-1");
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(key_usage(cert.der()), Some(DIGITAL_SIGNATURE));
        assert_eq!(
            subject_common_name(cert.der()).as_deref(),
            Some("workload-1")
        );

        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let cert = params.self_signed(&key).unwrap();
        let usage = key_usage(cert.der()).unwrap();
        assert!(usage & KEY_CERT_SIGN != 0 && usage & DIGITAL_SIGNATURE == 0);

        params.key_usages = Vec::new();
        params.distinguished_name = rcgen::DistinguishedName::new();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(key_usage(cert.der()), None);
        assert_eq!(subject_common_name(cert.der()), None);
        assert_eq!(key_usage(b"\x30\x00"), None);
    }
}
