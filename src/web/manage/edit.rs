//! The workspace's dataset form: every field of a dataset and its distributions, the controlled
//! vocabularies as choices in plain words, the catalogue's errors next to the field that caused
//! them, a preview of the dataset's page, and a change made meanwhile shown without losing what the
//! user typed.
//!
//! The form starts from the dataset's current document and overlays what was sent, so fields the
//! form does not show (hosted-table metadata, ids) stay as they are; it is saved through the same
//! use cases as the API (`create_dataset`, `replace_dataset` with the revision the form was built
//! from as `If-Match`).

use std::collections::BTreeMap;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::pages::{forbidden, not_found};
use super::{Area, Frame, Place, Signed, form_allowed, language, render, see_other};
use crate::catalog::document::{
    ChecksumDocument, ContactPointDocument, DatasetDocument, DistributionDocument, LangText,
    Temporal,
};
use crate::catalog::repo::Visibility;
use crate::catalog::service::{Precondition, etag};
use crate::catalog::values::{DatasetStatus, DcatDate, DistributionKind, Role};
use crate::catalog::vocab;
use crate::catalog::workspace::{self, Session};
use crate::catalog::{Catalog, CatalogError};
use crate::error::ApiError;
use crate::web::Portal;
use crate::web::dataset::Fact;
use crate::web::i18n::{self, Lang};

/// The file types offered first (the rest follow, by code).
const COMMON_FORMATS: [&str; 16] = [
    "CSV",
    "JSON",
    "GEOJSON",
    "XLSX",
    "XML",
    "PDF",
    "HTML",
    "ZIP",
    "WMS_SRVC",
    "WFS_SRVC",
    "WMTS_SRVC",
    "SHP",
    "GPKG",
    "ODS",
    "RDF_TURTLE",
    "ATOM",
];

/// The languages offered (the EU table has thousands; others stay as they are).
const LANGUAGES: [(&str, &str, &str); 6] = [
    ("DEU", "Deutsch", "German"),
    ("ENG", "Englisch", "English"),
    ("FRA", "Französisch", "French"),
    ("TUR", "Türkisch", "Turkish"),
    ("ARA", "Arabisch", "Arabic"),
    ("UKR", "Ukrainisch", "Ukrainian"),
];

/// One choice of a select, a radio group or a checkbox group.
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What people read.
    pub label: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// An error at a field (GOV.UK pattern: listed in the summary, shown at the field).
pub struct FieldError {
    /// The input's `id` (empty: the form as a whole).
    pub id: String,
    /// The message.
    pub message: String,
    /// `lang` of the message when it is not the page's (the catalogue's rules speak English).
    pub lang: Option<&'static str>,
}

/// One distribution's fieldset.
pub struct DistributionForm {
    /// Position in the form.
    pub n: usize,
    /// Its id (empty for a new one).
    pub id: String,
    /// Whether this is the blank fieldset for adding one.
    pub is_new: bool,
    /// Whether odcat hosts its table.
    pub hosted: bool,
    /// Form values by field name (without the `dist{n}_` prefix).
    pub values: BTreeMap<&'static str, String>,
    /// File types.
    pub formats: Vec<Choice>,
    /// Licences (empty: the dataset's).
    pub licenses: Vec<Choice>,
    /// Planned availability.
    pub availabilities: Vec<Choice>,
    /// Checksum algorithms.
    pub algorithms: Vec<Choice>,
    /// Kind of a new one (link or hosted table).
    pub kinds: Vec<Choice>,
    /// Whether it is marked for removal.
    pub remove: bool,
    /// The hosted table's summary (columns, rows).
    pub table: Option<String>,
}

impl DistributionForm {
    /// The value of field `name`.
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

/// How a field is entered.
pub enum Kind {
    /// One line of text (`text`, `email`, `url`, `date`, `tel`).
    Line(&'static str),
    /// Several lines.
    Area(u32),
    /// One of a list.
    Select(Vec<Choice>),
    /// One of a few, all shown.
    Radios(Vec<Choice>),
    /// Any of a few.
    Boxes(Vec<Choice>),
}

/// One field of the form, with what it needs to be accessible: its label, a hint, its error.
pub struct Field {
    /// The input's id and name.
    pub id: String,
    /// Label (legend for groups).
    pub label: String,
    /// Hint below the label (empty: none).
    pub hint: String,
    /// The value.
    pub value: String,
    /// The error at the field.
    pub error: Option<String>,
    /// `lang` of the error when it is not the page's.
    pub error_lang: Option<&'static str>,
    /// How it is entered.
    pub kind: Kind,
    /// `lang` of the value when it is English (the English fields).
    pub lang: Option<&'static str>,
    /// `autocomplete` token (empty: none).
    pub autocomplete: &'static str,
}

impl Field {
    /// `aria-describedby` of the input: its hint and its error.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }

    /// Whether the field is a group of radios or boxes (a fieldset with a legend).
    pub fn is_group(&self) -> bool {
        matches!(self.kind, Kind::Radios(_) | Kind::Boxes(_))
    }
}

/// A fieldset of the form.
pub struct Section {
    /// Its legend.
    pub legend: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// The preview of the dataset's page.
pub struct PreviewView {
    /// Title.
    pub title: String,
    /// The description as HTML (from Markdown, sanitised).
    pub description: String,
    /// The metadata list.
    pub facts: Vec<Fact>,
    /// The distributions: (title, file type).
    pub distributions: Vec<(String, String)>,
}

/// The dataset form.
#[derive(Template)]
#[template(path = "manage/edit.html", config = "src/web/askama.toml")]
pub struct EditPage {
    f: Frame,
    action: String,
    is_new: bool,
    revision: String,
    errors: Vec<FieldError>,
    conflict: Option<String>,
    notice: Option<String>,
    preview: Option<PreviewView>,
    /// Form values of the dataset's own fields by name.
    values: BTreeMap<&'static str, String>,
    publishers: Vec<Choice>,
    themes: Vec<Choice>,
    languages: Vec<Choice>,
    licenses: Vec<Choice>,
    access: Vec<Choice>,
    frequencies: Vec<Choice>,
    levels: Vec<Choice>,
    availabilities: Vec<Choice>,
    distributions: Vec<DistributionForm>,
    public_href: Option<String>,
    back: String,
    status_label: &'static str,
    harvested: Option<String>,
    /// The address of a hosted table's upload page, but for the distribution's id.
    table_base: Option<String>,
}

impl EditPage {
    /// The value of dataset field `name`.
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// The error at input `id`, if any.
    fn err(&self, id: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.message.as_str())
    }

    /// The language of the error at input `id` when it is not the page's.
    fn err_lang(&self, id: &str) -> Option<&'static str> {
        self.errors.iter().find(|e| e.id == id).and_then(|e| e.lang)
    }

    /// `de` or `en` by the page's language.
    fn l<'a>(&self, de: &'a str, en: &'a str) -> &'a str {
        if self.f.english { en } else { de }
    }

    fn field(&self, id: &str, label: (&str, &str), hint: (&str, &str), kind: Kind) -> Field {
        Field {
            id: id.to_owned(),
            label: self.l(label.0, label.1).to_owned(),
            hint: self.l(hint.0, hint.1).to_owned(),
            value: self.v(id).to_owned(),
            error: self.err(id).map(str::to_owned),
            error_lang: self.err_lang(id),
            lang: id.ends_with("_en").then_some("en"),
            autocomplete: match id {
                "contact_point_name" => "organization",
                "contact_point_email" => "email",
                "contact_point_telephone" => "tel",
                "contact_point_url" => "url",
                _ => "off",
            },
            kind,
        }
    }

