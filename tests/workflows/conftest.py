"""Workflow tests drive the real CLI in a sandbox directory, as a user following the README, or
as subprocesses against a served emulator where signals matter."""

from tests.cli.conftest import Sandbox, sandbox  # noqa: F401 - fixture re-exported
from tests.e2e.conftest import served, workspace  # noqa: F401 - a served emulator, subprocesses
from tests.pg import guarded_role, pg_cluster, pg_url  # noqa: F401 - PostgreSQL fixtures
from tests.workflows.clock_support import at  # noqa: F401 - Callboard's clock at an instant
from tests.workflows.state_support import team  # noqa: F401 - both state backends, applied
