//! Batch inference jobs and asynchronous invocations: wire-shaped requests and answers
//! (serialising one gives Bedrock's JSON, so backends, the emulator and the CLI share them),
//! their local checks, and typed batch records built and read through the adapters.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model_id::ModelId;
use crate::model_io::{ModelInput, ModelOutput};
use crate::registry::{Registry, Resolved};
use crate::types::InvokeOptions;

/// A batch inference job's state, as Bedrock reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BatchJobStatus {
    /// Queued for validation.
    Submitted,
    /// Its input is being checked.
    Validating,
    /// Validated and waiting for its turn.
    Scheduled,
    /// Records are being processed.
    InProgress,
    /// Every record was processed.
    Completed,
    /// Some records were not processed in time.
    PartiallyCompleted,
    /// The job failed; its message says why.
    Failed,
    /// A stop was asked for and is under way.
    Stopping,
    /// Stopped by a user.
    Stopped,
    /// It waited longer than its timeout before starting.
    Expired,
}

impl BatchJobStatus {
    /// Every status, in Bedrock's order.
    pub const ALL: &'static [BatchJobStatus] = &[
        BatchJobStatus::Submitted,
        BatchJobStatus::Validating,
        BatchJobStatus::Scheduled,
        BatchJobStatus::InProgress,
        BatchJobStatus::Completed,
        BatchJobStatus::PartiallyCompleted,
        BatchJobStatus::Failed,
        BatchJobStatus::Stopping,
        BatchJobStatus::Stopped,
        BatchJobStatus::Expired,
    ];

    /// Bedrock's name for it (`InProgress`).
    pub fn as_str(self) -> &'static str {
        match self {
            BatchJobStatus::Submitted => "Submitted",
            BatchJobStatus::Validating => "Validating",
            BatchJobStatus::Scheduled => "Scheduled",
            BatchJobStatus::InProgress => "InProgress",
            BatchJobStatus::Completed => "Completed",
            BatchJobStatus::PartiallyCompleted => "PartiallyCompleted",
            BatchJobStatus::Failed => "Failed",
            BatchJobStatus::Stopping => "Stopping",
            BatchJobStatus::Stopped => "Stopped",
            BatchJobStatus::Expired => "Expired",
        }
    }

    /// Whether the job will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            BatchJobStatus::Completed
                | BatchJobStatus::PartiallyCompleted
                | BatchJobStatus::Failed
                | BatchJobStatus::Stopped
                | BatchJobStatus::Expired
        )
    }
}

impl std::fmt::Display for BatchJobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BatchJobStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        BatchJobStatus::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::invalid("status", s, status_names(BatchJobStatus::ALL)))
    }
}

fn status_names(all: &[BatchJobStatus]) -> String {
    all.iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a job reads its records: `s3InputDataConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInputDataConfig {
    /// The S3 input.
    pub s3_input_data_config: S3InputDataConfig,
}

/// An S3 input: one `.jsonl` object, or a prefix of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3InputDataConfig {
    /// `s3://bucket/key` of the input object (or prefix).
    pub s3_uri: String,
    /// `JSONL`, the one format Bedrock reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_input_format: Option<String>,
    /// The account that owns the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_owner: Option<String>,
}

/// Where a job writes its results: `s3OutputDataConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOutputDataConfig {
    /// The S3 output.
    pub s3_output_data_config: S3OutputDataConfig,
}

/// An S3 output prefix; results go under `<prefix>/<job id>/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3OutputDataConfig {
    /// `s3://bucket/prefix/`.
    pub s3_uri: String,
    /// The KMS key that encrypts the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_encryption_key_id: Option<String>,
    /// The account that owns the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_owner: Option<String>,
}

