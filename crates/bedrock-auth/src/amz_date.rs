//! Conversions between `SystemTime` and the timestamp formats SigV4 uses (`20150830T123600Z`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// RFC 3339 in UTC with whole seconds: `2015-08-30T12:36:00Z`.
const RFC3339_SECONDS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The SigV4 basic format: `20150830T123600Z`.
const AMZ_DATE: &[BorrowedFormatItem<'_>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// Formats `time` as an RFC 3339 timestamp with whole seconds, e.g. `2015-08-30T12:36:00Z`.
/// Years outside 1 to 9999 have no RFC 3339 form and are written as seconds since the epoch.
pub(crate) fn format_rfc3339(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .filter(|utc| (1..=9999).contains(&utc.year()))
        .and_then(|utc| utc.format(RFC3339_SECONDS).ok())
        .unwrap_or_else(|| format!("{secs} seconds after the Unix epoch"))
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
        && bytes.iter().enumerate().all(|(i, byte)| match i {
            8 => *byte == b'T',
            15 => *byte == b'Z',
            _ => byte.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    if let Some(time) = plain_amz_date(bytes) {
        return Some(time);
    }
    // A leap second or a date before 1970 goes to the RFC 3339 parser, which decides as before:
    // it takes a leap second only at 23:59:60 on the last day of a month (as
    // 23:59:59.999999999), and dates before 1970 as times before the epoch.
    via_rfc3339(value)
}

/// A shape-checked `YYYYMMDDTHHMMSSZ` through the RFC 3339 parser.
fn via_rfc3339(value: &str) -> Option<SystemTime> {
    parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        value.get(0..4)?,
        value.get(4..6)?,
        value.get(6..8)?,
        value.get(9..11)?,
        value.get(11..13)?,
        value.get(13..15)?
    ))
}

/// The common case of [`parse_amz_date`]: a `YYYYMMDDTHHMMSSZ` from 1970 on that names a real
/// date and time. `None` for anything else, including a leap second, which `time` refuses
/// outside its RFC 3339 parser.
fn plain_amz_date(bytes: &[u8]) -> Option<SystemTime> {
    let value = std::str::from_utf8(bytes).ok()?;
    let utc = PrimitiveDateTime::parse(value, AMZ_DATE).ok()?.assume_utc();
    let secs = u64::try_from(utc.unix_timestamp()).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Parses an RFC 3339 timestamp in UTC such as `2030-01-01T00:00:00Z` or
/// `2030-01-01T00:00:00.123Z`. Offsets other than `Z`, and separators other than `T` or `t`
/// (which `time` would accept), are refused.
pub(crate) fn parse_rfc3339(value: &str) -> Option<SystemTime> {
    let separator_ok = matches!(value.as_bytes().get(10), None | Some(b'T' | b't'));
    if !value.ends_with('Z') || !separator_ok {
        return None;
    }
    let utc = OffsetDateTime::parse(value, &Rfc3339).ok()?;
    // Checked, where `SystemTime::from` would panic on a platform that cannot hold the time.
    let since_epoch = utc - OffsetDateTime::UNIX_EPOCH;
    if since_epoch.is_negative() {
        UNIX_EPOCH.checked_sub(since_epoch.unsigned_abs())
    } else {
        UNIX_EPOCH.checked_add(since_epoch.unsigned_abs())
    }
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
