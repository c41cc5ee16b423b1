//! Recognising what a CSV file is before it is read: its encoding (UTF-8 with or without BOM, or
//! Windows-1252, which covers ISO-8859-1's printable range), decided by the whole file's evidence so a
//! file that mixes encodings is refused with the line where it does, and its delimiter (`,` `;` tab
//! `|`), chosen over the rows of a sample, not the header alone.
//!
//! Evidence: a byte that cannot be UTF-8 says Windows-1252. A valid UTF-8 sequence says UTF-8 only
//! when its Windows-1252 reading would be nonsense: `C2`/`C3` pairs (`Ã¤` is a UTF-8 `ä`) and three-
//! and four-byte sequences (`â€ž` is a UTF-8 `„`). A pair led by `C4`–`DF` reads in Windows-1252 as a
//! capital letter or `ß` before punctuation (`ß“`, `ß…`, `Ö„`), which German text writes, so it
//! decides nothing on its own.

use std::fmt;

/// The character encoding of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 starting with the byte-order mark `EF BB BF` (as Excel writes it).
    Utf8Bom,
    /// Windows-1252 (a superset of ISO-8859-1's printable characters), as German Excel writes CSV.
    Windows1252,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8Bom => "UTF-8 with BOM",
            Self::Windows1252 => "Windows-1252",
        })
    }
}

/// Why a file's encoding cannot be decided.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// Valid UTF-8 multi-byte characters and bytes that are not UTF-8 in one file.
    #[error(
        "line {bad_line}: the bytes are not UTF-8, but line {utf8_line} has UTF-8 characters; \
         the file mixes encodings (save it again as UTF-8)"
    )]
    Mixed {
        /// First line with a UTF-8 character that cannot be Windows-1252 text.
        utf8_line: u64,
        /// First line with bytes that are not UTF-8.
        bad_line: u64,
    },
    /// A NUL byte, which no text file contains.
    #[error("line {0}: the file contains a NUL byte; it is not a text file")]
    Nul(u64),
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Scans a file chunk by chunk and decides its encoding at the end. Memory stays constant.
#[derive(Debug)]
pub struct EncodingScanner {
    line: u64,
    /// The first bytes, until there are enough to tell whether the file starts with a BOM.
    head: Option<Vec<u8>>,
    bom: bool,
    /// An incomplete UTF-8 sequence carried over from the previous chunk.
    carry: Vec<u8>,
    /// First line with a sequence that is UTF-8 evidence (see the module documentation).
    first_utf8: Option<u64>,
    first_invalid: Option<u64>,
    nul: Option<u64>,
}

impl Default for EncodingScanner {
    fn default() -> Self {
        Self {
            line: 1,
            head: Some(Vec::new()),
            bom: false,
            carry: Vec::new(),
            first_utf8: None,
            first_invalid: None,
            nul: None,
        }
    }
}

