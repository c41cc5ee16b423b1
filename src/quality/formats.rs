//! data.europa.eu's lists of non-proprietary and machine-readable formats (EU file-type IRIs), as
//! shipped in `formats/` with their source (`formats/SOURCE.md`).

const NON_PROPRIETARY: &str = include_str!("formats/non-proprietary.txt");
const MACHINE_READABLE: &str = include_str!("formats/machine-readable.txt");

fn listed(list: &'static str, iri: &str) -> bool {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == iri)
}

/// Whether the EU file-type `iri` is non-proprietary.
pub fn non_proprietary(iri: &str) -> bool {
    listed(NON_PROPRIETARY, iri)
}

/// Whether the EU file-type `iri` is machine-readable.
pub fn machine_readable(iri: &str) -> bool {
    listed(MACHINE_READABLE, iri)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FT: &str = "http://publications.europa.eu/resource/authority/file-type/";

    #[test]
    fn the_lists_hold_what_data_europa_eu_says() {
        assert!(non_proprietary(&format!("{FT}CSV")));
        assert!(machine_readable(&format!("{FT}CSV")));
        assert!(machine_readable(&format!("{FT}JSON")));
        assert!(!non_proprietary(&format!("{FT}XLSX")));
        assert!(!machine_readable(&format!("{FT}PDF")));
        assert!(!non_proprietary("# EDP"), "comment lines are no members");
        let members = |list: &str| {
            list.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .count()
        };
        assert_eq!(members(NON_PROPRIETARY), 29);
        assert_eq!(members(MACHINE_READABLE), 20);
    }
}
