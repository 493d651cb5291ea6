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

/// Default wait of [`RefreshingSource`] between a failed refresh and the next attempt, while
/// the cached credentials are still valid.
pub const DEFAULT_REFRESH_RETRY_INTERVAL: Duration = Duration::from_secs(10);

/// Caches credentials from a [`TemporaryCredentialsIssuer`] and asks for new ones when the
/// cached set is within `refresh_margin` of its expiry.
///
/// Under load:
/// - **One refresh at a time.** Callers that arrive while a refresh is running get the cached
///   credentials at once when those are still valid, or wait for that refresh and share its
///   result when they are not; the issuer is never asked twice at once.
/// - **Failures do not fail calls early.** When a refresh fails while the cached credentials
///   are still valid, they are returned (and the failure logged at `warn`), and the next
///   attempt waits `retry_interval`; once they expire, callers get the issuer's typed
///   [`AuthError`] (see [`AuthError::is_retryable`]).
pub struct RefreshingSource {
    issuer: Arc<dyn TemporaryCredentialsIssuer>,
    refresh_margin: Duration,
    retry_interval: Duration,
    time_source: SharedTimeSource,
    state: std::sync::Mutex<CacheState>,
    /// Held by the one caller that is refreshing.
    refreshing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct CacheState {
    cached: Option<TemporaryCredentials>,
    /// After a failed refresh: no new attempt before this time while the cache is valid.
    retry_not_before: Option<std::time::SystemTime>,
}

impl RefreshingSource {
    /// Caches credentials from `issuer`, refreshing [`DEFAULT_REFRESH_MARGIN`] before expiry.
    pub fn new(issuer: Arc<dyn TemporaryCredentialsIssuer>) -> Self {
        Self {
            issuer,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            retry_interval: DEFAULT_REFRESH_RETRY_INTERVAL,
            time_source: SharedTimeSource::default(),
            state: std::sync::Mutex::new(CacheState::default()),
            refreshing: tokio::sync::Mutex::new(()),
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

    /// Refreshes when the cached credentials expire within `margin`. With short-lived
    /// credentials keep it below their lifetime, or every call refreshes.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// After a failed refresh, waits `interval` before the next attempt while the cached
    /// credentials are still valid (default [`DEFAULT_REFRESH_RETRY_INTERVAL`]).
    pub fn with_retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = interval;
        self
    }

    /// Uses `time_source` instead of the system clock.
    pub fn with_time_source(mut self, time_source: impl TimeSource + 'static) -> Self {
        self.time_source = SharedTimeSource::new(time_source);
        self
    }

    /// The cache's state; a poisoned lock only means another caller panicked while copying a
    /// value out, which leaves the state whole.
    fn state(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached credentials when they need no refresh at `now`; else the cached ones that
    /// are still valid (if any) and whether a refresh may be tried now.
    fn lookup(
        &self,
        now: std::time::SystemTime,
    ) -> Result<Credentials, (Option<TemporaryCredentials>, bool)> {
        let state = self.state();
        match &state.cached {
            Some(current) if now + self.refresh_margin < current.expires_at() => {
                Ok(current.clone().into())
            }
            cached => {
                let valid = cached.as_ref().filter(|c| !c.is_expired_at(now)).cloned();
                let may_retry = state.retry_not_before.is_none_or(|at| now >= at);
                Err((valid, may_retry))
            }
        }
    }

    /// Asks the issuer; the caller holds `refreshing`.
    async fn refresh(&self) -> Result<Credentials, AuthError> {
        match self.issuer.issue().await {
            Ok(fresh) => {
                let fresh_credentials = Credentials::from(fresh.clone())
                    .ensure_fresh(self.issuer.name(), self.time_source.now())?;
                tracing::debug!(
                    source = self.issuer.name(),
                    access_key_id = fresh.access_key_id(),
                    "issued new temporary credentials"
                );
                let mut state = self.state();
                state.cached = Some(fresh);
                state.retry_not_before = None;
                Ok(fresh_credentials)
            }
            Err(error) => {
                let now = self.time_source.now();
                let mut state = self.state();
                match state.cached.as_ref().filter(|c| !c.is_expired_at(now)) {
                    Some(current) => {
                        tracing::warn!(
                            source = self.issuer.name(),
                            %error,
                            retry_in = ?self.retry_interval,
                            "refreshing credentials failed; using the cached ones until they expire"
                        );
                        let current = current.clone();
                        state.retry_not_before = Some(now + self.retry_interval);
                        Ok(current.into())
                    }
                    None => Err(error),
                }
            }
        }
    }
}

impl fmt::Debug for RefreshingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingSource")
            .field("issuer", &self.issuer)
            .field("refresh_margin", &self.refresh_margin)
            .field("retry_interval", &self.retry_interval)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl CredentialsSource for RefreshingSource {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        let (valid, may_retry) = match self.lookup(self.time_source.now()) {
            Ok(fresh) => return Ok(fresh),
            Err(stale) => stale,
        };
        let _refreshing = match valid {
            // Still valid: refresh only if nobody else is and no failed attempt asks to wait.
            Some(current) => {
                if !may_retry {
                    return Ok(current.into());
                }
                match self.refreshing.try_lock() {
                    Ok(guard) => guard,
                    Err(_) => return Ok(current.into()),
                }
            }
            // Nothing usable: wait for the refresh in flight, if any, and share its result.
            None => self.refreshing.lock().await,
        };
        // Another caller may have refreshed between the lookup and the lock.
        match self.lookup(self.time_source.now()) {
            Ok(fresh) => Ok(fresh),
            Err((Some(current), false)) => Ok(current.into()),
            Err(_) => self.refresh().await,
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

    /// An issuer that can be switched to failing and that holds each issue for a moment, so
    /// concurrent callers pile up behind it.
    #[derive(Debug)]
    struct SwitchIssuer {
        calls: AtomicUsize,
        failing: std::sync::atomic::AtomicBool,
        clock: ManualTimeSource,
    }

    #[async_trait]
    impl TemporaryCredentialsIssuer for SwitchIssuer {
        async fn issue(&self) -> Result<TemporaryCredentials, AuthError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            if self.failing.load(Ordering::SeqCst) {
                return Err(AuthError::Service {
                    service: "rolesanywhere",
                    status: 503,
                    code: "ServiceUnavailableException".into(),
                    message: "down".into(),
                });
            }
            TemporaryCredentials::new(
                format!("ASIA{n}"),
                "secret",
                None,
                self.clock.now() + Duration::from_secs(60),
            )
        }

        fn name(&self) -> &str {
            "switch"
        }
    }

    fn switch(clock: &ManualTimeSource) -> Arc<SwitchIssuer> {
        Arc::new(SwitchIssuer {
            calls: AtomicUsize::new(0),
            failing: false.into(),
            clock: clock.clone(),
        })
    }

    async fn call_concurrently(source: &Arc<RefreshingSource>, callers: usize) -> Vec<String> {
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let source = source.clone();
                tokio::spawn(async move { source.credentials().await })
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap().unwrap().access_key_id().to_owned());
        }
        ids
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_concurrent_callers_share_one_refresh() {
        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let issuer = switch(&clock);
        let source = Arc::new(
            RefreshingSource::new(issuer.clone())
                .with_refresh_margin(Duration::from_secs(10))
                .with_time_source(clock.clone()),
        );
        // Empty cache: everyone waits for the one refresh and gets its result.
        let ids = call_concurrently(&source, 64).await;
        assert!(ids.iter().all(|id| id == "ASIA1"), "{ids:?}");
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 1);

        // Inside the margin: one caller refreshes, the others keep the still-valid set.
        clock.advance(Duration::from_secs(55));
        let ids = call_concurrently(&source, 64).await;
        assert!(
            ids.iter().all(|id| id == "ASIA1" || id == "ASIA2"),
            "{ids:?}"
        );
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 2);
        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA2");

