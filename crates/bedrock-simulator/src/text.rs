//! Deterministic text: the token-counting rule, the seeded word generator with max-token and
//! stop-sequence handling, and the split of a text into stream deltas.
//!
//! **Token rule.** A token is a whitespace-separated word. Input tokens are the words of the
//! request's prompt text fields (plus one per non-text content part such as an image); output
//! tokens are the words the generator produced, including the word that completed a stop
//! sequence even though the text is cut before the stop sequence.

use crate::rng::SplitMix64;

/// Tokens in `text` under the simulator's rule: its whitespace-separated words.
pub(crate) fn count_tokens(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

/// Why generation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finish {
    /// The generator reached its natural end.
    EndTurn,
    /// The max-token limit was reached first.
    MaxTokens,
    /// This stop sequence appeared; the text stops just before it.
    StopSequence(String),
}

/// One generated completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Generated {
    /// The text, without any stop sequence.
    pub text: String,
    /// Output tokens (see the module's token rule).
    pub output_tokens: u32,
    /// Why it stopped.
    pub finish: Finish,
}

/// The seed of a generation: the simulator seed, the base model id and the prompt. Limits and
/// stop sequences are left out on purpose, so that a smaller max-token limit yields a prefix of
/// the same text and a stop sequence cuts that same text. The families hash the same parts
/// without building the prompt key (`Call::key`); this is the reference form.
#[cfg(test)]
pub(crate) fn generation_seed(sim_seed: u64, model_id: &str, prompt_key: &str) -> u64 {
    crate::rng::stable_hash(&[
        &sim_seed.to_le_bytes(),
        model_id.as_bytes(),
        prompt_key.as_bytes(),
    ])
}

/// Generates plausible English-looking text from `seed`, at most `max_tokens` words, cut at the
/// first occurrence of any of `stops`.
pub(crate) fn generate(seed: u64, max_tokens: u32, stops: &[String]) -> Generated {
    let mut rng = SplitMix64::new(seed);
    let natural_len = rng.range(12, 90) as u32;
    let limit = natural_len.min(max_tokens);
    let stops: Vec<&str> = stops
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    // The longest vocabulary word is 9 bytes; with its space and punctuation a word takes at
    // most 11.
    let mut text = String::with_capacity((limit as usize).saturating_mul(11));
    let mut sentence_left = 0u64;
    for i in 0..limit {
        let start_of_sentence = sentence_left == 0;
        if start_of_sentence {
            sentence_left = rng.range(5, 14);
        }
        let word = WORDS
            .get(rng.below(WORDS.len() as u64) as usize)
            .copied()
            .unwrap_or("the");
        sentence_left = sentence_left.saturating_sub(1);
        let last_word = i.saturating_add(1) == natural_len;
        if !text.is_empty() {
            text.push(' ');
        }
        if start_of_sentence {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push_str(word);
        }
        if sentence_left == 0 || last_word {
            text.push('.');
            sentence_left = 0;
        } else if sentence_left > 2 && rng.below(9) == 0 {
            text.push(',');
        }
        if let Some((at, stop)) = earliest_stop(&text, &stops) {
            text.truncate(at);
            return Generated {
                text,
                output_tokens: i.saturating_add(1),
                finish: Finish::StopSequence(stop.to_owned()),
            };
        }
    }
    let finish = if limit < natural_len {
        Finish::MaxTokens
    } else {
        Finish::EndTurn
    };
    Generated {
        text,
        output_tokens: limit,
        finish,
    }
}

fn earliest_stop<'s>(text: &str, stops: &[&'s str]) -> Option<(usize, &'s str)> {
    stops
        .iter()
        .filter_map(|s| text.find(s).map(|at| (at, *s)))
        .min_by_key(|(at, s)| (*at, std::cmp::Reverse(s.len())))
}

/// Splits `text` into stream deltas of up to `words_per_delta` words; each delta after the first
/// starts with the space before its first word, so the deltas concatenate to `text` exactly.
pub(crate) fn deltas(text: &str, words_per_delta: usize) -> Vec<&str> {
    let words_per_delta = words_per_delta.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut words = 0usize;
    for (i, c) in text.char_indices() {
        if c == ' ' && i > start {
            words = words.saturating_add(1);
            if words == words_per_delta {
                // `start` and `i` are both character boundaries from `char_indices`.
                out.extend(text.get(start..i));
                start = i;
                words = 0;
            }
        }
    }
    if start < text.len() {
        out.extend(text.get(start..));
    }
    out
}

