"""The elements of a JSON list too large to hold as one tree, read one at a time from a binary file.

A registry download of thousands of studies is a list (``[{...}, ...]``) or an object whose ``studies`` key
holds the list (``{"studies": [...], "nextPageToken": ...}``). :func:`list_items` reads it in blocks and
decodes one element at a time with :meth:`json.JSONDecoder.raw_decode`, so memory holds one block and one
element, whatever the size of the file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from ingest.errors import NotStreamable

#: Bytes read from the file at a time.
BLOCK_BYTES = 4 << 20
#: A string may continue in the next blocks for this many characters; a longer one makes the document read whole.
MAX_VALUE_CHARS = 16 << 20
#: How far before the end of what was read a value cut there can fail to decode (outside strings).
_CUT_CHARS = 64

_WHITESPACE = " \t\r\n"


class _Buffer:
    """Decoded text of a file, read on demand; ``pos`` indexes ``text``, whose consumed start is dropped."""

    def __init__(self, fh: BinaryIO, block: int) -> None:
        self.fh, self.block = fh, block
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.text, self.pos, self.eof = "", 0, False
        self.dropped = 0  # characters consumed and dropped from ``text``

    def more(self) -> bool:
        """Read one more block (False at the end of the file)."""
        if self.eof:
            return False
        data = self.fh.read(self.block)
        self.eof = not data
        try:
            chunk = self.decoder.decode(data, final=self.eof)
        except UnicodeDecodeError as exc:
            raise NotStreamable(f"not UTF-8 text ({exc.reason})") from None
        if self.pos > self.block:  # drop what was consumed
            self.text, self.dropped, self.pos = self.text[self.pos:], self.dropped + self.pos, 0
        self.text += chunk
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file), not consumed."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, chars: str) -> str:
        """Consume the next character, which must be one of ``chars``."""
        c = self.peek()
        if not c or c not in chars:
            found = repr(c) if c else "the end of the file"
            raise ValueError(f"expected one of {chars!r} but found {found} at character {self.consumed()}")
        self.pos += 1
        return c

    def value(self) -> tuple[object, str]:
        """The next JSON value and its text."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                cut, at = self._may_continue(exc), self.dropped + exc.pos
                if cut and self.more():
                    continue  # (the value continues in the next block)
                if cut or not exc.msg.startswith("Unterminated string"):
                    raise ValueError(f"{exc.msg} at character {at}") from None
                raise NotStreamable(f"a string of more than {MAX_VALUE_CHARS} characters") from None
            if type(value) in (int, float) and _NUMBER_CHARS.fullmatch(self.text, end) and self.more():
                continue  # a number that reaches the end of what was read may continue in the next block
            raw, self.pos = self.text[self.pos:end], end
            return value, raw

    def _may_continue(self, exc: json.JSONDecodeError) -> bool:
        """Whether a value that did not decode may be whole with more text: it failed at the end of what was read
        (a cut number, word or escape fails within a few characters of it), or in a string that started less
        than :data:`MAX_VALUE_CHARS` before it (a cut string fails where it starts). Elsewhere it is not valid."""
        gap = len(self.text) - exc.pos
        return gap <= _CUT_CHARS or (exc.msg.startswith("Unterminated string") and gap <= MAX_VALUE_CHARS)

    def consumed(self) -> int:
        """Characters read so far."""
        return self.dropped + self.pos


_DECODER = json.JSONDecoder()
_NUMBER_CHARS = re.compile(r"[0-9.eE+-]*")


def list_items(fh: BinaryIO, list_key: str = "studies", single_key: str | None = None,
               block: int = BLOCK_BYTES) -> Iterator[tuple[object, str]]:
    """(value, its JSON text) for each element of the document's list: the document itself when it is a list, else
    the ``list_key`` member of the object it is.

    Raises :class:`NotStreamable` for any other shape (an object holding ``single_key``, a repeated ``list_key``,
    no list at all), for text that is not UTF-8, and ``ValueError`` for JSON that is not valid (the file cut short).
    Elements may already have been yielded when either is raised.
    """
    buf = _Buffer(fh, block)
    buf.peek()
    if buf.text.startswith("\ufeff"):
        buf.pos += 1
    first = buf.expect("[{")
    if first == "[":
        yield from _elements(buf)
        _end(buf)
        return
    seen = False
    if buf.peek() == "}":
        raise NotStreamable("an empty object")
    while True:
        key, _ = buf.value()
        if not isinstance(key, str):
            raise ValueError(f"expected a key (a string) before character {buf.consumed()}")
        buf.expect(":")
        if key == single_key:
            raise NotStreamable(f"an object with {single_key!r}: one record")
        if key == list_key and buf.peek() == "[":
            if seen:
                raise NotStreamable(f"{list_key!r} given twice")
            seen = True
            buf.expect("[")
            yield from _elements(buf)
        else:
            buf.value()
        if buf.expect(",}") == "}":
            break
    if not seen:
        raise NotStreamable(f"no {list_key!r} list")
    _end(buf)


def _elements(buf: _Buffer) -> Iterator[tuple[object, str]]:
    if buf.peek() == "]":
        buf.expect("]")
        return
    while True:
        yield buf.value()
        if buf.expect(",]") == "]":
            return


def _end(buf: _Buffer) -> None:
    if buf.peek():
        raise ValueError(f"extra data after the document at character {buf.consumed()}")
