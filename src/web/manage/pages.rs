//! The workspace's sign-in, sign-out, "my datasets" and the publish / withdraw confirmations.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Area, FORM_COOKIE, Frame, Place, Signed, WorkspaceSettings, form_allowed, form_token, language,
    render, safe_next, see_other, session_cookie, session_of, sign_in_form_allowed,
};
use crate::catalog::auth::TokenRefusal;
use crate::catalog::service::{Precondition, etag};
use crate::catalog::values::DatasetStatus;
use crate::catalog::workspace::{self, DatasetRow, Session};
use crate::catalog::{Catalog, CatalogError};
use crate::error::ApiError;
use crate::search::{Clause, ClauseField, Facet, SearchEngine, SortOrder};
use crate::web::Portal;
use crate::web::i18n::Lang;

/// Datasets per page of the list.
const PER_PAGE: usize = 50;

/// The sign-in page.
#[derive(Template)]
#[template(path = "manage/sign_in.html", config = "src/web/askama.toml")]
pub struct SignInPage {
    f: Frame,
    action: String,
    csrf: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
    /// The identity provider's name and where signing in with it starts, when it is set up.
    sso: Option<(String, String)>,
}

/// The page of a one-time sign-in link (a button, so that a mail scanner's GET spends nothing).
#[derive(Template)]
#[template(path = "manage/link.html", config = "src/web/askama.toml")]
pub struct LinkPage {
    f: Frame,
    action: String,
    csrf: String,
    error: Option<String>,
    sign_in_href: String,
}

/// Query and form fields of the sign-in pages.
#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    /// The API token (form only).
    pub token: Option<String>,
    /// The double-submit form token.
    pub csrf: Option<String>,
    /// Where to go afterwards.
    pub next: Option<String>,
    /// `signed-out` after signing out.
    pub done: Option<String>,
}

fn sign_in_answer(
    req: &HttpRequest,
    status: StatusCode,
    next: Option<&str>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = language(req);
    let english = negotiated.lang == Lang::En;
    let area = Area::of(req);
    let (csrf, cookie) = form_token(req);
    let title = if english { "Sign in" } else { "Anmelden" };
    let sso = req
        .app_data::<web::Data<super::oidc::Oidc>>()
        .and_then(|o| o.name().map(str::to_owned))
        .map(|name| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &safe_next(area, next))
                .finish();
            (name, format!("/verwaltung/oidc/start?{query}"))
        });
    let page = SignInPage {
        sso,
        f: Frame::new(req, negotiated.lang, None, "sign-in", title),
        action: area.path(Place::SignIn),
        csrf,
        next: safe_next(area, next),
        error,
        notice,
    };
    with_cookie(render(status, negotiated, started, &page)?, cookie)
}

/// `answer` with `cookie` set, when there is one.
fn with_cookie(
    mut answer: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = cookie {
        answer
            .add_cookie(&cookie)
            .map_err(|e| ApiError::Unexpected(e.into()))?;
    }
    Ok(answer)
}

/// `GET /verwaltung/anmelden`: the sign-in form (straight to the list when signed in already).
pub async fn sign_in_page(
    req: HttpRequest,
    query: web::Query<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    let area = Area::of(&req);
    if session_of(&req).await?.is_some() {
        return Ok(see_other(&safe_next(area, query.next.as_deref())));
    }
    let english = language(&req).lang == Lang::En;
    let notice = (query.done.as_deref() == Some("signed-out")).then(|| {
        if english {
            "You have signed out.".to_owned()
        } else {
            "Sie haben sich abgemeldet.".to_owned()
        }
    });
    sign_in_answer(&req, StatusCode::OK, query.next.as_deref(), None, notice)
}

fn refused_form(english: bool) -> String {
    if english {
        REFUSED_FORM.1
    } else {
        REFUSED_FORM.0
    }
    .to_owned()
}

