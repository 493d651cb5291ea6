//! The credentials services' configuration: Roles Anywhere trust anchors and profiles, and the
//! IAM roles both services hand out, with their checks.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use serde::{Deserialize, Serialize};

/// Shortest session Roles Anywhere and STS let a client ask for, in seconds.
pub(crate) const MIN_REQUESTED_DURATION_SECS: u64 = 900;
/// Longest session Roles Anywhere and STS let a client ask for, in seconds.
pub(crate) const MAX_REQUESTED_DURATION_SECS: u64 = 43_200;
/// Default of [`RolesAnywhereProfile::max_duration_secs`] and [`RoleConfig::max_session_duration_secs`].
const DEFAULT_MAX_DURATION_SECS: u64 = 3600;

/// A Roles Anywhere trust anchor: an ARN and the CA certificate(s) that client certificates must
/// chain up to. Give the certificate inline (`certificate_pem`) or as a file
/// (`certificate_path`; in a configuration file, relative to that file), not both. Every
/// `CERTIFICATE` block of the PEM is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustAnchorConfig {
    /// `arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>`; requests must be signed for
    /// its region.
    pub arn: String,
    /// The CA certificate(s), PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_pem: Option<String>,
    /// A PEM file holding the CA certificate(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_path: Option<PathBuf>,
}

impl TrustAnchorConfig {
    /// A trust anchor whose CA certificate(s) are given as PEM text.
    pub fn from_pem(arn: impl Into<String>, certificate_pem: impl Into<String>) -> Self {
        TrustAnchorConfig {
            arn: arn.into(),
            certificate_pem: Some(certificate_pem.into()),
            certificate_path: None,
        }
    }

    /// A trust anchor whose CA certificate(s) are read from a PEM file when the emulator starts.
    pub fn from_path(arn: impl Into<String>, certificate_path: impl Into<PathBuf>) -> Self {
        TrustAnchorConfig {
            arn: arn.into(),
            certificate_pem: None,
            certificate_path: Some(certificate_path.into()),
        }
    }

    /// The CA certificates, DER; `i` is this anchor's index, for messages.
    pub(crate) fn certificates(&self, i: usize) -> Result<Vec<CertificateDer<'static>>, String> {
        let pem = match (&self.certificate_pem, &self.certificate_path) {
            (Some(pem), None) => pem.as_bytes().to_vec(),
            (None, Some(path)) => std::fs::read(path).map_err(|e| {
                format!(
                    "field `trust_anchors[{i}].certificate_path` has value {:?}, which cannot be \
                     read ({e}); allowed: a readable PEM file",
                    path.display().to_string()
                )
            })?,
            _ => {
                return Err(format!(
                    "trust anchor `trust_anchors[{i}]` ({}) needs exactly one of \
                     `certificate_pem` and `certificate_path`",
                    self.arn
                ));
            }
        };
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("field `trust_anchors[{i}]` holds malformed PEM ({e})"))?;
        if certificates.is_empty() {
            return Err(format!(
                "field `trust_anchors[{i}]` holds no certificate; allowed: one or more PEM blocks \
                 -----BEGIN CERTIFICATE-----"
            ));
        }
        for certificate in &certificates {
            webpki::anchor_from_trusted_cert(certificate).map_err(|e| {
                format!(
                    "field `trust_anchors[{i}]` holds a certificate that cannot be a trust anchor \
                     ({e:?})"
                )
            })?;
        }
        Ok(certificates)
    }

    /// Makes a relative `certificate_path` relative to `dir` (the configuration file's).
    pub(crate) fn resolve_relative_to(&mut self, dir: &Path) {
        if let Some(path) = &mut self.certificate_path
            && path.is_relative()
        {
            *path = dir.join(&*path);
        }
    }
}

/// A Roles Anywhere profile: which roles a session may be created for, and how long at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesAnywhereProfile {
    /// `arn:aws:rolesanywhere:<region>:<account>:profile/<id>`.
    pub arn: String,
    /// The IAM role ARNs `CreateSession` may ask for with this profile.
    pub role_arns: Vec<String>,
    /// The longest session this profile grants, in seconds (`max_duration_secs`, 900 to
    /// 43,200; default 3600): a longer `durationSeconds` is cut to it.
    #[serde(default = "default_max_duration")]
    pub max_duration_secs: u64,
}

fn default_max_duration() -> u64 {
    DEFAULT_MAX_DURATION_SECS
}

impl RolesAnywhereProfile {
    /// A profile allowing these roles, with the default one-hour cap.
    pub fn new<S: Into<String>>(
        arn: impl Into<String>,
        role_arns: impl IntoIterator<Item = S>,
    ) -> Self {
        RolesAnywhereProfile {
            arn: arn.into(),
            role_arns: role_arns.into_iter().map(Into::into).collect(),
            max_duration_secs: DEFAULT_MAX_DURATION_SECS,
        }
    }

