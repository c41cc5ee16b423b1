//! Validated value types. Inside `catalog`, a value of one of these types is known to be valid.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::CatalogError;
use super::vocab::Vocabulary;

mod checksum;
mod date;

pub use checksum::{CHECKSUM_ALGORITHMS, checksum};
pub use date::DcatDate;

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
