//! The crawl of a DCAT-AP catalogue: page by page from its first URL, following Hydra's `next` or
//! `nextPage`, each page handed on as soon as it is read (memory stays flat whatever the source's
//! size), with guards against loops (a URL or a page body seen before), a page cap, and an empty page
//! treated as the end of what can be trusted. How the crawl stopped says whether it read the whole
//! source, which is what may later withdraw the datasets that vanished from it.

use std::collections::HashSet;

use oxigraph::io::RdfFormat;
use sha2::{Digest, Sha256};
use url::Url;

use super::fetch::{FetchError, Fetcher, Page};
use crate::rdf::parse::{ParsedPage, parse_page};

/// What the crawl asks a source for: the formats odcat reads, Turtle first.
pub const ACCEPT: &str = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, \
                          application/n-triples;q=0.7, application/n-quads;q=0.6, application/trig;q=0.6";

/// Why a crawl stopped.
#[derive(Debug)]
pub enum Stop {
    /// The last page had no next link: the whole source was read.
    Complete,
    /// The page cap was reached.
    PageCap(usize),
    /// A next link led to a page already read (by URL or by content).
    Loop(String),
    /// A page listed no dataset but linked a next page.
    EmptyPage(String),
    /// A page could not be fetched.
    Fetch(FetchError),
    /// A page was not RDF odcat reads.
    Parse {
        /// The page.
        url: String,
        /// Why.
        message: String,
    },
}

impl Stop {
    /// Whether the crawl read the whole source without error (the only kind of run after which
    /// vanished datasets may be withdrawn).
    pub fn is_complete(&self) -> bool {
        matches!(self, Self::Complete)
    }
}

/// What a crawl did.
#[derive(Debug)]
pub struct Crawl {
    /// Pages read.
    pub pages: usize,
    /// Datasets handed on.
    pub datasets: usize,
    /// How it stopped.
    pub stop: Stop,
}

/// The RDF format of a page: its media type, else its URL's file extension (`.ttl`, `.rdf`, …,
/// also under `.gz`).
pub fn page_format(page: &Page) -> Option<RdfFormat> {
    page.content_type
        .as_deref()
        .and_then(RdfFormat::from_media_type)
        .or_else(|| {
            let path = page.url.path();
            let path = path.strip_suffix(".gz").unwrap_or(path);
            let extension = path.rsplit_once('.').map(|(_, e)| e)?;
            RdfFormat::from_extension(extension)
        })
}

/// A crawl in progress: [`Crawler::next_page`] reads the next page, until it returns `None`; then
/// [`Crawler::finish`] says how it stopped.
pub struct Crawler<'a> {
    fetcher: &'a Fetcher,
    next: Option<Url>,
    max_pages: usize,
    visited: HashSet<String>,
    bodies: HashSet<[u8; 32]>,
    crawl: Crawl,
}

impl<'a> Crawler<'a> {
    /// A crawl from `start`, at most `max_pages` pages.
    pub fn new(fetcher: &'a Fetcher, start: &Url, max_pages: usize) -> Self {
        Self {
            fetcher,
            next: Some(start.clone()),
            max_pages,
            visited: HashSet::new(),
            bodies: HashSet::new(),
            crawl: Crawl {
                pages: 0,
                datasets: 0,
                stop: Stop::Complete,
            },
        }
    }

    fn stop(&mut self, stop: Stop) -> Option<ParsedPage> {
        self.crawl.stop = stop;
        self.next = None;
        None
    }

    /// The next page's datasets, or `None` when the crawl has stopped.
    pub async fn next_page(&mut self) -> Option<ParsedPage> {
        let url = self.next.take()?;
        if self.crawl.pages >= self.max_pages {
            return self.stop(Stop::PageCap(self.max_pages));
        }
        if !self.visited.insert(url.to_string()) {
            return self.stop(Stop::Loop(url.to_string()));
        }
        let page = match self.fetcher.get(&url, ACCEPT).await {
            Ok(page) => page,
            Err(error) => return self.stop(Stop::Fetch(error)),
        };
        if !self.bodies.insert(Sha256::digest(&page.body).into()) {
            return self.stop(Stop::Loop(url.to_string()));
        }
        let Some(format) = page_format(&page) else {
            let message = format!(
                "`{}` is no RDF format odcat reads",
                page.content_type.as_deref().unwrap_or("no content type")
            );
            return self.stop(Stop::Parse {
                url: url.to_string(),
                message,
            });
        };
        // Parsing is CPU work: off the async executor.
        let final_url = page.url.clone();
        let base = page.url.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            parse_page(&page.body, format, Some(base.as_str()))
        })
        .await;
        let parsed = match parsed {
            Ok(Ok(parsed)) => parsed,
            Ok(Err(error)) => {
                return self.stop(Stop::Parse {
                    url: url.to_string(),
                    message: error.to_string(),
                });
            }
            Err(error) => {
                return self.stop(Stop::Parse {
                    url: url.to_string(),
                    message: format!("the parser failed: {error}"),
                });
            }
        };
        self.crawl.pages += 1;
        if parsed.datasets.is_empty() && parsed.next.is_some() {
            return self.stop(Stop::EmptyPage(url.to_string()));
        }
        self.crawl.datasets += parsed.datasets.len();
        if let Some(next) = &parsed.next {
            match final_url.join(next) {
                Ok(next) => self.next = Some(next),
                Err(e) => {
                    let message = format!("the next link `{next}` is not a URL: {e}");
                    self.stop(Stop::Parse {
                        url: url.to_string(),
                        message,
                    });
                    // This page's datasets still count; the crawl is incomplete.
                }
            }
        }
        Some(parsed)
    }

    /// Whether the crawl has not stopped short (so far).
    pub fn is_complete(&self) -> bool {
        self.crawl.stop.is_complete()
    }

    /// Pages read so far.
    pub fn pages(&self) -> usize {
        self.crawl.pages
    }

    /// How the crawl went.
    pub fn finish(self) -> Crawl {
        self.crawl
    }
}

