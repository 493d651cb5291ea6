//! [`SqliteHistory`]: the prompt history in one SQLite file that many processes share.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use bedrock_core::{
    Error, NewPrompt, PromptHistory, PromptId, PromptOutcome, PromptRecord, Result,
};

use crate::liveness::process_is_alive;
use crate::permissions::{create_private_dir_all, create_private_file, restrict_sidecars};
use crate::rows::{BadColumn, RECORD_COLUMNS, StoredRow};
use crate::schema::{self, db_error, now_millis};

/// The environment variable that, when set and not empty, is the history file's path.
pub const HISTORY_ENV: &str = "BEDROCK_HISTORY";

/// How long a write waits for another process's write to finish before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where [`SqliteHistory::open_default`] keeps the history: `$BEDROCK_HISTORY` when set, else
/// `history.sqlite3` in a `bedrock-connector` folder of the platform's data directory
/// (`~/.local/share` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
pub fn default_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(HISTORY_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    dirs::data_dir()
        .map(|dir| dir.join("bedrock-connector").join("history.sqlite3"))
        .ok_or_else(|| {
            Error::history(
                format!(
                    "this platform reports no data directory (is HOME set?); set {HISTORY_ENV} to \
                 the history file's path"
                ),
                None,
            )
        })
}

/// A [`PromptHistory`] kept in SQLite.
///
/// Cheap to clone: clones share one connection. Calls run on tokio's blocking pool, so the
/// trait's methods need a tokio runtime; the constructors and nothing else are synchronous.
///
/// Files are opened in WAL mode with a [`BUSY_TIMEOUT`], so several processes can save and
/// complete prompts in one file at once. Opening a file also marks as
/// [`Interrupted`](bedrock_core::PromptStatus::Interrupted) every pending row whose writing
/// process has ended.
#[derive(Clone)]
pub struct SqliteHistory {
    shared: Arc<Shared>,
}

struct Shared {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl fmt::Debug for SqliteHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self
            .shared
            .path
            .as_deref()
            .map_or_else(|| ":memory:".into(), Path::to_string_lossy);
        f.debug_struct("SqliteHistory")
            .field("location", &location)
            .finish()
    }
}