/// `POST /verwaltung/anmelden`: signs in with a pasted token.
pub async fn sign_in(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    settings: web::Data<WorkspaceSettings>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    let english = language(&req).lang == Lang::En;
    let area = Area::of(&req);
    let form = form.into_inner();
    if !sign_in_form_allowed(&req, &portal.base, form.csrf.as_deref().unwrap_or_default()) {
        return sign_in_answer(
            &req,
            StatusCode::FORBIDDEN,
            form.next.as_deref(),
            Some(refused_form(english)),
            None,
        );
    }
    let token = form.token.as_deref().unwrap_or_default().trim();
    let problem = |text_de: &str, text_en: &str| {
        sign_in_answer(
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.next.as_deref(),
            Some(if english { text_en } else { text_de }.to_owned()),
            None,
        )
    };
    if token.is_empty() {
        return problem(
            "Geben Sie Ihren Zugangsschlüssel ein.",
            "Enter your access token.",
        );
    }
    let opened = workspace::sign_in(catalog.db(), token, settings.session_lifetime)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    match opened {
        Ok(opened) => {
            tracing::info!(
                session.id = %opened.session.id,
                token.id = %opened.session.actor.token_id,
                "workspace: signed in"
            );
            let mut answer = see_other(&safe_next(area, form.next.as_deref()));
            answer
                .add_cookie(&session_cookie(&opened.secret, settings.session_lifetime))
                .map_err(|e| ApiError::Unexpected(e.into()))?;
            Ok(answer)
        }
        Err(TokenRefusal::Malformed) => problem(
            "Der Zugangsschlüssel hat nicht die Form odcat_ und 64 Hexadezimalziffern.",
            "The access token does not have the form odcat_ followed by 64 hex digits.",
        ),
        Err(TokenRefusal::Unknown) => problem(
            "Diesen Zugangsschlüssel kennt odcat nicht.",
            "odcat does not know this access token.",
        ),
        Err(TokenRefusal::Revoked) => problem(
            "Dieser Zugangsschlüssel wurde widerrufen.",
            "This access token has been revoked.",
        ),
    }
}

/// `GET /verwaltung/link/{code}`: the one-time link's page, with a button that signs in.
pub async fn link_page(
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    link_answer(&req, &code, StatusCode::OK, None)
}

fn link_answer(
    req: &HttpRequest,
    code: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = language(req);
    let english = negotiated.lang == Lang::En;
    let area = Area::of(req);
    let (csrf, cookie) = form_token(req);
    let code: String = code
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    let page = LinkPage {
        f: Frame::new(
            req,
            negotiated.lang,
            None,
            "sign-in",
            if english { "Sign in" } else { "Anmelden" },
        ),
        action: format!("{}/{code}", area.path(Place::Link)),
        csrf,
        error,
        sign_in_href: area.path(Place::SignIn),
    };
    with_cookie(render(status, negotiated, started, &page)?, cookie)
}

/// `POST /verwaltung/link/{code}`: spends the link and signs in.
pub async fn link_sign_in(
    req: HttpRequest,
    code: web::Path<String>,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    settings: web::Data<WorkspaceSettings>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    let english = language(&req).lang == Lang::En;
    if !sign_in_form_allowed(&req, &portal.base, form.csrf.as_deref().unwrap_or_default()) {
        return link_answer(
            &req,
            &code,
            StatusCode::FORBIDDEN,
            Some(refused_form(english)),
        );
    }
    let opened = workspace::sign_in_with_link(catalog.db(), &code, settings.session_lifetime)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let Some(opened) = opened else {
        return link_answer(
            &req,
            &code,
            StatusCode::GONE,
            Some(if english {
                "This sign-in link is not valid: it has been used, has expired (after 15 minutes) or its token was revoked. Sign in with your token or ask for a new link.".to_owned()
            } else {
                "Dieser Anmeldelink gilt nicht: Er wurde schon benutzt, ist abgelaufen (nach 15 Minuten) oder sein Schlüssel wurde widerrufen. Melden Sie sich mit Ihrem Schlüssel an oder lassen Sie sich einen neuen Link geben.".to_owned()
            }),
        );
    };
    tracing::info!(
        session.id = %opened.session.id,
        token.id = %opened.session.actor.token_id,
        "workspace: signed in with a one-time link"
    );
    let mut answer = see_other(&Area::of(&req).path(Place::Home));
    answer
        .add_cookie(&session_cookie(&opened.secret, settings.session_lifetime))
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(answer)
}

