"""Everything a Prospect2 account holds, as plain JSON-serialisable data.

The world knows nothing about HTTP: the routes validate requests and render answers, the world
keeps the data consistent (deleting a tag removes its contact associations, and so on). Rows
are stored with integer ids; the wire format turns them into strings.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from providers.prospect2.emulator.contact_book import ContactBook

Row = dict[str, Any]

#: Resources kept as ``{id: row}`` tables, in the order they are saved.
TABLES = ("tags", "contactTags", "fields", "fieldValues", "lists", "contactLists",
          "automations", "campaigns", "csiWebhooks", "dataSyncs", "writebackMappings",
          "fieldOptions", "fieldRels", "contactAutomations", "webhooks", "listGroups")


class Prospect2World:
    """One Prospect2 account: its contacts, tags, fields, campaigns and Tessitura settings."""

    def __init__(self, *, seed: str, account: Row, contacts: ContactBook,
                 tables: dict[str, dict[int, Row]], recipients: dict[int, list[list[Any]]],
                 imports: dict[str, Row], next_ids: dict[str, int]) -> None:
        self.seed = seed
        self.account = account
        self.contacts = contacts
        self.tables = {name: tables.get(name, {}) for name in TABLES}
        #: campaign id -> [[contact id, email, sentAt], ...]
        self.recipients = recipients
        self.imports = imports
        self.next_ids = next_ids
        self._reindex()

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def seeded(cls, seed: str) -> Prospect2World:
        from providers.prospect2.emulator.seeding import build_seeded_world

        return build_seeded_world(cls, seed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "account": self.account, "contacts": self.contacts.to_dict(),
            "tables": {name: [rows[i] for i in sorted(rows)] for name, rows in
                       self.tables.items()},
            "recipients": {str(cid): rows for cid, rows in self.recipients.items()},
            "imports": self.imports, "next_ids": self.next_ids,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prospect2World:
        tables = {name: {int(row["id"]): row for row in rows}
                  for name, rows in data["tables"].items()}
        return cls(seed=data["seed"], account=data["account"],
                   contacts=ContactBook.from_dict(data["contacts"]), tables=tables,
                   recipients={int(k): v for k, v in data["recipients"].items()},
                   imports=data["imports"], next_ids=data["next_ids"])

    def _reindex(self) -> None:
        self._contact_tags: dict[int, dict[int, int]] = {}
        self._tag_contacts: dict[int, set[int]] = {}
        for assoc in self.tables["contactTags"].values():
            self._index_contact_tag(assoc)
        #: contact id -> {field id: field value id}
        self._field_values: dict[int, dict[int, int]] = {}
        for row in self.tables["fieldValues"].values():
            self._field_values.setdefault(row["contact"], {})[row["field"]] = row["id"]
        #: contact id -> {list id: contactList id}
        self._contact_lists: dict[int, dict[int, int]] = {}
        for row in self.tables["contactLists"].values():
            self._contact_lists.setdefault(row["contact"], {})[row["list"]] = row["id"]

    def _index_contact_tag(self, assoc: Row) -> None:
        self._contact_tags.setdefault(assoc["contact"], {})[assoc["tag"]] = assoc["id"]
        self._tag_contacts.setdefault(assoc["tag"], set()).add(assoc["contact"])

    # -- generic tables --------------------------------------------------------------------
    def table(self, name: str) -> dict[int, Row]:
        return self.tables[name]

    def new_id(self, name: str) -> int:
        current = self.next_ids.get(name, 1)
        self.next_ids[name] = current + 1
        return current

    def insert(self, name: str, row: Row) -> Row:
        row["id"] = self.new_id(name)
        self.tables[name][row["id"]] = row
        return row

    # -- tags ------------------------------------------------------------------------------
    def tag_by_name(self, name: str) -> Row | None:
        key = name.strip().casefold()
        return next((t for t in self.tables["tags"].values() if t["tag"].casefold() == key),
                    None)

    def delete_tag(self, tag_id: int) -> None:
        del self.tables["tags"][tag_id]
        for contact_id in sorted(self._tag_contacts.pop(tag_id, set())):
            assoc_id = self._contact_tags[contact_id].pop(tag_id)
            del self.tables["contactTags"][assoc_id]

    # -- contact tags ----------------------------------------------------------------------
    def tag_contact(self, contact_id: int, tag_id: int, now: str) -> Row:
        """Associate a tag with a contact; an existing association is answered as is."""
        existing = self._contact_tags.get(contact_id, {}).get(tag_id)
        if existing is not None:
            return self.tables["contactTags"][existing]
        assoc = self.insert("contactTags", {"contact": contact_id, "tag": tag_id, "cdate": now})
        self._index_contact_tag(assoc)
        return assoc

    def untag(self, assoc_id: int) -> None:
        assoc = self.tables["contactTags"].pop(assoc_id)
        self._contact_tags[assoc["contact"]].pop(assoc["tag"], None)
        self._tag_contacts[assoc["tag"]].discard(assoc["contact"])

    def contact_tags_of(self, contact_id: int) -> list[Row]:
        ids = sorted(self._contact_tags.get(contact_id, {}).values())
        return [self.tables["contactTags"][i] for i in ids]

    def contacts_with_tag(self, tag_id: int) -> set[int]:
        return self._tag_contacts.get(tag_id, set())

    # -- contacts --------------------------------------------------------------------------
    def delete_contact(self, contact_id: int) -> None:
        for assoc_id in list(self._contact_tags.get(contact_id, {}).values()):
            self.untag(assoc_id)
        for value_id in self._field_values.pop(contact_id, {}).values():
            del self.tables["fieldValues"][value_id]
        for row_id in self._contact_lists.pop(contact_id, {}).values():
            del self.tables["contactLists"][row_id]
        self._drop_where("contactAutomations", contact=contact_id)
        self.contacts.delete(contact_id)

    # -- custom fields and their values ----------------------------------------------------
    def field_by_perstag(self, perstag: str) -> Row | None:
        key = perstag.strip().upper()
        return next((f for f in self.tables["fields"].values() if f["perstag"] == key), None)

    def delete_field(self, field_id: int) -> None:
        del self.tables["fields"][field_id]
        self._drop_where("fieldOptions", field=field_id)
        self._drop_where("fieldRels", field=field_id)
        for values in self._field_values.values():
            value_id = values.pop(field_id, None)
            if value_id is not None:
                del self.tables["fieldValues"][value_id]

    def set_field_value(self, contact_id: int, field_id: int, value: str, now: str) -> Row:
        value_id = self._field_values.get(contact_id, {}).get(field_id)
        if value_id is not None:
            row = self.tables["fieldValues"][value_id]
            row.update(value=value, udate=now)
            return row
        row = self.insert("fieldValues", {"contact": contact_id, "field": field_id,
                                          "value": value, "cdate": now, "udate": now})
        self._field_values.setdefault(contact_id, {})[field_id] = row["id"]
        return row

    def delete_field_value(self, value_id: int) -> None:
        row = self.tables["fieldValues"].pop(value_id)
        self._field_values.get(row["contact"], {}).pop(row["field"], None)

    def move_field_value(self, value_id: int, contact_id: int, field_id: int) -> None:
        """Re-point a value (same id) at another contact or field; the pair must be free."""
        row = self.tables["fieldValues"][value_id]
        self._field_values.get(row["contact"], {}).pop(row["field"], None)
        row.update(contact=contact_id, field=field_id)
        self._field_values.setdefault(contact_id, {})[field_id] = value_id

    def field_values_of(self, contact_id: int) -> list[Row]:
        ids = sorted(self._field_values.get(contact_id, {}).values())
        return [self.tables["fieldValues"][i] for i in ids]

    def field_value(self, contact_id: int, field_id: int) -> str | None:
        value_id = self._field_values.get(contact_id, {}).get(field_id)
        return None if value_id is None else self.tables["fieldValues"][value_id]["value"]

    # -- list subscriptions ----------------------------------------------------------------
    def subscribe(self, contact_id: int, list_id: int, status: int, now: str) -> Row:
        row_id = self._contact_lists.get(contact_id, {}).get(list_id)
        if row_id is not None:
            row = self.tables["contactLists"][row_id]
            row.update(status=status, udate=now)
            return row
        row = self.insert("contactLists", {"contact": contact_id, "list": list_id,
                                           "status": status, "sdate": now, "udate": now})
        self._contact_lists.setdefault(contact_id, {})[list_id] = row["id"]
        return row

    def lists_of(self, contact_id: int) -> list[Row]:
        ids = sorted(self._contact_lists.get(contact_id, {}).values())
        return [self.tables["contactLists"][i] for i in ids]

    def delete_list(self, list_id: int) -> None:
        """A list goes with its subscriptions, its field relations and its group grants."""
        del self.tables["lists"][list_id]
        for lists in self._contact_lists.values():
            row_id = lists.pop(list_id, None)
            if row_id is not None:
                del self.tables["contactLists"][row_id]
        self._drop_where("fieldRels", relid=list_id)
        self._drop_where("listGroups", list=list_id)

    def _drop_where(self, table: str, **match: Any) -> None:
        rows = self.tables[table]
        for row_id in [i for i, row in rows.items()
                       if all(row.get(k) == v for k, v in match.items())]:
            del rows[row_id]

    # -- Tessitura layer -------------------------------------------------------------------
    def csi_url(self, webhook_id: int) -> str:
        """The webhook's URL; its token is derived from the account secret, never stored."""
        token = hmac.new(self.account["secret"].encode(), f"csi:{webhook_id}".encode(),
                         hashlib.sha256).hexdigest()[:32]
        return f"https://hooks.prospect2.emulator/tessitura/csi/{webhook_id}?token={token}"

    def new_batch_id(self) -> str:
        number = self.new_id("imports")
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.account['secret']}/import/{number}"))
