//! Checks shared by both APIs; each failure is an `Error::InvalidInput` naming the body field,
//! the value and what is allowed.

use bedrock_core::{ChatMessage, Error, InferenceParams, Result, Role};

use crate::models::{MAX_STOP_SEQUENCES, MAX_TOP_K};

/// A sampling value that must lie in `0.0..=1.0` (NaN is rejected too).
pub(crate) fn unit_interval(field: &str, value: Option<f32>) -> Result<()> {
    match value {
        Some(v) if !(0.0..=1.0).contains(&v) => Err(Error::invalid(field, v, "0.0..=1.0")),
        _ => Ok(()),
    }
}

/// `top_k` in `0..=500`.
pub(crate) fn top_k(value: Option<u32>) -> Result<()> {
    match value {
        Some(k) if k > MAX_TOP_K => Err(Error::invalid("top_k", k, format!("0..={MAX_TOP_K}"))),
        _ => Ok(()),
    }
}

/// A token limit in `1..=max`, where `max` is what `model` can generate.
pub(crate) fn token_limit(field: &str, value: u32, max: u32, model: &str) -> Result<u32> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            value,
            format!("1..={max} (the most `{model}` generates in one response)"),
        ))
    }
}

/// Stop sequences: at most [`MAX_STOP_SEQUENCES`], each with a non-whitespace character.
pub(crate) fn stop_sequences(values: &[String]) -> Result<()> {
    if values.len() > MAX_STOP_SEQUENCES {
        return Err(Error::invalid(
            "stop_sequences",
            format!("{} sequences", values.len()),
            format!("at most {MAX_STOP_SEQUENCES} sequences"),
        ));
    }
    for (i, s) in values.iter().enumerate() {
        if s.trim().is_empty() {
            return Err(Error::invalid(
                format!("stop_sequences[{i}]"),
                format!("{s:?}"),
                "a string with at least one non-whitespace character",
            ));
        }
    }
    Ok(())
}

/// The sampling settings both APIs share: temperature, top_p, top_k and stop sequences.
pub(crate) fn sampling(params: &InferenceParams) -> Result<()> {
    unit_interval("temperature", params.temperature)?;
    unit_interval("top_p", params.top_p)?;
    top_k(params.top_k)?;
    stop_sequences(&params.stop_sequences)
}

/// The conversation is non-empty, starts with the user and alternates; with
/// `last_must_be_user` it also ends with the user.
pub(crate) fn roles(messages: &[ChatMessage], last_must_be_user: bool) -> Result<()> {
    const ALTERNATE: &str = "roles alternate user, assistant, user, ..., starting with user";
    if messages.is_empty() {
        return Err(Error::invalid("messages", "[]", "at least one message"));
    }
    let mut expected = Role::User;
    for (i, m) in messages.iter().enumerate() {
        if m.role != expected {
            return Err(Error::invalid(
                format!("messages[{i}].role"),
                role_name(m.role),
                format!("{}: {ALTERNATE}", role_name(expected)),
            ));
        }
        if m.content.is_empty() {
            return Err(Error::invalid(
                format!("messages[{i}].content"),
                "[]",
                "at least one content part",
            ));
        }
        expected = match m.role {
            Role::User => Role::Assistant,
            Role::Assistant => Role::User,
        };
    }
    if last_must_be_user
        && let Some(last) = messages.last()
        && last.role != Role::User
    {
        let index = messages.len() - 1;
        return Err(Error::invalid(
            format!("messages[{index}].role"),
            role_name(last.role),
            "user: the conversation must end with the user's turn, since the prompt ends with \"\\n\\nAssistant:\"",
        ));
    }
    Ok(())
}

/// How the wire spells a role.
pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// A system prompt, when given, must not be empty.
pub(crate) fn system(value: Option<&str>) -> Result<()> {
    match value {
        Some(s) if s.trim().is_empty() => Err(Error::invalid(
            "system",
            format!("{s:?}"),
            "a non-empty system prompt, or none",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive_and_reject_nan() {
        assert!(unit_interval("temperature", Some(0.0)).is_ok());
        assert!(unit_interval("temperature", Some(1.0)).is_ok());
        assert!(unit_interval("temperature", None).is_ok());
        let err = unit_interval("top_p", Some(f32::NAN)).unwrap_err();
        assert_eq!(err.field(), Some("top_p"));
        assert!(top_k(Some(500)).is_ok());
        assert_eq!(top_k(Some(501)).unwrap_err().field(), Some("top_k"));
        assert!(
            token_limit("max_tokens", 0, 10, "m")
                .unwrap_err()
                .to_string()
                .contains("1..=10")
        );
    }
}
