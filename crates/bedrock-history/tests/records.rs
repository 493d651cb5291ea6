//! In-process behaviour of `SqliteHistory`: round trips, errors, ordering, recovery, schema and
//! file permissions.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bedrock_core::{
    ErrorKind, NewPrompt, PromptHistory, PromptId, PromptOutcome, PromptStatus, Region,
};
use bedrock_history::{SCHEMA_VERSION, SqliteHistory};
use bytes::Bytes;
use rusqlite::{Connection, params};

fn prompt(n: usize) -> NewPrompt {
    NewPrompt {
        model_id: format!("anthropic.claude-3-haiku-20240307-v1:{n}"),
        region: Region::EuCentral1,
        content_type: "application/json".into(),
        accept: "application/json".into(),
        body: Bytes::from(format!(r#"{{"prompt":"number {n}","max_tokens":32}}"#)),
        stream: n % 2 == 1,
        conversation_id: None,
    }
}

fn ms_floor(t: SystemTime) -> SystemTime {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_millis(since.as_millis() as u64)
}

fn history_error_message(err: bedrock_core::Error) -> String {
    assert_eq!(err.kind(), ErrorKind::History, "unexpected error: {err}");
    err.to_string()
}

#[tokio::test]
async fn a_saved_prompt_is_pending_then_completed_with_every_field_kept_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let history = SqliteHistory::open(&path).unwrap();
    let sent = NewPrompt {
        model_id: "us.anthropic.claude-3-5-sonnet-20240620-v1:0".into(),
        region: Region::UsWest2,
        content_type: "application/json".into(),
        accept: "application/vnd.amazon.eventstream".into(),
        body: Bytes::from_static(b"{\"messages\":[],\"bin\":\"\xff\x00\xfe\"}"),
        stream: true,
        conversation_id: None,
    };

    let before = ms_floor(SystemTime::now());
    let id = history.save(sent.clone()).await.unwrap();
    let after = SystemTime::now();

    let pending = history.get(&id).await.unwrap().expect("saved row");
    assert_eq!(pending.id, id);
    assert_eq!(pending.status, PromptStatus::Pending);
    assert_eq!(pending.prompt, sent);
    assert_eq!(pending.outcome, None);
    assert_eq!(pending.finished_at, None);
    assert!(
        pending.created_at >= before && pending.created_at <= after,
        "{pending:?}"
    );

    let outcome = PromptOutcome::Completed {
        content_type: "application/json".into(),
        body: Bytes::from_static(b"{\"content\":[{\"text\":\"h\xc3\xa9llo\"}]}\x00\x01"),
        input_tokens: Some(u32::MAX),
        output_tokens: Some(0),
        latency: Duration::from_millis(1_234),
    };
    history.complete(&id, outcome.clone()).await.unwrap();
    drop(history);

    let reopened = SqliteHistory::open(&path).unwrap();
    let done = reopened.get(&id).await.unwrap().expect("completed row");
    assert_eq!(done.id, id);
    assert_eq!(done.status, PromptStatus::Completed);
    assert_eq!(done.prompt, sent);
    assert_eq!(done.outcome, Some(outcome));
    assert_eq!(done.created_at, pending.created_at);
    let finished = done.finished_at.expect("finished_at set");
    assert!(finished >= done.created_at && finished <= SystemTime::now());
}

#[tokio::test]
async fn completed_without_token_counts_reads_back_as_none() {
    let history = SqliteHistory::open_in_memory().unwrap();
    let id = history.save(prompt(0)).await.unwrap();
    let outcome = PromptOutcome::Completed {
        content_type: "image/png".into(),
        body: Bytes::new(),
        input_tokens: None,
        output_tokens: None,
        latency: Duration::ZERO,
    };
    history.complete(&id, outcome.clone()).await.unwrap();
    assert_eq!(
        history.get(&id).await.unwrap().unwrap().outcome,
        Some(outcome)
    );
}

#[tokio::test]
async fn a_saved_prompt_can_fail_with_its_error_kind_and_message() {
    let history = SqliteHistory::open_in_memory().unwrap();
    let id = history.save(prompt(3)).await.unwrap();
    let outcome = PromptOutcome::Failed {
        kind: ErrorKind::ServiceQuotaExceeded,
        message: "quota exceeded for model — try ünïcode".into(),
    };
    history.complete(&id, outcome.clone()).await.unwrap();

    let record = history.get(&id).await.unwrap().unwrap();
    assert_eq!(record.status, PromptStatus::Failed);
    assert_eq!(record.outcome, Some(outcome));
    assert_eq!(record.prompt, prompt(3));
    assert!(record.finished_at.is_some());
}

#[tokio::test]
async fn completing_an_unknown_or_finished_prompt_is_an_error_naming_the_id() {
    let history = SqliteHistory::open_in_memory().unwrap();
    let failed = PromptOutcome::Failed {
        kind: ErrorKind::Transport,
        message: "reset".into(),
    };

    let unknown = PromptId::generate();
    let msg = history_error_message(
        history
            .complete(&unknown, failed.clone())
            .await
            .unwrap_err(),
    );
    assert!(
        msg.contains(unknown.as_str()) && msg.contains("no prompt with that id"),
        "{msg}"
    );

    let id = history.save(prompt(1)).await.unwrap();
    history.complete(&id, failed.clone()).await.unwrap();
    let msg = history_error_message(history.complete(&id, failed.clone()).await.unwrap_err());
    assert!(
        msg.contains(id.as_str()) && msg.contains("already failed"),
        "{msg}"
    );
    // The first outcome stays.
    assert_eq!(
        history.get(&id).await.unwrap().unwrap().outcome,
        Some(failed)
    );

    assert_eq!(history.get(&unknown).await.unwrap(), None);
}

#[tokio::test]
async fn list_is_newest_first_and_honours_the_limit() {
    let history = SqliteHistory::open_in_memory().unwrap();
    let mut saved = Vec::new();
    for n in 0..30 {
        saved.push(history.save(prompt(n)).await.unwrap());
        if n % 10 == 0 {
            std::thread::sleep(Duration::from_millis(3));
        }
    }
    let mut sorted = saved.clone();
    sorted.sort();
    assert_eq!(sorted, saved, "ids sort by creation time");

    let all = history.list(100).await.unwrap();
    let listed: Vec<PromptId> = all.iter().map(|r| r.id.clone()).collect();
    let newest_first: Vec<PromptId> = saved.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first);
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    assert_eq!(all[0].prompt, prompt(29));

    let five = history.list(5).await.unwrap();
    assert_eq!(
        five.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        newest_first[..5]
    );
    assert!(history.list(0).await.unwrap().is_empty());
    assert_eq!(history.list(usize::MAX).await.unwrap().len(), 30);
}

