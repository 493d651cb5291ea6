//! [`EmulatorConfig`]: listening address, credentials, faults and the simulator's settings, read
//! from JSON or TOML files whose keys all sit at the top level.

use std::path::Path;
use std::time::Duration;

use bedrock_core::Region;
use bedrock_simulator::{FaultRule, Simulator, SimulatorConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::auth::Credentials;
use crate::error::EmulatorError;

/// Everything an emulator is started with.
///
/// In a file, the simulator's settings (`seed`, `not_granted`, `simulate_date`, `log_capacity`,
/// `max_body_bytes`, ...) sit beside the emulator's own keys; unknown keys are refused. Example
/// (TOML):
///
/// ```toml
/// bind = "127.0.0.1:4010"
/// seed = 7
/// not_granted = ["anthropic.claude-v2"]
/// simulate_date = "2026-07-01"
///
/// [[credentials]]
/// access_key_id = "ASIAEXAMPLE"
/// secret_access_key = "secret"
/// session_token = "token"
/// expires_at = "2030-01-01T00:00:00Z"
///
/// [[faults]]
/// model = "amazon.titan-text-express-v1"
/// times = 2
/// fault = { type = "throttling" }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorConfig {
    /// Address to listen on (`bind`); default `127.0.0.1:0`, any free port on loopback.
    pub bind: String,
    /// Skip authentication (`no_auth`); default `false`.
    pub no_auth: bool,
    /// Accepted SigV4 credentials (`credentials`); default the example pair
    /// [`Credentials::example`].
    pub credentials: Vec<Credentials>,
    /// Accepted bearer API keys (`api_keys`, `Authorization: Bearer ...`); default none.
    pub api_keys: Vec<String>,
    /// Region of requests whose credential scope names none (no auth, bearer keys)
    /// (`default_region`); default `us-east-1`.
    pub default_region: Region,
    /// How far a signed request's date may be from the emulator's clock, in seconds
    /// (`max_clock_skew_secs`); `0` turns the check off. Default 900, as on AWS.
    pub max_clock_skew_secs: u64,
    /// Faults installed at start (`faults`).
    pub faults: Vec<FaultRule>,
    /// How many connections are served at once (`max_connections`); one more is answered 503
    /// `ServiceUnavailableException`. Default 512.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, in milliseconds
    /// (`header_read_timeout_ms`), counted from the connection's start or the end of the previous
    /// answer, so idle keep-alive connections close after it too. Default 30,000.
    pub header_read_timeout_ms: u64,
    /// How long a client has to send a request's whole body once its headers are in, in
    /// milliseconds (`body_read_timeout_ms`); past it the answer is 408 and the connection
    /// closes. Default 60,000.
    pub body_read_timeout_ms: u64,
    /// The token the control endpoints (`/_emulator/...`) require as `Authorization: Bearer
    /// TOKEN` (`control_token`); default none, and a random one is made at start (see
    /// `EmulatorHandle::control_token`). At least 16 characters of `A-Z a-z 0-9 - _ . ~`.
    pub control_token: Option<String>,
    /// The simulator's settings (top-level keys in files).
    pub simulator: SimulatorConfig,
}

/// Default of [`EmulatorConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default of [`EmulatorConfig::header_read_timeout_ms`].
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 30_000;
/// Default of [`EmulatorConfig::body_read_timeout_ms`].
pub const DEFAULT_BODY_READ_TIMEOUT_MS: u64 = 60_000;
/// The longest timeout accepted, one hour.
const MAX_TIMEOUT_MS: u64 = 3_600_000;
/// The most connections accepted as a cap: beyond it the cap protects nothing.
const MAX_CONNECTIONS_LIMIT: usize = 65_536;
/// The shortest control token accepted.
const MIN_CONTROL_TOKEN_LEN: usize = 16;
/// The longest control token accepted.
const MAX_CONTROL_TOKEN_LEN: usize = 256;

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: "127.0.0.1:0".to_owned(),
            no_auth: false,
            credentials: vec![Credentials::example()],
            api_keys: Vec::new(),
            default_region: Region::UsEast1,
            max_clock_skew_secs: 900,
            faults: Vec::new(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout_ms: DEFAULT_HEADER_READ_TIMEOUT_MS,
            body_read_timeout_ms: DEFAULT_BODY_READ_TIMEOUT_MS,
            control_token: None,
            simulator: SimulatorConfig::default(),
        }
    }
}

