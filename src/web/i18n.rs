//! The portal's two languages: which one a request gets (`?lang=`, then the `odcat_lang` cookie, then
//! `Accept-Language`, then German) and every word the pages print, as one [`Texts`] per language so
//! that a missing translation is a compile error.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The name of the cookie that remembers a language chosen with the switch.
pub const COOKIE: &str = "odcat_lang";

/// A portal language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// German, the default.
    De,
    /// English.
    En,
}

impl Lang {
    /// `de` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
        }
    }

    /// Parses `de` or `en` (any case).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "de" => Some(Self::De),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Self {
        match self {
            Self::De => Self::En,
            Self::En => Self::De,
        }
    }

    /// The words of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::De => &DE,
            Self::En => &EN,
        }
    }

    /// Picks the text of this language from a German text and an optional English one; the second
    /// value is the language the text is really in (German when no English text exists).
    pub fn pick<'a>(self, de: &'a str, en: Option<&'a str>) -> (&'a str, Lang) {
        match (self, en.filter(|e| !e.trim().is_empty())) {
            (Self::En, Some(en)) => (en, Self::En),
            _ => (de, Self::De),
        }
    }
}

/// How the language of a request was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// The language.
    pub lang: Lang,
    /// Whether `?lang=` chose it (the answer then sets the cookie).
    pub from_parameter: bool,
}

/// The language for `req`: `?lang=` first, then the cookie, then `Accept-Language`, then German.
pub fn negotiate(req: &HttpRequest) -> Negotiated {
    let parameter = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    if let Some(lang) = parameter {
        return Negotiated {
            lang,
            from_parameter: true,
        };
    }
    let cookie = req.cookie(COOKIE).and_then(|c| Lang::parse(c.value()));
    let accepted = || {
        let header = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())?;
        accept_language::intersection_ordered(header, &["de", "en"])
            .first()
            .and_then(|l| Lang::parse(l))
    };
    Negotiated {
        lang: cookie.or_else(accepted).unwrap_or(Lang::De),
        from_parameter: false,
    }
}