/// The VPC a job's S3 traffic goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcConfig {
    /// Subnet ids.
    pub subnet_ids: Vec<String>,
    /// Security group ids.
    pub security_group_ids: Vec<String>,
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// CreateModelInvocationJob: a batch job over an S3 input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelInvocationJobRequest {
    /// The job's name (1 to 63 characters: letters, digits, `+ - .`, starting with a letter or
    /// digit).
    pub job_name: String,
    /// The IAM role Bedrock assumes to read the input and write the output.
    pub role_arn: String,
    /// The model (id or ARN).
    pub model_id: String,
    /// Makes retries of the same create idempotent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// The input.
    pub input_data_config: BatchInputDataConfig,
    /// The output.
    pub output_data_config: BatchOutputDataConfig,
    /// The VPC, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    /// How long the job may take, 24 to 168 hours (Bedrock's default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_duration_in_hours: Option<u32>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// The longest job name Bedrock accepts.
pub const MAX_JOB_NAME_LEN: usize = 63;
/// The shortest and longest job timeouts Bedrock accepts, in hours.
pub const JOB_TIMEOUT_HOURS: std::ops::RangeInclusive<u32> = 24..=168;
/// The most results one List call returns.
pub const MAX_LIST_RESULTS: u32 = 1000;

impl CreateModelInvocationJobRequest {
    /// A job named `job_name` running `model_id` over the JSONL at `input_s3_uri`, writing under
    /// `output_s3_uri`, as `role_arn`.
    pub fn new(
        job_name: impl Into<String>,
        model_id: impl Into<String>,
        role_arn: impl Into<String>,
        input_s3_uri: impl Into<String>,
        output_s3_uri: impl Into<String>,
    ) -> Self {
        CreateModelInvocationJobRequest {
            job_name: job_name.into(),
            role_arn: role_arn.into(),
            model_id: model_id.into(),
            client_request_token: None,
            input_data_config: BatchInputDataConfig {
                s3_input_data_config: S3InputDataConfig {
                    s3_uri: input_s3_uri.into(),
                    s3_input_format: Some("JSONL".to_owned()),
                    s3_bucket_owner: None,
                },
            },
            output_data_config: BatchOutputDataConfig {
                s3_output_data_config: S3OutputDataConfig {
                    s3_uri: output_s3_uri.into(),
                    s3_encryption_key_id: None,
                    s3_bucket_owner: None,
                },
            },
            vpc_config: None,
            timeout_duration_in_hours: None,
            tags: Vec::new(),
        }
    }

    /// Checks the request as Bedrock would, naming the field and what is allowed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first field out of range.
    pub fn validate(&self) -> Result<()> {
        validate_job_name(&self.job_name)?;
        validate_role_arn(&self.role_arn)?;
        if self.model_id.is_empty() || self.model_id.len() > 2048 {
            return Err(Error::invalid(
                "modelId",
                &self.model_id,
                "1 to 2048 characters",
            ));
        }
        S3Uri::parse(
            "inputDataConfig.s3InputDataConfig.s3Uri",
            &self.input_data_config.s3_input_data_config.s3_uri,
        )?;
        S3Uri::parse(
            "outputDataConfig.s3OutputDataConfig.s3Uri",
            &self.output_data_config.s3_output_data_config.s3_uri,
        )?;
        if let Some(format) = &self.input_data_config.s3_input_data_config.s3_input_format
            && format != "JSONL"
        {
            return Err(Error::invalid(
                "inputDataConfig.s3InputDataConfig.s3InputFormat",
                format,
                "JSONL",
            ));
        }
        if let Some(hours) = self.timeout_duration_in_hours
            && !JOB_TIMEOUT_HOURS.contains(&hours)
        {
            return Err(Error::invalid(
                "timeoutDurationInHours",
                hours,
                "24 to 168 hours",
            ));
        }
        if let Some(token) = &self.client_request_token
            && !(1..=256).contains(&token.len())
        {
            return Err(Error::invalid(
                "clientRequestToken",
                token,
                "1 to 256 characters",
            ));
        }
        if self.tags.len() > 200 {
            return Err(Error::invalid("tags", self.tags.len(), "at most 200 tags"));
        }
        Ok(())
    }
}

