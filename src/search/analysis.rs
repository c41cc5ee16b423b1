//! Text analysis for German and English: words split at every character that is not a letter or
//! digit, lower-cased, German umlauts and ß folded to ae/oe/ue/ss (so "Straße" = "Strasse" and
//! "Bevölkerung" = "Bevoelkerung"; other accents are dropped), German compounds split into their
//! dictionary parts, then Snowball stemming (German on German fields, English on English ones).
//!
//! Compound splitting: a word is split only when dictionary parts (`compounds-de.txt`, at least three
//! letters each) cover it completely, with a linking `s`/`es`/`n`/`en`/`e` between parts and an
//! inflection ending after the last one. The parts are indexed at the compound's own position,
//! beside the whole word. So "Straßenreinigung" is found by "Straße" and by "Reinigung", "Eis"
//! finds "Eisstadion" (eis + stadion), but never "Leistungen": no dictionary parts cover
//! "leistungen" from its first letter, and a part is never looked for inside a word (no substring
//! matching). On the query side, [`crate::search::query::Builder::split_known`] splits an unknown
//! compound into two words the index holds, so the words seen in the catalogue extend the list.

use std::collections::HashSet;
use std::sync::OnceLock;

use tantivy::tokenizer::{
    Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager,
};

/// German fields: fold, decompound, German stemming.
pub const GERMAN: &str = "odcat_de";
/// English fields: fold, English stemming.
pub const ENGLISH: &str = "odcat_en";
/// The word field (typo tolerance, prefixes, suggestions): fold and decompound, no stemming.
pub const PLAIN: &str = "odcat_plain";
/// Query side of [`GERMAN`]: the same without decompounding (the whole word is looked up).
pub const GERMAN_QUERY: &str = "odcat_de_q";
/// Query side of [`PLAIN`].
pub const PLAIN_QUERY: &str = "odcat_plain_q";

/// Linking elements between compound parts.
const LINKS: [&str; 6] = ["", "s", "es", "n", "en", "e"];
/// Endings allowed after the last part.
const ENDINGS: [&str; 9] = ["", "e", "n", "en", "s", "es", "er", "ern", "ns"];
/// The shortest part.
const MIN_PART: usize = 3;

const DICTIONARY: &str = include_str!("compounds-de.txt");

fn dictionary() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        DICTIONARY
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Lower-cases `word` and folds umlauts and ß to ae/oe/ue/ss and other accented letters to their
/// base letter.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'ø' | 'œ' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' => out.push('a'),
            'ç' | 'č' | 'ć' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' | 'ń' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ō' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ū' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'š' | 'ś' => out.push('s'),
            'ž' | 'ź' | 'ż' => out.push('z'),
            'ł' => out.push('l'),
            c => out.push(c),
        }
    }
    out
}

/// The words of `text`, folded, in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

/// The dictionary parts of the folded `word` when they cover it completely (at least two parts);
/// otherwise nothing.
pub fn split_compound(word: &str) -> Vec<&'static str> {
    let dict = dictionary();
    let bytes = word.as_bytes();
    let n = bytes.len();
    if n < 2 * MIN_PART || !word.is_ascii() {
        return Vec::new();
    }
    // best[i]: the fewest parts covering word[..i] (ending after a link), with the last step.
    let mut best: Vec<Option<(usize, usize, &'static str)>> = vec![None; n + 1];
    let mut parts_at: Vec<usize> = vec![usize::MAX; n + 1];
    parts_at[0] = 0;
    for start in 0..n {
        if parts_at[start] == usize::MAX {
            continue;
        }
        for end in start + MIN_PART..=n {
            let Some(part) = dict.get(&word[start..end]) else {
                continue;
            };
            // The last part, maybe inflected.
            if ENDINGS.contains(&&word[end..]) {
                let count = parts_at[start] + 1;
                if count < parts_at[n] {
                    parts_at[n] = count;
                    best[n] = Some((start, end, part));
                }
            }
            for link in LINKS {
                let next = end + link.len();
                if next >= n || !word[end..].starts_with(link) {
                    continue;
                }
                let count = parts_at[start] + 1;
                if count < parts_at[next] {
                    parts_at[next] = count;
                    best[next] = Some((start, end, part));
                }
            }
        }
    }
    if parts_at[n] < 2 || parts_at[n] == usize::MAX {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut at = n;
    while at > 0 {
        let Some((start, _, part)) = best[at] else {
            return Vec::new();
        };
        parts.push(part);
        at = start;
    }
    parts.reverse();
    parts
}

/// Splits, folds and (optionally) decompounds; the stemmer is a filter after it.
#[derive(Clone)]
struct WordTokenizer {
    decompound: bool,
    umlauts: bool,
    tokens: Vec<Token>,
}

/// The tokens of one text.
struct VecStream<'a> {
    tokens: &'a mut Vec<Token>,
    at: usize,
}