/// A form that carries only the session's form token.
#[derive(Debug, Default, Deserialize)]
pub struct TokenOnly {
    /// The session's form token.
    pub csrf: Option<String>,
}

/// `POST /verwaltung/abmelden`: ends the session and removes the cookie.
pub async fn sign_out(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, ApiError> {
    if !form_allowed(
        &req,
        &portal.base,
        &session,
        form.csrf.as_deref().unwrap_or_default(),
    ) {
        return forbidden(&req, &session);
    }
    workspace::sign_out(catalog.db(), session.id)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    tracing::info!(session.id = %session.id, "workspace: signed out");
    let area = Area::of(&req);
    let mut answer = see_other(&format!("{}?done=signed-out", area.path(Place::SignIn)));
    answer
        .add_cookie(&session_cookie("", chrono::Duration::zero()))
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    answer
        .add_cookie(
            &actix_web::cookie::Cookie::build(FORM_COOKIE, "")
                .path("/")
                .max_age(actix_web::cookie::time::Duration::ZERO)
                .finish(),
        )
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(answer)
}

/// A message page of the workspace (refusals, a token shown once).
#[derive(Template)]
#[template(path = "manage/message.html", config = "src/web/askama.toml")]
pub struct MessagePage {
    /// The frame.
    pub f: Frame,
    /// The message.
    pub text: String,
    /// A link onwards (label, address).
    pub onward: Option<(String, String)>,
}

/// A message page of the workspace with a link back to the list: `(German, English)` title and text.
pub fn message(
    req: &HttpRequest,
    session: &Session,
    status: StatusCode,
    title: (&str, &str),
    text: (&str, &str),
) -> Result<HttpResponse, ApiError> {
    let negotiated = language(req);
    let english = negotiated.lang == Lang::En;
    let pick = |(de, en): (&str, &str)| if english { en } else { de }.to_owned();
    let page = MessagePage {
        f: Frame::new(req, negotiated.lang, Some(session), "", pick(title)),
        text: pick(text),
        onward: Some((
            pick(("Meine Datensätze", "My datasets")),
            Area::of(req).path(Place::Home),
        )),
    };
    render(status, negotiated, Instant::now(), &page)
}

const REFUSED_FORM: (&str, &str) = (
    "Das Formular war abgelaufen oder kam nicht von dieser Website. Bitte versuchen Sie es noch einmal.",
    "The form had expired or did not come from this site. Please try again.",
);

/// 403: a form without the session's form token, or from another site.
pub fn forbidden(req: &HttpRequest, session: &Session) -> Result<HttpResponse, ApiError> {
    message(
        req,
        session,
        StatusCode::FORBIDDEN,
        ("Nicht erlaubt", "Not allowed"),
        REFUSED_FORM,
    )
}

/// 404 in the workspace: the dataset or token does not exist or belongs to another publisher.
pub fn not_found(req: &HttpRequest, session: &Session) -> Result<HttpResponse, ApiError> {
    message(
        req,
        session,
        StatusCode::NOT_FOUND,
        ("Nicht gefunden", "Not found"),
        (
            "Hier gibt es nichts, was Sie ändern dürfen: Die Adresse ist unbekannt oder gehört zu einem anderen Datenbereitsteller.",
            "There is nothing here that you may change: the address is unknown or belongs to another publisher.",
        ),
    )
}

/// One dataset in the list.
pub struct RowView {
    title: String,
    /// `lang` of the title when it differs from the page's.
    title_lang: Option<&'static str>,
    public_href: Option<String>,
    status: &'static str,
    status_label: &'static str,
    harvested: bool,
    score: Option<String>,
    updated: String,
    updated_iso: String,
    /// (label, address) of the actions.
    actions: Vec<(String, String)>,
}

/// "My datasets".
#[derive(Template)]
#[template(path = "manage/list.html", config = "src/web/askama.toml")]
pub struct ListPage {
    f: Frame,
    q: String,
    /// (value, label, selected).
    statuses: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<RowView>,
    total: String,
    notice: Option<String>,
    /// (label, address, current).
    pages: Vec<(String, String, bool)>,
    api_href: String,
    new_href: String,
}

/// Query of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Search words.
    pub q: Option<String>,
    /// `draft`, `published` or `withdrawn` (empty: all).
    pub status: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// What was just done (`published`, `withdrawn`).
    pub done: Option<String>,
}

