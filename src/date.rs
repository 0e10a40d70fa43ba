//! Call times as Gong sends them: Unix seconds (a number or a string of
//! digits), Unix milliseconds, or ISO 8601.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// Unix values at or above this are milliseconds, not seconds: 10^11 seconds
/// is the year 5138, while 10^11 milliseconds is March 1973.
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// The largest UTC offset, in minutes, that [`CallTime::date`] accepts.
pub const MAX_UTC_OFFSET_MINUTES: i32 = 23 * 60 + 59;

/// A point in time parsed from one of Gong's date forms, remembering whether
/// it came as a Unix value or as ISO 8601 with its own offset.
///
/// The distinction matters for [`CallTime::date`]: a Unix value has no zone,
/// so its calendar date is taken in UTC, while an ISO string's date is taken in
/// the offset it was written with (as Gong's web app shows it).
///
/// # Examples
///
/// ```
/// use gongkit::CallTime;
///
/// let t: CallTime = "2024-12-18T23:30:00-05:00".parse()?;
/// assert_eq!(t.date(None)?.to_string(), "2024-12-18");
/// assert_eq!(t.to_utc_string(), "2024-12-19T04:30:00Z");
///
/// let unix = CallTime::from_unix(1518863400)?;
/// assert_eq!(unix.to_utc_string(), "2018-02-17T10:30:00Z");
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(type = "string | number")
)]
pub struct CallTime {
    instant: DateTime<FixedOffset>,
    unix: bool,
}

/// Parses a call time: Unix seconds as a string of digits (leading zeros
/// allowed; values of 10^11 and more are milliseconds), or ISO 8601
/// (`YYYY-MM-DD`, or a date and time with `T` or a space, optional seconds and
/// up to nine digits of fraction, then `Z`, an offset such as `+05:30` or
/// `-0800`, or nothing for UTC).
///
/// # Examples
///
/// ```
/// use gongkit::parse_call_time;
///
/// assert_eq!(parse_call_time("1518863400")?.to_utc_string(), "2018-02-17T10:30:00Z");
/// assert_eq!(parse_call_time("1518863400000")?.to_utc_string(), "2018-02-17T10:30:00Z");
/// assert_eq!(
///     parse_call_time("2019-10-18T14:03:37.041977-07:00")?.to_utc_string(),
///     "2019-10-18T21:03:37.041977Z"
/// );
/// assert_eq!(parse_call_time("2024-12-18")?.to_utc_string(), "2024-12-18T00:00:00Z");
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// An empty string, anything that is neither digits nor ISO 8601 (`"abc"`,
/// `"1.5"`, `"-5"`), a date or time that does not exist (`"2024-13-45"`), and
/// values outside the range of dates that can be represented, each with the
/// value quoted in the message.
pub fn parse_call_time(value: &str) -> Result<CallTime> {
    if value.is_empty() {
        return Err(invalid(value, "empty value"));
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        let n: u64 = value
            .parse()
            .map_err(|_| invalid(value, "number is out of range"))?;
        return CallTime::unix_value(n).ok_or_else(|| invalid(value, "number is out of range"));
    }
    parse_iso(value)
        .map(|instant| CallTime {
            instant,
            unix: false,
        })
        .map_err(|reason| invalid(value, reason))
}

/// Parses a call time and returns its calendar date as `YYYY-MM-DD`: in UTC
/// for Unix values, in the string's own offset for ISO 8601, or in
/// `utc_offset_minutes` when given.
///
/// # Examples
///
/// ```
/// use gongkit::call_date;
///
/// assert_eq!(call_date("1734535800", None)?, "2024-12-18");
/// assert_eq!(call_date("2024-12-18T23:30:00-05:00", None)?, "2024-12-18");
/// assert_eq!(call_date("2024-12-18T23:30:00-05:00", Some(0))?, "2024-12-19");
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// As [`parse_call_time`], and [`Error::InvalidUtcOffset`] for an offset
/// beyond ±23:59.
pub fn call_date(value: &str, utc_offset_minutes: Option<i32>) -> Result<String> {
    Ok(ymd(parse_call_time(value)?.date(utc_offset_minutes)?))
}

