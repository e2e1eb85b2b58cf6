"""One trial, many documents: rank each trial's documents and merge field by field (``data/policy/merge.yaml``).

* each ``trials`` field takes the value of the best document that states it, ranked by the policy's
  ``precedence`` (source tier, actual over estimated, newer last update, then the document id: a hash of its
  bytes, so that neither file names nor reading order decide a tie); a silent document never wins;
* a typed field's ACTUAL/ESTIMATED type comes from the document whose value won;
* child sections (arms, interventions, outcomes, criteria, sites, …) come whole from the best-ranked document
  that has the section, never as a union of near-duplicates; identifiers are the union of all documents;
* every document's value of every field is kept for ``field_sources``, with the reason the winner won.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.model import TRIAL_FIELDS, TrialRecord
from warehouse import yaml_text

POLICY_PATH = Path(__file__).resolve().parent.parent / "data" / "policy" / "merge.yaml"


@dataclass(slots=True)
class Source:
    """One record of a trial and the document it came from."""

    doc_id: str
    path: str
    format: str
    layout: str | None
    record: TrialRecord


@dataclass(slots=True)
class MergedTrial:
    trial_id: str
    sources: list[Source]  # best first
    values: dict[str, object] = field(default_factory=dict)
    chosen_doc: dict[str, str] = field(default_factory=dict)  # field -> doc_id
    reasons: dict[str, str] = field(default_factory=dict)  # field -> why that document won
    section_doc: dict[str, Source] = field(default_factory=dict)  # section -> source


SECTIONS = (
    "conditions", "keywords", "arms", "interventions", "outcomes", "criteria", "sites", "countries",
    "sponsors", "identifiers", "officials", "references", "mesh_terms", "contacts",
)

#: Sections gathered from every document (their union loses nothing and duplicates nothing).
UNION_SECTIONS = ("identifiers",)


def load_policy(path: Path = POLICY_PATH) -> dict:
    """The merge policy (tiers, precedence, typed fields, id preference)."""
    with open(path, encoding="utf-8") as fh:
        return yaml_text.safe_load(fh)


#: The precedence when the policy names none; ``document`` orders tied documents by their id (a hash of their
#: bytes), ``path`` (also accepted) by their path: renaming files could then change a tie's winner.
DEFAULT_PRECEDENCE = ["tier", "actual", "newer", "document"]
#: The reason given when a tie-break rule decides.
TIES = {"document": "tie: first by document id", "path": "tie: first by path"}


def _last_tie(precedence: list[str]) -> str:
    """The reason when every rule ties (records of one document): that of the policy's last tie-break."""
    return next((TIES[rule] for rule in reversed(precedence) if rule in TIES), "tie: first by record order")


class Ranker:
    """Orders the documents of a trial per field, and says why the first one won."""

    def __init__(self, policy: dict) -> None:
        self.tiers = policy.get("source_tiers", {})
        self.precedence = policy.get("precedence", DEFAULT_PRECEDENCE)
        self.typed = policy.get("typed_fields", {})
        self.type_of = {v: k for k, v in self.typed.items()}

    def tier(self, source: Source) -> int:
        return self.tier_of(source.format)

    def tier_of(self, fmt: str) -> int:
        if fmt in self.tiers:
            return int(self.tiers[fmt])
        return int(self.tiers.get("page" if fmt == "page" else "default", 9))

    def _criteria(self, source: Source, name: str | None) -> dict[str, object]:
        updated = source.record.last_update_date or dt.date.min
        type_field = self.typed.get(name) if name else None
        estimated = type_field is not None and getattr(source.record, type_field) != "ACTUAL"
        return {"tier": self.tier(source), "actual": estimated, "newer": -updated.toordinal(),
                "document": source.doc_id, "path": (source.path, source.doc_id)}

    def key(self, source: Source, name: str | None = None) -> tuple:
        crit = self._criteria(source, name)
        return tuple(crit[c] for c in self.precedence)

    def reason(self, best: Source, runner_up: Source, name: str) -> str:
        a, b = self._criteria(best, name), self._criteria(runner_up, name)
        for rule in self.precedence:
            if a[rule] != b[rule]:
                if rule == "tier":
                    return f"source tier: {best.format} ({a['tier']}) over {runner_up.format} ({b['tier']})"
                if rule == "actual":
                    return "actual value over estimated"
                if rule == "newer":
                    return (f"newer last update ({best.record.last_update_date} over "
                            f"{runner_up.record.last_update_date or 'none'})")
                return TIES[rule]
        return _last_tie(self.precedence)


