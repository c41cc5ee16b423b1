//! The pages of a source, whatever its kind: a DCAT-AP catalogue crawled along Hydra links, a CKAN
//! site's `package_search` paged with `rows`/`start` in id order, or a DKAN site's
//! `current_package_list_with_resources` paged with `limit`/`offset` (else its `data.json`). Each
//! page comes as the mapped datasets it lists, or the reason each could not be mapped; when the
//! pages end, [`Pager::outcome`] says whether the whole source was read.

use std::collections::HashSet;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use super::dcat::{Crawler, Stop};
use super::fetch::{FetchError, Fetcher};
use super::{ckan, dcat_us};
use crate::catalog::harvest::{DatasetError, HarvestItem, SourceDocument, SourceKind};
use crate::rdf::parse::ParsedDataset;

/// Datasets per CKAN or DKAN request (CKAN's harvester asks for 100 too).
pub const ROWS: usize = 100;

/// One dataset of a page: mapped, or why not.
pub type Entry = Result<HarvestItem, DatasetError>;

/// A source's pages.
pub enum Pager<'a> {
    /// A DCAT-AP catalogue.
    Dcat(Crawler<'a>),
    /// A CKAN or DKAN Action API, or a DCAT-US `data.json`.
    Json(JsonPager<'a>),
}

/// How the pages ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the whole source was read without error.
    pub complete: bool,
    /// Why not.
    pub stop: Option<String>,
}

impl<'a> Pager<'a> {
    /// The pages of `source`, at most `max_pages`.
    pub fn new(
        fetcher: &'a Fetcher,
        source: &SourceDocument,
        max_pages: usize,
    ) -> Result<Self, String> {
        let url = Url::parse(&source.url).map_err(|e| format!("the source URL: {e}"))?;
        Ok(match source.kind {
            SourceKind::Dcat => Self::Dcat(Crawler::new(fetcher, &url, max_pages)),
            SourceKind::Ckan => Self::Json(JsonPager::new(
                fetcher,
                Api::Ckan,
                site_root(&url),
                source,
                max_pages,
            )),
            SourceKind::Dkan => {
                let api = if url.path().ends_with(".json") {
                    Api::DataJson
                } else {
                    Api::Dkan
                };
                let root = if api == Api::DataJson {
                    url
                } else {
                    site_root(&url)
                };
                Self::Json(JsonPager::new(fetcher, api, root, source, max_pages))
            }
        })
    }

    /// The next page's entries, or `None` when the pages end.
    pub async fn next_page(&mut self) -> Option<Vec<Entry>> {
        match self {
            Self::Dcat(crawler) => {
                let page = crawler.next_page().await?;
                Some(page.datasets.into_iter().map(dcat_entry).collect())
            }
            Self::Json(pager) => pager.next_page().await,
        }
    }

    /// Pages read.
    pub fn pages(&self) -> usize {
        match self {
            Self::Dcat(crawler) => crawler.pages(),
            Self::Json(pager) => pager.pages,
        }
    }

    /// Whether the pages so far read the source without a stop.
    pub fn is_complete(&self) -> bool {
        match self {
            Self::Dcat(crawler) => crawler.is_complete(),
            Self::Json(pager) => pager.stop.is_none(),
        }
    }

    /// How the pages ended (call when [`Pager::next_page`] returned `None`).
    pub fn outcome(self) -> Outcome {
        match self {
            Self::Dcat(crawler) => {
                let crawl = crawler.finish();
                let stop = match crawl.stop {
                    Stop::Complete => None,
                    Stop::PageCap(n) => Some(format!("the page cap of {n} pages was reached")),
                    Stop::Loop(url) => Some(format!("the next link leads back to `{url}`")),
                    Stop::EmptyPage(url) => {
                        Some(format!("`{url}` lists no dataset but links a next page"))
                    }
                    Stop::Fetch(error) => Some(error.to_string()),
                    Stop::Parse { url, message } => Some(format!("`{url}`: {message}")),
                };
                Outcome {
                    complete: stop.is_none(),
                    stop,
                }
            }
            Self::Json(pager) => Outcome {
                complete: pager.stop.is_none(),
                stop: pager.stop,
            },
        }
    }

