#!/usr/bin/env python3
"""Shares of a job's CPU by the crate that spent it, from a `perf` profile.

The README's "Where it stands" table comes from this script. It shows how
much of a job's CPU time the required crates use (calamine, rust_xlsxwriter,
csv, SQLite) and how much our own code uses. Record with full call stacks:

    perf record -F 999 --call-graph=dwarf,16384 -o job.data \\
        target/release/yrkesresan run nightly-sync --config … --inbox … --out …
    perf script -i job.data -F comm,tid,ip,sym > job.script
    python3 benches/perf_by_crate.py job.script

Each sample counts once, for the first frame that matches a group, reading
from the innermost frame outwards. A memcpy inside calamine therefore counts
as calamine. A frame that perf cannot name ("[unknown]") counts as the
kernel. A sample with no matching frame counts as "other". One
exception: the hostile-input scan, our own check of an xlsx before calamine
opens it, inflates the parts with the zip crate. Any sample with the scan on
its stack counts as the scan, not as reading xlsx.
"""
import collections
import re
import sys

GROUPS = [
    ("reading xlsx: calamine, quick-xml, zip, inflate", r"calamine::|quick_xml::|zip::|zlib_rs::inflate|inflate"),
    ("writing xlsx: rust_xlsxwriter, deflate", r"rust_xlsxwriter::|zlib_rs::deflate|deflate"),
    ("csv parsing", r"^csv::|^csv_core::|<csv::"),
    ("SQLite", r"sqlite3|^rusqlite::"),
    ("SHA-256", r"sha2::"),
    ("the kernel", r"^\[unknown\]$|^(clear_page|do_page_fault|asm_exc|__handle_mm|exc_page_fault|"
     r"copy_user|_raw_spin|native_|entry_SYSCALL|do_syscall)"),
    ("our own code", r"yrkesresan::"),
]
PATTERNS = [(name, re.compile(pattern)) for name, pattern in GROUPS]
SCAN = ("our hostile-input scan of an xlsx (with its inflate)", re.compile(r"yrkesresan::ingest::bounds::"))


def samples(lines):
    """Yields each sample's frames, innermost first."""
    frames = None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames is not None:
                yield frames
            frames = None
        elif not line.startswith((" ", "\t")):
            frames = []
        elif frames is not None:
            parts = line.strip().split(None, 1)
            symbol = parts[1] if len(parts) > 1 else "?"
            frames.append(re.sub(r"\+0x[0-9a-f]+$", "", symbol))
    if frames is not None:
        yield frames


def group_of(frames):
    if any(SCAN[1].search(symbol) for symbol in frames):
        return SCAN[0]
    for symbol in frames:
        for name, pattern in PATTERNS:
            if pattern.search(symbol):
                return name
    return "other"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: perf_by_crate.py PERF_SCRIPT_OUTPUT")
    counts = collections.Counter()
    with open(sys.argv[1], errors="replace") as f:
        for frames in samples(f):
            counts[group_of(frames)] += 1
    total = sum(counts.values())
    if total == 0:
        sys.exit("no samples: was the file written by `perf script -F comm,tid,ip,sym`?")
    for name, n in counts.most_common():
        print(f"{n * 100 / total:5.1f} %  {name}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
