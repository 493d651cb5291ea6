//! Reasoning signatures: a keyed hash of the reasoning text under a key derived from the
//! simulator's seed, so a signature proves the text came back unchanged from this simulator
//! (or one with the same seed: the in-process mock and the emulator agree).

use base64::Engine as _;

use crate::rng::stable_hash;

/// Bytes in a signature before base64.
const SIGNATURE_BYTES: usize = 32;

/// The signature of `text` for a simulator seeded with `seed`.
pub(crate) fn sign(seed: u64, text: &str) -> String {
    let key = stable_hash(&[&seed.to_le_bytes(), b"reasoning signature key"]);
    let mut bytes = Vec::with_capacity(SIGNATURE_BYTES);
    // Four chained 64-bit keyed hashes: the inner hash of the text, then one per word of the
    // output with the previous word folded in.
    let mut previous = stable_hash(&[&key.to_le_bytes(), text.as_bytes()]);
    for i in 0u8..4 {
        let word = stable_hash(&[&key.to_le_bytes(), &[i], &previous.to_le_bytes()]);
        bytes.extend_from_slice(&word.to_le_bytes());
        previous = word;
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether `signature` is the signature of `text`.
pub(crate) fn verify(seed: u64, text: &str, signature: &str) -> bool {
    sign(seed, text) == signature
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_text_and_seed() {
        let s = sign(7, "I should add the numbers.");
        assert_eq!(s, sign(7, "I should add the numbers."));
        assert!(verify(7, "I should add the numbers.", &s));
        assert!(!verify(7, "I should add the numbers!", &s));
        assert!(!verify(8, "I should add the numbers.", &s));
        assert_eq!(s.len(), 44);
    }
}
