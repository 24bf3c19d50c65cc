"""Services this provider offers to the engine's processes (writeback runs, sync runs).

Each entry maps a port name the engine asks for (``"writeback.campaigns"``) to a factory
taking the provider's shared client, so every process shares one client and one rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.sync.ports import TAG_TARGET_PORT
from providers.prospect2.client import Prospect2Client
from providers.prospect2.sync_target import Prospect2TagTarget
from providers.prospect2.writeback_source import Prospect2CampaignSource

PORTS: dict[str, Callable[[Prospect2Client], Any]] = {
    "writeback.campaigns": Prospect2CampaignSource,
    TAG_TARGET_PORT: Prospect2TagTarget,
}
