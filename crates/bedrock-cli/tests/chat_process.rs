//! `bedrock chat` against a separate `bedrock emulator` process (piped turns, a tool command),
//! and on a pseudo-terminal (util-linux `script`): line editing, input history, the tool
//! question answered yes and no, `/save`, `/tools`, and Ctrl-D ending the session.

mod support;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{EMBEDDED_NOTICE, EmulatorProcess, HAIKU, TestEnv, at};

#[test]
fn a_separate_emulator_process_answers_piped_turns_and_a_tool_round() {
    let env = TestEnv::with_example_credentials();
    let emulator = EmulatorProcess::start(&env, &[]);
    let input = "Name a river.\nNow use the weather tool.\n";
    let args = at(
        &emulator.url,
        &[
            "--output",
            "json",
            "chat",
            HAIKU,
            "--tool",
            "weather=echo '{\"temp_c\": 18}'",
            "--yes",
        ],
    );
    let out = env.run_with_stdin(&args, Some(input.as_bytes())).ok();
    out.assert_stderr_lacks(EMBEDDED_NOTICE)
        .assert_stderr_contains("tool call: weather {}");
    let doc = out.json();
    let roles: Vec<&str> = doc["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(doc["calls"], 3);
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with(r#"According to the weather tool, the result is {"temp_c":18}."#),
        "{}",
        doc["text"]
    );
    let conversation = doc["conversation_id"].as_str().unwrap();
    let rows = env
        .run(&[
            "--output",
            "json",
            "history",
            "list",
            "--conversation",
            conversation,
        ])
        .ok()
        .json();
    assert_eq!(rows["prompts"].as_array().unwrap().len(), 3);

    // The same conversation through the embedded emulator gives the same answers.
    let embedded_env = TestEnv::new();
    let embedded = embedded_env
        .run_with_stdin(
            &[
                "--output",
                "json",
                "chat",
                HAIKU,
                "--tool",
                "weather=echo '{\"temp_c\": 18}'",
                "--yes",
            ],
            Some(input.as_bytes()),
        )
        .ok()
        .json();
    assert_eq!(embedded["messages"], doc["messages"]);

    let count = env
        .run(&at(
            &emulator.url,
            &[
                "count-tokens",
                "anthropic.claude-3-7-sonnet-20250219-v1:0",
                "Name a river.",
            ],
        ))
        .ok();
    let tokens: u64 = count.stdout.trim().parse().expect("a number");
    assert!(tokens > 0);
}

/// `bedrock ARGS` on a pseudo-terminal: what it shows arrives through a channel, what is typed
/// goes to its stdin.
struct Terminal {
    child: Child,
    input: ChildStdin,
    shown: Receiver<Vec<u8>>,
    seen: String,
}

impl Terminal {
    /// `None` when util-linux `script` is not installed.
    fn start(env: &TestEnv, args: &[&str]) -> Option<Terminal> {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        // `exec`: Ctrl-C must reach `bedrock` alone, not a shell waiting for it.
        let mut line = format!("exec {}", quote(env!("CARGO_BIN_EXE_bedrock")));
        for arg in args {
            line.push(' ');
            line.push_str(&quote(arg));
        }
        let mut child = env
            .command_for("script")
            .args(["-qefc", &line, "/dev/null"])
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut stdout = child.stdout.take()?;
        let input = child.stdin.take()?;
        let (tx, shown) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Some(Terminal {
            child,
            input,
            shown,
            seen: String::new(),
        })
    }

    /// Waits until the screen has shown `needle` since the last wait, and returns what it
    /// showed up to it. The limit only keeps a broken run from hanging the suite.
    #[track_caller]
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(at) = self.seen.find(needle) {
                let upto = self.seen[..at + needle.len()].to_owned();
                self.seen.drain(..at + needle.len());
                return upto;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.shown.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    panic!(
                        "the terminal never showed {needle:?}; it showed:\n{}",
                        self.seen
                    );
                }
            }
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    fn exit_code(mut self) -> i32 {
        drop(self.input);
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}

#[test]
fn an_interactive_session_on_a_terminal() {
    let env = TestEnv::new();
    let save = env.path().join("chat.json");
    let save = save.to_str().unwrap();
    let Some(mut term) = Terminal::start(
        &env,
        &["chat", HAIKU, "--tool", "weather=echo '{\"temp_c\": 9}'"],
    ) else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    term.wait_for("/help lists commands, Ctrl-D ends");
    term.wait_for("> ");
    // Line editing: a typo fixed with backspace (DEL) before Enter.
    term.type_keys("Name a rivr\x7f\x7fver.\r");
    // The echo is the editor's redrawing; the saved conversation shows what was sent.
    term.wait_for("> ");
    // Input history: Up recalls the last line.
    term.type_keys("\x1b[A\r");
    term.wait_for("> ");
    // A tool use asks first; yes runs it.
    term.type_keys("Use the weather tool.\r");
    let asked = term.wait_for("[y/N] ");
    assert!(asked.contains("tool call: weather {}"), "{asked}");
    term.type_keys("y\r");
    let answered = term.wait_for("> ");
    assert!(
        answered.contains(r#"According to the weather tool, the result is {"temp_c":9}."#),
        "{answered}"
    );
    // No declines it, and the model is told.
    term.type_keys("Use the weather tool again.\r");
    term.wait_for("[y/N] ");
    term.type_keys("n\r");
    let declined = term.wait_for("> ");
    assert!(
        declined.contains("Calling the weather tool failed with the error: the user declined"),
        "{declined}"
    );
    term.type_keys("/tools\r");
    let tools = term.wait_for("> ");
    assert!(tools.contains("weather: `echo"), "{tools}");
    term.type_keys(&format!("/save {save}\r"));
    term.wait_for("saved 12 messages to");
    term.wait_for("> ");
    // Ctrl-D ends the session.
    term.type_keys("\x04");
    assert_eq!(term.exit_code(), 0);

    let saved: Value = serde_json::from_slice(&std::fs::read(save).unwrap()).unwrap();
    let messages = saved["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 12);
    assert_eq!(messages[0]["content"], json!([{"text": "Name a river."}]));
    assert_eq!(
        messages[2]["content"],
        json!([{"text": "Name a river."}]),
        "recalled"
    );
    assert_eq!(messages[6]["content"][0]["toolResult"]["status"], "success");
    assert_eq!(messages[10]["content"][0]["toolResult"]["status"], "error");
    assert_eq!(
        saved["toolConfig"]["tools"][0]["toolSpec"]["name"],
        "weather"
    );
}

#[test]
fn ctrl_c_stops_a_reply_and_keeps_the_session() {
    let env = TestEnv::with_example_credentials();
    let config = env.path().join("emulator.toml");
    // The first ConverseStream call waits a minute before answering: Ctrl-C comes long before.
    std::fs::write(
        &config,
        "[[faults]]\noperation = \"converse_stream\"\ntimes = 1\n\
         fault = { type = \"latency\", millis = 60000 }\n",
    )
    .unwrap();
    let emulator = EmulatorProcess::start(&env, &["--config", config.to_str().unwrap()]);
    let save = env.path().join("chat.json");
    let save = save.to_str().unwrap();
    let Some(mut term) = Terminal::start(&env, &at(&emulator.url, &["chat", HAIKU])) else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    term.wait_for("> ");
    term.type_keys("This reply is interrupted.\r");
    // The spinner shows while the call waits.
    term.wait_for("waiting for the model");
    term.type_keys("\x03");
    term.wait_for("interrupted; that turn is not part of the conversation");
    term.wait_for("> ");
    term.type_keys("Name a river.\r");
    term.wait_for("> ");
    term.type_keys(&format!("/save {save}\r"));
    term.wait_for("saved 2 messages to");
    term.wait_for("> ");
    term.type_keys("/exit\r");
    assert_eq!(term.exit_code(), 0, "Ctrl-C did not end the program");

    let saved: Value = serde_json::from_slice(&std::fs::read(save).unwrap()).unwrap();
    assert_eq!(
        saved["messages"][0]["content"],
        json!([{"text": "Name a river."}]),
        "the interrupted turn left nothing behind"
    );
    // Its history row says it was interrupted by the user (failed, not pending and not left for
    // the next process to mark), and the next turn's row is complete.
    let rows = env
        .run(&["--output", "json", "history", "list"])
        .ok()
        .json();
    let statuses: Vec<(&str, Option<&str>)> = rows["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap(), r["error_kind"].as_str()))
        .collect();
    assert!(
        statuses.contains(&("failed", Some("transport"))),
        "{statuses:?}"
    );
    assert!(statuses.contains(&("completed", None)), "{statuses:?}");
    assert!(
        !statuses.iter().any(|(s, _)| *s == "pending"),
        "{statuses:?}"
    );
}
