//! Typed tools: a Rust type with a JSON schema is a tool's input; the connector checks the
//! model's input against that schema before the tool runs, runs a round's tool uses
//! concurrently, sends the results back, and repeats until the model ends its turn.
//!
//! ```
//! use bedrock_core::converse::tools::{Tool, Toolbox};
//! use bedrock_core::BoxError;
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Add {
//!     a: i64,
//!     b: i64,
//! }
//!
//! struct Adder;
//!
//! #[async_trait::async_trait]
//! impl Tool for Adder {
//!     type Input = Add;
//!     type Output = i64;
//!     fn name(&self) -> &str {
//!         "add"
//!     }
//!     fn description(&self) -> &str {
//!         "Adds two integers."
//!     }
//!     async fn call(&self, input: Add) -> Result<i64, BoxError> {
//!         input.a.checked_add(input.b).ok_or_else(|| "overflow".into())
//!     }
//! }
//!
//! let toolbox = Toolbox::new().with(Adder).unwrap();
//! assert_eq!(toolbox.specs()[0].name, "add");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use futures::channel::mpsc;
use futures::{SinkExt as _, Stream, StreamExt as _};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::types::*;
use super::{ConverseAccumulator, ConverseCall};
use crate::connector::Connector;
use crate::error::{BoxError, Error, Result};

/// A tool the model may call, written as a typed async Rust function.
///
/// The input type's JSON schema (from `schemars`) is what the model is shown; the model's input
/// is checked against it and deserialised before [`Tool::call`] runs, so `call` only ever sees
/// valid input. An error from `call` goes back to the model as a tool result with status
/// `error` and the error's message.
#[async_trait::async_trait]
pub trait Tool: Send + Sync + 'static {
    /// What the tool takes.
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// What the tool answers; an object is sent as JSON, a string as text, anything else as JSON
    /// under `{"result": ...}`.
    type Output: Serialize + Send + 'static;

    /// The tool's name (`[a-zA-Z0-9_-]{1,64}`), unique in its toolbox.
    fn name(&self) -> &str;

    /// What the tool does, for the model.
    fn description(&self) -> &str;

    /// Runs the tool.
    async fn call(&self, input: Self::Input) -> std::result::Result<Self::Output, BoxError>;
}

/// A tool with its types erased, as the toolbox keeps it.
#[async_trait::async_trait]
trait ErasedTool: Send + Sync {
    async fn call_json(&self, input: Value) -> std::result::Result<Value, String>;
}

struct Erased<T>(T);

#[async_trait::async_trait]
impl<T: Tool> ErasedTool for Erased<T> {
    async fn call_json(&self, input: Value) -> std::result::Result<Value, String> {
        let input: T::Input = serde_json::from_value(input)
            .map_err(|e| format!("the input does not match the tool's input type: {e}"))?;
        let output = self.0.call(input).await.map_err(|e| e.to_string())?;
        serde_json::to_value(output).map_err(|e| format!("the tool's output is not JSON: {e}"))
    }
}

/// A tool's input schema, compiled once: checks the inputs a model gives before the tool runs.
/// The toolbox uses it for typed tools; anything that runs tools of its own (the CLI's
/// shell-command tools) uses it too, so every tool input is judged and explained the same way.
pub struct ToolInputValidator {
    validator: jsonschema::Validator,
}

impl fmt::Debug for ToolInputValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolInputValidator").finish_non_exhaustive()
    }
}

impl ToolInputValidator {
    /// Compiles `schema`; the error is `jsonschema`'s description of what is wrong with it.
    pub fn new(schema: &Value) -> std::result::Result<Self, String> {
        jsonschema::validator_for(schema)
            .map(|validator| ToolInputValidator { validator })
            .map_err(|e| e.to_string())
    }

    /// `Ok` for an input the schema accepts; else a message for the model naming at most five
    /// problems, each with its JSON pointer.
    pub fn check(&self, input: &Value) -> std::result::Result<(), String> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(input)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_owned() } else { at };
                format!("{at}: {e}")
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the input does not match the tool's schema: {}",
                problems.join("; ")
            ))
        }
    }
}