impl SqliteHistory {
    /// Opens (creating when missing) the history file at `path`.
    ///
    /// Missing parent directories are created owner-only (0700 on Unix) and a new file is created
    /// owner-only (0600) before SQLite writes to it. The schema is migrated to
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION); a file from a newer build is refused with an
    /// error naming both versions. Pending rows of processes that have ended are marked
    /// interrupted.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let location = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir_all(parent).map_err(io_error(format!(
                "cannot create the history directory `{}`",
                parent.display()
            )))?;
        }
        create_private_file(&path)
            .map_err(io_error(format!("cannot create history file `{location}`")))?;
        // No SQLITE_OPEN_URI: the path is a path, even when it starts with `file:`.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(db_error(format!(
            "cannot open history database `{location}`"
        )))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error(format!(
            "cannot set the busy timeout on `{location}`"
        )))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(db_error(format!(
                "cannot switch `{location}` to write-ahead logging"
            )))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::history(
                format!(
                    "history database `{location}` stayed in journal mode `{mode}`; concurrent \
                     writers need `wal`, which needs a local filesystem"
                ),
                None,
            ));
        }
        // In WAL mode NORMAL survives any process crash; only a power loss can drop the latest
        // commits. FULL would fsync on every save.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error(format!(
                "cannot set synchronous mode on `{location}`"
            )))?;
        schema::migrate(&mut conn, &location)?;
        restrict_sidecars(&path).map_err(io_error(format!(
            "cannot restrict the permissions of the -wal/-shm files of `{location}`"
        )))?;
        mark_ended_writers_interrupted(&mut conn, &location)?;
        tracing::debug!(location, "opened prompt history");
        Ok(SqliteHistory::from_connection(conn, Some(path)))
    }

    /// Opens the history at [`default_path`].
    pub fn open_default() -> Result<Self> {
        SqliteHistory::open(default_path()?)
    }

    /// A history in memory, gone when the last clone is dropped; for tests and examples.
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()
            .map_err(db_error("cannot open an in-memory history database"))?;
        schema::migrate(&mut conn, ":memory:")?;
        Ok(SqliteHistory::from_connection(conn, None))
    }

    fn from_connection(conn: Connection, path: Option<PathBuf>) -> Self {
        SqliteHistory {
            shared: Arc::new(Shared {
                conn: Mutex::new(conn),
                path,
            }),
        }
    }

    /// The file, or `None` for an in-memory history.
    pub fn path(&self) -> Option<&Path> {
        self.shared.path.as_deref()
    }

    /// Marks as interrupted every pending row saved more than `age` ago, whichever process saved
    /// it, and returns how many rows changed. For rows whose process id was reused by a live
    /// process, which the check on open cannot tell apart from a live writer.
    pub async fn mark_interrupted_older_than(&self, age: Duration) -> Result<usize> {
        let cutoff = SystemTime::now()
            .checked_sub(age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        self.mark_interrupted_created_before(cutoff).await
    }

    /// Marks as interrupted every pending row saved at or before `cutoff` (millisecond
    /// precision) and returns how many rows changed.
    pub async fn mark_interrupted_created_before(&self, cutoff: SystemTime) -> Result<usize> {
        let cutoff_ms = cutoff
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.run(move |conn| {
            let marked = conn
                .execute(
                    "UPDATE prompts SET status = 'interrupted', finished_at = ?1 \
                     WHERE status = 'pending' AND created_at <= ?2",
                    params![now_millis(), cutoff_ms],
                )
                .map_err(db_error("cannot mark old pending prompts as interrupted"))?;
            if marked > 0 {
                tracing::info!(
                    marked,
                    "marked pending prompts older than the cutoff as interrupted"
                );
            }
            Ok(marked)
        })
        .await
    }

    /// Marks as interrupted every pending row whose writing process has ended, as opening does,
    /// and returns how many rows changed. For long-running processes that share the file.
    pub async fn mark_ended_writers_interrupted(&self) -> Result<usize> {
        let location = self.location();
        self.run(move |conn| mark_ended_writers_interrupted(conn, &location))
            .await
    }

    /// The turns of one Converse conversation (rows saved with this `conversation_id`), oldest
    /// first; empty when no row has that id.
    pub async fn list_conversation(&self, conversation_id: &str) -> Result<Vec<PromptRecord>> {
        let conversation_id = conversation_id.to_owned();
        self.run(move |conn| {
            let context = || format!("cannot list the turns of conversation `{conversation_id}`");
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM prompts WHERE conversation_id = ?1 \
                     ORDER BY created_at ASC, id ASC"
                ))
                .map_err(db_error(context()))?;
            let rows = stmt
                .query_map([conversation_id.as_str()], StoredRow::from_row)
                .map_err(db_error(context()))?;
            let mut records = Vec::new();
            for row in rows {
                records.push(
                    row.map_err(db_error(context()))?
                        .into_record()
                        .map_err(bad_row)?,
                );
            }
            Ok(records)
        })
        .await
    }

    fn location(&self) -> String {
        self.shared
            .path
            .as_deref()
            .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string())
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves no open transaction (rusqlite rolls back on
            // drop), so the connection is still sound.
            let mut conn = shared.conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            Error::history(
                format!("history task did not finish: {e}"),
                Some(Box::new(e)),
            )
        })?
    }
}

