"""The parser interface and its registry (one parser per source format or page layout).

A parser is a subclass of :class:`Parser` with a unique ``name``; defining the class registers it.
The build asks every registered parser how confident it is that a document is theirs
(:meth:`Parser.detect`, 0–1) and hands the document to the most confident one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from ingest.errors import IngestError, NotStreamable
from ingest.model import TrialRecord

_REGISTRY: dict[str, type[Parser]] = {}
#: Bumped on every registration; keys the cache of :func:`by_kind`.
_GENERATION = 0
_BY_KIND: tuple[tuple[int, int], dict[str, list[tuple[str, type[Parser]]]]] | None = None


class Parser:
    """Base class: detect → confidence, parse → records."""

    name: ClassVar[str] = ""
    """Registry key, stored in ``documents.format`` (machine formats) or ``documents.layout`` (pages)."""
    kind: ClassVar[str] = "format"
    """``format`` for machine exports, ``page`` for saved web pages."""
    version: ClassVar[int] = 1
    """Bump when the parser's output changes: cached parses of older versions are discarded."""
    priority: ClassVar[int] = 0
    """Breaks detection ties: the higher wins."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        global _GENERATION
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
                raise TypeError(f"parser name {cls.name!r} is registered twice")
            _REGISTRY[cls.name] = cls
            _GENERATION += 1

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        """How sure this parser is that ``text`` is its kind of document (0 = not at all, 1 = certain)."""
        return 0.0

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        """Read every trial in the document. Raise :class:`ingest.errors.ParseError` when none can be read."""
        raise IngestError(f"parser {cls.name!r} does not implement parse()")

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        """The sub-shape of the document (e.g. ``list`` or ``single``), stored in ``documents.layout``."""
        return None

    @classmethod
    def stream(cls, fh: BinaryIO, path: str) -> Iterator[tuple[TrialRecord, str]]:
        """For a document too large to hold: (record, the text it was read from) for each trial, read from the
        binary file ``fh``; the same records as :meth:`parse`. Raises :class:`ingest.errors.NotStreamable` (at
        once or after some records) when the document must be read whole, ``ParseError`` when it is not valid."""
        raise NotStreamable(f"parser {cls.name!r} reads whole documents only")

    @classmethod
    def streamed_layout(cls, head: str) -> str | None:
        """The layout of a streamed document, from its first characters (``list``: a list of records)."""
        return "list"


def any_registered() -> bool:
    """Whether any parser is registered in this process yet (none is before a parser module is imported)."""
    return bool(_REGISTRY)


def registered() -> dict[str, type[Parser]]:
    """Every registered parser by name (importing the built-in ones first)."""
    import ingest.formats  # noqa: F401  (registers machine formats)
    import ingest.layouts  # noqa: F401  (registers page layouts)

    return dict(_REGISTRY)


def by_kind() -> dict[str, list[tuple[str, type[Parser]]]]:
    """Every registered (name, parser) sorted by name, grouped by ``kind`` (cached until a parser is added)."""
    global _BY_KIND
    parsers = registered()
    stamp = (_GENERATION, len(parsers))
    if _BY_KIND is None or _BY_KIND[0] != stamp:
        groups: dict[str, list[tuple[str, type[Parser]]]] = {}
        for name, parser in sorted(parsers.items()):
            groups.setdefault(parser.kind, []).append((name, parser))
        _BY_KIND = (stamp, groups)
    return _BY_KIND[1]


def get_or_raise(name: str) -> type[Parser]:
    """The parser called ``name``; an unknown name fails with the closest match.

    >>> get_or_raise("ctgov_xml").name
    'ctgov_xml'
    """
    parsers = registered()
    if name in parsers:
        return parsers[name]
    close = difflib.get_close_matches(name, parsers, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise KeyError(f"Unknown parser {name!r}.{hint}")
