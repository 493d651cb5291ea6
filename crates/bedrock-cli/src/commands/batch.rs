//! `bedrock batch`: batch inference jobs (CreateModelInvocationJob and its Get, List, Stop) and
//! `prepare`, which turns a file of prompts into a job's input JSONL through the adapters; `submit`
//! uploads a local input to S3 first, and `results` reads a job's output back typed.

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use bedrock_connector::batch::{
    BatchInput, BatchJobStatus, BatchManifest, BatchOutput, BatchRecordResult,
    CreateModelInvocationJobRequest, ListModelInvocationJobsRequest, ModelInvocationJob, S3Uri,
    SortOrder,
};
use bedrock_connector::{EmbeddingRequest, ModelInput, TextRequest, default_registry};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::model_id;
use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::{Printer, table};
use crate::session::{Session, connect};
use crate::spinner::spin;

/// How often `--wait` asks for the job's state.
const POLL: Duration = Duration::from_secs(2);

/// `bedrock batch ...`.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Turn a file of prompts (one per line) into a batch input JSONL, each record's body
    /// built and checked by the model's adapter. Nothing is sent.
    Prepare(PrepareArgs),
    /// Start a batch job (CreateModelInvocationJob) over a JSONL input in S3, uploading a local
    /// file there first.
    Submit(SubmitArgs),
    /// Download a job's output and print it (or write it) as typed JSONL, one line per record.
    Results(ResultsArgs),
    /// Show a job's state and record counts (GetModelInvocationJob).
    Status(JobArgs),
    /// List jobs, newest first (ListModelInvocationJobs).
    List(ListArgs),
    /// Stop a job (StopModelInvocationJob).
    Stop(JobArgs),
}

/// `bedrock batch prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// The model the records are for.
    #[arg(long, value_name = "MODEL_ID")]
    pub model: String,
    /// The prompts (text models) or texts to embed (embedding models), one per line.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Where to write the JSONL [default: stdout].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Most tokens each text record may generate.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    /// Record ids are this prefix and the line number.
    #[arg(long, default_value = "record-", value_name = "PREFIX")]
    pub id_prefix: String,
}

/// `bedrock batch submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The input: `s3://bucket/key.jsonl`, a prefix of `.jsonl` objects, or a local `.jsonl`
    /// file, which is uploaded first (see `--upload-to`).
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Where a local input is uploaded [default: `input/` and the file's name under
    /// `--output-uri`].
    #[arg(long, value_name = "S3_URI")]
    pub upload_to: Option<String>,
    /// Create the input's and the output's buckets first when this account does not have them
    /// (always done with the built-in emulator, which starts with none).
    #[arg(long)]
    pub create_buckets: bool,
    /// After `--wait`, print the job's results as `bedrock batch results` does (needed with the
    /// built-in emulator, which ends with the command).
    #[arg(long, requires = "wait")]
    pub results: bool,
    /// After `--wait`, write the results to this file instead of printing them.
    #[arg(long, requires = "wait", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The model.
    #[arg(long, value_name = "MODEL_ID")]
    pub model: String,
    /// Where results go: `s3://bucket/prefix/` (under a folder named after the job id).
    // `--output` is the global output format.
    #[arg(long, value_name = "S3_URI")]
    pub output_uri: String,
    /// The service role Bedrock reads and writes S3 as.
    #[arg(long, env = "BEDROCK_BATCH_ROLE", value_name = "ROLE_ARN")]
    pub role: String,
    /// The job's name [default: batch-, the time in milliseconds and the process id].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// How long the job may take, 24 to 168 hours.
    #[arg(long, value_name = "HOURS")]
    pub timeout_hours: Option<u32>,
    /// Wait until the job ends, with a progress bar of processed records.
    #[arg(long)]
    pub wait: bool,
}

/// A job named by ARN or id.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job's ARN (or id).
    #[arg(value_name = "JOB")]
    pub job: String,
}

