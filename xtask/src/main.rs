//! The `cargo xtask` command line: parses the arguments and runs one command.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool reports to its terminal"
)]

use std::process::ExitCode;

use xtask::new_adapter::{self, NewAdapter};
use xtask::{FileStatus, Mode};

/// Every command with its usage line, for the help text.
const COMMANDS: &[(&str, &str)] = &[
    (
        "codegen [--check]",
        "regenerate generated files (catalog tables, reference pages, request schemas); \
         --check writes nothing and fails on stale files",
    ),
    (
        "new-adapter NAME [--provider PREFIX]",
        "scaffold crates/bedrock-adapter-NAME serving model ids that start with PREFIX \
         (default `NAME.`), with its conformance test",
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(Mode::Write),
        ["codegen", "--check"] => codegen(Mode::Check),
        ["new-adapter", rest @ ..] => match parse_new_adapter(rest) {
            Some((name, provider)) => new_adapter(name, provider),
            None => {
                eprintln!(
                    "error: expected `new-adapter NAME [--provider PREFIX]`, got `{}`\n\n{}",
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

fn usage() -> String {
    let width = COMMANDS
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::from("usage: cargo xtask <command>\n\ncommands:");
    for (name, about) in COMMANDS {
        text.push_str(&format!("\n  {name:<width$}  {about}"));
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

/// `NAME`, `NAME --provider PREFIX`, `--provider PREFIX NAME` or `--provider=PREFIX`.
fn parse_new_adapter<'a>(args: &[&'a str]) -> Option<(&'a str, Option<&'a str>)> {
    let mut name = None;
    let mut provider = None;
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        if arg == "--provider" {
            provider = Some(*rest.next()?);
        } else if let Some(value) = arg.strip_prefix("--provider=") {
            provider = Some(value);
        } else if arg.starts_with('-') || name.is_some() {
            return None;
        } else {
            name = Some(arg);
        }
        if provider.is_some_and(|p: &str| p.is_empty()) {
            return None;
        }
    }
    Some((name?, provider))
}

fn new_adapter(name: &str, provider: Option<&str>) -> ExitCode {
    let root = xtask::workspace_root();
    let result = NewAdapter::new(name, provider)
        .and_then(|adapter| new_adapter::scaffold(&root, &adapter).map(|files| (adapter, files)));
    match result {
        Ok((adapter, files)) => {
            println!(
                "created {} (adapter `{}`, serving model ids that start with `{}`):",
                adapter.crate_dir(),
                adapter.name(),
                adapter.provider()
            );
            for file in files {
                println!("  {file}");
            }
            println!(
                "\nnext:\n  cargo test -p {crate_name}\n  adapt the request and response types in \
                 src/text.rs and the patterns and limits in src/models.rs to the model family's \
                 documented format\n  replace the example model id `{model}` in the README and \
                 tests with a real id, and review the snapshots\n  docs/writing-an-adapter.md \
                 walks through each step",
                crate_name = adapter.crate_name(),
                model = adapter.example_model_id(),
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
