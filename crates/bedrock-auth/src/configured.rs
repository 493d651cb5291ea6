//! Credential sources described by settings: IAM Roles Anywhere and STS AssumeRole from
//! command-line options or from a profile of the shared AWS config file, turned into one
//! refreshing [`CredentialsSource`].

use crate::chain::{ChainOptions, ProfileFiles, default_chain};
use crate::error::AuthError;
use crate::roles_anywhere::{RolesAnywhereConfig, RolesAnywhereSource};
use crate::secret::SecretString;
use crate::source::{CredentialsSource, ProviderSource, RefreshingSource};
use crate::sts::AssumeRoleSource;
use crate::x509::{PrivateKeyX509Signer, private_key_pem_is_encrypted};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Profile keys of the Roles Anywhere settings (`roles_anywhere_certificate`, ...).
pub mod profile_keys {
    /// Path of the PEM certificate (the leaf first; further blocks are intermediates).
    pub const CERTIFICATE: &str = "roles_anywhere_certificate";
    /// Path of the PEM private key (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1).
    pub const PRIVATE_KEY: &str = "roles_anywhere_private_key";
    /// Path of a PEM file of intermediate CA certificates.
    pub const INTERMEDIATES: &str = "roles_anywhere_intermediates";
    /// Trust anchor ARN.
    pub const TRUST_ANCHOR_ARN: &str = "roles_anywhere_trust_anchor_arn";
    /// Profile ARN (of Roles Anywhere, not of this file).
    pub const PROFILE_ARN: &str = "roles_anywhere_profile_arn";
    /// Role ARN.
    pub const ROLE_ARN: &str = "roles_anywhere_role_arn";
    /// Endpoint URL of Roles Anywhere.
    pub const ENDPOINT_URL: &str = "roles_anywhere_endpoint_url";
    /// Session length in seconds.
    pub const DURATION_SECONDS: &str = "roles_anywhere_duration_seconds";
    /// Role session name.
    pub const SESSION_NAME: &str = "roles_anywhere_session_name";
    /// Name of the environment variable holding the private key's passphrase.
    pub const PASSPHRASE_ENV: &str = "roles_anywhere_private_key_passphrase_env";
    /// Every key above, in the order a profile lists them in the docs.
    pub const ALL: [&str; 10] = [
        CERTIFICATE,
        PRIVATE_KEY,
        INTERMEDIATES,
        TRUST_ANCHOR_ARN,
        PROFILE_ARN,
        ROLE_ARN,
        ENDPOINT_URL,
        DURATION_SECONDS,
        SESSION_NAME,
        PASSPHRASE_ENV,
    ];
}

/// Everything needed to obtain credentials from IAM Roles Anywhere with a certificate and key
/// in PEM files. `Debug` never shows the passphrase.
#[derive(Debug, Clone, Default)]
pub struct RolesAnywhereSettings {
    /// PEM certificate file; `CERTIFICATE` blocks after the first are sent as the chain.
    pub certificate: PathBuf,
    /// PEM private key file.
    pub private_key: PathBuf,
    /// PEM file of intermediate CA certificates, sent in `X-Amz-X509-Chain`.
    pub intermediates: Option<PathBuf>,
    /// `arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>`.
    pub trust_anchor_arn: String,
    /// `arn:aws:rolesanywhere:<region>:<account>:profile/<id>`.
    pub profile_arn: String,
    /// `arn:aws:iam::<account>:role/<name>`.
    pub role_arn: String,
    /// Region of the Roles Anywhere endpoint; default: the trust anchor ARN's region.
    pub region: Option<String>,
    /// Endpoint override (the emulator, a VPC endpoint).
    pub endpoint_url: Option<String>,
    /// Session length; default one hour.
    pub duration: Option<Duration>,
    /// Role session name.
    pub role_session_name: Option<String>,
    /// The private key's passphrase, when it is encrypted.
    pub passphrase: Option<SecretString>,
    /// Name of the environment variable to read the passphrase from when `passphrase` is
    /// `None`.
    pub passphrase_env: Option<String>,
}

