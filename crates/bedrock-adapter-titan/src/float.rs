//! Float fields of the Titan wire structs: `f64`, so the published schemas keep
//! `format: double`, widened from the neutral `f32` inputs without picking up binary noise.

use bedrock_core::{Error, Result};

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
