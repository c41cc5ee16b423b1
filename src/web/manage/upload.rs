//! Uploading a hosted table in the workspace: choose a CSV file, see what odcat detected
//! (encoding, delimiter, columns with their types and sample values, rows, or the refusal with its
//! line and column) before anything is written, adjust a column's type, confirm, and follow the
//! load's progress. The rows in use stay online until the new ones are swapped in (the same load
//! as `PUT …/data`).
//!
//! A chosen file waits in the spool directory until it is confirmed or 30 minutes have passed; the
//! staged files and the running loads are kept by this process (a load started on one replica is
//! followed on that one).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::pages::{forbidden, not_found};
use super::{Area, Frame, Place, Signed, form_allowed, language, render, see_other};
use crate::catalog::document::{DatasetDocument, DistributionDocument};
use crate::catalog::service::{Precondition, etag};
use crate::catalog::table::ColumnType;
use crate::catalog::values::DistributionKind;
use crate::catalog::workspace::Session;
use crate::catalog::{Catalog, CatalogError};
use crate::error::ApiError;
use crate::tabular::ingest::{self, SchemaChoice, SpoolError, Spooled, Uploads};
use crate::tabular::read::Analysis;
use crate::tabular::schema::TableSchema;
use crate::web::Portal;
use crate::web::i18n::Lang;

/// How long a chosen file waits for its confirmation.
const STAGED_FOR: Duration = Duration::from_secs(30 * 60);
/// Files one session may have waiting at once (the oldest goes first).
const STAGED_PER_SESSION: usize = 3;
/// How long a finished load's outcome can be looked at.
const KEPT_FOR: Duration = Duration::from_secs(60 * 60);
/// Sample values shown per column.
const SAMPLES: usize = 3;

/// A file chosen and analysed, waiting for its confirmation.
struct Staged {
    session: Uuid,
    dataset: Uuid,
    distribution: Uuid,
    spooled: Spooled,
    analysis: Analysis,
    file_name: String,
    at: Instant,
}

/// A load started from the workspace.
pub struct Job {
    session: Uuid,
    dataset: Uuid,
    distribution: Uuid,
    /// Data rows in the file.
    total: u64,
    /// Rows read so far.
    done: AtomicU64,
    /// `Ok(rows)` or the refusal, when finished.
    outcome: Mutex<Option<Result<u64, String>>>,
    at: Instant,
}

/// The staged files and the loads of this process (app data).
#[derive(Default)]
pub struct Staging {
    staged: Mutex<HashMap<Uuid, Staged>>,
    jobs: Mutex<HashMap<Uuid, Arc<Job>>>,
}

impl Staging {
    fn stage(&self, staged: Staged) -> Uuid {
        let id = Uuid::new_v4();
        if let Ok(mut map) = self.staged.lock() {
            // Files nobody confirmed in time are removed (dropping one deletes its spool file).
            map.retain(|_, s| s.at.elapsed() < STAGED_FOR);
            // A session keeps its last few files only, so nobody fills the disk with them.
            let mut own: Vec<(Uuid, Instant)> = map
                .iter()
                .filter(|(_, s)| s.session == staged.session)
                .map(|(id, s)| (*id, s.at))
                .collect();
            own.sort_by_key(|(_, at)| *at);
            let excess = (own.len() + 1).saturating_sub(STAGED_PER_SESSION);
            for (old, _) in own.into_iter().take(excess) {
                map.remove(&old);
            }
            map.insert(id, staged);
        }
        id
    }

    fn take(&self, id: Uuid, session: Uuid) -> Option<Staged> {
        let mut map = self.staged.lock().ok()?;
        match map.get(&id) {
            Some(s) if s.session == session && s.at.elapsed() < STAGED_FOR => map.remove(&id),
            _ => None,
        }
    }

    fn start(&self, job: Arc<Job>) -> Uuid {
        let id = Uuid::new_v4();
        if let Ok(mut map) = self.jobs.lock() {
            map.retain(|_, j| j.at.elapsed() < KEPT_FOR);
            map.insert(id, job);
        }
        id
    }

