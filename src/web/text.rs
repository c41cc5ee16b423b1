//! The imprint and the accessibility statement: Markdown texts that each installation configures
//! (`ODCAT_PAGES_DIR/{impressum,barrierefreiheit}.{de,en}.md`), with built-in defaults filled from the
//! catalogue record and its publisher. Raw HTML in the Markdown is shown as text, never passed on.

use std::path::Path;

use anyhow::Context;
use pulldown_cmark::{Event, Options, Parser, html};

use super::i18n::Lang;
use super::index::Snapshot;

/// Which text page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `/impressum`.
    Imprint,
    /// `/barrierefreiheit`.
    Accessibility,
}

impl Which {
    fn file_stem(self) -> &'static str {
        match self {
            Self::Imprint => "impressum",
            Self::Accessibility => "barrierefreiheit",
        }
    }
}

/// A rendered text page.
pub struct Rendered {
    /// The page title (the first heading).
    pub title: String,
    /// The body as HTML.
    pub html: String,
    /// The text's language.
    pub lang: Lang,
}

/// The configured texts: per page, a German and an optional English Markdown text.
#[derive(Debug, Default)]
pub struct PageTexts {
    imprint: Option<(String, Option<String>)>,
    accessibility: Option<(String, Option<String>)>,
}

const DEFAULT_IMPRINT_DE: &str = include_str!("texts/impressum.de.md");
const DEFAULT_IMPRINT_EN: &str = include_str!("texts/impressum.en.md");
const DEFAULT_ACCESSIBILITY_DE: &str = include_str!("texts/barrierefreiheit.de.md");
const DEFAULT_ACCESSIBILITY_EN: &str = include_str!("texts/barrierefreiheit.en.md");

impl PageTexts {
    /// Reads the texts under `dir` (when set): a page's German file is required for it to replace
    /// the default, its English file is optional.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let Some(dir) = dir else {
            return Ok(Self::default());
        };
        let read = |which: Which| -> anyhow::Result<Option<(String, Option<String>)>> {
            let de = dir.join(format!("{}.de.md", which.file_stem()));
            let en = dir.join(format!("{}.en.md", which.file_stem()));
            if !de.exists() {
                return Ok(None);
            }
            let de = std::fs::read_to_string(&de)
                .with_context(|| format!("cannot read {}", de.display()))?;
            let en = if en.exists() {
                Some(
                    std::fs::read_to_string(&en)
                        .with_context(|| format!("cannot read {}", en.display()))?,
                )
            } else {
                None
            };
            Ok(Some((de, en)))
        };
        Ok(Self {
            imprint: read(Which::Imprint)?,
            accessibility: read(Which::Accessibility)?,
        })
    }

    /// The page in `lang` (German where no English text exists).
    pub fn render(&self, which: Which, lang: Lang, snapshot: &Snapshot) -> Rendered {
        let configured = match which {
            Which::Imprint => &self.imprint,
            Which::Accessibility => &self.accessibility,
        };
        let (source, text_lang) = match configured {
            Some((de, en)) => {
                let (text, l) = lang.pick(de, en.as_deref());
                (text.to_owned(), l)
            }
            None => {
                let template = match (which, lang) {
                    (Which::Imprint, Lang::De) => DEFAULT_IMPRINT_DE,
                    (Which::Imprint, Lang::En) => DEFAULT_IMPRINT_EN,
                    (Which::Accessibility, Lang::De) => DEFAULT_ACCESSIBILITY_DE,
                    (Which::Accessibility, Lang::En) => DEFAULT_ACCESSIBILITY_EN,
                };
                (fill_defaults(template, lang, snapshot), lang)
            }
        };
        let title = source
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .unwrap_or(match which {
                Which::Imprint => lang.texts().footer_imprint,
                Which::Accessibility => lang.texts().footer_accessibility,
            })
            .trim()
            .to_owned();
        Rendered {
            title,
            html: markdown(&source),
            lang: text_lang,
        }
    }
}

/// Fills `{publisher}`, `{email}`, `{homepage}` and `{site}` from the catalogue record.
fn fill_defaults(template: &str, lang: Lang, snapshot: &Snapshot) -> String {
    let catalog = snapshot.catalog.as_ref();
    let publisher = catalog.and_then(|c| snapshot.publisher_by_id(c.publisher));
    let name = publisher.map_or("–", |p| lang.pick(&p.name_de, p.name_en.as_deref()).0);
    let email = publisher.and_then(|p| p.email.as_deref()).unwrap_or("–");
    let homepage = publisher
        .and_then(|p| p.homepage.as_deref())
        .or_else(|| catalog.and_then(|c| c.homepage.as_deref()))
        .unwrap_or("–");
    let site = catalog.map_or(lang.texts().site_name, |c| {
        lang.pick(&c.title_de, c.title_en.as_deref()).0
    });
    // Markdown-escape what comes from the record, so a name cannot add markup.
    let escape = |s: &str| {
        s.chars().fold(String::new(), |mut out, c| {
            if "\\`*_{}[]<>()#+!|".contains(c) {
                out.push('\\');
            }
            out.push(c);
            out
        })
    };
    template
        .replace("{publisher}", &escape(name))
        .replace("{email}", &escape(email))
        .replace("{homepage}", &escape(homepage))
        .replace("{site}", &escape(site))
}

/// Markdown to HTML; raw HTML becomes text.
pub fn markdown(source: &str) -> String {
    let parser = Parser::new_ext(source, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_shown_as_text() {
        let out = markdown("# Titel\n\n<script>alert(1)</script>\n\nText mit <b>fett</b>.");
        assert!(out.contains("<h1>Titel</h1>"));
        assert!(!out.contains("<script>"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(out.contains("&lt;b&gt;"));
    }

    #[test]
    fn configured_texts_replace_the_defaults() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("impressum.de.md"),
            "# Impressum der Stadt\n\nHerausgeber: Stadt",
        )?;
        let texts = PageTexts::load(Some(dir.path()))?;
        let snapshot = Snapshot::default();
        let de = texts.render(Which::Imprint, Lang::De, &snapshot);
        assert_eq!(de.title, "Impressum der Stadt");
        assert!(de.html.contains("Herausgeber: Stadt"));
        // No English file: the German text, marked as German.
        let en = texts.render(Which::Imprint, Lang::En, &snapshot);
        assert_eq!(en.lang, Lang::De);
        // The accessibility statement keeps its default.
        let a11y = texts.render(Which::Accessibility, Lang::En, &snapshot);
        assert_eq!(a11y.lang, Lang::En);
        assert!(a11y.html.contains("WCAG"));
        Ok(())
    }
}
