//! `SecretString`: a string whose `Debug` and `Display` never show its content.

use std::fmt;

/// What `Debug` and `Display` print in place of a secret.
pub const REDACTED: &str = "** redacted **";

/// A secret value (secret access key, session token) that never appears in logs.
///
/// `Debug` and `Display` print `** redacted **`; the value is only reachable through
/// [`SecretString::expose_secret`], so every place that reads it is easy to find. Equality is
/// compared in constant time.
#[derive(Clone, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call this only where the value must leave the process (signing,
    /// handing it to the SDK).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Length of the secret in bytes (safe to log).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for SecretString {}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Compares two byte strings without an early exit on the first difference, so the time taken
/// does not tell an attacker how many leading bytes of a signature or token were right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = SecretString::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            "Some(** redacted **)"
        );
        assert_eq!(
            secret.expose_secret(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        );
        assert_eq!(secret.len(), 40);
        assert!(!secret.is_empty());
    }

    #[test]
    fn equality_compares_content() {
        assert_eq!(
            SecretString::from("abc"),
            SecretString::from("abc".to_owned())
        );
        assert_ne!(SecretString::from("abc"), SecretString::from("abd"));
        assert_ne!(SecretString::from("abc"), SecretString::from("abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