/// The emulator's own keys, as they appear in files.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct OwnKeys {
    bind: String,
    no_auth: bool,
    credentials: Vec<Credentials>,
    api_keys: Vec<String>,
    default_region: Region,
    max_clock_skew_secs: u64,
    faults: Vec<FaultRule>,
    max_connections: usize,
    header_read_timeout_ms: u64,
    body_read_timeout_ms: u64,
    control_token: Option<String>,
}

impl Default for OwnKeys {
    fn default() -> Self {
        let d = EmulatorConfig::default();
        OwnKeys {
            bind: d.bind,
            no_auth: d.no_auth,
            credentials: d.credentials,
            api_keys: d.api_keys,
            default_region: d.default_region,
            max_clock_skew_secs: d.max_clock_skew_secs,
            faults: d.faults,
            max_connections: d.max_connections,
            header_read_timeout_ms: d.header_read_timeout_ms,
            body_read_timeout_ms: d.body_read_timeout_ms,
            control_token: d.control_token,
        }
    }
}

const OWN_KEYS: &[&str] = &[
    "bind",
    "no_auth",
    "credentials",
    "api_keys",
    "default_region",
    "max_clock_skew_secs",
    "faults",
    "max_connections",
    "header_read_timeout_ms",
    "body_read_timeout_ms",
    "control_token",
];

