#!/usr/bin/env python3
"""The peer: what a region's analyst would write with pandas + openpyxl.

Reads the same inbox as `yrkesresan run nightly-sync` / `run monthly-invoice`
(Totara exports and the course-day register) and writes

  OUT/accounts-by-municipality.csv   kommunkod,kommun,delresa,konton,medarbetare,chefer,utbildare,k_admin
  OUT/progress-by-municipality.csv   kommunkod,kommun,kurs,ej_paborjad,pagaende,genomfort
  OUT/invoice-basis-YYYY-MM.csv      kommunkod,kommun,article,description,quantity,unit_price,amount
  OUT/kommuner/peer-<kod>-YYYY-MM.xlsx  one workbook per municipality with activity in the month

Usage:
  python3 benches/peer/peer.py --config CONFIG.toml --inbox INBOX --out OUT --month YYYY-MM

The rules are those of shared/spec/DOMAIN.md and FORMATS.md as the Rust
pipeline implements them (see benches/peer/README.md). Money is kept in
whole öre (Python ints) and, where it is split, as exact fractions: no float
ever touches an amount.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tomllib
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Font

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def norm(s) -> str:
    """How names are matched: trimmed, inner white space folded, lower-case."""
    return " ".join(str(s).split()).lower()


def cell_text(v) -> str:
    """A spreadsheet cell as trimmed text; whole numbers without '.0'."""
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is pd.NaT:
        return ""
    return str(v).strip()


def to_ore(d: Decimal) -> int:
    """An exact amount in kronor → öre; refuses anything finer than an öre."""
    ore = d * 100
    if ore != ore.to_integral_value():
        raise ValueError(f"{d} is not whole öre")
    return int(ore)


def parse_decimal(s: str) -> Decimal:
    """`650`, `1 250,50`, `−20`, `2,37` → Decimal (as the pipeline reads amounts)."""
    t = str(s).strip()
    for ch in (" ", "\u00a0", "\u202f"):
        t = t.replace(ch, "")
    t = t.replace("\u2212", "-").replace(",", ".")
    try:
        return Decimal(t)
    except InvalidOperation:
        raise ValueError(f"'{s}' is not a number") from None


def config_money_ore(v) -> int:
    """A config amount (string or integer, never a float) in öre."""
    if isinstance(v, float):
        raise ValueError(f"{v}: write amounts in the config as strings")
    return to_ore(parse_decimal(str(v)))


def cell_money_ore(v) -> int:
    """A register amount cell (number or text) in öre."""
    if isinstance(v, bool):
        raise ValueError(f"'{v}' is not an amount")
    if isinstance(v, float):
        if np.isnan(v):
            raise ValueError("the amount is empty")
        return to_ore(Decimal(repr(v)))
    if isinstance(v, (int, np.integer)):
        return int(v) * 100
    return to_ore(parse_decimal(cell_text(v)))


def cell_date(v) -> dt.date | None:
    """A date cell, or ISO text `2026-03-05` (optionally with a time)."""
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.date()
    if isinstance(v, dt.date):
        return v
    t = cell_text(v)
    if len(t) >= 10 and (len(t) == 10 or t[10] in " T"):
        try:
            return dt.date.fromisoformat(t[:10])
        except ValueError:
            return None
    return None


def kr(ore: int) -> str:
    """Öre → `1234.50` (CSV: dot, two decimals)."""
    sign = "-" if ore < 0 else ""
    ore = abs(int(ore))
    return f"{sign}{ore // 100}.{ore % 100:02d}"


def kr_swedish(ore: int) -> str:
    """Öre → `1 234,50` for people."""
    sign = "-" if ore < 0 else ""
    ore = abs(int(ore))
    return f"{sign}{ore // 100:,}".replace(",", " ") + f",{ore % 100:02d}"


def largest_remainder(exact: list[Fraction], total: int, unit: int) -> list[int]:
    """Rounds exact shares (in öre) to multiples of `unit` so they sum to `total`:
    floor each, then one unit each to the largest remainders (ties: first in order)."""
    floors = [(e // unit) * unit for e in exact]
    left = (total - sum(floors)) // unit
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return [int(f) for f in floors]


# --------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------

REGION = "__region__"


class Config:
    def __init__(self, path: Path):
        with open(path, "rb") as f:
            raw = tomllib.load(f)
        self.raw = raw
        region = raw["region"]
        self.region_name = region["name"]
        self.region_code = str(region["code"])
        munis = sorted(raw.get("municipality", []), key=lambda m: str(m["code"]))
        self.municipalities = pd.DataFrame(
            {
                "kommunkod": [str(m["code"]) for m in munis],
                "kommun": [m["name"] for m in munis],
                "population": [int(m["population"]) for m in munis],
            }
        )
        self.name_of = dict(zip(self.municipalities.kommunkod, self.municipalities.kommun))

        # Names, "<name> kommun", codes and aliases → municipality code (or the region).
        names: dict[str, str] = {}
        for m in munis:
            names[str(m["code"])] = str(m["code"])
            names[norm(m["name"])] = str(m["code"])
            names[norm(f"{m['name']} kommun")] = str(m["code"])
        names[norm(self.region_name)] = REGION
        names[norm(self.region_code)] = REGION
        for a in region.get("aliases", []):
            names[norm(a)] = REGION
        for m in munis:
            for a in m.get("aliases", []):
                names[norm(a)] = str(m["code"])
        for a in region.get("aliases", []):
            names[norm(a)] = REGION
        self.names = names

        delresa_names: dict[str, str] = {}
        for d in raw.get("delresa", []):
            delresa_names[norm(d["code"])] = d["code"]
            delresa_names[norm(d["name"])] = d["code"]
        for d in raw.get("delresa", []):
            for a in d.get("aliases", []):
                delresa_names[norm(a)] = d["code"]
        self.delresa_names = delresa_names

        # Tariffs per (year, category): fee and pot in öre, the leader share exact.
        self.tariffs = {}
        for t in raw.get("tariff", []):
            cat = category(t["category"])
            self.tariffs[(int(t["year"]), cat)] = {
                "fee": config_money_ore(t["fee"]),
                "pot": config_money_ore(t["pot"]),
                "leader_share": Fraction(parse_decimal(str(t["leader_share"]))),
            }

        b = raw["billing"]
        self.no_show_fee = config_money_ore(b["no_show_fee"])
        self.no_show_decided = bool(str(b.get("no_show_fee_decided", "")).strip())
        self.national_days = b.get("national_days", "information")
        self.national_decided = bool(str(b.get("national_days_decided", "")).strip())
        self.fixed_cost_months = sorted(set(int(m) for m in b["fixed_cost_months"]))
        self.pot_credit_month = int(b["pot_credit_month"])
        self.fixed_cost = {
            int(f["year"]): (config_money_ore(f["amount"]), bool(str(f.get("decided", "")).strip()))
            for f in b.get("regional_fixed_cost", [])
        }
        a = b["articles"]
        self.articles = {
            "regional_medarbetare": a["regional_medarbetare"],
            "regional_chef": a["regional_chef"],
            "no_show": a["no_show"],
            "national": a["national"],
            "fixed_cost": a["fixed_cost"],
            "pot_credit": a["pot_credit"],
            "other": a.get("other", "YR-OVRIGT"),
        }
        tp = raw["trainer_pot"]
        self.pot_rule = tp["rule"]
        self.rss_trainers = tp["rss_trainers"]
        self.rounding_unit = config_money_ore(tp["rounding_unit"])
        self.settlement = tp.get("settlement", "payout")

        ingest = raw.get("ingest", {})
        self.extra_headings = {
            kind: ingest.get(kind, {}).get("columns", {}) for kind in ("accounts", "completions", "signups")
        }

    def resolve(self, text):
        return self.names.get(norm(text))

    def resolve_kommun(self, text):
        r = self.resolve(text)
        return None if r in (None, REGION) else r

    def resolve_delresa(self, text):
        return self.delresa_names.get(norm(text))


def category(s) -> str:
    t = str(s).strip().lower()
    if t == "medarbetare":
        return "medarbetare"
    if t in ("chef", "arbetsledare", "chefer"):
        return "chef"
    raise ValueError(f"'{s}' is not a course category")


def organiser(s) -> str:
    t = str(s).strip().lower()
    if t in ("regional", "regionalt", "regionell"):
        return "regional"
    if t in ("nationell", "nationellt", "national"):
        return "nationell"
    if t in ("kommunal", "kommunalt"):
        return "kommunal"
    raise ValueError(f"'{s}' is not an organiser")


# --------------------------------------------------------------------------
# Totara exports
# --------------------------------------------------------------------------

USERNAME = ["Username", "Användarnamn"]
EMAIL = ["User's Email", "E-postadress", "E-post", "Email", "E-mail"]
MUNICIPALITY = ["User's Organisation Name(s)", "Organisation", "Kommun"]

FIELDS = {
    "accounts": {
        "username": USERNAME,
        "email": EMAIL,
        "municipality": MUNICIPALITY,
        "roles": ["User's Position Name(s)", "Position", "Roll"],
        "delresa": ["Yrkesresa", "Delresa", "Audience"],
        "status": ["User Status", "Status"],
    },
    "completions": {
        "username": USERNAME,
        "email": EMAIL,
        "course": ["Course Name", "Course Shortname", "Kurs", "Kursnamn"],
        "status": ["Completion Status", "Slutförandestatus", "Status"],
        "municipality": MUNICIPALITY,
    },
}

ACCOUNT_STATUS = {
    "": "active", "active": "active", "aktiv": "active",
    "suspended": "suspended", "avstängd": "suspended",
    "deleted": "deleted", "borttagen": "deleted", "raderad": "deleted",
    "unconfirmed": "unconfirmed", "obekräftad": "unconfirmed",
}

COMPLETION_STATUS = {
    "not yet started": 0, "ännu ej påbörjad": 0, "ej påbörjad": 0, "10": 0,
    "in progress": 1, "pågående": 1, "25": 1,
    "complete": 2, "completed": 2, "complete via rpl": 2, "slutfört": 2, "slutförd": 2,
    "genomförd": 2, "genomfört": 2, "50": 2, "75": 2,
}

ROLE_BITS = {
    "medarbetare": 1,
    "chef": 2, "arbetsledare": 2, "chefer": 2,
    "utbildare": 4, "samtalsledare": 4,
    "k-admin": 8, "kadmin": 8, "kommunadministratör": 8,
}

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


def valid_email(e: str) -> bool:
    if not EMAIL_RE.match(e):
        return False
    domain = e.split("@", 1)[1]
    return "." in domain and not domain.startswith(".") and not domain.endswith(".")


def column_map(headings: list[str], fields: dict, extra: dict) -> dict[str, int]:
    """field → column position, by heading (trimmed, case-insensitive)."""
    lowered = [str(h).strip().lower() for h in headings]
    out = {}
    for field, defaults in fields.items():
        for wanted in list(extra.get(field, [])) + defaults:
            w = wanted.strip().lower()
            if w in lowered:
                out[field] = lowered.index(w)
                break
    return out


def read_export(path: Path, kind: str, config: Config, categorical=()) -> pd.DataFrame:
    """An export (CSV in any encoding/delimiter, or xlsx) as a frame of trimmed
    text with one column per field found."""
    fields = FIELDS[kind]
    extra = config.extra_headings.get(kind, {})
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if head.startswith(b"PK\x03\x04"):
        raw = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
        raw = raw.dropna(how="all")
        headings = [cell_text(v) for v in raw.iloc[0]]
        cols = column_map(headings, fields, extra)
        check_required(path, kind, cols, headings)
        df = raw.iloc[1:, list(cols.values())]
        df.columns = list(cols.keys())
        for c in df.columns:
            df[c] = df[c].map(cell_text).astype(str)
        return df.reset_index(drop=True)

    if head.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            head.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as e:
            # A cut multi-byte character at the end of the sample is still UTF-8.
            encoding = "utf-8" if e.start >= len(head) - 3 else "cp1252"
    first_line = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    sep = max([",", ";", "\t"], key=lambda d: first_line.count(d))
    headings = list(pd.read_csv(path, sep=sep, encoding=encoding, nrows=0).columns)
    # Totara's "CSV for Excel" puts a TAB before some cells; trimming removes it.
    cols = column_map([h.lstrip("\t") for h in headings], fields, extra)
    check_required(path, kind, cols, headings)
    names = {headings[i]: f for f, i in cols.items()}
    dtypes = {h: ("category" if names[h] in categorical else str) for h in names}

    def read(encoding):
        return pd.read_csv(
            path, sep=sep, encoding=encoding, usecols=list(names), dtype=dtypes,
            keep_default_na=False, na_filter=False,
        )

    try:
        df = read(encoding)
    except UnicodeDecodeError:
        df = read("cp1252")  # not UTF-8 after all: a file saved from Excel
    df = df.rename(columns=names)
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            cats = df[c].cat.categories
            stripped = cats.str.strip()
            if not stripped.equals(cats) or df[c].isna().any():
                df[c] = df[c].astype(str).fillna("").str.strip().astype("category")
        else:
            df[c] = df[c].fillna("").str.strip()
    return df


def check_required(path: Path, kind: str, cols: dict, headings: list):
    required = {"accounts": ["username", "email", "municipality", "roles"], "completions": ["course", "status"]}[kind]
    missing = [f for f in required if f not in cols]
    if kind == "completions" and "username" not in cols and "email" not in cols:
        missing.append("username or email")
    if missing:
        raise SystemExit(f"{path.name}: required column(s) missing: {', '.join(missing)}; headings found: {headings}")


def user_key(df: pd.DataFrame) -> pd.Series:
    """Who a row is about: the lower-cased username, else the e-mail (lower-cased)."""
    if "username" in df:
        key = df["username"].str.lower()
    else:
        key = pd.Series("", index=df.index, dtype=str)
    if "email" in df:
        email = df["email"].str.lower()
        email = email.where(email.map(valid_email), "")
        key = key.where(key != "", email)
    return key


def read_accounts(path: Path, config: Config) -> pd.DataFrame:
    df = read_export(path, "accounts", config)
    df["email"] = df["email"].str.lower()
    # Rows without username or a valid e-mail are bad rows; skipped here.
    df = df[(df["username"] != "") & df["email"].map(valid_email)]
    status = df["status"].str.lower().map(ACCOUNT_STATUS) if "status" in df else "active"
    df = df.assign(status=status)
    df = df[df["status"].notna()]
    df["username"] = df["username"].str.lower()
    df = df.drop_duplicates("username", keep="first")

    # Organisation → municipality: the first of several values that resolves.
    def kommun_of(org):
        for part in re.split(r"[,;]", org):
            k = config.resolve_kommun(part.strip())
            if k is not None:
                return k
        return None

    orgs = df["municipality"].unique()
    df["kommunkod"] = df["municipality"].map(dict(zip(orgs, map(kommun_of, orgs))))

    def role_bits(s):
        bits = 0
        for part in re.split(r"[,;]", s):
            bits |= ROLE_BITS.get(part.strip().lower(), 0)
        return bits

    roles = df["roles"].unique()
    bits = df["roles"].map(dict(zip(roles, map(role_bits, roles)))).astype(int)
    df["medarbetare"] = (bits & 1) > 0
    df["chefer"] = (bits & 2) > 0
    df["utbildare"] = (bits & 4) > 0
    df["k_admin"] = (bits & 8) > 0
    if "delresa" in df:
        ds = df["delresa"].unique()
        df["delresa"] = df["delresa"].map({d: config.resolve_delresa(d) or "" for d in ds})
    else:
        df["delresa"] = ""
    return df[["username", "email", "kommunkod", "delresa", "status",
               "medarbetare", "chefer", "utbildare", "k_admin"]]


def accounts_by_municipality(accounts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Counts per municipality and delresa; suspended and deleted not counted;
    every configured municipality has at least one row."""
    live = accounts[accounts["kommunkod"].notna() & ~accounts["status"].isin(["suspended", "deleted"])]
    table = (
        live.groupby(["kommunkod", "delresa"])
        .agg(
            konton=("username", "size"),
            medarbetare=("medarbetare", "sum"),
            chefer=("chefer", "sum"),
            utbildare=("utbildare", "sum"),
            k_admin=("k_admin", "sum"),
        )
        .reset_index()
    )
    missing = config.municipalities.loc[~config.municipalities.kommunkod.isin(table.kommunkod), ["kommunkod"]]
    zeros = missing.assign(delresa="", konton=0, medarbetare=0, chefer=0, utbildare=0, k_admin=0)
    table = pd.concat([table, zeros], ignore_index=True)
    table["kommun"] = table["kommunkod"].map(config.name_of)
    table = table.sort_values(["kommunkod", "delresa"])
    cols = ["konton", "medarbetare", "chefer", "utbildare", "k_admin"]
    table[cols] = table[cols].astype(int)
    return table[["kommunkod", "kommun", "delresa"] + cols]


