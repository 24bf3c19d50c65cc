"""Who holds a lock (``user@host pid N``), and whether that process is known to have ended.

Cron fires every few minutes and a run killed with ``kill -9`` cannot release its lock, so a
holder on this host whose process is gone is taken over, with a notice, by the next run.
"""

from __future__ import annotations

import os
import re
import socket

HOLDER = re.compile(r"^(?P<user>[^@]*)@(?P<host>\S+) pid (?P<pid>\d+)$")


def holder_is_gone(holder: str) -> bool:
    """True when ``holder`` ran on this host and its process is no longer alive."""
    found = HOLDER.search(holder)
    if found is None or found.group("host") != socket.gethostname():
        return False
    pid = int(found.group("pid"))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def why_unknown(holder: str) -> str:
    """Why Callboard cannot tell on its own that ``holder`` has ended."""
    found = HOLDER.search(holder)
    if found is None:
        return "it does not say which process holds it"
    if found.group("host") != socket.gethostname():
        return f"it was taken on another host ({found.group('host')})"
    return f"process {found.group('pid')} is still running on this host"