impl EncodingScanner {
    /// Feeds the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        let Some(mut head) = self.head.take() else {
            self.scan(chunk);
            return;
        };
        head.extend_from_slice(chunk);
        if head.len() < BOM.len() {
            self.head = Some(head);
            return;
        }
        self.start(&head);
    }

    fn start(&mut self, head: &[u8]) {
        match head.strip_prefix(BOM) {
            Some(rest) => {
                self.bom = true;
                self.scan(rest);
            }
            None => self.scan(head),
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        let mut joined = std::mem::take(&mut self.carry);
        let mut rest = if joined.is_empty() {
            bytes
        } else {
            joined.extend_from_slice(bytes);
            &joined[..]
        };
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.account(text.as_bytes());
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    self.account(valid);
                    match error.error_len() {
                        Some(n) => {
                            self.first_invalid.get_or_insert(self.line);
                            self.account_bytes(&after[..n]);
                            rest = &after[n..];
                        }
                        None => {
                            // Incomplete at the end of the chunk: wait for the next one.
                            self.carry = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
    }

    fn account(&mut self, valid: &[u8]) {
        if self.first_utf8.is_none()
            && let Some(at) = valid.iter().position(|b| is_utf8_evidence(*b))
        {
            let newlines = valid[..at].iter().filter(|b| **b == b'\n').count() as u64;
            self.first_utf8 = Some(self.line + newlines);
        }
        self.account_bytes(valid);
    }

    fn account_bytes(&mut self, bytes: &[u8]) {
        for (i, byte) in bytes.iter().enumerate() {
            if *byte == 0 && self.nul.is_none() {
                let newlines = bytes[..i].iter().filter(|b| **b == b'\n').count() as u64;
                self.nul = Some(self.line + newlines);
            }
        }
        self.line += bytes.iter().filter(|b| **b == b'\n').count() as u64;
    }

    /// The encoding, once the whole file has been fed.
    pub fn finish(mut self) -> Result<Encoding, EncodingError> {
        if let Some(head) = self.head.take() {
            self.start(&head);
        }
        if !self.carry.is_empty() {
            // A truncated sequence at the very end is not UTF-8.
            self.first_invalid.get_or_insert(self.line);
        }
        if let Some(line) = self.nul {
            return Err(EncodingError::Nul(line));
        }
        match (self.first_invalid, self.first_utf8) {
            (None, _) if self.bom => Ok(Encoding::Utf8Bom),
            (None, _) => Ok(Encoding::Utf8),
            (Some(bad_line), Some(utf8_line)) => Err(EncodingError::Mixed {
                utf8_line,
                bad_line,
            }),
            (Some(_), None) if self.bom => Err(EncodingError::Mixed {
                utf8_line: 1,
                bad_line: self.first_invalid.unwrap_or(1),
            }),
            (Some(_), None) => Ok(Encoding::Windows1252),
        }
    }
}

/// Whether a lead byte of a valid UTF-8 sequence makes the sequence evidence of UTF-8: `C2`/`C3`
/// (Latin-1 characters) and the leads of three- and four-byte sequences.
fn is_utf8_evidence(byte: u8) -> bool {
    matches!(byte, 0xC2 | 0xC3 | 0xE0..=0xF4)
}

/// The delimiters recognised, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Picks the delimiter from the first lines of a decoded file (`cut`: the sample may end inside a
/// line, whose fields then do not count). Every line is weighed, not the header alone: first a
/// delimiter that splits every line into the header's number of fields (more than one); among those,
/// the one whose fields least often start with a space (a comma in prose, as in
/// `Betrag (netto, EUR)`, is followed by one; a delimiter rarely is); then the one splitting the
/// header into the most fields. Quoted fields are respected.
pub fn detect_delimiter(sample: &str, cut: bool) -> u8 {
    // Consistent over the lines, fewest fields led by a space, most fields in the header.
    type Score = (bool, std::cmp::Reverse<usize>, usize);
    let mut best: Option<(Score, u8)> = None;
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes());
        let mut records = reader.records();
        let Some(Ok(header)) = records.next() else {
            continue;
        };
        let width = header.len();
        let mut rows: Vec<csv::StringRecord> = records.map_while(Result::ok).collect();
        if cut {
            rows.pop();
        }
        let consistent = rows
            .iter()
            .filter(|r| !(r.len() == 1 && r.get(0).is_some_and(str::is_empty)))
            .all(|r| r.len() == width);
        let space_led = std::iter::once(&header)
            .chain(&rows)
            .map(|r| r.iter().skip(1).filter(|f| f.starts_with(' ')).count())
            .sum::<usize>();
        let score = (consistent && width > 1, std::cmp::Reverse(space_led), width);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, delimiter));
        }
    }
    best.map_or(b',', |(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(bytes: &[u8], chunk: usize) -> Result<Encoding, EncodingError> {
        let mut scanner = EncodingScanner::default();
        for piece in bytes.chunks(chunk.max(1)) {
            scanner.feed(piece);
        }
        scanner.finish()
    }

    #[test]
    fn encodings_are_recognised_whatever_the_chunking() {
        let utf8 = "Straße;Größe\nWuppertal;1,5\n".as_bytes();
        let bom = [b"\xEF\xBB\xBF".as_slice(), utf8].concat();
        let cp1252 = b"Stra\xDFe;Gr\xF6\xDFe\nWuppertal;1,5\n";
        for chunk in [1, 2, 3, 7, 1024] {
            assert_eq!(scan(utf8, chunk), Ok(Encoding::Utf8), "chunk {chunk}");
            assert_eq!(scan(&bom, chunk), Ok(Encoding::Utf8Bom), "chunk {chunk}");
            assert_eq!(
                scan(cp1252, chunk),
                Ok(Encoding::Windows1252),
                "chunk {chunk}"
            );
        }
        assert_eq!(scan(b"a,b\n1,2\n", 4), Ok(Encoding::Utf8));
        assert_eq!(scan(b"", 4), Ok(Encoding::Utf8));
    }

    #[test]
    fn mixed_encodings_and_nul_bytes_name_the_line() {
        let mixed = ["name\nStraße\n".as_bytes(), b"x\nGr\xF6\xDFe\n".as_slice()].concat();
        assert_eq!(
            scan(&mixed, 5),
            Err(EncodingError::Mixed {
                utf8_line: 2,
                bad_line: 4
            })
        );
        assert_eq!(scan(b"a,b\n1,\x002\n", 3), Err(EncodingError::Nul(2)));
    }

    #[test]
    fn delimiters_are_detected_from_the_header_and_the_lines_after_it() {
        let d = |sample| detect_delimiter(sample, false);
        assert_eq!(d("a,b,c\n1,2,3\n"), b',');
        assert_eq!(d("Name;Betrag\nMüller;1.234,56\nSchmidt;7,5\n"), b';');
        assert_eq!(d("a\tb\n1\t2\n"), b'\t');
        assert_eq!(d("a|b|c\n1|2|3\n"), b'|');
        // Commas inside quotes do not count.
        assert_eq!(d("\"a,b\";c\n\"1,2\";3\n"), b';');
        // One column: nothing splits it.
        assert_eq!(d("name\nx\n"), b',');
        // A cut-off last line does not count; a complete one does.
        assert_eq!(detect_delimiter("a;b\n1;2\n3,4", true), b';');
    }

    #[test]
    fn commas_in_header_names_do_not_make_the_delimiter() {
        let header = "Stadtbezirk;Betrag (netto, EUR);Betrag (brutto, EUR)\r\n";
        // Splitting on commas gives the header's three fields in each of these rows too.
        for rows in [
            "Elberfeld;1.234,56;1.469,13\r\n",
            "Elberfeld;1.234,56;1.469,13\r\nBarmen;980,00;1.166,20\r\n",
        ] {
            assert_eq!(detect_delimiter(&format!("{header}{rows}"), false), b';');
        }
        // The last line of a sample that is the whole file counts.
        assert_eq!(
            detect_delimiter(&format!("{header}Barmen;980;1.166,20\r\n"), false),
            b';'
        );
    }

    #[test]
    fn windows_1252_punctuation_after_a_capital_or_sharp_s_is_not_utf8() {
        // printf 'Nr;Bemerkung\r\n1;Straße gesperrt\r\n2;„Gruß“ vom Bürgeramt\r\n' | iconv -t cp1252
        let text = "Nr;Bemerkung\r\n1;Straße gesperrt\r\n2;„Gruß“ vom Bürgeramt\r\n3;Fuß…\r\n";
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(std::str::from_utf8(&cp1252[cp1252.len() - 8..]).is_ok());
        for chunk in [1, 2, 5, 1024] {
            assert_eq!(
                scan(&cp1252, chunk),
                Ok(Encoding::Windows1252),
                "chunk {chunk}"
            );
        }
        // Only `ß“`: every non-ASCII byte forms UTF-8, but the first line with a non-UTF-8 byte
        // decides, not the pair.
        assert_eq!(scan(b"a\n\xDF\x93\n\xE4\n", 3), Ok(Encoding::Windows1252));
        // A real UTF-8 umlaut with Windows-1252 bytes is still mixed.
        assert_eq!(
            scan(
                "a\nGruß\n"
                    .as_bytes()
                    .iter()
                    .copied()
                    .chain(*b"\xE4\n")
                    .collect::<Vec<_>>()
                    .as_slice(),
                4
            ),
            Err(EncodingError::Mixed {
                utf8_line: 2,
                bad_line: 3
            })
        );
    }
}
