"""Derived tables computed from the loaded warehouse (MSC profile, criteria facts, …), run in order.

Each step is a module in ``warehouse/`` exposing ``derive(con)``; it reads the loaded tables and fills its own.
"""

from __future__ import annotations

import importlib

import duckdb

#: Module names under ``warehouse`` whose ``derive(con)`` runs after loading, in this order.
STEPS: list[str] = []


def run_all(con: duckdb.DuckDBPyConnection) -> None:
    for name in STEPS:
        importlib.import_module(f"warehouse.{name}").derive(con)
