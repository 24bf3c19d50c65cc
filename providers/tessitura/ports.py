"""Services this provider offers to the engine's processes (writeback runs, sync runs).

Each entry maps a port name the engine asks for (``"writeback.campaigns"``) to a factory
taking the provider's shared client, so every process shares one client and one rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.sync.ports import LIST_SOURCE_PORT
from providers.tessitura.client import TessituraClient
from providers.tessitura.sync_source import TessituraListSource
from providers.tessitura.writeback_sink import TessituraWritebackSink

PORTS: dict[str, Callable[[TessituraClient], Any]] = {
    "writeback.tessitura": TessituraWritebackSink,
    LIST_SOURCE_PORT: TessituraListSource,
}
