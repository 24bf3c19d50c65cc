"""A throwaway PostgreSQL cluster for tests: our own ``initdb`` on loopback, nothing assumed.

Found on PATH or under ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package, which
``.ci/run`` installs). PostgreSQL refuses to run as root, so as root the cluster runs as the
``postgres`` user the package creates. Without a server the tests that need one are skipped,
except in CI (``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.served_process import free_port  # one definition for every test server

SERVER_SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")


def _find_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


@dataclass
class PgCluster:
    """A running cluster; ``new_database()`` gives each test its own empty database."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: list[str]
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"callboard_test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}" STRATEGY = FILE_COPY')
        return self.url(name)

    def hba_first(self, line: str) -> None:
        """Put ``line`` ahead of pg_hba.conf's own (which trust every login) and reload."""
        import psycopg

        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(f"{line}\n{hba.read_text()}")
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute("SELECT pg_reload_conf()")

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir),
                        "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available ({reason}); install it with "
                "'apt-get install -y postgresql'")


def start_cluster() -> PgCluster:
    """initdb + pg_ctl start on a free loopback port, trust auth; skips (or fails in CI)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("psycopg is not installed: pip install 'psycopg[binary]'")
    bin_dir = _find_binaries()
    if bin_dir is None:
        _missing("initdb not found on PATH or in /usr/lib/postgresql/*/bin")
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="callboard-pg-"))
    data_dir = root / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _missing("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    steps = [
        [str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "postgres",
         "-E", "UTF8", "-N"],
        [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(root / "server.log"), "-w",
         "-t", "60", "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
         f"{SERVER_SETTINGS}", "start"],
    ]
    for step in steps:
        done = subprocess.run([*run_as, *step], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = root / "server.log"
            detail = done.stderr + (log.read_text() if log.exists() else "")
            shutil.rmtree(root, ignore_errors=True)
            _missing(f"{Path(step[0]).name} failed: {detail.strip()[-2000:]}")
    return PgCluster(bin_dir, data_dir, port, run_as)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One cluster per test session; import this fixture into a conftest to use it."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """A fresh, empty database of the throwaway cluster, as a ``postgresql://`` URL."""
    return pg_cluster.new_database()


@pytest.fixture
def guarded_role(pg_cluster: PgCluster, pg_url: str) -> str:
    """A role that must give its password (``right-one``): the test cluster trusts everyone
    else, so one pg_hba line ahead of the rest asks this role alone for a password."""
    import psycopg

    role = "guard_" + pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'right-one'")
    pg_cluster.hba_first(f"host all {role} 127.0.0.1/32 scram-sha-256")
    return role