def progress_by_municipality(path: Path, accounts: pd.DataFrame | None, config: Config) -> pd.DataFrame:
    """Course status per municipality and course; the municipality from the
    row itself, else from the user's account (by username, then e-mail)."""
    df = read_export(path, "completions", config, categorical=("course", "status"))
    df["user_key"] = user_key(df)
    statuses = df["status"].cat.categories
    df["state"] = df["status"].map(
        dict(zip(statuses, [COMPLETION_STATUS.get(s.strip().lower()) for s in statuses]))
    ).astype("float")
    df = df[(df["user_key"] != "") & (df["course"] != "") & df["state"].notna()]
    df = df.drop_duplicates(["user_key", "course"], keep="first")

    kommun = pd.Series(None, index=df.index, dtype=object)
    if "municipality" in df:
        orgs = df["municipality"].unique()
        kommun = df["municipality"].map({o: config.resolve_kommun(o) for o in orgs})
    if accounts is not None:
        known = accounts[accounts["kommunkod"].notna()].sort_values("username")
        by_key = pd.concat(
            [
                known.set_index("username")["kommunkod"],
                known.drop_duplicates("email").set_index("email")["kommunkod"],
            ]
        )
        by_key = by_key[~by_key.index.duplicated(keep="first")]
        kommun = kommun.fillna(df["user_key"].map(by_key))
    df = df.assign(kommunkod=kommun)
    df = df[df["kommunkod"].notna()]

    table = (
        df.groupby(["kommunkod", "course", "state"], observed=True)
        .size()
        .unstack("state", fill_value=0)
        .reindex(columns=[0.0, 1.0, 2.0], fill_value=0)
    )
    table.columns = ["ej_paborjad", "pagaende", "genomfort"]
    table = table[table.sum(axis=1) > 0].reset_index().rename(columns={"course": "kurs"})
    table["kurs"] = table["kurs"].astype(str)
    table["kommun"] = table["kommunkod"].map(config.name_of)
    table = table.sort_values(["kommunkod", "kurs"])
    return table[["kommunkod", "kommun", "kurs", "ej_paborjad", "pagaende", "genomfort"]]


