//! The search syntax and its translation into tantivy queries: words (all must match), `"quoted
//! phrases"`, `a OR b`, `-word` / `-"phrase"`. Each word is looked up, stemmed, in every text field
//! with field boosts (title > keywords > publisher > description); a word the index does not know is
//! also looked up with typo tolerance (edit distance 0 up to 4 letters, 1 up to 8, 2 beyond) and, when
//! it is the last one, as the start of a word (as you type).

use tantivy::query::{BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Searcher, Term};

use super::analysis;
use super::schema::Fields;

/// One part of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// A word.
    Word(String),
    /// A quoted phrase.
    Phrase(Vec<String>),
}

/// A clause: parts of which one must match (`OR`), or which must not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Alternatives.
    pub any: Vec<Part>,
    /// A `-` clause.
    pub negated: bool,
}

/// Parses the query syntax. Quotes that are not closed end at the end of the text.
pub fn parse(text: &str) -> Vec<Clause> {
    // Tokens: (negated, part) and OR markers.
    enum Tok {
        Or,
        Part(bool, Part),
    }
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut phrase = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                phrase.push(c);
            }
            let words: Vec<String> = phrase
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            match words.len() {
                0 => {}
                1 => toks.push(Tok::Part(negated, Part::Word(words[0].clone()))),
                _ => toks.push(Tok::Part(negated, Part::Phrase(words))),
            }
            continue;
        }
        let mut raw = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '"' {
                break;
            }
            raw.push(c);
            chars.next();
        }
        if raw == "OR" && !negated {
            toks.push(Tok::Or);
            continue;
        }
        // "ALKIS-Gebäude", "cc-by/4.0": each piece is a word.
        for w in raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            toks.push(Tok::Part(negated, Part::Word(w.to_owned())));
        }
    }
    let mut clauses: Vec<Clause> = Vec::new();
    let mut join = false;
    for tok in toks {
        match tok {
            Tok::Or => join = !clauses.is_empty(),
            Tok::Part(negated, part) => {
                match clauses.last_mut() {
                    Some(last) if join && !last.negated && !negated => last.any.push(part),
                    _ => clauses.push(Clause {
                        any: vec![part],
                        negated,
                    }),
                }
                join = false;
            }
        }
    }
    clauses
}

/// Words of a query that get typo tolerance and prefixes (a 200-character query of unknown words must
/// not scan the term dictionary a hundred times).
const TOLERATED_WORDS: usize = 8;

/// The edit distance allowed for a word of `chars` characters.
pub fn distance(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Builds queries against one searcher (it checks which words the index knows).
pub struct Builder<'a> {
    /// The fields.
    pub fields: &'a Fields,
    /// The analyzers.
    pub tokenizers: &'a TokenizerManager,
    /// The searcher whose term dictionaries decide on typo tolerance and prefixes.
    pub searcher: &'a Searcher,
}