/// Every fixed word of the portal in one language.
#[allow(missing_docs)] // each field is one phrase, named by where it is used
pub struct Texts {
    pub site_name: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub nav_home: &'static str,
    pub nav_datasets: &'static str,
    pub nav_sparql: &'static str,
    pub nav_api: &'static str,
    pub switch_to: &'static str,
    pub switch_label: &'static str,
    pub footer_imprint: &'static str,
    pub footer_accessibility: &'static str,
    /// Footer link and heading of `/qualitaet`.
    pub quality_heading: &'static str,
    pub footer_feed: &'static str,
    pub footer_catalogue: &'static str,
    pub footer_powered: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub home_intro_heading: &'static str,
    pub home_themes: &'static str,
    pub home_newest: &'static str,
    pub home_publishers: &'static str,
    pub home_all_datasets: &'static str,
    pub datasets_heading: &'static str,
    pub results_for: &'static str,
    pub results_one: &'static str,
    pub results_many: &'static str,
    pub results_none: &'static str,
    /// Before a corrected query on zero hits.
    pub did_you_mean: &'static str,
    pub filters: &'static str,
    pub facet_theme: &'static str,
    pub facet_publisher: &'static str,
    pub facet_format: &'static str,
    pub facet_license: &'static str,
    /// The keyword facet's heading.
    pub facet_keyword: &'static str,
    pub remove_filter: &'static str,
    pub clear_filters: &'static str,
    pub sort_label: &'static str,
    pub sort_relevance: &'static str,
    pub sort_modified: &'static str,
    pub sort_title: &'static str,
    pub sort_apply: &'static str,
    pub pagination: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    pub updated: &'static str,
    pub datasets_word: &'static str,
    pub dataset_one: &'static str,
    pub about_dataset: &'static str,
    pub publisher: &'static str,
    pub license: &'static str,
    pub license_attribution: &'static str,
    /// Term of the metadata quality score.
    pub quality: &'static str,
    /// "of" between a score and its maximum, and the word after it.
    pub quality_points: &'static str,
    /// Summary of the list of what would gain a dataset points.
    pub quality_fixes: &'static str,
    pub themes: &'static str,
    pub keywords: &'static str,
    pub issued: &'static str,
    pub modified: &'static str,
    pub frequency: &'static str,
    pub temporal: &'static str,
    pub spatial: &'static str,
    pub version: &'static str,
    pub landing_page: &'static str,
    pub contact: &'static str,
    pub access_rights: &'static str,
    pub distributions: &'static str,
    pub download: &'static str,
    pub open_link: &'static str,
    pub rows: &'static str,
    pub columns: &'static str,
    pub size: &'static str,
    pub preview: &'static str,
    pub preview_caption: &'static str,
    pub column_type: &'static str,
    pub chart: &'static str,
    pub chart_rows_per: &'static str,
    pub chart_sum_of: &'static str,
    pub chart_per: &'static str,
    pub chart_data: &'static str,
    pub count: &'static str,
    pub value: &'static str,
    pub machine_readable: &'static str,
    pub machine_intro: &'static str,
    pub query_sparql: &'static str,
    pub table_descriptions: &'static str,
    pub withdrawn: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub gone_title: &'static str,
    pub gone_text: &'static str,
    pub publisher_datasets: &'static str,
    pub homepage: &'static str,
    pub email: &'static str,
    pub sparql_heading: &'static str,
    pub sparql_intro: &'static str,
    pub sparql_query_label: &'static str,
    pub sparql_format_label: &'static str,
    pub sparql_format_html: &'static str,
    pub sparql_run: &'static str,
    pub sparql_examples: &'static str,
    pub sparql_run_example: &'static str,
    pub sparql_results: &'static str,
    pub sparql_results_count: &'static str,
    pub sparql_results_truncated: &'static str,
    pub sparql_boolean_true: &'static str,
    pub sparql_boolean_false: &'static str,
    pub sparql_error: &'static str,
    pub sparql_limits: &'static str,
    pub api_heading: &'static str,
    pub type_text: &'static str,
    pub type_integer: &'static str,
    pub type_decimal: &'static str,
    pub type_boolean: &'static str,
    pub type_date: &'static str,
    pub type_datetime: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub empty_cell: &'static str,
    pub hosted_table: &'static str,
    pub external_link: &'static str,
    pub bad_request_title: &'static str,
    pub bad_request_text: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_text: &'static str,
    pub server_error_title: &'static str,
    pub server_error_text: &'static str,
    pub refused_title: &'static str,
    pub refused_text: &'static str,
    pub withdrawn_on: &'static str,
    pub error_status: &'static str,
    pub error_home: &'static str,
    pub active_filters: &'static str,
    pub to_filters: &'static str,
    pub chart_in: &'static str,
}