/// `bedrock batch results`.
#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// The job's ARN (or id).
    #[arg(value_name = "JOB")]
    pub job: String,
    /// Where to write the typed JSONL [default: stdout].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `bedrock batch list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs in this state (Submitted, InProgress, Completed, Failed, Stopped, ...).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Only jobs whose name contains this.
    #[arg(long, value_name = "TEXT")]
    pub name_contains: Option<String>,
    /// At most this many (1 to 1000).
    #[arg(long, value_name = "N")]
    pub max_results: Option<u32>,
    /// The page after the one that printed this token.
    #[arg(long, value_name = "TOKEN")]
    pub next_token: Option<String>,
    /// Oldest first.
    #[arg(long)]
    pub ascending: bool,
}

/// Runs `bedrock batch ...`.
pub async fn run(
    global: &GlobalArgs,
    command: &BatchCommand,
    printer: &Printer,
) -> Result<(), CliError> {
    match command {
        BatchCommand::Prepare(args) => prepare(args, printer),
        BatchCommand::Submit(args) => submit(global, args, printer).await,
        BatchCommand::Results(args) => {
            let session = connect(global, printer, false).await?;
            results(&session, &args.job, args.out.as_deref(), printer).await
        }
        BatchCommand::Status(args) => status(global, args, printer).await,
        BatchCommand::List(args) => list(global, args, printer).await,
        BatchCommand::Stop(args) => stop(global, args, printer).await,
    }
}

fn prepare(args: &PrepareArgs, printer: &Printer) -> Result<(), CliError> {
    let id = model_id(&args.model)?;
    let registry = default_registry();
    let embedding = registry.resolve(&id)?.route.capabilities().embedding;
    let file = std::fs::File::open(&args.from)
        .map_err(|e| CliError::io(format!("cannot read `{}`", args.from.display()), e))?;
    let mut input = BatchInput::new(&registry, &id)?;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line =
            line.map_err(|e| CliError::io(format!("cannot read `{}`", args.from.display()), e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = if embedding {
            ModelInput::Embedding(EmbeddingRequest::new(line))
        } else {
            let mut request = TextRequest::new(line);
            if let Some(n) = args.max_tokens {
                request = request.max_tokens(n);
            }
            ModelInput::Text(request)
        };
        // A line the adapter refuses names its line number.
        input
            .push(format!("{}{:07}", args.id_prefix, n + 1), &record)
            .map_err(|e| {
                CliError::usage(
                    format!("line {} of `{}`: {e}", n + 1, args.from.display()),
                    "fix the line or remove it",
                )
            })?;
    }
    let count = input.len();
    let jsonl = input.into_jsonl();
    match &args.out {
        Some(path) => {
            std::fs::write(path, &jsonl)
                .map_err(|e| CliError::io(format!("cannot write `{}`", path.display()), e))?;
            printer.note(&format!("{count} records written to {}", path.display()));
            Ok(())
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&jsonl)
                .and_then(|()| out.flush())
                .map_err(|_| CliError::StdoutClosed)
        }
    }
}

fn job_json(job: &ModelInvocationJob) -> Value {
    serde_json::to_value(job).unwrap_or(Value::Null)
}

fn counts(job: &ModelInvocationJob) -> String {
    match (job.processed_record_count, job.total_record_count) {
        (Some(done), Some(total)) => format!(
            "{done}/{total} ({} ok, {} errors)",
            job.success_record_count.unwrap_or(0),
            job.error_record_count.unwrap_or(0)
        ),
        _ => "-".to_owned(),
    }
}