    fn take(choices: &[Choice]) -> Vec<Choice> {
        choices
            .iter()
            .map(|c| Choice {
                value: c.value.clone(),
                label: c.label.clone(),
                selected: c.selected,
            })
            .collect()
    }

    /// The dataset's fieldsets.
    fn sections(&self) -> Vec<Section> {
        const NO: (&str, &str) = ("", "");
        let line = Kind::Line("text");
        let mut about = vec![
            self.field("title_de", ("Titel (Deutsch)", "Title (German)"), ("Pflichtfeld. Kurz und eindeutig, ohne Abkürzungen.", "Required. Short and clear, without abbreviations."), Kind::Line("text")),
            self.field("title_en", ("Titel (Englisch)", "Title (English)"), NO, Kind::Line("text")),
            self.field("description_de", ("Beschreibung (Deutsch)", "Description (German)"), ("Zum Veröffentlichen nötig. Was die Daten enthalten, woher sie kommen, wie aktuell sie sind. Markdown ist erlaubt.", "Needed to publish. What the data holds, where it comes from, how current it is. Markdown is allowed."), Kind::Area(8)),
            self.field("description_en", ("Beschreibung (Englisch)", "Description (English)"), NO, Kind::Area(5)),
            self.field("keywords_de", ("Schlagwörter (Deutsch)", "Keywords (German)"), ("Ein Schlagwort je Zeile.", "One keyword per line."), Kind::Area(4)),
            self.field("keywords_en", ("Schlagwörter (Englisch)", "Keywords (English)"), ("Ein Schlagwort je Zeile.", "One keyword per line."), Kind::Area(3)),
            Field {
                value: String::new(),
                ..self.field("themes", ("Themen", "Themes"), ("Die Themen der EU, nach denen Portale wie GovData und data.europa.eu filtern.", "The EU themes portals such as GovData and data.europa.eu filter by."), Kind::Boxes(Self::take(&self.themes)))
            },
            self.field("slug", ("Adressname", "Address name"), ("Pflichtfeld. Kleinbuchstaben, Ziffern und Bindestriche; der Datensatz steht dann unter /dataset/adressname.", "Required. Lower-case letters, digits and hyphens; the dataset is then at /dataset/address-name."), line),
        ];
        if self.f.who.as_ref().is_some_and(|w| w.admin) {
            about.push(self.field(
                "publisher",
                ("Datenbereitsteller", "Publisher"),
                NO,
                Kind::Select(Self::take(&self.publishers)),
            ));
        }
        vec![
            Section { legend: self.l("Worum es geht", "What it is about").to_owned(), fields: about },
            Section {
                legend: self.l("Nutzung", "Use").to_owned(),
                fields: vec![
                    self.field("license", ("Lizenz", "Licence"), ("Zum Veröffentlichen nötig. Für offene Daten empfiehlt sich die Datenlizenz Deutschland – Zero oder Namensnennung.", "Needed to publish. For open data, the Data Licence Germany – Zero or Attribution is recommended."), Kind::Select(Self::take(&self.licenses))),
                    self.field("license_attribution", ("Namensnennung", "Attribution"), ("Der Text, den die Lizenz zu nennen verlangt, z. B. „Stadt Wuppertal“.", "The text the licence asks users to name, e.g. “Stadt Wuppertal”."), Kind::Line("text")),
                    Field { value: String::new(), ..self.field("access_rights", ("Zugang", "Access"), NO, Kind::Radios(Self::take(&self.access))) },
                    self.field("availability", ("Geplante Verfügbarkeit", "Planned availability"), NO, Kind::Select(Self::take(&self.availabilities))),
                ],
            },
            Section {
                legend: self.l("Zeit und Raum", "Time and place").to_owned(),
                fields: vec![
                    self.field("accrual_periodicity", ("Aktualisierung", "Updated"), NO, Kind::Select(Self::take(&self.frequencies))),
                    self.field("temporal_start", ("Zeitraum von", "Period from"), ("Datum als 2026-01-31.", "A date as 2026-01-31."), Kind::Line("date")),
                    self.field("temporal_end", ("Zeitraum bis", "Period to"), ("Datum als 2026-12-31.", "A date as 2026-12-31."), Kind::Line("date")),
                    self.field("spatial", ("Raumbezug", "Place"), ("Die Adresse (IRI) des Gebiets, z. B. der Gemeindeschlüssel http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000 für Wuppertal.", "The address (IRI) of the area, e.g. the municipality key http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000 for Wuppertal."), Kind::Line("url")),
                    self.field("geocoding_level", ("Verwaltungsebene", "Administrative level"), NO, Kind::Select(Self::take(&self.levels))),
                    self.field("issued", ("Erstmals veröffentlicht", "First published"), ("Datum (2026-12-31) oder Datum und Uhrzeit mit Zeitzone; leer: der Tag der Veröffentlichung.", "A date (2026-12-31) or a date and time with its offset; empty: the day of publication."), Kind::Line("text")),
                    self.field("modified", ("Daten zuletzt geändert", "Data last changed"), ("Datum (2026-12-31) oder Datum und Uhrzeit mit Zeitzone.", "A date (2026-12-31) or a date and time with its offset."), Kind::Line("text")),
                ],
            },
            Section {
                legend: self.l("Kontakt", "Contact").to_owned(),
                fields: vec![
                    self.field("contact_point_name", ("Name der Kontaktstelle", "Name of the contact point"), ("Eine Stelle, keine Person, z. B. „Open-Data-Team“.", "An office, not a person, e.g. “Open data team”."), Kind::Line("text")),
                    self.field("contact_point_email", ("E-Mail-Adresse", "E-mail address"), NO, Kind::Line("email")),
                    self.field("contact_point_telephone", ("Telefon", "Telephone"), NO, Kind::Line("tel")),
                    self.field("contact_point_url", ("Kontaktformular oder Webseite", "Contact form or web page"), NO, Kind::Line("url")),
                ],
            },
            Section {
                legend: self.l("Weitere Angaben", "More").to_owned(),
                fields: vec![
                    Field { value: String::new(), ..self.field("languages", ("Sprachen der Daten", "Languages of the data"), NO, Kind::Boxes(Self::take(&self.languages))) },
                    self.field("landing_page", ("Webseite zum Datensatz", "Web page of the dataset"), NO, Kind::Line("url")),
                    self.field("conforms_to", ("Entspricht den Standards", "Conforms to standards"), ("Adressen (IRIs) von Standards oder Schemata, eine je Zeile.", "Addresses (IRIs) of standards or schemas, one per line."), Kind::Area(2)),
                    self.field("version", ("Version", "Version"), NO, Kind::Line("text")),
                    self.field("contributor_id", ("Beitragende Stelle (DCAT-AP.de)", "Contributor (DCAT-AP.de)"), ("Die IRI aus der Liste von DCAT-AP.de, falls Ihre Stelle dort steht.", "The IRI from DCAT-AP.de's list, if your office is on it."), Kind::Line("url")),
                    self.field("identifier", ("Kennung", "Identifier"), ("Wird beim Anlegen vergeben und bleibt für immer; nur ändern, wenn die Daten schon eine eigene Kennung haben.", "Assigned when created and kept for ever; change it only when the data has an identifier of its own."), Kind::Line("text")),
                ],
            },
        ]
    }

