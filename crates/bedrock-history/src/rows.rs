//! Conversions between rows of the `prompts` table and `bedrock-core`'s record types.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::Row;

use bedrock_core::{
    ErrorKind, NewPrompt, PromptId, PromptOutcome, PromptRecord, PromptStatus, Region,
};

/// The columns [`StoredRow::from_row`] reads, in its order.
pub(crate) const RECORD_COLUMNS: &str = "id, created_at, finished_at, status, model_id, region, \
     content_type, accept, request_body, stream, response_content_type, response_body, \
     input_tokens, output_tokens, latency_ms, error_kind, error_message, conversation_id";

/// A row holds a value the record types cannot represent (a file edited by hand, or written by
/// a build that knows more kinds or regions).
#[derive(Debug, thiserror::Error)]
#[error("history row `{id}`: column `{column}` has value {value}; allowed: {allowed}")]
pub(crate) struct BadColumn {
    id: String,
    column: &'static str,
    value: String,
    allowed: String,
}

/// One row as SQLite returns it, before its values are checked.
pub(crate) struct StoredRow {
    id: String,
    created_at: i64,
    finished_at: Option<i64>,
    status: String,
    model_id: String,
    region: String,
    content_type: String,
    accept: String,
    request_body: Vec<u8>,
    stream: bool,
    response_content_type: Option<String>,
    response_body: Option<Vec<u8>>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    latency_ms: Option<i64>,
    error_kind: Option<String>,
    error_message: Option<String>,
    conversation_id: Option<String>,
}

impl StoredRow {
    /// Reads a row selected with [`RECORD_COLUMNS`].
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(StoredRow {
            id: row.get(0)?,
            created_at: row.get(1)?,
            finished_at: row.get(2)?,
            status: row.get(3)?,
            model_id: row.get(4)?,
            region: row.get(5)?,
            content_type: row.get(6)?,
            accept: row.get(7)?,
            request_body: row.get(8)?,
            stream: row.get(9)?,
            response_content_type: row.get(10)?,
            response_body: row.get(11)?,
            input_tokens: row.get(12)?,
            output_tokens: row.get(13)?,
            latency_ms: row.get(14)?,
            error_kind: row.get(15)?,
            error_message: row.get(16)?,
            conversation_id: row.get(17)?,
        })
    }

    fn bad(
        &self,
        column: &'static str,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) -> BadColumn {
        BadColumn {
            id: self.id.clone(),
            column,
            value: value.into(),
            allowed: allowed.into(),
        }
    }

    fn required<T>(&self, column: &'static str, value: Option<T>) -> Result<T, BadColumn> {
        value.ok_or_else(|| {
            self.bad(
                column,
                "NULL",
                format!("a value, since the row's status is `{}`", self.status),
            )
        })
    }

    fn time(&self, column: &'static str, millis: i64) -> Result<SystemTime, BadColumn> {
        u64::try_from(millis)
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
            .map_err(|_| {
                self.bad(
                    column,
                    millis.to_string(),
                    "milliseconds since 1970, 0 or more",
                )
            })
    }

    fn tokens(&self, column: &'static str, value: Option<i64>) -> Result<Option<u32>, BadColumn> {
        value
            .map(|n| {
                u32::try_from(n)
                    .map_err(|_| self.bad(column, n.to_string(), format!("0..={}", u32::MAX)))
            })
            .transpose()
    }

    /// Checks every value and builds the record.
    pub(crate) fn into_record(self) -> Result<PromptRecord, BadColumn> {
        let id: PromptId = self.id.parse().map_err(|_| {
            self.bad(
                "id",
                format!("`{}`", self.id),
                "26 characters of Crockford base32",
            )
        })?;
        let status: PromptStatus = self.status.parse().map_err(|_| {
            self.bad(
                "status",
                format!("`{}`", self.status),
                "pending, completed, failed, interrupted",
            )
        })?;
        let region: Region = self.region.parse().map_err(|_| {
            let known: Vec<&str> = Region::ALL.iter().map(|r| r.as_str()).collect();
            self.bad("region", format!("`{}`", self.region), known.join(", "))
        })?;
        let created_at = self.time("created_at", self.created_at)?;
        let finished_at = self
            .finished_at
            .map(|ms| self.time("finished_at", ms))
            .transpose()?;
        let outcome = match status {
            PromptStatus::Pending | PromptStatus::Interrupted => None,
            PromptStatus::Completed => {
                let latency_ms = self.required("latency_ms", self.latency_ms)?;
                let latency = u64::try_from(latency_ms)
                    .map(Duration::from_millis)
                    .map_err(|_| {
                        self.bad(
                            "latency_ms",
                            latency_ms.to_string(),
                            "milliseconds, 0 or more",
                        )
                    })?;
                Some(PromptOutcome::Completed {
                    content_type: self
                        .required("response_content_type", self.response_content_type.clone())?,
                    body: Bytes::from(self.required("response_body", self.response_body.clone())?),
                    input_tokens: self.tokens("input_tokens", self.input_tokens)?,
                    output_tokens: self.tokens("output_tokens", self.output_tokens)?,
                    latency,
                })
            }
            PromptStatus::Failed => {
                let kind_name = self.required("error_kind", self.error_kind.clone())?;
                let kind = parse_error_kind(&kind_name).ok_or_else(|| {
                    self.bad(
                        "error_kind",
                        format!("`{kind_name}`"),
                        ALL_ERROR_KIND_NAMES.join(", "),
                    )
                })?;
                Some(PromptOutcome::Failed {
                    kind,
                    message: self.required("error_message", self.error_message.clone())?,
                })
            }
        };
        Ok(PromptRecord {
            id,
            created_at,
            finished_at,
            status,
            prompt: NewPrompt {
                model_id: self.model_id,
                region,
                content_type: self.content_type,
                accept: self.accept,
                body: Bytes::from(self.request_body),
                stream: self.stream,
                conversation_id: self.conversation_id,
            },
            outcome,
        })
    }
}

