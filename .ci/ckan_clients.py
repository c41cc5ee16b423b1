"""The CKAN API with the real clients: `ckanapi` (command line and `RemoteCKAN`) against a running
odcat on the fixtures, compared with what odcat's own JSON API says.

    python ckan_clients.py BASE_URL TOKEN CKANAPI_BINARY
"""

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import ckanapi

base, token, ckanapi_bin = sys.argv[1:4]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def api(path):
    with urllib.request.urlopen(base + path) as response:
        return json.load(response)


def cli(*args):
    """Runs the ckanapi command line against odcat and returns its standard output."""
    done = subprocess.run(
        [ckanapi_bin, *args, "-r", base], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"ckanapi {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def api_slugs(query=""):
    slugs, cursor = [], ""
    while True:
        page = api(f"/api/v1/datasets?per_page=100{query}{cursor}")
        slugs += [item["slug"] for item in page["items"]]
        if not page.get("next_cursor"):
            return slugs, page["total"]
        cursor = "&cursor=" + urllib.parse.quote(page["next_cursor"])


public, _ = api_slugs()
check(len(public) >= 10, f"the fixtures have public datasets: {public}")

# package_search through the command line, for words and filters, against /api/v1/datasets.
for words, params in [("Wuppertal", ""), ("Geodaten", ""), ("Haushalt", ""), ("", "&theme=REGI")]:
    args = ["action", "package_search", f"q={words}", "rows=100"]
    if params:
        args.append("fq=groups:regi")
    result = json.loads(cli(*args))
    expected, total = api_slugs((f"&q={urllib.parse.quote(words)}" if words else "") + params)
    found = [p["name"] for p in result["results"]]
    check(sorted(found) == sorted(expected), f"package_search q={words!r}{params}: {found} != {expected}")
    check(result["count"] == total, f"package_search q={words!r}{params}: count {result['count']} != {total}")

# package_show for every fixture, against the dataset's own document.
for slug in public:
    package = json.loads(cli("action", "package_show", f"id={slug}"))
    doc = api(f"/api/v1/datasets/{slug}")
    check(package["id"] == doc["id"], f"{slug}: id")
    check(package["title"] == doc["title"]["de"], f"{slug}: title")
    check(package["notes"] == doc["description"]["de"], f"{slug}: notes")
    check(package["license_id"] == doc["license"], f"{slug}: license_id")
    active = [d["id"] for d in doc["distributions"] if d.get("status", "active") == "active"]
    check([r["id"] for r in package["resources"]] == active, f"{slug}: resources")

# organization_list: the publishers.
organizations = json.loads(cli("action", "organization_list"))
publishers = api("/api/v1/publishers")
publishers = publishers if isinstance(publishers, list) else publishers.get("items", [])
check(sorted(organizations) == sorted(p["slug"] for p in publishers), f"organization_list: {organizations}")

# `ckanapi search datasets` pages until an empty page: every public dataset once.
searched = [p["name"] for p in jsonl(cli("search", "datasets", "q=*:*"))]
check(sorted(searched) == sorted(public), f"search datasets: {searched}")
check(len(searched) == len(set(searched)), "search datasets: no repeats")

# `ckanapi dump datasets --all`: package_list, then package_show of each.
dumped = jsonl(cli("dump", "datasets", "--all", "-q"))
check(sorted(p["name"] for p in dumped) == sorted(public), f"dump datasets: {[p['name'] for p in dumped]}")

# datastore_search through RemoteCKAN against /rows, for every hosted table.
remote = ckanapi.RemoteCKAN(base)
tables = 0
for slug in public:
    doc = api(f"/api/v1/datasets/{slug}")
    for dist in doc["distributions"]:
        if dist.get("kind") != "hosted_table" or "data_table" not in dist:
            continue
        tables += 1
        rows = api(f"/api/v1/datasets/{slug}/distributions/{dist['id']}/rows?per_page=1000")
        result = remote.action.datastore_search(resource_id=dist["id"], limit=1000)
        check(result["total"] == rows["total"], f"{slug}: datastore total")
        names = [c["name"] for c in rows["columns"]]
        check([f["id"] for f in result["fields"]] == ["_id"] + names, f"{slug}: datastore fields")
        for record, row in zip(result["records"], rows["rows"]):
            check({n: record[n] for n in names} == row, f"{slug}: record {record['_id']} differs: {record} != {row}")
check(tables >= 1, "the fixtures have hosted tables")

# Errors arrive as ckanapi's exceptions.
try:
    remote.action.package_show(id="gibt-es-nicht")
    check(False, "package_show of a missing dataset raises NotFound")
except ckanapi.NotFound:
    pass
try:
    remote.action.package_search(rows="viele")
    check(False, "package_search with rows=viele raises ValidationError")
except ckanapi.ValidationError as error:
    check("rows" in error.error_dict, f"ValidationError names rows: {error.error_dict}")
try:
    remote.action.package_create(name="ohne-schluessel", title="x")
    check(False, "package_create without a key raises NotAuthorized")
except ckanapi.NotAuthorized:
    pass

# A write with the key, as publishers script it: create, patch, read back, delete.
writer = ckanapi.RemoteCKAN(base, apikey=token)
created = writer.action.package_create(
    name="ckanapi-probe",
    title="Probe über ckanapi",
    notes="Mit ckanapi angelegt.",
    owner_org="stadt-wuppertal-402",
    license_id="http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
    tags=[{"name": "Probe"}],
    groups=[{"name": "gove"}],
    extras=[{"key": "politicalGeocodingURI", "value": "[\"http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000\"]"}],
    resources=[{"url": "https://www.wuppertal.de/probe.csv", "format": "CSV", "name": "Probe"}],
)
check(created["name"] == "ckanapi-probe", f"package_create: {created}")
patched = writer.action.package_patch(id=created["id"], notes="Geändert über ckanapi.")
check(patched["notes"] == "Geändert über ckanapi.", "package_patch changes notes")
check(patched["title"] == "Probe über ckanapi", "package_patch keeps the title")
shown = json.loads(cli("action", "package_show", "id=ckanapi-probe"))
check(shown["notes"] == "Geändert über ckanapi.", "the change is public at once")
check(api("/api/v1/datasets/ckanapi-probe")["description"]["de"] == "Geändert über ckanapi.", "and in the JSON API")
writer.action.package_delete(id=created["id"])
check(remote.action.package_show(id="ckanapi-probe")["state"] == "deleted", "package_delete withdraws")

if failures:
    print("\n".join(failures), file=sys.stderr)
    raise SystemExit(f"{len(failures)} CKAN client check(s) failed")
print(f"ckanapi: {len(public)} datasets, {tables} hosted tables, every check passed")
