"""Opening PostgreSQL state: clear errors when it cannot be used, and no password shown."""

from __future__ import annotations

import re
import sys
from urllib.parse import quote

import pytest

from engine.cli.main import main
from engine.errors import StateError
from engine.state import open_state
from tests.pg import PgCluster, free_port


def test_unreachable_server_is_named_without_the_password(
        pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://postgres:s3cret-pw@127.0.0.1:{free_port()}/nowhere"
    code = main(["--state", url, "state", "list"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot reach PostgreSQL state" in err
    assert "postgresql://postgres:***@127.0.0.1" in err and "s3cret-pw" not in err


def test_postgres_scheme_is_accepted_too(pg_url: str) -> None:
    store = open_state(pg_url.replace("postgresql://", "postgres://"))
    try:
        assert store.header().serial == 0
    finally:
        store.close()


def test_missing_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in [name for name in sys.modules if name.startswith("engine.state.postgres")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StateError, match=r"pip install 'callboard\[postgresql\]'"):
        open_state("postgresql://team@db.example/callboard")


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    import psycopg

    open_state(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("UPDATE callboard.schema_version SET version = 99")
    with pytest.raises(StateError, match="schema version 99, newer than this Callboard"):
        open_state(pg_url)


# "on" and "ion" stand inside the server's "connection" and "authentication", "at" inside
# "authentication" and on its own in "server at"; "at/on" is percent-encoded in the URL
@pytest.mark.parametrize("password", ["on", "ion", "at", "at/on"])
def test_a_wrong_common_word_password_leaves_the_servers_words_whole(
        guarded_role: str, pg_url: str, password: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_url.replace("postgresql://postgres@",
                         f"postgresql://{guarded_role}:{quote(password, safe='')}@")
    code = main(["--state", url, "state", "list"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"postgresql://{guarded_role}:***@127.0.0.1" in err
    assert "connection to server" in err
    assert f'password authentication failed for user "{guarded_role}"' in err
    assert password == quote(password, safe="") or quote(password, safe="") not in err
    assert not re.search(rf"(?<!\w){re.escape(password)}(?!\w)", err), err
