"""Prospect2's kinds, in the order the provider declares them, with their handlers."""

from __future__ import annotations

from collections.abc import Callable

from engine.kinds import Kind, KindHandler
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.campaign_writebacks import (
    CampaignWritebacksHandler,
    CampaignWritebacksKind,
)
from providers.prospect2.kinds.csi_webhooks import CsiWebhooksHandler, CsiWebhooksKind
from providers.prospect2.kinds.custom_fields import CustomFieldsHandler, CustomFieldsKind
from providers.prospect2.kinds.data_syncs import DataSyncsHandler, DataSyncsKind
from providers.prospect2.kinds.tags import TagsHandler, TagsKind

KINDS: tuple[type[Kind], ...] = (TagsKind, CustomFieldsKind, CsiWebhooksKind, DataSyncsKind,
                                 CampaignWritebacksKind)

HANDLERS: dict[str, Callable[[Prospect2Client], KindHandler]] = {
    TagsKind.name: TagsHandler,
    CustomFieldsKind.name: CustomFieldsHandler,
    CsiWebhooksKind.name: CsiWebhooksHandler,
    DataSyncsKind.name: DataSyncsHandler,
    CampaignWritebacksKind.name: CampaignWritebacksHandler,
}

#: Kinds whose live fields name Tessitura reference data (they take a ReferenceVocabulary).
NAMES_TESSITURA_DATA: frozenset[str] = frozenset(
    {CsiWebhooksKind.name, DataSyncsKind.name, CampaignWritebacksKind.name})

__all__ = ["HANDLERS", "KINDS", "NAMES_TESSITURA_DATA", "CampaignWritebacksKind",
           "CsiWebhooksKind", "CustomFieldsKind", "DataSyncsKind", "TagsKind"]
