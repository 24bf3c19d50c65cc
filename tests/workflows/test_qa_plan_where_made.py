"""A plan saved with --sandbox was applied to the organization's own services when the user
copied the printed command (it left out --sandbox) with the services' variables exported: the
first plan in a new directory has no state lineage to tell the two apart, so the sandbox's ids
and references were written to the real account. A plan records where it was made and is
applied nowhere else (exit 3, nothing written, no state made); the printed command says
--sandbox (and -m DIR when planned from other manifests)."""

from __future__ import annotations

import re

from tests.cli.conftest import Sandbox
from tests.e2e.conftest import Workspace


def _tags(workspace: Workspace) -> set[str]:
    answer = workspace.served.prospect2("GET", "/tags", params={"limit": 100}).json()
    return {t["tag"] for t in answer["tags"]}


def test_a_sandbox_plan_is_not_applied_to_the_services(workspace: Workspace) -> None:
    before = _tags(workspace)
    planned = workspace.run("--sandbox", "plan", "--out", "p.cbplan")
    assert planned.returncode == 0, planned.stderr
    sha = re.search(r"SHA-256 ([0-9a-f]{64})", planned.stderr).group(1)
    assert (f"Apply exactly it with: callboard --sandbox apply p.cbplan --expect-sha256 {sha}"
            in planned.stderr)

    copied = workspace.run("apply", "p.cbplan", "--expect-sha256", sha)  # --sandbox left out
    assert copied.returncode == 3
    assert copied.stdout == ""
    message = copied.stderr.strip()
    assert message.startswith("Error: plan ")
    assert ("was made against other services (prospect2 at "
            "http://sandbox.callboard.invalid/api/3, tessitura at "
            "http://sandbox.callboard.invalid/TessituraService), and this apply talks to "
            f"prospect2 at {workspace.served.base}/api/3, tessitura at "
            f"{workspace.served.base}/TessituraService: apply it where it was made (with "
            "--sandbox if it was planned with --sandbox), or make a new plan here") in message
    assert _tags(workspace) == before  # nothing written to the account
    assert not (workspace.root / ".callboard" / "state.db").exists()  # nor a state made

    applied = workspace.run("--sandbox", "apply", "p.cbplan", "--expect-sha256", sha)
    assert applied.returncode == 0, applied.stderr
    assert "tags.members-active: created" in applied.stdout
    assert _tags(workspace) == before


def test_a_plan_of_the_services_is_not_applied_to_the_sandbox(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "q.cbplan").returncode == 0
    refused = workspace.run("--sandbox", "apply", "q.cbplan")
    assert refused.returncode == 3
    assert "and this apply talks to prospect2 at http://sandbox.callboard.invalid/api/3" \
        in refused.stderr
    assert "tags.members-active" not in workspace.run("--sandbox", "state", "list").stdout

    applied = workspace.run("apply", "q.cbplan")
    assert applied.returncode == 0, applied.stderr
    assert "Member - Active" in _tags(workspace)


def test_the_printed_command_names_the_manifests_it_was_made_from(sandbox: Sandbox) -> None:
    """Planned from `-m "team manifests"`: the command to copy says so, or it would be refused
    for other manifests (or fail where ./manifests does not exist)."""
    sandbox.manifests.rename(sandbox.root / "team manifests")
    planned = sandbox.run("-m", "team manifests", "plan", "--out", "p.cbplan")
    assert planned.code == 0, planned.err
    command = planned.err.strip().split("Apply exactly it with: ")[1]
    assert command.startswith("callboard --sandbox -m 'team manifests' apply p.cbplan "
                              "--expect-sha256 ")
    args = ["-m", "team manifests", "apply", "p.cbplan", "--expect-sha256", command.split()[-1]]
    result = sandbox.run(*args)
    assert result.code == 0, result.err
    assert "Apply complete: 20 changed." in result.out