fn simulator_keys() -> Vec<String> {
    match serde_json::to_value(SimulatorConfig::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

impl EmulatorConfig {
    /// Reads a configuration file: `.toml` as TOML, `.json` as JSON, anything else by content
    /// (a leading `{` means JSON).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, EmulatorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        let is_json = match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => true,
            Some(ext) if ext.eq_ignore_ascii_case("toml") => false,
            _ => text.trim_start().starts_with('{'),
        };
        let parsed = if is_json {
            EmulatorConfig::from_json(&text)
        } else {
            EmulatorConfig::from_toml(&text)
        };
        parsed.map_err(|e| match e {
            EmulatorError::InvalidConfig { message, .. } => EmulatorError::InvalidConfig {
                path: Some(path.to_owned()),
                message,
            },
            other => other,
        })
    }

    /// Parses a JSON configuration.
    pub fn from_json(text: &str) -> Result<Self, EmulatorError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
        EmulatorConfig::from_value(value)
    }

    /// Parses a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Self, EmulatorError> {
        let table: toml::Table = toml::from_str(text).map_err(invalid)?;
        EmulatorConfig::from_value(toml_to_json(toml::Value::Table(table)))
    }

    fn from_value(value: serde_json::Value) -> Result<Self, EmulatorError> {
        let serde_json::Value::Object(map) = value else {
            return Err(invalid(
                "the configuration must be a table of keys (a JSON object)",
            ));
        };
        let sim_keys = simulator_keys();
        let (mut own, mut sim) = (serde_json::Map::new(), serde_json::Map::new());
        for (key, v) in map {
            if OWN_KEYS.contains(&key.as_str()) {
                own.insert(key, v);
            } else if sim_keys.contains(&key) {
                sim.insert(key, v);
            } else {
                let mut allowed: Vec<String> = OWN_KEYS.iter().map(|k| (*k).to_owned()).collect();
                allowed.extend(sim_keys);
                allowed.sort();
                return Err(invalid(format!(
                    "unknown key `{key}`; allowed keys: {}",
                    allowed.join(", ")
                )));
            }
        }
        let own: OwnKeys =
            serde_json::from_value(serde_json::Value::Object(own)).map_err(invalid)?;
        let simulator: SimulatorConfig =
            serde_json::from_value(serde_json::Value::Object(sim)).map_err(invalid)?;
        let config = EmulatorConfig {
            bind: own.bind,
            no_auth: own.no_auth,
            credentials: own.credentials,
            api_keys: own.api_keys,
            default_region: own.default_region,
            max_clock_skew_secs: own.max_clock_skew_secs,
            faults: own.faults,
            max_connections: own.max_connections,
            header_read_timeout_ms: own.header_read_timeout_ms,
            body_read_timeout_ms: own.body_read_timeout_ms,
            control_token: own.control_token,
            simulator,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks values that parse but cannot work, naming the field, the value and what is allowed.
    pub fn validate(&self) -> Result<(), EmulatorError> {
        self.simulator
            .validate()
            .map_err(|e| invalid(e.to_string()))?;
        if self.simulator.max_body_bytes == 0 {
            return Err(invalid(
                "field `max_body_bytes` has value 0; allowed: 1 or more bytes",
            ));
        }
        if !self.no_auth && self.credentials.is_empty() && self.api_keys.is_empty() {
            return Err(invalid(
                "field `credentials` is empty and no `api_keys` are set; allowed: at least one \
                 credential or API key, or `no_auth = true`",
            ));
        }
        if let Some(i) = self
            .credentials
            .iter()
            .position(|c| c.access_key_id.is_empty())
        {
            return Err(invalid(format!(
                "field `credentials[{i}].access_key_id` has value \"\"; allowed: a non-empty access key id"
            )));
        }
        if !(1..=MAX_CONNECTIONS_LIMIT).contains(&self.max_connections) {
            return Err(invalid(format!(
                "field `max_connections` has value {}; allowed: 1 to {MAX_CONNECTIONS_LIMIT}",
                self.max_connections
            )));
        }
        for (field, value) in [
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("body_read_timeout_ms", self.body_read_timeout_ms),
        ] {
            if !(1..=MAX_TIMEOUT_MS).contains(&value) {
                return Err(invalid(format!(
                    "field `{field}` has value {value}; allowed: 1 to {MAX_TIMEOUT_MS} milliseconds"
                )));
            }
        }
        if let Some(token) = &self.control_token {
            let charset_ok = token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
            if !charset_ok
                || !(MIN_CONTROL_TOKEN_LEN..=MAX_CONTROL_TOKEN_LEN).contains(&token.len())
            {
                // The value itself is a secret: name its length, not its text.
                return Err(invalid(format!(
                    "field `control_token` has a value of {} characters; allowed: \
                     {MIN_CONTROL_TOKEN_LEN} to {MAX_CONTROL_TOKEN_LEN} characters of A-Z a-z 0-9 - _ . ~",
                    token.len()
                )));
            }
        }
        Ok(())
    }

    /// The header read timeout as a duration.
    pub(crate) fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }

    /// The body read timeout as a duration.
    pub(crate) fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms)
    }

    /// A simulator with this configuration's settings and faults.
    pub fn build_simulator(&self) -> Simulator {
        let simulator = Simulator::new(self.simulator.clone());
        if !self.faults.is_empty() {
            simulator.set_faults(self.faults.clone());
        }
        simulator
    }

    fn to_value(&self) -> serde_json::Value {
        let mut map = match serde_json::to_value(&self.simulator) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        let own = serde_json::json!({
            "bind": self.bind,
            "no_auth": self.no_auth,
            "credentials": self.credentials,
            "api_keys": self.api_keys,
            "default_region": self.default_region,
            "max_clock_skew_secs": self.max_clock_skew_secs,
            "faults": self.faults,
            "max_connections": self.max_connections,
            "header_read_timeout_ms": self.header_read_timeout_ms,
            "body_read_timeout_ms": self.body_read_timeout_ms,
        });
        if let serde_json::Value::Object(own) = own {
            map.extend(own);
        }
        if let Some(token) = &self.control_token {
            map.insert("control_token".to_owned(), token.clone().into());
        }
        serde_json::Value::Object(map)
    }
}

/// TOML values as JSON; TOML dates and times become their RFC 3339 text.
fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn invalid(message: impl ToString) -> EmulatorError {
    EmulatorError::InvalidConfig {
        path: None,
        message: message.to_string(),
    }
}

