//! `bedrock chat` against the embedded emulator, driven with piped standard input: one answer,
//! turns per line, slash commands, tools that are shell commands (run with --yes, refused
//! without a terminal), attached files, reasoning, Bedrock's errors for unsupported features,
//! and the turns saved in the history under the conversation's id.

mod support;

use serde_json::{Value, json};
use support::{EMBEDDED_NOTICE, HAIKU, TestEnv, assert_keys};

/// A model with extended thinking, reached through its inference profile.
const SONNET_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
/// A model whose Converse takes no tools.
const TITAN_TEXT: &str = "amazon.titan-text-express-v1";

/// The conversation's messages of a `--output json` run.
fn messages(doc: &Value) -> &Vec<Value> {
    doc["messages"].as_array().expect("messages")
}

/// The role of each message, in order.
fn roles(doc: &Value) -> Vec<&str> {
    messages(doc)
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect()
}

/// The first block of `kind` (`text`, `toolUse`, ...) in a message.
fn block<'a>(message: &'a Value, kind: &str) -> &'a Value {
    message["content"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|b| b.get(kind))
        .unwrap_or_else(|| panic!("a {kind} block in {message}"))
}

#[test]
fn one_prompt_is_answered_once_streamed_or_whole_with_the_same_text() {
    let env = TestEnv::new();
    let streamed = env.run(&["chat", HAIKU, "Name three rivers."]).ok();
    streamed
        .assert_stderr_starts_with(EMBEDDED_NOTICE)
        .assert_stderr_lacks("error");
    let text = streamed.stdout.trim_end();
    assert!(text.split_whitespace().count() > 3, "an answer: {text:?}");
    assert!(streamed.stdout.ends_with('\n'));

    let whole = env
        .run(&["chat", HAIKU, "Name three rivers.", "--no-stream"])
        .ok();
    assert_eq!(
        whole.stdout, streamed.stdout,
        "the same deterministic answer"
    );

    let short = env
        .run(&["chat", HAIKU, "Name three rivers.", "--max-tokens", "3"])
        .ok();
    assert_eq!(
        short.stdout.split_whitespace().count(),
        3,
        "{}",
        short.stdout
    );
    short.assert_stderr_contains("(the answer stopped: max_tokens)");
}

#[test]
fn json_output_is_the_conversation_with_usage_and_history_ids() {
    let env = TestEnv::new();
    let doc = env
        .run(&[
            "--output",
            "json",
            "chat",
            HAIKU,
            "hi",
            "--system",
            "Answer briefly.",
        ])
        .ok()
        .json();
    assert_keys(
        &doc,
        &[
            "conversation_id",
            "model_id",
            "system",
            "messages",
            "text",
            "stop_reason",
            "usage",
            "calls",
            "latency_ms",
            "tool_calls",
            "prompt_ids",
        ],
    );
    assert_eq!(doc["model_id"], HAIKU);
    assert_eq!(doc["system"], json!(["Answer briefly."]));
    assert_eq!(roles(&doc), ["user", "assistant"]);
    assert_eq!(messages(&doc)[0]["content"], json!([{"text": "hi"}]));
    let answer = block(&messages(&doc)[1], "text").as_str().unwrap();
    assert_eq!(doc["text"], answer);
    assert_eq!(doc["stop_reason"], "end_turn");
    assert_eq!(doc["calls"], 1);
    let usage = &doc["usage"];
    assert!(usage["inputTokens"].as_u64().unwrap() > 0, "{usage}");
    assert!(usage["outputTokens"].as_u64().unwrap() > 0, "{usage}");
    assert_eq!(
        usage["totalTokens"].as_u64(),
        Some(usage["inputTokens"].as_u64().unwrap() + usage["outputTokens"].as_u64().unwrap())
    );
    assert_eq!(doc["prompt_ids"].as_array().unwrap().len(), 1);
    assert_eq!(doc["tool_calls"], json!([]));
}

