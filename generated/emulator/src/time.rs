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

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.f]][Z|±HH:MM]` to milliseconds since the epoch.
/// A date alone means its start, or its end when `end_of_day` (for inclusive end filters).
pub(crate) fn parse(text: &str, end_of_day: bool) -> Option<u64> {
    let t = text.trim();
    let num = |s: &str| s.parse::<u32>().ok();
    let (y, m, d) = (t.get(0..4)?.parse::<i64>().ok()?, num(t.get(5..7)?)?, num(t.get(8..10)?)?);
    if t.get(4..5)? != "-" || t.get(7..8)? != "-" || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day_ms = days_from_civil(y, m, d).checked_mul(86_400_000)?;
    let rest = &t[10..];
    if rest.is_empty() {
        let ms = if end_of_day { day_ms + 86_399_999 } else { day_ms };
        return u64::try_from(ms).ok();
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (h, mi) = (num(rest.get(0..2)?)?, num(rest.get(3..5)?)?);
    let mut i = 5;
    let mut s = 0;
    let mut frac_ms = 0;
    if rest.get(5..6) == Some(":") {
        s = num(rest.get(6..8)?)?;
        i = 8;
        if rest.get(8..9) == Some(".") {
            let digits: String = rest[9..].chars().take_while(char::is_ascii_digit).collect();
            i = 9 + digits.len();
            frac_ms = format!("{digits:0<3}").get(0..3)?.parse::<i64>().ok()?;
        }
    }
    let zone = &rest[i..];
    let offset_min: i64 = match zone {
        "" | "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let v = i64::from(num(&z[1..3])?) * 60 + i64::from(num(&z[4..6])?);
            if z.starts_with('-') { -v } else { v }
        }
        _ => return None,
    };
    let ms = day_ms + (i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s) - offset_min * 60) * 1000 + frac_ms;
    u64::try_from(ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_back() {
        let ms = parse("2026-03-01T09:30:15.250Z", false).unwrap();
        assert_eq!(format(ms), "2026-03-01T09:30:15.250000+00:00");
        assert_eq!(parse(&format(ms), false), Some(ms));
        assert_eq!(parse("2026-03-01T15:00:15.250+05:30", false), Some(ms));
        assert_eq!(parse("2026-03-01", true).unwrap() - parse("2026-03-01", false).unwrap(), 86_399_999);
        assert_eq!(parse("yesterday", false), None);
        assert_eq!(parse("2026-13-01", false), None);
    }
}
