"""A plan job's PostgreSQL role may only SELECT (the pipeline recipes' `callboard_plan` role):
it reads a current state without DDL, and a write is one clear error, never "internal error"."""

from __future__ import annotations

import psycopg
import pytest

from engine.errors import StateError
from engine.state import open_state
from tests.pg import PgCluster


def _reader_url(pg_url: str) -> str:
    """A login role (roles are cluster-wide: one per test database) that may only SELECT."""
    role = "reader_" + pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN")
        db.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        db.execute(f"GRANT USAGE ON SCHEMA callboard TO {role}")
        db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA callboard TO {role}")
    return pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")


@pytest.fixture
def reader_url(pg_cluster: PgCluster, pg_url: str) -> str:
    store = open_state(pg_url)  # the owner creates and migrates the state
    with store.changing("seed a resource for the reader"):
        pass
    serial = store.header().serial
    store.close()
    assert serial == 1
    return _reader_url(pg_url)


def test_a_select_only_role_reads_a_current_state(reader_url: str) -> None:
    store = open_state(reader_url, read_only=True)
    try:
        assert store.header().serial == 1
        assert store.resources() == {}
    finally:
        store.close()


def test_a_select_only_role_cannot_write_and_is_told_why(reader_url: str) -> None:
    store = open_state(reader_url)
    try:
        with pytest.raises(StateError) as refused, store.changing("state rm tags.vip"):
            pass
    finally:
        store.close()
    assert "may read the state but not change it" in str(refused.value)
    assert "permission denied" in str(refused.value)