#[test]
fn piped_lines_are_turns_saved_under_one_conversation_id() {
    let env = TestEnv::new();
    let save = env.path().join("saved.json");
    let input = format!(
        "Name a river.\n\n  And another one?  \n/save {}\n",
        save.display()
    );
    let out = env
        .run_with_stdin(&["--output", "json", "chat", HAIKU], Some(input.as_bytes()))
        .ok();
    out.assert_stderr_contains("saved 4 messages to");
    let doc = out.json();
    assert_eq!(roles(&doc), ["user", "assistant", "user", "assistant"]);
    assert_eq!(block(&messages(&doc)[2], "text"), "And another one?");
    assert_eq!(doc["calls"], 2);

    // /save wrote the conversation as a Converse request body.
    let saved: Value = serde_json::from_slice(&std::fs::read(&save).unwrap()).unwrap();
    assert_eq!(saved["messages"], doc["messages"]);

    // Each turn is a history row with the conversation's id, tokens and latency.
    let conversation = doc["conversation_id"].as_str().unwrap();
    let listed = env
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
    let rows = listed["prompts"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{listed}");
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let saved_ids: Vec<&str> = doc["prompt_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids, saved_ids, "oldest first, the turns' rows");
    for row in rows {
        assert_eq!(row["conversation_id"], conversation);
        assert_eq!(row["status"], "completed");
        assert_eq!(row["model_id"], HAIKU);
        assert_eq!(row["stream"], true);
        assert!(row["input_tokens"].as_u64().unwrap() > 0, "{row}");
        assert!(row["output_tokens"].as_u64().unwrap() > 0, "{row}");
        assert!(row["latency_ms"].is_u64(), "{row}");
    }
    // The second turn's request holds the whole conversation so far.
    let shown = env
        .run(&["--output", "json", "history", "show", ids[1]])
        .ok()
        .json();
    let sent = &shown["prompt"]["request"]["body"];
    assert_eq!(sent["messages"].as_array().unwrap().len(), 3, "{sent}");
    assert_eq!(
        shown["prompt"]["response"]["body"]["stopReason"],
        "end_turn"
    );

    let text = env.run(&["history", "show", ids[0]]).ok();
    text.assert_stdout_contains(&format!("conversation: {conversation}"));
    let table = env
        .run(&["history", "list", "--conversation", conversation])
        .ok();
    assert_eq!(table.stdout.lines().count(), 3, "{}", table.stdout);
    let none = env
        .run(&["history", "list", "--conversation", "no-such-conversation"])
        .ok();
    assert!(none.stdout.is_empty());
    none.assert_stderr_contains("no saved turns of conversation `no-such-conversation`");
}

#[test]
fn slash_commands_set_the_system_prompt_reset_and_reject_unknown_ones() {
    let env = TestEnv::new();
    let input = "/system Be terse.\nfirst question\n/reset\n//second question\n/tools\n/help\n/exit\nnever sent\n";
    let out = env
        .run_with_stdin(&["--output", "json", "chat", HAIKU], Some(input.as_bytes()))
        .ok();
    out.assert_stderr_contains("system prompt set")
        .assert_stderr_contains("new conversation ")
        .assert_stderr_contains("no tools offered")
        .assert_stderr_contains("/save FILE");
    let doc = out.json();
    assert_eq!(doc["system"], json!(["Be terse."]));
    assert_eq!(
        roles(&doc),
        ["user", "assistant"],
        "only the turn after /reset"
    );
    assert_eq!(block(&messages(&doc)[0], "text"), "/second question");
    assert_eq!(doc["calls"], 2, "both turns were calls");

    // The reset conversation and the new one are apart in the history.
    let conversation = doc["conversation_id"].as_str().unwrap();
    let listed = env
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
    assert_eq!(listed["prompts"].as_array().unwrap().len(), 1);
    let all = env
        .run(&["--output", "json", "history", "list"])
        .ok()
        .json();
    let rows = all["prompts"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0]["conversation_id"], rows[1]["conversation_id"]);

    let bad = env
        .run_with_stdin(&["chat", HAIKU], Some(b"/frobnicate\nhello\n"))
        .expect_code(2);
    bad.assert_stderr_contains("error (usage): unknown chat command `/frobnicate`");
    assert!(
        bad.stdout.is_empty(),
        "nothing after the bad line: {}",
        bad.stdout
    );
}

#[test]
fn no_save_keeps_the_history_empty() {
    let env = TestEnv::new();
    env.run(&["chat", HAIKU, "hi", "--no-save"]).ok();
    let listed = env
        .run(&["--output", "json", "history", "list"])
        .ok()
        .json();
    assert_eq!(listed["prompts"], json!([]));
}

#[test]
fn a_tool_command_runs_with_yes_in_a_two_round_exchange() {
    let env = TestEnv::new();
    let out = env
        .run(&[
            "--output",
            "json",
            "chat",
            HAIKU,
            "What is the weather in Paris? Use the weather tool.",
            "--tool",
            r#"weather=cat >/dev/null; echo '{"temp_c": 21, "sky": "clear"}'"#,
            "--yes",
        ])
        .ok();
    out.assert_stderr_contains("tool call: weather {}")
        .assert_stderr_contains("running `cat >/dev/null;")
        .assert_stderr_contains("tool weather answered");
    let doc = out.json();
    assert_eq!(roles(&doc), ["user", "assistant", "user", "assistant"]);
    let tool_use = block(&messages(&doc)[1], "toolUse");
    assert_eq!(tool_use["name"], "weather");
    let result = block(&messages(&doc)[2], "toolResult");
    assert_eq!(result["toolUseId"], tool_use["toolUseId"]);
    assert_eq!(result["status"], "success");
    assert_eq!(
        result["content"],
        json!([{"json": {"temp_c": 21, "sky": "clear"}}])
    );
    let answer = doc["text"].as_str().unwrap();
    // The SDK keeps JSON documents in maps of its own, so the key order is not kept.
    let result_text = answer
        .strip_prefix("According to the weather tool, the result is ")
        .and_then(|rest| rest.split_once("}.").map(|(json, _)| format!("{json}}}")))
        .unwrap_or_else(|| panic!("the model used the result: {answer}"));
    let reported: Value = serde_json::from_str(&result_text).unwrap();
    assert_eq!(reported, json!({"temp_c": 21, "sky": "clear"}));
    assert_eq!(doc["calls"], 2);
    assert_eq!(doc["tool_calls"][0]["status"], "success");
    assert_eq!(
        doc["prompt_ids"].as_array().unwrap().len(),
        2,
        "a row per call"
    );

    // In text mode the answer streams to stdout, the tool's story to stderr.
    let text = env
        .run(&[
            "chat",
            HAIKU,
            "Use the weather tool.",
            "--tool",
            "weather=echo sunny",
            "--yes",
        ])
        .ok();
    text.assert_stdout_contains("I will use weather to answer.\n")
        .assert_stdout_contains("According to the weather tool, the result is sunny.");
}

#[test]
fn the_tool_gets_the_model_input_that_its_spec_describes() {
    let env = TestEnv::new();
    let specs = env.path().join("tools.json");
    std::fs::write(
        &specs,
        json!({"tools": [{"toolSpec": {
            "name": "weather",
            "description": "Current weather of a city",
            "inputSchema": {"json": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["C", "F"]}
                },
                "required": ["city", "unit"]
            }}
        }}]})
        .to_string(),
    )
    .unwrap();
    let doc = env
        .run(&[
            "--output",
            "json",
            "chat",
            HAIKU,
            "Use the weather tool.",
            "--tools",
            specs.to_str().unwrap(),
            "--tool",
            "weather=cat",
            "-y",
        ])
        .ok()
        .json();
    let input = &block(&messages(&doc)[1], "toolUse")["input"];
    assert!(input["city"].is_string(), "{input}");
    assert!(
        ["C", "F"].contains(&input["unit"].as_str().unwrap()),
        "{input}"
    );
    // `cat` echoed the input back as the result.
    let result = block(&messages(&doc)[2], "toolResult");
    assert_eq!(result["content"][0]["json"], *input);

    // A spec without a command is refused before anything starts.
    let out = env
        .run(&["chat", HAIKU, "hi", "--tools", specs.to_str().unwrap()])
        .expect_code(2);
    out.assert_stderr_starts_with("error (usage): --tools: tool `weather` has no command")
        .assert_stderr_lacks(EMBEDDED_NOTICE);
}

