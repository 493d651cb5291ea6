//! Text from outside the CLI (model output, server messages, saved prompts) made safe to show on
//! a terminal: control characters and escape sequences taken out, so that no answer can move
//! the cursor, recolour, retitle the window, write hyperlinks or the clipboard (OSC 52).

use std::borrow::Cow;

/// ESC, which starts a 7-bit escape sequence.
const ESC: char = '\u{1b}';
/// BEL, which also ends an OSC string.
const BEL: char = '\u{7}';
/// The 8-bit String Terminator.
const ST: char = '\u{9c}';

/// `text` without control characters (C0 but `\n` and `\t`, DEL, C1) and without the escape
/// sequences they start: CSI (`ESC [` or 0x9B, up to its final byte), OSC, DCS, SOS, PM and APC
/// strings (up to BEL or ST, or the end of the line), and the other `ESC` sequences. What
/// remains is the text a person would have read. Borrowed when nothing had to go.
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            ESC => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // `ESC` + intermediates (0x20..=0x2F) + a final byte (0x30..=0x7E).
                Some(' '..='/') => {
                    while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
                    chars.next_if(|c| matches!(c, '0'..='~'));
                }
                // A two-character sequence (`ESC c`, `ESC 7`, `ESC =`, ...).
                Some('0'..='~') => {
                    chars.next();
                }
                // A lone ESC: dropped, and what follows is text.
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Skips a CSI's parameter and intermediate bytes (0x20..=0x3F) and its final byte
/// (0x40..=0x7E). Anything else ends it unread, to be handled as text or control.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.next_if(|c| matches!(c, ' '..='?')).is_some() {}
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// Skips a control string (OSC, DCS, SOS, PM, APC) up to and including its terminator: BEL,
/// `ESC \` or ST. A line break or the end of the text also ends it, so that an unterminated
/// string hides one line at most; another ESC ends it unread (it starts the next sequence).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            BEL | ST => {
                chars.next();
                return;
            }
            ESC => {
                chars.next();
                chars.next_if_eq(&'\\');
                return;
            }
            '\n' => return,
            _ => {
                chars.next();
            }
        }
    }
}

/// Serialized JSON with DEL and the C1 controls (U+007F..=U+009F) written as `\u` escapes.
/// serde_json escapes C0 controls (ESC included) but writes these as they are, and some
/// terminals act on C1 controls (0x9B is CSI). They can only stand inside JSON strings, where
/// the escape means the same character, so the document's value is unchanged.
pub fn escape_c1_in_json(json: String) -> String {
    if !json.chars().any(|c| matches!(c, '\u{7f}'..='\u{9f}')) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if matches!(c, '\u{7f}'..='\u{9f}') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each input with what a terminal may be shown of it.
    fn check(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(strip_controls(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn plain_text_lines_and_tabs_pass_unchanged() {
        let text = "Rivers:\n\t1. Nile — 6,650 km\n\t2. Amazon 🌊\n";
        assert!(matches!(strip_controls(text), Cow::Borrowed(_)));
        assert_eq!(strip_controls(text), text);
    }

    #[test]
    fn escape_sequences_and_controls_are_taken_out() {
        check(&[
            // Colours and cursor movement (CSI).
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("a\u{1b}[2J\u{1b}[1;1Hb", "ab"),
            ("\u{1b}[?25lhidden cursor", "hidden cursor"),
            // Window title, hyperlink and clipboard writes (OSC), ended by BEL or ST.
            ("\u{1b}]0;pwned\u{7}title", "title"),
            (
                "\u{1b}]8;;http://evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\",
                "link",
            ),
            ("\u{1b}]52;c;cm0gLXJmIH4=\u{7}clip", "clip"),
            // DCS / APC / PM strings.
            ("\u{1b}P1$r\u{1b}\\x", "x"),
            ("\u{1b}_apc\u{9c}y", "y"),
            // Other ESC sequences, lone and at the end.
            ("\u{1b}cfull reset", "full reset"),
            ("\u{1b}(Bcharset", "charset"),
            ("\u{1b}#8z", "z"),
            ("dangling\u{1b}", "dangling"),
            // C0 controls but \n and \t, DEL, and the C1 range with its own CSI and OSC.
            ("over\rwrite\u{8}\u{7}\u{0}\u{7f}!", "overwrite!"),
            ("\u{9b}31mc1 csi", "c1 csi"),
            ("\u{9d}0;title\u{9c}c1 osc", "c1 osc"),
            ("\u{85}next\u{84}", "next"),
            // An unterminated OSC hides its line only.
            ("\u{1b}]0;no end\nsecond line", "\nsecond line"),
        ]);
    }

    #[test]
    fn nothing_that_starts_a_sequence_survives() {
        // Every 2-character prefix followed by arbitrary bytes: no ESC or C1 left.
        let tails = ["", "[", "]", "P", "[31", "]0;x", "\\", "\u{1b}", "\u{9b}"];
        for lead in [ESC, '\u{9b}', '\u{9d}', '\u{90}', '\u{7}', '\r'] {
            for tail in tails {
                let input = format!("a{lead}{tail}b");
                let out = strip_controls(&input);
                assert!(!out.chars().any(|c| c.is_control()), "{input:?} -> {out:?}");
            }
        }
    }

    #[test]
    fn json_stays_json_with_every_control_escaped() {
        let value = serde_json::json!({"text": "\u{1b}]0;t\u{7}\u{9b}31m\u{7f}ok\r\n"});
        let json = escape_c1_in_json(value.to_string());
        assert!(
            !json.chars().any(|c| c.is_control()),
            "serde escapes C0, this escapes the rest: {json}"
        );
        assert!(
            json.contains(r"\u001b") && json.contains(r"\u009b"),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(back, value, "the same value");
        let plain = r#"{"a":"b"}"#.to_owned();
        assert_eq!(escape_c1_in_json(plain.clone()), plain);
    }
}
