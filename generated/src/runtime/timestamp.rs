//! `date` and `datetime` values: the exact text, parsed only when asked.
//!
//! The server may send date-times both with an offset (`2025-11-24T07:33:49Z`) and without one
//! (`2025-11-24T07:33:49.629642`), and a strict date-time type would fail a whole page on the
//! second form. [`Timestamp`] and [`Date`] therefore decode from any JSON string and keep its
//! text byte for byte; [`Timestamp::parts`] and [`Date::parts`] parse it on demand and report a
//! typed [`TimestampError`]. Conversions to and from `jiff`, `chrono` and `time` live behind
//! the features of the same names.
//!
//! Inputs are stricter: a request parameter or body field must be an absolute moment, so a
//! timestamp without an offset (or a text that does not parse) is refused before anything is
//! sent. [`Timestamp::parse`] and every `From` conversion give values that pass; a timestamp
//! taken from a response is checked when the request is built ([`check_inputs`]).

use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `datetime` value: the text as the server sent it (or as it will be sent), parsed on demand.
///
/// Decoding never fails on the text: a value that is not a date-time still decodes, and only
/// [`parts`](Timestamp::parts) (or a conversion) reports the problem. `Display`, `as_str` and
/// serialization give the text back unchanged.
///
/// Three forms parse: RFC 3339 with an offset (`2025-11-24T07:33:49+05:30`, `...Z`), the
/// form without one (`2025-11-24T07:33:49.629642`, reported as [`Offset::NotGiven`], never
/// guessed), and a bare date (`2025-11-24`).
///
/// As a request input it must carry an offset:
///
/// ```
/// # use ringg::Timestamp;
/// let from = Timestamp::parse("2025-09-25T00:00:00+05:30")?;
/// assert_eq!(from.as_str(), "2025-09-25T00:00:00+05:30");
/// assert!(Timestamp::parse("2025-09-25T00:00:00").is_err());
/// let now = Timestamp::from(std::time::SystemTime::now());
/// assert!(now.as_str().ends_with('Z'));
/// # Ok::<(), ringg::TimestampError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    raw: String,
}

/// A `date` value (`YYYY-MM-DD`): the text as sent, parsed on demand.
///
/// Like [`Timestamp`], decoding never fails on the text; [`parts`](Date::parts) reports a
/// value that is not a calendar date.
///
/// ```
/// # use ringg::Date;
/// let day = Date::parse("2026-03-01")?;
/// assert_eq!(day.parts()?.month, 3);
/// assert!(Date::parse("2026-02-30").is_err());
/// # Ok::<(), ringg::TimestampError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    raw: String,
}

/// A calendar date, as parsed from a [`Date`] or [`Timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateParts {
    /// The year, `0000` to `9999`.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
}

/// A time of day, as parsed from a [`Timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeParts {
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 59 (`00` when the text gives none).
    pub second: u8,
    /// The fraction of the second, in nanoseconds.
    pub nanosecond: u32,
}

/// The UTC offset a [`Timestamp`] states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offset {
    /// The text gives an offset: seconds east of UTC (`Z` is 0, `+05:30` is 19800).
    Given(i32),
    /// The text gives no offset (`2025-11-24T07:33:49.629642`, or a bare date): the
    /// moment is not absolute, and this crate does not guess a time zone.
    NotGiven,
}

/// What a [`Timestamp`] says: a date, a time of day unless it was a bare date, and an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimestampParts {
    /// The calendar date.
    pub date: DateParts,
    /// The time of day; `None` for a bare date.
    pub time: Option<TimeParts>,
    /// The stated UTC offset.
    pub offset: Offset,
}

/// Why a [`Timestamp`] or [`Date`] could not be read or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    text: String,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Syntax(&'static str),
    NoOffset,
    OutOfRange(&'static str),
}

impl TimestampError {
    fn new(text: &str, problem: Problem) -> TimestampError {
        // A value that is not a date-time at all may be long; keep enough to recognise it.
        let text: String = text.chars().take(64).collect();
        TimestampError { text, problem }
    }

