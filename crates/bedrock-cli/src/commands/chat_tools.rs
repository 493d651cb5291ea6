//! `bedrock chat --tool NAME=COMMAND`: tools that are shell commands. The model's JSON input is
//! checked against the tool's input schema, then piped to `sh -c COMMAND` on stdin; what the
//! command prints on stdout is the result (a JSON object as JSON, anything else as text), and a
//! non-zero exit is an error result carrying stderr.

use std::process::Stdio;

use bedrock_connector::Error;
use bedrock_connector::converse::tools::ToolInputValidator;
use bedrock_connector::converse::{
    ContentBlock, ToolConfiguration, ToolEntry, ToolInputSchema, ToolResultBlock,
    ToolResultContent, ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::chat_input::ToolCommand;
use crate::failure::CliError;

/// The most bytes of a tool command's stdout taken as its result; more fails the tool use.
pub const MAX_TOOL_OUTPUT_BYTES: usize = 1024 * 1024;
/// The most bytes of a failing command's stderr sent back to the model.
const MAX_TOOL_STDERR_BYTES: usize = 16 * 1024;

/// One offered tool: its specification, the command that runs it and its compiled schema.
pub struct CommandTool {
    /// What the model is shown.
    pub spec: ToolSpecification,
    /// What runs it (`sh -c COMMAND`).
    pub command: String,
    validator: ToolInputValidator,
}

impl std::fmt::Debug for CommandTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandTool")
            .field("name", &self.spec.name)
            .field("command", &self.command)
            .finish_non_exhaustive()
    }
}

/// The tools of a chat, in the order of their `--tool` arguments.
#[derive(Default)]
pub struct ToolSet {
    tools: Vec<CommandTool>,
}

impl ToolSet {
    /// The tools of `--tool NAME=COMMAND`, each with its specification from `--tools` when the
    /// file has one (else an input schema of `{"type": "object"}`). A specification without a
    /// command, or a name given twice, is an error naming it.
    pub fn new(commands: &[ToolCommand], specs: Vec<ToolSpecification>) -> Result<Self, CliError> {
        if let Some(spec) = specs
            .iter()
            .find(|s| !commands.iter().any(|c| c.name == s.name))
        {
            return Err(CliError::usage(
                format!("--tools: tool `{}` has no command to run it", spec.name),
                format!(
                    "pass --tool '{}=COMMAND' (the command gets the tool's JSON input on stdin), \
                     or remove the tool from the file",
                    spec.name
                ),
            ));
        }
        let mut tools: Vec<CommandTool> = Vec::with_capacity(commands.len());
        for command in commands {
            if tools.iter().any(|t| t.spec.name == command.name) {
                return Err(
                    Error::invalid("--tool", &command.name, "a name no other --tool has").into(),
                );
            }
            let spec = specs
                .iter()
                .find(|s| s.name == command.name)
                .cloned()
                .unwrap_or_else(|| ToolSpecification {
                    name: command.name.clone(),
                    description: None,
                    input_schema: ToolInputSchema::Json(json!({"type": "object"})),
                });
            let validator = ToolInputValidator::new(spec.input_schema.json()).map_err(|e| {
                Error::invalid(
                    format!("--tools: tool `{}` inputSchema", spec.name),
                    e,
                    "a valid JSON schema",
                )
            })?;
            tools.push(CommandTool {
                spec,
                command: command.command.clone(),
                validator,
            });
        }
        Ok(ToolSet { tools })
    }

    /// Whether no tool is offered.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// The tools.
    pub fn iter(&self) -> impl Iterator<Item = &CommandTool> {
        self.tools.iter()
    }

    /// The tool configuration offering every tool (the model chooses), or `None` without tools.
    pub fn tool_config(&self) -> Option<ToolConfiguration> {
        (!self.is_empty()).then(|| ToolConfiguration {
            tools: self
                .tools
                .iter()
                .map(|t| ToolEntry::ToolSpec(t.spec.clone()))
                .collect(),
            tool_choice: None,
        })
    }

    /// The tool a tool use asks for, or the error result's message when there is none.
    pub fn find(&self, name: &str) -> Result<&CommandTool, String> {
        self.tools
            .iter()
            .find(|t| t.spec.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.tools.iter().map(|t| t.spec.name.as_str()).collect();
                format!(
                    "there is no tool named `{name}`; tools: {}",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                )
            })
    }
}

