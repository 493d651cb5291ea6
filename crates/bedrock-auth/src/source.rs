//! The `CredentialsSource` trait and the sources that need no network: static credentials, a
//! refreshing cache over any issuer of temporary credentials, and an adapter for SDK providers.

use crate::credentials::{Credentials, StaticCredentials, TemporaryCredentials};
use crate::error::AuthError;
use async_trait::async_trait;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use futures::future::BoxFuture;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Where credentials come from.
///
/// Object-safe: registries and the SDK bridge hold `Arc<dyn CredentialsSource>`.
/// Implementations return fresh credentials on every call or cache them as they see fit;
/// [`SdkCredentialsBridge`](crate::SdkCredentialsBridge) puts the SDK's identity cache in front
/// of any source.
#[async_trait]
pub trait CredentialsSource: Send + Sync + fmt::Debug {
    /// Credentials usable now.
    ///
    /// # Errors
    /// [`AuthError`] when the source has no usable credentials; see
    /// [`AuthError::is_retryable`].
    async fn credentials(&self) -> Result<Credentials, AuthError>;

    /// Short name of the source, used in errors and logs (`static`, `assume-role`, ...).
    fn name(&self) -> &str;
}

#[async_trait]
impl<T: CredentialsSource + ?Sized> CredentialsSource for Arc<T> {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        (**self).credentials().await
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

#[async_trait]
impl<T: CredentialsSource + ?Sized> CredentialsSource for Box<T> {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        (**self).credentials().await
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

/// A source that always returns the same credentials.
///
/// Holding [`TemporaryCredentials`] is allowed; once they expire, every call fails with
/// [`AuthError::Expired`].
#[derive(Debug, Clone)]
pub struct StaticSource {
    credentials: Credentials,
    time_source: SharedTimeSource,
}

impl StaticSource {
    /// A source for `credentials`.
    pub fn new(credentials: impl Into<Credentials>) -> Self {
        Self {
            credentials: credentials.into(),
            time_source: SharedTimeSource::default(),
        }
    }

    /// Shortcut for long-term keys.
    ///
    /// # Errors
    /// See [`StaticCredentials::new`].
    pub fn from_keys(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<crate::SecretString>,
    ) -> Result<Self, AuthError> {
        Ok(Self::new(StaticCredentials::new(
            access_key_id,
            secret_access_key,
        )?))
    }

    /// Uses `time_source` to decide whether temporary credentials are expired.
    pub fn with_time_source(mut self, time_source: impl TimeSource + 'static) -> Self {
        self.time_source = SharedTimeSource::new(time_source);
        self
    }
}

#[async_trait]
impl CredentialsSource for StaticSource {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        self.credentials
            .clone()
            .ensure_fresh(self.name(), self.time_source.now())
    }

    fn name(&self) -> &str {
        "static"
    }
}

/// Something that can obtain a new set of temporary credentials (STS, Roles Anywhere, a
/// company token service, ...). [`RefreshingSource`] caches what it issues.
#[async_trait]
pub trait TemporaryCredentialsIssuer: Send + Sync + fmt::Debug {
    /// Obtains new credentials.
    ///
    /// # Errors
    /// [`AuthError`] when the issuer cannot provide credentials.
    async fn issue(&self) -> Result<TemporaryCredentials, AuthError>;

    /// Short name of the issuer, used in errors and logs.
    fn name(&self) -> &str;
}

/// Type of the closure wrapped by [`FnIssuer`].
type IssueFn =
    dyn Fn() -> BoxFuture<'static, Result<TemporaryCredentials, AuthError>> + Send + Sync;

/// A [`TemporaryCredentialsIssuer`] made from an async closure.
#[derive(Clone)]
pub struct FnIssuer {
    name: String,
    issue: Arc<IssueFn>,
}

impl FnIssuer {
    /// Wraps `issue`, which is called each time new credentials are needed.
    pub fn new<F, Fut>(name: impl Into<String>, issue: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<TemporaryCredentials, AuthError>> + Send + 'static,
    {
        Self {
            name: name.into(),
            issue: Arc::new(move || Box::pin(issue())),
        }
    }
}

impl fmt::Debug for FnIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnIssuer")
            .field("name", &self.name)
            .finish()
    }
}

