//! Running a job: Bedrock's state transitions at the configured pace, the input streamed record
//! by record through the simulator, `<prefix>/<job id>/<input name>.out` and
//! `manifest.json.out` written as Bedrock writes them; and running an async invocation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use bedrock_core::Region;
use bedrock_core::batch::{
    AsyncInvoke, AsyncInvokeStatus, BatchJobStatus, CreateModelInvocationJobRequest,
    ModelInvocationJob, S3Uri, StartAsyncInvokeRequest,
};
use bedrock_simulator::{Operation, SimRequest};
use bytes::Bytes;
use serde_json::{Value, json};

use super::lines::{Line, LineReader};
use super::{BatchEngine, InvokeEntry, JobEntry, iso_time};
use crate::error::ApiError;
use crate::s3::store::StoreError;

/// Output is handed to the store in pieces of about this size.
const OUTPUT_FLUSH_BYTES: usize = 64 * 1024;
/// The most input objects one job reads (under an input prefix).
const MAX_INPUT_OBJECTS: usize = 1000;

/// Bedrock's message for a job whose input is not there.
fn missing_input_message(uri: &str) -> String {
    format!(
        "Unable to find any input files at the provided S3 location {uri}. Verify the S3 URI \
         and that the service role can read it."
    )
}

fn invalid(err: &bedrock_core::Error) -> ApiError {
    ApiError::validation(err.to_string())
}

/// Record counts of a running job.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    processed: u64,
    success: u64,
    error: u64,
    input_tokens: u64,
    output_tokens: u64,
}

impl BatchEngine {
    /// Registers a job and starts it in the background; answers its ARN. A repeated
    /// `clientRequestToken` answers the first job's ARN.
    pub(crate) async fn create_job(
        self: &Arc<Self>,
        region: Region,
        request: CreateModelInvocationJobRequest,
    ) -> Result<String, ApiError> {
        request.validate().map_err(|e| invalid(&e))?;
        // An unknown model or one without access fails the create call, as on Bedrock.
        self.simulator
            .get_foundation_model_async(region, &request.model_id)
            .await?;
        let now = SystemTime::now();
        let stop = Arc::new(AtomicBool::new(false));
        let (id, arn) = {
            let mut registry = self.lock();
            if let Some(token) = &request.client_request_token
                && let Some(existing) = registry
                    .jobs
                    .values()
                    .find(|e| e.job.client_request_token.as_ref() == Some(token))
            {
                return Ok(existing.job.job_arn.clone());
            }
            if registry
                .jobs
                .values()
                .any(|e| e.job.job_name == request.job_name)
            {
                return Err(ApiError::new(
                    http::StatusCode::CONFLICT,
                    "ConflictException",
                    format!(
                        "A batch inference job named {} already exists.",
                        request.job_name
                    ),
                ));
            }
            self.make_room(&mut registry)?;
            let id = Self::next_id(&mut registry);
            let arn = Self::job_arn(region, &id);
            let hours = request.timeout_duration_in_hours.unwrap_or(24);
            let expires = now + Duration::from_secs(u64::from(hours) * 3600);
            let job = ModelInvocationJob {
                job_arn: arn.clone(),
                job_name: request.job_name,
                model_id: request.model_id,
                client_request_token: request.client_request_token,
                role_arn: request.role_arn,
                status: BatchJobStatus::Submitted,
                message: None,
                submit_time: iso_time(now),
                last_modified_time: Some(iso_time(now)),
                end_time: None,
                input_data_config: request.input_data_config,
                output_data_config: request.output_data_config,
                vpc_config: request.vpc_config,
                timeout_duration_in_hours: Some(hours),
                job_expiration_time: Some(iso_time(expires)),
                total_record_count: None,
                processed_record_count: None,
                success_record_count: None,
                error_record_count: None,
            };
            registry.jobs.insert(
                id.clone(),
                JobEntry {
                    job,
                    region,
                    stop: Arc::clone(&stop),
                },
            );
            (id, arn)
        };
        let engine = Arc::clone(self);
        tokio::spawn(async move { engine.run_job(id, stop).await });
        Ok(arn)
    }

    fn pace(&self) -> Duration {
        Duration::from_millis(self.config.transition_ms)
    }

    fn set_status(&self, id: &str, status: BatchJobStatus) {
        self.update_job(id, |job| {
            // A stop asked for meanwhile wins over the next transition.
            if job.status != BatchJobStatus::Stopping {
                job.status = status;
            }
        });
    }

    fn finish(&self, id: &str, status: BatchJobStatus, message: Option<String>) {
        self.update_job(id, |job| {
            job.status = status;
            job.message = message;
            job.end_time = Some(iso_time(SystemTime::now()));
        });
    }

