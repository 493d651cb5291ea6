//! The credentials services: IAM Roles Anywhere `CreateSession` (`POST /sessions`, X.509-signed)
//! and STS `AssumeRole` / `GetCallerIdentity` (`POST /`, SigV4 for `sts`), which issue temporary
//! credentials that the emulator then accepts until they expire.

mod der;
mod roles_anywhere;
mod settings;
mod store;
mod sts;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::{IntoResponse as _, Response};
use http::request::Parts;

use crate::config::EmulatorConfig;
use crate::error::{ApiError, EmulatorError};
use crate::routes::Route;
use crate::server::AppState;

pub use settings::{RoleConfig, RolesAnywhereProfile, TrustAnchorConfig};
pub(crate) use settings::{parse_arn, validate};
pub use store::DEFAULT_MAX_ISSUED_CREDENTIALS;
pub(crate) use store::{Identity, Issued, IssuedStore, base32};

/// The largest body a credentials request may have: their bodies are a few hundred bytes.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the credentials services were asked and issued so far
/// ([`EmulatorHandle::credential_requests`](crate::EmulatorHandle::credential_requests)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialRequests {
    /// Roles Anywhere `CreateSession` requests received, answered or refused.
    pub create_session: u64,
    /// STS `AssumeRole` requests received, answered or refused.
    pub assume_role: u64,
    /// Credentials issued by either.
    pub issued: u64,
}

impl CredentialRequests {
    /// `CreateSession` and `AssumeRole` requests together.
    pub fn total(&self) -> u64 {
        self.create_session + self.assume_role
    }
}

/// A trust anchor ready for path validation.
#[derive(Debug)]
struct LoadedAnchor {
    arn: String,
    region: String,
    anchors: Vec<rustls_pki_types::TrustAnchor<'static>>,
}

/// The credentials services' state: what they trust and hand out, what they issued, counters.
#[derive(Debug, Clone)]
pub(crate) struct CredentialService {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    trust_anchors: Vec<LoadedAnchor>,
    profiles: Vec<RolesAnywhereProfile>,
    roles: Vec<RoleConfig>,
    issued: Arc<IssuedStore>,
    max_clock_skew: Duration,
    create_session: AtomicU64,
    assume_role: AtomicU64,
    issued_count: AtomicU64,
}

impl CredentialService {
    /// Loads the trust anchors of `config` and sets up an empty store.
    pub(crate) fn new(config: &EmulatorConfig) -> Result<Self, EmulatorError> {
        let invalid = |message: String| EmulatorError::InvalidConfig {
            path: None,
            message,
        };
        validate(&config.trust_anchors, &config.profiles, &config.roles).map_err(invalid)?;
        let mut trust_anchors = Vec::with_capacity(config.trust_anchors.len());
        for (i, anchor) in config.trust_anchors.iter().enumerate() {
            let anchors = anchor
                .certificates(i)
                .map_err(invalid)?
                .iter()
                .map(|der| {
                    webpki::anchor_from_trusted_cert(der)
                        .map(|a| a.to_owned())
                        .map_err(|e| invalid(format!("field `trust_anchors[{i}]`: {e:?}")))
                })
                .collect::<Result<_, _>>()?;
            trust_anchors.push(LoadedAnchor {
                arn: anchor.arn.clone(),
                region: parse_arn(&anchor.arn)
                    .map(|a| a.region.to_owned())
                    .unwrap_or_default(),
                anchors,
            });
        }
        Ok(CredentialService {
            inner: Arc::new(Inner {
                trust_anchors,
                profiles: config.profiles.clone(),
                roles: config.roles.clone(),
                issued: Arc::new(IssuedStore::new(config.max_issued_credentials)),
                max_clock_skew: match config.max_clock_skew_secs {
                    0 => Duration::MAX,
                    secs => Duration::from_secs(secs),
                },
                create_session: AtomicU64::new(0),
                assume_role: AtomicU64::new(0),
                issued_count: AtomicU64::new(0),
            }),
        })
    }

    /// The store of issued credentials, for the request authenticator.
    pub(crate) fn issued(&self) -> Arc<IssuedStore> {
        self.inner.issued.clone()
    }

