//! Tracing set-up: compact lines locally, JSON in production, filtered by `RUST_LOG`.
//!
//! Requests put client-controlled text into log fields (paths, slugs, query values, decoded from
//! `%0a` or `%1b`). Every event is written through [`EscapingWriter`], which escapes control
//! characters, so a client can neither forge a log line nor send escape sequences to a terminal.
//! ANSI colours are off for the same reason: an escape byte in the output is never ours.

use std::io::{self, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Installs the global subscriber; logs go to stderr so command output on stdout stays clean.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // `try_init` also routes the `log` records of actix into tracing. A second init (tests,
    // embedding) keeps the first subscriber.
    drop(subscriber(format, filter, EscapingWriter(io::stderr)).try_init());
}

/// The subscriber of `init`, writing to `writer`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer);
    match format {
        LogFormat::Compact => Box::new(builder.compact().finish()),
        LogFormat::Json => Box::new(builder.json().finish()),
    }
}

/// Makes writers that escape control characters (`\n` → `\\n`, ESC → `\\x1b`, …) in each event,
/// except the newline that ends it. The formatter writes one event per `write` call.
#[derive(Clone, Copy, Debug)]
pub struct EscapingWriter<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapingWriter<M> {
    type Writer = Escaping<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Escaping(self.0.make_writer())
    }
}

/// A writer that escapes control characters; see [`EscapingWriter`].
#[derive(Debug)]
pub struct Escaping<W>(W);

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (body, end) = match buf.strip_suffix(b"\n") {
            Some(body) => (body, "\n"),
            None => (buf, ""),
        };
        let text = String::from_utf8_lossy(body);
        let mut out = String::with_capacity(text.len() + 1);
        for c in text.chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push('\t'),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push_str(end);
        self.0.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat) -> String {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = subscriber(
            format,
            EnvFilter::new("info"),
            EscapingWriter(move || sink.clone()),
        );
        tracing::subscriber::with_default(subscriber, || {
            let slug = "x\n2026-01-01T00:00:00Z  INFO forged: admin logged in\u{1b}[2J\r";
            tracing::info!(dataset.slug = %slug, "dataset {slug} read");
        });
        let bytes = buffer
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn client_text_cannot_forge_a_log_line_or_reach_the_terminal() {
        for format in [LogFormat::Compact, LogFormat::Json] {
            let out = logged(format);
            assert_eq!(out.matches('\n').count(), 1, "one line per event: {out:?}");
            assert!(out.ends_with('\n'), "{out:?}");
            assert!(!out.contains('\u{1b}'), "no escape byte: {out:?}");
            assert!(!out.contains('\r'), "no carriage return: {out:?}");
            assert!(out.contains("forged"), "the text is kept, escaped: {out:?}");
        }
    }
}