impl RolesAnywhereSettings {
    /// Reads the certificate and key files and builds the signer.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] naming the file that cannot be read or parsed, or
    /// `private_key_passphrase` when an encrypted key has no (or a wrong) passphrase.
    pub fn signer(&self) -> Result<PrivateKeyX509Signer, AuthError> {
        let certificate = read_pem("certificate", &self.certificate)?;
        let key = read_pem("private_key", &self.private_key)?;
        let passphrase = match (&self.passphrase, &self.passphrase_env) {
            (Some(passphrase), _) => Some(passphrase.clone()),
            (None, Some(var)) if private_key_pem_is_encrypted(&key) => {
                let value = std::env::var(var).map_err(|_| {
                    AuthError::invalid(
                        "private_key_passphrase",
                        format!("(environment variable {var} is not set)"),
                        "the passphrase of the encrypted private key in that variable",
                    )
                })?;
                Some(SecretString::new(value))
            }
            _ => None,
        };
        let mut signer = PrivateKeyX509Signer::from_pem_with_passphrase(
            &certificate,
            &key,
            passphrase.as_ref(),
        )?;
        if let Some(path) = &self.intermediates {
            signer = signer.with_chain_pem(&read_pem("intermediates", path)?)?;
        }
        Ok(signer)
    }

    /// The request settings, with the region taken from the trust anchor ARN when unset.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] when no region is set and the trust anchor ARN names
    /// none.
    pub fn config(&self) -> Result<RolesAnywhereConfig, AuthError> {
        let region = match &self.region {
            Some(region) => region.clone(),
            None => self
                .trust_anchor_arn
                .split(':')
                .nth(3)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    AuthError::invalid(
                        "trust_anchor_arn",
                        &self.trust_anchor_arn,
                        "an ARN naming its region, arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>",
                    )
                })?,
        };
        let mut config = RolesAnywhereConfig::new(
            region,
            &self.trust_anchor_arn,
            &self.profile_arn,
            &self.role_arn,
        );
        if let Some(duration) = self.duration {
            config.duration = duration;
        }
        config.role_session_name.clone_from(&self.role_session_name);
        config.endpoint.clone_from(&self.endpoint_url);
        Ok(config)
    }

    /// The Roles Anywhere source (no request is made yet).
    ///
    /// # Errors
    /// See [`RolesAnywhereSettings::signer`] and [`RolesAnywhereSource::new`].
    pub fn source(&self) -> Result<RolesAnywhereSource, AuthError> {
        RolesAnywhereSource::new(self.config()?, Arc::new(self.signer()?))
    }
}

fn read_pem(field: &'static str, path: &Path) -> Result<String, AuthError> {
    std::fs::read_to_string(path).map_err(|error| {
        AuthError::invalid(
            field,
            path.display().to_string(),
            format!("a readable PEM file ({error})"),
        )
    })
}

/// What STS AssumeRole is called with.
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleSettings {
    /// The role to assume.
    pub role_arn: String,
    /// External id the role's trust policy requires.
    pub external_id: Option<String>,
    /// Role session name; default `bedrock-connector`.
    pub session_name: Option<String>,
    /// Session length; default one hour.
    pub duration: Option<Duration>,
    /// STS region; default the region of the calls.
    pub region: Option<String>,
    /// STS endpoint override.
    pub endpoint_url: Option<String>,
}

/// Where credentials come from, as options or a profile describe it. Build the source with
/// [`CredentialsSpec::source`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CredentialsSpec {
    /// The standard chain ([`default_chain`]) without instance metadata, reading `profile`
    /// (else `AWS_PROFILE`, else `default`).
    DefaultChain {
        /// The profile.
        profile: Option<String>,
    },
    /// IAM Roles Anywhere.
    RolesAnywhere(RolesAnywhereSettings),
    /// STS AssumeRole, called with the credentials of `base`.
    AssumeRole {
        /// What to call AssumeRole with.
        role: AssumeRoleSettings,
        /// Where the credentials that call AssumeRole come from.
        base: Box<CredentialsSpec>,
    },
}

