"""What a route needs besides its request: the account's data and the emulated time."""

from __future__ import annotations

from starlette.requests import Request

from providers.emulator_kit.control import EmulatorControl
from providers.prospect2.emulator.world import Prospect2World


def world_of(request: Request) -> Prospect2World:
    return request.app.state.world


def control_of(request: Request) -> EmulatorControl:
    return request.app.state.control


def now_of(request: Request) -> str:
    """The emulator clock's time in ActiveCampaign's ISO-8601 form."""
    return control_of(request).clock.now().isoformat(timespec="seconds")
