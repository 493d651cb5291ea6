//! [`Emulator`], its builder and the running [`EmulatorHandle`], plus [`serve_until`].

use std::fmt::Write as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bedrock_simulator::Simulator;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{AuthPolicy, Credentials};
use crate::config::EmulatorConfig;
use crate::connections::{Limits, accept_loop};
use crate::error::EmulatorError;
use crate::server::AppState;

/// How long [`EmulatorHandle::shutdown`] waits for open connections before closing them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A Bedrock emulator, configured but not yet listening. Build one with [`Emulator::builder`].
#[derive(Debug)]
pub struct Emulator {
    config: EmulatorConfig,
    simulator: Simulator,
}

/// Builds an [`Emulator`]; every setter overrides the matching field of [`EmulatorConfig`],
/// whatever the order of the calls.
#[derive(Debug, Default)]
#[must_use]
pub struct EmulatorBuilder {
    config: Option<EmulatorConfig>,
    credentials: Option<Vec<Credentials>>,
    no_auth: Option<bool>,
    bind: Option<String>,
    simulator: Option<Simulator>,
}

impl EmulatorBuilder {
    /// Starts from this configuration (the default one otherwise).
    pub fn config(mut self, config: EmulatorConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Accepts only these credentials (replacing the example pair and any configured ones).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(vec![credentials]);
        self
    }

    /// Accepts these credentials as well as those set before.
    pub fn add_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials
            .get_or_insert_with(Vec::new)
            .push(credentials);
        self
    }

    /// Turns request authentication off (`true`) or on.
    pub fn no_auth(mut self, no_auth: bool) -> Self {
        self.no_auth = Some(no_auth);
        self
    }

    /// The address to listen on, e.g. `127.0.0.1:0` for any free port.
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.bind = Some(addr.into());
        self
    }

    /// Serves this simulator instead of one built from the configuration; its configuration
    /// and faults are then left as they are.
    pub fn simulator(mut self, simulator: Simulator) -> Self {
        self.simulator = Some(simulator);
        self
    }

    /// The emulator.
    pub fn build(self) -> Emulator {
        let mut config = self.config.unwrap_or_default();
        if let Some(credentials) = self.credentials {
            config.credentials = credentials;
        }
        if let Some(no_auth) = self.no_auth {
            config.no_auth = no_auth;
        }
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
        let simulator = self.simulator.unwrap_or_else(|| config.build_simulator());
        Emulator { config, simulator }
    }

    /// Builds the emulator and starts it.
    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        self.build().start().await
    }
}

impl Emulator {
    /// A builder with the default configuration: the example credentials, 127.0.0.1 on a free
    /// port, no faults.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// An emulator serving a simulator built from `config`, with its faults installed.
    pub fn from_config(config: EmulatorConfig) -> Self {
        Emulator::builder().config(config).build()
    }

    /// The configuration it will serve with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.config
    }

    /// The simulator it serves.
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// Checks the configuration ([`EmulatorConfig::validate`]), binds the socket and starts
    /// serving on the current Tokio runtime. Bound beyond loopback, it logs a warning
    /// ([`EmulatorHandle::exposure_warning`]).
    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        self.config.validate()?;
        let listener = TcpListener::bind(&self.config.bind)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: self.config.bind.clone(),
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.config.bind.clone(),
                source,
            })?;
        let control_token = match &self.config.control_token {
            Some(token) => token.clone(),
            None => random_token(addr)?,
        };
        let credentials = crate::credentials::CredentialService::new(&self.config)?;
        let auth = AuthPolicy::new(
            self.config.no_auth,
            &self.config.credentials,
            self.config.api_keys.clone(),
            (self.config.max_clock_skew_secs > 0)
                .then(|| Duration::from_secs(self.config.max_clock_skew_secs)),
        )
        .with_issued(credentials.issued());
        let batch = &self.config.batch;
        let store = crate::s3::ObjectStore::new(
            batch.s3_dir.as_deref(),
            crate::s3::StoreLimits {
                max_memory_bytes: batch.s3_max_memory_bytes,
                max_objects: batch.s3_max_objects,
            },
        )
        .map_err(|e| EmulatorError::InvalidConfig {
            path: None,
            message: format!("field `batch.s3_dir` cannot be used: {e}"),
        })?;
        let store = Arc::new(store);
        let s3 = crate::s3::S3Endpoint::new(Arc::clone(&store), &auth);
        let batch_engine = Arc::new(crate::batch::BatchEngine::new(
            store,
            self.simulator.clone(),
            self.config.batch.clone(),
        ));
        let state = Arc::new(AppState {
            simulator: self.simulator.clone(),
            auth,
            default_region: self.config.default_region,
            max_body_bytes: self.simulator.config().max_body_bytes,
            body_read_timeout: self.config.body_read_timeout(),
            control_token: control_token.clone(),
            credentials: credentials.clone(),
            s3,
            batch: batch_engine,
        });
        let limits = Limits {
            max_connections: self.config.max_connections,
            header_read_timeout: self.config.header_read_timeout(),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(accept_loop(listener, state, limits, async move {
            // A dropped sender (handle dropped) also means "stop".
            let _ = rx.await;
        }));
        tracing::info!(%addr, no_auth = self.config.no_auth, "Bedrock emulator listening");
        let handle = EmulatorHandle {
            addr,
            simulator: self.simulator,
            control_token,
            credentials,
            shutdown: Some(tx),
            task: Some(task),
        };
        if let Some(warning) = handle.exposure_warning() {
            tracing::warn!(%addr, "{warning}");
        }
        Ok(handle)
    }
}