    /// The fieldset of a distribution.
    fn distribution_section(&self, d: &DistributionForm) -> Section {
        let id = |name: &str| format!("dist{}_{name}", d.n);
        let field = |name: &str, label: (&str, &str), hint: (&str, &str), kind: Kind| Field {
            id: id(name),
            label: self.l(label.0, label.1).to_owned(),
            hint: self.l(hint.0, hint.1).to_owned(),
            value: d.v(name).to_owned(),
            error: self.err(&id(name)).map(str::to_owned),
            error_lang: self.err_lang(&id(name)),
            lang: name.ends_with("_en").then_some("en"),
            autocomplete: "off",
            kind,
        };
        const NO: (&str, &str) = ("", "");
        let mut fields = vec![
            field(
                "title_de",
                ("Titel (Deutsch)", "Title (German)"),
                (
                    "Pflichtfeld, z. B. „Haushaltsplan 2027 als CSV“.",
                    "Required, e.g. “Budget 2027 as CSV”.",
                ),
                Kind::Line("text"),
            ),
            field(
                "title_en",
                ("Titel (Englisch)", "Title (English)"),
                NO,
                Kind::Line("text"),
            ),
            field(
                "format",
                ("Dateiformat", "File type"),
                NO,
                Kind::Select(Self::take(&d.formats)),
            ),
        ];
        if d.is_new {
            fields.push(Field {
                value: String::new(),
                ..field(
                    "kind",
                    ("Art", "Kind"),
                    NO,
                    Kind::Radios(Self::take(&d.kinds)),
                )
            });
        }
        if !d.hosted {
            fields.extend([
                field("access_url", ("Zugangsadresse", "Access address"), ("Zum Veröffentlichen nötig: die Adresse der Datei, des Dienstes oder der Seite mit den Daten.", "Needed to publish: the address of the file, the service or the page with the data."), Kind::Line("url")),
                field("download_url", ("Direkter Download", "Direct download"), ("Die Adresse der Datei selbst, falls es eine gibt.", "The address of the file itself, if there is one."), Kind::Line("url")),
                field("media_type", ("Medientyp", "Media type"), ("IANA-Adresse, z. B. https://www.iana.org/assignments/media-types/text/csv.", "IANA address, e.g. https://www.iana.org/assignments/media-types/text/csv."), Kind::Line("url")),
                field("byte_size", ("Größe in Bytes", "Size in bytes"), NO, Kind::Line("text")),
                field("checksum", ("Prüfsummenverfahren", "Checksum algorithm"), NO, Kind::Select(Self::take(&d.algorithms))),
                field("checksum_value", ("Prüfsumme", "Checksum"), ("Hexadezimal.", "Hexadecimal."), Kind::Line("text")),
            ]);
        }
        fields.extend([
            field(
                "description_de",
                ("Beschreibung (Deutsch)", "Description (German)"),
                NO,
                Kind::Area(3),
            ),
            field(
                "description_en",
                ("Beschreibung (Englisch)", "Description (English)"),
                NO,
                Kind::Area(2),
            ),
            field(
                "license",
                ("Lizenz", "Licence"),
                (
                    "Nur wenn sie von der des Datensatzes abweicht.",
                    "Only when it differs from the dataset's.",
                ),
                Kind::Select(Self::take(&d.licenses)),
            ),
            field(
                "availability",
                ("Geplante Verfügbarkeit", "Planned availability"),
                NO,
                Kind::Select(Self::take(&d.availabilities)),
            ),
            field(
                "rights_de",
                ("Rechte (Deutsch)", "Rights (German)"),
                (
                    "Was über die Lizenz hinaus gilt, z. B. Quellenvermerke Dritter.",
                    "What applies beyond the licence, e.g. third parties' source notes.",
                ),
                Kind::Area(2),
            ),
            field(
                "rights_en",
                ("Rechte (Englisch)", "Rights (English)"),
                NO,
                Kind::Area(2),
            ),
            field(
                "issued",
                ("Erstmals veröffentlicht", "First published"),
                (
                    "Datum (2026-12-31) oder Datum und Uhrzeit mit Zeitzone.",
                    "A date (2026-12-31) or a date and time with its offset.",
                ),
                Kind::Line("text"),
            ),
        ]);
        Section {
            legend: if d.is_new {
                self.l(
                    "Neue Distribution (Datei oder Dienst) hinzufügen",
                    "Add a distribution (file or service)",
                )
                .to_owned()
            } else {
                let title = if d.v("title_de").is_empty() {
                    "–"
                } else {
                    d.v("title_de")
                };
                format!(
                    "{} {}: {title}",
                    self.l("Distribution", "Distribution"),
                    d.n + 1
                )
            },
            fields,
        }
    }
}

/// The form as sent: name–value pairs in order (checkbox groups repeat a name).
pub struct Sent(Vec<(String, String)>);

impl Sent {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

fn opt(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A text as typed (only the line ends of a textarea normalised), `None` when blank.
fn opt_text(value: &str) -> Option<String> {
    let value = value.replace("\r\n", "\n");
    (!value.trim().is_empty()).then_some(value)
}

fn lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn code_of<'a>(iri: &'a str, namespace: &str) -> &'a str {
    iri.strip_prefix(namespace).unwrap_or(iri)
}

/// The input id of a catalogue error's field path (`distributions[2].title.de` → `dist2_title_de`,
/// `keywords.de[3]` → `keywords_de`).
pub fn input_id(path: &str) -> String {
    let mut path = path.trim_start_matches("$.").to_owned();
    if let Some(rest) = path.strip_prefix("distributions[")
        && let Some((n, tail)) = rest.split_once(']')
    {
        path = format!("dist{n}{}", tail.replace('.', "_"));
    }
    let mut id = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => id.push('_'),
            c if depth == 0 => id.push(c),
            _ => {}
        }
    }
    id
}