#[async_trait]
impl TemporaryCredentialsIssuer for FnIssuer {
    async fn issue(&self) -> Result<TemporaryCredentials, AuthError> {
        (self.issue)().await
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// Default margin before expiry at which [`RefreshingSource`] fetches new credentials.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Caches credentials from a [`TemporaryCredentialsIssuer`] and asks for new ones when the
/// cached set is within `refresh_margin` of its expiry.
///
/// When a refresh fails but the cached credentials have not expired yet, the cached ones are
/// returned (and the failure logged), so a brief outage of the issuer does not fail requests.
/// Concurrent callers share one refresh.
pub struct RefreshingSource {
    issuer: Arc<dyn TemporaryCredentialsIssuer>,
    refresh_margin: Duration,
    time_source: SharedTimeSource,
    cached: tokio::sync::Mutex<Option<TemporaryCredentials>>,
}

impl RefreshingSource {
    /// Caches credentials from `issuer`, refreshing [`DEFAULT_REFRESH_MARGIN`] before expiry.
    pub fn new(issuer: Arc<dyn TemporaryCredentialsIssuer>) -> Self {
        Self {
            issuer,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            time_source: SharedTimeSource::default(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Shortcut for `RefreshingSource::new(Arc::new(FnIssuer::new(name, issue)))`.
    pub fn from_fn<F, Fut>(name: impl Into<String>, issue: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<TemporaryCredentials, AuthError>> + Send + 'static,
    {
        Self::new(Arc::new(FnIssuer::new(name, issue)))
    }

    /// Refreshes when the cached credentials expire within `margin`.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Uses `time_source` instead of the system clock.
    pub fn with_time_source(mut self, time_source: impl TimeSource + 'static) -> Self {
        self.time_source = SharedTimeSource::new(time_source);
        self
    }
}

impl fmt::Debug for RefreshingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingSource")
            .field("issuer", &self.issuer)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl CredentialsSource for RefreshingSource {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        let mut cached = self.cached.lock().await;
        let now = self.time_source.now();
        if let Some(current) = cached.as_ref()
            && now + self.refresh_margin < current.expires_at()
        {
            return Ok(current.clone().into());
        }
        match self.issuer.issue().await {
            Ok(fresh) => {
                let fresh_credentials = Credentials::from(fresh.clone())
                    .ensure_fresh(self.issuer.name(), self.time_source.now())?;
                tracing::debug!(
                    source = self.issuer.name(),
                    access_key_id = fresh.access_key_id(),
                    "issued new temporary credentials"
                );
                *cached = Some(fresh);
                Ok(fresh_credentials)
            }
            Err(error) => match cached.as_ref() {
                Some(current) if !current.is_expired_at(now) => {
                    tracing::warn!(
                        source = self.issuer.name(),
                        %error,
                        "refreshing credentials failed; using the cached ones until they expire"
                    );
                    Ok(current.clone().into())
                }
                _ => Err(error),
            },
        }
    }

    fn name(&self) -> &str {
        self.issuer.name()
    }
}

/// Any AWS SDK credentials provider (for instance [`default_chain`](crate::default_chain)) seen
/// as a [`CredentialsSource`].
#[derive(Debug, Clone)]
pub struct ProviderSource {
    name: String,
    provider: SharedCredentialsProvider,
}

impl ProviderSource {
    /// Wraps `provider`; `name` appears in errors.
    pub fn new(name: impl Into<String>, provider: SharedCredentialsProvider) -> Self {
        Self {
            name: name.into(),
            provider,
        }
    }
}

#[async_trait]
impl CredentialsSource for ProviderSource {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        match self.provider.provide_credentials().await {
            Ok(credentials) => Credentials::from_sdk(&credentials),
            Err(error) => Err(from_sdk_error(&self.name, error)),
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// Maps an SDK credentials error to [`AuthError`], keeping the SDK error as the source.
pub(crate) fn from_sdk_error(source_name: &str, error: CredentialsError) -> AuthError {
    let message = aws_smithy_types::error::display::DisplayErrorContext(&error).to_string();
    match error {
        CredentialsError::CredentialsNotLoaded(_) => AuthError::CredentialsNotFound {
            source_name: source_name.to_owned(),
            reason: message,
        },
        CredentialsError::InvalidConfiguration(_) => AuthError::Provider {
            source_name: source_name.to_owned(),
            message,
            retryable: false,
            source: Some(Box::new(error)),
        },
        other => AuthError::Provider {
            source_name: source_name.to_owned(),
            message,
            retryable: true,
            source: Some(Box::new(other)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_async::test_util::ManualTimeSource;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    fn _object_safe(_: &dyn CredentialsSource, _: &dyn TemporaryCredentialsIssuer) {}

    /// Issues credentials valid for `lifetime` from the clock's current time, counting calls.
    #[derive(Debug)]
    struct CountingIssuer {
        calls: AtomicUsize,
        clock: ManualTimeSource,
        lifetime: Duration,
        fail_from_call: Option<usize>,
    }

    #[async_trait]
    impl TemporaryCredentialsIssuer for CountingIssuer {
        async fn issue(&self) -> Result<TemporaryCredentials, AuthError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if self.fail_from_call.is_some_and(|from| n >= from) {
                return Err(AuthError::Provider {
                    source_name: "counting".into(),
                    message: "issuer unavailable".into(),
                    retryable: true,
                    source: None,
                });
            }
            TemporaryCredentials::new(
                format!("ASIA{n}"),
                format!("secret-{n}"),
                Some(format!("token-{n}").into()),
                self.clock.now() + self.lifetime,
            )
        }

        fn name(&self) -> &str {
            "counting"
        }
    }

    fn issuer(clock: &ManualTimeSource, fail_from_call: Option<usize>) -> Arc<CountingIssuer> {
        Arc::new(CountingIssuer {
            calls: AtomicUsize::new(0),
            clock: clock.clone(),
            lifetime: Duration::from_secs(3600),
            fail_from_call,
        })
    }

    #[tokio::test]
    async fn refreshing_source_reuses_then_refreshes() {
        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let counting = issuer(&clock, None);
        let source = RefreshingSource::new(counting.clone())
            .with_refresh_margin(Duration::from_secs(300))
            .with_time_source(clock.clone());

        let first = source.credentials().await.unwrap();
        assert_eq!(first.access_key_id(), "ASIA1");
        clock.advance(Duration::from_secs(3000));
        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA1");
        assert_eq!(counting.calls.load(Ordering::SeqCst), 1);

        // Inside the refresh margin: a new set is issued.
        clock.advance(Duration::from_secs(301));
        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA2");
        assert_eq!(counting.calls.load(Ordering::SeqCst), 2);
        assert_eq!(source.name(), "counting");
    }

    #[tokio::test]
    async fn refreshing_source_falls_back_to_unexpired_cache_on_failure() {
        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let counting = issuer(&clock, Some(2));
        let source = RefreshingSource::new(counting.clone()).with_time_source(clock.clone());

        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA1");
        clock.advance(Duration::from_secs(3500));
        // Refresh fails, but the cached set is still valid for 100 s.
        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA1");
        clock.advance(Duration::from_secs(100));
        let err = source.credentials().await.unwrap_err();
        assert!(err.is_retryable());
        assert!(err.to_string().contains("issuer unavailable"), "{err}");
    }

    #[tokio::test]
    async fn refreshing_source_rejects_already_expired_credentials() {
        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_000));
        let stale = clock.now() - Duration::from_secs(1);
        let source = RefreshingSource::from_fn("stale", move || async move {
            TemporaryCredentials::new("ASIASTALE", "secret", None, stale)
        })
        .with_time_source(clock);
        let err = source.credentials().await.unwrap_err();
        assert!(matches!(err, AuthError::Expired { .. }), "{err}");
    }

    #[tokio::test]
    async fn static_source_returns_its_credentials_until_expiry() {
        let source = StaticSource::from_keys("AKIDEXAMPLE", "secret").unwrap();
        let creds = source.credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(source.name(), "static");

        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(10));
        let temporary = TemporaryCredentials::new(
            "ASIAEXAMPLE",
            "secret",
            None,
            UNIX_EPOCH + Duration::from_secs(20),
        )
        .unwrap();
        let source = StaticSource::new(temporary).with_time_source(clock.clone());
        assert!(source.credentials().await.is_ok());
        clock.advance(Duration::from_secs(10));
        assert!(matches!(
            source.credentials().await.unwrap_err(),
            AuthError::Expired { .. }
        ));
    }

    #[tokio::test]
    async fn provider_source_adapts_sdk_providers() {
        let sdk = aws_credential_types::Credentials::new(
            "ASIAEXAMPLE",
            "secret",
            Some("token".into()),
            Some(SystemTime::now() + Duration::from_secs(60)),
            "test",
        );
        let source = ProviderSource::new("sdk", SharedCredentialsProvider::new(sdk));
        let creds = source.credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
        assert!(creds.expires_at().is_some());
        assert_eq!(creds.session_token().unwrap().expose_secret(), "token");

        #[derive(Debug)]
        struct Nothing;
        impl ProvideCredentials for Nothing {
            fn provide_credentials<'a>(
                &'a self,
            ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
            where
                Self: 'a,
            {
                aws_credential_types::provider::future::ProvideCredentials::ready(Err(
                    CredentialsError::not_loaded("nothing configured"),
                ))
            }
        }
        let source = ProviderSource::new("empty", SharedCredentialsProvider::new(Nothing));
        let err = source.credentials().await.unwrap_err();
        assert!(
            matches!(err, AuthError::CredentialsNotFound { .. }),
            "{err}"
        );
        assert!(!err.is_retryable());
    }
}