impl CommandTool {
    /// Checks a tool use's input against the tool's schema: the command runs only on valid
    /// input.
    pub fn check_input(&self, input: &Value) -> Result<(), String> {
        self.validator.check(input)
    }

    /// Runs the command with the tool use's input on stdin (see the module's doc).
    pub async fn run(&self, tool_use: &ToolUseBlock) -> Result<ToolResultContent, String> {
        run_command(&self.command, tool_use).await
    }
}

/// A tool result block for `outcome`.
pub fn result_block(tool_use_id: &str, outcome: Result<ToolResultContent, String>) -> ContentBlock {
    let (content, status) = match outcome {
        Ok(content) => (content, ToolResultStatus::Success),
        Err(message) => (ToolResultContent::Text(message), ToolResultStatus::Error),
    };
    ContentBlock::ToolResult(ToolResultBlock {
        tool_use_id: tool_use_id.to_owned(),
        content: vec![content],
        status: Some(status),
    })
}

/// Runs `sh -c COMMAND` with the input as JSON on stdin and `BEDROCK_TOOL_NAME` and
/// `BEDROCK_TOOL_USE_ID` in its environment. The child is killed if the chat stops waiting
/// (Ctrl-C).
async fn run_command(command: &str, tool_use: &ToolUseBlock) -> Result<ToolResultContent, String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("BEDROCK_TOOL_NAME", &tool_use.name)
        .env("BEDROCK_TOOL_USE_ID", &tool_use.tool_use_id)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("the tool's command could not be started: {e}"))?;
    let input = tool_use.input.to_string();
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let write = async move {
        if let Some(mut stdin) = stdin {
            // A command that does not read its input closes the pipe early; that is its right.
            let _ = stdin.write_all(input.as_bytes()).await;
            let _ = stdin.shutdown().await;
        }
    };
    let (_, out, err) = tokio::join!(
        write,
        read_capped(stdout, MAX_TOOL_OUTPUT_BYTES),
        read_capped(stderr, MAX_TOOL_STDERR_BYTES)
    );
    let (out, out_cut) = out.map_err(|e| format!("cannot read the tool's output: {e}"))?;
    if out_cut {
        let _ = child.kill().await;
        return Err(format!(
            "the tool's output is larger than {MAX_TOOL_OUTPUT_BYTES} bytes"
        ));
    }
    let (err, err_cut) = err.unwrap_or_default();
    let status = child
        .wait()
        .await
        .map_err(|e| format!("cannot wait for the tool's command: {e}"))?;
    if !status.success() {
        let mut stderr = String::from_utf8_lossy(&err).trim().to_owned();
        if err_cut {
            stderr.push_str(" [stderr cut]");
        }
        let how = status.code().map_or_else(
            || "was killed by a signal".to_owned(),
            |c| format!("exited with status {c}"),
        );
        return Err(if stderr.is_empty() {
            format!("the tool's command {how}")
        } else {
            format!("the tool's command {how}: {stderr}")
        });
    }
    Ok(output_content(&out))
}

/// A command's stdout as a result: a JSON object as JSON, anything else as text.
fn output_content(stdout: &[u8]) -> ToolResultContent {
    if let Ok(value @ Value::Object(_)) = serde_json::from_slice::<Value>(stdout) {
        return ToolResultContent::Json(value);
    }
    let text = String::from_utf8_lossy(stdout).trim_end().to_owned();
    if text.is_empty() {
        // Converse refuses empty text blocks; say what happened instead.
        ToolResultContent::Text("(the tool printed nothing)".to_owned())
    } else {
        ToolResultContent::Text(text)
    }
}