    /// The text that failed (at most 64 characters of it).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the text is a valid date-time that only lacks a UTC offset.
    pub fn is_missing_offset(&self) -> bool {
        self.problem == Problem::NoOffset
    }
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &self.text;
        match &self.problem {
            Problem::Syntax(what) => write!(f, "`{text}` is not a valid date or date-time: {what}"),
            Problem::NoOffset => write!(
                f,
                "`{text}` has no UTC offset, so it is not an absolute moment; add one \
                 (`Z` or `+05:30`), or read it as local time with a crate's civil type"
            ),
            Problem::OutOfRange(what) => write!(f, "`{text}` is out of range: {what}"),
        }
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// Checks `text` as a request input: RFC 3339 with an offset, such as
    /// `2025-09-25T00:00:00+05:30` or `2025-09-25T00:00:00Z`.
    ///
    /// # Errors
    ///
    /// When the text is not a date-time, or gives no offset (inputs are absolute moments).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let timestamp = Timestamp { raw: text.to_owned() };
        timestamp.absolute()?;
        Ok(timestamp)
    }

    /// A timestamp from a literal, checked like [`Timestamp::parse`].
    ///
    /// # Panics
    ///
    /// When the text is not RFC 3339 with an offset: meant for literals in code and tests,
    /// like `HeaderValue::from_static`. Use [`Timestamp::parse`] for text read at run time.
    pub fn from_static(text: &'static str) -> Timestamp {
        match Timestamp::parse(text) {
            Ok(timestamp) => timestamp,
            Err(e) => panic!("Timestamp::from_static: {e}"),
        }
    }

    /// The text exactly as received or given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The text, consumed.
    pub fn into_string(self) -> String {
        self.raw
    }

    /// Parses the text into its date, time and offset.
    ///
    /// # Errors
    ///
    /// When the text is not a date or date-time.
    pub fn parts(&self) -> Result<TimestampParts, TimestampError> {
        parse_timestamp(&self.raw).map_err(|p| TimestampError::new(&self.raw, p))
    }

    /// The moment as seconds and nanoseconds since the Unix epoch, with the stated offset.
    fn absolute(&self) -> Result<(i64, u32, i32), TimestampError> {
        let parts = self.parts()?;
        let (Some(time), Offset::Given(offset)) = (parts.time, parts.offset) else {
            return Err(TimestampError::new(&self.raw, Problem::NoOffset));
        };
        let days = days_from_civil(parts.date);
        let local = days * 86_400 + i64::from(time.hour) * 3600 + i64::from(time.minute) * 60 + i64::from(time.second);
        Ok((local - i64::from(offset), time.nanosecond, offset))
    }

    /// The moment as a [`SystemTime`].
    ///
    /// # Errors
    ///
    /// When the text is not a date-time or gives no offset.
    pub fn to_system_time(&self) -> Result<SystemTime, TimestampError> {
        let (seconds, nanos, _) = self.absolute()?;
        let out_of_range = || TimestampError::new(&self.raw, Problem::OutOfRange("for SystemTime"));
        let since = Duration::new(seconds.unsigned_abs(), 0);
        let whole = if seconds >= 0 { UNIX_EPOCH.checked_add(since) } else { UNIX_EPOCH.checked_sub(since) };
        whole.and_then(|t| t.checked_add(Duration::from_nanos(u64::from(nanos)))).ok_or_else(out_of_range)
    }

    /// The RFC 3339 text of a moment, `offset` seconds east of UTC.
    fn from_unix(seconds: i64, nanos: u32, offset: i32) -> Timestamp {
        let local = seconds + i64::from(offset);
        let date = civil_from_days(local.div_euclid(86_400));
        let in_day = local.rem_euclid(86_400);
        let mut raw = format!("{}T{:02}:{:02}:{:02}", format_date(date), in_day / 3600, in_day / 60 % 60, in_day % 60);
        if nanos > 0 {
            let fraction = format!("{nanos:09}");
            raw.push('.');
            raw.push_str(fraction.trim_end_matches('0'));
        }
        if offset == 0 {
            raw.push('Z');
        } else {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            raw.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60));
        }
        Timestamp { raw }
    }
}

impl Date {
    /// Checks `text` as a calendar date, `YYYY-MM-DD`.
    ///
    /// # Errors
    ///
    /// When the text is not a valid date.
    pub fn parse(text: &str) -> Result<Date, TimestampError> {
        let date = Date { raw: text.to_owned() };
        date.parts()?;
        Ok(date)
    }

    /// A date from a literal, checked like [`Date::parse`].
    ///
    /// # Panics
    ///
    /// When the text is not a valid `YYYY-MM-DD` date: meant for literals in code and tests.
    /// Use [`Date::parse`] for text read at run time.
    pub fn from_static(text: &'static str) -> Date {
        match Date::parse(text) {
            Ok(date) => date,
            Err(e) => panic!("Date::from_static: {e}"),
        }
    }

    /// A date from its year, month and day.
    ///
    /// # Errors
    ///
    /// When the day does not exist, or the year is outside `0000` to `9999`.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Date, TimestampError> {
        Date::parse(&format_date(DateParts { year, month, day }))
    }

    /// The text exactly as received or given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The text, consumed.
    pub fn into_string(self) -> String {
        self.raw
    }

    /// Parses the text into year, month and day.
    ///
    /// # Errors
    ///
    /// When the text is not a valid `YYYY-MM-DD` date.
    pub fn parts(&self) -> Result<DateParts, TimestampError> {
        let bytes = self.raw.as_bytes();
        let date = parse_date(bytes).map_err(|p| TimestampError::new(&self.raw, p))?;
        if bytes.len() != 10 {
            let problem = Problem::Syntax("expected `YYYY-MM-DD` and nothing after it");
            return Err(TimestampError::new(&self.raw, problem));
        }
        Ok(date)
    }
}

