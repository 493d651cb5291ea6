//! Setting a command up: the region, which backend to use (AWS, or the built-in emulator started
//! in this process), the connector over it, and the prompt history.

use std::path::PathBuf;
use std::sync::Arc;

use bedrock_auth::{ChainOptions, StaticSource};
use bedrock_backend_aws::{AwsBackend, AwsBackendConfig};
use bedrock_connector::{Connector, ConnectorBuilderExt, Region};
use bedrock_emulator::{
    EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, Emulator, EmulatorHandle,
};
use bedrock_history::SqliteHistory;

use crate::cli::{BackendChoice, GlobalArgs};
use crate::failure::CliError;
use crate::output::Printer;

/// The region for this run: `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else
/// `us-east-1`. An unknown name is a usage error that lists the valid ones.
pub fn resolve_region(
    flag: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Region, CliError> {
    let from_env = |name: &'static str| {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name, v))
    };
    let chosen = flag
        .map(|r| ("--region", r.to_owned()))
        .or_else(|| from_env("AWS_REGION"))
        .or_else(|| from_env("AWS_DEFAULT_REGION"));
    let Some((source, name)) = chosen else {
        return Ok(Region::UsEast1);
    };
    name.trim().parse::<Region>().map_err(|e| {
        CliError::usage(
            format!("{source}: {e}"),
            if source == "--region" {
                "pass one of the regions listed, e.g. --region us-east-1".to_owned()
            } else {
                format!("set {source} to one of the regions listed, or pass --region")
            },
        )
    })
}

/// Where this run's calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendPlan {
    /// The AWS SDK with the standard credential chain, at the regional endpoints or at
    /// `endpoint_url`.
    Aws {
        /// `--endpoint-url`.
        endpoint_url: Option<String>,
        /// `--profile`.
        profile: Option<String>,
    },
    /// The emulator, started in this process, through the AWS SDK with the example
    /// credentials.
    Embedded,
}

/// Decides the backend. `auto` means AWS when credentials are configured locally (environment,
/// shared files, web identity, container; never instance metadata) or when `--endpoint-url` or
/// `--profile` says where to go, and the built-in emulator otherwise.
pub fn plan_backend(
    global: &GlobalArgs,
    local_credentials: impl FnOnce(Option<&str>) -> bool,
) -> Result<BackendPlan, CliError> {
    if let Some(url) = &global.endpoint_url {
        check_endpoint_url(url)?;
    }
    let aws = || BackendPlan::Aws {
        endpoint_url: global.endpoint_url.clone(),
        profile: global.profile.clone(),
    };
    match global.backend {
        BackendChoice::Aws => Ok(aws()),
        BackendChoice::Emulator => {
            if global.endpoint_url.is_some() {
                return Err(CliError::usage(
                    "--backend emulator starts its own emulator and cannot use --endpoint-url",
                    "to use an emulator that is already running, pass --backend aws \
                     --endpoint-url URL",
                ));
            }
            Ok(BackendPlan::Embedded)
        }
        BackendChoice::Auto => {
            if global.endpoint_url.is_some()
                || global.profile.is_some()
                || local_credentials(global.profile.as_deref())
            {
                Ok(aws())
            } else {
                Ok(BackendPlan::Embedded)
            }
        }
    }
}

/// Checks `--endpoint-url` before anything is sent: an `http` or `https` URL with a host and,
/// if it has one, a port in 1..=65535. The SDK would otherwise fail on each call with an error
/// about the request, take an empty URL for a bug and panic, or quietly go to port 80 when the
/// port is out of range.
pub fn check_endpoint_url(url: &str) -> Result<(), CliError> {
    let invalid = |why: &str| {
        CliError::usage(
            format!("--endpoint-url: `{url}` is not a usable endpoint URL: {why}"),
            "pass an http or https URL, e.g. http://127.0.0.1:8686 for `bedrock emulator` or \
             https://bedrock-runtime.us-east-1.amazonaws.com",
        )
    };
    if let Some(c) = url.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(invalid(&format!(
            "it holds {c:?}; spaces, control and non-ASCII characters are not allowed (use \
             percent-encoding, or punycode for a host name)"
        )));
    }
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return Err(invalid("it must start with http:// or https://"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_and_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // A bracketed IPv6 address holds colons of its own; a port follows the bracket.
    let (host, port) = match host_and_port.rsplit_once(']') {
        Some((v6, after)) => (format!("{v6}]"), after.strip_prefix(':')),
        None => match host_and_port.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (host_and_port.to_owned(), None),
        },
    };
    if host.is_empty() || host == "]" {
        return Err(invalid("it has no host"));
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(invalid(&format!(
            "port `{port}` is not a number in 1..=65535"
        )));
    }
    Ok(())
}

