//! `SimulatorConfig`: the seed, model access, the simulated date and the limits.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// How a [`Simulator`](crate::Simulator) behaves. Deserializes from a config file (every field
/// optional, defaults as in [`SimulatorConfig::default`]).
///
/// ```
/// let config: bedrock_simulator::SimulatorConfig = serde_json::from_str(
///     r#"{"seed": 7, "not_granted": ["anthropic.claude-v2"], "simulate_date": "2026-07-01"}"#,
/// )?;
/// assert_eq!(config.log_capacity, 10_000);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatorConfig {
    /// Seed of every simulated output, request id and fault probability.
    pub seed: u64,
    /// Bare model ids whose access is not granted: invoking them answers 403
    /// `AccessDeniedException`.
    pub not_granted: BTreeSet<String>,
    /// Today's date as `YYYY-MM-DD`: models whose end-of-life date is on or before it answer 404
    /// with Bedrock's end-of-life message. `None` serves every model.
    pub simulate_date: Option<String>,
    /// How many requests the log keeps (the oldest are dropped first).
    pub log_capacity: usize,
    /// How many bytes the log's entries may count for in all (the oldest are dropped first):
    /// each entry counts its fixed size (about 100 bytes), its model id (cut to 2,048 bytes)
    /// and its fault names. Default 4 MiB; `0` turns the log off, as `log_capacity: 0` does.
    pub log_max_bytes: usize,
    /// The largest request body accepted, in bytes (Bedrock's limit is 25,000,000).
    pub max_body_bytes: usize,
    /// Application inference profiles the simulated account has: GetInferenceProfile and
    /// ListInferenceProfiles describe them, and invoking one's ARN reaches its model.
    pub application_profiles: Vec<crate::profiles::ApplicationProfile>,
    /// Provisioned throughputs the simulated account has: GetProvisionedModelThroughput
    /// describes them, and invoking one's ARN reaches its model.
    pub provisioned_models: Vec<crate::provisioned::ProvisionedModel>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            seed: 0,
            not_granted: BTreeSet::new(),
            simulate_date: None,
            log_capacity: 10_000,
            log_max_bytes: 4 << 20,
            max_body_bytes: 25_000_000,
            application_profiles: Vec::new(),
            provisioned_models: Vec::new(),
        }
    }
}

impl SimulatorConfig {
    /// The default configuration with another seed.
    pub fn with_seed(seed: u64) -> Self {
        SimulatorConfig {
            seed,
            ..SimulatorConfig::default()
        }
    }

    /// Marks a model's access as not granted.
    pub fn not_granted(mut self, model_id: impl Into<String>) -> Self {
        self.not_granted.insert(model_id.into());
        self
    }

    /// Sets the simulated date (`YYYY-MM-DD`).
    pub fn simulate_date(mut self, date: impl Into<String>) -> Self {
        self.simulate_date = Some(date.into());
        self
    }

    /// Checks the simulated date's shape, naming the field and value.
    pub fn validate(&self) -> Result<(), bedrock_core::Error> {
        if let Some(date) = &self.simulate_date {
            let b = date.as_bytes();
            let shape_ok = b.len() == 10
                && b.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    _ => c.is_ascii_digit(),
                });
            if !shape_ok {
                return Err(bedrock_core::Error::invalid(
                    "simulate_date",
                    date,
                    "a date written YYYY-MM-DD",
                ));
            }
        }
        Ok(())
    }
}