# --------------------------------------------------------------------------
# The course-day register
# --------------------------------------------------------------------------


def sheet(book: dict, wanted: str) -> pd.DataFrame | None:
    for name, frame in book.items():
        if name.strip().lower() == wanted.lower():
            return frame
    return None


def col(frame: pd.DataFrame, heading: str):
    for c in frame.columns:
        if str(c).strip().lower() == heading.lower():
            return frame[c]
    return None


def text_col(frame: pd.DataFrame, heading: str) -> pd.Series:
    c = col(frame, heading)
    if c is None:
        return pd.Series("", index=frame.index, dtype=str)
    return c.map(cell_text).astype(str)


def day_number(s: str):
    t = s.strip()
    t = t[:-2] if t.endswith(".0") else t
    return int(t) if t.isdigit() and 1 <= int(t) <= 4 else None


ATTENDED = {"x", "1", "ja", "närvarande"}


def read_register(paths: list[Path], config: Config) -> dict:
    rounds, days, trainers, people, extra = [], [], [], [], []
    for path in paths:
        book = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
        r = sheet(book, "Kursomgångar").dropna(how="all")
        d = sheet(book, "Kursdagar").dropna(how="all")
        t = sheet(book, "Utbildare").dropna(how="all")
        p = sheet(book, "Deltagare").dropna(how="all")
        x = sheet(book, "Övriga rader")

        rr = pd.DataFrame(
            {
                "round": text_col(r, "Omgång"),
                "course": text_col(r, "Kurs"),
                "delresa": text_col(r, "Delresa").map(config.resolve_delresa),
                "category": text_col(r, "Kategori").map(category),
                "organiser": text_col(r, "Arrangör").map(organiser),
            }
        )
        price = col(r, "Pris per dag")
        rr["price"] = [
            cell_money_ore(v) if o == "nationell" else 0
            for v, o in zip(price if price is not None else [None] * len(r), rr["organiser"])
        ]
        rounds.append(rr)

        days.append(
            pd.DataFrame(
                {
                    "round": text_col(d, "Omgång"),
                    "day": text_col(d, "Dag").map(day_number),
                    "date": col(d, "Datum").map(cell_date),
                }
            )
        )

        trainers.append(
            pd.DataFrame(
                {
                    "round": text_col(t, "Omgång"),
                    "day": text_col(t, "Dag").map(day_number),
                    "name": text_col(t, "Namn"),
                    "email": text_col(t, "E-post").str.lower(),
                    "employer": text_col(t, "Kommun").map(config.resolve),
                    "role": text_col(t, "Roll").str.lower().replace({"samtalsledare": "utbildare"}),
                }
            )
        )

        pp = pd.DataFrame(
            {
                "round": text_col(p, "Omgång"),
                "name": text_col(p, "Namn"),
                "email": text_col(p, "E-post").str.lower(),
                "kommunkod": text_col(p, "Kommun").map(config.resolve_kommun),
            }
        )
        for c in p.columns:
            h = str(c).strip().lower()
            if h.startswith("dag"):
                n = day_number(h[3:])
                if n is not None:
                    pp[f"dag{n}"] = p[c].map(lambda v: cell_text(v).lower() in ATTENDED)
        people.append(pp)

        if x is not None:
            x = x.dropna(how="all")
            if len(x):
                extra.append(
                    pd.DataFrame(
                        {
                            "kind": text_col(x, "Typ").str.lower().replace({"utbildarpott": "pott"}),
                            "kommunkod": text_col(x, "Kommun").map(config.resolve_kommun),
                            "date": col(x, "Datum").map(cell_date),
                            "description": text_col(x, "Beskrivning"),
                            "quantity": text_col(x, "Antal").astype(int),
                            "unit_price": col(x, "À-pris").map(cell_money_ore),
                            "comment": text_col(x, "Kommentar"),
                        }
                    )
                )

    rounds = pd.concat(rounds, ignore_index=True)
    days = pd.concat(days, ignore_index=True)
    trainers = pd.concat(trainers, ignore_index=True)
    people = pd.concat(people, ignore_index=True)
    day_cols = [c for c in people.columns if c.startswith("dag")]
    people[day_cols] = people[day_cols].fillna(False).astype(bool)
    people = people[people["kommunkod"].notna() & people["round"].isin(rounds["round"])]
    extra = (
        pd.concat(extra, ignore_index=True)
        if extra
        else pd.DataFrame(columns=["kind", "kommunkod", "date", "description", "quantity", "unit_price", "comment"])
    )
    extra["amount"] = extra["quantity"].astype(int) * extra["unit_price"].astype(int)

    # A participant listed twice in a round (same e-mail, else same name) is
    # one participant: billed once, attending the days of both rows.
    people["key"] = people["round"] + "\x1f" + people["email"].where(people["email"] != "", people["name"].str.lower())
    attendance = (
        people.melt(id_vars=["key"], value_vars=day_cols, var_name="dag", value_name="attended")
        .query("attended")
        .assign(day=lambda f: f["dag"].str[3:].astype(int))[["key", "day"]]
        .drop_duplicates()
    )
    participants = people.drop_duplicates("key", keep="first")[["key", "round", "name", "email", "kommunkod"]]
    return {
        "rounds": rounds,
        "days": days,
        "trainers": trainers,
        "participants": participants,
        "attendance": attendance,
        "extra": extra,
    }


