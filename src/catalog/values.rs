//! Validated value types. Inside `catalog`, a value of one of these types is known to be valid.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::CatalogError;
use super::vocab::Vocabulary;

/// A URL slug: 2-100 characters of `a-z`, `0-9` and single inner hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug, naming `field` in the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, CatalogError> {
        let valid = (2..=100).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-')
            && !value.contains("--");
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err(CatalogError::invalid(
                field,
                format!(
                    "`{value}` is not a slug: use 2 to 100 characters a-z, 0-9 and single hyphens inside"
                ),
            ))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An absolute `http` or `https` IRI, for landing pages, access URLs and homepages.
///
/// The value is stored as written, so it must already be a valid IRI (RFC 3987): spaces, `"`, `<`,
/// `>`, `{`, `}`, `|`, `^`, `` ` ``, `\` and control characters are refused (percent-encode them),
/// because the RDF output could not carry such a value and would have to drop it.
pub fn http_iri(field: &str, value: &str) -> Result<String, CatalogError> {
    let value = value.trim();
    if let Some(c) = value.chars().find(|c| not_in_iri(*c)) {
        return Err(CatalogError::invalid(
            field,
            format!(
                "`{}` is not a valid IRI: {} is not allowed in an IRI (percent-encode it, e.g. `%20` for a space)",
                value.escape_debug(),
                describe(c)
            ),
        ));
    }
    match url::Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && oxigraph::model::NamedNode::new(value).is_ok() =>
        {
            Ok(value.to_owned())
        }
        _ => Err(CatalogError::invalid(
            field,
            format!("`{value}` is not an absolute http(s) URL"),
        )),
    }
}

/// Characters an IRI cannot hold literally (RFC 3987 excludes them from every production).
fn not_in_iri(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "\"<>{}|^`\\".contains(c) || is_noncharacter(c)
}

/// Unicode noncharacters (U+FDD0–U+FDEF and the last two code points of every plane), which XML 1.0
/// and RDF/XML cannot carry.
fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// `U+000B` for invisible characters, `` `"` `` otherwise.
fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() || is_noncharacter(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// Refuses characters that XML 1.0 (and so RDF/XML) cannot carry, and invisible control characters:
/// everything below U+0020 except tab, LF and CR, DEL and the C1 controls, and the noncharacters.
fn check_text_chars(field: &str, value: &str) -> Result<(), CatalogError> {
    match value
        .chars()
        .find(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_noncharacter(*c))
    {
        Some(c) => Err(CatalogError::invalid(
            field,
            format!(
                "must not contain the control character {} (only tab and line breaks are allowed)",
                describe(c)
            ),
        )),
        None => Ok(()),
    }
}

/// An IRI of a controlled vocabulary.
pub fn vocabulary_iri(
    field: &str,
    value: &str,
    vocabulary: Vocabulary,
) -> Result<String, CatalogError> {
    if vocabulary.contains(value) {
        Ok(value.to_owned())
    } else {
        Err(CatalogError::invalid(
            field,
            format!(
                "`{value}` is not a known {} IRI (expected {}…)",
                vocabulary.name(),
                vocabulary.namespace()
            ),
        ))
    }
}

/// A plain-text value that must not be blank; trimmed, at most `max` characters. Line breaks are
/// normalised to LF (a CR would not survive XML parsing); other control characters are refused.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, CatalogError> {
    check_text_chars(field, value)?;
    let normalised;
    let value = if value.contains('\r') {
        normalised = value.replace("\r\n", "\n").replace('\r', "\n");
        normalised.trim()
    } else {
        value.trim()
    };
    if value.is_empty() {
        return Err(CatalogError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(CatalogError::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if value.contains('\0') {
        return Err(CatalogError::invalid(
            field,
            "must not contain NUL characters",
        ));
    }
    Ok(value.to_owned())
}

/// An optional text: blank counts as absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, CatalogError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// An e-mail address of the simple `local@domain.tld` shape (no display names, no quoted local
/// parts), so that `mailto:{address}` is a valid IRI for `vcard:hasEmail` and `foaf:mbox`.
pub fn email(field: &str, value: &str) -> Result<String, CatalogError> {
    let value = value.trim();
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && local
                    .chars()
                    .all(|c| c.is_alphanumeric() || "!#$&'*+/=?_~.-".contains(c))
                && domain.contains('.')
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
                && oxigraph::model::NamedNode::new(format!("mailto:{value}")).is_ok()
        }
        None => false,
    };
    if valid && value.len() <= 254 {
        Ok(value.to_owned())
    } else {
        Err(CatalogError::invalid(
            field,
            format!("`{value}` is not an e-mail address"),
        ))
    }
}

/// A telephone number as people write it (`+49 202 563-0`, `0202 / 563 12 34`): digits, spaces and
/// `+ - ( ) . /`, a `+` only in front, at least three digits, so that it has a `tel:` IRI (RFC 3966).
pub fn telephone(field: &str, value: &str) -> Result<String, CatalogError> {
    let value = value.trim();
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let valid = (3..=30).contains(&digits)
        && value.len() <= 50
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " -().//".contains(c) || c == '+')
        && !value[1..].contains('+');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(CatalogError::invalid(
            field,
            format!(
                "`{}` is not a telephone number: use digits, spaces and + - ( ) . / only",
                value.escape_debug()
            ),
        ))
    }
}

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

