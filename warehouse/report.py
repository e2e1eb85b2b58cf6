"""One trial as a person wants to read it: merged values, then its sources and conflicts."""

from __future__ import annotations

import textwrap

import duckdb

from warehouse.query import connect_read_only

_SECTIONS = [
    ("Conditions", "SELECT condition FROM conditions WHERE trial_id = ? ORDER BY ordinal"),
    ("Arms", "SELECT arm_label || coalesce(' [' || arm_type || ']', '') FROM arms WHERE trial_id = ? ORDER BY ordinal"),
    ("Interventions", "SELECT coalesce(intervention_type || ': ', '') || intervention_name FROM interventions "
                      "WHERE trial_id = ? ORDER BY ordinal"),
    ("Primary outcomes", "SELECT measure || coalesce(' [' || time_frame || ']', '') FROM outcomes "
                         "WHERE trial_id = ? AND outcome_type = 'primary' ORDER BY ordinal"),
    ("Inclusion criteria", "SELECT criterion_text FROM criteria WHERE trial_id = ? "
                           "AND criterion_type = 'inclusion' ORDER BY ordinal"),
    ("Exclusion criteria", "SELECT criterion_text FROM criteria WHERE trial_id = ? "
                           "AND criterion_type = 'exclusion' ORDER BY ordinal"),
    ("Other ids", "SELECT id_value || ' (' || id_type || ')' FROM identifiers WHERE trial_id = ? ORDER BY ALL"),
]

_LONG_FIELDS = {"brief_summary", "detailed_description", "eligibility_criteria"}


class TrialNotFound(Exception):
    """No trial has that id (nor lists it as another id)."""


def _resolve(con: duckdb.DuckDBPyConnection, trial_id: str) -> str:
    hit = con.execute("SELECT trial_id FROM trials WHERE trial_id = ?", [trial_id]).fetchone()
    if hit:
        return hit[0]
    hit = con.execute("SELECT DISTINCT trial_id FROM identifiers WHERE id_value = ? UNION "
                      "SELECT DISTINCT trial_id FROM document_trials WHERE source_trial_id = ? ORDER BY 1",
                      [trial_id, trial_id]).fetchone()
    if hit:
        return hit[0]
    raise TrialNotFound(f"no trial {trial_id!r} in this warehouse")


def render(db: str, trial_id: str, width: int = 100) -> str:
    con = connect_read_only(db)
    try:
        tid = _resolve(con, trial_id)
        cur = con.execute("SELECT * FROM trials WHERE trial_id = ?", [tid])
        names = [d[0] for d in cur.description]
        values = dict(zip(names, cur.fetchone(), strict=True))
        out = [f"{tid}  {values.get('brief_title') or ''}".rstrip(), "=" * min(width, 100)]
        label_w = max(len(n) for n in names)
        for name in names:
            value = values[name]
            if value is None or name in _LONG_FIELDS:
                continue
            out.append(f"{name.ljust(label_w)}  {value}")
        for name in sorted(_LONG_FIELDS):
            if values.get(name):
                out += ["", f"{name}:", textwrap.indent(textwrap.shorten(str(values[name]), 600), "  ")]
        for title, sql in _SECTIONS:
            items = [r[0] for r in con.execute(sql, [tid]).fetchall() if r[0]]
            if items:
                out += ["", f"{title} ({len(items)}):"] + [f"  - {i}" for i in items]
        out += ["", "Sources:"]
        for doc_id, path, fmt, layout, source_id in con.execute(
            "SELECT d.doc_id, d.path, d.format, d.layout, dt.source_trial_id FROM document_trials dt "
            "JOIN documents d USING (doc_id) WHERE dt.trial_id = ? ORDER BY d.doc_id", [tid]
        ).fetchall():
            kind = fmt if fmt != "page" else f"page/{layout}"
            alias = f" as {source_id}" if source_id != tid else ""
            out.append(f"  {doc_id}  {kind}{alias}  {path}")
        conflicts = con.execute(
            "SELECT field, chosen_value, reason, documents FROM conflicts WHERE trial_id = ? ORDER BY field", [tid]
        ).fetchall()
        out += ["", f"Conflicts ({len(conflicts)}):"]
        for field, chosen, reason, docs in conflicts:
            out.append(f"  {field}: chose {textwrap.shorten(str(chosen), 60)!r} ({reason})")
            for entry in docs:
                out.append(f"      {textwrap.shorten(entry, width - 6)}")
        return "\n".join(out)
    finally:
        con.close()
