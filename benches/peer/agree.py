#!/usr/bin/env python3
"""Do the pipeline and the peer agree?

  python3 benches/peer/agree.py OUT_PIPELINE OUT_PEER YYYY-MM

Compares, as `yrkesresan bench --peer` does (src/cli/bench_peer.rs):
  - accounts-by-municipality.csv: per (kommunkod, delresa) the five counts;
  - progress-by-municipality.csv: per (kommunkod, kurs) the three counts;
  - invoice-basis-YYYY-MM.csv: per kommunkod the total amount, to the öre;
and, beyond the Rust check, the number of invoice lines per kommunkod.
Counts are compared as the text written (as the Rust side does), amounts as
exact öre. Row order and text formatting do not matter.

Prints every difference (at most 10 per kind) and exits 1 if there is one.
"""

import csv
import sys
from decimal import Decimal
from pathlib import Path


def rows(path: Path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]


def ore(amount: str) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def figures(out: Path, month: str):
    accounts, progress, total, lines = {}, {}, {}, {}
    for r in rows(out / "accounts-by-municipality.csv"):
        accounts[(r["kommunkod"], r["delresa"])] = tuple(
            r[c] for c in ("konton", "medarbetare", "chefer", "utbildare", "k_admin")
        )
    for r in rows(out / "progress-by-municipality.csv"):
        progress[(r["kommunkod"], r["kurs"])] = tuple(r[c] for c in ("ej_paborjad", "pagaende", "genomfort"))
    for r in rows(out / f"invoice-basis-{month}.csv"):
        k = r["kommunkod"]
        total[k] = total.get(k, 0) + ore(r["amount"])
        lines[k] = lines.get(k, 0) + 1
    return {"accounts": accounts, "progress": progress, "invoice total (öre)": total, "invoice lines": lines}


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    ours, peer, month = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    a, b = figures(ours, month), figures(peer, month)
    differences = 0
    for kind in a:
        x, y = a[kind], b[kind]
        keys = sorted(set(x) | set(y))
        bad = [k for k in keys if x.get(k) != y.get(k)]
        differences += len(bad)
        status = "agree" if not bad else f"{len(bad)} difference(s)"
        print(f"{kind}: {len(x)} pipeline / {len(y)} peer key(s), {status}")
        for k in bad[:10]:
            print(f"  {k}: pipeline {x.get(k)}, peer {y.get(k)}")
        if len(bad) > 10:
            print(f"  … and {len(bad) - 10} more")
    t1, t2 = sum(a["invoice total (öre)"].values()), sum(b["invoice total (öre)"].values())
    print(f"invoice total {month}: pipeline {t1 / 100:.2f} kr, peer {t2 / 100:.2f} kr")
    print("AGREE" if differences == 0 else "DISAGREE")
    return 0 if differences == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