        // Expired: everyone waits again, one refresh.
        clock.advance(Duration::from_secs(61));
        let ids = call_concurrently(&source, 64).await;
        assert!(ids.iter().all(|id| id == "ASIA3"), "{ids:?}");
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn failed_refresh_keeps_valid_credentials_and_retries_after_the_interval() {
        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let issuer = switch(&clock);
        let source = Arc::new(
            RefreshingSource::new(issuer.clone())
                .with_refresh_margin(Duration::from_secs(30))
                .with_retry_interval(Duration::from_secs(5))
                .with_time_source(clock.clone()),
        );
        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA1");
        issuer.failing.store(true, Ordering::SeqCst);
        clock.advance(Duration::from_secs(40));
        // One failed attempt; every caller still gets the valid set.
        let ids = call_concurrently(&source, 32).await;
        assert!(ids.iter().all(|id| id == "ASIA1"), "{ids:?}");
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 2);
        // Within the retry interval no new attempt is made.
        clock.advance(Duration::from_secs(4));
        call_concurrently(&source, 8).await;
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 2);
        // After it, one more attempt (failing again).
        clock.advance(Duration::from_secs(2));
        call_concurrently(&source, 8).await;
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 3);
        // The issuer recovers: the next attempt replaces the cached set.
        issuer.failing.store(false, Ordering::SeqCst);
        clock.advance(Duration::from_secs(5));
        assert_eq!(source.credentials().await.unwrap().access_key_id(), "ASIA4");
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 4);
        // A failure once the cached set expired is the issuer's typed error.
        issuer.failing.store(true, Ordering::SeqCst);
        clock.advance(Duration::from_secs(61));
        let err = source.credentials().await.unwrap_err();
        assert!(
            matches!(&err, AuthError::Service { code, status: 503, .. } if code == "ServiceUnavailableException"),
            "{err:?}"
        );
        assert!(err.is_retryable());
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
