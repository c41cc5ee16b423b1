//! Watching a decoded CSV stream while the `csv` parser reads it: [`Watched`] counts lines the way a
//! person does (CRLF, LF or a lone CR ends one; the parser's own count is one too low in CRLF
//! files), notes the line on which each record starts, and refuses quoting the parser would repair
//! silently: a quote that is never closed (the parser swallows the rest of the file into one cell)
//! and a closing quote followed by more text (`"abc"def`, which the parser reads as `abcdef`). A quote
//! inside an unquoted field (`24" Monitor`) is kept as written by the parser, so it is allowed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

/// Quoting the parser would not read as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A quoted field runs to the end of the file.
    #[error(
        "line {0}: a quote opens a field that is never closed; close it, or double a quote that \
         belongs to the text (\"\")"
    )]
    Unclosed(u64),
    /// Text follows the quote that closes a field.
    #[error(
        "line {line}: a quote closes the field before `{after}`; double a quote that belongs to the \
         text (\"\") and quote the whole field"
    )]
    Stray {
        /// The line.
        line: u64,
        /// The character after the closing quote.
        after: char,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
    QuotedQuote,
}

/// What the watcher learnt so far, shared with the code reading records.
#[derive(Debug)]
pub struct Watch {
    delimiter: u8,
    state: State,
    offset: u64,
    line: u64,
    after_cr: bool,
    quote_line: u64,
    /// Where the line ends before the next record began: just after its first terminator byte.
    gap_from: u64,
    /// Where each record starts: the end of the line before (just after its first terminator byte;
    /// the parser counts a record of a CRLF file from its LF), its first byte in the decoded stream
    /// and its line, oldest first; entries the reader has passed are dropped, so this holds about
    /// one buffer's worth of records.
    starts: VecDeque<(u64, u64, u64)>,
    error: Option<QuoteError>,
}

impl Watch {
    fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            state: State::RecordStart,
            offset: 0,
            line: 1,
            after_cr: false,
            quote_line: 1,
            gap_from: 0,
            starts: VecDeque::new(),
            error: None,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        for (i, &byte) in bytes.iter().enumerate() {
            let offset = self.offset + i as u64;
            let newline = byte == b'\n' || byte == b'\r';
            if self.state == State::RecordStart && !newline {
                self.starts.push_back((self.gap_from, offset, self.line));
                self.state = State::FieldStart;
            }
            let before = self.state;
            self.state = match (self.state, byte) {
                (State::FieldStart, b'"') => {
                    self.quote_line = self.line;
                    State::Quoted
                }
                (State::Quoted, b'"') => State::QuotedQuote,
                (State::Quoted, _) => State::Quoted,
                (State::QuotedQuote, b'"') => State::Quoted,
                (_, b'\n' | b'\r') => State::RecordStart,
                (_, b) if b == self.delimiter => State::FieldStart,
                (State::QuotedQuote, _) => {
                    if self.error.is_none() {
                        let rest = std::str::from_utf8(&bytes[i..]).unwrap_or_else(|e| {
                            std::str::from_utf8(&bytes[i..i + e.valid_up_to()]).unwrap_or("")
                        });
                        self.error = Some(QuoteError::Stray {
                            line: self.line,
                            after: rest.chars().next().unwrap_or('?'),
                        });
                    }
                    State::Unquoted
                }
                _ => State::Unquoted,
            };
            if self.state == State::RecordStart && before != State::RecordStart {
                self.gap_from = offset + 1;
            }
            match byte {
                b'\r' => self.line += 1,
                b'\n' if !self.after_cr => self.line += 1,
                _ => {}
            }
            self.after_cr = byte == b'\r';
        }
        self.offset += bytes.len() as u64;
    }

    fn end(&mut self) {
        if self.state == State::Quoted && self.error.is_none() {
            self.error = Some(QuoteError::Unclosed(self.quote_line));
        }
    }

    /// The first quoting error seen.
    pub fn error(&self) -> Option<QuoteError> {
        self.error.clone()
    }

    /// The line on which the record the parser places at decoded byte `offset` starts (`None` if
    /// unknown).
    pub fn line_of(&mut self, offset: u64) -> Option<u64> {
        while self
            .starts
            .front()
            .is_some_and(|(_, start, _)| *start < offset)
        {
            self.starts.pop_front();
        }
        self.starts
            .front()
            .filter(|(from, _, _)| *from <= offset)
            .map(|(_, _, line)| *line)
    }
}

/// A reader passing the decoded stream through to the parser while a [`Watch`] follows it.
pub struct Watched<R> {
    inner: R,
    watch: Rc<RefCell<Watch>>,
}

impl<R: Read> Watched<R> {
    /// Watches `inner`, a CSV stream with fields separated by `delimiter`.
    pub fn new(inner: R, delimiter: u8) -> (Self, Rc<RefCell<Watch>>) {
        let watch = Rc::new(RefCell::new(Watch::new(delimiter)));
        (
            Self {
                inner,
                watch: watch.clone(),
            },
            watch,
        )
    }
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut watch = self.watch.borrow_mut();
        if n == 0 {
            watch.end();
        } else {
            watch.feed(&buf[..n]);
        }
        match &watch.error {
            // Stop the parser at the first error: what it would read after it means nothing.
            Some(error) => Err(io::Error::new(io::ErrorKind::InvalidData, error.clone())),
            None => Ok(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(text: &str, chunk: usize) -> Watch {
        let mut watch = Watch::new(b';');
        for piece in text.as_bytes().chunks(chunk) {
            watch.feed(piece);
        }
        watch.end();
        watch
    }

    #[test]
    fn quoting_the_parser_would_repair_is_refused_with_its_line() {
        for chunk in [1, 3, 64] {
            let unclosed = watch("a;b\r\n1;\"x\r\n2;y\r\n3;z\r\n", chunk);
            assert_eq!(unclosed.error(), Some(QuoteError::Unclosed(2)));
            let stray = watch("a;b\r\n1;2\r\n3;\"x\"y\r\n", chunk);
            assert_eq!(
                stray.error(),
                Some(QuoteError::Stray {
                    line: 3,
                    after: 'y'
                })
            );
            let fine = watch(
                "a;b\r\n\"1;\"\"2\"\"\r\nz\";24\" Monitor\r\n\"\";\"x\"\r\n",
                chunk,
            );
            assert_eq!(fine.error(), None);
        }
    }

    #[test]
    fn records_start_on_the_lines_a_person_counts() {
        for text in [
            "a;b\r\n1;2\r\n\r\n\"x\r\ny\";3\r\n4;5",
            "a;b\n1;2\n\n\"x\ny\";3\n4;5",
        ] {
            let mut watch = watch(text, 2);
            let starts: Vec<(u64, u64, u64)> = watch.starts.iter().copied().collect();
            let lines: Vec<u64> = starts.iter().map(|(_, _, l)| *l).collect();
            assert_eq!(lines, [1, 2, 4, 6], "{text:?}");
            assert_eq!(watch.line_of(starts[2].1), Some(4));
            assert_eq!(watch.line_of(starts[3].0), Some(6));
            assert_eq!(watch.line_of(starts[0].1), None, "passed");
        }
        assert_eq!(watch("a\rb\rc", 1).starts.len(), 3);
    }
}
