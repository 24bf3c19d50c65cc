"""``callboard emulator serve`` as a real subprocess on a free loopback port, for tests that
talk to the emulators over TCP exactly as a pipeline would. One place starts and stops it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

#: The CLI as a subprocess, from the same interpreter and installation as the tests.
CALLBOARD = [sys.executable, "-c", "from engine.cli.main import entry; entry()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Return once the served emulators answer at ``base``; kill the process if they never do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/_emulator/stats", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"emulator did not start: {process.communicate()[1]}")


@contextmanager
def emulator_process(*, seed: str = "demo", token: str = "emulator-token",
                     password: str = "emulator"
                     ) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start the served emulators, wait until they answer, yield (base URL, process)."""
    port = free_port()
    process = subprocess.Popen(
        [*CALLBOARD, "emulator", "serve", "--port", str(port), "--seed", seed, "--token", token,
         "--tessitura-password", password],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, process)
    try:
        yield base, process
    finally:
        process.terminate()
        process.communicate(timeout=10)