/// Parses a date or date-time as the API does (`DcatDate`).
fn dcat_date(value: &str) -> Result<Option<DcatDate>, String> {
    let Some(value) = opt(value) else {
        return Ok(None);
    };
    serde_json::from_value(serde_json::Value::String(value))
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Builds the document the form describes, from `current` (or a new draft), and the form's own
/// errors (dates, numbers). The second value maps the document's distributions to their fieldsets.
fn document_from(
    sent: &Sent,
    current: Option<&DatasetDocument>,
    session: &Session,
    english: bool,
) -> (DatasetDocument, Vec<usize>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut doc = current.cloned().unwrap_or_else(|| DatasetDocument {
        id: None,
        slug: String::new(),
        publisher: None,
        status: Some(DatasetStatus::Draft),
        title: LangText::default(),
        description: LangText::default(),
        keywords: Default::default(),
        themes: Vec::new(),
        languages: Vec::new(),
        license: String::new(),
        license_attribution: None,
        access_rights: None,
        accrual_periodicity: None,
        spatial: None,
        geocoding_level: None,
        temporal: None,
        identifier: None,
        issued: None,
        modified: None,
        record_modified: None,
        record_created: None,
        availability: None,
        landing_page: None,
        conforms_to: Vec::new(),
        version: None,
        contributor_id: None,
        contact_point: None,
        distributions: Vec::new(),
        revision: None,
        harvest: None,
    });
    doc.slug = sent.get("slug").trim().to_owned();
    doc.publisher = if session.actor.role == Role::Admin {
        opt(sent.get("publisher")).or(doc.publisher)
    } else {
        session.publisher.as_ref().map(|p| p.slug.clone())
    };
    doc.title = LangText {
        de: sent.get("title_de").trim().to_owned(),
        en: opt(sent.get("title_en")),
    };
    doc.description = LangText {
        de: opt_text(sent.get("description_de")).unwrap_or_default(),
        en: opt_text(sent.get("description_en")),
    };
    doc.keywords.de = lines(sent.get("keywords_de"));
    doc.keywords.en = lines(sent.get("keywords_en"));
    doc.themes = sent
        .all("themes")
        .iter()
        .map(|c| format!("{}{c}", vocab::DATA_THEME))
        .collect();
    // Languages the form does not offer stay as they are.
    let offered: Vec<String> = LANGUAGES
        .iter()
        .map(|(c, _, _)| format!("{}{c}", vocab::LANGUAGE))
        .collect();
    let mut languages: Vec<String> = doc
        .languages
        .iter()
        .filter(|l| !offered.contains(l))
        .cloned()
        .collect();
    languages.extend(
        sent.all("languages")
            .iter()
            .map(|c| format!("{}{c}", vocab::LANGUAGE)),
    );
    doc.languages = languages;
    doc.license = opt(sent.get("license")).unwrap_or_default();
    doc.license_attribution = opt(sent.get("license_attribution"));
    doc.access_rights = opt(sent.get("access_rights"));
    doc.accrual_periodicity = opt(sent.get("accrual_periodicity"));
    doc.spatial = opt(sent.get("spatial"));
    doc.geocoding_level = opt(sent.get("geocoding_level"));
    let day = |name: &'static str, errors: &mut Vec<FieldError>| {
        opt(sent.get(name)).and_then(
            |v| match chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError {
                        lang: None,
                        id: name.to_owned(),
                        message: if english {
                            format!("`{v}` is not a date: write it as 2026-12-31.")
                        } else {
                            format!("`{v}` ist kein Datum: Schreiben Sie es als 2026-12-31.")
                        },
                    });
                    None
                }
            },
        )
    };
    let start = day("temporal_start", &mut errors);
    let end = day("temporal_end", &mut errors);
    doc.temporal = (start.is_some() || end.is_some()).then_some(Temporal { start, end });
    for (name, slot) in [("issued", &mut doc.issued), ("modified", &mut doc.modified)] {
        match dcat_date(sent.get(name)) {
            Ok(value) => *slot = value,
            Err(_) => errors.push(FieldError {
                lang: None,
                id: name.to_owned(),
                message: if english {
                    "Write a date (2026-12-31) or a date and time with its offset (2026-12-31T10:00:00+01:00).".to_owned()
                } else {
                    "Schreiben Sie ein Datum (2026-12-31) oder Datum und Uhrzeit mit Zeitzone (2026-12-31T10:00:00+01:00).".to_owned()
                },
            }),
        }
    }
    doc.availability = opt(sent.get("availability"));
    doc.landing_page = opt(sent.get("landing_page"));
    doc.conforms_to = lines(sent.get("conforms_to"));
    doc.version = opt(sent.get("version"));
    doc.contributor_id = opt(sent.get("contributor_id"));
    doc.identifier = opt(sent.get("identifier")).or(doc.identifier);
    let contact = [
        "contact_point_name",
        "contact_point_email",
        "contact_point_url",
        "contact_point_telephone",
    ]
    .map(|n| opt(sent.get(n)));
    doc.contact_point = contact
        .iter()
        .any(Option::is_some)
        .then(|| ContactPointDocument {
            name: contact[0].clone().unwrap_or_default(),
            email: contact[1].clone(),
            url: contact[2].clone(),
            telephone: contact[3].clone(),
        });
    let count: usize = sent.get("dist_count").parse().unwrap_or(0).min(500);
    let previous = std::mem::take(&mut doc.distributions);
    let mut map = Vec::new();
    for n in 0..count {
        let field = |name: &str| sent.get(&format!("dist{n}_{name}")).to_owned();
        if sent.has(&format!("dist{n}_remove")) {
            continue;
        }
        let id = Uuid::parse_str(field("id").trim()).ok();
        let existing = id.and_then(|id| previous.iter().find(|d| d.id == Some(id)));
        let blank = ["title_de", "access_url", "download_url", "description_de"]
            .iter()
            .all(|n| field(n).trim().is_empty());
        if existing.is_none() && blank {
            continue;
        }
        let mut d = existing.cloned().unwrap_or_else(|| {
            DistributionDocument::blank(if field("kind") == "hosted_table" {
                DistributionKind::HostedTable
            } else {
                DistributionKind::ExternalLink
            })
        });
        d.title = LangText {
            de: field("title_de").trim().to_owned(),
            en: opt(&field("title_en")),
        };
        d.description = opt_text(&field("description_de")).map(|de| LangText {
            de,
            en: opt_text(&field("description_en")),
        });
        d.format = opt(&field("format"))
            .map(|c| format!("{}{c}", vocab::FILE_TYPE))
            .unwrap_or_default();
        d.media_type = opt(&field("media_type"));
        if d.kind != DistributionKind::HostedTable {
            d.access_url = opt(&field("access_url"));
            d.download_url = opt(&field("download_url"));
            d.byte_size = match opt(&field("byte_size")) {
                None => None,
                Some(v) => match v.replace(['.', ' ', '\u{a0}'], "").parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        errors.push(FieldError {
                            lang: None,
                            id: format!("dist{n}_byte_size"),
                            message: if english {
                                format!("`{v}` is not a number of bytes.")
                            } else {
                                format!("`{v}` ist keine Anzahl Bytes.")
                            },
                        });
                        None
                    }
                },
            };
            d.checksum = match (opt(&field("checksum")), opt(&field("checksum_value"))) {
                (Some(algorithm), Some(value)) => Some(ChecksumDocument { algorithm, value }),
                (None, None) => None,
                _ => {
                    errors.push(FieldError {
                        lang: None,
                        id: format!("dist{n}_checksum_value"),
                        message: if english {
                            "A checksum needs both its algorithm and its value.".to_owned()
                        } else {
                            "Eine Prüfsumme braucht ihr Verfahren und ihren Wert.".to_owned()
                        },
                    });
                    None
                }
            };
        }
        d.license = opt(&field("license"));
        d.availability = opt(&field("availability"));
        d.rights = opt_text(&field("rights_de")).map(|de| LangText {
            de,
            en: opt_text(&field("rights_en")),
        });
        match dcat_date(&field("issued")) {
            Ok(v) => d.issued = v,
            Err(_) => errors.push(FieldError {
                lang: None,
                id: format!("dist{n}_issued"),
                message: if english {
                    "Write a date (2026-12-31) or a date and time with its offset.".to_owned()
                } else {
                    "Schreiben Sie ein Datum (2026-12-31) oder Datum und Uhrzeit mit Zeitzone."
                        .to_owned()
                },
            }),
        }
        doc.distributions.push(d);
        map.push(n);
    }
    // Distributions the form does not list (removed, or withdrawn before) are withdrawn.
    (doc, map, errors)
}

