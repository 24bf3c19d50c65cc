"""Tessitura's kinds, in the order the provider declares them, with their handlers."""

from __future__ import annotations

from collections.abc import Callable

from engine.kinds import Kind, KindHandler
from providers.tessitura.client import TessituraClient
from providers.tessitura.kinds.activity_types import ActivityTypesHandler, ActivityTypesKind
from providers.tessitura.kinds.tessitura_defaults import (
    TessituraDefaultsHandler,
    TessituraDefaultsKind,
)

KINDS: tuple[type[Kind], ...] = (ActivityTypesKind, TessituraDefaultsKind)

HANDLERS: dict[str, Callable[[TessituraClient], KindHandler]] = {
    ActivityTypesKind.name: ActivityTypesHandler,
    TessituraDefaultsKind.name: TessituraDefaultsHandler,
}

__all__ = ["HANDLERS", "KINDS", "ActivityTypesKind", "TessituraDefaultsKind"]
