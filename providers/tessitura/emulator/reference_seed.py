"""The seeded organization's reference data: Lakeside Performing Arts' Tessitura setup.

The ids and descriptions are the ones the example manifests and the Prospect2 emulator rely
on (see the shared conventions), so they change only together with those.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from providers.emulator_kit.control import EPOCH
from providers.tessitura.emulator.list_manager import ListCriterion, ManagedList
from providers.tessitura.emulator.output_sets import MEMBER_DATA_OUTPUT_SET, seed_output_sets
from providers.tessitura.emulator.reference_tables import Row, Tables
from providers.tessitura.emulator.wire_time import format_wire_datetime

SEEDED_BY = "dbo"
SEEDED_AT = format_wire_datetime(EPOCH - timedelta(days=400))
LISTS_GENERATED_AT = format_wire_datetime(EPOCH - timedelta(days=1))

SEED_SIZES = {"small": 200, "demo": 2_000, "large": 1_000_000}


def _row(row_id: int, **fields: Any) -> Row:
    return {
        "Id": row_id,
        "Inactive": False,
        **fields,
        "CreatedDateTime": SEEDED_AT,
        "CreateLocation": "seed",
        "CreatedBy": SEEDED_BY,
        "UpdatedDateTime": SEEDED_AT,
        "UpdatedBy": SEEDED_BY,
    }


def _table(*rows: Row) -> dict[int, Row]:
    return {row["Id"]: row for row in rows}


def seed_reference_tables() -> Tables:
    """Every TR_* table the emulator serves, as stored rows (links are ``{"Id": n}``)."""
    return {
        "ContactTypes": _table(
            _row(1, Description="E-mail"),
            _row(2, Description="Phone"),
            _row(3, Description="Letter"),
        ),
        "ActivityCategories": _table(
            _row(1, Description="Customer Service", AutoClose=False),
            _row(2, Description="Feedback Received", AutoClose=True),
            _row(3, Description="Ticketing", AutoClose=False),
        ),
        "ActivityTypes": _table(
            *(
                _row(
                    type_id,
                    Description=description,
                    Category={"Id": category},
                    PerfIndicator=perf,
                    ControlGroup=None,
                )
                for type_id, description, category, perf in (
                    (10, "Patron Feedback", 1, "N"),
                    (11, "Performance Feedback", 1, "P"),
                    (12, "Package Query", 3, "K"),
                    (13, "Web Inquiry", 1, "N"),
                    (14, "Survey Reply", 2, "N"),
                )
            )
        ),
        "Origins": _table(_row(1, Description="Website", ActivityType={"Id": 13})),
        "ContactPointPurposeCategories": _table(
            _row(1, Description="Marketing", ControlGroup=None)
        ),
        "ContactPointPurposes": _table(
            _row(1, Description="Newsletter", PurposeCategory={"Id": 1}),
            _row(2, Description="Season Announcements", PurposeCategory={"Id": 1}),
            _row(3, Description="Mail Appeals", PurposeCategory={"Id": 1}),
        ),
        "ContactPointCategories": _table(
            _row(1, Description="Email Address", ContactPointKey="eaddress_no",
                 ContactPointTable="T_EADDRESS"),
            _row(2, Description="Postal Address", ContactPointKey="address_no",
                 ContactPointTable="T_ADDRESS"),
        ),  # fmt: skip
        "ContactPointCategoryPurposes": _table(
            _row(1, ContactPointCategory={"Id": 1}, Purpose={"Id": 1}),
            _row(2, ContactPointCategory={"Id": 1}, Purpose={"Id": 2}),
            _row(3, ContactPointCategory={"Id": 2}, Purpose={"Id": 3}),
        ),
        "ElectronicAddressTypes": _table(
            _row(1, Description="Primary e-mail", IsEmail=True, ControlGroup=None),
            _row(2, Description="Work e-mail", IsEmail=True, ControlGroup=None),
            _row(3, Description="Website", IsEmail=False, ControlGroup=None),
        ),
        "ContactPermissionCategories": _table(
            _row(1, Description="Marketing", AskFrequencyMonths=12)
        ),
        "ContactPermissionTypes": _table(
            _row(2, Description="Email Marketing", ShortDescription="Email", Category={"Id": 1},
                 DefaultValueForAdd=None, Presenter=False, Rank=1, EditIndicator=True),
            _row(3, Description="Phone Calls", ShortDescription="Phone", Category={"Id": 1},
                 DefaultValueForAdd=None, Presenter=False, Rank=2, EditIndicator=True),
        ),  # fmt: skip
        "SourceGroups": _table(
            _row(21, Description="Email Marketing"), _row(22, Description="Direct Mail")
        ),
        "MediaTypes": _table(
            _row(3, Description="Mail", GenerateCost=0.55, ControlGroup=None),
            _row(7, Description="E-mail", GenerateCost=0.0, ControlGroup=None),
        ),
        "ListCategories": _table(
            _row(1, Description="Membership"),
            _row(2, Description="Development"),
            _row(3, Description="Events"),
            _row(4, Description="General"),
        ),
        "AppealCategories": _table(
            _row(1, Description="Subscriptions"), _row(2, Description="Annual Fund")
        ),
        "Appeals": _table(
            _row(501, Description="FY27 Subscriptions", Category={"Id": 1},
                 StartDateTime="2026-07-01T00:00:00-04:00", EndDateTime="2027-06-30T23:59:59-04:00",
                 GoalAmount=1_200_000.0, Status="A"),
            _row(502, Description="FY27 Annual Fund", Category={"Id": 2},
                 StartDateTime="2026-07-01T00:00:00-04:00", EndDateTime="2027-06-30T23:59:59-04:00",
                 GoalAmount=850_000.0, Status="A"),
            _row(503, Description="FY27 Single Tickets", Category={"Id": 1},
                 StartDateTime="2026-07-01T00:00:00-04:00", EndDateTime="2027-06-30T23:59:59-04:00",
                 GoalAmount=400_000.0, Status="A"),
            _row(401, Description="FY26 Annual Fund", Category={"Id": 2}, Inactive=True,
                 StartDateTime="2025-07-01T00:00:00-04:00", EndDateTime="2026-06-30T23:59:59-04:00",
                 GoalAmount=800_000.0, Status="I"),
        ),  # fmt: skip
        "SystemDefaults": _table(
            _row(7001, Description="Prospect2: re-sync audited changes in Data Syncs",
                 FieldName="P2DSTrackChanges", ParentTable="Prospect2", Value="NO"),
            _row(7002, Description="Prospect2: integrated contact permission type",
                 FieldName="P2ContactPermissionTypeId", ParentTable="Prospect2", Value="2"),
            _row(7003, Description="Default e-mail address type",
                 FieldName="DEFAULT_EADDRESS_TYPE", ParentTable="T_EADDRESS", Value="1"),
            _row(7004, Description="Organization name", FieldName="ORGANIZATION_NAME",
                 ParentTable="Global", Value="Lakeside Performing Arts"),
        ),  # fmt: skip
        "OutputSets": seed_output_sets(SEEDED_AT),
    }


def seed_lists() -> dict[int, ManagedList]:
    """The List Manager lists; 105 spans everyone so the large seed has a million-row list.

    Every Prospect2 list (TMSIndicator) has "Pro2 Member Data" as its default output set.
    """
    specs = (
        (101, "Members - Current", 1, True, True, ListCriterion.CURRENT_MEMBERS,
         "Membership Status = Current"),
        (102, "Lapsed Donors", 2, True, True, ListCriterion.LAPSED_DONORS,
         "Last Gift Fiscal Year = FY26 AND No Gift FY27"),
        (103, "Gala 2025 Static", 3, False, True, ListCriterion.STATIC, "(static list)"),
        (104, "Board Only", 4, True, False, ListCriterion.BOARD, "Constituency = Board"),
        (105, "All Constituents", 4, True, True, ListCriterion.ALL_ACTIVE, "Inactive = N"),
    )  # fmt: skip
    return {
        list_id: ManagedList(
            id=list_id,
            description=description,
            category_id=category,
            is_dynamic=dynamic,
            tms_indicator=tms,
            criterion=criterion,
            criteria_text=criteria_text,
            created_stamp=SEEDED_AT,
            updated_stamp=SEEDED_AT,
            generated_stamp=LISTS_GENERATED_AT,
            generated_end=0,
            output_set_id=MEMBER_DATA_OUTPUT_SET if tms else None,
        )
        for list_id, description, category, dynamic, tms, criterion, criteria_text in specs
    }


def seed_sources() -> dict[int, Row]:
    """Existing T_SOURCE rows (internal shape: ids of appeal / group / media type)."""
    return {
        9001: {
            "Id": 9001,
            "Description": "FY27 Subscriptions - Spring Brochure",
            "AppealId": 501,
            "SourceGroupId": 22,
            "MediaTypeId": 3,
            "CampaignRef": None,
            "Inactive": False,
            "CreatedDateTime": SEEDED_AT,
            "CreatedBy": SEEDED_BY,
            "UpdatedDateTime": SEEDED_AT,
            "UpdatedBy": SEEDED_BY,
        }
    }