    /// The counters.
    pub(crate) fn requests(&self) -> CredentialRequests {
        CredentialRequests {
            create_session: self.inner.create_session.load(Ordering::Relaxed),
            assume_role: self.inner.assume_role.load(Ordering::Relaxed),
            issued: self.inner.issued_count.load(Ordering::Relaxed),
        }
    }

    fn role(&self, arn: &str) -> Option<&RoleConfig> {
        self.inner.roles.iter().find(|r| r.arn == arn)
    }

    /// Issues credentials for `role_arn`'s session `session_name`, living `lifetime` (rounded up
    /// to a whole second, so the expiry the client is told is the one the emulator enforces).
    fn issue(
        &self,
        role_arn: &str,
        session_name: &str,
        lifetime: Duration,
        now: SystemTime,
    ) -> Result<Arc<Issued>, IssueError> {
        let expires_at = whole_second_ceiling(now + lifetime);
        let identity = assumed_role_identity(role_arn, session_name);
        let issued = Issued::generate(identity, expires_at).ok_or(IssueError::Random)?;
        let issued = self
            .inner
            .issued
            .insert(issued, now)
            .map_err(IssueError::Full)?;
        self.inner.issued_count.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            access_key_id = %issued.access_key_id,
            role_arn,
            lifetime_secs = lifetime.as_secs(),
            "issued temporary credentials"
        );
        Ok(issued)
    }
}

/// Why credentials could not be issued.
#[derive(Debug)]
enum IssueError {
    /// The system's random number generator failed.
    Random,
    /// The store is full of valid credentials.
    Full(store::StoreFull),
}

impl std::fmt::Display for IssueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IssueError::Random => f.write_str("the system's random number generator failed"),
            IssueError::Full(full) => full.fmt(f),
        }
    }
}

/// The identity of a session of `role_arn` (a checked role ARN) named `session_name`.
fn assumed_role_identity(role_arn: &str, session_name: &str) -> Identity {
    let arn = parse_arn(role_arn);
    let partition = arn.map_or("aws", |a| a.partition);
    let account = arn.map_or("", |a| a.account);
    // `role/path/name`: the assumed-role ARN names the role without its path.
    let role_name = arn
        .and_then(|a| a.resource.rsplit('/').next())
        .unwrap_or_default();
    let role_id = format!("AROA{}", crate::auth::stable_id(role_arn));
    Identity {
        arn: format!("arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}"),
        user_id: format!("{role_id}:{session_name}"),
        account: account.to_owned(),
    }
}

/// `t` rounded up to a whole second.
fn whole_second_ceiling(t: SystemTime) -> SystemTime {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() + u64::from(since.subsec_nanos() > 0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// RFC 3339 in UTC with whole seconds, `2030-01-01T00:00:00Z`, as both services write expiries.
fn format_rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|utc| {
            utc.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// The path and query of a request, as received.
fn path_and_query(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned())
}

/// Answers a credentials request (`route` is [`Route::CreateSession`] or [`Route::Sts`]); every
/// failure is answered in that service's own error shape.
pub(crate) fn handle(state: &AppState, route: &Route, parts: &Parts, body: &[u8]) -> Response {
    match route {
        Route::CreateSession => {
            state
                .credentials
                .inner
                .create_session
                .fetch_add(1, Ordering::Relaxed);
            roles_anywhere::create_session(&state.credentials, parts, body, SystemTime::now())
        }
        Route::Sts => sts::handle(state, parts, body, SystemTime::now()),
        _ => ApiError::internal("not a credentials route").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_round_up_and_format() {
        let t = UNIX_EPOCH + Duration::from_millis(1_893_456_000_250);
        assert_eq!(
            whole_second_ceiling(t),
            UNIX_EPOCH + Duration::from_secs(1_893_456_001)
        );
        let whole = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
        assert_eq!(whole_second_ceiling(whole), whole);
        assert_eq!(format_rfc3339(whole), "2030-01-01T00:00:00Z");
    }

    #[test]
    fn assumed_role_identities_name_role_and_session() {
        let id = assumed_role_identity("arn:aws:iam::210987654321:role/team/invoker", "s-1");
        assert_eq!(id.arn, "arn:aws:sts::210987654321:assumed-role/invoker/s-1");
        assert!(id.user_id.starts_with("AROA") && id.user_id.ends_with(":s-1"));
        assert_eq!(id.account, "210987654321");
    }
}
