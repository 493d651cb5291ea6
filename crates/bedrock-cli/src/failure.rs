//! `CliError`: everything a command can fail with, its kind name, exit code, hint and how it is
//! printed (`error (<kind>): <message>` + `hint: ...`, or one JSON object on stderr).

use std::fmt::Write as _;

use bedrock_backend_aws::ResponseTooLarge;
use bedrock_connector::{Error, ErrorKind};
use bedrock_emulator::EmulatorError;

use crate::output::capped;

/// Exit code of a run that stopped on Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The connector (or Bedrock behind it) failed.
    Bedrock(Error),
    /// The arguments or the environment are wrong in a way the argument parser cannot see
    /// (an unknown region in `AWS_REGION`, conflicting options); nothing was sent.
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },
    /// A local file could not be read or written.
    Io {
        /// What was being done, naming the file.
        message: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The emulator could not start or stopped serving.
    Emulator(EmulatorError),
    /// Credentials could not be set up locally.
    Auth(bedrock_auth::AuthError),
    /// Ctrl-C arrived before the command finished.
    Interrupted,
    /// Standard output was closed by the reader (`bedrock models | head -3`); not a failure.
    StdoutClosed,
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Bedrock(e)
    }
}

impl From<EmulatorError> for CliError {
    fn from(e: EmulatorError) -> Self {
        CliError::Emulator(e)
    }
}

impl From<bedrock_auth::AuthError> for CliError {
    fn from(e: bedrock_auth::AuthError) -> Self {
        CliError::Auth(e)
    }
}

impl CliError {
    /// A usage error.
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// An I/O error about `what` (which names the file).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            message: what.into(),
            source,
        }
    }

    /// The kind's stable name, as printed in `error (<kind>)` and in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Bedrock(e) => e.kind().as_str(),
            CliError::Usage { .. } => "usage",
            CliError::Io { .. } => "io",
            CliError::Emulator(EmulatorError::InvalidConfig { .. }) => "usage",
            CliError::Emulator(_) => "emulator",
            CliError::Auth(_) => "credentials",
            CliError::Interrupted => "interrupted",
            CliError::StdoutClosed => "stdout_closed",
        }
    }

    /// The process exit code (the table in the README).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Bedrock(e) => exit_code_for(e.kind()),
            CliError::Usage { .. } => 2,
            CliError::Emulator(EmulatorError::InvalidConfig { .. }) => 2,
            CliError::Auth(_) => 3,
            CliError::Io { .. } | CliError::Emulator(_) => 1,
            CliError::Interrupted => EXIT_INTERRUPTED,
            CliError::StdoutClosed => 0,
        }
    }

    /// The message, with the error's sources appended when they add something.
    pub fn message(&self) -> String {
        let (mut message, mut source): (String, Option<&(dyn std::error::Error + 'static)>) =
            match self {
                CliError::Bedrock(e) => (e.to_string(), std::error::Error::source(e)),
                CliError::Usage { message, .. } => (message.clone(), None),
                CliError::Io { message, source } => (message.clone(), Some(source)),
                CliError::Emulator(e) => (e.to_string(), std::error::Error::source(e)),
                CliError::Auth(e) => (e.to_string(), std::error::Error::source(e)),
                CliError::Interrupted => ("interrupted".to_owned(), None),
                CliError::StdoutClosed => ("standard output was closed".to_owned(), None),
            };
        while let Some(s) = source {
            let text = s.to_string();
            if !text.is_empty() && !message.contains(&text) {
                let _ = write!(message, ": {text}");
            }
            source = s.source();
        }
        message
    }

    /// What to do about it, when something useful can be said.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Bedrock(e) => match response_limit(e) {
                Some(limit) => Some(format!(
                    "the answer is larger than --max-response-bytes ({} bytes) allows; raise it \
                     if an answer this large is expected",
                    limit.limit
                )),
                None => e.hint(),
            },
            CliError::Usage { hint, .. } => hint.clone(),
            CliError::Io { .. } => None,
            CliError::Emulator(EmulatorError::Bind { .. }) => {
                Some("pick another --port, or --port 0 for any free one".to_owned())
            }
            CliError::Emulator(EmulatorError::InvalidConfig { .. }) => {
                Some("fix the configuration file; the emulator README lists every key".to_owned())
            }
            CliError::Emulator(_) => None,
            CliError::Auth(_) => Some(
                "check AWS credentials (environment, --profile, SSO) or use --backend emulator"
                    .to_owned(),
            ),
            CliError::Interrupted | CliError::StdoutClosed => None,
        }
    }

    /// Bedrock's request id of the failed call.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            CliError::Bedrock(e) => e.request_id(),
            _ => None,
        }
    }

    /// The request field a local validation error is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            CliError::Bedrock(e) => e.field(),
            _ => None,
        }
    }

    /// How many attempts the failed call took, where the backend counts them (the AWS SDK's
    /// retries included).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            CliError::Bedrock(e) => e.attempts(),
            _ => None,
        }
    }

    /// The message as printed: at most `max_bytes` of it (see [`capped`]), then how many
    /// attempts the call took when it took more than one.
    fn printed_message(&self, max_bytes: usize) -> String {
        let message = self.message();
        let mut printed = capped(&message, max_bytes).into_owned();
        if let Some(n) = self.attempts().filter(|&n| n > 1) {
            let _ = write!(printed, " (after {n} attempts)");
        }
        printed
    }

    /// Whether the same command may succeed if run again.
    pub fn retryable(&self) -> bool {
        match self {
            CliError::Bedrock(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The text form: `error (<kind>): <message>`, then `hint: <hint>` when there is one; at
    /// most `max_message_bytes` of the message.
    pub fn render_text(&self, max_message_bytes: usize) -> String {
        let mut out = format!(
            "error ({}): {}",
            self.kind(),
            self.printed_message(max_message_bytes)
        );
        if let Some(hint) = self.hint() {
            let _ = write!(out, "\nhint: {hint}");
        }
        out
    }

    /// The JSON form: `{"error": {"kind", "message", "hint", "request_id", "field",
    /// "retryable", "attempts", "exit_code"}}`, with at most `max_message_bytes` of the message.
    pub fn render_json(&self, max_message_bytes: usize) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "kind": self.kind(),
                "message": capped(&self.message(), max_message_bytes),
                "hint": self.hint(),
                "request_id": self.request_id(),
                "field": self.field(),
                "retryable": self.retryable(),
                "attempts": self.attempts(),
                "exit_code": self.exit_code(),
            }
        })
    }
}