impl CallTime {
    /// A Unix timestamp: seconds, or milliseconds when the value is 10^11 or
    /// more.
    ///
    /// # Examples
    ///
    /// ```
    /// use gongkit::CallTime;
    ///
    /// assert_eq!(CallTime::from_unix(0)?.to_utc_string(), "1970-01-01T00:00:00Z");
    /// assert_eq!(CallTime::from_unix(1734535800123)?.to_utc_string(), "2024-12-18T15:30:00.123Z");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A value beyond the representable range of dates.
    pub fn from_unix(value: u64) -> Result<CallTime> {
        CallTime::unix_value(value)
            .ok_or_else(|| invalid(&value.to_string(), "number is out of range"))
    }

    /// An instant in Unix milliseconds, as a JavaScript `Date` holds it
    /// (`getTime()`): always milliseconds, whatever the size.
    ///
    /// # Examples
    ///
    /// ```
    /// use gongkit::CallTime;
    ///
    /// assert_eq!(CallTime::from_unix_millis(1734535800123)?.to_utc_string(), "2024-12-18T15:30:00.123Z");
    /// assert_eq!(CallTime::from_unix_millis(86_400_000)?.to_utc_string(), "1970-01-02T00:00:00Z");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A date out of the range of years 0 to 9999.
    pub fn from_unix_millis(ms: i64) -> Result<CallTime> {
        DateTime::from_timestamp_millis(ms)
            .and_then(|utc| in_range(utc.fixed_offset()))
            .map(|instant| CallTime {
                instant,
                unix: true,
            })
            .ok_or_else(|| invalid(&ms.to_string(), "number is out of range"))
    }

    /// A Unix timestamp given as a floating-point number, as JavaScript
    /// numbers are: whole values only.
    ///
    /// # Examples
    ///
    /// ```
    /// use gongkit::CallTime;
    ///
    /// assert_eq!(CallTime::from_number(1518863400.0)?.to_utc_string(), "2018-02-17T10:30:00Z");
    /// assert_eq!(
    ///     CallTime::from_number(-5.0).unwrap_err().to_string(),
    ///     r#"invalid call time "-5": negative Unix time"#
    /// );
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A negative value, a fraction, NaN, infinity, or a date out of range.
    pub fn from_number(value: f64) -> Result<CallTime> {
        if value.fract() == 0.0 && (0.0..1.8e19).contains(&value) {
            CallTime::from_unix(value as u64)
        } else if value < 0.0 && value.fract() == 0.0 {
            Err(invalid(&value.to_string(), "negative Unix time"))
        } else {
            Err(invalid(
                &value.to_string(),
                "expected whole Unix seconds or ISO 8601",
            ))
        }
    }

    fn unix_value(value: u64) -> Option<CallTime> {
        let utc = if value >= MILLIS_THRESHOLD {
            let secs = i64::try_from(value / 1000).ok()?;
            // The remainder is below 1000, so the nanoseconds fit in u32.
            DateTime::from_timestamp(secs, (value % 1000) as u32 * 1_000_000)?
        } else {
            DateTime::from_timestamp(value as i64, 0)?
        };
        in_range(utc.fixed_offset()).map(|instant| CallTime {
            instant,
            unix: true,
        })
    }

