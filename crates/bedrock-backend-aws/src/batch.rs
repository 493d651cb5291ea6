//! Batch inference jobs over aws-sdk-bedrock (CreateModelInvocationJob, Get, List, Stop) and
//! asynchronous invocations over aws-sdk-bedrockruntime (StartAsyncInvoke, Get, List), with
//! conversions between the SDK's shapes and the core's wire-shaped types.

use aws_sdk_bedrock::types as job_types;
use aws_sdk_bedrockruntime::types as invoke_types;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use bedrock_core::batch::{
    AsyncInvoke, AsyncInvokeOutputDataConfig, AsyncInvokeS3Output, AsyncInvokeStatus,
    BatchInputDataConfig, BatchJobStatus, BatchOutputDataConfig, CreateModelInvocationJobRequest,
    ListAsyncInvokesRequest, ListAsyncInvokesResponse, ListModelInvocationJobsRequest,
    ListModelInvocationJobsResponse, ModelInvocationJob, S3InputDataConfig, S3OutputDataConfig,
    SortOrder, StartAsyncInvokeRequest, VpcConfig,
};
use bedrock_core::{Error, Region, Result};

use crate::{AwsBackend, errors};

fn iso(t: &DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_default()
}

fn parse_time(field: &str, value: &str) -> Result<DateTime> {
    DateTime::from_str(value, Format::DateTimeWithOffset)
        .map_err(|_| Error::invalid(field, value, "an ISO-8601 date-time, 2024-01-31T12:00:00Z"))
}

/// A list call's `submitTimeAfter` and `submitTimeBefore` filters, parsed.
fn submit_window(
    after: Option<&str>,
    before: Option<&str>,
) -> Result<(Option<DateTime>, Option<DateTime>)> {
    Ok((
        after
            .map(|t| parse_time("submitTimeAfter", t))
            .transpose()?,
        before
            .map(|t| parse_time("submitTimeBefore", t))
            .transpose()?,
    ))
}

fn job_status(s: &job_types::ModelInvocationJobStatus) -> Result<BatchJobStatus> {
    s.as_str()
        .parse()
        .map_err(|_| Error::decode(format!("unknown batch job status `{}`", s.as_str())))
}

fn input_config(c: Option<&job_types::ModelInvocationJobInputDataConfig>) -> BatchInputDataConfig {
    let s3 = c.and_then(|c| c.as_s3_input_data_config().ok());
    BatchInputDataConfig {
        s3_input_data_config: S3InputDataConfig {
            s3_uri: s3.map(|s| s.s3_uri().to_owned()).unwrap_or_default(),
            s3_input_format: s3
                .and_then(|s| s.s3_input_format())
                .map(|f| f.as_str().to_owned()),
            s3_bucket_owner: s3.and_then(|s| s.s3_bucket_owner()).map(str::to_owned),
        },
    }
}

fn output_config(
    c: Option<&job_types::ModelInvocationJobOutputDataConfig>,
) -> BatchOutputDataConfig {
    let s3 = c.and_then(|c| c.as_s3_output_data_config().ok());
    BatchOutputDataConfig {
        s3_output_data_config: S3OutputDataConfig {
            s3_uri: s3.map(|s| s.s3_uri().to_owned()).unwrap_or_default(),
            s3_encryption_key_id: s3.and_then(|s| s.s3_encryption_key_id()).map(str::to_owned),
            s3_bucket_owner: s3.and_then(|s| s.s3_bucket_owner()).map(str::to_owned),
        },
    }
}

/// The SDK gives some fields as `&T` in one shape and `Option<&T>` in the other; both read
/// as an option.
trait IntoOption<'a, T: ?Sized> {
    fn into_option(self) -> Option<&'a T>;
}

impl<'a, T: ?Sized> IntoOption<'a, T> for &'a T {
    fn into_option(self) -> Option<&'a T> {
        Some(self)
    }
}

impl<'a, T: ?Sized> IntoOption<'a, T> for Option<&'a T> {
    fn into_option(self) -> Option<&'a T> {
        self
    }
}

fn count(n: Option<i64>) -> Option<u64> {
    n.and_then(|n| u64::try_from(n).ok())
}

/// A job from GetModelInvocationJob's answer or a ListModelInvocationJobs summary (the same
/// fields under the same names).
macro_rules! to_job {
    ($j:expr) => {{
        let j = $j;
        let status = match j.status() {
            Some(s) => job_status(s)?,
            None => return Err(Error::decode("a batch job came back without a status")),
        };
        ModelInvocationJob {
            job_arn: j.job_arn().to_owned(),
            job_name: IntoOption::<str>::into_option(j.job_name())
                .unwrap_or_default()
                .to_owned(),
            model_id: j.model_id().to_owned(),
            client_request_token: j.client_request_token().map(str::to_owned),
            role_arn: j.role_arn().to_owned(),
            status,
            message: j.message().map(str::to_owned),
            submit_time: iso(j.submit_time()),
            last_modified_time: j.last_modified_time().map(iso),
            end_time: j.end_time().map(iso),
            input_data_config: input_config(j.input_data_config()),
            output_data_config: output_config(j.output_data_config()),
            vpc_config: j.vpc_config().map(|v| VpcConfig {
                subnet_ids: v.subnet_ids().to_vec(),
                security_group_ids: v.security_group_ids().to_vec(),
            }),
            timeout_duration_in_hours: j
                .timeout_duration_in_hours()
                .and_then(|h| u32::try_from(h).ok()),
            job_expiration_time: j.job_expiration_time().map(iso),
            total_record_count: count(j.total_record_count()),
            processed_record_count: count(j.processed_record_count()),
            success_record_count: count(j.success_record_count()),
            error_record_count: count(j.error_record_count()),
        }
    }};
}