fn validate_job_name(name: &str) -> Result<()> {
    let bytes = name.as_bytes();
    // Bedrock's pattern: ^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}$, within 63 characters.
    let first_ok = bytes.first().is_some_and(u8::is_ascii_alphanumeric);
    let rest_ok = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !(1..=MAX_JOB_NAME_LEN).contains(&name.len()) || !first_ok || !rest_ok {
        return Err(Error::invalid(
            "jobName",
            name,
            "1 to 63 characters of A-Z a-z 0-9 + - ., starting with a letter or digit",
        ));
    }
    Ok(())
}

fn validate_role_arn(arn: &str) -> Result<()> {
    let ok = arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":iam::"))
        .and_then(|(partition, rest)| partition.starts_with("aws").then_some(rest))
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            (account.is_empty()
                || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
                && !name.is_empty()
        });
    if !ok || arn.len() > 2048 {
        return Err(Error::invalid(
            "roleArn",
            arn,
            "an IAM role ARN, arn:aws:iam::ACCOUNT:role/NAME",
        ));
    }
    Ok(())
}

/// An `s3://bucket/key` URI taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    /// The bucket.
    pub bucket: String,
    /// The key or prefix (may be empty).
    pub key: String,
}

impl S3Uri {
    /// The folder `name/` under this URI's key, as an asynchronous invocation's output folder
    /// (`s3://b/videos` and `s3://b/videos/` both give `s3://b/videos/NAME/`).
    pub fn folder(&self, name: &str) -> S3Uri {
        let key = match self.key.trim_end_matches('/') {
            "" => format!("{name}/"),
            prefix => format!("{prefix}/{name}/"),
        };
        S3Uri {
            bucket: self.bucket.clone(),
            key,
        }
    }

    /// Parses `uri`, naming `field` when it is not an S3 URI with a valid bucket name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `field`.
    pub fn parse(field: &str, uri: &str) -> Result<S3Uri> {
        let bad = || {
            Error::invalid(
                field,
                uri,
                "s3://BUCKET/KEY with a bucket name of 3 to 63 characters of a-z 0-9 . -",
            )
        };
        let rest = uri.strip_prefix("s3://").ok_or_else(bad)?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !bucket_ok || uri.len() > 1024 {
            return Err(bad());
        }
        Ok(S3Uri {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }
}

impl std::fmt::Display for S3Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// A batch job, as GetModelInvocationJob and ListModelInvocationJobs describe it. Times are
/// ISO-8601 date-times as Bedrock sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInvocationJob {
    /// The job's ARN.
    pub job_arn: String,
    /// The job's name.
    #[serde(default)]
    pub job_name: String,
    /// The model.
    pub model_id: String,
    /// The idempotency token given at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// The role.
    pub role_arn: String,
    /// Where it is.
    pub status: BatchJobStatus,
    /// Why it failed or stopped, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When it was submitted.
    pub submit_time: String,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// The input.
    pub input_data_config: BatchInputDataConfig,
    /// The output.
    pub output_data_config: BatchOutputDataConfig,
    /// The VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    /// The timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_duration_in_hours: Option<u32>,
    /// When it expires if not started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_expiration_time: Option<String>,
    /// Records in the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_record_count: Option<u64>,
    /// Records processed so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_record_count: Option<u64>,
    /// Records processed with a model output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_record_count: Option<u64>,
    /// Records processed with an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_record_count: Option<u64>,
}

impl ModelInvocationJob {
    /// The job id: the last segment of its ARN.
    pub fn job_id(&self) -> &str {
        self.job_arn
            .rsplit_once('/')
            .map_or(self.job_arn.as_str(), |(_, id)| id)
    }
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortOrder {
    /// Oldest first.
    Ascending,
    /// Newest first (Bedrock's default).
    Descending,
}

impl SortOrder {
    /// Bedrock's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "Ascending",
            SortOrder::Descending => "Descending",
        }
    }
}

