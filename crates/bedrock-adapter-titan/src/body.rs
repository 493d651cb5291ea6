//! Encoding request bodies and decoding response bodies, shared by every Titan API.

use bedrock_core::{Error, ExtraFields, RequestBody, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Serialises a validated wire request into a JSON request body.
pub(crate) fn json_body<T: Serialize>(request: &T) -> Result<RequestBody> {
    let bytes = serde_json::to_vec(request).map_err(|e| Error::Decode {
        message: format!("could not encode the request body: {e}"),
        source: Some(Box::new(e)),
    })?;
    Ok(RequestBody {
        body: bytes.into(),
        content_type: "application/json",
        accept: "application/json",
    })
}

/// Parses a response body as `T`, naming what was being parsed in the error.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::decode_json(what, e))
}

/// Widens an `f32` to the `f64` that prints the same decimal, so `0.7_f32` goes on the wire as
/// `0.7` rather than `0.699999988079071`.
pub(crate) fn wire_float(value: f32) -> f64 {
    value
        .to_string()
        .parse()
        .unwrap_or_else(|_| f64::from(value))
}

/// Checks that `value` lies in `min..=max` (NaN never does).
pub(crate) fn check_range(field: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, value, format!("{min:?}..={max:?}")))
    }
}

/// Fails on the first extra field whose key is not in `allowed`.
pub(crate) fn check_extra_keys(extra: &ExtraFields, allowed: &[&str], api: &str) -> Result<()> {
    match extra
        .iter()
        .find(|(key, _)| !allowed.contains(&key.as_str()))
    {
        None => Ok(()),
        Some((key, value)) => {
            let allowed = if allowed.is_empty() {
                format!("no extra fields; the {api} body has no other options")
            } else {
                format!("extra fields of the {api} body: {}", allowed.join(", "))
            };
            Err(Error::invalid(format!("extra.{key}"), value, allowed))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_float_keeps_the_written_decimal() {
        assert_eq!(wire_float(0.7), 0.7);
        assert_eq!(wire_float(1.1), 1.1);
        assert_eq!(wire_float(0.0), 0.0);
        assert!(wire_float(f32::NAN).is_nan());
        assert_eq!(wire_float(f32::INFINITY), f64::INFINITY);
    }

    #[test]
    fn ranges_reject_nan_and_name_the_bounds() {
        assert!(check_range("t", 1.0, 0.0, 1.0).is_ok());
        let err = check_range("t", f64::NAN, 0.0, 1.0).unwrap_err();
        assert_eq!(err.field(), Some("t"));
        assert!(err.to_string().contains("0.0..=1.0"), "{err}");
    }
}