#[tokio::test]
async fn pending_rows_older_than_a_cutoff_are_marked_interrupted() {
    let history = SqliteHistory::open_in_memory().unwrap();
    let old = history.save(prompt(0)).await.unwrap();
    let done = history.save(prompt(1)).await.unwrap();
    history
        .complete(
            &done,
            PromptOutcome::Failed {
                kind: ErrorKind::Decode,
                message: "x".into(),
            },
        )
        .await
        .unwrap();

    assert_eq!(
        history
            .mark_interrupted_older_than(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        history.get(&old).await.unwrap().unwrap().status,
        PromptStatus::Pending
    );

    // Rows are stamped in milliseconds: a cutoff taken 2 ms after `old` was saved and 2 ms
    // before `fresh` was lies strictly between them however slowly the machine runs.
    std::thread::sleep(Duration::from_millis(2));
    let cutoff = std::time::SystemTime::now();
    std::thread::sleep(Duration::from_millis(2));
    let fresh = history.save(prompt(2)).await.unwrap();
    assert_eq!(
        history
            .mark_interrupted_created_before(cutoff)
            .await
            .unwrap(),
        1
    );

    let record = history.get(&old).await.unwrap().unwrap();
    assert_eq!(record.status, PromptStatus::Interrupted);
    assert_eq!(record.outcome, None);
    assert!(record.finished_at.unwrap() >= record.created_at);
    assert_eq!(
        history.get(&fresh).await.unwrap().unwrap().status,
        PromptStatus::Pending
    );
    assert_eq!(
        history.get(&done).await.unwrap().unwrap().status,
        PromptStatus::Failed
    );

    let outcome = PromptOutcome::Failed {
        kind: ErrorKind::Transport,
        message: "late".into(),
    };
    let msg = history_error_message(history.complete(&old, outcome).await.unwrap_err());
    assert!(msg.contains("already interrupted"), "{msg}");
}

#[tokio::test]
async fn reopening_keeps_this_process_pending_rows_and_interrupts_rows_of_ended_processes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let history = SqliteHistory::open(&path).unwrap();
    let mine = history.save(prompt(0)).await.unwrap();

    // A row saved by a process that has since exited and been reaped.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let orphan = PromptId::generate();
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "INSERT INTO prompts (id, created_at, status, model_id, region, content_type, accept, \
         request_body, stream, pid) VALUES (?1, 1, 'pending', 'm', 'us-east-1', 'a', 'b', x'00', 0, ?2)",
        params![orphan.as_str(), dead_pid],
    )
    .unwrap();

    // The open connection repeats the check on demand...
    assert_eq!(history.mark_ended_writers_interrupted().await.unwrap(), 1);
    assert_eq!(
        history.get(&orphan).await.unwrap().unwrap().status,
        PromptStatus::Interrupted
    );

    // ...and opening does it too.
    let second = PromptId::generate();
    raw.execute(
        "INSERT INTO prompts (id, created_at, status, model_id, region, content_type, accept, \
         request_body, stream, pid) VALUES (?1, 2, 'pending', 'm', 'us-east-1', 'a', 'b', x'00', 0, ?2)",
        params![second.as_str(), dead_pid],
    )
    .unwrap();
    let reopened = SqliteHistory::open(&path).unwrap();
    assert_eq!(
        reopened.get(&second).await.unwrap().unwrap().status,
        PromptStatus::Interrupted
    );
    assert_eq!(
        reopened.get(&mine).await.unwrap().unwrap().status,
        PromptStatus::Pending
    );
    assert_eq!(
        history.get(&mine).await.unwrap().unwrap().status,
        PromptStatus::Pending
    );
}

