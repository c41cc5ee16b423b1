"""Strict wrapper around csvw (cldf) 4.1.1: closes the gaps of `csvwvalidate`.
usage: csvw_check.py METADATA_URL_OR_PATH   -> exit 0 valid, 1 invalid"""
import csv, io, json, re, sys, urllib.request, urllib.parse
from csvw import CSVW

def fetch(u):
    if re.match(r"https?://", u):
        with urllib.request.urlopen(u) as r:          # raises on 4xx/5xx
            return r.read()
    return open(u, "rb").read()

LEX = {  # our serializer's exact lexical forms (csvw lib alone is laxer)
    "integer": r"-?[0-9]+", "decimal": r"-?[0-9]+(\.[0-9]+)?",
    "boolean": r"true|false", "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "dateTime": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})",
}
def main(md_url):
    errs = []
    md = json.loads(fetch(md_url).decode("utf-8"))    # malformed JSON -> exception
    if md.get("@context") not in ("http://www.w3.org/ns/csvw",) and \
       (not isinstance(md.get("@context"), list) or md["@context"][0] != "http://www.w3.org/ns/csvw"):
        errs.append("bad @context")
    c = CSVW(md_url, validate=True)
    if c.no_metadata or not c.is_valid:
        errs += [str(w.message) for w in c.warnings] or ["csvw: invalid / no metadata"]
    raw = fetch(urllib.parse.urljoin(md_url, md["url"]))  # works for URLs and local paths
    if raw.startswith(b"\xef\xbb\xbf"): errs.append("BOM present")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    cols = md["tableSchema"]["columns"]
    titles = [col["titles"] if isinstance(col["titles"], str) else col["titles"][0] for col in cols]
    if rows[0] != titles: errs.append(f"header {rows[0]} != titles {titles}")
    for col in cols:
        n = col.get("name")
        if n and not re.fullmatch(r"([A-Za-z0-9]|%[0-9A-Fa-f]{2})([A-Za-z0-9_]|%[0-9A-Fa-f]{2}|\.(?!\.|$))*", n):
            errs.append(f"column name {n!r} not an RFC 6570 varname")
    for i, row in enumerate(rows[1:], 2):
        if len(row) != len(cols): errs.append(f"row {i}: {len(row)} cells, expected {len(cols)}")
        for v, col in zip(row, cols):
            rx = LEX.get(col.get("datatype"))
            if v and rx and not re.fullmatch(rx, v): errs.append(f"row {i} {col['titles']}: {v!r} not {col['datatype']}")
    print("\n".join(errs) or "OK"); return 1 if errs else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
