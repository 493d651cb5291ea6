//! Seeded randomness: a stable 64-bit hash, a SplitMix64 generator and deterministic ids.
//!
//! Everything the simulator varies comes from here, so that the same seed and the same request
//! give the same bytes on every run, platform and process (no `HashMap` order, no clock).

use serde_json::Value;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A stable 64-bit hash (FNV-1a over the bytes, finished with a SplitMix64 mix) of several parts.
///
/// Parts are length-prefixed so that `("ab", "c")` and `("a", "bc")` hash differently.
pub(crate) fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h = StableHasher::new();
    for part in parts {
        h.part(part);
    }
    h.finish()
}

/// [`stable_hash`] fed part by part, so that a part can be streamed in (see
/// [`StableHasher::key_part`]) and a common prefix of parts hashed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StableHasher {
    state: u64,
}

impl StableHasher {
    /// A hasher that has seen no part yet.
    pub(crate) fn new() -> Self {
        StableHasher { state: FNV_OFFSET }
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.state;
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(FNV_PRIME);
        }
        self.state = h;
    }

    /// Adds one part (its length, then its bytes).
    pub(crate) fn part(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }

    /// Adds one part made of `pieces` laid end to end, JSON values in canonical form
    /// ([`canonical_json`]'s text), without building that text: a first walk measures it, a
    /// second feeds it to the hash.
    pub(crate) fn key_part(&mut self, pieces: &[KeyPiece<'_>]) {
        let mut len = ByteCount(0);
        for piece in pieces {
            piece.emit(&mut len);
        }
        self.write(&(len.0 as u64).to_le_bytes());
        for piece in pieces {
            piece.emit(self);
        }
    }

    /// The hash of the parts added so far.
    pub(crate) fn finish(self) -> u64 {
        mix(self.state)
    }
}

/// One piece of a prompt key: literal text, or a JSON value in canonical form.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyPiece<'a> {
    /// Text as is.
    Text(&'a str),
    /// A JSON value, as [`canonical_json`] writes it.
    Json(&'a Value),
    /// A JSON string holding this text, written as [`canonical_json`] writes a string.
    Str(&'a str),
}

impl KeyPiece<'_> {
    fn emit(&self, sink: &mut impl Sink) {
        match self {
            KeyPiece::Text(text) => sink.put(text.as_bytes()),
            KeyPiece::Json(value) => emit_canonical(value, sink),
            KeyPiece::Str(text) => emit_str(text, sink),
        }
    }
}

/// Where canonical JSON bytes go: a hash or a length count.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for StableHasher {
    fn put(&mut self, bytes: &[u8]) {
        self.write(bytes);
    }
}

struct ByteCount(usize);

impl Sink for ByteCount {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

#[cfg(test)]
impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Lets serde_json's own escaping and number formatting write into a [`Sink`].
struct SinkWriter<'s, S>(&'s mut S);

impl<S: Sink> std::io::Write for SinkWriter<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.put(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a number, boolean or null exactly as `Value::to_string` would.
fn emit_scalar<T: serde::Serialize + ?Sized>(value: &T, sink: &mut impl Sink) {
    // A sink never fails and scalars always serialize.
    #[allow(clippy::expect_used)]
    // SinkWriter never errs; numbers, bools and null always serialize.
    serde_json::to_writer(SinkWriter(sink), value).expect("JSON scalars always serialize");
}

/// Writes a JSON string exactly as serde_json does: `"` and `\\` escaped with a backslash,
/// the control characters below 0x20 as `\b \t \n \f \r` or `\u00xx`, everything else as
/// is. Runs of plain bytes go to the sink in one piece.
fn emit_str(text: &str, sink: &mut impl Sink) {
    sink.put(b"\"");
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte >= 0x20 && byte != b'"' && byte != b'\\' {
            continue;
        }
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0a => b'n',
            0x0c => b'f',
            0x0d => b'r',
            _ => b'u',
        };
        if let Some(run) = bytes.get(start..i).filter(|run| !run.is_empty()) {
            sink.put(run);
        }
        if short == b'u' {
            sink.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                hex_digit(byte >> 4),
                hex_digit(byte),
            ]);
        } else {
            sink.put(&[b'\\', short]);
        }
        start = i.saturating_add(1);
    }
    if let Some(run) = bytes.get(start..).filter(|run| !run.is_empty()) {
        sink.put(run);
    }
    sink.put(b"\"");
}

/// JSON text with object keys sorted at every level (byte order), the same bytes as
/// [`canonical_json`].
fn emit_canonical(value: &Value, sink: &mut impl Sink) {
    match value {
        Value::Object(map) => {
            sink.put(b"{");
            if map.keys().is_sorted() {
                for (i, (k, v)) in map.iter().enumerate() {
                    emit_entry(i, k, v, sink);
                }
            } else if map.len() <= SMALL_OBJECT {
                // A request object's few keys are sorted on the stack.
                let mut entries = [None; SMALL_OBJECT];
                for (slot, entry) in entries.iter_mut().zip(map.iter()) {
                    *slot = Some(entry);
                }
                // The unused slots are `None`, which sorts first and `flatten` skips.
                entries.sort_unstable_by(|a, b| a.map(|e| e.0).cmp(&b.map(|e| e.0)));
                for (i, (k, v)) in entries.iter().flatten().enumerate() {
                    emit_entry(i, k, v, sink);
                }
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    emit_entry(i, k, v, sink);
                }
            }
            sink.put(b"}");
        }
        Value::Array(items) => {
            sink.put(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sink.put(b",");
                }
                emit_canonical(item, sink);
            }
            sink.put(b"]");
        }
        Value::String(text) => emit_str(text, sink),
        other => emit_scalar(other, sink),
    }
}

