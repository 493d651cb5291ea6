//! Time formats: RFC 3339 expiries in configuration, SigV4-style dates in debug output.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// SigV4's basic ISO 8601 form: `20150830T123600Z`.
const AMZ_DATE: &[BorrowedFormatItem<'_>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// Formats a time in SigV4's basic ISO 8601 form, `20150830T123600Z`. Times before 1970 are
/// written as 1970-01-01, times after 9999 as seconds since the epoch.
pub(crate) fn format_amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .and_then(|utc| utc.format(AMZ_DATE).ok())
        .unwrap_or_else(|| format!("{secs} seconds after the Unix epoch"))
}

/// Parses an RFC 3339 timestamp (`2030-01-01T00:00:00Z`, fractional seconds and `+hh:mm`
/// offsets allowed).
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    // `time` takes any character between the date and the time; keep to `T`, `t` or a space.
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    // A leap second (`:60`) counts as the second after `:59` wherever it falls, as before;
    // `time` takes one only at the end of a month in UTC, and as 23:59:59.999999999.
    let leap_second = s.get(17..19) == Some("60");
    let (parsed, leap) =
        if let (true, Some(head), Some(tail)) = (leap_second, s.get(..17), s.get(19..)) {
            let at_59 = format!("{head}59{tail}");
            (
                OffsetDateTime::parse(&at_59, &Rfc3339).ok()?,
                Duration::from_secs(1),
            )
        } else {
            (OffsetDateTime::parse(s, &Rfc3339).ok()?, Duration::ZERO)
        };
    // Wall-clock times before 1970 are refused, as before (`time` takes them).
    if parsed.replace_offset(UtcOffset::UTC) < OffsetDateTime::UNIX_EPOCH - leap {
        return None;
    }
    SystemTime::from(parsed).checked_add(leap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn amz_dates_format() {
        // 2015-08-30T12:36:00Z is the SigV4 test suite's date.
        assert_eq!(format_amz_date(epoch(1_440_938_160)), "20150830T123600Z");
        assert_eq!(format_amz_date(epoch(951_782_400)), "20000229T000000Z");
        assert_eq!(format_amz_date(epoch(0)), "19700101T000000Z");
    }

    #[test]
    fn rfc3339_parses_offsets_and_fractions() {
        assert_eq!(
            parse_rfc3339("2015-08-30T12:36:00Z"),
            Some(epoch(1_440_938_160))
        );
        assert_eq!(
            parse_rfc3339("2015-08-30T14:36:00+02:00"),
            Some(epoch(1_440_938_160))
        );
        assert_eq!(
            parse_rfc3339("2015-08-30T10:36:00-02:00"),
            Some(epoch(1_440_938_160))
        );
        assert_eq!(
            parse_rfc3339("2015-08-30T12:36:00.5Z"),
            Some(epoch(1_440_938_160) + Duration::from_millis(500))
        );
        for bad in [
            "2015-08-30",
            "2015-08-30T12:36:00",
            "2015-02-30T00:00:00Z",
            "2015-08-30T12:36:00+0200",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
