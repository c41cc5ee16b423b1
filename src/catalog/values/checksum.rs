//! Checksums of distributions (`spdx:Checksum`) with every SPDX algorithm.

use crate::catalog::error::CatalogError;

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
}
