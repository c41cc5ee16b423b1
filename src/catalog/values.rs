//! Validated value types. Inside `catalog`, a value of one of these types is known to be valid.

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
pub fn http_iri(field: &str, value: &str) -> Result<String, CatalogError> {
    let value = value.trim();
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(value.to_owned())
        }
        _ => Err(CatalogError::invalid(
            field,
            format!("`{value}` is not an absolute http(s) URL"),
        )),
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

/// A plain-text value that must not be blank; trimmed, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, CatalogError> {
    let value = value.trim();
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

/// An e-mail address of the simple `local@domain.tld` shape (no display names).
pub fn email(field: &str, value: &str) -> Result<String, CatalogError> {
    let value = value.trim();
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
                && !domain.contains('@')
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

/// Checksum algorithms of SPDX that `spdx:algorithm` can name.
pub const CHECKSUM_ALGORITHMS: [(&str, usize); 5] = [
    ("sha1", 40),
    ("sha224", 56),
    ("sha256", 64),
    ("sha384", 96),
    ("sha512", 128),
];

/// A checksum: a known algorithm and a lower-case hex digest of the right length.
pub fn checksum(
    field: &str,
    algorithm: &str,
    value: &str,
) -> Result<(String, String), CatalogError> {
    let algorithm = algorithm.trim().to_ascii_lowercase();
    let Some((_, len)) = CHECKSUM_ALGORITHMS.iter().find(|(a, _)| *a == algorithm) else {
        return Err(CatalogError::invalid(
            format!("{field}.algorithm"),
            format!("`{algorithm}` is not one of sha1, sha224, sha256, sha384, sha512"),
        ));
    };
    let value = value.trim().to_ascii_lowercase();
    if value.len() != *len || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CatalogError::invalid(
            format!("{field}.value"),
            format!("must be {len} hexadecimal digits for {algorithm}"),
        ));
    }
    Ok((algorithm, value))
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
    fn emails_need_a_local_part_and_a_domain() {
        assert!(email("e", "offenedaten@stadt.wuppertal.de").is_ok());
        for bad in [
            "offenedaten",
            "@wuppertal.de",
            "a@b",
            "a b@c.de",
            "a@b@c.de",
            "a@.de",
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