impl From<SystemTime> for Timestamp {
    /// The moment in UTC, as RFC 3339 with `Z`.
    fn from(time: SystemTime) -> Timestamp {
        let (seconds, nanos) = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_nanos()),
            Err(before) => {
                let d = before.duration();
                let seconds = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                match d.subsec_nanos() {
                    0 => (seconds, 0),
                    n => (seconds - 1, 1_000_000_000 - n),
                }
            }
        };
        Timestamp::from_unix(seconds, nanos, 0)
    }
}

macro_rules! text_traits {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                note_input(self.input_problem());
                f.write_str(&self.raw)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.raw, f)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.raw
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                note_input(self.input_problem());
                serializer.serialize_str(&self.raw)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Any JSON string decodes; the text is checked only when parsed.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(|raw| $name { raw })
            }
        }

        impl super::read::FromJson for $name {
            const SHAPE: super::drift::Shape = super::drift::Shape::String;

            fn read(reader: &mut super::read::Reader<'_>) -> super::read::Read<Self> {
                <String as super::read::FromJson>::read(reader).map(|raw| $name { raw })
            }
        }

        impl super::write::ToJson for $name {
            fn write(&self, writer: &mut super::write::Writer) {
                note_input(self.input_problem());
                writer.str(&self.raw);
            }
        }
    };
}

text_traits!(Timestamp);
text_traits!(Date);

impl Timestamp {
    /// Why this value may not be sent, computed only while a request is being built.
    fn input_problem(&self) -> impl FnOnce() -> Option<String> + '_ {
        move || {
            self.absolute().err().map(|e| {
                format!(
                    "{e}. Inputs must be absolute moments: build them with Timestamp::parse, \
                     from a SystemTime, or from a jiff, chrono or time value"
                )
            })
        }
    }
}

impl Date {
    /// Why this value may not be sent, computed only while a request is being built.
    fn input_problem(&self) -> impl FnOnce() -> Option<String> + '_ {
        move || self.parts().err().map(|e| e.to_string())
    }
}

