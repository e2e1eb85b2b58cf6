"""Derive step ``msc``: sets ``trials.is_msc`` for every trial and fills ``msc_profile`` and ``msc_doses``.

Reads trials, interventions, arms and arm_interventions in bulk, profiles each trial with
:mod:`warehouse.msc_classify`, and writes the results back in three bulk statements.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from warehouse.parallel import map_chunks

if TYPE_CHECKING:
    from warehouse.msc_classify import Profile, TrialText

#: Columns of ``msc_profile`` and ``msc_doses`` rows and their types.
PROFILE_COLUMNS = {
    "trial_id": pa.string(), "cell_source": pa.string(), "donor": pa.string(), "product_type": pa.string(),
    "route": pa.string(), "dose_per_kg": pa.float64(), "dose_per_kg_max": pa.float64(),
    "dose_total_cells": pa.float64(), "dose_total_cells_max": pa.float64(), "dose_text": pa.string(),
    "n_administrations": pa.int32(), "evidence": pa.string(),
}
DOSES_COLUMNS = {
    "trial_id": pa.string(), "arm_label": pa.string(), "dose_per_kg": pa.float64(), "dose_per_kg_max": pa.float64(),
    "dose_total_cells": pa.float64(), "dose_total_cells_max": pa.float64(), "dose_text": pa.string(),
    "n_administrations": pa.int32(), "route": pa.string(), "evidence": pa.string(),
}


def read_trials(con: duckdb.DuckDBPyConnection, where: str = "true") -> list[TrialText]:
    """Every trial (``where``: a condition on ``trials``) with its interventions and arms (arm → intervention
    links), in trial_id order."""
    from warehouse.msc_classify import Arm, Intervention, TrialText  # (vocabularies: only where trials are read)

    trials: dict[str, TrialText] = {}
    for tid, bt, ot, bs, dd, st in con.execute(
        "SELECT trial_id, brief_title, official_title, brief_summary, detailed_description, study_type "
        f"FROM trials WHERE {where} ORDER BY trial_id"
    ).fetchall():
        trials[tid] = TrialText(tid, bt, ot, bs, dd, st)
    chosen = "true" if where == "true" else f"trial_id IN (SELECT trial_id FROM trials WHERE {where})"
    for tid, name, itype, desc, other in con.execute(
        "SELECT trial_id, intervention_name, intervention_type, description, other_names FROM interventions "
        f"WHERE {chosen} ORDER BY trial_id, ordinal NULLS LAST, intervention_name"
    ).fetchall():
        if tid in trials:
            others = [o.strip() for o in (other or "").split("|") if o.strip()]
            trials[tid].interventions.append(Intervention(name or "", itype, desc, other_names=others))
    links: dict[tuple[str, str], list[str]] = {}
    for tid, label, name in con.execute(
        f"SELECT trial_id, arm_label, intervention_name FROM arm_interventions WHERE {chosen} "
        "ORDER BY trial_id, arm_label, intervention_name"
    ).fetchall():
        links.setdefault((tid, label), []).append(name)
    for tid, label, atype, desc in con.execute(
        f"SELECT trial_id, arm_label, arm_type, description FROM arms WHERE {chosen} "
        "ORDER BY trial_id, ordinal NULLS LAST, arm_label"
    ).fetchall():
        if tid in trials:
            trials[tid].arms.append(Arm(label, atype, desc, links.get((tid, label), [])))
    return list(trials.values())


def _profile_chunk(trials: list[TrialText]) -> list[Profile]:
    from warehouse.msc_classify import load_vocab, profile

    vocab = load_vocab()
    return [profile(t, vocab) for t in trials]


def profiles(con: duckdb.DuckDBPyConnection, where: str = "true") -> list[Profile]:
    return [p for chunk in map_chunks(_profile_chunk, read_trials(con, where), min_items=100) for p in chunk]


def frames(results: list[Profile]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(is_msc per trial, msc_profile rows, msc_doses rows), sorted."""
    flags = pa.table({"trial_id": pa.array([p.trial_id for p in results], pa.string()),
                      "is_msc": pa.array([p.is_msc for p in results], pa.bool_())})
    msc = [p for p in results if p.is_msc]
    prof = pa.table({k: pa.array([getattr(p, k) for p in msc], v) for k, v in PROFILE_COLUMNS.items()})
    rows = [(p.trial_id, a) for p in msc for a in p.arm_doses]
    doses = pa.table({k: pa.array([p_id if k == "trial_id" else getattr(a, k) for p_id, a in rows], v)
                      for k, v in DOSES_COLUMNS.items()})
    return (flags.sort_by("trial_id"), prof.sort_by("trial_id"),
            doses.sort_by([("trial_id", "ascending"), ("arm_label", "ascending")]))


def derive(con: duckdb.DuckDBPyConnection, prefilled: bool = False) -> None:
    """Profile every trial; ``prefilled``: only the trials the build left without one (``is_msc`` NULL: trials
    told by several records, see :func:`warehouse.merge.sql_derived`)."""
    where = "is_msc IS NULL" if prefilled else "true"
    if prefilled and not con.execute(f"SELECT count(*) FROM trials WHERE {where}").fetchone()[0]:
        return
    flags, prof, doses = frames(profiles(con, where))
    con.register("_msc_flags", flags)
    try:
        con.execute("UPDATE trials SET is_msc = f.is_msc FROM _msc_flags f WHERE trials.trial_id = f.trial_id")
    finally:
        con.unregister("_msc_flags")
    for table, frame in (("msc_profile", prof), ("msc_doses", doses)):
        if not prefilled:
            con.execute(f"DELETE FROM {table}")
        con.register("_msc_frame", frame)
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _msc_frame")
        finally:
            con.unregister("_msc_frame")