struct Entry {
    spec: ToolSpecification,
    validator: ToolInputValidator,
    tool: Box<dyn ErasedTool>,
}

/// The tools offered in a conversation, each with its compiled input schema.
#[derive(Clone, Default)]
pub struct Toolbox {
    entries: BTreeMap<String, Arc<Entry>>,
    order: Vec<String>,
}

impl fmt::Debug for Toolbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Toolbox")
            .field("tools", &self.order)
            .finish()
    }
}

impl Toolbox {
    /// An empty toolbox.
    pub fn new() -> Self {
        Toolbox::default()
    }

    /// Adds a tool. Fails when its name is malformed or already taken, or its input type's
    /// schema is not an object schema.
    pub fn with<T: Tool>(mut self, tool: T) -> Result<Self> {
        self.add(tool)?;
        Ok(self)
    }

    /// Adds a tool (see [`Toolbox::with`]).
    pub fn add<T: Tool>(&mut self, tool: T) -> Result<()> {
        let name = tool.name().to_owned();
        let schema = crate::adapter::request_schema::<T::Input>().to_value();
        let spec = ToolSpecification {
            name: name.clone(),
            description: Some(tool.description().to_owned()).filter(|d| !d.is_empty()),
            input_schema: ToolInputSchema::Json(schema.clone()),
        };
        // The request check names what is wrong with the spec (name, schema type).
        ConverseRequest::new("check")
            .with_tool(spec.clone())
            .validate()
            .map_err(|e| match e {
                Error::InvalidInput(mut f) => {
                    f.field = f.field.replace("toolConfig.tools[0].toolSpec", "tool");
                    Error::InvalidInput(f)
                }
                other => other,
            })?;
        if self.entries.contains_key(&name) {
            return Err(Error::invalid(
                "tool.name",
                &name,
                "a name no other tool in the toolbox has",
            ));
        }
        let validator = ToolInputValidator::new(&schema).map_err(|e| {
            Error::invalid(
                "tool.inputSchema",
                e,
                "a valid JSON schema (from the input type's JsonSchema)",
            )
        })?;
        self.entries.insert(
            name.clone(),
            Arc::new(Entry {
                spec,
                validator,
                tool: Box::new(Erased(tool)),
            }),
        );
        self.order.push(name);
        Ok(())
    }

    /// The tools' specifications, in the order they were added.
    pub fn specs(&self) -> Vec<ToolSpecification> {
        self.order
            .iter()
            .filter_map(|n| self.entries.get(n))
            .map(|e| e.spec.clone())
            .collect()
    }

    /// Whether the toolbox has no tools.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tool configuration offering every tool, with `choice` (auto when `None`).
    pub fn tool_config(&self, choice: Option<ToolChoice>) -> ToolConfiguration {
        ToolConfiguration {
            tools: self.specs().into_iter().map(ToolEntry::ToolSpec).collect(),
            tool_choice: choice,
        }
    }

    /// Runs one tool use: unknown tool, input that fails the schema, and a failing tool all
    /// become an error outcome with a message for the model; the tool runs only on valid input.
    pub async fn run(&self, tool_use: &ToolUseBlock) -> ToolCallRecord {
        let outcome = match self.entries.get(&tool_use.name) {
            None => Err(format!(
                "there is no tool named `{}`; tools: {}",
                tool_use.name,
                self.order.join(", ")
            )),
            Some(entry) => match entry.validator.check(&tool_use.input) {
                Ok(()) => entry.tool.call_json(tool_use.input.clone()).await,
                Err(problems) => Err(problems),
            },
        };
        ToolCallRecord {
            tool_use_id: tool_use.tool_use_id.clone(),
            name: tool_use.name.clone(),
            input: tool_use.input.clone(),
            outcome,
        }
    }

    /// Runs a message's tool uses concurrently; results in the order of the uses.
    pub async fn run_all(&self, message: &Message) -> Vec<ToolCallRecord> {
        futures::future::join_all(message.tool_uses().map(|t| self.run(t))).await
    }
}