/// A connector ready for calls, and the emulator behind it when one was started.
pub struct Session {
    /// The connector.
    pub connector: Connector,
    /// The backend under the connector, for the S3 calls of `bedrock batch` (same endpoint,
    /// region and credentials as the Bedrock calls).
    pub aws: AwsBackend,
    /// Kept alive for the connector's sake; the server stops when this is dropped.
    _emulator: Option<EmulatorHandle>,
}

impl Session {
    /// Whether calls go to an emulator started in this process, which ends with it (and has
    /// no buckets until a command creates them).
    pub fn is_embedded(&self) -> bool {
        self._emulator.is_some()
    }
}

/// Builds the connector for a command that calls Bedrock; opens the history when the command
/// saves its prompt.
pub async fn connect(
    global: &GlobalArgs,
    printer: &Printer,
    save_prompt: bool,
) -> Result<Session, CliError> {
    let region = resolve_region(global.region.as_deref(), |k| std::env::var(k).ok())?;
    let plan = plan_backend(global, |profile| {
        bedrock_auth::detect_local_credentials_in_process(profile).is_some()
            || global.credentials.given()
            || AwsBackendConfig::api_key_from_env().is_some()
    })?;
    let history = if save_prompt {
        Some(open_history(global)?)
    } else {
        None
    };
    // The limits of every call, wherever it goes.
    let limits = AwsBackendConfig {
        connect_timeout: global
            .connect_timeout
            .or(AwsBackendConfig::default().connect_timeout),
        read_timeout: global.read_timeout,
        max_response_bytes: Some(global.max_response_bytes),
        ..AwsBackendConfig::default()
    };
    let (config, emulator) = match plan {
        BackendPlan::Aws {
            endpoint_url,
            profile,
        } => {
            // Roles Anywhere and AssumeRole from the options or the profile; else the chain,
            // which never probes instance metadata (allow_imds is off), whatever
            // AWS_EC2_METADATA_DISABLED says.
            let credentials = match crate::commands::credentials::spec(global)? {
                Some(mut spec) => {
                    crate::commands::credentials::ask_passphrases(&mut spec)?;
                    let source = spec
                        .source(
                            region.as_str(),
                            crate::commands::credentials::REFRESH_MARGIN,
                        )
                        .await?;
                    bedrock_auth::into_shared_provider(source)
                }
                None => bedrock_auth::default_chain(
                    region.as_str(),
                    ChainOptions {
                        profile_name: profile,
                        allow_imds: false,
                    },
                ),
            };
            tracing::debug!(
                endpoint_url = endpoint_url.as_deref(),
                "using the AWS backend"
            );
            let config = AwsBackendConfig {
                endpoint_url,
                credentials: Some(credentials),
                api_key: global.credentials.api_key()?,
                ..limits
            };
            (config, None)
        }
        BackendPlan::Embedded => {
            let handle = Emulator::builder().bind("127.0.0.1:0").start().await?;
            let url = handle.url();
            printer.note(&format!(
                "no AWS credentials found; using the built-in Bedrock emulator on {url}"
            ));
            let source = StaticSource::from_keys(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY)?;
            let config = AwsBackendConfig {
                endpoint_url: Some(url),
                credentials: Some(bedrock_auth::into_shared_provider(Arc::new(source))),
                ..limits
            };
            (config, Some(handle))
        }
    };
    let aws = AwsBackend::new(config);
    let mut builder = Connector::builder()
        .default_adapters()
        .region(region)
        .backend(Arc::new(aws.clone()))
        .preflight(!global.no_preflight);
    if global.route_profiles {
        builder = builder.profile_routing(bedrock_connector::ProfileRouting::Automatic);
    }
    if let Some(history) = history {
        builder = builder.history(history);
    }
    Ok(Session {
        connector: builder.build()?,
        aws,
        _emulator: emulator,
    })
}

/// The history file: `--history`, else `BEDROCK_HISTORY` (both read by the argument parser),
/// else the platform's default.
pub fn history_path(global: &GlobalArgs) -> Result<PathBuf, CliError> {
    match &global.history {
        Some(path) if !path.as_os_str().is_empty() => Ok(path.clone()),
        _ => Ok(bedrock_history::default_path()?),
    }
}

