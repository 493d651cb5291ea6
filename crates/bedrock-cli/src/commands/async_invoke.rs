//! `bedrock async`: asynchronous invocations (StartAsyncInvoke, GetAsyncInvoke,
//! ListAsyncInvokes) for models whose output is written to S3, such as Nova Reel, and the
//! download of that output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bedrock_connector::ModelId;
use bedrock_connector::batch::{
    AsyncInvoke, AsyncInvokeStatus, ListAsyncInvokesRequest, S3Uri, SortOrder,
    StartAsyncInvokeRequest,
};
use bedrock_connector::nova::reel::NovaReelRequest;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::model_id;
use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::{Printer, table};
use crate::session::{Session, connect};
use crate::spinner::spin;

/// The base ids of Nova Reel, whose request body is checked before it is sent.
const REEL_PREFIX: &str = "amazon.nova-reel";

/// How often `--wait` asks for the invocation's state.
const POLL: Duration = Duration::from_secs(2);

/// `bedrock async ...`.
#[derive(Debug, Subcommand)]
pub enum AsyncCommand {
    /// Start an invocation whose output goes to S3 (StartAsyncInvoke).
    Start(StartArgs),
    /// Show an invocation (GetAsyncInvoke).
    Status(InvocationArgs),
    /// List invocations, newest first (ListAsyncInvokes).
    List(ListArgs),
    /// Download a completed invocation's output: every object under `<s3Uri>/<invocation id>/`.
    Results(ResultsArgs),
}

/// `bedrock async start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The model.
    #[arg(long, value_name = "MODEL_ID")]
    pub model: String,
    /// A file holding the model's request body (JSON).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Where the output goes: `s3://bucket/prefix` (under a folder named after the invocation).
    // `--output` is the global output format.
    #[arg(long, value_name = "S3_URI")]
    pub output_uri: String,
    /// Create the output's bucket first when this account does not have it (always done with
    /// the built-in emulator, which starts with none).
    #[arg(long)]
    pub create_bucket: bool,
    /// Wait until it ends.
    #[arg(long)]
    pub wait: bool,
    /// Once it completes, download its output into this directory (as `async results` does);
    /// needs `--wait`. With the built-in emulator this is the way to keep the output, since
    /// the emulator ends with the command.
    #[arg(long, value_name = "DIR", requires = "wait")]
    pub output_dir: Option<PathBuf>,
}

/// An invocation named by ARN.
#[derive(Debug, Args)]
pub struct InvocationArgs {
    /// The invocation's ARN.
    #[arg(value_name = "INVOCATION_ARN")]
    pub invocation: String,
}

/// `bedrock async results`.
#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// The invocation's ARN.
    #[arg(value_name = "INVOCATION_ARN")]
    pub invocation: String,
    /// Where the files go (created if missing); default: a folder named after the invocation
    /// id in the current directory.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

/// `bedrock async list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only invocations in this state (InProgress, Completed, Failed).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// At most this many (1 to 1000).
    #[arg(long, value_name = "N")]
    pub max_results: Option<u32>,
    /// The page after the one that printed this token.
    #[arg(long, value_name = "TOKEN")]
    pub next_token: Option<String>,
}

/// Runs `bedrock async ...`.
pub async fn run(
    global: &GlobalArgs,
    command: &AsyncCommand,
    printer: &Printer,
) -> Result<(), CliError> {
    match command {
        AsyncCommand::Start(args) => start(global, args, printer).await,
        AsyncCommand::Status(args) => status(global, args, printer).await,
        AsyncCommand::List(args) => list(global, args, printer).await,
        AsyncCommand::Results(args) => results(global, args, printer).await,
    }
}

fn print_invoke(invoke: &AsyncInvoke, printer: &Printer) -> Result<(), CliError> {
    if printer.is_json() {
        return printer.json(&serde_json::to_value(invoke).unwrap_or(Value::Null));
    }
    let mut lines = vec![
        format!("invocation {}", invoke.invocation_arn),
        format!("model      {}", invoke.model_arn),
        format!("status     {}", invoke.status.as_str()),
        format!(
            "output     {}",
            invoke.output_data_config.s3_output_data_config.s3_uri
        ),
        format!("submitted  {}", invoke.submit_time),
    ];
    if let Some(end) = &invoke.end_time {
        lines.push(format!("ended      {end}"));
    }
    if let Some(message) = &invoke.failure_message {
        lines.push(format!("failure    {message}"));
    }
    printer.line(&lines.join("\n"))
}

