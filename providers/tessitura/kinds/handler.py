"""What every Tessitura kind's handler is given: the provider's shared client."""

from __future__ import annotations

from engine.kinds import KindHandler
from providers.tessitura.client import TessituraClient


class TessituraHandler(KindHandler):
    """Base of the Tessitura handlers (one client, one pool of request slots)."""

    def __init__(self, client: TessituraClient) -> None:
        self.client = client
