"""State stores: choose a backend from a URL or path (spec §5)."""

from __future__ import annotations

from pathlib import Path

from engine.errors import StateError
from engine.state.base import LockInfo, ResourceRecord, StateHeader, StateStore

__all__ = ["LockInfo", "ResourceRecord", "StateHeader", "StateStore", "open_state",
           "is_postgres_url", "DEFAULT_STATE", "SANDBOX_STATE"]
DEFAULT_STATE = ".callboard/state.db"
SANDBOX_STATE = ".callboard/sandbox/state.db"


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_state(url: str, *, read_only: bool = False) -> StateStore:
    """``postgresql://…`` for teams, else a SQLite path. ``read_only``: where no state exists,
    an empty one written nowhere (no file, directory or schema), for commands that only look."""
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
