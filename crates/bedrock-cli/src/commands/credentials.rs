//! Credential options (IAM Roles Anywhere, STS AssumeRole, Bedrock API keys), how they turn into
//! a credentials source, and `bedrock credentials roles-anywhere`, which prints the
//! `credential_process` document.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use bedrock_auth::{
    AssumeRoleSettings, CredentialsSpec, RolesAnywhereSettings, SecretString,
    TemporaryCredentialsIssuer as _, private_key_pem_is_encrypted,
};
use bedrock_backend_aws::{API_KEY_ENV, AwsBackendConfig, Token};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::Printer;

/// How long before temporary credentials expire the CLI asks for new ones.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Credential options every command takes (all optional; without them the standard AWS chain
/// is used).
#[derive(Debug, Args, Default, Clone)]
pub struct CredentialArgs {
    /// IAM Roles Anywhere: the X.509 certificate (PEM; further certificates in the file are
    /// sent as the chain).
    #[arg(long, global = true, value_name = "FILE")]
    pub roles_anywhere_certificate: Option<PathBuf>,
    /// IAM Roles Anywhere: the certificate's private key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1
    /// or SEC1).
    #[arg(long, global = true, value_name = "FILE")]
    pub roles_anywhere_private_key: Option<PathBuf>,
    /// IAM Roles Anywhere: intermediate CA certificates (PEM).
    #[arg(long, global = true, value_name = "FILE")]
    pub roles_anywhere_intermediates: Option<PathBuf>,
    /// IAM Roles Anywhere: the trust anchor ARN.
    #[arg(long, global = true, value_name = "ARN")]
    pub roles_anywhere_trust_anchor_arn: Option<String>,
    /// IAM Roles Anywhere: the profile ARN.
    #[arg(long, global = true, value_name = "ARN")]
    pub roles_anywhere_profile_arn: Option<String>,
    /// IAM Roles Anywhere: the role ARN.
    #[arg(long, global = true, value_name = "ARN")]
    pub roles_anywhere_role_arn: Option<String>,
    /// IAM Roles Anywhere: the endpoint URL [default: $AWS_ENDPOINT_URL_ROLESANYWHERE, else the
    /// regional endpoint].
    #[arg(long, global = true, value_name = "URL")]
    pub roles_anywhere_endpoint_url: Option<String>,
    /// The environment variable holding an encrypted private key's passphrase [default: ask on
    /// the terminal].
    #[arg(long, global = true, value_name = "VAR")]
    pub private_key_passphrase_env: Option<String>,
    /// Assume this IAM role (STS AssumeRole) with the credentials otherwise configured.
    #[arg(long, global = true, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// AssumeRole: the external id the role's trust policy requires.
    #[arg(long, global = true, value_name = "ID", requires = "role_arn")]
    pub external_id: Option<String>,
    /// AssumeRole: the role session name [default: bedrock-connector].
    #[arg(long, global = true, value_name = "NAME", requires = "role_arn")]
    pub role_session_name: Option<String>,
    /// AssumeRole: the STS endpoint URL [default: $AWS_ENDPOINT_URL_STS, else the regional
    /// endpoint].
    #[arg(long, global = true, value_name = "URL")]
    pub sts_endpoint_url: Option<String>,
    /// Send the Bedrock API key in this environment variable as `Authorization: Bearer`
    /// [default: AWS_BEARER_TOKEN_BEDROCK when set].
    #[arg(long, global = true, value_name = "VAR")]
    pub api_key_env: Option<String>,
}

impl CredentialArgs {
    /// Whether any option asks for AWS credentials (so the built-in emulator is not used).
    pub fn given(&self) -> bool {
        self.roles_anywhere_certificate.is_some()
            || self.roles_anywhere_private_key.is_some()
            || self.roles_anywhere_trust_anchor_arn.is_some()
            || self.roles_anywhere_profile_arn.is_some()
            || self.roles_anywhere_role_arn.is_some()
            || self.role_arn.is_some()
            || self.api_key_env.is_some()
    }

