#![doc = include_str!("../README.md")]
// Signed headers and query strings, credential files and certificates come from outside: nothing
// they steer may panic. Tests may. Each `allow` names why its panic cannot happen.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

mod amz_date;
mod bridge;
mod canonical;
mod chain;
mod configured;
mod credentials;
mod error;
mod roles_anywhere;
mod secret;
mod sign;
mod source;
mod sts;
mod verify;
mod verify_x509;
mod x509;

pub use bridge::{SdkCredentialsBridge, into_shared_provider};
pub use chain::{
    ChainOptions, LocalCredentials, ProfileCredentialKind, default_chain, detect_local_credentials,
    detect_local_credentials_in_process, local_credentials_configured,
};
pub use configured::{AssumeRoleSettings, CredentialsSpec, RolesAnywhereSettings, profile_keys};
pub use credentials::{Credentials, StaticCredentials, TemporaryCredentials};
pub use error::{AuthError, BoxError};
pub use roles_anywhere::{
    MAX_ROLES_ANYWHERE_DURATION, MIN_ROLES_ANYWHERE_DURATION, RolesAnywhereConfig,
    RolesAnywhereSource, parse_create_session_response,
};
pub use secret::{REDACTED, SecretString};
pub use sign::{SigningOptions, sign_request, sign_request_with, signing_headers};
pub use source::{
    CredentialsSource, DEFAULT_REFRESH_MARGIN, DEFAULT_REFRESH_RETRY_INTERVAL, FnIssuer,
    ProviderSource, RefreshingSource, StaticSource, TemporaryCredentialsIssuer,
};
pub use sts::{
    AssumeRoleSource, AssumeRoleSourceBuilder, MAX_SESSION_DURATION, MIN_SESSION_DURATION,
};
pub use verify::{
    DEFAULT_MAX_SKEW, KnownCredential, SIGV4_ALGORITHM, SigningKeyCache, VerifiedIdentity,
    VerifiedScope, VerifyError, verify_sigv4, verify_sigv4_head, verify_sigv4_scope,
};
pub use verify_x509::{
    MAX_X509_CHAIN_LEN, X509RequestError, X509SignedRequest, read_x509_signed_request,
};
pub use x509::{
    PrivateKeyX509Signer, X509Signer, X509SigningAlgorithm, private_key_pem_is_encrypted,
};
