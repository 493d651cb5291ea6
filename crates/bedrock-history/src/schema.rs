//! The history database's schema and the migrations that bring a file up to date.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use bedrock_core::{Error, Result};

/// The newest schema version this build knows; the version a database is at after opening.
pub const SCHEMA_VERSION: u32 = 2;

/// One schema change: applied once, in order, inside the same transaction as its version row.
struct Migration {
    version: u32,
    sql: &'static str,
}

/// Every migration, oldest first. Append only: a shipped migration never changes.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
        CREATE TABLE prompts (
            id                    TEXT PRIMARY KEY NOT NULL,
            created_at            INTEGER NOT NULL,
            finished_at           INTEGER,
            status                TEXT NOT NULL
                CHECK (status IN ('pending', 'completed', 'failed', 'interrupted')),
            model_id              TEXT NOT NULL,
            region                TEXT NOT NULL,
            content_type          TEXT NOT NULL,
            accept                TEXT NOT NULL,
            request_body          BLOB NOT NULL,
            stream                INTEGER NOT NULL,
            response_content_type TEXT,
            response_body         BLOB,
            input_tokens          INTEGER,
            output_tokens         INTEGER,
            latency_ms            INTEGER,
            error_kind            TEXT,
            error_message         TEXT,
            pid                   INTEGER NOT NULL
        );
        CREATE INDEX prompts_created_at ON prompts (created_at);
        -- Crash recovery on open looks only at pending rows; keep that cheap on a long history.
        CREATE INDEX prompts_pending_pid ON prompts (pid) WHERE status = 'pending';
    ",
    },
    Migration {
        version: 2,
        // Converse turns name their conversation; InvokeModel rows (and rows written before
        // this version) have none.
        sql: "
        ALTER TABLE prompts ADD COLUMN conversation_id TEXT;
        CREATE INDEX prompts_conversation ON prompts (conversation_id, created_at)
            WHERE conversation_id IS NOT NULL;
    ",
    },
];

/// Brings the database up to [`SCHEMA_VERSION`] and returns the version it was at before.
///
/// Runs in one immediate (write-locked) transaction, so two processes opening a new file at the
/// same time apply each migration exactly once. A database written by a newer build is refused
/// rather than guessed at.
pub(crate) fn migrate(conn: &mut Connection, location: &str) -> Result<u32> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error(format!(
            "cannot lock history database `{location}` to check its schema"
        )))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY NOT NULL,
            applied_at INTEGER NOT NULL
        )",
    )
    .map_err(db_error(format!(
        "cannot create the schema_version table in `{location}`"
    )))?;
    let found: i64 = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get::<_, Option<i64>>(0)
        })
        .optional()
        .map_err(db_error(format!(
            "cannot read the schema version of `{location}`"
        )))?
        .flatten()
        .unwrap_or(0);
    let before = u32::try_from(found).map_err(|_| newer_schema(location, found))?;
    if before > SCHEMA_VERSION {
        return Err(newer_schema(location, found));
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > before) {
        let version = migration.version;
        tx.execute_batch(migration.sql).map_err(db_error(format!(
            "migration {version} of history database `{location}` failed"
        )))?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
            params![version, now_millis()],
        )
        .map_err(db_error(format!(
            "cannot record migration {version} in `{location}`"
        )))?;
        tracing::debug!(location, version, "applied history schema migration");
    }
    tx.commit().map_err(db_error(format!(
        "cannot commit the schema of history database `{location}`"
    )))?;
    Ok(before)
}

fn newer_schema(location: &str, found: i64) -> Error {
    Error::history(
        format!(
            "history database `{location}` has schema version {found}; this build of \
             bedrock-history knows versions 1..={SCHEMA_VERSION}: use a newer bedrock-history, \
             or point BEDROCK_HISTORY at another file"
        ),
        None,
    )
}

/// Milliseconds since 1970, the unit of every time column.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Maps a SQLite error to a history error that says what was being done.
pub(crate) fn db_error(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
    let context = context.into();
    move |e| Error::history(format!("{context}: {e}"), Some(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps_up_to_the_schema_version() {
        let versions: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
        let expected: Vec<u32> = (1..=SCHEMA_VERSION).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn migrating_twice_applies_each_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn, "memory").unwrap(), 0);
        assert_eq!(migrate(&mut conn, "memory").unwrap(), SCHEMA_VERSION);
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, i64::from(SCHEMA_VERSION));
    }
}
