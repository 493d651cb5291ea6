//! `bedrock count-tokens` on the embedded emulator: the count grows with the system prompt and
//! attached files, both output formats, and Bedrock's refusals (a model CountTokens does not
//! serve, an inference profile).

mod support;

use support::{EMBEDDED_NOTICE, HAIKU, TestEnv};

/// A model CountTokens serves, by its bare id.
const SONNET_37: &str = "anthropic.claude-3-7-sonnet-20250219-v1:0";

fn count(env: &TestEnv, args: &[&str]) -> u64 {
    let mut all = vec!["count-tokens", SONNET_37];
    all.extend_from_slice(args);
    let out = env.run(&all).ok();
    out.assert_stderr_starts_with(EMBEDDED_NOTICE);
    out.stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("a number: {:?}", out.stdout))
}

#[test]
fn the_count_grows_with_the_prompt_the_system_prompt_and_attachments() {
    let env = TestEnv::new();
    let short = count(&env, &["hello"]);
    let long = count(&env, &["hello there, how are you doing today?"]);
    assert!(short > 0 && long > short, "{short} < {long}");
    let with_system = count(
        &env,
        &["hello", "--system", "You answer in French, briefly."],
    );
    assert!(with_system > short, "{with_system} > {short}");
    let notes = env.path().join("notes.txt");
    std::fs::write(&notes, "Ship on Friday. ".repeat(50)).unwrap();
    let with_file = count(&env, &["hello", "--attach", notes.to_str().unwrap()]);
    assert!(with_file > short + 50, "{with_file} > {short} + 50");
    assert_eq!(count(&env, &["hello"]), short, "deterministic");

    let json = env
        .run(&["--output", "json", "count-tokens", SONNET_37, "hello"])
        .ok()
        .json();
    assert_eq!(json["model_id"], SONNET_37);
    assert_eq!(json["input_tokens"].as_u64(), Some(short));
    // Nothing is saved: CountTokens generates nothing.
    let listed = env
        .run(&["--output", "json", "history", "list"])
        .ok()
        .json();
    assert_eq!(listed["prompts"], serde_json::json!([]));
}

#[test]
fn models_and_profiles_count_tokens_does_not_serve_get_bedrocks_refusal() {
    let env = TestEnv::new();
    for model in [HAIKU, "us.anthropic.claude-3-7-sonnet-20250219-v1:0"] {
        let out = env
            .run(&["--output", "json", "count-tokens", model, "hello"])
            .expect_code(2);
        let error = out.json_error_of_kind("validation");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("The provided model doesn't support counting tokens."),
            "{model}: {error}"
        );
    }
    let out = env
        .run(&[
            "count-tokens",
            SONNET_37,
            "hi",
            "--attach",
            "/nonexistent/x.pdf",
        ])
        .expect_code(1);
    out.assert_stderr_starts_with("error (io): cannot read the attached file `/nonexistent/x.pdf`")
        .assert_stderr_lacks(EMBEDDED_NOTICE);
}
