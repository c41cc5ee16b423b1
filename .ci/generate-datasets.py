#!/usr/bin/env python3
"""Creates N varied datasets through odcat's JSON API, for the SHACL step of .ci/validate-catalog.

    .ci/generate-datasets.py BASE_URL TOKEN [N] [LICENCES_TSV]

Every dataset is valid input; together they cover every GovData licence, Unicode (umlauts, CJK, Arabic,
emoji, combining marks, zero-width characters), Markdown, characters that need escaping in Turtle,
RDF/XML and JSON-LD (<>&"'\\, tabs, CR/LF line breaks), percent-encoded URLs, plain dates and dates
with offsets, every planned availability, spatial IRIs of three kinds, SPDX checksum algorithms,
contact points with e-mail, URL or telephone, and drafts and withdrawn datasets that must not appear as
published datasets.
Standard library only; exits non-zero on the first refusal.
"""
import json
import sys
import urllib.error
import urllib.request

EU = "http://publications.europa.eu/resource/authority/"
THEMES = "AGRI ECON EDUC ENER ENVI GOVE HEAL INTR JUST REGI SOCI TECH TRAN".split()
FREQUENCIES = "DAILY WEEKLY MONTHLY QUARTERLY ANNUAL IRREG NEVER CONT UNKNOWN".split()
LANGUAGES = "DEU ENG FRA TUR ARA ZHO POL".split()
ACCESS = "PUBLIC RESTRICTED NON_PUBLIC".split()
AVAILABILITY = [None, "AVAILABLE", "EXPERIMENTAL", "STABLE", "TEMPORARY"]
FORMATS = [
    ("CSV", "text/csv"),
    ("JSON", "application/json"),
    ("GEOJSON", "application/geo+json"),
    ("PDF", "application/pdf"),
    ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ZIP", "application/zip"),
    ("HTML", "text/html"),
    ("XML", "application/xml"),
    ("WMS_SRVC", None),
    ("RDF_TURTLE", "text/turtle"),
]
SPATIAL = [
    "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
    "http://dcat-ap.de/def/politicalGeocoding/regionalKey/051240000000",
    "http://dcat-ap.de/def/politicalGeocoding/stateKey/05",
    "https://sws.geonames.org/2805753/",
    EU + "country/DEU",
    EU + "place/DEU_WUP",
    None,
]
CHECKSUMS = [
    ("sha256", 64), ("SHA-512", 128), ("sha1", 40), ("md5", 32), ("sha3-256", 64),
    ("BLAKE2b-256", 64), ("sha384", 96), ("adler32", 8),
]
TITLES = [
    "Straßenbäume in Wuppertal-Elberfeld",
    "Öffentliche WLAN-Hotspots „Wupper-Netz“",
    "Haushalt 2025 – Aufwand & Ertrag <Teilplan 1>",
    'Bebauungspläne "rechtskräftig" (Stand: 01/2026)',
    "Luftqualität: NO₂ und PM₂.₅ in µg/m³",
    "Ausländerbehörde · مكتب الأجانب · Yabancılar Dairesi",
    "Partnerstädte 姉妹都市 und 友好城市",
    "Schwebebahn-Haltestellen 🚝 mit Barrierefreiheit",
    "Kitas\tmit Tab und Backslash \\ im Namen",
    "Ampeln an Kreuzungen — Signalzeiten ]]> & 'Schaltpläne'",
    "Café-Verzeichnis (e\u0301 kombiniert, Zero\u200bWidth)",
    "Wahlergebnisse der Bezirksvertretungen 2020/2025",
]
DESCRIPTIONS = [
    "# Überblick\n\nDie Daten enthalten **alle** Einträge.\n\n* erster Punkt\n* zweiter Punkt mit [Link](https://www.wuppertal.de/?a=1&b=2)\n",
    "Zeile eins\r\nZeile zwei\r\nZeile drei mit Tabulator\tund Ende.",
    "Formel: a < b && c > d; Preis 5 € \"netto\" 'brutto' \\ Pfad C:\\Daten\\",
    "| Spalte | Bedeutung |\n|---|---|\n| `id` | Kennung |\n\n> Zitat mit _Betonung_\n\n```sql\nSELECT * FROM t WHERE x <> 'y';\n```",
    "Mehrsprachig: Deutsch, English, Türkçe, العربية, 中文, Polski — ✓ ✗ ☂",
    "Kurz.",
]


