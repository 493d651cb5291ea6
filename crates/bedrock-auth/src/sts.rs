//! `AssumeRoleSource`: temporary credentials from STS AssumeRole, through aws-config's
//! `AssumeRoleProvider`, with parameters checked before any call.

use crate::chain::{ChainOptions, default_chain};
use crate::credentials::{Credentials, TemporaryCredentials};
use crate::error::AuthError;
use crate::source::{CredentialsSource, TemporaryCredentialsIssuer, from_sdk_error};
use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_async::time::SharedTimeSource;
use aws_types::SdkConfig;
use aws_types::region::Region;
use std::time::Duration;

/// Shortest session STS grants.
pub const MIN_SESSION_DURATION: Duration = Duration::from_secs(900);
/// Longest session STS grants (a role's own maximum may be lower).
pub const MAX_SESSION_DURATION: Duration = Duration::from_secs(43_200);

const SOURCE_NAME: &str = "assume-role";

/// Builder of [`AssumeRoleSource`]; start with [`AssumeRoleSource::builder`].
#[derive(Debug, Clone)]
pub struct AssumeRoleSourceBuilder {
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
    duration: Duration,
    region: String,
    endpoint_url: Option<String>,
    base: Option<SharedCredentialsProvider>,
}

impl AssumeRoleSourceBuilder {
    /// Role session name (2 to 64 characters of `A-Z a-z 0-9 + = , . @ _ -`); default
    /// `bedrock-connector`.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = name.into();
        self
    }

    /// External id the role's trust policy requires (2 to 1224 characters).
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Session length, 900 s to 43 200 s; default one hour.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// Region of the STS endpoint; default `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sends STS calls to `url` instead of the regional endpoint (tests, VPC endpoints).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Credentials that call AssumeRole. Default: [`default_chain`] without instance
    /// metadata. Pass [`into_shared_provider`](crate::into_shared_provider) to use any
    /// [`CredentialsSource`].
    pub fn base_provider(mut self, provider: SharedCredentialsProvider) -> Self {
        self.base = Some(provider);
        self
    }

    /// Checks the parameters and builds the source. No call is made until credentials are
    /// first asked for.
    ///
    /// # Errors
    /// [`AuthError::InvalidParameter`] naming the field when the role ARN, session name,
    /// external id, duration or region is out of range.
    pub async fn build(self) -> Result<AssumeRoleSource, AuthError> {
        validate_role_arn(&self.role_arn)?;
        validate_session_name(&self.session_name)?;
        if let Some(id) = &self.external_id {
            validate_external_id(id)?;
        }
        if !(MIN_SESSION_DURATION..=MAX_SESSION_DURATION).contains(&self.duration)
            || self.duration.subsec_nanos() != 0
        {
            return Err(AuthError::invalid(
                "duration_seconds",
                format!("{:?}", self.duration),
                "a whole number of seconds from 900 to 43200",
            ));
        }
        if self.region.is_empty()
            || !self
                .region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(AuthError::invalid(
                "region",
                self.region,
                "a region name such as us-east-1",
            ));
        }

        let base = self
            .base
            .unwrap_or_else(|| default_chain(&self.region, ChainOptions::default()));
        let mut config = SdkConfig::builder()
            .region(Region::new(self.region.clone()))
            .behavior_version(BehaviorVersion::latest())
            .time_source(SharedTimeSource::default());
        if let Some(sleep) = default_async_sleep() {
            config = config.sleep_impl(sleep);
        }
        if let Some(url) = &self.endpoint_url {
            config = config.endpoint_url(url);
        }
        let mut provider = AssumeRoleProvider::builder(self.role_arn.clone())
            .session_name(self.session_name.clone())
            .session_length(self.duration)
            .region(Region::new(self.region.clone()))
            .configure(&config.build());
        if let Some(id) = &self.external_id {
            provider = provider.external_id(id);
        }
        let provider = provider.build_from_provider(base).await;
        Ok(AssumeRoleSource {
            role_arn: self.role_arn,
            session_name: self.session_name,
            provider,
        })
    }
}

fn validate_role_arn(arn: &str) -> Result<(), AuthError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let well_formed = match parts.as_slice() {
        ["arn", _partition, "iam", _region, account, resource] => {
            account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.starts_with("role/")
                && resource.len() > "role/".len()
        }
        _ => false,
    };
    if !(20..=2048).contains(&arn.len()) || !well_formed {
        return Err(AuthError::invalid(
            "role_arn",
            arn,
            "an IAM role ARN of 20 to 2048 characters, arn:<partition>:iam::<12-digit account>:role/<name>",
        ));
    }
    Ok(())
}