    fn job(&self, id: Uuid, session: Uuid) -> Option<Arc<Job>> {
        self.jobs
            .lock()
            .ok()?
            .get(&id)
            .filter(|j| j.session == session)
            .cloned()
    }
}

/// The paths of a table's pages: `…/datensaetze/{id}/tabelle/{dist}` (`…/datasets/{id}/table/{dist}`).
pub fn table_path(area: Area, dataset: Uuid, distribution: Uuid) -> String {
    format!(
        "{}/{}/{dataset}/{}/{distribution}",
        area.root(),
        area.segment(Place::Datasets),
        table_segment(area)
    )
}

/// `tabelle` or `table`.
pub fn table_segment(area: Area) -> &'static str {
    match area {
        Area::De => "tabelle",
        Area::En => "table",
    }
}

/// `laden` or `load`.
pub fn load_segment(area: Area) -> &'static str {
    match area {
        Area::De => "laden",
        Area::En => "load",
    }
}

/// `fortschritt` or `progress`.
pub fn progress_segment(area: Area) -> &'static str {
    match area {
        Area::De => "fortschritt",
        Area::En => "progress",
    }
}

/// The upload page.
#[derive(Template)]
#[template(path = "manage/upload.html", config = "src/web/askama.toml")]
pub struct UploadPage {
    f: Frame,
    dataset_title: String,
    distribution_title: String,
    current: Option<String>,
    action: String,
    error: Option<String>,
    /// `lang` of the error when it is not the page's (the reader's refusals are English).
    error_lang: Option<&'static str>,
    max_mb: u64,
    back: String,
}

/// One column of the preview.
pub struct ColumnView {
    n: usize,
    name: String,
    /// (value, label, selected).
    types: Vec<(&'static str, &'static str, bool)>,
    samples: String,
    note: Option<String>,
}

/// What odcat detected, before anything is written.
#[derive(Template)]
#[template(path = "manage/upload_preview.html", config = "src/web/askama.toml")]
pub struct PreviewPage {
    f: Frame,
    dataset_title: String,
    distribution_title: String,
    file_name: String,
    encoding: String,
    delimiter: String,
    rows: String,
    columns: Vec<ColumnView>,
    declared: bool,
    action: String,
    staged: String,
    revision: i32,
    back: String,
    again: String,
}

/// The load's progress and outcome.
#[derive(Template)]
#[template(path = "manage/upload_progress.html", config = "src/web/askama.toml")]
pub struct ProgressPage {
    f: Frame,
    distribution_title: String,
    total: u64,
    done: u64,
    finished: bool,
    outcome: Option<Result<String, String>>,
    status_href: String,
    edit_href: String,
    again: String,
}

fn type_label(t: ColumnType, english: bool) -> &'static str {
    match (t, english) {
        (ColumnType::Text, false) => "Text",
        (ColumnType::Text, true) => "text",
        (ColumnType::Integer, false) => "Ganzzahl",
        (ColumnType::Integer, true) => "whole number",
        (ColumnType::Decimal, false) => "Dezimalzahl",
        (ColumnType::Decimal, true) => "decimal number",
        (ColumnType::Boolean, false) => "Ja/Nein",
        (ColumnType::Boolean, true) => "yes/no",
        (ColumnType::Date, false) => "Datum",
        (ColumnType::Date, true) => "date",
        (ColumnType::Datetime, false) => "Datum und Uhrzeit",
        (ColumnType::Datetime, true) => "date and time",
    }
}

const TYPES: [ColumnType; 6] = [
    ColumnType::Text,
    ColumnType::Integer,
    ColumnType::Decimal,
    ColumnType::Boolean,
    ColumnType::Date,
    ColumnType::Datetime,
];