/// Opens (creating it when missing) the history file.
pub fn open_history(global: &GlobalArgs) -> Result<Arc<SqliteHistory>, CliError> {
    let path = history_path(global)?;
    Ok(Arc::new(SqliteHistory::open(&path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;

    fn global(backend: BackendChoice) -> GlobalArgs {
        GlobalArgs {
            region: None,
            profile: None,
            endpoint_url: None,
            backend,
            output: OutputFormat::Text,
            history: None,
            verbose: 0,
            connect_timeout: None,
            read_timeout: None,
            max_response_bytes: bedrock_backend_aws::DEFAULT_MAX_RESPONSE_BYTES,
            max_error_bytes: crate::output::DEFAULT_MAX_ERROR_BYTES,
            credentials: crate::commands::credentials::CredentialArgs::default(),
            route_profiles: false,
            no_preflight: false,
        }
    }

    #[test]
    fn endpoint_urls_are_checked_before_anything_is_sent() {
        for good in [
            "http://127.0.0.1:8686",
            "http://localhost:8686/",
            "https://bedrock-runtime.us-east-1.amazonaws.com",
            "https://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com/path?x=1",
            "http://[::1]:8686",
            "http://user@host:1",
        ] {
            assert!(check_endpoint_url(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("", "must start with http"),
            ("not a url", "spaces, control"),
            ("http://exa mple", "spaces, control"),
            ("http://ex\u{1b}[31mample", "control"),
            ("http://bédrock.example", "non-ASCII"),
            ("ftp://127.0.0.1:21", "must start with http"),
            ("127.0.0.1:8686", "must start with http"),
            ("http://", "no host"),
            ("http://:8686", "no host"),
            (
                "http://127.0.0.1:99999",
                "port `99999` is not a number in 1..=65535",
            ),
            ("http://127.0.0.1:0", "port `0`"),
            ("http://127.0.0.1:", "port ``"),
            ("http://[::1]:x", "port `x`"),
        ] {
            let err = check_endpoint_url(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
            let message = err.message();
            assert!(
                message.starts_with("--endpoint-url: ") && message.contains(why),
                "{bad}: {message}"
            );
        }
        let mut endpoint = global(BackendChoice::Auto);
        endpoint.endpoint_url = Some("not a url".to_owned());
        assert_eq!(
            plan_backend(&endpoint, |_| false).unwrap_err().kind(),
            "usage"
        );
    }

    #[test]
    fn regions_come_from_the_flag_then_the_environment() {
        let env = |k: &str| match k {
            "AWS_REGION" => Some("eu-west-1".to_owned()),
            "AWS_DEFAULT_REGION" => Some("us-west-2".to_owned()),
            _ => None,
        };
        assert_eq!(
            resolve_region(Some("ap-northeast-1"), env).unwrap(),
            Region::ApNortheast1
        );
        assert_eq!(resolve_region(None, env).unwrap(), Region::EuWest1);
        let only_default = |k: &str| (k == "AWS_DEFAULT_REGION").then(|| "us-west-2".to_owned());
        assert_eq!(resolve_region(None, only_default).unwrap(), Region::UsWest2);
        assert_eq!(resolve_region(None, |_| None).unwrap(), Region::UsEast1);
        let blank = |_: &str| Some(" ".to_owned());
        assert_eq!(resolve_region(None, blank).unwrap(), Region::UsEast1);
    }

    #[test]
    fn an_unknown_region_is_a_usage_error_naming_its_source_and_the_valid_ones() {
        let err = resolve_region(Some("mars-1"), |_| None).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.message();
        assert!(
            msg.starts_with("--region: unknown region `mars-1`"),
            "{msg}"
        );
        assert!(
            msg.contains("us-east-1") && msg.contains("eu-central-1"),
            "{msg}"
        );
        let err =
            resolve_region(None, |k| (k == "AWS_REGION").then(|| "x".to_owned())).unwrap_err();
        assert!(
            err.message().starts_with("AWS_REGION: "),
            "{}",
            err.message()
        );
    }

    #[test]
    fn auto_uses_aws_only_with_local_credentials_or_an_endpoint() {
        let auto = global(BackendChoice::Auto);
        assert_eq!(
            plan_backend(&auto, |_| false).unwrap(),
            BackendPlan::Embedded
        );
        assert!(matches!(
            plan_backend(&auto, |_| true).unwrap(),
            BackendPlan::Aws { .. }
        ));
        let mut endpoint = global(BackendChoice::Auto);
        endpoint.endpoint_url = Some("http://127.0.0.1:1".to_owned());
        assert_eq!(
            plan_backend(&endpoint, |_| false).unwrap(),
            BackendPlan::Aws {
                endpoint_url: Some("http://127.0.0.1:1".to_owned()),
                profile: None
            }
        );
        let forced = global(BackendChoice::Emulator);
        assert_eq!(
            plan_backend(&forced, |_| true).unwrap(),
            BackendPlan::Embedded
        );
        let aws = global(BackendChoice::Aws);
        assert!(matches!(
            plan_backend(&aws, |_| false).unwrap(),
            BackendPlan::Aws { .. }
        ));
        let mut conflict = global(BackendChoice::Emulator);
        conflict.endpoint_url = Some("http://127.0.0.1:1".to_owned());
        assert_eq!(
            plan_backend(&conflict, |_| false).unwrap_err().exit_code(),
            2
        );
    }
}
