//! Converse conversations in the history: each turn's row keeps its conversation id, a
//! conversation's turns list oldest first, and a file from schema version 1 (before the column
//! existed) is migrated with its rows kept.

use std::time::Duration;

use bedrock_core::{NewPrompt, PromptHistory, PromptOutcome, PromptStatus, Region};
use bedrock_history::{SCHEMA_VERSION, SqliteHistory};
use bytes::Bytes;
use rusqlite::{Connection, params};

fn turn(conversation: Option<&str>, n: usize) -> NewPrompt {
    NewPrompt {
        model_id: "amazon.nova-lite-v1:0".into(),
        region: Region::UsEast1,
        content_type: "application/json".into(),
        accept: "application/json".into(),
        body: Bytes::from(format!(
            r#"{{"messages":[{{"role":"user","content":[{{"text":"turn {n}"}}]}}]}}"#
        )),
        stream: true,
        conversation_id: conversation.map(str::to_owned),
    }
}

fn completed(n: u32) -> PromptOutcome {
    PromptOutcome::Completed {
        content_type: "application/json".into(),
        body: Bytes::from_static(b"{}"),
        input_tokens: Some(10 + n),
        output_tokens: Some(n),
        latency: Duration::from_millis(u64::from(n)),
    }
}

#[tokio::test]
async fn turns_keep_their_conversation_id_and_list_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let history = SqliteHistory::open(&path).unwrap();
    let mut first = Vec::new();
    for n in 0..3 {
        let id = history.save(turn(Some("conv-a"), n)).await.unwrap();
        history.complete(&id, completed(n as u32)).await.unwrap();
        first.push(id);
        // Another conversation and an InvokeModel row interleave with it.
        history.save(turn(Some("conv-b"), n)).await.unwrap();
        history.save(turn(None, n)).await.unwrap();
    }

    // Read back from a fresh connection: the column is on disk, not only in memory.
    drop(history);
    let history = SqliteHistory::open(&path).unwrap();
    let turns = history.list_conversation("conv-a").await.unwrap();
    assert_eq!(
        turns.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        first,
        "oldest first, only this conversation"
    );
    for (n, record) in turns.iter().enumerate() {
        assert_eq!(record.prompt.conversation_id.as_deref(), Some("conv-a"));
        assert_eq!(record.status, PromptStatus::Completed);
        assert_eq!(record.outcome, Some(completed(n as u32)));
        assert!(
            String::from_utf8_lossy(&record.prompt.body).contains(&format!("turn {n}")),
            "turn {n}"
        );
    }
    assert_eq!(history.list_conversation("conv-b").await.unwrap().len(), 3);
    assert!(
        history
            .list_conversation("conv-z")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(history.list_conversation("").await.unwrap().is_empty());

    let all = history.list(100).await.unwrap();
    assert_eq!(all.len(), 9);
    assert_eq!(
        all.iter()
            .filter(|r| r.prompt.conversation_id.is_none())
            .count(),
        3,
        "InvokeModel rows have no conversation"
    );
    let one = history.get(&first[1]).await.unwrap().unwrap();
    assert_eq!(one.prompt.conversation_id.as_deref(), Some("conv-a"));
}

/// The table as schema version 1 created it.
const VERSION_1: &str = "
    CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL);
    INSERT INTO schema_version (version, applied_at) VALUES (1, 1700000000000);
    CREATE TABLE prompts (
        id TEXT PRIMARY KEY NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'interrupted')),
        model_id TEXT NOT NULL, region TEXT NOT NULL, content_type TEXT NOT NULL,
        accept TEXT NOT NULL, request_body BLOB NOT NULL, stream INTEGER NOT NULL,
        response_content_type TEXT, response_body BLOB, input_tokens INTEGER,
        output_tokens INTEGER, latency_ms INTEGER, error_kind TEXT, error_message TEXT,
        pid INTEGER NOT NULL
    );
    CREATE INDEX prompts_created_at ON prompts (created_at);
    CREATE INDEX prompts_pending_pid ON prompts (pid) WHERE status = 'pending';
";

#[tokio::test]
async fn a_version_1_file_is_migrated_with_its_rows_kept() {
    assert_eq!(SCHEMA_VERSION, 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(VERSION_1).unwrap();
        raw.execute(
            "INSERT INTO prompts (id, created_at, finished_at, status, model_id, region, \
             content_type, accept, request_body, stream, response_content_type, response_body, \
             input_tokens, output_tokens, latency_ms, pid) \
             VALUES (?1, 1700000000000, 1700000000500, 'completed', 'm', 'us-east-1', \
             'application/json', 'application/json', X'7B7D', 0, 'application/json', X'7B7D', \
             3, 4, 500, 1)",
            params!["01ARZ3NDEKTSV4RRFFQ69G5FAV"],
        )
        .unwrap();
    }
    let history = SqliteHistory::open(&path).unwrap();
    let old = history.list(10).await.unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].id.as_str(), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    assert_eq!(old[0].prompt.conversation_id, None);
    assert_eq!(old[0].status, PromptStatus::Completed);

    let id = history.save(turn(Some("conv-new"), 1)).await.unwrap();
    let turns = history.list_conversation("conv-new").await.unwrap();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].id, id);

    let raw = Connection::open(&path).unwrap();
    let versions: Vec<u32> = raw
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        versions,
        vec![1, 2],
        "version 1 kept, version 2 applied once"
    );
}