    /// The Roles Anywhere settings of the options, when any is given; all five are needed.
    fn roles_anywhere(&self) -> Result<Option<RolesAnywhereSettings>, CliError> {
        let given = [
            (
                "--roles-anywhere-certificate",
                self.roles_anywhere_certificate.is_some(),
            ),
            (
                "--roles-anywhere-private-key",
                self.roles_anywhere_private_key.is_some(),
            ),
            (
                "--roles-anywhere-trust-anchor-arn",
                self.roles_anywhere_trust_anchor_arn.is_some(),
            ),
            (
                "--roles-anywhere-profile-arn",
                self.roles_anywhere_profile_arn.is_some(),
            ),
            (
                "--roles-anywhere-role-arn",
                self.roles_anywhere_role_arn.is_some(),
            ),
        ];
        if given.iter().all(|(_, present)| !present) {
            return Ok(None);
        }
        let missing: Vec<&str> = given
            .iter()
            .filter(|(_, present)| !present)
            .map(|(flag, _)| *flag)
            .collect();
        let (
            Some(certificate),
            Some(private_key),
            Some(trust_anchor_arn),
            Some(profile_arn),
            Some(role_arn),
        ) = (
            self.roles_anywhere_certificate.clone(),
            self.roles_anywhere_private_key.clone(),
            self.roles_anywhere_trust_anchor_arn.clone(),
            self.roles_anywhere_profile_arn.clone(),
            self.roles_anywhere_role_arn.clone(),
        )
        else {
            return Err(CliError::usage(
                format!("Roles Anywhere needs {} as well", missing.join(", ")),
                "give all five --roles-anywhere-* options (certificate, private key, trust \
                 anchor, profile and role ARNs), or put them in a profile (see the README)",
            ));
        };
        Ok(Some(RolesAnywhereSettings {
            certificate,
            private_key,
            intermediates: self.roles_anywhere_intermediates.clone(),
            trust_anchor_arn,
            profile_arn,
            role_arn,
            endpoint_url: self
                .roles_anywhere_endpoint_url
                .clone()
                .or_else(|| env("AWS_ENDPOINT_URL_ROLESANYWHERE")),
            passphrase_env: self.private_key_passphrase_env.clone(),
            ..RolesAnywhereSettings::default()
        }))
    }

    /// The Bedrock API key: `--api-key-env VAR`, else `AWS_BEARER_TOKEN_BEDROCK`.
    ///
    /// # Errors
    /// A usage error when the variable `--api-key-env` names is unset or blank.
    pub fn api_key(&self) -> Result<Option<Token>, CliError> {
        match &self.api_key_env {
            Some(var) => env(var)
                .map(|key| Some(Token::new(key.trim(), None)))
                .ok_or_else(|| {
                    CliError::usage(
                        format!("--api-key-env: environment variable {var} is not set or blank"),
                        format!(
                            "export the Bedrock API key in {var}, or leave --api-key-env out to \
                         read {API_KEY_ENV}"
                        ),
                    )
                }),
            None => Ok(AwsBackendConfig::api_key_from_env()),
        }
    }
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// The credentials the options and the profile describe, when they describe more than the
/// standard chain reads by itself: `--roles-anywhere-*`, else a profile with
/// `roles_anywhere_*` keys (`--profile`, else `AWS_PROFILE`, else `default`); then
/// `--role-arn` on top of that (or of the standard chain).
pub fn spec(global: &GlobalArgs) -> Result<Option<CredentialsSpec>, CliError> {
    let args = &global.credentials;
    let base = match args.roles_anywhere()? {
        Some(settings) => Some(CredentialsSpec::RolesAnywhere(settings)),
        None => {
            let profile = global
                .profile
                .clone()
                .or_else(|| env("AWS_PROFILE"))
                .unwrap_or_else(|| "default".to_owned());
            CredentialsSpec::from_profile_in_process(&profile)?
        }
    };
    let Some(role_arn) = &args.role_arn else {
        return Ok(base);
    };
    Ok(Some(CredentialsSpec::AssumeRole {
        role: AssumeRoleSettings {
            role_arn: role_arn.clone(),
            external_id: args.external_id.clone(),
            session_name: args.role_session_name.clone(),
            endpoint_url: args
                .sts_endpoint_url
                .clone()
                .or_else(|| env("AWS_ENDPOINT_URL_STS")),
            ..AssumeRoleSettings::default()
        },
        base: Box::new(base.unwrap_or(CredentialsSpec::DefaultChain {
            profile: global.profile.clone(),
        })),
    }))
}

/// Asks for the passphrase of every encrypted key in `spec` that has none from the
/// environment, on the terminal; without a terminal that is a usage error.
pub fn ask_passphrases(spec: &mut CredentialsSpec) -> Result<(), CliError> {
    match spec {
        CredentialsSpec::RolesAnywhere(settings) => ask_passphrase(settings),
        CredentialsSpec::AssumeRole { base, .. } => ask_passphrases(base),
        _ => Ok(()),
    }
}

fn ask_passphrase(settings: &mut RolesAnywhereSettings) -> Result<(), CliError> {
    if settings.passphrase.is_some() {
        return Ok(());
    }
    let path = &settings.private_key;
    let Ok(pem) = std::fs::read_to_string(path) else {
        // The signer reports the unreadable file with its name.
        return Ok(());
    };
    if !private_key_pem_is_encrypted(&pem) {
        return Ok(());
    }
    match &settings.passphrase_env {
        Some(var) if env(var).is_some() => return Ok(()),
        Some(var) => {
            return Err(CliError::usage(
                format!(
                    "{} is encrypted and environment variable {var} holds no passphrase",
                    path.display()
                ),
                format!("export the key's passphrase in {var}"),
            ));
        }
        None => {}
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            format!(
                "{} is encrypted and there is no terminal to ask for its passphrase",
                path.display()
            ),
            "pass --private-key-passphrase-env VAR with the passphrase in VAR (or \
             roles_anywhere_private_key_passphrase_env in the profile)",
        ));
    }
    let prompt = format!("Passphrase for {}: ", path.display());
    let passphrase = rpassword::prompt_password(prompt)
        .map_err(|e| CliError::io("cannot read the passphrase from the terminal", e))?;
    settings.passphrase = Some(SecretString::new(passphrase));
    Ok(())
}

