"""One error family for ingestion; the build turns each into a rejected document with its reason."""

from __future__ import annotations


class IngestError(Exception):
    """Something about a document prevents reading trials from it."""


class DecodeError(IngestError):
    """The bytes are not readable text (empty, binary, unknown encoding)."""


class DetectError(IngestError):
    """No parser recognises the document's format or layout."""


class ParseError(IngestError):
    """A parser recognised the document but could not read a trial from it.

    ``errors`` holds structured details (field, snippet) so tools can read them without parsing the message.
    """

    def __init__(self, message: str, *, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class NotStreamable(IngestError):
    """A document cannot be read as a stream of records (not a list the parser follows, not UTF-8): it is read
    whole instead."""
