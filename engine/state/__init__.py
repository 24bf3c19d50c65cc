"""State stores: choose a backend from a URL or path (spec §5)."""

from __future__ import annotations

from engine.errors import StateError
from engine.state.base import LockInfo, ResourceRecord, StateHeader, StateStore

DEFAULT_STATE = ".callboard/state.db"
SANDBOX_STATE = ".callboard/sandbox/state.db"


def open_state(url: str) -> StateStore:
    """``postgresql://…`` for teams (a later issue), anything else is a SQLite file path."""
    if url.startswith(("postgresql://", "postgres://")):
        raise StateError("PostgreSQL state is not available in this version of Callboard yet; "
                         "use a SQLite path")
    from engine.state.sqlite import SqliteState

    path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
    return SqliteState(path)


__all__ = ["LockInfo", "ResourceRecord", "StateHeader", "StateStore", "open_state",
           "DEFAULT_STATE", "SANDBOX_STATE"]