/// Reads at most `limit` bytes; the flag says whether there was more.
async fn read_capped(
    reader: Option<impl AsyncRead + Unpin>,
    limit: usize,
) -> std::io::Result<(Vec<u8>, bool)> {
    let Some(reader) = reader else {
        return Ok((Vec::new(), false));
    };
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .await?;
    let cut = bytes.len() > limit;
    bytes.truncate(limit);
    Ok((bytes, cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::chat_input::parse_tool_specs;

    fn command(name: &str, command: &str) -> ToolCommand {
        ToolCommand {
            name: name.into(),
            command: command.into(),
        }
    }

    fn tool_use(name: &str, input: Value) -> ToolUseBlock {
        ToolUseBlock {
            tool_use_id: "tooluse_1".into(),
            name: name.into(),
            input,
        }
    }

    fn weather_spec() -> Vec<ToolSpecification> {
        parse_tool_specs(
            &json!([{"name": "weather", "inputSchema": {"json": {"type": "object",
                "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])
            .to_string(),
            "t.json",
        )
        .unwrap()
    }

    #[test]
    fn specs_come_from_the_file_or_default_to_an_object_schema() {
        let tools = ToolSet::new(
            &[command("weather", "cat"), command("clock", "date")],
            weather_spec(),
        )
        .unwrap();
        let config = tools.tool_config().unwrap();
        let specs: Vec<&ToolSpecification> = config.specs().collect();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].input_schema.json()["required"], json!(["city"]));
        assert_eq!(specs[1].input_schema.json(), &json!({"type": "object"}));
        assert!(ToolSet::new(&[], vec![]).unwrap().tool_config().is_none());

        let weather = tools.find("weather").unwrap();
        assert!(weather.check_input(&json!({"city": "Paris"})).is_ok());
        let why = weather.check_input(&json!({"town": "Paris"})).unwrap_err();
        assert!(
            why.contains("does not match the tool's schema") && why.contains("city"),
            "{why}"
        );
        assert!(
            tools
                .find("nope")
                .unwrap_err()
                .contains("tools: weather, clock")
        );
    }

    #[test]
    fn a_spec_without_a_command_or_a_name_twice_is_refused() {
        let err = ToolSet::new(&[], weather_spec()).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message().contains("tool `weather` has no command"),
            "{}",
            err.message()
        );
        assert!(err.hint().unwrap().contains("--tool 'weather=COMMAND'"));
        let err = ToolSet::new(&[command("a", "x"), command("a", "y")], vec![])
            .err()
            .unwrap();
        assert_eq!(err.field(), Some("--tool"));
        let bad_schema = parse_tool_specs(
            r#"[{"name": "w", "inputSchema": {"json": {"type": 12}}}]"#,
            "t.json",
        )
        .unwrap();
        let err = ToolSet::new(&[command("w", "cat")], bad_schema)
            .err()
            .unwrap();
        assert!(err.message().contains("inputSchema"), "{}", err.message());
    }

    #[tokio::test]
    async fn the_command_gets_the_input_on_stdin_and_its_stdout_is_the_result() {
        let input = json!({"city": "Paris", "note": "quote ' and \" and $HOME"});
        let echoed = run_command("cat", &tool_use("weather", input.clone())).await;
        assert_eq!(echoed, Ok(ToolResultContent::Json(input)));

        let text = run_command("printf 'sunny\\n'", &tool_use("w", json!({}))).await;
        assert_eq!(text, Ok(ToolResultContent::Text("sunny".into())));
        let env = run_command(
            "printf '%s' \"$BEDROCK_TOOL_NAME/$BEDROCK_TOOL_USE_ID\"",
            &tool_use("w", json!({})),
        )
        .await;
        assert_eq!(env, Ok(ToolResultContent::Text("w/tooluse_1".into())));
        let array = run_command("echo '[1,2]'", &tool_use("w", json!({}))).await;
        assert_eq!(
            array,
            Ok(ToolResultContent::Text("[1,2]".into())),
            "only objects are JSON"
        );
        let silent = run_command("true", &tool_use("w", json!({}))).await;
        assert_eq!(
            silent,
            Ok(ToolResultContent::Text("(the tool printed nothing)".into()))
        );
    }

    #[tokio::test]
    async fn a_failing_or_chatty_command_is_an_error_result() {
        let failed = run_command(
            "echo out; echo 'no such city' >&2; exit 3",
            &tool_use("w", json!({})),
        )
        .await
        .unwrap_err();
        assert_eq!(
            failed,
            "the tool's command exited with status 3: no such city"
        );
        let quiet = run_command("exit 1", &tool_use("w", json!({})))
            .await
            .unwrap_err();
        assert_eq!(quiet, "the tool's command exited with status 1");
        let big = format!("head -c {} /dev/zero", MAX_TOOL_OUTPUT_BYTES + 10);
        let err = run_command(&big, &tool_use("w", json!({})))
            .await
            .unwrap_err();
        assert!(err.contains("larger than 1048576 bytes"), "{err}");

        let block = result_block("t1", Err("boom".into()));
        assert_eq!(
            serde_json::to_value(&block).unwrap(),
            json!({"toolResult": {"toolUseId": "t1", "content": [{"text": "boom"}], "status": "error"}})
        );
    }
}
