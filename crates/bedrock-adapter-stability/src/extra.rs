//! Reading and checking the family-specific fields callers pass in `ImageRequest::extra`
//! (unknown keys are refused by `bedrock_core::check_extra_keys`), and range checks of the
//! neutral parameters.

use bedrock_core::{Error, ExtraFields, Result};
use serde_json::Value;

/// A JSON value rendered for an error message.
pub(crate) fn short(value: &Value) -> String {
    value.to_string()
}

/// An optional string field.
pub(crate) fn string<'a>(
    extra: &'a ExtraFields,
    key: &str,
    allowed: &str,
) -> Result<Option<&'a str>> {
    match extra.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::invalid(key, short(other), allowed)),
    }
}

/// An optional string field from a closed set, parsed with `parse`.
pub(crate) fn one_of<T>(
    extra: &ExtraFields,
    key: &str,
    parse: fn(&str) -> Option<T>,
    allowed: String,
) -> Result<Option<T>> {
    match extra.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => parse(s)
            .map(Some)
            .ok_or_else(|| Error::invalid(key, s, allowed)),
        Some(other) => Err(Error::invalid(key, short(other), allowed)),
    }
}

/// An optional number field within `min..=max`.
pub(crate) fn number_in(extra: &ExtraFields, key: &str, min: f64, max: f64) -> Result<Option<f64>> {
    match extra.get(key) {
        None => Ok(None),
        Some(value) => match value.as_f64().filter(|n| (min..=max).contains(n)) {
            Some(n) => Ok(Some(n)),
            None => Err(Error::invalid(
                key,
                short(value),
                format!("a number in {min}..={max}"),
            )),
        },
    }
}

/// Checks a float parameter of the neutral request against `min..=max` and widens it to the
/// f64 the body carries.
pub(crate) fn check_range_f32(
    field: &str,
    value: Option<f32>,
    min: f64,
    max: f64,
) -> Result<Option<f64>> {
    match value.map(widen) {
        Some(v) if !v.is_finite() || !(min..=max).contains(&v) => Err(Error::invalid(
            field,
            v,
            format!("a number in {min}..={max}"),
        )),
        other => Ok(other),
    }
}

/// The f64 whose shortest decimal form is the f32's, so that `0.6_f32` is sent as `0.6` and not
/// as `0.6000000238418579` (its exact binary value).
pub(crate) fn widen(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// Checks an integer parameter of the neutral request against `min..=max`.
pub(crate) fn check_range_u64(
    field: &str,
    value: Option<u64>,
    min: u64,
    max: u64,
) -> Result<Option<u64>> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(Error::invalid(
            field,
            v,
            format!("an integer in {min}..={max}"),
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_core::ImageRequest;
    use serde_json::json;

    use crate::models::Sd3Variant;
    use crate::sd3::Sd3Request;
    use crate::sdxl::SdxlRequest;

    fn extra(v: Value) -> ExtraFields {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn unknown_keys_are_named_with_the_known_ones() {
        let mut request = ImageRequest::new("a lighthouse");
        request.extra = extra(json!({"style_preset": "anime", "stlye": "x"}));
        let err = SdxlRequest::from_image_request(&request).unwrap_err();
        assert_eq!(err.field(), Some("extra.stlye"));
        assert!(err.to_string().contains("style_preset, sampler"), "{err}");
        request.extra = extra(json!({"sampler": "DDIM"}));
        assert!(SdxlRequest::from_image_request(&request).is_ok());
        let err = Sd3Request::from_image_request(Sd3Variant::Sd3, &request).unwrap_err();
        assert_eq!(err.field(), Some("extra.sampler"));
        assert!(
            err.to_string()
                .contains("aspect_ratio, mode, image, strength"),
            "{err}"
        );
    }

    #[test]
    fn numbers_are_range_checked_before_narrowing() {
        let e = extra(json!({"strength": 0.25, "big": 1e300, "text": "0.5"}));
        assert_eq!(number_in(&e, "strength", 0.0, 1.0).unwrap(), Some(0.25));
        assert_eq!(widen(0.6), 0.6);
        assert_eq!(
            check_range_f32("cfg_scale", Some(10.1), 0.0, 35.0).unwrap(),
            Some(10.1)
        );
        assert_eq!(number_in(&e, "missing", 0.0, 1.0).unwrap(), None);
        assert_eq!(
            number_in(&e, "big", 0.0, 1.0).unwrap_err().field(),
            Some("big")
        );
        assert_eq!(
            number_in(&e, "text", 0.0, 1.0).unwrap_err().field(),
            Some("text")
        );
        assert!(check_range_f32("cfg_scale", Some(f32::NAN), 0.0, 35.0).is_err());
        assert_eq!(
            check_range_u64("steps", Some(50), 10, 50).unwrap(),
            Some(50)
        );
    }
}
