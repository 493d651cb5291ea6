//! The standard credential chain (environment, profiles, web identity, container; instance
//! metadata only on request) and an offline check of whether credentials are configured locally.

use crate::secret::SecretString;
use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};
use aws_types::region::Region;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Options of [`default_chain`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainOptions {
    /// Profile to read from the shared config files; `None` means `AWS_PROFILE` or `default`.
    pub profile_name: Option<String>,
    /// Whether the chain may ask the EC2 instance metadata service (IMDS) as a last resort,
    /// and profiles may use `credential_source = Ec2InstanceMetadata`. Off by default: probing
    /// IMDS off EC2 costs a timeout and can reach an unexpected link-local service.
    pub allow_imds: bool,
}

/// Stands in for the instance metadata provider when IMDS is not allowed.
#[derive(Debug)]
struct ImdsNotAllowed;

impl ProvideCredentials for ImdsNotAllowed {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(
            "instance metadata (IMDS) is not allowed; set ChainOptions::allow_imds to use it",
        )))
    }
}

/// The standard AWS credential chain, built explicitly so that instance metadata is never
/// probed unless `options.allow_imds` is set. Providers are tried in this order:
///
/// 1. environment variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
/// 2. the shared config and credentials files (`~/.aws/config`, `~/.aws/credentials`, or
///    `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`): static keys, `role_arn` chains, SSO,
///    `credential_process`, `web_identity_token_file`;
/// 3. `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (STS AssumeRoleWithWebIdentity);
/// 4. the ECS/EKS container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`);
/// 5. only with `allow_imds`: EC2 instance metadata.
///
/// Nothing is loaded until the provider is first asked; wrap the result in the SDK's config,
/// whose identity cache refreshes temporary credentials.
pub fn default_chain(region: &str, options: ChainOptions) -> SharedCredentialsProvider {
    let config = ProviderConfig::default().with_region(Some(Region::new(region.to_owned())));
    let mut profile = ProfileFileCredentialsProvider::builder().configure(&config);
    if let Some(name) = &options.profile_name {
        profile = profile.profile_name(name);
    }
    if !options.allow_imds {
        profile = profile.with_custom_provider("Ec2InstanceMetadata", ImdsNotAllowed);
    }
    let chain = CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else("Profile", profile.build())
    .or_else(
        "WebIdentityToken",
        WebIdentityTokenCredentialsProvider::builder()
            .configure(&config)
            .build(),
    )
    .or_else(
        "EcsContainer",
        EcsCredentialsProvider::builder().configure(&config).build(),
    );
    let chain = if options.allow_imds {
        chain.or_else(
            "Ec2InstanceMetadata",
            ImdsCredentialsProvider::builder()
                .configure(&config)
                .build(),
        )
    } else {
        chain
    };
    SharedCredentialsProvider::new(chain)
}

/// How a profile in the shared config files provides credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileCredentialKind {
    /// `aws_access_key_id` and `aws_secret_access_key`.
    AccessKeys,
    /// `role_arn` with `source_profile` or a local `credential_source`.
    AssumeRole,
    /// `web_identity_token_file` with `role_arn`.
    WebIdentity,
    /// IAM Identity Center: `sso_session` or `sso_start_url`, with account and role.
    Sso,
    /// `credential_process`.
    CredentialProcess,
    /// `login_session` (console login credentials).
    LoginSession,
    /// IAM Roles Anywhere: `roles_anywhere_certificate` and the other `roles_anywhere_*` keys
    /// (read by [`CredentialsSpec`](crate::CredentialsSpec), not by the standard chain).
    RolesAnywhere,
}