    /// For a dataset that seems to have vanished from an API source: whether the source confirms
    /// it is gone (`package_show` answers 404, or a state other than `active`). A paged listing in
    /// id order can miss a dataset when others vanish between pages; this is the check before a
    /// withdrawal. A DCAT-AP catalogue or a `data.json` has no such lookup: its complete read is
    /// the evidence.
    pub async fn confirms_gone(&self, identity: &str) -> bool {
        match self {
            Self::Dcat(_) => true,
            Self::Json(pager) => pager.confirms_gone(identity).await,
        }
    }
}

/// A site's root from the URL an admin gave (`…/api/3/action/…` and `…/api/3` cut off).
fn site_root(url: &Url) -> Url {
    let mut root = url.clone();
    root.set_query(None);
    root.set_fragment(None);
    let path = root.path().trim_end_matches('/').to_owned();
    let path = match path.find("/api/") {
        Some(i) => path[..i].to_owned(),
        None if path.ends_with("/api") => path[..path.len() - 4].to_owned(),
        None => path,
    };
    root.set_path(&format!("{path}/"));
    root
}

/// A DCAT-AP dataset as an entry: its identity is its IRI, else its `dct:identifier`.
fn dcat_entry(parsed: ParsedDataset) -> Entry {
    let mut document = parsed.document;
    let identity = parsed
        .iri
        .clone()
        .or_else(|| document.identifier.clone())
        .ok_or_else(|| DatasetError {
            identity: None,
            title: Some(document.title.de.clone()).filter(|t| !t.is_empty()),
            field: Some("dct:identifier".into()),
            message: "the dataset is a blank node without dct:identifier: it cannot be told \
                      apart from one harvest to the next"
                .into(),
        })?;
    // Its own dct:identifier is kept (GovData's duplicate detection uses it); without one, the
    // IRI at the source is its identifier.
    if document.identifier.is_none() {
        document.identifier = Some(identity.clone());
    }
    Ok(HarvestItem {
        identity,
        origin: parsed.iri,
        document,
    })
}

/// Which JSON API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    /// CKAN's `package_search`.
    Ckan,
    /// DKAN's `current_package_list_with_resources`.
    Dkan,
    /// A DCAT-US `data.json` (one document).
    DataJson,
}

/// The pages of a JSON API.
pub struct JsonPager<'a> {
    fetcher: &'a Fetcher,
    api: Api,
    root: Url,
    publisher: String,
    fq: Option<String>,
    max_pages: usize,
    start: usize,
    /// The count the first CKAN page announced.
    count: Option<usize>,
    pages: usize,
    done: bool,
    stop: Option<String>,
    bodies: HashSet<[u8; 32]>,
    ids: HashSet<String>,
}

impl<'a> JsonPager<'a> {
    fn new(
        fetcher: &'a Fetcher,
        api: Api,
        root: Url,
        source: &SourceDocument,
        max_pages: usize,
    ) -> Self {
        Self {
            fetcher,
            api,
            root,
            publisher: source.publisher.clone(),
            fq: source.fq.clone(),
            max_pages,
            start: 0,
            count: None,
            pages: 0,
            done: false,
            stop: None,
            bodies: HashSet::new(),
            ids: HashSet::new(),
        }
    }

    fn stop(&mut self, reason: String) -> Option<Vec<Entry>> {
        self.stop = Some(reason);
        self.done = true;
        None
    }

    fn action(&self, name: &str) -> Url {
        self.root
            .join(&format!("api/3/action/{name}"))
            .unwrap_or_else(|_| self.root.clone())
    }

