//! The bridge from any `CredentialsSource` to the AWS SDK's `ProvideCredentials`, so SDK clients
//! use our sources and their identity cache refreshes temporary credentials before expiry.

use crate::error::AuthError;
use crate::source::CredentialsSource;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};
use std::sync::Arc;

/// Presents a [`CredentialsSource`] to the AWS SDK as a credentials provider.
///
/// The expiry of temporary credentials is passed through, so the SDK's lazy identity cache
/// serves the cached set until shortly before it expires and then asks the source again.
/// Errors map as follows: [`AuthError::CredentialsNotFound`] becomes
/// `CredentialsError::CredentialsNotLoaded` (a provider chain then tries its next provider),
/// [`AuthError::InvalidParameter`] becomes `InvalidConfiguration`, everything else
/// `ProviderError`.
#[derive(Debug, Clone)]
pub struct SdkCredentialsBridge {
    source: Arc<dyn CredentialsSource>,
}

impl SdkCredentialsBridge {
    /// Bridges `source`.
    pub fn new(source: Arc<dyn CredentialsSource>) -> Self {
        Self { source }
    }

    /// The bridged source.
    pub fn source(&self) -> &Arc<dyn CredentialsSource> {
        &self.source
    }

    async fn load(&self) -> provider::Result {
        match self.source.credentials().await {
            Ok(credentials) => Ok(credentials.to_sdk()),
            Err(error) => Err(to_sdk_error(error)),
        }
    }
}

fn to_sdk_error(error: AuthError) -> CredentialsError {
    match error {
        AuthError::CredentialsNotFound { .. } => CredentialsError::not_loaded(error),
        AuthError::InvalidParameter { .. } => CredentialsError::invalid_configuration(error),
        other => CredentialsError::provider_error(other),
    }
}

impl ProvideCredentials for SdkCredentialsBridge {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.load())
    }
}

/// Wraps `source` in an [`SdkCredentialsBridge`] and returns it as the SDK's shared provider,
/// ready for `aws_config::ConfigLoader::credentials_provider` or a service config builder.
pub fn into_shared_provider(source: Arc<dyn CredentialsSource>) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(SdkCredentialsBridge::new(source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::TemporaryCredentials;
    use crate::source::{RefreshingSource, StaticSource};
    use aws_config::identity::IdentityCache;
    use aws_smithy_async::rt::sleep::TokioSleep;
    use aws_smithy_async::test_util::ManualTimeSource;
    use aws_smithy_async::time::TimeSource;
    use aws_smithy_runtime_api::client::identity::{ResolveCachedIdentity, SharedIdentityResolver};
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
    use aws_smithy_types::config_bag::ConfigBag;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, UNIX_EPOCH};

    #[tokio::test]
    async fn sdk_identity_cache_refreshes_expired_temporary_credentials() {
        let clock = ManualTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let calls = Arc::new(AtomicUsize::new(0));
        let issuer_clock = clock.clone();
        let issuer_calls = calls.clone();
        // A fake issuer of short-lived credentials: 60 s each.
        let source = RefreshingSource::from_fn("fake-issuer", move || {
            let n = issuer_calls.fetch_add(1, Ordering::SeqCst) + 1;
            let expires_at = issuer_clock.now() + Duration::from_secs(60);
            async move {
                TemporaryCredentials::new(
                    format!("ASIAFAKE{n}"),
                    format!("secret-{n}"),
                    Some(format!("token-{n}").into()),
                    expires_at,
                )
            }
        })
        .with_refresh_margin(Duration::ZERO)
        .with_time_source(clock.clone());
        let provider = into_shared_provider(Arc::new(source));

        let cache = IdentityCache::lazy()
            .buffer_time(Duration::from_secs(10))
            .load_timeout(Duration::from_secs(5))
            .build();
        let components = RuntimeComponentsBuilder::for_tests()
            .with_time_source(Some(clock.clone()))
            .with_sleep_impl(Some(TokioSleep::new()))
            .build()
            .unwrap();
        let config = ConfigBag::base();
        let resolver = SharedIdentityResolver::new(provider);
        let resolve = || cache.resolve_cached_identity(resolver.clone(), &components, &config);

        let first = resolve().await.unwrap();
        let first_creds = first.data::<aws_credential_types::Credentials>().unwrap();
        assert_eq!(first_creds.access_key_id(), "ASIAFAKE1");
        assert_eq!(
            first.expiration(),
            Some(clock.now() + Duration::from_secs(60))
        );

        // Well before expiry (minus the cache's buffer): the cached identity is reused.
        clock.advance(Duration::from_secs(30));
        let second = resolve().await.unwrap();
        let second_creds = second.data::<aws_credential_types::Credentials>().unwrap();
        assert_eq!(second_creds.access_key_id(), "ASIAFAKE1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Past expiry: the cache asks the source, which asks the issuer again.
        clock.advance(Duration::from_secs(31));
        let third = resolve().await.unwrap();
        let third_creds = third.data::<aws_credential_types::Credentials>().unwrap();
        assert_eq!(third_creds.access_key_id(), "ASIAFAKE2");
        assert_eq!(third_creds.session_token(), Some("token-2"));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn bridge_maps_errors_to_sdk_kinds() {
        #[derive(Debug)]
        struct Failing(fn() -> AuthError);
        #[async_trait::async_trait]
        impl CredentialsSource for Failing {
            async fn credentials(&self) -> Result<crate::Credentials, AuthError> {
                Err((self.0)())
            }
            fn name(&self) -> &str {
                "failing"
            }
        }

        let not_found =
            into_shared_provider(Arc::new(Failing(|| AuthError::CredentialsNotFound {
                source_name: "failing".into(),
                reason: "nothing".into(),
            })));
        assert!(matches!(
            not_found.provide_credentials().await.unwrap_err(),
            CredentialsError::CredentialsNotLoaded(_)
        ));
        let invalid = into_shared_provider(Arc::new(Failing(|| {
            AuthError::invalid("duration_seconds", "5", "900 to 43200")
        })));
        assert!(matches!(
            invalid.provide_credentials().await.unwrap_err(),
            CredentialsError::InvalidConfiguration(_)
        ));

        let ok = into_shared_provider(Arc::new(
            StaticSource::from_keys("AKIDEXAMPLE", "s").unwrap(),
        ));
        let creds = ok.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(creds.expiry(), None);
    }
}