/// Objects with at most this many keys are sorted without allocating.
const SMALL_OBJECT: usize = 16;

/// One `"key":value` member of an object, after a `,` unless it is the first.
fn emit_entry(i: usize, key: &str, value: &Value, sink: &mut impl Sink) {
    if i > 0 {
        sink.put(b",");
    }
    emit_str(key, sink);
    sink.put(b":");
    emit_canonical(value, sink);
}

/// The SplitMix64 finaliser.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64: tiny, fast, and good enough for plausible text, pixels and fault dice.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.state)
    }

    /// A value in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift keeps the bias negligible for the small ranges used here.
        // Two 64-bit factors: the product always fits in 128 bits.
        (u128::from(self.next_u64()).wrapping_mul(u128::from(n)) >> 64) as u64
    }

    /// A value in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo.saturating_add(self.below(hi.saturating_sub(lo).saturating_add(1)))
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A UUID-shaped (version 4 layout) id from 128 deterministic bits: their lower-case hex,
/// dashed 8-4-4-4-12.
pub(crate) fn uuid_like(a: u64, b: u64) -> String {
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The lower-case hex digit of the low four bits of `nibble`.
fn hex_digit(nibble: u8) -> u8 {
    // A value below 16 is always a base-16 digit; the fallback is never taken.
    char::from_digit(u32::from(nibble & 0xf), 16).map_or(b'0', |c| c as u8)
}

/// `len` characters of base62 drawn from `seed`.
pub(crate) fn base62(seed: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    push_base62(&mut out, seed, len);
    out
}

/// [`base62`], appended to `out`.
pub(crate) fn push_base62(out: &mut String, seed: u64, len: usize) {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = SplitMix64::new(seed);
    out.extend((0..len).map(|_| {
        // `below(62)` is always an index of the 62-letter alphabet; the fallback is never taken.
        char::from(
            ALPHABET
                .get(rng.below(62) as usize)
                .copied()
                .unwrap_or(b'0'),
        )
    }));
}

/// JSON text with object keys sorted at every level, so hashing a value does not depend on the
/// order the caller wrote its keys in (nor on whether serde_json keeps insertion order). Prompt
/// keys are hashed from this text without building it ([`StableHasher::key_part`]); the
/// function stays as the reference the tests compare that against.
#[cfg(test)]
pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = Vec::new();
    emit_canonical(value, &mut out);
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// The original builder of [`canonical_json`]'s text, kept to pin that the streamed form
/// writes the same bytes.
#[cfg(test)]
fn canonical_json_reference(value: &Value) -> String {
    fn write_canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    write_canonical(&map[k.as_str()], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_canonical(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_length_prefixed() {
        assert_eq!(stable_hash(&[b"ab", b"c"]), stable_hash(&[b"ab", b"c"]));
        assert_ne!(stable_hash(&[b"ab", b"c"]), stable_hash(&[b"a", b"bc"]));
        // Pinned: a change here changes every simulated output.
        assert_eq!(stable_hash(&[b"seed"]), 0x67b0_d4ed_6cfe_24cc);
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            let v = rng.range(3, 9);
            assert!((3..=9).contains(&v));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn uuid_like_writes_the_bits_in_dashed_hex() {
        for (a, b) in [
            (1, 2),
            (u64::MAX, u64::MAX),
            (0, 0),
            (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210),
        ] {
            let (va, vb) = (
                (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000,
                (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000,
            );
            let formatted = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                va >> 32,
                (va >> 16) & 0xffff,
                va & 0xffff,
                vb >> 48,
                vb & 0xffff_ffff_ffff
            );
            assert_eq!(uuid_like(a, b), formatted);
        }
    }

    #[test]
    fn uuid_like_has_uuid_shape() {
        let id = uuid_like(1, 2);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(id.matches('-').count(), 4);
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"d":[1,{"z":1,"y":2}],"c":"x"}}"#).unwrap();
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_ascii: String = (0u8..0x80).map(char::from).collect();
        every_ascii.push_str("é ☃ 😀 \u{7f}\u{80}\u{2028}");
        for text in [every_ascii.as_str(), "", "plain", "\"", "\\", "a\u{0}b"] {
            let mut out = Vec::new();
            emit_str(text, &mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }

    #[test]
    fn streamed_keys_hash_like_the_built_text() {
        let values: Vec<Value> = [
            r#"{"b":1,"a":{"d":[1,{"z":1,"y":2}],"c":"x"}}"#,
            r#"[{"role":"user","content":"Say \"hi\"\n\ttab \u0001 é ☃ 😀"}]"#,
            r#"{"zz":null,"a":true,"é":false,"":1.5e300,"n":-0.0,"big":18446744073709551615,"neg":-42}"#,
            r#""a string with / and \\""#,
            "null",
            "[]",
            "{}",
        ]
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
        for value in &values {
            let text = canonical_json_reference(value);
            assert_eq!(canonical_json(value), text);
            let built = format!("messages\u{0}{text}\u{0}{text}");
            let mut h = StableHasher::new();
            h.part(&7u64.to_le_bytes());
            h.part(b"model");
            h.key_part(&[
                KeyPiece::Text("messages\u{0}"),
                KeyPiece::Json(value),
                KeyPiece::Text("\u{0}"),
                KeyPiece::Json(value),
            ]);
            let streamed = h.finish();
            assert_eq!(
                streamed,
                stable_hash(&[&7u64.to_le_bytes(), b"model", built.as_bytes()]),
                "{text}"
            );
        }
    }
}
