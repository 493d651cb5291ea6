//! The `cargo xtask` command line: parses the arguments and runs one command.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool reports to its terminal"
)]

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::new_adapter::{self, BedrockDependency, NewAdapter, OutOfTree};
use xtask::{FileStatus, Mode};

const SYNC_USAGE: &str = "catalog sync [--regions R[,R]] [--endpoint-url URL | --from DIR] \
     [--bedrock PATH] [--dry-run]";

const NEW_ADAPTER_USAGE: &str = "new-adapter NAME [--provider PREFIX] [--models PREFIX[,PREFIX]] \
     [--out-of-tree DIR [--bedrock-version VERSION]]";

/// Every command with its usage line, for the help text.
const COMMANDS: &[(&str, &str)] = &[
    (
        "codegen [--check]",
        "regenerate generated files (catalog tables, reference pages, request schemas); \
         --check writes nothing and fails on stale files",
    ),
    (
        SYNC_USAGE,
        "read ListFoundationModels and ListInferenceProfiles for the regions (default: every \
         region of the catalog) from Bedrock (the standard credential chain, through the \
         `bedrock` command line), from --endpoint-url, or from saved responses in \
         DIR/<region>/{foundation-models,inference-profiles}.json; merge them into catalog/*.toml, \
         print the difference, regenerate, and list catalog models no built-in adapter serves; \
         --dry-run prints the difference and writes nothing (docs/catalog.md)",
    ),
    (
        NEW_ADAPTER_USAGE,
        "scaffold crates/bedrock-adapter-NAME serving model ids that start with PREFIX \
         (default `NAME.`) or with any of --models, with its tests; --out-of-tree writes a \
         standalone crate into DIR instead, depending on this checkout by path or, with \
         --bedrock-version, on the published crates",
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(Mode::Write),
        ["codegen", "--check"] => codegen(Mode::Check),
        ["catalog", "sync", rest @ ..] => match parse_sync(rest) {
            Some(args) => sync(&args),
            None => {
                eprintln!(
                    "error: expected `{SYNC_USAGE}`, got `{}`\n\n{}",
                    args.join(" "),
                    usage()
                );
                ExitCode::from(2)
            }
        },
        ["new-adapter", rest @ ..] => match parse_new_adapter(rest) {
            Some(request) => new_adapter(&request),
            None => {
                eprintln!(
                    "error: expected `{NEW_ADAPTER_USAGE}`, got `{}`\n\n{}",
                    args.join(" "),
                    usage()
                );
                ExitCode::from(2)
            }
        },
        [] | ["help" | "--help" | "-h"] => {
            println!("{}", usage());
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "error: unknown arguments `{}`\n\n{}",
                args.join(" "),
                usage()
            );
            ExitCode::from(2)
        }
    }
}

/// Each command's usage line, then what it does, wrapped at 100 columns: a usage line is too long
/// to share its line with the text.
fn usage() -> String {
    let mut text = String::from("usage: cargo xtask <command>\n\ncommands:");
    for (name, about) in COMMANDS {
        text.push_str(&format!("\n  {name}"));
        let mut line = String::new();
        for word in about.split(' ') {
            if !line.is_empty() && line.len() + 1 + word.len() > 94 {
                text.push_str(&format!("\n      {line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        text.push_str(&format!("\n      {line}"));
    }
    text
}

fn codegen(mode: Mode) -> ExitCode {
    match xtask::run_codegen(mode) {
        Ok(outcomes) => {
            for outcome in outcomes {
                let status = match outcome.status {
                    FileStatus::Unchanged => "unchanged",
                    FileStatus::Written => "written",
                };
                println!("{status:>9}  {}", outcome.path);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The arguments of `new-adapter`, unchecked.
#[derive(Debug, Default)]
struct NewAdapterArgs<'a> {
    name: &'a str,
    provider: Option<&'a str>,
    models: Option<&'a str>,
    out_of_tree: Option<&'a str>,
    bedrock_version: Option<&'a str>,
}

/// `NAME` and the options in any order, each as `--option VALUE` or `--option=VALUE`, at most
/// once and never empty; `--bedrock-version` only with `--out-of-tree`.
fn parse_new_adapter<'a>(args: &[&'a str]) -> Option<NewAdapterArgs<'a>> {
    let mut name = None;
    let mut parsed = NewAdapterArgs::default();
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value)),
            _ => (arg, None),
        };
        let slot = match option {
            "--provider" => &mut parsed.provider,
            "--models" => &mut parsed.models,
            "--out-of-tree" => &mut parsed.out_of_tree,
            "--bedrock-version" => &mut parsed.bedrock_version,
            _ if arg.starts_with('-') || name.is_some() => return None,
            _ => {
                name = Some(arg);
                continue;
            }
        };
        let value = match inline {
            Some(value) => value,
            None => rest.next()?,
        };
        if value.is_empty() || slot.replace(value).is_some() {
            return None;
        }
    }
    if parsed.bedrock_version.is_some() && parsed.out_of_tree.is_none() {
        return None;
    }
    parsed.name = name?;
    Some(parsed)
}