/// The form's values of a document (what the form shows for it).
fn values_of(doc: &DatasetDocument) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    let mut put = |k: &'static str, value: Option<&str>| {
        v.insert(k, value.unwrap_or_default().to_owned());
    };
    put("slug", Some(&doc.slug));
    put("publisher", doc.publisher.as_deref());
    put("title_de", Some(&doc.title.de));
    put("title_en", doc.title.en.as_deref());
    put("description_de", Some(&doc.description.de));
    put("description_en", doc.description.en.as_deref());
    put("keywords_de", Some(&doc.keywords.de.join("\n")));
    put("keywords_en", Some(&doc.keywords.en.join("\n")));
    put("license", Some(&doc.license));
    put("license_attribution", doc.license_attribution.as_deref());
    put("access_rights", doc.access_rights.as_deref());
    put("accrual_periodicity", doc.accrual_periodicity.as_deref());
    put("spatial", doc.spatial.as_deref());
    put("geocoding_level", doc.geocoding_level.as_deref());
    let start = doc
        .temporal
        .as_ref()
        .and_then(|t| t.start)
        .map(|d| d.to_string());
    let end = doc
        .temporal
        .as_ref()
        .and_then(|t| t.end)
        .map(|d| d.to_string());
    put("temporal_start", start.as_deref());
    put("temporal_end", end.as_deref());
    let issued = doc.issued.map(|d| d.lexical());
    put("issued", issued.as_deref());
    let modified = doc.modified.map(|d| d.lexical());
    put("modified", modified.as_deref());
    put("availability", doc.availability.as_deref());
    put("landing_page", doc.landing_page.as_deref());
    put("conforms_to", Some(&doc.conforms_to.join("\n")));
    put("version", doc.version.as_deref());
    put("contributor_id", doc.contributor_id.as_deref());
    put("identifier", doc.identifier.as_deref());
    let cp = doc.contact_point.as_ref();
    put("contact_point_name", cp.map(|c| c.name.as_str()));
    put("contact_point_email", cp.and_then(|c| c.email.as_deref()));
    put("contact_point_url", cp.and_then(|c| c.url.as_deref()));
    put(
        "contact_point_telephone",
        cp.and_then(|c| c.telephone.as_deref()),
    );
    v
}

fn choices<'a>(
    items: impl IntoIterator<Item = (String, String)>,
    selected: impl Fn(&str) -> bool + 'a,
) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: selected(&value),
            value,
            label,
        })
        .collect()
}

fn distribution_form(
    n: usize,
    d: Option<&DistributionDocument>,
    values: BTreeMap<&'static str, String>,
    lang: Lang,
) -> DistributionForm {
    let english = lang == Lang::En;
    let format = values.get("format").cloned().unwrap_or_default();
    let mut codes: Vec<&str> = COMMON_FORMATS.to_vec();
    codes.extend(vocab::file_type_codes().filter(|c| !COMMON_FORMATS.contains(c)));
    let mut formats = vec![Choice {
        value: String::new(),
        label: if english {
            "– choose –"
        } else {
            "– bitte wählen –"
        }
        .to_owned(),
        selected: format.is_empty(),
    }];
    formats.extend(choices(
        codes.into_iter().map(|c| {
            let label = i18n::format_label(c, lang);
            let label = if label == c {
                c.to_owned()
            } else {
                format!("{label} – {c}")
            };
            (c.to_owned(), label)
        }),
        |c| c == format,
    ));
    let license = values.get("license").cloned().unwrap_or_default();
    let mut licenses = vec![Choice {
        value: String::new(),
        label: if english {
            "the dataset's licence"
        } else {
            "die Lizenz des Datensatzes"
        }
        .to_owned(),
        selected: license.is_empty(),
    }];
    licenses.extend(license_choices(&license));
    let availability = values.get("availability").cloned().unwrap_or_default();
    let algorithm = values.get("checksum").cloned().unwrap_or_default();
    let kind = values.get("kind").cloned().unwrap_or_default();
    DistributionForm {
        n,
        id: d
            .and_then(|d| d.id)
            .map(|i| i.to_string())
            .unwrap_or_default(),
        is_new: d.and_then(|d| d.id).is_none(),
        hosted: d.is_some_and(|d| d.kind == DistributionKind::HostedTable),
        formats,
        licenses,
        availabilities: availability_choices(&availability, english),
        algorithms: {
            let mut a = vec![Choice {
                value: String::new(),
                label: if english { "none" } else { "keine" }.to_owned(),
                selected: algorithm.is_empty(),
            }];
            a.extend(choices(
                ["sha256", "sha512", "sha1", "md5"]
                    .map(|x| (x.to_owned(), x.to_uppercase().replace("SHA", "SHA-"))),
                |x| x == algorithm,
            ));
            a
        },
        kinds: vec![
            Choice {
                value: "link".to_owned(),
                label: if english {
                    "a file or service elsewhere (its address)"
                } else {
                    "eine Datei oder ein Dienst anderswo (seine Adresse)"
                }
                .to_owned(),
                selected: kind != "hosted_table",
            },
            Choice {
                value: "hosted_table".to_owned(),
                label: if english {
                    "a table odcat hosts (upload a CSV file after saving)"
                } else {
                    "eine Tabelle, die odcat bereitstellt (CSV-Datei nach dem Speichern hochladen)"
                }
                .to_owned(),
                selected: kind == "hosted_table",
            },
        ],
        remove: false,
        table: d.and_then(|d| d.data_table.as_ref()).map(|t| {
            let columns = t
                .columns
                .iter()
                .map(|c| format!("{} ({})", c.name, c.column_type))
                .collect::<Vec<_>>()
                .join(", ");
            if english {
                format!("{} rows; columns: {columns}", t.row_count)
            } else {
                format!("{} Zeilen; Spalten: {columns}", t.row_count)
            }
        }),
        values,
    }
}

fn distribution_values(d: &DistributionDocument) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    let mut put = |k: &'static str, value: Option<&str>| {
        v.insert(k, value.unwrap_or_default().to_owned());
    };
    put("title_de", Some(&d.title.de));
    put("title_en", d.title.en.as_deref());
    put(
        "description_de",
        d.description.as_ref().map(|x| x.de.as_str()),
    );
    put(
        "description_en",
        d.description.as_ref().and_then(|x| x.en.as_deref()),
    );
    put("format", Some(code_of(&d.format, vocab::FILE_TYPE)));
    put("media_type", d.media_type.as_deref());
    put("access_url", d.access_url.as_deref());
    put("download_url", d.download_url.as_deref());
    let size = d.byte_size.map(|b| b.to_string());
    put("byte_size", size.as_deref());
    put(
        "checksum",
        d.checksum.as_ref().map(|c| c.algorithm.as_str()),
    );
    put(
        "checksum_value",
        d.checksum.as_ref().map(|c| c.value.as_str()),
    );
    put("license", d.license.as_deref());
    put("availability", d.availability.as_deref());
    put("rights_de", d.rights.as_ref().map(|r| r.de.as_str()));
    put("rights_en", d.rights.as_ref().and_then(|r| r.en.as_deref()));
    let issued = d.issued.map(|i| i.lexical());
    put("issued", issued.as_deref());
    put(
        "kind",
        Some(if d.kind == DistributionKind::HostedTable {
            "hosted_table"
        } else {
            "link"
        }),
    );
    v
}

/// The values of fieldset `n` as sent.
fn sent_distribution_values(sent: &Sent, n: usize) -> BTreeMap<&'static str, String> {
    [
        "title_de",
        "title_en",
        "description_de",
        "description_en",
        "format",
        "media_type",
        "access_url",
        "download_url",
        "byte_size",
        "checksum",
        "checksum_value",
        "license",
        "availability",
        "rights_de",
        "rights_en",
        "issued",
        "kind",
    ]
    .into_iter()
    .map(|k| (k, sent.get(&format!("dist{n}_{k}")).to_owned()))
    .collect()
}

fn license_choices(selected: &str) -> Vec<Choice> {
    choices(
        vocab::licenses().map(|(code, label)| {
            let explained = vocab::license_explanation(code)
                .map_or_else(|| label.to_owned(), |(de, _)| format!("{label} – {de}"));
            (format!("{}{code}", vocab::LICENSE), explained)
        }),
        |v| v == selected,
    )
}

