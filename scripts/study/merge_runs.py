#!/usr/bin/env python3
"""Merges `coldstart run` results.csv files of the same dataset, split and seeds into one, for
gap_holm.py: the rows of the first file, then from each further file only the (task, strategy,
encoder, learner) cells the earlier files lack. A cell in two files (the `all` reference that
every run repeats, or `random`) is taken once, after checking that both runs agree row for row
(same seeds ⇒ same rows), so no run is counted twice.

    python3 scripts/study/merge_runs.py base.csv extra.csv [...] > merged.csv
"""
import csv
import sys


def cell(row):
    return (row["dataset"], row["task"], row["strategy"], row["encoder"], row["learner"])


def main():
    rows, seen, fields = [], {}, None
    for path in sys.argv[1:]:
        with open(path) as f:
            reader = csv.DictReader(f)
            fields = fields or reader.fieldnames
            mine = list(reader)
        cells = {}
        for r in mine:
            cells.setdefault(cell(r), []).append(r)
        for c, rs in cells.items():
            if c in seen:
                if sorted(map(str, seen[c])) != sorted(map(str, rs)):
                    sys.exit(f"merge_runs.py: {path}: cell {c} differs from an earlier file's")
                continue
            seen[c] = rs
            rows.extend(rs)
    out = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    out.writeheader()
    out.writerows(rows)


if __name__ == "__main__":
    main()