def merge(groups: dict[str, list[Source]], policy: dict) -> list[MergedTrial]:
    """Merge each trial's sources; returns trials sorted by id."""
    ranker = Ranker(policy)
    merged: list[MergedTrial] = []
    for trial_id in sorted(groups):
        sources = sorted(groups[trial_id], key=ranker.key)
        trial = MergedTrial(trial_id=trial_id, sources=sources)
        for name in TRIAL_FIELDS:
            if name == "trial_id" or name in ranker.type_of:
                continue
            stating = [s for s in sources if getattr(s.record, name) is not None]
            if not stating:
                continue
            if name in ranker.typed:
                stating.sort(key=lambda s, n=name: ranker.key(s, n))
            best = stating[0]
            value = getattr(best.record, name)
            trial.values[name] = value
            trial.chosen_doc[name] = best.doc_id
            differing = [s for s in stating[1:] if getattr(s.record, name) != value]
            if differing:
                trial.reasons[name] = ranker.reason(best, differing[0], name)
            elif len(stating) > 1:
                trial.reasons[name] = "all stating documents agree"
            else:
                trial.reasons[name] = "only document stating it"
            type_field = ranker.typed.get(name)
            if type_field and getattr(best.record, type_field) is not None:
                trial.values[type_field] = getattr(best.record, type_field)
                trial.chosen_doc[type_field] = best.doc_id
                trial.reasons[type_field] = f"travels with {name}"
        for section in SECTIONS:
            for source in sources:
                if getattr(source.record, section):
                    trial.section_doc[section] = source
                    break
        merged.append(trial)
    return merged


# --- the same merge in SQL, over the staging tables of warehouse/cache.py ----------------------------------------
#
# Inputs (temporary tables of the staging connection): ``_cur`` (this build's documents: doc_key, doc_id, path,
# ck, ingested), ``_map`` (source_trial_id → trial_id) and ``_tiers`` (format → tier); the staging tables
# ``docs``, ``records`` and ``s_<table>``; the new warehouse attached as ``wh``. Every statement reproduces the
# Python merge above row for row, in the same row order.

_DATE_MIN = "DATE '0001-01-01'"


def _order(precedence: list[str], est: str | None, prefix: str = "") -> str:
    parts = []
    for rule in precedence:
        if rule == "tier":
            parts.append(f"{prefix}tier")
        elif rule == "actual":
            parts.append(f"{prefix}{est}" if est else "false")
        elif rule == "newer":
            parts.append(f"coalesce({prefix}lud, {_DATE_MIN}) DESC")
        elif rule == "document":
            parts.append(f"{prefix}doc_id")
        elif rule == "path":
            parts.append(f"{prefix}path, {prefix}doc_id")
        else:
            raise KeyError(rule)
    return ", ".join(parts)


def _text(name: str) -> str:
    """SQL for a field's value as text, identical to ``warehouse.tables.as_text``."""
    from warehouse.cache import FLOAT_FIELDS

    if name in FLOAT_FIELDS:
        return f'x."{name}_text"'
    if name.endswith("_date") or name == "enrollment":
        return f'CAST(x."{name}" AS VARCHAR)'
    if name in ("healthy_volunteers", "has_results", "has_dmc"):
        return f"CASE WHEN x.\"{name}\" THEN 'true' WHEN NOT x.\"{name}\" THEN 'false' END"
    return f'x."{name}"'


