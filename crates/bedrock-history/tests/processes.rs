//! Behaviour across processes: a writer killed mid-call, two writers sharing one file, and the
//! default path. Children are this test executable re-run with a role in the environment.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bedrock_core::{ErrorKind, NewPrompt, PromptHistory, PromptOutcome, PromptStatus, Region};
use bedrock_history::SqliteHistory;
use bytes::Bytes;

const ROLE_ENV: &str = "BEDROCK_HISTORY_TEST_ROLE";
const PATH_ENV: &str = "BEDROCK_HISTORY_TEST_PATH";
const WRITER_ENV: &str = "BEDROCK_HISTORY_TEST_WRITER";
const ROWS_PER_WRITER: usize = 200;

fn prompt(writer: &str, n: usize) -> NewPrompt {
    NewPrompt {
        model_id: "amazon.titan-text-express-v1".into(),
        region: Region::UsEast1,
        content_type: "application/json".into(),
        accept: "application/json".into(),
        body: Bytes::from(format!(r#"{{"inputText":"{writer}-{n}"}}"#)),
        stream: false,
        conversation_id: None,
    }
}

/// The children's entry point. Run by the harness as an ordinary test, it has no role and
/// returns at once.
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var(ROLE_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        match role.as_str() {
            "save-then-hang" => {
                let history = SqliteHistory::open(std::env::var(PATH_ENV).unwrap()).unwrap();
                let id = history.save(prompt("hang", 0)).await.unwrap();
                println!("\nSAVED {id}");
                // Like a process stuck waiting for Bedrock: the parent kills it.
                loop {
                    std::thread::sleep(Duration::from_secs(60));
                }
            }
            "writer" => {
                let writer = std::env::var(WRITER_ENV).unwrap();
                let history = SqliteHistory::open(std::env::var(PATH_ENV).unwrap()).unwrap();
                for n in 0..ROWS_PER_WRITER {
                    let id = history.save(prompt(&writer, n)).await.unwrap();
                    let outcome = PromptOutcome::Completed {
                        content_type: "application/json".into(),
                        body: Bytes::from(format!("{writer}:{n}")),
                        input_tokens: Some(n as u32),
                        output_tokens: Some(1),
                        latency: Duration::from_millis(n as u64),
                    };
                    history.complete(&id, outcome).await.unwrap();
                }
                println!("\nWROTE {ROWS_PER_WRITER}");
            }
            "open-default" => {
                let path = bedrock_history::default_path().unwrap();
                let history = SqliteHistory::open_default().unwrap();
                assert_eq!(history.path(), Some(path.as_path()));
                let id = history.save(prompt("default", 0)).await.unwrap();
                println!("\nSAVED {id} AT {}", path.display());
            }
            other => panic!("unknown {ROLE_ENV} `{other}`"),
        }
    });
}

/// This test executable, set to run only [`child_process_entry`] in `role`.
fn child_command(role: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_process_entry",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(ROLE_ENV, role)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    cmd
}

/// Waits for a line of the child's stdout that starts with `marker` and returns the rest.
fn wait_for_line(child: &mut Child, marker: &'static str) -> String {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix(marker) {
                let _ = tx.send(rest.to_owned());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(rest) => rest,
        Err(e) => {
            let _ = child.kill();
            let status = child.wait();
            panic!("child never printed `{marker}` ({e}); it exited with {status:?}");
        }
    }
}

#[tokio::test]
async fn a_writer_killed_mid_call_leaves_a_row_marked_interrupted_on_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let mut child = child_command("save-then-hang")
        .env(PATH_ENV, &path)
        .spawn()
        .unwrap();
    let id = wait_for_line(&mut child, "SAVED ").trim().parse().unwrap();

    // While its writer lives, the row stays pending whoever opens the file.
    let watcher = SqliteHistory::open(&path).unwrap();
    let live = watcher
        .get(&id)
        .await
        .unwrap()
        .expect("the child saved the row");
    assert_eq!(live.status, PromptStatus::Pending);
    assert_eq!(live.prompt, prompt("hang", 0));
    drop(watcher);

    child.kill().unwrap();
    child.wait().unwrap();

    let reopened = SqliteHistory::open(&path).unwrap();
    let record = reopened.get(&id).await.unwrap().unwrap();
    assert_eq!(record.status, PromptStatus::Interrupted);
    assert_eq!(record.outcome, None);
    let finished = record
        .finished_at
        .expect("finished_at set when interrupted");
    assert!(finished >= record.created_at);

    let late = PromptOutcome::Failed {
        kind: ErrorKind::Transport,
        message: "late".into(),
    };
    let err = reopened.complete(&id, late).await.unwrap_err();
    assert!(err.to_string().contains("already interrupted"), "{err}");
}

#[tokio::test]
async fn two_processes_writing_one_new_file_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared").join("history.sqlite3");
    let mut children: Vec<Child> = ["alpha", "beta"]
        .into_iter()
        .map(|writer| {
            child_command("writer")
                .env(PATH_ENV, &path)
                .env(WRITER_ENV, writer)
                .spawn()
                .unwrap()
        })
        .collect();
    for child in &mut children {
        let wrote = wait_for_line(child, "WROTE ");
        assert_eq!(wrote, ROWS_PER_WRITER.to_string());
        assert!(child.wait().unwrap().success());
    }

    let history = SqliteHistory::open(&path).unwrap();
    let rows = history.list(10 * ROWS_PER_WRITER).await.unwrap();
    assert_eq!(rows.len(), 2 * ROWS_PER_WRITER);
    assert!(rows.iter().all(|r| r.status == PromptStatus::Completed));
    for writer in ["alpha", "beta"] {
        let mut seen: Vec<usize> = rows
            .iter()
            .filter_map(|r| match &r.outcome {
                Some(PromptOutcome::Completed { body, .. }) => {
                    let text = std::str::from_utf8(body).unwrap();
                    text.strip_prefix(&format!("{writer}:"))
                        .map(|n| n.parse().unwrap())
                }
                other => panic!("unexpected outcome {other:?}"),
            })
            .collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..ROWS_PER_WRITER).collect::<Vec<_>>(),
            "{writer}'s rows"
        );
    }
    let mut ids: Vec<_> = rows.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2 * ROWS_PER_WRITER);
    assert!(rows.windows(2).all(|w| w[0].created_at >= w[1].created_at));
}

#[tokio::test]
async fn the_default_path_follows_bedrock_history_then_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();

    let chosen = dir.path().join("chosen").join("mine.sqlite3");
    let mut child = child_command("open-default")
        .env("BEDROCK_HISTORY", &chosen)
        .spawn()
        .unwrap();
    let line = wait_for_line(&mut child, "SAVED ");
    assert!(child.wait().unwrap().success());
    let (id, at) = line.split_once(" AT ").unwrap();
    assert_eq!(Path::new(at), chosen);
    // The child exited without completing its prompt: interrupted once the file is reopened.
    let history = SqliteHistory::open(&chosen).unwrap();
    let record = history.get(&id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.status, PromptStatus::Interrupted);

    #[cfg(target_os = "linux")]
    {
        let home = dir.path().join("home");
        let mut child = child_command("open-default")
            .env_remove("BEDROCK_HISTORY")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", &home)
            .spawn()
            .unwrap();
        let line = wait_for_line(&mut child, "SAVED ");
        assert!(child.wait().unwrap().success());
        let expected = home.join(".local/share/bedrock-connector/history.sqlite3");
        assert!(
            line.ends_with(&format!(" AT {}", expected.display())),
            "{line}"
        );
        assert!(expected.is_file());
    }
}