/// ListModelInvocationJobs: one page, filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListModelInvocationJobsRequest {
    /// Jobs submitted after this ISO-8601 time.
    pub submit_time_after: Option<String>,
    /// Jobs submitted before this ISO-8601 time.
    pub submit_time_before: Option<String>,
    /// Jobs in this state.
    pub status_equals: Option<BatchJobStatus>,
    /// Jobs whose name contains this.
    pub name_contains: Option<String>,
    /// At most this many (1 to 1000).
    pub max_results: Option<u32>,
    /// The page after the one that gave this token.
    pub next_token: Option<String>,
    /// By submit time, this way.
    pub sort_order: Option<SortOrder>,
}

impl ListModelInvocationJobsRequest {
    /// Checks `max_results` and the name filter.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<()> {
        validate_max_results(self.max_results)?;
        if let Some(name) = &self.name_contains
            && !(1..=MAX_JOB_NAME_LEN).contains(&name.len())
        {
            return Err(Error::invalid("nameContains", name, "1 to 63 characters"));
        }
        Ok(())
    }
}

fn validate_max_results(max: Option<u32>) -> Result<()> {
    if let Some(n) = max
        && !(1..=MAX_LIST_RESULTS).contains(&n)
    {
        return Err(Error::invalid("maxResults", n, "1 to 1000"));
    }
    Ok(())
}

/// One page of ListModelInvocationJobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListModelInvocationJobsResponse {
    /// The jobs.
    #[serde(default)]
    pub invocation_job_summaries: Vec<ModelInvocationJob>,
    /// The token of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The state of an asynchronous invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AsyncInvokeStatus {
    /// Running.
    InProgress,
    /// Its output is in S3.
    Completed,
    /// It failed; the failure message says why.
    Failed,
}

impl AsyncInvokeStatus {
    /// Every status.
    pub const ALL: &'static [AsyncInvokeStatus] = &[
        AsyncInvokeStatus::InProgress,
        AsyncInvokeStatus::Completed,
        AsyncInvokeStatus::Failed,
    ];

    /// Bedrock's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            AsyncInvokeStatus::InProgress => "InProgress",
            AsyncInvokeStatus::Completed => "Completed",
            AsyncInvokeStatus::Failed => "Failed",
        }
    }
}

impl std::str::FromStr for AsyncInvokeStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        AsyncInvokeStatus::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::invalid("status", s, "InProgress, Completed, Failed"))
    }
}

/// Where an asynchronous invocation writes: `s3OutputDataConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncInvokeOutputDataConfig {
    /// The S3 output.
    pub s3_output_data_config: AsyncInvokeS3Output,
}

/// An asynchronous invocation's S3 output prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncInvokeS3Output {
    /// `s3://bucket/prefix`; the output goes under `<prefix>/<invocation id>/`.
    pub s3_uri: String,
    /// The KMS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// The account that owns the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_owner: Option<String>,
}

/// StartAsyncInvoke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartAsyncInvokeRequest {
    /// Makes retries idempotent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// The model (id or ARN).
    pub model_id: String,
    /// The model's own request body.
    pub model_input: serde_json::Value,
    /// Where the output goes.
    pub output_data_config: AsyncInvokeOutputDataConfig,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl StartAsyncInvokeRequest {
    /// An invocation of `model_id` with `model_input`, writing under `output_s3_uri`.
    pub fn new(
        model_id: impl Into<String>,
        model_input: serde_json::Value,
        output_s3_uri: impl Into<String>,
    ) -> Self {
        StartAsyncInvokeRequest {
            client_request_token: None,
            model_id: model_id.into(),
            model_input,
            output_data_config: AsyncInvokeOutputDataConfig {
                s3_output_data_config: AsyncInvokeS3Output {
                    s3_uri: output_s3_uri.into(),
                    kms_key_id: None,
                    bucket_owner: None,
                },
            },
            tags: Vec::new(),
        }
    }

    /// Checks the model id, the output URI and the input's shape.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.model_id.is_empty() || self.model_id.len() > 2048 {
            return Err(Error::invalid(
                "modelId",
                &self.model_id,
                "1 to 2048 characters",
            ));
        }
        if !self.model_input.is_object() {
            return Err(Error::invalid(
                "modelInput",
                self.model_input.to_string(),
                "a JSON object (the model's request body)",
            ));
        }
        S3Uri::parse(
            "outputDataConfig.s3OutputDataConfig.s3Uri",
            &self.output_data_config.s3_output_data_config.s3_uri,
        )?;
        Ok(())
    }
}