/// German.
pub static DE: Texts = Texts {
    site_name: "Offene Daten",
    skip_to_content: "Zum Inhalt springen",
    main_navigation: "Hauptnavigation",
    nav_home: "Start",
    nav_datasets: "Datensätze",
    nav_sparql: "SPARQL",
    nav_api: "API",
    switch_to: "English",
    switch_label: "Switch to English",
    footer_imprint: "Impressum",
    footer_accessibility: "Barrierefreiheit",
    quality_heading: "Metadatenqualität",
    footer_feed: "Neue Datensätze (Atom-Feed)",
    footer_catalogue: "Katalog (DCAT-AP)",
    footer_powered: "Betrieben mit odcat",
    search_label: "Datensätze durchsuchen",
    search_placeholder: "z. B. Bestandsadressen",
    search_button: "Suchen",
    home_intro_heading: "Offene Daten finden, ansehen und herunterladen",
    home_themes: "Themen",
    home_newest: "Neueste Datensätze",
    home_publishers: "Datenbereitsteller",
    home_all_datasets: "Alle Datensätze",
    datasets_heading: "Datensätze",
    results_for: "für",
    results_one: "Datensatz",
    results_many: "Datensätze",
    did_you_mean: "Meinten Sie",
    results_none: "Keine Datensätze gefunden. Versuchen Sie andere Suchbegriffe oder entfernen Sie Filter.",
    filters: "Filter",
    facet_theme: "Thema",
    facet_publisher: "Bereitsteller",
    facet_format: "Format",
    facet_license: "Lizenz",
    facet_keyword: "Schlagwort",
    remove_filter: "Filter entfernen",
    clear_filters: "Alle Filter entfernen",
    sort_label: "Sortierung",
    sort_relevance: "Relevanz",
    sort_modified: "Zuletzt geändert",
    sort_title: "Titel (A–Z)",
    sort_apply: "Sortieren",
    pagination: "Seiten",
    previous: "Vorherige Seite",
    next: "Nächste Seite",
    page: "Seite",
    of: "von",
    updated: "Aktualisiert",
    datasets_word: "Datensätze",
    dataset_one: "Datensatz",
    about_dataset: "Über diesen Datensatz",
    publisher: "Bereitsteller",
    license: "Lizenz",
    license_attribution: "Namensnennung",
    quality: "Metadatenqualität (MQA von data.europa.eu)",
    quality_points: "von 405 Punkten",
    quality_fixes: "Was die Bewertung der Metadaten verbessern würde",
    themes: "Themen",
    keywords: "Schlagwörter",
    issued: "Veröffentlicht",
    modified: "Zuletzt geändert",
    frequency: "Aktualisierung",
    temporal: "Zeitraum",
    spatial: "Raumbezug",
    version: "Version",
    landing_page: "Weitere Informationen",
    contact: "Kontakt",
    access_rights: "Zugang",
    distributions: "Daten und Downloads",
    download: "Herunterladen",
    open_link: "Öffnen",
    rows: "Zeilen",
    columns: "Spalten",
    size: "Größe",
    preview: "Vorschau",
    preview_caption: "Vorschau auf",
    column_type: "Typ",
    chart: "Diagramm",
    chart_rows_per: "Anzahl der Zeilen je",
    chart_sum_of: "Summe von",
    chart_per: "je",
    chart_data: "Daten des Diagramms als Tabelle",
    count: "Anzahl",
    value: "Wert",
    machine_readable: "Maschinenlesbar",
    machine_intro: "Die Metadaten dieses Datensatzes nach DCAT-AP.de:",
    query_sparql: "Mit SPARQL abfragen",
    table_descriptions: "Tabellenbeschreibungen",
    withdrawn: "zurückgezogen",
    not_found_title: "Seite nicht gefunden",
    not_found_text: "Diese Seite gibt es nicht (mehr). Suchen Sie im Katalog nach dem Datensatz.",
    gone_title: "Datensatz zurückgezogen",
    gone_text: "Dieser Datensatz wurde zurückgezogen und wird nicht mehr veröffentlicht.",
    publisher_datasets: "Datensätze dieses Bereitstellers",
    homepage: "Webseite",
    email: "E-Mail",
    sparql_heading: "SPARQL-Abfrage",
    sparql_intro: "Fragen Sie Metadaten und Tabellenzeilen gemeinsam mit SPARQL 1.1 ab. Der Standardgraph ist die Vereinigung aller Graphen. Der Endpunkt ist nur lesend.",
    sparql_query_label: "Abfrage",
    sparql_format_label: "Ergebnisformat",
    sparql_format_html: "Tabelle auf dieser Seite",
    sparql_run: "Abfrage ausführen",
    sparql_examples: "Beispiele",
    sparql_run_example: "Ausführen",
    sparql_results: "Ergebnis",
    sparql_results_count: "Zeilen",
    sparql_results_truncated: "Die Seite zeigt nur die ersten Zeilen; laden Sie das ganze Ergebnis als CSV oder JSON.",
    sparql_boolean_true: "Ja (die Abfrage hat eine Lösung)",
    sparql_boolean_false: "Nein (die Abfrage hat keine Lösung)",
    sparql_error: "Die Abfrage konnte nicht ausgeführt werden",
    sparql_limits: "Zeitlimit und Zeilengrenze",
    api_heading: "Programmierschnittstellen",
    type_text: "Text",
    type_integer: "Ganzzahl",
    type_decimal: "Dezimalzahl",
    type_boolean: "Ja/Nein",
    type_date: "Datum",
    type_datetime: "Zeitpunkt",
    yes: "ja",
    no: "nein",
    empty_cell: "leer",
    hosted_table: "Tabelle",
    external_link: "Externer Link",
    bad_request_title: "Ungültige Anfrage",
    bad_request_text: "Die Adresse enthält eine Angabe, die diese Seite nicht versteht.",
    unavailable_title: "Vorübergehend nicht verfügbar",
    unavailable_text: "Der Dienst ist gerade ausgelastet oder wird gewartet. Bitte versuchen Sie es in einigen Sekunden erneut.",
    server_error_title: "Interner Fehler",
    server_error_text: "Die Seite konnte wegen eines internen Fehlers nicht erstellt werden. Bitte versuchen Sie es später erneut.",
    refused_title: "Anfrage nicht möglich",
    refused_text: "Diese Anfrage kann die Seite nicht beantworten.",
    withdrawn_on: "Zurückgezogen am",
    error_status: "Fehlercode",
    error_home: "Zur Startseite",
    active_filters: "Aktive Filter",
    to_filters: "Filter",
    chart_in: "in",
};