thread_local! {
    /// While a request is built: the first input that may not be sent.
    static INPUT_CHECK: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Runs `build` (which fills a request's path, query or body) and reports the first
/// [`Timestamp`] or [`Date`] it wrote that may not be sent: a timestamp without an offset, or
/// a text that is not a date. Values print and serialize as usual outside of this.
pub(crate) fn check_inputs<T>(build: impl FnOnce() -> T) -> (T, Option<String>) {
    INPUT_CHECK.with(|c| *c.borrow_mut() = Some(None));
    let out = build();
    let problem = INPUT_CHECK.with(|c| c.borrow_mut().take()).flatten();
    (out, problem)
}

/// Records the first problem while [`check_inputs`] runs; does nothing (and computes nothing)
/// otherwise, so printing a response value costs no parsing.
fn note_input(problem: impl FnOnce() -> Option<String>) {
    INPUT_CHECK.with(|c| {
        let mut slot = c.borrow_mut();
        if let Some(first @ None) = slot.as_mut() {
            *first = problem();
        }
    });
}

/// Names the query parameter the problem recorded so far came from, if it names no place yet.
/// Costs one thread-local read when there is no problem.
pub(crate) fn locate_input_problem(parameter: &str) {
    INPUT_CHECK.with(|c| {
        if let Some(Some(problem)) = c.borrow_mut().as_mut() {
            if !problem.starts_with('`') {
                return;
            }
            *problem = format!("query parameter `{parameter}`: {problem}");
        }
    });
}

/// `YYYY-MM-DD` at the start of `bytes`.
fn parse_date(bytes: &[u8]) -> Result<DateParts, Problem> {
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(Problem::Syntax("expected a date like `2026-03-01`"));
    }
    let year = digits(&bytes[0..4]).ok_or(Problem::Syntax("the year is not four digits"))?;
    let month = digits(&bytes[5..7]).ok_or(Problem::Syntax("the month is not two digits"))?;
    let day = digits(&bytes[8..10]).ok_or(Problem::Syntax("the day is not two digits"))?;
    let year = year as i32;
    if !(1..=12).contains(&month) {
        return Err(Problem::OutOfRange("the month must be 01 to 12"));
    }
    if day == 0 || day > days_in_month(year, month as u8) {
        return Err(Problem::OutOfRange("that day does not exist in that month"));
    }
    Ok(DateParts { year, month: month as u8, day: day as u8 })
}

/// A date, a date-time with or without offset.
fn parse_timestamp(text: &str) -> Result<TimestampParts, Problem> {
    let bytes = text.as_bytes();
    let date = parse_date(bytes)?;
    let rest = &bytes[10..];
    if rest.is_empty() {
        return Ok(TimestampParts { date, time: None, offset: Offset::NotGiven });
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return Err(Problem::Syntax("expected `T` between the date and the time"));
    }
    let rest = &rest[1..];
    let field = |at: usize, what: &'static str| rest.get(at..at + 2).and_then(digits).ok_or(Problem::Syntax(what));
    let hour = field(0, "expected the hour as two digits")?;
    if rest.get(2) != Some(&b':') {
        return Err(Problem::Syntax("expected `:` after the hour"));
    }
    let minute = field(3, "expected the minute as two digits")?;
    let mut at = 5;
    let mut second = 0;
    let mut nanosecond = 0u32;
    if rest.get(at) == Some(&b':') {
        second = field(at + 1, "expected the second as two digits")?;
        at += 3;
        if rest.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while rest.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            let fraction = &rest[start..at];
            if fraction.is_empty() || fraction.len() > 9 {
                return Err(Problem::Syntax("the fraction of a second has 1 to 9 digits"));
            }
            let scale = 10u32.pow(9 - fraction.len() as u32);
            nanosecond = digits(fraction).ok_or(Problem::Syntax("bad fraction"))? * scale;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(Problem::OutOfRange("the time of day must be 00:00:00 to 23:59:59"));
    }
    let offset = match &rest[at..] {
        [] => Offset::NotGiven,
        [b'Z' | b'z'] => Offset::Given(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = digits(&[*h1, *h2])
                .zip(digits(&[*m1, *m2]))
                .ok_or(Problem::Syntax("expected the offset as `+HH:MM`"))?;
            if h > 23 || m > 59 {
                return Err(Problem::OutOfRange("the offset must be under 24 hours"));
            }
            let seconds = (h * 3600 + m * 60) as i32;
            Offset::Given(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => {
            return Err(Problem::Syntax("expected `Z`, an offset like `+05:30`, or nothing"));
        }
    };
    let time = TimeParts { hour: hour as u8, minute: minute as u8, second: second as u8, nanosecond };
    Ok(TimestampParts { date, time: Some(time), offset })
}

/// ASCII digits as a number; `None` when any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn format_date(d: DateParts) -> String {
    if (0..=9999).contains(&d.year) {
        format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
    } else {
        // Not RFC 3339: kept so that the value says what it is, and refused as an input.
        format!("{:+}-{:02}-{:02}", d.year, d.month, d.day)
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(d: DateParts) -> i64 {
    let (month, day) = (i64::from(d.month), i64::from(d.day));
    let year = i64::from(d.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> DateParts {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    DateParts {
        year: i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX }),
        month: month as u8,
        day: day as u8,
    }
}

#[cfg(feature = "jiff")]
mod with_jiff {
    use super::{Date, Problem, Timestamp, TimestampError};

    impl Timestamp {
        /// The moment as a [`jiff::Timestamp`].
        ///
        /// # Errors
        ///
        /// When the text is not a date-time or gives no offset.
        pub fn to_jiff(&self) -> Result<jiff::Timestamp, TimestampError> {
            let (seconds, nanos, _) = self.absolute()?;
            jiff::Timestamp::new(seconds, nanos as i32)
                .map_err(|_| TimestampError::new(&self.raw, Problem::OutOfRange("for jiff")))
        }

        /// The moment in its stated offset, as a [`jiff::Zoned`] with a fixed-offset zone.
        ///
        /// # Errors
        ///
        /// When the text is not a date-time or gives no offset.
        pub fn to_jiff_zoned(&self) -> Result<jiff::Zoned, TimestampError> {
            let (_, _, offset) = self.absolute()?;
            let zone = jiff::tz::Offset::from_seconds(offset)
                .map_err(|_| TimestampError::new(&self.raw, Problem::OutOfRange("for jiff")))?;
            Ok(self.to_jiff()?.to_zoned(jiff::tz::TimeZone::fixed(zone)))
        }

        /// The date and time as written, without an offset: the offset-less values read
        /// here. A bare date reads as its midnight.
        ///
        /// # Errors
        ///
        /// When the text is not a date or date-time.
        pub fn to_jiff_civil(&self) -> Result<jiff::civil::DateTime, TimestampError> {
            let parts = self.parts()?;
            let time = parts.time.unwrap_or(super::TimeParts { hour: 0, minute: 0, second: 0, nanosecond: 0 });
            jiff::civil::DateTime::new(
                parts.date.year as i16,
                parts.date.month as i8,
                parts.date.day as i8,
                time.hour as i8,
                time.minute as i8,
                time.second as i8,
                time.nanosecond as i32,
            )
            .map_err(|_| TimestampError::new(&self.raw, Problem::OutOfRange("for jiff")))
        }
    }

    impl From<jiff::Timestamp> for Timestamp {
        /// The moment in UTC, as RFC 3339 with `Z`.
        fn from(t: jiff::Timestamp) -> Timestamp {
            Timestamp::from_unix(t.as_second(), t.subsec_nanosecond() as u32, 0)
        }
    }

    impl From<jiff::Zoned> for Timestamp {
        /// The moment with its zone's offset at that moment, as RFC 3339.
        fn from(z: jiff::Zoned) -> Timestamp {
            Timestamp::from(&z)
        }
    }

    impl From<&jiff::Zoned> for Timestamp {
        /// The moment with its zone's offset at that moment, as RFC 3339.
        fn from(z: &jiff::Zoned) -> Timestamp {
            let t = z.timestamp();
            Timestamp::from_unix(t.as_second(), t.subsec_nanosecond() as u32, z.offset().seconds())
        }
    }

    impl Date {
        /// The date as a [`jiff::civil::Date`].
        ///
        /// # Errors
        ///
        /// When the text is not a valid date.
        pub fn to_jiff(&self) -> Result<jiff::civil::Date, TimestampError> {
            let d = self.parts()?;
            jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8)
                .map_err(|_| TimestampError::new(&self.raw, Problem::OutOfRange("for jiff")))
        }
    }

    impl From<jiff::civil::Date> for Date {
        fn from(d: jiff::civil::Date) -> Date {
            Date {
                raw: super::format_date(super::DateParts {
                    year: i32::from(d.year()),
                    month: d.month() as u8,
                    day: d.day() as u8,
                }),
            }
        }
    }
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use super::{Date, Problem, Timestamp, TimestampError};

    impl Timestamp {
        /// The moment in its stated offset, as a [`chrono::DateTime`].
        ///
        /// # Errors
        ///
        /// When the text is not a date-time or gives no offset.
        pub fn to_chrono(&self) -> Result<chrono::DateTime<chrono::FixedOffset>, TimestampError> {
            let (seconds, nanos, offset) = self.absolute()?;
            let out_of_range = || TimestampError::new(&self.raw, Problem::OutOfRange("for chrono"));
            let zone = chrono::FixedOffset::east_opt(offset).ok_or_else(out_of_range)?;
            chrono::DateTime::from_timestamp(seconds, nanos)
                .map(|utc| utc.with_timezone(&zone))
                .ok_or_else(out_of_range)
        }

        /// The date and time as written, without an offset: the offset-less values read
        /// here. A bare date reads as its midnight.
        ///
        /// # Errors
        ///
        /// When the text is not a date or date-time.
        pub fn to_chrono_naive(&self) -> Result<chrono::NaiveDateTime, TimestampError> {
            let parts = self.parts()?;
            let out_of_range = || TimestampError::new(&self.raw, Problem::OutOfRange("for chrono"));
            let date = chrono::NaiveDate::from_ymd_opt(
                parts.date.year,
                u32::from(parts.date.month),
                u32::from(parts.date.day),
            )
            .ok_or_else(out_of_range)?;
            let time = match parts.time {
                Some(t) => chrono::NaiveTime::from_hms_nano_opt(
                    u32::from(t.hour),
                    u32::from(t.minute),
                    u32::from(t.second),
                    t.nanosecond,
                )
                .ok_or_else(out_of_range)?,
                None => chrono::NaiveTime::MIN,
            };
            Ok(date.and_time(time))
        }
    }

    impl<Tz: chrono::TimeZone> From<chrono::DateTime<Tz>> for Timestamp {
        /// The moment with its offset, as RFC 3339.
        fn from(t: chrono::DateTime<Tz>) -> Timestamp {
            use chrono::Offset as _;
            let offset = t.offset().fix().local_minus_utc();
            Timestamp::from_unix(t.timestamp(), t.timestamp_subsec_nanos(), offset)
        }
    }

    impl Date {
        /// The date as a [`chrono::NaiveDate`].
        ///
        /// # Errors
        ///
        /// When the text is not a valid date.
        pub fn to_chrono(&self) -> Result<chrono::NaiveDate, TimestampError> {
            let d = self.parts()?;
            chrono::NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day))
                .ok_or_else(|| TimestampError::new(&self.raw, Problem::OutOfRange("for chrono")))
        }
    }

    impl From<chrono::NaiveDate> for Date {
        fn from(d: chrono::NaiveDate) -> Date {
            use chrono::Datelike as _;
            Date {
                raw: super::format_date(super::DateParts {
                    year: d.year(),
                    month: d.month() as u8,
                    day: d.day() as u8,
                }),
            }
        }
    }
}

#[cfg(feature = "time")]
mod with_time {
    use super::{Date, Problem, Timestamp, TimestampError};

    impl Timestamp {
        /// The moment in its stated offset, as a [`time::OffsetDateTime`].
        ///
        /// # Errors
        ///
        /// When the text is not a date-time or gives no offset.
        pub fn to_time(&self) -> Result<time::OffsetDateTime, TimestampError> {
            let (seconds, nanos, offset) = self.absolute()?;
            let out_of_range = || TimestampError::new(&self.raw, Problem::OutOfRange("for time"));
            let zone = time::UtcOffset::from_whole_seconds(offset).map_err(|_| out_of_range())?;
            let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
            time::OffsetDateTime::from_unix_timestamp_nanos(total)
                .map(|utc| utc.to_offset(zone))
                .map_err(|_| out_of_range())
        }

        /// The date and time as written, without an offset: the offset-less values read
        /// here. A bare date reads as its midnight.
        ///
        /// # Errors
        ///
        /// When the text is not a date or date-time.
        pub fn to_time_primitive(&self) -> Result<time::PrimitiveDateTime, TimestampError> {
            let parts = self.parts()?;
            let out_of_range = |_| TimestampError::new(&self.raw, Problem::OutOfRange("for time"));
            let date = to_time_date(parts.date).map_err(out_of_range)?;
            let time = match parts.time {
                Some(t) => time::Time::from_hms_nano(t.hour, t.minute, t.second, t.nanosecond).map_err(out_of_range)?,
                None => time::Time::MIDNIGHT,
            };
            Ok(time::PrimitiveDateTime::new(date, time))
        }
    }

    fn to_time_date(d: super::DateParts) -> Result<time::Date, time::error::ComponentRange> {
        let month = time::Month::try_from(d.month)?;
        time::Date::from_calendar_date(d.year, month, d.day)
    }

    impl From<time::OffsetDateTime> for Timestamp {
        /// The moment with its offset, as RFC 3339.
        fn from(t: time::OffsetDateTime) -> Timestamp {
            Timestamp::from_unix(t.unix_timestamp(), t.nanosecond(), t.offset().whole_seconds())
        }
    }

    impl Date {
        /// The date as a [`time::Date`].
        ///
        /// # Errors
        ///
        /// When the text is not a valid date.
        pub fn to_time(&self) -> Result<time::Date, TimestampError> {
            let d = self.parts()?;
            to_time_date(d).map_err(|_| TimestampError::new(&self.raw, Problem::OutOfRange("for time")))
        }
    }

    impl From<time::Date> for Date {
        fn from(d: time::Date) -> Date {
            Date {
                raw: super::format_date(super::DateParts { year: d.year(), month: u8::from(d.month()), day: d.day() }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        serde_json::from_value(serde_json::Value::String(text.into())).expect("any string decodes")
    }

    #[test]
    fn every_form_parses_and_round_trips() {
        let cases = [
            ("2025-11-24T07:33:49.629642", Some((7, 33, 49, 629_642_000)), Offset::NotGiven),
            ("2025-11-24T07:33:49Z", Some((7, 33, 49, 0)), Offset::Given(0)),
            ("2025-11-24T07:33:49+05:30", Some((7, 33, 49, 0)), Offset::Given(19_800)),
            ("2025-11-24T07:33:49.5-08:00", Some((7, 33, 49, 500_000_000)), Offset::Given(-28_800)),
            ("2025-11-24 07:33", Some((7, 33, 0, 0)), Offset::NotGiven),
            ("2025-11-24", None, Offset::NotGiven),
        ];
        for (text, time, offset) in cases {
            let value = ts(text);
            assert_eq!(value.as_str(), text);
            assert_eq!(value.to_string(), text);
            assert_eq!(serde_json::to_value(&value).unwrap(), serde_json::json!(text));
            let parts = value.parts().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parts.date, DateParts { year: 2025, month: 11, day: 24 });
            let got = parts.time.map(|t| (t.hour, t.minute, t.second, t.nanosecond));
            assert_eq!(got, time, "{text}");
            assert_eq!(parts.offset, offset, "{text}");
        }
    }

    #[test]
    fn bad_text_decodes_and_only_the_accessor_fails() {
        for text in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-02-29T00:00:00Z",
            "2025-11-24T25:00:00",
            "2025-11-24T07:33:49+5:30",
            "2025-11-24T07:33:49.1234567890Z",
            "2025-11-24X07:00",
        ] {
            let value = ts(text);
            assert_eq!(value.as_str(), text);
            let err = value.parts().expect_err(text);
            assert!(err.to_string().contains(&format!("`{text}`")), "{err}");
            assert!(!err.is_missing_offset());
        }
        assert!(ts("2024-02-29T00:00:00Z").parts().is_ok(), "a leap day");
        let long = "9".repeat(500);
        assert_eq!(ts(&long).parts().unwrap_err().text().len(), 64);
    }

    #[test]
    fn inputs_need_an_offset() {
        let err = Timestamp::parse("2025-11-24T07:33:49.629642").unwrap_err();
        assert!(err.is_missing_offset());
        assert!(err.to_string().contains("no UTC offset"), "{err}");
        assert!(Timestamp::parse("2025-11-24").unwrap_err().is_missing_offset());
        assert!(Timestamp::parse("not a time").is_err());
        let ok = Timestamp::parse("2025-09-25T00:00:00+05:30").unwrap();
        assert_eq!(ok.as_str(), "2025-09-25T00:00:00+05:30");
    }

    #[test]
    fn the_input_check_runs_only_while_a_request_is_built() {
        let loose = ts("2025-11-24T07:33:49");
        let strict = Timestamp::parse("2025-11-24T07:33:49Z").unwrap();
        assert_eq!(loose.to_string(), "2025-11-24T07:33:49");
        let ((), problem) = check_inputs(|| {
            let _ = strict.to_string();
        });
        assert_eq!(problem, None);
        let (json, problem) = check_inputs(|| serde_json::to_string(&[&strict, &loose]));
        assert!(json.is_ok());
        let problem = problem.expect("the offset-less value is refused");
        assert!(problem.contains("`2025-11-24T07:33:49` has no UTC offset"), "{problem}");
        // The crate's own writer, which request bodies use, checks the same way.
        let (json, problem) =
            check_inputs(|| super::super::write::Writer::to_vec(&vec![strict.clone(), loose.clone()]));
        assert_eq!(json.unwrap(), br#"["2025-11-24T07:33:49Z","2025-11-24T07:33:49"]"#);
        assert!(problem.expect("the offset-less value is refused").contains("has no UTC offset"));
        let date = Date { raw: "2026-02-30".into() };
        let (_, problem) = check_inputs(|| super::super::write::Writer::to_vec(&date));
        assert!(problem.unwrap().starts_with("`2026-02-30`"));
        let ((), problem) = check_inputs(|| {
            let _ = Date { raw: "2026-02-30".into() }.to_string();
            locate_input_problem("start_date");
        });
        assert!(problem.unwrap().starts_with("query parameter `start_date`: `2026-02-30`"));
        // Outside a check nothing is recorded, and a later check starts clean.
        let _ = loose.to_string();
        assert_eq!(check_inputs(|| ()).1, None);
    }

    #[test]
    fn unix_arithmetic_matches_known_moments() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-03-01T00:00:00Z", 951_868_800),
            ("2025-09-25T00:00:00+05:30", 1_758_738_600),
            ("1969-12-31T23:59:59Z", -1),
        ];
        for (text, unix) in cases {
            let t = Timestamp::parse(text).unwrap();
            assert_eq!(t.absolute().unwrap().0, unix, "{text}");
            let back = Timestamp::from_unix(unix, 0, t.absolute().unwrap().2);
            assert_eq!(back.as_str(), text);
        }
        let t = Timestamp::from_unix(1_758_738_600, 120_000_000, -9000);
        assert_eq!(t.as_str(), "2025-09-24T16:00:00.12-02:30");
        for days in [-800_000, -1, 0, 1, 59, 60, 11_016, 2_932_896] {
            assert_eq!(days_from_civil(civil_from_days(days)), days);
        }
    }

    #[test]
    fn system_time_round_trips() {
        let now = SystemTime::now();
        let t = Timestamp::from(now);
        assert!(t.as_str().ends_with('Z'), "{t}");
        assert_eq!(t.to_system_time().unwrap(), now);
        let before = UNIX_EPOCH - Duration::from_millis(1500);
        let t = Timestamp::from(before);
        assert_eq!(t.as_str(), "1969-12-31T23:59:58.5Z");
        assert_eq!(t.to_system_time().unwrap(), before);
        assert!(ts("2025-11-24T07:33:49").to_system_time().unwrap_err().is_missing_offset());
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2026-03-01").unwrap().parts().unwrap().day, 1);
        assert!(Date::parse("2026-03-01T00:00:00Z").is_err());
        assert!(Date::parse("2026-3-1").is_err());
        assert_eq!(Date::from_ymd(2024, 2, 29).unwrap().as_str(), "2024-02-29");
        assert!(Date::from_ymd(2023, 2, 29).is_err());
        let loose: Date = serde_json::from_str("\"someday\"").unwrap();
        assert_eq!(loose.as_str(), "someday");
        assert!(loose.parts().is_err());
    }

    /// A list filtered by time, with a body that carries a time too, as generated code writes it.
    #[derive(Debug, Clone)]
    struct Filtered {
        since: Option<Timestamp>,
        day: Date,
        body: std::collections::BTreeMap<String, Timestamp>,
    }

    impl crate::runtime::Operation for Filtered {
        type Output = serde_json::Value;
        const ENDPOINT: crate::runtime::Endpoint = crate::runtime::Endpoint {
            name: "calls.filtered",
            method: reqwest::Method::POST,
            path: "/calls",
            base_url: "default",
            retry: crate::runtime::RetrySafety::Safe,
        };
        fn path(&self) -> String {
            "/calls".into()
        }
        fn query(&self, query: &mut crate::runtime::Query) {
            query.push_opt("since", self.since.as_ref());
            query.push("day", &self.day);
        }
        fn body(&self) -> Result<crate::runtime::Body, crate::Error> {
            crate::runtime::Body::json(&self.body)
        }
        fn decode(response: crate::runtime::Response) -> crate::runtime::DecodeFuture<Self::Output> {
            crate::runtime::decode_json(response)
        }
    }

    #[tokio::test]
    async fn requests_refuse_inputs_without_an_offset_before_sending() {
        use crate::runtime::test_server::{Reply, TestServer};
        let server = TestServer::start(vec![Reply::json(200, "{}")]).await;
        let client = crate::Client::builder().api_key("rk_test_timestamps").base_url(server.url()).build().unwrap();
        let send = |op: Filtered| crate::Request::new(client.clone(), op).send();
        let absolute = Timestamp::from_static("2025-09-25T00:00:00+05:30");
        let day = Date::from_static("2025-09-25");
        // A value taken from a response, such as `created_at`, may lack the offset.
        let local = ts("2025-11-24T07:33:49.629642");

        let op = Filtered { since: Some(local.clone()), day: day.clone(), body: Default::default() };
        let err = send(op).await.unwrap_err();
        assert!(err.is_not_sent(), "{err}");
        assert!(
            err.to_string().contains("query parameter `since`: `2025-11-24T07:33:49.629642` has no UTC offset"),
            "{err}"
        );

        let op = Filtered { since: None, day: day.clone(), body: [("at".to_owned(), local)].into() };
        let err = send(op).await.unwrap_err();
        assert!(err.to_string().contains("request body: `2025-11-24T07:33:49.629642`"), "{err}");

        let bad_day: Date = serde_json::from_str("\"2025-02-30\"").unwrap();
        let op = Filtered { since: None, day: bad_day, body: Default::default() };
        let err = send(op).await.unwrap_err();
        assert!(err.to_string().contains("query parameter `day`: `2025-02-30`"), "{err}");
        assert_eq!(server.request_count(), 0, "nothing was sent");

        let op = Filtered { since: Some(absolute.clone()), day, body: [("at".to_owned(), absolute)].into() };
        send(op).await.expect("an absolute moment is sent");
        let sent = &server.requests()[0];
        assert_eq!(sent.query_one("since"), Some("2025-09-25T00:00:00+05:30"));
        assert_eq!(sent.query_one("day"), Some("2025-09-25"));
        assert_eq!(sent.body, br#"{"at":"2025-09-25T00:00:00+05:30"}"#);
    }

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_conversions() {
        let t = Timestamp::parse("2025-09-25T00:00:00.25+05:30").unwrap();
        let j = t.to_jiff().unwrap();
        assert_eq!(j.to_string(), "2025-09-24T18:30:00.25Z");
        assert_eq!(Timestamp::from(j).as_str(), "2025-09-24T18:30:00.25Z");
        let zoned = t.to_jiff_zoned().unwrap();
        assert_eq!(Timestamp::from(zoned).as_str(), t.as_str());
        assert_eq!(ts("2025-11-24T07:33:49.629642").to_jiff_civil().unwrap().to_string(), "2025-11-24T07:33:49.629642");
        assert!(ts("2025-11-24T07:33:49").to_jiff().unwrap_err().is_missing_offset());
        let d = Date::parse("2026-03-01").unwrap();
        assert_eq!(Date::from(d.to_jiff().unwrap()), d);
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_conversions() {
        let t = Timestamp::parse("2025-09-25T00:00:00.25+05:30").unwrap();
        let c = t.to_chrono().unwrap();
        assert_eq!(c.to_rfc3339(), "2025-09-25T00:00:00.250+05:30");
        assert_eq!(Timestamp::from(c).as_str(), t.as_str());
        assert_eq!(Timestamp::from(c.to_utc()).as_str(), "2025-09-24T18:30:00.25Z");
        let naive = ts("2025-11-24T07:33:49.629642").to_chrono_naive().unwrap();
        assert_eq!(naive.to_string(), "2025-11-24 07:33:49.629642");
        assert!(ts("2025-11-24T07:33:49").to_chrono().unwrap_err().is_missing_offset());
        let d = Date::parse("2026-03-01").unwrap();
        assert_eq!(Date::from(d.to_chrono().unwrap()), d);
    }

    #[cfg(feature = "time")]
    #[test]
    fn time_conversions() {
        let t = Timestamp::parse("2025-09-25T00:00:00.25+05:30").unwrap();
        let o = t.to_time().unwrap();
        assert_eq!(o.unix_timestamp(), 1_758_738_600);
        assert_eq!(o.offset().whole_seconds(), 19_800);
        assert_eq!(Timestamp::from(o).as_str(), t.as_str());
        let p = ts("2025-11-24T07:33:49.629642").to_time_primitive().unwrap();
        assert_eq!((p.hour(), p.nanosecond()), (7, 629_642_000));
        assert!(ts("2025-11-24T07:33:49").to_time().unwrap_err().is_missing_offset());
        let d = Date::parse("2026-03-01").unwrap();
        assert_eq!(Date::from(d.to_time().unwrap()), d);
    }
}