fn validate_session_name(name: &str) -> Result<(), AuthError> {
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !(2..=64).contains(&name.len()) || !chars_ok {
        return Err(AuthError::invalid(
            "session_name",
            name,
            "2 to 64 characters of A-Z a-z 0-9 + = , . @ _ -",
        ));
    }
    Ok(())
}

fn validate_external_id(id: &str) -> Result<(), AuthError> {
    let chars_ok = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(c));
    if !(2..=1224).contains(&id.len()) || !chars_ok {
        return Err(AuthError::invalid(
            "external_id",
            id,
            "2 to 1224 characters of A-Z a-z 0-9 + = , . @ : / _ -",
        ));
    }
    Ok(())
}

/// Temporary credentials from STS `AssumeRole`.
///
/// Each call to [`CredentialsSource::credentials`] assumes the role again; put it behind the
/// SDK's identity cache ([`into_shared_provider`](crate::into_shared_provider)) or a
/// [`RefreshingSource`](crate::RefreshingSource) to reuse sessions until they near expiry.
#[derive(Debug)]
pub struct AssumeRoleSource {
    role_arn: String,
    session_name: String,
    provider: AssumeRoleProvider,
}

impl AssumeRoleSource {
    /// Starts a builder for `role_arn` (`arn:aws:iam::123456789012:role/name`).
    pub fn builder(role_arn: impl Into<String>) -> AssumeRoleSourceBuilder {
        AssumeRoleSourceBuilder {
            role_arn: role_arn.into(),
            session_name: "bedrock-connector".to_owned(),
            external_id: None,
            duration: Duration::from_secs(3600),
            region: "us-east-1".to_owned(),
            endpoint_url: None,
            base: None,
        }
    }

    /// The role this source assumes.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// The role session name.
    pub fn session_name(&self) -> &str {
        &self.session_name
    }
}

#[async_trait]
impl TemporaryCredentialsIssuer for AssumeRoleSource {
    async fn issue(&self) -> Result<TemporaryCredentials, AuthError> {
        let sdk = self
            .provider
            .provide_credentials()
            .await
            .map_err(|error| from_sdk_error(SOURCE_NAME, error))?;
        match Credentials::from_sdk(&sdk)? {
            Credentials::Temporary(credentials) => Ok(credentials),
            Credentials::Static(_) => Err(AuthError::MalformedResponse {
                service: "sts",
                detail: "AssumeRole returned credentials without an expiration".to_owned(),
            }),
        }
    }

    fn name(&self) -> &str {
        SOURCE_NAME
    }
}

#[async_trait]
impl CredentialsSource for AssumeRoleSource {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        self.issue().await.map(Credentials::Temporary)
    }

    fn name(&self) -> &str {
        SOURCE_NAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/bedrock-invoker";

    async fn build(builder: AssumeRoleSourceBuilder) -> Result<AssumeRoleSource, AuthError> {
        let base = SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        ));
        builder.base_provider(base).build().await
    }

    #[tokio::test]
    async fn parameters_are_validated_with_field_names() {
        let cases = [
            (AssumeRoleSource::builder("not-an-arn"), "role_arn"),
            (
                AssumeRoleSource::builder("arn:aws:iam::123:role/short-account"),
                "role_arn",
            ),
            (
                AssumeRoleSource::builder(ROLE).session_name("x"),
                "session_name",
            ),
            (
                AssumeRoleSource::builder(ROLE).session_name("has space"),
                "session_name",
            ),
            (
                AssumeRoleSource::builder(ROLE).external_id("x"),
                "external_id",
            ),
            (
                AssumeRoleSource::builder(ROLE).duration(Duration::from_secs(899)),
                "duration_seconds",
            ),
            (
                AssumeRoleSource::builder(ROLE).duration(Duration::from_secs(43_201)),
                "duration_seconds",
            ),
            (AssumeRoleSource::builder(ROLE).region("us east"), "region"),
        ];
        for (builder, expected_field) in cases {
            match build(builder).await.unwrap_err() {
                AuthError::InvalidParameter { field, .. } => assert_eq!(field, expected_field),
                other => panic!("expected InvalidParameter for {expected_field}, got {other:?}"),
            }
        }
        let err = build(AssumeRoleSource::builder(ROLE).duration(Duration::from_secs(60)))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid duration_seconds `60s`: expected a whole number of seconds from 900 to 43200"
        );
        let source = build(
            AssumeRoleSource::builder(ROLE)
                .session_name("ci@example.com")
                .external_id("tenant-42")
                .duration(Duration::from_secs(900)),
        )
        .await
        .unwrap();
        assert_eq!(source.role_arn(), ROLE);
        assert_eq!(source.session_name(), "ci@example.com");
        assert_eq!(CredentialsSource::name(&source), "assume-role");
    }
}
