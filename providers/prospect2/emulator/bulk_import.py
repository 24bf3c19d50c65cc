"""``/import/bulk_import`` and ``/import/info``: the cheap way to tag many contacts at once.

A payload is validated as a whole (400 with ``failureReasons`` before anything is queued);
the emulator then processes it at once, so ``/import/info`` always answers ``completed``
with the contact ids that succeeded (in the order they were sent) and the emails that failed.
Beyond ActiveCampaign's shape, ``/import/info`` adds ``failureReasons`` (why each email failed)
and ``exclude_automations`` (what the import asked), so tests can see both.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.emulator_kit.guard import SlidingWindowLimiter, account_key
from providers.prospect2.emulator.contacts import EMAIL, store_contact
from providers.prospect2.emulator.context import control_of, now_of, world_of
from providers.prospect2.emulator.wire import ApiError, json_body
from providers.prospect2.emulator.world import Prospect2World

MAX_CONTACTS_PER_IMPORT = 250
IMPORTS_PER_MINUTE = 100
#: Finished batches kept for ``/import/info``; older ones are forgotten.
KEPT_BATCHES = 1000
#: contactList statuses an import's ``subscribe`` / ``unsubscribe`` entries set.
SUBSCRIBED, UNSUBSCRIBED = 1, 2


def import_limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(IMPORTS_PER_MINUTE, 60.0)


def _refused(message: str, reasons: list[Any], status: int = 400) -> JSONResponse:
    return JSONResponse({"success": 0, "message": message, "failureReasons": reasons},
                        status_code=status)


def _list_ids(entries: Any) -> list[int] | None:
    """``[{"listid": "3"}, ...]`` as ids; None when the entries are malformed."""
    if not isinstance(entries, list):
        return None
    ids = [str(e.get("listid", "")) if isinstance(e, dict) else "" for e in entries]
    return [int(i) for i in ids] if all(i.isdigit() for i in ids) else None


def _payload_problems(world: Prospect2World, contacts: list[Any]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    for index, contact in enumerate(contacts):
        if not isinstance(contact, dict):
            problems.append({"contact": index, "failureReason": "each contact must be an object"})
            continue
        email = contact.get("email")
        if not isinstance(email, str) or "@" not in email:
            problems.append({"contact": index, "failureReason": "Field 'email' incorrect format"})
        tags = contact.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            problems.append({"contact": index, "failureReason": "Field 'tags' must be a list of "
                             "tag names"})
        fields = contact.get("fields", [])
        if not isinstance(fields, list) or not all(
                isinstance(f, dict) and str(f.get("id", "")).isdigit() for f in fields):
            problems.append({"contact": index, "failureReason": "Field 'fields' must be a list "
                             "of {id, value}"})
        for name in ("subscribe", "unsubscribe"):
            ids = _list_ids(contact.get(name, []))
            if ids is None:
                problems.append({"contact": index, "failureReason": f"Field '{name}' must be "
                                 "a list of {listid}"})
            elif any(i not in world.table("lists") for i in ids):
                missing = next(i for i in ids if i not in world.table("lists"))
                problems.append({"contact": index,
                                 "failureReason": f"Field '{name}': no list with id {missing}"})
    return problems


def _import_one(world: Prospect2World, item: dict[str, Any], now: str) -> int:
    """Create or update one contact, set its fields and tags; answers its id."""
    email = item["email"].strip()
    current = world.contacts.by_email(email)
    changes: dict[str, Any] = {} if current else {"email": email}
    for wire_name, name in (("first_name", "firstName"), ("last_name", "lastName"),
                            ("phone", "phone")):
        if isinstance(item.get(wire_name), str) and (item[wire_name] or current is None):
            changes[name] = item[wire_name]
    contact = (store_contact(world, current, changes, now)
               if changes or current is None else current)
    for field in item.get("fields", []):
        if int(field["id"]) in world.table("fields"):
            value = field.get("value")
            world.set_field_value(contact["id"], int(field["id"]),
                                  "" if value is None else str(value), now)
    for name in item.get("tags", []):
        tag = world.tag_by_name(name) or world.insert(
            "tags", {"tag": name.strip(), "tagType": "contact", "description": "",
                     "cdate": now})
        world.tag_contact(contact["id"], tag["id"], now)
    for name, status in (("subscribe", SUBSCRIBED), ("unsubscribe", UNSUBSCRIBED)):
        for list_id in _list_ids(item.get(name, [])) or []:
            world.subscribe(contact["id"], list_id, status, now)
    return contact["id"]


async def bulk_import(request: Request) -> JSONResponse:
    control = control_of(request)
    # Imports are always counted, so switching enforcement on mid-run limits at once.
    admitted = request.app.state.import_limiter.admit(account_key(request.scope),
                                                      control.faults.rate_limit_scale)
    if control.faults.enforce_rate_limit and not admitted:
        control.stats.rate_limited += 1
        # 400, not 429: the description's "Other Error" answer of this operation.
        response = _refused("Rate limit exceeded.", [
            "Up to 100 imports may be requested per minute.Please batch contacts into larger "
            "requests, or retry this request in a minute."])
        response.headers["Retry-After"] = "60"
        return response
    body = await json_body(request)
    contacts = body.get("contacts")
    if not isinstance(contacts, list) or not contacts:
        return _refused("JSON payload did not pass validation. 'contacts' must be a non-empty "
                        "list.", [{"contact": 0, "failureReason": "no contacts"}])
    if len(contacts) > MAX_CONTACTS_PER_IMPORT:
        return _refused(f"JSON payload did not pass validation. At most "
                        f"{MAX_CONTACTS_PER_IMPORT} contacts may be imported per request.",
                        [{"contact": MAX_CONTACTS_PER_IMPORT,
                          "failureReason": f"{len(contacts)} contacts in one request"}])
    problems = _payload_problems(world_of(request), contacts)
    if problems:
        return _refused("JSON payload did not pass validation. Please fix failure Reasons and "
                        "retry. The import was not queued for processing.", problems)
    world, now = world_of(request), now_of(request)
    success: list[str] = []
    failure: list[str] = []
    reasons: list[dict[str, str]] = []
    for item in contacts:
        if EMAIL.match(item["email"].strip()):
            success.append(str(_import_one(world, item, now)))
        else:
            failure.append(item["email"])
            reasons.append({"email": item["email"],
                            "failureReason": f"{item['email']!r} is not a valid email address"})
    excluded = body.get("exclude_automations") in (True, 1, "1", "true")
    batch_id = world.new_batch_id()
    world.imports[batch_id] = {"status": "completed", "success": success, "failure": failure,
                               "failureReasons": reasons, "forDate": now[:10],
                               "excludeAutomations": excluded}
    while len(world.imports) > KEPT_BATCHES:
        world.imports.pop(next(iter(world.imports)))
    return JSONResponse({"Success": 1, "queued_contacts": len(contacts), "batchId": batch_id,
                         "message": "Contact import queued"})


async def import_info(request: Request) -> JSONResponse:
    batch_id = request.query_params.get("batchId")
    if not batch_id:
        return JSONResponse({"success": 0, "message": "'batchId' is a required field."},
                            status_code=400)
    batch = world_of(request).imports.get(batch_id)
    if batch is None:
        raise ApiError(404, "Not Found", f"No import batch with id {batch_id}",
                       code="not_found")
    answer = {k: batch[k] for k in ("status", "success", "failure")}
    answer["failureReasons"] = batch.get("failureReasons", [])
    answer["exclude_automations"] = bool(batch.get("excludeAutomations"))
    return JSONResponse(answer)


async def import_status_list(request: Request) -> JSONResponse:
    by_date: dict[str, list[int]] = {}
    for batch in world_of(request).imports.values():
        counts = by_date.setdefault(batch["forDate"], [0, 0])
        counts[0] += 1
        counts[1] += len(batch["success"]) + len(batch["failure"])
    return JSONResponse({"outstanding": [], "recentlyCompleted": [
        {"forDate": day, "batches": str(b), "contacts": str(c)}
        for day, (b, c) in sorted(by_date.items())]})


ROUTES = [
    Route("/import/bulk_import", bulk_import, methods=["POST"]),
    Route("/import/bulk_import", import_status_list, methods=["GET"]),
    Route("/import/info", import_info, methods=["GET"]),
]