/// The response-size limit a call's error says it hit, if it hit one: the transport error's
/// generic hint (the endpoint URL and network) would mislead there.
fn response_limit(e: &Error) -> Option<&ResponseTooLarge> {
    std::iter::successors(Some(e as &(dyn std::error::Error + 'static)), |&e| {
        e.source()
    })
    .find_map(|e| e.downcast_ref::<ResponseTooLarge>())
}

/// The exit code for a connector error kind.
pub fn exit_code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Validation | ErrorKind::Conflict => 2,
        ErrorKind::Credentials | ErrorKind::AccessDenied => 3,
        ErrorKind::NotFound => 4,
        ErrorKind::Throttling | ErrorKind::ServiceQuotaExceeded | ErrorKind::ModelNotReady => 5,
        ErrorKind::ModelError | ErrorKind::ModelTimeout => 6,
        ErrorKind::ServiceUnavailable | ErrorKind::Internal => 7,
        ErrorKind::Transport => 8,
        ErrorKind::Decode | ErrorKind::Unsupported | ErrorKind::History => 9,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_connector::ServiceDetails;

    #[test]
    fn exit_codes_follow_the_documented_table() {
        let table = [
            (ErrorKind::Validation, 2),
            (ErrorKind::Conflict, 2),
            (ErrorKind::Credentials, 3),
            (ErrorKind::AccessDenied, 3),
            (ErrorKind::NotFound, 4),
            (ErrorKind::Throttling, 5),
            (ErrorKind::ServiceQuotaExceeded, 5),
            (ErrorKind::ModelNotReady, 5),
            (ErrorKind::ModelError, 6),
            (ErrorKind::ModelTimeout, 6),
            (ErrorKind::ServiceUnavailable, 7),
            (ErrorKind::Internal, 7),
            (ErrorKind::Transport, 8),
            (ErrorKind::Decode, 9),
            (ErrorKind::Unsupported, 9),
            (ErrorKind::History, 9),
        ];
        for (kind, code) in table {
            assert_eq!(exit_code_for(kind), code, "{kind}");
        }
        let readme = include_str!("../README.md");
        for (kind, code) in table {
            assert!(
                readme.contains(&format!("`{}`", kind.as_str())),
                "README's exit-code table names `{kind}`"
            );
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| {code} ")))
                .unwrap_or_else(|| panic!("README has a row for exit code {code}"));
            assert!(
                row.contains(kind.as_str()),
                "row {code} lists {kind}: {row}"
            );
        }
    }

    #[test]
    fn text_and_json_forms_carry_kind_message_hint_and_request_id() {
        let err = CliError::Bedrock(Error::from_service(
            ErrorKind::NotFound,
            ServiceDetails::new("Could not resolve the foundation model")
                .with_request_id("req-1")
                .with_hint("use a profile"),
        ));
        let text = err.render_text(usize::MAX);
        assert!(
            text.starts_with("error (not_found): not found: Could not resolve"),
            "{text}"
        );
        assert!(text.ends_with("\nhint: use a profile"), "{text}");
        let json = err.render_json(usize::MAX);
        assert_eq!(json["error"]["kind"], "not_found");
        assert_eq!(json["error"]["request_id"], "req-1");
        assert_eq!(json["error"]["hint"], "use a profile");
        assert_eq!(json["error"]["exit_code"], 4);
        assert!(json["error"]["field"].is_null());
    }

    #[test]
    fn a_long_message_is_cut_and_attempts_are_told() {
        let mut details = ServiceDetails::new("x".repeat(10_000_000)).with_status(400);
        details.attempts = Some(3);
        let err = CliError::Bedrock(Error::from_service(ErrorKind::ServiceUnavailable, details));
        let text = err.render_text(4096);
        assert!(text.len() < 4400, "{}", text.len());
        assert!(
            text.contains("more bytes not shown; --max-error-bytes shows more] (after 3 attempts)"),
            "{}",
            &text[4000..]
        );
        let json = err.render_json(4096);
        assert!(json["error"]["message"].as_str().unwrap().len() < 4200);
        assert_eq!(json["error"]["attempts"], 3);
        let once = CliError::Bedrock(Error::invalid("max_tokens", 0, "1..=4096"));
        assert!(!once.render_text(4096).contains("attempts"));
        assert!(once.render_json(4096)["error"]["attempts"].is_null());
    }

    #[test]
    fn sources_are_appended_once() {
        let err = CliError::io(
            "cannot read `body.json`",
            std::io::Error::new(std::io::ErrorKind::NotFound, "No such file"),
        );
        assert_eq!(err.message(), "cannot read `body.json`: No such file");
        assert_eq!(err.exit_code(), 1);
        let invalid = CliError::Bedrock(Error::invalid("max_tokens", 0, "1..=4096"));
        assert_eq!(invalid.kind(), "validation");
        assert_eq!(invalid.field(), Some("max_tokens"));
        assert!(invalid.hint().unwrap().contains("nothing was sent"));
    }
}