# --------------------------------------------------------------------------
# Billing
# --------------------------------------------------------------------------

KIND_ORDER = {"course_days": 0, "no_show": 1, "national": 2, "fixed_cost": 3, "other": 4, "pot_credit": 5}
PRELIMINARY = " – preliminärt, ej beslutat"
LINE_COLUMNS = ["kommunkod", "kind", "article", "description", "quantity", "unit_price", "amount"]


def participant_days(reg: dict, config: Config, year: int, month: int) -> pd.DataFrame:
    """Every registered participant × every course day of the month, with the fee."""
    days = reg["days"]
    in_month = days[days["date"].map(lambda d: d.year == year and d.month == month)]
    pd_ = (
        in_month.merge(reg["participants"], on="round")
        .merge(reg["rounds"], on="round")
        .merge(reg["attendance"].assign(attended=True), on=["key", "day"], how="left")
    )
    pd_["attended"] = pd_["attended"].fillna(False).astype(bool)
    pd_["year"] = pd_["date"].map(lambda d: d.year)
    tariffs = pd.DataFrame(
        [(y, c, t["fee"]) for (y, c), t in config.tariffs.items()], columns=["year", "category", "tariff_fee"]
    )
    pd_ = pd_.merge(tariffs, on=["year", "category"], how="left")
    regional = pd_["organiser"] == "regional"
    national = pd_["organiser"] == "nationell"
    missing = pd_[regional & pd_["tariff_fee"].isna()]
    if len(missing):
        r = missing.iloc[0]
        raise SystemExit(f"no tariff for {r['year']} {r['category']} (round {r['round']})")
    invoice_national = config.national_days == "invoice"
    pd_["fee"] = np.select(
        [regional & pd_["attended"], regional & ~pd_["attended"], national & pd_["attended"] & invoice_national],
        [pd_["tariff_fee"].fillna(0), config.no_show_fee, pd_["price"]],
        0,
    ).astype(np.int64)
    return pd_.sort_values(["kommunkod", "date", "round", "day", "name"]).reset_index(drop=True)


