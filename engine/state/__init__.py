"""State stores: choose a backend from a URL or path (spec §5)."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from engine.errors import StateError
from engine.state.base import LockInfo, ResourceRecord, StateHeader, StateStore

__all__ = ["LockInfo", "ResourceRecord", "StateHeader", "StateStore", "open_state",
           "is_postgres_url", "DEFAULT_STATE", "SANDBOX_STATE"]
DEFAULT_STATE = ".callboard/state.db"
SANDBOX_STATE = ".callboard/sandbox/state.db"


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _refuse_other_urls(url: str) -> None:
    """A URL of another scheme (``postgressql://``, ``mysql://``) is a mistake, never a SQLite
    path: taken as one, apply would fill a new local file, apart from the team's state."""
    scheme, sep, _ = url.partition("://")
    if not sep or is_postgres_url(url) or scheme == "sqlite":
        return
    close = difflib.get_close_matches(scheme.lower(), ["postgresql", "postgres"], cutoff=0.6)
    hint = " (did you mean postgresql://?)" if close else ""
    shown = re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)  # never print a password
    raise StateError(f"state {shown} is not a SQLite path nor a postgresql:// URL{hint}: "
                     "Callboard keeps state in a SQLite file (give its path) or in PostgreSQL "
                     "(postgresql://user:pass@host/db)")


def open_state(url: str, *, read_only: bool = False) -> StateStore:
    """``postgresql://…`` for teams, else a SQLite path. ``read_only``: where no state exists,
    an empty one written nowhere (no file, directory or schema), for commands that only look."""
    _refuse_other_urls(url)
    if is_postgres_url(url):
        try:
            from engine.state.postgres import PostgresState
        except ImportError as exc:
            if not (exc.name or "").startswith("psycopg"):
                raise
            raise StateError("PostgreSQL state needs psycopg: "
                             "pip install 'callboard[postgresql]'") from None
        return PostgresState.open(url, read_only=read_only)
    from engine.state.sqlite import SqliteState

    path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
    return SqliteState.empty(path) if read_only and not Path(path).exists() else SqliteState(path)