fn availability_choices(selected: &str, english: bool) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: if english {
            "not stated"
        } else {
            "keine Angabe"
        }
        .to_owned(),
        selected: selected.is_empty(),
    }];
    out.extend(choices(
        vocab::availabilities().map(|(code, de, en)| {
            (
                format!("{}{code}", vocab::PLANNED_AVAILABILITY),
                if english { en } else { de }.to_owned(),
            )
        }),
        |v| v == selected,
    ));
    out
}

/// What the form needs besides the values.
struct FormContext<'a> {
    session: &'a Session,
    lang: Lang,
    publishers: Vec<workspace::PublisherName>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page's parts, each from its own source"
)]
fn edit_page(
    req: &HttpRequest,
    cx: &FormContext<'_>,
    doc: Option<&DatasetDocument>,
    values: BTreeMap<&'static str, String>,
    distributions: Vec<DistributionForm>,
    revision: Option<i32>,
    errors: Vec<FieldError>,
    conflict: Option<String>,
) -> EditPage {
    let lang = cx.lang;
    let english = lang == Lang::En;
    let area = Area::of(req);
    let is_new = doc.and_then(|d| d.id).is_none();
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let themes_chosen: Vec<String> = values
        .get("themes")
        .map(|t| t.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    let langs_chosen: Vec<String> = values
        .get("languages")
        .map(|t| t.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    let license = get("license");
    let access = get("access_rights");
    let frequency = get("accrual_periodicity");
    let level = get("geocoding_level");
    let publisher = get("publisher");
    let title = if is_new {
        if english {
            "New dataset"
        } else {
            "Neuer Datensatz"
        }
        .to_owned()
    } else {
        let t = doc.map(|d| d.title.de.clone()).unwrap_or_default();
        if english {
            format!("Edit: {t}")
        } else {
            format!("Bearbeiten: {t}")
        }
    };
    let mut licenses = vec![Choice {
        value: String::new(),
        label: if english {
            "– choose –"
        } else {
            "– bitte wählen –"
        }
        .to_owned(),
        selected: license.is_empty(),
    }];
    licenses.extend(license_choices(&license));
    let mut frequencies = vec![Choice {
        value: String::new(),
        label: if english {
            "not stated"
        } else {
            "keine Angabe"
        }
        .to_owned(),
        selected: frequency.is_empty(),
    }];
    frequencies.extend(choices(
        vocab::frequency_codes().map(|c| {
            (
                format!("{}{c}", vocab::FREQUENCY),
                i18n::frequency_label(c, lang).to_owned(),
            )
        }),
        |v| v == frequency,
    ));
    let mut levels = vec![Choice {
        value: String::new(),
        label: if english {
            "not stated"
        } else {
            "keine Angabe"
        }
        .to_owned(),
        selected: level.is_empty(),
    }];
    levels.extend(choices(
        vocab::geocoding_levels().map(|c| {
            let (de, en) = level_label(c);
            (
                format!("{}{c}", vocab::GEOCODING_LEVEL),
                if english { en } else { de }.to_owned(),
            )
        }),
        |v| v == level,
    ));
    let status = doc.and_then(|d| d.status).unwrap_or(DatasetStatus::Draft);
    EditPage {
        f: Frame::new(req, lang, Some(cx.session), "datasets", title),
        action: match doc.and_then(|d| d.id) {
            Some(id) => edit_path(area, id),
            None => new_path(area),
        },
        is_new,
        revision: revision.map(|r| r.to_string()).unwrap_or_default(),
        errors,
        conflict,
        notice: None,
        preview: None,
        publishers: choices(
            cx.publishers.iter().map(|p| {
                (
                    p.slug.clone(),
                    lang.pick(&p.name_de, p.name_en.as_deref()).0.to_owned(),
                )
            }),
            |s| s == publisher,
        ),
        themes: choices(
            vocab::data_theme_codes().map(|c| (c.to_owned(), i18n::theme_label(c, lang).to_owned())),
            |c| themes_chosen.iter().any(|t| t == c),
        ),
        languages: choices(
            LANGUAGES
                .iter()
                .map(|(c, de, en)| ((*c).to_owned(), if english { *en } else { *de }.to_owned())),
            |c| langs_chosen.iter().any(|t| t == c),
        ),
        licenses,
        access: choices(
            ["PUBLIC", "RESTRICTED", "NON_PUBLIC"].map(|c| {
                (
                    format!("{}{c}", vocab::ACCESS_RIGHT),
                    i18n::access_right_label(c, lang).to_owned(),
                )
            }),
            |v| v == access || (access.is_empty() && v.ends_with("/PUBLIC")),
        ),
        frequencies,
        levels,
        availabilities: availability_choices(&get("availability"), english),
        distributions,
        public_href: doc
            .filter(|d| d.status != Some(DatasetStatus::Draft))
            .map(|d| format!("/dataset/{}", d.slug)),
        back: area.path(Place::Home),
        status_label: super::pages::status_label(status, english),
        table_base: doc.and_then(|d| d.id).map(|id| {
            let mut path = super::upload::table_path(area, id, Uuid::nil());
            path.truncate(path.len() - Uuid::nil().to_string().len());
            path
        }),
        harvested: doc.and_then(|d| d.harvest.as_ref()).map(|h| {
            if english {
                format!(
                    "This dataset is harvested from {}: change it at its source; saving here is refused.",
                    h.source_url
                )
            } else {
                format!(
                    "Dieser Datensatz wird von {} geerntet: Ändern Sie ihn an seiner Quelle; Speichern wird hier abgelehnt.",
                    h.source_url
                )
            }
        }),
        values,
    }
}

fn level_label(code: &str) -> (&'static str, &'static str) {
    match code {
        "international" => ("international", "international"),
        "european" => ("europäisch", "European"),
        "federal" => ("Bund", "federal"),
        "state" => ("Land", "state"),
        "administrativeDistrict" => ("Regierungsbezirk", "administrative district"),
        "municipality" => ("Gemeinde", "municipality"),
        _ => ("", ""),
    }
}

/// `/verwaltung/datensaetze/neu` · `/manage/datasets/new`.
pub fn new_path(area: Area) -> String {
    format!(
        "{}/{}/{}",
        area.root(),
        area.segment(Place::Datasets),
        match area {
            Area::De => "neu",
            Area::En => "new",
        }
    )
}

/// The address of dataset `id`'s form.
pub fn edit_path(area: Area, id: impl std::fmt::Display) -> String {
    format!(
        "{}/{}/{id}/{}",
        area.root(),
        area.segment(Place::Datasets),
        edit_segment(area)
    )
}

/// The last segment of a dataset's form.
pub fn edit_segment(area: Area) -> &'static str {
    match area {
        Area::De => "bearbeiten",
        Area::En => "edit",
    }
}

/// The dataset's values as the form holds them, themes and languages as codes joined by spaces.
fn with_choices(doc: &DatasetDocument) -> BTreeMap<&'static str, String> {
    let mut v = values_of(doc);
    v.insert(
        "themes",
        doc.themes
            .iter()
            .map(|t| code_of(t, vocab::DATA_THEME))
            .collect::<Vec<_>>()
            .join(" "),
    );
    v.insert(
        "languages",
        doc.languages
            .iter()
            .map(|t| code_of(t, vocab::LANGUAGE))
            .collect::<Vec<_>>()
            .join(" "),
    );
    v
}