def day_lines(pdays: pd.DataFrame, config: Config) -> pd.DataFrame:
    a = config.articles
    regional = pdays["organiser"] == "regional"
    national = pdays["organiser"] == "nationell"
    att = pdays["attended"]
    year = pdays["year"].astype(str)
    word = pdays["category"].map({"medarbetare": "medarbetare", "chef": "chefer"})
    kinds = np.select(
        [regional & att, regional & ~att, national & att & (config.national_days == "invoice")],
        ["course_days", "no_show", "national"],
        "",
    )
    article = np.select(
        [kinds == "course_days", kinds == "no_show", kinds == "national"],
        [
            pdays["category"].map({"medarbetare": a["regional_medarbetare"], "chef": a["regional_chef"]}),
            a["no_show"],
            a["national"],
        ],
        "",
    )
    description = np.select(
        [kinds == "course_days", kinds == "no_show", kinds == "national"],
        [
            "Regionala kursdagar, " + word + " " + year,
            "Uteblivna deltagare, regionala kursdagar " + year + ("" if config.no_show_decided else PRELIMINARY),
            "Nationella kursdagar: " + pdays["course"] + ("" if config.national_decided else PRELIMINARY),
        ],
        "",
    )
    f = pd.DataFrame(
        {"kommunkod": pdays["kommunkod"], "kind": kinds, "article": article,
         "description": description, "unit_price": pdays["fee"]}
    )
    f = f[(f["kind"] != "") & (f["unit_price"] != 0)]
    lines = f.groupby(["kommunkod", "kind", "article", "description", "unit_price"]).size().rename("quantity")
    lines = lines.reset_index()
    lines["amount"] = lines["unit_price"] * lines["quantity"]
    return lines[LINE_COLUMNS]