/// Publication state of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatasetStatus {
    /// Visible to its publisher's tokens only; may be incomplete.
    Draft,
    /// Public and exported.
    Published,
    /// No longer offered; the id stays reserved.
    Withdrawn,
}

impl DatasetStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored text.
    pub fn from_db(value: &str) -> Self {
        match value {
            "published" => Self::Published,
            "withdrawn" => Self::Withdrawn,
            _ => Self::Draft,
        }
    }
}

/// What a distribution is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionKind {
    /// Rows stored by odcat in a typed SQL table; downloads are served by odcat.
    HostedTable,
    /// A file or service elsewhere.
    #[default]
    ExternalLink,
}

impl DistributionKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HostedTable => "hosted_table",
            Self::ExternalLink => "external_link",
        }
    }

    /// Parses the stored text.
    pub fn from_db(value: &str) -> Self {
        if value == "hosted_table" {
            Self::HostedTable
        } else {
            Self::ExternalLink
        }
    }
}

/// Whether a distribution is offered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionStatus {
    /// Offered.
    #[default]
    Active,
    /// No longer offered.
    Withdrawn,
}

impl DistributionStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored text.
    pub fn from_db(value: &str) -> Self {
        if value == "withdrawn" {
            Self::Withdrawn
        } else {
            Self::Active
        }
    }
}

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes its publisher's datasets.
    Editor,
    /// Writes every dataset.
    Admin,
}

impl Role {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// Parses the stored text.
    pub fn from_db(value: &str) -> Self {
        if value == "admin" {
            Self::Admin
        } else {
            Self::Editor
        }
    }
}

/// The checksum algorithms of SPDX 2.3 (`spdx:checksumAlgorithm_*`), with the number of hex digits
/// of a digest (`None`: variable length, MD6).
pub const CHECKSUM_ALGORITHMS: [(&str, Option<usize>); 17] = [
    ("adler32", Some(8)),
    ("blake2b256", Some(64)),
    ("blake2b384", Some(96)),
    ("blake2b512", Some(128)),
    ("blake3", Some(64)),
    ("md2", Some(32)),
    ("md4", Some(32)),
    ("md5", Some(32)),
    ("md6", None),
    ("sha1", Some(40)),
    ("sha224", Some(56)),
    ("sha256", Some(64)),
    ("sha384", Some(96)),
    ("sha3_256", Some(64)),
    ("sha3_384", Some(96)),
    ("sha3_512", Some(128)),
    ("sha512", Some(128)),
];