def _reason(precedence: list[str], b: str = "w.b", u: str = "u.u", n: str = "w.n") -> str:
    """SQL for :meth:`Ranker.reason` (best ``b`` over the first differing ``u``), or the agreement note."""
    whens = []
    for rule in precedence:
        if rule == "tier":
            whens.append(f"WHEN {b}.tier <> {u}.tier THEN 'source tier: ' || {b}.format || ' (' "
                         f"|| CAST({b}.tier AS VARCHAR) || ') over ' || {u}.format || ' (' "
                         f"|| CAST({u}.tier AS VARCHAR) || ')'")
        elif rule == "actual":
            whens.append(f"WHEN {b}.est <> {u}.est THEN 'actual value over estimated'")
        elif rule == "newer":
            whens.append(f"WHEN coalesce({b}.lud, {_DATE_MIN}) <> coalesce({u}.lud, {_DATE_MIN}) "
                         f"THEN 'newer last update (' || coalesce(CAST({b}.lud AS VARCHAR), 'None') || ' over ' "
                         f"|| coalesce(CAST({u}.lud AS VARCHAR), 'none') || ')'")
        elif rule == "document":
            whens.append(f"WHEN {b}.doc_id <> {u}.doc_id THEN '{TIES[rule]}'")
        elif rule == "path":
            whens.append(f"WHEN {b}.path <> {u}.path OR {b}.doc_id <> {u}.doc_id THEN '{TIES[rule]}'")
    return (f"CASE WHEN {u} IS NULL THEN (CASE WHEN {n} > 1 THEN 'all stating documents agree' "
            "ELSE 'only document stating it' END) " + " ".join(whens) + f" ELSE '{_last_tie(precedence)}' END")


def sql_rank(policy: dict, records: str) -> list[str]:
    """``_src``: one row per (ingested document, record) with its trial and its rank (r, and r_<field> for
    typed fields), exactly the order of :meth:`Ranker.key` (ties: document order, then record order); the
    records' trial ids, update dates and date types are read from the table ``records``. ``_multi`` lists the
    trials told by several records: only theirs are ranked (a trial's one record is first in everything)."""
    precedence = policy.get("precedence", DEFAULT_PRECEDENCE)
    typed = policy.get("typed_fields", {})
    est = ", ".join(f'x."{tf}" IS DISTINCT FROM \'ACTUAL\' AS "est_{f}"' for f, tf in typed.items())
    ranks = ", ".join(f'row_number() OVER (PARTITION BY trial_id ORDER BY {_order(precedence, f"est_{f}")}, r) '
                      f'AS "r_{f}"' for f in typed)
    firsts = "".join(f', CAST(1 AS BIGINT) AS "r_{f}"' for f in typed)
    return [f"""
        CREATE OR REPLACE TEMP TABLE _ranked AS
        SELECT c.doc_key, c.doc_id, c.path, d.format, d.layout, x.ck, x.rec, x.trial_id AS source_trial_id,
               m.trial_id, t.tier, x.last_update_date AS lud{", " + est if est else ""}
        FROM _cur c JOIN docs d USING (ck) JOIN {records} x USING (ck)
        JOIN _map m ON m.source_trial_id = x.trial_id JOIN _tiers t ON t.format = d.format
        WHERE c.ingested""",
        "CREATE OR REPLACE TEMP TABLE _multi AS SELECT trial_id FROM _ranked GROUP BY trial_id HAVING count(*) > 1",
        f"""
        CREATE OR REPLACE TEMP TABLE _src AS
        SELECT *, CAST(1 AS BIGINT) AS r{firsts} FROM _ranked ANTI JOIN _multi USING (trial_id)
        UNION ALL
        SELECT *{", " + ranks if ranks else ""} FROM (
          SELECT *, row_number() OVER (PARTITION BY trial_id ORDER BY {_order(precedence, None)}, doc_key, rec) AS r
          FROM _ranked SEMI JOIN _multi USING (trial_id))""",
        "DROP TABLE _ranked"]


