//! The `cargo xtask` command line: parses the arguments and runs one command.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool reports to its terminal"
)]

use std::process::ExitCode;

use xtask::{FileStatus, Mode};

/// Every command with its usage line, for the help text.
const COMMANDS: &[(&str, &str)] = &[(
    "codegen [--check]",
    "regenerate files from catalog/; --check writes nothing and fails on stale files",
)];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(Mode::Write),
        ["codegen", "--check"] => codegen(Mode::Check),
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
