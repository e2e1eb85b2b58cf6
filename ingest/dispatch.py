"""One document in, one :class:`ParsedDocument` out: decode, detect, parse, check. Never raises."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import BinaryIO

from ingest.base import Parser, by_kind
from ingest.criteria import split_criteria
from ingest.decode import decode, html_to_text, looks_like_html
from ingest.errors import IngestError, NotStreamable
from ingest.ids import provisional_id, registry_of
from ingest.model import ParsedDocument, TrialRecord

#: Below this confidence a document is not handed to a parser.
MIN_CONFIDENCE = 0.3


#: A machine format this sure of itself is chosen without asking the page layouts.
CERTAIN = 0.8
#: Page layouts judge a document by its first characters (saved pages are short; exports are not pages).
PAGE_SAMPLE = 50_000


def detect(text: str, path: str) -> tuple[type[Parser] | None, float]:
    """The most confident parser for ``text`` (ties: higher priority, then name) and its score.

    Machine formats are asked first; page layouts only when no format is certain.
    """
    parsers = by_kind()
    best: tuple[float, int, str] | None = None
    chosen: type[Parser] | None = None
    for kind in ("format", "page"):
        sample = text if kind == "format" else text[:PAGE_SAMPLE]
        for name, parser in parsers.get(kind, ()):
            try:
                score = float(parser.detect(sample, path))
            except Exception:  # noqa: BLE001 - a faulty detector must not stop the build
                score = 0.0
            key = (score, parser.priority, name)
            if score > 0 and (best is None or key > best):
                best, chosen = key, parser
        if best is not None and best[0] >= CERTAIN:
            break
    return chosen, (best[0] if best else 0.0)


#: A line of a file that holds only a link: a URL, or a line of a Windows shortcut (``[InternetShortcut]``,
#: ``URL=…``, ``IconIndex=0``).
_LINK_LINE = re.compile(r"(?:https?://\S+|\[[A-Za-z ]+\]|[A-Za-z]+=\S*)", re.I)


def link_only(text: str) -> str | None:
    """The URL of a short file that holds nothing but a link (a page's ``.url`` sidecar, a saved shortcut), else
    None.

    >>> link_only("https://cdek.wustl.edu/clinical-trials/NCT01219465\\n")
    'https://cdek.wustl.edu/clinical-trials/NCT01219465'
    >>> link_only("[InternetShortcut]\\nURL=https://clinicaltrials.gov/study/NCT01420432\\n")
    'https://clinicaltrials.gov/study/NCT01420432'
    >>> link_only("Title: MSC for knee OA\\nhttps://clinicaltrials.gov/study/NCT01420432") is None
    True
    """
    if len(text) > 4096:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(_LINK_LINE.fullmatch(line) for line in lines):
        return None
    urls = [m.group() for line in lines if (m := re.search(r"https?://\S+", line, re.I))]
    return urls[0] if urls else None


def parse_document(path: str, data: bytes, sha256: str | None = None) -> ParsedDocument:
    """Parse one document's bytes (``sha256``: their hex digest, when the caller has it already). Every failure
    becomes ``error`` on the result, never an exception."""
    doc = ParsedDocument(path=path, sha256=sha256 or hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        text, encoding = decode(data)
        if encoding != "utf-8":
            doc.warnings.append(f"decoded as {encoding}")
        if (url := link_only(text)) is not None:
            raise IngestError(f"a link only ({url}), no page text to read: a saved page's source URL is read from "
                              "a file named after the page (<page>.url)")
        if looks_like_html(text):
            text = html_to_text(text)
            doc.warnings.append("HTML page converted to text")
            if not text.strip():
                raise IngestError("HTML page with no visible text")
        parser, score = detect(text, path)
        if parser is None or score < MIN_CONFIDENCE:
            raise IngestError(
                "unknown layout: no parser recognises this document"
                + (f" (closest: {parser.name} at {score:.2f})" if parser else "")
            )
        doc.format = parser.name if parser.kind == "format" else "page"
        doc.layout = parser.layout_of(text) if parser.kind == "format" else parser.name
        records = parser.parse(text, path)
        if not records:
            raise IngestError(f"{parser.name}: no trial could be read from this document")
        for record in records:
            _finish(record, text, doc)
        doc.records = records
    except Exception as exc:  # noqa: BLE001 - a parser bug must reject one document, not stop the build
        doc.error = failure(exc)
        doc.records = []
    return doc


def failure(exc: Exception) -> str:
    """Why a document is rejected, from what reading it raised."""
    if isinstance(exc, IngestError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "document nested too deeply to read"
    return f"parser failure ({type(exc).__name__}): {exc}"


def stream_parser(head: bytes, path: str) -> tuple[type[Parser], str]:
    """The parser that streams a document starting with ``head`` (its first :data:`PAGE_SAMPLE` bytes), and
    ``head`` as text; raises :class:`NotStreamable` when the document must be read whole (see
    :func:`stream_document`)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut by the sample is not an error
        if exc.reason == "unexpected end of data" and exc.start >= len(head) - 3:
            head = head[:exc.start]
    try:
        text, encoding = decode(head)
    except IngestError as exc:
        raise NotStreamable(f"its start cannot be read as text ({exc})") from None
    if encoding != "utf-8" or looks_like_html(text):
        raise NotStreamable("not UTF-8 JSON")
    parser, score = detect(text, path)
    if parser is None or score < CERTAIN or parser.kind != "format":
        raise NotStreamable("no machine format is certain of it from its first characters")
    return parser, text


def stream_document(path: str, fh: BinaryIO, sha256: str, size: int,
                    batch: int = 1000) -> tuple[ParsedDocument, Iterator[list[TrialRecord]]]:
    """Start reading a document too large to hold (``fh``: its file, opened in binary) as a stream of records.

    Returns the document (its format, and its layout from its first characters; its warnings grow as records are
    read) and its records in batches, finished as :func:`parse_document` finishes them; an id-less record's
    provisional id comes from its own text. Raises :class:`NotStreamable` when the document must be read whole:
    not UTF-8, HTML, no machine format certain of it from its first characters, or a parser that reads whole
    documents only (the batches may raise it too, after some records). The batches raise what makes the document
    rejected (:func:`failure` words it).
    """
    parser, text = stream_parser(fh.read(PAGE_SAMPLE), path)
    doc = ParsedDocument(path=path, sha256=sha256, size=size, format=parser.name,
                         layout=parser.streamed_layout(text))

    def batches() -> Iterator[list[TrialRecord]]:
        fh.seek(0)
        records: list[TrialRecord] = []
        for record, raw in parser.stream(fh, path):
            _finish(record, raw, doc)
            records.append(record)
            if len(records) == batch:
                yield records
                records = []
        if records:
            yield records

    return doc, batches()


def _finish(record: TrialRecord, text: str, doc: ParsedDocument) -> None:
    """Fill what every record needs: an id, its registry, criteria items; drop values the model forbids."""
    if not record.trial_id:
        record.trial_id = provisional_id(text)
    if record.registry is None:
        record.registry = registry_of(record.trial_id)
    if record.criteria is None:
        record.criteria = split_criteria(record.eligibility_criteria)
    for problem in record.problems():
        doc.warnings.append(f"{record.trial_id}: {problem} (value dropped)")
        field = problem.split(":", 1)[0]
        if hasattr(record, field):
            setattr(record, field, None)
