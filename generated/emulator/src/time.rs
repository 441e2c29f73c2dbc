//! Emulator time: milliseconds since the Unix epoch, formatted and parsed as ISO 8601 without a
//! date library.

/// `2026-03-01T09:00:00.000000+00:00`, the form Ringg sends.
pub(crate) fn format(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d) = civil(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        (ms % 1000) * 1000
    )
}

/// Days since the epoch to a civil date (Howard Hinnant's algorithm).
fn civil(days: u64) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.f]][Z|±HH:MM|±HHMM]` to milliseconds since the
/// epoch (negative before 1970). A date alone means its start, or its end when `end_of_day`
/// (for inclusive end filters). Works on bytes: any text that is not ASCII is refused before a
/// byte is sliced.
pub(crate) fn parse(text: &str, end_of_day: bool) -> Option<i64> {
    let t = text.trim().as_bytes();
    if !t.is_ascii() {
        return None;
    }
    let digits = |from: usize, n: usize| -> Option<u32> {
        let s = t.get(from..from.checked_add(n)?)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')))
    };
    let (y, m, d) = (i64::from(digits(0, 4)?), digits(5, 2)?, digits(8, 2)?);
    if t.get(4) != Some(&b'-') || t.get(7) != Some(&b'-') || !(1..=12).contains(&m) || !(1..=days_in(y, m)).contains(&d)
    {
        return None;
    }
    let day_ms = days_from_civil(y, m, d).checked_mul(86_400_000)?;
    let rest = t.get(10..)?;
    if rest.is_empty() {
        return Some(if end_of_day { day_ms + 86_399_999 } else { day_ms });
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return None;
    }
    let t = &rest[1..];
    let digits = |from: usize, n: usize| -> Option<u32> {
        let s = t.get(from..from.checked_add(n)?)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')))
    };
    let (h, mi) = (digits(0, 2)?, digits(3, 2)?);
    if t.get(2) != Some(&b':') || h > 23 || mi > 59 {
        return None;
    }
    let mut i = 5;
    let mut s = 0;
    let mut frac_ms = 0;
    if t.get(5) == Some(&b':') {
        s = digits(6, 2)?;
        if s > 60 {
            return None;
        }
        i = 8;
        if t.get(8) == Some(&b'.') {
            let n = t.get(9..)?.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            // Milliseconds: the first three digits, padded.
            frac_ms = (0..3)
                .fold(0u32, |acc, k| acc * 10 + t.get(9 + k).filter(|_| k < n).map_or(0, |b| u32::from(b - b'0')));
            i = 9 + n;
        }
    }
    let zone = t.get(i..)?;
    let offset_min: i64 = match zone {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let (oh, om) = match zone.len() {
                6 if zone[3] == b':' => (digits(i + 1, 2)?, digits(i + 4, 2)?),
                5 => (digits(i + 1, 2)?, digits(i + 3, 2)?),
                3 => (digits(i + 1, 2)?, 0),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let v = i64::from(oh) * 60 + i64::from(om);
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let secs = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s) - offset_min * 60;
    day_ms.checked_add(secs.checked_mul(1000)?)?.checked_add(i64::from(frac_ms))
}

/// Offsets of the time zones a campaign's `call_config.call_time.timezone` may name, in
/// minutes east of UTC. Ringg's default is `Asia/Kolkata`.
const ZONES: &[(&str, i64)] = &[
    ("Asia/Kolkata", 330),
    ("Asia/Calcutta", 330),
    ("UTC", 0),
    ("Etc/UTC", 0),
    ("GMT", 0),
    ("Asia/Dubai", 240),
    ("Asia/Singapore", 480),
    ("Europe/London", 0),
];

/// The time zones [`campaign_time`] knows, for messages.
pub(crate) fn zone_names() -> String {
    ZONES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Reads a campaign time, `DD/MM/YYYY, HH:MM` in the time zone `zone` (an IANA name of
/// [`ZONES`]), as milliseconds since the epoch. `None` when the text or the zone is not one.
pub(crate) fn campaign_time(text: &str, zone: &str) -> Option<i64> {
    let offset = ZONES.iter().find(|(n, _)| n.eq_ignore_ascii_case(zone.trim()))?.1;
    let t = text.trim().as_bytes();
    if !t.is_ascii()
        || t.len() != 17
        || t.get(2) != Some(&b'/')
        || t.get(5) != Some(&b'/')
        || t.get(10..12) != Some(b", ")
        || t.get(14) != Some(&b':')
    {
        return None;
    }
    let n = |from: usize, len: usize| -> Option<u32> {
        let s = t.get(from..from + len)?;
        s.iter().all(u8::is_ascii_digit).then(|| s.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0')))
    };
    let (d, m, y, h, mi) = (n(0, 2)?, n(3, 2)?, i64::from(n(6, 4)?), n(12, 2)?, n(15, 2)?);
    if !(1..=12).contains(&m) || !(1..=days_in(y, m)).contains(&d) || h > 23 || mi > 59 {
        return None;
    }
    let local = days_from_civil(y, m, d) * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60;
    (local - offset * 60).checked_mul(1000)
}

/// Formats a time as a campaign time, `DD/MM/YYYY, HH:MM`, in `Asia/Kolkata`.
pub(crate) fn campaign_format(ms: u64) -> String {
    let local = ms / 1000 + 330 * 60;
    let (y, m, d) = civil(local / 86_400);
    let rem = local % 86_400;
    format!("{d:02}/{m:02}/{y:04}, {:02}:{:02}", rem / 3600, rem / 60 % 60)
}

/// Days of a month of a year.
fn days_in(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_back() {
        let ms = parse("2026-03-01T09:30:15.250Z", false).unwrap();
        assert_eq!(format(ms as u64), "2026-03-01T09:30:15.250000+00:00");
        assert_eq!(parse(&format(ms as u64), false), Some(ms));
        assert_eq!(parse("2026-03-01T15:00:15.250+05:30", false), Some(ms));
        assert_eq!(parse("2026-03-01", true).unwrap() - parse("2026-03-01", false).unwrap(), 86_399_999);
        assert_eq!(parse("yesterday", false), None);
        assert_eq!(parse("2026-13-01", false), None);
    }

    #[test]
    fn campaign_times_are_read_in_their_zone() {
        assert_eq!(campaign_time("01/03/2026, 14:30", "Asia/Kolkata"), parse("2026-03-01T09:00:00Z", false));
        assert_eq!(campaign_time("01/03/2026, 09:00", "UTC"), parse("2026-03-01T09:00:00Z", false));
        for bad in [
            "tomorrow-ish",
            "2026-03-01 09:00",
            "31/02/2026, 09:00",
            "01/03/2026, 24:00",
            "01/03/2026,09:00",
            "\u{e9}1/03/2026, 09:00",
        ] {
            assert_eq!(campaign_time(bad, "UTC"), None, "{bad}");
        }
        assert_eq!(campaign_time("01/03/2026, 09:00", "Mars/Olympus"), None);
        let ms = parse("2026-03-01T09:00:00Z", false).unwrap();
        assert_eq!(campaign_format(ms as u64), "01/03/2026, 14:30");
    }

    #[test]
    fn dates_before_1970_are_negative() {
        assert_eq!(parse("1969-12-31T23:59:59Z", false), Some(-1000));
        assert_eq!(parse("1900-01-01", false), Some(-2_208_988_800_000));
    }

    #[test]
    fn non_ascii_and_truncated_text_is_refused_not_sliced() {
        for bad in [
            "2025-01-01T10:00+0\u{e9}00",
            "2025-01-01T10:00+\u{e9}\u{e9}",
            "2025-01-01T10:00:0\u{e9}",
            "2025-01-01T10:00:00.\u{e9}",
            "2025-\u{e9}1-01",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            "2025-01-01T",
            "2025-01-01T1",
            "2025-01-01T10:00+",
            "2025-02-30",
            "2025-01-01T24:00",
        ] {
            assert_eq!(parse(bad, false), None, "{bad}");
        }
        assert_eq!(parse("2025-01-01T10:00+0530", false), parse("2025-01-01T10:00+05:30", false));
    }
}