#[async_trait]
impl PromptHistory for SqliteHistory {
    async fn save(&self, prompt: NewPrompt) -> Result<PromptId> {
        let id = PromptId::generate();
        let row_id = id.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO prompts (id, created_at, status, model_id, region, content_type, \
                 accept, request_body, stream, pid, conversation_id) \
                 VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    row_id.as_str(),
                    now_millis(),
                    prompt.model_id,
                    prompt.region.as_str(),
                    prompt.content_type,
                    prompt.accept,
                    prompt.body.as_ref(),
                    prompt.stream,
                    std::process::id(),
                    prompt.conversation_id,
                ],
            )
            .map_err(db_error(format!("cannot save prompt `{row_id}`")))?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    async fn complete(&self, id: &PromptId, outcome: PromptOutcome) -> Result<()> {
        let id = id.clone();
        self.run(move |conn| {
            let now = now_millis();
            let changed = match &outcome {
                PromptOutcome::Completed {
                    content_type,
                    body,
                    input_tokens,
                    output_tokens,
                    latency,
                } => conn.execute(
                    "UPDATE prompts SET status = 'completed', finished_at = ?2, \
                         response_content_type = ?3, response_body = ?4, input_tokens = ?5, \
                         output_tokens = ?6, latency_ms = ?7 \
                         WHERE id = ?1 AND status = 'pending'",
                    params![
                        id.as_str(),
                        now,
                        content_type,
                        body.as_ref(),
                        input_tokens,
                        output_tokens,
                        i64::try_from(latency.as_millis()).unwrap_or(i64::MAX),
                    ],
                ),
                PromptOutcome::Failed { kind, message } => conn.execute(
                    "UPDATE prompts SET status = 'failed', finished_at = ?2, error_kind = ?3, \
                     error_message = ?4 WHERE id = ?1 AND status = 'pending'",
                    params![id.as_str(), now, kind.as_str(), message],
                ),
            }
            .map_err(db_error(format!("cannot complete prompt `{id}`")))?;
            if changed == 1 {
                return Ok(());
            }
            let status: Option<String> = conn
                .query_row(
                    "SELECT status FROM prompts WHERE id = ?1",
                    [id.as_str()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(db_error(format!("cannot read the status of prompt `{id}`")))?;
            Err(Error::history(
                match status {
                    None => format!(
                        "cannot complete prompt `{id}`: no prompt with that id in the history"
                    ),
                    Some(status) => format!(
                        "cannot complete prompt `{id}`: it is already {status}; only a pending \
                         prompt can be completed"
                    ),
                },
                None,
            ))
        })
        .await
    }

    async fn get(&self, id: &PromptId) -> Result<Option<PromptRecord>> {
        let id = id.clone();
        self.run(move |conn| {
            let row = conn
                .query_row(
                    &format!("SELECT {RECORD_COLUMNS} FROM prompts WHERE id = ?1"),
                    [id.as_str()],
                    StoredRow::from_row,
                )
                .optional()
                .map_err(db_error(format!("cannot read prompt `{id}`")))?;
            row.map(|r| r.into_record().map_err(bad_row)).transpose()
        })
        .await
    }

    async fn list(&self, limit: usize) -> Result<Vec<PromptRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM prompts \
                     ORDER BY created_at DESC, id DESC LIMIT ?1"
                ))
                .map_err(db_error("cannot list prompts"))?;
            let rows = stmt
                .query_map([limit], StoredRow::from_row)
                .map_err(db_error("cannot list prompts"))?;
            let mut records = Vec::new();
            for row in rows {
                records.push(
                    row.map_err(db_error("cannot list prompts"))?
                        .into_record()
                        .map_err(bad_row)?,
                );
            }
            Ok(records)
        })
        .await
    }
}

/// Marks the pending rows of every ended process as interrupted; returns how many changed.
fn mark_ended_writers_interrupted(conn: &mut Connection, location: &str) -> Result<usize> {
    let context = || format!("cannot recover interrupted prompts in `{location}`");
    let pids: Vec<i64> = {
        let mut stmt = conn
            .prepare("SELECT DISTINCT pid FROM prompts WHERE status = 'pending'")
            .map_err(db_error(context()))?;
        let rows = stmt
            .query_map([], |row| row.get(0))
            .map_err(db_error(context()))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(db_error(context()))?
    };
    // Checked before taking the write lock: the check may start a process on some platforms.
    let ended: Vec<i64> = pids
        .into_iter()
        .filter(|&pid| u32::try_from(pid).map_or(true, |pid| !process_is_alive(pid)))
        .collect();
    if ended.is_empty() {
        return Ok(0);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error(context()))?;
    let now = now_millis();
    let mut marked = 0;
    for pid in &ended {
        marked += tx
            .execute(
                "UPDATE prompts SET status = 'interrupted', finished_at = ?1 \
                 WHERE status = 'pending' AND pid = ?2",
                params![now, pid],
            )
            .map_err(db_error(context()))?;
    }
    tx.commit().map_err(db_error(context()))?;
    if marked > 0 {
        tracing::info!(
            location,
            marked,
            ?ended,
            "marked pending prompts of ended processes as interrupted"
        );
    }
    Ok(marked)
}

fn io_error(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::history(format!("{context}: {e}"), Some(Box::new(e)))
}

fn bad_row(e: BadColumn) -> Error {
    Error::history(e.to_string(), Some(Box::new(e)))
}
