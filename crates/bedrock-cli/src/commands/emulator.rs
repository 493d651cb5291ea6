//! `bedrock emulator`: serves the Bedrock emulator on a local port until Ctrl-C (or SIGTERM).

use bedrock_emulator::{Emulator, EmulatorConfig};
use serde_json::json;

use crate::cli::{EmulatorArgs, GlobalArgs};
use crate::failure::CliError;
use crate::output::Printer;
use crate::session::resolve_region;

/// `bedrock emulator`. The first line on stdout says where it listens (`listening on URL`, or
/// `{"url": URL, "control_token": TOKEN, ...}` in JSON), printed once the socket is bound; in
/// text the second line is `control token TOKEN`. Bound beyond loopback, a warning goes to
/// stderr.
pub async fn run(
    global: &GlobalArgs,
    args: &EmulatorArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let mut config = match &args.config {
        Some(path) => EmulatorConfig::from_file(path)?,
        None => EmulatorConfig::default(),
    };
    config.bind = bind_address(&config.bind, args.host.as_deref(), args.port);
    if args.no_auth {
        config.no_auth = true;
    }
    if let Some(region) = &global.region {
        config.default_region = resolve_region(Some(region), |_| None)?;
    }
    let emulator = Emulator::builder().config(config).build();
    let no_auth = emulator.config().no_auth;
    let keys: Vec<String> = emulator
        .config()
        .credentials
        .iter()
        .map(|c| c.access_key_id.clone())
        .collect();
    let shutdown = Shutdown::install();
    let handle = emulator.start().await?;
    let url = handle.url();
    let token = handle.control_token();
    if printer.is_json() {
        printer.json_line(&json!({
            "url": url,
            "no_auth": no_auth,
            "access_key_ids": keys,
            "control_token": token,
        }))?;
    } else {
        // Scripts read the first line for the URL and the second for the token.
        printer.partial(&format!("listening on {url}\ncontrol token {token}\n"))?;
    }
    if let Some(warning) = handle.exposure_warning() {
        printer.note(&format!("warning: {warning}"));
    }
    if !printer.is_json() {
        printer.note(&format!(
            "the control endpoints ({url}/_emulator/...) need `Authorization: Bearer` and the \
             control token"
        ));
        if no_auth {
            printer.note("request signatures are not checked (--no-auth)");
        } else {
            printer.note(&format!(
                "accepting SigV4 requests signed with access key {}",
                keys.join(", ")
            ));
        }
        printer.note("press Ctrl-C to stop");
    }
    shutdown.wait().await;
    tracing::info!("stopping the emulator");
    handle.shutdown().await?;
    Ok(())
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from the moment this is created, so that a signal
/// sent right after the URL is printed still stops the server gracefully.
struct Shutdown {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Shutdown {
    fn install() -> Shutdown {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                .ok();
            Shutdown { signals }
        }
        #[cfg(not(unix))]
        Shutdown {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The address to bind: the configured one, with `--host` and `--port` replacing its parts.
fn bind_address(configured: &str, host: Option<&str>, port: Option<u16>) -> String {
    if host.is_none() && port.is_none() {
        return configured.to_owned();
    }
    let (configured_host, configured_port) = match configured.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => (Some(h), p.parse::<u16>().ok()),
        _ => (None, None),
    };
    let host = host.or(configured_host).unwrap_or("127.0.0.1");
    let port = port.or(configured_port).unwrap_or(0);
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_replace_parts_of_the_configured_address() {
        assert_eq!(bind_address("127.0.0.1:4010", None, None), "127.0.0.1:4010");
        assert_eq!(bind_address("127.0.0.1:4010", None, Some(0)), "127.0.0.1:0");
        assert_eq!(
            bind_address("127.0.0.1:4010", Some("0.0.0.0"), None),
            "0.0.0.0:4010"
        );
        assert_eq!(bind_address("[::1]:4010", None, Some(5)), "[::1]:5");
        assert_eq!(bind_address("127.0.0.1:0", Some("::1"), Some(7)), "[::1]:7");
        assert_eq!(
            bind_address("weird", Some("localhost"), None),
            "localhost:0"
        );
    }
}