/// English.
pub static EN: Texts = Texts {
    site_name: "Open Data",
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    nav_home: "Home",
    nav_datasets: "Datasets",
    nav_sparql: "SPARQL",
    nav_api: "API",
    switch_to: "Deutsch",
    switch_label: "Auf Deutsch wechseln",
    footer_imprint: "Imprint",
    footer_accessibility: "Accessibility",
    quality_heading: "Metadata quality",
    footer_feed: "New datasets (Atom feed)",
    footer_catalogue: "Catalogue (DCAT-AP)",
    footer_powered: "Powered by odcat",
    search_label: "Search datasets",
    search_placeholder: "e.g. addresses",
    search_button: "Search",
    home_intro_heading: "Find, preview and download open data",
    home_themes: "Themes",
    home_newest: "Newest datasets",
    home_publishers: "Publishers",
    home_all_datasets: "All datasets",
    datasets_heading: "Datasets",
    results_for: "for",
    results_one: "dataset",
    results_many: "datasets",
    did_you_mean: "Did you mean",
    results_none: "No datasets found. Try other words or remove filters.",
    filters: "Filters",
    facet_theme: "Theme",
    facet_publisher: "Publisher",
    facet_format: "Format",
    facet_license: "Licence",
    facet_keyword: "Keyword",
    remove_filter: "Remove filter",
    clear_filters: "Remove all filters",
    sort_label: "Sort by",
    sort_relevance: "Relevance",
    sort_modified: "Last modified",
    sort_title: "Title (A–Z)",
    sort_apply: "Sort",
    pagination: "Pages",
    previous: "Previous page",
    next: "Next page",
    page: "Page",
    of: "of",
    updated: "Updated",
    datasets_word: "datasets",
    dataset_one: "dataset",
    about_dataset: "About this dataset",
    publisher: "Publisher",
    license: "Licence",
    license_attribution: "Attribution",
    quality: "Metadata quality (data.europa.eu MQA)",
    quality_points: "of 405 points",
    quality_fixes: "What would improve the metadata rating",
    themes: "Themes",
    keywords: "Keywords",
    issued: "Published",
    modified: "Last modified",
    frequency: "Update frequency",
    temporal: "Time period",
    spatial: "Area",
    version: "Version",
    landing_page: "More information",
    contact: "Contact",
    access_rights: "Access",
    distributions: "Data and downloads",
    download: "Download",
    open_link: "Open",
    rows: "rows",
    columns: "columns",
    size: "Size",
    preview: "Preview",
    preview_caption: "Preview of",
    column_type: "type",
    chart: "Chart",
    chart_rows_per: "Number of rows per",
    chart_sum_of: "Sum of",
    chart_per: "per",
    chart_data: "The chart's data as a table",
    count: "Count",
    value: "Value",
    machine_readable: "Machine-readable",
    machine_intro: "This dataset's metadata in DCAT-AP.de:",
    query_sparql: "Query with SPARQL",
    table_descriptions: "Table descriptions",
    withdrawn: "withdrawn",
    not_found_title: "Page not found",
    not_found_text: "This page does not exist (any more). Search the catalogue for the dataset.",
    gone_title: "Dataset withdrawn",
    gone_text: "This dataset was withdrawn and is no longer published.",
    publisher_datasets: "Datasets of this publisher",
    homepage: "Website",
    email: "E-mail",
    sparql_heading: "SPARQL query",
    sparql_intro: "Query metadata and table rows together with SPARQL 1.1. The default graph is the union of all graphs. The endpoint is read-only.",
    sparql_query_label: "Query",
    sparql_format_label: "Result format",
    sparql_format_html: "Table on this page",
    sparql_run: "Run query",
    sparql_examples: "Examples",
    sparql_run_example: "Run",
    sparql_results: "Result",
    sparql_results_count: "rows",
    sparql_results_truncated: "This page shows only the first rows; download the whole result as CSV or JSON.",
    sparql_boolean_true: "Yes (the query has a solution)",
    sparql_boolean_false: "No (the query has no solution)",
    sparql_error: "The query could not be run",
    sparql_limits: "Time limit and row cap",
    api_heading: "Programming interfaces",
    type_text: "text",
    type_integer: "integer",
    type_decimal: "decimal",
    type_boolean: "yes/no",
    type_date: "date",
    type_datetime: "date and time",
    yes: "yes",
    no: "no",
    empty_cell: "empty",
    hosted_table: "Table",
    external_link: "External link",
    bad_request_title: "Bad request",
    bad_request_text: "The address contains a value this page does not understand.",
    unavailable_title: "Temporarily unavailable",
    unavailable_text: "The service is busy or under maintenance. Please try again in a few seconds.",
    server_error_title: "Internal error",
    server_error_text: "The page could not be built because of an internal error. Please try again later.",
    refused_title: "Request not possible",
    refused_text: "This page cannot answer this request.",
    withdrawn_on: "Withdrawn on",
    error_status: "Error code",
    error_home: "Go to the home page",
    active_filters: "Active filters",
    to_filters: "Filters",
    chart_in: "in",
};

