//! [`BatchConfig`]: the S3 store's storage and limits, and the pace of batch jobs.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Default of [`BatchConfig::s3_max_memory_bytes`]: 1 GiB.
pub const DEFAULT_S3_MAX_MEMORY_BYTES: u64 = 1 << 30;
/// Default of [`BatchConfig::s3_max_objects`].
pub const DEFAULT_S3_MAX_OBJECTS: usize = 1_000_000;
/// Default of [`BatchConfig::max_record_bytes`]: 1 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;
/// Default of [`BatchConfig::max_jobs`].
pub const DEFAULT_MAX_JOBS: usize = 1000;
/// Default of [`BatchConfig::transition_ms`].
pub const DEFAULT_TRANSITION_MS: u64 = 50;

/// The S3 store and batch jobs (the `batch` table of the emulator's configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// A directory for object bodies (`s3_dir`); by default they are kept in memory. Objects
    /// are indexed in memory either way, and the directory holds one run's bodies.
    pub s3_dir: Option<PathBuf>,
    /// Bytes of object bodies kept in memory at once (`s3_max_memory_bytes`, at least 1);
    /// default 1 GiB. Past it, a write is answered 503 `ServiceUnavailable`.
    pub s3_max_memory_bytes: u64,
    /// Objects (and parts of multipart uploads) kept at once (`s3_max_objects`, at least 1);
    /// default 1,000,000.
    pub s3_max_objects: usize,
    /// How long a job stays in each state before the next (Submitted, Validating, Scheduled),
    /// in milliseconds (`transition_ms`, 0 to 3,600,000); default 50.
    pub transition_ms: u64,
    /// A pause after each record, in milliseconds (`record_delay_ms`, 0 to 60,000), to watch
    /// a job run or stop it midway; default 0.
    pub record_delay_ms: u64,
    /// The largest input record, in bytes (`max_record_bytes`, 1 to 25,000,000); longer lines
    /// become per-record errors, never buffered whole. Default 1 MiB.
    pub max_record_bytes: usize,
    /// Batch jobs and async invocations kept at once (`max_jobs`, 1 to 100,000); finished ones
    /// make room, oldest first. Default 1000.
    pub max_jobs: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            s3_dir: None,
            s3_max_memory_bytes: DEFAULT_S3_MAX_MEMORY_BYTES,
            s3_max_objects: DEFAULT_S3_MAX_OBJECTS,
            transition_ms: DEFAULT_TRANSITION_MS,
            record_delay_ms: 0,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            max_jobs: DEFAULT_MAX_JOBS,
        }
    }
}

impl BatchConfig {
    /// Checks each value against its range, naming the field.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let check = |field: &str, value: u64, lo: u64, hi: u64, unit: &str| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "field `batch.{field}` has value {value}; allowed: {lo} to {hi}{unit}"
                ))
            }
        };
        check(
            "s3_max_memory_bytes",
            self.s3_max_memory_bytes,
            1,
            u64::MAX,
            " bytes",
        )?;
        check(
            "s3_max_objects",
            self.s3_max_objects as u64,
            1,
            u64::MAX,
            "",
        )?;
        check("transition_ms", self.transition_ms, 0, 3_600_000, " ms")?;
        check("record_delay_ms", self.record_delay_ms, 0, 60_000, " ms")?;
        check(
            "max_record_bytes",
            self.max_record_bytes as u64,
            1,
            25_000_000,
            " bytes",
        )?;
        check("max_jobs", self.max_jobs as u64, 1, 100_000, "")?;
        Ok(())
    }
}
