"""A team's PostgreSQL state that turns the login away was reported as "cannot reach PostgreSQL
state …" whatever the cause, so a wrong password read as a server that is down. Each cause is
now said as what it is, with what to do, never with the password, and nothing is created."""

from __future__ import annotations

import psycopg
import pytest

from tests.cli.conftest import Result, Sandbox
from tests.pg import PgCluster, free_port

SECRET = "Wr0ng-s3cret"  # the password each URL gives; never shown
HINT = "in the state URL (--state or CALLBOARD_STATE)"


def refused(sandbox: Sandbox, url: str, *command: str) -> Result:
    """Runs ``command`` on state ``url``: refused (exit 1), no password, nothing written here."""
    result = sandbox.run("--state", url, *command)
    assert result.code == 1, result
    assert SECRET not in result.err + result.out
    assert result.err.count("\n") == 1 and result.err.startswith("Error: ")
    written = [p for p in sandbox.root.rglob("*") if "manifests" not in p.relative_to(
        sandbox.root).parts]
    assert written == []
    return result


def schemas(pg_url: str) -> list[str]:
    """Callboard's schemas in the test's database (as the cluster's superuser)."""
    with psycopg.connect(pg_url) as db:
        return [row[0] for row in db.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'callboard%'")]


def names(pg_cluster: PgCluster, pg_url: str, user: str, database: str = "") -> tuple[str, str]:
    """(URL with ``user`` and SECRET, as shown with the password masked)."""
    database = database or pg_url.rsplit("/", 1)[1]
    where = f"@127.0.0.1:{pg_cluster.port}/{database}"
    return f"postgresql://{user}:{SECRET}{where}", f"postgresql://{user}:***{where}"


def server(pg_cluster: PgCluster) -> str:
    return f'connection to server at "127.0.0.1", port {pg_cluster.port} failed: FATAL:'


def test_a_wrong_password_is_said_as_a_refused_login(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str, guarded_role: str) -> None:
    url, shown = names(pg_cluster, pg_url, guarded_role)
    result = refused(sandbox, url, "plan")
    assert result.err == (
        f'Error: PostgreSQL refused the login of role "{guarded_role}" to state {shown}: '
        f'{server(pg_cluster)} password authentication failed for user "{guarded_role}" — '
        f"check the user and password {HINT}\n")
    assert schemas(pg_url) == []
    fixed = sandbox.run("--state", url.replace(SECRET, "right-one"), "plan")
    assert fixed.code == 0, fixed.err  # the password put right, the same URL works


def test_an_unknown_role_is_named(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str) -> None:
    url, shown = names(pg_cluster, pg_url, "no_such_runner")
    result = refused(sandbox, url, "state", "list")
    assert result.err == (
        f'Error: PostgreSQL has no role "no_such_runner" for state {shown}: '
        f'{server(pg_cluster)} role "no_such_runner" does not exist — check the user {HINT}, '
        "or create the role\n")
    assert schemas(pg_url) == []
    with psycopg.connect(pg_url) as db:
        assert not db.execute("SELECT 1 FROM pg_roles WHERE rolname = 'no_such_runner'").fetchone()


def test_a_missing_database_says_callboard_does_not_create_it(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[1] + "_gone"
    url, shown = names(pg_cluster, pg_url, "postgres", missing)
    result = refused(sandbox, url, "plan")
    assert result.err == (
        f'Error: PostgreSQL has no database "{missing}" for state {shown}: '
        f'{server(pg_cluster)} database "{missing}" does not exist — create it, or check the '
        f"name {HINT}: Callboard creates its schema but not the database\n")
    with psycopg.connect(pg_url) as db:
        assert not db.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (missing,)).fetchone()


def test_a_host_pg_hba_turns_away_is_said_as_such(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str) -> None:
    database = pg_url.rsplit("/", 1)[1]
    role = "turned_away_" + database
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN")
    pg_cluster.hba_first(f"host all {role} 127.0.0.1/32 reject")
    url, shown = names(pg_cluster, pg_url, role)
    result = refused(sandbox, url, "state", "list")
    assert result.err == (
        f'Error: PostgreSQL does not let role "{role}" connect to database "{database}" from '
        f"this host (pg_hba.conf) for state {shown}: {server(pg_cluster)} pg_hba.conf rejects "
        f'connection for host "127.0.0.1", user "{role}", database "{database}", no encryption'
        " — ask the server's administrator for a pg_hba.conf entry for this host, role and "
        f"database, or check the user and database {HINT}\n")
    assert schemas(pg_url) == []


@pytest.mark.parametrize("command", [("plan",), ("state", "list")])
def test_a_server_that_is_not_there_is_unreachable_naming_host_and_port(
        sandbox: Sandbox, command: tuple[str, ...]) -> None:
    port = free_port()
    result = refused(sandbox, f"postgresql://team:{SECRET}@127.0.0.1:{port}/callboard",
                     *command)
    assert result.err == (
        f"Error: cannot reach PostgreSQL state postgresql://team:***@127.0.0.1:{port}/callboard: "
        f'connection to server at "127.0.0.1", port {port} failed: Connection refused Is the '
        "server running on that host and accepting TCP/IP connections? — check the host and "
        f"port {HINT}, and that the server is up\n")


def test_a_role_that_may_not_log_in_is_said_as_such(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str) -> None:
    role = "no_login_" + pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} NOLOGIN")
    url, shown = names(pg_cluster, pg_url, role)
    result = refused(sandbox, url, "plan")
    assert result.err == (
        f'Error: PostgreSQL role "{role}" may not log in (NOLOGIN), for state {shown}: '
        f'{server(pg_cluster)} role "{role}" is not permitted to log in — give it LOGIN (ALTER '
        f"ROLE ... LOGIN), or use a role that has it {HINT}\n")
    assert schemas(pg_url) == []


def test_a_role_out_of_connections_is_said_as_such(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str) -> None:
    """Managed servers cap each role's connections; a full cap is not a server that is down."""
    role = "capped_" + pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    url, shown = names(pg_cluster, pg_url, role)
    result = refused(sandbox, url, "state", "list")
    assert result.err == (
        f'Error: PostgreSQL has no connection left for role "{role}" to state {shown}: '
        f'{server(pg_cluster)} too many connections for role "{role}" — other clients hold '
        "them all: try again when they end, or raise the limit (the role's CONNECTION LIMIT, "
        "the server's max_connections)\n")
    assert schemas(pg_url) == []


def test_ssl_required_of_a_server_without_it_is_said_as_such(
        sandbox: Sandbox, pg_cluster: PgCluster, pg_url: str) -> None:
    url, shown = names(pg_cluster, pg_url, "postgres")
    result = refused(sandbox, url + "?sslmode=require", "plan")
    assert result.err.startswith(
        f"Error: PostgreSQL offers no SSL, which the state URL requires (sslmode), for state "
        f"{shown}?sslmode=require: ")
    assert result.err.endswith(
        f"server does not support SSL, but SSL was required — enable SSL on the server, or "
        f"check sslmode {HINT}\n")
    assert schemas(pg_url) == []
