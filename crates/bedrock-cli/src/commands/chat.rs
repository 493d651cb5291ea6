//! `bedrock chat`: Converse from the command line. One answer (`chat MODEL "prompt"`), a session
//! with line editing on a terminal, or one turn per line of piped standard input; streamed
//! answers, tools that are shell commands, attached files, and every turn saved in the history
//! under the conversation's id.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use bedrock_connector::converse::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseAccumulator, ConverseCall,
    ConverseRequest, ConverseResponse, ConverseStopReason, ConverseStreamEvent,
    InferenceConfiguration, Message, ReasoningBlock, ReasoningContentDelta, SystemContentBlock,
    TokenUsage, ToolResultContent, ToolUseBlock,
};
use bedrock_connector::{
    Connector, Error, ErrorKind, ModelId, PromptId, PromptOutcome, PromptStatus,
};
use clap::Args;
use futures::StreamExt;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use super::chat_input::{self, PromptArgs, ToolCommand, parse_tool_arg, unit_interval};
use super::chat_tools::{ToolSet, result_block};
use super::model_id;
use crate::cli::GlobalArgs;
use crate::failure::CliError;
use crate::output::{Printer, stderr_is_terminal};
use crate::session::connect;
use crate::spinner::spin;
use crate::terminal::strip_controls;

/// `bedrock chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Model id, inference profile id (`us.…`) or ARN.
    pub model_id: String,
    /// Ask this, print the answer and exit. Without it, a session: line editing on a terminal,
    /// or one turn per line of standard input when it is piped.
    pub prompt: Option<String>,
    /// The system prompt and attached files.
    #[command(flatten)]
    pub input: PromptArgs,
    /// Most tokens to generate per answer.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0..=1.
    #[arg(long, value_name = "T", value_parser = unit_interval, allow_negative_numbers = true)]
    pub temperature: Option<f32>,
    /// Nucleus sampling probability, 0..=1.
    #[arg(long, value_name = "P", value_parser = unit_interval, allow_negative_numbers = true)]
    pub top_p: Option<f32>,
    /// Stop generating at this sequence (repeatable).
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop_sequences: Vec<String>,
    /// Offer a tool that runs `sh -c COMMAND` with the model's JSON input on stdin; its stdout
    /// is the result (repeatable). Each run is shown and asked for first.
    #[arg(long = "tool", value_name = "NAME=COMMAND", value_parser = parse_tool_arg)]
    pub tools: Vec<ToolCommand>,
    /// Tool specifications (JSON: an array of Converse toolSpec objects, or {"tools": [...]})
    /// for the --tool commands; a tool without one takes any JSON object.
    #[arg(long = "tools", value_name = "FILE")]
    pub tool_specs: Option<PathBuf>,
    /// Run tools without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Let the model reason first, with this many tokens at most (Anthropic's `thinking`, for
    /// the models that support it).
    #[arg(long, value_name = "BUDGET", value_parser = clap::value_parser!(u32).range(1024..))]
    pub reasoning: Option<u32>,
    /// Wait for whole answers (Converse) instead of streaming them (ConverseStream).
    #[arg(long)]
    pub no_stream: bool,
    /// Most model calls per turn while the model keeps asking for tools.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_rounds: u32,
    /// Do not save the conversation's turns in the prompt history.
    #[arg(long)]
    pub no_save: bool,
}

/// How the session takes its turns.
enum Mode {
    /// The prompt argument, once.
    Once(String),
    /// A person at a terminal.
    Interactive,
    /// One turn per line of piped standard input.
    Piped,
}