def sql_trials(policy: dict, rows: str = "") -> str:
    """``trials`` of the ranked records in ``_src``, read from the staging tables named ``<rows><table>``."""
    typed = policy.get("typed_fields", {})
    type_of = {v: k for k, v in typed.items()}
    aggs = []
    for name in TRIAL_FIELDS[1:]:
        if name in type_of:
            f = type_of[name]
            aggs.append(f'first(x."{name}" ORDER BY s."r_{f}") FILTER (WHERE x."{f}" IS NOT NULL) AS "{name}"')
        else:
            rank = f's."r_{name}"' if name in typed else "s.r"
            aggs.append(f'arg_min(x."{name}", {rank}) FILTER (WHERE x."{name}" IS NOT NULL) AS "{name}"')
    return f"""
        INSERT INTO wh.trials BY NAME
        SELECT s.trial_id AS trial_id, {", ".join(aggs)},
               CAST(count(DISTINCT s.doc_id) AS INTEGER) AS n_documents, arg_min(s.doc_id, s.r) AS primary_doc_id
        FROM _src s JOIN "{rows}records" x USING (ck, rec) GROUP BY s.trial_id ORDER BY s.trial_id"""


def sql_field_sources(policy: dict, rows: str = "") -> list[str]:
    """``field_sources``: the fields' rows into ``_fs``, then one ordered insert.

    The fields ranked on their own are read in one statement (their values as text, which tell values apart as
    the values do); a field that travels with a typed field, and a number (read apart from its text), in one
    statement each. (A statement for each of the forty fields was planned forty times: 0.17 s for a trial of
    several records in a patch, against ~0.02 s.)"""
    from warehouse.cache import FLOAT_FIELDS

    precedence = policy.get("precedence", DEFAULT_PRECEDENCE)
    typed = policy.get("typed_fields", {})
    type_of = {v: k for k, v in typed.items()}
    out = ["CREATE OR REPLACE TEMP TABLE _fs (trial_id VARCHAR, r BIGINT, fidx INTEGER, field VARCHAR, "
           "doc_id VARCHAR, text VARCHAR, is_chosen BOOLEAN, reason VARCHAR)"]
    as_text: list[str] = []
    for i, name in enumerate(TRIAL_FIELDS):
        if i == 0:
            continue
        if name in type_of:
            f = type_of[name]
            out.append(f"""
              INSERT INTO _fs
              SELECT s.trial_id, s.r, {i} AS fidx, '{name}' AS field, s.doc_id, x."{name}" AS text,
                     coalesce(s.doc_id = c.b.doc_id AND x."{name}" = c.b.tf, false) AS is_chosen,
                     CASE WHEN coalesce(s.doc_id = c.b.doc_id AND x."{name}" = c.b.tf, false)
                          THEN 'travels with {f}' END AS reason
              FROM _src s JOIN "{rows}records" x USING (ck, rec)
              LEFT JOIN (SELECT s.trial_id, arg_min({{'doc_id': s.doc_id, 'tf': x."{name}"}}, s."r_{f}") AS b
                         FROM _src s JOIN "{rows}records" x USING (ck, rec) WHERE x."{f}" IS NOT NULL
                         GROUP BY s.trial_id) c ON c.trial_id = s.trial_id
              WHERE x."{name}" IS NOT NULL""")
            continue
        rank = f'x."r_{name}"' if name in typed else "x.r"
        est = f'x."est_{name}"' if name in typed else "false"
        branch = (f"""SELECT x.trial_id, x.r, {rank} AS fr, x.doc_id, x.format, x.tier, {est} AS est, x.lud, x.path,
                            {i} AS fidx, '{name}' AS field, {{val}} AS val, {_text(name)} AS text
                     FROM j x WHERE x."{name}" IS NOT NULL""")
        if name in FLOAT_FIELDS:
            out.append(_ranked_fields(branch.format(val=f'x."{name}"'), typed, rows, precedence))
        else:  # (the text of a date, a number or a flag is one-to-one with its value)
            as_text.append(branch.format(val=_text(name)))
    if as_text:
        out.append(_ranked_fields("\n                     UNION ALL ".join(as_text), typed, rows, precedence))
    out.append("""
        INSERT INTO wh.field_sources (trial_id, field, doc_id, value, is_chosen, reason)
        SELECT trial_id, field, doc_id, text, is_chosen, reason FROM (
          SELECT *, row_number() OVER (PARTITION BY trial_id, fidx, doc_id, text ORDER BY r) AS k FROM _fs)
        WHERE k = 1 ORDER BY trial_id, r, fidx""")
    out.append("DROP TABLE _fs")
    return out


