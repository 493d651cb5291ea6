//! Splits a stored object into lines as it is read, never holding more than one record's
//! allowed size: a longer line is reported by its length and first bytes, the rest skipped.

use bytes::{Bytes, BytesMut};

use crate::s3::store::{ObjectReader, StoreError};

/// One line of the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line within the limit, without its line end.
    Whole(Bytes),
    /// A line over the limit: its first `limit` bytes and its full length.
    Oversize {
        /// The first bytes, enough to find a record id near the start.
        head: Bytes,
        /// The line's length in bytes.
        len: u64,
    },
}

/// Reads lines from an object.
#[derive(Debug)]
pub(crate) struct LineReader {
    reader: ObjectReader,
    chunk: Bytes,
    line: BytesMut,
    /// Bytes of the current line seen so far, kept or not.
    line_len: u64,
    limit: usize,
    done: bool,
}

impl LineReader {
    /// Lines of `reader`, each kept up to `limit` bytes.
    pub(crate) fn new(reader: ObjectReader, limit: usize) -> Self {
        LineReader {
            reader,
            chunk: Bytes::new(),
            line: BytesMut::new(),
            line_len: 0,
            limit,
            done: false,
        }
    }

    fn take_line(&mut self) -> Line {
        let len = std::mem::take(&mut self.line_len);
        let mut kept = self.line.split().freeze();
        if kept.last() == Some(&b'\r') && len as usize == kept.len() {
            kept.truncate(kept.len() - 1);
        }
        if len > self.limit as u64 {
            Line::Oversize { head: kept, len }
        } else {
            Line::Whole(kept)
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.line.len());
        let take = bytes.len().min(room);
        self.line
            .extend_from_slice(bytes.get(..take).unwrap_or_default());
        self.line_len += bytes.len() as u64;
    }

    /// The next line (blank lines included), or `None` at the end.
    pub(crate) async fn next_line(&mut self) -> Result<Option<Line>, StoreError> {
        loop {
            if let Some(i) = self.chunk.iter().position(|b| *b == b'\n') {
                let rest = self.chunk.split_off(i + 1);
                let with_end = std::mem::replace(&mut self.chunk, rest);
                self.keep(with_end.get(..i).unwrap_or_default());
                return Ok(Some(self.take_line()));
            }
            let rest = std::mem::take(&mut self.chunk);
            self.keep(&rest);
            if self.done {
                return Ok(None);
            }
            match self.reader.next_chunk().await? {
                Some(chunk) => self.chunk = chunk,
                None => {
                    self.done = true;
                    if self.line_len > 0 {
                        return Ok(Some(self.take_line()));
                    }
                    return Ok(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(text: &[u8], limit: usize) -> Vec<Line> {
        let mut r = LineReader::new(ObjectReader::Memory(Bytes::copy_from_slice(text)), limit);
        let mut out = Vec::new();
        while let Some(line) = r.next_line().await.unwrap() {
            out.push(line);
        }
        out
    }

    fn whole(s: &str) -> Line {
        Line::Whole(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[tokio::test]
    async fn splits_lines_and_reports_long_ones_by_length() {
        assert_eq!(
            lines(b"ab\r\ncd\n\nlast", 4).await,
            [whole("ab"), whole("cd"), whole(""), whole("last")]
        );
        assert_eq!(
            lines(b"0123456789\nok\n", 4).await,
            [
                Line::Oversize {
                    head: Bytes::from_static(b"0123"),
                    len: 10
                },
                whole("ok")
            ]
        );
        assert!(lines(b"", 4).await.is_empty());
    }
}