def post(base, token, doc):
    req = urllib.request.Request(
        base + "/api/v1/datasets",
        data=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as err:
        sys.exit(f"generate-datasets: {doc['slug']}: {err.code} {err.read().decode('utf-8', 'replace')}")


def withdraw(base, token, slug):
    """Withdraws a published dataset (DELETE with the current ETag)."""
    with urllib.request.urlopen(base + "/api/v1/datasets/" + slug) as resp:
        etag = resp.headers["ETag"]
    req = urllib.request.Request(
        base + "/api/v1/datasets/" + slug,
        headers={"Authorization": "Bearer " + token, "If-Match": etag},
        method="DELETE",
    )
    try:
        urllib.request.urlopen(req).close()
    except urllib.error.HTTPError as err:
        sys.exit(f"generate-datasets: withdraw {slug}: {err.code} {err.read().decode('utf-8', 'replace')}")


def dataset(i, licences, publishers):
    licence = licences[i % len(licences)]
    fmt, media = FORMATS[i % len(FORMATS)]
    title = f"{TITLES[i % len(TITLES)]} #{i}"
    status = "published"
    if i % 37 == 5:
        status = "draft"
    doc = {
        "slug": f"generiert-{i:04d}",
        "publisher": publishers[i % len(publishers)],
        "status": status,
        "title": {"de": title},
        "description": {"de": DESCRIPTIONS[i % len(DESCRIPTIONS)]},
        "keywords": {"de": [f"Stichwort {i % 7}", "Wuppertal", "Sonder<&>zeichen"][: 1 + i % 3]},
        "themes": [EU + "data-theme/" + THEMES[i % len(THEMES)]],
        "languages": [EU + "language/" + LANGUAGES[j % len(LANGUAGES)] for j in range(i, i + 1 + i % 2)],
        "license": "http://dcat-ap.de/def/licenses/" + licence,
        "license_attribution": f"Stadt Wuppertal – Ressort {i % 9} „Daten“",
        "access_rights": EU + "access-right/" + ACCESS[i % len(ACCESS)],
        "accrual_periodicity": EU + "frequency/" + FREQUENCIES[i % len(FREQUENCIES)],
        "geocoding_level": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
        "distributions": [],
    }
    if i % 2:
        doc["title"]["en"] = f"Generated dataset {i} — “quoted” & <tagged>"
        doc["description"]["en"] = "English description with *Markdown* and a line\nbreak."
    spatial = SPATIAL[i % len(SPATIAL)]
    if spatial:
        doc["spatial"] = spatial
    availability = AVAILABILITY[i % len(AVAILABILITY)]
    if availability:
        doc["availability"] = EU + "planned-availability/" + availability
    if i % 3 == 0:
        doc["issued"] = f"20{10 + i % 16}-0{1 + i % 9}-1{i % 10}"
    elif i % 3 == 1:
        doc["issued"] = f"2024-0{1 + i % 9}-15T{i % 24:02d}:30:00+02:00"
    if i % 4 == 0:
        doc["modified"] = "2025-12-31"
    elif i % 4 == 1:
        doc["modified"] = "2026-01-15T08:00:00-05:00"
    if i % 5 == 0:
        doc["temporal"] = {"start": "2020-01-01", "end": "2024-12-31"}
    elif i % 5 == 1:
        doc["temporal"] = {"start": "2021-06-01"}
    if i % 6 != 3:
        contact = {"name": f"Team Offene Daten {i % 4} (Amt 402)"}
        if i % 3 == 0:
            contact["email"] = f"open.data+{i}@stadt.wuppertal.de"
        if i % 3 == 1:
            contact["url"] = "https://www.wuppertal.de/kontakt?amt=402&lang=de"
        if i % 3 == 2:
            contact["telephone"] = "+49 202 563-0" if i % 2 else "0202 / 563 12 34"
        doc["contact_point"] = contact
    if i % 7 == 0:
        doc["landing_page"] = f"https://www.wuppertal.de/daten/%C3%BCbersicht-{i}.html?x=%22a%22"
    if i % 8 == 0:
        doc["version"] = f"{i % 4}.{i % 10}"
    if i % 11 == 0:
        doc["identifier"] = f"urn:wuppertal:generiert:{i}"
    if i % 13 == 0:
        doc["conforms_to"] = ["https://www.w3.org/TR/tabular-data-primer/"]
    for k in range(1 + i % 3):
        f, m = FORMATS[(i + k) % len(FORMATS)]
        dist = {
            "title": {"de": f"{f}-Datei {k} von „{title}“"},
            "format": EU + "file-type/" + f,
            "access_url": f"https://daten.wuppertal.de/generiert/{i}/teil%20{k}.{f.lower()}?q=ä&r=%7Bx%7D",
        }
        if m:
            dist["media_type"] = "https://www.iana.org/assignments/media-types/" + m
        if k == 0:
            dist["download_url"] = dist["access_url"]
        if (i + k) % 2:
            dist["description"] = {"de": "Beschreibung mit <b>Markup</b> & Umlauten äöü", "en": "Description"}
        if (i + k) % 3 == 0:
            algorithm, length = CHECKSUMS[(i + k) % len(CHECKSUMS)]
            dist["checksum"] = {"algorithm": algorithm, "value": ("0123456789abcdef" * 8)[:length]}
            dist["byte_size"] = 1000 * i + k
        if (i + k) % 4 == 1:
            dist["issued"] = "2023-05-0" + str(1 + k)
        if (i + k) % 5 == 2:
            dist["availability"] = EU + "planned-availability/STABLE"
        if (i + k) % 6 == 1:
            dist["rights"] = {"de": "Nutzungsbedingungen der Stadt & \"Rechte\" <Dritter>"}
            if i % 2:
                dist["rights"]["en"] = "Terms of use of the city"
        if k == 2:
            dist["license"] = "http://dcat-ap.de/def/licenses/" + licences[(i + 1) % len(licences)]
        doc["distributions"].append(dist)
    return doc


def main():
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 160
    tsv = sys.argv[4] if len(sys.argv) > 4 else "src/catalog/vocab/licenses.tsv"
    licences = [line.split("\t")[0] for line in open(tsv, encoding="utf-8") if line.strip()]
    publishers = ["stadt-wuppertal-402", "stadt-wuppertal-102", "stadt-wuppertal-smart-city"]
    published = withdrawn = 0
    for i in range(n):
        doc = dataset(i, licences, publishers)
        post(base, token, doc)
        if doc["status"] == "published" and i % 41 == 7:
            # Withdrawn after publication: the export must leave it out (or list it as withdrawn).
            withdraw(base, token, doc["slug"])
            withdrawn += 1
        elif doc["status"] == "published":
            published += 1
    print(
        f"generate-datasets: created {n} datasets ({published} published, {withdrawn} withdrawn, "
        f"{n - published - withdrawn} drafts), {len(licences)} licences"
    )


if __name__ == "__main__":
    main()