#[tokio::test]
async fn a_row_with_a_value_the_types_cannot_hold_is_an_error_naming_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let history = SqliteHistory::open(&path).unwrap();
    let id = history.save(prompt(0)).await.unwrap();
    history
        .complete(
            &id,
            PromptOutcome::Failed {
                kind: ErrorKind::Internal,
                message: "m".into(),
            },
        )
        .await
        .unwrap();
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE prompts SET error_kind = 'meltdown' WHERE id = ?1",
            [id.as_str()],
        )
        .unwrap();

    let msg = history_error_message(history.get(&id).await.unwrap_err());
    assert!(msg.contains(id.as_str()), "{msg}");
    assert!(
        msg.contains("`error_kind`") && msg.contains("`meltdown`"),
        "{msg}"
    );
    assert!(msg.contains("throttling"), "lists the allowed kinds: {msg}");
    assert!(history.list(10).await.is_err());
}

#[tokio::test]
async fn the_schema_version_table_records_each_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    drop(SqliteHistory::open(&path).unwrap());
    drop(SqliteHistory::open(&path).unwrap());

    let raw = Connection::open(&path).unwrap();
    let versions: Vec<(u32, i64)> = raw
        .prepare("SELECT version, applied_at FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.0).collect::<Vec<_>>(),
        (1..=SCHEMA_VERSION).collect::<Vec<_>>()
    );
    assert!(
        versions.iter().all(|v| v.1 > 1_600_000_000_000),
        "applied_at in ms: {versions:?}"
    );

    let columns: Vec<String> = raw
        .prepare("SELECT name FROM pragma_table_info('prompts')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        columns,
        [
            "id",
            "created_at",
            "finished_at",
            "status",
            "model_id",
            "region",
            "content_type",
            "accept",
            "request_body",
            "stream",
            "response_content_type",
            "response_body",
            "input_tokens",
            "output_tokens",
            "latency_ms",
            "error_kind",
            "error_message",
            "pid",
            // Added by migration 2.
            "conversation_id",
        ]
    );
    let index: String = raw
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'prompts_created_at'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(index.contains("created_at"), "{index}");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_file_from_a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let history = SqliteHistory::open(&path).unwrap();
    let id = history.save(prompt(0)).await.unwrap();
    drop(history);
    let newer = SCHEMA_VERSION + 98;
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, 0)",
            [newer],
        )
        .unwrap();

    let msg = history_error_message(SqliteHistory::open(&path).unwrap_err());
    assert!(msg.contains(&format!("schema version {newer}")), "{msg}");
    assert!(msg.contains(&format!("1..={SCHEMA_VERSION}")), "{msg}");
    assert!(msg.contains(&path.display().to_string()), "{msg}");

    let raw = Connection::open(&path).unwrap();
    raw.execute("DELETE FROM schema_version WHERE version = ?1", [newer])
        .unwrap();
    let reopened = SqliteHistory::open(&path).unwrap();
    assert_eq!(reopened.get(&id).await.unwrap().unwrap().prompt, prompt(0));
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "these are not the pages you are looking for ".repeat(100),
    )
    .unwrap();
    let msg = history_error_message(SqliteHistory::open(&path).unwrap_err());
    assert!(msg.contains(&path.display().to_string()), "{msg}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_its_new_directories_and_wal_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    let path = nested.join("history.sqlite3");
    let history = SqliteHistory::open(&path).unwrap();
    history.save(prompt(0)).await.unwrap();

    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&nested), 0o700);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    let wal = path.with_extension("sqlite3-wal");
    let shm = path.with_extension("sqlite3-shm");
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&shm), 0o600);

    // Sidecars made readable by someone else are tightened by the next open.
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&shm, std::fs::Permissions::from_mode(0o644)).unwrap();
    let second = SqliteHistory::open(&path).unwrap();
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&shm), 0o600);
    assert_eq!(second.list(10).await.unwrap().len(), 1);
    assert_eq!(second.path(), Some(path.as_path()));
}

#[tokio::test]
async fn it_serves_as_a_shared_trait_object_and_clones_share_rows() {
    let history = SqliteHistory::open_in_memory().unwrap();
    let clone = history.clone();
    let shared: Arc<dyn PromptHistory> = Arc::new(history);
    let id = shared.save(prompt(4)).await.unwrap();
    assert_eq!(clone.get(&id).await.unwrap().unwrap().prompt, prompt(4));
    assert_eq!(
        format!("{clone:?}"),
        r#"SqliteHistory { location: ":memory:" }"#
    );
    assert_eq!(clone.path(), None);
}
