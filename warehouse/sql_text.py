"""Values written into SQL text: string literals (paths, settings) and quoted identifiers."""

from __future__ import annotations

from os import PathLike


def literal(value: str | PathLike) -> str:
    """A SQL string literal: ``O'Brien`` → ``'O''Brien'`` (paths may hold quotes)."""
    return "'" + str(value).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier: double quotes around it, each double quote inside doubled."""
    return '"' + name.replace('"', '""') + '"'
