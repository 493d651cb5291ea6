//! Batch inference jobs and asynchronous invocations, run in the background through the
//! simulator over the emulator's S3 store, with Bedrock's states, outputs and errors.

mod config;
pub(crate) mod http;
mod lines;
mod run;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use bedrock_core::Region;
use bedrock_core::batch::{AsyncInvoke, AsyncInvokeStatus, BatchJobStatus, ModelInvocationJob};
use bedrock_simulator::Simulator;

pub use config::BatchConfig;

use crate::error::ApiError;
use crate::s3::ObjectStore;

/// A job and what runs it.
#[derive(Debug)]
struct JobEntry {
    job: ModelInvocationJob,
    region: Region,
    stop: Arc<AtomicBool>,
}

/// An asynchronous invocation.
#[derive(Debug)]
struct InvokeEntry {
    invoke: AsyncInvoke,
}

#[derive(Debug, Default)]
struct Registry {
    /// By job id; ids are made in submit order, so this is submit order too.
    jobs: BTreeMap<String, JobEntry>,
    invokes: BTreeMap<String, InvokeEntry>,
    /// Job ids in the order they were made (for `nextToken` and evictions).
    serial: u64,
}

/// Every batch job and asynchronous invocation of the emulator.
#[derive(Debug)]
pub(crate) struct BatchEngine {
    registry: Mutex<Registry>,
    pub(crate) store: Arc<ObjectStore>,
    pub(crate) simulator: Simulator,
    pub(crate) config: BatchConfig,
}

/// The emulator's account, in ARNs.
const ACCOUNT: &str = crate::auth::EMULATOR_ACCOUNT_ID;

/// Now, as Bedrock writes times (ISO-8601 with milliseconds).
pub(crate) fn iso_time(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).unwrap_or_default()
}

impl BatchEngine {
    pub(crate) fn new(store: Arc<ObjectStore>, simulator: Simulator, config: BatchConfig) -> Self {
        BatchEngine {
            registry: Mutex::new(Registry::default()),
            store,
            simulator,
            config,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new id: 12 lower-case letters and digits, increasing with each call so ids sort in
    /// submit order.
    fn next_id(registry: &mut Registry) -> String {
        registry.serial += 1;
        // Base 36, zero-padded: sorts as numbers do.
        let mut n = registry.serial;
        let mut digits = [b'0'; 12];
        for slot in digits.iter_mut().rev() {
            let d = (n % 36) as u8;
            *slot = if d < 10 { b'0' + d } else { b'a' + d - 10 };
            n /= 36;
        }
        String::from_utf8_lossy(&digits).into_owned()
    }

    /// Makes room for one more job or invocation, dropping the oldest finished ones.
    fn make_room(&self, registry: &mut Registry) -> Result<(), ApiError> {
        let max = self.config.max_jobs;
        while registry.jobs.len() + registry.invokes.len() >= max {
            let finished_job = registry
                .jobs
                .iter()
                .find(|(_, e)| e.job.status.is_terminal())
                .map(|(id, _)| id.clone());
            let finished_invoke = registry
                .invokes
                .iter()
                .find(|(_, e)| e.invoke.status != AsyncInvokeStatus::InProgress)
                .map(|(id, _)| id.clone());
            match (finished_job, finished_invoke) {
                (Some(id), _) => {
                    registry.jobs.remove(&id);
                }
                (None, Some(id)) => {
                    registry.invokes.remove(&id);
                }
                (None, None) => {
                    return Err(ApiError::new(
                        ::http::StatusCode::BAD_REQUEST,
                        "ServiceQuotaExceededException",
                        format!(
                            "The emulator runs at most {max} batch jobs and async invocations \
                             at once (batch.max_jobs); wait for one to finish"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn job_arn(region: Region, id: &str) -> String {
        format!(
            "arn:aws:bedrock:{}:{ACCOUNT}:model-invocation-job/{id}",
            region.as_str()
        )
    }

    fn invoke_arn(region: Region, id: &str) -> String {
        format!(
            "arn:aws:bedrock:{}:{ACCOUNT}:async-invoke/{id}",
            region.as_str()
        )
    }

    /// The id in a job ARN or bare id.
    fn id_of(identifier: &str) -> &str {
        identifier.rsplit_once('/').map_or(identifier, |(_, id)| id)
    }

    fn not_found(what: &str, identifier: &str) -> ApiError {
        ApiError::new(
            ::http::StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("The specified {what} {identifier} could not be found."),
        )
    }

    /// A job by ARN or id.
    pub(crate) fn job(&self, identifier: &str) -> Result<ModelInvocationJob, ApiError> {
        self.lock()
            .jobs
            .get(Self::id_of(identifier))
            .map(|e| e.job.clone())
            .ok_or_else(|| Self::not_found("batch inference job", identifier))
    }

    /// Every job, in submit order.
    pub(crate) fn jobs(&self) -> Vec<ModelInvocationJob> {
        self.lock().jobs.values().map(|e| e.job.clone()).collect()
    }

    /// Applies `change` to a job, stamping its last-modified time.
    fn update_job(&self, id: &str, change: impl FnOnce(&mut ModelInvocationJob)) {
        if let Some(entry) = self.lock().jobs.get_mut(id) {
            change(&mut entry.job);
            entry.job.last_modified_time = Some(iso_time(SystemTime::now()));
        }
    }

    /// Asks a job to stop; a finished job cannot be.
    pub(crate) fn stop_job(&self, identifier: &str) -> Result<(), ApiError> {
        let mut registry = self.lock();
        let entry = registry
            .jobs
            .get_mut(Self::id_of(identifier))
            .ok_or_else(|| Self::not_found("batch inference job", identifier))?;
        if entry.job.status.is_terminal() {
            return Err(ApiError::validation(format!(
                "The batch inference job {identifier} is in status {} and cannot be stopped.",
                entry.job.status
            )));
        }
        entry.stop.store(true, Ordering::Release);
        if entry.job.status != BatchJobStatus::Stopping {
            entry.job.status = BatchJobStatus::Stopping;
            entry.job.last_modified_time = Some(iso_time(SystemTime::now()));
        }
        Ok(())
    }

    /// An invocation by ARN.
    pub(crate) fn invoke(&self, identifier: &str) -> Result<AsyncInvoke, ApiError> {
        self.lock()
            .invokes
            .get(Self::id_of(identifier))
            .map(|e| e.invoke.clone())
            .ok_or_else(|| Self::not_found("async invocation", identifier))
    }

    /// Every invocation, in submit order.
    pub(crate) fn invokes(&self) -> Vec<AsyncInvoke> {
        self.lock()
            .invokes
            .values()
            .map(|e| e.invoke.clone())
            .collect()
    }

    fn update_invoke(&self, id: &str, change: impl FnOnce(&mut AsyncInvoke)) {
        if let Some(entry) = self.lock().invokes.get_mut(id) {
            change(&mut entry.invoke);
            let now = iso_time(SystemTime::now());
            entry.invoke.last_modified_time = Some(now);
        }
    }
}