/// Crawls from `start`, calling `on_page` with each page's datasets as it is read, at most
/// `max_pages` pages.
pub async fn crawl(
    fetcher: &Fetcher,
    start: &Url,
    max_pages: usize,
    mut on_page: impl FnMut(ParsedPage),
) -> Crawl {
    let mut crawler = Crawler::new(fetcher, start, max_pages);
    while let Some(page) = crawler.next_page().await {
        on_page(page);
    }
    crawler.finish()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::fetch::FetchPolicy;
    use super::super::test_server::{answer, serve};
    use super::*;

    fn fetcher() -> Fetcher {
        Fetcher::new(FetchPolicy {
            timeout: Duration::from_secs(2),
            max_bytes: 1 << 20,
            retries: 0,
            backoff: Duration::from_millis(1),
            allow_private: true,
        })
        .unwrap()
    }

    /// Page `n` (from 1) of a catalogue of `pages` pages with two datasets each, its links relative
    /// to the page; the last has no next link.
    fn page(n: usize, pages: usize) -> String {
        let next = if n < pages {
            format!(
                "<?page={n}> <http://www.w3.org/ns/hydra/core#next> <?page={}> .",
                n + 1
            )
        } else {
            String::new()
        };
        let body = format!(
            "{next}\n<https://x.example/dataset/d{n}a> a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> \"A {n}\" .\n\
             <https://x.example/dataset/d{n}b> a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> \"B {n}\" .\n"
        );
        answer("200 OK", "text/turtle", &body)
    }

    #[tokio::test]
    async fn a_paged_catalogue_is_read_to_its_last_page_one_page_at_a_time() {
        let (url, _) = serve(|n| Some(page(n + 1, 3))).await;
        let mut seen = Vec::new();
        let crawl = crawl(&fetcher(), &url, 100, |p| seen.push(p.datasets.len())).await;
        assert!(crawl.stop.is_complete(), "{:?}", crawl.stop);
        assert_eq!((crawl.pages, crawl.datasets), (3, 6));
        assert_eq!(seen, [2, 2, 2]);
    }

    #[tokio::test]
    async fn loops_caps_failures_empty_pages_and_invalid_rdf_stop_the_crawl_incomplete() {
        // A next link to the page itself (the endless `nextPage` of ckanext-dcat #260).
        let (looping, _) = serve(|_| {
            Some(answer(
                "200 OK",
                "text/turtle",
                "<> <http://www.w3.org/ns/hydra/core#nextPage> <> .\n<https://x.example/d> a <http://www.w3.org/ns/dcat#Dataset> .",
            ))
        })
        .await;
        let crawl_loop = crawl(&fetcher(), &looping, 100, |_| {}).await;
        assert!(
            matches!(crawl_loop.stop, Stop::Loop(_)),
            "{:?}",
            crawl_loop.stop
        );
        assert!(!crawl_loop.stop.is_complete());
        // Endless pages with new URLs stop at the cap.
        let (endless, _) = serve(|n| Some(page(n + 1, usize::MAX))).await;
        let capped = crawl(&fetcher(), &endless, 2, |_| {}).await;
        assert!(matches!(capped.stop, Stop::PageCap(2)), "{:?}", capped.stop);
        // A 500 on page 3.
        let (failing, _) = serve(|n| {
            Some(if n < 2 {
                page(n + 1, 5)
            } else {
                answer("500 Internal Server Error", "text/plain", "")
            })
        })
        .await;
        let failed = crawl(&fetcher(), &failing, 100, |_| {}).await;
        assert!(matches!(failed.stop, Stop::Fetch(_)), "{:?}", failed.stop);
        assert_eq!((failed.pages, failed.datasets), (2, 4));
        assert!(!failed.stop.is_complete());
        // Invalid RDF, an unreadable media type, and an empty page that links another.
        let (invalid, _) = serve(|_| Some(answer("200 OK", "text/turtle", "<a> <b> ."))).await;
        assert!(matches!(
            crawl(&fetcher(), &invalid, 100, |_| {}).await.stop,
            Stop::Parse { .. }
        ));
        let (html, _) = serve(|_| Some(answer("200 OK", "text/html", "<html></html>"))).await;
        assert!(matches!(
            crawl(&fetcher(), &html, 100, |_| {}).await.stop,
            Stop::Parse { .. }
        ));
        let (empty, _) = serve(|_| {
            Some(answer(
                "200 OK",
                "text/turtle",
                "<https://x.example/c> <http://www.w3.org/ns/hydra/core#next> <https://x.example/c2> .",
            ))
        })
        .await;
        assert!(matches!(
            crawl(&fetcher(), &empty, 100, |_| {}).await.stop,
            Stop::EmptyPage(_)
        ));
    }
}
