//! One harvest job: read a source page by page, write each page's datasets (unchanged ones are
//! skipped, refused ones reported), and — only after a run that read the whole source without
//! error — withdraw the datasets that vanished from it, never more than the source's share without
//! `allow_mass_delete`. The job's lease on its source is renewed with every page; its report is
//! written when it ends, however it ends.

use std::collections::HashSet;
use std::time::Duration;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::fetch::{FetchPolicy, Fetcher};
use super::normalise::{Warnings, normalise};
use super::pager::Pager;
use crate::catalog::harvest::{
    DatasetError, HarvestItem, ItemOutcome, JobCounts, JobDocument, JobReport, JobStatus,
    SourceDocument,
};
use crate::catalog::{Catalog, CatalogError};

/// How jobs run (the server's and the command line's settings).
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Fetching: timeout per request, retries, size cap (`allow_private` comes from the source).
    pub policy: FetchPolicy,
    /// Most pages one job reads.
    pub max_pages: usize,
    /// Longest a job runs.
    pub time_limit: Duration,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            policy: FetchPolicy::default(),
            max_pages: 100_000,
            time_limit: Duration::from_secs(6 * 3600),
        }
    }
}

/// Runs `job` of `source` to its end and records its report; `progress` hears the counts after
/// every page. Fails only when the record cannot be written (the job is then recorded as failed,
/// where the record still takes it).
pub async fn run(
    catalog: &Catalog,
    source: &SourceDocument,
    job: &JobDocument,
    settings: &RunSettings,
    progress: &(dyn Fn(&JobCounts) + Send + Sync),
) -> Result<JobDocument, CatalogError> {
    let mut counts = JobCounts::default();
    let mut report = JobReport::default();
    match harvest(
        catalog,
        source,
        job,
        settings,
        progress,
        &mut counts,
        &mut report,
    )
    .await
    {
        Ok((status, stop)) => {
            catalog
                .finish_harvest_job(job, status, stop, &counts, &report)
                .await
        }
        Err(error) => {
            tracing::error!(harvest.source = %source.id, harvest.job = %job.id, error = ?error, "harvest job failed");
            let stop = Some(format!("the record could not be written: {error}"));
            catalog
                .finish_harvest_job(job, JobStatus::Failed, stop, &counts, &report)
                .await?;
            Err(error)
        }
    }
}

async fn harvest(
    catalog: &Catalog,
    source: &SourceDocument,
    job: &JobDocument,
    settings: &RunSettings,
    progress: &(dyn Fn(&JobCounts) + Send + Sync),
    counts: &mut JobCounts,
    report: &mut JobReport,
) -> Result<(JobStatus, Option<String>), CatalogError> {
    let fetcher = match Fetcher::new(FetchPolicy {
        allow_private: source.allow_private,
        ..settings.policy.clone()
    }) {
        Ok(fetcher) => fetcher,
        Err(error) => return Ok((JobStatus::Incomplete, Some(error.to_string()))),
    };
    let mut pager = match Pager::new(&fetcher, source, settings.max_pages) {
        Ok(pager) => pager,
        Err(reason) => return Ok((JobStatus::Incomplete, Some(reason))),
    };
    let active_before = catalog.harvest_active_count(source.id).await?;
    let deadline = tokio::time::Instant::now() + settings.time_limit;
    let mut seen: HashSet<Uuid> = HashSet::new();
    // Identities read so far, as 128-bit digests: a million of them take 16 MB, not a hundred.
    let mut identities: HashSet<u128> = HashSet::new();
    let digest = |identity: &str| {
        let d = Sha256::digest(identity.as_bytes());
        u128::from_le_bytes(d[..16].try_into().unwrap_or([0; 16]))
    };
    let mut duplicates = 0usize;
    let mut timed_out = false;
    loop {
        let page = match tokio::time::timeout_at(deadline, pager.next_page()).await {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(_) => {
                timed_out = true;
                break;
            }
        };
        counts.pages = i32::try_from(pager.pages()).unwrap_or(i32::MAX);
        let mut items: Vec<HarvestItem> = Vec::with_capacity(page.len());
        // Known datasets whose new record failed mapping still exist at the source.
        let mut failed_identities: Vec<String> = Vec::new();
        for entry in page {
            match entry {
                Ok(item) if item.identity.contains('\0') => {
                    // No record (nor PostgreSQL) holds NUL: such an identity matches nothing.
                    counts.failed += 1;
                    report.error(DatasetError {
                        identity: Some(item.identity),
                        title: Some(item.document.title.de).filter(|t| !t.is_empty()),
                        field: Some("identity".into()),
                        message: "the dataset's identifier contains NUL characters".into(),
                    });
                }
                Ok(mut item) => {
                    if !identities.insert(digest(&item.identity)) {
                        duplicates += 1;
                        continue;
                    }
                    let mut warnings = Warnings::new(&item.identity, &item.document.title.de);
                    let mut document = item.document.clone();
                    normalise(&mut document, &mut warnings);
                    for warning in warnings.list {
                        report.warn(warning);
                    }
                    item.document = document;
                    items.push(item);
                }
                Err(error) => {
                    counts.failed += 1;
                    if let Some(identity) = &error.identity {
                        identities.insert(digest(identity));
                        failed_identities.push(identity.clone());
                    }
                    report.error(error);
                }
            }
        }
        if !items.is_empty() {
            let outcomes = catalog
                .harvest_page(source.id, &source.publisher, items)
                .await?;
            for outcome in outcomes {
                match outcome {
                    ItemOutcome::Created(id) => {
                        counts.created += 1;
                        seen.insert(id);
                    }
                    ItemOutcome::Updated(id) => {
                        counts.updated += 1;
                        seen.insert(id);
                    }
                    ItemOutcome::Unchanged(id) => {
                        counts.unchanged += 1;
                        seen.insert(id);
                    }
                    ItemOutcome::Failed { existing, error } => {
                        counts.failed += 1;
                        seen.extend(existing);
                        report.error(error);
                    }
                }
            }
        }
        if !failed_identities.is_empty() {
            seen.extend(catalog.harvested_ids(source.id, &failed_identities).await?);
        }
        catalog.harvest_heartbeat(job, counts).await?;
        progress(counts);
    }
    // Pages read, the last one included (an empty last page hands on no datasets).
    counts.pages = i32::try_from(pager.pages()).unwrap_or(i32::MAX);
    if duplicates > 0 {
        report.notes.push(format!(
            "{duplicates} dataset(s) listed more than once were read once"
        ));
    }
    let outcome = pager_outcome(
        pager,
        timed_out,
        settings.time_limit,
        source,
        catalog,
        &seen,
    )
    .await?;
    let (complete, stop, vanished) = outcome;
    if !complete {
        return Ok((JobStatus::Incomplete, stop));
    }
    // Within the share, or with the admin's explicit consent.
    let share = i64::from(source.max_withdraw_percent);
    let allowed = vanished.len() as i64 * 100 <= share * active_before as i64;
    if !vanished.is_empty() && !allowed && !job.allow_mass_delete {
        report.notes.push(format!(
            "{} of {active_before} datasets vanished from the source, more than its limit of \
             {share} %: none was withdrawn; run again with --allow-mass-delete \
             (allow_mass_delete) to withdraw them",
            vanished.len()
        ));
    } else if !vanished.is_empty() {
        catalog.harvest_withdraw(&vanished).await?;
        counts.withdrawn = i32::try_from(vanished.len()).unwrap_or(i32::MAX);
        report.withdrawn_datasets = vanished;
    }
    Ok((JobStatus::Complete, None))
}