impl Builder<'_> {
    fn weighted(&self) -> [(Field, &'static str, f32); 8] {
        let f = self.fields;
        [
            (f.title_de, analysis::GERMAN_QUERY, 5.0),
            (f.title_en, analysis::ENGLISH, 5.0),
            (f.keywords_de, analysis::GERMAN_QUERY, 3.0),
            (f.keywords_en, analysis::ENGLISH, 3.0),
            (f.publisher_name, analysis::GERMAN_QUERY, 2.0),
            (f.extra, analysis::PLAIN_QUERY, 2.0),
            (f.description_de, analysis::GERMAN_QUERY, 1.0),
            (f.description_en, analysis::ENGLISH, 1.0),
        ]
    }

    fn known(&self, term: &Term) -> bool {
        self.searcher.doc_freq(term).map(|n| n > 0).unwrap_or(false)
    }

    /// Whether the folded word occurs anywhere in the index.
    pub fn word_known(&self, word: &str) -> bool {
        let folded = analysis::fold(word);
        self.known(&Term::from_field_text(self.fields.words, &folded))
            || self.weighted().iter().any(|(field, analyzer, _)| {
                analysis::terms(self.tokenizers, analyzer, word)
                    .first()
                    .is_some_and(|t| self.known(&Term::from_field_text(*field, t)))
            })
    }

    /// Indexed words (of the word field) within `distance` edits of the folded `word` that begin with
    /// its first letter, most frequent first (at most `limit`).
    pub fn near_words(&self, word: &str, distance: usize, limit: usize) -> Vec<String> {
        self.scan(
            word.chars().take(1).collect::<String>().as_str(),
            limit,
            |candidate| {
                candidate.len().abs_diff(word.len()) <= distance + 1 && {
                    let d = levenshtein(word, candidate);
                    d > 0 && d <= distance
                }
            },
        )
    }

    /// Splits an unknown folded compound into two words of the index (at least four letters each,
    /// a linking `s`/`es`/`n`/`en`/`e` allowed after the first): the decompounding of the query side,
    /// with the words seen in the index as its dictionary. The longest first part wins.
    pub fn split_known(&self, word: &str) -> Option<(String, String)> {
        let known = |w: &str| self.known(&Term::from_field_text(self.fields.words, w));
        let bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).skip(4).collect();
        for &at in bounds.iter().rev() {
            let (left, right) = word.split_at(at);
            if right.chars().count() < 4 || !known(right) {
                continue;
            }
            if known(left) {
                return Some((left.to_owned(), right.to_owned()));
            }
            for link in ["s", "es", "n", "en", "e"] {
                if let Some(stem) = left.strip_suffix(link)
                    && stem.chars().count() >= 4
                    && known(stem)
                {
                    return Some((stem.to_owned(), right.to_owned()));
                }
            }
        }
        None
    }

    /// Indexed words that begin with the folded `prefix`, most frequent first (at most `limit`).
    pub fn words_starting(&self, prefix: &str, limit: usize) -> Vec<String> {
        self.scan(prefix, limit, |_| true)
    }

    fn scan(&self, prefix: &str, limit: usize, keep: impl Fn(&str) -> bool) -> Vec<String> {
        if prefix.is_empty() {
            return Vec::new();
        }
        let mut end = prefix.as_bytes().to_vec();
        if let Some(last) = end.last_mut() {
            *last = last.saturating_add(1);
        }
        let mut found: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.words) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().range().ge(prefix).lt(&end).into_stream() else {
                continue;
            };
            while stream.advance() {
                let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if keep(candidate) {
                    *found.entry(candidate.to_owned()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        let mut found: Vec<(String, u64)> = found.into_iter().collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found.into_iter().take(limit).map(|(w, _)| w).collect()
    }

    /// The query of one word: its stem in every field with the field's boost. A word the index does
    /// not know also stands for the indexed words within its edit distance (typos) and, when it is
    /// the last one, for the indexed words it begins (as you type), each looked up the same way at
    /// half weight.
    pub fn word(&self, word: &str, last: bool, tolerant: bool) -> Box<dyn Query> {
        let mut forms: Vec<(String, f32)> = vec![(word.to_owned(), 1.0)];
        let unknown = tolerant && !self.word_known(word);
        if unknown {
            let folded = analysis::fold(word);
            let d = usize::from(distance(folded.chars().count()));
            if d > 0 {
                forms.extend(self.near_words(&folded, d, 5).into_iter().map(|w| (w, 0.5)));
            }
            if last {
                forms.extend(
                    self.words_starting(&folded, 20)
                        .into_iter()
                        .map(|w| (w, 0.5)),
                );
            }
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if unknown
            && forms.len() == 1
            && let Some((left, right)) = self.split_known(&analysis::fold(word))
        {
            // An unknown compound of two words the catalogue has: both must match.
            should.push((
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, self.word(&left, false, false)),
                    (Occur::Must, self.word(&right, false, false)),
                ])),
            ));
        }
        for (form, weight) in &forms {
            for (field, analyzer, boost) in self.weighted() {
                let Some(term) = analysis::terms(self.tokenizers, analyzer, form)
                    .into_iter()
                    .next()
                else {
                    continue;
                };
                let query = TermQuery::new(
                    Term::from_field_text(field, &term),
                    IndexRecordOption::WithFreqs,
                );
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * weight)),
                ));
            }
        }
        if should.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(should))
    }

    /// The query of a phrase: the words in order in one field.
    pub fn phrase(&self, words: &[String]) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, analyzer, boost) in self.weighted() {
            let terms: Vec<Term> = words
                .iter()
                .filter_map(|w| {
                    analysis::terms(self.tokenizers, analyzer, w)
                        .into_iter()
                        .next()
                })
                .map(|t| Term::from_field_text(field, &t))
                .collect();
            if terms.len() != words.len() {
                continue;
            }
            let query: Box<dyn Query> = if terms.len() == 1 {
                Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                Box::new(PhraseQuery::new(terms))
            };
            should.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
        }
        if should.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(should))
    }

    /// The query of parsed clauses; `None` when there are none.
    pub fn clauses(&self, clauses: &[Clause], tolerant: bool) -> Option<Box<dyn Query>> {
        if clauses.is_empty() {
            return None;
        }
        let last_index = clauses.iter().rposition(|c| !c.negated);
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Typo tolerance scans the term dictionary: only for the first words of a long query.
        let mut tolerated = 0;
        for (i, clause) in clauses.iter().enumerate() {
            let is_last = Some(i) == last_index;
            let alternatives: Vec<Box<dyn Query>> = clause
                .any
                .iter()
                .enumerate()
                .map(|(j, part)| match part {
                    Part::Word(w) => {
                        tolerated += 1;
                        self.word(
                            w,
                            is_last && j + 1 == clause.any.len(),
                            tolerant && !clause.negated && tolerated <= TOLERATED_WORDS,
                        )
                    }
                    Part::Phrase(words) => self.phrase(words),
                })
                .collect();
            let query: Box<dyn Query> = if alternatives.len() == 1 {
                alternatives
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Box::new(EmptyQuery))
            } else {
                Box::new(BooleanQuery::new(
                    alternatives
                        .into_iter()
                        .map(|q| (Occur::Should, q))
                        .collect(),
                ))
            };
            must.push((
                if clause.negated {
                    Occur::MustNot
                } else {
                    Occur::Must
                },
                query,
            ));
        }
        if must.iter().all(|(o, _)| *o == Occur::MustNot) {
            must.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        }
        Some(Box::new(BooleanQuery::new(must)))
    }
}

/// Edit distance (with adjacent transpositions counting one), by characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Part {
        Part::Word(s.into())
    }

    #[test]
    fn syntax_has_phrases_or_and_negation() {
        let parsed = parse(r#"Haushalt "Stadt Wuppertal" -Entwurf CSV OR JSON"#);
        assert_eq!(
            parsed,
            [
                Clause {
                    any: vec![w("Haushalt")],
                    negated: false
                },
                Clause {
                    any: vec![Part::Phrase(vec!["Stadt".into(), "Wuppertal".into()])],
                    negated: false
                },
                Clause {
                    any: vec![w("Entwurf")],
                    negated: true
                },
                Clause {
                    any: vec![w("CSV"), w("JSON")],
                    negated: false
                },
            ]
        );
        assert_eq!(parse("ALKIS-Gebäude").len(), 2);
        assert_eq!(parse("OR").len(), 0);
        assert_eq!(parse("\"offen").len(), 1);
    }

    #[test]
    fn typo_tolerance_grows_with_the_word() {
        assert_eq!(distance(3), 0);
        assert_eq!(distance(4), 0);
        assert_eq!(distance(5), 1);
        assert_eq!(distance(8), 1);
        assert_eq!(distance(9), 2);
    }
}
