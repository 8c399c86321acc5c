#!/usr/bin/env python3
"""Compares two demo output folders, ignoring only what differs by run time:
the SQLite state, a workbook's docProps/core.xml (creation time), an e-mail's
Date, Message-ID and MIME boundaries. Prints every other difference."""
import sys, os, io, zipfile, email
from email import policy

def xlsx_parts(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

def eml_parts(data):
    m = email.message_from_bytes(data, policy=policy.default)
    heads = sorted((k, str(v)) for k, v in m.items() if k.lower() not in ("date", "message-id", "content-type"))
    parts = []
    for p in m.walk():
        if p.is_multipart():
            continue
        payload = p.get_payload(decode=True)
        name = p.get_filename()
        if name and name.endswith(".xlsx"):
            payload = xlsx_parts(payload)
        parts.append((p.get_content_type(), name, payload))
    return heads, parts

def load(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)
            if ".sqlite" in f or rel.startswith("inbox") :
                continue
            data = open(p, "rb").read()
            if f.endswith(".xlsx"):
                data = xlsx_parts(data)
            elif f.endswith(".eml"):
                data = eml_parts(data)
            out[rel] = data
    return out

a, b = load(sys.argv[1]), load(sys.argv[2])
diff = 0
for k in sorted(set(a) | set(b)):
    if k not in a or k not in b:
        print("only in", "second" if k not in a else "first", k); diff += 1
    elif a[k] != b[k]:
        print("differs", k); diff += 1
print(f"{len(set(a)|set(b))} files compared, {diff} differ")
sys.exit(1 if diff else 0)
