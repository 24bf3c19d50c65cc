"""``state show``: one state record as JSON, text as written (names in any language)."""

from __future__ import annotations

import json

from engine.state.base import ResourceRecord


def record_json(record: ResourceRecord) -> str:
    body = {"address": record.address, "remote_id": record.remote_id, "fields": record.fields,
            "prevent_destroy": record.prevent_destroy, "updated_at": record.updated_at}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
