//! Conversions between `SystemTime` and the timestamp formats SigV4 uses (`20150830T123600Z`).

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use std::time::{SystemTime, UNIX_EPOCH};

/// Formats `time` as an RFC 3339 timestamp with whole seconds, e.g. `2015-08-30T12:36:00Z`.
pub(crate) fn format_rfc3339(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| format!("{secs} seconds after the Unix epoch"))
}

/// Formats `time` in the SigV4 basic format, e.g. `20150830T123600Z`.
pub(crate) fn format_amz_date(time: SystemTime) -> String {
    format_rfc3339(time).replace(['-', ':'], "")
}

/// Parses the SigV4 basic format (`YYYYMMDDTHHMMSSZ`). Returns `None` when `value` is not in
/// exactly that shape or names an impossible date.
pub(crate) fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit);
    if !shape_ok {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &value[0..4],
        &value[4..6],
        &value[6..8],
        &value[9..11],
        &value[11..13],
        &value[13..15]
    );
    parse_rfc3339(&rfc3339)
}

/// Parses an RFC 3339 timestamp such as `2030-01-01T00:00:00Z` or `2030-01-01T00:00:00.123Z`.
pub(crate) fn parse_rfc3339(value: &str) -> Option<SystemTime> {
    let parsed = DateTime::from_str(value, Format::DateTime).ok()?;
    SystemTime::try_from(parsed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn round_trips_the_test_suite_date() {
        let time = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(time, UNIX_EPOCH + Duration::from_secs(1_440_938_160));
        assert_eq!(format_amz_date(time), "20150830T123600Z");
        assert_eq!(format_rfc3339(time), "2015-08-30T12:36:00Z");
        // Sub-second parts are dropped, as SigV4 timestamps have whole seconds.
        assert_eq!(
            format_amz_date(time + Duration::from_millis(999)),
            "20150830T123600Z"
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "20150830T123600",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "2015083OT123600Z",
            "20150830X123600Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_fractional_rfc3339() {
        let time = parse_rfc3339("2030-01-01T00:00:00.500Z").unwrap();
        assert_eq!(
            time.duration_since(UNIX_EPOCH).unwrap(),
            Duration::from_millis(1_893_456_000_500)
        );
    }
}
