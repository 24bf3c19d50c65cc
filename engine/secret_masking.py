"""Masking a secret in text that comes from outside (a server's reply, a driver's error).

Callboard's own words never hold a secret; what a server or library says may echo one. A plain
``str.replace`` would mangle the words around a short or common-word password (``on`` in
``connection``), so the secret is masked only where it stands as a token of its own.
"""

from __future__ import annotations

import re
from urllib.parse import quote

MASK = "***"


class SecretScrubber:
    """Belt and braces for text from outside: the secret, plain or percent-encoded, is masked
    wherever it stands as a token of its own (``su`` in ``user su refused``, ``p/ss`` in
    ``(p/ss)``), never inside a longer word (the ``su`` of ``support``), so a short or
    common-word password leaves the words around it whole and the password itself still never
    passes."""

    def __init__(self, secret: str | None) -> None:
        # the percent-encoded form first: it is never shorter, and may start with the other
        forms = dict.fromkeys((quote(secret, safe=""), secret)) if secret else {}
        self._pattern = re.compile("|".join(map(whole_token, forms))) if forms else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern else text


def whole_token(form: str) -> str:
    """A pattern for ``form`` as a whole token: no word character right before or after it
    where its own edge is one (a password ending in ``/`` may be followed by anything)."""
    before = r"(?<!\w)" if re.match(r"\w", form[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", form[-1]) else ""
    return before + re.escape(form) + after