def fixed_cost_lines(config: Config, year: int, month: int) -> pd.DataFrame:
    """The regional fixed cost: the year's amount by population share (to the
    öre, largest remainder), each share in even instalments over the months."""
    if year not in config.fixed_cost or month not in config.fixed_cost_months:
        return pd.DataFrame(columns=LINE_COLUMNS)
    amount, decided = config.fixed_cost[year]
    m = config.municipalities
    total_pop = int(m["population"].sum())
    if total_pop == 0:
        return pd.DataFrame(columns=LINE_COLUMNS)
    yearly = largest_remainder([Fraction(amount * int(p), total_pop) for p in m["population"]], amount, 1)
    n = len(config.fixed_cost_months)
    pos = config.fixed_cost_months.index(month)
    rows = []
    for code, pop, share in zip(m["kommunkod"], m["population"], yearly):
        part = largest_remainder([Fraction(share, n)] * n, share, 1)[pos]
        if part == 0:
            continue
        pct = (Decimal(int(pop)) * 100 / Decimal(total_pop)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        text = (
            f"Regional fast kostnad {year}, delbetalning {pos + 1} av {n}, "
            f"befolkningsandel {str(pct).replace('.', ',')} %" + ("" if decided else PRELIMINARY)
        )
        rows.append((code, "fixed_cost", config.articles["fixed_cost"], text, 1, part, part))
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def other_lines(reg: dict, config: Config, year: int, month: int) -> pd.DataFrame:
    x = reg["extra"]
    x = x[(x["kind"] == "faktura") & x["date"].map(lambda d: d.year == year and d.month == month)]
    return pd.DataFrame(
        {
            "kommunkod": x["kommunkod"],
            "kind": "other",
            "article": config.articles["other"],
            "description": x["description"],
            "quantity": x["quantity"],
            "unit_price": x["unit_price"],
            "amount": x["amount"],
        }
    )[LINE_COLUMNS]


def trainer_pot(reg: dict, config: Config, year: int) -> dict:
    """The year's trainer pot and each recipient's rounded payout (öre)."""
    rounds = reg["rounds"].set_index("round")
    days = reg["days"][reg["days"]["date"].map(lambda d: d.year == year)]
    days = days.merge(rounds[["organiser", "category"]], left_on="round", right_index=True)
    days = days[days["organiser"] == "regional"].sort_values(["date", "round", "day"])
    attended = (
        reg["attendance"].merge(reg["participants"][["key", "round"]], on="key").groupby(["round", "day"]).size()
    )
    tr = reg["trainers"].copy()
    tr["person"] = tr["email"].where(tr["email"] != "", tr["name"].str.lower())
    tr = tr.drop_duplicates(["round", "day", "person", "employer"], keep="first")
    by_day = {k: g for k, g in tr.groupby(["round", "day"])}

    exact: dict[str, Fraction] = {}
    points_of: dict[str, Fraction] = {}
    pot = 0
    unallocated = Fraction(0)
    pool: list[tuple[str, Fraction]] = []
    for d in days.itertuples():
        tariff = config.tariffs[(d.date.year, d.category)]
        day_pot = tariff["pot"] * int(attended.get((d.round, d.day), 0))
        pot += day_pot
        team = by_day.get((d.round, d.day))
        pts = []
        if team is not None:
            for t in team.itertuples():
                p = {"kursledare": tariff["leader_share"], "utbildare": Fraction(1)}.get(t.role, Fraction(0))
                if t.employer == REGION and config.rss_trainers == "exclude":
                    p = Fraction(0)
                pts.append((t.employer, p))
                points_of[t.employer] = points_of.get(t.employer, Fraction(0)) + p
        if config.pot_rule == "per_day":
            total = sum((p for _, p in pts), Fraction(0))
            if total == 0:
                unallocated += day_pot
            else:
                for who, p in pts:
                    exact[who] = exact.get(who, Fraction(0)) + day_pot * p / total
        else:
            pool.extend(pts)
    if config.pot_rule == "annual_pool":
        total = sum((p for _, p in pool), Fraction(0))
        if total == 0:
            unallocated = Fraction(pot)
        else:
            for who, p in pool:
                exact[who] = exact.get(who, Fraction(0)) + pot * p / total
    exact[REGION] = exact.get(REGION, Fraction(0)) + unallocated

    x = reg["extra"]
    x = x[(x["kind"] == "pott") & x["date"].map(lambda d: d.year == year)]
    extras = x.groupby("kommunkod")["amount"].sum().to_dict()
    extras_total = sum(extras.values())
    if extras_total > pot:
        raise SystemExit(f"the extras from the trainer pot {year} exceed the pot")
    keep = Fraction(1) if pot == 0 else 1 - Fraction(extras_total, pot)

    recipients = list(config.municipalities["kommunkod"])
    if points_of.get(REGION, 0) != 0 or exact.get(REGION, 0) != 0:
        recipients.append(REGION)
    shares = [exact.get(r, Fraction(0)) * keep + extras.get(r, 0) for r in recipients]
    rounded = largest_remainder(shares, pot, config.rounding_unit)
    return {"pot": pot, "payout": dict(zip(recipients, rounded))}


def pot_credit_lines(reg: dict, config: Config, year: int, month: int) -> pd.DataFrame:
    if config.settlement != "credit" or month != config.pot_credit_month:
        return pd.DataFrame(columns=LINE_COLUMNS)
    pot = trainer_pot(reg, config, year)
    rows = [
        (k, "pot_credit", config.articles["pot_credit"], f"Utbildarpott {year}, återbetalning till hemkommun",
         1, -amount, -amount)
        for k, amount in pot["payout"].items()
        if k != REGION and amount != 0
    ]
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def invoice_basis(reg: dict, pdays: pd.DataFrame, config: Config, year: int, month: int) -> pd.DataFrame:
    parts = [
        day_lines(pdays, config),
        fixed_cost_lines(config, year, month),
        other_lines(reg, config, year, month),
        pot_credit_lines(reg, config, year, month),
    ]
    lines = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    lines = lines[lines["amount"] != 0].copy()
    lines["order"] = lines["kind"].map(KIND_ORDER)
    lines = lines.sort_values(["kommunkod", "order", "article", "description"]).drop(columns="order")
    lines["kommun"] = lines["kommunkod"].map(config.name_of)
    for c in ("quantity", "unit_price", "amount"):
        lines[c] = lines[c].astype(np.int64)
    return lines.reset_index(drop=True)


def trainer_days(reg: dict, year: int, month: int) -> pd.DataFrame:
    t = reg["trainers"].merge(reg["days"], on=["round", "day"]).merge(reg["rounds"], on="round")
    t = t[(t["organiser"] == "regional") & t["date"].map(lambda d: d.year == year and d.month == month)]
    return t.sort_values(["employer", "date", "round", "day", "name"])


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------


def write_invoice_csv(lines: pd.DataFrame, path: Path):
    out = lines.assign(
        unit_price=lines["unit_price"].map(kr),
        amount=lines["amount"].map(kr),
    )[["kommunkod", "kommun", "article", "description", "quantity", "unit_price", "amount"]]
    out.to_csv(path, index=False, encoding="utf-8")


def add_table(ws, headers: list[str], rows):
    ws.append(headers)
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(list(r))
    ws.freeze_panes = ws.cell(row=2, column=1)


def municipality_workbook(path, code, name, month_text, lines, accounts, progress, days, trainers):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sammanfattning"
    total = int(lines["amount"].sum()) if len(lines) else 0
    ws.append([f"Yrkesresan {name} ({code}), {month_text}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["Att fakturera (kr exkl. moms)", total / 100, f"{kr_swedish(total)} kr"])
    ws["B3"].number_format = "#,##0.00"
    ws.append(["Fakturarader", len(lines)])
    ws.append(["Deltagardagar, närvarande", int(days["attended"].sum()) if len(days) else 0])
    ws.append(["Deltagardagar, frånvarande", int((~days["attended"]).sum()) if len(days) else 0])
    ws.append(["Utbildardagar", len(trainers)])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 16

    ws = wb.create_sheet("Fakturarader")
    add_table(
        ws,
        ["Artikel", "Beskrivning", "Antal", "À-pris", "Belopp"],
        zip(lines["article"], lines["description"], lines["quantity"],
            lines["unit_price"] / 100, lines["amount"] / 100),
    )
    ws.append(["Summa", "", "", "", total / 100])
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=5):
        for c in row:
            c.number_format = "#,##0.00"
    ws.column_dimensions["B"].width = 60

    ws = wb.create_sheet("Konton")
    if accounts is not None:
        add_table(
            ws,
            ["Delresa", "Konton", "varav medarbetare", "varav chefer", "varav utbildare", "varav k-admin"],
            accounts.assign(delresa=accounts["delresa"].replace("", "(utan delresa)"))[
                ["delresa", "konton", "medarbetare", "chefer", "utbildare", "k_admin"]
            ].itertuples(index=False),
        )
    else:
        ws.append(["Ingen kontoexport i inkorgen."])

    ws = wb.create_sheet("Kursstatus")
    if progress is not None:
        add_table(
            ws,
            ["Kurs", "Ej påbörjad", "Pågående", "Genomfört"],
            progress[["kurs", "ej_paborjad", "pagaende", "genomfort"]].itertuples(index=False),
        )
        ws.column_dimensions["A"].width = 50
    else:
        ws.append(["Ingen export av kursstatus i inkorgen."])

    ws = wb.create_sheet("Kursdagar")
    add_table(
        ws,
        ["Datum", "Omgång", "Kurs", "Arrangör", "Dag", "Namn", "E-post", "Närvarande", "Avgift",
         "Nationellt pris (information)"],
        zip(days["date"], days["round"], days["course"], days["organiser"], days["day"], days["name"],
            days["email"], days["attended"].map({True: "ja", False: "nej"}), days["fee"] / 100,
            # National days the municipality buys itself: shown, not billed by the region.
            ((days["organiser"] == "nationell") & days["attended"]) * days["price"] / 100),
    )
    for row in ws.iter_rows(min_row=2, min_col=1, max_col=1):
        for c in row:
            c.number_format = "yyyy-mm-dd"
    ws.column_dimensions["C"].width = 40
    ws.column_dimensions["F"].width = 24
    ws.column_dimensions["G"].width = 36

    ws = wb.create_sheet("Utbildare")
    add_table(
        ws,
        ["Datum", "Omgång", "Kurs", "Dag", "Namn", "Roll"],
        zip(trainers["date"], trainers["round"], trainers["course"], trainers["day"],
            trainers["name"], trainers["role"]),
    )
    wb.save(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Yrkesresan peer: pandas + openpyxl")
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--inbox", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--month", required=True, help="YYYY-MM")
    args = ap.parse_args(argv)
    year, month = (int(x) for x in args.month.split("-"))
    config = Config(args.config)
    out = args.out
    (out / "kommuner").mkdir(parents=True, exist_ok=True)

    # Inputs by file name, the newest export of each kind (names carry the date).
    files = sorted(p for p in args.inbox.iterdir() if p.is_file())
    accounts_files = [p for p in files if p.name.startswith("user_report_")]
    completion_files = [p for p in files if p.name.startswith("course_completion_")]
    registers = [p for p in files if p.suffix.lower() == ".xlsx" and not p.name.startswith(
        ("user_report_", "course_completion_", "seminar_signups_"))]
    # Seminar sign-ups are not read: no output here needs them.

    accounts = None
    if accounts_files:
        accounts = read_accounts(accounts_files[-1], config)
        table = accounts_by_municipality(accounts, config)
        table.to_csv(out / "accounts-by-municipality.csv", index=False)
    progress = None
    if completion_files:
        progress = progress_by_municipality(completion_files[-1], accounts, config)
        progress.to_csv(out / "progress-by-municipality.csv", index=False)
    if not registers:
        print("peer: no register (*.xlsx) in the inbox", file=sys.stderr)
        return 1
    reg = read_register(registers, config)
    pdays = participant_days(reg, config, year, month)
    lines = invoice_basis(reg, pdays, config, year, month)
    write_invoice_csv(lines, out / f"invoice-basis-{args.month}.csv")

    # One workbook per municipality with something in the month.
    tdays = trainer_days(reg, year, month)
    active = (set(lines["kommunkod"]) | set(pdays["kommunkod"]) | set(tdays["employer"])) - {REGION, None}
    acc_table = accounts_by_municipality(accounts, config) if accounts is not None else None
    by = lambda frame, column: dict(tuple(frame.groupby(column))) if frame is not None else {}  # noqa: E731
    lines_of, days_of, trainers_of = by(lines, "kommunkod"), by(pdays, "kommunkod"), by(tdays, "employer")
    acc_of, prog_of = by(acc_table, "kommunkod"), by(progress, "kommunkod")
    empty_lines, empty_days, empty_trainers = lines.iloc[0:0], pdays.iloc[0:0], tdays.iloc[0:0]
    for code in sorted(k for k in active if k in config.name_of):
        municipality_workbook(
            out / "kommuner" / f"peer-{code}-{args.month}.xlsx",
            code,
            config.name_of[code],
            args.month,
            lines_of.get(code, empty_lines),
            acc_of.get(code, acc_table.iloc[0:0]) if acc_table is not None else None,
            prog_of.get(code, progress.iloc[0:0]) if progress is not None else None,
            days_of.get(code, empty_days),
            trainers_of.get(code, empty_trainers),
        )
    total = int(lines["amount"].sum())
    print(f"peer {args.month}: {len(lines)} invoice line(s), total {kr(total)} kr; {len(active)} workbook(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