impl TokenStream for VecStream<'_> {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream<'a> {
        self.tokens.clear();
        let mut position = 0;
        let mut start = None;
        let bounds = text
            .char_indices()
            .map(|(i, c)| (i, c.is_alphanumeric()))
            .chain(std::iter::once((text.len(), false)));
        for (i, alnum) in bounds {
            match (alnum, start) {
                (true, None) => start = Some(i),
                (false, Some(from)) => {
                    start = None;
                    let word = fold(&text[from..i]);
                    let parts = if self.decompound {
                        split_compound(&word)
                    } else {
                        Vec::new()
                    };
                    let spell = |w: &str| {
                        if self.umlauts {
                            respell(w)
                        } else {
                            w.to_owned()
                        }
                    };
                    self.tokens.push(Token {
                        offset_from: from,
                        offset_to: i,
                        position,
                        text: spell(&word),
                        position_length: 1,
                    });
                    for part in parts {
                        self.tokens.push(Token {
                            offset_from: from,
                            offset_to: i,
                            position,
                            text: spell(part),
                            position_length: 1,
                        });
                    }
                    position += 1;
                }
                _ => {}
            }
        }
        VecStream {
            tokens: &mut self.tokens,
            at: 0,
        }
    }
}

/// Spells ae/oe/ue as ä/ö/ü again (not "ue" after "q"), as Snowball's German variant does, so the
/// German stemmer sees umlauts and relates plurals to their singulars (Friedhöfe → friedhof,
/// Bäume → baum) whichever way a word was spelled.
fn respell(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut previous = '\0';
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        let umlaut = match (c, chars.peek()) {
            ('a', Some('e')) => Some('ä'),
            ('o', Some('e')) => Some('ö'),
            ('u', Some('e')) if previous != 'q' => Some('ü'),
            _ => None,
        };
        match umlaut {
            Some(u) => {
                chars.next();
                out.push(u);
                previous = u;
            }
            None => {
                out.push(c);
                previous = c;
            }
        }
    }
    out
}

fn analyzer(decompound: bool, stem: Option<Language>) -> TextAnalyzer {
    let words = WordTokenizer {
        decompound,
        umlauts: stem == Some(Language::German),
        tokens: Vec::new(),
    };
    match stem {
        Some(language) => TextAnalyzer::builder(words)
            .filter(Stemmer::new(language))
            .build(),
        None => TextAnalyzer::builder(words).build(),
    }
}

/// Registers the analyzers with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    manager.register(GERMAN, analyzer(true, Some(Language::German)));
    manager.register(ENGLISH, analyzer(false, Some(Language::English)));
    manager.register(PLAIN, analyzer(true, None));
    manager.register(GERMAN_QUERY, analyzer(false, Some(Language::German)));
    manager.register(PLAIN_QUERY, analyzer(false, None));
}

/// The terms `analyzer` makes of `text`, in order (parts of a compound follow it).
pub fn terms(manager: &TokenizerManager, analyzer: &str, text: &str) -> Vec<String> {
    let Some(mut analyzer) = manager.get(analyzer) else {
        return Vec::new();
    };
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager() -> TokenizerManager {
        let m = TokenizerManager::default();
        register(&m);
        m
    }

    #[test]
    fn umlauts_and_sharp_s_fold_to_their_spelled_out_forms() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Bevölkerung"), fold("Bevoelkerung"));
        assert_eq!(fold("Café"), "cafe");
        let m = manager();
        assert_eq!(
            terms(&m, GERMAN_QUERY, "Straße"),
            terms(&m, GERMAN_QUERY, "Strasse")
        );
        assert_eq!(
            terms(&m, GERMAN_QUERY, "Haushaltes"),
            terms(&m, GERMAN_QUERY, "Haushalt")
        );
        for (plural, singular) in [
            ("Friedhöfe", "Friedhof"),
            ("Bäume", "Baum"),
            ("Baeume", "Baum"),
        ] {
            assert_eq!(
                terms(&m, GERMAN_QUERY, plural),
                terms(&m, GERMAN_QUERY, singular),
                "{plural}"
            );
        }
    }

    #[test]
    fn compounds_split_only_when_parts_cover_the_word() {
        assert_eq!(
            split_compound("strassenreinigung"),
            ["strasse", "reinigung"]
        );
        assert_eq!(split_compound("haushaltsplan"), ["haushalt", "plan"]);
        assert_eq!(split_compound("eisstadion"), ["eis", "stadion"]);
        assert_eq!(
            split_compound("bevoelkerungsdichte"),
            ["bevoelkerung", "dichte"]
        );
        // A dictionary word is not split, and nothing is found inside a word.
        assert!(split_compound("leistungen").is_empty());
        assert!(split_compound("haushalt").is_empty());
        assert!(split_compound("digitalisierung").is_empty());
        let m = manager();
        let indexed = terms(&m, GERMAN, "Straßenreinigung");
        for query in ["Straße", "Reinigung", "Strassenreinigung", "Straßen"] {
            let term = &terms(&m, GERMAN_QUERY, query)[0];
            assert!(indexed.contains(term), "{query} → {term} in {indexed:?}");
        }
        let leistungen = terms(&m, GERMAN, "Leistungen");
        assert!(!leistungen.contains(&terms(&m, GERMAN_QUERY, "Eis")[0]));
    }
}