    /// Sets the longest session this profile grants.
    #[must_use]
    pub fn with_max_duration(mut self, max: Duration) -> Self {
        self.max_duration_secs = max.as_secs();
        self
    }
}

/// An IAM role the credentials services hand out: through a Roles Anywhere profile that lists
/// it, and through STS `AssumeRole` (which only knows the roles listed here).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub arn: String,
    /// How long credentials issued for this role live, in seconds (`lifetime_secs`, 1 to
    /// 43,200), whatever duration was asked for, when shorter; default: as asked. Short
    /// lifetimes (a few seconds) let tests watch credentials expire and refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_secs: Option<u64>,
    /// The longest `DurationSeconds` STS `AssumeRole` accepts for this role, in seconds
    /// (`max_session_duration_secs`, 900 to 43,200; default 3600), as IAM's
    /// `MaxSessionDuration`.
    #[serde(default = "default_max_duration")]
    pub max_session_duration_secs: u64,
    /// The external id `AssumeRole` must send (`ExternalId`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl RoleConfig {
    /// A role with the defaults: credentials live as long as asked, at most one hour through
    /// `AssumeRole`, no external id.
    pub fn new(arn: impl Into<String>) -> Self {
        RoleConfig {
            arn: arn.into(),
            lifetime_secs: None,
            max_session_duration_secs: DEFAULT_MAX_DURATION_SECS,
            external_id: None,
        }
    }

    /// Issued credentials live at most `lifetime` (whole seconds).
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime_secs = Some(lifetime.as_secs());
        self
    }

    /// `AssumeRole` must send this external id.
    #[must_use]
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the longest `DurationSeconds` `AssumeRole` accepts.
    #[must_use]
    pub fn with_max_session_duration(mut self, max: Duration) -> Self {
        self.max_session_duration_secs = max.as_secs();
        self
    }
}

