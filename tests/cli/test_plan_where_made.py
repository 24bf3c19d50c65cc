"""A plan saved with --sandbox, applied without it to the organization's services (the printed
command copied, --sandbox left out, the services' variables exported), in process: refused with
exit 3 and one message naming where the plan was made and where this apply would write, before
any service is contacted or any state made. (``tests/workflows/test_qa_plan_where_made.py``
drives the same through a subprocess against served emulators.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main
from tests.cli.conftest import Sandbox

SANDBOX = "http://sandbox.callboard.invalid"
ORG = "https://lakeside.api-us1.example"
TESS = "https://tessitura.lakeside.example"


def _apply_without_sandbox(sandbox: Sandbox, plan_file: str) -> tuple[int, str]:
    sandbox.capsys.readouterr()
    code = main(["--no-color", "apply", plan_file])
    return code, sandbox.capsys.readouterr().err


def test_a_sandbox_plan_applied_to_both_services_names_each(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    assert sandbox.run("plan", "--out", "p.cbplan").code == 0
    monkeypatch.setenv("PROSPECT2_URL", f"{ORG}/api/3")
    monkeypatch.setenv("PROSPECT2_API_TOKEN", "the-real-token")
    monkeypatch.setenv("TESSITURA_URL", f"{TESS}/TessituraService")

    code, err = _apply_without_sandbox(sandbox, "p.cbplan")

    assert code == 3
    [message] = err.strip().splitlines()
    assert message.startswith("Error: plan ")
    assert message.endswith(
        f" was made against other services (prospect2 at {SANDBOX}/api/3, tessitura at "
        f"{SANDBOX}/TessituraService), and this apply talks to prospect2 at {ORG}/api/3, "
        f"tessitura at {TESS}/TessituraService: apply it where it was made (with --sandbox if "
        "it was planned with --sandbox), or make a new plan here")
    assert not Path(".callboard/state.db").exists()  # no state made for the services


def test_a_service_whose_variable_is_unset_is_not_named(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only Prospect2's variables exported: Tessitura would not be written, so only Prospect2
    stands between the plan and this apply."""
    assert sandbox.run("plan", "--out", "p.cbplan").code == 0
    for var in ("TESSITURA_URL", "TESSITURA_USER", "TESSITURA_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PROSPECT2_URL", f"{ORG}/api/3")
    monkeypatch.setenv("PROSPECT2_API_TOKEN", "the-real-token")

    code, err = _apply_without_sandbox(sandbox, "p.cbplan")

    assert code == 3
    assert (f"was made against other services (prospect2 at {SANDBOX}/api/3), and this apply "
            f"talks to prospect2 at {ORG}/api/3: apply it where") in err
    assert not Path(".callboard/state.db").exists()
