"""Opening a PostgreSQL state connection, with errors that never show the password."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from engine.errors import StateError

#: Seconds to wait for the server before saying it is unreachable.
CONNECT_TIMEOUT = 10
#: Where a team's state lives unless the URL says ``?schema=NAME`` (e.g. a kept backup).
SCHEMA = "callboard"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_URL_PASSWORD = re.compile(r"(?P<head>postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@")


def redact(text: str, url: str | None = None) -> str:
    """``text`` with any URL password (and the password of ``url`` wherever it appears) masked."""
    masked = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***@", text)
    if url:
        try:
            password = conninfo_to_dict(url).get("password")
        except psycopg.Error:
            password = None
        if password:
            masked = masked.replace(str(password), "***")
    return re.sub(r"password=\S+", "password=***", masked)


def split_schema(url: str) -> tuple[str, str]:
    """``(url without ?schema=, schema)``: libpq knows no such parameter, Callboard does."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), SCHEMA)
    if not _SCHEMA_NAME.match(schema):
        raise StateError(f"bad schema {schema!r} in PostgreSQL state URL {redact(url)}: use "
                         "lower-case letters, digits and _")
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for ``name``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection; every state change opens its own transaction."""
    shown = redact(url)
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise StateError(f"bad PostgreSQL state URL {shown}: {redact(str(exc), url)}") from None
    params.setdefault("connect_timeout", CONNECT_TIMEOUT)
    params.setdefault("application_name", "callboard")
    try:
        return psycopg.connect(autocommit=True, **params)
    except psycopg.Error as exc:
        raise StateError(f"cannot reach PostgreSQL state {shown}: "
                         f"{redact(str(exc), url).strip()}") from None
