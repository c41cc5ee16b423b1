//! `/healthz` (the process answers) and `/readyz` (the database answers too), and the start-up
//! estimate of the in-memory RDF store's memory against what the machine has.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::catalog::Catalog;
use crate::rdf::{PageCache, Projector};

/// What the default in-memory Oxigraph store holds per quad, measured (`bench/catalog`: 3.7 GB for
/// 9.3 M quads at 100 000 datasets).
pub const BYTES_PER_QUAD: u64 = 400;

/// The share of the available memory the in-memory store may take before odcat advises the on-disk
/// store (the rest is for SQLite's cache, the page cache, requests and the operating system).
const SHARE: f64 = 0.8;

/// The in-memory RDF store's estimated memory against the memory available to odcat, as assessed at
/// start-up.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RdfMemory {
    /// `memory` or `rocksdb`.
    pub store: &'static str,
    /// Quads in the store after the start-up rebuild (`None` for the on-disk store, which holds
    /// them on disk).
    pub quads: Option<u64>,
    /// `quads` × [`BYTES_PER_QUAD`].
    pub estimated_bytes: Option<u64>,
    /// The memory available to odcat before the store was built: `ODCAT_RDF_MEMORY_LIMIT`, else the
    /// smaller of the cgroup's limit and the kernel's `MemAvailable` (`None` when neither is known).
    pub available_bytes: Option<u64>,
    /// Whether the estimate exceeds 80 % of the available memory.
    pub outgrown: bool,
    /// What to do about it, when outgrown.
    pub advice: Option<String>,
}

impl RdfMemory {
    /// Assesses a store of `quads` quads (`None`: the on-disk store) against `available` bytes.
    pub fn assess(quads: Option<u64>, available: Option<u64>) -> Self {
        let Some(quads) = quads else {
            return Self {
                store: "rocksdb",
                quads: None,
                estimated_bytes: None,
                available_bytes: available,
                outgrown: false,
                advice: None,
            };
        };
        let estimated = quads.saturating_mul(BYTES_PER_QUAD);
        let outgrown = available.is_some_and(|a| estimated as f64 > a as f64 * SHARE);
        let advice = outgrown.then(|| {
            format!(
                "the in-memory RDF store needs about {} MB ({quads} quads × {BYTES_PER_QUAD} bytes) \
                 of {} MB available: the catalogue has outgrown it; use the on-disk store (build \
                 with `--features rocksdb`, see the README)",
                estimated / 1_000_000,
                available.unwrap_or(0) / 1_000_000
            )
        });
        Self {
            store: "memory",
            quads: Some(quads),
            estimated_bytes: Some(estimated),
            available_bytes: available,
            outgrown,
            advice,
        }
    }

    /// Logs the assessment: a warning when outgrown.
    pub fn log(&self) {
        match &self.advice {
            Some(advice) => tracing::warn!(
                rdf.estimated_bytes = self.estimated_bytes,
                rdf.available_bytes = self.available_bytes,
                "{advice}"
            ),
            None => tracing::info!(
                rdf.store = self.store,
                rdf.estimated_bytes = self.estimated_bytes,
                rdf.available_bytes = self.available_bytes,
                "RDF store memory estimate"
            ),
        }
    }
}

/// The memory available to this process: `limit` when set, else the smaller of the cgroup's memory
/// limit (v2 `memory.max` less `memory.current`, or v1 `memory.limit_in_bytes` less
/// `memory.usage_in_bytes`) and `MemAvailable`.
pub fn available_memory(limit: Option<u64>) -> Option<u64> {
    if limit.is_some() {
        return limit;
    }
    let read =
        |path: &str| -> Option<u64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let cgroup = [
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ]
    .iter()
    // "max" (v2) does not parse; v1's "no limit" is a huge number, which the minimum below drops.
    .find_map(|(max, current)| Some(read(max)?.saturating_sub(read(current).unwrap_or(0))));
    let meminfo = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_available(&text));
    match (cgroup, meminfo) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        let rest = line.strip_prefix("MemAvailable:")?;
        let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb.saturating_mul(1024))
    })
}

/// Liveness: always 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: 200 when the database answers, 503 otherwise; reports the RDF projection's position,
/// the start-up memory estimate of the in-memory RDF store (`rdf_memory`, with advice when the
/// catalogue has outgrown it), the `/catalog` page cache and the list's document cache, each harvest
/// source's last job and the quality worker's queue.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200), (status = 503)))]
pub async fn readyz(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    projector: web::Data<Projector>,
) -> HttpResponse {
    match catalog.db().ping().await {
        Ok(()) => {
            let memory = req.app_data::<web::Data<RdfMemory>>().map(|m| m.as_ref());
            let cache = req.app_data::<web::Data<PageCache>>().map(|c| c.stats());
            let documents = req
                .app_data::<web::Data<super::datasets::DocumentCache>>()
                .map(|c| c.stats());
            // Each harvest source's last job (no URL: a private source's address stays private).
            let harvest: Vec<serde_json::Value> = match catalog.harvest_sources().await {
                Ok(sources) => sources
                    .iter()
                    .map(|s| {
                        json!({
                            "source": s.id,
                            "kind": s.kind,
                            "running": s.running,
                            "datasets": s.datasets,
                            "last_job": s.last_job.as_ref().map(|j| json!({
                                "id": j.id,
                                "status": j.status,
                                "stop": j.stop,
                                "started_at": j.started_at,
                                "finished_at": j.finished_at,
                                "counts": j.counts,
                            })),
                        })
                    })
                    .collect(),
                Err(error) => {
                    tracing::warn!(error = ?error, "could not read the harvest sources");
                    Vec::new()
                }
            };
            // The quality worker's queue (datasets written and not assessed yet).
            let quality = req
                .app_data::<web::Data<crate::quality::Scorer>>()
                .map(|s| json!({"worker": s.has_worker(), "queued": s.queued()}));
            HttpResponse::Ok().json(json!({
                "status": "ready",
                "database": "ok",
                "rdf": {
                    "store": if projector.store().on_disk() { "rocksdb" } else { "memory" },
                    "applied_change": projector.applied(),
                },
                "rdf_memory": memory,
                "catalog_page_cache": cache,
                "document_cache": documents,
                "harvest": harvest,
                "quality": quality,
            }))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "database": "unreachable"}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_advises_the_on_disk_store_when_outgrown() {
        let fits = RdfMemory::assess(Some(1_000_000), Some(10_000_000_000));
        assert_eq!(fits.estimated_bytes, Some(400_000_000));
        assert!(!fits.outgrown && fits.advice.is_none());
        // 100 000 datasets (9.3 M quads, 3.7 GB) on a 4 GB machine.
        let tight = RdfMemory::assess(Some(9_300_000), Some(4_000_000_000));
        assert!(tight.outgrown);
        assert!(
            tight
                .advice
                .as_deref()
                .is_some_and(|a| a.contains("rocksdb"))
        );
        let unknown = RdfMemory::assess(Some(9_300_000), None);
        assert!(!unknown.outgrown);
        let disk = RdfMemory::assess(None, Some(1));
        assert_eq!(disk.store, "rocksdb");
        assert!(!disk.outgrown);
    }

    #[test]
    fn available_memory_reads_meminfo_and_honours_the_limit() {
        let text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   22000000 kB\n";
        assert_eq!(mem_available(text), Some(22_000_000 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(available_memory(Some(5)), Some(5));
        if std::path::Path::new("/proc/meminfo").exists() {
            assert!(available_memory(None).is_some_and(|a| a > 0));
        }
    }
}
