//! The command line's shape: global options and one subcommand each, declared with clap's derive.

use std::path::PathBuf;
use std::time::Duration;

use bedrock_backend_aws::DEFAULT_MAX_RESPONSE_BYTES;
use bedrock_connector::{InferenceType, Modality};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::output::DEFAULT_MAX_ERROR_BYTES;

/// Call Amazon Bedrock foundation models, or a local emulator of Bedrock.
///
/// Without AWS credentials configured on this machine, calls go to a built-in emulator that
/// answers like Bedrock does (deterministic text, embeddings and real PNG images).
#[derive(Debug, Parser)]
#[command(
    name = "bedrock",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes; they may appear before or after the command name.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Region to call [default: $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1].
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Profile of the shared AWS config files to take credentials from (implies the AWS
    /// backend).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Send requests to this URL instead of the regional Bedrock endpoints (a VPC endpoint,
    /// or an emulator started with `bedrock emulator`).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Where calls go.
    #[arg(long, global = true, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,

    /// Output format: `text` for people, `json` for scripts (stable shapes, see the README).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// The prompt history file [default: the platform's data directory].
    #[arg(long, global = true, env = "BEDROCK_HISTORY", value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Log more to stderr: -v warnings, -vv info, -vvv debug, -vvvv trace.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Seconds allowed to connect to the endpoint [default: 3.1].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    pub connect_timeout: Option<Duration>,

    /// Seconds allowed between sending a request and the start of its answer [default: no
    /// limit, as a model may take minutes to answer].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    pub read_timeout: Option<Duration>,

    /// The largest response body read; a larger one fails the call.
    #[arg(long, global = true, value_name = "BYTES", value_parser = bytes,
          default_value_t = DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: usize,

    /// The most bytes of an error message printed; the rest is cut, with a note of how much.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = DEFAULT_MAX_ERROR_BYTES)]
    pub max_error_bytes: usize,

    /// Credentials: Roles Anywhere, AssumeRole, Bedrock API keys.
    #[command(flatten)]
    pub credentials: crate::commands::credentials::CredentialArgs,

    /// Send a bare model id that this region serves only through an inference profile through
    /// the best profile for the region (geographic before `global.`), instead of failing with
    /// the profile to use.
    #[arg(long, global = true)]
    pub route_profiles: bool,

    /// Send model ids as given, without checking them against the catalog first (for ids the
    /// catalog does not know yet).
    #[arg(long, global = true)]
    pub no_preflight: bool,
}

/// The longest timeout the options take, in seconds (a day).
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// A timeout option's value: seconds, fractions allowed, in 0.001..=86400.
fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| (0.001..=MAX_TIMEOUT_SECONDS).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("a number of seconds in 0.001..={MAX_TIMEOUT_SECONDS} is allowed"))
}

/// A size option's value: a whole number of bytes, at least 1.
fn bytes(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("a whole number of bytes in 1..={} is allowed", usize::MAX))
}

/// Where calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// AWS when credentials are configured locally or --endpoint-url/--profile is given,
    /// else the built-in emulator.
    Auto,
    /// AWS (or the service at --endpoint-url), with the standard credential chain.
    Aws,
    /// The built-in emulator, started in this process.
    Emulator,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tables and plain text.
    Text,
    /// JSON documents (one per line when streaming).
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List foundation models.
    Models(ModelsArgs),
    /// Show one foundation model's details.
    Model(ModelArgs),
    /// List the inference profiles usable from the region (ListInferenceProfiles).
    Profiles(ProfilesArgs),
    /// Send a raw request body to a model (InvokeModel) and print the response body.
    Invoke(InvokeArgs),
    /// Generate text from a prompt, through the model family's adapter.
    Text(TextArgs),
    /// Embed a text and print the vector.
    Embed(EmbedArgs),
    /// Generate images and write them to files.
    Image(ImageArgs),
    /// Rank documents by their relevance to a query (Cohere Rerank).
    Rerank(crate::commands::rerank::RerankArgs),
    /// Read the prompt history.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Print the JSON Schema of the request body a model takes.
    Schema(ModelArgs),
    /// Run the Bedrock emulator until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Chat with a model (Converse): one answer, or a session with tools, files and history.
    Chat(crate::commands::chat::ChatArgs),
    /// Count the input tokens a prompt would use with a model (CountTokens).
    CountTokens(crate::commands::count_tokens::CountTokensArgs),
    /// Obtain temporary credentials and print them for other tools.
    #[command(subcommand)]
    Credentials(crate::commands::credentials::CredentialsCommand),
    /// Batch inference jobs: prepare an input, submit, follow, list, stop.
    #[command(subcommand)]
    Batch(crate::commands::batch::BatchCommand),
    /// Asynchronous invocations whose output goes to S3 (Nova Reel video).
    #[command(subcommand, name = "async")]
    Async(crate::commands::async_invoke::AsyncCommand),
}

