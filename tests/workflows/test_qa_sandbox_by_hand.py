"""The tour says `drift` exits 2 "after a change by hand": the README's way to make one in the
sandbox is to serve the sandbox's own data (`emulator serve --data .callboard/sandbox`), change
an object through the emulated API as a person would, stop the server, and run drift again."""

from __future__ import annotations

import signal
import subprocess

import httpx

from tests.cli.conftest import Sandbox
from tests.served_process import CALLBOARD, free_port, wait_until_serving


def test_a_change_by_hand_in_the_sandbox_through_a_served_emulator(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("drift").code == 0
    tag_id = sandbox.tag_id("Feedback - Requested")

    port = free_port()
    served = subprocess.Popen([*CALLBOARD, "emulator", "serve", "--data", ".callboard/sandbox",
                               "--port", str(port)], cwd=sandbox.root, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, served)
        edited = httpx.put(f"{base}/api/3/tags/{tag_id}",
                           headers={"Api-Token": "emulator-token"},
                           json={"tag": {"tag": "Feedback - Requested",
                                         "description": "Edited by hand"}})
        assert edited.status_code == 200, edited.text
    finally:
        served.send_signal(signal.SIGINT)  # Ctrl-C in its terminal
        served.communicate(timeout=30)

    drift = sandbox.run("drift")
    assert drift.code == 2, drift.err
    assert "~ tags.feedback-requested" in drift.out and '"Edited by hand"' in drift.out