/// An asynchronous invocation, as GetAsyncInvoke and ListAsyncInvokes describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncInvoke {
    /// Its ARN.
    pub invocation_arn: String,
    /// The model's ARN.
    pub model_arn: String,
    /// The idempotency token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// Where it is.
    pub status: AsyncInvokeStatus,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<String>,
    /// When it was submitted (ISO-8601).
    pub submit_time: String,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Where the output goes.
    pub output_data_config: AsyncInvokeOutputDataConfig,
}

impl AsyncInvoke {
    /// The invocation id: the last segment of its ARN.
    pub fn invocation_id(&self) -> &str {
        self.invocation_arn
            .rsplit_once('/')
            .map_or(self.invocation_arn.as_str(), |(_, id)| id)
    }

    /// The folder its output is written to: `<s3Uri>/<invocation id>/`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the output's `s3Uri` is not an `s3://` URI.
    pub fn output_folder(&self) -> Result<S3Uri> {
        let output = S3Uri::parse(
            "outputDataConfig.s3OutputDataConfig.s3Uri",
            &self.output_data_config.s3_output_data_config.s3_uri,
        )?;
        Ok(output.folder(self.invocation_id()))
    }
}

/// ListAsyncInvokes: one page, filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListAsyncInvokesRequest {
    /// Submitted after this ISO-8601 time.
    pub submit_time_after: Option<String>,
    /// Submitted before this ISO-8601 time.
    pub submit_time_before: Option<String>,
    /// In this state.
    pub status_equals: Option<AsyncInvokeStatus>,
    /// At most this many (1 to 1000).
    pub max_results: Option<u32>,
    /// The page after the one that gave this token.
    pub next_token: Option<String>,
    /// By submit time, this way.
    pub sort_order: Option<SortOrder>,
}

impl ListAsyncInvokesRequest {
    /// Checks `max_results`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<()> {
        validate_max_results(self.max_results)
    }
}

/// One page of ListAsyncInvokes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAsyncInvokesResponse {
    /// The invocations.
    #[serde(default)]
    pub async_invoke_summaries: Vec<AsyncInvoke>,
    /// The token of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Builds a batch job's input: one JSONL line `{"recordId", "modelInput"}` per typed request,
/// each body built by the model's adapter through [`Registry::prepare`], as a call to
/// InvokeModel would send it.
#[derive(Debug)]
pub struct BatchInput<'r> {
    registry: &'r Registry,
    model_id: ModelId,
    jsonl: Vec<u8>,
    ids: std::collections::HashSet<String>,
}

/// The longest record id accepted.
pub const MAX_RECORD_ID_LEN: usize = 256;

impl<'r> BatchInput<'r> {
    /// An empty input for `model_id`, whose adapter in `registry` builds the bodies.
    ///
    /// # Errors
    /// [`Error::NoAdapter`] when no adapter serves the model.
    pub fn new(registry: &'r Registry, model_id: &ModelId) -> Result<Self> {
        registry.resolve(model_id)?;
        Ok(BatchInput {
            registry,
            model_id: model_id.clone(),
            jsonl: Vec::new(),
            ids: std::collections::HashSet::new(),
        })
    }

