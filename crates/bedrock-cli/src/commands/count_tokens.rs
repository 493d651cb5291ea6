//! `bedrock count-tokens`: how many input tokens a prompt (with its system prompt and attached
//! files) would use with a model, from Bedrock's CountTokens; nothing is generated.

use bedrock_connector::converse::{ConverseRequest, SystemContentBlock};
use clap::Args;
use serde_json::json;

use super::chat_input::{self, PromptArgs};
use super::model_id;
use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::Printer;
use crate::session::connect;
use crate::spinner::spin;

/// `bedrock count-tokens`.
#[derive(Debug, Args)]
pub struct CountTokensArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// The prompt.
    pub prompt: String,
    /// The system prompt and attached files.
    #[command(flatten)]
    pub input: PromptArgs,
}

/// `bedrock count-tokens`.
pub async fn run(
    global: &GlobalArgs,
    args: &CountTokensArgs,
    printer: &Printer,
) -> Result<(), CliError> {
    let id = model_id(&args.model_id)?;
    let mut content = chat_input::attachments(&args.input.attach)?;
    content.push(bedrock_connector::converse::ContentBlock::Text(
        args.prompt.clone(),
    ));
    let mut request = ConverseRequest::from_messages(vec![bedrock_connector::converse::Message {
        role: bedrock_connector::converse::ConversationRole::User,
        content,
    }]);
    if let Some(system) = args.input.system.as_deref().filter(|s| !s.is_empty()) {
        request
            .system
            .push(SystemContentBlock::Text(system.to_owned()));
    }
    // The shape is checked before the emulator starts or anything is sent.
    request.validate()?;
    let session = connect(global, printer, false).await?;
    let tokens = spin(
        "counting tokens",
        session.connector.count_tokens(&id, &request),
    )
    .await?;
    if printer.is_json() {
        return printer.json(&json!({
            "model_id": args.model_id,
            "input_tokens": tokens,
        }));
    }
    printer.line(&tokens.to_string())
}