fn distribution_forms(doc: &DatasetDocument, lang: Lang) -> Vec<DistributionForm> {
    let mut out: Vec<DistributionForm> = doc
        .distributions
        .iter()
        .filter(|d| d.status == Default::default())
        .enumerate()
        .map(|(n, d)| distribution_form(n, Some(d), distribution_values(d), lang))
        .collect();
    let n = out.len();
    out.push(blank_distribution(n, lang));
    out
}

fn blank_distribution(n: usize, lang: Lang) -> DistributionForm {
    let mut values = BTreeMap::new();
    values.insert("format", String::new());
    values.insert("kind", "link".to_owned());
    distribution_form(n, None, values, lang)
}

async fn context<'a>(
    catalog: &Catalog,
    session: &'a Session,
    lang: Lang,
) -> Result<FormContext<'a>, ApiError> {
    Ok(FormContext {
        session,
        lang,
        publishers: workspace::publishers(catalog.db())
            .await
            .map_err(|e| ApiError::Unexpected(e.into()))?,
    })
}

/// Query of the form.
#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    /// `saved` after saving.
    pub done: Option<String>,
}

/// `GET /verwaltung/datensaetze/neu`: the form for a new dataset (a draft), with the installation's
/// place and the publisher's contact point filled in.
pub async fn new_form(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = language(&req);
    let lang = negotiated.lang;
    let cx = context(&catalog, &session, lang).await?;
    let mut values = BTreeMap::new();
    let defaults = workspace::form_defaults(catalog.db(), session.actor.publisher_id)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    values.insert("spatial", defaults.spatial.clone().unwrap_or_default());
    values.insert(
        "geocoding_level",
        defaults.geocoding_level.clone().unwrap_or_default(),
    );
    values.insert("languages", "DEU".to_owned());
    values.insert(
        "publisher",
        session
            .publisher
            .as_ref()
            .map(|p| p.slug.clone())
            .unwrap_or_default(),
    );
    values.insert("access_rights", format!("{}PUBLIC", vocab::ACCESS_RIGHT));
    values.insert(
        "contact_point_email",
        defaults.email.clone().unwrap_or_default(),
    );
    let distributions = vec![blank_distribution(0, lang)];
    let page = edit_page(
        &req,
        &cx,
        None,
        values,
        distributions,
        None,
        Vec::new(),
        None,
    );
    render(StatusCode::OK, negotiated, started, &page)
}