fn print_job(job: &ModelInvocationJob, printer: &Printer) -> Result<(), CliError> {
    if printer.is_json() {
        return printer.json(&job_json(job));
    }
    let mut lines = vec![
        format!("job      {}", job.job_arn),
        format!("name     {}", job.job_name),
        format!("model    {}", job.model_id),
        format!("status   {}", job.status),
        format!("records  {}", counts(job)),
        format!(
            "input    {}",
            job.input_data_config.s3_input_data_config.s3_uri
        ),
        format!(
            "output   {}{}/",
            job.output_data_config.s3_output_data_config.s3_uri,
            job.job_id()
        ),
        format!("submitted {}", job.submit_time),
    ];
    if let Some(end) = &job.end_time {
        lines.push(format!("ended    {end}"));
    }
    if let Some(message) = &job.message {
        lines.push(format!("message  {message}"));
    }
    printer.line(&lines.join("\n"))
}

async fn submit(global: &GlobalArgs, args: &SubmitArgs, printer: &Printer) -> Result<(), CliError> {
    // Everything is checked before the emulator starts or anything is sent.
    let output = S3Uri::parse("--output-uri", &args.output_uri)?;
    let local = (!args.input.starts_with("s3://")).then(|| PathBuf::from(&args.input));
    let input_uri = match &local {
        None => args.input.clone(),
        Some(path) => upload_uri(path, args.upload_to.as_deref(), &output)?,
    };
    let input = S3Uri::parse("--upload-to", &input_uri)?;
    // Job names are unique in an account: milliseconds and the process id keep two submits
    // of one second apart.
    let name = args.name.clone().unwrap_or_else(|| {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        format!("batch-{millis}-{}", std::process::id())
    });
    let mut request = CreateModelInvocationJobRequest::new(
        name,
        &args.model,
        &args.role,
        &input_uri,
        &args.output_uri,
    );
    request.timeout_duration_in_hours = args.timeout_hours;
    // Checked before anything starts or is sent.
    model_id(&args.model)?;
    request.validate()?;
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
    if args.create_buckets || session.is_embedded() {
        let mut buckets = vec![&input.bucket, &output.bucket];
        buckets.dedup();
        for bucket in buckets {
            session.aws.create_bucket(region, bucket).await?;
        }
    }
    if let Some(path) = &local {
        let body = bedrock_backend_aws::ByteStream::from_path(path)
            .await
            .map_err(|e| {
                CliError::usage(
                    format!("cannot read the input `{}`: {e}", path.display()),
                    "pass a readable JSONL file or an s3:// URI",
                )
            })?;
        spin(
            "uploading the input",
            session.aws.put_object(region, &input, body),
        )
        .await
        .map_err(|e| match e.kind() {
            // The SDK's hint for a 404 is about models; this one is about the bucket.
            bedrock_connector::ErrorKind::NotFound => CliError::usage(
                format!("cannot upload the input to {input_uri}: {e}"),
                "create the bucket first, or pass --create-buckets",
            ),
            _ => e.into(),
        })?;
        printer.note(&format!("uploaded {} to {input_uri}", path.display()));
    }
    let backend = session.connector.backend();
    let arn = spin(
        "creating the batch job",
        backend.create_model_invocation_job(region, &request),
    )
    .await?;
    if !args.wait {
        if printer.is_json() {
            return printer.json(&json!({ "jobArn": arn }));
        }
        return printer.line(&arn);
    }
    printer.note(&format!("job {arn}"));
    let bar = indicatif::ProgressBar::hidden();
    if crate::output::stderr_is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} records")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let job = loop {
        let job = backend.get_model_invocation_job(region, &arn).await?;
        bar.set_message(job.status.to_string());
        if let Some(total) = job.total_record_count {
            bar.set_length(total);
        }
        bar.set_position(job.processed_record_count.unwrap_or(0));
        if job.status.is_terminal() {
            break job;
        }
        tokio::time::sleep(POLL).await;
    };
    bar.finish_and_clear();
    print_job(&job, printer)?;
    let ended_with_output = matches!(
        job.status,
        BatchJobStatus::Completed | BatchJobStatus::PartiallyCompleted
    );
    if ended_with_output && (args.results || args.out.is_some()) {
        results(&session, &arn, args.out.as_deref(), printer).await?;
    } else if ended_with_output && session.is_embedded() {
        printer.note(
            "the built-in emulator ends with this command, and its results with it; pass \
             --results or --out FILE to keep them",
        );
    }
    match job.status {
        BatchJobStatus::Completed => Ok(()),
        status => Err(CliError::usage(
            format!(
                "the job ended {status}{}",
                job.message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
            "see `bedrock batch status JOB`",
        )),
    }
}