/// One tool use and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCallRecord {
    /// The tool use's id.
    pub tool_use_id: String,
    /// The tool asked for.
    pub name: String,
    /// The input the model gave.
    pub input: Value,
    /// The tool's output, or why there is none (unknown tool, input failing the schema, the
    /// tool's own error).
    pub outcome: std::result::Result<Value, String>,
}

impl ToolCallRecord {
    /// The tool result block sent back to the model.
    pub fn result_block(&self) -> ContentBlock {
        let (content, status) = match &self.outcome {
            Ok(Value::Object(o)) => (
                ToolResultContent::Json(Value::Object(o.clone())),
                ToolResultStatus::Success,
            ),
            Ok(Value::String(s)) => (
                ToolResultContent::Text(s.clone()),
                ToolResultStatus::Success,
            ),
            Ok(other) => (
                ToolResultContent::Json(serde_json::json!({ "result": other })),
                ToolResultStatus::Success,
            ),
            Err(message) => (
                ToolResultContent::Text(message.clone()),
                ToolResultStatus::Error,
            ),
        };
        ContentBlock::ToolResult(ToolResultBlock {
            tool_use_id: self.tool_use_id.clone(),
            content: vec![content],
            status: Some(status),
        })
    }
}

/// Limits of a tool conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolLoopOptions {
    /// Most model calls before giving up with [`Error::ToolRounds`]; at least 1.
    pub max_rounds: u32,
}

impl Default for ToolLoopOptions {
    fn default() -> Self {
        ToolLoopOptions { max_rounds: 8 }
    }
}

/// A finished tool conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolConversation {
    /// Every message, the caller's first, the model's final answer last.
    pub messages: Vec<Message>,
    /// The last response (its stop reason is not `tool_use`).
    pub response: ConverseResponse,
    /// Token usage summed over every round.
    pub usage: TokenUsage,
    /// Model calls made.
    pub rounds: u32,
    /// Every tool use, in order.
    pub tool_calls: Vec<ToolCallRecord>,
}

impl ToolConversation {
    /// The final answer's text.
    pub fn text(&self) -> String {
        self.response.text()
    }
}

/// What a streamed tool conversation yields, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolLoopEvent {
    /// An event of the current model call (text deltas among them).
    Model(ConverseStreamEvent),
    /// A tool is about to run with this input.
    ToolCall(ToolUseBlock),
    /// A tool finished (or was refused its input).
    ToolResult(ToolCallRecord),
    /// The conversation is over.
    Done(Box<ToolConversation>),
}

fn prepare(
    mut call: ConverseCall,
    toolbox: &Toolbox,
    options: ToolLoopOptions,
) -> Result<ConverseCall> {
    if options.max_rounds == 0 {
        return Err(Error::invalid("max_rounds", 0, "at least 1"));
    }
    if toolbox.is_empty() {
        return Err(Error::invalid("toolbox", "no tools", "at least one tool"));
    }
    let choice = call
        .request
        .tool_config
        .as_ref()
        .and_then(|c| c.tool_choice.clone());
    call.request.tool_config = Some(toolbox.tool_config(choice));
    call.request.validate()?;
    Ok(call)
}

/// After a round that asked for tools, later rounds let the model choose: a forced choice
/// (`any`, a named tool) would make it call tools forever.
fn relax_choice(call: &mut ConverseCall) {
    if let Some(config) = call.request.tool_config.as_mut()
        && config.tool_choice.is_some()
    {
        config.tool_choice = Some(ToolChoice::Auto {});
    }
}

fn append_round(call: &mut ConverseCall, response: &ConverseResponse, records: &[ToolCallRecord]) {
    call.request.push(response.message().clone());
    call.request.push(Message {
        role: ConversationRole::User,
        content: records.iter().map(ToolCallRecord::result_block).collect(),
    });
}