/// `bedrock credentials ...`.
#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Obtain credentials from IAM Roles Anywhere and print them as `credential_process` JSON
    /// (`{"Version":1,"AccessKeyId",...,"Expiration"}`), so that any AWS SDK or tool can use
    /// them: `credential_process = bedrock credentials roles-anywhere --roles-anywhere-...`.
    /// Takes the `--roles-anywhere-*` options or a profile's `roles_anywhere_*` keys;
    /// `--endpoint-url` here names the Roles Anywhere endpoint.
    RolesAnywhere(RolesAnywhereArgs),
}

/// `bedrock credentials roles-anywhere`.
#[derive(Debug, Args)]
pub struct RolesAnywhereArgs {
    /// Session length in seconds, 900..=43200 (the Roles Anywhere profile may cap it lower)
    /// [default: 3600].
    #[arg(long, value_name = "SECONDS")]
    pub session_duration: Option<u64>,
    /// Role session name (the Roles Anywhere profile must allow custom names).
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
}

/// Runs `bedrock credentials ...`.
pub async fn run(
    global: &GlobalArgs,
    command: &CredentialsCommand,
    printer: &Printer,
) -> Result<(), CliError> {
    let CredentialsCommand::RolesAnywhere(args) = command;
    let mut settings = match global.credentials.roles_anywhere()? {
        Some(settings) => settings,
        None => {
            let profile = global
                .profile
                .clone()
                .or_else(|| env("AWS_PROFILE"))
                .unwrap_or_else(|| "default".to_owned());
            match CredentialsSpec::from_profile_in_process(&profile)? {
                Some(CredentialsSpec::RolesAnywhere(settings)) => settings,
                _ => {
                    return Err(CliError::usage(
                        format!(
                            "no Roles Anywhere settings: no --roles-anywhere-* options, and profile `{profile}` has no roles_anywhere_* keys"
                        ),
                        "give --roles-anywhere-certificate, --roles-anywhere-private-key, \
                         --roles-anywhere-trust-anchor-arn, --roles-anywhere-profile-arn and \
                         --roles-anywhere-role-arn, or --profile NAME of a profile holding them",
                    ));
                }
            }
        }
    };
    if let Some(url) = &global.endpoint_url {
        crate::session::check_endpoint_url(url)?;
        settings.endpoint_url = Some(url.clone());
    }
    if let Some(seconds) = args.session_duration {
        settings.duration = Some(Duration::from_secs(seconds));
    }
    if let Some(name) = &args.session_name {
        settings.role_session_name = Some(name.clone());
    }
    if let Some(region) = &global.region {
        settings.region = Some(region.clone());
    }
    ask_passphrase(&mut settings)?;
    let credentials = settings.source()?.issue().await?;
    printer.line(&bedrock_auth::Credentials::from(credentials).to_credential_process_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser as _;

    #[test]
    fn roles_anywhere_options_need_all_five() {
        let cli = Cli::try_parse_from([
            "bedrock",
            "models",
            "--roles-anywhere-certificate",
            "c.pem",
            "--roles-anywhere-role-arn",
            "arn:aws:iam::123456789012:role/r",
        ])
        .unwrap();
        assert!(cli.global.credentials.given());
        let err = spec(&cli.global).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let message = err.message();
        assert!(
            message.contains("--roles-anywhere-private-key")
                && message.contains("--roles-anywhere-trust-anchor-arn")
                && message.contains("--roles-anywhere-profile-arn")
                && !message.contains("--roles-anywhere-certificate"),
            "{message}"
        );
    }

    #[test]
    fn role_arn_wraps_the_configured_credentials() {
        let cli = Cli::try_parse_from([
            "bedrock",
            "--roles-anywhere-certificate=c.pem",
            "--roles-anywhere-private-key=k.pem",
            "--roles-anywhere-trust-anchor-arn=arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a",
            "--roles-anywhere-profile-arn=arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
            "--roles-anywhere-role-arn=arn:aws:iam::123456789012:role/ra",
            "--role-arn=arn:aws:iam::123456789012:role/admin",
            "--external-id=tenant-42",
            "--sts-endpoint-url=http://127.0.0.1:9",
            "credentials",
            "roles-anywhere",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::Credentials(_)));
        let Some(CredentialsSpec::AssumeRole { role, base }) = spec(&cli.global).unwrap() else {
            panic!("an AssumeRole spec")
        };
        assert_eq!(role.role_arn, "arn:aws:iam::123456789012:role/admin");
        assert_eq!(role.external_id.as_deref(), Some("tenant-42"));
        assert_eq!(role.endpoint_url.as_deref(), Some("http://127.0.0.1:9"));
        let CredentialsSpec::RolesAnywhere(settings) = *base else {
            panic!("over Roles Anywhere")
        };
        assert_eq!(settings.certificate, PathBuf::from("c.pem"));
    }

    #[test]
    fn external_id_needs_a_role() {
        let err = Cli::try_parse_from(["bedrock", "models", "--external-id", "x"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
    }
}