/// `bedrock profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Only profiles that route to this model (a bare id).
    #[arg(long, value_name = "MODEL_ID")]
    pub model: Option<String>,
    /// Only system-defined (cross-region) or only application profiles.
    #[arg(long = "type", value_enum, ignore_case = true, value_name = "TYPE")]
    pub profile_type: Option<ProfileTypeArg>,
}

/// A profile type filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileTypeArg {
    /// Cross-region profiles Bedrock defines (`us.`, `eu.`, `global.` ...).
    SystemDefined,
    /// Profiles the account created.
    Application,
}

/// `bedrock models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Only models of this provider (case-insensitive, e.g. Anthropic, Amazon).
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,
    /// Only models that produce this.
    #[arg(long, value_enum, ignore_case = true, value_name = "MODALITY")]
    pub output_modality: Option<ModalityArg>,
    /// Only models invocable this way.
    #[arg(long, value_enum, ignore_case = true, value_name = "TYPE")]
    pub inference_type: Option<InferenceTypeArg>,
}

/// An output modality filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModalityArg {
    /// Text.
    #[value(name = "TEXT")]
    Text,
    /// Images.
    #[value(name = "IMAGE")]
    Image,
    /// Embedding vectors.
    #[value(name = "EMBEDDING")]
    Embedding,
}

impl From<ModalityArg> for Modality {
    fn from(m: ModalityArg) -> Modality {
        match m {
            ModalityArg::Text => Modality::Text,
            ModalityArg::Image => Modality::Image,
            ModalityArg::Embedding => Modality::Embedding,
        }
    }
}

/// An inference type filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InferenceTypeArg {
    /// Pay per call with the bare model id.
    #[value(name = "ON_DEMAND", alias = "on-demand")]
    OnDemand,
    /// Provisioned throughput.
    #[value(name = "PROVISIONED")]
    Provisioned,
}

impl From<InferenceTypeArg> for InferenceType {
    fn from(t: InferenceTypeArg) -> InferenceType {
        match t {
            InferenceTypeArg::OnDemand => InferenceType::OnDemand,
            InferenceTypeArg::Provisioned => InferenceType::Provisioned,
        }
    }
}

/// A command that takes one model id.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
}

/// `bedrock invoke`.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// The request body: inline JSON, `@FILE` to read a file, or `-` to read stdin.
    #[arg(long, value_name = "JSON|@FILE|-", allow_hyphen_values = true)]
    pub body: String,
    /// Content type of the body.
    #[arg(long, default_value = "application/json", value_name = "TYPE")]
    pub content_type: String,
    /// Content type wanted in the response.
    #[arg(long, default_value = "application/json", value_name = "TYPE")]
    pub accept: String,
    /// Save the prompt to the history and print its id.
    #[arg(long)]
    pub save_prompt: bool,
    /// Stream the response (InvokeModelWithResponseStream): one chunk per line.
    #[arg(long)]
    pub stream: bool,
}

/// `bedrock text`.
#[derive(Debug, Args)]
pub struct TextArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// The prompt.
    pub prompt: String,
    /// A system prompt.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// Most tokens to generate.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_tokens: Option<i64>,
    /// Sampling temperature.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub temperature: Option<f32>,
    /// Nucleus sampling probability.
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    pub top_p: Option<f32>,
    /// Stop generating at this sequence (repeatable).
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop_sequences: Vec<String>,
    /// Print tokens as they arrive.
    #[arg(long)]
    pub stream: bool,
    /// Save the prompt to the history and print its id.
    #[arg(long)]
    pub save_prompt: bool,
}

/// `bedrock embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// The text to embed.
    pub text: String,
    /// Vector length, where the model lets you choose.
    #[arg(long, value_name = "N")]
    pub dimensions: Option<u32>,
    /// Normalise the vector to unit length.
    #[arg(long)]
    pub normalize: bool,
    /// Save the prompt to the history and print its id.
    #[arg(long)]
    pub save_prompt: bool,
}

