//! Credential values: `StaticCredentials`, `TemporaryCredentials` and the `Credentials` union,
//! with conversions to and from the AWS SDK's credential type.

use crate::amz_date::format_rfc3339;
use crate::error::AuthError;
use crate::secret::SecretString;
use std::time::SystemTime;

/// Name the SDK sees for credentials converted by this crate.
pub(crate) const SDK_PROVIDER_NAME: &str = "bedrock-auth";

/// Longest access key id accepted (IAM's limit).
const MAX_ACCESS_KEY_ID_LEN: usize = 128;

fn validate_access_key_id(access_key_id: &str) -> Result<(), AuthError> {
    let valid_chars = access_key_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if access_key_id.is_empty() || access_key_id.len() > MAX_ACCESS_KEY_ID_LEN || !valid_chars {
        // A rejected "access key id" may be a secret passed in the wrong place: show only
        // its start and length.
        let shown: String = access_key_id.chars().take(4).collect();
        return Err(AuthError::invalid(
            "access_key_id",
            format!("{shown}... ({} characters)", access_key_id.chars().count()),
            format!("1 to {MAX_ACCESS_KEY_ID_LEN} characters of A-Z, a-z, 0-9 and _"),
        ));
    }
    Ok(())
}

fn validate_secret(field: &'static str, secret: &SecretString) -> Result<(), AuthError> {
    if secret.is_empty() {
        return Err(AuthError::invalid(field, "(empty)", "a non-empty value"));
    }
    Ok(())
}

/// Long-term credentials: an access key id, its secret, and optionally a session token.
///
/// `Debug` shows the access key id only; the secret and the token print as `** redacted **`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
}

impl StaticCredentials {
    /// Builds credentials from an access key id and its secret.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] when the access key id is empty, longer than 128
    /// characters or holds characters other than `A-Z a-z 0-9 _`, or when the secret is empty.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
    ) -> Result<Self, AuthError> {
        let access_key_id = access_key_id.into();
        let secret_access_key = secret_access_key.into();
        validate_access_key_id(&access_key_id)?;
        validate_secret("secret_access_key", &secret_access_key)?;
        Ok(Self {
            access_key_id,
            secret_access_key,
            session_token: None,
        })
    }

    /// Adds a session token.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] when the token is empty.
    pub fn with_session_token(
        mut self,
        session_token: impl Into<SecretString>,
    ) -> Result<Self, AuthError> {
        let token = session_token.into();
        validate_secret("session_token", &token)?;
        self.session_token = Some(token);
        Ok(self)
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    /// Turns these into temporary credentials that expire at `expires_at`.
    pub fn expiring_at(self, expires_at: SystemTime) -> TemporaryCredentials {
        TemporaryCredentials {
            access_key_id: self.access_key_id,
            secret_access_key: self.secret_access_key,
            session_token: self.session_token,
            expires_at,
        }
    }
}

/// Credentials that stop working at `expires_at` (STS sessions, Roles Anywhere sessions, ...).
///
/// `Debug` shows the access key id and the expiry only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemporaryCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expires_at: SystemTime,
}

impl TemporaryCredentials {
    /// Builds temporary credentials.
    ///
    /// # Errors
    /// Same checks as [`StaticCredentials::new`], plus an empty session token is rejected.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
        session_token: Option<SecretString>,
        expires_at: SystemTime,
    ) -> Result<Self, AuthError> {
        let mut base = StaticCredentials::new(access_key_id, secret_access_key)?;
        if let Some(token) = session_token {
            base = base.with_session_token(token)?;
        }
        Ok(base.expiring_at(expires_at))
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    /// When these credentials stop working.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Whether the credentials are expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

/// Either kind of credentials, as returned by every [`CredentialsSource`](crate::CredentialsSource).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// Credentials without an expiry.
    Static(StaticCredentials),
    /// Credentials with an expiry.
    Temporary(TemporaryCredentials),
}

impl Credentials {
    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        match self {
            Self::Static(c) => c.access_key_id(),
            Self::Temporary(c) => c.access_key_id(),
        }
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretString {
        match self {
            Self::Static(c) => c.secret_access_key(),
            Self::Temporary(c) => c.secret_access_key(),
        }
    }

    /// The session token, if any.
    pub fn session_token(&self) -> Option<&SecretString> {
        match self {
            Self::Static(c) => c.session_token(),
            Self::Temporary(c) => c.session_token(),
        }
    }

    /// The expiry, for temporary credentials.
    pub fn expires_at(&self) -> Option<SystemTime> {
        match self {
            Self::Static(_) => None,
            Self::Temporary(c) => Some(c.expires_at()),
        }
    }

    /// Whether the credentials are expired at `now` (static credentials never are).
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expires_at().is_some_and(|expiry| now >= expiry)
    }

    /// Fails with [`AuthError::Expired`] when the credentials are expired at `now`.
    pub(crate) fn ensure_fresh(
        self,
        source_name: &str,
        now: SystemTime,
    ) -> Result<Self, AuthError> {
        match self.expires_at() {
            Some(expiry) if now >= expiry => Err(AuthError::Expired {
                source_name: source_name.to_owned(),
                access_key_id: self.access_key_id().to_owned(),
                expired_at: format_rfc3339(expiry),
            }),
            _ => Ok(self),
        }
    }

    /// Converts to the AWS SDK's credentials type (keeping the expiry, so the SDK's identity
    /// cache knows when to refresh).
    pub fn to_sdk(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id(),
            self.secret_access_key().expose_secret(),
            self.session_token().map(|t| t.expose_secret().to_owned()),
            self.expires_at(),
            SDK_PROVIDER_NAME,
        )
    }

    /// Converts from the AWS SDK's credentials type: credentials with an expiry become
    /// [`Credentials::Temporary`].
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] when the SDK credentials fail the checks of
    /// [`StaticCredentials::new`].
    pub fn from_sdk(credentials: &aws_credential_types::Credentials) -> Result<Self, AuthError> {
        let mut base =
            StaticCredentials::new(credentials.access_key_id(), credentials.secret_access_key())?;
        if let Some(token) = credentials.session_token() {
            base = base.with_session_token(token)?;
        }
        Ok(match credentials.expiry() {
            Some(expiry) => Self::Temporary(base.expiring_at(expiry)),
            None => Self::Static(base),
        })
    }
}

