//! Family-specific options taken from a neutral input's `extra` map, and the naming of their
//! errors as `extra.KEY`.

use bedrock_core::{Error, ExtraFields, Result};
use serde::de::DeserializeOwned;

/// `extra[key]` as `T`, or `None` when the key is absent; a value of the wrong shape is refused
/// as `extra.KEY`, with `allowed` saying what fits.
pub(crate) fn option<T: DeserializeOwned>(
    extra: &ExtraFields,
    key: &str,
    allowed: &str,
) -> Result<Option<T>> {
    extra
        .get(key)
        .map(|value| {
            T::deserialize(value)
                .map_err(|_| Error::invalid(format!("extra.{key}"), value, allowed))
        })
        .transpose()
}

/// `extra[key]` as a list of `T`, empty when the key is absent.
pub(crate) fn list<T: DeserializeOwned>(
    extra: &ExtraFields,
    key: &str,
    allowed: &str,
) -> Result<Vec<T>> {
    option(extra, key, allowed).map(Option::unwrap_or_default)
}

/// A body validation error about a field the caller set through `extra` is renamed
/// `extra.FIELD...`, so it names what the caller wrote (`extra.tools[0].name`); errors about
/// fields built from the neutral input keep their body names.
pub(crate) fn rename(err: Error, extra: &ExtraFields) -> Error {
    match err {
        Error::InvalidInput(mut invalid) => {
            let root = invalid.field.split(['[', '.']).next().unwrap_or_default();
            if extra.contains_key(root) {
                invalid.field = format!("extra.{}", invalid.field);
            }
            Error::InvalidInput(invalid)
        }
        other => other,
    }
}
