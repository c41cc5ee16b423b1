#!/usr/bin/env python3
"""Compare pySHACL (via the conformance `validate` script's own code) with odcat's SHACL engine, the
one the quality score's DCAT-AP check uses (`src/quality/shacl.rs`, run by `examples/shacl_check.rs`).
Run with the validator's venv python (`~/.cache/odcat-shacl-venv/bin/python`); `.ci/validate-catalog`
runs it on the official examples, `fixtures/shacl/` and the catalogue it exported.

    .ci/shacl-agreement.py [--profile ap3] --rust BIN [--rudof BIN] --out DIR FILE...

For each FILE the data graph is loaded and augmented exactly as `shared/conformance/validate`
does it (subclass axioms + skos:inScheme code-list memberships): the Python part of that script
is executed up to its `validate(...)` call, so the augmentation code is not copied. The
augmented graph is written to DIR/<name>.nt; pySHACL validates the in-memory graph with the same
arguments as the script, the Rust binary (and optionally the rudof scratch binary) validates the
N-Triples dump (rdflib's lexical normalisation is switched off unless --normalize, so both sides
see the original lexical forms; ill-typedness is judged by rdflib either way). Results are compared as sets of (focus, path, component, severity) and, for
information, as multisets. Exit 0 when all files agree on both violations and warnings.
"""
import argparse, collections, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = next((d for d in [os.environ.get("CONFORMANCE_DIR", ""), os.path.join(HERE, "..", "..", "shared", "conformance"), "/work/shared/conformance"] if d and os.path.isfile(os.path.join(d, "validate"))), "/work/shared/conformance")
SCRIPT = os.path.join(CONF, "validate")

src = open(SCRIPT).read()
m = re.search(r"read -r -d '' PY <<'EOF'[^\n]*\n(.*?)\nEOF\n", src, re.S)
PY = m.group(1)
cut = PY.index("conforms, report, text = validate(")
PREPARE = compile(PY[:cut], SCRIPT + ":PY", "exec")

from rdflib import Graph, URIRef, BNode, Literal, Namespace  # noqa: E402  (venv python)
from rdflib.namespace import RDF  # noqa: E402
from rdflib.collection import Collection  # noqa: E402
from pyshacl import validate  # noqa: E402
import logging  # noqa: E402
import rdflib  # noqa: E402

logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literal tracebacks

SH = Namespace("http://www.w3.org/ns/shacl#")


def prepare(path, profile):
    """Run the script's loading/augmentation code; return (augmented graph, shapes graph, notes)."""
    ns = {"__name__": "__validate__"}
    argv = sys.argv
    sys.argv = ["validate", CONF, profile, path]
    try:
        exec(PREPARE, ns)
    finally:
        sys.argv = argv
    shape_files = [os.path.join(CONF, f) for f in ns["PROFILES"][profile]]
    return ns["dg"], ns["shapes"], shape_files


def term(t):
    return t.n3() if isinstance(t, (URIRef, BNode)) else (t.n3() if t is not None else "")


def path_text(report, p):
    if p is None:
        return ""
    if isinstance(p, URIRef):
        return "<%s>" % p
    inv = report.value(p, SH.inversePath)
    if inv is not None:
        return "^" + path_text(report, inv)
    alt = report.value(p, SH.alternativePath)
    if alt is not None:
        return "(" + " | ".join(path_text(report, x) for x in Collection(report, alt)) + ")"
    for pred, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = report.value(p, pred)
        if inner is not None:
            return path_text(report, inner) + suffix
    if report.value(p, RDF.first) is not None:
        return "(" + " / ".join(path_text(report, x) for x in Collection(report, p)) + ")"
    return "?" + p.n3()


def py_results(dg, shapes):
    t0 = time.time()
    conforms, report, _ = validate(dg, shacl_graph=shapes, inference="none",
                                   allow_warnings=True, allow_infos=True)
    dt = time.time() - t0
    out = []
    for r in report.objects(None, SH.result):
        sev = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        comp = str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        out.append((term(report.value(r, SH.focusNode)), path_text(report, report.value(r, SH.resultPath)),
                    comp, sev, term(report.value(r, SH.value))))
    return out, dt