#[test]
fn without_yes_and_without_a_terminal_the_tool_is_refused_and_the_model_told() {
    let env = TestEnv::new();
    let marker = env.path().join("ran");
    let command = format!("weather=touch {}", marker.display());
    let out = env
        .run(&[
            "--output",
            "json",
            "chat",
            HAIKU,
            "Use the weather tool.",
            "--tool",
            &command,
        ])
        .ok();
    out.assert_stderr_contains(
        "not running tool `weather`: there is no terminal to ask on (stdin is not a terminal); \
         pass --yes to run tools without asking",
    );
    assert!(!marker.exists(), "the command did not run");
    let doc = out.json();
    let result = block(&messages(&doc)[2], "toolResult");
    assert_eq!(result["status"], "error");
    let why = result["content"][0]["text"].as_str().unwrap();
    assert!(why.contains("did not pass --yes"), "{why}");
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with("Calling the weather tool failed with the error: the tool was not run"),
        "{}",
        doc["text"]
    );
    assert_eq!(doc["tool_calls"][0]["status"], "error");
}

#[test]
fn a_failing_tool_command_is_an_error_result_with_its_stderr() {
    let env = TestEnv::new();
    let doc = env
        .run(&[
            "--output",
            "json",
            "chat",
            HAIKU,
            "Use the weather tool.",
            "--tool",
            "weather=echo 'no such city' >&2; exit 3",
            "--yes",
        ])
        .ok()
        .json();
    let result = block(&messages(&doc)[2], "toolResult");
    assert_eq!(result["status"], "error");
    assert_eq!(
        result["content"],
        json!([{"text": "the tool's command exited with status 3: no such city"}])
    );
}