/// The hosted-table distribution `dist` of dataset `id`, if the session may change it.
async fn own_table(
    catalog: &Catalog,
    session: &Session,
    id: &str,
    dist: &str,
) -> Result<Option<(DatasetDocument, DistributionDocument)>, ApiError> {
    let (Ok(id), Ok(dist)) = (Uuid::parse_str(id), Uuid::parse_str(dist)) else {
        return Ok(None);
    };
    let doc = match catalog
        .get_dataset(&id.to_string(), session.actor.visibility())
        .await
    {
        Ok(doc) => doc,
        Err(CatalogError::DatasetNotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let allowed = session.actor.role == crate::catalog::values::Role::Admin
        || doc.publisher.as_deref() == session.publisher.as_ref().map(|p| p.slug.as_str());
    let found = doc
        .distributions
        .iter()
        .find(|d| d.id == Some(dist) && d.kind == DistributionKind::HostedTable)
        .cloned();
    Ok(found.filter(|_| allowed).map(|d| (doc, d)))
}

fn titles(doc: &DatasetDocument, d: &DistributionDocument, lang: Lang) -> (String, String) {
    (
        lang.pick(&doc.title.de, doc.title.en.as_deref())
            .0
            .to_owned(),
        lang.pick(&d.title.de, d.title.en.as_deref()).0.to_owned(),
    )
}

fn current_table(d: &DistributionDocument, english: bool) -> Option<String> {
    d.data_table.as_ref().map(|t| {
        let columns = t
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if english {
            format!("{} rows online; columns: {columns}", t.row_count)
        } else {
            format!("{} Zeilen online; Spalten: {columns}", t.row_count)
        }
    })
}

fn upload_page(
    req: &HttpRequest,
    session: &Session,
    doc: &DatasetDocument,
    d: &DistributionDocument,
    uploads: &Uploads,
    error: Option<(String, bool)>,
) -> UploadPage {
    let lang = language(req).lang;
    let english = lang == Lang::En;
    let area = Area::of(req);
    let (dataset_title, distribution_title) = titles(doc, d, lang);
    let id = doc.id.unwrap_or_default();
    UploadPage {
        f: Frame::new(
            req,
            lang,
            Some(session),
            "datasets",
            if english {
                "Upload a table"
            } else {
                "Tabelle hochladen"
            },
        ),
        current: current_table(d, english),
        action: table_path(area, id, d.id.unwrap_or_default()),
        error_lang: error
            .as_ref()
            .filter(|(_, foreign)| *foreign && !english)
            .map(|_| "en"),
        error: error.map(|(message, _)| message),
        max_mb: uploads.max_bytes / (1024 * 1024),
        back: super::edit::edit_path(area, id),
        dataset_title,
        distribution_title,
    }
}

/// `GET …/tabelle/{dist}`: the upload form.
pub async fn form(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    uploads: web::Data<Uploads>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let (id, dist) = path.into_inner();
    let Some((doc, d)) = own_table(&catalog, &session, &id, &dist).await? else {
        return not_found(&req, &session);
    };
    let page = upload_page(&req, &session, &doc, &d, &uploads, None);
    render(StatusCode::OK, language(&req), started, &page)
}

/// `POST …/tabelle/{dist}` (multipart): spools and analyses the file, and shows what was found.
/// Nothing is written to the table yet.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts and the app's services, each used once"
)]
pub async fn upload(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    uploads: web::Data<Uploads>,
    staging: web::Data<Staging>,
    path: web::Path<(String, String)>,
    mut parts: Multipart,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let (id, dist) = path.into_inner();
    let Some((doc, d)) = own_table(&catalog, &session, &id, &dist).await? else {
        return not_found(&req, &session);
    };
    let negotiated = language(&req);
    let english = negotiated.lang == Lang::En;
    // `foreign`: the message is the reader's (English), not the page's.
    let refuse = |status: StatusCode, message: String, foreign: bool| {
        let page = upload_page(&req, &session, &doc, &d, &uploads, Some((message, foreign)));
        render(status, negotiated, started, &page)
    };
    // The form token comes first in the form; the file is not read before it is checked.
    let mut csrf = String::new();
    let mut file: Option<(Spooled, String)> = None;
    while let Some(part) = parts.next().await {
        let mut part = match part {
            Ok(part) => part,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    if english {
                        format!("The upload could not be read: {e}")
                    } else {
                        format!("Die Übertragung ließ sich nicht lesen: {e}")
                    },
                    false,
                );
            }
        };
        match part.name().unwrap_or_default() {
            "csrf" => {
                while let Some(chunk) = part.next().await {
                    let Ok(chunk) = chunk else { break };
                    if csrf.len() + chunk.len() > 128 {
                        break;
                    }
                    csrf.push_str(&String::from_utf8_lossy(&chunk));
                }
            }
            "file" => {
                if !form_allowed(&req, &portal.base, &session, &csrf) {
                    return forbidden(&req, &session);
                }
                let name = part
                    .content_disposition()
                    .and_then(|c| c.get_filename())
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>();
                match ingest::spool_stream(&mut part, uploads.dir.clone(), uploads.max_bytes).await
                {
                    Ok(spooled) => file = Some((spooled, name)),
                    Err(SpoolError::TooLarge(limit)) => {
                        return refuse(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            if english {
                                format!("The file is larger than {} MB.", limit / (1024 * 1024))
                            } else {
                                format!("Die Datei ist größer als {} MB.", limit / (1024 * 1024))
                            },
                            false,
                        );
                    }
                    Err(SpoolError::Catalog(CatalogError::Invalid { message, .. })) => {
                        return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, true);
                    }
                    Err(e) => {
                        return refuse(StatusCode::BAD_REQUEST, e.to_string(), true);
                    }
                }
            }
            _ => {
                // Other parts are read and dropped.
                while let Some(chunk) = part.next().await {
                    if chunk.is_err() {
                        break;
                    }
                }
            }
        }
    }
    if !form_allowed(&req, &portal.base, &session, &csrf) {
        return forbidden(&req, &session);
    }
    let Some((spooled, file_name)) = file.filter(|(s, _)| s.facts.bytes > 0) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            if english {
                "Choose a CSV file.".to_owned()
            } else {
                "Wählen Sie eine CSV-Datei.".to_owned()
            },
            false,
        );
    };
    let distribution = d.id.unwrap_or_default();
    let declared = ingest::stored_schema(catalog.db(), distribution).await?;
    let analysis = match ingest::analyse_spooled(&spooled, declared.clone().map(|s| s.fields)).await
    {
        Ok(analysis) => analysis,
        Err(CatalogError::Invalid { message, .. }) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, true);
        }
        Err(e) => return Err(e.into()),
    };
    let path_buf = spooled.path().to_path_buf();
    let for_samples = analysis.clone();
    let samples = tokio::task::spawn_blocking(move || {
        crate::tabular::read::sample_rows(&path_buf, &for_samples, SAMPLES)
    })
    .await
    .map_err(|e| ApiError::Unexpected(e.into()))?
    .map_err(|e| ApiError::from(ingest::read_error(e)));
    let samples = match samples {
        Ok(samples) => samples,
        Err(ApiError::Refused { message, .. }) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, true);
        }
        Err(e) => return Err(e),
    };
    let lang = negotiated.lang;
    let area = Area::of(&req);
    let (dataset_title, distribution_title) = titles(&doc, &d, lang);
    let columns = analysis
        .columns
        .iter()
        .enumerate()
        .map(|(n, (name, inferred))| ColumnView {
            n,
            name: name.clone(),
            types: TYPES
                .iter()
                .map(|t| {
                    (
                        t.as_str(),
                        type_label(*t, english),
                        *t == inferred.column_type,
                    )
                })
                .collect(),
            samples: samples
                .iter()
                .filter_map(|row| row.get(n))
                .map(|v| match (v.is_empty(), english) {
                    (true, false) => "(leer)".to_owned(),
                    (true, true) => "(empty)".to_owned(),
                    (false, false) => format!("„{v}“"),
                    (false, true) => format!("“{v}”"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            note: inferred.note.map(str::to_owned),
        })
        .collect();
    let id = doc.id.unwrap_or_default();
    let page = PreviewPage {
        f: Frame::new(
            &req,
            lang,
            Some(&session),
            "datasets",
            if english {
                "What odcat found in the file"
            } else {
                "Was odcat in der Datei gefunden hat"
            },
        ),
        file_name: file_name.clone(),
        encoding: analysis.encoding.to_string(),
        delimiter: match analysis.delimiter {
            b';' => if english {
                "semicolon (;)"
            } else {
                "Semikolon (;)"
            }
            .to_owned(),
            b',' => if english { "comma (,)" } else { "Komma (,)" }.to_owned(),
            b'\t' => if english { "tab" } else { "Tabulator" }.to_owned(),
            b'|' => if english {
                "bar (|)"
            } else {
                "senkrechter Strich (|)"
            }
            .to_owned(),
            other => format!("`{}`", char::from(other)),
        },
        rows: crate::web::chart::number_text(analysis.rows as f64, lang),
        columns,
        declared: declared.is_some(),
        action: format!(
            "{}/{}",
            table_path(area, id, distribution),
            load_segment(area)
        ),
        staged: String::new(),
        revision: doc.revision.unwrap_or_default(),
        back: super::edit::edit_path(area, id),
        again: table_path(area, id, distribution),
        dataset_title,
        distribution_title,
    };
    let staged = staging.stage(Staged {
        session: session.id,
        dataset: id,
        distribution,
        spooled,
        analysis,
        file_name,
        at: Instant::now(),
    });
    let page = PreviewPage {
        staged: staged.to_string(),
        ..page
    };
    render(StatusCode::OK, negotiated, started, &page)
}

/// `POST …/tabelle/{dist}/laden`: starts the load with the chosen types and shows its progress.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts and the app's services, each used once"
)]
pub async fn load(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    uploads: web::Data<Uploads>,
    staging: web::Data<Staging>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    // The staged file, the dataset's revision when it was chosen, a type per column (`type_0`, …).
    let sent: HashMap<String, String> = form.into_inner().into_iter().collect();
    let get = |name: &str| sent.get(name).map_or("", String::as_str);
    if !form_allowed(&req, &portal.base, &session, get("csrf")) {
        return forbidden(&req, &session);
    }
    let (id, dist) = path.into_inner();
    let Some((doc, d)) = own_table(&catalog, &session, &id, &dist).await? else {
        return not_found(&req, &session);
    };
    let english = language(&req).lang == Lang::En;
    let staged = Uuid::parse_str(get("staged"))
        .ok()
        .and_then(|s| staging.take(s, session.id))
        .filter(|s| Some(s.dataset) == doc.id && Some(s.distribution) == d.id);
    let Some(staged) = staged else {
        let page = upload_page(
            &req,
            &session,
            &doc,
            &d,
            &uploads,
            Some((
                if english {
                    "The chosen file is no longer waiting (after 30 minutes, or once it was loaded): choose it again.".to_owned()
                } else {
                    "Die gewählte Datei wartet nicht mehr (nach 30 Minuten oder nachdem sie geladen wurde): Wählen Sie sie noch einmal.".to_owned()
                },
                false,
            )),
        );
        return render(StatusCode::GONE, language(&req), started, &page);
    };
    // The types as chosen; a change from what was detected is declared as the table's schema.
    let chosen: Vec<(String, ColumnType)> = staged
        .analysis
        .columns
        .iter()
        .enumerate()
        .map(|(n, (name, inferred))| {
            let t = sent
                .get(&format!("type_{n}"))
                .and_then(|v| TYPES.iter().find(|t| t.as_str() == v))
                .copied()
                .unwrap_or(inferred.column_type);
            (name.clone(), t)
        })
        .collect();
    let changed = chosen
        .iter()
        .zip(&staged.analysis.columns)
        .any(|((_, t), (_, inferred))| *t != inferred.column_type);
    let schema = if changed {
        SchemaChoice::Declare(TableSchema { fields: chosen })
    } else {
        SchemaChoice::Stored
    };
    let dataset = staged.dataset;
    let revision = get("revision").parse::<i32>().unwrap_or(-1);
    let precondition = Precondition::Tags(vec![etag(dataset, revision)]);
    let job = Arc::new(Job {
        session: session.id,
        dataset,
        distribution: staged.distribution,
        total: staged.analysis.rows,
        done: AtomicU64::new(0),
        outcome: Mutex::new(None),
        at: Instant::now(),
    });
    let job_id = staging.start(job.clone());
    let actor = session.actor;
    let catalog = catalog.get_ref().clone();
    let progress_job = job.clone();
    tokio::spawn(async move {
        let progress: ingest::Progress = Arc::new(move |rows| {
            progress_job.done.store(rows, Ordering::Relaxed);
        });
        let result = ingest::replace_data(
            &catalog,
            &actor,
            &dataset.to_string(),
            staged.distribution,
            &precondition,
            &staged.spooled,
            schema,
            Some(progress),
        )
        .await;
        let outcome = match result {
            Ok(report) => {
                tracing::info!(
                    dataset.id = %dataset,
                    rows = report.analysis.rows,
                    file = %staged.file_name,
                    "workspace: table loaded"
                );
                Ok(report.analysis.rows)
            }
            Err(CatalogError::StaleRevision { .. }) => Err(if english {
                "The dataset was changed meanwhile; nothing was loaded. Choose the file again."
                    .to_owned()
            } else {
                "Der Datensatz wurde inzwischen geändert; es wurde nichts geladen. Wählen Sie die Datei noch einmal.".to_owned()
            }),
            Err(CatalogError::Invalid { message, .. }) => Err(message),
            Err(e) => {
                tracing::error!(error = %e, "workspace: a table load failed");
                Err(if english {
                    "The load failed on the server; the rows online are unchanged. Try again later."
                        .to_owned()
                } else {
                    "Das Laden ist auf dem Server gescheitert; die Zeilen online sind unverändert. Versuchen Sie es später noch einmal.".to_owned()
                })
            }
        };
        if let Ok(mut slot) = job.outcome.lock() {
            *slot = Some(outcome);
        }
    });
    let area = Area::of(&req);
    Ok(see_other(&format!(
        "{}/{}/{job_id}",
        table_path(area, dataset, d.id.unwrap_or_default()),
        progress_segment(area)
    )))
}

