//! The search syntax and its translation into tantivy queries: words (all must match), `"quoted
//! phrases"`, `a OR b`, `-word` / `-"phrase"`. Each word is looked up, stemmed, in every text field
//! with field boosts (title > keywords > publisher > description); a word the index does not know is
//! also looked up with typo tolerance (edit distance 0 up to 4 letters, 1 up to 8, 2 beyond) and, when
//! it is the last one, as the start of a word (as you type).

use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
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

    /// The query of one word: its stem in every field, and when the index does not know it, the
    /// near words (and, for the last word, the words it starts).
    pub fn word(&self, word: &str, last: bool, tolerant: bool) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, analyzer, boost) in self.weighted() {
            let Some(term) = analysis::terms(self.tokenizers, analyzer, word)
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
                Box::new(BoostQuery::new(Box::new(query), boost)),
            ));
        }
        if tolerant && !self.word_known(word) {
            let folded = analysis::fold(word);
            let term = Term::from_field_text(self.fields.words, &folded);
            let d = distance(folded.chars().count());
            if d > 0 {
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(term.clone(), d, true)),
                        0.5,
                    )),
                ));
            }
            if last {
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term, 0, true)),
                        0.5,
                    )),
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
        for (i, clause) in clauses.iter().enumerate() {
            let is_last = Some(i) == last_index;
            let alternatives: Vec<Box<dyn Query>> = clause
                .any
                .iter()
                .enumerate()
                .map(|(j, part)| match part {
                    Part::Word(w) => self.word(
                        w,
                        is_last && j + 1 == clause.any.len(),
                        tolerant && !clause.negated,
                    ),
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