    /// The time in UTC.
    ///
    /// # Examples
    ///
    /// ```
    /// let t: gongkit::CallTime = "2024-12-18T10:00:00+02:00".parse()?;
    /// assert_eq!(t.utc().to_rfc3339(), "2024-12-18T08:00:00+00:00");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn utc(&self) -> DateTime<Utc> {
        self.instant.with_timezone(&Utc)
    }

    /// The time with the offset it was given in (UTC for Unix values).
    ///
    /// # Examples
    ///
    /// ```
    /// let t: gongkit::CallTime = "2024-12-18T10:00:00+02:00".parse()?;
    /// assert_eq!(t.fixed_offset().offset().local_minus_utc(), 7200);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn fixed_offset(&self) -> DateTime<FixedOffset> {
        self.instant
    }

    /// Whether the value came as Unix seconds or milliseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(gongkit::parse_call_time("1518863400")?.is_unix());
    /// assert!(!gongkit::parse_call_time("2018-02-17")?.is_unix());
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn is_unix(&self) -> bool {
        self.unix
    }

    /// The calendar date of the call: in `utc_offset_minutes` when given,
    /// otherwise in UTC for Unix values and in the string's own offset for
    /// ISO 8601.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = gongkit::parse_call_time("1734564600")?; // 2024-12-18T23:30:00Z
    /// assert_eq!(t.date(None)?.to_string(), "2024-12-18");
    /// assert_eq!(t.date(Some(60))?.to_string(), "2024-12-19");
    /// assert_eq!(t.date(Some(-300))?.to_string(), "2024-12-18");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUtcOffset`] for an offset beyond ±23:59, or
    /// [`Error::InvalidCallTime`] when the shifted date is out of range.
    pub fn date(&self, utc_offset_minutes: Option<i32>) -> Result<NaiveDate> {
        let Some(minutes) = utc_offset_minutes else {
            return Ok(self.instant.date_naive());
        };
        let offset = utc_offset(minutes)?;
        self.instant
            .naive_utc()
            .checked_add_offset(offset)
            .map(|shifted| shifted.date())
            .filter(|d| (0..=9999).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| invalid(&self.to_string(), "date is out of range in that offset"))
    }

    /// ISO 8601 in UTC with `Z`, with as many fraction digits as needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let t: gongkit::CallTime = "2019-10-18T14:03:37.041977-07:00".parse()?;
    /// assert_eq!(t.to_utc_string(), "2019-10-18T21:03:37.041977Z");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn to_utc_string(&self) -> String {
        self.utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// `YYYY-MM-DD`, written directly: chrono's `format` would bring its whole
/// strftime parser into the WebAssembly module for this one pattern. Call
/// times and their dates stay within the years 0 to 9999 (see `in_range`).
pub(crate) fn ymd(date: NaiveDate) -> String {
    use chrono::Datelike;
    let mut s = String::with_capacity(10);
    let (y, m, d) = (date.year(), date.month(), date.day());
    for (n, width) in [(y.unsigned_abs(), 4usize), (m, 2), (d, 2)] {
        if !s.is_empty() {
            s.push('-');
        }
        let digits = n.to_string();
        s.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
        s.push_str(&digits);
    }
    if y < 0 {
        s.insert(0, '-');
    }
    s
}

/// Checks a UTC offset in minutes and turns it into chrono's form.
pub(crate) fn utc_offset(minutes: i32) -> Result<FixedOffset> {
    if minutes.abs() > MAX_UTC_OFFSET_MINUTES {
        return Err(Error::InvalidUtcOffset(minutes.into()));
    }
    FixedOffset::east_opt(minutes * 60).ok_or(Error::InvalidUtcOffset(minutes.into()))
}

impl std::str::FromStr for CallTime {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        parse_call_time(s)
    }
}

impl fmt::Display for CallTime {
    /// ISO 8601 in the offset the time was given in (`Z` for UTC).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.instant.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl Serialize for CallTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CallTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CallTimeVisitor)
    }
}

struct CallTimeVisitor;

