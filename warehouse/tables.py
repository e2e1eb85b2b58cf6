"""Merged trials → column-oriented tables (Polars frames), ready for one bulk insert per table."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ingest.model import TRIAL_FIELDS
from warehouse.merge import UNION_SECTIONS, MergedTrial

if TYPE_CHECKING:
    import polars as pl

_DATE_FIELDS = {name for name in TRIAL_FIELDS if name.endswith("_date")}
_FLOAT_FIELDS = {"min_age_years", "max_age_years"}
_INT_FIELDS = {"enrollment"}
_BOOL_FIELDS = {"healthy_volunteers", "has_results", "has_dmc"}


def _dtype(name: str) -> pl.DataType:
    import polars as pl

    if name in _DATE_FIELDS:
        return pl.Date()
    if name in _FLOAT_FIELDS:
        return pl.Float64()
    if name in _INT_FIELDS:
        return pl.Int32()
    if name in _BOOL_FIELDS:
        return pl.Boolean()
    return pl.String()


def as_text(value: object) -> str:
    """A field value as text for ``field_sources`` (dates ISO, booleans lower case, numbers compact)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: Child tables: (table, section, columns, row function(item) -> tuple of the non-key columns).
CHILD_TABLES: dict[str, tuple[str, list[str]]] = {
    "conditions": ("conditions", ["ordinal", "condition"]),
    "keywords": ("keywords", ["ordinal", "keyword"]),
    "arms": ("arms", ["ordinal", "arm_label", "arm_type", "description"]),
    "interventions": ("interventions", ["ordinal", "intervention_name", "intervention_type", "description",
                                        "other_names"]),
    "outcomes": ("outcomes", ["outcome_type", "ordinal", "measure", "time_frame", "description"]),
    "criteria": ("criteria", ["criterion_type", "ordinal", "criterion_text"]),
    "sites": ("sites", ["ordinal", "facility", "city", "state", "zip", "country", "status"]),
    "countries": ("countries", ["country"]),
    "sponsors": ("sponsors", ["name", "lead_or_collaborator", "agency_class"]),
    "identifiers": ("identifiers", ["id_value", "id_type", "domain"]),
    "officials": ("officials", ["name", "role", "affiliation"]),
    "trial_references": ("references", ["pmid", "reference_type", "citation"]),
    "mesh_terms": ("mesh_terms", ["kind", "term", "mesh_id"]),
    "contacts": ("contacts", ["role", "name", "phone", "email"]),
}

#: Staging tables of the rows derived per record (:mod:`warehouse.record_derive`) → their columns after (ck, rec, idx).
DERIVED_COLUMNS: dict[str, list[str]] = {
    "s_criteria_facts": ["criterion_type", "ordinal", "fact_no", "fact", "low", "high", "low_inclusive",
                         "high_inclusive", "unit", "evidence"],
    "s_criteria_themes": ["criterion_type", "ordinal", "theme", "matched"],
    "s_msc": ["is_msc", "cell_source", "donor", "product_type", "route", "dose_per_kg", "dose_per_kg_max",
              "dose_total_cells", "dose_total_cells_max", "dose_text", "n_administrations", "evidence"],
    "s_msc_doses": ["arm_label", "dose_per_kg", "dose_per_kg_max", "dose_total_cells", "dose_total_cells_max",
                    "dose_text", "n_administrations", "route", "evidence"],
}


def _outcome_rows(items: list) -> list[tuple]:
    counters: dict[str, int] = {}
    rows = []
    for o in items:
        counters[o.outcome_type] = counters.get(o.outcome_type, 0) + 1
        rows.append((o.outcome_type, counters[o.outcome_type], o.measure, o.time_frame, o.description))
    return rows


#: Section → its row function (item list → rows of the non-key columns).
_ROW_FUNCS = {
    "conditions": lambda items: [(i, v) for i, v in enumerate(items, 1)],
    "keywords": lambda items: [(i, v) for i, v in enumerate(items, 1)],
    "countries": lambda items: [(v,) for v in items],
    "arms": lambda items: [(i, a.label, a.arm_type, a.description) for i, a in enumerate(items, 1)],
    "interventions": lambda items: [(i, v.name, v.intervention_type, v.description, "|".join(v.other_names) or None)
                                    for i, v in enumerate(items, 1)],
    "outcomes": _outcome_rows,
    "criteria": lambda items: [(c.criterion_type, c.ordinal, c.text) for c in items],
    "sites": lambda items: [(i, s.facility, s.city, s.state, s.zip, s.country, s.status)
                            for i, s in enumerate(items, 1)],
    "sponsors": lambda items: [(s.name, s.lead_or_collaborator, s.agency_class) for s in items],
    "identifiers": lambda items: [(x.id_value, x.id_type, x.domain) for x in items],
    "officials": lambda items: [(o.name, o.role, o.affiliation) for o in items],
    "references": lambda items: [(r.pmid, r.reference_type, r.citation) for r in items],
    "mesh_terms": lambda items: [(m.kind, m.term, m.mesh_id) for m in items],
    "contacts": lambda items: [(c.role, c.name, c.phone, c.email) for c in items],
}