    async fn run_job(self: Arc<Self>, id: String, stop: Arc<AtomicBool>) {
        let stopped = || stop.load(Ordering::Acquire);
        for next in [BatchJobStatus::Validating, BatchJobStatus::Scheduled] {
            tokio::time::sleep(self.pace()).await;
            if stopped() {
                return self.finish(&id, BatchJobStatus::Stopped, None);
            }
            self.set_status(&id, next);
        }
        let Ok(job) = self.job(&id) else { return };
        let region = self.lock().jobs.get(&id).map(|e| e.region);
        let Some(region) = region else { return };
        match self.process(&id, region, &job, &stop).await {
            Ok(()) if stopped() => self.finish(&id, BatchJobStatus::Stopped, None),
            Ok(()) => self.finish(&id, BatchJobStatus::Completed, None),
            Err(message) => self.finish(&id, BatchJobStatus::Failed, Some(message)),
        }
    }

    /// The input objects of a job: the object named, or the `.jsonl` objects under the prefix.
    fn inputs(&self, uri: &S3Uri) -> Result<Vec<String>, String> {
        if !uri.key.is_empty() && self.store.head(&uri.bucket, &uri.key).is_ok() {
            return Ok(vec![uri.key.clone()]);
        }
        let listing = self
            .store
            .list(&uri.bucket, &uri.key, None, None, MAX_INPUT_OBJECTS)
            .map_err(|_| missing_input_message(&uri.to_string()))?;
        let keys: Vec<String> = listing
            .objects
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k.ends_with(".jsonl"))
            .collect();
        if keys.is_empty() {
            return Err(missing_input_message(&uri.to_string()));
        }
        Ok(keys)
    }

    async fn count_records(&self, bucket: &str, keys: &[String]) -> Result<u64, StoreError> {
        let mut total = 0;
        for key in keys {
            let (_, reader) = self.store.open(bucket, key, None).await?;
            let mut lines = LineReader::new(reader, self.config.max_record_bytes);
            while let Some(line) = lines.next_line().await? {
                if !is_blank(&line) {
                    total += 1;
                }
            }
        }
        Ok(total)
    }

    async fn process(
        &self,
        id: &str,
        region: Region,
        job: &ModelInvocationJob,
        stop: &AtomicBool,
    ) -> Result<(), String> {
        let input = S3Uri::parse("s3Uri", &job.input_data_config.s3_input_data_config.s3_uri)
            .map_err(|e| e.to_string())?;
        let output = S3Uri::parse(
            "s3Uri",
            &job.output_data_config.s3_output_data_config.s3_uri,
        )
        .map_err(|e| e.to_string())?;
        let keys = self.inputs(&input)?;
        if !self.store.has_bucket(&output.bucket) {
            return Err(format!(
                "The output S3 location {output} is not accessible: its bucket does not exist."
            ));
        }
        let total = self
            .count_records(&input.bucket, &keys)
            .await
            .map_err(|e| e.to_string())?;
        self.update_job(id, |j| {
            j.total_record_count = Some(total);
            j.processed_record_count = Some(0);
            j.success_record_count = Some(0);
            j.error_record_count = Some(0);
        });
        tokio::time::sleep(self.pace()).await;
        if stop.load(Ordering::Acquire) {
            return Ok(());
        }
        self.set_status(id, BatchJobStatus::InProgress);

        let prefix = match output.key.as_str() {
            "" => String::new(),
            k if k.ends_with('/') => k.to_owned(),
            k => format!("{k}/"),
        };
        let mut counts = Counts::default();
        let mut index = 0u64;
        'inputs: for key in &keys {
            let name = key.rsplit('/').next().unwrap_or(key);
            let out_key = format!("{prefix}{id}/{name}.out");
            let (_, reader) = self
                .store
                .open(&input.bucket, key, None)
                .await
                .map_err(|_| missing_input_message(&input.to_string()))?;
            let mut lines = LineReader::new(reader, self.config.max_record_bytes);
            let mut writer = self.store.writer().await.map_err(|e| e.to_string())?;
            let mut pending = Vec::with_capacity(OUTPUT_FLUSH_BYTES);
            let mut stopped = false;
            while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
                if is_blank(&line) {
                    continue;
                }
                index += 1;
                let record = self
                    .process_record(region, &job.model_id, line, index)
                    .await;
                counts.processed += 1;
                match &record.outcome {
                    Ok((input_tokens, output_tokens)) => {
                        counts.success += 1;
                        counts.input_tokens += u64::from(*input_tokens);
                        counts.output_tokens += u64::from(*output_tokens);
                    }
                    Err(()) => counts.error += 1,
                }
                serde_json::to_writer(&mut pending, &record.line).map_err(|e| e.to_string())?;
                pending.push(b'\n');
                if pending.len() >= OUTPUT_FLUSH_BYTES {
                    writer.write(&pending).await.map_err(|e| e.to_string())?;
                    pending.clear();
                }
                self.update_job(id, |j| {
                    j.processed_record_count = Some(counts.processed);
                    j.success_record_count = Some(counts.success);
                    j.error_record_count = Some(counts.error);
                });
                if self.config.record_delay_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(self.config.record_delay_ms)).await;
                }
                if stop.load(Ordering::Acquire) {
                    stopped = true;
                    break;
                }
            }
            writer.write(&pending).await.map_err(|e| e.to_string())?;
            writer
                .commit(
                    &output.bucket,
                    &out_key,
                    Some("application/jsonl".to_owned()),
                )
                .await
                .map_err(|e| e.to_string())?;
            if stopped {
                break 'inputs;
            }
        }
        let manifest = json!({
            "totalRecordCount": total,
            "processedRecordCount": counts.processed,
            "successRecordCount": counts.success,
            "errorRecordCount": counts.error,
            "inputTokenCount": counts.input_tokens,
            "outputTokenCount": counts.output_tokens,
        });
        self.store
            .put_bytes(
                &output.bucket,
                &format!("{prefix}{id}/manifest.json.out"),
                manifest.to_string().as_bytes(),
                Some("application/json".to_owned()),
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn process_record(
        &self,
        region: Region,
        model_id: &str,
        line: Line,
        index: u64,
    ) -> Record {
        let limit = self.config.max_record_bytes;
        let (record, id_hint) = match line {
            Line::Oversize { head, len } => {
                let id = scan_record_id(&head);
                return Record::error(
                    id,
                    None,
                    400,
                    format!(
                        "The record is {len} bytes; a record may be at most {limit} bytes \
                         (batch.max_record_bytes)."
                    ),
                );
            }
            Line::Whole(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => (value, scan_record_id(&bytes)),
                Err(e) => {
                    return Record::error(
                        scan_record_id(&bytes),
                        None,
                        400,
                        format!("The record is not valid JSON: {e}"),
                    );
                }
            },
        };
        let record_id = match record.get("recordId") {
            Some(Value::String(s)) => s.clone(),
            None => format!("{index:011}"),
            Some(_) => {
                return Record::error(
                    id_hint,
                    record.get("modelInput").cloned(),
                    400,
                    "The record's recordId must be a string.".to_owned(),
                );
            }
        };
        let Some(model_input) = record.get("modelInput").filter(|v| v.is_object()) else {
            return Record::error(
                Some(record_id),
                None,
                400,
                "The record has no modelInput object.".to_owned(),
            );
        };
        let body = Bytes::from(model_input.to_string());
        let request = SimRequest {
            operation: Operation::Invoke,
            model_id: model_id.to_owned(),
            region,
            body,
            content_type: None,
            accept: None,
            // Each record is invoked once, never retried: its first and only attempt.
            attempt: Some(1),
        };
        match self.simulator.invoke(request).await {
            Ok(response) => match serde_json::from_slice::<Value>(&response.body) {
                Ok(output) => Record {
                    line: json!({
                        "recordId": record_id,
                        "modelInput": model_input,
                        "modelOutput": output,
                    }),
                    outcome: Ok((response.input_tokens, response.output_tokens.unwrap_or(0))),
                },
                Err(e) => Record::error(
                    Some(record_id),
                    Some(model_input.clone()),
                    500,
                    format!("The model's output is not JSON: {e}"),
                ),
            },
            Err(err) => {
                let api = ApiError::from(err);
                Record::error(
                    Some(record_id),
                    Some(model_input.clone()),
                    api.status.as_u16(),
                    api.message,
                )
            }
        }
    }

    /// Registers an asynchronous invocation and runs it in the background; answers its ARN.
    pub(crate) async fn start_invoke(
        self: &Arc<Self>,
        region: Region,
        request: StartAsyncInvokeRequest,
    ) -> Result<String, ApiError> {
        request.validate().map_err(|e| invalid(&e))?;
        let model = self
            .simulator
            .get_foundation_model_async(region, &request.model_id)
            .await?;
        self.simulator
            .check_async_invoke(&request.model_id, region, &request.model_input)
            .await?;
        let now = iso_time(SystemTime::now());
        let (id, arn) = {
            let mut registry = self.lock();
            if let Some(token) = &request.client_request_token
                && let Some(existing) = registry
                    .invokes
                    .values()
                    .find(|e| e.invoke.client_request_token.as_ref() == Some(token))
            {
                return Ok(existing.invoke.invocation_arn.clone());
            }
            self.make_room(&mut registry)?;
            let id = Self::next_id(&mut registry);
            let arn = Self::invoke_arn(region, &id);
            registry.invokes.insert(
                id.clone(),
                InvokeEntry {
                    invoke: AsyncInvoke {
                        invocation_arn: arn.clone(),
                        model_arn: model.model_arn.clone(),
                        client_request_token: request.client_request_token.clone(),
                        status: AsyncInvokeStatus::InProgress,
                        failure_message: None,
                        submit_time: now.clone(),
                        last_modified_time: Some(now),
                        end_time: None,
                        output_data_config: request.output_data_config.clone(),
                    },
                },
            );
            (id, arn)
        };
        let engine = Arc::clone(self);
        tokio::spawn(async move { engine.run_invoke(id, region, request).await });
        Ok(arn)
    }

    async fn run_invoke(
        self: Arc<Self>,
        id: String,
        region: Region,
        request: StartAsyncInvokeRequest,
    ) {
        tokio::time::sleep(self.pace()).await;
        let outcome = self.invoke_once(&id, region, &request).await;
        self.update_invoke(&id, |invoke| {
            invoke.end_time = Some(iso_time(SystemTime::now()));
            match outcome {
                Ok(()) => invoke.status = AsyncInvokeStatus::Completed,
                Err(message) => {
                    invoke.status = AsyncInvokeStatus::Failed;
                    invoke.failure_message = Some(message);
                }
            }
        });
    }

    /// Runs the invocation and writes what it made under `<s3Uri>/<invocation id>/`: Nova
    /// Reel's `output.mp4` (and each shot of a multi-shot video), or another model's answer as
    /// `output.json`.
    async fn invoke_once(
        &self,
        id: &str,
        region: Region,
        request: &StartAsyncInvokeRequest,
    ) -> Result<(), String> {
        let output = S3Uri::parse(
            "s3Uri",
            &request.output_data_config.s3_output_data_config.s3_uri,
        )
        .map_err(|e| e.to_string())?;
        let files = self
            .simulator
            .async_invoke_output(&request.model_id, region, &request.model_input)
            .await
            .map_err(|e| ApiError::from(e).message)?;
        let folder = output.folder(id);
        for file in files {
            self.store
                .put_bytes(
                    &output.bucket,
                    &format!("{}{}", folder.key, file.name),
                    &file.body,
                    Some(file.content_type.to_owned()),
                )
                .await
                .map_err(|e| match e {
                    StoreError::NoSuchBucket => format!(
                        "The output S3 location {output} is not accessible: its bucket does not exist."
                    ),
                    other => other.to_string(),
                })?;
        }
        Ok(())
    }
}

