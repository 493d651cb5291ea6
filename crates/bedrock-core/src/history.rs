//! The `PromptHistory` seam and its record types: prompts saved before they are sent and
//! completed with the response or the error.

use std::fmt::{self, Debug};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::catalog::Region;
use crate::error::{ErrorKind, Result};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A saved prompt's id: 26 Crockford base32 characters, a 48-bit millisecond timestamp then 80
/// bits that are random per process and increase within it, so ids sort by creation time.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromptId(String);

/// Why a string is not a [`PromptId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid prompt id `{0}`: expected 26 characters of Crockford base32 (0-9, A-Z without I, L, O, U)"
)]
pub struct PromptIdError(pub String);

impl PromptId {
    /// A new id for now.
    pub fn generate() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let seed = *SEED.get_or_init(|| {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(std::process::id());
            h.write_u128(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos(),
            );
            h.finish()
        });
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        // 80 bits: 16 from the seed's top, then 64 from a 62-bit seed plus a counter, so ids made
        // in one process within one millisecond still increase.
        let low = (seed >> 2).wrapping_add(count);
        let value: u128 = ((millis as u128 & 0xFFFF_FFFF_FFFF) << 80)
            | (((seed >> 48) as u128) << 64)
            | low as u128;
        let mut out = [0u8; 26];
        for (i, slot) in out.iter_mut().enumerate() {
            let shift = 5 * (25 - i);
            #[allow(
                clippy::indexing_slicing,
                reason = "masked to 5 bits, the index is below CROCKFORD's 32 entries"
            )]
            let digit = CROCKFORD[((value >> shift) & 0x1F) as usize];
            *slot = digit;
        }
        PromptId(String::from_utf8_lossy(&out).into_owned())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PromptId {
    type Err = PromptIdError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let upper = s.to_ascii_uppercase();
        if upper.len() == 26
            && upper.bytes().all(|b| CROCKFORD.contains(&b))
            && upper.as_bytes().first().is_some_and(|b| *b <= b'7')
        {
            Ok(PromptId(upper))
        } else {
            Err(PromptIdError(s.chars().take(40).collect()))
        }
    }
}

impl TryFrom<String> for PromptId {
    type Error = PromptIdError;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PromptId> for String {
    fn from(id: PromptId) -> String {
        id.0
    }
}

impl fmt::Display for PromptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Debug for PromptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PromptId({})", self.0)
    }
}

/// A prompt about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrompt {
    /// The model, as given.
    pub model_id: String,
    /// The region.
    pub region: Region,
    /// `Content-Type` of the body.
    pub content_type: String,
    /// `Accept`.
    pub accept: String,
    /// The request body.
    pub body: Bytes,
    /// Whether it is sent as a stream.
    pub stream: bool,
    /// The Converse conversation this turn belongs to; `None` for InvokeModel calls.
    pub conversation_id: Option<String>,
}

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptStatus {
    /// Saved, response not yet recorded.
    Pending,
    /// The model answered.
    Completed,
    /// The call failed; the row holds the error.
    Failed,
    /// The process ended before the call finished.
    Interrupted,
}

impl PromptStatus {
    /// The stable name stored in history rows.
    pub fn as_str(self) -> &'static str {
        match self {
            PromptStatus::Pending => "pending",
            PromptStatus::Completed => "completed",
            PromptStatus::Failed => "failed",
            PromptStatus::Interrupted => "interrupted",
        }
    }
}

impl FromStr for PromptStatus {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "pending" => PromptStatus::Pending,
            "completed" => PromptStatus::Completed,
            "failed" => PromptStatus::Failed,
            "interrupted" => PromptStatus::Interrupted,
            other => return Err(format!("unknown prompt status `{other}`")),
        })
    }
}

/// How a saved prompt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptOutcome {
    /// The model answered.
    Completed {
        /// The response's content type.
        content_type: String,
        /// The response body (for streams, the concatenated chunks).
        body: Bytes,
        /// Input tokens.
        input_tokens: Option<u32>,
        /// Output tokens.
        output_tokens: Option<u32>,
        /// Latency.
        latency: Duration,
    },
    /// The call failed.
    Failed {
        /// The error's kind.
        kind: ErrorKind,
        /// The error's message (never credentials).
        message: String,
    },
}

/// One row of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptRecord {
    /// Its id.
    pub id: PromptId,
    /// When it was saved.
    pub created_at: SystemTime,
    /// When it was completed, failed or marked interrupted.
    pub finished_at: Option<SystemTime>,
    /// Its state.
    pub status: PromptStatus,
    /// What was sent.
    pub prompt: NewPrompt,
    /// How it ended, if it has.
    pub outcome: Option<PromptOutcome>,
}

/// Where prompts are kept. Saving happens before the request is sent, so a crash leaves a
/// pending row rather than nothing.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait::async_trait]
pub trait PromptHistory: Debug + Send + Sync + 'static {
    /// Saves a prompt as pending and returns its id.
    async fn save(&self, prompt: NewPrompt) -> Result<PromptId>;

    /// Records how a saved prompt ended.
    async fn complete(&self, id: &PromptId, outcome: PromptOutcome) -> Result<()>;

    /// One record.
    async fn get(&self, id: &PromptId) -> Result<Option<PromptRecord>>;

    /// The newest records first, at most `limit`.
    async fn list(&self, limit: usize) -> Result<Vec<PromptRecord>>;
}

#[async_trait::async_trait]
impl<T: PromptHistory + ?Sized> PromptHistory for Arc<T> {
    async fn save(&self, prompt: NewPrompt) -> Result<PromptId> {
        (**self).save(prompt).await
    }
    async fn complete(&self, id: &PromptId, outcome: PromptOutcome) -> Result<()> {
        (**self).complete(id, outcome).await
    }
    async fn get(&self, id: &PromptId) -> Result<Option<PromptRecord>> {
        (**self).get(id).await
    }
    async fn list(&self, limit: usize) -> Result<Vec<PromptRecord>> {
        (**self).list(limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_ids_are_unique_sortable_and_parse_back() {
        let ids: Vec<PromptId> = (0..1000).map(|_| PromptId::generate()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, ids, "ids generated in order sort in order");
        sorted.dedup();
        assert_eq!(sorted.len(), 1000);
        let first = &ids[0];
        assert_eq!(first.as_str().parse::<PromptId>().unwrap(), *first);
        assert!("not-an-id".parse::<PromptId>().is_err());
        assert!("0".repeat(26).parse::<PromptId>().is_ok());
        assert!(
            "8".repeat(26).parse::<PromptId>().is_err(),
            "first char carries 3 bits"
        );
    }
}