/// `bedrock image`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// What to draw.
    pub prompt: String,
    /// What to avoid.
    #[arg(long, value_name = "TEXT")]
    pub negative: Option<String>,
    /// Width in pixels.
    #[arg(long, value_name = "W", requires = "height")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[arg(long, value_name = "H", requires = "width")]
    pub height: Option<u32>,
    /// Seed, for reproducible images.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// How many images.
    #[arg(long, value_name = "N")]
    pub count: Option<u32>,
    /// Prompt adherence (classifier-free guidance scale).
    #[arg(long, value_name = "SCALE")]
    pub cfg_scale: Option<f32>,
    /// Where to write: PATH for one image, PATH-1.EXT, PATH-2.EXT, ... for several.
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: PathBuf,
    /// Save the prompt to the history and print its id.
    #[arg(long)]
    pub save_prompt: bool,
}

/// `bedrock history ...`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// List saved prompts, newest first.
    List(HistoryListArgs),
    /// Show one saved prompt with its request and response.
    Show(HistoryShowArgs),
}

/// `bedrock history list`.
#[derive(Debug, Args)]
pub struct HistoryListArgs {
    /// How many prompts to list.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Only the turns of this `bedrock chat` conversation, oldest first.
    #[arg(long, value_name = "ID")]
    pub conversation: Option<String>,
}

/// `bedrock history show`.
#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    /// The prompt's id, as printed by --save-prompt or `history list`.
    pub prompt_id: String,
}

/// `bedrock emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on [default: the config file's `bind`, else 127.0.0.1].
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Port to listen on; 0 picks a free one [default: the config file's, else 0].
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Configuration file (TOML or JSON): credentials, faults, seed, model access.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accept requests without checking their signatures.
    #[arg(long)]
    pub no_auth: bool,
}

/// `bedrock completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        let before = Cli::try_parse_from(["bedrock", "--output", "json", "models"]).unwrap();
        let after = Cli::try_parse_from(["bedrock", "models", "--output", "json"]).unwrap();
        assert_eq!(before.global.output, OutputFormat::Json);
        assert_eq!(after.global.output, OutputFormat::Json);
    }

    #[test]
    fn filters_parse_in_any_case() {
        let cli = Cli::try_parse_from([
            "bedrock",
            "models",
            "--output-modality",
            "embedding",
            "--inference-type",
            "on_demand",
        ])
        .unwrap();
        let Command::Models(args) = cli.command else {
            panic!("parsed as models")
        };
        assert_eq!(args.output_modality, Some(ModalityArg::Embedding));
        assert_eq!(args.inference_type, Some(InferenceTypeArg::OnDemand));
    }

    #[test]
    fn timeouts_and_limits_parse_and_out_of_range_values_name_the_range() {
        let cli = Cli::try_parse_from([
            "bedrock",
            "models",
            "--read-timeout",
            "0.25",
            "--connect-timeout",
            "2",
            "--max-response-bytes",
            "1048576",
            "--max-error-bytes",
            "0",
        ])
        .unwrap();
        let g = &cli.global;
        assert_eq!(g.read_timeout, Some(Duration::from_millis(250)));
        assert_eq!(g.connect_timeout, Some(Duration::from_secs(2)));
        assert_eq!((g.max_response_bytes, g.max_error_bytes), (1_048_576, 0));

        let defaults = Cli::try_parse_from(["bedrock", "models"]).unwrap().global;
        assert_eq!(
            (defaults.read_timeout, defaults.connect_timeout),
            (None, None)
        );
        assert_eq!(defaults.max_response_bytes, 64 * 1024 * 1024);
        assert_eq!(defaults.max_error_bytes, 4096);

        for (option, value) in [
            ("--read-timeout", "0"),
            ("--read-timeout", "-1"),
            ("--read-timeout", "NaN"),
            ("--connect-timeout", "86401"),
            ("--max-response-bytes", "0"),
            ("--max-response-bytes", "1e6"),
        ] {
            let arg = format!("{option}={value}");
            let err = Cli::try_parse_from(["bedrock", "models", arg.as_str()]).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
            let text = err.to_string();
            assert!(
                text.contains(option) && text.contains("is allowed"),
                "{option} {value}: {text}"
            );
        }
    }

    #[test]
    fn width_and_height_come_together() {
        let err = Cli::try_parse_from(["bedrock", "image", "m", "p", "--width", "64", "-o", "x"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
    }
}