/// Where a local input goes: `--upload-to`, else `input/<file name>` under the output prefix.
fn upload_uri(
    path: &std::path::Path,
    upload_to: Option<&str>,
    output: &S3Uri,
) -> Result<String, CliError> {
    if !path.is_file() {
        return Err(CliError::usage(
            format!(
                "the input `{}` is neither an s3:// URI nor a file",
                path.display()
            ),
            "pass a local JSONL file (for example from `bedrock batch prepare`) or \
             s3://BUCKET/KEY",
        ));
    }
    if let Some(uri) = upload_to {
        return Ok(uri.to_owned());
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            CliError::usage(
                format!("the input `{}` has no UTF-8 file name", path.display()),
                "rename the file, or pass --upload-to s3://BUCKET/KEY",
            )
        })?;
    Ok(format!(
        "s3://{}/{}input/{name}",
        output.bucket,
        prefix(&output.key)
    ))
}

/// `key` as a folder: empty, or ending in `/`.
fn prefix(key: &str) -> String {
    if key.is_empty() || key.ends_with('/') {
        key.to_owned()
    } else {
        format!("{key}/")
    }
}

/// One typed result as a JSONL line: `{"recordId", "output"}` or `{"recordId", "error"}`.
fn result_json(result: &BatchRecordResult) -> Value {
    match &result.output {
        Ok(output) => json!({
            "recordId": result.record_id,
            "output": serde_json::to_value(output).unwrap_or(Value::Null),
        }),
        Err(e) => json!({
            "recordId": result.record_id,
            "error": { "code": e.code, "message": e.message },
        }),
    }
}

/// Downloads a job's output (one `<input name>.out` per input object under
/// `<output>/<job-id>/`, and `manifest.json.out` for the counts), reads each line through the
/// model's adapter, and prints or writes typed JSONL, the objects in key order.
async fn results(
    session: &Session,
    job: &str,
    out: Option<&std::path::Path>,
    printer: &Printer,
) -> Result<(), CliError> {
    let region = session.connector.region();
    let job = spin(
        "reading the batch job",
        session
            .connector
            .backend()
            .get_model_invocation_job(region, job),
    )
    .await?;
    let output = S3Uri::parse(
        "outputDataConfig.s3Uri",
        &job.output_data_config.s3_output_data_config.s3_uri,
    )?;
    let folder = S3Uri {
        bucket: output.bucket.clone(),
        key: format!("{}{}/", prefix(&output.key), job.job_id()),
    };
    let at = |key: &str| S3Uri {
        bucket: output.bucket.clone(),
        key: key.to_owned(),
    };
    let manifest_key = format!("{}manifest.json.out", folder.key);
    let outputs: Vec<String> = spin(
        "listing the job's output",
        session.aws.list_objects(region, &folder),
    )
    .await?
    .into_iter()
    .map(|o| o.key)
    .filter(|k| k.ends_with(".out") && *k != manifest_key)
    .collect();
    if outputs.is_empty() {
        return Err(CliError::usage(
            format!(
                "job {} has no output under {folder} (status {})",
                job.job_id(),
                job.status
            ),
            "a job writes its output as it ends: see `bedrock batch status JOB`",
        ));
    }
    let id = model_id(&job.model_id)?;
    let reader = BatchOutput::new(&default_registry(), &id)?;
    let (mut total, mut errors) = (0usize, 0usize);
    let mut jsonl = Vec::new();
    for key in &outputs {
        let body = spin(
            "downloading the results",
            session.aws.get_object(region, &at(key)),
        )
        .await?;
        let parsed = reader.parse_jsonl(&body);
        for record in &parsed {
            // Serialising a `Value` into a `Vec` cannot fail.
            serde_json::to_writer(&mut jsonl, &result_json(record)).unwrap_or_default();
            jsonl.push(b'\n');
        }
        total += parsed.len();
        errors += parsed.iter().filter(|r| r.output.is_err()).count();
    }
    let manifest = session
        .aws
        .get_object(region, &at(&manifest_key))
        .await
        .ok()
        .and_then(|m| BatchManifest::parse(&m).ok());
    let mut summary = format!("{total} records, {errors} errors");
    if outputs.len() > 1 {
        summary.push_str(&format!(" from {} output files", outputs.len()));
    }
    if let Some(m) = manifest {
        summary.push_str(&format!(
            " (manifest: {} total, {} ok, {} errors, {} input and {} output tokens)",
            m.total_record_count,
            m.success_record_count,
            m.error_record_count,
            m.input_token_count,
            m.output_token_count
        ));
    }
    match out {
        Some(path) => {
            std::fs::write(path, &jsonl)
                .map_err(|e| CliError::io(format!("cannot write `{}`", path.display()), e))?;
            printer.note(&format!("{summary}; written to {}", path.display()));
            Ok(())
        }
        None => {
            printer.note(&summary);
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&jsonl)
                .and_then(|()| stdout.flush())
                .map_err(|_| CliError::StdoutClosed)
        }
    }
}