/// Query of the progress page.
#[derive(Debug, Default, Deserialize)]
pub struct ProgressQuery {
    /// `json` for the script that follows the load.
    pub format: Option<String>,
}

/// `GET …/tabelle/{dist}/fortschritt/{job}`: how far the load is (HTML, or JSON for the page's
/// script), and how it ended.
pub async fn progress(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    staging: web::Data<Staging>,
    path: web::Path<(String, String, String)>,
    query: web::Query<ProgressQuery>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let (id, dist, job) = path.into_inner();
    let Some(job) = Uuid::parse_str(&job)
        .ok()
        .and_then(|j| staging.job(j, session.id))
        .filter(|j| id == j.dataset.to_string() && dist == j.distribution.to_string())
    else {
        return not_found(&req, &session);
    };
    let done = job.done.load(Ordering::Relaxed).min(job.total);
    let outcome = job.outcome.lock().ok().and_then(|o| o.clone());
    if query.format.as_deref() == Some("json") {
        let mut answer = HttpResponse::Ok();
        super::no_store(&mut answer);
        return Ok(answer.json(serde_json::json!({
            "total": job.total,
            "done": if matches!(outcome, Some(Ok(_))) { job.total } else { done },
            "finished": outcome.is_some(),
        })));
    }
    let negotiated = language(&req);
    let lang = negotiated.lang;
    let english = lang == Lang::En;
    let area = Area::of(&req);
    let title = own_table(&catalog, &session, &id, &dist)
        .await?
        .map(|(doc, d)| titles(&doc, &d, lang).1)
        .unwrap_or_default();
    let finished = outcome.is_some();
    let page = ProgressPage {
        f: Frame::new(
            &req,
            lang,
            Some(&session),
            "datasets",
            if english {
                "Loading the table"
            } else {
                "Tabelle wird geladen"
            },
        ),
        distribution_title: title,
        total: job.total,
        done: if matches!(outcome, Some(Ok(_))) {
            job.total
        } else {
            done
        },
        finished,
        outcome: outcome.map(|o| {
            o.map(|rows| {
                let rows = crate::web::chart::number_text(rows as f64, lang);
                if english {
                    format!("{rows} rows loaded. The new version is online now.")
                } else {
                    format!("{rows} Zeilen geladen. Die neue Fassung ist jetzt online.")
                }
            })
        }),
        status_href: format!("{}?format=json", req.path()),
        edit_href: super::edit::edit_path(area, job.dataset),
        again: table_path(area, job.dataset, job.distribution),
    };
    render(StatusCode::OK, negotiated, started, &page)
}