def rust_results(binary, nt, shape_files):
    p = subprocess.run([binary, nt] + shape_files, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("%s failed: %s" % (binary, p.stderr.strip()))
    out = []
    for line in p.stdout.splitlines():
        if not line:
            continue
        f = line.split("\t")
        out.append((f[1], f[2], f[3], f[0]))
    timing = dict(kv.split("=", 1) for kv in p.stderr.split() if "=" in kv)
    return out, timing


def rudof_results(binary, nt, shape_files):
    p = subprocess.run([binary, nt] + shape_files, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode
    out = []
    for line in p.stdout.splitlines():
        f = line.split("\t")
        sev = f[0].replace("CompiledSeverity::", "")
        # rudof names the component by its parameter (sh:minCount); map to the component IRI.
        param = f[3].rsplit("#", 1)[-1].rstrip(">").replace("sh:", "")
        comp = param[:1].upper() + param[1:] + "ConstraintComponent" if not param.endswith("Component") else param
        focus = f[1] if f[1].startswith(("<", "_:")) else "<%s>" % f[1]
        path = f[2] if (not f[2] or f[2].startswith(("<", "^"))) else "<%s>" % f[2]
        out.append((focus, path, comp, sev))
    return out, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="ap3", choices=["ap3", "ap3-strict", "de", "de2"],
                    help="a profile of the validate script; its shape files are used on both sides")
    ap.add_argument("--rust", required=True, help="the shacl_check example binary")
    ap.add_argument("--rudof", default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every mismatching tuple")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--normalize", action="store_true",
                    help="let rdflib normalise lexical forms of well-typed literals (the validate script's "
                         "default); by default they are kept, so the Rust side sees the original lexical forms")
    a = ap.parse_args()
    rdflib.NORMALIZE_LITERALS = a.normalize
    os.makedirs(a.out, exist_ok=True)
    rows, all_agree, rudof_totals = [], True, [0, 0]
    hdr = "%-52s %7s %6s %6s %6s %6s %5s %5s %9s %9s" % (
        "file", "triples", "pyV", "pyW", "rsV", "rsW", "diff", "mset", "py_s", "rs_ms")
    print(hdr)
    for f in a.files:
        name = os.path.basename(f)
        rdflib.NORMALIZE_LITERALS = a.normalize  # pySHACL's validate() resets it to True on exit
        try:
            dg, shapes, shape_files = prepare(f, a.profile)
        except SystemExit:  # the script's die(): rdflib cannot parse the file
            print("%-52s  not parseable by rdflib (the validate script fails the same way), skipped" % name[:52])
            continue
        nt = os.path.join(a.out, re.sub(r"[^\w.-]", "_", name) + ".nt")
        dg.serialize(nt, format="nt", encoding="utf-8")
        py_full, py_s = py_results(dg, shapes)
        py = [r[:4] for r in py_full]
        try:
            rs, timing = rust_results(a.rust, nt, shape_files)
        except RuntimeError as e:
            print("%-52s  Rust validator error: %s" % (name[:52], e))
            all_agree = False
            continue
        sp, sr = set(py), set(rs)
        only_py, only_rs = sorted(sp - sr), sorted(sr - sp)
        mset_same = collections.Counter(py) == collections.Counter(rs)
        cnt = lambda res, sev: sum(1 for r in res if r[3] == sev)  # noqa: E731
        agree = not only_py and not only_rs
        all_agree &= agree
        print("%-52s %7d %6d %6d %6d %6d %5s %5s %9.2f %9s" % (
            name[:52], len(dg), cnt(py, "Violation"), cnt(py, "Warning"), cnt(rs, "Violation"),
            cnt(rs, "Warning"), "ok" if agree else "%d/%d" % (len(only_py), len(only_rs)),
            "=" if mset_same else "!=", py_s, timing.get("validate_ms", "?")))
        if a.verbose or not agree:
            for t in only_py:
                print("    only pySHACL:", "\t".join(t))
            for t in only_rs:
                print("    only Rust:   ", "\t".join(t))
        if a.verbose and not mset_same:
            cp, cr = collections.Counter(py), collections.Counter(rs)
            for k in sorted(set(cp) | set(cr)):
                if cp[k] != cr[k]:
                    print("    count py=%d rs=%d: %s" % (cp[k], cr[k], "\t".join(k)))
        if a.rudof:
            rd, info = rudof_results(a.rudof, nt, shape_files)
            if rd is None:
                print("    rudof: ERROR %s" % info)
            else:
                sd = set(rd)
                # rudof 0.2.12 reports the value node as sh:focusNode for sh:node results: also accept
                # (value, path, component, severity) for those before calling a result missing/extra.
                alt = {(r[4], r[1], r[2], r[3]): r[:4] for r in py_full if r[2] == "NodeConstraintComponent"}
                matched_py = (sp & sd) | {alt[k] for k in sd if k in alt}
                extra = {k for k in sd - sp if k not in alt}
                print("    rudof: V=%d W=%d set-diff vs pySHACL: -%d +%d; with sh:node focus corrected: -%d +%d  (%s)" % (
                    cnt(rd, "Violation"), cnt(rd, "Warning"), len(sp - sd), len(sd - sp),
                    len(sp - matched_py), len(extra), info))
                rudof_totals[0] += len(sp - matched_py); rudof_totals[1] += len(extra)
                if a.verbose:
                    for t in sorted(sp - matched_py)[:15]:
                        print("      only pySHACL:", "\t".join(t))
                    for t in sorted(extra)[:15]:
                        print("      only rudof:  ", "\t".join(t))
    if a.rudof:
        print("rudof residual mismatches (after focus correction): only pySHACL=%d only rudof=%d" % tuple(rudof_totals))
    print("ALL AGREE" if all_agree else "MISMATCHES FOUND")
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
