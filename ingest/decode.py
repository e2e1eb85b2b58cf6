"""Bytes → text: encodings, byte-order marks, binary and empty files, HTML-wrapped pages."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from ingest.errors import DecodeError

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: The same control characters as bytes (in UTF-8 and single-byte encodings each is exactly one byte).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
#: Control characters are counted in the first this many characters.
_CONTROL_WINDOW = 65536

_ONLY_OWN = "opened only as a file of its own named "
#: Binary formats a document may turn out to be, by its first bytes: what it is goes into the reason it is refused.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive or an Office file (.xlsx, .docx): archives are " + _ONLY_OWN + ".zip"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "gzip-compressed data: it is " + _ONLY_OWN + ".gz"),
    (tuple(b"BZh%d1AY&SY" % k for k in range(1, 10)), "bzip2-compressed data: it is " + _ONLY_OWN + ".bz2"),
    (b"\xfd7zXZ\x00", "xz-compressed data: it is " + _ONLY_OWN + ".xz"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (not read: unpack it, or repack it as .zip)"),
    (b"Rar!\x1a\x07", "a RAR archive (not read: unpack it, or repack it as .zip)"),
    (b"%PDF-", "a PDF document (not read: save the trial's page as HTML or its record as JSON/XML)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls, .doc): not read (save it as CSV or text)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_MAGIC_FIRST = {(magic if isinstance(magic, bytes) else magic[0])[:1] for magic, _ in _MAGIC}


def _looks_utf16(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Decode a document's bytes; returns (text, encoding). Raises :class:`DecodeError` with a reason.

    >>> decode("naïve ≥ 18".encode("utf-8"))
    ('naïve ≥ 18', 'utf-8')
    >>> decode("caf\\xe9".encode("latin-1"))
    ('café', 'cp1252')
    """
    if not data:
        raise DecodeError("empty file (0 bytes)")
    if data[:1] in _MAGIC_FIRST:
        for magic, what in _MAGIC:
            if data.startswith(magic):
                raise DecodeError(f"binary content: {what}")
    if data[8:12] == b"DUCK" and b"\x00" in data[:8192]:
        raise DecodeError("binary content: a DuckDB database")
    encoding = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom):]
            break
    if encoding is None:
        encoding = _looks_utf16(data)
    if encoding is None and data.find(b"\x00", 0, 65536) != -1:
        raise DecodeError("binary content: the file contains NUL bytes and is not UTF-16 text")
    if encoding is None:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                encoding = "cp1252"
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                encoding = "latin-1"
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise DecodeError(f"not valid {encoding} text: {exc.reason} at byte {exc.start}") from None
    if "\x00" in text:
        raise DecodeError("binary content: NUL characters in the decoded text")
    # Count in the bytes of the window when each control character is one byte there (faster than the regex).
    if encoding == "utf-8":
        window: bytes | None = data if len(text) <= _CONTROL_WINDOW else data[:_CONTROL_WINDOW] if text.isascii() \
            else data[:len(text[:_CONTROL_WINDOW].encode("utf-8"))]
    else:
        window = data[:_CONTROL_WINDOW] if encoding in ("cp1252", "latin-1") else None
    if window is not None:
        controls = len(window) - len(window.translate(None, _CONTROL_BYTES))
    else:
        controls = len(_CONTROL.findall(text, 0, _CONTROL_WINDOW))
    if controls > max(8, min(len(text), _CONTROL_WINDOW) // 100):
        raise DecodeError(f"binary content: {controls} control characters in the first 64 KiB")
    if not text.strip():
        raise DecodeError("blank file (whitespace only)")
    return text, encoding


_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "dt", "dd", "dl", "pre", "hr", "thead", "tbody", "title",
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """True for a page saved as HTML rather than as text."""
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text[:20000])


def html_to_text(text: str) -> str:
    """The visible text of an HTML page, one block per line."""
    parser = _TextExtractor()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # noqa: BLE001 - a broken page still yields what was read
        pass
    out = html.unescape("".join(parser.parts))
    out = re.sub(r"[ \t]+", " ", out)
    out = re.sub(r" *\n *", "\n", out)
    return re.sub(r"\n{3,}", "\n\n", out).strip()