/// A dataset status in words.
pub fn status_label(status: DatasetStatus, english: bool) -> &'static str {
    match (status, english) {
        (DatasetStatus::Draft, false) => "Entwurf",
        (DatasetStatus::Draft, true) => "Draft",
        (DatasetStatus::Published, false) => "Veröffentlicht",
        (DatasetStatus::Published, true) => "Published",
        (DatasetStatus::Withdrawn, false) => "Zurückgezogen",
        (DatasetStatus::Withdrawn, true) => "Withdrawn",
    }
}

fn row_view(row: &DatasetRow, area: Area, lang: Lang) -> RowView {
    let english = lang == Lang::En;
    let (title, title_lang) = lang.pick(&row.title_de, row.title_en.as_deref());
    let mut actions = Vec::new();
    if !row.harvested {
        actions.push((
            if english { "Edit" } else { "Bearbeiten" }.to_owned(),
            super::edit::edit_path(area, row.id),
        ));
        match row.status {
            DatasetStatus::Draft => actions.push((
                if english {
                    "Publish"
                } else {
                    "Veröffentlichen"
                }
                .to_owned(),
                area.dataset_action(row.id, Place::Publish),
            )),
            DatasetStatus::Published => actions.push((
                if english { "Withdraw" } else { "Zurückziehen" }.to_owned(),
                area.dataset_action(row.id, Place::Withdraw),
            )),
            DatasetStatus::Withdrawn => actions.push((
                if english {
                    "Publish again"
                } else {
                    "Wieder veröffentlichen"
                }
                .to_owned(),
                area.dataset_action(row.id, Place::Publish),
            )),
        }
    }
    RowView {
        title: title.to_owned(),
        title_lang: (title_lang != lang).then(|| title_lang.code()),
        public_href: (row.status != DatasetStatus::Draft).then(|| format!("/dataset/{}", row.slug)),
        status: row.status.as_str(),
        status_label: status_label(row.status, english),
        harvested: row.harvested,
        score: row.score.map(|s| s.to_string()),
        updated: crate::web::date_text(&row.updated_at, lang),
        updated_iso: row.updated_at.to_rfc3339(),
        actions,
    }
}