def _ranked_fields(values: str, typed: dict, rows: str, precedence: list[str]) -> str:
    """Insert into ``_fs`` the rows of ``values`` (one per field stated by a record, read from ``j``, the ranked
    records joined with their fields: its rank ``fr`` for that field and the value ``val`` that tells it from the
    others), each field of each trial ranked: the best-ranked row is chosen, with the reason it won over the
    best-ranked row of another value."""
    struct = "{'doc_id': doc_id, 'text': text, 'format': format, 'tier': tier, 'est': est, 'lud': lud, 'path': path}"
    ranks = "".join(f', s."r_{f}", s."est_{f}"' for f in typed)
    return f"""
            INSERT INTO _fs
            WITH j AS (SELECT s.trial_id, s.r, s.doc_id, s.format, s.tier, s.lud, s.path{ranks},
                              x.* EXCLUDE (trial_id, ck, rec)
                       FROM _src s JOIN "{rows}records" x USING (ck, rec)),
            v AS ({values}),
            w AS (SELECT trial_id, fidx, count(*) AS n, arg_min({struct}, fr) AS b, arg_min(val, fr) AS bval
                  FROM v GROUP BY trial_id, fidx),
            u AS (SELECT v.trial_id, v.fidx, arg_min({struct.replace(": ", ": v.")}, v.fr) AS u
                  FROM v JOIN w USING (trial_id, fidx) WHERE v.val IS DISTINCT FROM w.bval
                  GROUP BY v.trial_id, v.fidx),
            c AS (SELECT w.trial_id, w.fidx, w.b.doc_id AS bdoc, w.b.text AS btext, {_reason(precedence)} AS reason
                  FROM w LEFT JOIN u USING (trial_id, fidx))
              SELECT v.trial_id, v.r, v.fidx, v.field, v.doc_id, v.text,
                     v.doc_id = c.bdoc AND v.text = c.btext AS is_chosen,
                     CASE WHEN v.doc_id = c.bdoc AND v.text = c.btext THEN c.reason END AS reason
              FROM v JOIN c USING (trial_id, fidx)"""


def _pick(table: str, src: str = "_src") -> str:
    """Per trial, the best-ranked record that has rows in staging table ``table`` (a quoted name)."""
    return f"""(SELECT s.trial_id, arg_min({{'ck': s.ck, 'rec': s.rec, 'doc_id': s.doc_id}}, s.r) AS b
               FROM {src} s SEMI JOIN {table} h USING (ck, rec) GROUP BY s.trial_id)"""