impl Connector {
    /// Runs a conversation with tools: calls the model, runs the tool uses it asks for
    /// (concurrently, each input checked against its tool's schema first), sends the results
    /// back, and repeats until the model ends its turn. The toolbox's tools replace any in the
    /// request; a forced tool choice applies to the first round only.
    ///
    /// Fails with [`Error::ToolRounds`] when the model still asks for tools after
    /// `options.max_rounds` calls; a failing tool never fails the conversation (the model is
    /// told).
    pub async fn converse_with_tools(
        &self,
        call: ConverseCall,
        toolbox: &Toolbox,
        options: ToolLoopOptions,
    ) -> Result<ToolConversation> {
        let mut call = prepare(call, toolbox, options)?;
        let mut usage = TokenUsage::default();
        let mut tool_calls = Vec::new();
        for round in 1..=options.max_rounds {
            let reply = self.send_converse(call.clone()).await?;
            usage = usage + reply.response.usage;
            if reply.response.stop_reason != ConverseStopReason::ToolUse {
                let mut messages = call.request.messages;
                messages.push(reply.response.message().clone());
                return Ok(ToolConversation {
                    messages,
                    response: reply.response,
                    usage,
                    rounds: round,
                    tool_calls,
                });
            }
            let records = toolbox.run_all(reply.response.message()).await;
            append_round(&mut call, &reply.response, &records);
            relax_choice(&mut call);
            tool_calls.extend(records);
        }
        Err(Error::ToolRounds {
            rounds: options.max_rounds,
        })
    }

    /// [`Connector::converse_with_tools`] over ConverseStream: yields each round's events as
    /// they arrive, each tool call before it runs and its result after, then
    /// [`ToolLoopEvent::Done`]. A failure is the last item.
    pub fn converse_stream_with_tools(
        &self,
        call: ConverseCall,
        toolbox: Toolbox,
        options: ToolLoopOptions,
    ) -> impl Stream<Item = Result<ToolLoopEvent>> + Send + 'static {
        // A small channel: the driver waits while the caller is slow, so memory stays bounded.
        let (mut tx, rx) = mpsc::channel::<Result<ToolLoopEvent>>(16);
        let connector = self.clone();
        let driver = async move {
            let outcome = drive_stream(&connector, call, &toolbox, options, &mut tx).await;
            if let Err(e) = outcome {
                // The receiver may be gone; nothing left to tell then.
                let _ = tx.send(Err(e)).await;
            }
        };
        let driver = futures::stream::once(driver).filter_map(|()| async { None });
        futures::stream::select(rx, driver)
    }
}

async fn drive_stream(
    connector: &Connector,
    call: ConverseCall,
    toolbox: &Toolbox,
    options: ToolLoopOptions,
    tx: &mut mpsc::Sender<Result<ToolLoopEvent>>,
) -> Result<()> {
    let closed = |_| Error::transport("the tool conversation's receiver was dropped", None);
    let mut call = prepare(call, toolbox, options)?;
    let mut usage = TokenUsage::default();
    let mut tool_calls = Vec::new();
    for round in 1..=options.max_rounds {
        let mut reply = connector.send_converse_stream(call.clone()).await?;
        let mut acc = ConverseAccumulator::new();
        while let Some(event) = reply.events.next().await {
            let event = event?;
            acc.push(&event)?;
            tx.send(Ok(ToolLoopEvent::Model(event)))
                .await
                .map_err(closed)?;
        }
        let response = acc.finish()?;
        usage = usage + response.usage;
        if response.stop_reason != ConverseStopReason::ToolUse {
            let mut messages = call.request.messages;
            messages.push(response.message().clone());
            let done = ToolConversation {
                messages,
                response,
                usage,
                rounds: round,
                tool_calls,
            };
            tx.send(Ok(ToolLoopEvent::Done(Box::new(done))))
                .await
                .map_err(closed)?;
            return Ok(());
        }
        for tool_use in response.message().tool_uses() {
            tx.send(Ok(ToolLoopEvent::ToolCall(tool_use.clone())))
                .await
                .map_err(closed)?;
        }
        let records = toolbox.run_all(response.message()).await;
        for record in &records {
            tx.send(Ok(ToolLoopEvent::ToolResult(record.clone())))
                .await
                .map_err(closed)?;
        }
        append_round(&mut call, &response, &records);
        relax_choice(&mut call);
        tool_calls.extend(records);
    }
    Err(Error::ToolRounds {
        rounds: options.max_rounds,
    })
}