/// The generator's vocabulary: common words that never form a Bedrock role marker.
const WORDS: &[&str] = &[
    "the",
    "a",
    "model",
    "answer",
    "river",
    "stone",
    "light",
    "quiet",
    "bright",
    "garden",
    "system",
    "cloud",
    "data",
    "signal",
    "careful",
    "simple",
    "morning",
    "evening",
    "paper",
    "window",
    "city",
    "north",
    "south",
    "open",
    "closed",
    "small",
    "large",
    "green",
    "blue",
    "orange",
    "silver",
    "golden",
    "winter",
    "summer",
    "forest",
    "ocean",
    "mountain",
    "valley",
    "road",
    "bridge",
    "station",
    "market",
    "library",
    "letter",
    "number",
    "question",
    "story",
    "journey",
    "harbor",
    "engine",
    "pattern",
    "measure",
    "balance",
    "window",
    "follows",
    "makes",
    "keeps",
    "finds",
    "brings",
    "carries",
    "shows",
    "builds",
    "returns",
    "reads",
    "writes",
    "listens",
    "turns",
    "holds",
    "moves",
    "grows",
    "starts",
    "ends",
    "and",
    "but",
    "with",
    "from",
    "into",
    "over",
    "under",
    "between",
    "across",
    "toward",
    "beside",
    "after",
    "before",
    "while",
    "because",
    "although",
    "every",
    "each",
    "some",
    "many",
    "few",
    "several",
    "often",
    "rarely",
    "always",
    "never",
    "soon",
    "later",
    "today",
    "still",
    "again",
    "together",
    "alone",
    "clear",
    "steady",
    "gentle",
    "sharp",
    "warm",
    "cold",
    "early",
    "late",
    "ready",
    "certain",
    "useful",
    "honest",
    "patient",
    "curious",
    "practical",
    "detailed",
    "careful",
    "rapid",
    "slow",
    "plain",
    "rich",
    "narrow",
    "wide",
    "deep",
    "shallow",
    "new",
    "old",
    "first",
    "last",
    "next",
    "other",
    "same",
    "different",
    "important",
    "possible",
    "common",
    "rare",
    "whole",
    "part",
    "piece",
    "group",
    "team",
    "plan",
    "idea",
    "reason",
    "result",
    "example",
    "method",
    "process",
    "record",
    "request",
    "response",
    "service",
    "region",
    "profile",
    "token",
    "stream",
    "chunk",
    "image",
    "picture",
    "color",
    "shape",
    "line",
    "circle",
    "square",
    "field",
    "value",
    "limit",
    "range",
    "step",
    "level",
    "layer",
    "network",
    "channel",
    "path",
    "point",
    "edge",
    "center",
    "corner",
    "surface",
    "weather",
    "season",
    "harvest",
    "lantern",
    "compass",
    "anchor",
    "meadow",
    "canyon",
    "island",
    "village",
    "tower",
    "castle",
    "feather",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_text_and_limits_give_prefixes() {
        let full = generate(42, 1000, &[]);
        assert_eq!(full, generate(42, 1000, &[]));
        assert_eq!(full.finish, Finish::EndTurn);
        assert_eq!(full.output_tokens, count_tokens(&full.text));
        assert!(full.text.ends_with('.'));
        let short = generate(42, 5, &[]);
        assert_eq!(short.finish, Finish::MaxTokens);
        assert_eq!(short.output_tokens, 5);
        assert_eq!(count_tokens(&short.text), 5);
        assert!(
            full.text
                .starts_with(short.text.trim_end_matches(['.', ',']))
        );
        assert_ne!(generate(43, 1000, &[]).text, full.text);
        let none = generate(42, 0, &[]);
        assert_eq!((none.text.as_str(), none.output_tokens), ("", 0));
        assert_eq!(none.finish, Finish::MaxTokens);
    }

    #[test]
    fn stop_sequences_cut_at_the_first_occurrence() {
        let full = generate(7, 1000, &[]);
        let words: Vec<&str> = full.text.split(' ').collect();
        let stop = words[3].trim_end_matches(['.', ',']).to_owned();
        let cut = generate(7, 1000, std::slice::from_ref(&stop));
        let at = full.text.find(&stop).unwrap();
        assert_eq!(cut.text, full.text[..at]);
        assert_eq!(cut.finish, Finish::StopSequence(stop));
        assert!(cut.output_tokens as usize <= 4);
        assert!(cut.output_tokens >= 1);
        let never = generate(7, 1000, &["\u{1F600}".to_owned()]);
        assert_eq!(never.text, full.text);
    }

    #[test]
    fn deltas_concatenate_to_the_text() {
        let g = generate(9, 1000, &[]);
        for n in [1, 3, 8] {
            let parts = deltas(&g.text, n);
            assert_eq!(parts.concat(), g.text);
            assert!(parts.iter().all(|p| count_tokens(p) <= n as u32));
        }
        assert!(deltas("", 1).is_empty());
        assert_eq!(deltas("one", 1), vec!["one"]);
        assert_eq!(deltas(" lead two", 1), vec![" lead", " two"]);
    }
}