def sql_children(src: str = "_src", single: bool = False, rows: str = "") -> list[str]:
    """The child tables, the arm↔intervention links and ``document_trials`` of the trials ranked in ``src``,
    read from the staging tables named ``<rows><table>``; ``single``: every trial there has one record, whose
    sections are taken as they are (no pick)."""
    from warehouse.tables import CHILD_TABLES

    out = []
    for table, (section, cols) in CHILD_TABLES.items():
        names = ", ".join(f'"{c}"' for c in cols)
        picked = ", ".join(f'c."{c}"' for c in cols)
        staged = f'"{rows}s_{table}"'
        if section in UNION_SECTIONS:
            out.append(f"""
                INSERT INTO wh."{table}" (trial_id, {names}, doc_id)
                SELECT trial_id, {names}, doc_id FROM (
                  SELECT s.trial_id, s.doc_id, s.r, c.idx, {picked},
                         row_number() OVER (PARTITION BY s.trial_id, c."{cols[0]}", c."{cols[1]}"
                                            ORDER BY s.r, c.idx) AS k
                  FROM {src} s JOIN {staged} c USING (ck, rec) WHERE c."{cols[0]}" IS DISTINCT FROM s.trial_id)
                WHERE k = 1 ORDER BY trial_id, r, idx""")
        elif single:
            out.append(f"""
                INSERT INTO wh."{table}" (trial_id, {names}, doc_id)
                SELECT s.trial_id, {picked}, s.doc_id FROM {src} s JOIN {staged} c USING (ck, rec)
                ORDER BY s.trial_id, c.idx""")
        else:
            out.append(f"""
                INSERT INTO wh."{table}" (trial_id, {names}, doc_id)
                SELECT p.trial_id, {picked}, p.b.doc_id FROM {_pick(staged, src)} p
                JOIN {staged} c ON c.ck = p.b.ck AND c.rec = p.b.rec ORDER BY p.trial_id, c.idx""")
    links = f'"{rows}s_arm_links"'
    if single:
        out.append(f"""
            INSERT INTO wh.arm_interventions (trial_id, arm_label, intervention_name, doc_id)
            SELECT s.trial_id, l.arm_label, l.intervention_name, s.doc_id FROM {src} s
            JOIN {links} l USING (ck, rec) ORDER BY s.trial_id, l.idx""")
        out.append(f"""
            INSERT INTO wh.document_trials (doc_id, trial_id, source_trial_id, layout)
            SELECT doc_id, trial_id, source_trial_id, layout FROM {src} ORDER BY trial_id""")
        return out
    out.append(f"""
        INSERT INTO wh.arm_interventions (trial_id, arm_label, intervention_name, doc_id)
        SELECT p.trial_id, l.arm_label, l.intervention_name, p.b.doc_id
        FROM (SELECT trial_id, coalesce(a.b, i.b) AS b FROM {_pick(f'"{rows}s_arms"', src)} a
              FULL JOIN {_pick(f'"{rows}s_interventions"', src)} i USING (trial_id)) p
        JOIN {links} l ON l.ck = p.b.ck AND l.rec = p.b.rec ORDER BY p.trial_id, l.idx""")
    out.append(f"""
        INSERT INTO wh.document_trials (doc_id, trial_id, source_trial_id, layout)
        SELECT doc_id, trial_id, source_trial_id, layout FROM (
          SELECT *, row_number() OVER (PARTITION BY trial_id, doc_id, source_trial_id ORDER BY r) AS k FROM {src})
        WHERE k = 1 ORDER BY trial_id, r""")
    return out


