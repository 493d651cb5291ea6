//! [`Emulator`], its builder and the running [`EmulatorHandle`], plus [`serve_until`] for the CLI.

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
use crate::error::EmulatorError;
use crate::server::{AppState, router};

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
    /// serving on the current Tokio runtime.
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
        let state = Arc::new(AppState {
            simulator: self.simulator.clone(),
            auth: AuthPolicy::new(
                self.config.no_auth,
                &self.config.credentials,
                self.config.api_keys.clone(),
                (self.config.max_clock_skew_secs > 0)
                    .then(|| Duration::from_secs(self.config.max_clock_skew_secs)),
            ),
            default_region: self.config.default_region,
            max_body_bytes: self.simulator.config().max_body_bytes,
        });
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // A dropped sender (handle dropped) also means "stop".
                    let _ = rx.await;
                })
                .await
        });
        tracing::info!(%addr, no_auth = self.config.no_auth, "Bedrock emulator listening");
        Ok(EmulatorHandle {
            addr,
            simulator: self.simulator,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server too (without waiting).
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    simulator: Simulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
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

/// Serves `config` until `shutdown` completes, then stops gracefully. This is what
/// `bedrock emulator` runs; the bound address is logged at `info` level.
pub async fn serve_until(
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), EmulatorError> {
    let handle = Emulator::from_config(config).start().await?;
    shutdown.await;
    handle.shutdown().await
}