impl de::Visitor<'_> for CallTimeVisitor {
    type Value = CallTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unix seconds (a number or a string of digits) or an ISO 8601 string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<CallTime, E> {
        CallTime::from_unix(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<CallTime, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(invalid(&v.to_string(), "negative Unix time"))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<CallTime, E> {
        CallTime::from_number(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<CallTime, E> {
        parse_call_time(v).map_err(E::custom)
    }
}

fn invalid(value: &str, reason: &str) -> Error {
    Error::InvalidCallTime {
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

const SHAPE: &str = "expected Unix seconds or ISO 8601 such as 2024-12-18T15:30:00Z";

/// A strict ISO 8601 reader for the forms Gong and its users write.
///
/// chrono's own parsers either demand an offset (RFC 3339) or accept
/// variable-width fields, so the fixed layout is checked here and the values
/// handed to chrono's constructors, which reject dates that do not exist.
fn parse_iso(s: &str) -> Result<DateTime<FixedOffset>, &'static str> {
    let b = s.as_bytes();
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4).ok_or(SHAPE)?;
    p.expect(b'-').ok_or(SHAPE)?;
    let month = p.digits(2).ok_or(SHAPE)?;
    p.expect(b'-').ok_or(SHAPE)?;
    let day = p.digits(2).ok_or(SHAPE)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or("no such date")?;
    if p.done() {
        return Ok(date.and_time(NaiveTime::MIN).and_utc().fixed_offset());
    }
    match p.next() {
        Some(b'T' | b't' | b' ') => {}
        _ => return Err(SHAPE),
    }
    let hour = p.digits(2).ok_or(SHAPE)?;
    p.expect(b':').ok_or(SHAPE)?;
    let minute = p.digits(2).ok_or(SHAPE)?;
    let mut second = 0;
    let mut nano = 0;
    if p.peek() == Some(b':') {
        p.next();
        second = p.digits(2).ok_or(SHAPE)?;
        if matches!(p.peek(), Some(b'.' | b',')) {
            p.next();
            let start = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.next();
            }
            let digits = &b[start..p.i];
            if digits.is_empty() {
                return Err(SHAPE);
            }
            if digits.len() > 9 {
                return Err("more than nine digits of fractional seconds");
            }
            nano = digits
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
                * 10u32.pow(9 - digits.len() as u32);
        }
    }
    // A leap second (:60) is refused: Gong never sends one, and chrono would
    // fold it into the next second in ways that surprise.
    let time = if second < 60 {
        NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
    } else {
        None
    }
    .ok_or("no such time of day")?;
    let offset_seconds = match p.next() {
        None => 0,
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = p.digits(2).ok_or(SHAPE)?;
            if p.peek() == Some(b':') {
                p.next();
            }
            let minutes = if p.done() {
                0
            } else {
                p.digits(2).ok_or(SHAPE)?
            };
            if hours > 23 || minutes > 59 {
                return Err("offset is out of range");
            }
            let total = (hours * 3600 + minutes * 60) as i32;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
        Some(_) => return Err(SHAPE),
    };
    if !p.done() {
        return Err(SHAPE);
    }
    let offset = FixedOffset::east_opt(offset_seconds).ok_or("offset is out of range")?;
    date.and_time(time)
        .and_local_timezone(offset)
        .single()
        .and_then(in_range)
        .ok_or("date is out of range")
}

/// Call times stay within the years 0000 to 9999, in UTC and in their own
/// offset: what ISO 8601's four-digit years can say (and what
/// `to_utc_string` and `ymd` print). A Unix value in milliseconds could
/// otherwise reach the year 262143.
fn in_range(instant: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    use chrono::Datelike;
    let years = 0..=9999;
    (years.contains(&instant.year()) && years.contains(&instant.naive_utc().year()))
        .then_some(instant)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.b.get(self.i..self.i + n)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(
            slice
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_without_colon_and_hour_only() {
        let t = parse_call_time("2024-12-18T10:00:00+0530").unwrap();
        assert_eq!(t.to_utc_string(), "2024-12-18T04:30:00Z");
        let t = parse_call_time("2024-12-18T10:00:00-08").unwrap();
        assert_eq!(t.to_utc_string(), "2024-12-18T18:00:00Z");
    }

    #[test]
    fn nanoseconds_are_kept() {
        let t = parse_call_time("2024-12-18T10:00:00.123456789Z").unwrap();
        assert_eq!(t.to_utc_string(), "2024-12-18T10:00:00.123456789Z");
    }
}
