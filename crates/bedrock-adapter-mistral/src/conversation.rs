//! Checks both APIs make of a neutral conversation: the system prompt, the turns' order, and
//! each turn's text.

use bedrock_core::{ChatMessage, ContentPart, Error, Result, Role};

/// The system prompt, refused when blank.
pub(crate) fn system(system: Option<&str>) -> Result<Option<&str>> {
    match system {
        Some(s) if s.trim().is_empty() => Err(Error::invalid(
            "system",
            format!("{s:?}"),
            "a non-blank string, or unset",
        )),
        other => Ok(other),
    }
}

/// Mistral's instruction format alternates user and assistant turns, starting and ending with
/// the user.
pub(crate) fn check_turns(messages: &[ChatMessage]) -> Result<()> {
    if messages.is_empty() {
        return Err(Error::invalid("messages", "[]", "at least one message"));
    }
    for (i, message) in messages.iter().enumerate() {
        let expected = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        if message.role != expected {
            return Err(Error::invalid(
                format!("messages[{i}].role"),
                role_name(message.role),
                format!(
                    "{}: turns alternate user and assistant, starting with user",
                    role_name(expected)
                ),
            ));
        }
    }
    if messages.len().is_multiple_of(2) {
        return Err(Error::invalid(
            format!("messages[{}].role", messages.len() - 1),
            "assistant",
            "user: the conversation must end with a user turn for the model to answer",
        ));
    }
    Ok(())
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// Refuses a turn without parts and blank text parts.
pub(crate) fn check_parts(i: usize, message: &ChatMessage) -> Result<()> {
    if message.content.is_empty() {
        return Err(Error::invalid(
            format!("messages[{i}].content"),
            "[]",
            "at least one part",
        ));
    }
    for (j, part) in message.content.iter().enumerate() {
        if let ContentPart::Text { text } = part
            && text.trim().is_empty()
        {
            return Err(Error::invalid(
                format!("messages[{i}].content[{j}].text"),
                format!("{text:?}"),
                "a non-blank string",
            ));
        }
    }
    Ok(())
}

/// The text of a turn that may hold no image: its text parts joined by newlines.
pub(crate) fn text_only(i: usize, message: &ChatMessage, model: &str) -> Result<String> {
    check_parts(i, message)?;
    let mut texts = Vec::with_capacity(message.content.len());
    for (j, part) in message.content.iter().enumerate() {
        match part {
            ContentPart::Text { text } => texts.push(text.as_str()),
            ContentPart::Image { format, .. } => {
                return Err(Error::invalid(
                    format!("messages[{i}].content[{j}]"),
                    format!("a {} image", format.media_type()),
                    format!("text only: {model} does not read images"),
                ));
            }
        }
    }
    Ok(texts.join("\n"))
}
