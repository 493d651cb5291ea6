//! [`EmulatorConfig`]: listening address, credentials, faults and the simulator's settings, read
//! from JSON or TOML files whose keys all sit at the top level.

use std::path::Path;
use std::time::Duration;

use bedrock_core::Region;
use bedrock_simulator::{FaultRule, Simulator, SimulatorConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::auth::{Credentials, RedactedList};
use crate::credentials::{
    DEFAULT_MAX_ISSUED_CREDENTIALS, RoleConfig, RolesAnywhereProfile, TrustAnchorConfig,
};
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
///
/// # Credentials services (Roles Anywhere `POST /sessions`, STS `POST /`)
/// [[trust_anchors]]
/// arn = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta-1"
/// certificate_path = "ca.pem"
///
/// [[profiles]]
/// arn = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-1"
/// role_arns = ["arn:aws:iam::123456789012:role/bedrock-invoker"]
///
/// [[roles]]
/// arn = "arn:aws:iam::123456789012:role/bedrock-invoker"
/// lifetime_secs = 900
/// external_id = "shared-id"
/// ```
///
/// `Debug` shows no secret: secret keys, session tokens, API keys, the control token and
/// external ids are redacted.
#[derive(Clone, PartialEq)]
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
    /// Roles Anywhere trust anchors (`trust_anchors`): the CA certificates client certificates
    /// must chain up to. Default none.
    pub trust_anchors: Vec<TrustAnchorConfig>,
    /// Roles Anywhere profiles (`profiles`): which roles a session may be created for.
    /// Default none.
    pub profiles: Vec<RolesAnywhereProfile>,
    /// IAM roles (`roles`): lifetimes of their credentials, and which ones STS `AssumeRole`
    /// knows. Default none.
    pub roles: Vec<RoleConfig>,
    /// How many issued credentials are kept at once (`max_issued_credentials`, 1 to 1,000,000);
    /// expired ones make room, and past it with none expired, issuing is refused. Default
    /// 10,000.
    pub max_issued_credentials: usize,
    /// The S3 store and batch jobs (`batch` table).
    pub batch: crate::batch::BatchConfig,
    /// The simulator's settings (top-level keys in files).
    pub simulator: SimulatorConfig,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("bind", &self.bind)
            .field("no_auth", &self.no_auth)
            .field("credentials", &self.credentials)
            .field("api_keys", &RedactedList(self.api_keys.len()))
            .field("default_region", &self.default_region)
            .field("max_clock_skew_secs", &self.max_clock_skew_secs)
            .field("faults", &self.faults)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout_ms", &self.header_read_timeout_ms)
            .field("body_read_timeout_ms", &self.body_read_timeout_ms)
            .field(
                "control_token",
                &self.control_token.as_ref().map(|_| bedrock_auth::REDACTED),
            )
            .field("trust_anchors", &self.trust_anchors)
            .field("profiles", &self.profiles)
            .field("roles", &self.roles)
            .field("max_issued_credentials", &self.max_issued_credentials)
            .field("batch", &self.batch)
            .field("simulator", &self.simulator)
            .finish()
    }
}

