//! The link checker: checks the access and download URLs of external distributions in the
//! background and re-scores the datasets whose links changed. It never runs on a request path, so
//! a write or a page never waits for a remote host.
//!
//! - `HEAD` first; `GET` (headers only, the body is not read) where `HEAD` is refused (405, 501) and
//!   for OGC web services (`service=WMS` and the like, which commonly do not implement `HEAD`).
//! - Politeness: one request at a time per host (shared with the harvester), a pause between two
//!   requests to one host, and one task per host with due URLs (at most `per_host` URLs each, at
//!   most `concurrency` tasks at once): a slow host holds its own slot and never delays the others,
//!   and URLs that fall due are dispatched as soon as their host is free.
//! - Re-checks: a reachable URL after `interval` (`ODCAT_LINKCHECK_INTERVAL`, default weekly), an
//!   unreachable one after a day at most.
//! - Private, loopback and link-local addresses are not requested unless an admin allows them
//!   (`ODCAT_LINKCHECK_ALLOW_PRIVATE`); they are recorded as unreachable with that reason.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, Semaphore};
use url::Url;

use super::Scorer;
use crate::catalog::Catalog;
use crate::harvest::fetch::{FetchError, FetchPolicy, Fetcher};

/// URLs read per round.
const ROUND: u64 = 500;

/// How the checker runs.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    /// Time between two checks of a reachable URL.
    pub interval: Duration,
    /// Time one request may take.
    pub timeout: Duration,
    /// Hosts checked at once.
    pub concurrency: usize,
    /// URLs of one host per round.
    pub per_host: usize,
    /// Pause between two requests to one host.
    pub pause: Duration,
    /// How often the checker looks for due URLs.
    pub poll: Duration,
    /// Whether private, loopback and link-local addresses may be requested.
    pub allow_private: bool,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(7 * 24 * 3600),
            timeout: Duration::from_secs(20),
            concurrency: 8,
            per_host: 20,
            pause: Duration::from_millis(500),
            poll: Duration::from_secs(5),
            allow_private: false,
        }
    }
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The status code of the answer, if there was one.
    pub status_code: Option<u16>,
    /// Whether it was 2xx or 3xx.
    pub reachable: bool,
    /// Why not.
    pub reason: Option<String>,
}

/// The link checker.
#[derive(Clone)]
pub struct LinkChecker {
    catalog: Catalog,
    scorer: Scorer,
    fetcher: Fetcher,
    settings: LinkSettings,
}

impl LinkChecker {
    /// A checker that records into `catalog` and re-scores with `scorer`.
    pub fn new(catalog: Catalog, scorer: Scorer, settings: LinkSettings) -> anyhow::Result<Self> {
        let fetcher = Fetcher::with_agent(
            FetchPolicy {
                timeout: settings.timeout,
                max_bytes: 0,
                retries: 0,
                backoff: Duration::from_secs(1),
                allow_private: settings.allow_private,
            },
            concat!("odcat/", env!("CARGO_PKG_VERSION"), " (link checker)"),
        )?;
        Ok(Self {
            catalog,
            scorer,
            fetcher,
            settings,
        })
    }

