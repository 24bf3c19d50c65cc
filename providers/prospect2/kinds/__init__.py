"""Prospect2's kinds, in the order the provider declares them, with their handlers."""

from __future__ import annotations

from collections.abc import Callable

from engine.kinds import Kind, KindHandler
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.custom_fields import CustomFieldsHandler, CustomFieldsKind
from providers.prospect2.kinds.tags import TagsHandler, TagsKind

KINDS: tuple[type[Kind], ...] = (TagsKind, CustomFieldsKind)

HANDLERS: dict[str, Callable[[Prospect2Client], KindHandler]] = {
    TagsKind.name: TagsHandler,
    CustomFieldsKind.name: CustomFieldsHandler,
}

__all__ = ["HANDLERS", "KINDS", "CustomFieldsKind", "TagsKind"]
