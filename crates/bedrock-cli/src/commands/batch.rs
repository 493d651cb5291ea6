//! `bedrock batch`: batch inference jobs (CreateModelInvocationJob and its Get, List, Stop) and
//! `prepare`, which turns a file of prompts into a job's input JSONL through the adapters.

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use bedrock_connector::batch::{
    BatchInput, BatchJobStatus, CreateModelInvocationJobRequest, ListModelInvocationJobsRequest,
    ModelInvocationJob, SortOrder,
};
use bedrock_connector::{EmbeddingRequest, ModelInput, TextRequest, default_registry};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::model_id;
use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::{Printer, table};
use crate::session::connect;
use crate::spinner::spin;

/// How often `--wait` asks for the job's state.
const POLL: Duration = Duration::from_secs(2);

/// `bedrock batch ...`.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Turn a file of prompts (one per line) into a batch input JSONL, each record's body
    /// built and checked by the model's adapter. Nothing is sent.
    Prepare(PrepareArgs),
    /// Start a batch job over a JSONL input already in S3 (CreateModelInvocationJob).
    Submit(SubmitArgs),
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
    /// The input: `s3://bucket/key.jsonl`, or a prefix of `.jsonl` objects.
    #[arg(value_name = "S3_URI")]
    pub input: String,
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
    /// The job's name [default: batch- and the current time].
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
    if !args.input.starts_with("s3://") {
        return Err(CliError::usage(
            format!("the input `{}` is not an s3:// URI", args.input),
            "upload the JSONL to S3 first (for example `aws s3 cp FILE s3://BUCKET/KEY`), \
             then pass its s3:// URI",
        ));
    }
    let name = args.name.clone().unwrap_or_else(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("batch-{secs}")
    });
    let mut request = CreateModelInvocationJobRequest::new(
        name,
        &args.model,
        &args.role,
        &args.input,
        &args.output_uri,
    );
    request.timeout_duration_in_hours = args.timeout_hours;
    // Checked before anything starts or is sent.
    model_id(&args.model)?;
    request.validate()?;
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
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