def _rows(section: str, items: list) -> list[tuple]:
    rows = _ROW_FUNCS[section]
    return rows(items) if items else []


def _arm_links(source) -> list[tuple[str, str]]:
    return arm_links(source.record)


def arm_links(record) -> list[tuple[str, str]]:
    """Arm↔intervention pairs stated by one record (from either side), unique, in order."""
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for arm in record.arms:
        for name in arm.intervention_names:
            if (arm.label, name) not in seen:
                seen.add((arm.label, name))
                pairs.append((arm.label, name))
    for iv in record.interventions:
        for label in iv.arm_labels:
            if (label, iv.name) not in seen:
                seen.add((label, iv.name))
                pairs.append((label, iv.name))
    return pairs


def build_frames(merged: list[MergedTrial]) -> dict[str, pl.DataFrame]:
    """Every trial-data table as a Polars frame (documents are built separately)."""
    import polars as pl

    trial_cols: dict[str, list] = {name: [] for name in TRIAL_FIELDS}
    trial_cols.update(n_documents=[], primary_doc_id=[])
    fs_cols: dict[str, list] = {k: [] for k in ("trial_id", "field", "doc_id", "value", "is_chosen", "reason")}
    dt_cols: dict[str, list] = {k: [] for k in ("doc_id", "trial_id", "source_trial_id", "layout")}
    child: dict[str, dict[str, list]] = {
        table: {k: [] for k in ["trial_id", *cols, "doc_id"]} for table, (_, cols) in CHILD_TABLES.items()
    }
    link_cols: dict[str, list] = {k: [] for k in ("trial_id", "arm_label", "intervention_name", "doc_id")}

    for trial in merged:
        tid = trial.trial_id
        for name in TRIAL_FIELDS:
            trial_cols[name].append(tid if name == "trial_id" else trial.values.get(name))
        trial_cols["n_documents"].append(len({s.doc_id for s in trial.sources}))
        trial_cols["primary_doc_id"].append(trial.sources[0].doc_id)
        seen_fs: set[tuple] = set()
        seen_dt: set[tuple] = set()
        for source in trial.sources:
            key = (source.doc_id, source.record.trial_id)
            if key not in seen_dt:
                seen_dt.add(key)
                dt_cols["doc_id"].append(source.doc_id)
                dt_cols["trial_id"].append(tid)
                dt_cols["source_trial_id"].append(source.record.trial_id)
                dt_cols["layout"].append(source.layout)
            for name in TRIAL_FIELDS[1:]:
                value = getattr(source.record, name)
                if value is None:
                    continue
                text = as_text(value)
                if (name, source.doc_id, text) in seen_fs:
                    continue
                seen_fs.add((name, source.doc_id, text))
                chosen = trial.chosen_doc.get(name) == source.doc_id and as_text(trial.values[name]) == text
                fs_cols["trial_id"].append(tid)
                fs_cols["field"].append(name)
                fs_cols["doc_id"].append(source.doc_id)
                fs_cols["value"].append(text)
                fs_cols["is_chosen"].append(chosen)
                fs_cols["reason"].append(trial.reasons.get(name) if chosen else None)
        for table, (section, cols) in CHILD_TABLES.items():
            if section in UNION_SECTIONS:
                seen_rows: set[tuple] = set()
                for source in trial.sources:
                    for row in _rows(section, getattr(source.record, section)):
                        if row[:2] not in seen_rows and row[0] != tid:
                            seen_rows.add(row[:2])
                            _append(child[table], tid, cols, row, source.doc_id)
                continue
            source = trial.section_doc.get(section)
            if source is None:
                continue
            for row in _rows(section, getattr(source.record, section)):
                _append(child[table], tid, cols, row, source.doc_id)
        arm_source = trial.section_doc.get("arms") or trial.section_doc.get("interventions")
        if arm_source is not None:
            for label, name in _arm_links(arm_source):
                link_cols["trial_id"].append(tid)
                link_cols["arm_label"].append(label)
                link_cols["intervention_name"].append(name)
                link_cols["doc_id"].append(arm_source.doc_id)

    frames = {
        "trials": pl.DataFrame(
            trial_cols,
            schema={**{n: _dtype(n) for n in TRIAL_FIELDS}, "n_documents": pl.Int32(), "primary_doc_id": pl.String()},
        ),
        "field_sources": pl.DataFrame(fs_cols, schema={
            "trial_id": pl.String(), "field": pl.String(), "doc_id": pl.String(), "value": pl.String(),
            "is_chosen": pl.Boolean(), "reason": pl.String()}),
        "document_trials": pl.DataFrame(dt_cols, schema={k: pl.String() for k in dt_cols}),
        "arm_interventions": pl.DataFrame(link_cols, schema={k: pl.String() for k in link_cols}),
    }
    for table, cols in child.items():
        schema = {k: (pl.Int32() if k == "ordinal" else pl.String()) for k in cols}
        frames[table] = pl.DataFrame(cols, schema=schema)
    return frames


def _append(cols: dict[str, list], trial_id: str, names: list[str], row: tuple, doc_id: str) -> None:
    cols["trial_id"].append(trial_id)
    for name, value in zip(names, row, strict=True):
        cols[name].append(value)
    cols["doc_id"].append(doc_id)
