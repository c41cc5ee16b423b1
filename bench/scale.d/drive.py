#!/usr/bin/env python3
"""Load driver of bench/scale (standard library only).

  drive.py latency BASE URLFILE [WARMUP]   sequential GETs over one keep-alive connection; prints
                                           "n errors p50_ms p99_ms mean_ms st_p50_ms st_metric"
                                           (st_*: the Server-Timing metric named by the env
                                           SERVER_TIMING, e.g. `search`, median of its dur=);
                                           SERVER_TIMING=search,documents adds "documents=P50"
                                           for each further metric at the end of the line
  drive.py queries WORDS N SEED            N search queries (1-3 words, Zipf-drawn), one a line,
                                           every other one with a facet filter (`|theme=GOVE`)
  drive.py deep BASE PATH DEPTH PER_PAGE   the URL of the list page at DEPTH: walks `next_cursor`
                                           when the answer has one, else computes `page`; prints it
  drive.py json BASE PATH FIELD            prints a field of a JSON answer (dotted path)
"""
import http.client
import json
import math
import os
import random
import sys
import time
import urllib.parse

THEMES = ["GOVE", "REGI", "ENVI", "ECON", "SOCI", "TRAN", "EDUC", "HEAL"]
FORMATS = ["CSV", "PDF", "XLSX", "JSON", "WMS_SRVC"]


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=120)


def get(conn, path, headers=None):
    t = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    return r.status, (time.perf_counter() - t) * 1000, dict(r.getheaders()), body


def pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def server_timing(headers, metric):
    for k, v in headers.items():
        if k.lower() != "server-timing":
            continue
        for part in v.split(","):
            fields = [f.strip() for f in part.split(";")]
            if fields and fields[0] == metric:
                for f in fields[1:]:
                    if f.startswith("dur="):
                        try:
                            return float(f[4:])
                        except ValueError:
                            return None
    return None


def latency(base, url_file, warmup=0):
    urls = [l.rstrip("\n") for l in open(url_file) if l.strip()]
    metrics = [m for m in os.environ.get("SERVER_TIMING", "").split(",") if m]
    metric = metrics[0] if metrics else ""
    accept = os.environ.get("ACCEPT", "")
    headers = {"Accept": accept} if accept else {}
    conn = connect(base)
    for u in urls[: int(warmup)]:
        get(conn, u, headers)
    times, errors = [], 0
    st = {m: [] for m in metrics}
    for u in urls:
        status, ms, h, _ = get(conn, u, headers)
        if status != 200:
            errors += 1
            if errors <= 3:
                print(f"  {status} for {u}", file=sys.stderr)
            continue
        times.append(ms)
        for m in metrics:
            d = server_timing(h, m)
            if d is not None:
                st[m].append(d)

    def p50(m):
        return f"{pct(st[m], 0.5):.2f}" if st.get(m) else "n/a"

    extra = "".join(f" {m}={p50(m)}" for m in metrics[1:])
    print(
        f"{len(times)} {errors} {pct(times, 0.5):.2f} {pct(times, 0.99):.2f} "
        f"{(sum(times) / len(times)) if times else float('nan'):.2f} {p50(metric)} {metric or '-'}{extra}"
    )


def queries(words_file, n, seed):
    pairs = []
    for line in open(words_file, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line:
            continue
        de, en = line.rstrip("\n").split("\t", 1)
        pairs.append((de, en))
    weights = [1 / r for r in range(1, len(pairs) + 1)]
    rng = random.Random(int(seed))
    for i in range(int(n)):
        k = rng.choice([1, 1, 2, 2, 3])
        lang = 0 if rng.random() < 0.8 else 1
        words = [rng.choices(pairs, weights)[0][lang].split()[0] for _ in range(k)]
        q = " ".join(words)
        if i % 2:
            facet = rng.choice(["theme=" + rng.choice(THEMES), "format=" + rng.choice(FORMATS)])
            print(f"{q}|{facet}")
        else:
            print(q)


def deep(base, path, depth, per_page):
    depth, per_page = int(depth), int(per_page)
    conn = connect(base)
    sep = "&" if "?" in path else "?"
    first = f"{path}{sep}per_page={per_page}"
    status, _, _, body = get(conn, first)
    if status != 200:
        sys.exit(f"{first}: {status}")
    doc = json.loads(body)
    if "next_cursor" in doc:
        url, seen = first, 0
        while seen + per_page <= depth and doc.get("next_cursor"):
            seen += per_page
            url = f"{first}&cursor={urllib.parse.quote(str(doc['next_cursor']))}"
            status, _, _, body = get(conn, url)
            if status != 200:
                sys.exit(f"{url}: {status}")
            doc = json.loads(body)
        print(url)
    else:
        print(f"{first}&page={depth // per_page + 1}")


def field(base, path, name):
    conn = connect(base)
    status, _, _, body = get(conn, path)
    if status != 200:
        sys.exit(f"{path}: {status}")
    value = json.loads(body)
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    print(json.dumps(value) if isinstance(value, (dict, list)) else value)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["help"]
    {"latency": latency, "queries": queries, "deep": deep, "json": field}.get(
        cmd, lambda *a: sys.exit(__doc__)
    )(*args)