    fn page_url(&self) -> Url {
        match self.api {
            Api::Ckan => {
                let mut url = self.action("package_search");
                {
                    let mut query = url.query_pairs_mut();
                    query
                        .append_pair("rows", &ROWS.to_string())
                        .append_pair("start", &self.start.to_string())
                        .append_pair("sort", "id asc");
                    if let Some(fq) = &self.fq {
                        query.append_pair("fq", fq);
                    }
                }
                url
            }
            Api::Dkan => {
                let mut url = self.action("current_package_list_with_resources");
                url.query_pairs_mut()
                    .append_pair("limit", &ROWS.to_string())
                    .append_pair("offset", &self.start.to_string());
                url
            }
            Api::DataJson => self.root.clone(),
        }
    }

    async fn next_page(&mut self) -> Option<Vec<Entry>> {
        if self.done {
            return None;
        }
        if self.pages >= self.max_pages {
            return self.stop(format!(
                "the page cap of {} pages was reached",
                self.max_pages
            ));
        }
        let url = self.page_url();
        let page = match self.fetcher.get(&url, "application/json").await {
            Ok(page) => page,
            // A DKAN site without the CKAN-compatible API: its data.json instead.
            Err(FetchError::Status { status: 404, .. })
                if self.api == Api::Dkan && self.pages == 0 =>
            {
                self.api = Api::DataJson;
                self.root = self
                    .root
                    .join("data.json")
                    .unwrap_or_else(|_| self.root.clone());
                return Box::pin(self.next_page()).await;
            }
            Err(error) => return self.stop(error.to_string()),
        };
        if !self.bodies.insert(Sha256::digest(&page.body).into()) {
            return self.stop(format!(
                "`{url}` answered the same page as before (start {})",
                self.start
            ));
        }
        let body = page.body;
        let parsed = tokio::task::spawn_blocking(move || serde_json::from_slice::<Value>(&body))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        let value = match parsed {
            Ok(value) => value,
            Err(e) => return self.stop(format!("`{url}` is not JSON: {e}")),
        };
        self.pages += 1;
        let (records, count) = match self.api {
            Api::Ckan => {
                let result = value.get("result");
                let success = value.get("success").and_then(Value::as_bool);
                let records = result
                    .and_then(|r| r.get("results"))
                    .and_then(Value::as_array);
                let count = result
                    .and_then(|r| r.get("count"))
                    .and_then(Value::as_u64)
                    .map(|c| c as usize);
                match (success, records, count) {
                    (Some(true), Some(records), Some(count)) => (records.clone(), Some(count)),
                    _ => {
                        return self.stop(format!(
                            "`{url}` is not a CKAN package_search answer (success, result.count, result.results)"
                        ));
                    }
                }
            }
            Api::Dkan => match value.get("result").and_then(Value::as_array) {
                Some(records) => (flatten_dkan(records), None),
                None => {
                    return self.stop(format!(
                        "`{url}` is not a DKAN current_package_list_with_resources answer"
                    ));
                }
            },
            Api::DataJson => match value.get("dataset").and_then(Value::as_array) {
                Some(records) => {
                    self.done = true;
                    let entries = records.iter().map(|r| self.data_json_entry(r)).collect();
                    return Some(entries);
                }
                None => {
                    return self.stop(format!(
                        "`{url}` is not a DCAT-US catalogue (no `dataset` list)"
                    ));
                }
            },
        };
        if self.count.is_none() {
            self.count = count;
        }
        if records.is_empty() {
            // CKAN: the end, unless the first count promised more than was read.
            if let Some(first) = self.count
                && self.start < first
                && count.is_some_and(|c| self.start < c)
            {
                return self.stop(format!(
                    "`{url}` listed no dataset at start {} of {first}",
                    self.start
                ));
            }
            self.done = true;
            return None;
        }
        self.start += records.len();
        if self.api == Api::Ckan && count.is_some_and(|c| self.start >= c) {
            // The last page: no need to ask for an empty one.
            self.done = true;
        }
        // A package that is not active (deleted, draft) is not listed: if it was harvested, it is
        // among the vanished, which `package_show` then confirms.
        Some(
            records
                .iter()
                .filter(|r| {
                    r.get("state")
                        .and_then(Value::as_str)
                        .is_none_or(|s| s == "active")
                })
                .map(|r| self.package_entry(r))
                .collect(),
        )
    }