/// A source_profile chain longer than this is refused as a cycle.
const MAX_SOURCE_PROFILE_DEPTH: usize = 16;

impl CredentialsSpec {
    /// Reads profile `name` of the shared config files (`AWS_CONFIG_FILE` /
    /// `AWS_SHARED_CREDENTIALS_FILE`, default under `home_dir/.aws`): `Some` when it uses Roles
    /// Anywhere keys ([`profile_keys`]), directly or through `role_arn` + `source_profile`;
    /// `None` when it is a profile the standard chain reads by itself.
    ///
    /// Endpoints: `roles_anywhere_endpoint_url`, else `AWS_ENDPOINT_URL_ROLESANYWHERE`, else
    /// `AWS_ENDPOINT_URL`; STS: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] naming the profile key that is missing or malformed,
    /// or `source_profile` for a cycle.
    pub fn from_profile(
        name: &str,
        env: impl Fn(&str) -> Option<String>,
        home_dir: Option<&Path>,
    ) -> Result<Option<Self>, AuthError> {
        let var = |key: &str| env(key).filter(|value| !value.trim().is_empty());
        let files = ProfileFiles::load(&var, home_dir);
        Self::from_loaded_profile(&files, name, &var, 0)
    }

    fn from_loaded_profile(
        files: &ProfileFiles,
        name: &str,
        var: &dyn Fn(&str) -> Option<String>,
        depth: usize,
    ) -> Result<Option<Self>, AuthError> {
        let Some(profile) = files.profile(name) else {
            return Ok(None);
        };
        let get = |key: &str| {
            profile
                .get(key)
                .map(|value| value.expose_secret().trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        if let (Some(role_arn), Some(source)) = (get("role_arn"), get("source_profile"))
            && source != name
        {
            if depth >= MAX_SOURCE_PROFILE_DEPTH {
                return Err(AuthError::invalid(
                    "source_profile",
                    source,
                    format!(
                        "a chain of at most {MAX_SOURCE_PROFILE_DEPTH} profiles without a cycle"
                    ),
                ));
            }
            let Some(base) = Self::from_loaded_profile(files, &source, var, depth + 1)? else {
                return Ok(None);
            };
            let duration = get("duration_seconds")
                .map(|text| parse_seconds("duration_seconds", &text))
                .transpose()?;
            return Ok(Some(Self::AssumeRole {
                role: AssumeRoleSettings {
                    role_arn,
                    external_id: get("external_id"),
                    session_name: get("role_session_name"),
                    duration,
                    region: get("region"),
                    endpoint_url: var("AWS_ENDPOINT_URL_STS").or_else(|| var("AWS_ENDPOINT_URL")),
                },
                base: Box::new(base),
            }));
        }
        if !profile_keys::ALL.iter().any(|key| get(key).is_some()) {
            return Ok(None);
        }
        let required = |key: &'static str| {
            get(key).ok_or_else(|| {
                AuthError::invalid(
                    key,
                    format!("(missing in profile {name})"),
                    "a value: a Roles Anywhere profile needs roles_anywhere_certificate, \
                     roles_anywhere_private_key, roles_anywhere_trust_anchor_arn, \
                     roles_anywhere_profile_arn and roles_anywhere_role_arn",
                )
            })
        };
        let home = |path: String| expand_home(&path, var);
        Ok(Some(Self::RolesAnywhere(RolesAnywhereSettings {
            certificate: home(required(profile_keys::CERTIFICATE)?),
            private_key: home(required(profile_keys::PRIVATE_KEY)?),
            intermediates: get(profile_keys::INTERMEDIATES).map(home),
            trust_anchor_arn: required(profile_keys::TRUST_ANCHOR_ARN)?,
            profile_arn: required(profile_keys::PROFILE_ARN)?,
            role_arn: required(profile_keys::ROLE_ARN)?,
            region: get("region"),
            endpoint_url: get(profile_keys::ENDPOINT_URL)
                .or_else(|| var("AWS_ENDPOINT_URL_ROLESANYWHERE"))
                .or_else(|| var("AWS_ENDPOINT_URL")),
            duration: get(profile_keys::DURATION_SECONDS)
                .map(|text| parse_seconds(profile_keys::DURATION_SECONDS, &text))
                .transpose()?,
            role_session_name: get(profile_keys::SESSION_NAME),
            passphrase: None,
            passphrase_env: get(profile_keys::PASSPHRASE_ENV),
        })))
    }

    /// [`CredentialsSpec::from_profile`] over this process's environment and home directory.
    ///
    /// # Errors
    /// See [`CredentialsSpec::from_profile`].
    pub fn from_profile_in_process(name: &str) -> Result<Option<Self>, AuthError> {
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from);
        Self::from_profile(name, |key| std::env::var(key).ok(), home.as_deref())
    }

