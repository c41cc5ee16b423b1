//! Descriptions are Markdown (DCAT-AP.de and CKAN catalogues write them so): the dataset page renders
//! them with raw HTML shown as text, links kept only for `http`, `https` and `mailto` (other links
//! keep their text), images reduced to their description, and headings placed below the page's
//! `h1`; lists, search results and feeds use their plain text.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Whether a link target may become a link: `http(s)` and `mailto` only.
fn allowed_link(dest: &str) -> bool {
    let lower = dest.trim_start().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

fn level_number(level: HeadingLevel) -> usize {
    level as usize
}

fn heading_level(n: usize) -> HeadingLevel {
    match n {
        0..=2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// A description as HTML, safe to insert into a page below its `h1`.
pub fn to_html(source: &str) -> String {
    // The highest heading of the text becomes an `h2`, the others keep their distance to it.
    let top = Parser::new_ext(source, options())
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(level_number(level)),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let shift = |level: HeadingLevel| heading_level(level_number(level) + 2 - top);
    let mut dropped_link = false;
    let events = Parser::new_ext(source, options()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            if allowed_link(&dest_url) {
                dropped_link = false;
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                dropped_link = true;
                None
            }
        }
        Event::End(TagEnd::Link) if dropped_link => {
            dropped_link = false;
            None
        }
        // An image shows its description as text: no requests to other servers from the page.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: shift(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(shift(level)))),
        other => Some(other),
    });
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    html::push_html(&mut out, events);
    out
}

/// A description as plain text in one line (Markdown syntax and raw HTML tags removed); reading
/// stops once at least `limit` characters are there.
pub fn to_plain(source: &str, limit: usize) -> String {
    let mut out = String::new();
    // Four bytes at most per character: past this, there are more than `limit` characters.
    let cap = limit.saturating_mul(4);
    let space = |out: &mut String| {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    };
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(text) | Event::Code(text) => push_words(&mut out, &text, cap),
            Event::SoftBreak
            | Event::HardBreak
            | Event::Rule
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => space(&mut out),
            _ => {}
        }
        if out.len() > cap {
            break;
        }
    }
    out.trim_end().to_owned()
}

fn push_words(out: &mut String, text: &CowStr<'_>, cap: usize) {
    let mut words = text.split_whitespace().peekable();
    if text.starts_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
    while let Some(word) = words.next() {
        if out.len() > cap {
            return;
        }
        out.push_str(word);
        if words.peek().is_some() {
            out.push(' ');
        }
    }
    if text.ends_with(char::is_whitespace) && !out.ends_with(' ') {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html_without_raw_html_or_unsafe_links() {
        let out = to_html(
            "Die **Adressen** der Stadt.\n\n- eins\n- zwei\n\n[Quelle](https://example.org/q) · \
             [mail](mailto:a@b.de) · [böse](javascript:alert(1)) · [lokal](/verwaltung)\n\n\
             <script>alert(1)</script>\n\n![Karte](https://tracker.example/x.png)",
        );
        assert!(out.contains("<strong>Adressen</strong>"), "{out}");
        assert!(out.contains("<ul>\n<li>eins</li>"), "{out}");
        assert!(
            out.contains("<a href=\"https://example.org/q\">Quelle</a>"),
            "{out}"
        );
        assert!(out.contains("<a href=\"mailto:a@b.de\">mail</a>"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("böse"), "{out}");
        assert!(!out.contains("href=\"/verwaltung\""), "{out}");
        assert!(out.contains("lokal"), "{out}");
        assert!(!out.contains("<script>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("Karte"), "{out}");
    }

    #[test]
    fn headings_start_below_the_page_title() {
        let out = to_html("### Quelle\n\nText\n\n#### Stand\n\nmehr");
        assert!(out.contains("<h2>Quelle</h2>"), "{out}");
        assert!(out.contains("<h3>Stand</h3>"), "{out}");
        let out = to_html("# Titel\n\n## Teil");
        assert!(
            out.contains("<h2>Titel</h2>") && out.contains("<h3>Teil</h3>"),
            "{out}"
        );
    }

    #[test]
    fn plain_text_drops_the_syntax() {
        assert_eq!(
            to_plain(
                "## Über\n\nDie **Adressen** der [Stadt](https://w.de).\n\n- eins\n- zwei\n\n<b>roh</b>",
                500
            ),
            "Über Die Adressen der Stadt. eins zwei roh"
        );
        assert_eq!(to_plain("a\nb", 500), "a b");
        let long = to_plain(&"wort ".repeat(1000), 50).chars().count();
        assert!((50..=300).contains(&long), "{long}");
    }
}
