//! [`DcatDate`]: a date or date-time kept as the publisher wrote it.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};

/// A DCAT date (`xsd:date`, `2024-01-01`) or date and time (`xsd:dateTime`,
/// `2024-01-01T10:00:00+02:00`), kept as the publisher wrote it: a date stays a date, and the offset
/// is kept. It dereferences to the instant (a date counts from midnight UTC), for sorting and display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DcatDate {
    instant: DateTime<FixedOffset>,
    date_only: bool,
}

impl DcatDate {
    /// A calendar day.
    pub fn date(day: NaiveDate) -> Self {
        Self {
            instant: day
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .fixed_offset(),
            date_only: true,
        }
    }

    /// Parses `YYYY-MM-DD` or an RFC 3339 date-time (a `Z` or an offset is required).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.len() == 10
            && let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        {
            return Some(Self::date(day));
        }
        DateTime::parse_from_rfc3339(value).ok().map(Self::from)
    }

    /// The instant: the date-time itself, or midnight UTC of the day.
    pub fn instant(&self) -> DateTime<FixedOffset> {
        self.instant
    }

    /// The day, when this is a plain date (`xsd:date`).
    pub fn as_date(&self) -> Option<NaiveDate> {
        self.date_only.then(|| self.instant.date_naive())
    }

    /// The lexical form: `2024-01-01`, or RFC 3339 with the offset as written (`Z` for UTC).
    pub fn lexical(&self) -> String {
        match self.as_date() {
            Some(day) => day.format("%Y-%m-%d").to_string(),
            None => self.instant.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        }
    }
}

impl DcatDate {
    /// A time odcat stamps itself (now, a record's change): whole seconds in UTC, like the other
    /// timestamps of the exports.
    pub fn stamp(instant: DateTime<FixedOffset>) -> Self {
        let seconds = instant.timestamp();
        let utc = DateTime::from_timestamp(seconds, 0).unwrap_or_default();
        Self::from(utc.fixed_offset())
    }
}

impl From<DateTime<FixedOffset>> for DcatDate {
    fn from(instant: DateTime<FixedOffset>) -> Self {
        Self {
            instant,
            date_only: false,
        }
    }
}

impl std::ops::Deref for DcatDate {
    type Target = DateTime<FixedOffset>;

    fn deref(&self) -> &Self::Target {
        &self.instant
    }
}

impl std::fmt::Display for DcatDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lexical())
    }
}

impl Serialize for DcatDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.lexical())
    }
}

impl<'de> Deserialize<'de> for DcatDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{}` is neither a date (2024-01-01) nor a date-time with offset \
                 (2024-01-01T10:00:00+02:00)",
                text.escape_debug()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dcat_dates_keep_what_was_written() {
        let date = DcatDate::parse("2024-01-01").unwrap();
        assert_eq!(date.lexical(), "2024-01-01");
        assert!(date.as_date().is_some());
        let local = DcatDate::parse("2024-01-01T10:00:00+02:00").unwrap();
        assert_eq!(local.lexical(), "2024-01-01T10:00:00+02:00");
        assert_eq!(
            DcatDate::parse("2024-01-01T08:00:00Z").unwrap().lexical(),
            "2024-01-01T08:00:00Z"
        );
        assert_eq!(
            local.instant(),
            DcatDate::parse("2024-01-01T08:00:00Z").unwrap().instant()
        );
        for bad in ["2024-1-1", "2024-01-01T10:00:00", "gestern", "2024-13-01"] {
            assert!(DcatDate::parse(bad).is_none(), "{bad}");
        }
    }
}
