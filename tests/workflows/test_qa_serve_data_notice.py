"""`emulator serve --data DIR` said the same with the sandbox's data as with a mistyped folder:
the typo served a new demo organization, the "change by hand" went there, and `--sandbox
drift` then found nothing, with no clue why. The server now says which it serves."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading

from tests.cli.conftest import Sandbox
from tests.served_process import CALLBOARD, free_port


def _serve_notice(sandbox: Sandbox, data: str) -> str:
    served = subprocess.Popen([*CALLBOARD, "emulator", "serve", "--data", data, "--port",
                               str(free_port())], cwd=sandbox.root, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in served.stdout],  # type: ignore[union-attr]
                     daemon=True).start()
    try:
        while True:  # the settings, the listening line, then the notice (if any)
            try:
                line = lines.get(timeout=20)
            except queue.Empty:
                return ""
            if line.startswith("# emulator"):
                try:
                    return lines.get(timeout=5).strip()
                except queue.Empty:
                    return ""
    finally:
        served.send_signal(signal.SIGINT)
        served.communicate(timeout=30)


def test_serve_says_whether_it_serves_the_sandboxs_data(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0

    assert _serve_notice(sandbox, ".callboard/sandbox") == (
        "# serving the organization kept in .callboard/sandbox")
    assert _serve_notice(sandbox, ".callboard/sanbox") == (
        "# .callboard/sanbox held no emulator data: the demo organization starts there")
    assert sandbox.run("drift").code == 0  # the sandbox's own data untouched by either