/// 128 random bits from the operating system, in hex, for the emulator bound to `addr`.
fn random_token(addr: SocketAddr) -> Result<String, EmulatorError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| EmulatorError::Serve {
        addr,
        source: std::io::Error::other("the system's random number generator failed"),
    })?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// A running emulator. Dropping it stops the server too (without waiting). `Debug` leaves
/// the control token out.
pub struct EmulatorHandle {
    addr: SocketAddr,
    simulator: Simulator,
    control_token: String,
    credentials: crate::credentials::CredentialService,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("simulator", &self.simulator)
            .field("control_token", &bedrock_auth::REDACTED)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The base URL to give clients as their endpoint, e.g. `http://127.0.0.1:50123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator behind the server: set faults, read the request log, count attempts.
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// What the credentials services (Roles Anywhere `CreateSession`, STS `AssumeRole`) were
    /// asked and issued so far: a test can check that clients reuse credentials until they
    /// near expiry instead of asking for new ones on every call.
    pub fn credential_requests(&self) -> crate::credentials::CredentialRequests {
        self.credentials.requests()
    }

    /// The token the control endpoints (`/_emulator/...`) require as
    /// `Authorization: Bearer TOKEN`: [`EmulatorConfig::control_token`], or the random one
    /// made at start.
    pub fn control_token(&self) -> &str {
        &self.control_token
    }

    /// The headers a control request needs: `Authorization: Bearer TOKEN` and
    /// `Content-Type: application/json`. Add them to any request to `/_emulator/...`.
    pub fn control_headers(&self) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {}", self.control_token)) {
            headers.insert(http::header::AUTHORIZATION, value);
        }
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers
    }

    /// A warning to show when the emulator listens beyond loopback, where other machines can
    /// reach it; `None` on a loopback address.
    pub fn exposure_warning(&self) -> Option<String> {
        (!self.addr.ip().is_loopback()).then(|| {
            format!(
                "the emulator listens on {}, beyond loopback: other machines can reach it. It \
                 speaks plain HTTP and, unless configured otherwise, accepts the public example \
                 credentials; bind to 127.0.0.1 unless other machines must reach it",
                self.addr
            )
        })
    }

    /// Stops accepting connections, lets open requests finish (at most 10 s), then returns.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        let finished = tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await;
        match finished {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(source))) => Err(EmulatorError::Serve {
                addr: self.addr,
                source,
            }),
            Ok(Err(join)) => Err(EmulatorError::Serve {
                addr: self.addr,
                source: std::io::Error::other(join),
            }),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `config` until `shutdown` completes, then stops gracefully; the bound address is
/// logged at `info` level. No handle comes out, so set [`EmulatorConfig::control_token`] to call
/// the control endpoints.
pub async fn serve_until(
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), EmulatorError> {
    let handle = Emulator::from_config(config).start().await?;
    shutdown.await;
    handle.shutdown().await
}