/// The dataset `key` if the session may change it.
async fn own_document(
    catalog: &Catalog,
    session: &Session,
    key: &str,
) -> Result<Option<DatasetDocument>, ApiError> {
    let visibility = session.actor.visibility();
    match catalog.get_dataset(key, visibility).await {
        Ok(doc) => Ok(Some(doc).filter(|d| {
            visibility == Visibility::All
                || d.publisher.as_deref() == session.publisher.as_ref().map(|p| p.slug.as_str())
        })),
        Err(CatalogError::DatasetNotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `GET /verwaltung/datensaetze/{id}/bearbeiten`: the form with the dataset as it is.
pub async fn edit_form(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    id: web::Path<String>,
    query: web::Query<EditQuery>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = language(&req);
    let lang = negotiated.lang;
    let Some(doc) = own_document(&catalog, &session, &id).await? else {
        return not_found(&req, &session);
    };
    let cx = context(&catalog, &session, lang).await?;
    let mut page = edit_page(
        &req,
        &cx,
        Some(&doc),
        with_choices(&doc),
        distribution_forms(&doc, lang),
        doc.revision,
        Vec::new(),
        None,
    );
    if query.done.as_deref() == Some("saved") {
        page.notice = Some(
            if lang == Lang::En {
                "Saved."
            } else {
                "Gespeichert."
            }
            .to_owned(),
        );
    }
    render(StatusCode::OK, negotiated, started, &page)
}

/// `POST /verwaltung/datensaetze/neu`: creates the draft, or shows the preview.
pub async fn create(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    save(req, session, catalog, portal, None, Sent(form.into_inner())).await
}

/// `POST /verwaltung/datensaetze/{id}/bearbeiten`: saves the dataset, or shows the preview.
pub async fn update(
    req: HttpRequest,
    Signed(session): Signed,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    save(
        req,
        session,
        catalog,
        portal,
        Some(id),
        Sent(form.into_inner()),
    )
    .await
}

async fn save(
    req: HttpRequest,
    session: Session,
    catalog: web::Data<Catalog>,
    portal: web::Data<Portal>,
    key: Option<String>,
    sent: Sent,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if !form_allowed(&req, &portal.base, &session, sent.get("csrf")) {
        return forbidden(&req, &session);
    }
    let negotiated = language(&req);
    let lang = negotiated.lang;
    let english = lang == Lang::En;
    let area = Area::of(&req);
    let current = match &key {
        Some(key) => match own_document(&catalog, &session, key).await? {
            Some(doc) => Some(doc),
            None => return not_found(&req, &session),
        },
        None => None,
    };
    let (doc, map, mut errors) = document_from(&sent, current.as_ref(), &session, english);
    let revision: Option<i32> = sent.get("revision").parse().ok();
    // What the form shows again: exactly what was sent.
    let mut values: BTreeMap<&'static str, String> = values_of(&doc)
        .into_keys()
        .map(|k| (k, sent.get(k).to_owned()))
        .collect();
    values.insert("themes", sent.all("themes").join(" "));
    values.insert("languages", sent.all("languages").join(" "));
    if session.actor.role != Role::Admin {
        values.insert("publisher", doc.publisher.clone().unwrap_or_default());
    }
    let count: usize = sent.get("dist_count").parse().unwrap_or(0).min(500);
    let mut distributions: Vec<DistributionForm> = (0..count)
        .map(|n| {
            let id = Uuid::parse_str(sent.get(&format!("dist{n}_id"))).ok();
            let existing = current.as_ref().and_then(|c| {
                c.distributions
                    .iter()
                    .find(|d| d.id.is_some() && d.id == id)
            });
            let mut form = distribution_form(n, existing, sent_distribution_values(&sent, n), lang);
            form.remove = sent.has(&format!("dist{n}_remove"));
            form
        })
        .collect();
    if distributions.iter().all(|d| !d.is_new) {
        distributions.push(blank_distribution(count, lang));
    }
    let cx = context(&catalog, &session, lang).await?;
    let show = |errors: Vec<FieldError>, conflict: Option<String>, revision: Option<i32>| {
        edit_page(
            &req,
            &cx,
            current.as_ref(),
            values.clone(),
            Vec::new(),
            revision,
            errors,
            conflict,
        )
    };
    let finish = |mut page: EditPage, distributions: Vec<DistributionForm>| {
        page.distributions = distributions;
        page
    };
    if sent.get("intent") == "preview" {
        let snapshot = portal.index.snapshot().await?;
        let mut page = finish(show(errors, None, revision), distributions);
        page.preview = Some(preview(&doc, &snapshot, lang));
        return render(StatusCode::OK, negotiated, started, &page);
    }
    if !errors.is_empty() {
        let page = finish(show(errors, None, revision), distributions);
        return render(StatusCode::UNPROCESSABLE_ENTITY, negotiated, started, &page);
    }
    let result = match (&current, current.as_ref().and_then(|c| c.id)) {
        (Some(_), Some(id)) => {
            let precondition = Precondition::Tags(vec![etag(id, revision.unwrap_or(-1))]);
            catalog
                .replace_dataset(&session.actor, &id.to_string(), &precondition, &doc)
                .await
        }
        _ => catalog.create_dataset(&session.actor, &doc).await,
    };
    let problem = match result {
        Ok(saved) => {
            let id = saved.id.unwrap_or_default();
            return Ok(see_other(&format!("{}?done=saved", edit_path(area, id))));
        }
        Err(e) => e,
    };
    let (status, conflict, revision) = match problem {
        CatalogError::StaleRevision { .. } => {
            // Keep what the user typed; say who changed it and when; the next save overwrites.
            let id = current.as_ref().and_then(|c| c.id).unwrap_or_default();
            let latest = own_document(&catalog, &session, &id.to_string())
                .await?
                .and_then(|d| d.revision);
            let change = workspace::last_change(catalog.db(), id)
                .await
                .map_err(|e| ApiError::Unexpected(e.into()))?;
            (
                StatusCode::CONFLICT,
                Some(conflict_text(change.as_ref(), lang)),
                latest.or(revision),
            )
        }
        CatalogError::Invalid { field, message } => {
            errors.push(FieldError {
                lang: (!english).then_some("en"),
                id: form_id(&field, &map),
                message,
            });
            (StatusCode::UNPROCESSABLE_ENTITY, None, revision)
        }
        CatalogError::Incomplete(fields) => {
            for field in fields {
                errors.push(FieldError {
                    lang: None,
                    id: form_id(&field, &map),
                    message: if english {
                        format!("A published dataset needs this field (`{field}`).")
                    } else {
                        format!("Ein veröffentlichter Datensatz braucht dieses Feld (`{field}`).")
                    },
                });
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None, revision)
        }
        CatalogError::SlugTaken(slug) => {
            errors.push(FieldError {
                lang: None,
                id: "slug".to_owned(),
                message: if english {
                    format!("The address name `{slug}` is taken: choose another.")
                } else {
                    format!("Der Adressname `{slug}` ist vergeben: Wählen Sie einen anderen.")
                },
            });
            (StatusCode::UNPROCESSABLE_ENTITY, None, revision)
        }
        CatalogError::PublisherNotFound(slug) => {
            errors.push(FieldError {
                lang: None,
                id: "publisher".to_owned(),
                message: format!("`{slug}`?"),
            });
            (StatusCode::UNPROCESSABLE_ENTITY, None, revision)
        }
        CatalogError::Harvested { source_url, .. } => {
            errors.push(FieldError {
                lang: None,
                id: String::new(),
                message: if english {
                    format!("The dataset is harvested from {source_url}: change it at its source.")
                } else {
                    format!(
                        "Der Datensatz wird von {source_url} geerntet: Ändern Sie ihn an seiner Quelle."
                    )
                },
            });
            (StatusCode::CONFLICT, None, revision)
        }
        CatalogError::Forbidden(message) => {
            errors.push(FieldError {
                lang: (!english).then_some("en"),
                id: "publisher".to_owned(),
                message,
            });
            (StatusCode::FORBIDDEN, None, revision)
        }
        CatalogError::DatasetNotFound(_) => return not_found(&req, &session),
        other => return Err(other.into()),
    };
    let page = finish(show(errors, conflict, revision), distributions);
    render(status, negotiated, started, &page)
}

/// The input of a catalogue error's field, with the document's distribution index mapped back to
/// its fieldset.
fn form_id(field: &str, map: &[usize]) -> String {
    let id = input_id(field);
    if let Some(rest) = id.strip_prefix("dist") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(i) = digits.parse::<usize>() {
            let n = map.get(i).copied().unwrap_or(i);
            return format!("dist{n}{}", &rest[digits.len()..]);
        }
    }
    id
}

fn conflict_text(change: Option<&workspace::LastChange>, lang: Lang) -> String {
    let english = lang == Lang::En;
    let who = change.map(|c| {
        let by = c.token_label.clone().unwrap_or_else(|| {
            if english {
                "a token"
            } else {
                "einen Schlüssel"
            }
            .to_owned()
        });
        let via = match (c.channel.as_deref(), english) {
            (Some("workspace"), false) => "in der Verwaltung",
            (Some("workspace"), true) => "in the workspace",
            (Some("api"), false) => "über die API",
            (Some("api"), true) => "through the API",
            (Some("ckan"), false) => "über die CKAN-API",
            (Some("ckan"), true) => "through the CKAN API",
            (Some("harvest"), false) => "beim Harvesting",
            (Some("harvest"), true) => "by harvesting",
            (_, false) => "an der Kommandozeile",
            (_, true) => "at the command line",
        };
        let when = crate::web::date_text(&c.at, lang);
        let time = c.at.format("%H:%M");
        if english {
            format!(" on {when} at {time} by “{by}” {via}")
        } else {
            format!(" am {when} um {time} von „{by}“ {via}")
        }
    });
    let who = who.unwrap_or_default();
    if english {
        format!(
            "This dataset was changed meanwhile{who}. Your input is kept below and nothing was saved. Reload the form to see the current state (your input is then lost), or save again to overwrite the other change with your input."
        )
    } else {
        format!(
            "Dieser Datensatz wurde inzwischen geändert{who}. Ihre Eingaben stehen unten, gespeichert wurde nichts. Laden Sie das Formular neu, um den aktuellen Stand zu sehen (Ihre Eingaben gehen dann verloren), oder speichern Sie erneut, um die andere Änderung mit Ihren Eingaben zu überschreiben."
        )
    }
}

fn preview(
    doc: &DatasetDocument,
    snapshot: &crate::web::index::Snapshot,
    lang: Lang,
) -> PreviewView {
    let (title, _) = lang.pick(&doc.title.de, doc.title.en.as_deref());
    let (description, _) = lang.pick(&doc.description.de, doc.description.en.as_deref());
    let license_code = code_of(&doc.license, vocab::LICENSE);
    let license_href = crate::web::dataset::license_url(license_code)
        .map_or_else(|| doc.license.clone(), str::to_owned);
    PreviewView {
        title: title.to_owned(),
        description: crate::web::markdown::to_html(description),
        facts: crate::web::dataset::facts(doc, snapshot, lang, lang.texts(), &license_href),
        distributions: doc
            .distributions
            .iter()
            .filter(|d| d.status == Default::default())
            .map(|d| {
                (
                    lang.pick(&d.title.de, d.title.en.as_deref()).0.to_owned(),
                    i18n::format_label(code_of(&d.format, vocab::FILE_TYPE), lang).to_owned(),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_paths_name_the_inputs() {
        assert_eq!(input_id("title.de"), "title_de");
        assert_eq!(input_id("keywords.de[3]"), "keywords_de");
        assert_eq!(input_id("contact_point.email"), "contact_point_email");
        assert_eq!(input_id("distributions[2].title.de"), "dist2_title_de");
        assert_eq!(input_id("distributions[0].access_url"), "dist0_access_url");
        assert_eq!(form_id("distributions[1].format", &[0, 2]), "dist2_format");
        assert_eq!(form_id("license", &[]), "license");
    }

    #[test]
    fn dates_are_read_as_the_api_reads_them() {
        assert_eq!(
            dcat_date("2026-12-31").unwrap().map(|d| d.lexical()),
            Some("2026-12-31".to_owned())
        );
        assert!(dcat_date("31.12.2026").is_err());
        assert_eq!(dcat_date("  ").unwrap(), None);
    }

    #[test]
    fn text_is_kept_as_typed_but_for_line_ends() {
        assert_eq!(opt_text("a\r\nb  ").as_deref(), Some("a\nb  "));
        assert_eq!(opt_text(" \n"), None);
        assert_eq!(lines("a\n\n b \r\nc"), ["a", "b", "c"]);
    }
}