    /// Builds the source. Temporary credentials (Roles Anywhere, AssumeRole) sit behind a
    /// [`RefreshingSource`] that refreshes `refresh_margin` before they expire; `region` is
    /// the region of the calls, used by the standard chain and as the STS region.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] for unreadable files or settings out of range; nothing
    /// is sent yet.
    pub async fn source(
        &self,
        region: &str,
        refresh_margin: Duration,
    ) -> Result<Arc<dyn CredentialsSource>, AuthError> {
        match self {
            Self::DefaultChain { profile } => Ok(Arc::new(ProviderSource::new(
                "default-chain",
                default_chain(
                    region,
                    ChainOptions {
                        profile_name: profile.clone(),
                        allow_imds: false,
                    },
                ),
            ))),
            Self::RolesAnywhere(settings) => Ok(Arc::new(
                RefreshingSource::new(Arc::new(settings.source()?))
                    .with_refresh_margin(refresh_margin),
            )),
            Self::AssumeRole { role, base } => {
                let base = Box::pin(base.source(region, refresh_margin)).await?;
                let mut builder = AssumeRoleSource::builder(&role.role_arn)
                    .region(role.region.as_deref().unwrap_or(region))
                    .base_provider(crate::bridge::into_shared_provider(base));
                if let Some(id) = &role.external_id {
                    builder = builder.external_id(id);
                }
                if let Some(name) = &role.session_name {
                    builder = builder.session_name(name);
                }
                if let Some(duration) = role.duration {
                    builder = builder.duration(duration);
                }
                if let Some(url) = &role.endpoint_url {
                    builder = builder.endpoint_url(url);
                }
                Ok(Arc::new(
                    RefreshingSource::new(Arc::new(builder.build().await?))
                        .with_refresh_margin(refresh_margin),
                ))
            }
        }
    }
}

fn parse_seconds(field: &'static str, text: &str) -> Result<Duration, AuthError> {
    text.parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| AuthError::invalid(field, text, "a whole number of seconds"))
}