/// Every name [`parse_error_kind`] accepts, as [`ErrorKind::as_str`] writes them.
const ALL_ERROR_KIND_NAMES: &[&str] = &[
    "validation",
    "access_denied",
    "not_found",
    "conflict",
    "model_timeout",
    "model_error",
    "throttling",
    "service_quota_exceeded",
    "model_not_ready",
    "service_unavailable",
    "internal",
    "credentials",
    "transport",
    "decode",
    "unsupported",
    "history",
    "tool_rounds",
];

/// The kind whose [`ErrorKind::as_str`] is `name`.
pub(crate) fn parse_error_kind(name: &str) -> Option<ErrorKind> {
    Some(match name {
        "validation" => ErrorKind::Validation,
        "access_denied" => ErrorKind::AccessDenied,
        "not_found" => ErrorKind::NotFound,
        "conflict" => ErrorKind::Conflict,
        "model_timeout" => ErrorKind::ModelTimeout,
        "model_error" => ErrorKind::ModelError,
        "throttling" => ErrorKind::Throttling,
        "service_quota_exceeded" => ErrorKind::ServiceQuotaExceeded,
        "model_not_ready" => ErrorKind::ModelNotReady,
        "service_unavailable" => ErrorKind::ServiceUnavailable,
        "internal" => ErrorKind::Internal,
        "credentials" => ErrorKind::Credentials,
        "transport" => ErrorKind::Transport,
        "decode" => ErrorKind::Decode,
        "unsupported" => ErrorKind::Unsupported,
        "history" => ErrorKind::History,
        "tool_rounds" => ErrorKind::ToolRounds,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_name_parses_back_to_a_kind_with_that_name() {
        for name in ALL_ERROR_KIND_NAMES {
            let kind = parse_error_kind(name).unwrap_or_else(|| panic!("`{name}` does not parse"));
            assert_eq!(kind.as_str(), *name);
        }
        assert_eq!(parse_error_kind("Throttling"), None);
        assert_eq!(parse_error_kind(""), None);
    }

    #[test]
    fn every_kind_core_knows_has_a_name_here() {
        let kinds = [
            ErrorKind::Validation,
            ErrorKind::AccessDenied,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::ModelTimeout,
            ErrorKind::ModelError,
            ErrorKind::Throttling,
            ErrorKind::ServiceQuotaExceeded,
            ErrorKind::ModelNotReady,
            ErrorKind::ServiceUnavailable,
            ErrorKind::Internal,
            ErrorKind::Credentials,
            ErrorKind::Transport,
            ErrorKind::Decode,
            ErrorKind::Unsupported,
            ErrorKind::History,
            ErrorKind::ToolRounds,
        ];
        assert_eq!(kinds.len(), ALL_ERROR_KIND_NAMES.len());
        for kind in kinds {
            assert_eq!(parse_error_kind(kind.as_str()), Some(kind));
        }
    }
}