/// `GET /verwaltung`: the publisher's datasets (an administrator's: all), newest change first or by
/// relevance to the search words, filtered by status.
pub async fn list(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    search: web::Data<SearchEngine>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = language(&req);
    let lang = negotiated.lang;
    let english = lang == Lang::En;
    let area = Area::of(&req);
    let q: String = query
        .q
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let status = query
        .status
        .as_deref()
        .filter(|s| ["draft", "published", "withdrawn"].contains(s));
    let page = query.page.unwrap_or(1).clamp(1, 200);
    let mut request = crate::search::Request::published(q.trim(), PER_PAGE);
    request.statuses = status.map(|s| vec![s.to_owned()]).unwrap_or_default();
    request.visibility = session.actor.visibility();
    request.order = if q.trim().is_empty() {
        SortOrder::Modified { desc: true }
    } else {
        SortOrder::Relevance
    };
    request.offset = (page - 1) * PER_PAGE;
    if let Some(p) = session.actor.publisher_id {
        request.clauses.push(Clause::Is(
            ClauseField::Facet(Facet::Publisher),
            p.to_string(),
        ));
    }
    let results = search.search(request).await?;
    let ids: Vec<Uuid> = results.hits.iter().map(|h| h.id).collect();
    let rows = workspace::dataset_rows(catalog.db(), &ids)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let pages_total = results.total.div_ceil(PER_PAGE as u64).clamp(1, 200) as usize;
    let page_href = |n: usize| {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        if !q.is_empty() {
            pairs.append_pair("q", &q);
        }
        if let Some(s) = status {
            pairs.append_pair("status", s);
        }
        if n > 1 {
            pairs.append_pair("page", &n.to_string());
        }
        let query = pairs.finish();
        if query.is_empty() {
            area.path(Place::Home)
        } else {
            format!("{}?{query}", area.path(Place::Home))
        }
    };
    let pages = if pages_total > 1 {
        (1..=pages_total)
            .map(|n| (n.to_string(), page_href(n), n == page))
            .collect()
    } else {
        Vec::new()
    };
    let notice = match query.done.as_deref() {
        Some("published") => Some(if english {
            "The dataset is published. Harvesters pick it up at their next visit."
        } else {
            "Der Datensatz ist veröffentlicht. Harvester übernehmen ihn bei ihrem nächsten Besuch."
        }),
        Some("created") => Some(if english {
            "The draft is saved. Publish it when it is complete."
        } else {
            "Der Entwurf ist gespeichert. Veröffentlichen Sie ihn, wenn er vollständig ist."
        }),
        Some("withdrawn") => Some(if english {
            "The dataset is withdrawn. Harvesters remove their copy at their next visit."
        } else {
            "Der Datensatz ist zurückgezogen. Harvester entfernen ihre Kopie bei ihrem nächsten Besuch."
        }),
        _ => None,
    }
    .map(str::to_owned);
    let all = |v: &'static str| status.unwrap_or("") == v;
    let statuses = vec![
        ("", if english { "All" } else { "Alle" }, all("")),
        (
            "draft",
            status_label(DatasetStatus::Draft, english),
            all("draft"),
        ),
        (
            "published",
            status_label(DatasetStatus::Published, english),
            all("published"),
        ),
        (
            "withdrawn",
            status_label(DatasetStatus::Withdrawn, english),
            all("withdrawn"),
        ),
    ];
    let title = if english {
        "My datasets"
    } else {
        "Meine Datensätze"
    };
    let view = ListPage {
        f: Frame::new(&req, lang, Some(&session), "datasets", title),
        statuses,
        rows: rows.iter().map(|r| row_view(r, area, lang)).collect(),
        total: crate::web::chart::number_text(results.total as f64, lang),
        notice,
        pages,
        q,
        api_href: "/api".to_owned(),
        new_href: super::edit::new_path(area),
    };
    render(StatusCode::OK, negotiated, started, &view)
}

/// The confirmation of publishing or withdrawing a dataset.
#[derive(Template)]
#[template(path = "manage/confirm.html", config = "src/web/askama.toml")]
pub struct ConfirmPage {
    f: Frame,
    dataset_title: String,
    status_label: &'static str,
    question: String,
    meaning: String,
    button: String,
    action: String,
    revision: i32,
    error: Option<String>,
    missing: Vec<String>,
    back: String,
    /// Set when the dataset already is where the action would take it (no form then).
    already: Option<String>,
}

/// The form of a confirmation.
#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    /// The session's form token.
    pub csrf: Option<String>,
    /// The revision the user saw.
    pub revision: Option<i32>,
}

/// A dataset `id` the session may change, or `None`.
async fn own_dataset(
    catalog: &Catalog,
    session: &Session,
    id: Uuid,
) -> Result<Option<DatasetRow>, ApiError> {
    let row = workspace::dataset_rows(catalog.db(), &[id])
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .pop();
    Ok(row.filter(|r| session.actor.may_write(r.publisher_id)))
}

