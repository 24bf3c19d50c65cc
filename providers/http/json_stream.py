"""A JSON array's elements, decoded as its bytes arrive.

A million-row answer (a List Manager list's contents) decoded whole is a million dicts at
once, several hundred megabytes; read this way it is a few thousand at a time. Each element
is decoded by the standard library's decoder, so what is accepted is exactly JSON.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

_BETWEEN = re.compile(r"[\s,]*")
_AFTER = frozenset(",] \t\r\n")
_DECODE = json.JSONDecoder().raw_decode


class ArrayReader:
    """``feed`` bytes as they come, get back the elements completed so far; ``close`` at
    the end checks the array was whole. Raises ValueError for what is not a JSON array."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._opened = self._closed = False

    def feed(self, chunk: bytes, *, final: bool = False) -> list[Any]:
        self._text += self._decoder.decode(chunk, final)
        found: list[Any] = []
        at = 0
        while not self._closed:
            at = _BETWEEN.match(self._text, at).end() if self._opened else _skip(self._text, at)
            if at >= len(self._text):
                break
            if not self._opened:
                if self._text[at] != "[":
                    raise ValueError(f"not a JSON array (it starts {self._text[at:at + 20]!r})")
                self._opened, at = True, at + 1
                continue
            if self._text[at] == "]":
                self._closed, at = True, at + 1
                break
            try:
                value, end = _DECODE(self._text, at)
            except json.JSONDecodeError:
                if final:
                    raise ValueError("the JSON array is cut short or malformed") from None
                break  # the element is still arriving
            if not final and (end == len(self._text) or self._text[end] not in _AFTER):
                break  # a number may go on in the next chunk ("1" of "12", "0" of "0.5")
            found.append(value)
            at = end
        self._text = self._text[at:]
        return found

    def close(self) -> list[Any]:
        found = self.feed(b"", final=True)
        if not self._closed or self._text.strip():
            raise ValueError("the JSON array is cut short or followed by more")
        return found


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at