def sql_single_trials(policy: dict) -> list[str]:
    """``trials`` and ``field_sources`` of the trials told by one record (``_one``): its values as they are,
    each the only one stated (a typed field's type only with its value), in one scan of the records; ``is_msc``
    as the record's own derivation found it (see :func:`sql_derived`)."""
    typed = policy.get("typed_fields", {})
    type_of = {v: k for k, v in typed.items()}
    cols, facts = [], []
    for i, name in enumerate(TRIAL_FIELDS):
        if i == 0:
            continue
        if name in type_of:
            f = type_of[name]
            cols.append(f'CASE WHEN x."{f}" IS NOT NULL THEN x."{name}" END AS "{name}"')
            facts.append(f"{{'fidx': {i}, 'field': '{name}', 'value': x.\"{name}\", "
                         f"'is_chosen': x.\"{f}\" IS NOT NULL, "
                         f"'reason': CASE WHEN x.\"{f}\" IS NOT NULL THEN 'travels with {f}' END}}")
        else:
            cols.append(f'x."{name}" AS "{name}"')
            facts.append(f"{{'fidx': {i}, 'field': '{name}', 'value': {_text(name)}, 'is_chosen': true, "
                         f"'reason': 'only document stating it'}}")
    return [f"""
        INSERT INTO wh.trials BY NAME
        SELECT s.trial_id AS trial_id, {", ".join(cols)}, CAST(1 AS INTEGER) AS n_documents,
               s.doc_id AS primary_doc_id, m.is_msc AS is_msc
        FROM _one s JOIN records x USING (ck, rec) LEFT JOIN s_msc m USING (ck, rec) ORDER BY s.trial_id""", f"""
        INSERT INTO wh.field_sources (trial_id, field, doc_id, value, is_chosen, reason)
        SELECT trial_id, field, doc_id, value, is_chosen, reason FROM (
          SELECT s.trial_id, s.doc_id, unnest([{", ".join(facts)}], recursive := true)
          FROM _one s JOIN records x USING (ck, rec))
        WHERE value IS NOT NULL ORDER BY trial_id, fidx"""]


def sql_derived(rows: str = "", several: bool = True) -> tuple[list[str], list[str]]:
    """Derived rows computed per record by the parse workers (:mod:`warehouse.record_derive`): criteria facts and
    themes of the record whose criteria were chosen, and the MSC profile of every trial told by one record alone
    (``trials.is_msc`` stays NULL for the others, which the ``msc`` step derives from their merged rows).

    Returns the statements for the trials told by several records (``_src``, read from the staging tables named
    ``<rows><table>``; none unless ``several``) and those for the trials told by one (``_one``)."""
    from warehouse.tables import DERIVED_COLUMNS

    multi, one = [], []
    for table in ("criteria_facts", "criteria_themes"):
        cols = DERIVED_COLUMNS[f"s_{table}"]
        names = ", ".join(f'"{c}"' for c in cols)
        picked = ", ".join(f'f."{c}"' for c in cols)
        if several:
            multi.append(f"""
                INSERT INTO wh."{table}" (trial_id, {names}, doc_id)
                SELECT p.trial_id, {picked}, p.b.doc_id FROM {_pick(f'"{rows}s_criteria"')} p
                JOIN "{rows}s_{table}" f ON f.ck = p.b.ck AND f.rec = p.b.rec ORDER BY p.trial_id, f.idx""")
        one.append(f"""
            INSERT INTO wh."{table}" (trial_id, {names}, doc_id)
            SELECT s.trial_id, {picked}, s.doc_id FROM _one s JOIN "s_{table}" f USING (ck, rec)
            ORDER BY s.trial_id, f.idx""")
    one.append("""
        INSERT INTO wh.msc_profile BY NAME
        SELECT s.trial_id, m.* EXCLUDE (ck, rec, idx, is_msc) FROM _one s JOIN s_msc m USING (ck, rec)
        WHERE m.is_msc ORDER BY s.trial_id""")
    one.append("""
        INSERT INTO wh.msc_doses BY NAME
        SELECT s.trial_id, d.* EXCLUDE (ck, rec, idx) FROM _one s JOIN s_msc_doses d USING (ck, rec)
        ORDER BY s.trial_id, d.arm_label, d.idx""")
    return multi, one


#: Trial-keyed tables of the warehouse (every row belongs to one trial).
TRIAL_TABLES = ("trials", "field_sources", "arm_interventions", "document_trials", "criteria_facts",
                "criteria_themes", "trial_age_window", "msc_profile", "msc_doses")

#: Per trial, what its merge depends on: its records (cache entry, record number, document id and path, the id
#: the record gave, format) in rank order. An unchanged signature means unchanged merged rows.
SQL_SIGNATURES = """
    CREATE OR REPLACE TEMP TABLE _sigs AS
    SELECT trial_id, md5(concat_ws(chr(31), ck, rec, doc_id, path, source_trial_id, format, layout)) AS sig
    FROM _src ANTI JOIN _multi USING (trial_id)
    UNION ALL
    SELECT trial_id, md5(string_agg(concat_ws(chr(31), ck, rec, doc_id, path, source_trial_id, format, layout),
                                    chr(30) ORDER BY r)) AS sig
    FROM _src SEMI JOIN _multi USING (trial_id) GROUP BY trial_id"""