/// Where locally configured credentials were found, in the order the chain looks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalCredentials {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// A profile of the shared config files.
    Profile {
        /// The profile's name.
        name: String,
        /// What the profile uses.
        kind: ProfileCredentialKind,
    },
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`.
    WebIdentity,
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    Container,
}

/// Whether AWS credentials are configured locally, without any network call or process run.
///
/// `env` looks up environment variables (pass `|k| std::env::var(k).ok()` in production);
/// `home_dir` is the user's home, where `.aws/config` and `.aws/credentials` live. Instance
/// metadata is never considered local. See [`detect_local_credentials`] for details.
pub fn local_credentials_configured(
    env: impl Fn(&str) -> Option<String>,
    home_dir: Option<&Path>,
) -> bool {
    detect_local_credentials(env, home_dir, None).is_some()
}

/// Finds which locally configured credentials the chain would use, without any network call.
///
/// Looks, in chain order, at: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (or
/// `SECRET_ACCESS_KEY`); the profile `profile_name`, else `AWS_PROFILE`, else `default`, in
/// `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE` (default `~/.aws/credentials` and
/// `~/.aws/config`); `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`; and the container
/// variables. Blank variables count as unset. A profile counts when it holds keys, SSO
/// settings, a `credential_process`, a web identity file, a login session, or a `role_arn`
/// whose source is another profile or a local `credential_source` (`Environment`,
/// `EcsContainer`; not `Ec2InstanceMetadata`). Only whether settings are present is checked:
/// an expired SSO token still counts as configured.
pub fn detect_local_credentials(
    env: impl Fn(&str) -> Option<String>,
    home_dir: Option<&Path>,
    profile_name: Option<&str>,
) -> Option<LocalCredentials> {
    let var = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let has = |name: &str| var(name).is_some();

    if has("AWS_ACCESS_KEY_ID") && (has("AWS_SECRET_ACCESS_KEY") || has("SECRET_ACCESS_KEY")) {
        return Some(LocalCredentials::Environment);
    }
    let profile = profile_name
        .map(str::to_owned)
        .or_else(|| var("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    let files = ProfileFiles::load(&var, home_dir);
    if let Some(kind) = files.credential_kind(&profile) {
        return Some(LocalCredentials::Profile {
            name: profile,
            kind,
        });
    }
    if has("AWS_WEB_IDENTITY_TOKEN_FILE") && has("AWS_ROLE_ARN") {
        return Some(LocalCredentials::WebIdentity);
    }
    if has("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || has("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        return Some(LocalCredentials::Container);
    }
    None
}

/// [`detect_local_credentials`] over this process's environment and `HOME`.
pub fn detect_local_credentials_in_process(profile_name: Option<&str>) -> Option<LocalCredentials> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from);
    detect_local_credentials(
        |name| std::env::var(name).ok(),
        home.as_deref(),
        profile_name,
    )
}

/// Profiles of the shared config and credentials files: name → lower-case key → value.
///
/// Every value is kept as a [`SecretString`] (keys, tokens and passphrases sit beside plain
/// settings), and `Debug` shows profile names and keys only.
#[derive(Default)]
pub(crate) struct ProfileFiles {
    profiles: HashMap<String, HashMap<String, SecretString>>,
}

impl fmt::Debug for ProfileFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.profiles.keys().collect();
        names.sort();
        let mut map = f.debug_map();
        for name in names {
            let mut keys: Vec<&String> = self
                .profiles
                .get(name)
                .map(|p| p.keys().collect())
                .unwrap_or_default();
            keys.sort();
            map.entry(name, &keys);
        }
        map.finish()
    }
}

impl ProfileFiles {
    /// The settings of profile `name`.
    pub(crate) fn profile(&self, name: &str) -> Option<&HashMap<String, SecretString>> {
        self.profiles.get(name)
    }

    pub(crate) fn load(var: &dyn Fn(&str) -> Option<String>, home_dir: Option<&Path>) -> Self {
        let resolve = |variable: &str, default: &str| -> Option<PathBuf> {
            match var(variable) {
                Some(path) => Some(expand_home(&path, home_dir)),
                None => home_dir.map(|home| home.join(".aws").join(default)),
            }
        };
        let mut files = Self::default();
        if let Some(path) = resolve("AWS_CONFIG_FILE", "config") {
            files.merge(&read_or_empty(&path), true);
        }
        // The credentials file wins over the config file for the same key.
        if let Some(path) = resolve("AWS_SHARED_CREDENTIALS_FILE", "credentials") {
            files.merge(&read_or_empty(&path), false);
        }
        files
    }

    /// Parses one file. In the config file profiles are `[profile name]` (or `[default]`);
    /// in the credentials file they are `[name]`. Other sections (`[sso-session x]`,
    /// `[services x]`) are skipped; indented lines continue a nested property and are skipped.
    fn merge(&mut self, text: &str, is_config_file: bool) {
        let mut current: Option<String> = None;
        for raw_line in text.lines() {
            if raw_line.starts_with([' ', '\t']) {
                continue;
            }
            let line = strip_comment(raw_line).trim();
            if line.is_empty() {
                continue;
            }
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let section = section.trim();
                current = if is_config_file {
                    match section.split_once(char::is_whitespace) {
                        Some(("profile", name)) => Some(name.trim().to_owned()),
                        None if section == "default" => Some(section.to_owned()),
                        _ => None,
                    }
                } else {
                    Some(section.to_owned())
                };
                continue;
            }
            let (Some(profile), Some((key, value))) = (&current, line.split_once('=')) else {
                continue;
            };
            self.profiles.entry(profile.clone()).or_default().insert(
                key.trim().to_ascii_lowercase(),
                SecretString::new(value.trim()),
            );
        }
    }

    fn credential_kind(&self, name: &str) -> Option<ProfileCredentialKind> {
        self.kind_with_depth(name, 0)
    }

    fn kind_with_depth(&self, name: &str, depth: usize) -> Option<ProfileCredentialKind> {
        // A source_profile cycle (or an absurdly long chain) is not a usable configuration.
        const MAX_SOURCE_PROFILE_DEPTH: usize = 16;
        let profile = self.profiles.get(name)?;
        let has = |key: &str| profile.get(key).is_some_and(|value| !value.is_empty());
        let value = |key: &str| profile.get(key).map(SecretString::expose_secret);
        if has("role_arn") {
            if has("web_identity_token_file") {
                return Some(ProfileCredentialKind::WebIdentity);
            }
            if let Some(source) = value("credential_source") {
                return matches!(source, "Environment" | "EcsContainer")
                    .then_some(ProfileCredentialKind::AssumeRole);
            }
            if let Some(source) = value("source_profile") {
                if source == name {
                    // A profile may assume a role with its own static keys.
                    return has("aws_access_key_id").then_some(ProfileCredentialKind::AssumeRole);
                }
                return (depth < MAX_SOURCE_PROFILE_DEPTH
                    && self.kind_with_depth(source, depth + 1).is_some())
                .then_some(ProfileCredentialKind::AssumeRole);
            }
        }
        if has("aws_access_key_id") && has("aws_secret_access_key") {
            return Some(ProfileCredentialKind::AccessKeys);
        }
        if (has("sso_session") || has("sso_start_url"))
            && has("sso_account_id")
            && has("sso_role_name")
        {
            return Some(ProfileCredentialKind::Sso);
        }
        if has("credential_process") {
            return Some(ProfileCredentialKind::CredentialProcess);
        }
        if has("login_session") {
            return Some(ProfileCredentialKind::LoginSession);
        }
        if has(crate::configured::profile_keys::CERTIFICATE) {
            return Some(ProfileCredentialKind::RolesAnywhere);
        }
        None
    }
}

fn strip_comment(line: &str) -> &str {
    // Comments start a line, or follow whitespace inside it (`key = value ; note`).
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with(';') {
        return "";
    }
    let comment_start = line
        .as_bytes()
        .windows(2)
        .position(|pair| matches!(pair, [space, b'#' | b';'] if space.is_ascii_whitespace()));
    // Up to and including the whitespace before the comment, an ASCII byte.
    comment_start
        .and_then(|space| line.get(..=space))
        .unwrap_or(line)
}

fn expand_home(path: &str, home_dir: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

fn read_or_empty(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::debug!(path = %path.display(), %error, "cannot read AWS profile file");
            }
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fixture {
        home: tempfile::TempDir,
        env: HashMap<&'static str, String>,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                home: tempfile::tempdir().unwrap(),
                env: HashMap::new(),
            }
        }

        fn file(&self, name: &str, text: &str) {
            let dir = self.home.path().join(".aws");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), text).unwrap();
        }

        fn set(&mut self, name: &'static str, value: &str) {
            self.env.insert(name, value.to_owned());
        }

        fn detect(&self, profile: Option<&str>) -> Option<LocalCredentials> {
            detect_local_credentials(
                |name| self.env.get(name).cloned(),
                Some(self.home.path()),
                profile,
            )
        }
    }

    fn profile(name: &str, kind: ProfileCredentialKind) -> Option<LocalCredentials> {
        Some(LocalCredentials::Profile {
            name: name.to_owned(),
            kind,
        })
    }

    #[test]
    fn nothing_configured() {
        let fixture = Fixture::new();
        assert_eq!(fixture.detect(None), None);
        assert!(!local_credentials_configured(|_| None, None));
        assert!(!local_credentials_configured(
            |_| None,
            Some(fixture.home.path())
        ));
    }

    #[test]
    fn environment_keys_need_both_halves_and_no_blanks() {
        let mut fixture = Fixture::new();
        fixture.set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        assert_eq!(fixture.detect(None), None);
        fixture.set("AWS_SECRET_ACCESS_KEY", "  ");
        assert_eq!(fixture.detect(None), None);
        fixture.set("AWS_SECRET_ACCESS_KEY", "secret");
        assert_eq!(fixture.detect(None), Some(LocalCredentials::Environment));
    }

    #[test]
    fn default_profile_with_keys_in_credentials_file() {
        let fixture = Fixture::new();
        fixture.file(
            "credentials",
            "# comment\n[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s ; note\n",
        );
        assert_eq!(
            fixture.detect(None),
            profile("default", ProfileCredentialKind::AccessKeys)
        );
    }

    #[test]
    fn named_profiles_in_config_file() {
        let fixture = Fixture::new();
        fixture.file(
            "config",
            "[default]\nregion = us-east-1\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
             [profile proc]\ncredential_process = /usr/bin/get-creds --json\n\
             [profile keys]\nAWS_ACCESS_KEY_ID = AKID\nAWS_SECRET_ACCESS_KEY = s\n\
             [profile role]\nrole_arn = arn:aws:iam::123456789012:role/demo\nsource_profile = keys\n\
             [profile loop]\nrole_arn = arn:aws:iam::123456789012:role/demo\nsource_profile = loop2\n\
             [profile loop2]\nrole_arn = arn:aws:iam::123456789012:role/demo\nsource_profile = loop\n\
             [profile imds]\nrole_arn = arn:aws:iam::123456789012:role/demo\ncredential_source = Ec2InstanceMetadata\n\
             [profile container]\nrole_arn = arn:aws:iam::123456789012:role/demo\ncredential_source = EcsContainer\n\
             [profile web]\nrole_arn = arn:aws:iam::123456789012:role/demo\nweb_identity_token_file = /tmp/token\n\
             [profile s3]\ns3 =\n  max_concurrent_requests = 10\n\
             [plain]\naws_access_key_id = AKID\naws_secret_access_key = s\n",
        );
        assert_eq!(fixture.detect(None), None, "default only has a region");
        assert_eq!(
            fixture.detect(Some("sso")),
            profile("sso", ProfileCredentialKind::Sso)
        );
        assert_eq!(
            fixture.detect(Some("proc")),
            profile("proc", ProfileCredentialKind::CredentialProcess)
        );
        assert_eq!(
            fixture.detect(Some("keys")),
            profile("keys", ProfileCredentialKind::AccessKeys)
        );
        assert_eq!(
            fixture.detect(Some("role")),
            profile("role", ProfileCredentialKind::AssumeRole)
        );
        assert_eq!(
            fixture.detect(Some("container")),
            profile("container", ProfileCredentialKind::AssumeRole)
        );
        assert_eq!(
            fixture.detect(Some("web")),
            profile("web", ProfileCredentialKind::WebIdentity)
        );
        assert_eq!(fixture.detect(Some("loop")), None);
        assert_eq!(fixture.detect(Some("imds")), None, "IMDS is not local");
        assert_eq!(fixture.detect(Some("s3")), None);
        assert_eq!(
            fixture.detect(Some("plain")),
            None,
            "config file needs `profile `"
        );
        assert_eq!(fixture.detect(Some("missing")), None);
    }

    #[test]
    fn profile_files_debug_shows_names_and_keys_only() {
        let mut files = ProfileFiles::default();
        files.merge(
            "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = SECRET-MARKER\n\
             aws_session_token = TOKEN-MARKER\n",
            false,
        );
        files.merge(
            "[profile ra]\nroles_anywhere_certificate = /c.pem\nsso_start_url = https://x\n",
            true,
        );
        let text = format!("{files:?} {files:#?}");
        assert!(
            !text.contains("MARKER") && !text.contains("AKIDEXAMPLE"),
            "{text}"
        );
        assert!(
            text.contains("aws_secret_access_key") && text.contains("\"ra\""),
            "{text}"
        );
        assert_eq!(
            files.credential_kind("ra"),
            Some(ProfileCredentialKind::RolesAnywhere)
        );
    }

    #[test]
    fn aws_profile_and_file_overrides() {
        let mut fixture = Fixture::new();
        let elsewhere = fixture.home.path().join("elsewhere");
        std::fs::write(
            &elsewhere,
            "[work]\naws_access_key_id = AKID\naws_secret_access_key = s\n",
        )
        .unwrap();
        fixture.set("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere");
        assert_eq!(fixture.detect(None), None);
        fixture.set("AWS_PROFILE", "work");
        assert_eq!(
            fixture.detect(None),
            profile("work", ProfileCredentialKind::AccessKeys)
        );
        // An explicit profile name wins over AWS_PROFILE.
        assert_eq!(fixture.detect(Some("other")), None);
    }

    #[test]
    fn web_identity_and_container_variables() {
        let mut fixture = Fixture::new();
        fixture.set("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token");
        assert_eq!(fixture.detect(None), None);
        fixture.set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/demo");
        assert_eq!(fixture.detect(None), Some(LocalCredentials::WebIdentity));

        let mut fixture = Fixture::new();
        fixture.set(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/abc",
        );
        assert_eq!(fixture.detect(None), Some(LocalCredentials::Container));
        let mut fixture = Fixture::new();
        fixture.set(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:8080/creds",
        );
        assert!(local_credentials_configured(
            |name| fixture.env.get(name).cloned(),
            None
        ));
    }
}