/// Whether the pages read the whole source, why not, and which datasets vanished (confirmed by
/// the source where it can tell).
async fn pager_outcome(
    pager: Pager<'_>,
    timed_out: bool,
    time_limit: Duration,
    source: &SourceDocument,
    catalog: &Catalog,
    seen: &HashSet<Uuid>,
) -> Result<
    (
        bool,
        Option<String>,
        Vec<crate::catalog::harvest::WithdrawnDataset>,
    ),
    CatalogError,
> {
    if timed_out {
        return Ok((
            false,
            Some(format!(
                "the job's time limit of {} s was reached",
                time_limit.as_secs()
            )),
            Vec::new(),
        ));
    }
    // An incomplete read withdraws nothing; a complete one what the source confirms is gone.
    let mut candidates = Vec::new();
    if pager.is_complete() {
        for candidate in catalog.harvest_vanished(source.id, seen).await? {
            if pager.confirms_gone(&candidate.identity).await {
                candidates.push(candidate);
            }
        }
    }
    let outcome = pager.outcome();
    if !outcome.complete {
        return Ok((false, outcome.stop, Vec::new()));
    }
    Ok((true, None, candidates))
}

/// Starts a job in the background of the server (the caller holds the job's lease).
pub fn spawn(catalog: Catalog, source: SourceDocument, job: JobDocument, settings: RunSettings) {
    tokio::spawn(async move {
        let result = run(&catalog, &source, &job, &settings, &|_| {}).await;
        match result {
            Ok(report) => tracing::info!(
                harvest.source = %source.id,
                harvest.job = %job.id,
                status = report.status.as_str(),
                pages = report.counts.pages,
                created = report.counts.created,
                updated = report.counts.updated,
                unchanged = report.counts.unchanged,
                withdrawn = report.counts.withdrawn,
                failed = report.counts.failed,
                "harvest job finished"
            ),
            Err(error) => {
                tracing::error!(harvest.source = %source.id, harvest.job = %job.id, error = ?error, "harvest job failed")
            }
        }
    });
}

/// How often the server looks for sources due for a scheduled run.
const SCHEDULE_TICK: Duration = Duration::from_secs(60);

/// The server's scheduler: every minute, marks the jobs whose process stopped as interrupted and
/// starts a job for each source due (its own interval, else `default_minutes`). A source's lease
/// keeps two replicas from running it at once.
pub async fn schedule(catalog: Catalog, settings: RunSettings, default_minutes: Option<u32>) {
    let mut tick = tokio::time::interval(SCHEDULE_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = catalog.interrupt_stale_harvest_jobs().await {
            tracing::warn!(error = ?error, "could not check for interrupted harvest jobs");
            continue;
        }
        let due = match catalog.harvest_sources_due(default_minutes).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(error = ?error, "could not read the harvest sources");
                continue;
            }
        };
        for id in due {
            match catalog.start_harvest_job(&id.to_string(), false).await {
                Ok((source, job)) => {
                    tracing::info!(harvest.source = %source.id, harvest.job = %job.id, "scheduled harvest job started");
                    spawn(catalog.clone(), source, job, settings.clone());
                }
                // Another replica took it.
                Err(CatalogError::HarvestRunning(_)) => {}
                Err(error) => {
                    tracing::warn!(harvest.source = %id, error = ?error, "could not start a scheduled harvest job")
                }
            }
        }
    }
}
