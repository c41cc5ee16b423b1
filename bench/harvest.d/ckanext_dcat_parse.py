"""ckanext-dcat's parser over DCAT-AP pages: for each page, RDFParser.parse (rdflib) and the mapping
of every dataset to a CKAN dict (datasets()), as its DCAT harvester does per page. Prints the median
page's time and datasets per second. Usage: ckanext_dcat_parse.py PAGE.ttl..."""

import statistics
import sys
import time

from ckanext.dcat.processors import RDFParser


def main() -> None:
    times = []
    counts = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            data = f.read()
        started = time.perf_counter()
        parser = RDFParser()
        parser.parse(data, _format="turtle")
        n = sum(1 for _ in parser.datasets())
        times.append(time.perf_counter() - started)
        counts.append(n)
        print(f"{path}: {n} datasets in {times[-1]:.3f} s", flush=True)
    median = statistics.median(times)
    per_page = statistics.median(counts)
    print(f"median page: {median:.3f} s for {per_page:.0f} datasets")
    print(f"datasets/s {per_page / median:.0f}")


if __name__ == "__main__":
    main()
