"""Derive step: create every versioned view (``sql/views``) in the new warehouse; runs last.

Fails the build, with the view and table named, when a view reads a table the warehouse lacks or when a
view's output differs from its catalog contract.
"""

from __future__ import annotations

import duckdb

from warehouse import views


def derive(con: duckdb.DuckDBPyConnection) -> None:
    views.create_views(con)