/// A checksum: an SPDX algorithm (`sha256`, `SHA-256`, `sha3-512`, `BLAKE2b-256`, `md5`, … — case,
/// `-` and `_` do not matter) and a lower-case hex digest of the right length. The algorithm is
/// stored by its SPDX name (`sha3_512`), so `spdx:checksumAlgorithm_{name}` is its IRI.
pub fn checksum(
    field: &str,
    algorithm: &str,
    value: &str,
) -> Result<(String, String), CatalogError> {
    let key: String = algorithm
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect();
    let Some((name, len)) = CHECKSUM_ALGORITHMS
        .iter()
        .find(|(a, _)| a.replace('_', "") == key)
    else {
        return Err(CatalogError::invalid(
            format!("{field}.algorithm"),
            format!(
                "`{}` is not an SPDX checksum algorithm (one of {})",
                algorithm.trim().escape_debug(),
                CHECKSUM_ALGORITHMS.map(|(a, _)| a).join(", ")
            ),
        ));
    };
    let value = value.trim().to_ascii_lowercase();
    let length_ok = match len {
        Some(len) => value.len() == *len,
        None => (2..=128).contains(&value.len()) && value.len().is_multiple_of(2),
    };
    if !length_ok || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        let expected = len.map_or_else(|| "2 to 128".to_owned(), |l| l.to_string());
        return Err(CatalogError::invalid(
            format!("{field}.value"),
            format!("must be {expected} hexadecimal digits for {name}"),
        ));
    }
    Ok(((*name).to_owned(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_lower_case_words_with_hyphens() {
        for ok in ["ab", "digitalisierungsprojekte-digital-2026", "alkis-2"] {
            assert!(Slug::parse("slug", ok).is_ok(), "{ok} should be a slug");
        }
    }

    #[test]
    fn slugs_refuse_everything_else() {
        let long = "a".repeat(101);
        for bad in [
            "a",
            "Ab",
            "-ab",
            "ab-",
            "a--b",
            "a b",
            "straße",
            "a/b",
            "",
            long.as_str(),
        ] {
            let err = Slug::parse("slug", bad).expect_err(bad);
            assert!(err.to_string().starts_with("slug: "), "{err}");
        }
    }

    #[test]
    fn http_iris_must_be_absolute_http() {
        assert!(http_iri("f", "https://www.wuppertal.de/vv/oe/402.php").is_ok());
        for bad in [
            "www.wuppertal.de",
            "ftp://x.de/a",
            "mailto:a@b.de",
            "/relative",
            "http://",
        ] {
            assert!(http_iri("f", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("t", "  Titel ", 10).ok(), Some("Titel".to_owned()));
        assert!(text("t", "   ", 10).is_err());
        assert!(text("t", "Überlänge!!", 10).is_err());
        assert!(text("t", "a\0b", 10).is_err());
        assert_eq!(optional_text("t", Some(" "), 10).ok(), Some(None));
    }

    #[test]
    fn text_refuses_control_characters_and_normalises_line_breaks() {
        for bad in [
            "A\u{b}B",
            "A\u{1}B",
            "A\u{1b}B",
            "A\u{fffe}B",
            "A\u{ffff}B",
            "A\u{7f}",
            "A\u{85}",
        ] {
            let err = text("title.de", bad, 100).expect_err(bad);
            assert!(err.to_string().starts_with("title.de: "), "{err}");
            assert!(err.to_string().contains("U+"), "{err}");
        }
        assert_eq!(
            text("t", "a\tb\r\nc\rd\ne", 100).ok(),
            Some("a\tb\nc\nd\ne".to_owned())
        );
    }

    #[test]
    fn iris_refuse_characters_that_rdf_cannot_carry() {
        for bad in [
            "https://example.org/a b",
            "https://example.org/a\"b",
            "https://example.org/<a>",
            "https://example.org/{a}",
            "https://example.org/a|b",
            "https://example.org/a^b",
            "https://example.org/a`b",
            "https://example.org/a\\b",
            "https://example.org/a\u{1}b",
        ] {
            assert!(
                http_iri("access_url", bad).is_err(),
                "{bad} should be refused"
            );
        }
        assert!(http_iri("f", "https://example.org/a%20b?x=1&y=%C3%BC#f").is_ok());
        assert!(http_iri("f", "https://example.org/straße").is_ok());
    }

    #[test]
    fn telephone_numbers_need_digits() {
        assert!(telephone("t", "+49 202 563-0").is_ok());
        assert!(telephone("t", "0202 / 563 12 34").is_ok());
        for bad in ["ruf an", "12", "+49 202 +1", "0202 563 abc"] {
            assert!(telephone("t", bad).is_err(), "{bad} should be refused");
        }
    }

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

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert!(email("e", "offenedaten@stadt.wuppertal.de").is_ok());
        for bad in [
            "offenedaten",
            "@wuppertal.de",
            "a@b",
            "a b@c.de",
            "a@b@c.de",
            "a@.de",
            "a\"b@example.org",
            "a<b@example.org",
            "a%b@example.org",
            "a@exa mple.org",
        ] {
            assert!(email("e", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn checksums_need_the_digest_length_of_their_algorithm() {
        let sha256 = "a".repeat(64);
        assert!(checksum("c", "SHA256", &sha256).is_ok());
        assert!(checksum("c", "sha256", "abc").is_err());
        assert!(checksum("c", "md4", &sha256).is_err());
        assert!(checksum("c", "crc32", &sha256).is_err());
        assert_eq!(
            checksum("c", "SHA3-256", &sha256).unwrap().0,
            "sha3_256",
            "SPDX names other algorithms too"
        );
        assert_eq!(checksum("c", "md5", &"b".repeat(32)).unwrap().0, "md5");
        assert_eq!(
            checksum("c", "BLAKE2b-512", &"c".repeat(128)).unwrap().0,
            "blake2b512"
        );
        assert!(checksum("c", "sha256", &"g".repeat(64)).is_err());
    }

    #[test]
    fn stored_enums_round_trip() {
        for s in [
            DatasetStatus::Draft,
            DatasetStatus::Published,
            DatasetStatus::Withdrawn,
        ] {
            assert_eq!(DatasetStatus::from_db(s.as_str()), s);
        }
        for k in [
            DistributionKind::HostedTable,
            DistributionKind::ExternalLink,
        ] {
            assert_eq!(DistributionKind::from_db(k.as_str()), k);
        }
        for r in [Role::Editor, Role::Admin] {
            assert_eq!(Role::from_db(r.as_str()), r);
        }
    }
}
