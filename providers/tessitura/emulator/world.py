"""The Tessitura emulator's whole state: plain data, JSON-serializable, seeded per name.

The apps and the control API read and change a ``TessituraWorld``; the sandbox persists it
with ``to_dict``. Persisted worlds hold the seed name plus what changed since seeding (never
the derived population), so a million-constituent sandbox saves in kilobytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from providers.tessitura.emulator.churn import apply_churn
from providers.tessitura.emulator.list_manager import ManagedList
from providers.tessitura.emulator.member_values import MemberValues
from providers.tessitura.emulator.output_sets import MEMBER_DATA_OUTPUT_SET, seed_output_sets
from providers.tessitura.emulator.population import ConstituentPopulation
from providers.tessitura.emulator.procedures import PACK_VERSION
from providers.tessitura.emulator.reference_seed import (
    SEED_SIZES,
    SEEDED_AT,
    seed_lists,
    seed_reference_tables,
    seed_sources,
)
from providers.tessitura.emulator.reference_tables import Row, Tables
from providers.tessitura.emulator.wire_time import next_version_stamp

FORMAT_VERSION = 1

#: T_DEFAULTS row naming the contact permission type the Prospect2 account integrates.
PERMISSION_TYPE_DEFAULT = "P2ContactPermissionTypeId"

#: First ids handed out for rows created through the API (identity columns never reuse ids).
_FIRST_NEW_IDS = {"Issues": 70001, "Sources": 9101, "SystemDefaults": 7101}


class TessituraWorld:
    """Constituents, reference data, lists, issues, sources, promotions, and the audit trail."""

    def __init__(
        self,
        seed: str,
        population: ConstituentPopulation,
        tables: Tables,
        lists: dict[int, ManagedList],
        sources: dict[int, Row],
    ) -> None:
        self.seed = seed
        self.population = population
        self.tables = tables
        self.lists = lists
        self.sources = sources
        self.issues: dict[int, Row] = {}
        self.promotions: dict[int, set[int]] = {}
        self.audit: list[Row] = []
        self.member_values = MemberValues()
        self.churn_count = 0
        self.next_ids: dict[str, int] = {}
        #: The installed procedure pack's version; None: not installed (a control can say so).
        self.pack_version: str | None = PACK_VERSION

    @classmethod
    def seeded(cls, seed: str) -> TessituraWorld:
        """The deterministic organization for ``small``, ``demo`` or ``large``."""
        if seed not in SEED_SIZES:
            raise ValueError(f"unknown seed {seed!r}; use one of {', '.join(SEED_SIZES)}")
        population = ConstituentPopulation(SEED_SIZES[seed])
        lists = seed_lists()
        for managed in lists.values():
            managed.generated_end = population.end
        return cls(seed, population, seed_reference_tables(), lists, seed_sources())

    def next_id(self, table: str) -> int:
        """A fresh identity value for ``table``, above every id it has ever held."""
        if table not in self.next_ids:
            own_rows = {"Issues": self.issues, "Sources": self.sources}
            existing = own_rows.get(table) or self.tables.get(table, {})
            floor = _FIRST_NEW_IDS.get(table, 1)
            self.next_ids[table] = max([floor, *(row_id + 1 for row_id in existing)])
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    # -- T_DEFAULTS the Prospect2 integration reads ------------------------------------------
    def integrated_permission_type(self) -> int | None:
        """``P2ContactPermissionTypeId``; None when the row is missing or holds no id."""
        for row in self.tables["SystemDefaults"].values():
            value = str(row.get("Value") or "").strip()
            if row["FieldName"] == PERMISSION_TYPE_DEFAULT and value.isdigit():
                return int(value)
        return None

    def set_integrated_permission_type(self, type_id: int | None, now: datetime) -> None:
        """Follow the Prospect2 account (``/_emulator/account``): NULL when not integrated."""
        value = None if type_id is None else str(type_id)
        for row in self.tables["SystemDefaults"].values():
            if row["FieldName"] == PERMISSION_TYPE_DEFAULT:
                if row["Value"] != value:
                    row["Value"] = value
                    row["UpdatedDateTime"] = next_version_stamp(now, row["UpdatedDateTime"])
                    row["UpdatedBy"] = "Prospect2"
                return
        if value is not None:
            row_id = self.next_id("SystemDefaults")
            stamp = next_version_stamp(now, None)
            self.tables["SystemDefaults"][row_id] = {
                "Id": row_id, "Description": "Prospect2: integrated contact permission type",
                "Inactive": False, "Value": value, "ParentTable": "Prospect2",
                "FieldName": PERMISSION_TYPE_DEFAULT, "CreatedDateTime": stamp,
                "CreateLocation": "Prospect2", "CreatedBy": "Prospect2",
                "UpdatedDateTime": stamp, "UpdatedBy": "Prospect2",
            }  # fmt: skip

    def record_audit(
        self,
        constituent_id: int,
        audit_table: str,
        column_name: str,
        changed: str,
        old_value: Any = None,
        new_value: Any = None,
    ) -> None:
        """One VAS_AUDIT_TRAIL / TA_AUDIT_MEMBERSHIP row."""
        self.audit.append(
            {
                "ConstituentId": constituent_id,
                "AuditTable": audit_table,
                "ColumnName": column_name,
                "ChangedDateTime": changed,
                "OldValue": None if old_value is None else str(old_value),
                "NewValue": None if new_value is None else str(new_value),
            }
        )

    def churn(
        self,
        list_id: int,
        add: int = 0,
        remove: int = 0,
        change: int = 0,
        share_email: int = 0,
        permission_flip: int = 0,
        seed: int = 1,
        mistype: int = 0,
        *,
        now: datetime,
    ) -> dict[str, Any]:
        """Act as the outside world on one list (``POST /_emulator/churn``).

        Raises ``LookupError`` for an unknown list.
        """
        return apply_churn(
            self,
            list_id,
            add=add,
            remove=remove,
            change=change,
            share_email=share_email,
            permission_flip=permission_flip,
            mistype=mistype,
            seed=seed,
            now=now,
        )

    # -- persistence -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Seed name plus everything that is not derived from it."""
        return {
            "format_version": FORMAT_VERSION,
            "seed": self.seed,
            "population": self.population.overrides_to_dict(),
            "tables": {
                name: [rows[row_id] for row_id in sorted(rows)]
                for name, rows in self.tables.items()
            },
            "lists": [self.lists[list_id].to_dict() for list_id in sorted(self.lists)],
            "sources": [self.sources[source_id] for source_id in sorted(self.sources)],
            "issues": [self.issues[issue_id] for issue_id in sorted(self.issues)],
            "promotions": {
                str(source_id): sorted(ids) for source_id, ids in self.promotions.items()
            },
            "audit": list(self.audit),
            "member_values": self.member_values.to_dict(),
            "churn_count": self.churn_count,
            "next_ids": dict(self.next_ids),
            "pack_version": self.pack_version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TessituraWorld:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported Tessitura world format {data.get('format_version')!r}")
        population = ConstituentPopulation(SEED_SIZES[data["seed"]])
        population.load_overrides(data["population"])
        world = cls(
            data["seed"],
            population,
            {name: {row["Id"]: row for row in rows} for name, rows in data["tables"].items()},
            {item["id"]: ManagedList.from_dict(item) for item in data["lists"]},
            {row["Id"]: row for row in data["sources"]},
        )
        world.issues = {row["Id"]: row for row in data["issues"]}
        world.promotions = {int(k): set(v) for k, v in data["promotions"].items()}
        world.audit = list(data["audit"])
        world.member_values = MemberValues.from_dict(data.get("member_values"))
        if "OutputSets" not in world.tables:  # saved before output sets were emulated
            world.tables["OutputSets"] = seed_output_sets(SEEDED_AT)
            for managed in world.lists.values():
                if managed.tms_indicator:
                    managed.output_set_id = MEMBER_DATA_OUTPUT_SET
        world.churn_count = int(data["churn_count"])
        world.next_ids = {k: int(v) for k, v in data["next_ids"].items()}
        world.pack_version = data.get("pack_version", PACK_VERSION)
        return world