fn expand_home(path: &str, var: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), var("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ANCHOR: &str = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/4579702c-9abb-47c2-88b2-c734e0b7d4af";
    const PROFILE: &str =
        "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/6f4943fb-13d4-4242-89c4-be367595c380";
    const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";

    #[allow(
        clippy::unwrap_in_result,
        reason = "test set-up failures are test failures"
    )]
    fn spec(
        config: &str,
        env: &[(&str, &str)],
        name: &str,
    ) -> Result<Option<CredentialsSpec>, AuthError> {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config).unwrap();
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        CredentialsSpec::from_profile(name, |k| env.get(k).cloned(), Some(home.path()))
    }

    fn ra_profile(name: &str) -> String {
        format!(
            "[profile {name}]\nroles_anywhere_certificate = /certs/leaf.pem\n\
             roles_anywhere_private_key = ~/keys/leaf.key\n\
             roles_anywhere_trust_anchor_arn = {ANCHOR}\nroles_anywhere_profile_arn = {PROFILE}\n\
             roles_anywhere_role_arn = {ROLE}\nroles_anywhere_duration_seconds = 900\n\
             roles_anywhere_private_key_passphrase_env = KEY_PASS\n"
        )
    }

    #[test]
    fn roles_anywhere_profiles_are_read() {
        let text = ra_profile("ra");
        let Some(CredentialsSpec::RolesAnywhere(s)) = spec(
            &text,
            &[
                ("HOME", "/home/me"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ],
            "ra",
        )
        .unwrap() else {
            panic!("a Roles Anywhere spec")
        };
        assert_eq!(s.certificate, PathBuf::from("/certs/leaf.pem"));
        assert_eq!(s.private_key, PathBuf::from("/home/me/keys/leaf.key"));
        assert_eq!(
            (
                s.trust_anchor_arn.as_str(),
                s.profile_arn.as_str(),
                s.role_arn.as_str()
            ),
            (ANCHOR, PROFILE, ROLE)
        );
        assert_eq!(s.duration, Some(Duration::from_secs(900)));
        assert_eq!(s.passphrase_env.as_deref(), Some("KEY_PASS"));
        assert_eq!(s.endpoint_url.as_deref(), Some("http://127.0.0.1:9"));
        let config = s.config().unwrap();
        assert_eq!(config.region, "eu-west-1", "from the trust anchor ARN");
    }

    #[test]
    fn assume_role_over_a_roles_anywhere_profile() {
        let text = format!(
            "{}[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = ra\n\
             external_id = tenant-42\nduration_seconds = 1800\n\
             [profile plain]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = keys\n\
             [profile keys]\naws_access_key_id = AKID\naws_secret_access_key = s\n\
             [profile loop1]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop2\n\
             [profile loop2]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop1\n",
            ra_profile("ra")
        );
        let Some(CredentialsSpec::AssumeRole { role, base }) = spec(
            &text,
            &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7")],
            "admin",
        )
        .unwrap() else {
            panic!("an AssumeRole spec")
        };
        assert_eq!(role.role_arn, "arn:aws:iam::123456789012:role/admin");
        assert_eq!(role.external_id.as_deref(), Some("tenant-42"));
        assert_eq!(role.duration, Some(Duration::from_secs(1800)));
        assert_eq!(role.endpoint_url.as_deref(), Some("http://127.0.0.1:7"));
        assert!(matches!(*base, CredentialsSpec::RolesAnywhere(_)));
        // Profiles the standard chain reads by itself are left to it.
        assert!(spec(&text, &[], "plain").unwrap().is_none());
        assert!(spec(&text, &[], "keys").unwrap().is_none());
        assert!(spec(&text, &[], "missing").unwrap().is_none());
        let err = spec(&text, &[], "loop1").unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::InvalidParameter {
                    field: "source_profile",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn incomplete_roles_anywhere_profiles_name_the_missing_key() {
        let text = format!(
            "[profile half]\nroles_anywhere_certificate = /c.pem\nroles_anywhere_private_key = /k.pem\nroles_anywhere_trust_anchor_arn = {ANCHOR}\n"
        );
        let err = spec(&text, &[], "half").unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::InvalidParameter {
                    field: "roles_anywhere_profile_arn",
                    ..
                }
            ),
            "{err}"
        );
        let text = format!(
            "{}roles_anywhere_duration_seconds = soon\n",
            ra_profile("bad")
        );
        let err = spec(
            &text.replace("roles_anywhere_duration_seconds = 900\n", ""),
            &[],
            "bad",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("roles_anywhere_duration_seconds"),
            "{err}"
        );
    }

    #[test]
    fn unreadable_files_are_named() {
        let settings = RolesAnywhereSettings {
            certificate: PathBuf::from("/nonexistent/leaf.pem"),
            private_key: PathBuf::from("/nonexistent/leaf.key"),
            trust_anchor_arn: ANCHOR.into(),
            profile_arn: PROFILE.into(),
            role_arn: ROLE.into(),
            ..RolesAnywhereSettings::default()
        };
        let err = settings.signer().unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::InvalidParameter {
                    field: "certificate",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("/nonexistent/leaf.pem"), "{err}");
    }
}