fn summary_job(j: &job_types::ModelInvocationJobSummary) -> Result<ModelInvocationJob> {
    Ok(to_job!(j))
}

fn invoke_status(s: &invoke_types::AsyncInvokeStatus) -> Result<AsyncInvokeStatus> {
    s.as_str()
        .parse()
        .map_err(|_| Error::decode(format!("unknown async invoke status `{}`", s.as_str())))
}

fn invoke_output(
    c: Option<&invoke_types::AsyncInvokeOutputDataConfig>,
) -> AsyncInvokeOutputDataConfig {
    let s3 = c.and_then(|c| c.as_s3_output_data_config().ok());
    AsyncInvokeOutputDataConfig {
        s3_output_data_config: AsyncInvokeS3Output {
            s3_uri: s3.map(|s| s.s3_uri().to_owned()).unwrap_or_default(),
            kms_key_id: s3.and_then(|s| s.kms_key_id()).map(str::to_owned),
            bucket_owner: s3.and_then(|s| s.bucket_owner()).map(str::to_owned),
        },
    }
}

macro_rules! to_invoke {
    ($i:expr) => {{
        let i = $i;
        AsyncInvoke {
            invocation_arn: i.invocation_arn().to_owned(),
            model_arn: i.model_arn().to_owned(),
            client_request_token: i.client_request_token().map(str::to_owned),
            status: match IntoOption::<invoke_types::AsyncInvokeStatus>::into_option(i.status()) {
                Some(s) => invoke_status(s)?,
                None => {
                    return Err(Error::decode(
                        "an async invocation came back without a status",
                    ));
                }
            },
            failure_message: i.failure_message().map(str::to_owned),
            submit_time: iso(i.submit_time()),
            last_modified_time: i.last_modified_time().map(iso),
            end_time: i.end_time().map(iso),
            output_data_config: invoke_output(i.output_data_config()),
        }
    }};
}

fn summary_invoke(i: &invoke_types::AsyncInvokeSummary) -> Result<AsyncInvoke> {
    Ok(to_invoke!(i))
}

impl AwsBackend {
    pub(crate) async fn send_create_model_invocation_job(
        &self,
        region: Region,
        request: &CreateModelInvocationJobRequest,
    ) -> Result<String> {
        request.validate()?;
        let input = &request.input_data_config.s3_input_data_config;
        let output = &request.output_data_config.s3_output_data_config;
        let input = job_types::ModelInvocationJobS3InputDataConfig::builder()
            .s3_uri(&input.s3_uri)
            .set_s3_input_format(input.s3_input_format.as_deref().map(Into::into))
            .set_s3_bucket_owner(input.s3_bucket_owner.clone())
            .build()
            .map_err(|e| Error::invalid("inputDataConfig", e, "an S3 URI"))?;
        let output = job_types::ModelInvocationJobS3OutputDataConfig::builder()
            .s3_uri(&output.s3_uri)
            .set_s3_encryption_key_id(output.s3_encryption_key_id.clone())
            .set_s3_bucket_owner(output.s3_bucket_owner.clone())
            .build()
            .map_err(|e| Error::invalid("outputDataConfig", e, "an S3 URI"))?;
        let mut call = self
            .clients(region)
            .control
            .create_model_invocation_job()
            .job_name(&request.job_name)
            .role_arn(&request.role_arn)
            .model_id(&request.model_id)
            .set_client_request_token(request.client_request_token.clone())
            .input_data_config(
                job_types::ModelInvocationJobInputDataConfig::S3InputDataConfig(input),
            )
            .output_data_config(
                job_types::ModelInvocationJobOutputDataConfig::S3OutputDataConfig(output),
            )
            .set_timeout_duration_in_hours(
                request
                    .timeout_duration_in_hours
                    .and_then(|h| i32::try_from(h).ok()),
            );
        if let Some(vpc) = &request.vpc_config {
            let vpc = job_types::VpcConfig::builder()
                .set_subnet_ids(Some(vpc.subnet_ids.clone()))
                .set_security_group_ids(Some(vpc.security_group_ids.clone()))
                .build()
                .map_err(|e| Error::invalid("vpcConfig", e, "subnet and security group ids"))?;
            call = call.vpc_config(vpc);
        }
        for tag in &request.tags {
            let tag = job_types::Tag::builder()
                .key(&tag.key)
                .value(&tag.value)
                .build()
                .map_err(|e| Error::invalid("tags", e, "a key and a value"))?;
            call = call.tags(tag);
        }
        let out = call
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(out.job_arn)
    }