async fn start(global: &GlobalArgs, args: &StartArgs, printer: &Printer) -> Result<(), CliError> {
    model_id(&args.model)?;
    let text = std::fs::read_to_string(&args.input)
        .map_err(|e| CliError::io(format!("cannot read `{}`", args.input.display()), e))?;
    let body: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::usage(
            format!("`{}` is not JSON: {e}", args.input.display()),
            "pass the model's request body as a JSON file",
        )
    })?;
    // Nova Reel's body is typed: a bad field is refused here, named, before anything is sent.
    let catalog_id = ModelId::new(&args.model).ok();
    if catalog_id.is_some_and(|id| {
        id.base_model_id()
            .is_some_and(|b| b.starts_with(REEL_PREFIX))
    }) {
        NovaReelRequest::from_json(&body)?.validate()?;
    }
    let request = StartAsyncInvokeRequest::new(&args.model, body, &args.output_uri);
    request.validate()?;
    let output = S3Uri::parse("--output-uri", &args.output_uri)?;
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
    if args.create_bucket || session.is_embedded() {
        session.aws.create_bucket(region, &output.bucket).await?;
    }
    let backend = session.connector.backend();
    let arn = spin(
        "starting the invocation",
        backend.start_async_invoke(region, &request),
    )
    .await?;
    if !args.wait {
        if printer.is_json() {
            return printer.json(&json!({ "invocationArn": arn }));
        }
        return printer.line(&arn);
    }
    let invoke = spin("waiting for the invocation", async {
        loop {
            let invoke = backend.get_async_invoke(region, &arn).await?;
            if invoke.status != AsyncInvokeStatus::InProgress {
                return Ok::<_, bedrock_connector::Error>(invoke);
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await?;
    if let (AsyncInvokeStatus::Completed, Some(dir)) = (invoke.status, &args.output_dir) {
        let files = download(&session, &invoke, dir).await?;
        if printer.is_json() {
            let mut value = serde_json::to_value(&invoke).unwrap_or(Value::Null);
            value["files"] = files_json(&files);
            return printer.json(&value);
        }
        print_invoke(&invoke, printer)?;
        return print_files(&files, printer);
    }
    print_invoke(&invoke, printer)?;
    match invoke.status {
        AsyncInvokeStatus::Completed => Ok(()),
        _ => Err(CliError::usage(
            format!(
                "the invocation failed: {}",
                invoke.failure_message.unwrap_or_default()
            ),
            "see `bedrock async status INVOCATION_ARN`",
        )),
    }
}

/// The invocation `arn` (GetAsyncInvoke), with a spinner.
async fn read_invoke(session: &Session, arn: &str) -> Result<AsyncInvoke, CliError> {
    let region = session.connector.region();
    let backend = session.connector.backend();
    Ok(spin(
        "reading the invocation",
        backend.get_async_invoke(region, arn),
    )
    .await?)
}

async fn status(
    global: &GlobalArgs,
    args: &InvocationArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let session = connect(global, printer, false).await?;
    let invoke = read_invoke(&session, &args.invocation).await?;
    print_invoke(&invoke, printer)
}

async fn list(global: &GlobalArgs, args: &ListArgs, printer: &Printer) -> Result<(), CliError> {
    let request = ListAsyncInvokesRequest {
        status_equals: args.status.as_deref().map(str::parse).transpose()?,
        max_results: args.max_results,
        next_token: args.next_token.clone(),
        sort_order: Some(SortOrder::Descending),
        ..Default::default()
    };
    request.validate()?;
    let session = connect(global, printer, false).await?;
    let region = session.connector.region();
    let page = spin(
        "listing invocations",
        session
            .connector
            .backend()
            .list_async_invokes(region, &request),
    )
    .await?;
    if printer.is_json() {
        let list: Vec<Value> = page
            .async_invoke_summaries
            .iter()
            .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
            .collect();
        return printer.json(&json!({ "invocations": list, "nextToken": page.next_token }));
    }
    if page.async_invoke_summaries.is_empty() {
        printer.note("no async invocations");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = page
        .async_invoke_summaries
        .iter()
        .map(|i| {
            vec![
                i.invocation_arn.clone(),
                i.status.as_str().to_owned(),
                i.submit_time.clone(),
            ]
        })
        .collect();
    printer.line(&table(&["INVOCATION", "STATUS", "SUBMITTED"], &rows))?;
    if let Some(token) = page.next_token {
        printer.note(&format!("more: --next-token {token}"));
    }
    Ok(())
}

/// The local path of the object `key` found under `folder`: its key below the folder, each
/// segment kept as a file or directory name. A key whose remainder would leave `dir` (an empty,
/// `.` or `..` segment) is refused.
fn local_path(dir: &Path, folder: &str, key: &str) -> Result<PathBuf, CliError> {
    let relative = key.strip_prefix(folder).unwrap_or(key);
    let mut path = dir.to_path_buf();
    for segment in relative.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains('\\') {
            return Err(CliError::usage(
                format!("the output object `{key}` has no safe local name"),
                "download it with an S3 client",
            ));
        }
        path.push(segment);
    }
    Ok(path)
}

async fn results(
    global: &GlobalArgs,
    args: &ResultsArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let session = connect(global, printer, false).await?;
    let invoke = read_invoke(&session, &args.invocation).await?;
    if invoke.status != AsyncInvokeStatus::Completed {
        return Err(CliError::usage(
            format!(
                "the invocation is {}{}, so it has no output to download",
                invoke.status.as_str(),
                invoke
                    .failure_message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ),
            "wait for it with `bedrock async status INVOCATION_ARN`",
        ));
    }
    let dir = args
        .output_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(invoke.invocation_id()));
    let files = download(&session, &invoke, &dir).await?;
    if printer.is_json() {
        return printer.json(&json!({ "files": files_json(&files) }));
    }
    print_files(&files, printer)
}

/// One downloaded object: its S3 URI, where it was written, its size.
struct Downloaded {
    s3_uri: String,
    path: PathBuf,
    bytes: usize,
}

/// Downloads every object under the invocation's output folder into `dir`.
async fn download(
    session: &Session,
    invoke: &AsyncInvoke,
    dir: &Path,
) -> Result<Vec<Downloaded>, CliError> {
    let region = session.connector.region();
    let folder = invoke.output_folder()?;
    let objects = spin(
        "listing the invocation's output",
        session.aws.list_objects(region, &folder),
    )
    .await?;
    let mut written = Vec::new();
    for object in &objects {
        let path = local_path(dir, &folder.key, &object.key)?;
        let uri = S3Uri {
            bucket: folder.bucket.clone(),
            key: object.key.clone(),
        };
        let body = spin(
            "downloading the output",
            session.aws.get_object(region, &uri),
        )
        .await?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| CliError::io(format!("cannot create `{}`", parent.display()), e))?;
        }
        std::fs::write(&path, &body)
            .map_err(|e| CliError::io(format!("cannot write `{}`", path.display()), e))?;
        written.push(Downloaded {
            s3_uri: uri.to_string(),
            path,
            bytes: body.len(),
        });
    }
    if written.is_empty() {
        return Err(CliError::usage(
            format!("no objects under {folder}"),
            "the invocation completed but wrote nothing there; see `bedrock async status`",
        ));
    }
    Ok(written)
}

fn files_json(files: &[Downloaded]) -> Value {
    files
        .iter()
        .map(|f| {
            json!({
                "s3Uri": f.s3_uri,
                "path": f.path.display().to_string(),
                "bytes": f.bytes,
            })
        })
        .collect()
}

fn print_files(files: &[Downloaded], printer: &Printer) -> Result<(), CliError> {
    for f in files {
        printer.line(&format!("{} ({} bytes)", f.path.display(), f.bytes))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_objects_land_below_the_directory_and_never_outside_it() {
        let dir = Path::new("downloads");
        let folder = "reel/abc123/";
        assert_eq!(
            local_path(dir, folder, "reel/abc123/output.mp4").unwrap(),
            dir.join("output.mp4")
        );
        assert_eq!(
            local_path(dir, folder, "reel/abc123/shots/shot_1.png").unwrap(),
            dir.join("shots").join("shot_1.png")
        );
        for key in [
            "reel/abc123/../../etc/passwd",
            "reel/abc123/./x",
            "reel/abc123/a//b",
            "reel/abc123/",
            "reel/abc123/a\\..\\b",
        ] {
            let message = local_path(dir, folder, key).unwrap_err().message();
            assert!(message.contains("no safe local name"), "{key}: {message}");
        }
    }
}
