//! Printing: the `Printer` that writes results to stdout (text or JSON) and notes to stderr, and
//! the formatting helpers commands share (tables, timestamps, bodies as JSON).

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::cli::OutputFormat;
use crate::failure::CliError;
use crate::terminal::{escape_c1_in_json, strip_controls};

/// Writes a command's results. Results go to stdout; notes (prompt ids, the emulator notice) go to
/// stderr so that stdout stays parseable.
///
/// Text goes to a terminal without control characters or escape sequences
/// ([`strip_controls`]): most of what the CLI prints comes from a model or a server, and the CLI
/// writes none of its own through here. Pipes and files get every byte unchanged. JSON is
/// always written with every control character escaped, so it stays the same JSON.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    format: OutputFormat,
    stdout_terminal: bool,
    stderr_terminal: bool,
    max_error_bytes: usize,
}

/// The default of `--max-error-bytes`: the most bytes of an error message printed. Bedrock's
/// own messages are a sentence or two; a longer one is a server or proxy answering with a page.
pub const DEFAULT_MAX_ERROR_BYTES: usize = 4096;

impl Printer {
    /// A printer for this format, cleaning text for stdout and stderr where they are terminals.
    pub fn new(format: OutputFormat) -> Self {
        Printer {
            format,
            stdout_terminal: std::io::stdout().is_terminal(),
            stderr_terminal: stderr_is_terminal(),
            max_error_bytes: DEFAULT_MAX_ERROR_BYTES,
        }
    }

    /// Prints at most `max` bytes of an error's message.
    pub fn with_max_error_bytes(self, max: usize) -> Self {
        Printer {
            max_error_bytes: max,
            ..self
        }
    }

    /// Whether results are JSON.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// At most this many bytes of an error message are printed (`--max-error-bytes`).
    pub fn max_error_bytes(&self) -> usize {
        self.max_error_bytes
    }

    /// `text` as stdout may show it.
    fn for_stdout<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.stdout_terminal {
            strip_controls(text)
        } else {
            Cow::Borrowed(text)
        }
    }

    /// Writes bytes to stdout as they are; to a terminal, as text without controls.
    pub fn raw(&self, bytes: &[u8]) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        if self.stdout_terminal {
            let text = String::from_utf8_lossy(bytes);
            return out
                .write_all(strip_controls(&text).as_bytes())
                .map_err(stdout_error);
        }
        out.write_all(bytes).map_err(stdout_error)
    }

    /// Writes text and flushes, for tokens that must show up as they arrive.
    pub fn partial(&self, text: &str) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        out.write_all(self.for_stdout(text).as_bytes())
            .and_then(|()| out.flush())
            .map_err(stdout_error)
    }

    /// Writes one line to stdout.
    pub fn line(&self, text: &str) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", self.for_stdout(text)).map_err(stdout_error)
    }

    /// Writes a JSON document to stdout, pretty-printed.
    pub fn json(&self, value: &Value) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", escape_c1_in_json(text)).map_err(stdout_error)
    }

    /// Writes a JSON document on one line and flushes (streams are JSON lines).
    pub fn json_line(&self, value: &Value) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", escape_c1_in_json(value.to_string()))
            .and_then(|()| out.flush())
            .map_err(stdout_error)
    }

    /// Writes a note for people to stderr.
    pub fn note(&self, text: &str) {
        let text = if self.stderr_terminal {
            strip_controls(text)
        } else {
            Cow::Borrowed(text)
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    }

    /// Prints a failure on stderr in the output's format, its message cut to
    /// [`Printer::max_error_bytes`].
    pub fn error(&self, error: &CliError) {
        if self.is_json() {
            let json = error.render_json(self.max_error_bytes).to_string();
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{}", escape_c1_in_json(json));
        } else {
            self.note(&error.render_text(self.max_error_bytes));
        }
    }
}

/// At most `max` bytes of `text` (cut at a character boundary), followed, when anything was
/// cut, by a note of how much and how to see more.
pub fn capped(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}... [{} more bytes not shown; --max-error-bytes shows more]",
        &text[..end],
        text.len() - end
    ))
}

fn stdout_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::StdoutClosed
    } else {
        CliError::io("cannot write to standard output", e)
    }
}

/// Whether stderr is a terminal a person watches (for the spinner and colours).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A plain-text table: a header row, then one row per item; columns padded to their widest
/// cell, the last column left ragged.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |cells: &mut dyn Iterator<Item = &str>| {
        let mut line = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < widths.len() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        line.trim_end().to_owned()
    };
    let mut out = render(&mut headers.iter().copied());
    for row in rows {
        out.push('\n');
        out.push_str(&render(&mut row.iter().map(String::as_str)));
    }
    out
}