    pub(crate) async fn send_get_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<ModelInvocationJob> {
        let out = self
            .clients(region)
            .control
            .get_model_invocation_job()
            .job_identifier(job_identifier)
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(to_job!(&out))
    }

    pub(crate) async fn send_list_model_invocation_jobs(
        &self,
        region: Region,
        request: &ListModelInvocationJobsRequest,
    ) -> Result<ListModelInvocationJobsResponse> {
        request.validate()?;
        let (after, before) = submit_window(
            request.submit_time_after.as_deref(),
            request.submit_time_before.as_deref(),
        )?;
        let out = self
            .clients(region)
            .control
            .list_model_invocation_jobs()
            .set_submit_time_after(after)
            .set_submit_time_before(before)
            .set_status_equals(request.status_equals.map(|s| s.as_str().into()))
            .set_name_contains(request.name_contains.clone())
            .set_max_results(request.max_results.and_then(|n| i32::try_from(n).ok()))
            .set_next_token(request.next_token.clone())
            .set_sort_by(
                request
                    .sort_order
                    .map(|_| job_types::SortJobsBy::CreationTime),
            )
            .set_sort_order(request.sort_order.map(|o| match o {
                SortOrder::Ascending => job_types::SortOrder::Ascending,
                SortOrder::Descending => job_types::SortOrder::Descending,
            }))
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(ListModelInvocationJobsResponse {
            invocation_job_summaries: out
                .invocation_job_summaries()
                .iter()
                .map(summary_job)
                .collect::<Result<_>>()?,
            next_token: out.next_token().map(str::to_owned),
        })
    }

    pub(crate) async fn send_stop_model_invocation_job(
        &self,
        region: Region,
        job_identifier: &str,
    ) -> Result<()> {
        self.clients(region)
            .control
            .stop_model_invocation_job()
            .job_identifier(job_identifier)
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(())
    }

    pub(crate) async fn send_start_async_invoke(
        &self,
        region: Region,
        request: &StartAsyncInvokeRequest,
    ) -> Result<String> {
        request.validate()?;
        let s3 = &request.output_data_config.s3_output_data_config;
        let output = invoke_types::AsyncInvokeS3OutputDataConfig::builder()
            .s3_uri(&s3.s3_uri)
            .set_kms_key_id(s3.kms_key_id.clone())
            .set_bucket_owner(s3.bucket_owner.clone())
            .build()
            .map_err(|e| Error::invalid("outputDataConfig", e, "an S3 URI"))?;
        let mut call = self
            .clients(region)
            .runtime
            .start_async_invoke()
            .model_id(&request.model_id)
            .model_input(crate::converse_convert::document_from_json(
                request.model_input.clone(),
            ))
            .output_data_config(
                invoke_types::AsyncInvokeOutputDataConfig::S3OutputDataConfig(output),
            )
            .set_client_request_token(request.client_request_token.clone());
        for tag in &request.tags {
            let tag = invoke_types::Tag::builder()
                .key(&tag.key)
                .value(&tag.value)
                .build()
                .map_err(|e| Error::invalid("tags", e, "a key and a value"))?;
            call = call.tags(tag);
        }
        let out = call
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(out.invocation_arn)
    }

    pub(crate) async fn send_get_async_invoke(
        &self,
        region: Region,
        invocation_arn: &str,
    ) -> Result<AsyncInvoke> {
        let out = self
            .clients(region)
            .runtime
            .get_async_invoke()
            .invocation_arn(invocation_arn)
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(to_invoke!(&out))
    }

    pub(crate) async fn send_list_async_invokes(
        &self,
        region: Region,
        request: &ListAsyncInvokesRequest,
    ) -> Result<ListAsyncInvokesResponse> {
        request.validate()?;
        let (after, before) = submit_window(
            request.submit_time_after.as_deref(),
            request.submit_time_before.as_deref(),
        )?;
        let out = self
            .clients(region)
            .runtime
            .list_async_invokes()
            .set_submit_time_after(after)
            .set_submit_time_before(before)
            .set_status_equals(request.status_equals.map(|s| s.as_str().into()))
            .set_max_results(request.max_results.and_then(|n| i32::try_from(n).ok()))
            .set_next_token(request.next_token.clone())
            .set_sort_by(
                request
                    .sort_order
                    .map(|_| invoke_types::SortAsyncInvocationBy::SubmissionTime),
            )
            .set_sort_order(request.sort_order.map(|o| match o {
                SortOrder::Ascending => invoke_types::SortOrder::Ascending,
                SortOrder::Descending => invoke_types::SortOrder::Descending,
            }))
            .send()
            .await
            .map_err(|e| self.explain(errors::map_sdk_error(e)))?;
        Ok(ListAsyncInvokesResponse {
            async_invoke_summaries: out
                .async_invoke_summaries()
                .iter()
                .map(summary_invoke)
                .collect::<Result<_>>()?,
            next_token: out.next_token().map(str::to_owned),
        })
    }
}