impl fmt::Debug for RoleConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An external id is a shared value between two parties, kept out of logs all the same.
        f.debug_struct("RoleConfig")
            .field("arn", &self.arn)
            .field("lifetime_secs", &self.lifetime_secs)
            .field("max_session_duration_secs", &self.max_session_duration_secs)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| bedrock_auth::REDACTED),
            )
            .finish()
    }
}

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Splits an ARN, checking the shape every ARN here has: a partition, a 12-digit account and
/// a resource of at most 1011 characters in all.
pub(crate) fn parse_arn(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let ok = !partition.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !resource.is_empty()
        && arn.len() <= 1011;
    ok.then_some(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// Whether `arn` is a Roles Anywhere ARN of `kind` (`trust-anchor`, `profile`).
fn is_rolesanywhere_arn(arn: &str, kind: &str) -> bool {
    parse_arn(arn).is_some_and(|a| {
        a.service == "rolesanywhere"
            && !a.region.is_empty()
            && a.resource
                .strip_prefix(kind)
                .and_then(|r| r.strip_prefix('/'))
                .is_some_and(|id| !id.is_empty())
    })
}

/// Whether `arn` is an IAM role ARN (`arn:aws:iam::<account>:role/<path/><name>`).
pub(crate) fn is_role_arn(arn: &str) -> bool {
    parse_arn(arn).is_some_and(|a| {
        a.service == "iam"
            && a.region.is_empty()
            && a.resource
                .strip_prefix("role/")
                .is_some_and(|name| !name.is_empty() && !name.ends_with('/'))
    })
}

/// An external id's allowed form, as STS checks it.
pub(crate) fn external_id_ok(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(c))
}

/// Checks the credentials services' configuration; messages name the field, the value and
/// what is allowed.
pub(crate) fn validate(
    trust_anchors: &[TrustAnchorConfig],
    profiles: &[RolesAnywhereProfile],
    roles: &[RoleConfig],
) -> Result<(), String> {
    let arn_error = |field: String, value: &str, example: &str| {
        format!("field `{field}` has value {value:?}; allowed: an ARN like {example}")
    };
    for (i, anchor) in trust_anchors.iter().enumerate() {
        if !is_rolesanywhere_arn(&anchor.arn, "trust-anchor") {
            return Err(arn_error(
                format!("trust_anchors[{i}].arn"),
                &anchor.arn,
                "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/<id>",
            ));
        }
        anchor.certificates(i)?;
        if trust_anchors.iter().take(i).any(|a| a.arn == anchor.arn) {
            return Err(format!(
                "field `trust_anchors[{i}].arn` repeats {:?}; allowed: each ARN once",
                anchor.arn
            ));
        }
    }
    for (i, profile) in profiles.iter().enumerate() {
        if !is_rolesanywhere_arn(&profile.arn, "profile") {
            return Err(arn_error(
                format!("profiles[{i}].arn"),
                &profile.arn,
                "arn:aws:rolesanywhere:us-east-1:123456789012:profile/<id>",
            ));
        }
        if profile.role_arns.is_empty() {
            return Err(format!(
                "field `profiles[{i}].role_arns` is empty; allowed: one or more IAM role ARNs"
            ));
        }
        if let Some((j, bad)) = profile
            .role_arns
            .iter()
            .enumerate()
            .find(|(_, arn)| !is_role_arn(arn))
        {
            return Err(arn_error(
                format!("profiles[{i}].role_arns[{j}]"),
                bad,
                "arn:aws:iam::123456789012:role/<name>",
            ));
        }
        check_duration(
            &format!("profiles[{i}].max_duration_secs"),
            profile.max_duration_secs,
        )?;
    }
    for (i, role) in roles.iter().enumerate() {
        if !is_role_arn(&role.arn) {
            return Err(arn_error(
                format!("roles[{i}].arn"),
                &role.arn,
                "arn:aws:iam::123456789012:role/<name>",
            ));
        }
        if roles.iter().take(i).any(|r| r.arn == role.arn) {
            return Err(format!(
                "field `roles[{i}].arn` repeats {:?}; allowed: each ARN once",
                role.arn
            ));
        }
        if let Some(lifetime) = role.lifetime_secs
            && !(1..=MAX_REQUESTED_DURATION_SECS).contains(&lifetime)
        {
            return Err(format!(
                "field `roles[{i}].lifetime_secs` has value {lifetime}; allowed: 1 to \
                 {MAX_REQUESTED_DURATION_SECS} seconds"
            ));
        }
        check_duration(
            &format!("roles[{i}].max_session_duration_secs"),
            role.max_session_duration_secs,
        )?;
        if let Some(id) = &role.external_id
            && !external_id_ok(id)
        {
            // The value stays out of the message, as every secret-like value does.
            return Err(format!(
                "field `roles[{i}].external_id` has a value of {} characters; allowed: 2 to 1224 \
                 characters of A-Z a-z 0-9 + = , . @ : / - _",
                id.len()
            ));
        }
    }
    Ok(())
}

fn check_duration(field: &str, value: u64) -> Result<(), String> {
    if (MIN_REQUESTED_DURATION_SECS..=MAX_REQUESTED_DURATION_SECS).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "field `{field}` has value {value}; allowed: {MIN_REQUESTED_DURATION_SECS} to \
             {MAX_REQUESTED_DURATION_SECS} seconds"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_checked_by_kind() {
        assert!(is_role_arn(
            "arn:aws:iam::123456789012:role/bedrock-invoker"
        ));
        assert!(is_role_arn("arn:aws:iam::123456789012:role/path/to/name"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/alice"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/x"));
        assert!(!is_role_arn("arn:aws:iam:us-east-1:123456789012:role/x"));
        assert!(is_rolesanywhere_arn(
            "arn:aws:rolesanywhere:us-east-1:123456789012:profile/abc",
            "profile"
        ));
        assert!(!is_rolesanywhere_arn(
            "arn:aws:rolesanywhere:us-east-1:123456789012:profile/abc",
            "trust-anchor"
        ));
        assert!(!is_rolesanywhere_arn(
            "arn:aws:rolesanywhere::123456789012:profile/abc",
            "profile"
        ));
    }

    #[test]
    fn validation_names_the_field() {
        let profile = RolesAnywhereProfile::new(
            "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
            ["arn:aws:iam::123456789012:role/r"],
        );
        assert!(validate(&[], std::slice::from_ref(&profile), &[]).is_ok());
        let err = validate(
            &[],
            &[profile.clone().with_max_duration(Duration::from_secs(60))],
            &[],
        )
        .unwrap_err();
        assert!(
            err.contains("profiles[0].max_duration_secs") && err.contains("900"),
            "{err}"
        );
        let mut bad = profile;
        bad.role_arns = vec!["nope".into()];
        let err = validate(&[], &[bad], &[]).unwrap_err();
        assert!(err.contains("profiles[0].role_arns[0]"), "{err}");
        let role = RoleConfig::new("arn:aws:iam::123456789012:role/r");
        let err = validate(&[], &[], &[role.clone().with_lifetime(Duration::ZERO)]).unwrap_err();
        assert!(err.contains("roles[0].lifetime_secs"), "{err}");
        let err = validate(&[], &[], &[role.clone().with_external_id("x y secret")]).unwrap_err();
        assert!(
            err.contains("roles[0].external_id") && !err.contains("secret"),
            "{err}"
        );
        let err = validate(&[], &[], &[role.clone(), role]).unwrap_err();
        assert!(err.contains("roles[1].arn"), "{err}");
        let anchor = TrustAnchorConfig::from_pem(
            "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/t",
            "not pem",
        );
        let err = validate(&[anchor], &[], &[]).unwrap_err();
        assert!(
            err.contains("trust_anchors[0]") && err.contains("no certificate"),
            "{err}"
        );
        let anchor = TrustAnchorConfig::from_path(
            "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/t",
            "/nonexistent/ca.pem",
        );
        let err = validate(&[anchor], &[], &[]).unwrap_err();
        assert!(err.contains("trust_anchors[0].certificate_path"), "{err}");
    }
}