    /// Adds a record: `input`'s body, validated and built by the adapter.
    ///
    /// # Errors
    /// The adapter's validation errors; [`Error::InvalidInput`] for an empty, overlong or
    /// repeated record id.
    pub fn push(&mut self, record_id: impl Into<String>, input: &ModelInput) -> Result<()> {
        let record_id = record_id.into();
        if record_id.is_empty() || record_id.len() > MAX_RECORD_ID_LEN {
            return Err(Error::invalid(
                "recordId",
                &record_id,
                "1 to 256 characters",
            ));
        }
        if self.ids.contains(&record_id) {
            return Err(Error::invalid(
                "recordId",
                &record_id,
                "an id not used by another record of the input",
            ));
        }
        let prepared = self
            .registry
            .prepare(&self.model_id, input, InvokeOptions::default())?;
        let body: serde_json::Value = serde_json::from_slice(&prepared.body.body)
            .map_err(|e| Error::decode_json("the adapter's request body", e))?;
        let line = serde_json::json!({ "recordId": record_id, "modelInput": body });
        serde_json::to_writer(&mut self.jsonl, &line)
            .map_err(|e| Error::decode_json("a batch record", e))?;
        self.jsonl.push(b'\n');
        self.ids.insert(record_id);
        Ok(())
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The JSONL bytes, one record per line.
    pub fn into_jsonl(self) -> Vec<u8> {
        self.jsonl
    }
}

/// Why one record of a batch job has no output: Bedrock's per-record error, or an output the
/// adapter could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecordError {
    /// Bedrock's `errorCode` (an HTTP status), when the job reported one.
    pub code: Option<u16>,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for BatchRecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// One line of a job's output, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecordResult {
    /// The record's id; `None` only for a line the job wrote without one (an input line that
    /// was not JSON and named no id).
    pub record_id: Option<String>,
    /// The model's output, or why there is none.
    pub output: std::result::Result<ModelOutput, BatchRecordError>,
}

/// Reads a job's output lines for `model_id` through its adapter's `parse_output`.
#[derive(Debug, Clone)]
pub struct BatchOutput {
    resolved: Resolved,
}

impl BatchOutput {
    /// A reader for outputs of `model_id`.
    ///
    /// # Errors
    /// [`Error::NoAdapter`] when no adapter serves the model.
    pub fn new(registry: &Registry, model_id: &ModelId) -> Result<Self> {
        Ok(BatchOutput {
            resolved: registry.resolve(model_id)?,
        })
    }

    /// One output line. Never fails: a line that cannot be read is a record with an error, so
    /// nothing is lost.
    pub fn parse_line(&self, line: &[u8]) -> BatchRecordResult {
        let error = |record_id, code, message: String| BatchRecordResult {
            record_id,
            output: Err(BatchRecordError { code, message }),
        };
        let value: serde_json::Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => return error(None, None, format!("the output line is not JSON: {e}")),
        };
        let record_id = value
            .get("recordId")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        if let Some(err) = value.get("error") {
            let code = err
                .get("errorCode")
                .and_then(serde_json::Value::as_u64)
                .and_then(|c| u16::try_from(c).ok());
            let message = err
                .get("errorMessage")
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| err.to_string(), str::to_owned);
            return error(record_id, code, message);
        }
        let Some(output) = value.get("modelOutput") else {
            return error(
                record_id,
                None,
                "the output line has neither modelOutput nor error".to_owned(),
            );
        };
        let bytes = output.to_string();
        match self
            .resolved
            .adapter
            .parse_output(&self.resolved.route, bytes.as_bytes())
            .and_then(ModelOutput::checked)
        {
            Ok(output) => BatchRecordResult {
                record_id,
                output: Ok(output),
            },
            Err(e) => error(record_id, None, e.to_string()),
        }
    }

    /// Every non-blank line of a `.jsonl.out` object.
    pub fn parse_jsonl(&self, jsonl: &[u8]) -> Vec<BatchRecordResult> {
        jsonl
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(|l| self.parse_line(l))
            .collect()
    }
}

/// `manifest.json.out`: the record and token counts of a finished job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchManifest {
    /// Records in the input.
    #[serde(default)]
    pub total_record_count: u64,
    /// Records processed.
    #[serde(default)]
    pub processed_record_count: u64,
    /// Records with an output.
    #[serde(default)]
    pub success_record_count: u64,
    /// Records with an error.
    #[serde(default)]
    pub error_record_count: u64,
    /// Input tokens over every record.
    #[serde(default)]
    pub input_token_count: u64,
    /// Output tokens over every record.
    #[serde(default)]
    pub output_token_count: u64,
}