impl Serialize for EmulatorConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EmulatorConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        EmulatorConfig::from_value(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use bedrock_simulator::Fault;

    use super::*;

    #[test]
    fn toml_and_json_read_the_same_flat_keys() {
        let toml = r#"
            bind = "127.0.0.1:4010"
            seed = 7
            not_granted = ["anthropic.claude-v2"]
            simulate_date = "2026-07-01"
            default_region = "eu-west-1"

            [[credentials]]
            access_key_id = "ASIAEXAMPLE"
            secret_access_key = "secret"
            session_token = "token"
            expires_at = 2030-01-01T00:00:00Z

            [[faults]]
            model = "amazon.titan-text-express-v1"
            times = 2
            fault = { type = "throttling" }
        "#;
        let json = r#"{
            "bind": "127.0.0.1:4010", "seed": 7, "not_granted": ["anthropic.claude-v2"],
            "simulate_date": "2026-07-01", "default_region": "eu-west-1",
            "credentials": [{"access_key_id": "ASIAEXAMPLE", "secret_access_key": "secret",
                             "session_token": "token", "expires_at": "2030-01-01T00:00:00Z"}],
            "faults": [{"model": "amazon.titan-text-express-v1", "times": 2, "fault": {"type": "throttling"}}]
        }"#;
        let from_toml = EmulatorConfig::from_toml(toml).unwrap();
        let from_json = EmulatorConfig::from_json(json).unwrap();
        assert_eq!(from_toml, from_json);
        let c = from_toml;
        assert_eq!(c.bind, "127.0.0.1:4010");
        assert_eq!(c.simulator.seed, 7);
        assert!(c.simulator.not_granted.contains("anthropic.claude-v2"));
        assert_eq!(c.default_region, Region::EuWest1);
        assert_eq!(
            c.credentials[0].expires_at,
            Some(UNIX_EPOCH + Duration::from_secs(1_893_456_000))
        );
        assert_eq!(c.faults[0].fault, Fault::Throttling);
        assert!(!c.no_auth);
        assert_eq!(c.max_clock_skew_secs, 900);
        // Serialising gives the flat form back.
        let again: EmulatorConfig =
            serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn an_empty_file_is_the_default() {
        let c = EmulatorConfig::from_toml("").unwrap();
        assert_eq!(c, EmulatorConfig::default());
        assert_eq!(c.credentials, vec![Credentials::example()]);
        assert_eq!(c.simulator.max_body_bytes, 25_000_000);
    }

    #[test]
    fn mistakes_name_the_key_and_what_is_allowed() {
        let err = EmulatorConfig::from_json(r#"{"sed": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key `sed`") && err.contains("seed"),
            "{err}"
        );
        let err = EmulatorConfig::from_json(r#"{"default_region": "mars-1"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("mars-1"), "{err}");
        let err = EmulatorConfig::from_json(r#"{"credentials": []}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`credentials` is empty"), "{err}");
        assert!(EmulatorConfig::from_json(r#"{"credentials": [], "no_auth": true}"#).is_ok());
        let err = EmulatorConfig::from_json(r#"{"simulate_date": "July"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("simulate_date"), "{err}");
        let err = EmulatorConfig::from_json(r#"{"faults": [{"fault": {"type": "gremlins"}}]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("gremlins"), "{err}");
        let err = EmulatorConfig::from_toml("seed = ").unwrap_err();
        assert!(matches!(err, EmulatorError::InvalidConfig { .. }), "{err}");
    }

    #[test]
    fn files_are_read_by_extension_or_content() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("emu.conf");
        std::fs::write(&json, r#"{"seed": 5}"#).unwrap();
        assert_eq!(EmulatorConfig::from_file(&json).unwrap().simulator.seed, 5);
        let toml = dir.path().join("emu.toml");
        std::fs::write(&toml, "seed = 6\nno_auth = true\n").unwrap();
        let c = EmulatorConfig::from_file(&toml).unwrap();
        assert!(c.no_auth && c.simulator.seed == 6);
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "colour = 1\n").unwrap();
        let err = EmulatorConfig::from_file(&bad).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("colour"), "{err}");
        let err = EmulatorConfig::from_file(dir.path().join("missing.toml")).unwrap_err();
        assert!(matches!(err, EmulatorError::ReadConfig { .. }));
    }
}
