"""Part B: the Tessitura-integration layer (account, CSI webhooks, Data Syncs, writebacks).

No public documentation exists for these; the shapes follow ``prospect2-api.md`` Part B and
the validations follow the seeds (a Data Sync's tag cannot change while it is ON, seed 003).
A Data Sync's runner state (baseline, activity) rides in its row under ``_runner`` and never
reaches the wire; ``data_sync_runs`` fills it when the emulator's scheduler runs the sync.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contacts import valid_email
from providers.prospect2.emulator.context import control_of, now_of, world_of
from providers.prospect2.emulator.wire import (
    bool_field,
    int_field,
    invalid,
    not_found,
    paged,
    path_id,
    text_field,
    to_wire,
    wrapped_body,
)
from providers.prospect2.emulator.world import Prospect2World

NOTES_LIMIT = 4000
SYNC_MODES = ("add_only", "add_and_remove")
FREQUENCIES = ("daily", "weekly", "monthly", "multi_daily", "custom")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIN_EVERY_MINUTES = 15
RUNNERS = ("prospect2", "external")
RESYNC_MODES = ("audit", "values", "off")
#: What a Data Sync row saved before these fields existed reads as (Prospect2 runs its own).
SYNC_DEFAULTS: dict[str, Any] = {"runBy": "prospect2", "outputSetId": None, "fields": [],
                                 "resync": "audit"}
#: Seed 003: run details stay in the Activity Log for up to 30 days.
ACTIVITY_DAYS = 30
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Perstags Prospect2's own processes fill (seed 001): Scheduled Triggers' performance numbers
#: and Custom View automations' ``CUSTOM__*`` fields. A webhook may name them before any
#: contact holds a value, so they need not be custom fields of the account yet.
INTEGRATION_PERSTAGS = ("PERFDATA__PERF_NO", "ORDER__PERF_NO")
CUSTOM_VIEW_PREFIX = "CUSTOM__"
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

Validator = Callable[[Prospect2World, dict[str, Any], dict[str, Any] | None], dict[str, Any]]


async def get_account(request: Request) -> JSONResponse:
    account = world_of(request).account
    return JSONResponse({"account": {k: account[k] for k in (
        "organizationName", "tessituraConnected", "contactPermissionsIntegrated",
        "contactPermissionTypeId")}})


def _bool(body: dict[str, Any], current: dict[str, Any] | None, name: str, default: bool,
          changes: dict[str, Any]) -> None:
    if name in body or current is None:
        changes[name] = bool_field(body.get(name, default), name)


def _id_list(value: Any, name: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(name, f"{name} must be a list of ids")
    return [int_field(v, f"{name}/{i}") for i, v in enumerate(value)]  # type: ignore[misc]


def _perstag(world: Prospect2World, value: Any, name: str) -> str:
    perstag = text_field(value, name, required=True).strip().strip("%").upper()
    if perstag in INTEGRATION_PERSTAGS or perstag.startswith(CUSTOM_VIEW_PREFIX):
        return perstag
    if world.field_by_perstag(perstag) is None:
        raise invalid(name, f"no custom field has the personalization tag {perstag}",
                      title="Unknown custom field")
    return perstag


def validate_csi_webhook(world: Prospect2World, body: dict[str, Any],
                         current: dict[str, Any] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if current is None or "title" in body:
        title = text_field(body.get("title"), "title", required=True).strip()
        own = current["id"] if current else None
        if any(w["title"].casefold() == title.casefold() and w["id"] != own
               for w in world.table("csiWebhooks").values()):
            raise invalid("title", f"a CSI webhook titled {title!r} already exists",
                          title="Duplicate title", code="duplicate")
        changes["title"] = title
    if current is None or "description" in body:
        changes["description"] = text_field(body.get("description"), "description",
                                            max_length=1000)
    for name in ("contactMethodId", "activityTypeId"):
        if current is None or name in body:
            changes[name] = int_field(body.get(name), name)
    if current is None or "performanceField" in body:
        value = body.get("performanceField")
        changes["performanceField"] = (None if value in (None, "")
                                       else _perstag(world, value, "performanceField"))
    if current is None or "notes" in body:
        changes["notes"] = text_field(body.get("notes"), "notes", max_length=NOTES_LIMIT)
    if current is None or "noteFields" in body:
        fields = body.get("noteFields") or []
        if not isinstance(fields, list):
            raise invalid("noteFields", "noteFields must be a list of perstags")
        changes["noteFields"] = [_perstag(world, f, f"noteFields/{i}")
                                 for i, f in enumerate(fields)]
    _bool(body, current, "urgent", False, changes)
    _bool(body, current, "active", False, changes)
    return changes


def _clock(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _CLOCK_TIME.match(value):
        raise invalid(name, f"{name} must be a time of day as HH:MM, not {value!r}")
    return value


def validate_schedule(value: Any) -> dict[str, Any]:
    """A schedule the Data Sync page could have produced (seed 003's frequencies)."""
    if not isinstance(value, dict):
        raise invalid("schedule", "schedule must be an object with a frequency")
    frequency = value.get("frequency")
    if frequency not in FREQUENCIES:
        raise invalid("schedule/frequency", f"frequency must be one of {', '.join(FREQUENCIES)}")
    schedule: dict[str, Any] = {"frequency": frequency}
    if frequency == "custom":
        times = value.get("times")
        if not isinstance(times, list) or not times:
            raise invalid("schedule/times", "a custom schedule needs a list of times")
        schedule["times"] = sorted({_clock(t, f"schedule/times/{i}")
                                    for i, t in enumerate(times)})
        return schedule
    schedule["time"] = _clock(value.get("time"), "schedule/time")
    if frequency == "weekly":
        weekday = str(value.get("weekday", "")).lower()
        if weekday not in WEEKDAYS:
            raise invalid("schedule/weekday", "a weekly schedule needs a weekday (monday…)")
        schedule["weekday"] = weekday
    if frequency == "monthly":
        monthday = value.get("monthday")
        if not isinstance(monthday, int) or isinstance(monthday, bool) or not 1 <= monthday <= 31:
            raise invalid("schedule/monthday", "a monthly schedule needs a monthday from 1 to 31")
        schedule["monthday"] = monthday
    if frequency == "multi_daily":
        every = value.get("everyMinutes")
        if not isinstance(every, int) or isinstance(every, bool) or every < MIN_EVERY_MINUTES:
            raise invalid("schedule/everyMinutes",
                          f"everyMinutes must be at least {MIN_EVERY_MINUTES}")
        schedule["everyMinutes"] = every
    return schedule


def validate_data_sync(world: Prospect2World, body: dict[str, Any],
                       current: dict[str, Any] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if current is None or "name" in body:
        changes["name"] = text_field(body.get("name"), "name", required=True).strip()
    if current is None or "listManagerListId" in body:
        changes["listManagerListId"] = int_field(body.get("listManagerListId"),
                                                 "listManagerListId")
    if current is None or "tag" in body:
        name = text_field(body.get("tag"), "tag", required=True)
        tag = world.tag_by_name(name)
        if tag is None:
            raise invalid("tag", f"no tag named {name!r} exists in this account",
                          title="Unknown tag")
        if current is not None and current["active"] and tag["tag"] != current["tag"]:
            raise invalid("tag", "the tag of an active Data Sync cannot change; create a new "
                          "Data Sync instead", title="Tag cannot change", code="immutable")
        changes["tag"] = tag["tag"]
    if current is None or "mode" in body:
        mode = body.get("mode", "add_only")
        if mode not in SYNC_MODES:
            raise invalid("mode", f"mode must be one of {', '.join(SYNC_MODES)}")
        changes["mode"] = mode
    for name in ("triggerWebhooks", "triggerAutomations", "primaryOnly",
                 "ignoreContactPermissions", "active"):
        _bool(body, current, name, False, changes)
    if changes.get("ignoreContactPermissions") and not world.account[
            "contactPermissionsIntegrated"]:
        raise invalid("ignoreContactPermissions", "this account is not integrated with "
                      "Tessitura contact permissions")
    for name in ("contactPointPurposeIds", "eaddressTypeIds"):
        if current is None or name in body:
            changes[name] = _id_list(body.get(name), name)
    if current is None or "schedule" in body:
        changes["schedule"] = validate_schedule(body.get("schedule"))
    if current is None or "notify" in body:
        notify = body.get("notify") or []
        if not isinstance(notify, list):
            raise invalid("notify", "notify must be a list of email addresses")
        changes["notify"] = [valid_email(e, f"notify/{i}") for i, e in enumerate(notify)]
    if current is None or "description" in body:
        changes["description"] = text_field(body.get("description"), "description",
                                            max_length=1000)
    _runner_and_contact_data(world, body, current, changes)
    return changes


def _choice(body: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = body.get(name, SYNC_DEFAULTS[name])
    if value not in choices:
        raise invalid(name, f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _runner_and_contact_data(world: Prospect2World, body: dict[str, Any],
                             current: dict[str, Any] | None, changes: dict[str, Any]) -> None:
    """``runBy``, ``outputSetId``, ``fields`` ({fieldId, column}) and ``resync``."""
    if current is None or "runBy" in body:
        changes["runBy"] = _choice(body, "runBy", RUNNERS)
    if current is None or "resync" in body:
        changes["resync"] = _choice(body, "resync", RESYNC_MODES)
    if current is None or "outputSetId" in body:
        changes["outputSetId"] = int_field(body.get("outputSetId"), "outputSetId",
                                           required=False)
    if current is None or "fields" in body:
        items = body.get("fields") or []
        if not isinstance(items, list):
            raise invalid("fields", "fields must be a list of {fieldId, column}")
        fields: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            where = f"fields/{index}"
            if not isinstance(item, dict) or set(item) - {"fieldId", "column"}:
                raise invalid(where, "each field is {fieldId, column}")
            field_id = int_field(item.get("fieldId"), f"{where}/fieldId")
            if field_id not in world.table("fields"):
                raise invalid(f"{where}/fieldId", f"no custom field has the id {field_id}",
                              title="Unknown custom field")
            if any(f["fieldId"] == field_id for f in fields):
                raise invalid(f"{where}/fieldId", f"custom field {field_id} is listed twice",
                              code="duplicate")
            column = text_field(item.get("column"), f"{where}/column", required=True).strip()
            fields.append({"fieldId": field_id, "column": column})
        changes["fields"] = fields


def validate_writeback(world: Prospect2World, body: dict[str, Any],
                       current: dict[str, Any] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if current is None or "name" in body:
        changes["name"] = text_field(body.get("name"), "name", required=True).strip()
    if current is None or "match" in body:
        match = body.get("match")
        keys = set(match) if isinstance(match, dict) else set()
        if keys not in ({"campaignName"}, {"campaignTag"}):
            raise invalid("match", "match must be {campaignName: GLOB} or {campaignTag: NAME}")
        key = keys.pop()
        changes["match"] = {key: text_field(match[key], f"match/{key}", required=True)}  # type: ignore[index]
    for name in ("appealId", "sourceGroupId"):
        if current is None or name in body:
            changes[name] = int_field(body.get(name), name)
    if current is None or "mediaTypeId" in body:
        changes["mediaTypeId"] = int_field(body.get("mediaTypeId", 7), "mediaTypeId")
    if current is None or "since" in body:
        since = body.get("since")
        if since is not None and not (isinstance(since, str) and _DATE.match(since)
                                      and _is_date(since)):
            raise invalid("since", f"since must be a date as YYYY-MM-DD, not {since!r}")
        changes["since"] = since  # None: the mapping's creation date (see _writeback_wire)
    return changes


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def crud_routes(path: str, table: str, singular: str, plural: str, validate: Validator,
                render: Callable[[Prospect2World, Mapping[str, Any]], dict[str, Any]],
                ) -> list[Route]:
    """List, create, get, update (partial PUT) and delete for one Part B resource."""

    def row_or_404(request: Request) -> dict[str, Any]:
        row_id = path_id(request, singular)
        row = world_of(request).table(table).get(row_id)
        if row is None:
            raise not_found(singular, row_id)
        return row

    async def list_rows(request: Request) -> JSONResponse:
        world = world_of(request)
        rows = sorted(world.table(table).values(), key=lambda r: r["id"])
        return paged(request, plural, rows, render=lambda r: render(world, r))

    async def create_row(request: Request) -> JSONResponse:
        world, now = world_of(request), now_of(request)
        changes = validate(world, await wrapped_body(request, singular), None)
        row = world.insert(table, {**changes, "cdate": now, "udate": now})
        return JSONResponse({singular: render(world, row)}, status_code=201)

    async def get_row(request: Request) -> JSONResponse:
        return JSONResponse({singular: render(world_of(request), row_or_404(request))})

    async def update_row(request: Request) -> JSONResponse:
        row = row_or_404(request)
        world = world_of(request)
        row.update(validate(world, await wrapped_body(request, singular), row),
                   udate=now_of(request))
        return JSONResponse({singular: render(world, row)})

    async def delete_row(request: Request) -> JSONResponse:
        row = row_or_404(request)
        del world_of(request).table(table)[row["id"]]
        return JSONResponse({})

    return [Route(path, list_rows, methods=["GET"]), Route(path, create_row, methods=["POST"]),
            Route(path + "/{id}", get_row, methods=["GET"]),
            Route(path + "/{id}", update_row, methods=["PUT"]),
            Route(path + "/{id}", delete_row, methods=["DELETE"])]


def _csi_wire(world: Prospect2World, row: Mapping[str, Any]) -> dict[str, Any]:
    return {**to_wire(row), "url": world.csi_url(row["id"])}


def _plain_wire(world: Prospect2World, row: Mapping[str, Any]) -> dict[str, Any]:
    return to_wire(row)


def _sync_wire(world: Prospect2World, row: Mapping[str, Any]) -> dict[str, Any]:
    wire = {**SYNC_DEFAULTS, **to_wire({k: v for k, v in row.items() if not k.startswith("_")})}
    wire["fields"] = [{"fieldId": str(f["fieldId"]), "column": f["column"]}
                      for f in wire["fields"]]
    return wire


def _writeback_wire(world: Prospect2World, row: Mapping[str, Any]) -> dict[str, Any]:
    wire = to_wire(row)
    wire["since"] = row.get("since") or str(row["cdate"])[:10]
    return wire


def activity_window(entries: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The entries of the last 30 days, newest first."""
    cutoff = now - timedelta(days=ACTIVITY_DAYS)
    return [e for e in reversed(entries) if datetime.fromisoformat(e["runAt"]) >= cutoff]


async def data_sync_activity(request: Request) -> JSONResponse:
    """Prospect2's own run history of a sync (``GET /tessitura/dataSyncs/{id}/activity``)."""
    row_id = path_id(request, "dataSync")
    row = world_of(request).table("dataSyncs").get(row_id)
    if row is None:
        raise not_found("dataSync", row_id)
    entries = row.get("_runner", {}).get("activity", [])
    return paged(request, "activities", activity_window(entries, control_of(request).clock.now()))


ROUTES = [
    Route("/tessitura/account", get_account, methods=["GET"]),
    *crud_routes("/tessitura/csiWebhooks", "csiWebhooks", "csiWebhook", "csiWebhooks",
                 validate_csi_webhook, _csi_wire),
    *crud_routes("/tessitura/dataSyncs", "dataSyncs", "dataSync", "dataSyncs",
                 validate_data_sync, _sync_wire),
    Route("/tessitura/dataSyncs/{id}/activity", data_sync_activity, methods=["GET"]),
    *crud_routes("/tessitura/writebackMappings", "writebackMappings", "writebackMapping",
                 "writebackMappings", validate_writeback, _writeback_wire),
]