/// `bedrock chat`.
pub async fn run(global: &GlobalArgs, args: &ChatArgs, printer: &Printer) -> Result<(), CliError> {
    let model = model_id(&args.model_id)?;
    // Everything local is checked before an emulator starts or a request leaves.
    let attachments = chat_input::attachments(&args.input.attach)?;
    let specs = match &args.tool_specs {
        Some(path) => chat_input::read_tool_specs(path)?,
        None => Vec::new(),
    };
    let tools = ToolSet::new(&args.tools, specs)?;
    let template = request_template(args, &tools)?;
    check_offline(&template, &attachments)?;

    let stdin_terminal = std::io::stdin().is_terminal();
    let mode = match (&args.prompt, stdin_terminal) {
        (Some(prompt), _) => Mode::Once(prompt.clone()),
        (None, true) => Mode::Interactive,
        (None, false) => Mode::Piped,
    };
    // On a terminal, the line editor reads turns and answers to "run this tool?".
    let editor = if stdin_terminal {
        Some(LineEditor::new()?)
    } else {
        None
    };
    let stream = !args.no_stream && streams(&model);
    let session = connect(global, printer, !args.no_save).await?;
    let mut chat = Chat {
        connector: session.connector.clone(),
        model,
        template,
        messages: Vec::new(),
        attachments,
        tools,
        editor,
        yes: args.yes,
        stream,
        save: !args.no_save,
        max_rounds: args.max_rounds,
        conversation_id: new_conversation_id(),
        printer,
        totals: Totals::default(),
    };
    if chat.save && !printer.is_json() && !matches!(mode, Mode::Interactive) {
        printer.note(&format!("conversation id: {}", chat.conversation_id));
    }
    let result = match mode {
        Mode::Once(prompt) => interruptible(chat.turn(&prompt)).await,
        Mode::Interactive => chat.interactive().await,
        Mode::Piped => interruptible(chat.piped()).await,
    };
    result?;
    if printer.is_json() {
        printer.json(&chat.conversation_json())?;
    }
    Ok(())
}

/// Whether ConverseStream serves the model: the catalog's `responseStreamingSupported`, for the
/// model or the one a profile serves; models the catalog does not know are tried.
fn streams(model: &ModelId) -> bool {
    model
        .base_model_id()
        .and_then(bedrock_connector::catalog::find_model)
        .is_none_or(|m| m.response_streaming)
}

/// Runs `work` until it ends or Ctrl-C arrives (then the run ends with exit code 130).
async fn interruptible<T>(work: impl Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    tokio::select! {
        result = work => result,
        Ok(()) = tokio::signal::ctrl_c() => Err(CliError::Interrupted),
    }
}

/// A fresh conversation id: a random (version 4) UUID.
fn new_conversation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The parts of every request but the messages: system prompt, inference parameters, tools,
/// reasoning.
fn request_template(args: &ChatArgs, tools: &ToolSet) -> Result<ConverseRequest, CliError> {
    let mut template = ConverseRequest::default();
    if let Some(system) = args.input.system.as_deref().filter(|s| !s.is_empty()) {
        template
            .system
            .push(SystemContentBlock::Text(system.to_owned()));
    }
    let inference = InferenceConfiguration {
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        top_p: args.top_p,
        stop_sequences: args.stop_sequences.clone(),
    };
    if inference != InferenceConfiguration::default() {
        template.inference_config = Some(inference);
    }
    template.tool_config = tools.tool_config();
    if let Some(budget) = args.reasoning {
        // Anthropic's rule: the answer's budget includes the reasoning's.
        if let Some(max) = args.max_tokens.filter(|&max| max <= budget) {
            return Err(Error::invalid(
                "--max-tokens",
                max,
                format!("more than the --reasoning budget ({budget}), which it includes"),
            )
            .into());
        }
        template.additional_model_request_fields =
            Some(json!({"thinking": {"type": "enabled", "budget_tokens": budget}}));
    }
    Ok(template)
}

/// Checks the first request's shape locally (tools, parameters, attachments), so that a bad
/// argument fails before the emulator starts or anything is sent.
fn check_offline(template: &ConverseRequest, attachments: &[ContentBlock]) -> Result<(), CliError> {
    let mut first = template.clone();
    first.messages = vec![user_message(attachments, "check")];
    Ok(first.validate()?)
}

/// A user message: the attachments, then the text.
fn user_message(attachments: &[ContentBlock], text: &str) -> Message {
    let mut content = attachments.to_vec();
    content.push(ContentBlock::Text(text.to_owned()));
    Message {
        role: ConversationRole::User,
        content,
    }
}