    fn package_entry(&mut self, record: &Value) -> Entry {
        let Some(map) = record.as_object() else {
            return Err(DatasetError {
                identity: None,
                title: None,
                field: None,
                message: "a package is not a JSON object".into(),
            });
        };
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let identity = text("id")
            .or_else(|| text("name"))
            .ok_or_else(|| DatasetError {
                identity: None,
                title: text("title"),
                field: Some("id".into()),
                message: "the package has neither `id` nor `name`".into(),
            })?;
        let name = text("name").unwrap_or_else(|| identity.clone());
        let origin = self
            .root
            .join(&format!("dataset/{name}"))
            .ok()
            .map(String::from);
        let publisher = self.publisher.clone();
        // A package without a name (some sites' dicts): its slug from the title.
        let named;
        let map = if map.get("name").and_then(Value::as_str).is_some() {
            map
        } else {
            let mut with_name = map.clone();
            let title = text("title").unwrap_or_else(|| identity.clone());
            with_name.insert(
                "name".into(),
                Value::String(crate::rdf::parse::slug_of(None, &title)),
            );
            named = with_name;
            &named
        };
        let document =
            ckan::document(map, None, |_| Some(publisher.clone())).map_err(|e| DatasetError {
                identity: Some(identity.clone()),
                title: text("title"),
                field: Some(e.field.clone()),
                message: e.message.clone(),
            })?;
        let mut document = document;
        document.publisher = Some(self.publisher.clone());
        if document.identifier.is_none() {
            document.identifier = origin.clone();
        }
        self.ids.insert(identity.clone());
        Ok(HarvestItem {
            identity,
            origin,
            document,
        })
    }

    fn data_json_entry(&self, record: &Value) -> Entry {
        let empty = Map::new();
        let map = record.as_object().unwrap_or(&empty);
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let identity = text("identifier").ok_or_else(|| DatasetError {
            identity: None,
            title: text("title"),
            field: Some("identifier".into()),
            message: "a DCAT-US dataset needs an `identifier`".into(),
        })?;
        let document = dcat_us::document(map).map_err(|e| DatasetError {
            identity: Some(identity.clone()),
            title: text("title"),
            field: Some(e.field.clone()),
            message: e.message.clone(),
        })?;
        let origin = text("landingPage")
            .or_else(|| Some(identity.clone()).filter(|i| i.starts_with("http")));
        Ok(HarvestItem {
            identity,
            origin,
            document,
        })
    }

    async fn confirms_gone(&self, identity: &str) -> bool {
        if self.api == Api::DataJson {
            return true;
        }
        let mut url = self.action("package_show");
        url.query_pairs_mut().append_pair("id", identity);
        match self.fetcher.get(&url, "application/json").await {
            Err(FetchError::Status {
                status: 404 | 403 | 410,
                ..
            }) => true,
            Err(_) => false,
            Ok(page) => {
                let value: Value = serde_json::from_slice(&page.body).unwrap_or(Value::Null);
                let result = value.get("result");
                // DKAN answers a list of one package.
                let package = result
                    .and_then(Value::as_array)
                    .and_then(|l| l.first())
                    .or(result);
                match value.get("success").and_then(Value::as_bool) {
                    Some(false) => true,
                    Some(true) => package
                        .and_then(|p| p.get("state"))
                        .and_then(Value::as_str)
                        .is_some_and(|s| s != "active"),
                    None => false,
                }
            }
        }
    }
}

/// DKAN 7 wraps some answers in one more list; packages are the objects inside.
fn flatten_dkan(records: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        match record {
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_root_is_read_from_any_api_url() {
        for (given, root) in [
            ("https://open.nrw", "https://open.nrw/"),
            ("https://open.nrw/", "https://open.nrw/"),
            (
                "https://x.example/ckan/api/3/action/package_search?q=a",
                "https://x.example/ckan/",
            ),
            ("https://x.example/api/3", "https://x.example/"),
            ("https://x.example/api", "https://x.example/"),
        ] {
            assert_eq!(
                site_root(&Url::parse(given).unwrap()).as_str(),
                root,
                "{given}"
            );
        }
    }
}
