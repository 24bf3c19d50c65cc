"""The short list of known differences from the vendors' descriptions, each with its reason.

An answer that differs from the description fails the contract suite unless an entry here
names its API, operation (``*`` for any) and status. An entry with a ``shape`` still checks
the body against it, so an allowed status cannot carry an arbitrary body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.contract.described import DescribedOperation

#: ActiveCampaign's not-found answer, as every described 404 shows it.
NOT_FOUND_SHAPE: dict[str, Any] = {
    "type": "object", "required": ["message"],
    "properties": {"message": {"type": "string", "pattern": "^No Result found for "}}}
#: ActiveCampaign's validation answer, as the described 422s show it (``POST /contacts``).
VALIDATION_SHAPE: dict[str, Any] = {
    "type": "object", "required": ["errors"],
    "properties": {"errors": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["title"],
        "properties": {"title": {"type": "string"}, "detail": {"type": "string"},
                       "code": {"type": "string"},
                       "source": {"type": "object",
                                  "properties": {"pointer": {"type": "string"}}}}}}}}


@dataclass(frozen=True)
class Allowance:
    api: str
    method: str
    template: str
    status: int
    why: str
    #: What the body must still fit: a schema, a pointer into the description, or None.
    shape: dict[str, Any] | str | None = None
    #: Properties that may be null where the described schema wants a value; the body must
    #: fit the described schema once those nulls are set aside.
    null_ok: tuple[str, ...] = ()


ALLOWANCES = (
    # Many operations' descriptions list no 404 (PUT /tags/{id}, GET /fields/{id},
    # GET /campaigns/{id}, the webhooks...), yet a missing id cannot answer 200. The
    # emulator answers AC's not-found words with 404, as the described 404s do; where a
    # description shows those words under 403 instead, it answers 403 (no allowance needed).
    Allowance("prospect2", "*", "*", 404,
              "missing object id on an operation whose description lists no 404",
              NOT_FOUND_SHAPE),
    # AC validates every write the same way, but only some descriptions list the 422
    # (POST /fieldRels, POST /webhooks, PUT /fieldValues/{id}, POST /listGroups do not);
    # answering 403 ("Forbidden") for a bad field id would read as a refused token.
    Allowance("prospect2", "*", "*", 422,
              "validation refusal on a write whose description lists no 422",
              VALIDATION_SHAPE),
    # The description shows only the create (201); an upsert that updates answers 200 with
    # the same body, which is how clients tell the two apart.
    Allowance("prospect2", "POST", "/contact/sync", 200,
              "contact/sync updated an existing contact",
              "#/paths/~1contact~1sync/post/responses/201/content/application~1json/schema"),
)

#: An allowance for one operation's shape, where the description contradicts itself.
SHAPE_ALLOWANCES = (
    # A contact still in an automation has not been removed: AC sends ``remdate: null``
    # (the contact's own answer, GET /contacts/{id}, shows it so); the list and single forms
    # were generated from an example of a finished entry, which has a date.
    Allowance("prospect2", "GET", "/contactAutomations", 200,
              "remdate is null while the contact is still in the automation",
              null_ok=("remdate",)),
    Allowance("prospect2", "GET", "/contactAutomations/{id}", 200,
              "remdate is null while the contact is still in the automation",
              null_ok=("remdate",)),
    # The schema is C#'s generic ``object``; the operation's own summary says it returns "a
    # collection of the first result set" (and tessitura-api.md: an array of row objects).
    Allowance("tessitura", "POST", "/Custom/Execute", 200,
              "answers a collection of rows, as the operation's summary says",
              {"type": "array", "items": {"type": "object"}}),
    # The schema makes ``automation`` an array and the example is a pasted list answer
    # (``automations: [...]``); AC answers the single object, like every GET /x/{id}.
    Allowance("prospect2", "GET", "/automations/{id}", 200,
              "description's schema and example contradict the single-object answer",
              {"type": "object", "required": ["automation"],
               "properties": {"automation": {"type": "object", "required": ["id", "name"]}}}),
)


def allowance_for(api: str, operation: DescribedOperation, status: int) -> Allowance | None:
    for entry in (*SHAPE_ALLOWANCES, *ALLOWANCES):
        if (entry.api == api and entry.status == status
                and entry.method in ("*", operation.method)
                and entry.template in ("*", operation.template)):
            return entry
    return None