fn confirm_page(
    req: &HttpRequest,
    session: &Session,
    row: &DatasetRow,
    action: Place,
    error: Option<String>,
    missing: Vec<String>,
) -> ConfirmPage {
    let lang = language(req).lang;
    let english = lang == Lang::En;
    let area = Area::of(req);
    let title = lang
        .pick(&row.title_de, row.title_en.as_deref())
        .0
        .to_owned();
    let (heading, question, meaning, button) = match (action, row.status, english) {
        (Place::Withdraw, _, false) => (
            "Datensatz zurückziehen",
            "Wollen Sie diesen Datensatz zurückziehen?",
            "Er verschwindet aus Suche, Katalog (/catalog) und SPARQL; Harvester wie GovData und data.europa.eu entfernen ihre Kopie bei ihrem nächsten Besuch. Seine Adresse bleibt reserviert und zeigt, dass er zurückgezogen wurde.",
            "Zurückziehen",
        ),
        (Place::Withdraw, _, true) => (
            "Withdraw dataset",
            "Do you want to withdraw this dataset?",
            "It leaves search, the catalogue (/catalog) and SPARQL; harvesters such as GovData and data.europa.eu remove their copy at their next visit. Its address stays reserved and says that it was withdrawn.",
            "Withdraw",
        ),
        (_, DatasetStatus::Withdrawn, false) => (
            "Datensatz wieder veröffentlichen",
            "Wollen Sie diesen zurückgezogenen Datensatz wieder veröffentlichen?",
            "Er erscheint wieder in Suche, Katalog (/catalog) und SPARQL, unter derselben Adresse; Harvester übernehmen ihn bei ihrem nächsten Besuch wieder.",
            "Wieder veröffentlichen",
        ),
        (_, DatasetStatus::Withdrawn, true) => (
            "Publish dataset again",
            "Do you want to publish this withdrawn dataset again?",
            "It returns to search, the catalogue (/catalog) and SPARQL at the same address; harvesters pick it up again at their next visit.",
            "Publish again",
        ),
        (_, _, false) => (
            "Datensatz veröffentlichen",
            "Wollen Sie diesen Datensatz veröffentlichen?",
            "Er wird für alle sichtbar: in Suche, Katalog (/catalog) und SPARQL; Harvester wie GovData und data.europa.eu übernehmen ihn bei ihrem nächsten Besuch.",
            "Veröffentlichen",
        ),
        (_, _, true) => (
            "Publish dataset",
            "Do you want to publish this dataset?",
            "It becomes visible to everyone: in search, the catalogue (/catalog) and SPARQL; harvesters such as GovData and data.europa.eu pick it up at their next visit.",
            "Publish",
        ),
    };
    let already = match (action, row.status) {
        (Place::Withdraw, DatasetStatus::Withdrawn) => Some(if english {
            "The dataset is withdrawn already."
        } else {
            "Der Datensatz ist bereits zurückgezogen."
        }),
        (Place::Withdraw, DatasetStatus::Draft) => Some(if english {
            "The dataset is a draft: it was never public, so there is nothing to withdraw."
        } else {
            "Der Datensatz ist ein Entwurf: Er war nie öffentlich, es gibt nichts zurückzuziehen."
        }),
        (Place::Publish, DatasetStatus::Published) => Some(if english {
            "The dataset is published already."
        } else {
            "Der Datensatz ist bereits veröffentlicht."
        }),
        _ => None,
    }
    .map(str::to_owned);
    ConfirmPage {
        already,
        f: Frame::new(req, lang, Some(session), "datasets", heading),
        dataset_title: title,
        status_label: status_label(row.status, english),
        question: question.to_owned(),
        meaning: meaning.to_owned(),
        button: button.to_owned(),
        action: area.dataset_action(row.id, action),
        revision: row.revision,
        error,
        missing,
        back: area.path(Place::Home),
    }
}