async fn status(global: &GlobalArgs, args: &JobArgs, printer: &Printer) -> Result<(), CliError> {
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
    let job = spin(
        "reading the batch job",
        session
            .connector
            .backend()
            .get_model_invocation_job(region, &args.job),
    )
    .await?;
    print_job(&job, printer)
}

async fn stop(global: &GlobalArgs, args: &JobArgs, printer: &Printer) -> Result<(), CliError> {
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
    spin(
        "stopping the batch job",
        session
            .connector
            .backend()
            .stop_model_invocation_job(region, &args.job),
    )
    .await?;
    printer.note(&format!("stopping {}", args.job));
    Ok(())
}

async fn list(global: &GlobalArgs, args: &ListArgs, printer: &Printer) -> Result<(), CliError> {
    let request = ListModelInvocationJobsRequest {
        status_equals: args.status.as_deref().map(str::parse).transpose()?,
        name_contains: args.name_contains.clone(),
        max_results: args.max_results,
        next_token: args.next_token.clone(),
        sort_order: Some(if args.ascending {
            SortOrder::Ascending
        } else {
            SortOrder::Descending
        }),
        ..Default::default()
    };
    request.validate()?;
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
    let page = spin(
        "listing batch jobs",
        session
            .connector
            .backend()
            .list_model_invocation_jobs(region, &request),
    )
    .await?;
    if printer.is_json() {
        let jobs: Vec<Value> = page.invocation_job_summaries.iter().map(job_json).collect();
        return printer.json(&json!({ "jobs": jobs, "nextToken": page.next_token }));
    }
    if page.invocation_job_summaries.is_empty() {
        printer.note("no batch jobs");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = page
        .invocation_job_summaries
        .iter()
        .map(|j| {
            vec![
                j.job_id().to_owned(),
                j.job_name.clone(),
                j.status.to_string(),
                counts(j),
                j.submit_time.clone(),
            ]
        })
        .collect();
    printer.line(&table(
        &["JOB", "NAME", "STATUS", "RECORDS", "SUBMITTED"],
        &rows,
    ))?;
    if let Some(token) = page.next_token {
        printer.note(&format!("more: --next-token {token}"));
    }
    Ok(())
}