/// RFC 3339 in UTC with milliseconds: `2025-03-01T12:00:00.123Z`.
const RFC3339_MILLIS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A time as RFC 3339 in UTC with milliseconds (`2025-03-01T12:00:00.123Z`). Times before 1970
/// are printed as 1970-01-01, times after 9999 as seconds since the epoch.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    i128::try_from(since.as_nanos())
        .ok()
        .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(nanos).ok())
        .and_then(|utc| utc.format(RFC3339_MILLIS).ok())
        .unwrap_or_else(|| format!("{} seconds after the Unix epoch", since.as_secs()))
}

/// Milliseconds of a duration, for JSON.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A body for JSON output: `(body, encoding)` where encoding is `json` (the parsed document),
/// `ndjson` (an array of the parsed lines of a saved stream), `text` (a UTF-8 string) or
/// `base64`.
pub fn body_value(content_type: &str, bytes: &[u8]) -> (Value, &'static str) {
    if content_type.contains("ndjson") {
        let lines: Option<Vec<Value>> = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(|l| serde_json::from_slice(l).ok())
            .collect();
        if let Some(lines) = lines {
            return (Value::Array(lines), "ndjson");
        }
    }
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return (v, "json");
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (Value::String(s.to_owned()), "text"),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            "base64",
        ),
    }
}

/// A body for people: pretty JSON when it parses, the text when it is UTF-8, else a note.
pub fn body_text(content_type: &str, bytes: &[u8]) -> String {
    match body_value(content_type, bytes) {
        (Value::Array(lines), "ndjson") => lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        (v, "json") => serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()),
        (Value::String(s), "text") => s,
        _ => format!(
            "<{} bytes of {content_type}; use --output json to get them in base64>",
            bytes.len()
        ),
    }
}

/// `{"body": ..., "body_encoding": ...}` merged into `object`.
pub fn put_body(object: &mut Value, content_type: &str, bytes: &[u8]) {
    let (body, encoding) = body_value(content_type, bytes);
    if let Value::Object(map) = object {
        map.insert("body".to_owned(), body);
        map.insert("body_encoding".to_owned(), json!(encoding));
    }
}

/// A list for people: the items joined with `,`, or `-` when empty.
pub fn joined<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    let parts: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_with_a_note_of_how_much() {
        assert_eq!(capped("short", 10), "short");
        assert_eq!(capped("exactly10!", 10), "exactly10!");
        let ten_mb = "x".repeat(10_000_000);
        let shown = capped(&ten_mb, DEFAULT_MAX_ERROR_BYTES);
        assert!(
            shown.len() < DEFAULT_MAX_ERROR_BYTES + 100,
            "{}",
            shown.len()
        );
        assert!(
            shown.ends_with("... [9995904 more bytes not shown; --max-error-bytes shows more]"),
            "{}",
            &shown[4000..]
        );
        // Never inside a character: "é" is 2 bytes.
        assert_eq!(
            capped("éé", 3),
            "é... [2 more bytes not shown; --max-error-bytes shows more]"
        );
        assert_eq!(
            capped("abc", 0),
            "... [3 more bytes not shown; --max-error-bytes shows more]"
        );
    }

    #[test]
    fn tables_pad_every_column_but_the_last() {
        let t = table(
            &["ID", "NAME", "X"],
            &[
                vec!["a".into(), "long name".into(), "1".into()],
                vec!["bbbb".into(), "n".into(), "".into()],
            ],
        );
        assert_eq!(t, "ID    NAME       X\na     long name  1\nbbbb  n");
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(4_102_444_799);
        assert_eq!(rfc3339(t), "2099-12-31T23:59:59.000Z");
    }

    #[test]
    fn bodies_become_json_text_ndjson_or_base64() {
        assert_eq!(
            body_value("application/json", br#"{"a":1}"#),
            (json!({"a": 1}), "json")
        );
        assert_eq!(
            body_value("application/x-ndjson", b"{\"a\":1}\n{\"b\":2}\n"),
            (json!([{"a": 1}, {"b": 2}]), "ndjson")
        );
        assert_eq!(body_value("text/plain", b"hello"), (json!("hello"), "text"));
        assert_eq!(
            body_value("image/png", &[0x89, b'P', 0xff]),
            (json!("iVD/"), "base64")
        );
        assert_eq!(
            body_text("application/json", br#"{"a":1}"#),
            "{\n  \"a\": 1\n}"
        );
        assert!(body_text("image/png", &[0xff, 0xfe]).starts_with("<2 bytes of image/png"));
    }
}
