"""``state copy`` from a typo leaves everything as it was; ``--force`` over a state keeps a
backup that copies back (issue 9: ``state copy typo.db good.db --force`` created an empty
``typo.db`` and emptied ``good.db``, 21 resources to 0; the same on PostgreSQL)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.cli.conftest import Sandbox
from tests.pg import PgCluster

STATE = ".callboard/sandbox/state.db"


def _applied(sandbox: Sandbox, *state: str) -> list[str]:
    assert sandbox.run(*state, "apply", "--auto-approve").code == 0
    listed = sandbox.run(*state, "state", "list").out.splitlines()
    assert len(listed) == 20
    return listed


def test_a_typo_in_the_sqlite_source_changes_nothing(sandbox: Sandbox) -> None:
    listed = _applied(sandbox)
    before = (sandbox.root / STATE).read_bytes()
    refused = sandbox.run("state", "copy", "typo.db", STATE, "--force")
    assert refused.code == 1
    assert refused.err.startswith("Error: state typo.db does not exist")
    assert "nothing was changed" in refused.err and "internal error" not in refused.err
    assert not (sandbox.root / "typo.db").exists()  # the typo is not created either
    assert sandbox.run("state", "list").out.splitlines() == listed
    assert (sandbox.root / STATE).read_bytes() == before


def _other_database(pg_url: str, database: str) -> str:
    parts = urlsplit(pg_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def test_a_typo_in_the_postgresql_source_changes_nothing(
        sandbox: Sandbox, pg_url: str, pg_cluster: PgCluster) -> None:
    team = ("--state", pg_url)
    listed = _applied(sandbox, *team)
    existing_but_empty = pg_cluster.new_database()  # e.g. the server's "postgres" database
    refused = sandbox.run("state", "copy", existing_but_empty, pg_url, "--force")
    assert refused.code == 1, refused.out
    assert "does not exist (no Callboard state there)" in refused.err
    with psycopg.connect(existing_but_empty) as db:  # nothing was created in the typo either
        assert db.execute("SELECT 1 FROM information_schema.schemata "
                          "WHERE schema_name = 'callboard'").fetchone() is None
    no_such_database = _other_database(pg_url, "callbord_typo")
    missing = sandbox.run("state", "copy", no_such_database, pg_url, "--force")
    assert missing.code == 1 and 'PostgreSQL has no database "callbord_typo"' in missing.err
    assert sandbox.run(*team, "state", "list").out.splitlines() == listed


def test_a_forced_copy_keeps_a_backup_that_copies_back(sandbox: Sandbox) -> None:
    listed = _applied(sandbox)
    other = sandbox.root / "other.db"
    assert sandbox.run("state", "copy", STATE, str(other)).code == 0
    assert sandbox.run("state", "rm", "tags.newsletter").code == 0
    serial = "2"  # moved by the apply, then by the rm
    replaced = sandbox.run("state", "copy", str(other), STATE)
    assert replaced.code == 1 and "is not empty" in replaced.err and "--force" in replaced.err

    forced = sandbox.run("state", "copy", str(other), STATE, "--force")
    assert forced.code == 0, forced.err
    backup = sandbox.root / f"{STATE}.backup-{serial}"
    assert f"Kept a backup of the state it replaced at {STATE}.backup-{serial}." in forced.out
    assert backup.exists()
    assert sandbox.run("state", "list").out.splitlines() == listed
    kept = sandbox.run("--state", str(backup), "state", "list").out.splitlines()
    assert kept == [line for line in listed if not line.startswith("tags.newsletter\t")]

    restored = sandbox.run("state", "copy", str(backup), STATE, "--force")
    assert restored.code == 0, restored.err
    assert sandbox.run("state", "list").out.splitlines() == kept


def test_a_forced_copy_onto_postgresql_keeps_a_backup_schema(sandbox: Sandbox,
                                                               pg_url: str) -> None:
    team = ("--state", pg_url)
    listed = _applied(sandbox, *team)
    assert sandbox.run(*team, "state", "rm", "tags.newsletter").code == 0
    mine = sandbox.root / "mine.db"
    assert sandbox.run("state", "copy", pg_url, str(mine)).code == 0  # an exact copy
    assert sandbox.run("--state", str(mine), "state", "rm", "tags.members-active").code == 0

    forced = sandbox.run("state", "copy", str(mine), pg_url, "--force")
    assert forced.code == 0, forced.err
    assert "Kept a backup of the state it replaced at postgresql://" in forced.out
    assert "?schema=callboard_backup_2" in forced.out
    backup = sandbox.run("--state", f"{pg_url}?schema=callboard_backup_2", "state", "list")
    assert backup.out.splitlines() == [line for line in listed
                                       if not line.startswith("tags.newsletter\t")]
    assert "tags.members-active" not in sandbox.run(*team, "state", "list").out