impl BatchManifest {
    /// Reads a manifest.
    ///
    /// # Errors
    /// [`Error::Decode`] when it is not one.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| Error::decode_json("manifest.json.out", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CreateModelInvocationJobRequest {
        CreateModelInvocationJobRequest::new(
            "nightly-1",
            "amazon.titan-embed-text-v2:0",
            "arn:aws:iam::123456789012:role/batch",
            "s3://in-bucket/records.jsonl",
            "s3://out-bucket/results/",
        )
    }

    #[test]
    fn create_request_serialises_to_bedrocks_shape() {
        let v = serde_json::to_value(request()).unwrap();
        assert_eq!(
            v["inputDataConfig"]["s3InputDataConfig"]["s3Uri"],
            "s3://in-bucket/records.jsonl"
        );
        assert_eq!(v["jobName"], "nightly-1");
        assert!(v.get("tags").is_none());
        request().validate().unwrap();
    }

    #[test]
    fn an_async_invocations_output_folder_is_its_id_under_the_output_uri() {
        let invoke = |uri: &str| -> AsyncInvoke {
            serde_json::from_value(serde_json::json!({
                "invocationArn": "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc123",
                "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:1",
                "status": "Completed",
                "submitTime": "2026-12-05T00:00:00Z",
                "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": uri}},
            }))
            .unwrap()
        };
        assert_eq!(invoke("s3://out-bucket/videos").invocation_id(), "abc123");
        for (uri, key) in [
            ("s3://out-bucket/videos", "videos/abc123/"),
            ("s3://out-bucket/videos/", "videos/abc123/"),
            ("s3://out-bucket", "abc123/"),
        ] {
            let folder = invoke(uri).output_folder().unwrap();
            assert_eq!(
                (folder.bucket.as_str(), folder.key.as_str()),
                ("out-bucket", key),
                "{uri}"
            );
        }
        let err = invoke("https://out-bucket/videos")
            .output_folder()
            .unwrap_err();
        assert!(err.to_string().contains("s3Uri"), "{err}");
    }

    #[test]
    fn bad_fields_are_named_with_what_is_allowed() {
        let mut r = request();
        r.job_name = "-bad".into();
        assert!(r.validate().unwrap_err().to_string().contains("jobName"));
        let mut r = request();
        r.timeout_duration_in_hours = Some(12);
        let e = r.validate().unwrap_err().to_string();
        assert!(
            e.contains("timeoutDurationInHours") && e.contains("24 to 168"),
            "{e}"
        );
        let mut r = request();
        r.role_arn = "role".into();
        assert!(r.validate().unwrap_err().to_string().contains("roleArn"));
        let mut r = request();
        r.output_data_config.s3_output_data_config.s3_uri = "https://x".into();
        assert!(
            r.validate()
                .unwrap_err()
                .to_string()
                .contains("s3OutputDataConfig")
        );
        let list = ListModelInvocationJobsRequest {
            max_results: Some(0),
            ..Default::default()
        };
        assert!(
            list.validate()
                .unwrap_err()
                .to_string()
                .contains("maxResults")
        );
    }

    #[test]
    fn statuses_round_trip_and_know_the_end() {
        for s in BatchJobStatus::ALL {
            assert_eq!(s.as_str().parse::<BatchJobStatus>().unwrap(), *s);
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert!(BatchJobStatus::PartiallyCompleted.is_terminal());
        assert!(!BatchJobStatus::Stopping.is_terminal());
        assert!("nope".parse::<BatchJobStatus>().is_err());
    }

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        let u = S3Uri::parse("f", "s3://my-bucket/a/b.jsonl").unwrap();
        assert_eq!(
            (u.bucket.as_str(), u.key.as_str()),
            ("my-bucket", "a/b.jsonl")
        );
        assert_eq!(S3Uri::parse("f", "s3://my-bucket").unwrap().key, "");
        assert!(S3Uri::parse("f", "s3://UPPER/x").is_err());
    }
}