/// Default of [`EmulatorConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default of [`EmulatorConfig::header_read_timeout_ms`].
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 30_000;
/// Default of [`EmulatorConfig::body_read_timeout_ms`].
pub const DEFAULT_BODY_READ_TIMEOUT_MS: u64 = 60_000;
/// The longest timeout accepted, one hour.
const MAX_TIMEOUT_MS: u64 = 3_600_000;
/// The most issued credentials that may be kept at once.
const MAX_ISSUED_CREDENTIALS_LIMIT: usize = 1_000_000;
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
            trust_anchors: Vec::new(),
            profiles: Vec::new(),
            roles: Vec::new(),
            max_issued_credentials: DEFAULT_MAX_ISSUED_CREDENTIALS,
            batch: crate::batch::BatchConfig::default(),
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
    trust_anchors: Vec<TrustAnchorConfig>,
    profiles: Vec<RolesAnywhereProfile>,
    roles: Vec<RoleConfig>,
    max_issued_credentials: usize,
    batch: crate::batch::BatchConfig,
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
            trust_anchors: d.trust_anchors,
            profiles: d.profiles,
            roles: d.roles,
            max_issued_credentials: d.max_issued_credentials,
            batch: d.batch,
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
    "trust_anchors",
    "profiles",
    "roles",
    "max_issued_credentials",
    "batch",
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
        // Relative certificate paths are relative to the file.
        let dir = path.parent();
        let parsed = if is_json {
            parse_json(&text).and_then(|v| EmulatorConfig::from_value(v, dir))
        } else {
            parse_toml(&text).and_then(|v| EmulatorConfig::from_value(v, dir))
        };
        parsed.map_err(|e| match e {
            EmulatorError::InvalidConfig { message, .. } => EmulatorError::InvalidConfig {
                path: Some(path.to_owned()),
                message,
            },
            other => other,
        })
    }

    /// Parses a JSON configuration. Errors never quote a secret from the text.
    pub fn from_json(text: &str) -> Result<Self, EmulatorError> {
        EmulatorConfig::from_value(parse_json(text)?, None)
    }

    /// Parses a TOML configuration. Errors never quote a secret from the text.
    pub fn from_toml(text: &str) -> Result<Self, EmulatorError> {
        EmulatorConfig::from_value(parse_toml(text)?, None)
    }

    fn from_value(value: serde_json::Value, dir: Option<&Path>) -> Result<Self, EmulatorError> {
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
        // A value of the wrong type is quoted in serde's message: take the secrets out of it.
        let secrets = secret_values(&own);
        let scrubbed = |e: serde_json::Error| invalid(scrub(&e.to_string(), &secrets));
        let own: OwnKeys =
            serde_json::from_value(serde_json::Value::Object(own)).map_err(scrubbed)?;
        let simulator: SimulatorConfig =
            serde_json::from_value(serde_json::Value::Object(sim)).map_err(invalid)?;
        let mut config = EmulatorConfig {
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
            trust_anchors: own.trust_anchors,
            profiles: own.profiles,
            roles: own.roles,
            max_issued_credentials: own.max_issued_credentials,
            batch: own.batch,
            simulator,
        };
        if let Some(dir) = dir {
            for anchor in &mut config.trust_anchors {
                anchor.resolve_relative_to(dir);
            }
        }
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
        if !(1..=MAX_ISSUED_CREDENTIALS_LIMIT).contains(&self.max_issued_credentials) {
            return Err(invalid(format!(
                "field `max_issued_credentials` has value {}; allowed: 1 to \
                 {MAX_ISSUED_CREDENTIALS_LIMIT}",
                self.max_issued_credentials
            )));
        }
        crate::credentials::validate(&self.trust_anchors, &self.profiles, &self.roles)
            .map_err(invalid)?;
        self.batch.validate().map_err(invalid)?;
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

    /// Adds a Roles Anywhere trust anchor.
    #[must_use]
    pub fn with_trust_anchor(mut self, trust_anchor: TrustAnchorConfig) -> Self {
        self.trust_anchors.push(trust_anchor);
        self
    }

    /// Adds a Roles Anywhere profile.
    #[must_use]
    pub fn with_profile(mut self, profile: RolesAnywhereProfile) -> Self {
        self.profiles.push(profile);
        self
    }

    /// Adds a role the credentials services hand out.
    #[must_use]
    pub fn with_role(mut self, role: RoleConfig) -> Self {
        self.roles.push(role);
        self
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
            "trust_anchors": self.trust_anchors,
            "profiles": self.profiles,
            "roles": self.roles,
            "max_issued_credentials": self.max_issued_credentials,
            "batch": self.batch,
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

/// Parses JSON text. serde_json's syntax errors name a line and column and never quote the text.
fn parse_json(text: &str) -> Result<serde_json::Value, EmulatorError> {
    serde_json::from_str(text).map_err(invalid)
}

/// Parses TOML text into its JSON form. A syntax error names the line, the column and what the
/// parser expected, but not the text of the line, which may hold a secret.
fn parse_toml(text: &str) -> Result<serde_json::Value, EmulatorError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |span| span.start);
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        invalid(format!(
            "TOML syntax error at line {line}, column {column}: {}",
            e.message().trim_end()
        ))
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

/// The secret values among the emulator's own keys: secret keys and session tokens of
/// `credentials`, `api_keys`, `control_token` and the roles' `external_id`s, as text.
fn secret_values(own: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    use serde_json::Value as J;
    fn collect(value: &J, out: &mut Vec<String>) {
        match value {
            J::String(s) => out.push(s.clone()),
            J::Array(items) => items.iter().for_each(|v| collect(v, out)),
            J::Object(map) => map.values().for_each(|v| collect(v, out)),
            J::Number(n) => out.push(n.to_string()),
            J::Bool(_) | J::Null => {}
        }
    }
    let mut out = Vec::new();
    for key in ["api_keys", "control_token"] {
        if let Some(v) = own.get(key) {
            collect(v, &mut out);
        }
    }
    for (list, fields) in [
        ("credentials", &["secret_access_key", "session_token"][..]),
        ("roles", &["external_id"][..]),
    ] {
        let entries = own.get(list).and_then(J::as_array).map(Vec::as_slice);
        for entry in entries.unwrap_or_default() {
            for field in fields {
                if let Some(v) = entry.get(field) {
                    collect(v, &mut out);
                }
            }
        }
    }
    out.retain(|s| !s.is_empty());
    // Longest first, so a secret that contains another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `message` with every secret in `secrets` replaced by `** redacted **`.
fn scrub(message: &str, secrets: &[String]) -> String {
    secrets.iter().fold(message.to_owned(), |m, secret| {
        m.replace(secret.as_str(), bedrock_auth::REDACTED)
    })
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
        EmulatorConfig::from_value(value, None).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use bedrock_simulator::Fault;

    use super::*;
    use crate::credentials::RoleConfig;

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

    const SECRET_KEY: &str = "sk-9f8e7d6c5b4a-SECRET";
    const SESSION_TOKEN: &str = "tok-1a2b3c4d-SECRET";
    const API_KEY: &str = "bedrock-api-key-77aa-SECRET";
    const CONTROL_TOKEN: &str = "control-token-0123456789-SECRET";
    const EXTERNAL_ID: &str = "external-id-5566-SECRET";
    const ALL_SECRETS: [&str; 5] = [
        SECRET_KEY,
        SESSION_TOKEN,
        API_KEY,
        CONTROL_TOKEN,
        EXTERNAL_ID,
    ];

    fn assert_no_secret(what: &str, text: &str) {
        for secret in ALL_SECRETS {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
    }

    fn secret_config() -> EmulatorConfig {
        let mut config = EmulatorConfig::default().with_role(
            RoleConfig::new("arn:aws:iam::123456789012:role/r").with_external_id(EXTERNAL_ID),
        );
        config.credentials =
            vec![Credentials::new("AKIDSECRETTEST", SECRET_KEY).with_session_token(SESSION_TOKEN)];
        config.api_keys = vec![API_KEY.to_owned()];
        config.control_token = Some(CONTROL_TOKEN.to_owned());
        config
    }

    #[test]
    fn a_toml_syntax_error_never_quotes_the_line_holding_a_secret() {
        // The TOML parser's own message quotes the offending line, secret and all: this is
        // what the emulator's errors must not pass on.
        let text = format!(
            "[[credentials]]\naccess_key_id = \"AKID\"\nsecret_access_key = \"{SECRET_KEY}\" x\n"
        );
        let raw = toml::from_str::<toml::Table>(&text)
            .unwrap_err()
            .to_string();
        assert!(
            raw.contains(SECRET_KEY),
            "the parser quotes the line: {raw}"
        );
        let err = EmulatorConfig::from_toml(&text).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert_no_secret("TOML syntax error", &shown);
        assert!(shown.contains("line 3"), "{shown}");
        // An unterminated string, a token cut in half, and a JSON syntax error.
        for text in [
            format!("api_keys = [\"{API_KEY}\"\ncontrol_token = \"{CONTROL_TOKEN}\""),
            format!("control_token = \"{CONTROL_TOKEN}"),
            format!("[[credentials]]\nsession_token = \"{SESSION_TOKEN}\"\"\n"),
        ] {
            let err = EmulatorConfig::from_toml(&text).unwrap_err();
            assert_no_secret("TOML syntax error", &format!("{err} {err:?}"));
        }
        let json = format!(r#"{{"api_keys": ["{API_KEY}"] "control_token": "{CONTROL_TOKEN}"}}"#);
        let err = EmulatorConfig::from_json(&json).unwrap_err();
        assert_no_secret("JSON syntax error", &format!("{err} {err:?}"));
    }

    #[test]
    fn values_of_the_wrong_type_are_not_quoted_when_they_are_secrets() {
        for text in [
            format!("api_keys = \"{API_KEY}\""),
            format!("control_token = [\"{CONTROL_TOKEN}\"]"),
            format!(
                "[[credentials]]\naccess_key_id = \"A\"\nsecret_access_key = [\"{SECRET_KEY}\"]"
            ),
            format!(
                "[[credentials]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\nsession_token = {{ t = \"{SESSION_TOKEN}\" }}"
            ),
            format!(
                "[[roles]]\narn = \"arn:aws:iam::123456789012:role/r\"\nexternal_id = [\"{EXTERNAL_ID}\"]"
            ),
            format!(
                "[[roles]]\narn = \"arn:aws:iam::123456789012:role/r\"\nexternal_id = \"{EXTERNAL_ID} has spaces\""
            ),
            format!("control_token = \"{CONTROL_TOKEN}!\""),
        ] {
            let err = EmulatorConfig::from_toml(&text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert_no_secret("typed error", &shown);
            assert!(
                matches!(err, EmulatorError::InvalidConfig { .. }),
                "{shown}"
            );
        }
    }

    #[tokio::test]
    async fn no_type_holding_a_secret_shows_it() {
        let config = secret_config();
        assert_no_secret("EmulatorConfig Debug", &format!("{config:?} {config:#?}"));
        assert_no_secret("Credentials Debug", &format!("{:?}", config.credentials));
        assert_no_secret("RoleConfig Debug", &format!("{:?}", config.roles));
        let policy =
            crate::auth::AuthPolicy::new(false, &config.credentials, config.api_keys.clone(), None);
        assert_no_secret("AuthPolicy Debug", &format!("{policy:?}"));

        let builder = crate::Emulator::builder().config(config.clone());
        assert_no_secret("EmulatorBuilder Debug", &format!("{builder:?}"));
        let emulator = builder.build();
        assert_no_secret("Emulator Debug", &format!("{emulator:?}"));
        let handle = emulator.start().await.unwrap();
        assert_no_secret("EmulatorHandle Debug", &format!("{handle:?}"));

        // Issued credentials, their store and the service holding it.
        let service = crate::credentials::CredentialService::new(&config).unwrap();
        let identity = crate::credentials::Identity {
            arn: "arn:aws:sts::123456789012:assumed-role/r/s".into(),
            user_id: "AROAX:s".into(),
            account: "123456789012".into(),
        };
        let issued = crate::credentials::Issued::generate(
            identity,
            std::time::SystemTime::now() + Duration::from_secs(60),
        )
        .unwrap();
        let issued_secret = issued.known.secret_access_key.expose_secret().to_owned();
        let issued_token = issued
            .known
            .session_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned();
        let issued = service
            .issued()
            .insert(issued, std::time::SystemTime::now())
            .unwrap();
        let policy = policy.with_issued(service.issued());
        for shown in [
            format!("{issued:?}"),
            format!("{:?}", service.issued()),
            format!("{service:?}"),
            format!("{policy:?}"),
        ] {
            assert!(
                !shown.contains(&issued_secret) && !shown.contains(&issued_token),
                "{shown}"
            );
            assert_no_secret("credentials service Debug", &shown);
        }

        // Validation errors of every secret-holding field.
        let mut bad = config.clone();
        bad.control_token = Some(format!("{CONTROL_TOKEN} with spaces"));
        let err = bad.validate().unwrap_err();
        assert_no_secret("control_token error", &format!("{err} {err:?}"));
        let mut bad = config;
        bad.roles[0].external_id = Some(format!("{EXTERNAL_ID} with spaces"));
        let err = bad.validate().unwrap_err();
        assert_no_secret("external_id error", &format!("{err} {err:?}"));
        handle.shutdown().await.unwrap();
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