impl Credentials {
    /// The document a `credential_process` prints, as the AWS SDKs and CLI read it:
    /// `{"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,"Expiration":...}`
    /// (`SessionToken` and `Expiration`, RFC 3339 UTC, only when present). It holds the secret
    /// in clear: write it only where the caller asked for it.
    pub fn to_credential_process_json(&self) -> String {
        let mut document = serde_json::Map::new();
        document.insert("Version".into(), 1.into());
        document.insert("AccessKeyId".into(), self.access_key_id().into());
        document.insert(
            "SecretAccessKey".into(),
            self.secret_access_key().expose_secret().into(),
        );
        if let Some(token) = self.session_token() {
            document.insert("SessionToken".into(), token.expose_secret().into());
        }
        if let Some(expiry) = self.expires_at() {
            document.insert("Expiration".into(), format_rfc3339(expiry).into());
        }
        serde_json::Value::Object(document).to_string()
    }
}

impl From<StaticCredentials> for Credentials {
    fn from(value: StaticCredentials) -> Self {
        Self::Static(value)
    }
}

impl From<TemporaryCredentials> for Credentials {
    fn from(value: TemporaryCredentials) -> Self {
        Self::Temporary(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "session-token-that-must-stay-hidden";

    #[test]
    fn rejects_bad_access_key_ids_and_empty_secrets() {
        for bad in ["", "AKID EXAMPLE", "AKID/EXAMPLE", &"A".repeat(129)] {
            let err = StaticCredentials::new(bad, SECRET).unwrap_err();
            assert!(matches!(
                err,
                AuthError::InvalidParameter {
                    field: "access_key_id",
                    ..
                }
            ));
        }
        let err = StaticCredentials::new("AKIDEXAMPLE", "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid secret_access_key `(empty)`: expected a non-empty value"
        );
        let err = StaticCredentials::new("AKIDEXAMPLE", SECRET)
            .unwrap()
            .with_session_token("")
            .unwrap_err();
        assert!(matches!(
            err,
            AuthError::InvalidParameter {
                field: "session_token",
                ..
            }
        ));
    }

    #[test]
    fn a_secret_passed_as_access_key_id_is_not_echoed() {
        let err = StaticCredentials::new(SECRET, "AKIDEXAMPLE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid access_key_id `wJal... (40 characters)`: expected 1 to 128 characters of \
             A-Z, a-z, 0-9 and _"
        );
    }

    #[test]
    fn round_trips_through_the_sdk_type() {
        let expiry = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let creds: Credentials = TemporaryCredentials::new(
            "ASIAEXAMPLE",
            SECRET,
            Some(SecretString::new(TOKEN)),
            expiry,
        )
        .unwrap()
        .into();
        let sdk = creds.to_sdk();
        assert_eq!(sdk.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(sdk.secret_access_key(), SECRET);
        assert_eq!(sdk.session_token(), Some(TOKEN));
        assert_eq!(sdk.expiry(), Some(expiry));
        assert_eq!(Credentials::from_sdk(&sdk).unwrap(), creds);

        let long_term: Credentials = StaticCredentials::new("AKIDEXAMPLE", SECRET)
            .unwrap()
            .into();
        let back = Credentials::from_sdk(&long_term.to_sdk()).unwrap();
        assert_eq!(back, long_term);
        assert_eq!(back.expires_at(), None);
        assert!(!back.is_expired_at(SystemTime::now()));
    }

    #[test]
    fn credential_process_documents() {
        let expiry = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let temporary: Credentials = TemporaryCredentials::new(
            "ASIAEXAMPLE",
            SECRET,
            Some(SecretString::new(TOKEN)),
            expiry,
        )
        .unwrap()
        .into();
        let value: serde_json::Value =
            serde_json::from_str(&temporary.to_credential_process_json()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "Version": 1,
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": SECRET,
                "SessionToken": TOKEN,
                "Expiration": "2030-03-17T17:46:40Z",
            })
        );
        let long_term: Credentials = StaticCredentials::new("AKIDEXAMPLE", SECRET)
            .unwrap()
            .into();
        let value: serde_json::Value =
            serde_json::from_str(&long_term.to_credential_process_json()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": SECRET})
        );
    }

    #[test]
    fn expiry_is_checked() {
        let expiry = UNIX_EPOCH + Duration::from_secs(100);
        let creds: Credentials = StaticCredentials::new("ASIAEXAMPLE", SECRET)
            .unwrap()
            .expiring_at(expiry)
            .into();
        assert!(!creds.is_expired_at(expiry - Duration::from_secs(1)));
        assert!(creds.is_expired_at(expiry));
        let err = creds.ensure_fresh("test", expiry).unwrap_err();
        assert_eq!(
            err.to_string(),
            "credentials `ASIAEXAMPLE` from `test` expired at 1970-01-01T00:01:40Z; \
             refresh them or use a refreshing source"
        );
    }
}
