//! The commands: `run` dispatches to one module per command group and stops on Ctrl-C.

pub mod async_invoke;
pub mod batch;
pub mod chat;
mod chat_input;
mod chat_tools;
pub mod count_tokens;
pub mod credentials;
mod emulator;
mod generate;
mod history;
mod invoke;
mod models;
mod profiles;
pub mod rerank;
mod schema;

use bedrock_connector::{
    Error, InvokeOptions, ModelId, ModelInput, PreparedCall, default_registry,
};
use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::failure::CliError;
use crate::output::Printer;

/// Runs the parsed command line.
pub async fn run(cli: Cli, printer: &Printer) -> Result<(), CliError> {
    let Cli { global, command } = cli;
    match command {
        // The emulator handles Ctrl-C itself: it is how it is meant to stop.
        Command::Emulator(args) => emulator::run(&global, &args, printer).await,
        // A chat session takes Ctrl-C as "stop this reply", not "end the program".
        Command::Chat(args) => chat::run(&global, &args, printer).await,
        Command::Completions(args) => {
            let mut command = Cli::command();
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut command, "bedrock", &mut out);
            printer.raw(&out)
        }
        command => {
            let work = async {
                match command {
                    Command::Models(args) => models::list(&global, &args, printer).await,
                    Command::Model(args) => models::show(&global, &args, printer).await,
                    Command::Profiles(args) => profiles::list(&global, &args, printer).await,
                    Command::Invoke(args) => invoke::run(&global, &args, printer).await,
                    Command::Text(args) => generate::text(&global, &args, printer).await,
                    Command::Embed(args) => generate::embed(&global, &args, printer).await,
                    Command::Image(args) => generate::image(&global, &args, printer).await,
                    Command::Rerank(args) => rerank::run(&global, &args, printer).await,
                    Command::History(args) => history::run(&global, &args, printer).await,
                    Command::Schema(args) => schema::run(&args, printer),
                    Command::CountTokens(args) => count_tokens::run(&global, &args, printer).await,
                    Command::Credentials(args) => credentials::run(&global, &args, printer).await,
                    Command::Batch(args) => batch::run(&global, &args, printer).await,
                    Command::Async(args) => async_invoke::run(&global, &args, printer).await,
                    Command::Emulator(_) | Command::Completions(_) | Command::Chat(_) => Ok(()),
                }
            };
            // Ctrl-C drops the call where it stands; a prompt it saved stays pending until the
            // history is next opened, which marks it interrupted (this process has ended by
            // then). If the handler cannot be installed, the branch is disabled, not taken.
            tokio::select! {
                result = work => result,
                Ok(()) = tokio::signal::ctrl_c() => Err(CliError::Interrupted),
            }
        }
    }
}

/// Parses a model id argument; a malformed one is a validation error (nothing is sent).
fn model_id(text: &str) -> Result<ModelId, CliError> {
    Ok(ModelId::new(text).map_err(Error::from)?)
}

/// Prepares a typed call offline, before any emulator starts or request is sent: an adapter
/// must serve the model, support the operation, and accept the input (its fields in range).
/// The prepared call is what is later sent, so its body is built once.
fn prepare_offline(
    id: &ModelId,
    input: &ModelInput,
    options: InvokeOptions,
) -> Result<PreparedCall, CliError> {
    Ok(default_registry().prepare(id, input, options)?)
}