/// Sums over the conversation, for `--output json`.
#[derive(Default)]
struct Totals {
    usage: TokenUsage,
    calls: u32,
    latency_ms: u64,
    stop_reason: Option<ConverseStopReason>,
    prompt_ids: Vec<String>,
    tool_calls: Vec<Value>,
}

/// A chat session's state.
struct Chat<'a> {
    connector: Connector,
    model: ModelId,
    /// Every request's settings; its messages are unused.
    template: ConverseRequest,
    /// The conversation so far (only whole turns: an interrupted or failed turn leaves none).
    messages: Vec<Message>,
    /// Files that go with the next user turn.
    attachments: Vec<ContentBlock>,
    tools: ToolSet,
    editor: Option<LineEditor>,
    yes: bool,
    stream: bool,
    save: bool,
    max_rounds: u32,
    conversation_id: String,
    printer: &'a Printer,
    totals: Totals,
}

/// What a slash command leaves the session to do.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

/// A line that is a command, not a turn.
#[derive(Debug, PartialEq, Eq)]
enum Slash<'a> {
    System(&'a str),
    Reset,
    Save(&'a str),
    Tools,
    Help,
    Exit,
    Unknown(&'a str),
}

/// The slash command a line holds; `None` for a turn (a line starting `//` is a turn that
/// starts with `/`, the first one dropped).
fn parse_slash(line: &str) -> Option<Slash<'_>> {
    let rest = line.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    let (name, arg) = rest
        .split_once(char::is_whitespace)
        .map_or((rest, ""), |(n, a)| (n, a.trim()));
    Some(match name {
        "system" => Slash::System(arg),
        "reset" => Slash::Reset,
        "save" => Slash::Save(arg),
        "tools" => Slash::Tools,
        "help" | "?" => Slash::Help,
        "exit" | "quit" => Slash::Exit,
        _ => Slash::Unknown(name),
    })
}

/// The text a line sends as a turn (`//x` sends `/x`).
fn turn_text(line: &str) -> &str {
    line.strip_prefix("//")
        .map_or(line, |rest| &line[line.len() - rest.len() - 1..])
}

const HELP: &str = "\
/system TEXT  set the system prompt (no text: none)
/reset        start a new conversation
/save FILE    write the conversation to FILE as Converse JSON
/tools        list the tools offered
/help         this list
/exit         end the session (also Ctrl-D); Ctrl-C stops a reply
//TEXT        send a line that starts with `/`";

impl Chat<'_> {
    /// A session at a terminal: turns read with line editing until Ctrl-D or `/exit`.
    async fn interactive(&mut self) -> Result<(), CliError> {
        let Some(editor) = self.editor.clone() else {
            return Ok(());
        };
        self.printer.note(&format!(
            "chatting with {} (conversation {}); /help lists commands, Ctrl-D ends",
            self.model, self.conversation_id
        ));
        loop {
            let line = match editor.read("> ", true).await? {
                Line::Text(line) => line,
                // Ctrl-C at the prompt drops the line being typed, as shells do.
                Line::Interrupted => continue,
                Line::Eof => return Ok(()),
            };
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(slash) = parse_slash(line) {
                match self.slash(slash) {
                    Ok(Flow::Exit) => return Ok(()),
                    Ok(Flow::Continue) => {}
                    Err(e) => self.printer.error(&e),
                }
                continue;
            }
            let text = turn_text(line).to_owned();
            // Dropping the turn's future stops reading the stream; the turn leaves nothing in
            // the conversation, as it only commits when it is whole.
            let outcome = tokio::select! {
                result = self.turn(&text) => Some(result),
                Ok(()) = tokio::signal::ctrl_c() => None,
            };
            match outcome {
                Some(Ok(())) => {}
                Some(Err(CliError::Interrupted)) | None => {
                    let _ = self.printer.partial("\n");
                    self.close_interrupted_rows().await;
                    self.printer
                        .note("interrupted; that turn is not part of the conversation");
                }
                Some(Err(e)) => self.printer.error(&e),
            }
        }
    }

    /// Completes the history rows the interrupted turn left pending (its call was dropped
    /// before the answer arrived, so no layer completed them), so that the history says what
    /// happened to them.
    async fn close_interrupted_rows(&self) {
        let Some(history) = self.connector.history() else {
            return;
        };
        // A turn makes at most `max_rounds` calls; recent rows are enough to find them.
        let limit = usize::try_from(self.max_rounds)
            .unwrap_or(usize::MAX)
            .saturating_add(8);
        let Ok(rows) = history.list(limit).await else {
            return;
        };
        for row in rows {
            if row.status == PromptStatus::Pending
                && row.prompt.conversation_id.as_deref() == Some(self.conversation_id.as_str())
            {
                let outcome = PromptOutcome::Failed {
                    kind: ErrorKind::Transport,
                    message: "interrupted by the user (Ctrl-C) before the answer was complete"
                        .to_owned(),
                };
                if let Err(e) = history.complete(&row.id, outcome).await {
                    self.printer
                        .note(&format!("history row {} stays pending: {e}", row.id));
                }
            }
        }
    }

    /// One turn per line of standard input; `/` commands work as on a terminal. The first
    /// failure ends the run.
    async fn piped(&mut self) -> Result<(), CliError> {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Some(line) = lines
            .next_line()
            .await
            .map_err(|e| CliError::io("cannot read standard input", e))?
        {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(slash) = parse_slash(line) {
                if let Slash::Unknown(name) = slash {
                    return Err(unknown_command(name));
                }
                if self.slash(slash)? == Flow::Exit {
                    break;
                }
                continue;
            }
            self.turn(turn_text(line)).await?;
        }
        Ok(())
    }

    fn slash(&mut self, command: Slash<'_>) -> Result<Flow, CliError> {
        match command {
            Slash::System(text) => {
                self.template.system.clear();
                if text.is_empty() {
                    self.printer.note("system prompt cleared");
                } else {
                    self.template
                        .system
                        .push(SystemContentBlock::Text(text.to_owned()));
                    self.printer.note("system prompt set");
                }
            }
            Slash::Reset => {
                self.messages.clear();
                self.conversation_id = new_conversation_id();
                self.printer
                    .note(&format!("new conversation {}", self.conversation_id));
            }
            Slash::Save(path) => {
                if path.is_empty() {
                    return Err(CliError::usage(
                        "/save needs a file name",
                        "type /save FILE, e.g. /save chat.json",
                    ));
                }
                let body =
                    serde_json::to_string_pretty(&self.conversation_request()).unwrap_or_default();
                std::fs::write(path, body + "\n").map_err(|e| {
                    CliError::io(format!("cannot write the conversation to `{path}`"), e)
                })?;
                self.printer
                    .note(&format!("saved {} messages to {path}", self.messages.len()));
            }
            Slash::Tools => {
                if self.tools.is_empty() {
                    self.printer
                        .note("no tools offered; start the chat with --tool NAME=COMMAND");
                }
                for tool in self.tools.iter() {
                    let about = tool.spec.description.as_deref().unwrap_or("");
                    self.printer.note(&format!(
                        "{}: `{}` {about}\n  input schema: {}",
                        tool.spec.name,
                        tool.command,
                        tool.spec.input_schema.json()
                    ));
                }
            }
            Slash::Help => self.printer.note(HELP),
            Slash::Exit => return Ok(Flow::Exit),
            Slash::Unknown(name) => return Err(unknown_command(name)),
        }
        Ok(Flow::Continue)
    }

    /// The conversation as a Converse request body (what `/save` writes).
    fn conversation_request(&self) -> ConverseRequest {
        ConverseRequest {
            messages: self.messages.clone(),
            ..self.template.clone()
        }
    }

    /// One user turn: the model's answer, and the tool rounds it asks for, until it ends its
    /// turn. The conversation changes only when the whole turn succeeded.
    async fn turn(&mut self, text: &str) -> Result<(), CliError> {
        let mut messages = self.messages.clone();
        messages.push(user_message(&self.attachments, text));
        let mut totals = Vec::new();
        let mut tool_log = Vec::new();
        for _ in 0..self.max_rounds {
            let call = ConverseCall {
                model_id: self.model.clone(),
                region: self.connector.region(),
                request: ConverseRequest {
                    messages: messages.clone(),
                    ..self.template.clone()
                },
                save_prompt: self.save,
                conversation_id: Some(self.conversation_id.clone()),
            };
            let (response, prompt_id) = if self.stream {
                self.stream_round(call).await?
            } else {
                self.whole_round(call).await?
            };
            totals.push((response.usage, response.metrics.latency_ms, prompt_id));
            messages.push(response.message().clone());
            let tool_uses: Vec<ToolUseBlock> = response.message().tool_uses().cloned().collect();
            if response.stop_reason != ConverseStopReason::ToolUse || tool_uses.is_empty() {
                self.note_stop(response.stop_reason);
                // The turn is whole: commit it.
                self.messages = messages;
                self.attachments.clear();
                for (usage, latency_ms, prompt_id) in totals {
                    self.totals.usage = self.totals.usage + usage;
                    self.totals.calls += 1;
                    self.totals.latency_ms += latency_ms;
                    self.totals.prompt_ids.extend(prompt_id.map(String::from));
                }
                self.totals.stop_reason = Some(response.stop_reason);
                self.totals.tool_calls.extend(tool_log);
                return Ok(());
            }
            let mut results = Vec::with_capacity(tool_uses.len());
            for tool_use in &tool_uses {
                let outcome = self.use_tool(tool_use).await?;
                tool_log.push(json!({
                    "tool_use_id": tool_use.tool_use_id,
                    "name": tool_use.name,
                    "input": tool_use.input,
                    "status": if outcome.is_ok() { "success" } else { "error" },
                }));
                results.push(result_block(&tool_use.tool_use_id, outcome));
            }
            messages.push(Message {
                role: ConversationRole::User,
                content: results,
            });
        }
        Err(Error::ToolRounds {
            rounds: self.max_rounds,
        }
        .into())
    }

    /// One ConverseStream call, its text printed as it arrives.
    async fn stream_round(
        &self,
        call: ConverseCall,
    ) -> Result<(ConverseResponse, Option<PromptId>), CliError> {
        let mut reply = spin(
            "waiting for the model",
            self.connector.send_converse_stream(call),
        )
        .await?;
        let mut accumulator = ConverseAccumulator::new();
        let mut render = Render::new(self.printer);
        while let Some(event) = reply.events.next().await {
            let event = event?;
            accumulator.push(&event)?;
            render.event(&event)?;
        }
        render.finish()?;
        Ok((accumulator.finish()?, reply.prompt_id))
    }

    /// One Converse call, its answer printed whole.
    async fn whole_round(
        &self,
        call: ConverseCall,
    ) -> Result<(ConverseResponse, Option<PromptId>), CliError> {
        let reply = spin("waiting for the model", self.connector.send_converse(call)).await?;
        super::generate::note_history_error(self.printer, reply.history_error.as_deref());
        let mut render = Render::new(self.printer);
        for block in &reply.response.message().content {
            match block {
                ContentBlock::Text(text) => render.text(text)?,
                ContentBlock::ReasoningContent(ReasoningBlock::ReasoningText(r)) => {
                    render.reasoning(&r.text);
                    render.end_block();
                }
                _ => {}
            }
        }
        render.finish()?;
        Ok((reply.response, reply.prompt_id))
    }

    /// Says why an answer stopped, when it is not the end of the model's turn.
    fn note_stop(&self, reason: ConverseStopReason) {
        if reason != ConverseStopReason::EndTurn && !self.printer.is_json() {
            self.printer
                .note(&format!("(the answer stopped: {})", reason.as_str()));
        }
    }

    /// Runs one tool use, after showing it and, unless `--yes`, asking on the terminal. What
    /// comes back is the tool result's content, or the message of an error result.
    async fn use_tool(
        &self,
        tool_use: &ToolUseBlock,
    ) -> Result<Result<ToolResultContent, String>, CliError> {
        let printer = self.printer;
        printer.note(&format!("tool call: {} {}", tool_use.name, tool_use.input));
        let tool = match self.tools.find(&tool_use.name) {
            Ok(tool) => tool,
            Err(why) => {
                printer.note(&format!("not run: {why}"));
                return Ok(Err(why));
            }
        };
        if let Err(why) = tool.check_input(&tool_use.input) {
            printer.note(&format!("not run: {why}"));
            return Ok(Err(why));
        }
        if self.yes {
            printer.note(&format!("running `{}`", tool.command));
        } else if let Some(editor) = &self.editor {
            let question = format!("run `{}`? [y/N] ", tool.command);
            match editor.read(&question, false).await? {
                Line::Text(answer) if is_yes(&answer) => {}
                Line::Text(_) => {
                    return Ok(Err("the user declined to run this tool".to_owned()));
                }
                Line::Interrupted | Line::Eof => return Err(CliError::Interrupted),
            }
        } else {
            printer.note(&format!(
                "not running tool `{}`: there is no terminal to ask on (stdin is not a \
                 terminal); pass --yes to run tools without asking",
                tool_use.name
            ));
            return Ok(Err(
                "the tool was not run: the user could not be asked to approve it (no terminal) \
                 and did not pass --yes"
                    .to_owned(),
            ));
        }
        let outcome = tool.run(tool_use).await;
        match &outcome {
            Ok(_) => printer.note(&format!("tool {} answered", tool_use.name)),
            Err(why) => printer.note(&format!("tool {} failed: {why}", tool_use.name)),
        }
        Ok(outcome)
    }

    /// The conversation for `--output json`.
    fn conversation_json(&self) -> Value {
        let system: Vec<&str> = self
            .template
            .system
            .iter()
            .filter_map(|b| match b {
                SystemContentBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        let text = self.messages.last().map(Message::text);
        json!({
            "conversation_id": self.conversation_id,
            "model_id": self.model.to_string(),
            "system": system,
            "messages": self.messages,
            "text": text,
            "stop_reason": self.totals.stop_reason.map(ConverseStopReason::as_str),
            "usage": self.totals.usage,
            "calls": self.totals.calls,
            "latency_ms": self.totals.latency_ms,
            "tool_calls": self.totals.tool_calls,
            "prompt_ids": self.totals.prompt_ids,
        })
    }
}

fn unknown_command(name: &str) -> CliError {
    CliError::usage(
        format!("unknown chat command `/{name}`"),
        format!("/help lists the commands; start the line with // to send it as text:\n{HELP}"),
    )
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Prints an answer as it arrives: text to stdout, reasoning to stderr; nothing in JSON mode
/// (the whole conversation is printed at the end).
struct Render<'a> {
    printer: &'a Printer,
    /// Stdout has text not yet ended by a line break.
    open_line: bool,
    /// Stderr is in the middle of reasoning text.
    reasoning: bool,
}

impl<'a> Render<'a> {
    fn new(printer: &'a Printer) -> Self {
        Render {
            printer,
            open_line: false,
            reasoning: false,
        }
    }

    fn event(&mut self, event: &ConverseStreamEvent) -> Result<(), CliError> {
        match event {
            ConverseStreamEvent::ContentBlockDelta(delta) => match &delta.delta {
                ContentBlockDelta::Text(text) => self.text(text)?,
                ContentBlockDelta::ReasoningContent(ReasoningContentDelta::Text(text)) => {
                    self.reasoning(text);
                }
                _ => {}
            },
            ConverseStreamEvent::ContentBlockStop(_) => self.end_block(),
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), CliError> {
        if self.printer.is_json() || text.is_empty() {
            return Ok(());
        }
        self.end_block();
        self.printer.partial(text)?;
        self.open_line = !text.ends_with('\n');
        Ok(())
    }

    fn reasoning(&mut self, text: &str) {
        if self.printer.is_json() || text.is_empty() {
            return;
        }
        if !self.reasoning {
            write_stderr("thinking: ");
            self.reasoning = true;
        }
        write_stderr(text);
    }

    fn end_block(&mut self) {
        if self.reasoning {
            write_stderr("\n");
            self.reasoning = false;
        }
    }

    fn finish(&mut self) -> Result<(), CliError> {
        self.end_block();
        if self.open_line {
            self.printer.partial("\n")?;
            self.open_line = false;
        }
        Ok(())
    }
}

/// Writes model text to stderr as it arrives, without control sequences on a terminal.
fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let shown = if stderr_is_terminal() {
        strip_controls(text)
    } else {
        text.into()
    };
    let _ = err.write_all(shown.as_bytes());
    let _ = err.flush();
}

/// A line read at the terminal.
enum Line {
    Text(String),
    /// Ctrl-C.
    Interrupted,
    /// Ctrl-D.
    Eof,
}

/// The terminal's line editor (rustyline: editing keys and the session's input history),
/// shared by the turn prompt and the tool questions.
#[derive(Clone)]
struct LineEditor(Arc<Mutex<DefaultEditor>>);

impl LineEditor {
    fn new() -> Result<Self, CliError> {
        let editor = DefaultEditor::new().map_err(|e| {
            CliError::io("cannot set up line editing on the terminal", readline_io(e))
        })?;
        Ok(LineEditor(Arc::new(Mutex::new(editor))))
    }

    /// Reads one line (on the blocking pool: the editor reads the terminal synchronously);
    /// `remember` adds it to the input history.
    async fn read(&self, prompt: &str, remember: bool) -> Result<Line, CliError> {
        let editor = Arc::clone(&self.0);
        let prompt = prompt.to_owned();
        let read = tokio::task::spawn_blocking(move || {
            let mut editor = editor.lock().unwrap_or_else(PoisonError::into_inner);
            let line = editor.readline(&prompt);
            if let Ok(line) = &line
                && remember
                && !line.trim().is_empty()
            {
                let _ = editor.add_history_entry(line.as_str());
            }
            line
        })
        .await
        .map_err(|e| CliError::io("the terminal reader stopped", std::io::Error::other(e)))?;
        match read {
            Ok(line) => Ok(Line::Text(line)),
            Err(ReadlineError::Interrupted) => Ok(Line::Interrupted),
            Err(ReadlineError::Eof) => Ok(Line::Eof),
            Err(e) => Err(CliError::io("cannot read the terminal", readline_io(e))),
        }
    }
}

fn readline_io(e: ReadlineError) -> std::io::Error {
    match e {
        ReadlineError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn chat_args(args: &[&str]) -> ChatArgs {
        let mut all = vec!["bedrock", "chat"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all).unwrap().command {
            Command::Chat(args) => args,
            other => panic!("parsed as chat: {other:?}"),
        }
    }

    fn parse_error(args: &[&str]) -> String {
        let mut all = vec!["bedrock", "chat"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap_err().to_string()
    }

    #[test]
    fn arguments_parse_with_their_ranges() {
        let args = chat_args(&[
            "m",
            "hello",
            "--system",
            "be brief",
            "--max-tokens",
            "4096",
            "--temperature",
            "0.2",
            "--tool",
            "weather=cat",
            "--tool",
            "clock=date",
            "--tools",
            "t.json",
            "--yes",
            "--reasoning",
            "2048",
            "--no-stream",
            "--max-rounds",
            "3",
            "--attach",
            "a.png",
            "--attach",
            "b.pdf",
        ]);
        assert_eq!(args.prompt.as_deref(), Some("hello"));
        assert_eq!(args.input.system.as_deref(), Some("be brief"));
        assert_eq!(args.input.attach.len(), 2);
        assert_eq!(args.tools.len(), 2);
        assert_eq!(args.tools[1].command, "date");
        assert_eq!(args.tool_specs, Some(PathBuf::from("t.json")));
        assert!(args.yes && args.no_stream && !args.no_save);
        assert_eq!((args.reasoning, args.max_rounds), (Some(2048), 3));

        let defaults = chat_args(&["m"]);
        assert_eq!(defaults.prompt, None);
        assert_eq!(defaults.max_rounds, 8);
        assert!(!defaults.yes && !defaults.no_stream);

        for (args, says) in [
            (&["m", "--max-tokens", "0"][..], "--max-tokens"),
            (&["m", "--temperature", "1.5"], "0..=1"),
            (&["m", "--temperature", "-1"], "0..=1"),
            (&["m", "--reasoning", "100"], "1024"),
            (&["m", "--max-rounds", "0"], "--max-rounds"),
            (&["m", "--tool", "weather"], "NAME=COMMAND"),
        ] {
            let error = parse_error(args);
            assert!(error.contains(says), "{args:?}: {error}");
        }
    }

    #[test]
    fn the_template_carries_settings_tools_and_reasoning() {
        let args = chat_args(&[
            "m",
            "--system",
            "be brief",
            "--max-tokens",
            "5000",
            "--top-p",
            "0.9",
            "--stop",
            "END",
            "--reasoning",
            "2048",
            "--tool",
            "weather=cat",
        ]);
        let tools = ToolSet::new(&args.tools, vec![]).unwrap();
        let template = request_template(&args, &tools).unwrap();
        let body = serde_json::to_value(&template).unwrap();
        assert_eq!(body["system"], json!([{"text": "be brief"}]));
        assert_eq!(
            body["inferenceConfig"],
            json!({"maxTokens": 5000, "topP": 0.9f32, "stopSequences": ["END"]})
        );
        assert_eq!(
            body["additionalModelRequestFields"],
            json!({"thinking": {"type": "enabled", "budget_tokens": 2048}})
        );
        assert_eq!(
            body["toolConfig"]["tools"][0]["toolSpec"]["name"],
            "weather"
        );
        assert!(check_offline(&template, &[]).is_ok());

        let plain = chat_args(&["m"]);
        let body =
            serde_json::to_value(request_template(&plain, &ToolSet::default()).unwrap()).unwrap();
        assert_eq!(body, json!({"messages": []}), "nothing set, nothing sent");

        let tight = chat_args(&["m", "--reasoning", "2048", "--max-tokens", "2048"]);
        let err = request_template(&tight, &ToolSet::default()).unwrap_err();
        assert_eq!(err.field(), Some("--max-tokens"));
        assert!(
            err.message().contains("--reasoning budget (2048)"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn slash_commands_are_recognised_and_double_slashes_are_text() {
        assert_eq!(
            parse_slash("/system be  brief "),
            Some(Slash::System("be  brief"))
        );
        assert_eq!(parse_slash("/system"), Some(Slash::System("")));
        assert_eq!(parse_slash("/reset"), Some(Slash::Reset));
        assert_eq!(
            parse_slash("/save chat.json"),
            Some(Slash::Save("chat.json"))
        );
        assert_eq!(parse_slash("/save"), Some(Slash::Save("")));
        assert_eq!(parse_slash("/tools"), Some(Slash::Tools));
        assert_eq!(parse_slash("/help"), Some(Slash::Help));
        assert_eq!(parse_slash("/exit"), Some(Slash::Exit));
        assert_eq!(parse_slash("/quit"), Some(Slash::Exit));
        assert_eq!(
            parse_slash("/frobnicate x"),
            Some(Slash::Unknown("frobnicate"))
        );
        assert_eq!(parse_slash("hello /reset"), None);
        assert_eq!(parse_slash("//reset is a word"), None);
        assert_eq!(turn_text("//reset is a word"), "/reset is a word");
        assert_eq!(turn_text("plain"), "plain");
        assert!(is_yes(" Y ") && is_yes("yes") && !is_yes("") && !is_yes("no"));
        let err = unknown_command("frobnicate");
        assert_eq!(err.exit_code(), 2);
        assert!(err.message().contains("/frobnicate"));
    }

    #[test]
    fn conversation_ids_are_uuids() {
        let a = new_conversation_id();
        let b = new_conversation_id();
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[test]
    fn user_messages_put_attachments_before_the_text() {
        let image = ContentBlock::Image(bedrock_connector::converse::ImageBlock {
            format: bedrock_connector::converse::ConverseImageFormat::Png,
            source: bedrock_connector::converse::MediaSource::Bytes(vec![1]),
        });
        let message = user_message(std::slice::from_ref(&image), "what is this?");
        assert_eq!(message.role, ConversationRole::User);
        assert_eq!(message.content.len(), 2);
        assert_eq!(message.content[0], image);
        assert_eq!(message.text(), "what is this?");
    }
}