/// One output line and whether the record succeeded (with its token counts).
struct Record {
    line: Value,
    outcome: Result<(u32, u32), ()>,
}

impl Record {
    fn error(
        record_id: Option<String>,
        model_input: Option<Value>,
        code: u16,
        message: String,
    ) -> Self {
        let mut line = serde_json::Map::new();
        if let Some(id) = record_id {
            line.insert("recordId".to_owned(), Value::String(id));
        }
        if let Some(input) = model_input {
            line.insert("modelInput".to_owned(), input);
        }
        line.insert(
            "error".to_owned(),
            json!({ "errorCode": code, "errorMessage": message }),
        );
        Record {
            line: Value::Object(line),
            outcome: Err(()),
        }
    }
}

fn is_blank(line: &Line) -> bool {
    matches!(line, Line::Whole(b) if b.iter().all(u8::is_ascii_whitespace))
}

/// The `recordId` string near the start of a line that could not be parsed whole, so a broken
/// record is still reported under its id. Only a plain string (no escapes) is recognised.
pub(crate) fn scan_record_id(bytes: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"recordId\"";
    let at = bytes.windows(KEY.len()).position(|w| w == KEY)?;
    let rest = bytes.get(at + KEY.len()..)?;
    let rest = trim_start(rest).strip_prefix(b":")?;
    let rest = trim_start(rest).strip_prefix(b"\"")?;
    let end = rest.iter().position(|b| *b == b'"' || *b == b'\\')?;
    if rest.get(end) != Some(&b'"') {
        return None;
    }
    std::str::from_utf8(rest.get(..end)?)
        .ok()
        .map(str::to_owned)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    bytes.get(skip..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_found_in_broken_lines() {
        assert_eq!(
            scan_record_id(br#"{"recordId" : "r-7", "modelInput": {"#).as_deref(),
            Some("r-7")
        );
        assert_eq!(scan_record_id(br#"{"modelInput": {}}"#), None);
        assert_eq!(scan_record_id(br#"{"recordId": "a\"b"}"#), None);
    }
}
