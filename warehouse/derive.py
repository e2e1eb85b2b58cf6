"""Derived tables computed from the loaded warehouse (MSC profile, criteria facts, views), run in order.

Each step is a module in ``warehouse/`` exposing ``derive(con)``; it reads the loaded tables and fills its own.
"""

from __future__ import annotations

import importlib

import duckdb

#: MSC classification and profile (fills trials.is_msc, msc_profile, msc_doses).
MSC_STEPS: list[str] = ["msc"]
#: Structured facts and themes read from eligibility criteria.
CRITERIA_STEPS: list[str] = ["criteria_facts"]
#: Versioned views over everything above (must run last).
VIEW_STEPS: list[str] = ["view_step"]

STEPS = MSC_STEPS + CRITERIA_STEPS + VIEW_STEPS


def run_all(con: duckdb.DuckDBPyConnection, prefilled: bool = False, patched: bool = False) -> None:
    """Run every step; ``prefilled``: the build already copied the rows its parse workers derived per record,
    and each step only completes what is missing; ``patched``: the warehouse is a patched copy of one built by
    the same code, whose views are already there and unchanged."""
    for name in STEPS:
        if patched and name in VIEW_STEPS:
            continue
        step = importlib.import_module(f"warehouse.{name}").derive
        if prefilled and name in MSC_STEPS + CRITERIA_STEPS:
            step(con, prefilled=True)
        else:
            step(con)