/// The label of an EU data theme (by its code, e.g. `GOVE`) in `lang`.
pub fn theme_label(code: &str, lang: Lang) -> &str {
    let (de, en) = crate::catalog::vocab::theme_labels(code);
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// The label of an EU frequency (by its code, e.g. `MONTHLY`) in `lang`; the code when unknown.
pub fn frequency_label(code: &str, lang: Lang) -> &str {
    let (de, en) = match code {
        "CONT" | "UPDATE_CONT" => ("laufend", "continuously"),
        "1MIN" => ("jede Minute", "every minute"),
        "5MIN" => ("alle 5 Minuten", "every five minutes"),
        "10MIN" => ("alle 10 Minuten", "every ten minutes"),
        "15MIN" => ("alle 15 Minuten", "every fifteen minutes"),
        "30MIN" => ("alle 30 Minuten", "every thirty minutes"),
        "HOURLY" => ("stündlich", "hourly"),
        "BIHOURLY" => ("alle zwei Stunden", "every two hours"),
        "TRIHOURLY" => ("alle drei Stunden", "every three hours"),
        "12HRS" => ("alle zwölf Stunden", "every twelve hours"),
        "DAILY" => ("täglich", "daily"),
        "DAILY_2" => ("zweimal täglich", "twice a day"),
        "WEEKLY" => ("wöchentlich", "weekly"),
        "BIWEEKLY" => ("alle zwei Wochen", "every two weeks"),
        "WEEKLY_2" => ("zweimal wöchentlich", "twice a week"),
        "WEEKLY_3" => ("dreimal wöchentlich", "three times a week"),
        "WEEKLY_5" => ("fünfmal wöchentlich", "five times a week"),
        "MONTHLY" => ("monatlich", "monthly"),
        "BIMONTHLY" => ("alle zwei Monate", "every two months"),
        "MONTHLY_2" => ("zweimal monatlich", "twice a month"),
        "MONTHLY_3" => ("dreimal monatlich", "three times a month"),
        "QUARTERLY" => ("vierteljährlich", "quarterly"),
        "ANNUAL" => ("jährlich", "annually"),
        "ANNUAL_2" => ("halbjährlich", "twice a year"),
        "ANNUAL_3" => ("dreimal jährlich", "three times a year"),
        "BIENNIAL" => ("alle zwei Jahre", "every two years"),
        "TRIENNIAL" => ("alle drei Jahre", "every three years"),
        "QUADRENNIAL" => ("alle vier Jahre", "every four years"),
        "QUINQUENNIAL" => ("alle fünf Jahre", "every five years"),
        "SEXENNIAL" => ("alle sechs Jahre", "every six years"),
        "DECENNIAL" => ("alle zehn Jahre", "every ten years"),
        "BIDECENNIAL" => ("alle zwanzig Jahre", "every twenty years"),
        "TRIDECENNIAL" => ("alle dreißig Jahre", "every thirty years"),
        "IRREG" => ("unregelmäßig", "irregularly"),
        "AS_NEEDED" => ("bei Bedarf", "as needed"),
        "NEVER" => ("nie", "never"),
        "NOT_PLANNED" => ("nicht geplant", "not planned"),
        "UNKNOWN" => ("unbekannt", "unknown"),
        "OTHER" => ("andere", "other"),
        other => (other, other),
    };
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// The label of an EU file type (by its code, e.g. `WMS_SRVC`) in `lang`: what a person calls it,
/// with the abbreviation they may know; the code itself when it has no better name. (The EU
/// file-type table odcat checks against carries no labels, so the common types are named here.)
pub fn format_label(code: &str, lang: Lang) -> &str {
    let (de, en) = match code {
        "WMS_SRVC" => ("Kartendienst (WMS)", "Map service (WMS)"),
        "WMTS_SRVC" => ("Kachel-Kartendienst (WMTS)", "Tiled map service (WMTS)"),
        "WFS_SRVC" => (
            "Geodaten-Downloaddienst (WFS)",
            "Feature download service (WFS)",
        ),
        "WCS_SRVC" => ("Rasterdatendienst (WCS)", "Coverage service (WCS)"),
        "HTML" => ("Webseite (HTML)", "Web page (HTML)"),
        "ATOM" => ("Atom-Feed", "Atom feed"),
        "RSS" => ("RSS-Feed", "RSS feed"),
        "SHP" => ("Shapefile (SHP)", "Shapefile (SHP)"),
        "GEOJSON" => ("GeoJSON", "GeoJSON"),
        "GPKG" => ("GeoPackage", "GeoPackage"),
        "ZIP" => ("ZIP-Archiv", "ZIP archive"),
        "XLSX" => ("Excel-Tabelle (XLSX)", "Excel spreadsheet (XLSX)"),
        "XLS" => ("Excel-Tabelle (XLS)", "Excel spreadsheet (XLS)"),
        "ODS" => (
            "OpenDocument-Tabelle (ODS)",
            "OpenDocument spreadsheet (ODS)",
        ),
        "DOCX" => ("Word-Dokument (DOCX)", "Word document (DOCX)"),
        "ODT" => ("OpenDocument-Text (ODT)", "OpenDocument text (ODT)"),
        "TXT" => ("Text (TXT)", "Text (TXT)"),
        "PDF" => ("PDF-Dokument", "PDF document"),
        "RDF_XML" => ("RDF/XML", "RDF/XML"),
        "RDF_TURTLE" => ("Turtle (RDF)", "Turtle (RDF)"),
        "JSON_LD" => ("JSON-LD", "JSON-LD"),
        "SPARQLQ" => ("SPARQL-Abfrage", "SPARQL query"),
        "TIFF" => ("TIFF-Bild", "TIFF image"),
        "GEOTIFF" => ("GeoTIFF", "GeoTIFF"),
        "JPEG" => ("JPEG-Bild", "JPEG image"),
        "PNG" => ("PNG-Bild", "PNG image"),
        "TAR_GZ" => ("TAR.GZ-Archiv", "TAR.GZ archive"),
        "GZIP" => ("GZIP-Archiv", "GZIP archive"),
        "REST" => ("REST-Schnittstelle", "REST interface"),
        "OAPI_FEATURES" | "OGC_API_FEATURES" => ("OGC API Features", "OGC API Features"),
        other => (other, other),
    };
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// The label of an EU access right (by its code) in `lang`.
pub fn access_right_label(code: &str, lang: Lang) -> &str {
    let (de, en) = match code {
        "PUBLIC" => ("öffentlich", "public"),
        "NON_PUBLIC" => ("nicht öffentlich", "non-public"),
        "RESTRICTED" => ("eingeschränkt", "restricted"),
        "CONFIDENTIAL" => ("vertraulich", "confidential"),
        "SENSITIVE" => ("schutzbedürftig", "sensitive"),
        "NORMAL" => ("normal", "normal"),
        other => (other, other),
    };
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn lang_of(req: TestRequest) -> Negotiated {
        negotiate(&req.to_http_request())
    }

    #[test]
    fn parameter_beats_cookie_beats_accept_language_beats_german() {
        assert_eq!(lang_of(TestRequest::default()).lang, Lang::De);
        let english = TestRequest::default().insert_header(("Accept-Language", "en-GB,en;q=0.9"));
        assert_eq!(lang_of(english).lang, Lang::En);
        let french_then_german =
            TestRequest::default().insert_header(("Accept-Language", "fr, de;q=0.5, en;q=0.3"));
        assert_eq!(lang_of(french_then_german).lang, Lang::De);
        let only_french = TestRequest::default().insert_header(("Accept-Language", "fr"));
        assert_eq!(lang_of(only_french).lang, Lang::De);
        let cookie = TestRequest::default()
            .insert_header(("Accept-Language", "de"))
            .cookie(actix_web::cookie::Cookie::new(COOKIE, "en"));
        assert_eq!(lang_of(cookie).lang, Lang::En);
        let parameter = TestRequest::with_uri("/?q=x&lang=de")
            .cookie(actix_web::cookie::Cookie::new(COOKIE, "en"));
        assert_eq!(
            lang_of(parameter),
            Negotiated {
                lang: Lang::De,
                from_parameter: true
            }
        );
        let bad = TestRequest::with_uri("/?lang=xx").insert_header(("Accept-Language", "en"));
        assert_eq!(lang_of(bad).lang, Lang::En);
    }

    #[test]
    fn formats_have_human_labels() {
        assert_eq!(format_label("WMS_SRVC", Lang::De), "Kartendienst (WMS)");
        assert_eq!(format_label("WMS_SRVC", Lang::En), "Map service (WMS)");
        assert_eq!(format_label("CSV", Lang::De), "CSV");
        assert_eq!(format_label("X_UNKNOWN", Lang::De), "X_UNKNOWN");
    }

    #[test]
    fn english_falls_back_to_german_text() {
        assert_eq!(Lang::En.pick("Titel", Some("Title")), ("Title", Lang::En));
        assert_eq!(Lang::En.pick("Titel", None), ("Titel", Lang::De));
        assert_eq!(Lang::En.pick("Titel", Some(" ")), ("Titel", Lang::De));
        assert_eq!(Lang::De.pick("Titel", Some("Title")), ("Titel", Lang::De));
    }
}