#[test]
fn the_round_limit_stops_a_model_that_keeps_asking_for_tools() {
    let env = TestEnv::new();
    // One round is the model asking; the answer needs a second.
    let out = env
        .run(&[
            "chat",
            HAIKU,
            "Use the weather tool.",
            "--tool",
            "weather=echo sunny",
            "--yes",
            "--max-rounds",
            "1",
        ])
        .expect_code(1);
    out.assert_stderr_contains("error (tool_rounds)");
}

/// A small real PNG.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    bytes
}

#[test]
fn attached_images_and_documents_go_with_the_first_turn() {
    let env = TestEnv::new();
    let image = env.path().join("chart.png");
    std::fs::write(&image, png(8, 4)).unwrap();
    let notes = env.path().join("meeting notes.md");
    std::fs::write(&notes, "# Notes\n\nShip on Friday.\n").unwrap();
    let doc = env
        .run_with_stdin(
            &[
                "--output",
                "json",
                "chat",
                HAIKU,
                "--attach",
                image.to_str().unwrap(),
                "--attach",
                notes.to_str().unwrap(),
            ],
            Some(b"What do these show?\nAnd then?\n"),
        )
        .ok()
        .json();
    let first = messages(&doc)[0]["content"].as_array().unwrap();
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(first[0]["image"]["format"], "png");
    assert!(first[0]["image"]["source"]["bytes"].is_string());
    assert_eq!(first[1]["document"]["format"], "md");
    assert_eq!(first[1]["document"]["name"], "meeting notes");
    assert_eq!(first[2]["text"], "What do these show?");
    assert_eq!(
        messages(&doc)[2]["content"],
        json!([{"text": "And then?"}]),
        "later turns carry no attachments"
    );

    // Over Converse's size limit: refused before anything starts.
    let big = env.path().join("big.png");
    let mut bytes = png(2, 2);
    bytes.resize(3_750_001, 0);
    std::fs::write(&big, bytes).unwrap();
    let out = env
        .run(&[
            "--output",
            "json",
            "chat",
            HAIKU,
            "hi",
            "--attach",
            big.to_str().unwrap(),
        ])
        .expect_code(2);
    let error = out.json_error_of_kind("validation");
    assert_eq!(error["field"], "--attach");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("an image of at most 3750000 bytes"),
        "{error}"
    );
    out.assert_stderr_lacks(EMBEDDED_NOTICE);
}