    /// Checks due URLs for ever. Each host with due URLs gets a task of its own (at most
    /// `concurrency` at once, at most `per_host` URLs each, one after the other with a pause), so a
    /// host that is slow holds one slot and never delays the others; new URLs are dispatched as
    /// soon as they are due and a slot is free.
    pub async fn run(self) {
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        let slots = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let done = Arc::new(Notify::new());
        loop {
            match self.dispatch(&busy, &slots, &done).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "dispatching link checks failed"
                    );
                }
            }
            let due = self.scorer.links_due();
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll) => {}
                () = due.notified() => {}
                () = done.notified() => {}
            }
        }
    }

    /// Starts a task for every host with due URLs that has none running, while slots are free;
    /// returns how many it started.
    async fn dispatch(
        &self,
        busy: &Arc<Mutex<HashSet<String>>>,
        slots: &Arc<Semaphore>,
        done: &Arc<Notify>,
    ) -> anyhow::Result<usize> {
        if slots.available_permits() == 0 {
            return Ok(0);
        }
        let running: Vec<String> = lock(busy).iter().cloned().collect();
        let due = self
            .catalog
            .due_links(Utc::now().fixed_offset(), ROUND, &running)
            .await?;
        let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for link in due {
            let urls = by_host.entry(link.host).or_default();
            if urls.len() < self.settings.per_host {
                urls.push(link.url);
            }
        }
        let mut started = 0;
        for (host, urls) in by_host {
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                break;
            };
            if !lock(busy).insert(host.clone()) {
                continue;
            }
            // Claimed for the time the checks may take, so the next dispatch does not pick them.
            let lease = Utc::now().fixed_offset()
                + chrono::Duration::from_std(self.settings.timeout * 2 * urls.len() as u32)
                    .unwrap_or(chrono::Duration::hours(1));
            self.catalog.lease_links(&urls, lease).await?;
            let checker = self.clone();
            let busy = busy.clone();
            let done = done.clone();
            tokio::spawn(async move {
                for (i, url) in urls.iter().enumerate() {
                    if i > 0 {
                        tokio::time::sleep(checker.settings.pause).await;
                    }
                    if let Err(error) = checker.check_and_record(url).await {
                        tracing::warn!(
                            error = format!("{error:#}"),
                            "recording a link check failed"
                        );
                    }
                }
                lock(&busy).remove(&host);
                drop(slot);
                done.notify_one();
            });
            started += 1;
        }
        Ok(started)
    }

    async fn check_and_record(&self, url: &str) -> anyhow::Result<()> {
        let datasets = self.catalog.datasets_naming(url).await?;
        if datasets.is_empty() {
            return Ok(self.catalog.forget_link(url).await?);
        }
        let outcome = check(&self.fetcher, url).await;
        let next = if outcome.reachable {
            self.settings.interval
        } else {
            self.settings.interval.min(Duration::from_secs(24 * 3600))
        };
        let next = Utc::now().fixed_offset()
            + chrono::Duration::from_std(next).unwrap_or(chrono::Duration::days(7));
        tracing::debug!(
            link.status = outcome.status_code,
            link.reachable = outcome.reachable,
            "checked a link"
        );
        let changed = self
            .catalog
            .record_link_check(
                url,
                outcome.status_code,
                outcome.reachable,
                outcome.reason,
                next,
            )
            .await?;
        if changed {
            self.scorer.enqueue(datasets);
        }
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether `url` is an OGC web service request (they commonly refuse `HEAD`).
fn ogc_service(url: &Url) -> bool {
    url.query_pairs().any(|(k, v)| {
        (k.eq_ignore_ascii_case("service")
            && ["wms", "wfs", "wcs", "wmts", "csw", "sos", "wps"]
                .iter()
                .any(|s| v.eq_ignore_ascii_case(s)))
            || (k.eq_ignore_ascii_case("request") && v.eq_ignore_ascii_case("getcapabilities"))
    })
}

/// Checks `url`: `HEAD`, then `GET` where `HEAD` is refused, `GET` at once for OGC services.
pub async fn check(fetcher: &Fetcher, url: &str) -> Outcome {
    let Ok(parsed) = Url::parse(url) else {
        return Outcome {
            status_code: None,
            reachable: false,
            reason: Some("not a valid URL".to_owned()),
        };
    };
    let mut answer = fetcher.probe(&parsed, ogc_service(&parsed)).await;
    if matches!(answer, Ok(405 | 501)) {
        answer = fetcher.probe(&parsed, true).await;
    }
    match answer {
        Ok(status) => {
            let reachable = (200..400).contains(&status);
            Outcome {
                status_code: Some(status),
                reachable,
                reason: (!reachable).then(|| format!("HTTP {status}")),
            }
        }
        Err(error) => Outcome {
            status_code: None,
            reachable: false,
            reason: Some(match error {
                FetchError::Refused { reason, .. } => format!("not checked: {reason}"),
                FetchError::Timeout { seconds, .. } => format!("no answer within {seconds} s"),
                FetchError::Network { message, .. } => message,
                other => other.to_string(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogc_services_are_recognised_by_their_query() {
        let yes = [
            "https://geo.example/wms?SERVICE=WMS&REQUEST=GetCapabilities",
            "https://geo.example/ows?service=wfs",
            "https://geo.example/x?request=GetCapabilities",
        ];
        for url in yes {
            assert!(ogc_service(&Url::parse(url).unwrap()), "{url}");
        }
        let no = [
            "https://data.example/file.csv",
            "https://data.example/?service=rest",
        ];
        for url in no {
            assert!(!ogc_service(&Url::parse(url).unwrap()), "{url}");
        }
    }

    #[tokio::test]
    async fn private_addresses_are_not_requested_unless_allowed() {
        let fetcher = Fetcher::with_agent(FetchPolicy::default(), "test").unwrap();
        let outcome = check(&fetcher, "http://127.0.0.1:9/data.csv").await;
        assert!(!outcome.reachable);
        assert_eq!(outcome.status_code, None);
        assert!(
            outcome
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with("not checked:")),
            "{outcome:?}"
        );
        let invalid = check(&fetcher, "not a url").await;
        assert_eq!(invalid.reason.as_deref(), Some("not a valid URL"));
    }
}