/// `GET /verwaltung/datensaetze/{id}/veroeffentlichen|zurueckziehen`: asks to confirm.
pub async fn confirm(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let (id, action) = path.into_inner();
    let Some(action) = dataset_action(Area::of(&req), &action) else {
        return not_found(&req, &session);
    };
    let Some(id) = parse_id(&id) else {
        return not_found(&req, &session);
    };
    let Some(row) = own_dataset(&catalog, &session, id).await? else {
        return not_found(&req, &session);
    };
    let page = confirm_page(&req, &session, &row, action, None, Vec::new());
    render(StatusCode::OK, language(&req), started, &page)
}

fn parse_id(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id).ok()
}

fn dataset_action(area: Area, segment: &str) -> Option<Place> {
    [Place::Publish, Place::Withdraw]
        .into_iter()
        .find(|p| area.segment(*p) == segment)
}

/// `POST /verwaltung/datensaetze/{id}/veroeffentlichen|zurueckziehen`: does it, as the session's
/// token, when the dataset is still at the revision the user confirmed.
pub async fn act(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    path: web::Path<(String, String)>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if !form_allowed(
        &req,
        &portal.base,
        &session,
        form.csrf.as_deref().unwrap_or_default(),
    ) {
        return forbidden(&req, &session);
    }
    let (id, action) = path.into_inner();
    let area = Area::of(&req);
    let (Some(action), Some(id)) = (dataset_action(area, &action), parse_id(&id)) else {
        return not_found(&req, &session);
    };
    let Some(row) = own_dataset(&catalog, &session, id).await? else {
        return not_found(&req, &session);
    };
    let english = language(&req).lang == Lang::En;
    let precondition = Precondition::Tags(vec![etag(id, form.revision.unwrap_or(-1))]);
    let key = id.to_string();
    let result = match action {
        Place::Withdraw => catalog
            .withdraw_dataset(&session.actor, &key, &precondition)
            .await
            .map(|_| "withdrawn"),
        _ => catalog
            .patch_dataset(
                &session.actor,
                &key,
                &precondition,
                &serde_json::json!({ "status": "published" }),
            )
            .await
            .map(|_| "published"),
    };
    let (status, error, missing) = match result {
        Ok(done) => {
            return Ok(see_other(&format!(
                "{}?done={done}",
                area.path(Place::Home)
            )));
        }
        Err(CatalogError::StaleRevision { .. }) => (
            StatusCode::CONFLICT,
            if english {
                "The dataset was changed meanwhile. Its current state is shown below: please check it and confirm again."
            } else {
                "Der Datensatz wurde inzwischen geändert. Unten steht sein aktueller Stand: Bitte prüfen Sie ihn und bestätigen Sie erneut."
            }
            .to_owned(),
            Vec::new(),
        ),
        Err(CatalogError::Incomplete(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            if english {
                "The dataset cannot be published yet: these fields are missing."
            } else {
                "Der Datensatz kann noch nicht veröffentlicht werden: Diese Felder fehlen."
            }
            .to_owned(),
            fields,
        ),
        Err(CatalogError::Invalid { field, message }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: {message}"),
            Vec::new(),
        ),
        Err(CatalogError::Harvested { source_url, .. }) => (
            StatusCode::CONFLICT,
            if english {
                format!("The dataset is harvested from {source_url}: change it at its source.")
            } else {
                format!("Der Datensatz wird von {source_url} geerntet: Ändern Sie ihn an seiner Quelle.")
            },
            Vec::new(),
        ),
        Err(CatalogError::DatasetNotFound(_) | CatalogError::Forbidden(_)) => {
            return not_found(&req, &session);
        }
        Err(other) => return Err(other.into()),
    };
    // Show the dataset as it is now.
    let row = own_dataset(&catalog, &session, id).await?.unwrap_or(row);
    let page = confirm_page(&req, &session, &row, action, Some(error), missing);
    render(status, language(&req), started, &page)
}