#: Trials told by one record (``_one``) are taken as they are; only the others (left in ``_src``) are ranked.
SQL_SPLIT = [
    "CREATE OR REPLACE TEMP TABLE _one AS SELECT * FROM _src ANTI JOIN _multi USING (trial_id)",
    "DELETE FROM _src WHERE trial_id IN (SELECT trial_id FROM _one)",
]


def sql_fill(con, policy: dict) -> None:
    """Fill ``wh`` with the trials of the ranked records in ``_src`` (made by :func:`sql_rank`), then drop it.

    The records of the trials told by several (few, each read by many statements) are first copied out of the
    staging segments into temporary tables ``m_<table>``."""
    from warehouse.cache import MERGED_TABLES

    for stmt in SQL_SPLIT:
        con.execute(stmt)
    several = con.execute("SELECT count(*) FROM _src").fetchall()[0][0] > 0
    copies = [f"m_{table}" for table in MERGED_TABLES] if several else []
    for table in MERGED_TABLES if several else ():
        con.execute(f'CREATE OR REPLACE TEMP TABLE "m_{table}" AS '
                    f'SELECT x.* FROM "{table}" x SEMI JOIN _src USING (ck, rec)')
    derived_multi, derived_one = sql_derived("m_", several)
    multi = [sql_trials(policy, "m_"), *sql_field_sources(policy, "m_"), *sql_children(rows="m_")] if several else []
    for stmt in [*multi, *derived_multi]:
        con.execute(stmt)
    one = [*sql_single_trials(policy), *sql_children("_one", single=True), *derived_one]
    for _ in _single_slices(con):
        for stmt in one:
            con.execute(stmt)
    for table in ("_src", "_one", "_multi", *copies):
        con.execute(f'DROP TABLE "{table}"')


#: Trials told by one record are written at most this many at a time. Each statement sorts what it writes by
#: trial, and DuckDB keeps what a sort holds in memory (written at once, the trials of 15,000 records needed
#: 100-150 MB of the memory limit and those of 100,000 400-600 MB: 1 GB would run out near 200,000): in slices,
#: a merge needs the same memory however many trials there are. Each slice reads the staging files again
#: (two slices of 50,000 made the merge of 100,000 trials 1.5-4 s slower), so the slices are large.
SLICE_TRIALS = 100_000


def _single_slices(con) -> Iterator[None]:
    """Make ``_one`` hold one slice of the trials told by one record after another, in trial order (a table's
    rows are written in the same order as by one statement). ``_one`` is left as it was."""
    n = con.execute("SELECT count(*) FROM _one").fetchall()[0][0]
    if n <= SLICE_TRIALS:
        yield
        return
    bounds = [t for (t,) in con.execute(
        "SELECT trial_id FROM (SELECT trial_id, row_number() OVER (ORDER BY trial_id) - 1 AS i FROM _one) "
        "WHERE i > 0 AND i % ? = 0 ORDER BY trial_id", [SLICE_TRIALS]).fetchall()]
    con.execute("ALTER TABLE _one RENAME TO _one_all")
    try:
        for lo, hi in zip([None, *bounds], [*bounds, None], strict=True):
            con.execute("CREATE OR REPLACE TEMP TABLE _one AS SELECT * FROM _one_all "
                        "WHERE ($lo IS NULL OR trial_id >= $lo) AND ($hi IS NULL OR trial_id < $hi)",
                        {"lo": lo, "hi": hi})
            yield
    finally:
        con.execute("DROP TABLE IF EXISTS _one")
        con.execute("ALTER TABLE _one_all RENAME TO _one")