#[test]
fn bedrock_refuses_features_a_model_lacks_with_its_own_message() {
    let env = TestEnv::new();
    let image = env.path().join("a.png");
    std::fs::write(&image, png(2, 2)).unwrap();
    for (args, message) in [
        (
            vec![
                "chat",
                TITAN_TEXT,
                "Use the weather tool.",
                "--tool",
                "weather=cat",
                "--yes",
            ],
            "This model doesn't support tool use.",
        ),
        (
            vec!["chat", TITAN_TEXT, "hi", "--system", "Be terse."],
            "This model doesn't support system messages.",
        ),
        (
            vec![
                "chat",
                TITAN_TEXT,
                "hi",
                "--attach",
                image.to_str().unwrap(),
            ],
            "This model doesn't support the image content block",
        ),
        (vec!["chat", HAIKU, "hi", "--reasoning", "1024"], "thinking"),
    ] {
        let out = env.run(&args).expect_code(2);
        out.assert_stderr_contains("error (validation): ")
            .assert_stderr_contains(message);
    }
}

#[test]
fn reasoning_is_shown_on_stderr_and_sent_back_with_its_signature() {
    let env = TestEnv::new();
    let out = env
        .run_with_stdin(
            &[
                "--output",
                "json",
                "chat",
                SONNET_37,
                "--reasoning",
                "1024",
                "--max-tokens",
                "2048",
            ],
            Some(b"Why is the sky blue?\nAnd at sunset?\n"),
        )
        .ok();
    let doc = out.json();
    assert_eq!(roles(&doc), ["user", "assistant", "user", "assistant"]);
    let reasoning = &block(&messages(&doc)[1], "reasoningContent")["reasoningText"];
    assert!(
        !reasoning["text"].as_str().unwrap().is_empty(),
        "{reasoning}"
    );
    assert!(reasoning["signature"].is_string(), "{reasoning}");
    // The second turn succeeded, so the signature went back unchanged.
    assert_eq!(doc["calls"], 2);

    let text = env
        .run(&[
            "chat",
            SONNET_37,
            "Why is the sky blue?",
            "--reasoning",
            "1024",
            "--max-tokens",
            "2048",
        ])
        .ok();
    text.assert_stderr_contains("thinking: ");
    assert!(!text.stdout.contains("thinking: "), "{}", text.stdout);
}

#[test]
fn a_profile_only_model_by_its_bare_id_gets_bedrocks_answer() {
    let env = TestEnv::new();
    let bare = SONNET_37.trim_start_matches("us.");
    // Sent anyway, Bedrock refuses it.
    let out = env
        .run(&["--no-preflight", "chat", bare, "hi"])
        .expect_code(2);
    out.assert_stderr_contains("error (validation): ")
        .assert_stderr_contains("on-demand throughput isn\u{2019}t supported");
    // By default the pre-flight check refuses it first, naming the profile to use.
    let out = env.run(&["chat", bare, "hi"]).expect_code(2);
    out.assert_stderr_contains("error (validation): ")
        .assert_stderr_contains(SONNET_37);
    // And with automatic routing it is sent through that profile.
    env.run(&["--route-profiles", "chat", bare, "hi", "--no-save"])
        .ok();
}
