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
    if let Some(time) = plain_amz_date(bytes) {
        return Some(time);
    }
    // Anything unusual (a leap second, a date before 1970, an impossible day) goes to the
    // general parser, which decides as before.
    via_rfc3339(value)
}

/// A shape-checked `YYYYMMDDTHHMMSSZ` through the general RFC 3339 parser.
fn via_rfc3339(value: &str) -> Option<SystemTime> {
    parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &value[0..4],
        &value[4..6],
        &value[6..8],
        &value[9..11],
        &value[11..13],
        &value[13..15]
    ))
}

/// The common case of [`parse_amz_date`] computed directly: a digit-checked
/// `YYYYMMDDTHHMMSSZ` from 1970 on, with a real day of the month and seconds below 60;
/// `None` for anything else.
fn plain_amz_date(bytes: &[u8]) -> Option<SystemTime> {
    let number = |from: usize, to: usize| {
        bytes[from..to]
            .iter()
            .fold(0u64, |n, digit| n * 10 + u64::from(digit - b'0'))
    };
    let (year, month, day) = (number(0, 4), number(4, 6), number(6, 8));
    let (hour, minute, second) = (number(9, 11), number(11, 13), number(13, 15));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1970 || day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 of the civil date (years counted from March, so the leap day
    // comes last).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let (era, year_of_era) = (y / 400, y % 400);
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = (era * 146_097 + day_of_era).checked_sub(719_468)?;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))
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
    fn the_direct_path_agrees_with_the_general_parser() {
        let general = via_rfc3339;
        let mut checked = 0;
        for year in [1970, 1999, 2000, 2015, 2023, 2024, 2100, 2400, 9999] {
            for month in 1..=12 {
                for day in [1, 15, 28, 29, 30, 31] {
                    for (h, m, s) in [(0, 0, 0), (12, 36, 0), (23, 59, 59)] {
                        let value = format!("{year:04}{month:02}{day:02}T{h:02}{m:02}{s:02}Z");
                        let direct = plain_amz_date(value.as_bytes());
                        if direct.is_some() {
                            checked += 1;
                        }
                        assert!(
                            direct.is_none() || direct == general(&value),
                            "{value}: {direct:?} != {:?}",
                            general(&value)
                        );
                        assert_eq!(parse_amz_date(&value), general(&value), "{value}");
                    }
                }
            }
        }
        assert!(checked > 1500, "{checked}");
        // Outside the direct path the general parser still decides.
        assert_eq!(plain_amz_date(b"19691231T235959Z"), None);
        assert_eq!(
            parse_amz_date("19691231T235959Z"),
            general("19691231T235959Z")
        );
        assert_eq!(plain_amz_date(b"20150830T123660Z"), None);
        assert_eq!(
            parse_amz_date("20150830T123660Z"),
            general("20150830T123660Z")
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
