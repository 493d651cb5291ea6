//! Calendar arithmetic: RFC 3339 expiries in configuration, SigV4-style dates in debug output.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// A UTC wall-clock time, validated field by field.
fn from_fields(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
) -> Option<SystemTime> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 60
    {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(min) * 60
        + i64::from(sec);
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Formats a time in SigV4's basic ISO 8601 form, `20150830T123600Z`.
pub(crate) fn format_amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Parses an RFC 3339 timestamp (`2030-01-01T00:00:00Z`, fractional seconds and `+hh:mm`
/// offsets allowed).
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if s.len() < 20 || !s.is_ascii() {
        return None;
    }
    let (date, time) = (&s[..10], &s[11..]);
    if !matches!(&s[10..11], "T" | "t" | " ") || &date[4..5] != "-" || &date[7..8] != "-" {
        return None;
    }
    let (year, month, day) = (
        digits(&date[0..4])?,
        digits(&date[5..7])?,
        digits(&date[8..10])?,
    );
    if time.len() < 9 || &time[2..3] != ":" || &time[5..6] != ":" {
        return None;
    }
    let (h, m, sec) = (
        digits(&time[0..2])?,
        digits(&time[3..5])?,
        digits(&time[6..8])?,
    );
    let mut rest = &time[8..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let end = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        if end == 0 {
            return None;
        }
        let mut padded: String = frac[..end.min(9)].to_owned();
        while padded.len() < 9 {
            padded.push('0');
        }
        nanos = digits(&padded)?;
        rest = &frac[end..];
    }
    let base = from_fields(i64::from(year), month, day, h, m, sec)?
        + Duration::from_nanos(u64::from(nanos));
    match rest {
        "Z" | "z" => Some(base),
        offset if offset.len() == 6 && &offset[3..4] == ":" => {
            let sign = &offset[0..1];
            let off = Duration::from_secs(u64::from(
                digits(&offset[1..3])? * 3600 + digits(&offset[4..6])? * 60,
            ));
            match sign {
                "+" => base.checked_sub(off),
                "-" => base.checked_add(off),
                _ => None,
            }
        }
        _ => None,
    }
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