fn new_adapter(args: &NewAdapterArgs<'_>) -> ExitCode {
    let root = xtask::workspace_root();
    let models: Vec<&str> = args
        .models
        .map_or_else(Vec::new, |m| m.split(',').collect());
    let adapter = match NewAdapter::with_models(args.name, args.provider, &models) {
        Ok(adapter) => adapter,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let out_of_tree = args.out_of_tree.map(|dir| OutOfTree {
        dir: PathBuf::from(dir),
        bedrock: args.bedrock_version.map_or(BedrockDependency::Path, |v| {
            BedrockDependency::Version(v.to_owned())
        }),
    });
    let result = match &out_of_tree {
        Some(out) => new_adapter::scaffold_out_of_tree(&root, &adapter, out),
        None => new_adapter::scaffold(&root, &adapter),
    };
    let files = match result {
        Ok(files) => files,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let (dir, test) = match &out_of_tree {
        Some(out) => (
            out.dir.display().to_string(),
            format!("cd {} && cargo test", out.dir.display()),
        ),
        None => (
            adapter.crate_dir(),
            format!("cargo test -p {}", adapter.crate_name()),
        ),
    };
    let prefixes: Vec<String> = adapter
        .model_prefixes()
        .iter()
        .map(|p| format!("`{p}`"))
        .collect();
    println!(
        "created {dir} (adapter `{}`, serving model ids that start with {}):",
        adapter.name(),
        prefixes.join(" or ")
    );
    for file in files {
        println!("  {file}");
    }
    println!(
        "\nnext:\n  {test}\n  adapt the request and response types in src/text.rs and the \
         patterns and limits in src/models.rs to the model family's documented format\n  \
         replace the example model id `{model}` in the README and tests with a real id, and \
         review the snapshots\n  docs/writing-an-adapter.md walks through each step",
        model = adapter.example_model_id(),
    );
    ExitCode::SUCCESS
}

/// The arguments of `catalog sync`.
#[derive(Debug, Default)]
struct SyncArgs {
    regions: Option<Vec<String>>,
    endpoint_url: Option<String>,
    from: Option<PathBuf>,
    bedrock: Option<PathBuf>,
    dry_run: bool,
}

fn parse_sync(args: &[&str]) -> Option<SyncArgs> {
    let mut parsed = SyncArgs::default();
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        if arg == "--dry-run" {
            parsed.dry_run = true;
            continue;
        }
        let (option, value) = match arg.split_once('=') {
            Some((o, v)) => (o, v),
            None => (arg, *rest.next()?),
        };
        if value.is_empty() {
            return None;
        }
        match option {
            "--regions" => parsed.regions = Some(value.split(',').map(str::to_owned).collect()),
            "--endpoint-url" => parsed.endpoint_url = Some(value.to_owned()),
            "--from" => parsed.from = Some(PathBuf::from(value)),
            "--bedrock" => parsed.bedrock = Some(PathBuf::from(value)),
            _ => return None,
        }
    }
    if parsed.from.is_some() && (parsed.endpoint_url.is_some() || parsed.bedrock.is_some()) {
        return None;
    }
    Some(parsed)
}

fn sync(args: &SyncArgs) -> ExitCode {
    let root = xtask::workspace_root();
    let source = match &args.from {
        Some(dir) => xtask::sync::Source::Dir(dir.clone()),
        None => xtask::sync::Source::Live {
            endpoint_url: args.endpoint_url.clone(),
            program: args.bedrock.clone(),
            env: Vec::new(),
        },
    };
    let today = xtask::sync::today();
    match xtask::sync::run(&root, &source, args.regions.clone(), &today, !args.dry_run) {
        Ok(outcome) => {
            print!("{}", outcome.summary());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
